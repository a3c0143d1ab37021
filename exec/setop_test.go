package exec

import (
	"errors"
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
)

func TestUnion(t *testing.T) {
	noLeaks(t)
	mem := checkedMem(t)
	a := record(mem, c("x", tInt64, 1, 2, 3), c("s", tString, "a", nil, "c"))
	defer a.Release()
	b := record(mem, c("y", tInt64, 4, nil), c("t", tString, "d", "e"))
	defer b.Release()
	for _, l := range []struct{ pa, pb, batch int }{{1, 1, 10}, {3, 2, 1}, {2, 1, 2}} {
		sa, sb := source(t, a, l.pa, l.batch), source(t, b, l.pb, l.batch)
		// a filter below passes its selection through
		fb := NewFilter(sb, NewIsNull(Col(0, "y", tInt64), true))
		u := must(NewUnion(sa, fb, sa))
		if u.Partitions() != 2*l.pa+l.pb {
			t.Errorf("partitions %d", u.Partitions())
		}
		if u.Schema().Field(0).Name != "x" || u.Schema().Field(1).Name != "s" {
			t.Errorf("schema %v", u.Schema())
		}
		want := []string{"1|a", "2|NULL", "3|c", "4|d", "1|a", "2|NULL", "3|c"}
		got, err := runBoth(t, mem, u)
		if err != nil {
			t.Fatal(err)
		}
		eqRows(t, fmt.Sprintf("union %+v", l), got, sorted(want))
		// partition order is child order
		eqRows(t, "ordered", mustRun(t, mem, u), want)
		// and a union feeds the aggregate (selection vectors inside exec)
		agg := NewAggregate(u, []Expr{Col(1, "s", tString)}, nil, []AggCall{{Name: "count"}}, nil, nil)
		eqRows(t, "agg", sorted(mustRun(t, mem, agg)), []string{"NULL|2", "a|2", "c|2", "d|1"})
	}
	if _, err := NewUnion(); err == nil {
		t.Errorf("empty union accepted")
	}
	c3 := record(mem, c("x", tInt32, 1), c("s", tString, "a"))
	defer c3.Release()
	_, err := NewUnion(source(t, a, 1, 1), source(t, c3, 1, 1))
	if err == nil || err.Error() != "UNION column 1 (x) is INT64 in input 1 but INT32 in input 2; cast one of them" {
		t.Errorf("got %v", err)
	}
	c4 := record(mem, c("x", tInt64, 1))
	defer c4.Release()
	_, err = NewUnion(source(t, a, 1, 1), source(t, c4, 1, 1))
	if err == nil || !strings.Contains(err.Error(), "same number of columns") {
		t.Errorf("got %v", err)
	}
}

// refSetOp counts rows (rendered) per side and computes the output
// multiset of INTERSECT / EXCEPT [ALL].
func refSetOp(left, right arrow.Record, kind SetOpKind, all bool) []string {
	render := func(rec arrow.Record) []string {
		var out []string
		for i := 0; i < int(rec.NumRows()); i++ {
			var cells []string
			for _, c := range rec.Columns() {
				cells = append(cells, cell(c, i))
			}
			out = append(out, strings.Join(cells, "|"))
		}
		return out
	}
	lc, rc := map[string]int{}, map[string]int{}
	var order []string
	for _, r := range render(left) {
		if lc[r] == 0 {
			order = append(order, r)
		}
		lc[r]++
	}
	for _, r := range render(right) {
		rc[r]++
	}
	var out []string
	for _, r := range order {
		var n int
		switch {
		case kind == SetIntersect && all:
			n = min(lc[r], rc[r])
		case kind == SetExcept && all:
			n = max(lc[r]-rc[r], 0)
		case kind == SetIntersect && rc[r] > 0, kind == SetExcept && rc[r] == 0:
			n = 1
		}
		for i := 0; i < n; i++ {
			out = append(out, r)
		}
	}
	return out
}

func TestSetOpMatchesReference(t *testing.T) {
	noLeaks(t)
	mem := checkedMem(t)
	for seed := int64(1); seed <= 4; seed++ {
		r := rand.New(rand.NewSource(seed))
		left := randomSide(mem, r, "l", 60, 4, seed%2 == 0)
		right := randomSide(mem, r, "r", 50, 4, seed%2 == 0)
		// fewer distinct rows: project away the value column sometimes
		if seed > 2 {
			l2, r2 := firstCols(left, 2), firstCols(right, 2)
			left.Release()
			right.Release()
			left, right = l2, r2
		}
		for _, kind := range []SetOpKind{SetIntersect, SetExcept} {
			for _, all := range []bool{false, true} {
				want := refSetOp(left, right, kind, all)
				for _, l := range []struct{ p, b int }{{1, 1000}, {1, 7}, {3, 5}} {
					op := must(NewSetOp(source(t, left, l.p, l.b), source(t, right, l.p, l.b), kind, all, nil))
					got := mustRun(t, mem, op)
					if l.p == 1 {
						// one left partition: first-occurrence order
						eqRows(t, fmt.Sprintf("seed %d %s layout %+v", seed, op, l), got, want)
					} else {
						eqRows(t, fmt.Sprintf("seed %d %s layout %+v", seed, op, l), sorted(got), sorted(want))
					}
				}
			}
		}
		left.Release()
		right.Release()
	}
}

// firstCols keeps the first n columns of rec.
func firstCols(rec arrow.Record, n int) arrow.Record {
	s := arrow.NewSchema(rec.Schema().Fields()[:n], nil)
	cols := rec.Columns()[:n]
	return newRecordRetained(s, cols, int(rec.NumRows()))
}

func newRecordRetained(s *arrow.Schema, cols []arrow.Array, n int) arrow.Record {
	for _, c := range cols {
		c.Retain()
	}
	return newRecord(s, cols, n)
}

func TestSetOpSemantics(t *testing.T) {
	noLeaks(t)
	mem := checkedMem(t)
	left := record(mem, c("x", tInt64, 1, 1, 1, 2, nil, nil, 3))
	defer left.Release()
	right := record(mem, c("y", tInt64, 1, nil, 4, 1))
	defer right.Release()
	cases := []struct {
		kind SetOpKind
		all  bool
		want []string
	}{
		{SetIntersect, false, []string{"1", "NULL"}},
		{SetIntersect, true, []string{"1", "1", "NULL"}},
		{SetExcept, false, []string{"2", "3"}},
		{SetExcept, true, []string{"1", "2", "NULL", "3"}},
	}
	for _, tc := range cases {
		op := must(NewSetOp(source(t, left, 1, 2), source(t, right, 2, 1), tc.kind, tc.all, nil))
		eqRows(t, op.String(), mustRun(t, mem, op), tc.want)
	}
	// NULL-typed columns (SELECT NULL INTERSECT SELECT NULL)
	nl := record(mem, c("n", tNull, nil, nil))
	defer nl.Release()
	op := must(NewSetOp(source(t, nl, 1, 2), source(t, nl, 1, 1), SetIntersect, true, nil))
	eqRows(t, "null type", mustRun(t, mem, op), []string{"NULL", "NULL"})
	// errors
	str := record(mem, c("s", tString, "a"))
	defer str.Release()
	if _, err := NewSetOp(source(t, left, 1, 1), source(t, str, 1, 1), SetExcept, false, nil); err == nil || !strings.HasPrefix(err.Error(), "EXCEPT column 1 (x) is INT64") {
		t.Errorf("got %v", err)
	}
	iv := record(mem, c("i", IntervalType, nil))
	defer iv.Release()
	if _, err := NewSetOp(source(t, iv, 1, 1), source(t, iv, 1, 1), SetIntersect, false, nil); err == nil {
		t.Errorf("INTERVAL accepted")
	}
	// the memory limit
	var vals []any
	for i := 0; i < 20000; i++ {
		vals = append(vals, i)
	}
	big := record(mem, c("x", tInt64, vals...))
	defer big.Release()
	budget := NewBudget(32 << 10)
	op = must(NewSetOp(source(t, big, 2, 1000), source(t, big, 1, 1000), SetExcept, true, budget))
	if _, err := run(t, mem, op); !errors.Is(err, ErrMemoryLimit) || !strings.HasPrefix(err.Error(), "EXCEPT ALL needs more than the 32.0 KiB memory limit") {
		t.Errorf("got %v", err)
	}
	if budget.Used() != 0 {
		t.Errorf("budget holds %d", budget.Used())
	}
}
