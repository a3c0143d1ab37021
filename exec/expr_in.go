package exec

import (
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
)

// inExpr is x [NOT] IN (constants): a hash set lookup. x NULL gives NULL;
// not found gives NULL when the list holds a NULL, else FALSE. A NaN in
// the list matches NaN (SQL order, storage.Compare), which a Go map
// cannot find, so it is a flag of its own.
type inExpr struct {
	x       Expr
	list    []*litExpr
	not     bool
	hasNull bool
	ints    map[int64]struct{}
	uints   map[uint64]struct{}
	floats  map[float64]struct{}
	nan     bool // the list holds NaN
	decs    map[i128]struct{}
	strs    map[string]struct{}
	bools   [2]bool
}

// NewIn is x IN (list), or x NOT IN (list). A list of constants becomes a
// hash lookup; otherwise it is x = a OR x = b ...
func NewIn(x Expr, list []Expr, not bool) (Expr, error) {
	if len(list) == 0 {
		return nil, fmt.Errorf("IN needs at least one value")
	}
	allConst := true
	for _, e := range list {
		if _, ok := asConst(e); !ok {
			allConst = false
		}
	}
	if !allConst {
		var acc Expr
		for _, e := range list {
			eq, err := newCompare(opEq, x, e, false)
			if err != nil {
				return nil, err
			}
			if acc == nil {
				acc = eq
			} else if acc, err = newLogic(false, acc, eq); err != nil {
				return nil, err
			}
		}
		if not {
			return newNot(acc)
		}
		return acc, nil
	}
	// one type for x and every item
	ct := x.DataType()
	for _, e := range list {
		t := e.DataType()
		if isNull(t) {
			continue
		}
		if c, ok := asConst(e); ok && isString(t) && !isString(ct) && !isNull(ct) {
			if _, err := convertValue(c.val, t, ct); err == nil {
				continue // a string constant parses as x's type
			}
		}
		nt := commonType(ct, t)
		if nt == nil || isInterval(nt) || isString(ct) != isString(t) && !isNull(ct) || isBool(ct) != isBool(t) && !isNull(ct) {
			return nil, fmt.Errorf("cannot compare %s with %s", TypeName(x.DataType()), TypeName(t))
		}
		ct = nt
	}
	if isNull(ct) {
		return &litExpr{typ: tBool}, nil
	}
	xc, err := castTo(x, ct)
	if err != nil {
		return nil, err
	}
	e := &inExpr{x: xc, not: not}
	for _, item := range list {
		c := item.(*litExpr)
		v, err := convertValue(c.val, c.typ, ct)
		if err != nil {
			return nil, fmt.Errorf("cannot compare %s with %s: %v", TypeName(ct), sqlLiteral(c.typ, c.val), err)
		}
		e.list = append(e.list, &litExpr{typ: ct, val: v})
		if v == nil {
			e.hasNull = true
			continue
		}
		switch x := v.(type) {
		case int64:
			if e.ints == nil {
				e.ints = map[int64]struct{}{}
			}
			e.ints[x] = struct{}{}
		case uint64:
			if e.uints == nil {
				e.uints = map[uint64]struct{}{}
			}
			e.uints[x] = struct{}{}
		case float64:
			if e.floats == nil {
				e.floats = map[float64]struct{}{}
			}
			if x != x {
				e.nan = true
			}
			e.floats[x] = struct{}{}
		case i128:
			if e.decs == nil {
				e.decs = map[i128]struct{}{}
			}
			e.decs[x] = struct{}{}
		case string:
			if e.strs == nil {
				e.strs = map[string]struct{}{}
			}
			e.strs[x] = struct{}{}
		case bool:
			if x {
				e.bools[1] = true
			} else {
				e.bools[0] = true
			}
		}
	}
	return folded(e), nil
}

func (e *inExpr) DataType() arrow.DataType { return tBool }
func (e *inExpr) kids() []Expr             { return []Expr{e.x} }
func (e *inExpr) String() string {
	parts := make([]string, len(e.list))
	for i, l := range e.list {
		parts[i] = l.String()
	}
	not := ""
	if e.not {
		not = "NOT "
	}
	return fmt.Sprintf("(%s %sIN (%s))", e.x, not, strings.Join(parts, ", "))
}

func inSet[T comparable, M ~map[K]struct{}, K comparable](vals []T, conv func(T) K, set M, out []bool) {
	for i, v := range vals {
		_, out[i] = set[conv(v)]
	}
}

func ident[T any](v T) T { return v }

// inFloats looks floats up in the set; NaN is found when the list has one.
func inFloats[T float32 | float64](vals []T, set map[float64]struct{}, nan bool, out []bool) {
	for i, v := range vals {
		if v != v {
			out[i] = nan
			continue
		}
		_, out[i] = set[float64(v)]
	}
}

func (e *inExpr) Eval(ctx *EvalContext, batch arrow.Record) (arrow.Array, error) {
	a, err := ctx.eval(e.x, batch)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	n := a.Len()
	found := make([]bool, n)
	switch a.DataType().ID() {
	case arrow.INT8:
		inSet(values[int8](a), func(v int8) int64 { return int64(v) }, e.ints, found)
	case arrow.INT16:
		inSet(values[int16](a), func(v int16) int64 { return int64(v) }, e.ints, found)
	case arrow.INT32, arrow.DATE32:
		inSet(values[int32](a), func(v int32) int64 { return int64(v) }, e.ints, found)
	case arrow.INT64, arrow.TIMESTAMP:
		inSet(values[int64](a), ident[int64], e.ints, found)
	case arrow.UINT8:
		inSet(values[uint8](a), func(v uint8) uint64 { return uint64(v) }, e.uints, found)
	case arrow.UINT16:
		inSet(values[uint16](a), func(v uint16) uint64 { return uint64(v) }, e.uints, found)
	case arrow.UINT32:
		inSet(values[uint32](a), func(v uint32) uint64 { return uint64(v) }, e.uints, found)
	case arrow.UINT64:
		inSet(values[uint64](a), ident[uint64], e.uints, found)
	case arrow.FLOAT32:
		inFloats(values[float32](a), e.floats, e.nan, found)
	case arrow.FLOAT64:
		inFloats(values[float64](a), e.floats, e.nan, found)
	case arrow.DECIMAL128:
		inSet(values[i128](a), ident[i128], e.decs, found)
	case arrow.STRING:
		offs, data := strParts(a)
		for i := range found {
			_, found[i] = e.strs[string(data[offs[i]:offs[i+1]])]
		}
	case arrow.BOOL:
		b := boolBytes(a)
		for i := range found {
			found[i] = e.bools[b[i]]
		}
	default:
		return nil, fmt.Errorf("internal error: IN over %s", TypeName(a.DataType()))
	}
	valid := validityAnd(ctx.Mem, n, a)
	if e.hasNull {
		// not found -> NULL
		if valid == nil {
			valid = newBitmap(ctx.Mem, n, true)
		}
		vb := valid.Buf()
		for i, f := range found {
			if !f {
				clearBit(vb, i)
			}
		}
	}
	if e.not {
		for i := range found {
			found[i] = !found[i]
		}
	}
	return boolsToArray(ctx.Mem, found, valid), nil
}
