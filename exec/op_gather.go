package exec

import (
	"context"
	"sync"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/recq/recq/scan"
)

// Gather ends parallelism: it runs each child partition in its own
// goroutine and yields their batches, in arrival order, as one partition.
// A bounded channel gives backpressure; the first error or a cancelled
// context stops every partition; Close waits for all goroutines. A panic
// in a partition becomes an *InternalError on the stream. For file order,
// use NewOrderedGather.
type Gather struct {
	opBase
	child Operator
}

// NewGather merges child's partitions into one.
func NewGather(child Operator) Operator {
	return &Gather{opBase: newBase(), child: child}
}

func (g *Gather) Schema() *arrow.Schema { return g.child.Schema() }
func (g *Gather) Children() []Operator  { return []Operator{g.child} }
func (g *Gather) Partitions() int       { return 1 }
func (g *Gather) String() string        { return "Gather" }

func (g *Gather) Execute(ctx context.Context, partition int) (Stream, error) {
	if err := checkPartition(g, partition); err != nil {
		return nil, err
	}
	if g.child.Partitions() == 1 {
		s, err := g.child.Execute(ctx, 0)
		if err != nil {
			return nil, err
		}
		return instrument(s, g.m), nil
	}
	return instrument(newGatherStream(ctx, g.child, func(int) {}), g.m), nil
}

// gatherStream runs every partition of child in a goroutine.
type gatherStream struct {
	parent  context.Context
	ctx     context.Context
	cancel  context.CancelFunc
	child   Operator
	ch      chan arrow.Record
	wg      sync.WaitGroup
	mu      sync.Mutex
	err     error
	started bool
	closed  bool
	drained bool
	cur     arrow.Record
	done    func(int)
}

func newGatherStream(ctx context.Context, child Operator, done func(int)) *gatherStream {
	c, cancel := context.WithCancel(ctx)
	return &gatherStream{parent: ctx, ctx: c, cancel: cancel, child: child, done: done}
}

func (s *gatherStream) Schema() *arrow.Schema { return s.child.Schema() }
func (s *gatherStream) Record() arrow.Record  { return s.cur }

func (s *gatherStream) setErr(err error) {
	s.mu.Lock()
	if s.err == nil {
		s.err = err
	}
	s.mu.Unlock()
	s.cancel()
}

func (s *gatherStream) Err() error {
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

func (s *gatherStream) start() {
	s.started = true
	n := s.child.Partitions()
	s.ch = make(chan arrow.Record, max(n, 2))
	for p := 0; p < n; p++ {
		s.wg.Add(1)
		go s.run(p)
	}
	go func() {
		defer scan.RecoverTo(s.setErr)
		s.wg.Wait()
		close(s.ch)
	}()
}

func (s *gatherStream) run(p int) {
	defer s.wg.Done()
	defer scan.RecoverTo(s.setErr)
	st, err := s.child.Execute(s.ctx, p)
	if err != nil {
		s.setErr(err)
		return
	}
	defer st.Close()
	for st.Next() {
		rec := st.Record()
		rec.Retain()
		select {
		case s.ch <- rec:
		case <-s.ctx.Done():
			rec.Release()
			return
		}
	}
	if err := st.Err(); err != nil {
		s.setErr(err)
	}
	s.done(p)
}

func (s *gatherStream) Next() bool {
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
	rec, ok := <-s.ch
	if !ok {
		s.drained = true
		return false
	}
	if s.Err() != nil {
		rec.Release()
		s.drain()
		return false
	}
	s.cur = rec
	return true
}

// drain stops the workers and releases whatever is still queued.
func (s *gatherStream) drain() {
	s.cancel()
	if s.started {
		for rec := range s.ch {
			rec.Release()
		}
	}
	s.drained = true
}

func (s *gatherStream) Close() {
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

// runPartitions runs f for every partition of child in its own goroutine
// and waits; the first error cancels the others. A panic in f becomes an
// *InternalError. It never leaks.
func runPartitions(ctx context.Context, n int, f func(ctx context.Context, p int) error) error {
	c, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for p := 0; p < n; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			fail := func(err error) {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
				cancel()
			}
			defer scan.RecoverTo(fail)
			if err := f(c, p); err != nil {
				fail(err)
			}
		}(p)
	}
	wg.Wait()
	if first != nil {
		// report the cause, not the cancellation it triggered elsewhere
		return first
	}
	return ctx.Err()
}
