package flightserver

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/recq/recq/query"
)

// The endpoints of a grouped aggregation are the hash buckets of its
// group keys. The first bucket read runs the leaves on every split once,
// cuts their partial states by bucket (query.DistributedPlan.Partition)
// and keeps them; each bucket's endpoint then merges its own states into
// final rows. A bucket's states are released once it is read, the rest
// when every bucket is read or BucketTTL after the last read.

// runCache holds the partial states of the aggregations being read.
type runCache struct {
	// leafRuns counts the times the leaves of an aggregation ran.
	leafRuns atomic.Int64
	mu       sync.Mutex
	ttl      time.Duration
	runs     map[string]*aggRun
	closed   bool
}

// aggRun is one aggregation's leaves, cut into buckets.
type aggRun struct {
	done    chan struct{} // closed when buckets (or err) is set
	err     error
	buckets [][]arrow.Record
	served  []bool
	left    int
	last    time.Time
}

func (c *runCache) init(ttl time.Duration) {
	c.ttl = ttl
	c.runs = map[string]*aggRun{}
}

// runKey identifies the leaves of a bucket ticket: the buckets of one
// execution (one GetFlightInfo) share it; another execution of the same
// query, by another client, has runs of its own.
func runKey(t ticket) string {
	h := sha256.New()
	b, _ := json.Marshal(struct {
		SQL, FP, ID string
		N           int
		S           []query.Split
	}{t.SQL, t.FP, t.ID, t.Buckets, t.Splits})
	h.Write(b)
	return string(h.Sum(nil))
}

// bucket returns the partial states of ticket t's bucket (retained: the
// caller releases them), running the leaves when no other call has.
func (c *runCache) bucket(ctx context.Context, s *Server, plan *query.DistributedPlan, t ticket) ([]arrow.Record, error) {
	key := runKey(t)
	for {
		now := time.Now()
		c.mu.Lock()
		c.sweepLocked(now)
		r, ok := c.runs[key]
		if ok && r.isDone() && r.err == nil && r.served[t.Bucket] {
			// read again (a client retrying): run the leaves for it alone
			c.mu.Unlock()
			return c.private(ctx, plan, t)
		}
		if !ok {
			r = &aggRun{done: make(chan struct{}), served: make([]bool, t.Buckets), left: t.Buckets, last: now}
			c.runs[key] = r
			c.mu.Unlock()
			c.leafRuns.Add(1)
			buckets, err := computeBuckets(ctx, plan, t)
			c.mu.Lock()
			r.buckets, r.err, r.last = buckets, err, time.Now()
			if err != nil || c.closed {
				delete(c.runs, key)
				for _, b := range buckets {
					releaseAll(b)
				}
				r.buckets = nil
				if err == nil {
					err = errors.New("the server is shutting down")
					r.err = err
				}
			}
			close(r.done)
			c.mu.Unlock()
			if err != nil {
				return nil, err
			}
		} else {
			c.mu.Unlock()
		}
		select {
		case <-r.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if r.err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if errors.Is(r.err, context.Canceled) || errors.Is(r.err, context.DeadlineExceeded) {
				continue // the call that ran the leaves went away: run them again
			}
			return nil, r.err
		}
		c.mu.Lock()
		if r.served[t.Bucket] { // another call read it meanwhile
			c.mu.Unlock()
			return c.private(ctx, plan, t)
		}
		recs := r.buckets[t.Bucket]
		r.buckets[t.Bucket] = nil
		r.served[t.Bucket] = true
		r.left--
		r.last = time.Now()
		if r.left == 0 && c.runs[key] == r {
			delete(c.runs, key)
		}
		c.mu.Unlock()
		return recs, nil
	}
}

func (r *aggRun) isDone() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// private runs the leaves for one bucket without keeping the others.
func (c *runCache) private(ctx context.Context, plan *query.DistributedPlan, t ticket) ([]arrow.Record, error) {
	c.leafRuns.Add(1)
	buckets, err := computeBuckets(ctx, plan, t)
	if err != nil {
		return nil, err
	}
	for i, b := range buckets {
		if i != t.Bucket {
			releaseAll(b)
		}
	}
	return buckets[t.Bucket], nil
}

// sweepLocked releases the runs not read for the TTL.
func (c *runCache) sweepLocked(now time.Time) {
	for k, r := range c.runs {
		if r.isDone() && now.Sub(r.last) > c.ttl {
			delete(c.runs, k)
			for _, b := range r.buckets {
				releaseAll(b)
			}
			r.buckets = nil
		}
	}
}

// clear releases every run (at shutdown).
func (c *runCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	for k, r := range c.runs {
		if r.isDone() {
			for _, b := range r.buckets {
				releaseAll(b)
			}
			r.buckets = nil
			delete(c.runs, k)
		}
	}
}

// computeBuckets runs the leaves on t's splits, a few at a time, and cuts
// their partial states into t.Buckets buckets.
func computeBuckets(ctx context.Context, plan *query.DistributedPlan, t ticket) (out [][]arrow.Record, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	out = make([][]arrow.Record, t.Buckets)
	var (
		mu    sync.Mutex
		first error
		wg    sync.WaitGroup
	)
	fail := func(err error) {
		mu.Lock()
		if first == nil {
			first = err
			cancel()
		}
		mu.Unlock()
	}
	sem := make(chan struct{}, max(runtime.GOMAXPROCS(0), 1))
	for _, sp := range t.Splits {
		wg.Add(1)
		go func(sp query.Split) {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
				return
			}
			defer func() {
				if r := recover(); r != nil {
					fail(recovered(r))
				}
			}()
			res, err := plan.Leaf(ctx, sp)
			if err != nil {
				fail(err)
				return
			}
			defer res.Close()
			for res.Next() {
				parts, err := plan.Partition(res.Record(), t.Buckets)
				if err != nil {
					fail(err)
					return
				}
				mu.Lock()
				for b, p := range parts {
					if p != nil {
						out[b] = append(out[b], p)
					}
				}
				mu.Unlock()
			}
			if err := res.Err(); err != nil {
				fail(err)
			}
		}(sp)
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	if first != nil {
		for _, b := range out {
			releaseAll(b)
		}
		return nil, first
	}
	return out, nil
}
