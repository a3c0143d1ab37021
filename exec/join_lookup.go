package exec

import (
	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// Read-only lookups in a finished groupTable, for join probes and the
// right input of INTERSECT / EXCEPT. Keys compare as grouping compares
// them: NULL equals NULL, -0 equals 0.

// find returns the id stored for k, or -1.
func (m *u64Map) find(k uint64) int32 {
	i := m.home(k)
	for {
		s := &m.slots[i]
		if s.val == 0 {
			return -1
		}
		if s.key == k {
			return s.val - 1
		}
		i = (i + 1) & m.mask
	}
}

// lookupScratch is one prober's scratch space; a table may be probed by
// any number of goroutines at once, each with its own scratch.
type lookupScratch struct {
	mem memory.Allocator
	kb  []uint64
	buf []byte
}

// lookup sets gids[i] to the group of row i's key, or -1 when the table
// has no such key, for every row i listed in rows (gids has one entry per
// row of the batch). The table is not changed.
func (t *groupTable) lookup(keys []arrow.Array, n int, rows []int32, gids []int32, sc *lookupScratch) {
	if !t.packed {
		for _, i := range rows {
			sc.buf = encodeRow(sc.buf[:0], keys, int(i))
			g, ok := t.bmap[string(sc.buf)]
			if !ok {
				g = -1
			}
			gids[i] = g
		}
		return
	}
	if cap(sc.kb) < n {
		sc.kb = make([]uint64, n)
	}
	kb := sc.kb[:n]
	if !t.packInto(kb, keys) {
		t.lookupUnfit(t, keys, rows, gids, sc)
		return
	}
	m := t.u64
	var vb []byte
	var off int
	if t.single {
		vb, off = validityOf(keys[0])
	}
	if vb == nil {
		for _, i := range rows {
			gids[i] = m.find(kb[i])
		}
		return
	}
	for _, i := range rows {
		if !getBit(vb, off+int(i)) {
			gids[i] = t.nullGroup
			continue
		}
		gids[i] = m.find(kb[i])
	}
}

// lookupUnfit handles a batch holding values the packed layout cannot
// hold (strings longer than it allows, integers outside a narrowed
// column's range). The table (t, or tab, a partitioned table with t's
// layout) is still packed, so it holds no such key:
// those rows find nothing, the others are gathered and looked up.
func (t *groupTable) lookupUnfit(tab joinTable, keys []arrow.Array, rows []int32, gids []int32, sc *lookupScratch) {
	fit := make([]int32, 0, len(rows))
	for _, i := range rows {
		ok := true
		for c, a := range keys {
			if !t.fitsLayout(c, a, int(i)) {
				ok = false
				break
			}
		}
		if ok {
			fit = append(fit, i)
		} else {
			gids[i] = -1
		}
	}
	if len(fit) == 0 {
		return
	}
	sub := make([]arrow.Array, len(keys))
	for c, a := range keys {
		sub[c] = takeArray(sc.mem, a, fit)
	}
	defer releaseAll(sub)
	idx := make([]int32, len(fit))
	for j := range idx {
		idx[j] = int32(j)
	}
	subGids := make([]int32, len(fit))
	tab.lookup(sub, len(fit), idx, subGids, sc)
	for j, i := range fit {
		gids[i] = subGids[j]
	}
}
