package scan

import (
	"sort"
	"sync"

	"github.com/recq/recq/storage"
)

// A compressed file is read through a storage.CompressedSource whose
// bytes come out of decompression streams ("lanes"), each starting at a
// seek point (a gzip member, a zstd frame). Within a lane bytes are cheap
// only in order, so the run hands out a lane's chunks in file order and
// reads each one while it holds the lane: one worker decompresses a
// chunk while the others decode the chunks they already have. Chunks keep
// their global numbers, so ordered scans, limits and row ids work as for
// any file. A file with several lanes is decompressed in parallel: each
// partition starts on its own lane and moves to the next when its lane
// runs out.

// laneCursor is the work of one lane: its chunks in file order.
type laneCursor struct {
	mu     sync.Mutex
	chunks []int // chunk indexes
	next   int
}

// compressedLanes assigns the scan's chunks to the source's lanes (by the
// offset of the chunk's first record), dropping lanes with no chunk.
func compressedLanes(s *Scan, src storage.CompressedSource) []*laneCursor {
	starts := src.Lanes()
	ls := make([]*laneCursor, len(starts))
	for i := range ls {
		ls[i] = &laneCursor{}
	}
	l := &s.table.Layout
	for i, c := range s.chunks {
		off := l.RecordOffset(c.first)
		k := sort.Search(len(starts), func(j int) bool { return starts[j] > off }) - 1
		ls[k].chunks = append(ls[k].chunks, i)
	}
	out := ls[:0]
	for _, lc := range ls {
		if len(lc.chunks) > 0 {
			out = append(out, lc)
		}
	}
	return out
}

// claimLane claims the next chunk of a lane and reads it while holding
// the lane, starting with the partition's current lane and moving on to
// the next lanes as they run out. idx is -1 when no chunk is left.
func (p *partition) claimLane() (idx int, reg *storage.Region, err error) {
	ls := p.run.lanes
	for range ls {
		lc := ls[p.lane]
		lc.mu.Lock()
		if p.run.stop.Load() {
			lc.mu.Unlock()
			return -1, nil, nil
		}
		if lc.next < len(lc.chunks) {
			idx = lc.chunks[lc.next]
			lc.next++
			reg, err = p.read(idx)
			lc.mu.Unlock()
			p.run.noteCompressed()
			return idx, reg, err
		}
		lc.mu.Unlock()
		p.lane = (p.lane + 1) % len(ls)
	}
	return -1, nil, nil
}

// noteCompressed updates the run's count of compressed bytes consumed.
func (r *run) noteCompressed() {
	if cs, ok := r.src.(storage.CompressedSource); ok {
		r.stats.compressedRead.Store(cs.CompressedRead() - r.compressedBase)
	}
}
