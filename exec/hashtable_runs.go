package exec

import (
	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// Run mode: aggregation over input clustered by its keys.
//
// Files are often sorted, or at least clustered, by the key a query groups
// by (TPC-H's lineitem by l_orderkey; logs by time; extracts by account),
// and a partition worker reads its chunks in file order. While every key
// a table has seen arrived in one run, in ascending packed order, the
// table needs no hash map: a row whose key equals the last one joins the
// last group, a greater key starts a new group. The groups are then in
// ascending key order, so the partitions' tables merge by walking them
// side by side (Aggregate.mergeRuns). The first key that comes out of
// order ends run mode for good: the groups made so far go into the hash
// map and the table goes on as a hash table, with the same group ids.
// Keys that ascend in packed order are what run mode needs; anything else
// (a descending file, signed keys below zero, a NULL key of a one-column
// table) only costs the switch.

// expectRuns puts an empty packed table in run mode.
func (t *groupTable) expectRuns() {
	t.runs = t.packed && t.n == 0 && len(t.types) > 0
}

// assignRuns is assignPacked in run mode. It reports false, having left
// run mode, at the first key out of order; the rows before it have their
// groups, and assigning the batch again through the map gives them the
// same ones.
func (t *groupTable) assignRuns(kb []uint64, keys []arrow.Array, sel []int32, gids []int32) bool {
	if sel == nil {
		for i, k := range kb[:len(gids)] {
			if gids[i] = t.runStep(k, keys, i); gids[i] < 0 {
				t.endRuns()
				return false
			}
		}
		return true
	}
	for _, i := range sel {
		if gids[i] = t.runStep(kb[i], keys, int(i)); gids[i] < 0 {
			t.endRuns()
			return false
		}
	}
	return true
}

// runStep returns the group of row i, whose packed key is k, in run mode:
// the last group when k is its key, a new group when k is greater, -1
// when k is out of order.
func (t *groupTable) runStep(k uint64, keys []arrow.Array, i int) int32 {
	switch {
	case t.n > 0 && k == t.lastKey:
	case t.n > 0 && k < t.lastKey:
		return -1
	default:
		t.newGroup(keys, i)
		t.lastKey = k
	}
	return int32(t.n - 1)
}

// endRuns leaves run mode: the groups made so far go into the hash map.
func (t *groupTable) endRuns() {
	if !t.runs {
		return
	}
	t.runs = false
	if t.n == 0 {
		return
	}
	kb, ok := t.groupKeys(memory.DefaultAllocator)
	if !ok {
		t.toBytes() // cannot happen: every key fitted the layout when it came
		return
	}
	t.reserve(t.n)
	for g, k := range kb {
		t.u64.findOrInsert(k, int32(g))
	}
}

// groupKeys returns the packed key of every group, in group order; false
// when the table is not packed.
func (t *groupTable) groupKeys(mem memory.Allocator) ([]uint64, bool) {
	if !t.packed {
		return nil, false
	}
	keys := t.keyArrays(mem)
	defer releaseAll(keys)
	kb := make([]uint64, t.n)
	return kb, t.packInto(kb, keys)
}
