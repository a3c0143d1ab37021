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
	// segment computes positions [s, e), one window partition.
	segment(s, e int) error
	// finish builds the result column.
	finish(mem memory.Allocator) (arrow.Array, error)
	// discard drops what the kernel holds without building a result.
	discard()
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
			c := compareRows(arg, int(ev.rows[a]), arg, int(ev.rows[b]))
			if (isMax && c < 0) || (!isMax && c > 0) || (c == 0 && b < a) {
				return b
			}
			return a
		}
		return k
	}
	k := &aggKernel{ev: ev, fn: fn, arg: arg, fr: newFramer(ev, &f.Frame, slots), null: make([]bool, n)}
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
	ev  *windowEval
	fn  string
	n   int64
	i64 []int64
	f64 []float64
}

func (k *rankKernel) segment(s, e int) error {
	ev := k.ev
	cnt := e - s
	dense := int64(0)
	for i := s; i < e; i++ {
		ps, pe := int(ev.peerS[i]), int(ev.peerE[i])
		switch k.fn {
		case "row_number":
			k.i64[i] = int64(i - s + 1)
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

func (k *valueKernel) segment(s, e int) error {
	f := k.f
	ignore := f.IgnoreNulls
	if ignore {
		k.nonNulls(s, e)
	}
	for i := s; i < e; i++ {
		out := int64(-1)
		switch f.Name {
		case "lag", "lead":
			off := f.N
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

func (k *minMaxKernel) segment(s, e int) error {
	ev := k.ev
	k.tree.build(e-s, func(i int) int32 {
		if isNullAt(k.arg, int(ev.rows[s+i])) {
			return -1
		}
		return int32(s + i)
	})
	for i := s; i < e; i++ {
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
	fr    *framer
	typ   arrow.DataType
	scale int
	exact bool // integer, decimal or boolean argument: sums are exact
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

func (k *aggKernel) segment(s, e int) error {
	ev := k.ev
	n := e - s
	k.cnt = growSlice(k.cnt[:0], n+1)
	c := int32(0)
	for i := 0; i < n; i++ {
		k.cnt[i] = c
		if k.arg == nil || k.arg.kind != skNull && !isNullAt(k.arg, int(ev.rows[s+i])) {
			c++
		}
	}
	k.cnt[n] = c
	needExact := k.exact && k.fn != "count" && !isVar(k.fn)
	if needExact {
		k.isum = growSlice(k.isum[:0], n+1)
		var acc i128
		for i := 0; i < n; i++ {
			k.isum[i] = acc
			g := int(ev.rows[s+i])
			if k.arg.kind != skNull && !isNullAt(k.arg, g) {
				var ov bool
				if acc, ov = acc.add(k.exactAt(g)); ov {
					return errorf(ErrOutOfRange, "overflow in window %s: the running total exceeds 38 digits", k.fn)
				}
			}
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
	for i := s; i < e; i++ {
		r := k.fr.ranges(i, s, e)
		if err := k.value(i, s, &r); err != nil {
			return err
		}
	}
	return nil
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
	if k.fn == "count" {
		k.i64[i] = c
		return nil
	}
	if c == 0 {
		k.null[i] = true
		return nil
	}
	var exact i128
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
