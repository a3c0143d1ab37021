package exec

import (
	"fmt"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
)

// TestGroupTableRuns: in run mode a table makes groups without its map
// while keys ascend, and the first key out of order (or a NULL key of a
// one-column table) moves the groups into the map under the same ids.
func TestGroupTableRuns(t *testing.T) {
	mem := checkedMem(t)
	assign := func(tab *groupTable, vals []any, sel []int32) []int32 {
		a := arr(mem, tInt64, vals...)
		defer a.Release()
		gids := make([]int32, len(vals))
		tab.assign([]arrow.Array{a}, len(vals), sel, gids)
		return gids
	}
	tab := newGroupTable([]arrow.DataType{tInt64})
	tab.expectRuns()
	if got := fmt.Sprint(assign(tab, []any{1, 1, 2, 5, 5, 5, 9}, nil)); got != "[0 0 1 2 2 2 3]" {
		t.Fatalf("ascending keys: groups %s", got)
	}
	if got := fmt.Sprint(assign(tab, []any{9, 7, 11, 12}, []int32{0, 2, 3})); got != "[3 0 4 5]" {
		t.Fatalf("selected rows (row 1 skipped): groups %s", got)
	}
	if !tab.runs || tab.u64.count != 0 {
		t.Fatalf("run mode left (runs %v) or map used (%d keys) for ascending keys", tab.runs, tab.u64.count)
	}
	// 5 comes out of order: the table becomes a hash table, ids kept.
	if got := fmt.Sprint(assign(tab, []any{12, 13, 5, 1, 14, 13}, nil)); got != "[5 6 2 0 7 6]" {
		t.Fatalf("after a key out of order: groups %s", got)
	}
	if tab.runs || tab.u64.count != 8 {
		t.Fatalf("run mode kept (%v) or %d keys in the map, want 8", tab.runs, tab.u64.count)
	}
	// A NULL key leaves run mode too.
	tab = newGroupTable([]arrow.DataType{tInt64})
	tab.expectRuns()
	if got := fmt.Sprint(assign(tab, []any{3, 3, nil, 4, nil, 3}, nil)); got != "[0 0 1 2 1 0]" {
		t.Fatalf("with NULL keys: groups %s", got)
	}
	if tab.runs {
		t.Fatal("a NULL key did not end run mode")
	}
	// reserve ends run mode: its caller inserts in any order.
	tab = newGroupTable([]arrow.DataType{tInt64})
	tab.expectRuns()
	assign(tab, []any{1, 2, 3}, nil)
	tab.reserve(100)
	if tab.runs || tab.u64.count != 3 {
		t.Fatalf("reserve: runs %v, %d keys in the map", tab.runs, tab.u64.count)
	}
}

// TestAggregateRuns: aggregations over input clustered by its keys (runs
// that cross batches and partitions, several key layouts, a partition
// whose keys stop ascending) give the same groups with run mode as
// without, and the merge of partitions in run mode runs.
func TestAggregateRuns(t *testing.T) {
	noLeaks(t)
	mem := checkedMem(t)
	const n = 3000
	var ids, codes, vals, shuffled, major, minor []any
	for i := range n {
		major = append(major, i/100)    // sorted by (major, minor):
		minor = append(minor, i%100/10) // minor cycles within each major
		ids = append(ids, i/7*3)        // runs of 7, ascending with gaps
		codes = append(codes, i/1000)   // a second key column, ascending
		vals = append(vals, i%13)
		shuffled = append(shuffled, (i*7919)%n/5)
	}
	shuffled[2500] = 0 // the last partition's keys come out of order late
	cases := []struct {
		name    string
		cols    []colSpec
		keys    []Expr
		runMode bool // every partition stays in run mode
	}{
		{"one int key", []colSpec{c("k", tInt64, ids...), c("v", tInt64, vals...)}, []Expr{Col(0, "k", tInt64)}, true},
		{"two packed keys", []colSpec{c("s", tInt32, codes...), c("k", tInt64, ids...), c("v", tInt64, vals...)}, []Expr{Col(0, "s", tInt32), Col(1, "k", tInt64)}, true},
		{"sorted by both keys", []colSpec{c("a", tInt64, major...), c("b", tInt32, minor...), c("v", tInt64, vals...)}, []Expr{Col(0, "a", tInt64), Col(1, "b", tInt32)}, true},
		{"out of order", []colSpec{c("k", tInt64, shuffled...), c("v", tInt64, vals...)}, []Expr{Col(0, "k", tInt64)}, false},
	}
	for _, tc := range cases {
		rec := record(mem, tc.cols...)
		v := Col(len(tc.cols)-1, "v", tInt64)
		calls := []AggCall{{Name: "count"}, {Name: "sum", Arg: v}, {Name: "min", Arg: v}, {Name: "max", Arg: v}, {Name: "avg", Arg: v}, {Name: "count", Arg: v, Distinct: true}}
		for _, parts := range []int{1, 2, 3} {
			for _, batch := range []int{64, 1000} {
				name := fmt.Sprintf("%s/parts=%d/batch=%d", tc.name, parts, batch)
				rowsWith := func(runs bool) []string {
					old := aggRuns
					aggRuns = runs
					defer func() { aggRuns = old }()
					op := NewAggregate(source(t, rec, parts, batch), tc.keys, nil, calls, nil, NewBudget(1<<30))
					return fmtRows(t, mem, op)
				}
				before := aggPaths.runMerges.Load()
				got := rowsWith(true)
				merged := aggPaths.runMerges.Load() > before
				want := rowsWith(false)
				eqRows(t, name, got, want)
				if wantMerge := tc.runMode && parts > 1; merged != wantMerge {
					t.Errorf("%s: merged in run mode %v, want %v", name, merged, wantMerge)
				}
			}
		}
		rec.Release()
	}
}

// TestAggregateWithoutRuns runs the aggregate tests with run mode off, so
// that their clustered inputs take the hash path as well.
func TestAggregateWithoutRuns(t *testing.T) { aggregateTestsWith(t, &aggRuns, false) }

// aggregateTestsWith runs the aggregate tests with a path switch set.
func aggregateTestsWith(t *testing.T, knob *bool, value bool) {
	old := *knob
	*knob = value
	defer func() { *knob = old }()
	TestAggregateLayouts(t)
	TestGroupKeyShapes(t)
	TestAggregateFunctions(t)
	TestMoreAggregates(t)
}
