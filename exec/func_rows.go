package exec

import (
	"fmt"
	"regexp"

	"github.com/apache/arrow/go/v17/arrow"
)

// rowFunc is the shape shared by the row-at-a-time scalar functions
// (text, numeric helpers, dates): arguments are converted once at bind
// time to the kinds the function reads, and the kernel is called per row
// with the row's values. A NULL argument makes the row NULL unless the
// function asks to see NULLs (nullsIn).

// argKind is how a rowFunc reads one argument.
type argKind byte

const (
	argStr   argKind = 's' // VARCHAR
	argInt   argKind = 'i' // INT64
	argFloat argKind = 'f' // FLOAT64
	argTs    argKind = 't' // TIMESTAMP (a DATE is widened)
	argDate  argKind = 'd' // DATE
)

// rowIn is one row's arguments.
type rowIn struct {
	i    int
	strs []strCol
	ints [][]int64
	flts [][]float64
	nuls []func(int) bool
	// per-evaluation scratch (a kernel is shared by concurrent partitions,
	// so it keeps nothing of its own between rows)
	offs, offs2 []int
	buf         []byte
	res         map[string]*regexp.Regexp
}

func (r *rowIn) str(k int) []byte    { return r.strs[k].at(r.i) }
func (r *rowIn) int(k int) int64     { return r.ints[k][r.i] }
func (r *rowIn) float(k int) float64 { return r.flts[k][r.i] }
func (r *rowIn) isNull(k int) bool   { return r.nuls[k](r.i) }
func (r *rowIn) n() int              { return len(r.nuls) }
func (r *rowIn) strOK(k int) ([]byte, bool) {
	if r.isNull(k) {
		return nil, false
	}
	return r.str(k), true
}

// rowOut is one row's result: b for VARCHAR, i for INT64/DATE/TIMESTAMP,
// f for FLOAT64, t for BOOLEAN; null makes it NULL.
type rowOut struct {
	b    []byte
	i    int64
	f    float64
	t    bool
	null bool
}

// convertArg converts argument e to kind k for function fn (a bind-time
// type error when it cannot).
func convertArg(fn string, e Expr, k argKind) (Expr, error) {
	t := e.DataType()
	switch k {
	case argStr:
		return wantString(fn, e)
	case argInt:
		return wantInt(fn, e)
	case argFloat:
		if isNull(t) {
			return &litExpr{typ: tFloat64}, nil
		}
		if !isNumeric(t) {
			return nil, fmt.Errorf("%s needs a numeric argument, not %s", fn, TypeName(t))
		}
		return castTo(e, tFloat64)
	case argTs:
		x, err := temporalArg(fn, e)
		if err != nil {
			return nil, err
		}
		if isNull(x.DataType()) || isDate(x.DataType()) {
			return castTo(x, tTs)
		}
		return x, nil
	case argDate:
		if isNull(t) {
			return &litExpr{typ: tDate}, nil
		}
		if isDate(t) {
			return e, nil
		}
		if isTimestamp(t) {
			return castTo(e, tDate)
		}
		if c, ok := asConst(e); ok && isString(t) {
			if v, err := convertValue(c.val, t, tDate); err == nil {
				return &litExpr{typ: tDate, val: v}, nil
			}
		}
		return nil, fmt.Errorf("%s needs a DATE argument, not %s", fn, TypeName(t))
	}
	return nil, fmt.Errorf("internal error: %s: unknown argument kind %c", fn, k)
}

// rowFn is a scalar function computed row by row.
type rowFnSpec struct {
	name    string
	kinds   []argKind // one per argument
	typ     arrow.DataType
	nullsIn bool // the kernel sees NULL arguments (rowIn.isNull) instead of a NULL result
	label   string
	// kernel computes row r.i into o; an error is raised only if the row
	// is selected.
	kernel func(r *rowIn, o *rowOut) error
}

// newRowFn converts the arguments and builds the expression.
func newRowFn(spec rowFnSpec, args []Expr) (Expr, error) {
	if len(spec.kinds) != len(args) {
		return nil, fmt.Errorf("internal error: %s: %d argument kinds for %d arguments", spec.name, len(spec.kinds), len(args))
	}
	xs := make([]Expr, len(args))
	for i, a := range args {
		x, err := convertArg(spec.name, a, spec.kinds[i])
		if err != nil {
			return nil, err
		}
		xs[i] = x
	}
	if !spec.nullsIn && anyNullConst(xs) {
		return &litExpr{typ: spec.typ}, nil
	}
	return &funcExpr{name: spec.name, args: xs, typ: spec.typ, label: spec.label, eval: spec.eval}, nil
}

func (spec rowFnSpec) eval(ctx *EvalContext, n int, as []arrow.Array) (arrow.Array, error) {
	r := &rowIn{strs: make([]strCol, len(as)), ints: make([][]int64, len(as)), flts: make([][]float64, len(as)), nuls: make([]func(int) bool, len(as))}
	for k, a := range as {
		switch spec.kinds[k] {
		case argStr:
			r.strs[k] = newStrCol(a)
		case argInt, argTs, argDate:
			switch a.DataType().ID() {
			case arrow.DATE32:
				d := values[int32](a)
				w := make([]int64, len(d))
				for j, v := range d {
					w[j] = int64(v)
				}
				r.ints[k] = w
			default:
				r.ints[k] = values[int64](a)
			}
		case argFloat:
			r.flts[k] = values[float64](a)
		}
		vb, off := validityOf(a)
		r.nuls[k] = func(i int) bool { return vb != nil && !getBit(vb, off+i) }
	}
	var valid []byte
	if !spec.nullsIn {
		if v := validityAnd(ctx.Mem, n, as...); v != nil {
			defer v.Release()
			valid = v.Buf()
		}
	}
	var (
		so *strOut
		io fixedOut[int64]
		fo fixedOut[float64]
		bo []bool
		bv []bool
	)
	switch spec.typ.ID() {
	case arrow.STRING:
		so = newStrOut(ctx.Mem, n, 0)
	case arrow.FLOAT64:
		fo = newFixedOut[float64](ctx.Mem, spec.typ, n)
	case arrow.BOOL:
		bo, bv = make([]bool, n), make([]bool, n)
	case arrow.DATE32:
		io = newFixedOut[int64](ctx.Mem, tInt64, n)
	default:
		io = newFixedOut[int64](ctx.Mem, spec.typ, n)
	}
	fail := func(err error) (arrow.Array, error) {
		switch {
		case so != nil:
			so.finish().Release()
		case fo.buf != nil:
			fo.release()
		case io.buf != nil:
			io.release()
		}
		return nil, err
	}
	var o rowOut
	nulls := false
	nullAt := make([]bool, n)
	for i := 0; i < n; i++ {
		r.i = i
		o = rowOut{b: o.b[:0]}
		if valid != nil && !getBit(valid, i) {
			o.null = true
		} else if err := spec.kernel(r, &o); err != nil {
			if ctx.matters(i) {
				return fail(err)
			}
			o.null = true
		}
		nullAt[i] = o.null
		nulls = nulls || o.null
		switch {
		case so != nil:
			if o.null {
				so.addNull()
			} else {
				so.add(o.b)
			}
		case fo.buf != nil:
			fo.v[i] = o.f
		case bo != nil:
			bo[i], bv[i] = o.t, !o.null
		default:
			io.v[i] = o.i
		}
	}
	switch {
	case so != nil:
		return so.finish(), nil
	case bo != nil:
		out := newBoolOut(ctx.Mem, n)
		packBools(out.vals.Buf(), bo)
		if nulls {
			out.valid = newBitmap(ctx.Mem, n, false)
			packBools(out.valid.Buf(), bv)
		}
		return out.finish(), nil
	}
	if fo.buf != nil {
		if nulls {
			for i, z := range nullAt {
				if z {
					fo.setNull(ctx.Mem, i)
				}
			}
		}
		return fo.finish(), nil
	}
	if nulls {
		for i, z := range nullAt {
			if z {
				io.setNull(ctx.Mem, i)
			}
		}
	}
	if spec.typ.ID() == arrow.DATE32 {
		d := newFixedOut[int32](ctx.Mem, tDate, n)
		for i, v := range io.v {
			d.v[i] = int32(v)
		}
		d.valid = io.valid
		io.valid = nil
		io.release()
		return d.finish(), nil
	}
	return io.finish(), nil
}

// constString returns the value of a constant VARCHAR argument (ok false
// when the argument is not a constant; null true for a NULL constant).
func constString(e Expr) (s string, null, ok bool) {
	c, isConst := asConst(e)
	if !isConst {
		return "", false, false
	}
	if c.val == nil {
		return "", true, true
	}
	if v, isStr := c.val.(string); isStr {
		return v, false, true
	}
	return "", false, false
}

// constInt returns the value of a constant integer argument.
func constInt(e Expr) (v int64, null, ok bool) {
	c, isConst := asConst(e)
	if !isConst {
		return 0, false, false
	}
	if c.val == nil {
		return 0, true, true
	}
	if !isInteger(c.typ) {
		return 0, false, false
	}
	x, err := convertValue(c.val, c.typ, tInt64)
	if err != nil {
		return 0, false, false
	}
	return x.(int64), false, true
}
