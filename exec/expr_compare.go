package exec

import (
	"bytes"
	"cmp"
	"fmt"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

type cmpOp uint8

const (
	opEq cmpOp = iota
	opNe
	opLt
	opLe
	opGt
	opGe
)

var cmpNames = [...]string{"=", "<>", "<", "<=", ">", ">="}

func (o cmpOp) String() string { return cmpNames[o] }

// flip is the operator with operands swapped: a < b  <=>  b > a.
func (o cmpOp) flip() cmpOp {
	switch o {
	case opLt:
		return opGt
	case opLe:
		return opGe
	case opGt:
		return opLt
	case opGe:
		return opLe
	}
	return o
}

func (o cmpOp) holds(c int) bool {
	switch o {
	case opEq:
		return c == 0
	case opNe:
		return c != 0
	case opLt:
		return c < 0
	case opLe:
		return c <= 0
	case opGt:
		return c > 0
	}
	return c >= 0
}

// cmpExpr is l op r (or l IS [NOT] DISTINCT FROM r when distinct is set:
// NULLs compare equal to each other and the result is never NULL).
type cmpExpr struct {
	op       cmpOp
	l, r     Expr
	distinct bool // IS DISTINCT FROM (op opNe) / IS NOT DISTINCT FROM (op opEq)
}

func (c *cmpExpr) DataType() arrow.DataType { return tBool }
func (c *cmpExpr) kids() []Expr             { return []Expr{c.l, c.r} }
func (c *cmpExpr) String() string {
	if c.distinct {
		if c.op == opEq {
			return fmt.Sprintf("(%s IS NOT DISTINCT FROM %s)", c.l, c.r)
		}
		return fmt.Sprintf("(%s IS DISTINCT FROM %s)", c.l, c.r)
	}
	return fmt.Sprintf("(%s %s %s)", c.l, c.op, c.r)
}

// coerceComparable brings two operands to one comparable type: string
// constants parse into the other side's type, integer constants take the
// other integer's type when they fit, numbers widen (integer -> DECIMAL ->
// FLOAT64), DATE widens to TIMESTAMP.
func coerceComparable(verb string, l, r Expr) (Expr, Expr, error) {
	lt, rt := l.DataType(), r.DataType()
	for _, t := range []arrow.DataType{lt, rt} {
		if isNested(t) {
			return nil, nil, nestedErr(verb, t)
		}
	}
	mismatch := func() (Expr, Expr, error) {
		return nil, nil, fmt.Errorf("cannot %s %s with %s", verb, TypeName(lt), TypeName(rt))
	}
	if arrow.TypeEqual(lt, rt) {
		if isInterval(lt) {
			return mismatch()
		}
		if isNull(lt) {
			// NULL against NULL (NULL IS DISTINCT FROM NULL): compare as
			// BOOLEAN, the kernels have no NULL type.
			nl, err := NewCast(l, tBool)
			if err != nil {
				return nil, nil, err
			}
			nr, err := NewCast(r, tBool)
			return nl, nr, err
		}
		return l, r, nil
	}
	if isNull(lt) {
		nl, err := Lit(nil, rt)
		return nl, r, err
	}
	if isNull(rt) {
		nr, err := Lit(nil, lt)
		return l, nr, err
	}
	// a string constant against another type: parse it as that type
	if lc, ok := asConst(l); ok && isString(lt) && !isString(rt) && !isInterval(rt) {
		v, err := convertValue(lc.val, lt, rt)
		if err != nil {
			return nil, nil, fmt.Errorf("cannot %s %s with %s: %v", verb, TypeName(rt), sqlLiteral(lt, lc.val), err)
		}
		return &litExpr{typ: rt, val: v}, r, nil
	}
	if rc, ok := asConst(r); ok && isString(rt) && !isString(lt) && !isInterval(lt) {
		v, err := convertValue(rc.val, rt, lt)
		if err != nil {
			return nil, nil, fmt.Errorf("cannot %s %s with %s: %v", verb, TypeName(lt), sqlLiteral(rt, rc.val), err)
		}
		return l, &litExpr{typ: lt, val: v}, nil
	}
	// an integer constant that fits the other integer column's type
	if isInteger(lt) && isInteger(rt) {
		if rc, ok := asConst(r); ok && rc.val != nil {
			if v, err := convertValue(rc.val, rt, lt); err == nil {
				return l, &litExpr{typ: lt, val: v}, nil
			}
		}
		if lc, ok := asConst(l); ok && lc.val != nil {
			if v, err := convertValue(lc.val, lt, rt); err == nil {
				return &litExpr{typ: rt, val: v}, r, nil
			}
		}
	}
	// an exact constant against a DECIMAL column: convert it to the
	// column's type when that loses nothing
	if isDecimal(lt) && (isInteger(rt) || isDecimal(rt)) {
		if rc, ok := asConst(r); ok && rc.val != nil && exactIn(rc, lt) {
			v, _ := convertValue(rc.val, rt, lt)
			return l, &litExpr{typ: lt, val: v}, nil
		}
	}
	if isDecimal(rt) && (isInteger(lt) || isDecimal(lt)) {
		if lc, ok := asConst(l); ok && lc.val != nil && exactIn(lc, rt) {
			v, _ := convertValue(lc.val, lt, rt)
			return &litExpr{typ: rt, val: v}, r, nil
		}
	}
	ct := commonType(lt, rt)
	if ct == nil || isInterval(ct) || (isString(lt) != isString(rt)) || (isBool(lt) != isBool(rt)) {
		return mismatch()
	}
	nl, err := castTo(l, ct)
	if err != nil {
		return nil, nil, err
	}
	nr, err := castTo(r, ct)
	if err != nil {
		return nil, nil, err
	}
	return nl, nr, nil
}

// exactIn reports whether constant c converts to decimal type t exactly.
func exactIn(c *litExpr, t arrow.DataType) bool {
	v, err := convertValue(c.val, c.typ, t)
	if err != nil {
		return false
	}
	back, err := convertValue(v, t, c.typ)
	if err != nil {
		return false
	}
	return back == c.val
}

func newCompare(op cmpOp, l, r Expr, distinct bool) (Expr, error) {
	verb := "compare"
	l, r, err := coerceComparable(verb, l, r)
	if err != nil {
		return nil, err
	}
	if !distinct {
		if lc, ok := asConst(l); ok && lc.val == nil {
			return &litExpr{typ: tBool}, nil
		}
		if rc, ok := asConst(r); ok && rc.val == nil {
			return &litExpr{typ: tBool}, nil
		}
	}
	return folded(&cmpExpr{op: op, l: l, r: r, distinct: distinct}), nil
}

func (c *cmpExpr) Eval(ctx *EvalContext, batch arrow.Record) (arrow.Array, error) {
	n := int(batch.NumRows())
	lc, lconst := asConst(c.l)
	rc, rconst := asConst(c.r)
	switch {
	case rconst && !lconst:
		a, err := ctx.eval(c.l, batch)
		if err != nil {
			return nil, err
		}
		defer a.Release()
		return compareScalar(ctx.Mem, c.op, a, rc.val, c.distinct), nil
	case lconst && !rconst:
		b, err := ctx.eval(c.r, batch)
		if err != nil {
			return nil, err
		}
		defer b.Release()
		return compareScalar(ctx.Mem, c.op.flip(), b, lc.val, c.distinct), nil
	}
	as, err := evalAll(ctx, batch, c.l, c.r)
	if err != nil {
		return nil, err
	}
	defer releaseAll(as)
	return compareArrays(ctx.Mem, c.op, as[0], as[1], n, c.distinct), nil
}

// compareArrays compares two arrays of the same type row by row.
func compareArrays(mem memory.Allocator, op cmpOp, a, b arrow.Array, n int, distinct bool) arrow.Array {
	o := newBoolOut(mem, n)
	out := o.vals.Buf()
	t := a.DataType()
	switch t.ID() {
	case arrow.INT8:
		cmpVV(op, values[int8](a), values[int8](b), out)
	case arrow.INT16:
		cmpVV(op, values[int16](a), values[int16](b), out)
	case arrow.INT32, arrow.DATE32:
		cmpVV(op, values[int32](a), values[int32](b), out)
	case arrow.INT64, arrow.TIMESTAMP:
		cmpVV(op, values[int64](a), values[int64](b), out)
	case arrow.UINT8:
		cmpVV(op, values[uint8](a), values[uint8](b), out)
	case arrow.UINT16:
		cmpVV(op, values[uint16](a), values[uint16](b), out)
	case arrow.UINT32:
		cmpVV(op, values[uint32](a), values[uint32](b), out)
	case arrow.UINT64:
		cmpVV(op, values[uint64](a), values[uint64](b), out)
	case arrow.FLOAT32:
		cmpFloatVV(op, values[float32](a), values[float32](b), out)
	case arrow.FLOAT64:
		cmpFloatVV(op, values[float64](a), values[float64](b), out)
	case arrow.DECIMAL128:
		if p, _ := decProps(t); p <= 18 {
			cmpDec64VV(op, values[i128](a), values[i128](b), out)
		} else {
			cmpFuncVV(op, values[i128](a), values[i128](b), out, i128.cmp)
		}
	case arrow.BOOL:
		av, bv := boolBytes(a), boolBytes(b)
		cmpVV(op, av, bv, out)
	case arrow.STRING:
		ao, ad := strParts(a)
		bo, bd := strParts(b)
		var tmp [64]bool
		for base := 0; base < n; base += 64 {
			m := min(64, n-base)
			for j := 0; j < m; j++ {
				i := base + j
				x := ad[ao[i]:ao[i+1]]
				y := bd[bo[i]:bo[i+1]]
				if op == opEq || op == opNe {
					tmp[j] = bytes.Equal(x, y) == (op == opEq)
				} else {
					tmp[j] = op.holds(bytes.Compare(x, y))
				}
			}
			packBools(out[base>>3:], tmp[:m])
		}
	default:
		panic("internal error: compare of " + TypeName(t))
	}
	if distinct {
		fixDistinct(mem, &o, op, a, b, n)
	} else {
		o.valid = validityAnd(mem, n, a, b)
	}
	return o.finish()
}

// fixDistinct applies IS [NOT] DISTINCT FROM to a plain comparison's
// values: NULL vs NULL is "not distinct", NULL vs value is "distinct".
func fixDistinct(mem memory.Allocator, o *boolOut, op cmpOp, a, b arrow.Array, n int) {
	if a.NullN() == 0 && b.NullN() == 0 {
		return
	}
	out := o.vals.Buf()
	for i := 0; i < n; i++ {
		an, bn := a.IsNull(i), b.IsNull(i)
		if an || bn {
			// opEq (NOT DISTINCT): true when both are NULL; opNe the opposite
			if (an && bn) == (op == opEq) {
				setBit(out, i)
			} else {
				clearBit(out, i)
			}
		}
	}
}

// boolBytes unpacks a boolean array's values to 0/1 bytes.
func boolBytes(a arrow.Array) []uint8 {
	d := a.Data()
	b := d.Buffers()[1].Bytes()
	off := d.Offset()
	out := make([]uint8, a.Len())
	for i := range out {
		if getBit(b, off+i) {
			out[i] = 1
		}
	}
	return out
}

func cmpVV[T cmp.Ordered](op cmpOp, a, b []T, out []byte) {
	n := len(a)
	b = b[:n]
	var tmp [64]bool
	for base := 0; base < n; base += 64 {
		m := min(64, n-base)
		x, y := a[base:base+m], b[base:base+m]
		t := tmp[:m]
		switch op {
		case opEq:
			for j := range t {
				t[j] = x[j] == y[j]
			}
		case opNe:
			for j := range t {
				t[j] = x[j] != y[j]
			}
		case opLt:
			for j := range t {
				t[j] = x[j] < y[j]
			}
		case opLe:
			for j := range t {
				t[j] = x[j] <= y[j]
			}
		case opGt:
			for j := range t {
				t[j] = x[j] > y[j]
			}
		case opGe:
			for j := range t {
				t[j] = x[j] >= y[j]
			}
		}
		packBools(out[base>>3:], t)
	}
}

func cmpVS[T cmp.Ordered](op cmpOp, a []T, s T, out []byte) {
	n := len(a)
	var tmp [64]bool
	for base := 0; base < n; base += 64 {
		m := min(64, n-base)
		x := a[base : base+m]
		t := tmp[:m]
		switch op {
		case opEq:
			for j := range t {
				t[j] = x[j] == s
			}
		case opNe:
			for j := range t {
				t[j] = x[j] != s
			}
		case opLt:
			for j := range t {
				t[j] = x[j] < s
			}
		case opLe:
			for j := range t {
				t[j] = x[j] <= s
			}
		case opGt:
			for j := range t {
				t[j] = x[j] > s
			}
		case opGe:
			for j := range t {
				t[j] = x[j] >= s
			}
		}
		packBools(out[base>>3:], t)
	}
}

// cmpFloatVV compares floats in SQL order (storage.Compare): NaN equals
// NaN and is greater than every other value. The loops spell the order out
// per operator (x != x only for NaN) so they stay branch-free.
func cmpFloatVV[T float32 | float64](op cmpOp, a, b []T, out []byte) {
	n := len(a)
	b = b[:n]
	var tmp [64]bool
	for base := 0; base < n; base += 64 {
		m := min(64, n-base)
		x, y := a[base:base+m], b[base:base+m]
		t := tmp[:m]
		switch op {
		case opEq:
			for j := range t {
				t[j] = x[j] == y[j] || (x[j] != x[j] && y[j] != y[j])
			}
		case opNe:
			for j := range t {
				t[j] = !(x[j] == y[j] || (x[j] != x[j] && y[j] != y[j]))
			}
		case opLt:
			for j := range t {
				t[j] = x[j] < y[j] || (y[j] != y[j] && x[j] == x[j])
			}
		case opLe:
			for j := range t {
				t[j] = x[j] <= y[j] || y[j] != y[j]
			}
		case opGt:
			for j := range t {
				t[j] = x[j] > y[j] || (x[j] != x[j] && y[j] == y[j])
			}
		case opGe:
			for j := range t {
				t[j] = x[j] >= y[j] || x[j] != x[j]
			}
		}
		packBools(out[base>>3:], t)
	}
}

// cmpFloatVS is cmpFloatVV against a constant.
func cmpFloatVS[T float32 | float64](op cmpOp, a []T, s T, out []byte) {
	n := len(a)
	sNaN := s != s
	var tmp [64]bool
	for base := 0; base < n; base += 64 {
		m := min(64, n-base)
		x := a[base : base+m]
		t := tmp[:m]
		switch op {
		case opEq:
			for j := range t {
				t[j] = x[j] == s || (x[j] != x[j] && sNaN)
			}
		case opNe:
			for j := range t {
				t[j] = !(x[j] == s || (x[j] != x[j] && sNaN))
			}
		case opLt:
			for j := range t {
				t[j] = x[j] < s || (sNaN && x[j] == x[j])
			}
		case opLe:
			for j := range t {
				t[j] = x[j] <= s || sNaN
			}
		case opGt:
			for j := range t {
				t[j] = x[j] > s || (x[j] != x[j] && !sNaN)
			}
		case opGe:
			for j := range t {
				t[j] = x[j] >= s || x[j] != x[j]
			}
		}
		packBools(out[base>>3:], t)
	}
}

// cmpDec64VV compares decimals of precision <= 18 by their low words.
func cmpDec64VV(op cmpOp, a, b []i128, out []byte) {
	n := len(a)
	b = b[:n]
	var x, y [64]int64
	var tmp [64]byte
	for base := 0; base < n; base += 64 {
		m := min(64, n-base)
		for j := 0; j < m; j++ {
			x[j] = int64(a[base+j].lo)
			y[j] = int64(b[base+j].lo)
		}
		cmpVV(op, x[:m], y[:m], tmp[:])
		copy(out[base>>3:], tmp[:(m+7)/8])
	}
}

func cmpDec64VS(op cmpOp, a []i128, s int64, out []byte) {
	n := len(a)
	var tmp [64]bool
	for base := 0; base < n; base += 64 {
		m := min(64, n-base)
		x := a[base : base+m]
		t := tmp[:m]
		switch op {
		case opEq:
			for j := range t {
				t[j] = int64(x[j].lo) == s
			}
		case opNe:
			for j := range t {
				t[j] = int64(x[j].lo) != s
			}
		case opLt:
			for j := range t {
				t[j] = int64(x[j].lo) < s
			}
		case opLe:
			for j := range t {
				t[j] = int64(x[j].lo) <= s
			}
		case opGt:
			for j := range t {
				t[j] = int64(x[j].lo) > s
			}
		case opGe:
			for j := range t {
				t[j] = int64(x[j].lo) >= s
			}
		}
		packBools(out[base>>3:], t)
	}
}

func cmpFuncVV[T any](op cmpOp, a, b []T, out []byte, f func(T, T) int) {
	n := len(a)
	var tmp [64]bool
	for base := 0; base < n; base += 64 {
		m := min(64, n-base)
		for j := 0; j < m; j++ {
			tmp[j] = op.holds(f(a[base+j], b[base+j]))
		}
		packBools(out[base>>3:], tmp[:m])
	}
}

func cmpFuncVS[T any](op cmpOp, a []T, s T, out []byte, f func(T, T) int) {
	n := len(a)
	var tmp [64]bool
	for base := 0; base < n; base += 64 {
		m := min(64, n-base)
		for j := 0; j < m; j++ {
			tmp[j] = op.holds(f(a[base+j], s))
		}
		packBools(out[base>>3:], tmp[:m])
	}
}

// compareScalar compares an array with a constant physical value.
func compareScalar(mem memory.Allocator, op cmpOp, a arrow.Array, s any, distinct bool) arrow.Array {
	n := a.Len()
	if s == nil {
		if !distinct {
			return nullArray(mem, tBool, n)
		}
		// x IS [NOT] DISTINCT FROM NULL  ==  x IS [NOT] NULL
		return isNullArray(mem, a, op == opNe)
	}
	o := newBoolOut(mem, n)
	out := o.vals.Buf()
	t := a.DataType()
	switch t.ID() {
	case arrow.INT8:
		cmpVS(op, values[int8](a), int8(s.(int64)), out)
	case arrow.INT16:
		cmpVS(op, values[int16](a), int16(s.(int64)), out)
	case arrow.INT32, arrow.DATE32:
		cmpVS(op, values[int32](a), int32(s.(int64)), out)
	case arrow.INT64, arrow.TIMESTAMP:
		cmpVS(op, values[int64](a), s.(int64), out)
	case arrow.UINT8:
		cmpVS(op, values[uint8](a), uint8(s.(uint64)), out)
	case arrow.UINT16:
		cmpVS(op, values[uint16](a), uint16(s.(uint64)), out)
	case arrow.UINT32:
		cmpVS(op, values[uint32](a), uint32(s.(uint64)), out)
	case arrow.UINT64:
		cmpVS(op, values[uint64](a), s.(uint64), out)
	case arrow.FLOAT32:
		cmpFloatVS(op, values[float32](a), float32(s.(float64)), out)
	case arrow.FLOAT64:
		cmpFloatVS(op, values[float64](a), s.(float64), out)
	case arrow.DECIMAL128:
		sv := s.(i128)
		if p, _ := decProps(t); p <= 18 && sv.fits64() {
			cmpDec64VS(op, values[i128](a), int64(sv.lo), out)
		} else {
			cmpFuncVS(op, values[i128](a), sv, out, i128.cmp)
		}
	case arrow.BOOL:
		sv := uint8(0)
		if s.(bool) {
			sv = 1
		}
		cmpVS(op, boolBytes(a), sv, out)
	case arrow.STRING:
		ao, ad := strParts(a)
		sb := []byte(s.(string))
		var tmp [64]bool
		for base := 0; base < n; base += 64 {
			m := min(64, n-base)
			for j := 0; j < m; j++ {
				i := base + j
				x := ad[ao[i]:ao[i+1]]
				if op == opEq || op == opNe {
					tmp[j] = (len(x) == len(sb) && string(x) == string(sb)) == (op == opEq)
				} else {
					tmp[j] = op.holds(bytes.Compare(x, sb))
				}
			}
			packBools(out[base>>3:], tmp[:m])
		}
	default:
		panic("internal error: compare of " + TypeName(t))
	}
	if distinct {
		// a NULL row vs a value: distinct
		if v, off := validityOf(a); v != nil {
			for i := 0; i < n; i++ {
				if !getBit(v, off+i) {
					if op == opNe {
						setBit(out, i)
					} else {
						clearBit(out, i)
					}
				}
			}
		}
	} else {
		o.valid = validityAnd(mem, n, a)
	}
	return o.finish()
}

// isNullArray returns x IS NULL (or IS NOT NULL when not) for every row.
func isNullArray(mem memory.Allocator, a arrow.Array, not bool) arrow.Array {
	n := a.Len()
	o := newBoolOut(mem, n)
	out := o.vals.Buf()
	switch {
	case a.DataType().ID() == arrow.NULL:
		if not {
			return o.finish()
		}
		for i := range out {
			out[i] = 0xff
		}
		return o.finish()
	case a.NullN() == 0:
		if !not {
			return o.finish()
		}
		for i := range out {
			out[i] = 0xff
		}
		return o.finish()
	}
	v, off := validityOf(a)
	if not {
		copyBits(out, v, off, n)
	} else {
		invertBits(out, v, off, n)
	}
	return o.finish()
}
