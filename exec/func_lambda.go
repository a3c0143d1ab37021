package exec

import (
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// List functions that take a lambda, as DuckDB names them:
//
//	list_transform(list, x -> expr)    each element mapped (aliases apply, list_apply, array_transform, array_apply)
//	list_filter(list, x -> cond)       the elements where cond is TRUE (aliases filter, array_filter)
//	list_reduce(list, (acc, x) -> expr) the elements folded left to right (aliases reduce, array_reduce)
//
// The lambda may take the element's 1-based index as a last parameter:
// (x, i) -> ..., (acc, x, i) -> .... Its body may use the row's columns
// (captures). Evaluation is vectorised: the body runs once per batch over
// every element of every row (list_reduce: once per element position),
// with the captured columns repeated for each element, and the results
// are put back into lists with the input's offsets.

var lambdaFuncs = map[string]string{
	"list_transform": "list_transform", "apply": "list_transform", "list_apply": "list_transform",
	"array_transform": "list_transform", "array_apply": "list_transform",
	"list_filter": "list_filter", "filter": "list_filter", "array_filter": "list_filter",
	"list_reduce": "list_reduce", "reduce": "list_reduce", "array_reduce": "list_reduce",
}

func init() {
	// Registered as scalar functions too, so they are listed and
	// suggested with the others; a call binds through NewLambdaCall, and
	// NewCall (no lambda) explains the form.
	for name := range lambdaFuncs {
		scalarFuncs[name] = func(name string, _ []Expr) (Expr, error) {
			return nil, fmt.Errorf("%s takes a list and a lambda, as in %s(days, x -> x > 0)", name, name)
		}
	}
}

// IsLambdaFunction reports whether name is a list function taking a lambda.
func IsLambdaFunction(name string) bool {
	_, ok := lambdaFuncs[strings.ToLower(name)]
	return ok
}

// LambdaFunctionNames lists the functions taking a lambda.
func LambdaFunctionNames() []string {
	var out []string
	for n := range lambdaFuncs {
		out = append(out, n)
	}
	return out
}

// LambdaParamTypes returns the types of the parameters of name's lambda
// over a list of type list, given how many parameters the lambda has: the
// element (list_reduce: the accumulator, then the element) and, when one
// more is given, the element's index (BIGINT, from 1).
func LambdaParamTypes(name string, list arrow.DataType, n int) ([]arrow.DataType, error) {
	canon := lambdaFuncs[strings.ToLower(name)]
	if !IsList(list) {
		return nil, fmt.Errorf("%s needs a list (an array field declared with OCCURS) as its first argument, not %s", name, TypeName(list))
	}
	elem := ListElem(list)
	if canon == "list_reduce" {
		switch n {
		case 2:
			return []arrow.DataType{elem, elem}, nil
		case 3:
			return []arrow.DataType{elem, elem, tInt64}, nil
		}
		return nil, fmt.Errorf("%s's lambda takes two parameters, the accumulated value and the element, as in (acc, x) -> acc + x, or three with the element's index (acc, x, i); this one has %d", name, n)
	}
	switch n {
	case 1:
		return []arrow.DataType{elem}, nil
	case 2:
		return []arrow.DataType{elem, tInt64}, nil
	}
	return nil, fmt.Errorf("%s's lambda takes one parameter, the element, as in x -> x * 2, or two with the element's index, (x, i); this one has %d", name, n)
}

// lambdaExpr is a list function call with a lambda.
type lambdaExpr struct {
	name  string // as called
	canon string // list_transform, list_filter or list_reduce
	list  Expr
	// captures are the row's values the body uses, evaluated over the
	// input batch; the body sees them as its first columns, then the
	// parameters.
	captures []Expr
	body     Expr
	params   []string
	typ      arrow.DataType
}

// NewLambdaCall builds name(list, params -> body). body is an expression
// over batches whose columns are the captures' values, then the
// parameters (of the types LambdaParamTypes gave). captures may be nil
// when the expression is only built for its type.
func NewLambdaCall(name string, list, body Expr, captures []Expr, params []string) (Expr, error) {
	canon, ok := lambdaFuncs[strings.ToLower(name)]
	if !ok {
		return nil, fmt.Errorf("%s does not take a lambda", name)
	}
	if _, err := LambdaParamTypes(name, list.DataType(), len(params)); err != nil {
		return nil, err
	}
	e := &lambdaExpr{name: strings.ToLower(name), canon: canon, list: list, captures: captures, body: body, params: params}
	elem := ListElem(list.DataType())
	switch canon {
	case "list_transform":
		e.typ = arrow.ListOf(body.DataType())
	case "list_filter":
		if bt := body.DataType(); !isBool(bt) && !isNull(bt) {
			return nil, fmt.Errorf("%s's lambda must give a BOOLEAN (the elements to keep), not %s", name, TypeName(bt))
		}
		e.typ = list.DataType()
	case "list_reduce":
		if !arrow.TypeEqual(body.DataType(), elem) {
			c, err := NewCast(body, elem)
			if err != nil {
				return nil, fmt.Errorf("%s's lambda gives %s, which does not convert to the element type %s: %v", name, TypeName(body.DataType()), TypeName(elem), err)
			}
			e.body = c
		}
		e.typ = elem
	}
	return e, nil
}

func (e *lambdaExpr) DataType() arrow.DataType { return e.typ }

// kids are the parts evaluated over the input batch (the body is not:
// its columns are the captures and the parameters).
func (e *lambdaExpr) kids() []Expr { return append([]Expr{e.list}, e.captures...) }

func (e *lambdaExpr) String() string {
	ps := strings.Join(e.params, ", ")
	if len(e.params) > 1 {
		ps = "(" + ps + ")"
	}
	return e.name + "(" + unparen(e.list.String()) + ", " + ps + " -> " + unparen(e.body.String()) + ")"
}

// lambdaBatch is the elements of a batch's lists, flattened: vals[k] is
// an element of row parent[k], at index idx[k] (from 1).
type lambdaBatch struct {
	l       *array.List
	first   int // offset of the first element in l's values
	vals    arrow.Array
	parent  []int32
	idx     []int64
	caps    []arrow.Array // captures over the input batch
	sel     []int32       // elements that matter (nil: all)
	hasNull bool
}

func (b *lambdaBatch) release() {
	b.l.Release()
	b.vals.Release()
	releaseAll(b.caps)
}

// flatten evaluates the list and the captures over batch.
func (e *lambdaExpr) flatten(ctx *EvalContext, batch arrow.Record) (*lambdaBatch, error) {
	la, err := ctx.eval(e.list, batch)
	if err != nil {
		return nil, err
	}
	l, ok := la.(*array.List)
	if !ok {
		la.Release()
		return nil, fmt.Errorf("internal error: %s got %s", e.name, la.DataType())
	}
	b := &lambdaBatch{l: l}
	n := l.Len()
	last := 0
	if n > 0 {
		s, _ := l.ValueOffsets(0)
		_, en := l.ValueOffsets(n - 1)
		b.first, last = int(s), int(en)
	}
	b.vals = array.NewSlice(l.ListValues(), int64(b.first), int64(last))
	m := last - b.first
	b.parent, b.idx = make([]int32, m), make([]int64, m)
	b.hasNull = l.NullN() > 0
	narrow := ctx.sel != nil || b.hasNull
	if narrow {
		b.sel = make([]int32, 0, m)
	}
	for i := range n {
		s, en := l.ValueOffsets(i)
		use := narrow && l.IsValid(i) && ctx.matters(i)
		for k := int(s); k < int(en); k++ {
			p := k - b.first
			b.parent[p], b.idx[p] = int32(i), int64(k-int(s)+1)
			if use {
				b.sel = append(b.sel, int32(p))
			}
		}
	}
	for _, c := range e.captures {
		a, err := ctx.eval(c, batch)
		if err != nil {
			b.release()
			return nil, err
		}
		b.caps = append(b.caps, a)
	}
	return b, nil
}

// record builds the body's input: the captures taken at rows, then the
// parameter columns.
func (e *lambdaExpr) record(mem memory.Allocator, caps []arrow.Array, rows []int32, params ...arrow.Array) arrow.Record {
	fields := make([]arrow.Field, 0, len(caps)+len(params))
	cols := make([]arrow.Array, 0, len(caps)+len(params))
	for i, c := range caps {
		fields = append(fields, arrow.Field{Name: fmt.Sprintf("capture%d", i), Type: c.DataType(), Nullable: true})
		cols = append(cols, takeArray(mem, c, rows))
	}
	for i, p := range params {
		fields = append(fields, arrow.Field{Name: e.params[i], Type: p.DataType(), Nullable: true})
		p.Retain()
		cols = append(cols, p)
	}
	rec := array.NewRecord(arrow.NewSchema(fields, nil), cols, int64(len(rows)))
	releaseAll(cols)
	return rec
}

func lambdaIndexes(mem memory.Allocator, v []int64) arrow.Array {
	o := newFixedOut[int64](mem, tInt64, len(v))
	copy(o.v, v)
	return o.finish()
}

func (e *lambdaExpr) Eval(ctx *EvalContext, batch arrow.Record) (arrow.Array, error) {
	b, err := e.flatten(ctx, batch)
	if err != nil {
		return nil, err
	}
	defer b.release()
	if e.canon == "list_reduce" {
		return e.reduce(ctx, b)
	}
	mem := ctx.Mem
	params := []arrow.Array{b.vals}
	if len(e.params) == 2 {
		params = append(params, lambdaIndexes(mem, b.idx))
		defer params[1].Release()
	}
	rec := e.record(mem, b.caps, b.parent, params...)
	defer rec.Release()
	r, err := (&EvalContext{Mem: mem, sel: b.sel}).eval(e.body, rec)
	if err != nil {
		return nil, err
	}
	defer r.Release()
	n := b.l.Len()
	offs := newBuf(mem, (n+1)*4)
	ov := arrow.Int32Traits.CastFromBytes(offs.Bytes())
	var vals arrow.Array
	if e.canon == "list_transform" {
		for i := range n {
			s, _ := b.l.ValueOffsets(i)
			ov[i] = int32(int(s) - b.first)
		}
		ov[n] = int32(b.vals.Len())
		r.Retain()
		vals = r
	} else {
		var keep []int32
		bools, _ := r.(*array.Boolean)
		for i := range n {
			ov[i] = int32(len(keep))
			s, en := b.l.ValueOffsets(i)
			if !b.l.IsValid(i) || bools == nil {
				continue
			}
			for k := int(s) - b.first; k < int(en)-b.first; k++ {
				if bools.IsValid(k) && bools.Value(k) {
					keep = append(keep, int32(k))
				}
			}
		}
		ov[n] = int32(len(keep))
		vals = takeArray(mem, b.vals, keep)
	}
	defer vals.Release()
	var valid *memory.Buffer
	nulls := 0
	if b.hasNull {
		valid = newBitmap(mem, n, true)
		for i := range n {
			if b.l.IsNull(i) {
				clearBit(valid.Buf(), i)
				nulls++
			}
		}
	}
	data := array.NewData(e.typ, n, []*memory.Buffer{valid, offs}, []arrow.ArrayData{vals.Data()}, nulls, 0)
	out := array.MakeFromData(data)
	data.Release()
	offs.Release()
	if valid != nil {
		valid.Release()
	}
	return out, nil
}

// reduce folds each row's elements left to right: the accumulator starts
// as the first element; step k (from 1) evaluates the body once over the
// rows with more than k elements. A NULL list gives NULL; an empty list
// is an error, as in DuckDB.
func (e *lambdaExpr) reduce(ctx *EvalContext, b *lambdaBatch) (arrow.Array, error) {
	mem := ctx.Mem
	n := b.l.Len()
	starts := make([]int32, n) // first element of each row, in b.vals
	lens := make([]int, n)
	longest := 0
	for i := range n {
		if !b.l.IsValid(i) || !ctx.matters(i) {
			continue
		}
		s, en := b.l.ValueOffsets(i)
		if s == en {
			return nil, fmt.Errorf("%s of an empty list (row %d): there is no first element to start from", e.name, i+1)
		}
		starts[i], lens[i] = int32(int(s)-b.first), int(en-s)
		longest = max(longest, lens[i])
	}
	if longest == 0 {
		return nullsOf(mem, e.typ, n), nil
	}
	acc := takeArray(mem, b.vals, starts)
	defer func() { acc.Release() }()
	for k := 1; k < longest; k++ {
		var rows, xs []int32
		var idx []int64
		for i := range n {
			if lens[i] > k {
				rows, xs, idx = append(rows, int32(i)), append(xs, starts[i]+int32(k)), append(idx, int64(k+1))
			}
		}
		accs := takeArray(mem, acc, rows)
		x := takeArray(mem, b.vals, xs)
		params := []arrow.Array{accs, x}
		if len(e.params) == 3 {
			params = append(params, lambdaIndexes(mem, idx))
		}
		rec := e.record(mem, b.caps, rows, params...)
		releaseAll(params)
		r, err := (&EvalContext{Mem: mem}).eval(e.body, rec)
		rec.Release()
		if err != nil {
			return nil, err
		}
		// The new accumulator: the body's result for the rows still
		// going, the old value for the others.
		ci, ri := make([]int32, n), make([]int32, n)
		for i := range n {
			ri[i] = int32(i)
		}
		for j, row := range rows {
			ci[row], ri[row] = 1, int32(j)
		}
		next := takeChunks(mem, e.typ, []arrow.Array{acc, r}, ci, ri)
		r.Release()
		acc.Release()
		acc = next
	}
	// Rows without a list (NULL, or not selected) are NULL: taken from a
	// one-NULL chunk, which works for every element type.
	null := nullsOf(mem, e.typ, 1)
	defer null.Release()
	ci, ri := make([]int32, n), make([]int32, n)
	for i := range n {
		ri[i] = int32(i)
		if lens[i] == 0 {
			ci[i], ri[i] = 1, 0
		}
	}
	return takeChunks(mem, e.typ, []arrow.Array{acc, null}, ci, ri), nil
}
