package exec

import (
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
)

// The aggregates added after the first set (DuckDB's names): each keeps
// its own state over all of its inputs (values, FILTER mask, ORDER BY
// keys), so FILTER, DISTINCT and ORDER BY work the same way for all.
//
//	median(x)                       quantile_cont(x, 0.5)
//	quantile_cont(x, q | [q, ...])  interpolated quantile; FLOAT64 for numbers, TIMESTAMP for dates and timestamps
//	quantile_disc(x, q | [q, ...])  the first sorted value whose cumulative share reaches q; x's type
//	mode(x)                         the most frequent value (the smallest of equally frequent ones)
//	arg_min(x, y), arg_max(x, y)    x of the row with the smallest / largest y (rows with NULL y skipped)
//	string_agg(x [, sep])           the non-NULL values as text joined by sep (default ',')
//	first(x), last(x)               the first / last value (NULLs included), in ORDER BY order when given
//	count_if(b)                     rows where b is true
//	approx_count_distinct(x)        distinct non-NULL values, estimated (HyperLogLog)
var moreAggs = map[string]string{
	"median": "quantile_cont", "quantile_cont": "quantile_cont", "quantile_disc": "quantile_disc", "quantile": "quantile_disc",
	"mode":    "mode",
	"arg_min": "arg_min", "argmin": "arg_min", "min_by": "arg_min",
	"arg_max": "arg_max", "argmax": "arg_max", "max_by": "arg_max",
	"string_agg": "string_agg", "group_concat": "string_agg", "listagg": "string_agg",
	"first": "first", "arbitrary": "first", "last": "last",
	"count_if": "count_if", "countif": "count_if",
	"approx_count_distinct": "approx_count_distinct",
}

// aggArity is the argument count range of each aggregate of moreAggs.
var aggArity = map[string][2]int{
	"quantile_cont": {2, 2}, "quantile_disc": {2, 2}, "mode": {1, 1},
	"arg_min": {2, 2}, "arg_max": {2, 2}, "string_agg": {1, 2},
	"first": {1, 1}, "last": {1, 1}, "count_if": {1, 1}, "approx_count_distinct": {1, 1},
}

// AggArity returns how many arguments aggregate name takes (1, 1 for the
// classic ones).
func AggArity(name string) (lo, hi int) {
	lname := strings.ToLower(name)
	if lname == "median" {
		return 1, 1
	}
	if fn, ok := moreAggs[lname]; ok {
		a := aggArity[fn]
		return a[0], a[1]
	}
	return 1, 1
}

// orderable reports whether values of t can be compared (sorted, min/max).
func orderable(t arrow.DataType) bool {
	return isNumeric(t) || isString(t) || isTemporal(t) || isBool(t)
}

// quantileFractions reads quantile's constant fraction or list of
// fractions (a list is passed as several constant arguments by the
// binder, see QuantileList).
func quantileFractions(fn string, args []Expr) ([]float64, error) {
	var qs []float64
	for _, a := range args {
		c, ok := asConst(a)
		if !ok || c.val == nil || !isNumeric(c.typ) {
			return nil, fmt.Errorf("%s needs the fraction as a number constant from 0 to 1, as in %s(x, 0.5)", fn, fn)
		}
		v, err := convertValue(c.val, c.typ, tFloat64)
		if err != nil {
			return nil, err
		}
		q := v.(float64)
		if !(q >= 0 && q <= 1) {
			return nil, fmt.Errorf("%s: the fraction %s is outside 0 to 1", fn, formatFloat(q))
		}
		qs = append(qs, q)
	}
	return qs, nil
}

// QuantileListArg marks a quantile call whose fractions were written as a
// list ([0.25, 0.5]): the binder passes the fractions as arguments after
// x and this marker first, and the result is a LIST.
const QuantileListArg = "__quantile_list"

// AggCallType checks an aggregate call of moreAggs (also median) and
// returns its result type. args are the call's arguments.
func AggCallType(name string, args []Expr) (arrow.DataType, error) {
	lname := strings.ToLower(name)
	fn, ok := moreAggs[lname]
	if !ok {
		var t arrow.DataType
		if len(args) > 0 {
			t = args[0].DataType()
		}
		if len(args) > 1 {
			return nil, fmt.Errorf("%s takes one argument, got %d", lname, len(args))
		}
		return AggResultType(lname, t, false)
	}
	for _, a := range args {
		if isNested(a.DataType()) {
			return nil, nestedErr("aggregate with "+lname, a.DataType())
		}
	}
	if lname == "median" {
		if len(args) != 1 {
			return nil, fmt.Errorf("median takes one argument, got %d", len(args))
		}
		args = append(args, &litExpr{typ: tFloat64, val: 0.5})
	}
	list := false
	if len(args) > 1 && (fn == "quantile_cont" || fn == "quantile_disc") {
		if c, ok := asConst(args[1]); ok && c.val == QuantileListArg {
			list = true
			args = append([]Expr{args[0]}, args[2:]...)
		}
	}
	lo, hi := aggArity[fn][0], aggArity[fn][1]
	if !list && (len(args) < lo || len(args) > hi) {
		if lo == hi {
			return nil, fmt.Errorf("%s takes %d argument%s, got %d", lname, lo, plural(lo), len(args))
		}
		return nil, fmt.Errorf("%s takes %d to %d arguments, got %d", lname, lo, hi, len(args))
	}
	if len(args) == 0 {
		return nil, fmt.Errorf("%s needs an argument", lname)
	}
	t := args[0].DataType()
	if isNull(t) {
		t = tInt64
		if fn == "count_if" {
			t = tBool
		}
		if fn == "string_agg" {
			t = tString
		}
	}
	switch fn {
	case "quantile_cont", "quantile_disc":
		if _, err := quantileFractions(lname, args[1:]); err != nil {
			return nil, err
		}
		var rt arrow.DataType
		if fn == "quantile_cont" {
			switch {
			case isNumeric(t):
				rt = tFloat64
			case isTemporal(t):
				rt = tTs
			default:
				return nil, fmt.Errorf("%s needs a numeric, DATE or TIMESTAMP argument, not %s", lname, TypeName(t))
			}
		} else {
			if !orderable(t) {
				return nil, fmt.Errorf("%s needs an argument that can be sorted, not %s", lname, TypeName(t))
			}
			rt = t
		}
		if list {
			return arrow.ListOf(rt), nil
		}
		return rt, nil
	case "mode", "first", "last":
		if isInterval(t) && fn == "mode" {
			return nil, fmt.Errorf("mode of %s is not supported", TypeName(t))
		}
		return t, nil
	case "arg_min", "arg_max":
		if k := args[1].DataType(); !orderable(k) && !isNull(k) {
			return nil, fmt.Errorf("%s needs a second argument that can be compared, not %s", lname, TypeName(k))
		}
		return t, nil
	case "string_agg":
		if len(args) > 1 {
			if _, null, ok := constString(args[1]); !ok || null {
				return nil, fmt.Errorf("string_agg needs the separator as a VARCHAR constant, as in string_agg(x, ', ')")
			}
		}
		return tString, nil
	case "count_if":
		if !isBool(t) {
			return nil, fmt.Errorf("count_if needs a BOOLEAN argument, not %s", TypeName(t))
		}
		return tInt64, nil
	case "approx_count_distinct":
		return tInt64, nil
	}
	return nil, fmt.Errorf("unknown aggregate function %s", lname)
}

// AggNeverNull reports whether an aggregate is never NULL: it counts, so
// over no rows it is 0 (count, count_if, approx_count_distinct).
func AggNeverNull(name string) bool {
	switch moreAggs[strings.ToLower(name)] {
	case "count_if", "approx_count_distinct":
		return true
	}
	return strings.EqualFold(name, "count")
}

// IsOrderable reports whether values of t can be compared (min, max, ORDER BY).
func IsOrderable(t arrow.DataType) bool { return orderable(t) }

// IsNumeric reports whether t is an integer, float or DECIMAL type.
func IsNumeric(t arrow.DataType) bool { return isNumeric(t) }

// IsTemporal reports whether t is DATE or TIMESTAMP.
func IsTemporal(t arrow.DataType) bool { return isTemporal(t) }

// IsMoreAggregate reports whether name is one of the aggregates that read
// all their inputs (moreAggs, including median).
func IsMoreAggregate(name string) bool { return isMoreAgg(name) }

// isMoreAgg reports whether an aggregate is one of moreAggs.
func isMoreAgg(name string) bool {
	_, ok := moreAggs[strings.ToLower(name)]
	return ok
}

// callArgs is an aggregate call's arguments: Arg then Args.
func callArgs(c AggCall) []Expr {
	if c.Arg == nil {
		return nil
	}
	return append([]Expr{c.Arg}, c.Args...)
}

// callValueArgs is how many of a moreAggs call's arguments its state
// reads row by row (Arg, and arg_min/arg_max's ordering value); the
// others are constants it takes from the call (quantile fractions,
// string_agg's separator).
func callValueArgs(name string) int {
	switch moreAggs[strings.ToLower(name)] {
	case "arg_min", "arg_max":
		return 2
	}
	return 1
}

// aggInputs is one batch's inputs of a call state: the values (Arg then
// Args), the FILTER mask (nil: every row) and the ORDER BY keys.
type aggInputs struct {
	vals   []arrow.Array
	filter arrow.Array
	keys   []arrow.Array
}

// keep reports whether row i passes the FILTER.
func (in *aggInputs) keep(i int) bool {
	if in.filter == nil {
		return true
	}
	b, ok := in.filter.(*array.Boolean)
	return ok && b.IsValid(i) && b.Value(i)
}

// callState is the state of a moreAggs call: it reads all the inputs.
type callState interface {
	aggState
	updateInputs(ctx *EvalContext, in *aggInputs, gids, sel []int32) error
}

// newCallState makes the state of a moreAggs call.
func newCallState(c AggCall) (aggState, error) {
	lname := strings.ToLower(c.Name)
	fn := moreAggs[lname]
	args := callArgs(c)
	rt, err := AggCallType(c.Name, args)
	if err != nil {
		return nil, err
	}
	argType := tNull
	if len(args) > 0 {
		argType = args[0].DataType()
	}
	switch fn {
	case "arg_min", "arg_max":
		return &argMinMaxState{max: fn == "arg_max", typ: rt}, nil
	case "first", "last":
		if len(c.OrderBy) == 0 {
			return &firstLastState{last: fn == "last", typ: rt}, nil
		}
	case "count_if":
		return &countIfState{}, nil
	case "approx_count_distinct":
		return &hllState{}, nil
	}
	cs := &collectState{fn: fn, typ: rt, argType: argType, distinct: c.Distinct}
	for _, k := range c.OrderBy {
		cs.order = append(cs.order, k)
	}
	switch fn {
	case "quantile_cont", "quantile_disc", "mode":
		cs.store = newValueStore(argType)
	}
	switch fn {
	case "quantile_cont", "quantile_disc":
		qargs := args[1:]
		if lname == "median" {
			qargs = []Expr{&litExpr{typ: tFloat64, val: 0.5}}
		}
		if len(qargs) > 0 {
			if cv, ok := asConst(qargs[0]); ok && cv.val == QuantileListArg {
				qargs = qargs[1:]
				cs.list = true
			}
		}
		if cs.fracs, err = quantileFractions(lname, qargs); err != nil {
			return nil, err
		}
	case "string_agg":
		cs.sep = ","
		if len(args) > 1 {
			cs.sep, _, _ = constString(args[1])
		}
	}
	return cs, nil
}

// evalAggInputs evaluates a call's values, FILTER and ORDER BY keys.
func evalAggInputs(ctx *EvalContext, c AggCall, rec arrow.Record) (*aggInputs, error) {
	in := &aggInputs{}
	var err error
	if in.vals, err = evalAll(ctx, rec, callArgs(c)...); err != nil {
		return nil, err
	}
	if c.Filter != nil {
		if in.filter, err = ctx.eval(c.Filter, rec); err != nil {
			in.release()
			return nil, err
		}
	}
	for _, k := range c.OrderBy {
		a, err := ctx.eval(k.Expr, rec)
		if err != nil {
			in.release()
			return nil, err
		}
		in.keys = append(in.keys, a)
	}
	return in, nil
}

func (in *aggInputs) release() {
	if in == nil {
		return
	}
	releaseAll(in.vals)
	releaseAll(in.keys)
	if in.filter != nil {
		in.filter.Release()
	}
}

// normalizeCall prepares a call for the states: a FILTER on an aggregate
// that skips NULLs becomes a CASE around its argument (count(*) counts
// CASE WHEN cond THEN TRUE END), which its state then skips; ORDER BY is
// dropped where order cannot matter; string_agg's value is cast to text.
// moreAggs states read FILTER and ORDER BY themselves.
func normalizeCall(c AggCall) (AggCall, error) {
	lname := strings.ToLower(c.Name)
	if c.Filter != nil {
		if t := c.Filter.DataType(); !isBool(t) && !isNull(t) {
			return c, fmt.Errorf("FILTER needs a BOOLEAN condition, not %s", TypeName(t))
		}
	}
	if fn, ok := moreAggs[lname]; ok {
		if fn == "string_agg" && c.Arg != nil && !isString(c.Arg.DataType()) {
			x, err := toVarchar(c.Arg)
			if err != nil {
				return c, err
			}
			c.Arg = x
		}
		switch fn {
		case "string_agg", "first", "last":
		default:
			c.OrderBy = nil
		}
		return c, nil
	}
	c.OrderBy = nil
	if c.Filter == nil {
		return c, nil
	}
	arg := c.Arg
	if arg == nil {
		arg = &litExpr{typ: tBool, val: true}
	}
	x, err := NewCase(nil, []Expr{c.Filter}, []Expr{arg}, nil)
	if err != nil {
		return c, err
	}
	c.Arg, c.Filter = x, nil
	return c, nil
}
