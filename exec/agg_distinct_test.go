package exec

import (
	"fmt"
	"testing"
)

// DISTINCT aggregates over one-word types (kept as (group, word) pairs)
// and over others (kept as encoded strings) give the same answers under
// every layout: negative integers, unsigned bytes, dates, strings.
func TestDistinctAggregateWords(t *testing.T) {
	mem := checkedMem(t)
	rec := record(mem,
		c("g", tString, "a", "a", "a", "a", "b", "b", "b", "c"),
		c("i", tInt64, -5, 3, -5, 3, -9223372036854775807, 0, nil, nil),
		c("u", tU8, 200, 200, 1, 0, 255, 255, 255, nil),
		c("d", tDate, "2024-01-01", "1969-12-31", "2024-01-01", nil, "1900-02-28", "1900-02-28", "2100-01-01", nil),
		c("s", tString, "x", "y", "x", "", "z", "z", nil, nil),
	)
	defer rec.Release()
	col := func(i int, name string) Expr { return Col(i, name, rec.Schema().Field(i).Type) }
	aggs := []AggCall{
		{Name: "count", Arg: col(1, "i"), Distinct: true}, {Name: "sum", Arg: col(1, "i"), Distinct: true},
		{Name: "count", Arg: col(2, "u"), Distinct: true}, {Name: "sum", Arg: col(2, "u"), Distinct: true},
		{Name: "count", Arg: col(3, "d"), Distinct: true}, {Name: "min", Arg: col(3, "d"), Distinct: true},
		{Name: "max", Arg: col(3, "d"), Distinct: true}, {Name: "count", Arg: col(4, "s"), Distinct: true},
	}
	for _, l := range layouts {
		op := NewAggregate(source(t, rec, l.parts, l.batch), []Expr{col(0, "g")}, nil, aggs, nil, nil)
		eqRows(t, fmt.Sprint(l), sorted(mustRun(t, mem, op)), []string{
			"a|2|-2|3|201|2|1969-12-31|2024-01-01|3",
			"b|2|-9223372036854775807|1|255|2|1900-02-28|2100-01-01|1",
			"c|0|NULL|0|NULL|0|NULL|NULL|0",
		})
	}
}
