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
//     the previous one) adds only the new rows to an accumulator, and
//     reads its value (peeker: O(1) for count_if, first/last,
//     arg_min/arg_max and approx_count_distinct) or copies it into the
//     position's result group (merge: O(frame) for the aggregates that
//     keep every value).
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
	slots []int
	fr    *framer
	typ   arrow.DataType
	// the inputs of every position of the windowEval, in window order
	// (nil until the first segment is prepared)
	in *aggInputs
	// base, when set, holds (in group 0) the rows before the segment that
	// its running frames include: a streamed window's dropped rows
	base callState
	// results: position i takes value ri[i] of chunks[ci[i]]
	mu     sync.Mutex
	chunks []arrow.Array
	ci, ri []int32
	// res counts the gathered inputs and the result chunks against the
	// memory budget (a running string_agg's results grow with n·frame)
	res reservation
}

// callBatchGroups and callBatchRows bound a batch of frame results: a
// batch is finished once it holds this many frames or input rows.
const (
	callBatchGroups = 1024
	callBatchRows   = 1 << 16
)

func newCallKernel(ev *windowEval, f WindowFunc, slots []int, n int) *callKernel {
	typ, _ := WindowCallType(f.Name, callArgs(f.aggCall())) // checked by NewWindow
	return &callKernel{ev: ev, f: f, slots: slots, fr: newFramer(ev, &f.Frame, slots), typ: typ,
		ci: make([]int32, n), ri: make([]int32, n), res: reservation{b: ev.w.budget, what: "window"}}
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
	k.res.free()
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
	k.in = windowCallInputs(k.f, k.slots, func(slot int, typ arrow.DataType) arrow.Array {
		return takeChunks(memory.DefaultAllocator, typ, d.chunks(slot), ci, ri)
	})
	b := int64(0)
	for _, a := range k.in.vals {
		b += arrayBytes(a.Data())
	}
	if k.in.filter != nil {
		b += arrayBytes(k.in.filter.Data())
	}
	return k.res.grow(b)
}

// windowCallInputs is a window aggregate's inputs: its values and FILTER,
// got from the window's evaluated expressions by slot (see
// Window.exprs).
func windowCallInputs(f WindowFunc, slots []int, get func(slot int, typ arrow.DataType) arrow.Array) *aggInputs {
	in := &aggInputs{vals: []arrow.Array{get(slots[0], f.Arg.DataType())}}
	for j, a := range f.Args[:callValueArgs(f.Name)-1] {
		in.vals = append(in.vals, get(slots[6+j], a.DataType()))
	}
	if slots[5] >= 0 {
		in.filter = get(slots[5], f.Filter.DataType())
	}
	return in
}

// newState makes an empty state of the aggregate.
func (k *callKernel) newState() (callState, error) { return newWindowCallState(k.f) }

// newWindowCallState makes an empty state of window aggregate f.
func newWindowCallState(f WindowFunc) (callState, error) {
	c, err := normalizeCall(f.aggCall())
	if err != nil {
		return nil, err
	}
	st, err := newCallState(c)
	if err != nil {
		return nil, err
	}
	return st.(callState), nil
}

// peeks reports whether window aggregate f's state reads its value in
// O(1) (peeker), so a running frame needs only its accumulator: a
// streamed window carries it over the rows it drops.
func peeks(f WindowFunc) bool {
	st, err := newWindowCallState(f)
	_, ok := st.(peeker)
	return err == nil && ok
}

// peeker is implemented by the states whose value for a group can be
// read in O(1) while rows still arrive (count_if, first/last,
// arg_min/arg_max, approx_count_distinct): a running frame reads its
// accumulator after each row instead of copying it into a result group.
type peeker interface {
	peek(g int) any
}

// callFill is one fill call's working set.
type callFill struct {
	k    *callKernel
	ectx *EvalContext
	gids []int32 // by position (states that read whole arrays)
	sel  []int32
}

// add folds positions [lo, hi) into group g of st.
func (c *callFill) add(st callState, g int32, lo, hi int) error {
	if lo >= hi {
		return nil
	}
	in := c.k.in
	if cs, ok := st.(*collectState); !ok || cs.store == nil {
		// the state reads only the selected rows of the whole arrays
		if c.gids == nil {
			c.gids = make([]int32, in.vals[0].Len())
		}
		c.sel = c.sel[:0]
		for p := lo; p < hi; p++ {
			c.gids[p] = g
			c.sel = append(c.sel, int32(p))
		}
		return st.updateInputs(c.ectx, in, c.gids, c.sel)
	}
	// a typed value store converts its whole input array: give it the
	// frame's slice
	part := &aggInputs{vals: make([]arrow.Array, len(in.vals))}
	for j, v := range in.vals {
		part.vals[j] = array.NewSlice(v, int64(lo), int64(hi))
	}
	if in.filter != nil {
		part.filter = array.NewSlice(in.filter, int64(lo), int64(hi))
	}
	defer part.release()
	c.sel = c.sel[:0]
	for range hi - lo {
		c.sel = append(c.sel, g)
	}
	return st.updateInputs(c.ectx, part, c.sel, nil)
}

// callBatch is the results of a fill call not yet finished: groups of a
// results state, and values read from a running accumulator (peeked).
// Position p refers to group ri[p] (>= 0) or to peeked value -1-ri[p].
type callBatch struct {
	k      *callKernel
	res    callState
	groups int
	rows   int // input rows the groups hold
	peeked []any
	start  int // the first position of the batch
}

func (b *callBatch) full() bool {
	return b.groups >= callBatchGroups || b.rows >= callBatchRows || len(b.peeked) >= callBatchRows
}

// flush finishes the batch's results into chunks and points positions
// [b.start, upTo) at them.
func (b *callBatch) flush(upTo int) error {
	k := b.k
	var ca, cb int32
	if b.groups > 0 {
		a, err := b.res.finish(memory.DefaultAllocator, b.groups)
		if err != nil {
			return err
		}
		if ca, err = k.addChunk(a); err != nil {
			return err
		}
		st, err := k.newState()
		if err != nil {
			return err
		}
		b.res = st
	}
	if len(b.peeked) > 0 {
		var err error
		if cb, err = k.addChunk(arrayFromValues(memory.DefaultAllocator, k.typ, b.peeked)); err != nil {
			return err
		}
	}
	for p := b.start; p < upTo; p++ {
		if r := k.ri[p]; r < 0 {
			k.ci[p], k.ri[p] = cb, -1-r
		} else {
			k.ci[p] = ca
		}
	}
	b.start, b.groups, b.rows, b.peeked = upTo, 0, 0, b.peeked[:0]
	return nil
}

// addChunk keeps a finished chunk of results and returns its index; it
// fails when the memory budget cannot hold it.
func (k *callKernel) addChunk(a arrow.Array) (int32, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.res.grow(arrayBytes(a.Data())); err != nil {
		a.Release()
		return 0, err
	}
	k.chunks = append(k.chunks, a)
	return int32(len(k.chunks) - 1), nil
}

func (k *callKernel) fill(s, e, from, to int) error {
	c := &callFill{k: k, ectx: NewEvalContext(memory.DefaultAllocator)}
	res, err := k.newState()
	if err != nil {
		return err
	}
	b := &callBatch{k: k, res: res, start: from}
	var acc callState // running frames: positions [s, accHi) in group 0
	accHi := s
	var prev ranges
	for i := from; i < to; i++ {
		r := k.fr.ranges(i, s, e)
		if i > from && r == prev {
			k.ri[i] = k.ri[i-1]
			continue
		}
		prev = r
		if b.full() {
			if err := b.flush(i); err != nil {
				return err
			}
		}
		if r.n == 1 && r.lo[0] == s && r.hi[0] >= accHi || r.n == 0 && acc == nil {
			// a running frame (or an empty one before it): add the new
			// rows to the accumulator
			hi := s
			if r.n == 1 {
				hi = r.hi[0]
			}
			if acc == nil {
				if acc, err = k.newState(); err != nil {
					return err
				}
				acc.resize(1)
				if k.base != nil {
					if err := acc.merge(k.base, []int32{0}); err != nil {
						return err
					}
				}
			}
			if err := c.add(acc, 0, accHi, hi); err != nil {
				return err
			}
			b.rows += hi - accHi
			accHi = hi
			if p, ok := acc.(peeker); ok {
				b.peeked = append(b.peeked, p.peek(0))
				k.ri[i] = -1 - int32(len(b.peeked)-1)
				continue
			}
			g := int32(b.groups)
			b.groups++
			b.res.resize(b.groups)
			k.ri[i] = g
			if err := b.res.merge(acc, []int32{g}); err != nil {
				return err
			}
			b.rows += hi - s // the merge copies every value
			continue
		}
		g := int32(b.groups)
		b.groups++
		b.res.resize(b.groups)
		k.ri[i] = g
		for j := 0; j < r.n; j++ {
			if err := c.add(b.res, g, r.lo[j], r.hi[j]); err != nil {
				return err
			}
			b.rows += r.hi[j] - r.lo[j]
		}
	}
	return b.flush(to)
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
