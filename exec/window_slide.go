package exec

import (
	"math/bits"
	"slices"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// slider is the fast path of a streamed window whose functions are all
// count, or sum and avg of integers and DECIMALs, over ROWS frames
// without EXCLUDE (moving averages, running totals in file order). Each
// function keeps the count and the exact sum of its argument before every
// buffered row, from the stream's first row on, extended once as a batch
// arrives; an output row is one difference of two of them.
type slider struct {
	funcs   []slideFunc
	dropped int // rows dropped from the front of the buffer so far
}

type slideFunc struct {
	f      WindowFunc
	slot   int // the argument's key slot; -1 for count(*)
	scale  int
	so, eo int  // frame start and end (exclusive) as offsets from the row
	su     bool // the frame starts at UNBOUNDED PRECEDING
	cnt    []int64
	sum    []i128
}

// newSlider returns the slider for a streamed window, or nil when some
// function needs the general kernels.
func newSlider(w *Window, slots [][]int) *slider {
	sl := &slider{}
	for i, f := range w.funcs {
		fn := aggNames[f.Name]
		fr := f.Frame
		if IsWindowFunction(f.Name) || fr.Exclude != ExcludeNoOthers || fr.End.Kind == BoundUnboundedFollowing {
			return nil
		}
		if fn != "count" && !((fn == "sum" || fn == "avg") && carriesTotals(f)) {
			return nil
		}
		sf := slideFunc{f: f, slot: slots[i][0], cnt: []int64{0}}
		if fn != "count" {
			sf.sum = []i128{{}}
			if isDecimal(f.Arg.DataType()) {
				_, sf.scale = decProps(f.Arg.DataType())
			}
		}
		off := func(b WindowBound) int {
			switch b.Kind {
			case BoundPreceding:
				return -int(b.Rows)
			case BoundFollowing:
				return int(b.Rows)
			}
			return 0
		}
		// streamReach bounds the offsets, and RANGE frames here are
		// bounded by UNBOUNDED PRECEDING and CURRENT ROW only
		sf.su = fr.Start.Kind == BoundUnboundedPreceding
		sf.so, sf.eo = off(fr.Start), off(fr.End)+1
		sl.funcs = append(sl.funcs, sf)
	}
	return sl
}

// add extends the prefixes over a new batch's keys.
func (sl *slider) add(keys []arrow.Array, n int) error {
	for i := range sl.funcs {
		sf := &sl.funcs[i]
		c := sf.cnt[len(sf.cnt)-1]
		if sf.slot < 0 {
			for j := 0; j < n; j++ {
				c++
				sf.cnt = append(sf.cnt, c)
			}
			continue
		}
		a := keys[sf.slot]
		if handled, err := sf.addFast(a, n); handled {
			if err != nil {
				return err
			}
			continue
		}
		col := newSortColCap(a.DataType(), SortKey{}, n)
		col.appendArray(a)
		var acc i128
		if sf.sum != nil {
			acc = sf.sum[len(sf.sum)-1]
		}
		k := aggKernel{arg: col}
		var ov bool
		for j := 0; j < n; j++ {
			if col.kind != skNull && (col.nulls == nil || !col.nulls[j]) {
				c++
				if sf.sum != nil {
					var o bool
					acc, o = acc.add(k.exactAt(j))
					ov = ov || o
				}
			}
			sf.cnt = append(sf.cnt, c)
			if sf.sum != nil {
				sf.sum = append(sf.sum, acc)
			}
		}
		if ov {
			return errorf(ErrOutOfRange, "overflow in window %s: the running total exceeds 38 digits", sf.f.Name)
		}
	}
	return nil
}

// addFast extends the prefixes over DECIMAL, INT64 and INT32 arguments
// straight from the Arrow buffers; handled is false for other types.
func (sf *slideFunc) addFast(a arrow.Array, n int) (handled bool, err error) {
	id := a.DataType().ID()
	if id != arrow.DECIMAL128 && id != arrow.INT64 && id != arrow.INT32 {
		return false, nil
	}
	vb, off := validityOf(a)
	valid := func(j int) bool { return vb == nil || getBit(vb, off+j) }
	c := sf.cnt[len(sf.cnt)-1]
	start := len(sf.cnt)
	sf.cnt = slices.Grow(sf.cnt, n)[:start+n]
	cnt := sf.cnt[start:]
	if sf.sum == nil {
		for j := range cnt {
			if valid(j) {
				c++
			}
			cnt[j] = c
		}
		return true, nil
	}
	acc := sf.sum[len(sf.sum)-1]
	sf.sum = slices.Grow(sf.sum, n)[:start+n]
	sum := sf.sum[start:]
	ov := false
	switch id {
	case arrow.DECIMAL128:
		vs := values[i128](a)
		if vb == nil { // no NULLs: the common case, without a test per row
			for j := range cnt {
				var o bool
				acc, o = acc.add(vs[j])
				ov = ov || o
				c++
				cnt[j], sum[j] = c, acc
			}
			break
		}
		for j := range cnt {
			if valid(j) {
				c++
				var o bool
				acc, o = acc.add(vs[j])
				ov = ov || o
			}
			cnt[j], sum[j] = c, acc
		}
	case arrow.INT64:
		vs := values[int64](a)
		for j := range cnt {
			if valid(j) {
				c++
				acc = addInt64(acc, vs[j])
			}
			cnt[j], sum[j] = c, acc
		}
	default:
		vs := values[int32](a)
		for j := range cnt {
			if valid(j) {
				c++
				acc = addInt64(acc, int64(vs[j]))
			}
			cnt[j], sum[j] = c, acc
		}
	}
	if ov {
		return true, errorf(ErrOutOfRange, "overflow in window %s: the running total exceeds 38 digits", sf.f.Name)
	}
	return true, nil
}

// addInt64 adds v to a; fewer than 2^63 int64 values cannot overflow a
// 128-bit sum.
func addInt64(a i128, v int64) i128 {
	lo, carry := bits.Add64(a.lo, uint64(v), 0)
	return i128{lo, a.hi + v>>63 + int64(carry)}
}

// drop forgets the first n buffered rows.
func (sl *slider) drop(n int) {
	sl.dropped += n
	for i := range sl.funcs {
		sf := &sl.funcs[i]
		sf.cnt = append(sf.cnt[:0], sf.cnt[n:]...)
		if sf.sum != nil {
			sf.sum = append(sf.sum[:0], sf.sum[n:]...)
		}
	}
}

// compute builds the results of buffered rows [from, to); total rows are
// buffered, and eof says no row follows them.
func (sl *slider) compute(mem memory.Allocator, from, to, total int) ([]arrow.Array, error) {
	out := make([]arrow.Array, 0, len(sl.funcs))
	fail := func(err error) ([]arrow.Array, error) {
		releaseAll(out)
		return nil, err
	}
	n := to - from
	for i := range sl.funcs {
		sf := &sl.funcs[i]
		fn := aggNames[sf.f.Name]
		typ, err := WindowResultType(fn, argType(sf.f))
		if err != nil {
			return fail(err)
		}
		var (
			i64 fixedOut[int64]
			f64 fixedOut[float64]
			dec fixedOut[i128]
		)
		switch {
		case fn == "count" || fn == "sum" && typ.ID() == arrow.INT64:
			i64 = newFixedOut[int64](mem, typ, n)
		case fn == "sum":
			dec = newFixedOut[i128](mem, typ, n)
		default:
			f64 = newFixedOut[float64](mem, typ, n)
		}
		div := pow10f[sf.scale]
		if fn == "avg" && !sf.su {
			sf.movingAvg(mem, &f64, from, to, total, sl.dropped, div)
			out = append(out, f64.finish())
			continue
		}
		for j := from; j < to; j++ {
			g := sl.dropped + j // the row's position in the stream
			lo, hi := 0, min(total, j+sf.eo)
			if !sf.su {
				lo = min(total, max(0, g+sf.so)-sl.dropped)
			}
			hi = max(hi, lo)
			c := sf.cnt[hi] - sf.cnt[lo]
			if sf.su {
				c = sf.cnt[hi] // absolute: from the stream's first row
			}
			k := j - from
			if fn == "count" {
				i64.v[k] = c
				continue
			}
			if c == 0 {
				switch {
				case i64.v != nil:
					i64.v[k] = 0
					i64.setNull(mem, k)
				case dec.v != nil:
					dec.v[k] = i128{}
					dec.setNull(mem, k)
				default:
					f64.v[k] = 0
					f64.setNull(mem, k)
				}
				continue
			}
			s := sf.sum[hi]
			if !sf.su {
				s, _ = s.sub(sf.sum[lo])
			}
			switch {
			case i64.v != nil:
				if !s.fits64() {
					i64.release()
					return fail(errorf(ErrOutOfRange, "INT64 overflow in sum: the total %s does not fit INT64; cast the argument to DECIMAL(38,0) to sum it exactly", decString(s, 0)))
				}
				i64.v[k] = int64(s.lo)
			case dec.v != nil:
				if !s.fitsPrecision(38) {
					dec.release()
					return fail(errorf(ErrOutOfRange, "DECIMAL overflow in sum: the total exceeds 38 digits"))
				}
				dec.v[k] = s
			default:
				f64.v[k] = s.float64() / div / float64(c)
			}
		}
		switch {
		case i64.buf != nil:
			out = append(out, i64.finish())
		case dec.buf != nil:
			out = append(out, dec.finish())
		default:
			out = append(out, f64.finish())
		}
	}
	return out, nil
}

// movingAvg is compute's loop for avg over a frame with a bounded start
// (a moving average, the common streamed window), without the other
// functions' tests per row: the average of buffered rows [from, to) into
// out, whose row k is row from+k.
func (sf *slideFunc) movingAvg(mem memory.Allocator, out *fixedOut[float64], from, to, total, dropped int, div float64) {
	cnt, sum := sf.cnt, sf.sum
	for j := from; j < to; j++ {
		lo := min(total, max(0, dropped+j+sf.so)-dropped)
		hi := max(min(total, j+sf.eo), lo)
		k := j - from
		c := cnt[hi] - cnt[lo]
		if c == 0 {
			out.v[k] = 0
			out.setNull(mem, k)
			continue
		}
		s, _ := sum[hi].sub(sum[lo])
		var x float64
		if s.fits64() {
			x = float64(int64(s.lo))
		} else {
			x = s.float64()
		}
		out.v[k] = x / div / float64(c)
	}
}

func argType(f WindowFunc) arrow.DataType {
	if f.Arg == nil {
		return nil
	}
	return f.Arg.DataType()
}
