package exec

import (
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// Struct functions, over the STRUCT columns of group fields (a COBOL
// group, GHCN's day of value and flags): struct_extract(s, 'f'), written
// s.f or s['f'], as DuckDB names it.

func init() {
	scalarFuncs["struct_extract"] = buildStructExtract
}

// IsStruct reports whether t is a STRUCT type.
func IsStruct(t arrow.DataType) bool { return t != nil && t.ID() == arrow.STRUCT }

// buildStructExtract is struct_extract(s, 'name'): the member of that
// name (case-insensitive), NULL where s is NULL.
func buildStructExtract(name string, args []Expr) (Expr, error) {
	if err := arity(name, args, 2, 2); err != nil {
		return nil, err
	}
	st, ok := args[0].DataType().(*arrow.StructType)
	if !ok {
		return nil, fmt.Errorf("%s needs a struct (a group field declared with STRUCT), not %s", name, TypeName(args[0].DataType()))
	}
	lit, ok := args[1].(*litExpr)
	key, isStr := "", false
	if ok {
		key, isStr = lit.val.(string)
	}
	if !isStr {
		return nil, fmt.Errorf("a struct field is chosen by a constant name, as in s.value or s['value'], not %s", args[1])
	}
	idx := -1
	var names []string
	for i, f := range st.Fields() {
		names = append(names, f.Name)
		if strings.EqualFold(f.Name, key) && idx < 0 {
			idx = i
		}
	}
	if idx < 0 {
		return nil, fmt.Errorf("the struct %s has no field %s (its fields: %s)", args[0], key, strings.Join(names, ", "))
	}
	label := args[0].String() + "." + st.Field(idx).Name
	return &funcExpr{name: name, args: args, typ: st.Field(idx).Type, label: label, eval: func(ctx *EvalContext, n int, as []arrow.Array) (arrow.Array, error) {
		s := as[0].(*array.Struct)
		child := s.Field(idx)
		if s.NullN() == 0 {
			child.Retain()
			return child, nil
		}
		take := make([]int32, n)
		keep := make([]bool, n)
		for i := range n {
			take[i], keep[i] = int32(i), s.IsValid(i)
		}
		return maskNulls(ctx.Mem, takeArray(ctx.Mem, child, take), keep), nil
	}}, nil
}

// structTypeName is DuckDB's spelling of a struct type:
// STRUCT(value INTEGER, flag VARCHAR).
func structTypeName(t *arrow.StructType) string {
	parts := make([]string, t.NumFields())
	for i, f := range t.Fields() {
		parts[i] = f.Name + " " + TypeName(f.Type)
	}
	return "STRUCT(" + strings.Join(parts, ", ") + ")"
}

// maskStructNulls is maskNulls for a STRUCT array at offset 0: the same
// members under a validity bitmap with the rows whose keep is false
// cleared.
func maskStructNulls(mem memory.Allocator, a arrow.Array, keep []bool) arrow.Array {
	d := a.Data()
	n := a.Len()
	valid := newBitmap(mem, n, true)
	bits := valid.Buf()
	vb, off := validityOf(a)
	nulls := 0
	for i := range n {
		if !keep[i] || vb != nil && !getBit(vb, off+i) {
			clearBit(bits, i)
			nulls++
		}
	}
	data := array.NewData(a.DataType(), n, []*memory.Buffer{valid}, d.Children(), nulls, 0)
	out := array.MakeFromData(data)
	data.Release()
	valid.Release()
	a.Release()
	return out
}

// takeStruct is takeChunks for STRUCT arrays: each member gathered with
// the same rows (a member of a sliced struct is sliced alike by Arrow),
// under the structs' validity.
func takeStruct(mem memory.Allocator, typ *arrow.StructType, chunks []arrow.Array, ci, ri []int32) arrow.Array {
	n := len(ri)
	children := make([]arrow.ArrayData, typ.NumFields())
	for k := range children {
		members := make([]arrow.Array, len(chunks))
		for c, a := range chunks {
			members[c] = a.(*array.Struct).Field(k)
		}
		m := takeChunks(mem, typ.Field(k).Type, members, ci, ri)
		children[k] = m.Data()
		defer m.Release()
	}
	var valid *memory.Buffer
	nulls := 0
	for _, a := range chunks {
		if a.NullN() > 0 {
			valid = newBitmap(mem, n, true)
			break
		}
	}
	if valid != nil {
		bits := valid.Buf()
		for k, r := range ri {
			c := 0
			if ci != nil {
				c = int(ci[k])
			}
			if chunks[c].IsNull(int(r)) {
				clearBit(bits, k)
				nulls++
			}
		}
		defer valid.Release()
	}
	data := array.NewData(typ, n, []*memory.Buffer{valid}, children, nulls, 0)
	defer data.Release()
	return array.MakeFromData(data)
}

// isNested reports whether t is a LIST or a STRUCT: values that can be
// selected, unnested and taken apart, but not compared, merged by
// coalesce or CASE, or aggregated by min and max.
func isNested(t arrow.DataType) bool { return IsList(t) || IsStruct(t) }

// nestedErr says why a nested value cannot be used where a comparable
// one is needed.
func nestedErr(what string, t arrow.DataType) error {
	if IsStruct(t) {
		return fmt.Errorf("cannot %s %s: use its members (s.member)", what, TypeName(t))
	}
	return fmt.Errorf("cannot %s %s: use its elements (x[i], unnest, list_min ...)", what, TypeName(t))
}
