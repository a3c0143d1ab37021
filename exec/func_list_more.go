package exec

import (
	"fmt"

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
