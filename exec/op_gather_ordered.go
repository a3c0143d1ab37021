package exec

import (
	"context"
	"fmt"
	"sync"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/recq/recq/scan"
)

// OrderedGather ends parallelism like Gather but yields the batches in
// the order of their Seq tags (file order for a scan in ordered mode),
// whatever the worker count, batch size and timing. Every partition runs
// in its own goroutine and hands its tagged batches to a reorder buffer
// of window chunks; the consumer emits the pieces of the oldest
// unfinished chunk as they arrive and moves on when its last piece (or
// zero-row marker) was emitted. Markers are dropped: the output obeys
// the Stream contract (no empty batches).
//
// Back-pressure is in the buffer, not in the scan: a partition whose
// batch belongs to a chunk W or more past the oldest unfinished one
// waits before handing it over, and a waiting partition does not call
// Next, so it claims no further chunk. The buffer therefore holds the
// batches of at most W chunks, plus one batch (and, under direct and
// buffered I/O, one chunk read ahead) per partition waiting at the gate:
// memory is bounded by the window, never by how far a fast partition
// could run ahead of a slow one. The partition holding the oldest
// unfinished chunk is never blocked (its chunks are claimed in
// increasing order, so all its earlier chunks are finished), hence no
// deadlock. Keeping this in the gather leaves the scan free of any
// knowledge of its consumer and works for any tagged input.
//
// A child with one partition is passed through (minus markers): a scan
// with one worker reads its chunks in order. With several partitions
// every batch must carry a tag; an untagged batch is an internal error.
type OrderedGather struct {
	opBase
	child  Operator
	window int
}

// DefaultOrderWindow is the reorder window per partition when
// NewOrderedGather is given window <= 0: 4 chunks per partition (about
// 4 MiB of records each, at the default chunk size).
const DefaultOrderWindow = 4

// NewOrderedGather merges child's partitions into one, in Seq order, with
// a reorder window of window chunks (<= 0: DefaultOrderWindow per
// partition; at least 1).
func NewOrderedGather(child Operator, window int) Operator {
	if window <= 0 {
		window = DefaultOrderWindow * max(child.Partitions(), 1)
	}
	return &OrderedGather{opBase: newBase(), child: child, window: window}
}

func (g *OrderedGather) Schema() *arrow.Schema { return g.child.Schema() }
func (g *OrderedGather) Children() []Operator  { return []Operator{g.child} }
func (g *OrderedGather) Partitions() int       { return 1 }
func (g *OrderedGather) String() string        { return fmt.Sprintf("OrderedGather: window %d", g.window) }

func (g *OrderedGather) Execute(ctx context.Context, partition int) (Stream, error) {
	if err := checkPartition(g, partition); err != nil {
		return nil, err
	}
	if g.child.Partitions() == 1 {
		s, err := g.child.Execute(ctx, 0)
		if err != nil {
			return nil, err
		}
		return instrument(&skipEmpty{s}, g.m), nil
	}
	return instrument(newOrderedStream(ctx, g.child, g.window), g.m), nil
}

// skipEmpty drops zero-row batches (markers) from a stream.
type skipEmpty struct{ Stream }

func (s *skipEmpty) Next() bool {
	for s.Stream.Next() {
		if s.Record().NumRows() > 0 {
			return true
		}
	}
	return false
}

// orderedItem is one buffered batch.
type orderedItem struct {
	rec  arrow.Record
	last bool
}

// orderedStream is the merge. mu guards everything below it; space wakes
// partitions waiting for the window to move, ready wakes the consumer.
type orderedStream struct {
	parent context.Context
	ctx    context.Context
	cancel context.CancelFunc
	child  Operator
	window int64
	wg     sync.WaitGroup
	stop   func() bool // unregisters the cancellation wake-up

	mu      sync.Mutex
	space   *sync.Cond
	ready   *sync.Cond
	slots   [][]orderedItem // chunk c's pieces are in slots[c % window]
	next    int64           // oldest chunk not fully emitted
	running int             // partitions still running
	err     error

	started, closed, drained bool
	cur                      arrow.Record
}

func newOrderedStream(ctx context.Context, child Operator, window int) *orderedStream {
	c, cancel := context.WithCancel(ctx)
	s := &orderedStream{parent: ctx, ctx: c, cancel: cancel, child: child, window: int64(window)}
	s.space, s.ready = sync.NewCond(&s.mu), sync.NewCond(&s.mu)
	return s
}

func (s *orderedStream) Schema() *arrow.Schema { return s.child.Schema() }
func (s *orderedStream) Record() arrow.Record  { return s.cur }

func (s *orderedStream) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	if s.drained {
		return s.parent.Err()
	}
	return nil
}

// setErr records the first error and stops every partition.
func (s *orderedStream) setErr(err error) {
	s.mu.Lock()
	if s.err == nil {
		s.err = err
	}
	s.mu.Unlock()
	s.cancel()
}

func (s *orderedStream) start() {
	s.started = true
	n := s.child.Partitions()
	s.slots = make([][]orderedItem, s.window)
	s.running = n
	// Cancellation (an error, Close, or the caller's context) wakes every
	// waiter so it can see it.
	s.stop = context.AfterFunc(s.ctx, func() {
		s.mu.Lock()
		s.space.Broadcast()
		s.ready.Broadcast()
		s.mu.Unlock()
	})
	for p := 0; p < n; p++ {
		s.wg.Add(1)
		go s.run(p)
	}
}

// run feeds partition p's batches into the reorder buffer.
func (s *orderedStream) run(p int) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		s.running--
		s.ready.Broadcast()
		s.mu.Unlock()
	}()
	defer scan.RecoverTo(s.setErr)
	st, err := s.child.Execute(s.ctx, p)
	if err != nil {
		s.setErr(err)
		return
	}
	defer st.Close()
	for st.Next() {
		seq, ok := scan.SeqOf(st)
		if !ok {
			s.setErr(fmt.Errorf("internal error: ordered gather: partition %d of %s produced a batch without an order tag", p, s.child.String()))
			return
		}
		rec := st.Record()
		rec.Retain()
		if !s.put(seq, rec) {
			rec.Release()
			return
		}
	}
	if err := st.Err(); err != nil {
		s.setErr(err)
	}
}

// put waits until seq's chunk is inside the window, then buffers rec. It
// returns false when the stream was cancelled (rec not taken).
func (s *orderedStream) put(seq Seq, rec arrow.Record) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for seq.Chunk >= s.next+s.window && s.ctx.Err() == nil {
		s.space.Wait()
	}
	if s.ctx.Err() != nil {
		return false
	}
	if seq.Chunk < s.next {
		err := fmt.Errorf("internal error: ordered gather: a batch of chunk %d arrived after the chunk was finished", seq.Chunk)
		if s.err == nil {
			s.err = err
		}
		s.cancel()
		return false
	}
	slot := &s.slots[seq.Chunk%s.window]
	*slot = append(*slot, orderedItem{rec: rec, last: seq.Last})
	if seq.Chunk == s.next {
		s.ready.Signal()
	}
	return true
}

func (s *orderedStream) Next() bool {
	if s.cur != nil {
		s.cur.Release()
		s.cur = nil
	}
	if s.closed || s.drained {
		return false
	}
	if !s.started {
		s.start()
	}
	s.mu.Lock()
	for {
		if s.err != nil || s.ctx.Err() != nil {
			s.mu.Unlock()
			s.drain()
			return false
		}
		slot := &s.slots[s.next%s.window]
		if len(*slot) > 0 {
			it := (*slot)[0]
			(*slot)[0] = orderedItem{}
			*slot = (*slot)[1:]
			if it.last {
				s.next++
				*slot = nil
				s.space.Broadcast()
			}
			if it.rec.NumRows() == 0 {
				it.rec.Release()
				continue
			}
			s.cur = it.rec
			s.mu.Unlock()
			return true
		}
		if s.running == 0 {
			err := s.leftover()
			if err != nil && s.err == nil {
				s.err = err
			}
			s.mu.Unlock()
			s.drain()
			return false
		}
		s.ready.Wait()
	}
}

// leftover checks, once every partition ended cleanly, that no batch is
// still buffered: one would mean a chunk never finished (a bug).
func (s *orderedStream) leftover() error {
	for i, slot := range s.slots {
		if len(slot) > 0 {
			return fmt.Errorf("internal error: ordered gather: chunk %d never finished, %d batches of a later chunk (slot %d) left", s.next, len(slot), i)
		}
	}
	return nil
}

// drain stops the partitions, waits for them and releases what is still
// buffered.
func (s *orderedStream) drain() {
	s.drained = true
	s.cancel()
	if !s.started {
		return
	}
	s.wg.Wait()
	s.stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, slot := range s.slots {
		for _, it := range slot {
			it.rec.Release()
		}
		s.slots[i] = nil
	}
}

func (s *orderedStream) Close() {
	if s.closed {
		return
	}
	if s.cur != nil {
		s.cur.Release()
		s.cur = nil
	}
	if !s.drained {
		s.drain()
	}
	s.closed = true
	s.cancel()
}
