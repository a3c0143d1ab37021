package scan

import (
	"cmp"
	"fmt"
	"math"
	"math/big"
	"slices"

	"github.com/recq/recq/storage"
)

// How a pushed-down predicate orders a column's values against a constant.
// It must agree, value for value, with the executor comparing the decoded
// column with the same constant, so it follows the executor's type rules:
//
//   - an exact constant (int64, uint64, storage.DecimalValue, a date, a
//     timestamp, a boolean) against an integer, DECIMAL, DATE, TIMESTAMP
//     or BOOLEAN column compares exactly (the executor widens both sides to
//     a common exact type);
//   - a float64 constant against an integer or DECIMAL column compares the
//     column's value converted to float64 (storage.DecimalFloat64) with the
//     constant, in SQL float order (storage.CompareFloat: NaN greatest and
//     equal to itself), because the executor converts the column to
//     FLOAT64; so does every constant of an IN list that holds a float64,
//     as the executor converts the whole list to one common type;
//   - any numeric constant against a FLOAT32/FLOAT64 column is converted
//     to float64 and compared in SQL float order.
//
// Integer-domain columns turn this order into ranges of raw values: the
// conversion to float64 is monotone, so "value op constant" holds on one
// range of the column's integer grid, found by binary search over that
// grid with the exact comparison at each probe. No rounding rule per
// operator is needed, and none can be wrong.

// span is the closed range lo..hi of raw values in the int or uint domain.
type span[T int64 | uint64] struct{ lo, hi T }

// firstTrue returns the least n in [lo, hi] for which f holds, where f is
// false up to some point and true from there on; ok is false when f holds
// nowhere.
func firstTrue[T int64 | uint64](lo, hi T, f func(T) bool) (n T, ok bool) {
	if !f(hi) {
		return 0, false
	}
	for lo < hi {
		// hi-lo wraps for int64, but as uint64 it is the true distance.
		mid := lo + T(uint64(hi-lo)/2)
		if f(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo, true
}

// solve returns the raw values n in [lo, hi] with "n op constant", given
// sign(n - constant) as order (monotone in n); ok is false when there are
// none. op is one of =, <, <=, >, >=.
func solve[T int64 | uint64](op Op, lo, hi T, order func(T) int) (span[T], bool) {
	ge, geOK := firstTrue(lo, hi, func(n T) bool { return order(n) >= 0 })
	gt, gtOK := firstTrue(lo, hi, func(n T) bool { return order(n) > 0 })
	// below returns the values before the first n where the test holds.
	below := func(first T, found bool) (span[T], bool) {
		switch {
		case !found:
			return span[T]{lo, hi}, true
		case first == lo:
			return span[T]{}, false
		}
		return span[T]{lo, first - 1}, true
	}
	switch op {
	case OpGe:
		return span[T]{ge, hi}, geOK
	case OpGt:
		return span[T]{gt, hi}, gtOK
	case OpLt:
		return below(ge, geOK)
	case OpLe:
		return below(gt, gtOK)
	}
	// OpEq: from the first value >= the constant up to before the first >.
	if !geOK {
		return span[T]{}, false
	}
	upTo, ok := below(gt, gtOK)
	if !ok || ge > upTo.hi {
		return span[T]{}, false
	}
	return span[T]{ge, upTo.hi}, true
}

// normalize turns the integer kinds callers may pass into int64.
func normalize(v any) any {
	switch x := v.(type) {
	case int:
		return int64(x)
	case int32:
		return int64(x)
	}
	return v
}

// floatValue converts a numeric constant to float64 the way the executor
// converts it to FLOAT64.
func floatValue(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int64:
		return float64(x), true
	case uint64:
		return float64(x), true
	case storage.DecimalValue:
		return storage.DecimalFloat64(x.Unscaled, x.Scale), true
	}
	return 0, false
}

// isNumberColumn reports whether t is an integer or DECIMAL type.
func isNumberColumn(t storage.Type) bool { return t.IsInteger() || t.Kind == storage.Decimal }

// exactKey returns the constant and the column's unit as integers on one
// grid: a raw column value n stands for n × unit, the constant for key.
func (c *compiled) exactKey(v any) (key, unit *big.Int, ok bool) {
	t := c.field.Type
	pow := func(n int) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil) }
	microsPerDay := big.NewInt(86_400_000_000)
	one := big.NewInt(1)
	if isNumberColumn(t) {
		scale := 0
		if t.Kind == storage.Decimal {
			scale = t.Scale
		}
		var num *big.Int
		cs := 0
		switch x := v.(type) {
		case int64:
			num = big.NewInt(x)
		case uint64:
			num = new(big.Int).SetUint64(x)
		case storage.DecimalValue:
			num, cs = big.NewInt(x.Unscaled), x.Scale
		default:
			return nil, nil, false
		}
		s := max(scale, cs)
		return num.Mul(num, pow(s-cs)), pow(s - scale), true
	}
	switch x := v.(type) {
	case storage.DateValue:
		switch t.Kind {
		case storage.Date:
			return big.NewInt(int64(x)), one, true
		case storage.Timestamp:
			k := big.NewInt(int64(x))
			return k.Mul(k, microsPerDay), one, true
		}
	case storage.TimestampValue:
		switch t.Kind {
		case storage.Timestamp:
			return big.NewInt(int64(x)), one, true
		case storage.Date:
			return big.NewInt(int64(x)), microsPerDay, true
		}
	case bool:
		if t.Kind == storage.Boolean {
			if x {
				return one, one, true
			}
			return new(big.Int), one, true
		}
	}
	return nil, nil, false
}

// order returns sign(raw value n − v) for one constant, in the executor's
// comparison of the column with v (see the top of this file). asFloat
// compares in FLOAT64 even an exact constant (IN lists with a float).
func order[T int64 | uint64](c *compiled, v any, asFloat bool) (func(T) int, error) {
	t := c.field.Type
	toFloat := func(n T) float64 {
		if x, signed := any(n).(int64); signed {
			scale := 0
			if t.Kind == storage.Decimal {
				scale = t.Scale
			}
			return storage.DecimalFloat64(x, scale)
		}
		return float64(uint64(n))
	}
	if _, isFloat := v.(float64); (isFloat || asFloat) && isNumberColumn(t) {
		k, _ := floatValue(v)
		return func(n T) int { return storage.CompareFloat(toFloat(n), k) }, nil
	}
	key, unit, ok := c.exactKey(v)
	if !ok {
		return nil, c.mismatch(v)
	}
	if key.IsInt64() && unit.IsInt64() {
		// The common case without big integers: n × unit either fits
		// int64 and compares directly, or lies beyond every int64 key on
		// the side of n's sign (unit > 0).
		k, u := key.Int64(), unit.Int64()
		return func(n T) int {
			x, signed := any(n).(int64)
			if !signed && uint64(n) > math.MaxInt64 {
				return 1
			}
			if !signed {
				x = int64(n)
			}
			p := x * u
			if x != 0 && p/u != x {
				if x > 0 {
					return 1
				}
				return -1
			}
			return cmp.Compare(p, k)
		}, nil
	}
	x := new(big.Int)
	return func(n T) int {
		if s, signed := any(n).(int64); signed {
			x.SetInt64(s)
		} else {
			x.SetUint64(uint64(n))
		}
		return x.Mul(x, unit).Cmp(key)
	}, nil
}

func (c *compiled) mismatch(v any) error {
	return fmt.Errorf("cannot compare %s column %s with %T %v", c.field.Type, c.field.Name, v, v)
}

// rangeTest is a compiled predicate over an integer domain: values in r
// (or outside it, when negate), or in one of the spans of set (IN).
type rangeTest[T int64 | uint64] struct {
	r      span[T]
	set    []span[T] // IN: sorted, disjoint; nil otherwise
	never  bool
	negate bool
}

// compileRange compiles the predicate for a column whose raw values are
// the integers lo..hi of T.
func compileRange[T int64 | uint64](c *compiled, lo, hi T) (rangeTest[T], error) {
	p := c.pred
	var rt rangeTest[T]
	solveFor := func(op Op, v any, asFloat bool) (span[T], bool, error) {
		ord, err := order[T](c, v, asFloat)
		if err != nil {
			return span[T]{}, false, err
		}
		s, ok := solve(op, lo, hi, ord)
		return s, ok, nil
	}
	switch p.Op {
	case OpIn:
		asFloat := slices.ContainsFunc(p.Values, func(v any) bool { _, f := v.(float64); return f })
		rt.set = []span[T]{}
		for _, v := range p.Values {
			s, ok, err := solveFor(OpEq, v, asFloat)
			if err != nil {
				return rt, err
			}
			if ok {
				rt.set = append(rt.set, s)
			}
		}
		rt.set = mergeSpans(rt.set)
		rt.never = len(rt.set) == 0
		return rt, nil
	case OpBetween:
		a, okA, err := solveFor(OpGe, p.Values[0], false)
		if err != nil {
			return rt, err
		}
		b, okB, err := solveFor(OpLe, p.Values[1], false)
		if err != nil {
			return rt, err
		}
		rt.r = span[T]{a.lo, b.hi}
		rt.never = !okA || !okB || a.lo > b.hi
		return rt, nil
	case OpNe:
		s, ok, err := solveFor(OpEq, p.Values[0], false)
		if err != nil {
			return rt, err
		}
		rt.negate = true
		rt.r = s
		if !ok { // x <> 2.5 on integers: every non-NULL value
			rt.r = span[T]{1, 0}
		}
		return rt, nil
	}
	s, ok, err := solveFor(p.Op, p.Values[0], false)
	if err != nil {
		return rt, err
	}
	rt.r, rt.never = s, !ok
	return rt, nil
}

// mergeSpans sorts spans and merges those that overlap or touch.
func mergeSpans[T int64 | uint64](ss []span[T]) []span[T] {
	slices.SortFunc(ss, func(a, b span[T]) int { return cmp.Compare(a.lo, b.lo) })
	out := ss[:0]
	for _, s := range ss {
		if n := len(out); n > 0 && (s.lo <= out[n-1].hi || s.lo-1 == out[n-1].hi) {
			out[n-1].hi = max(out[n-1].hi, s.hi)
			continue
		}
		out = append(out, s)
	}
	return out
}

// match reports whether raw value v passes.
func (rt *rangeTest[T]) match(v T) bool {
	if rt.set != nil {
		return inSpans(rt.set, v, v)
	}
	return (rt.r.lo <= v && v <= rt.r.hi) != rt.negate
}

// mayMatch reports whether some value in lo..hi may pass (block skipping).
func (rt *rangeTest[T]) mayMatch(lo, hi T) bool {
	switch {
	case rt.never:
		return false
	case rt.set != nil:
		return inSpans(rt.set, lo, hi)
	case rt.negate:
		return !(lo == hi && rt.r.lo <= lo && hi <= rt.r.hi)
	}
	return !(hi < rt.r.lo || lo > rt.r.hi)
}

// inSpans reports whether some span of the sorted set meets lo..hi.
func inSpans[T int64 | uint64](set []span[T], lo, hi T) bool {
	i, _ := slices.BinarySearchFunc(set, lo, func(s span[T], v T) int { return cmp.Compare(s.hi, v) })
	return i < len(set) && set[i].lo <= hi
}

// floatTest is a compiled predicate over a FLOAT32/FLOAT64 column, in SQL
// float order (storage.CompareFloat).
type floatTest struct {
	op     Op
	val    float64   // =, <>, <, <=, >, >=
	lo, hi float64   // BETWEEN
	set    []float64 // IN, sorted in SQL order
	never  bool
}

func compileFloatTest(c *compiled) (floatTest, error) {
	p := c.pred
	ft := floatTest{op: p.Op}
	vals := make([]float64, len(p.Values))
	for i, v := range p.Values {
		f, ok := floatValue(v)
		if !ok {
			return ft, c.mismatch(v)
		}
		vals[i] = f
	}
	switch p.Op {
	case OpIn:
		ft.set = slices.CompactFunc(slices.SortedFunc(slices.Values(vals), storage.CompareFloat),
			func(a, b float64) bool { return storage.CompareFloat(a, b) == 0 })
		ft.never = len(ft.set) == 0
	case OpBetween:
		ft.lo, ft.hi = vals[0], vals[1]
		ft.never = storage.CompareFloat(ft.lo, ft.hi) > 0
	default:
		ft.val = vals[0]
	}
	return ft, nil
}

func (ft *floatTest) match(v float64) bool {
	switch ft.op {
	case OpIn:
		_, found := slices.BinarySearchFunc(ft.set, v, storage.CompareFloat)
		return found
	case OpBetween:
		return storage.CompareFloat(v, ft.lo) >= 0 && storage.CompareFloat(v, ft.hi) <= 0
	}
	return ft.op.holds(storage.CompareFloat(v, ft.val))
}

// holds reports whether a comparison with result c (-1, 0, +1) passes op,
// one of =, <>, <, <=, >, >=.
func (o Op) holds(c int) bool {
	switch o {
	case OpEq:
		return c == 0
	case OpNe:
		return c != 0
	case OpLt:
		return c < 0
	case OpLe:
		return c <= 0
	case OpGt:
		return c > 0
	case OpGe:
		return c >= 0
	}
	return false
}
