package exec

import (
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
)

const tsRange = "is out of the TIMESTAMP range -290308-12-22 00:00:00 to 294247-01-10 04:00:54.775807"

// TestTimestampRange: literals, casts and arithmetic that leave the
// TIMESTAMP range are errors naming the value and the range, never a
// silent wrap-around; the ends of the range themselves work.
func TestTimestampRange(t *testing.T) {
	mem := checkedMem(t)
	// the literal parser
	for _, tc := range []struct{ text, err string }{
		{"300000-01-01", "TIMESTAMP '300000-01-01' " + tsRange},
		{"294247-01-10 04:00:54.775808", "TIMESTAMP '294247-01-10 04:00:54.775808' " + tsRange},
		{"-290308-12-21 23:59:59", "TIMESTAMP '-290308-12-21 23:59:59' " + tsRange},
		{"294247-01-10 04:00:54.775807", ""},
		{"-290308-12-22", ""},
	} {
		_, err := Lit(tc.text, TimestampType)
		if (err == nil) != (tc.err == "") || err != nil && (err.Error() != tc.err || !errors.Is(err, ErrOutOfRange)) {
			t.Errorf("TIMESTAMP '%s': %v, want %q", tc.text, err, tc.err)
		}
	}
	// casts and arithmetic, over a column so nothing is folded away
	far := arrow.Date32(must(parseDate("300000-01-01")))
	rec := record(mem, c("d", tDate, far, nil), c("ts", tTs, "1970-01-01", "2000-01-01"), c("lo", tTs, "-290308-12-22 00:00:01", nil))
	defer rec.Release()
	d, ts, lo := colOf(rec, "d"), colOf(rec, "ts"), colOf(rec, "lo")
	iv := func(months, days int32) Expr { return lit(Interval{Months: months, Days: days}, IntervalType) }
	for _, tc := range []struct {
		name string
		e    Expr
		err  string
	}{
		{"CAST(DATE AS TIMESTAMP)", must(NewCast(d, tTs)), "DATE '300000-01-01' " + tsRange},
		{"+ INTERVAL 2147483647 DAY", bin("+", ts, iv(0, 2147483647)), "TIMESTAMP '1970-01-01 00:00:00' + INTERVAL '2147483647 days' " + tsRange},
		{"+ INTERVAL 1000000 YEAR", bin("+", ts, iv(12_000_000, 0)), "TIMESTAMP '1970-01-01 00:00:00' + INTERVAL '1000000 years' " + tsRange},
		{"- INTERVAL 1 DAY at the low end", bin("-", lo, iv(0, 1)), "TIMESTAMP '-290308-12-22 00:00:01' - INTERVAL '1 day' " + tsRange},
		{"date_trunc at the low end", must(NewCall("date_trunc", []Expr{lit("month", nil), lo})), "date_trunc('month', TIMESTAMP '-290308-12-22 00:00:01') " + tsRange},
		{"date_trunc day at the low end", must(NewCall("date_trunc", []Expr{lit("day", nil), lo})), ""},
		{"+ INTERVAL 1 YEAR", bin("+", ts, iv(12, 0)), ""},
	} {
		_, err := evalRows(mem, tc.e, rec)
		if (err == nil) != (tc.err == "") || err != nil && err.Error() != tc.err {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.err)
		}
	}
	// a row removed by a filter does not raise the error
	null := rec.NewSlice(1, 2)
	defer null.Release()
	rows, err := evalRows(mem, must(NewCast(d, tTs)), null)
	if err != nil || strings.Join(rows, ",") != "NULL" {
		t.Errorf("NULL date: %v %v", rows, err)
	}
}
