package exec

import (
	"context"
	"sync"
)

// sharedBuild is the build side of a join shared by all probe partitions
// of one execution: it is built once, lazily, by the first probe stream
// that needs it, while the others wait; its error reaches every stream;
// it is released when the last stream of the execution closes.
//
// An execution ("round") is the set of streams opened for distinct
// partitions: opening a partition already opened in the current round
// starts a new round (the plan is being run again). A round is released
// when no stream of it is open any more and no other stream can join it:
// every partition was opened, or a new round replaced it, or one of its
// streams stopped before its end (an error, a cancellation, a consumer
// that stopped reading), which means the execution is being abandoned, or
// the execution ended (endExecution). A partition opened after that
// starts a new round.
//
// An abandoned round is released as soon as its last open stream closes,
// but a partition of the same execution may still open after that (its
// goroutine started late): it starts a new round, which no other partition
// of the execution will join, so only endExecution releases it.
//
// Rounds are numbered from 1; build gets its round's number, and
// onRound, when set, is called (under the lock) as a round begins, before
// any of its streams runs.
type sharedBuild[T interface{ release() }] struct {
	parts   int
	build   func(ctx context.Context, round uint64) (T, error)
	onRound func(round uint64)
	mu      sync.Mutex
	cur     *joinRound[T]
	rounds  uint64
}

type joinRound[T interface{ release() }] struct {
	owner    *sharedBuild[T]
	number   uint64
	claimed  []bool
	nClaimed int
	open     int
	finished int
	replaced bool
	aborted  bool
	ended    bool // the execution ended (endExecution)
	started  bool
	done     chan struct{}
	val      T
	err      error
	freed    bool
}

func newSharedBuild[T interface{ release() }](parts int, build func(ctx context.Context, round uint64) (T, error)) *sharedBuild[T] {
	return &sharedBuild[T]{parts: parts, build: build}
}

// join registers a stream for partition p and returns its round.
func (s *sharedBuild[T]) join(p int) *joinRound[T] {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.cur
	if r == nil || r.claimed[p] || r.freed || r.ended {
		if r != nil {
			r.replaced = true
			r.maybeFree()
		}
		s.rounds++
		r = &joinRound[T]{owner: s, number: s.rounds, claimed: make([]bool, s.parts), done: make(chan struct{})}
		s.cur = r
		if s.onRound != nil {
			s.onRound(r.number)
		}
	}
	r.claimed[p] = true
	r.nClaimed++
	r.open++
	return r
}

// get returns the built side, building it if no stream started yet.
// Waiting streams give up when their own context ends.
func (r *joinRound[T]) get(ctx context.Context) (T, error) {
	s := r.owner
	s.mu.Lock()
	if !r.started {
		r.started = true
		s.mu.Unlock()
		v, err := s.build(ctx, r.number)
		s.mu.Lock()
		r.val, r.err = v, err
		close(r.done)
		s.mu.Unlock()
		return v, err
	}
	s.mu.Unlock()
	select {
	case <-r.done:
	case <-ctx.Done():
		var z T
		return z, ctx.Err()
	}
	return r.val, r.err
}

// finish records that a stream read its whole probe input; it returns
// true for the last partition of the round to do so.
func (r *joinRound[T]) finish() bool {
	s := r.owner
	s.mu.Lock()
	defer s.mu.Unlock()
	r.finished++
	return r.finished == s.parts
}

// leave unregisters a closed stream; complete says it reached its end.
func (r *joinRound[T]) leave(complete bool) {
	s := r.owner
	s.mu.Lock()
	defer s.mu.Unlock()
	r.open--
	if !complete {
		r.aborted = true
	}
	r.maybeFree()
}

// endExecution says the execution that opened the current round is over:
// no more partitions join it, and its built side is released once its
// open streams (normally none) close.
func (s *sharedBuild[T]) endExecution() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.cur; r != nil {
		r.ended = true
		r.maybeFree()
	}
}

// maybeFree releases the built side when no stream can use it any more
// (lock held).
func (r *joinRound[T]) maybeFree() {
	if r.freed || r.open > 0 || (!r.replaced && !r.aborted && !r.ended && r.nClaimed < r.owner.parts) {
		return
	}
	r.freed = true
	if r.owner.cur == r {
		r.owner.cur = nil
	}
	if r.started {
		// every stream has closed, so none is inside get: the build ended
		<-r.done
		if r.err == nil {
			r.val.release()
		}
	}
}
