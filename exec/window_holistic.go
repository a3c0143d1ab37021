package exec

import (
	"sync"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// callKernel computes an aggregate of agg_funcs.go (median, quantiles,
// mode, arg_min/arg_max, string_agg, first/last, count_if,
// approx_count_distinct) over window frames with the aggregate's own
// state (newCallState), so a window and GROUP BY share one definition of
// each aggregate. Like DuckDB's WindowNaiveAggregator for holistic
// aggregates, it gathers the inputs into window order and computes each
// frame from its rows, with two savings:
//
//   - a position whose frame (minus exclusion) is the previous position's
//     takes its result: a whole-partition frame, or a peer group of a
//     RANGE frame, is computed once;
//   - a running frame (from the partition's start, ending no earlier than
//     the previous one) adds only the new rows to an accumulator and
//     copies it into the position's result group (merge): O(1) per row
//     for count_if, first/last, arg_min/arg_max and approx_count_distinct
//     (up to its 4 KiB of registers), O(frame) for the aggregates that
//     keep every value.
//
// Any other frame is computed over its rows: O(frame) per row, plus the
// sort of the frame for quantiles and mode.
//
// Each frame's result is a group of a results state; groups are finished
// in batches (so memory holds a batch of frames, not all of them) into
// result chunks, and finish gathers each position's value from them.
type callKernel struct {
	ev    *windowEval
	f     WindowFunc
	call  AggCall
	slots []int
	fr    *framer
	typ   arrow.DataType
	ectx  *EvalContext
	// the inputs of every position of the windowEval, in window order
	// (nil until the first segment is prepared)
	in *aggInputs
	// results: position i takes value ri[i] of chunks[ci[i]]
	mu     sync.Mutex
	chunks []arrow.Array
	ci, ri []int32
}

// callBatchGroups and callBatchRows bound a batch of frame results: a
// batch is finished once it holds this many frames or input rows.
const (
	callBatchGroups = 1024
	callBatchRows   = 1 << 16
)

func newCallKernel(ev *windowEval, f WindowFunc, slots []int, n int) *callKernel {
	typ, _ := WindowCallType(f.Name, callArgs(f.aggCall())) // checked by NewWindow
	return &callKernel{ev: ev, f: f, call: f.aggCall(), slots: slots, fr: newFramer(ev, &f.Frame, slots), typ: typ,
		ectx: NewEvalContext(memory.DefaultAllocator), ci: make([]int32, n), ri: make([]int32, n)}
}

func (k *callKernel) reset(n int) {
	k.discard()
	// positions no fill computes (a streamed batch's lookback and
	// lookahead) take the first result, and are not emitted
	k.ci, k.ri = resize(k.ci, n, true), resize(k.ri, n, true)
}

func (k *callKernel) discard() {
	k.in.release()
	k.in = nil
	releaseAll(k.chunks)
	k.chunks = nil
}

// prepare gathers the inputs of every position into window order, once.
func (k *callKernel) prepare(s, e int) error {
	if k.in != nil {
		return nil
	}
	ev, d := k.ev, k.ev.d
	ci, ri := make([]int32, len(ev.rows)), make([]int32, len(ev.rows))
	for i, g := range ev.rows {
		ci[i], ri[i] = d.runOf[g], d.rowOf[g]
	}
	gather := func(slot int, typ arrow.DataType) arrow.Array {
		return takeChunks(memory.DefaultAllocator, typ, d.chunks(slot), ci, ri)
	}
	in := &aggInputs{}
	in.vals = append(in.vals, gather(k.slots[0], k.f.Arg.DataType()))
	for j, a := range k.f.Args[:callValueArgs(k.f.Name)-1] {
		in.vals = append(in.vals, gather(k.slots[6+j], a.DataType()))
	}
	if k.slots[5] >= 0 {
		in.filter = gather(k.slots[5], k.f.Filter.DataType())
	}
	k.in = in
	return nil
}

// newState makes an empty state of the aggregate.
func (k *callKernel) newState() (callState, error) {
	c, err := normalizeCall(k.call)
	if err != nil {
		return nil, err
	}
	st, err := newCallState(c)
	if err != nil {
		return nil, err
	}
	return st.(callState), nil
}

// callFill is one fill call's working set.
type callFill struct {
	k    *callKernel
	gids []int32
}

// add folds positions [lo, hi) into group g of st.
func (c *callFill) add(st callState, g int32, lo, hi int) error {
	if lo >= hi {
		return nil
	}
	in := c.k.in
	part := &aggInputs{vals: make([]arrow.Array, len(in.vals))}
	for j, v := range in.vals {
		part.vals[j] = array.NewSlice(v, int64(lo), int64(hi))
	}
	if in.filter != nil {
		part.filter = array.NewSlice(in.filter, int64(lo), int64(hi))
	}
	defer part.release()
	c.gids = c.gids[:0]
	for range hi - lo {
		c.gids = append(c.gids, g)
	}
	return st.updateInputs(c.k.ectx, part, c.gids, nil)
}

func (k *callKernel) fill(s, e, from, to int) error {
	c := &callFill{k: k}
	res, err := k.newState()
	if err != nil {
		return err
	}
	var acc callState // running frames: positions [s, accHi) in group 0
	accHi := s
	groups, rows := 0, 0
	batchStart := from
	var prev ranges
	flush := func(upTo int) error {
		if groups == 0 {
			return nil
		}
		a, err := res.finish(memory.DefaultAllocator, groups)
		if err != nil {
			return err
		}
		k.mu.Lock()
		chunk := int32(len(k.chunks))
		k.chunks = append(k.chunks, a)
		k.mu.Unlock()
		for p := batchStart; p < upTo; p++ {
			k.ci[p] = chunk
		}
		batchStart, groups, rows = upTo, 0, 0
		res, err = k.newState()
		return err
	}
	for i := from; i < to; i++ {
		r := k.fr.ranges(i, s, e)
		if i > from && r == prev {
			k.ri[i] = k.ri[i-1]
			continue
		}
		prev = r
		if groups >= callBatchGroups || rows >= callBatchRows {
			if err := flush(i); err != nil {
				return err
			}
		}
		g := int32(groups)
		groups++
		res.resize(groups)
		k.ri[i] = g
		if r.n == 1 && r.lo[0] == s && r.hi[0] >= accHi {
			// a running frame: add the new rows to the accumulator
			if acc == nil {
				if acc, err = k.newState(); err != nil {
					return err
				}
				acc.resize(1)
			}
			if err := c.add(acc, 0, accHi, r.hi[0]); err != nil {
				return err
			}
			if _, keeps := res.(*collectState); keeps {
				rows += r.hi[0] - s // the merge copies every value
			} else {
				rows += r.hi[0] - accHi
			}
			accHi = r.hi[0]
			if err := res.merge(acc, []int32{g}); err != nil {
				return err
			}
			continue
		}
		for j := 0; j < r.n; j++ {
			if err := c.add(res, g, r.lo[j], r.hi[j]); err != nil {
				return err
			}
			rows += r.hi[j] - r.lo[j]
		}
	}
	return flush(to)
}

func (k *callKernel) finish(mem memory.Allocator) (arrow.Array, error) {
	defer k.discard()
	if len(k.chunks) == 0 {
		// no frame computed (no rows): the aggregate's empty values
		st, err := k.newState()
		if err != nil {
			return nil, err
		}
		st.resize(len(k.ci))
		return st.finish(mem, len(k.ci))
	}
	return takeChunks(mem, k.typ, k.chunks, k.ci, k.ri), nil
}
