package scan

import (
	"sort"
	"sync"
	"sync/atomic"

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
// partition starts on its own lane and, when it runs out, moves to the
// lane with the fewest readers (and the most chunks left).

// laneCursor is the work of one lane: its chunks in file order.
type laneCursor struct {
	mu     sync.Mutex
	chunks []int // chunk indexes
	next   int
	// left and readers guide a partition whose lane ran out to the lane
	// with the fewest readers (then the most chunks left).
	left    atomic.Int64
	readers atomic.Int32
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
			lc.left.Store(int64(len(lc.chunks)))
			out = append(out, lc)
		}
	}
	return out
}

// pickLane moves the partition to the lane with chunks left that has the
// fewest readers, then the most chunks left; false when none has any.
func (p *partition) pickLane() bool {
	best := -1
	for i, lc := range p.run.lanes {
		if lc.left.Load() <= 0 {
			continue
		}
		if b := p.run.lanes[max(best, 0)]; best < 0 || lc.readers.Load() < b.readers.Load() ||
			lc.readers.Load() == b.readers.Load() && lc.left.Load() > b.left.Load() {
			best = i
		}
	}
	if best < 0 {
		return false
	}
	p.setLane(best)
	return true
}

// setLane makes lane i the partition's lane.
func (p *partition) setLane(i int) {
	if p.lane >= 0 {
		p.run.lanes[p.lane].readers.Add(-1)
	}
	p.lane = i
	p.run.lanes[i].readers.Add(1)
}

// claimLane claims the next chunk of a lane and reads it while holding
// the lane, starting with the partition's current lane and moving on to
// the next lanes as they run out. idx is -1 when no chunk is left.
func (p *partition) claimLane() (idx int, reg *storage.Region, err error) {
	for {
		if p.run.stop.Load() {
			return -1, nil, nil
		}
		if p.lane < 0 && !p.pickLane() {
			return -1, nil, nil
		}
		lc := p.run.lanes[p.lane]
		lc.mu.Lock()
		if lc.next < len(lc.chunks) {
			idx = lc.chunks[lc.next]
			lc.next++
			lc.left.Add(-1)
			reg, err = p.read(idx)
			lc.mu.Unlock()
			p.run.noteCompressed()
			return idx, reg, err
		}
		lc.mu.Unlock()
		if !p.pickLane() {
			p.leaveLane()
			return -1, nil, nil
		}
	}
}

// leaveLane drops the partition's lane.
func (p *partition) leaveLane() {
	if p.lane >= 0 {
		p.run.lanes[p.lane].readers.Add(-1)
		p.lane = -1
	}
}

// noteCompressed updates the run's count of compressed bytes consumed.
func (r *run) noteCompressed() {
	if cs, ok := r.src.(storage.CompressedSource); ok {
		r.stats.compressedRead.Store(cs.CompressedRead() - r.compressedBase)
	}
}
