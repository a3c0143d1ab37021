package exec

import (
	"fmt"
	"math"
	"math/big"

	"github.com/apache/arrow/go/v17/arrow"
)

func wantNumeric(fn string, e Expr) (Expr, error) {
	t := e.DataType()
	if isNull(t) {
		return &litExpr{typ: tFloat64}, nil
	}
	if !isNumeric(t) {
		return nil, fmt.Errorf("%s needs a numeric argument, not %s", fn, TypeName(t))
	}
	return e, nil
}

// numArg widens an argument for math: integers to INT64, floats to FLOAT64,
// decimals unchanged.
func numArg(fn string, e Expr) (Expr, error) {
	e, err := wantNumeric(fn, e)
	if err != nil {
		return nil, err
	}
	switch t := e.DataType(); {
	case isInteger(t):
		return castTo(e, tInt64)
	case isFloat(t):
		return castTo(e, tFloat64)
	}
	return e, nil
}

func buildAbs(name string, args []Expr) (Expr, error) {
	if err := arity(name, args, 1, 1); err != nil {
		return nil, err
	}
	x, err := numArg(name, args[0])
	if err != nil {
		return nil, err
	}
	t := x.DataType()
	return &funcExpr{name: name, args: []Expr{x}, typ: t, eval: func(ctx *EvalContext, n int, as []arrow.Array) (arrow.Array, error) {
		a := as[0]
		valid := validityAnd(ctx.Mem, n, a)
		switch t.ID() {
		case arrow.INT64:
			o := newFixedOut[int64](ctx.Mem, t, n)
			o.valid = valid
			for i, v := range values[int64](a) {
				if v < 0 {
					if v == math.MinInt64 && rowMatters(ctx, valid, i) {
						o.release()
						return nil, errorf(ErrOutOfRange, "INT64 overflow: abs(%d) does not fit INT64", v)
					}
					v = -v
				}
				o.v[i] = v
			}
			return o.finish(), nil
		case arrow.FLOAT64:
			o := newFixedOut[float64](ctx.Mem, t, n)
			o.valid = valid
			for i, v := range values[float64](a) {
				o.v[i] = math.Abs(v)
			}
			return o.finish(), nil
		}
		o := newFixedOut[i128](ctx.Mem, t, n)
		o.valid = valid
		for i, v := range values[i128](a) {
			o.v[i] = v.abs()
		}
		return o.finish(), nil
	}}, nil
}

// round(x [, d]): half away from zero. DECIMAL(p,s) gives DECIMAL(p,d) for
// 0 <= d < s (the same type when d >= s); integers stay integers; FLOAT64
// rounds to d digits. d must be a constant.
func buildRound(name string, args []Expr) (Expr, error) {
	if err := arity(name, args, 1, 2); err != nil {
		return nil, err
	}
	x, err := numArg(name, args[0])
	if err != nil {
		return nil, err
	}
	var d int64
	if len(args) == 2 {
		c, ok := asConst(args[1])
		if !ok || !isInteger(c.typ) && !isNull(c.typ) {
			return nil, fmt.Errorf("round's second argument must be an integer constant")
		}
		if c.val == nil {
			return &litExpr{typ: x.DataType()}, nil
		}
		v, err := convertValue(c.val, c.typ, tInt64)
		if err != nil {
			return nil, err
		}
		d = v.(int64)
		if d > 38 {
			d = 38
		}
		if d < -38 {
			d = -38
		}
	}
	t := x.DataType()
	label := fmt.Sprintf("round(%s, %d)", x, d)
	switch {
	case isDecimal(t):
		p, s := decProps(t)
		if d >= int64(s) {
			return x, nil
		}
		ns := max(int(d), 0)
		rt := DecimalType(p, ns)
		drop := s - ns
		return &funcExpr{name: name, args: []Expr{x}, typ: rt, label: label, eval: func(ctx *EvalContext, n int, as []arrow.Array) (arrow.Array, error) {
			o := newFixedOut[i128](ctx.Mem, rt, n)
			o.valid = validityAnd(ctx.Mem, n, as[0])
			for i, v := range values[i128](as[0]) {
				r := v.rescaleDown(drop)
				if d < 0 {
					r = r.rescaleDown(int(-d))
					r, _ = r.rescaleUp(int(-d))
				}
				o.v[i] = r
			}
			return o.finish(), nil
		}}, nil
	case isFloat(t):
		return &funcExpr{name: name, args: []Expr{x}, typ: tFloat64, label: label, eval: func(ctx *EvalContext, n int, as []arrow.Array) (arrow.Array, error) {
			o := newFixedOut[float64](ctx.Mem, tFloat64, n)
			o.valid = validityAnd(ctx.Mem, n, as[0])
			m := math.Pow10(int(d))
			for i, v := range values[float64](as[0]) {
				if d == 0 {
					o.v[i] = math.Round(v)
				} else if r := math.Round(v*m) / m; !math.IsInf(r, 0) && !math.IsNaN(r) {
					o.v[i] = r
				} else {
					o.v[i] = v
				}
			}
			return o.finish(), nil
		}}, nil
	default: // INT64
		if d >= 0 {
			return x, nil
		}
		return &funcExpr{name: name, args: []Expr{x}, typ: tInt64, label: label, eval: func(ctx *EvalContext, n int, as []arrow.Array) (arrow.Array, error) {
			o := newFixedOut[int64](ctx.Mem, tInt64, n)
			o.valid = validityAnd(ctx.Mem, n, as[0])
			for i, v := range values[int64](as[0]) {
				r := i128From64(v).rescaleDown(int(-d))
				r, _ = r.rescaleUp(int(-d))
				if !r.fits64() && rowMatters(ctx, o.valid, i) {
					o.release()
					return nil, errorf(ErrOutOfRange, "INT64 overflow: round(%d, %d) does not fit INT64", v, d)
				}
				o.v[i] = int64(r.lo)
			}
			return o.finish(), nil
		}}, nil
	}
}

// floor/ceil/trunc: DECIMAL(p,s) gives DECIMAL(p-s+1,0); integers unchanged.
// trunc rounds toward zero.
func buildFloorCeil(name string, args []Expr) (Expr, error) {
	if err := arity(name, args, 1, 1); err != nil {
		return nil, err
	}
	x, err := numArg(name, args[0])
	if err != nil {
		return nil, err
	}
	ceil := name == "ceil" || name == "ceiling"
	trunc := name == "trunc"
	t := x.DataType()
	switch {
	case isInteger(t):
		return x, nil
	case isFloat(t):
		return &funcExpr{name: name, args: []Expr{x}, typ: tFloat64, eval: func(ctx *EvalContext, n int, as []arrow.Array) (arrow.Array, error) {
			o := newFixedOut[float64](ctx.Mem, tFloat64, n)
			o.valid = validityAnd(ctx.Mem, n, as[0])
			for i, v := range values[float64](as[0]) {
				if trunc {
					o.v[i] = math.Trunc(v)
				} else if ceil {
					o.v[i] = math.Ceil(v)
				} else {
					o.v[i] = math.Floor(v)
				}
			}
			return o.finish(), nil
		}}, nil
	}
	p, s := decProps(t)
	if s == 0 {
		return x, nil
	}
	rt := DecimalType(min(p-s+1, 38), 0)
	div := pow10i[s]
	return &funcExpr{name: name, args: []Expr{x}, typ: rt, eval: func(ctx *EvalContext, n int, as []arrow.Array) (arrow.Array, error) {
		o := newFixedOut[i128](ctx.Mem, rt, n)
		o.valid = validityAnd(ctx.Mem, n, as[0])
		for i, v := range values[i128](as[0]) {
			var q i128
			var r uint64
			if s <= 19 {
				q, r = v.quoRem64(div.lo)
			} else {
				bq, br := new(big.Int).QuoRem(v.big(), div.big(), new(big.Int))
				q = i128FromBig(bq)
				if br.Sign() != 0 {
					r = 1
				}
			}
			// q is truncated toward zero; adjust for floor/ceil
			if r != 0 && !trunc {
				if ceil && !v.isNeg() {
					q, _ = q.add(i128{1, 0})
				} else if !ceil && v.isNeg() {
					q, _ = q.sub(i128{1, 0})
				}
			}
			o.v[i] = q
		}
		return o.finish(), nil
	}}, nil
}

func buildFloatFn(name string, args []Expr) (Expr, error) {
	want := 1
	if name != "sqrt" {
		want = 2
	}
	if err := arity(name, args, want, want); err != nil {
		return nil, err
	}
	xs := make([]Expr, len(args))
	for i, a := range args {
		x, err := wantNumeric(name, a)
		if err != nil {
			return nil, err
		}
		if xs[i], err = castTo(x, tFloat64); err != nil {
			return nil, err
		}
	}
	return &funcExpr{name: name, args: xs, typ: tFloat64, eval: func(ctx *EvalContext, n int, as []arrow.Array) (arrow.Array, error) {
		o := newFixedOut[float64](ctx.Mem, tFloat64, n)
		o.valid = validityAnd(ctx.Mem, n, as...)
		x := values[float64](as[0])
		if name == "sqrt" {
			for i, v := range x {
				if v < 0 && rowMatters(ctx, o.valid, i) {
					o.release()
					return nil, errorf(ErrOutOfRange, "cannot take the square root of a negative number (%s)", formatFloat(v))
				}
				o.v[i] = math.Sqrt(v)
			}
			return o.finish(), nil
		}
		y := values[float64](as[1])
		for i, v := range x {
			o.v[i] = math.Pow(v, y[i])
		}
		return o.finish(), nil
	}}, nil
}
