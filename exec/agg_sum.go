package exec

import (
	"math"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// ---------------------------------------------------------------------
// Row and value counts. The aggregation counts rows per group once
// (groupRows); each aggregate only counts the NULLs it skipped, so the
// hot loops over NULL-free input do nothing but add.

type groupRows struct{ n []int64 }

type valueCounts struct {
	rows  *groupRows
	nulls []int64
}

func (c *valueCounts) resize(n int) { c.nulls = growSlice(c.nulls, n) }

func (c *valueCounts) clear(g int) { c.nulls[g] = 0 }

// addNulls counts the NULL rows of a batch.
func (c *valueCounts) addNulls(vb []byte, off int, gids, sel []int32) {
	if sel == nil {
		for i, g := range gids {
			if !getBit(vb, off+i) {
				c.nulls[g]++
			}
		}
		return
	}
	for _, i := range sel {
		if !getBit(vb, off+int(i)) {
			c.nulls[gids[i]]++
		}
	}
}

// addAllNull counts every row of a batch as NULL.
func (c *valueCounts) addAllNull(gids, sel []int32) {
	forRows(gids, sel, func(_ int, g int32) { c.nulls[g]++ })
}

func (c *valueCounts) get(g int) int64 { return c.rows.n[g] - c.nulls[g] }

func (c *valueCounts) merge(o *valueCounts, mapping []int32) {
	for g, m := range mapping {
		if m < 0 {
			continue
		}
		c.nulls[m] += o.nulls[g]
	}
}

// countState is count(*) (star) or count(x).
type countState struct {
	star bool
	valueCounts
}

func (s *countState) bytesPerGroup() int64 { return 8 }

func (s *countState) update(_ *EvalContext, arg arrow.Array, gids []int32, sel []int32) error {
	if s.star {
		return nil
	}
	if arg.DataType().ID() == arrow.NULL {
		s.addAllNull(gids, sel)
		return nil
	}
	if vb, off := validityOf(arg); vb != nil {
		s.addNulls(vb, off, gids, sel)
	}
	return nil
}

func (s *countState) merge(o aggState, mapping []int32) error {
	s.valueCounts.merge(&o.(*countState).valueCounts, mapping)
	return nil
}

func (s *countState) finish(mem memory.Allocator, n int) (arrow.Array, error) {
	o := newFixedOut[int64](mem, tInt64, n)
	for g := range o.v {
		o.v[g] = s.get(g)
	}
	return o.finish(), nil
}

// sumAvg is a sum state that can also finish as an average.
type sumAvg interface {
	finishAs(mem memory.Allocator, n int, avg bool) (arrow.Array, error)
}

// ---------------------------------------------------------------------
// sum/avg of integers: exact 128-bit accumulators, so the result (and an
// overflow error) does not depend on how rows were partitioned.

type sumIntState struct {
	avg bool
	typ arrow.DataType
	acc []i128
	tmp []int64
	valueCounts
}

func (s *sumIntState) resize(n int) {
	s.acc = growSlice(s.acc, n)
	s.valueCounts.resize(n)
}

func (s *sumIntState) bytesPerGroup() int64 { return 24 }

func (s *sumIntState) clear(g int) { s.acc[g], s.nulls[g] = i128{}, 0 }

func (s *sumIntState) update(ctx *EvalContext, arg arrow.Array, gids []int32, sel []int32) error {
	if arg.DataType().ID() == arrow.NULL {
		s.addAllNull(gids, sel)
		return nil
	}
	vb, off := validityOf(arg)
	if vb != nil {
		s.addNulls(vb, off, gids, sel)
	}
	acc := s.acc
	if arg.DataType().ID() == arrow.UINT64 {
		v := values[uint64](arg)
		forRows(gids, sel, func(i int, g int32) {
			if vb == nil || getBit(vb, off+i) {
				lo, c := bitsAdd(acc[g].lo, v[i])
				acc[g].lo = lo
				acc[g].hi += int64(c)
			}
		})
		return nil
	}
	forIntArray(arg, func(v []int64) {
		if vb == nil && len(acc) <= smallGroups && sum64Small(v, gids, sel, acc, &s.tmp) {
			return
		}
		if vb == nil && sel == nil {
			v = v[:len(gids)]
			for i, g := range gids {
				x := v[i]
				lo, c := bitsAdd(acc[g].lo, uint64(x))
				acc[g].lo = lo
				acc[g].hi += x>>63 + int64(c)
			}
			return
		}
		forRows(gids, sel, func(i int, g int32) {
			if vb == nil || getBit(vb, off+i) {
				x := v[i]
				lo, c := bitsAdd(acc[g].lo, uint64(x))
				acc[g].lo = lo
				acc[g].hi += x>>63 + int64(c)
			}
		})
	}, nil)
	return nil
}

func (s *sumIntState) merge(o aggState, mapping []int32) error {
	os := o.(*sumIntState)
	s.valueCounts.merge(&os.valueCounts, mapping)
	return mergeSums(s.acc, os.acc, mapping, "INT64 overflow in sum")
}

// mergeSums adds the 128-bit sums of src into dst (group g of src goes to
// group mapping[g] of dst; negative mappings are skipped).
func mergeSums(dst, src []i128, mapping []int32, overflow string) error {
	for g, m := range mapping {
		if m < 0 {
			continue
		}
		r, ov := dst[m].add(src[g])
		if ov {
			return errorf(ErrOutOfRange, "%s", overflow)
		}
		dst[m] = r
	}
	return nil
}

func (s *sumIntState) finish(mem memory.Allocator, n int) (arrow.Array, error) {
	return s.finishAs(mem, n, s.avg)
}

func (s *sumIntState) finishAs(mem memory.Allocator, n int, avg bool) (arrow.Array, error) {
	if avg {
		o := newFixedOut[float64](mem, tFloat64, n)
		for g := 0; g < n; g++ {
			c := s.get(g)
			if c == 0 {
				o.v[g] = 0
				o.setNull(mem, g)
				continue
			}
			o.v[g] = s.acc[g].float64() / float64(c)
		}
		return o.finish(), nil
	}
	o := newFixedOut[int64](mem, tInt64, n)
	for g := 0; g < n; g++ {
		if s.get(g) == 0 {
			o.v[g] = 0
			o.setNull(mem, g)
			continue
		}
		if !s.acc[g].fits64() {
			o.release()
			return nil, errorf(ErrOutOfRange, "INT64 overflow in sum: the total %s does not fit INT64; cast the argument to DECIMAL(38,0) to sum it exactly", decString(s.acc[g], 0))
		}
		o.v[g] = int64(s.acc[g].lo)
	}
	return o.finish(), nil
}

// ---------------------------------------------------------------------
// sum/avg of decimals: 128-bit accumulators. Precision <= 18 inputs add
// sign-extended int64 values (2^63 rows would be needed to overflow).

type sumDecState struct {
	avg   bool
	scale int
	typ   arrow.DataType
	acc   []i128
	tmp   []int64
	valueCounts
}

func (s *sumDecState) resize(n int) {
	s.acc = growSlice(s.acc, n)
	s.valueCounts.resize(n)
}

func (s *sumDecState) bytesPerGroup() int64 { return 24 }

func (s *sumDecState) clear(g int) { s.acc[g], s.nulls[g] = i128{}, 0 }

// sparseOnly: wide decimal sums check for overflow row by row.
func (s *sumDecState) sparseOnly() bool {
	p, _ := decProps(s.typ)
	return p > 18
}

func (s *sumDecState) update(ctx *EvalContext, arg arrow.Array, gids []int32, sel []int32) error {
	if arg.DataType().ID() == arrow.NULL {
		s.addAllNull(gids, sel)
		return nil
	}
	vb, off := validityOf(arg)
	if vb != nil {
		s.addNulls(vb, off, gids, sel)
	}
	v := values[i128](arg)
	acc := s.acc
	p, _ := decProps(arg.DataType())
	if p <= 18 {
		if vb == nil && len(acc) <= smallGroups && sum64SmallDec(v, gids, sel, acc, &s.tmp) {
			return nil
		}
		switch {
		case vb == nil && sel == nil:
			v = v[:len(gids)]
			for i, g := range gids {
				x := int64(v[i].lo)
				lo, c := bitsAdd(acc[g].lo, uint64(x))
				acc[g].lo = lo
				acc[g].hi += x>>63 + int64(c)
			}
		case vb == nil:
			for _, i := range sel {
				g := gids[i]
				x := int64(v[i].lo)
				lo, c := bitsAdd(acc[g].lo, uint64(x))
				acc[g].lo = lo
				acc[g].hi += x>>63 + int64(c)
			}
		default:
			forRows(gids, sel, func(i int, g int32) {
				if getBit(vb, off+i) {
					x := int64(v[i].lo)
					lo, c := bitsAdd(acc[g].lo, uint64(x))
					acc[g].lo = lo
					acc[g].hi += x>>63 + int64(c)
				}
			})
		}
		return nil
	}
	if vb == nil && len(acc) <= smallGroups && all64(v) && sum64SmallDec(v, gids, sel, acc, &s.tmp) {
		return nil
	}
	var ov bool
	switch {
	case vb == nil && sel == nil:
		v = v[:len(gids)]
		for i, g := range gids {
			r, o := acc[g].add(v[i])
			acc[g] = r
			ov = ov || o
		}
	case vb == nil:
		for _, i := range sel {
			g := gids[i]
			r, o := acc[g].add(v[i])
			acc[g] = r
			ov = ov || o
		}
	default:
		forRows(gids, sel, func(i int, g int32) {
			if getBit(vb, off+i) {
				r, o := acc[g].add(v[i])
				acc[g] = r
				ov = ov || o
			}
		})
	}
	if ov {
		return errorf(ErrOutOfRange, "DECIMAL overflow in sum: the total exceeds 38 digits")
	}
	return nil
}

func (s *sumDecState) merge(o aggState, mapping []int32) error {
	os := o.(*sumDecState)
	s.valueCounts.merge(&os.valueCounts, mapping)
	return mergeSums(s.acc, os.acc, mapping, "DECIMAL overflow in sum: the total exceeds 38 digits")
}

func (s *sumDecState) finish(mem memory.Allocator, n int) (arrow.Array, error) {
	return s.finishAs(mem, n, s.avg)
}

func (s *sumDecState) finishAs(mem memory.Allocator, n int, avg bool) (arrow.Array, error) {
	if avg {
		o := newFixedOut[float64](mem, tFloat64, n)
		div := pow10f[s.scale]
		for g := 0; g < n; g++ {
			c := s.get(g)
			if c == 0 {
				o.v[g] = 0
				o.setNull(mem, g)
				continue
			}
			o.v[g] = s.acc[g].float64() / div / float64(c)
		}
		return o.finish(), nil
	}
	t := DecimalType(38, s.scale)
	o := newFixedOut[i128](mem, t, n)
	for g := 0; g < n; g++ {
		if s.get(g) == 0 {
			o.v[g] = i128{}
			o.setNull(mem, g)
			continue
		}
		if !s.acc[g].fitsPrecision(38) {
			o.release()
			return nil, errorf(ErrOutOfRange, "DECIMAL overflow in sum: the total exceeds 38 digits")
		}
		o.v[g] = s.acc[g]
	}
	return o.finish(), nil
}

// ---------------------------------------------------------------------
// sum/avg of floats

type sumFloatState struct {
	avg bool
	acc []float64
	valueCounts
}

func (s *sumFloatState) resize(n int) {
	s.acc = growSlice(s.acc, n)
	s.valueCounts.resize(n)
}

func (s *sumFloatState) bytesPerGroup() int64 { return 16 }

func (s *sumFloatState) clear(g int) { s.acc[g], s.nulls[g] = 0, 0 }

func (s *sumFloatState) update(ctx *EvalContext, arg arrow.Array, gids []int32, sel []int32) error {
	if arg.DataType().ID() == arrow.NULL {
		s.addAllNull(gids, sel)
		return nil
	}
	vb, off := validityOf(arg)
	if vb != nil {
		s.addNulls(vb, off, gids, sel)
	}
	if arg.DataType().ID() == arrow.FLOAT32 {
		v := values[float32](arg)
		forRows(gids, sel, func(i int, g int32) {
			if vb == nil || getBit(vb, off+i) {
				s.acc[g] += float64(v[i])
			}
		})
		return nil
	}
	v := values[float64](arg)
	acc := s.acc
	if vb == nil && sel == nil {
		v = v[:len(gids)]
		for i, g := range gids {
			acc[g] += v[i]
		}
		return nil
	}
	forRows(gids, sel, func(i int, g int32) {
		if vb == nil || getBit(vb, off+i) {
			acc[g] += v[i]
		}
	})
	return nil
}

func (s *sumFloatState) merge(o aggState, mapping []int32) error {
	os := o.(*sumFloatState)
	s.valueCounts.merge(&os.valueCounts, mapping)
	for g, m := range mapping {
		if m < 0 {
			continue
		}
		s.acc[m] += os.acc[g]
	}
	return nil
}

func (s *sumFloatState) finish(mem memory.Allocator, n int) (arrow.Array, error) {
	return s.finishAs(mem, n, s.avg)
}

func (s *sumFloatState) finishAs(mem memory.Allocator, n int, avg bool) (arrow.Array, error) {
	o := newFixedOut[float64](mem, tFloat64, n)
	for g := 0; g < n; g++ {
		c := s.get(g)
		if c == 0 {
			o.v[g] = 0
			o.setNull(mem, g)
			continue
		}
		if avg {
			o.v[g] = s.acc[g] / float64(c)
		} else {
			o.v[g] = s.acc[g]
		}
	}
	return o.finish(), nil
}

// ---------------------------------------------------------------------
// variance and standard deviation: Welford per group, Chan et al. to merge

type varState struct {
	fn   string
	n    []int64
	mean []float64
	m2   []float64
}

func (s *varState) resize(n int) {
	s.n = growSlice(s.n, n)
	s.mean = growSlice(s.mean, n)
	s.m2 = growSlice(s.m2, n)
}

func (s *varState) bytesPerGroup() int64 { return 24 }

func (s *varState) clear(g int) { s.n[g], s.mean[g], s.m2[g] = 0, 0, 0 }

func (s *varState) update(ctx *EvalContext, arg arrow.Array, gids []int32, sel []int32) error {
	if arg.DataType().ID() == arrow.NULL {
		return nil
	}
	f, err := castArray(ctx, arg, tFloat64)
	if err != nil {
		return err
	}
	defer f.Release()
	v := values[float64](f)
	vb, off := validityOf(f)
	forRows(gids, sel, func(i int, g int32) {
		if vb == nil || getBit(vb, off+i) {
			x := v[i]
			s.n[g]++
			d := x - s.mean[g]
			s.mean[g] += d / float64(s.n[g])
			s.m2[g] += d * (x - s.mean[g])
		}
	})
	return nil
}

func (s *varState) merge(o aggState, mapping []int32) error {
	os := o.(*varState)
	for g, m := range mapping {
		if m < 0 {
			continue
		}
		nb := os.n[g]
		if nb == 0 {
			continue
		}
		na := s.n[m]
		if na == 0 {
			s.n[m], s.mean[m], s.m2[m] = nb, os.mean[g], os.m2[g]
			continue
		}
		n := na + nb
		d := os.mean[g] - s.mean[m]
		s.mean[m] += d * float64(nb) / float64(n)
		s.m2[m] += os.m2[g] + d*d*float64(na)*float64(nb)/float64(n)
		s.n[m] = n
	}
	return nil
}

func (s *varState) finish(mem memory.Allocator, n int) (arrow.Array, error) {
	o := newFixedOut[float64](mem, tFloat64, n)
	samp := s.fn == "stddev_samp" || s.fn == "var_samp"
	sqrt := s.fn == "stddev_samp" || s.fn == "stddev_pop"
	for g := 0; g < n; g++ {
		c := s.n[g]
		if c == 0 || (samp && c < 2) {
			o.setNull(mem, g)
			continue
		}
		d := float64(c)
		if samp {
			d--
		}
		v := s.m2[g] / d
		if v < 0 {
			v = 0
		}
		if sqrt {
			v = math.Sqrt(v)
		}
		o.v[g] = v
	}
	return o.finish(), nil
}

// sharedAgg lets sum(x) and avg(x) use one state: the owner updates and
// merges it, every user finishes it its own way.
type sharedAgg struct {
	inner aggState
	avg   bool
	owner bool
}

func (s *sharedAgg) resize(n int) {
	if s.owner {
		s.inner.resize(n)
	}
}

func (s *sharedAgg) update(ctx *EvalContext, arg arrow.Array, gids []int32, sel []int32) error {
	if s.owner {
		return s.inner.update(ctx, arg, gids, sel)
	}
	return nil
}

func (s *sharedAgg) merge(o aggState, mapping []int32) error {
	if s.owner {
		return s.inner.merge(o.(*sharedAgg).inner, mapping)
	}
	return nil
}

func (s *sharedAgg) finish(mem memory.Allocator, n int) (arrow.Array, error) {
	return s.inner.(sumAvg).finishAs(mem, n, s.avg)
}

func (s *sharedAgg) clear(g int) {
	if s.owner {
		s.inner.clear(g)
	}
}

func (s *sharedAgg) sparseOnly() bool {
	so, ok := s.inner.(sparseOnly)
	return ok && so.sparseOnly()
}

func (s *sharedAgg) bytesPerGroup() int64 {
	if s.owner {
		return s.inner.bytesPerGroup()
	}
	return 0
}

// smallGroups bounds the group count for which sums first accumulate a
// batch in plain int64 partial sums.
const smallGroups = 4096

// sum64Small adds a batch of int64 values into per-batch int64 partial
// sums, then folds them into the 128-bit accumulators. It returns false,
// changing nothing, when a partial sum would overflow int64 (the caller
// then takes the 128-bit path).
func sum64Small(v []int64, gids, sel []int32, acc []i128, tmpBuf *[]int64) bool {
	tmp := smallTmp(tmpBuf, len(acc))
	var ov int64
	if sel == nil {
		v = v[:len(gids)]
		for i, g := range gids {
			x := v[i]
			t := tmp[g]
			r := t + x
			ov |= (t ^ r) & (x ^ r)
			tmp[g] = r
		}
	} else {
		for _, i := range sel {
			g := gids[i]
			x := v[i]
			t := tmp[g]
			r := t + x
			ov |= (t ^ r) & (x ^ r)
			tmp[g] = r
		}
	}
	return foldSmall(tmp, acc, ov)
}

// sum64SmallDec is sum64Small over decimals of precision <= 18.
func sum64SmallDec(v []i128, gids, sel []int32, acc []i128, tmpBuf *[]int64) bool {
	tmp := smallTmp(tmpBuf, len(acc))
	var ov int64
	if sel == nil {
		v = v[:len(gids)]
		for i, g := range gids {
			x := int64(v[i].lo)
			t := tmp[g]
			r := t + x
			ov |= (t ^ r) & (x ^ r)
			tmp[g] = r
		}
	} else {
		for _, i := range sel {
			g := gids[i]
			x := int64(v[i].lo)
			t := tmp[g]
			r := t + x
			ov |= (t ^ r) & (x ^ r)
			tmp[g] = r
		}
	}
	return foldSmall(tmp, acc, ov)
}

func smallTmp(buf *[]int64, n int) []int64 {
	if cap(*buf) < n {
		*buf = make([]int64, n, max(n, 64))
	}
	return (*buf)[:n]
}

func foldSmall(tmp []int64, acc []i128, ov int64) bool {
	if ov < 0 {
		for g := range tmp {
			tmp[g] = 0
		}
		return false
	}
	for g, t := range tmp {
		if t != 0 {
			acc[g], _ = acc[g].add(i128From64(t))
			tmp[g] = 0
		}
	}
	return true
}
