package exec

import (
	"math"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// winKernel computes one window function over the segments of an output
// partition, one segment (window partition) at a time, writing results by
// position.
type winKernel interface {
	// prepare readies the kernel for segment [s, e), one window
	// partition (prefix sums, trees).
	prepare(s, e int) error
	// fill computes positions [from, to) of the prepared segment [s, e).
	// Calls for disjoint position ranges may run concurrently.
	fill(s, e, from, to int) error
	// finish builds the result column.
	finish(mem memory.Allocator) (arrow.Array, error)
	// discard drops what the kernel holds without building a result.
	discard()
	// reset readies the kernel for n positions of new data in its
	// windowEval (a streamed window reuses its kernels batch after batch).
	reset(n int)
}

// resize returns s with length n, reusing its memory; with clear, every
// value is zero.
func resize[T any](s []T, n int, clear bool) []T {
	if s == nil {
		return nil
	}
	if cap(s) < n {
		return make([]T, n)
	}
	s = s[:n]
	if clear {
		var z T
		for i := range s {
			s[i] = z
		}
	}
	return s
}

func (k *rankKernel) reset(n int) {
	k.i64, k.f64 = resize(k.i64, n, false), resize(k.f64, n, false)
}

func (k *valueKernel) reset(n int) {
	k.arg = k.ev.d.cols[k.slots[0]]
	k.refs = resize(k.refs, n, true) // finish reads every position
}

func (k *aggKernel) reset(n int) {
	if k.arg != nil {
		k.arg = k.ev.d.cols[k.slots[0]]
	}
	k.null = resize(k.null, n, true)
	k.i64, k.f64, k.dec, k.b = resize(k.i64, n, false), resize(k.f64, n, false), resize(k.dec, n, false), resize(k.b, n, false)
}

func newWinKernel(ev *windowEval, f WindowFunc, slots []int, n int) winKernel {
	var arg *sortCol
	if slots[0] >= 0 {
		arg = ev.d.cols[slots[0]]
	}
	switch windowOnly[f.Name] {
	case wkRank:
		k := &rankKernel{ev: ev, fn: f.Name, n: f.N}
		if f.Name == "percent_rank" || f.Name == "cume_dist" {
			k.f64 = make([]float64, n)
		} else {
			k.i64 = make([]int64, n)
		}
		return k
	case wkOffset, wkValue:
		return &valueKernel{ev: ev, f: f, arg: arg, slots: slots, fr: newFramer(ev, &f.Frame, slots), refs: make([]int64, n)}
	}
	if isMoreAgg(f.Name) {
		return newCallKernel(ev, f, slots, n)
	}
	fn := aggNames[f.Name]
	if fn == "min" || fn == "max" {
		k := &minMaxKernel{valueKernel: valueKernel{ev: ev, f: f, arg: arg, slots: slots, fr: newFramer(ev, &f.Frame, slots), refs: make([]int64, n)}}
		isMax := fn == "max"
		k.tree.zero = -1
		k.tree.comb = func(a, b int32) int32 {
			if a < 0 {
				return b
			}
			if b < 0 {
				return a
			}
			c := compareRows(k.arg, int(ev.rows[a]), k.arg, int(ev.rows[b]))
			if (isMax && c < 0) || (!isMax && c > 0) || (c == 0 && b < a) {
				return b
			}
			return a
		}
		return k
	}
	k := &aggKernel{ev: ev, fn: fn, arg: arg, slots: slots, fr: newFramer(ev, &f.Frame, slots), null: make([]bool, n)}
	var at arrow.DataType
	if f.Arg != nil {
		at = f.Arg.DataType()
	}
	k.typ, _ = WindowResultType(fn, at)
	if at != nil && isDecimal(at) {
		_, k.scale = decProps(at)
	}
	k.exact = at != nil && (isInteger(at) || isDecimal(at) || isBool(at) || isNull(at))
	switch fn {
	case "count":
		k.i64 = make([]int64, n)
	case "sum":
		switch {
		case k.typ.ID() == arrow.INT64:
			k.i64 = make([]int64, n)
		case isDecimal(k.typ):
			k.dec = make([]i128, n)
		default:
			k.f64 = make([]float64, n)
		}
	case "bool_and", "bool_or":
		k.b = make([]bool, n)
	default:
		k.f64 = make([]float64, n)
	}
	k.ftree.comb = func(a, b float64) float64 { return a + b }
	k.vtree.comb = mergeMoments
	return k
}

func isNullAt(c *sortCol, g int) bool { return c.nulls != nil && c.nulls[g] }

// ---------------------------------------------------------------------
// ranking: row_number, rank, dense_rank, percent_rank, cume_dist, ntile

type rankKernel struct {
	ev   *windowEval
	fn   string
	n    int64
	base int64 // row_number: rows before the segment (a streamed window)
	i64  []int64
	f64  []float64
}

func (k *rankKernel) fill(s, e, from, to int) error { return nil }

// prepare computes the whole segment: dense_rank counts peer groups in
// order.
func (k *rankKernel) prepare(s, e int) error {
	ev := k.ev
	cnt := e - s
	dense := int64(0)
	peers := ev.peerS != nil
	for i := s; i < e; i++ {
		ps, pe := i, i+1
		if peers {
			ps, pe = int(ev.peerS[i]), int(ev.peerE[i])
		}
		switch k.fn {
		case "row_number":
			k.i64[i] = k.base + int64(i-s+1)
		case "rank":
			k.i64[i] = int64(ps - s + 1)
		case "dense_rank":
			if i == ps {
				dense++
			}
			k.i64[i] = dense
		case "percent_rank":
			if cnt > 1 {
				k.f64[i] = float64(ps-s) / float64(cnt-1)
			} else {
				k.f64[i] = 0
			}
		case "cume_dist":
			k.f64[i] = float64(pe-s) / float64(cnt)
		case "ntile":
			k.i64[i] = ntile(int64(i-s), int64(cnt), k.n)
		}
	}
	return nil
}

// ntile is the bucket (1-based) of row j (0-based) of n rows split into
// b buckets whose sizes differ by at most one, larger ones first.
func ntile(j, n, b int64) int64 {
	if b >= n {
		return j + 1
	}
	q, r := n/b, n%b
	if j < r*(q+1) {
		return j/(q+1) + 1
	}
	return (j-r*(q+1))/q + r + 1
}

func (k *rankKernel) finish(mem memory.Allocator) (arrow.Array, error) {
	if k.f64 != nil {
		o := newFixedOut[float64](mem, tFloat64, len(k.f64))
		copy(o.v, k.f64)
		return o.finish(), nil
	}
	o := newFixedOut[int64](mem, tInt64, len(k.i64))
	copy(o.v, k.i64)
	return o.finish(), nil
}

func (k *rankKernel) discard() {}

// ---------------------------------------------------------------------
// values: lag, lead, first_value, last_value, nth_value. Each position
// gets a reference: a global row of the argument (>= 0), a global row of
// the default (-2 - row), or NULL (-1); finish gathers them.

type valueKernel struct {
	ev    *windowEval
	f     WindowFunc
	arg   *sortCol
	slots []int
	fr    *framer
	refs  []int64
	// IGNORE NULLS: per segment, the number of non-NULL arguments before
	// each position (nnBefore[i-s]) and the positions holding them
	nnBefore []int32
	nnPos    []int32
}

func (k *valueKernel) nonNulls(s, e int) {
	k.nnBefore = k.nnBefore[:0]
	k.nnPos = k.nnPos[:0]
	c := int32(0)
	for i := s; i < e; i++ {
		k.nnBefore = append(k.nnBefore, c)
		if !isNullAt(k.arg, int(k.ev.rows[i])) {
			k.nnPos = append(k.nnPos, int32(i))
			c++
		}
	}
	k.nnBefore = append(k.nnBefore, c)
}

func (k *valueKernel) ref(pos int) int64 { return int64(k.ev.rows[pos]) }

func (k *valueKernel) prepare(s, e int) error {
	if k.f.IgnoreNulls {
		k.nonNulls(s, e)
	}
	return nil
}

func (k *valueKernel) fill(s, e, from, to int) error {
	f := k.f
	ignore := f.IgnoreNulls
	for i := from; i < to; i++ {
		out := int64(-1)
		switch f.Name {
		case "lag", "lead":
			// beyond the segment either way: no overflow below
			off := max(-int64(e-s)-1, min(f.N, int64(e-s)+1))
			if f.Name == "lag" {
				off = -off
			}
			found := false
			switch {
			case off == 0:
				out, found = k.ref(i), true
			case !ignore:
				if t := int64(i) + off; t >= int64(s) && t < int64(e) {
					out, found = k.ref(int(t)), true
				}
			case off < 0:
				if j := int64(k.nnBefore[i-s]) + off; j >= 0 {
					out, found = k.ref(int(k.nnPos[j])), true
				}
			default:
				if j := int64(k.nnBefore[i-s+1]) + off - 1; j < int64(len(k.nnPos)) {
					out, found = k.ref(int(k.nnPos[j])), true
				}
			}
			if !found && f.Default != nil {
				out = -2 - int64(k.ev.rows[i])
			}
		default:
			r := k.fr.ranges(i, s, e)
			if p := k.pick(&r, s); p >= 0 {
				out = k.ref(p)
			}
		}
		k.refs[i] = out
	}
	return nil
}

// pick returns the position first_value, last_value or nth_value takes
// from the frame ranges r, or -1.
func (k *valueKernel) pick(r *ranges, s int) int {
	ignore := k.f.IgnoreNulls
	switch k.f.Name {
	case "first_value":
		for j := 0; j < r.n; j++ {
			if !ignore {
				return r.lo[j]
			}
			if c := int(k.nnBefore[r.lo[j]-s]); c < len(k.nnPos) && int(k.nnPos[c]) < r.hi[j] {
				return int(k.nnPos[c])
			}
		}
	case "last_value":
		for j := r.n - 1; j >= 0; j-- {
			if !ignore {
				return r.hi[j] - 1
			}
			if c := int(k.nnBefore[r.hi[j]-s]) - 1; c >= 0 && int(k.nnPos[c]) >= r.lo[j] {
				return int(k.nnPos[c])
			}
		}
	case "nth_value":
		left := k.f.N
		for j := 0; j < r.n; j++ {
			if !ignore {
				if w := int64(r.hi[j] - r.lo[j]); left <= w {
					return r.lo[j] + int(left) - 1
				} else {
					left -= w
				}
				continue
			}
			a, b := int(k.nnBefore[r.lo[j]-s]), int(k.nnBefore[r.hi[j]-s])
			if left <= int64(b-a) {
				return int(k.nnPos[a+int(left)-1])
			}
			left -= int64(b - a)
		}
	}
	return -1
}

func (k *valueKernel) finish(mem memory.Allocator) (arrow.Array, error) {
	d := k.ev.d
	typ := k.f.Arg.DataType()
	chunks := d.chunks(k.slots[0])
	nArg := len(chunks)
	if k.slots[1] >= 0 {
		chunks = append(chunks, d.chunks(k.slots[1])...)
	}
	null := nullArray(mem, typ, 1)
	defer null.Release()
	chunks = append(chunks, null)
	ci := make([]int32, len(k.refs))
	ri := make([]int32, len(k.refs))
	for i, r := range k.refs {
		switch {
		case r >= 0:
			ci[i], ri[i] = d.runOf[r], d.rowOf[r]
		case r == -1:
			ci[i], ri[i] = int32(len(chunks)-1), 0
		default:
			g := -2 - r
			ci[i], ri[i] = int32(nArg)+d.runOf[g], d.rowOf[g]
		}
	}
	return takeChunks(mem, typ, chunks, ci, ri), nil
}

func (k *valueKernel) discard() {}

// ---------------------------------------------------------------------
// min and max: a segment tree of the positions of the smallest (largest)
// argument, gathered like the value functions.

type minMaxKernel struct {
	valueKernel
	tree segTree[int32]
}

func (k *minMaxKernel) prepare(s, e int) error {
	ev := k.ev
	k.tree.build(e-s, func(i int) int32 {
		if isNullAt(k.arg, int(ev.rows[s+i])) {
			return -1
		}
		return int32(s + i)
	})
	return nil
}

func (k *minMaxKernel) fill(s, e, from, to int) error {
	for i := from; i < to; i++ {
		r := k.fr.ranges(i, s, e)
		best := int32(-1)
		for j := 0; j < r.n; j++ {
			best = k.tree.comb(best, k.tree.query(r.lo[j]-s, r.hi[j]-s))
		}
		k.refs[i] = -1
		if best >= 0 {
			k.refs[i] = k.ref(int(best))
		}
	}
	return nil
}

// ---------------------------------------------------------------------
// count, sum, avg, variance and standard deviation, bool_and, bool_or.
// Counts, exact sums (integers, decimals) and boolean counts come from
// per-segment prefix sums; float sums and moments from segment trees.

type moments struct{ n, mean, m2 float64 }

// mergeMoments combines two (count, mean, M2) summaries (Chan et al.).
func mergeMoments(a, b moments) moments {
	if a.n == 0 {
		return b
	}
	if b.n == 0 {
		return a
	}
	n := a.n + b.n
	d := b.mean - a.mean
	return moments{n: n, mean: a.mean + d*b.n/n, m2: a.m2 + b.m2 + d*d*a.n*b.n/n}
}

type aggKernel struct {
	ev    *windowEval
	fn    string
	arg   *sortCol // nil for count(*)
	slots []int
	fr    *framer
	typ   arrow.DataType
	scale int
	exact bool // integer, decimal or boolean argument: sums are exact
	// carry: the frame starts at UNBOUNDED PRECEDING and rows before the
	// segment (dropped by a streamed window) count baseCnt and sum baseSum
	carry   bool
	baseCnt int64
	baseSum i128
	// per segment
	cnt   []int32 // non-NULL arguments before each position
	isum  []i128  // exact sums before each position
	ftree segTree[float64]
	vtree segTree[moments]
	// results by position
	null []bool
	i64  []int64
	f64  []float64
	dec  []i128
	b    []bool
}

// exactAt is the argument at global row g as an unscaled integer.
func (k *aggKernel) exactAt(g int) i128 {
	switch k.arg.kind {
	case skU64:
		return i128{lo: k.arg.u64[g]}
	case skI128:
		return k.arg.dec[g]
	}
	return i128From64(k.arg.i64[g])
}

// floatAt is the argument at global row g as a float64.
func (k *aggKernel) floatAt(g int) float64 {
	switch k.arg.kind {
	case skF64:
		return k.arg.f64[g]
	case skNull:
		return 0
	}
	return k.exactAt(g).float64() / pow10f[k.scale]
}

func (k *aggKernel) prepare(s, e int) error {
	ev := k.ev
	n := e - s
	k.cnt = resize(k.cnt, n+1, false)
	if k.cnt == nil {
		k.cnt = make([]int32, n+1)
	}
	rows := ev.rows[s:e]
	noNulls := k.arg == nil || k.arg.kind != skNull && k.arg.nulls == nil
	c := int32(0)
	for i, g := range rows {
		k.cnt[i] = c
		if noNulls || k.arg.kind != skNull && !k.arg.nulls[g] {
			c++
		}
	}
	k.cnt[n] = c
	needExact := k.exact && k.fn != "count" && !isVar(k.fn)
	if needExact {
		k.isum = resize(k.isum, n+1, false)
		if k.isum == nil {
			k.isum = make([]i128, n+1)
		}
		var acc i128
		var ov bool
		if k.arg.kind == skI64 && noNulls {
			// the common case: values in int64 (integers, DECIMALs up to 18 digits)
			vals := k.arg.i64
			for i, g := range rows {
				k.isum[i] = acc
				acc = addInt64(acc, vals[g])
			}
		} else {
			for i, g := range rows {
				k.isum[i] = acc
				if k.arg.kind != skNull && !isNullAt(k.arg, int(g)) {
					var o bool
					acc, o = acc.add(k.exactAt(int(g)))
					ov = ov || o
				}
			}
		}
		if ov {
			return errorf(ErrOutOfRange, "overflow in window %s: the running total exceeds 38 digits", k.fn)
		}
		k.isum[n] = acc
	}
	leafNull := func(i int) bool { return k.arg.kind == skNull || isNullAt(k.arg, int(ev.rows[s+i])) }
	switch {
	case isVar(k.fn):
		k.vtree.build(n, func(i int) moments {
			if leafNull(i) {
				return moments{}
			}
			return moments{n: 1, mean: k.floatAt(int(ev.rows[s+i]))}
		})
	case !k.exact && (k.fn == "sum" || k.fn == "avg"):
		k.ftree.build(n, func(i int) float64 {
			if leafNull(i) {
				return 0
			}
			return k.floatAt(int(ev.rows[s+i]))
		})
	}
	return nil
}

func (k *aggKernel) fill(s, e, from, to int) error {
	if k.fr.simpleRows() && !k.carry && (k.fn == "count" || k.fn == "avg" && k.exact) {
		k.fillRows(s, e, from, to)
		return nil
	}
	for i := from; i < to; i++ {
		r := k.fr.ranges(i, s, e)
		if err := k.value(i, s, &r); err != nil {
			return err
		}
	}
	return nil
}

// fillRows is the fast path of count, and of avg over integers and
// DECIMALs, over ROWS frames without exclusion (moving averages, running
// counts): each frame is one range, taken from the prefix sums directly.
func (k *aggKernel) fillRows(s, e, from, to int) {
	div := pow10f[k.scale]
	f := k.fr.f
	// each bound as an offset from the row, clamped to the segment
	offset := func(b WindowBound, end bool) (off int, unbounded bool) {
		n := int(min(b.Rows, int64(e-s)))
		switch b.Kind {
		case BoundUnboundedPreceding, BoundUnboundedFollowing:
			return 0, true
		case BoundPreceding:
			off = -n
		case BoundFollowing:
			off = n
		}
		if end {
			off++
		}
		return off, false
	}
	so, su := offset(f.Start, false)
	eo, eu := offset(f.End, true)
	for i := from; i < to; i++ {
		lo, hi := s, e
		if !su {
			lo = max(s, min(e, i+so))
		}
		if !eu {
			hi = max(s, min(e, i+eo))
		}
		hi = max(hi, lo)
		c := int64(k.cnt[hi-s] - k.cnt[lo-s])
		if k.fn == "count" {
			k.i64[i] = c
			continue
		}
		if c == 0 {
			k.null[i] = true
			continue
		}
		d, _ := k.isum[hi-s].sub(k.isum[lo-s])
		k.f64[i] = d.float64() / div / float64(c)
	}
}

func isVar(fn string) bool {
	switch fn {
	case "stddev_samp", "stddev_pop", "var_samp", "var_pop":
		return true
	}
	return false
}

// value computes position i's result over the frame ranges r.
func (k *aggKernel) value(i, s int, r *ranges) error {
	c := int64(0)
	for j := 0; j < r.n; j++ {
		c += int64(k.cnt[r.hi[j]-s] - k.cnt[r.lo[j]-s])
	}
	if k.carry {
		c += k.baseCnt
	}
	if k.fn == "count" {
		k.i64[i] = c
		return nil
	}
	if c == 0 {
		k.null[i] = true
		return nil
	}
	var exact i128
	if k.carry {
		exact = k.baseSum
	}
	if k.exact && !isVar(k.fn) {
		for j := 0; j < r.n; j++ {
			d, _ := k.isum[r.hi[j]-s].sub(k.isum[r.lo[j]-s])
			var ov bool
			if exact, ov = exact.add(d); ov {
				return errorf(ErrOutOfRange, "overflow in window %s: the total exceeds 38 digits", k.fn)
			}
		}
	}
	switch k.fn {
	case "sum":
		switch {
		case k.i64 != nil:
			if !exact.fits64() {
				return errorf(ErrOutOfRange, "INT64 overflow in sum: the total %s does not fit INT64; cast the argument to DECIMAL(38,0) to sum it exactly", decString(exact, 0))
			}
			k.i64[i] = int64(exact.lo)
		case k.dec != nil:
			if !exact.fitsPrecision(38) {
				return errorf(ErrOutOfRange, "DECIMAL overflow in sum: the total exceeds 38 digits")
			}
			k.dec[i] = exact
		default:
			k.f64[i] = k.floatSum(r, s)
		}
	case "avg":
		if k.exact {
			k.f64[i] = exact.float64() / pow10f[k.scale] / float64(c)
		} else {
			k.f64[i] = k.floatSum(r, s) / float64(c)
		}
	case "bool_and":
		k.b[i] = exact.lo == uint64(c)
	case "bool_or":
		k.b[i] = exact.lo > 0
	default:
		m := moments{}
		for j := 0; j < r.n; j++ {
			m = mergeMoments(m, k.vtree.query(r.lo[j]-s, r.hi[j]-s))
		}
		samp := k.fn == "stddev_samp" || k.fn == "var_samp"
		if samp && m.n < 2 {
			k.null[i] = true
			return nil
		}
		d := m.n
		if samp {
			d--
		}
		v := max(m.m2/d, 0)
		if k.fn == "stddev_samp" || k.fn == "stddev_pop" {
			v = math.Sqrt(v)
		}
		k.f64[i] = v
	}
	return nil
}

func (k *aggKernel) floatSum(r *ranges, s int) float64 {
	t := 0.0
	for j := 0; j < r.n; j++ {
		t += k.ftree.query(r.lo[j]-s, r.hi[j]-s)
	}
	return t
}

func (k *aggKernel) finish(mem memory.Allocator) (arrow.Array, error) {
	n := len(k.null)
	var valid *memory.Buffer
	for i, isNull := range k.null {
		if isNull {
			if valid == nil {
				valid = newBitmap(mem, n, true)
			}
			clearBit(valid.Buf(), i)
		}
	}
	switch {
	case k.b != nil:
		return boolsToArray(mem, k.b, valid), nil
	case k.i64 != nil:
		return fixedArray(mem, k.typ, k.i64, valid), nil
	case k.dec != nil:
		return fixedArray(mem, k.typ, k.dec, valid), nil
	}
	return fixedArray(mem, k.typ, k.f64, valid), nil
}

func (k *aggKernel) discard() {}

// fixedArray copies vals into a new array of typ with validity valid
// (owned; nil: no NULLs).
func fixedArray[T any](mem memory.Allocator, typ arrow.DataType, vals []T, valid *memory.Buffer) arrow.Array {
	o := newFixedOut[T](mem, typ, len(vals))
	copy(o.v, vals)
	o.valid = valid
	return o.finish()
}
