package exec

import (
	"math"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// ---------------------------------------------------------------------
// count(*) and count(x)

type countState struct {
	star   bool
	counts []int64
}

func (s *countState) resize(n int)         { s.counts = growSlice(s.counts, n) }
func (s *countState) bytesPerGroup() int64 { return 8 }

func (s *countState) update(_ *EvalContext, arg arrow.Array, gids []int32, sel []int32) error {
	c := s.counts
	var vb []byte
	var off int
	if !s.star {
		vb, off = validityOf(arg)
		if arg.DataType().ID() == arrow.NULL {
			return nil
		}
	}
	if vb == nil {
		if sel == nil {
			for _, g := range gids {
				c[g]++
			}
		} else {
			for _, i := range sel {
				c[gids[i]]++
			}
		}
		return nil
	}
	if sel == nil {
		for i, g := range gids {
			if getBit(vb, off+i) {
				c[g]++
			}
		}
	} else {
		for _, i := range sel {
			if getBit(vb, off+int(i)) {
				c[gids[i]]++
			}
		}
	}
	return nil
}

func (s *countState) merge(o aggState, mapping []int32) error {
	for g, v := range o.(*countState).counts[:len(mapping)] {
		s.counts[mapping[g]] += v
	}
	return nil
}

func (s *countState) finish(mem memory.Allocator, n int) (arrow.Array, error) {
	o := newFixedOut[int64](mem, tInt64, n)
	copy(o.v, s.counts[:n])
	return o.finish(), nil
}

// ---------------------------------------------------------------------
// sum/avg of integers: exact 128-bit accumulators, so the result (and an
// overflow error) does not depend on how rows were partitioned.

type sumIntState struct {
	avg    bool
	typ    arrow.DataType
	acc    []i128
	counts []int64
}

func (s *sumIntState) resize(n int) {
	s.acc = growSlice(s.acc, n)
	s.counts = growSlice(s.counts, n)
}

func (s *sumIntState) bytesPerGroup() int64 { return 24 }

func (s *sumIntState) update(ctx *EvalContext, arg arrow.Array, gids []int32, sel []int32) error {
	if arg.DataType().ID() == arrow.NULL {
		return nil
	}
	vb, off := validityOf(arg)
	acc, cnt := s.acc, s.counts
	add := func(v []int64) {
		if vb == nil && sel == nil {
			for i, g := range gids {
				x := v[i]
				lo, c := bitsAdd(acc[g].lo, uint64(x))
				acc[g].lo = lo
				acc[g].hi += x>>63 + int64(c)
				cnt[g]++
			}
			return
		}
		forRows(gids, sel, func(i int, g int32) {
			if vb == nil || getBit(vb, off+i) {
				x := v[i]
				lo, c := bitsAdd(acc[g].lo, uint64(x))
				acc[g].lo = lo
				acc[g].hi += x>>63 + int64(c)
				cnt[g]++
			}
		})
	}
	if arg.DataType().ID() == arrow.UINT64 {
		v := values[uint64](arg)
		forRows(gids, sel, func(i int, g int32) {
			if vb == nil || getBit(vb, off+i) {
				lo, c := bitsAdd(acc[g].lo, v[i])
				acc[g].lo = lo
				acc[g].hi += int64(c)
				cnt[g]++
			}
		})
		return nil
	}
	forIntArray(arg, add, nil)
	return nil
}

func (s *sumIntState) merge(o aggState, mapping []int32) error {
	os := o.(*sumIntState)
	for g, m := range mapping {
		r, ov := s.acc[m].add(os.acc[g])
		if ov {
			return errorf(ErrOutOfRange, "INT64 overflow in sum")
		}
		s.acc[m] = r
		s.counts[m] += os.counts[g]
	}
	return nil
}

func (s *sumIntState) finish(mem memory.Allocator, n int) (arrow.Array, error) {
	if s.avg {
		o := newFixedOut[float64](mem, tFloat64, n)
		for g := 0; g < n; g++ {
			if s.counts[g] == 0 {
				o.setNull(mem, g)
				continue
			}
			o.v[g] = s.acc[g].float64() / float64(s.counts[g])
		}
		return o.finish(), nil
	}
	o := newFixedOut[int64](mem, tInt64, n)
	for g := 0; g < n; g++ {
		if s.counts[g] == 0 {
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
// sum/avg of decimals: 128-bit accumulators; for precision <= 18 inputs
// the hot loop adds sign-extended int64 values without overflow checks
// (2^63 rows would be needed to overflow 128 bits).

type sumDecState struct {
	avg    bool
	scale  int
	typ    arrow.DataType
	acc    []i128
	counts []int64
}

func (s *sumDecState) resize(n int) {
	s.acc = growSlice(s.acc, n)
	s.counts = growSlice(s.counts, n)
}

func (s *sumDecState) bytesPerGroup() int64 { return 24 }

func (s *sumDecState) update(ctx *EvalContext, arg arrow.Array, gids []int32, sel []int32) error {
	if arg.DataType().ID() == arrow.NULL {
		return nil
	}
	vb, off := validityOf(arg)
	v := values[i128](arg)
	acc, cnt := s.acc, s.counts
	p, _ := decProps(arg.DataType())
	if p <= 18 {
		switch {
		case vb == nil && sel == nil:
			for i, g := range gids {
				x := int64(v[i].lo)
				lo, c := bitsAdd(acc[g].lo, uint64(x))
				acc[g].lo = lo
				acc[g].hi += x>>63 + int64(c)
				cnt[g]++
			}
		case vb == nil:
			for _, i := range sel {
				g := gids[i]
				x := int64(v[i].lo)
				lo, c := bitsAdd(acc[g].lo, uint64(x))
				acc[g].lo = lo
				acc[g].hi += x>>63 + int64(c)
				cnt[g]++
			}
		default:
			forRows(gids, sel, func(i int, g int32) {
				if getBit(vb, off+i) {
					x := int64(v[i].lo)
					lo, c := bitsAdd(acc[g].lo, uint64(x))
					acc[g].lo = lo
					acc[g].hi += x>>63 + int64(c)
					cnt[g]++
				}
			})
		}
		return nil
	}
	var bad bool
	add := func(i int, g int32) {
		r, ov := acc[g].add(v[i])
		acc[g] = r
		cnt[g]++
		if ov {
			bad = true
		}
	}
	if vb == nil && sel == nil {
		for i, g := range gids {
			add(i, g)
		}
	} else {
		forRows(gids, sel, func(i int, g int32) {
			if vb == nil || getBit(vb, off+i) {
				add(i, g)
			}
		})
	}
	if bad {
		return errorf(ErrOutOfRange, "DECIMAL overflow in sum: the total exceeds 38 digits")
	}
	return nil
}

func (s *sumDecState) merge(o aggState, mapping []int32) error {
	os := o.(*sumDecState)
	for g, m := range mapping {
		r, ov := s.acc[m].add(os.acc[g])
		if ov {
			return errorf(ErrOutOfRange, "DECIMAL overflow in sum: the total exceeds 38 digits")
		}
		s.acc[m] = r
		s.counts[m] += os.counts[g]
	}
	return nil
}

func (s *sumDecState) finish(mem memory.Allocator, n int) (arrow.Array, error) {
	if s.avg {
		o := newFixedOut[float64](mem, tFloat64, n)
		div := pow10f[s.scale]
		for g := 0; g < n; g++ {
			if s.counts[g] == 0 {
				o.setNull(mem, g)
				continue
			}
			o.v[g] = s.acc[g].float64() / div / float64(s.counts[g])
		}
		return o.finish(), nil
	}
	t := DecimalType(38, s.scale)
	o := newFixedOut[i128](mem, t, n)
	for g := 0; g < n; g++ {
		if s.counts[g] == 0 {
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
	avg    bool
	acc    []float64
	counts []int64
}

func (s *sumFloatState) resize(n int) {
	s.acc = growSlice(s.acc, n)
	s.counts = growSlice(s.counts, n)
}

func (s *sumFloatState) bytesPerGroup() int64 { return 16 }

func (s *sumFloatState) update(ctx *EvalContext, arg arrow.Array, gids []int32, sel []int32) error {
	if arg.DataType().ID() == arrow.NULL {
		return nil
	}
	vb, off := validityOf(arg)
	var get func(i int) float64
	if arg.DataType().ID() == arrow.FLOAT32 {
		v := values[float32](arg)
		get = func(i int) float64 { return float64(v[i]) }
	} else {
		v := values[float64](arg)
		if vb == nil && sel == nil {
			for i, g := range gids {
				s.acc[g] += v[i]
				s.counts[g]++
			}
			return nil
		}
		get = func(i int) float64 { return v[i] }
	}
	forRows(gids, sel, func(i int, g int32) {
		if vb == nil || getBit(vb, off+i) {
			s.acc[g] += get(i)
			s.counts[g]++
		}
	})
	return nil
}

func (s *sumFloatState) merge(o aggState, mapping []int32) error {
	os := o.(*sumFloatState)
	for g, m := range mapping {
		s.acc[m] += os.acc[g]
		s.counts[m] += os.counts[g]
	}
	return nil
}

func (s *sumFloatState) finish(mem memory.Allocator, n int) (arrow.Array, error) {
	o := newFixedOut[float64](mem, tFloat64, n)
	for g := 0; g < n; g++ {
		if s.counts[g] == 0 {
			o.setNull(mem, g)
			continue
		}
		if s.avg {
			o.v[g] = s.acc[g] / float64(s.counts[g])
		} else {
			o.v[g] = s.acc[g]
		}
	}
	return o.finish(), nil
}

// ---------------------------------------------------------------------
// variance and standard deviation: Welford per group, Chan et al. to merge

type varState struct {
	fn    string
	n     []int64
	mean  []float64
	m2    []float64
	scale float64
}

func (s *varState) resize(n int) {
	s.n = growSlice(s.n, n)
	s.mean = growSlice(s.mean, n)
	s.m2 = growSlice(s.m2, n)
}

func (s *varState) bytesPerGroup() int64 { return 24 }

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
