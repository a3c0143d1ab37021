package exec

import (
	"math"
	"testing"
)

// TestIntervalString pins DuckDB's rendering of intervals: years and
// months, days, then a clock part, each with its own sign.
func TestIntervalString(t *testing.T) {
	for _, c := range []struct {
		iv   Interval
		want string
	}{
		{Interval{}, "00:00:00"},
		{Interval{Months: 1}, "1 month"},
		{Interval{Months: 12}, "1 year"},
		{Interval{Months: 14, Days: 1}, "1 year 2 months 1 day"},
		{Interval{Months: -13}, "-1 year -1 month"},
		{Interval{Days: -2}, "-2 days"},
		{Interval{Micros: 90 * 60e6}, "01:30:00"},
		{Interval{Micros: -(3600e6 + 500_000)}, "-01:00:00.5"},
		{Interval{Days: 3, Micros: 100 * 3600e6}, "3 days 100:00:00"},
		{Interval{Micros: 1}, "00:00:00.000001"},
		{Interval{Micros: math.MinInt64}, "-2562047788:00:54.775808"},
	} {
		if got := c.iv.String(); got != c.want {
			t.Errorf("%+v: got %q, want %q", c.iv, got, c.want)
		}
	}
}
