package exec

import (
	"container/heap"
	"context"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// TopN is ORDER BY keys LIMIT n: each partition keeps its n best rows in a
// heap, then the partitions' survivors are merged. The result is exactly
// that of Sort followed by Limit (ties in input order, partitions in
// partition order).
type TopN struct {
	opBase
	child  Operator
	keys   []SortKey
	n      int64
	budget *Budget
}

// NewTopN returns the first n rows of child ordered by keys. A negative
// n keeps every row: it is what LIMIT + OFFSET becomes when the sum wraps
// around (planners should pass SatAddInt64(limit, offset), which
// saturates instead).
func NewTopN(child Operator, keys []SortKey, n int64, budget *Budget) Operator {
	if n < 0 {
		n = math.MaxInt64
	}
	return &TopN{opBase: newBase(), child: child, keys: keys, n: n, budget: budget}
}

func (t *TopN) Schema() *arrow.Schema { return t.child.Schema() }
func (t *TopN) Children() []Operator  { return []Operator{t.child} }
func (t *TopN) Partitions() int       { return 1 }
func (t *TopN) String() string {
	return fmt.Sprintf("TopN: %d by %s", t.n, keysString(t.keys))
}

// topRun is a retained batch with its keys; refs counts heap entries in it.
type topRun struct {
	rec  arrow.Record
	keys []arrow.Array
	cols []*sortCol
	refs int
}

func (r *topRun) release() {
	if r.rec != nil {
		r.rec.Release()
		releaseAll(r.keys)
		r.rec, r.keys, r.cols = nil, nil, nil
	}
}

type topRef struct {
	run int32
	row int32
	seq int64
}

// topHeap is a max-heap: the worst kept row on top.
type topHeap struct {
	runs []*topRun
	refs []topRef
}

func (h *topHeap) cmp(a, b topRef) int {
	if r := compareKeyRows(h.runs[a.run].cols, int(a.row), h.runs[b.run].cols, int(b.row)); r != 0 {
		return r
	}
	switch {
	case a.seq < b.seq:
		return -1
	case a.seq > b.seq:
		return 1
	}
	return 0
}

func (h *topHeap) Len() int           { return len(h.refs) }
func (h *topHeap) Less(i, j int) bool { return h.cmp(h.refs[i], h.refs[j]) > 0 }
func (h *topHeap) Swap(i, j int)      { h.refs[i], h.refs[j] = h.refs[j], h.refs[i] }
func (h *topHeap) Push(x any)         { h.refs = append(h.refs, x.(topRef)) }
func (h *topHeap) Pop() any {
	x := h.refs[len(h.refs)-1]
	h.refs = h.refs[:len(h.refs)-1]
	return x
}

func (h *topHeap) releaseAll() {
	for _, r := range h.runs {
		r.release()
	}
	h.runs = nil
	h.refs = nil
}

// partitionTop keeps the n best rows of one partition.
func (t *TopN) partitionTop(ctx context.Context, p int, h *topHeap, res *reservation, mu *sync.Mutex) error {
	mem := allocator(ctx)
	s, err := t.child.Execute(ctx, p)
	if err != nil {
		return err
	}
	defer s.Close()
	ectx := NewEvalContext(mem)
	var seq int64
	var held int64
	account := func(delta int64) error {
		held += delta
		mu.Lock()
		defer mu.Unlock()
		err := res.grow(delta)
		t.m.notePeak(res.n)
		return err
	}
	defer func() {
		mu.Lock()
		res.resize(res.n - held)
		mu.Unlock()
	}()
	for s.Next() {
		if err := ctx.Err(); err != nil {
			return err
		}
		rec := s.Record()
		ks := make([]arrow.Array, len(t.keys))
		for i, k := range t.keys {
			a, err := k.Expr.Eval(ectx, rec)
			if err != nil {
				releaseAll(ks)
				return err
			}
			ks[i] = a
		}
		rec.Retain()
		run := &topRun{rec: rec, keys: ks, cols: make([]*sortCol, len(t.keys))}
		for k, key := range t.keys {
			run.cols[k] = newSortCol(key.Expr.DataType(), key)
			run.cols[k].appendArray(ks[k])
		}
		ri := int32(len(h.runs))
		h.runs = append(h.runs, run)
		nrows := int(rec.NumRows())
		for i := 0; i < nrows; i++ {
			ref := topRef{run: ri, row: int32(i), seq: seq}
			seq++
			if int64(len(h.refs)) < t.n {
				heap.Push(h, ref)
				run.refs++
				continue
			}
			if h.cmp(ref, h.refs[0]) < 0 {
				h.runs[h.refs[0].run].refs--
				h.refs[0] = ref
				run.refs++
				heap.Fix(h, 0)
			}
		}
		// drop batches no heap entry points into
		live := 0
		var bytes int64
		for _, r := range h.runs {
			if r.rec != nil && r.refs == 0 {
				r.release()
			}
			if r.rec != nil {
				live++
				bytes += recordBytes(r.rec)
			}
		}
		if live > 32 {
			if err := h.compact(mem, t.Schema(), t.keys); err != nil {
				return err
			}
			bytes = recordBytes(h.runs[0].rec)
		}
		if err := account(bytes - held); err != nil {
			return err
		}
	}
	return s.Err()
}

// compact gathers the heap's rows into one run.
func (h *topHeap) compact(mem memory.Allocator, schema *arrow.Schema, keys []SortKey) error {
	ci := make([]int32, len(h.refs))
	ri := make([]int32, len(h.refs))
	for i, r := range h.refs {
		ci[i], ri[i] = r.run, r.row
	}
	runs := make([]sortedRun, len(h.runs))
	for i, r := range h.runs {
		if r.rec != nil {
			runs[i] = sortedRun{rec: r.rec, keys: r.keys}
		} else {
			runs[i] = sortedRun{rec: h.runs[0].rec} // placeholder, never referenced
		}
	}
	live := h.runs[0].rec
	for _, r := range h.runs {
		if r.rec != nil {
			live = r.rec
			break
		}
	}
	for i := range runs {
		if runs[i].rec == nil {
			runs[i].rec = live
		}
	}
	rec := gatherRows(mem, schema, runs, ci, ri)
	nr := &topRun{rec: rec, keys: make([]arrow.Array, len(keys)), cols: make([]*sortCol, len(keys)), refs: len(h.refs)}
	for k, key := range keys {
		chunks := make([]arrow.Array, len(h.runs))
		for i, r := range h.runs {
			if r.rec != nil {
				chunks[i] = r.keys[k]
			} else {
				chunks[i] = nil
			}
		}
		for i := range chunks {
			if chunks[i] == nil {
				for _, c := range chunks {
					if c != nil {
						chunks[i] = c
						break
					}
				}
			}
		}
		nr.keys[k] = takeChunks(mem, key.Expr.DataType(), chunks, ci, ri)
		nr.cols[k] = newSortCol(key.Expr.DataType(), key)
		nr.cols[k].appendArray(nr.keys[k])
	}
	for _, r := range h.runs {
		r.release()
	}
	h.runs = []*topRun{nr}
	for i := range h.refs {
		h.refs[i].run = 0
		h.refs[i].row = int32(i)
	}
	return nil
}

func (t *TopN) Execute(ctx context.Context, partition int) (Stream, error) {
	if err := checkPartition(t, partition); err != nil {
		return nil, err
	}
	if err := checkSortKeys(t.keys); err != nil {
		return nil, err
	}
	mem := allocator(ctx)
	res := &reservation{b: t.budget, what: "top-N"}
	var mu sync.Mutex
	heaps := make([]*topHeap, t.child.Partitions())
	var out []arrow.Record
	started := false
	cleanup := func() {
		for _, h := range heaps {
			if h != nil {
				h.releaseAll()
			}
		}
		for _, r := range out {
			r.Release()
		}
		out = nil
		res.free()
	}
	next := func() (arrow.Record, error) {
		if !started {
			started = true
			if t.n <= 0 {
				return nil, nil
			}
			for p := range heaps {
				heaps[p] = &topHeap{}
			}
			err := runPartitions(ctx, len(heaps), func(ctx context.Context, p int) error {
				return t.partitionTop(ctx, p, heaps[p], res, &mu)
			})
			if err != nil {
				return nil, err
			}
			out = t.merge(mem, heaps)
			for _, h := range heaps {
				h.releaseAll()
			}
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if len(out) == 0 {
			return nil, nil
		}
		r := out[0]
		out = out[1:]
		return r, nil
	}
	return instrument(newPullStream(t.Schema(), next, cleanup), t.m), nil
}

// merge orders the partitions' survivors and returns the first n rows.
func (t *TopN) merge(mem memory.Allocator, heaps []*topHeap) []arrow.Record {
	type cand struct {
		part int
		ref  topRef
	}
	var all []cand
	for p, h := range heaps {
		for _, r := range h.refs {
			all = append(all, cand{p, r})
		}
	}
	slices.SortFunc(all, func(a, b cand) int {
		ha, hb := heaps[a.part], heaps[b.part]
		if r := compareKeyRows(ha.runs[a.ref.run].cols, int(a.ref.row), hb.runs[b.ref.run].cols, int(b.ref.row)); r != 0 {
			return r
		}
		if a.part != b.part {
			return a.part - b.part
		}
		switch {
		case a.ref.seq < b.ref.seq:
			return -1
		case a.ref.seq > b.ref.seq:
			return 1
		}
		return 0
	})
	if int64(len(all)) > t.n {
		all = all[:t.n]
	}
	// flatten runs of all heaps
	var runs []sortedRun
	base := make([]int32, len(heaps))
	for p, h := range heaps {
		base[p] = int32(len(runs))
		for _, r := range h.runs {
			runs = append(runs, sortedRun{rec: r.rec, keys: r.keys})
		}
	}
	var live arrow.Record
	for _, r := range runs {
		if r.rec != nil {
			live = r.rec
			break
		}
	}
	for i := range runs {
		if runs[i].rec == nil {
			runs[i].rec = live
		}
	}
	var out []arrow.Record
	for start := 0; start < len(all); start += outBatchRows {
		end := min(start+outBatchRows, len(all))
		ci := make([]int32, end-start)
		ri := make([]int32, end-start)
		for i, c := range all[start:end] {
			ci[i] = base[c.part] + c.ref.run
			ri[i] = c.ref.row
		}
		out = append(out, gatherRows(mem, t.Schema(), runs, ci, ri))
	}
	return out
}
