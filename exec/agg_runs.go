package exec

import (
	"context"
	"fmt"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// allRuns reports whether every partial is still in run mode (its groups
// in ascending key order; hashtable_runs.go).
func allRuns(partials []*partialAgg) bool {
	for _, p := range partials {
		if !p.table.runs {
			return false
		}
	}
	return len(partials) > 0
}

// mergeRuns merges partials that are all in run mode by walking their
// groups side by side in key order, without a hash table: a key that
// several partitions saw (its run crossed the edge of a chunk) becomes one
// group. The result is in run mode too, its groups in key order.
func (a *Aggregate) mergeRuns(ctx context.Context, mem memory.Allocator, mt *memTracker, partials []*partialAgg) (*partialAgg, error) {
	f, err := a.newPartial()
	if err != nil {
		return nil, err
	}
	f.table.expectRuns()
	keys := make([][]arrow.Array, len(partials))
	defer func() {
		for _, k := range keys {
			releaseAll(k)
		}
	}()
	packed := make([][]uint64, len(partials))
	mappings := make([][]int32, len(partials))
	for p, src := range partials {
		keys[p] = src.table.keyArrays(mem)
		packed[p] = make([]uint64, src.table.n)
		if !src.table.packInto(packed[p], keys[p]) {
			return nil, fmt.Errorf("internal error: a group key of a table in run mode does not fit its layout")
		}
		mappings[p] = make([]int32, src.table.n)
	}
	heads := make([]int, len(partials))
	for step := 0; ; step++ {
		if step%(1<<16) == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		from := -1 // the partial whose next key is the least
		var k uint64
		for p, h := range heads {
			if h < len(packed[p]) && (from < 0 || packed[p][h] < k) {
				from, k = p, packed[p][h]
			}
		}
		if from < 0 {
			break
		}
		g := f.table.newGroup(keys[from], heads[from])
		f.table.lastKey = k
		for p, h := range heads {
			if h < len(packed[p]) && packed[p][h] == k {
				mappings[p][h] = g
				heads[p]++
			}
		}
	}
	f.resize()
	for p, src := range partials {
		if err := fold(f, src, mappings[p]); err != nil {
			return nil, err
		}
	}
	if err := mt.add(f.bytes()); err != nil {
		return nil, err
	}
	return f, nil
}
