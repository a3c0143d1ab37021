package exec

import (
	"fmt"
	"sort"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// AggCall is one aggregate in an aggregation: Name is lower-case
// (count, sum, avg, min, max, stddev, stddev_samp, stddev_pop, variance,
// var_samp, var_pop, bool_and, bool_or, and those of agg_funcs.go); Arg is
// nil for count(*).
type AggCall struct {
	Name     string
	Arg      Expr
	Distinct bool
	// Args are the arguments after the first: arg_min/arg_max's ordering
	// value, string_agg's separator, quantile's fraction(s) (constants).
	Args []Expr
	// Filter, when not nil, keeps the rows where it is true: FILTER (WHERE ...).
	Filter Expr
	// OrderBy orders the values an order-sensitive aggregate sees
	// (string_agg, first, last); the others ignore it.
	OrderBy []SortKey
}

func (a AggCall) String() string {
	var s string
	if a.Arg == nil {
		s = a.Name + "(*"
	} else {
		d := ""
		if a.Distinct {
			d = "DISTINCT "
		}
		s = fmt.Sprintf("%s(%s%s", a.Name, d, a.Arg)
		for i, x := range a.Args {
			if c, ok := asConst(x); ok && c.val == QuantileListArg {
				parts := make([]string, 0, len(a.Args)-i-1)
				for _, q := range a.Args[i+1:] {
					parts = append(parts, q.String())
				}
				s += ", [" + strings.Join(parts, ", ") + "]"
				break
			}
			s += ", " + x.String()
		}
	}
	if len(a.OrderBy) > 0 {
		s += " ORDER BY " + keysString(a.OrderBy)
	}
	s += ")"
	if a.Filter != nil {
		s += " FILTER (WHERE " + unparen(a.Filter.String()) + ")"
	}
	return s
}

var aggNames = map[string]string{
	"count": "count", "sum": "sum", "avg": "avg", "mean": "avg", "min": "min", "max": "max",
	"stddev": "stddev_samp", "stddev_samp": "stddev_samp", "stddev_pop": "stddev_pop",
	"variance": "var_samp", "var_samp": "var_samp", "var_pop": "var_pop",
	"bool_and": "bool_and", "bool_or": "bool_or", "every": "bool_and",
}

// AggregateNames returns the aggregate function names, sorted.
func AggregateNames() []string {
	out := make([]string, 0, len(aggNames)+len(moreAggs))
	for n := range moreAggs {
		out = append(out, n)
	}
	for n := range aggNames {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// IsAggregate reports whether name (any case) is an aggregate function.
func IsAggregate(name string) bool {
	_, ok := aggNames[strings.ToLower(name)]
	_, more := moreAggs[strings.ToLower(name)]
	return ok || more
}

// AggResultType is the type an aggregate returns (arg nil for count(*)):
//
//	count                     INT64 (never NULL)
//	sum(integer)              INT64, overflow is an error
//	sum(DECIMAL(p,s))         DECIMAL(38,s)
//	sum(float)                FLOAT64
//	avg(numeric)              FLOAT64
//	min/max(x)                x's type
//	stddev*/var*(numeric)     FLOAT64
//	bool_and/bool_or(BOOLEAN) BOOLEAN
func AggResultType(name string, arg arrow.DataType, distinct bool) (arrow.DataType, error) {
	if arg != nil && isNested(arg) && !strings.EqualFold(name, "count") {
		return nil, nestedErr("aggregate with "+strings.ToLower(name), arg)
	}
	if _, ok := moreAggs[strings.ToLower(name)]; ok {
		var args []Expr
		if arg != nil {
			args = []Expr{&litExpr{typ: arg}}
		}
		return AggCallType(name, args)
	}
	fn, ok := aggNames[strings.ToLower(name)]
	if !ok {
		return nil, fmt.Errorf("unknown aggregate function %s", name)
	}
	if arg == nil {
		if fn != "count" {
			return nil, fmt.Errorf("%s(*) is not allowed; only count(*)", fn)
		}
		return tInt64, nil
	}
	if isNull(arg) && fn != "count" {
		arg = tInt64
		if fn == "bool_and" || fn == "bool_or" {
			arg = tBool
		}
	}
	switch fn {
	case "count":
		return tInt64, nil
	case "sum":
		switch {
		case isInteger(arg):
			return tInt64, nil
		case isDecimal(arg):
			_, s := decProps(arg)
			return DecimalType(38, s), nil
		case isFloat(arg):
			return tFloat64, nil
		}
		return nil, fmt.Errorf("sum needs a numeric argument, not %s", TypeName(arg))
	case "avg", "stddev_samp", "stddev_pop", "var_samp", "var_pop":
		if !isNumeric(arg) {
			return nil, fmt.Errorf("%s needs a numeric argument, not %s", fn, TypeName(arg))
		}
		return tFloat64, nil
	case "min", "max":
		if isInterval(arg) {
			return nil, fmt.Errorf("%s of %s is not supported", fn, TypeName(arg))
		}
		return arg, nil
	case "bool_and", "bool_or":
		if !isBool(arg) {
			return nil, fmt.Errorf("%s needs a BOOLEAN argument, not %s", fn, TypeName(arg))
		}
		return tBool, nil
	}
	return nil, fmt.Errorf("unknown aggregate function %s", name)
}

// aggState is the per-group state of one aggregate, in typed slices
// indexed by group id.
type aggState interface {
	// resize makes room for n groups (new groups start empty).
	resize(n int)
	// update folds rows into their groups: row i (every i when sel is nil,
	// else the rows in sel) goes to group gids[i].
	update(ctx *EvalContext, arg arrow.Array, gids []int32, sel []int32) error
	// merge folds another partial state of the same aggregate in: its
	// group g goes to group mapping[g] (skipped when negative).
	merge(other aggState, mapping []int32) error
	// finish returns n values, one per group.
	finish(mem memory.Allocator, n int) (arrow.Array, error)
	// bytesPerGroup is the state's memory per group (for the budget).
	bytesPerGroup() int64
	// clear empties group g (used for the scratch group that collects the
	// rows a filter removed, see Aggregate.consumeBatch).
	clear(g int)
}

// sparseOnly is implemented by states that must only see selected rows
// (they could report errors or keep values for removed rows).
type sparseOnly interface {
	sparseOnly() bool
}

// newAggState makes the state for a bound aggregate; argType nil for count(*).
func newAggState(fn string, argType arrow.DataType, distinct bool, rows *groupRows) (aggState, error) {
	if _, ok := moreAggs[strings.ToLower(fn)]; ok {
		return nil, fmt.Errorf("internal error: %s needs its call (newCallState)", fn)
	}
	fn = aggNames[strings.ToLower(fn)]
	if _, err := AggResultType(fn, argType, distinct); err != nil {
		return nil, err
	}
	if distinct && argType != nil && fn != "min" && fn != "max" && fn != "bool_and" && fn != "bool_or" {
		return newDistinctState(fn, argType)
	}
	return newPlainState(fn, argType, rows)
}

func newPlainState(fn string, argType arrow.DataType, rows *groupRows) (aggState, error) {
	vc := valueCounts{rows: rows}
	if argType == nil {
		return &countState{star: true, valueCounts: vc}, nil
	}
	switch fn {
	case "count":
		return &countState{valueCounts: vc}, nil
	case "sum", "avg":
		switch {
		case isInteger(argType) || isNull(argType):
			return &sumIntState{avg: fn == "avg", typ: argType, valueCounts: vc}, nil
		case isDecimal(argType):
			_, s := decProps(argType)
			return &sumDecState{avg: fn == "avg", scale: s, typ: argType, valueCounts: vc}, nil
		default:
			return &sumFloatState{avg: fn == "avg", valueCounts: vc}, nil
		}
	case "min", "max":
		return newMinMax(fn == "max", argType), nil
	case "stddev_samp", "stddev_pop", "var_samp", "var_pop":
		return &varState{fn: fn}, nil
	case "bool_and", "bool_or":
		return &boolAggState{and: fn == "bool_and"}, nil
	}
	return nil, fmt.Errorf("unknown aggregate function %s", fn)
}

// forRows calls f(i, gids[i]) for every selected row.
func forRows(gids []int32, sel []int32, f func(i int, g int32)) {
	if sel == nil {
		for i, g := range gids {
			f(i, g)
		}
		return
	}
	for _, i := range sel {
		f(int(i), gids[i])
	}
}

func growSlice[T any](s []T, n int) []T {
	if n <= len(s) {
		return s
	}
	if n <= cap(s) {
		var z T
		for len(s) < n {
			s = append(s, z)
		}
		return s
	}
	ns := make([]T, n, max(n, 2*cap(s)))
	copy(ns, s)
	return ns
}
