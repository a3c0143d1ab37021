package exec

import (
	"context"
	"sort"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// windowEval computes the functions of one Window over the rows of one
// output partition, in window order: rows[k] is the global id of the row
// at position k. Positions are split into segments (window partitions:
// equal PARTITION BY keys), and each segment into peer groups (equal
// ORDER BY keys).
type windowEval struct {
	w    *Window
	d    *windowData
	rows []int32
	// per segment, by position (absolute)
	peerS, peerE []int32
}

func newWindowEval(w *Window, d *windowData, rows []int32) *windowEval {
	return &windowEval{w: w, d: d, rows: rows}
}

// run evaluates every function and returns one result column each.
func (ev *windowEval) run(ctx context.Context, mem memory.Allocator) ([]arrow.Array, error) {
	n := len(ev.rows)
	ev.peerS = make([]int32, n)
	ev.peerE = make([]int32, n)
	np, no := len(ev.w.partition), len(ev.w.order)
	partCols := ev.d.cols[:np]
	orderCols := ev.d.cols[np : np+no]
	kernels := make([]winKernel, len(ev.w.funcs))
	for i, f := range ev.w.funcs {
		kernels[i] = newWinKernel(ev, f, ev.d.slots[i], n)
	}
	fail := func(err error) ([]arrow.Array, error) {
		for _, k := range kernels {
			k.discard()
		}
		return nil, err
	}
	for s := 0; s < n; {
		e := s + 1
		for e < n && (np == 0 || compareKeyRows(partCols, int(ev.rows[s]), partCols, int(ev.rows[e])) == 0) {
			e++
		}
		// peer groups
		for ps := s; ps < e; {
			pe := ps + 1
			for pe < e && (no == 0 || compareKeyRows(orderCols, int(ev.rows[ps]), orderCols, int(ev.rows[pe])) == 0) {
				pe++
			}
			for k := ps; k < pe; k++ {
				ev.peerS[k], ev.peerE[k] = int32(ps), int32(pe)
			}
			ps = pe
		}
		for _, k := range kernels {
			if err := k.segment(s, e); err != nil {
				return fail(err)
			}
		}
		if err := ctx.Err(); err != nil {
			return fail(err)
		}
		s = e
	}
	out := make([]arrow.Array, 0, len(kernels))
	for i, k := range kernels {
		a, err := k.finish(mem)
		if err != nil {
			releaseAll(out)
			for _, k := range kernels[i+1:] {
				k.discard()
			}
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// framer computes a function's frame for each position of a segment.
type framer struct {
	ev    *windowEval
	f     *WindowFrame
	key   *sortCol // RANGE with offsets: the key and the bounds' values
	start *sortCol
	end   *sortCol
}

func newFramer(ev *windowEval, f *WindowFrame, slots []int) *framer {
	fr := &framer{ev: ev, f: f}
	if slots[4] >= 0 {
		fr.key = ev.d.cols[slots[4]]
		if slots[2] >= 0 {
			fr.start = ev.d.cols[slots[2]]
		}
		if slots[3] >= 0 {
			fr.end = ev.d.cols[slots[3]]
		}
	}
	return fr
}

// frame returns position i's frame [lo, hi) within segment [s, e), before
// exclusion.
func (fr *framer) frame(i, s, e int) (lo, hi int) {
	f := fr.f
	lo = fr.bound(f.Start, fr.start, i, s, e, true)
	hi = fr.bound(f.End, fr.end, i, s, e, false)
	if hi < lo {
		hi = lo
	}
	return lo, hi
}

// bound places one end of the frame: the first position of the frame
// (first) or one past its last.
func (fr *framer) bound(b WindowBound, vals *sortCol, i, s, e int, first bool) int {
	ev := fr.ev
	switch b.Kind {
	case BoundUnboundedPreceding:
		return s
	case BoundUnboundedFollowing:
		return e
	case BoundCurrentRow:
		if !fr.f.Range {
			if first {
				return i
			}
			return i + 1
		}
		if first {
			return int(ev.peerS[i])
		}
		return int(ev.peerE[i])
	}
	if !fr.f.Range {
		off := b.Rows
		var p int64
		if b.Kind == BoundPreceding {
			p = int64(i) - off
		} else {
			p = int64(i) + off
		}
		if !first {
			p++
		}
		return int(max(int64(s), min(int64(e), p)))
	}
	// RANGE with an offset: search the segment's keys for the row's
	// bound value. A row whose key is NULL has its peers as the frame.
	g := int(ev.rows[i])
	if vals.nulls != nil && vals.nulls[g] || fr.key.nulls != nil && fr.key.nulls[g] {
		if first {
			return int(ev.peerS[i])
		}
		return int(ev.peerE[i])
	}
	rows := ev.rows
	return s + sort.Search(e-s, func(k int) bool {
		c := compareRows(fr.key, int(rows[s+k]), vals, g)
		if first {
			return c >= 0
		}
		return c > 0
	})
}

// ranges returns position i's frame minus its exclusion.
func (fr *framer) ranges(i, s, e int) ranges {
	lo, hi := fr.frame(i, s, e)
	var r ranges
	switch fr.f.Exclude {
	case ExcludeNoOthers:
		r.add(lo, hi)
	case ExcludeCurrentRow:
		r.add(lo, min(hi, i))
		r.add(max(lo, i+1), hi)
	case ExcludeGroup, ExcludeTies:
		ps, pe := int(fr.ev.peerS[i]), int(fr.ev.peerE[i])
		r.add(lo, min(hi, ps))
		if fr.f.Exclude == ExcludeTies && lo <= i && i < hi {
			r.add(i, i+1)
		}
		r.add(max(lo, pe), hi)
	}
	return r
}
