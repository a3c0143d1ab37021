package query

import (
	"math"
	"testing"

	"github.com/recq/recq/scan"
	"github.com/recq/recq/storage"
)

// TestPushedSelectivity checks the estimates choose_build_side and
// reorder_joins take from .rec block min/max.
func TestPushedSelectivity(t *testing.T) {
	tab, err := storage.Open("../testdata/lineitem.rec", storage.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	field := func(name string) int {
		i := tab.Schema.Lookup(name)
		if i < 0 {
			t.Fatalf("no field %s", name)
		}
		return i
	}
	ln := field("l_linenumber")
	lo, hi, ok := tab.Blocks.Range(ln)
	if !ok || lo != 1 || hi != 7 {
		t.Fatalf("l_linenumber range %d..%d (%v), want 1..7", lo, hi, ok)
	}
	ship := field("l_shipdate")
	slo, shi, ok := tab.Blocks.Range(ship)
	if !ok || slo >= shi {
		t.Fatalf("l_shipdate range %d..%d (%v)", slo, shi, ok)
	}
	days := float64(shi - slo + 1)
	mid := storage.DateValue((slo + shi) / 2)
	for _, c := range []struct {
		name string
		p    scan.Predicate
		want float64
	}{
		{"equality", scan.Predicate{Field: ln, Op: scan.OpEq, Values: []any{int64(3)}}, 1.0 / 7},
		{"IN", scan.Predicate{Field: ln, Op: scan.OpIn, Values: []any{int64(1), int64(2)}}, 2.0 / 7},
		{"less than", scan.Predicate{Field: ln, Op: scan.OpLt, Values: []any{int64(3)}}, 2.0 / 7},
		{"at most", scan.Predicate{Field: ln, Op: scan.OpLe, Values: []any{int64(3)}}, 3.0 / 7},
		{"greater than", scan.Predicate{Field: ln, Op: scan.OpGt, Values: []any{int64(3)}}, 4.0 / 7},
		{"at least, below the range", scan.Predicate{Field: ln, Op: scan.OpGe, Values: []any{int64(-5)}}, 1},
		{"between, past the range", scan.Predicate{Field: ln, Op: scan.OpBetween, Values: []any{int64(100), int64(200)}}, 1.0 / 7},
		{"date half", scan.Predicate{Field: ship, Op: scan.OpLe, Values: []any{mid}}, float64(int64(mid)-slo+1) / days},
		{"not a range test", scan.Predicate{Field: ln, Op: scan.OpNe, Values: []any{int64(3)}}, 0.5},
		{"a CHAR column", scan.Predicate{Field: field("l_shipmode"), Op: scan.OpEq, Values: []any{"AIR"}}, 0.5},
		{"a DECIMAL column", scan.Predicate{Field: field("l_quantity"), Op: scan.OpLt, Values: []any{storage.DecimalValue{Unscaled: 2400, Scale: 2}}}, 0.5},
		{"LIKE a word", scan.Predicate{Field: field("l_comment"), Op: scan.OpLike, Values: []any{"%green%"}}, likeSelectivity},
		{"NOT LIKE a word", scan.Predicate{Field: field("l_comment"), Op: scan.OpNotLike, Values: []any{"%green%"}}, 1 - likeSelectivity},
	} {
		if got := pushedSelectivity(tab, c.p); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// TestScanSelectivity: range tests on one column intersect (a date range
// written as >= and < keeps the days between), the rest multiply.
func TestScanSelectivity(t *testing.T) {
	tab, err := storage.Open("../testdata/lineitem.rec", storage.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ship, ln := tab.Schema.Lookup("l_shipdate"), tab.Schema.Lookup("l_linenumber")
	slo, shi, _ := tab.Blocks.Range(ship)
	days := float64(shi - slo + 1)
	from := storage.DateValue(slo + 100)
	to := storage.DateValue(slo + 130)
	month := []scan.Predicate{
		{Field: ship, Op: scan.OpGe, Values: []any{from}},
		{Field: ship, Op: scan.OpLt, Values: []any{to}},
	}
	for _, c := range []struct {
		name  string
		preds []scan.Predicate
		want  float64
	}{
		{"a month as two comparisons", month, 30 / days},
		{"and a line number", append(month[:2:2], scan.Predicate{Field: ln, Op: scan.OpLe, Values: []any{int64(2)}}), 30 / days * 2 / 7},
		{"an empty range", []scan.Predicate{{Field: ln, Op: scan.OpGt, Values: []any{int64(5)}}, {Field: ln, Op: scan.OpLt, Values: []any{int64(3)}}}, 1.0 / 7},
		{"a LIKE beside", append(month[:2:2], scan.Predicate{Field: tab.Schema.Lookup("l_comment"), Op: scan.OpLike, Values: []any{"%x%"}}), 30 / days * likeSelectivity},
		{"nothing pushed", nil, 1},
	} {
		if got := scanSelectivity(tab, c.preds); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
