package exec

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/decimal128"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

type castExpr struct {
	x  Expr
	to arrow.DataType
}

// canCast reports whether CAST(from AS to) is supported.
func canCast(from, to arrow.DataType) bool {
	switch {
	case isNull(from), arrow.TypeEqual(from, to), isString(to), isString(from) && !isInterval(to):
		return true
	case isNumeric(from) && isNumeric(to):
		return true
	case isBool(from) && (isNumeric(to) || isBool(to)), isNumeric(from) && isBool(to):
		return true
	case isTemporal(from) && isTemporal(to):
		return true
	}
	return false
}

// NewCast converts x to type to: numbers to numbers (rounding half away
// from zero when digits are dropped, an error when the value does not
// fit), anything to and from VARCHAR, DATE to and from TIMESTAMP, BOOLEAN
// to and from numbers.
func NewCast(x Expr, to arrow.DataType) (Expr, error) {
	from := x.DataType()
	if arrow.TypeEqual(from, to) {
		return x, nil
	}
	if !canCast(from, to) {
		return nil, fmt.Errorf("cannot cast %s to %s", TypeName(from), TypeName(to))
	}
	if l, ok := asConst(x); ok {
		// constant casts are done now; a failure is a bind-time error
		v, err := convertValue(l.val, from, to)
		if err != nil {
			return nil, err
		}
		return &litExpr{typ: to, val: v}, nil
	}
	return &castExpr{x: x, to: to}, nil
}

// castTo is NewCast for implicit conversions known to be valid.
func castTo(x Expr, to arrow.DataType) (Expr, error) {
	if arrow.TypeEqual(x.DataType(), to) {
		return x, nil
	}
	return NewCast(x, to)
}

func (c *castExpr) DataType() arrow.DataType { return c.to }
func (c *castExpr) kids() []Expr             { return []Expr{c.x} }
func (c *castExpr) String() string {
	return fmt.Sprintf("CAST(%s AS %s)", c.x.String(), TypeName(c.to))
}

func (c *castExpr) Eval(ctx *EvalContext, batch arrow.Record) (arrow.Array, error) {
	a, err := ctx.eval(c.x, batch)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	return castArray(ctx, a, c.to)
}

// castArray converts an array; typed loops for the hot conversions, a
// per-value path for the rest (strings, booleans).
func castArray(ctx *EvalContext, a arrow.Array, to arrow.DataType) (arrow.Array, error) {
	from := a.DataType()
	mem := ctx.Mem
	n := a.Len()
	if arrow.TypeEqual(from, to) {
		a.Retain()
		return a, nil
	}
	if isNull(from) {
		return nullArray(mem, to, n), nil
	}
	if isNested(from) && isString(to) {
		// A list or struct as text, as Arrow writes it in JSON:
		// [1,2], {"value":285,"mflag":"T"}.
		o := newStrOut(mem, n, 0)
		for i := range n {
			if a.IsNull(i) {
				o.addNull()
			} else {
				o.add([]byte(a.ValueStr(i)))
			}
		}
		return o.finish(), nil
	}
	switch {
	case isInteger(from) && isInteger(to):
		return castIntInt(ctx, a, to)
	case isInteger(from) && isFloat(to):
		return castIntFloat(ctx, a, to), nil
	case isFloat(from) && to.ID() == arrow.FLOAT64:
		return mapFixed(mem, a, to, func(v float32) float64 { return float64(v) }), nil
	case isFloat(from) && to.ID() == arrow.FLOAT32:
		return mapFixed(mem, a, to, func(v float64) float32 { return float32(v) }), nil
	case isInteger(from) && isDecimal(to):
		return castIntDecimal(ctx, a, to)
	case isDecimal(from) && isDecimal(to):
		return castDecDec(ctx, a, to)
	case isDecimal(from) && isFloat(to):
		return castDecFloat(ctx, a, to), nil
	case isDate(from) && isTimestamp(to):
		return castDateTimestamp(ctx, a, to)
	case isTimestamp(from) && isDate(to):
		return mapFixed(mem, a, to, func(v int64) int32 { return int32(floorDiv(v, microsPerDay)) }), nil
	}
	return castSlow(ctx, a, to)
}

// mapFixed applies f to every value (nulls keep their slot, validity copied).
func mapFixed[S, D any](mem memory.Allocator, a arrow.Array, to arrow.DataType, f func(S) D) arrow.Array {
	src := values[S](a)
	o := newFixedOut[D](mem, to, a.Len())
	o.valid = validityAnd(mem, a.Len(), a)
	out := o.v
	for i, v := range src {
		out[i] = f(v)
	}
	return o.finish()
}

type integer interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64
}

// convInts converts integers of type S to D; it returns the index of the
// first value that does not fit, or -1. Rows that do not matter (NULL or
// unselected) are skipped when checking.
func convInts[S, D integer](ctx *EvalContext, src []S, dst []D, valid []byte, off int) int {
	bad := false
	for i, s := range src {
		d := D(s)
		dst[i] = d
		if S(d) != s || (d < 0) != (s < 0) {
			bad = true
		}
	}
	if !bad {
		return -1
	}
	for i, s := range src {
		d := D(s)
		if (S(d) != s || (d < 0) != (s < 0)) && isValid(valid, off, i) && ctx.matters(i) {
			return i
		}
	}
	return -1
}

func castIntInt(ctx *EvalContext, a arrow.Array, to arrow.DataType) (arrow.Array, error) {
	switch to.ID() {
	case arrow.INT8:
		return castIntTo[int8](ctx, a, to)
	case arrow.INT16:
		return castIntTo[int16](ctx, a, to)
	case arrow.INT32:
		return castIntTo[int32](ctx, a, to)
	case arrow.INT64:
		return castIntTo[int64](ctx, a, to)
	case arrow.UINT8:
		return castIntTo[uint8](ctx, a, to)
	case arrow.UINT16:
		return castIntTo[uint16](ctx, a, to)
	case arrow.UINT32:
		return castIntTo[uint32](ctx, a, to)
	default:
		return castIntTo[uint64](ctx, a, to)
	}
}

func castIntTo[D integer](ctx *EvalContext, a arrow.Array, to arrow.DataType) (arrow.Array, error) {
	o := newFixedOut[D](ctx.Mem, to, a.Len())
	o.valid = validityAnd(ctx.Mem, a.Len(), a)
	valid, off := validityOf(a)
	bad := -1
	switch a.DataType().ID() {
	case arrow.INT8:
		bad = convInts(ctx, values[int8](a), o.v, valid, off)
	case arrow.INT16:
		bad = convInts(ctx, values[int16](a), o.v, valid, off)
	case arrow.INT32:
		bad = convInts(ctx, values[int32](a), o.v, valid, off)
	case arrow.INT64:
		bad = convInts(ctx, values[int64](a), o.v, valid, off)
	case arrow.UINT8:
		bad = convInts(ctx, values[uint8](a), o.v, valid, off)
	case arrow.UINT16:
		bad = convInts(ctx, values[uint16](a), o.v, valid, off)
	case arrow.UINT32:
		bad = convInts(ctx, values[uint32](a), o.v, valid, off)
	case arrow.UINT64:
		bad = convInts(ctx, values[uint64](a), o.v, valid, off)
	}
	if bad >= 0 {
		o.release()
		return nil, errorf(ErrOutOfRange, "%s is out of range for %s", formatValue(a.DataType(), scalarAt(a, bad)), TypeName(to))
	}
	return o.finish(), nil
}

func intToFloats[S integer, D ~float32 | ~float64](src []S, dst []D) {
	for i, s := range src {
		dst[i] = D(s)
	}
}

func castIntFloat(ctx *EvalContext, a arrow.Array, to arrow.DataType) arrow.Array {
	if to.ID() == arrow.FLOAT32 {
		o := newFixedOut[float32](ctx.Mem, to, a.Len())
		o.valid = validityAnd(ctx.Mem, a.Len(), a)
		forIntArray(a, func(v []int64) { intToFloats(v, o.v) }, func(v []uint64) { intToFloats(v, o.v) })
		return o.finish()
	}
	o := newFixedOut[float64](ctx.Mem, to, a.Len())
	o.valid = validityAnd(ctx.Mem, a.Len(), a)
	switch a.DataType().ID() {
	case arrow.INT8:
		intToFloats(values[int8](a), o.v)
	case arrow.INT16:
		intToFloats(values[int16](a), o.v)
	case arrow.INT32:
		intToFloats(values[int32](a), o.v)
	case arrow.INT64:
		intToFloats(values[int64](a), o.v)
	case arrow.UINT8:
		intToFloats(values[uint8](a), o.v)
	case arrow.UINT16:
		intToFloats(values[uint16](a), o.v)
	case arrow.UINT32:
		intToFloats(values[uint32](a), o.v)
	case arrow.UINT64:
		intToFloats(values[uint64](a), o.v)
	}
	return o.finish()
}

// forIntArray widens any integer array to int64 (or uint64 for UINT64)
// values and calls the matching function.
func forIntArray(a arrow.Array, fi func([]int64), fu func([]uint64)) {
	if a.DataType().ID() == arrow.UINT64 {
		fu(values[uint64](a))
		return
	}
	if a.DataType().ID() == arrow.INT64 {
		fi(values[int64](a))
		return
	}
	out := make([]int64, a.Len())
	switch a.DataType().ID() {
	case arrow.INT8:
		for i, v := range values[int8](a) {
			out[i] = int64(v)
		}
	case arrow.INT16:
		for i, v := range values[int16](a) {
			out[i] = int64(v)
		}
	case arrow.INT32:
		for i, v := range values[int32](a) {
			out[i] = int64(v)
		}
	case arrow.UINT8:
		for i, v := range values[uint8](a) {
			out[i] = int64(v)
		}
	case arrow.UINT16:
		for i, v := range values[uint16](a) {
			out[i] = int64(v)
		}
	case arrow.UINT32:
		for i, v := range values[uint32](a) {
			out[i] = int64(v)
		}
	}
	fi(out)
}

func castIntDecimal(ctx *EvalContext, a arrow.Array, to arrow.DataType) (arrow.Array, error) {
	p, s := decProps(to)
	o := newFixedOut[i128](ctx.Mem, to, a.Len())
	o.valid = validityAnd(ctx.Mem, a.Len(), a)
	valid, off := validityOf(a)
	out := o.v
	bad := -1
	if a.DataType().ID() == arrow.UINT64 {
		for i, v := range values[uint64](a) {
			x, ov := i128{v, 0}.rescaleUp(s)
			out[i] = x
			if (ov || !x.fitsPrecision(p)) && isValid(valid, off, i) && ctx.matters(i) {
				bad = i
				break
			}
		}
	} else {
		mul := pow10i[s]
		var src []int64
		forIntArray(a, func(v []int64) { src = v }, nil)
		if s <= 18 && p-s >= intDecimalWidth(a.DataType()) && p <= 38 {
			// cannot overflow: the integer type's digits fit
			m := int64(mul.lo)
			for i, v := range src {
				out[i] = mul64(v, m)
			}
		} else {
			for i, v := range src {
				x, ov := i128From64(v).mul(mul)
				out[i] = x
				if (ov || !x.fitsPrecision(p)) && isValid(valid, off, i) && ctx.matters(i) {
					bad = i
					break
				}
			}
		}
	}
	if bad >= 0 {
		o.release()
		return nil, errorf(ErrOutOfRange, "%s is out of range for %s", formatValue(a.DataType(), scalarAt(a, bad)), TypeName(to))
	}
	return o.finish(), nil
}

func castDecDec(ctx *EvalContext, a arrow.Array, to arrow.DataType) (arrow.Array, error) {
	pf, sf := decProps(a.DataType())
	pt, st := decProps(to)
	src := values[i128](a)
	o := newFixedOut[i128](ctx.Mem, to, a.Len())
	o.valid = validityAnd(ctx.Mem, a.Len(), a)
	valid, off := validityOf(a)
	out := o.v
	bad := -1
	switch {
	case st >= sf:
		k := st - sf
		needCheck := pf+k > pt
		if !needCheck && pf <= 18 && k <= 18 {
			m := int64(pow10i[k].lo)
			for i, v := range src {
				out[i] = mul64(int64(v.lo), m)
			}
			break
		}
		for i, v := range src {
			x, ov := v.rescaleUp(k)
			out[i] = x
			if needCheck && (ov || !x.fitsPrecision(pt)) && isValid(valid, off, i) && ctx.matters(i) {
				bad = i
				break
			}
		}
	default:
		k := sf - st
		for i, v := range src {
			x := v.rescaleDown(k)
			out[i] = x
			if !x.fitsPrecision(pt) && isValid(valid, off, i) && ctx.matters(i) {
				bad = i
				break
			}
		}
	}
	if bad >= 0 {
		o.release()
		return nil, errorf(ErrOutOfRange, "%s is out of range for %s", decString(src[bad], sf), TypeName(to))
	}
	return o.finish(), nil
}

// castDateTimestamp converts days to microseconds; a date beyond the
// TIMESTAMP range is an error (for rows that matter).
func castDateTimestamp(ctx *EvalContext, a arrow.Array, to arrow.DataType) (arrow.Array, error) {
	o := newFixedOut[int64](ctx.Mem, to, a.Len())
	o.valid = validityAnd(ctx.Mem, a.Len(), a)
	vb, off := validityOf(a)
	for i, d := range values[int32](a) {
		us, ok := timestampOf(int64(d), 0)
		if !ok && isValid(vb, off, i) && ctx.matters(i) {
			o.release()
			return nil, tsRangeError("DATE '" + formatDate(int64(d)) + "'")
		}
		o.v[i] = us
	}
	return o.finish(), nil
}

func castDecFloat(ctx *EvalContext, a arrow.Array, to arrow.DataType) arrow.Array {
	p, s := decProps(a.DataType())
	src := values[i128](a)
	div := pow10f[s]
	if to.ID() == arrow.FLOAT32 {
		return mapFixed(ctx.Mem, a, to, func(v i128) float32 { return float32(v.float64() / div) })
	}
	o := newFixedOut[float64](ctx.Mem, to, a.Len())
	o.valid = validityAnd(ctx.Mem, a.Len(), a)
	out := o.v
	if p <= 18 {
		for i, v := range src {
			out[i] = float64(int64(v.lo)) / div
		}
	} else {
		for i, v := range src {
			out[i] = v.float64() / div
		}
	}
	return o.finish()
}

// castSlow converts value by value (strings, booleans, floats to exact types).
func castSlow(ctx *EvalContext, a arrow.Array, to arrow.DataType) (arrow.Array, error) {
	n := a.Len()
	from := a.DataType()
	o := newAnyOut(ctx.Mem, to, n)
	for i := 0; i < n; i++ {
		v := scalarAt(a, i)
		if v == nil {
			o.set(i, nil)
			continue
		}
		r, err := convertValue(v, from, to)
		if err != nil {
			if ctx.matters(i) {
				o.release()
				return nil, err
			}
			r = nil
		}
		o.set(i, r)
	}
	return o.finish(), nil
}

// convertValue converts one physical value between types.
func convertValue(v any, from, to arrow.DataType) (any, error) {
	if v == nil {
		return nil, nil
	}
	if arrow.TypeEqual(from, to) {
		return v, nil
	}
	if isString(to) {
		return formatValue(from, v), nil
	}
	if isString(from) {
		return castString(v.(string), to)
	}
	outOfRange := func() (any, error) {
		return nil, errorf(ErrOutOfRange, "%s is out of range for %s", formatValue(from, v), TypeName(to))
	}
	switch x := v.(type) {
	case bool:
		if isBool(to) {
			return x, nil
		}
		b := int64(0)
		if x {
			b = 1
		}
		return convertValue(b, tInt64, to)
	case int64:
		switch {
		case isTemporal(from):
			switch {
			case isDate(from) && isTimestamp(to):
				us, ok := timestampOf(x, 0)
				if !ok {
					return nil, tsRangeError("DATE '" + formatDate(x) + "'")
				}
				return us, nil
			case isTimestamp(from) && isDate(to):
				return floorDiv(x, microsPerDay), nil
			}
		case isBool(to):
			return x != 0, nil
		case isSignedInt(to):
			if !intFits(x, to) {
				return outOfRange()
			}
			return x, nil
		case isUnsignedInt(to):
			if x < 0 || !uintFits(uint64(x), to) {
				return outOfRange()
			}
			return uint64(x), nil
		case isFloat(to):
			return physValue(float64(x), to)
		case isDecimal(to):
			return physValue(x, to)
		}
	case uint64:
		switch {
		case isBool(to):
			return x != 0, nil
		case isSignedInt(to):
			if x > math.MaxInt64 || !intFits(int64(x), to) {
				return outOfRange()
			}
			return int64(x), nil
		case isUnsignedInt(to):
			if !uintFits(x, to) {
				return outOfRange()
			}
			return x, nil
		case isFloat(to):
			return physValue(float64(x), to)
		case isDecimal(to):
			p, s := decProps(to)
			r, ov := i128{x, 0}.rescaleUp(s)
			if ov || !r.fitsPrecision(p) {
				return outOfRange()
			}
			return r, nil
		}
	case float64:
		switch {
		case isBool(to):
			return x != 0, nil
		case isFloat(to):
			return physValue(x, to)
		case isInteger(to):
			r := math.Round(x)
			if math.IsNaN(r) || r < -9.223372036854775808e18 || r >= 9.223372036854775808e18 {
				if isUnsignedInt(to) && r >= 0 && r < 1.8446744073709551616e19 {
					return convertValue(uint64(r), arrow.PrimitiveTypes.Uint64, to)
				}
				return outOfRange()
			}
			return convertValue(int64(r), tInt64, to)
		case isDecimal(to):
			p, s := decProps(to)
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return outOfRange()
			}
			num, err := decimal128.FromFloat64(x, int32(p), int32(s))
			if err != nil {
				return outOfRange()
			}
			r := numToI128(num)
			if !r.fitsPrecision(p) {
				return outOfRange()
			}
			return r, nil
		}
	case i128:
		p, s := decProps(from)
		_ = p
		switch {
		case isBool(to):
			return !x.isZero(), nil
		case isFloat(to):
			return physValue(x.float64()/pow10f[s], to)
		case isInteger(to):
			r := x.rescaleDown(s)
			if !r.fits64() {
				if isUnsignedInt(to) && r.hi == 0 {
					return convertValue(r.lo, arrow.PrimitiveTypes.Uint64, to)
				}
				return outOfRange()
			}
			return convertValue(int64(r.lo), tInt64, to)
		case isDecimal(to):
			pt, st := decProps(to)
			var r i128
			if st >= s {
				var ov bool
				r, ov = x.rescaleUp(st - s)
				if ov {
					return outOfRange()
				}
			} else {
				r = x.rescaleDown(s - st)
			}
			if !r.fitsPrecision(pt) {
				return outOfRange()
			}
			return r, nil
		}
	}
	return nil, fmt.Errorf("cannot cast %s to %s", TypeName(from), TypeName(to))
}

// castString parses text into a physical value of type t.
func castString(s string, t arrow.DataType) (any, error) {
	bad := func() (any, error) {
		return nil, errorf(ErrInvalidValue, "could not convert '%s' to %s", s, TypeName(t))
	}
	ts := strings.TrimSpace(s)
	switch {
	case isString(t):
		return s, nil
	case isBool(t):
		switch strings.ToLower(ts) {
		case "true", "t", "1", "yes", "y", "on":
			return true, nil
		case "false", "f", "0", "no", "n", "off":
			return false, nil
		}
		return bad()
	case isSignedInt(t):
		v, err := strconv.ParseInt(ts, 10, 64)
		if err != nil {
			if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
				return nil, errorf(ErrOutOfRange, "%s is out of range for %s", ts, TypeName(t))
			}
			return bad()
		}
		if !intFits(v, t) {
			return nil, errorf(ErrOutOfRange, "%s is out of range for %s", ts, TypeName(t))
		}
		return v, nil
	case isUnsignedInt(t):
		v, err := strconv.ParseUint(ts, 10, 64)
		if err != nil {
			if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
				return nil, errorf(ErrOutOfRange, "%s is out of range for %s", ts, TypeName(t))
			}
			return bad()
		}
		if !uintFits(v, t) {
			return nil, errorf(ErrOutOfRange, "%s is out of range for %s", ts, TypeName(t))
		}
		return v, nil
	case isFloat(t):
		v, err := strconv.ParseFloat(ts, 64)
		if err != nil {
			return bad()
		}
		if t.ID() == arrow.FLOAT32 {
			v = float64(float32(v))
		}
		return v, nil
	case isDecimal(t):
		e, err := ParseNumber(ts)
		if err != nil {
			return bad()
		}
		l := e.(*litExpr)
		return convertValue(l.val, l.typ, t)
	case isDate(t):
		d, err := parseDate(ts)
		if err != nil {
			// a timestamp string also converts (its date part)
			if us, err2 := parseTimestamp(ts); err2 == nil {
				return floorDiv(us, microsPerDay), nil
			}
			return nil, err
		}
		if d < minDate32 || d > maxDate32 {
			return bad()
		}
		return d, nil
	case isTimestamp(t):
		return parseTimestamp(ts)
	}
	return nil, fmt.Errorf("cannot cast VARCHAR to %s", TypeName(t))
}

// anyOut builds an array from physical values set row by row in order
// (the slow path: casts from strings, per-row functions).
type anyOut struct {
	typ   arrow.DataType
	n     int
	mem   memory.Allocator
	fixed *memory.Buffer
	width int
	str   *strOut
	bools boolOut
	valid *memory.Buffer
}

func newAnyOut(mem memory.Allocator, t arrow.DataType, n int) *anyOut {
	o := &anyOut{typ: t, n: n, mem: mem}
	switch {
	case isString(t):
		o.str = newStrOut(mem, n, 0)
	case isBool(t):
		o.bools = newBoolOut(mem, n)
	default:
		o.width = byteWidth(t)
		o.fixed = newBuf(mem, n*o.width)
		b := o.fixed.Buf()
		for i := range b {
			b[i] = 0
		}
	}
	return o
}

// set stores row i (rows must be set in increasing order for strings).
func (o *anyOut) set(i int, v any) {
	if v == nil {
		if o.str != nil {
			o.str.addNull()
			return
		}
		if o.valid == nil {
			o.valid = newBitmap(o.mem, o.n, true)
		}
		clearBit(o.valid.Buf(), i)
		return
	}
	switch o.typ.ID() {
	case arrow.STRING:
		o.str.addString(v.(string))
	case arrow.BOOL:
		if v.(bool) {
			setBit(o.bools.vals.Buf(), i)
		}
	case arrow.INT8:
		bytesAs[int8](o.fixed.Buf())[i] = int8(v.(int64))
	case arrow.INT16:
		bytesAs[int16](o.fixed.Buf())[i] = int16(v.(int64))
	case arrow.INT32, arrow.DATE32:
		bytesAs[int32](o.fixed.Buf())[i] = int32(v.(int64))
	case arrow.INT64, arrow.TIMESTAMP:
		bytesAs[int64](o.fixed.Buf())[i] = v.(int64)
	case arrow.UINT8:
		bytesAs[uint8](o.fixed.Buf())[i] = uint8(v.(uint64))
	case arrow.UINT16:
		bytesAs[uint16](o.fixed.Buf())[i] = uint16(v.(uint64))
	case arrow.UINT32:
		bytesAs[uint32](o.fixed.Buf())[i] = uint32(v.(uint64))
	case arrow.UINT64:
		bytesAs[uint64](o.fixed.Buf())[i] = v.(uint64)
	case arrow.FLOAT32:
		bytesAs[float32](o.fixed.Buf())[i] = float32(v.(float64))
	case arrow.FLOAT64:
		bytesAs[float64](o.fixed.Buf())[i] = v.(float64)
	case arrow.DECIMAL128:
		bytesAs[i128](o.fixed.Buf())[i] = v.(i128)
	case arrow.INTERVAL_MONTH_DAY_NANO:
		iv := v.(Interval)
		bytesAs[arrow.MonthDayNanoInterval](o.fixed.Buf())[i] = arrow.MonthDayNanoInterval{Months: iv.Months, Days: iv.Days, Nanoseconds: iv.Micros * 1000}
	}
}

func (o *anyOut) finish() arrow.Array {
	switch {
	case o.str != nil:
		return o.str.finish()
	case o.typ.ID() == arrow.BOOL:
		o.bools.valid = o.valid
		return o.bools.finish()
	}
	return makeArray(o.typ, o.n, []*memory.Buffer{o.valid, o.fixed}, -1)
}

func (o *anyOut) release() {
	a := o.finish()
	a.Release()
}

// arrayFromValues builds an array from physical values (tests, folding).
func arrayFromValues(mem memory.Allocator, t arrow.DataType, vals []any) arrow.Array {
	if isNull(t) {
		return array.NewNull(len(vals))
	}
	o := newAnyOut(mem, t, len(vals))
	for i, v := range vals {
		o.set(i, v)
	}
	return o.finish()
}
