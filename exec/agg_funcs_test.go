package exec

import (
	"fmt"
	"testing"
)

// TestMoreAggregates runs the aggregates that read all their inputs
// (quantiles, mode, arg_min/arg_max, string_agg, first/last, count_if,
// approx_count_distinct) with FILTER, DISTINCT and ORDER BY over every
// partition layout: partial states built per partition and merged must
// give the same answers as one partition. TestSharedBuckets runs it again
// through the shared buckets.
func TestMoreAggregates(t *testing.T) {
	mem := checkedMem(t)
	rec := record(mem,
		c("g", tString, "a", "a", "a", "b", "b", "c", "a", "b"),
		c("i", tI16, 1, 4, 2, nil, 5, nil, 2, 7),
		c("s", tString, "x", "y", nil, "p", "q", "z", "w", "r"),
		c("b", tBool, true, false, true, true, nil, nil, true, false),
		c("d", tDate, "2024-01-01", "2023-05-06", nil, "2020-02-29", "2020-03-01", nil, "2024-01-03", "2020-01-01"),
	)
	defer rec.Release()
	g := Col(0, "g", tString)
	i := Col(1, "i", tI16)
	s := Col(2, "s", tString)
	b := Col(3, "b", tBool)
	d := Col(4, "d", tDate)
	half := lit(0.5, nil)
	aggs := []AggCall{
		{Name: "median", Arg: i},
		{Name: "quantile_disc", Arg: i, Args: []Expr{lit(0.25, nil)}},
		{Name: "mode", Arg: i},
		{Name: "arg_max", Arg: s, Args: []Expr{i}},
		{Name: "min_by", Arg: s, Args: []Expr{d}},
		{Name: "string_agg", Arg: s, Args: []Expr{lit("-", nil)}, OrderBy: []SortKey{{Expr: s, Desc: true}}},
		{Name: "string_agg", Arg: i, Distinct: true, OrderBy: []SortKey{{Expr: i}}},
		{Name: "first", Arg: s, OrderBy: []SortKey{{Expr: d, NullsFirst: true}}},
		{Name: "last", Arg: i, OrderBy: []SortKey{{Expr: d}}},
		{Name: "count_if", Arg: b},
		{Name: "approx_count_distinct", Arg: s},
		{Name: "count", Filter: b},
		{Name: "sum", Arg: i, Filter: b},
		{Name: "quantile_cont", Arg: d, Args: []Expr{half}, Filter: b},
	}
	for _, l := range layouts {
		op := NewAggregate(source(t, rec, l.parts, l.batch), []Expr{g}, nil, aggs, nil, nil)
		got := sorted(mustRun(t, mem, op))
		eqRows(t, fmt.Sprint(l), got, []string{
			"a|2.0|1|2|y|y|y-x-w|1,2,4|NULL|2|3|3|3|5|2024-01-02 00:00:00",
			"b|6.0|5|5|r|r|r-q-p|5,7|r|5|1|3|1|NULL|2020-02-29 00:00:00",
			"c|NULL|NULL|NULL|NULL|NULL|z|NULL|z|NULL|0|1|0|NULL|NULL",
		})
	}
	for _, bad := range []AggCall{
		{Name: "quantile_cont", Arg: s, Args: []Expr{half}},
		{Name: "quantile_cont", Arg: i, Args: []Expr{i}},
		{Name: "count_if", Arg: i},
		{Name: "string_agg", Arg: s, Args: []Expr{s}},
		{Name: "count", Arg: i, Filter: i},
	} {
		op := NewAggregate(source(t, rec, 1, 8), nil, nil, []AggCall{bad}, nil, nil)
		if _, err := op.Execute(t.Context(), 0); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
