package exec

import (
	"fmt"
	"math"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
)

// TestGroupTableLead: a table in lead-key mode groups by its first key
// while the other keys follow it, and moves to the byte-encoded map, ids
// kept, at a tuple that breaks that, at a NULL first key, and at floats
// that are equal but not bit for bit (-0 and 0).
func TestGroupTableLead(t *testing.T) {
	mem := checkedMem(t)
	assign := func(tab *groupTable, ks []any, ss []any, sel []int32) string {
		a, b := arr(mem, tInt64, ks...), arr(mem, tString, ss...)
		defer a.Release()
		defer b.Release()
		gids := make([]int32, len(ks))
		tab.assign([]arrow.Array{a, b}, len(ks), sel, gids)
		if sel != nil {
			var picked []int32
			for _, i := range sel {
				picked = append(picked, gids[i])
			}
			return fmt.Sprint(picked)
		}
		return fmt.Sprint(gids)
	}
	types := []arrow.DataType{tInt64, tString}
	tab := newGroupTable(types)
	tab.expectLead()
	if tab.lead == nil {
		t.Fatal("(INT64, VARCHAR) keys did not start in lead-key mode")
	}
	if got := assign(tab, []any{7, 3, 7, 9}, []any{"g", "c", "g", "i"}, nil); got != "[0 1 0 2]" {
		t.Fatalf("groups %s", got)
	}
	if got := assign(tab, []any{3, 4, 3}, []any{"c", "d", "c"}, []int32{0, 2}); got != "[1 1]" {
		t.Fatalf("selected rows: groups %s", got)
	}
	if tab.lead == nil || len(tab.bmap) != 0 {
		t.Fatal("left lead-key mode while the second key followed the first")
	}
	// 7 with "x": a second group for the same first key.
	if got := assign(tab, []any{9, 7, 7, 3}, []any{"i", "x", "g", "c"}, nil); got != "[2 3 0 1]" {
		t.Fatalf("after a differing tuple: groups %s", got)
	}
	if tab.lead != nil || len(tab.bmap) != 4 {
		t.Fatalf("lead-key mode kept (%v) or %d keys in the byte map, want 4", tab.lead != nil, len(tab.bmap))
	}
	// A NULL first key.
	tab = newGroupTable(types)
	tab.expectLead()
	if got := assign(tab, []any{1, nil, 1, nil}, []any{"a", "n", "a", "n"}, nil); got != "[0 1 0 1]" || tab.lead != nil {
		t.Fatalf("NULL first key: groups %s, lead-key mode %v", got, tab.lead != nil)
	}
	// Floats: -0 and 0 are one group.
	ft := newGroupTable([]arrow.DataType{tInt64, tFloat64})
	ft.expectLead()
	a, f := arr(mem, tInt64, 1, 1), arr(mem, tFloat64, 0.0, math.Copysign(0, -1))
	gids := make([]int32, 2)
	ft.assign([]arrow.Array{a, f}, 2, nil, gids)
	a.Release()
	f.Release()
	if gids[0] != gids[1] {
		t.Fatalf("0 and -0: groups %v", gids)
	}
	// A packed table whose keys stop fitting moves to lead-key mode when
	// its groups allow, else to the byte map.
	for _, c := range []struct {
		first, second []any
		lead          bool
	}{
		{[]any{1, 2, 3}, []any{10, 20, 30}, true},
		{[]any{1, 1, 3}, []any{10, 20, 30}, false}, // 1 leads two groups
	} {
		pt := newGroupTable([]arrow.DataType{tInt64, tInt64})
		pt.expectLead()
		x, y := arr(mem, tInt64, c.first...), arr(mem, tInt64, c.second...)
		gids := make([]int32, 3)
		pt.assign([]arrow.Array{x, y}, 3, nil, gids)
		x.Release()
		y.Release()
		if !pt.packed {
			t.Fatal("two small INT64 keys did not pack")
		}
		x, y = arr(mem, tInt64, 5), arr(mem, tInt64, int64(1)<<40) // too large to pack
		pt.assign([]arrow.Array{x, y}, 1, nil, gids[:1])
		x.Release()
		y.Release()
		if pt.packed || (pt.lead != nil) != c.lead || gids[0] != 3 {
			t.Errorf("%v: packed %v, lead-key mode %v (want %v), new group %d", c.first, pt.packed, pt.lead != nil, c.lead, gids[0])
		}
	}
}

// TestAggregateLead: aggregations by an integer key and the columns that
// follow it, and by tuples where they do not, give the same groups with
// and without lead-key mode.
func TestAggregateLead(t *testing.T) {
	noLeaks(t)
	mem := checkedMem(t)
	var ids, names, broken, vals []any
	for i := range 2000 {
		id := (i * 37) % 300
		ids = append(ids, id)
		names = append(names, fmt.Sprintf("customer %03d", id))
		if i == 1500 {
			broken = append(broken, "someone else") // id keeps two names from here
		} else {
			broken = append(broken, fmt.Sprintf("customer %03d", id))
		}
		vals = append(vals, i%17)
	}
	for _, names := range [][]any{names, broken} {
		rec := record(mem, c("id", tInt64, ids...), c("name", tString, names...), c("v", tInt64, vals...))
		keys := []Expr{Col(0, "id", tInt64), Col(1, "name", tString)}
		calls := []AggCall{{Name: "count"}, {Name: "sum", Arg: Col(2, "v", tInt64)}}
		for _, parts := range []int{1, 2, 3} {
			rowsWith := func(lead bool) []string {
				old := aggLead
				aggLead = lead
				defer func() { aggLead = old }()
				return fmtRows(t, mem, NewAggregate(source(t, rec, parts, 128), keys, nil, calls, nil, NewBudget(1<<30)))
			}
			eqRows(t, fmt.Sprintf("%s/parts=%d", names[1500], parts), rowsWith(true), rowsWith(false))
		}
		rec.Release()
	}
}

// TestAggregateWithoutLead runs the aggregate tests with lead-key mode
// off, so that their wide keys take the byte-encoded map as well.
func TestAggregateWithoutLead(t *testing.T) { aggregateTestsWith(t, &aggLead, false) }
