package exec

import (
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// More list functions, as DuckDB names them: list_value (the [a, b, ...]
// literal), list_contains and list_position.

func init() {
	scalarFuncs["list_value"] = buildListValue
	scalarFuncs["list_pack"] = buildListValue
	for _, n := range []string{"list_contains", "list_has", "array_contains", "array_has"} {
		scalarFuncs[n] = buildListSearch
	}
	for _, n := range []string{"list_position", "list_indexof", "array_position", "array_indexof"} {
		scalarFuncs[n] = buildListSearch
	}
}

// buildListValue is list_value(a, b, ...), written [a, b, ...]: a list of
// the arguments, converted to their common type, in every row; [] is an
// empty list (of NULL type until something gives it one).
func buildListValue(name string, args []Expr) (Expr, error) {
	var elem arrow.DataType = arrow.Null
	for _, a := range args {
		t := commonType(elem, a.DataType())
		if t == nil {
			return nil, fmt.Errorf("the elements of a list must have one type: %s and %s do not mix", TypeName(elem), TypeName(a.DataType()))
		}
		elem = t
	}
	conv := make([]Expr, len(args))
	for i, a := range args {
		conv[i] = a
		if !arrow.TypeEqual(a.DataType(), elem) {
			c, err := NewCast(a, elem)
			if err != nil {
				return nil, err
			}
			conv[i] = c
		}
	}
	typ := arrow.ListOf(elem)
	label := "["
	for i, a := range args {
		if i > 0 {
			label += ", "
		}
		label += a.String()
	}
	label += "]"
	return &funcExpr{name: name, args: conv, typ: typ, label: label, eval: func(ctx *EvalContext, n int, as []arrow.Array) (arrow.Array, error) {
		m := len(as)
		// Row i's elements are argument 0..m-1 at row i: gathered row by
		// row from the argument arrays.
		ci, ri := make([]int32, n*m), make([]int32, n*m)
		for i := range n {
			for k := range m {
				ci[i*m+k], ri[i*m+k] = int32(k), int32(i)
			}
		}
		var vals arrow.Array
		if m == 0 || isNull(elem) {
			vals = array.NewNull(n * m)
		} else {
			vals = takeChunks(ctx.Mem, elem, as, ci, ri)
		}
		defer vals.Release()
		offs := newBuf(ctx.Mem, (n+1)*4)
		ov := arrow.Int32Traits.CastFromBytes(offs.Bytes())
		for i := range n + 1 {
			ov[i] = int32(i * m)
		}
		data := array.NewData(typ, n, []*memory.Buffer{nil, offs}, []arrow.ArrayData{vals.Data()}, 0, 0)
		out := array.MakeFromData(data)
		data.Release()
		offs.Release()
		return out, nil
	}}, nil
}

// buildListSearch is list_contains(x, v) (is v an element of x? aliases
// list_has, array_contains, array_has) and list_position(x, v) (the
// position of v's first occurrence, from 1, else NULL; aliases
// list_indexof, array_position, array_indexof). As DuckDB: a NULL list
// gives NULL; list_contains of a NULL value is NULL; elements compare with
// =, so a NULL element matches nothing.
func buildListSearch(name string, args []Expr) (Expr, error) {
	if err := arity(name, args, 2, 2); err != nil {
		return nil, err
	}
	if err := wantList(name, args[0]); err != nil {
		return nil, err
	}
	position := name == "list_position" || name == "list_indexof" || name == "array_position" || name == "array_indexof"
	elem := ListElem(args[0].DataType())
	// The comparison, element = value, over the flattened elements.
	eq, err := NewBinary("=", Col(0, "element", elem), Col(1, "value", args[1].DataType()))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	var typ arrow.DataType = arrow.FixedWidthTypes.Boolean
	if position {
		typ = tInt64
	}
	return &funcExpr{name: name, args: args, typ: typ, eval: func(ctx *EvalContext, n int, as []arrow.Array) (arrow.Array, error) {
		l := as[0].(*array.List)
		first, last := 0, 0
		if n > 0 {
			s, _ := l.ValueOffsets(0)
			_, e := l.ValueOffsets(n - 1)
			first, last = int(s), int(e)
		}
		parent := make([]int32, last-first)
		for i := range n {
			s, e := l.ValueOffsets(i)
			for k := s; k < e; k++ {
				parent[int(k)-first] = int32(i)
			}
		}
		vals := array.NewSlice(l.ListValues(), int64(first), int64(last))
		defer vals.Release()
		v := takeArray(ctx.Mem, as[1], parent)
		schema := arrow.NewSchema([]arrow.Field{{Name: "element", Type: elem, Nullable: true}, {Name: "value", Type: as[1].DataType(), Nullable: true}}, nil)
		rec := array.NewRecord(schema, []arrow.Array{vals, v}, int64(len(parent)))
		v.Release()
		defer rec.Release()
		r, err := (&EvalContext{Mem: ctx.Mem}).eval(eq, rec)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		defer r.Release()
		bools, _ := r.(*array.Boolean)
		if position {
			o := newFixedOut[int64](ctx.Mem, tInt64, n)
			for i := range n {
				s, e, ok := listBounds(l, i)
				found := false
				for k := s; ok && bools != nil && k < e; k++ {
					if bools.IsValid(k-first) && bools.Value(k-first) {
						o.v[i], found = int64(k-s+1), true
						break
					}
				}
				if !found {
					o.v[i] = 0
					o.setNull(ctx.Mem, i)
				}
			}
			return o.finish(), nil
		}
		o := newBoolOut(ctx.Mem, n)
		for i := range n {
			s, e, ok := listBounds(l, i)
			if !ok || isNull(as[1].DataType()) || as[1].IsNull(i) {
				if o.valid == nil {
					o.valid = newBitmap(ctx.Mem, n, true)
				}
				clearBit(o.valid.Buf(), i)
				continue
			}
			for k := s; k < e; k++ {
				if bools != nil && bools.IsValid(k-first) && bools.Value(k-first) {
					setBit(o.vals.Buf(), i)
					break
				}
			}
		}
		return o.finish(), nil
	}}, nil
}

func init() {
	scalarFuncs["list_slice"] = buildListSlice
	scalarFuncs["array_slice"] = buildListSlice
	for _, n := range []string{"list_sort", "array_sort", "list_reverse_sort", "array_reverse_sort", "list_distinct", "array_distinct"} {
		scalarFuncs[n] = buildListReorder
	}
}

// listFromTake builds a list array of type typ over n rows: row i holds
// vals' elements take[offs[i]:offs[i+1]]; rows where valid is false (nil:
// all valid) are NULL.
func listFromTake(mem memory.Allocator, typ arrow.DataType, vals arrow.Array, take []int32, offs []int32, valid []bool) arrow.Array {
	n := len(offs) - 1
	got := takeArray(mem, vals, take)
	defer got.Release()
	ob := newBuf(mem, (n+1)*4)
	copy(arrow.Int32Traits.CastFromBytes(ob.Bytes()), offs)
	var vb *memory.Buffer
	nulls := 0
	for i, ok := range valid {
		if !ok {
			if vb == nil {
				vb = newBitmap(mem, n, true)
			}
			clearBit(vb.Buf(), i)
			nulls++
		}
	}
	data := array.NewData(typ, n, []*memory.Buffer{vb, ob}, []arrow.ArrayData{got.Data()}, nulls, 0)
	out := array.MakeFromData(data)
	data.Release()
	ob.Release()
	if vb != nil {
		vb.Release()
	}
	return out
}

// buildListSlice is list_slice(x, begin, end) (alias array_slice): the
// elements from position begin to position end, both included, counting
// from 1; a negative position counts from the end (-1 is the last), and
// positions past either end are clamped, as in DuckDB. NULL when x,
// begin or end is NULL.
func buildListSlice(name string, args []Expr) (Expr, error) {
	if err := arity(name, args, 3, 3); err != nil {
		return nil, err
	}
	if err := wantList(name, args[0]); err != nil {
		return nil, err
	}
	for _, a := range args[1:] {
		if t := a.DataType(); !isInteger(t) && !isNull(t) {
			return nil, fmt.Errorf("%s takes integer positions, not %s", name, TypeName(t))
		}
	}
	typ := args[0].DataType()
	return &funcExpr{name: name, args: args, typ: typ, eval: func(ctx *EvalContext, n int, as []arrow.Array) (arrow.Array, error) {
		l := as[0].(*array.List)
		var bs, es []int64
		if isInteger(as[1].DataType()) {
			bs = toInt64s(as[1], nil)
		}
		if isInteger(as[2].DataType()) {
			es = toInt64s(as[2], nil)
		}
		offs := make([]int32, n+1)
		valid := make([]bool, n)
		var take []int32
		for i := range n {
			offs[i] = int32(len(take))
			s, e, ok := listBounds(l, i)
			if !ok || bs == nil || es == nil || as[1].IsNull(i) || as[2].IsNull(i) {
				continue
			}
			valid[i] = true
			size := int64(e - s)
			b, en := bs[i], es[i]
			if b < 0 {
				b += size + 1
			}
			if en < 0 {
				en += size + 1
			}
			b, en = max(b, 1), min(en, size)
			for k := b; k <= en; k++ {
				take = append(take, int32(s+int(k)-1))
			}
		}
		offs[n] = int32(len(take))
		return listFromTake(ctx.Mem, typ, l.ListValues(), take, offs, valid), nil
	}}, nil
}

// buildListReorder is list_sort(x [, 'ASC' | 'DESC' [, 'NULLS FIRST' |
// 'NULLS LAST']]) (alias array_sort; ASC NULLS LAST by default),
// list_reverse_sort(x [, nulls]) (DESC NULLS LAST by default, alias
// array_reverse_sort): NULLs go last unless asked, as DuckDB's list
// functions do (unlike ORDER BY ... DESC) and list_distinct(x) (alias array_distinct: each
// distinct non-NULL element once, in order of first occurrence).
func buildListReorder(name string, args []Expr) (Expr, error) {
	distinct := name == "list_distinct" || name == "array_distinct"
	reverse := name == "list_reverse_sort" || name == "array_reverse_sort"
	hi := 3
	switch {
	case distinct:
		hi = 1
	case reverse:
		hi = 2
	}
	if err := arity(name, args, 1, hi); err != nil {
		return nil, err
	}
	if err := wantList(name, args[0]); err != nil {
		return nil, err
	}
	key := SortKey{Desc: reverse} // NULLS LAST unless asked, as DuckDB's lists

	for i, a := range args[1:] {
		v, null, ok := constString(a)
		if !ok || null {
			return nil, fmt.Errorf("%s takes its order as a constant string, as in %s(x, 'DESC', 'NULLS FIRST')", name, name)
		}
		switch w := strings.Join(strings.Fields(strings.ToUpper(v)), " "); {
		case i == 0 && !reverse && (w == "ASC" || w == "DESC"):
			key.Desc = w == "DESC"
		case w == "NULLS FIRST" || w == "NULLS LAST":
			key.NullsFirst = w == "NULLS FIRST"
		default:
			return nil, fmt.Errorf("%s: unknown order %q (ASC, DESC, NULLS FIRST or NULLS LAST)", name, v)
		}
	}
	elem := ListElem(args[0].DataType())
	if IsList(elem) || elem.ID() == arrow.STRUCT || elem.ID() == arrow.BOOL {
		return nil, fmt.Errorf("%s cannot order elements of type %s", name, TypeName(elem))
	}
	typ := args[0].DataType()
	// args keep the order strings: they tell calls apart by their text.
	return &funcExpr{name: name, args: args, typ: typ, eval: func(ctx *EvalContext, n int, as []arrow.Array) (arrow.Array, error) {
		l := as[0].(*array.List)
		vals := l.ListValues()
		col := newSortCol(elem, key)
		col.appendArray(vals)
		offs := make([]int32, n+1)
		valid := make([]bool, n)
		var take []int32
		for i := range n {
			offs[i] = int32(len(take))
			s, e, ok := listBounds(l, i)
			if !ok {
				continue
			}
			valid[i] = true
			idx := make([]int32, 0, e-s)
			for k := s; k < e; k++ {
				if distinct && vals.IsNull(k) {
					continue
				}
				idx = append(idx, int32(k))
			}
			slices.SortStableFunc(idx, func(a, b int32) int { return compareRows(col, int(a), col, int(b)) })
			if distinct {
				kept := idx[:0]
				for j, k := range idx {
					if j == 0 || compareRows(col, int(idx[j-1]), col, int(k)) != 0 {
						kept = append(kept, k)
					}
				}
				slices.Sort(kept)
				idx = kept
			}
			take = append(take, idx...)
		}
		offs[n] = int32(len(take))
		return listFromTake(ctx.Mem, typ, vals, take, offs, valid), nil
	}}, nil
}

func init() {
	for _, n := range []string{"list_concat", "list_cat", "array_concat", "array_cat"} {
		scalarFuncs[n] = buildListConcat
	}
}

// buildListConcat is list_concat(a, b) (aliases list_cat, array_concat,
// array_cat): a's elements then b's. As in DuckDB, a NULL list counts as
// empty; the result is NULL only when both are NULL. The element types
// must be the same (or one list's NULL type, as []).
func buildListConcat(name string, args []Expr) (Expr, error) {
	if err := arity(name, args, 2, 2); err != nil {
		return nil, err
	}
	for _, a := range args {
		if err := wantList(name, a); err != nil {
			return nil, err
		}
	}
	ea, eb := ListElem(args[0].DataType()), ListElem(args[1].DataType())
	typ := args[0].DataType()
	switch {
	case isNull(ea):
		typ = args[1].DataType()
	case isNull(eb) || arrow.TypeEqual(ea, eb):
	default:
		return nil, fmt.Errorf("%s needs lists of one element type, not %s and %s; cast the elements first, as in list_transform(x, e -> CAST(e AS BIGINT))", name, TypeName(args[0].DataType()), TypeName(args[1].DataType()))
	}
	elem := ListElem(typ)
	return &funcExpr{name: name, args: args, typ: typ, eval: func(ctx *EvalContext, n int, as []arrow.Array) (arrow.Array, error) {
		la, lb := as[0].(*array.List), as[1].(*array.List)
		offs := make([]int32, n+1)
		valid := make([]bool, n)
		var ci, ri []int32
		for i := range n {
			offs[i] = int32(len(ri))
			sa, ea, oka := listBounds(la, i)
			sb, eb, okb := listBounds(lb, i)
			valid[i] = oka || okb
			for k := sa; k < ea; k++ {
				ci, ri = append(ci, 0), append(ri, int32(k))
			}
			for k := sb; k < eb; k++ {
				ci, ri = append(ci, 1), append(ri, int32(k))
			}
		}
		offs[n] = int32(len(ri))
		va, vb := la.ListValues(), lb.ListValues()
		var vals arrow.Array
		if isNull(elem) {
			vals = array.NewNull(len(ri))
		} else {
			// The values of a list of NULL type ([], [NULL]) as NULLs of
			// the other's element type.
			chunks := []arrow.Array{va, vb}
			for c, v := range chunks {
				if isNull(v.DataType()) {
					chunks[c] = nullsOf(ctx.Mem, elem, v.Len())
					defer chunks[c].Release()
				}
			}
			vals = takeChunks(ctx.Mem, elem, chunks, ci, ri)
		}
		defer vals.Release()
		seq := make([]int32, len(ri))
		for k := range seq {
			seq[k] = int32(k)
		}
		return listFromTake(ctx.Mem, typ, vals, seq, offs, valid), nil
	}}, nil
}

// nullsOf is n NULLs of type typ. (array.MakeArrayOfNull assumes zeroed
// memory, which recq's buffer pool does not give.)
func nullsOf(mem memory.Allocator, typ arrow.DataType, n int) arrow.Array {
	b := array.NewBuilder(mem, typ)
	defer b.Release()
	b.AppendNulls(n)
	return b.NewArray()
}
