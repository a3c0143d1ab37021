package exec

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/bits"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

type arithOp uint8

const (
	opAdd arithOp = iota
	opSub
	opMul
	opDiv
	opMod
)

var arithNames = [...]string{"+", "-", "*", "/", "%"}

func (o arithOp) String() string { return arithNames[o] }

type arithKind uint8

const (
	akInt      arithKind = iota // INT64 op INT64 -> INT64, overflow checked
	akFloat                     // FLOAT64 op FLOAT64 -> FLOAT64
	akDec                       // DECIMAL op DECIMAL -> DECIMAL (same scale for + - %)
	akDateInt                   // DATE +/- INT64 -> DATE
	akDateDiff                  // DATE - DATE -> INT64 days
	akDateIv                    // DATE +/- INTERVAL -> DATE
	akTsIv                      // TIMESTAMP +/- INTERVAL -> TIMESTAMP
	akTsDiff                    // TIMESTAMP - TIMESTAMP -> INTERVAL of days and time
)

type arithExpr struct {
	op   arithOp
	kind arithKind
	l, r Expr
	typ  arrow.DataType
	// decimals: operands both have precision <= 18 (int64 fast path), and
	// whether the result may exceed the result precision (capped at 38)
	both64    bool
	checkPrec bool
}

func (e *arithExpr) DataType() arrow.DataType { return e.typ }
func (e *arithExpr) kids() []Expr             { return []Expr{e.l, e.r} }
func (e *arithExpr) String() string {
	return fmt.Sprintf("(%s %s %s)", e.l, e.op, e.r)
}

// decimalResult is DuckDB's result type for decimal arithmetic.
//
//   - -  scale max(s1,s2), precision max(s + max(p1-s1, p2-s2), p1, p2) + 1
//   - scale s1+s2, precision p1+p2
//     %    scale max(s1,s2), precision max(p1-s1, p2-s2) + scale
//
// capped at 38 digits; capped was set when the cap applied.
func decimalResult(op arithOp, lt, rt arrow.DataType) (p, s int, capped bool, err error) {
	p1, s1 := asDecimalProps(lt)
	p2, s2 := asDecimalProps(rt)
	switch op {
	case opAdd, opSub:
		s = max(s1, s2)
		p = max(s+max(p1-s1, p2-s2), p1, p2) + 1
	case opMul:
		s = s1 + s2
		p = p1 + p2
		if s > 38 {
			return 0, 0, false, fmt.Errorf("multiplying %s by %s needs scale %d, more than the maximum of 38; cast an operand to FLOAT64 or to a DECIMAL with a smaller scale", TypeName(lt), TypeName(rt), s)
		}
	case opMod:
		s = max(s1, s2)
		p = max(p1-s1, p2-s2) + s
	}
	if p > 38 {
		p, capped = 38, true
	}
	return p, s, capped, nil
}

// newArith types an arithmetic operator and inserts the implicit casts.
func newArith(op arithOp, l, r Expr) (Expr, error) {
	lt, rt := l.DataType(), r.DataType()
	// A NULL operand takes a type that makes the operation valid when
	// there is one; errors name the types as written (BOOLEAN and NULL,
	// not BOOLEAN and BOOLEAN).
	written := fmt.Sprintf("cannot apply %s to %s and %s", op, TypeName(lt), TypeName(rt))
	bad := func() (Expr, error) { return nil, errors.New(written) }
	if isNull(lt) && isNull(rt) {
		return &litExpr{typ: tNull}, nil
	}
	switch {
	case isNull(lt):
		lt = nullOperand(op, rt, true)
		l = &litExpr{typ: lt}
	case isNull(rt):
		rt = nullOperand(op, lt, false)
		r = &litExpr{typ: rt}
	}
	e := &arithExpr{op: op, l: l, r: r}
	switch {
	case isTemporal(lt) || isTemporal(rt) || isInterval(lt) || isInterval(rt):
		return newDateArith(e, lt, rt, bad)
	case !isNumeric(lt) || !isNumeric(rt):
		return bad()
	case op == opDiv || isFloat(lt) || isFloat(rt):
		e.kind, e.typ = akFloat, tFloat64
		if op == opMod {
			e.kind = akFloat
		}
	case isDecimal(lt) || isDecimal(rt):
		l, r = decOperand(l), decOperand(r)
		lt, rt = l.DataType(), r.DataType()
		p, s, capped, err := decimalResult(op, lt, rt)
		if err != nil {
			return nil, err
		}
		e.kind, e.typ = akDec, DecimalType(p, s)
		e.checkPrec = capped
		if op != opMul {
			// both operands to the result scale, keeping their digits
			for _, x := range []*Expr{&l, &r} {
				xp, xs := decProps((*x).DataType())
				if xs != s {
					c, err := castTo(*x, DecimalType(min(xp+s-xs, 38), s))
					if err != nil {
						return nil, err
					}
					*x = c
				}
			}
		}
		e.l, e.r = l, r
		p1, _ := decProps(l.DataType())
		p2, _ := decProps(r.DataType())
		e.both64 = p1 <= 18 && p2 <= 18
	default:
		e.kind, e.typ = akInt, tInt64
	}
	var err error
	switch e.kind {
	case akFloat:
		if e.l, err = castTo(e.l, tFloat64); err != nil {
			return nil, err
		}
		if e.r, err = castTo(e.r, tFloat64); err != nil {
			return nil, err
		}
	case akInt:
		if e.l, err = castTo(e.l, tInt64); err != nil {
			return nil, err
		}
		if e.r, err = castTo(e.r, tInt64); err != nil {
			return nil, err
		}
	}
	if lc, ok := asConst(e.l); ok && lc.val == nil {
		return &litExpr{typ: e.typ}, nil
	}
	if rc, ok := asConst(e.r); ok && rc.val == nil {
		return &litExpr{typ: e.typ}, nil
	}
	return folded(e), nil
}

// nullOperand is the type a NULL operand of op takes next to an operand of
// type other: the type that makes "x op NULL" (left false) or "NULL op x"
// (left true) valid, so the result is a NULL of the right type (DATE +
// NULL is a NULL DATE); other itself when nothing fits better, so that
// invalid combinations still fail.
func nullOperand(op arithOp, other arrow.DataType, left bool) arrow.DataType {
	switch {
	case isInterval(other) && left:
		return tDate // NULL + INTERVAL: a date
	case isDate(other) && !left, isDate(other) && op == opAdd:
		return tInt64 // DATE +/- days, days + DATE
	case isTimestamp(other) && (!left || op == opAdd):
		return IntervalType // TIMESTAMP +/- INTERVAL, INTERVAL + TIMESTAMP
	}
	return other
}

// decOperand converts an integer operand of decimal arithmetic to a
// DECIMAL: a constant to exactly its digits, a column to its type's width.
func decOperand(x Expr) Expr {
	t := x.DataType()
	if isDecimal(t) {
		return x
	}
	if c, ok := asConst(x); ok && c.val != nil {
		var mag uint64
		switch v := c.val.(type) {
		case int64:
			if v < 0 {
				mag = uint64(-v)
			} else {
				mag = uint64(v)
			}
		case uint64:
			mag = v
		}
		d := DecimalType(digits10(mag), 0)
		if v, err := convertValue(c.val, t, d); err == nil {
			return &litExpr{typ: d, val: v}
		}
	}
	out, err := castTo(x, DecimalType(intDecimalWidth(t), 0))
	if err != nil {
		return x
	}
	return out
}

// newDateArith types date and interval arithmetic; bad is the error for
// operand types it does not support.
func newDateArith(e *arithExpr, lt, rt arrow.DataType, bad func() (Expr, error)) (Expr, error) {
	// put the interval or integer on the right for +
	if e.op == opAdd && (isInterval(lt) || isInteger(lt)) && isTemporal(rt) {
		e.l, e.r = e.r, e.l
		lt, rt = rt, lt
	}
	var err error
	switch {
	case isDate(lt) && isInteger(rt) && (e.op == opAdd || e.op == opSub):
		e.kind, e.typ = akDateInt, tDate
		if e.r, err = castTo(e.r, tInt64); err != nil {
			return nil, err
		}
	case isDate(lt) && isDate(rt) && e.op == opSub:
		e.kind, e.typ = akDateDiff, tInt64
	case isTemporal(lt) && isTemporal(rt) && e.op == opSub:
		// TIMESTAMP - TIMESTAMP (a DATE is its midnight), as DuckDB: days
		// and a time of day, never months
		e.kind, e.typ = akTsDiff, IntervalType
		if e.l, err = castTo(e.l, tTs); err != nil {
			return nil, err
		}
		if e.r, err = castTo(e.r, tTs); err != nil {
			return nil, err
		}
	case isTemporal(lt) && isInterval(rt) && (e.op == opAdd || e.op == opSub):
		c, ok := asConst(e.r)
		if !ok {
			return nil, fmt.Errorf("an INTERVAL operand must be a constant")
		}
		if c.val == nil {
			return &litExpr{typ: lt}, nil
		}
		iv := c.val.(Interval)
		if isDate(lt) && iv.Micros == 0 {
			e.kind, e.typ = akDateIv, tDate
		} else {
			e.kind, e.typ = akTsIv, tTs
			if e.l, err = castTo(e.l, tTs); err != nil {
				return nil, err
			}
		}
	case isInterval(lt) && isInterval(rt) && (e.op == opAdd || e.op == opSub):
		a, ok1 := asConst(e.l)
		b, ok2 := asConst(e.r)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("INTERVAL operands must be constants")
		}
		if a.val == nil || b.val == nil {
			return &litExpr{typ: IntervalType}, nil
		}
		x, y := a.val.(Interval), b.val.(Interval)
		if e.op == opSub {
			y = Interval{-y.Months, -y.Days, -y.Micros}
		}
		m, d, us := int64(x.Months)+int64(y.Months), int64(x.Days)+int64(y.Days), x.Micros+y.Micros
		if m != int64(int32(m)) || d != int64(int32(d)) || !intervalMicrosFit(us) {
			return nil, errorf(ErrOutOfRange, "INTERVAL '%s' %s INTERVAL '%s' is out of the INTERVAL range", x, e.op, y)
		}
		return &litExpr{typ: IntervalType, val: Interval{int32(m), int32(d), us}}, nil
	default:
		return bad()
	}
	if lc, ok := asConst(e.l); ok && lc.val == nil {
		return &litExpr{typ: e.typ}, nil
	}
	if rc, ok := asConst(e.r); ok && rc.val == nil {
		return &litExpr{typ: e.typ}, nil
	}
	return folded(e), nil
}

// operand evaluates one side: constants become a one-element slice with
// mask 0 (broadcast), arrays mask -1.
type operand struct {
	arr   arrow.Array // nil for a constant
	cval  any
	mask  int
	isNil bool
}

func evalOperand(ctx *EvalContext, batch arrow.Record, e Expr) (operand, error) {
	if c, ok := asConst(e); ok {
		return operand{cval: c.val, mask: 0, isNil: c.val == nil}, nil
	}
	a, err := ctx.eval(e, batch)
	if err != nil {
		return operand{}, err
	}
	return operand{arr: a, mask: -1}, nil
}

func (o operand) release() {
	if o.arr != nil {
		o.arr.Release()
	}
}

func opI64(o operand) []int64 {
	if o.arr == nil {
		return []int64{o.cval.(int64)}
	}
	if isDate(o.arr.DataType()) {
		v := values[int32](o.arr)
		out := make([]int64, len(v))
		for i, x := range v {
			out[i] = int64(x)
		}
		return out
	}
	return values[int64](o.arr)
}

func opF64(o operand) []float64 {
	if o.arr == nil {
		return []float64{o.cval.(float64)}
	}
	return values[float64](o.arr)
}

func opDec(o operand) []i128 {
	if o.arr == nil {
		return []i128{o.cval.(i128)}
	}
	return values[i128](o.arr)
}

func (e *arithExpr) Eval(ctx *EvalContext, batch arrow.Record) (arrow.Array, error) {
	n := int(batch.NumRows())
	a, err := evalOperand(ctx, batch, e.l)
	if err != nil {
		return nil, err
	}
	defer a.release()
	b, err := evalOperand(ctx, batch, e.r)
	if err != nil {
		return nil, err
	}
	defer b.release()
	mem := ctx.Mem
	valid := validityAnd(mem, n, a.arr, b.arr)
	var res arrow.Array
	switch e.kind {
	case akInt:
		res, err = e.evalInt(ctx, n, a, b, valid)
	case akFloat:
		res, err = e.evalFloat(ctx, n, a, b, valid)
	case akDec:
		res, err = e.evalDec(ctx, n, a, b, valid)
	default:
		res, err = e.evalDate(ctx, n, a, b, valid)
	}
	return res, err
}

// rowMatters reports whether an error in row i of the output must be
// raised: the row is valid (not NULL) and selected.
func rowMatters(ctx *EvalContext, valid *memory.Buffer, i int) bool {
	if valid != nil && !getBit(valid.Buf(), i) {
		return false
	}
	return ctx.matters(i)
}

func (e *arithExpr) overflow(x, y string) error {
	return errorf(ErrOutOfRange, "%s overflow: %s %s %s does not fit %s", TypeName(e.typ), x, e.op, y, TypeName(e.typ))
}

func (e *arithExpr) evalInt(ctx *EvalContext, n int, a, b operand, valid *memory.Buffer) (arrow.Array, error) {
	o := newFixedOut[int64](ctx.Mem, tInt64, n)
	o.valid = valid
	x, y := opI64(a), opI64(b)
	ma, mb := a.mask, b.mask
	out := o.v
	var ov int64
	switch e.op {
	case opAdd:
		for i := range out {
			p, q := x[i&ma], y[i&mb]
			r := p + q
			out[i] = r
			ov |= (p ^ r) & (q ^ r)
		}
		ov >>= 63
	case opSub:
		for i := range out {
			p, q := x[i&ma], y[i&mb]
			r := p - q
			out[i] = r
			ov |= (p ^ q) & (p ^ r)
		}
		ov >>= 63
	case opMul:
		for i := range out {
			p, q := x[i&ma], y[i&mb]
			hi, lo := bits.Mul64(uint64(p), uint64(q))
			h := int64(hi) - (p>>63)&q - (q>>63)&p
			out[i] = int64(lo)
			ov |= h ^ (int64(lo) >> 63)
		}
	case opMod:
		zero := false
		for i := range out {
			p, q := x[i&ma], y[i&mb]
			if q == 0 {
				zero = true
				q = 1
			}
			out[i] = p % q
		}
		if zero {
			for i := range out {
				if y[i&mb] == 0 {
					o.setNull(ctx.Mem, i)
				}
			}
		}
	}
	if ov != 0 {
		for i := range out {
			p, q := x[i&ma], y[i&mb]
			bad := false
			switch e.op {
			case opAdd:
				r := p + q
				bad = (p^r)&(q^r) < 0
			case opSub:
				r := p - q
				bad = (p^q)&(p^r) < 0
			case opMul:
				bad = !mul64(p, q).fits64()
			}
			if bad && rowMatters(ctx, o.valid, i) {
				o.release()
				return nil, e.overflow(fmt.Sprint(p), fmt.Sprint(q))
			}
		}
	}
	return o.finish(), nil
}

func (e *arithExpr) evalFloat(ctx *EvalContext, n int, a, b operand, valid *memory.Buffer) (arrow.Array, error) {
	o := newFixedOut[float64](ctx.Mem, tFloat64, n)
	o.valid = valid
	x, y := opF64(a), opF64(b)
	ma, mb := a.mask, b.mask
	out := o.v
	switch e.op {
	case opAdd:
		for i := range out {
			out[i] = x[i&ma] + y[i&mb]
		}
	case opSub:
		for i := range out {
			out[i] = x[i&ma] - y[i&mb]
		}
	case opMul:
		for i := range out {
			out[i] = x[i&ma] * y[i&mb]
		}
	case opDiv, opMod:
		zero := false
		for i := range out {
			q := y[i&mb]
			if q == 0 {
				zero = true
			}
			if e.op == opDiv {
				out[i] = x[i&ma] / q
			} else {
				out[i] = math.Mod(x[i&ma], q)
			}
		}
		if zero {
			// division by zero is NULL (DuckDB)
			for i := range out {
				if y[i&mb] == 0 {
					o.setNull(ctx.Mem, i)
				}
			}
		}
	}
	return o.finish(), nil
}

func (e *arithExpr) evalDec(ctx *EvalContext, n int, a, b operand, valid *memory.Buffer) (arrow.Array, error) {
	o := newFixedOut[i128](ctx.Mem, e.typ, n)
	o.valid = valid
	x, y := opDec(a), opDec(b)
	ma, mb := a.mask, b.mask
	out := o.v
	p, _ := decProps(e.typ)
	bad := false
	switch {
	case e.both64 && (e.op == opAdd || e.op == opSub):
		// |x|,|y| < 10^18: the int64 result cannot overflow
		dec64AddSub(e.op == opSub, x, ma != 0, y, mb != 0, out)
	case e.both64 && e.op == opMul:
		// |x*y| < 10^36: exact in 128 bits, within the result precision
		dec64Mul(x, ma != 0, y, mb != 0, out)
	case e.op == opMul:
		// a product of two int64 values is below 2^126 < 10^38, and below
		// 10^p when the precision was not capped: only wide operands can
		// overflow
		bad = decMulWide(x, ma, y, mb, out, p, e.checkPrec)
	case e.op == opAdd || e.op == opSub:
		for i := range out {
			var r i128
			var ov bool
			if e.op == opAdd {
				r, ov = x[i&ma].add(y[i&mb])
			} else {
				r, ov = x[i&ma].sub(y[i&mb])
			}
			out[i] = r
			if ov || (e.checkPrec && !r.fitsPrecision(p)) {
				bad = true
			}
		}
	case e.op == opMod:
		for i := range out {
			u, v := x[i&ma], y[i&mb]
			switch {
			case v.isZero():
				out[i] = i128{}
				o.setNull(ctx.Mem, i)
			case u.fits64() && v.fits64() && !(int64(u.lo) == math.MinInt64):
				r := int64(u.lo) % int64(v.lo)
				out[i] = i128From64(r)
			default:
				r := new(big.Int).Rem(u.big(), v.big())
				out[i] = i128FromBig(r)
			}
		}
	}
	if bad {
		for i := range out {
			u, v := x[i&ma], y[i&mb]
			var r i128
			var ov bool
			switch e.op {
			case opAdd:
				r, ov = u.add(v)
			case opSub:
				r, ov = u.sub(v)
			case opMul:
				r, ov = u.mul(v)
			}
			if (ov || !r.fitsPrecision(p)) && rowMatters(ctx, o.valid, i) {
				o.release()
				_, ls := decProps(e.l.DataType())
				_, rs := decProps(e.r.DataType())
				return nil, e.overflow(decString(u, ls), decString(v, rs))
			}
		}
	}
	return o.finish(), nil
}

// dec64AddSub adds or subtracts decimals of precision <= 18 (vector or
// broadcast constant on either side) into 128-bit results.
func dec64AddSub(sub bool, x []i128, xv bool, y []i128, yv bool, out []i128) {
	switch {
	case xv && yv:
		y = y[:len(x)]
		out = out[:len(x)]
		if sub {
			for i := range x {
				r := int64(x[i].lo) - int64(y[i].lo)
				out[i] = i128{uint64(r), r >> 63}
			}
		} else {
			for i := range x {
				r := int64(x[i].lo) + int64(y[i].lo)
				out[i] = i128{uint64(r), r >> 63}
			}
		}
	case yv: // constant - vector
		c := int64(x[0].lo)
		y = y[:len(out)]
		if sub {
			for i := range y {
				r := c - int64(y[i].lo)
				out[i] = i128{uint64(r), r >> 63}
			}
		} else {
			for i := range y {
				r := c + int64(y[i].lo)
				out[i] = i128{uint64(r), r >> 63}
			}
		}
	case xv: // vector - constant
		c := int64(y[0].lo)
		if sub {
			c = -c
		}
		x = x[:len(out)]
		for i := range x {
			r := int64(x[i].lo) + c
			out[i] = i128{uint64(r), r >> 63}
		}
	default:
		var r int64
		if sub {
			r = int64(x[0].lo) - int64(y[0].lo)
		} else {
			r = int64(x[0].lo) + int64(y[0].lo)
		}
		for i := range out {
			out[i] = i128{uint64(r), r >> 63}
		}
	}
}

// dec64Mul multiplies decimals of precision <= 18 into exact 128-bit results.
func dec64Mul(x []i128, xv bool, y []i128, yv bool, out []i128) {
	switch {
	case xv && yv:
		y = y[:len(x)]
		out = out[:len(x)]
		for i := range x {
			out[i] = mul64(int64(x[i].lo), int64(y[i].lo))
		}
	case xv || yv:
		if !xv {
			x, y = y, x
		}
		c := int64(y[0].lo)
		x = x[:len(out)]
		for i := range x {
			out[i] = mul64(int64(x[i].lo), c)
		}
	default:
		r := mul64(int64(x[0].lo), int64(y[0].lo))
		for i := range out {
			out[i] = r
		}
	}
}

// decMulWide multiplies decimals where an operand may need 128 bits; it
// reports whether some row overflowed (to be located by the caller).
func decMulWide(x []i128, ma int, y []i128, mb int, out []i128, p int, checkPrec bool) bool {
	bad := false
	if all64(x) && all64(y) {
		dec64Mul(x, ma != 0, y, mb != 0, out)
		return false
	}
	if ma != 0 && mb != 0 {
		y = y[:len(x)]
		out = out[:len(x)]
		for i := range x {
			u, v := x[i], y[i]
			if u.hi == int64(u.lo)>>63 && v.hi == int64(v.lo)>>63 {
				out[i] = mul64(int64(u.lo), int64(v.lo))
				continue
			}
			r, ov := u.mul(v)
			out[i] = r
			if ov || (checkPrec && !r.fitsPrecision(p)) {
				bad = true
			}
		}
		return bad
	}
	for i := range out {
		u, v := x[i&ma], y[i&mb]
		if u.fits64() && v.fits64() {
			out[i] = mul64(int64(u.lo), int64(v.lo))
			continue
		}
		r, ov := u.mul(v)
		out[i] = r
		if ov || (checkPrec && !r.fitsPrecision(p)) {
			bad = true
		}
	}
	return bad
}

func (e *arithExpr) evalDate(ctx *EvalContext, n int, a, b operand, valid *memory.Buffer) (arrow.Array, error) {
	mem := ctx.Mem
	switch e.kind {
	case akDateInt:
		o := newFixedOut[int32](mem, tDate, n)
		o.valid = valid
		x, y := opI64(a), opI64(b)
		for i := range o.v {
			d := y[i&b.mask]
			if e.op == opSub {
				d = -d
			}
			r := x[i&a.mask] + d
			if (r < minDate32 || r > maxDate32 || d > maxDate32 || d < minDate32) && rowMatters(ctx, valid, i) {
				o.release()
				return nil, errorf(ErrOutOfRange, "date out of range: %s %s %d", formatDate(x[i&a.mask]), e.op, y[i&b.mask])
			}
			o.v[i] = int32(r)
		}
		return o.finish(), nil
	case akDateDiff:
		o := newFixedOut[int64](mem, tInt64, n)
		o.valid = valid
		x, y := opI64(a), opI64(b)
		for i := range o.v {
			o.v[i] = x[i&a.mask] - y[i&b.mask]
		}
		return o.finish(), nil
	case akDateIv:
		iv := b.cval.(Interval)
		m, d := int64(iv.Months), int64(iv.Days)
		if e.op == opSub {
			m, d = -m, -d
		}
		o := newFixedOut[int32](mem, tDate, n)
		o.valid = valid
		x := opI64(a)
		for i := range o.v {
			r := addMonths(x[i&a.mask], m) + d
			if (r < minDate32 || r > maxDate32) && rowMatters(ctx, valid, i) {
				o.release()
				return nil, errorf(ErrOutOfRange, "date out of range: %s %s INTERVAL '%s'", formatDate(x[i&a.mask]), e.op, iv)
			}
			o.v[i] = int32(r)
		}
		return o.finish(), nil
	case akTsDiff:
		o := newFixedOut[arrow.MonthDayNanoInterval](mem, IntervalType, n)
		o.valid = valid
		x, y := opI64(a), opI64(b)
		for i := range o.v {
			d, ok := SubInt64(x[i&a.mask], y[i&b.mask])
			if !ok && rowMatters(ctx, valid, i) {
				o.release()
				return nil, errorf(ErrOutOfRange, "TIMESTAMP '%s' - TIMESTAMP '%s' is out of the INTERVAL range", formatTimestamp(x[i&a.mask]), formatTimestamp(y[i&b.mask]))
			}
			days := d / microsPerDay
			o.v[i] = arrow.MonthDayNanoInterval{Days: int32(days), Nanoseconds: (d - days*microsPerDay) * 1000}
		}
		return o.finish(), nil
	case akTsIv:
		iv := b.cval.(Interval)
		m, d, us := int64(iv.Months), int64(iv.Days), iv.Micros
		if e.op == opSub {
			m, d, us = -m, -d, -us
		}
		o := newFixedOut[int64](mem, tTs, n)
		o.valid = valid
		x := opI64(a)
		for i := range o.v {
			t := x[i&a.mask]
			days := floorDiv(t, microsPerDay)
			tod := t - days*microsPerDay
			r, ok := timestampOf(addMonths(days, m)+d, tod)
			if ok {
				r, ok = AddInt64(r, us)
				ok = ok && r >= minTimestamp
			}
			if !ok && rowMatters(ctx, valid, i) {
				o.release()
				return nil, tsRangeError(fmt.Sprintf("TIMESTAMP '%s' %s INTERVAL '%s'", formatTimestamp(t), e.op, iv))
			}
			o.v[i] = r
		}
		return o.finish(), nil
	}
	return nil, fmt.Errorf("internal error: arithmetic kind %d", e.kind)
}

// ---------------------------------------------------------------------
// Unary minus

type negExpr struct {
	x   Expr
	typ arrow.DataType
}

func newNegate(x Expr) (Expr, error) {
	t := x.DataType()
	switch {
	case isNull(t):
		return x, nil
	case isInteger(t):
		c, err := castTo(x, tInt64)
		if err != nil {
			return nil, err
		}
		x, t = c, tInt64
	case isFloat(t):
		c, err := castTo(x, tFloat64)
		if err != nil {
			return nil, err
		}
		x, t = c, tFloat64
	case isDecimal(t):
	case isInterval(t):
		c, ok := asConst(x)
		if !ok {
			return nil, fmt.Errorf("an INTERVAL operand must be a constant")
		}
		if c.val == nil {
			return c, nil
		}
		iv := c.val.(Interval)
		return &litExpr{typ: IntervalType, val: Interval{-iv.Months, -iv.Days, -iv.Micros}}, nil
	default:
		return nil, fmt.Errorf("cannot negate %s", TypeName(t))
	}
	return folded(&negExpr{x: x, typ: t}), nil
}

func (e *negExpr) DataType() arrow.DataType { return e.typ }
func (e *negExpr) kids() []Expr             { return []Expr{e.x} }
func (e *negExpr) String() string           { return fmt.Sprintf("(-%s)", e.x) }

func (e *negExpr) Eval(ctx *EvalContext, batch arrow.Record) (arrow.Array, error) {
	a, err := ctx.eval(e.x, batch)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	n := a.Len()
	valid := validityAnd(ctx.Mem, n, a)
	switch e.typ.ID() {
	case arrow.INT64:
		o := newFixedOut[int64](ctx.Mem, e.typ, n)
		o.valid = valid
		src := values[int64](a)
		minSeen := false
		for i, v := range src {
			o.v[i] = -v
			if v == math.MinInt64 {
				minSeen = true
			}
		}
		if minSeen {
			for i, v := range src {
				if v == math.MinInt64 && rowMatters(ctx, valid, i) {
					o.release()
					return nil, errorf(ErrOutOfRange, "INT64 overflow: -(%d) does not fit INT64", v)
				}
			}
		}
		return o.finish(), nil
	case arrow.FLOAT64:
		o := newFixedOut[float64](ctx.Mem, e.typ, n)
		o.valid = valid
		for i, v := range values[float64](a) {
			o.v[i] = -v
		}
		return o.finish(), nil
	default: // decimal
		o := newFixedOut[i128](ctx.Mem, e.typ, n)
		o.valid = valid
		for i, v := range values[i128](a) {
			o.v[i] = v.neg()
		}
		return o.finish(), nil
	}
}

// all64 reports whether every value is a sign-extended int64.
func all64(x []i128) bool {
	var bad int64
	for _, v := range x {
		bad |= v.hi ^ int64(v.lo)>>63
	}
	return bad == 0
}
