package exec

import (
	"fmt"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// List functions, over the LIST columns of array fields (OCCURS), as
// DuckDB names them: list_extract (x[i]), len / array_length, and the
// list aggregates list_sum, list_avg, list_min and list_max.

func init() {
	scalarFuncs["list_extract"] = buildListExtract
	scalarFuncs["list_element"] = buildListExtract
	scalarFuncs["array_extract"] = buildListExtract
	scalarFuncs["unnest"] = buildUnnestCall
	scalarFuncs["generate_subscripts"] = buildUnnestCall
	scalarFuncs["len"] = buildLen
	scalarFuncs["array_length"] = buildLen
	for _, fn := range []string{"sum", "avg", "min", "max"} {
		scalarFuncs["list_"+fn] = buildListAgg
		scalarFuncs["array_"+fn] = buildListAgg
	}
}

// IsList reports whether t is a LIST type.
func IsList(t arrow.DataType) bool { return t != nil && t.ID() == arrow.LIST }

// ListElem is the element type of a LIST type.
func ListElem(t arrow.DataType) arrow.DataType { return t.(*arrow.ListType).Elem() }

func wantList(name string, x Expr) error {
	if !IsList(x.DataType()) {
		return fmt.Errorf("%s needs a list (an array field declared with OCCURS), not %s", name, TypeName(x.DataType()))
	}
	return nil
}

// listBounds returns row i's element range [start, end) in the values of
// l, and whether the row holds a list (not NULL).
func listBounds(l *array.List, i int) (int, int, bool) {
	if l.IsNull(i) {
		return 0, 0, false
	}
	s, e := l.ValueOffsets(i)
	return int(s), int(e), true
}

// buildLen is len(x): the number of elements of a list (NULL for a NULL
// list), or the number of characters of a string, as length(x).
func buildLen(name string, args []Expr) (Expr, error) {
	if err := arity(name, args, 1, 1); err != nil {
		return nil, err
	}
	if !IsList(args[0].DataType()) {
		if name == "len" && isString(args[0].DataType()) {
			return buildLength(name, args)
		}
		return nil, wantList(name, args[0])
	}
	return &funcExpr{name: name, args: args, typ: tInt64, eval: func(ctx *EvalContext, n int, as []arrow.Array) (arrow.Array, error) {
		l := as[0].(*array.List)
		o := newFixedOut[int64](ctx.Mem, tInt64, n)
		for i := range o.v {
			s, e, ok := listBounds(l, i)
			if !ok {
				o.setNull(ctx.Mem, i)
				continue
			}
			o.v[i] = int64(e - s)
		}
		return o.finish(), nil
	}}, nil
}

// buildListExtract is list_extract(x, i), written x[i]: element i of the
// list counting from 1 (from -1 at the end), NULL when i is out of range,
// as in DuckDB.
func buildListExtract(name string, args []Expr) (Expr, error) {
	if err := arity(name, args, 2, 2); err != nil {
		return nil, err
	}
	if IsStruct(args[0].DataType()) {
		// s['f'] is s.f.
		return buildStructExtract("struct_extract", args)
	}
	if err := wantList(name, args[0]); err != nil {
		return nil, err
	}
	it := args[1].DataType()
	if !isInteger(it) && !isNull(it) {
		return nil, fmt.Errorf("a list index must be an integer, not %s", TypeName(it))
	}
	elem := ListElem(args[0].DataType())
	label := args[0].String() + "[" + args[1].String() + "]"
	return &funcExpr{name: name, args: args, typ: elem, label: label, eval: func(ctx *EvalContext, n int, as []arrow.Array) (arrow.Array, error) {
		l := as[0].(*array.List)
		var idxs []int64
		if isInteger(as[1].DataType()) {
			if isUnsignedInt(as[1].DataType()) {
				for _, u := range toUint64s(as[1], nil) {
					idxs = append(idxs, int64(min(u, 1<<62)))
				}
			} else {
				idxs = toInt64s(as[1], nil)
			}
		}
		take := make([]int32, n)
		keep := make([]bool, n)
		found := false
		for i := range n {
			s, e, ok := listBounds(l, i)
			if !ok || idxs == nil || as[1].IsNull(i) {
				continue
			}
			k := idxs[i]
			switch {
			case k > 0 && k <= int64(e-s):
				take[i], keep[i], found = int32(s+int(k)-1), true, true
			case k < 0 && -k <= int64(e-s):
				take[i], keep[i], found = int32(e+int(k)), true, true
			}
		}
		if !found || l.ListValues().Len() == 0 {
			b := array.NewBuilder(ctx.Mem, elem)
			defer b.Release()
			b.AppendNulls(n)
			return b.NewArray(), nil
		}
		// Rows without an element take element 0 and are masked NULL.
		got := takeArray(ctx.Mem, l.ListValues(), take)
		return maskNulls(ctx.Mem, got, keep), nil
	}}, nil
}

// maskNulls returns a (consumed) with rows whose keep is false made NULL.
func maskNulls(mem memory.Allocator, a arrow.Array, keep []bool) arrow.Array {
	d := a.Data()
	if IsStruct(a.DataType()) && d.Offset() == 0 {
		return maskStructNulls(mem, a, keep)
	}
	if len(d.Children()) > 0 || d.Offset() != 0 {
		// takeArray returns flat arrays at offset 0; anything else is a bug.
		a.Release()
		panic(fmt.Sprintf("internal error: list element array of %s at offset %d", a.DataType(), d.Offset()))
	}
	n := a.Len()
	valid := newBitmap(mem, n, true)
	bits := valid.Buf()
	vb, off := validityOf(a)
	for i := range n {
		if !keep[i] || vb != nil && !getBit(vb, off+i) {
			clearBit(bits, i)
		}
	}
	bufs := append([]*memory.Buffer{valid}, d.Buffers()[1:]...)
	for _, b := range bufs[1:] {
		if b != nil {
			b.Retain()
		}
	}
	out := makeArray(a.DataType(), n, bufs, -1)
	a.Release()
	return out
}

// buildListAgg is list_sum, list_avg, list_min and list_max: the
// aggregate of the list's elements (NULLs skipped), with the aggregate's
// result type and overflow checks; NULL for an empty or NULL list.
func buildListAgg(name string, args []Expr) (Expr, error) {
	if err := arity(name, args, 1, 1); err != nil {
		return nil, err
	}
	if err := wantList(name, args[0]); err != nil {
		return nil, err
	}
	fn := name[len("list_"):]
	if name[:5] == "array" {
		fn = name[len("array_"):]
	}
	elem := ListElem(args[0].DataType())
	typ, err := AggResultType(fn, elem, false)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return &funcExpr{name: name, args: args, typ: typ, eval: func(ctx *EvalContext, n int, as []arrow.Array) (arrow.Array, error) {
		l := as[0].(*array.List)
		rows := &groupRows{n: make([]int64, n)}
		st, err := newAggState(fn, elem, false, rows)
		if err != nil {
			return nil, err
		}
		st.resize(n)
		first, last := 0, 0
		if n > 0 {
			s, _ := l.ValueOffsets(0)
			_, e := l.ValueOffsets(n - 1)
			first, last = int(s), int(e)
		}
		gids := make([]int32, last-first)
		for i := range n {
			s, e, ok := listBounds(l, i)
			if !ok {
				continue
			}
			rows.n[i] = int64(e - s)
			for k := s; k < e; k++ {
				gids[k-first] = int32(i)
			}
		}
		var sel []int32
		if l.NullN() > 0 {
			// A NULL list may still span values (an offset gap): skip them.
			sel = make([]int32, 0, len(gids))
			for i := range n {
				if s, e, ok := listBounds(l, i); ok {
					for k := s; k < e; k++ {
						sel = append(sel, int32(k-first))
					}
				}
			}
		}
		vals := array.NewSlice(l.ListValues(), int64(first), int64(last))
		defer vals.Release()
		if err := st.update(ctx, vals, gids, sel); err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		return st.finish(ctx.Mem, n)
	}}, nil
}

// buildUnnestCall is unnest(x) as the binder sees it in a select list: an
// expression of the element type that the planner replaces by a column of
// an Unnest operator (NewUnnest). It is never evaluated itself.
//
// generate_subscripts(x, 1) is its companion: the element's position in
// the list (1, 2, ...), unnested alongside.
func buildUnnestCall(name string, args []Expr) (Expr, error) {
	typ := arrow.DataType(nil)
	if name == "generate_subscripts" {
		if err := arity(name, args, 2, 2); err != nil {
			return nil, err
		}
		typ = tInt64
	} else if err := arity(name, args, 1, 1); err != nil {
		return nil, err
	}
	if err := wantList(name, args[0]); err != nil {
		return nil, err
	}
	if typ == nil {
		typ = ListElem(args[0].DataType())
	}
	return &funcExpr{name: name, args: args, typ: typ, eval: func(*EvalContext, int, []arrow.Array) (arrow.Array, error) {
		return nil, fmt.Errorf("internal error: %s(%s) was evaluated as a scalar function instead of by an Unnest operator", name, args[0])
	}}, nil
}
