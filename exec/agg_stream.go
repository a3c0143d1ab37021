package exec

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/bits"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// Streaming states of moreAggs: constant memory per group.

// argMinMaxState is arg_min(x, y) / arg_max(x, y): x of the row with the
// smallest / largest y; rows where y is NULL are skipped (x may be NULL).
type argMinMaxState struct {
	max  bool
	typ  arrow.DataType
	val  []any
	key  []any
	has  []bool
	size int64
}

func (s *argMinMaxState) resize(n int) {
	s.val, s.key, s.has = growSlice(s.val, n), growSlice(s.key, n), growSlice(s.has, n)
}
func (s *argMinMaxState) bytesPerGroup() int64 { return 33 }
func (s *argMinMaxState) clear(g int)          { s.val[g], s.key[g], s.has[g] = nil, nil, false }
func (s *argMinMaxState) sparseOnly() bool     { return true }
func (s *argMinMaxState) update(*EvalContext, arrow.Array, []int32, []int32) error {
	return fmt.Errorf("internal error: arg_min/arg_max reads all its inputs")
}

func (s *argMinMaxState) better(k, cur any) bool {
	c := compareAny(k, cur)
	if s.max {
		return c > 0
	}
	return c < 0
}

func (s *argMinMaxState) updateInputs(_ *EvalContext, in *aggInputs, gids, sel []int32) error {
	v, k := in.vals[0], in.vals[1]
	if k.DataType().ID() == arrow.NULL {
		return nil // arg_min(x, NULL): every y is NULL (a NULL array has no validity bitmap)
	}
	forRows(gids, sel, func(i int, g int32) {
		if !in.keep(i) || k.IsNull(i) {
			return
		}
		key := valueAt(k, i)
		if !s.has[g] || s.better(key, s.key[g]) {
			s.key[g], s.val[g], s.has[g] = key, valueAt(v, i), true
		}
	})
	return nil
}

func (s *argMinMaxState) merge(o aggState, mapping []int32) error {
	os := o.(*argMinMaxState)
	for g, ok := range os.has {
		if !ok || g >= len(mapping) || mapping[g] < 0 {
			continue
		}
		m := mapping[g]
		if !s.has[m] || s.better(os.key[g], s.key[m]) {
			s.key[m], s.val[m], s.has[m] = os.key[g], os.val[g], true
		}
	}
	return nil
}

// peek is group g's value as finish gives it (a window's running frame
// reads it after each row).
func (s *argMinMaxState) peek(g int) any { return s.val[g] }

func (s *argMinMaxState) finish(mem memory.Allocator, n int) (arrow.Array, error) {
	out := make([]any, n)
	copy(out, s.val)
	return arrayFromValues(mem, s.typ, out), nil
}

// firstLastState is first(x) / last(x) without ORDER BY: the first / last
// value seen (NULLs included). Within a partition that is file order;
// across partitions the order in which partials merge decides, so the
// answer is one of the group's values but not a fixed one (as in DuckDB).
type firstLastState struct {
	last bool
	typ  arrow.DataType
	val  []any
	has  []bool
}

func (s *firstLastState) resize(n int)         { s.val, s.has = growSlice(s.val, n), growSlice(s.has, n) }
func (s *firstLastState) bytesPerGroup() int64 { return 17 }
func (s *firstLastState) clear(g int)          { s.val[g], s.has[g] = nil, false }
func (s *firstLastState) sparseOnly() bool     { return true }
func (s *firstLastState) update(*EvalContext, arrow.Array, []int32, []int32) error {
	return fmt.Errorf("internal error: first/last reads all its inputs")
}

func (s *firstLastState) updateInputs(_ *EvalContext, in *aggInputs, gids, sel []int32) error {
	v := in.vals[0]
	forRows(gids, sel, func(i int, g int32) {
		if !in.keep(i) || (s.has[g] && !s.last) {
			return
		}
		s.val[g], s.has[g] = valueAt(v, i), true
	})
	return nil
}

func (s *firstLastState) merge(o aggState, mapping []int32) error {
	os := o.(*firstLastState)
	for g, ok := range os.has {
		if !ok || g >= len(mapping) || mapping[g] < 0 {
			continue
		}
		if m := mapping[g]; !s.has[m] || s.last {
			s.val[m], s.has[m] = os.val[g], true
		}
	}
	return nil
}

func (s *firstLastState) peek(g int) any { return s.val[g] }

func (s *firstLastState) finish(mem memory.Allocator, n int) (arrow.Array, error) {
	out := make([]any, n)
	copy(out, s.val)
	return arrayFromValues(mem, s.typ, out), nil
}

// countIfState is count_if(b): the rows where b is true (0 for none).
type countIfState struct{ n []int64 }

func (s *countIfState) resize(n int)         { s.n = growSlice(s.n, n) }
func (s *countIfState) bytesPerGroup() int64 { return 8 }
func (s *countIfState) clear(g int)          { s.n[g] = 0 }
func (s *countIfState) sparseOnly() bool     { return true }
func (s *countIfState) update(*EvalContext, arrow.Array, []int32, []int32) error {
	return fmt.Errorf("internal error: count_if reads all its inputs")
}

func (s *countIfState) updateInputs(_ *EvalContext, in *aggInputs, gids, sel []int32) error {
	b := &aggInputs{filter: in.vals[0]}
	if in.vals[0].DataType().ID() != arrow.BOOL {
		return nil // count_if(NULL)
	}
	forRows(gids, sel, func(i int, g int32) {
		if in.keep(i) && b.keep(i) {
			s.n[g]++
		}
	})
	return nil
}

func (s *countIfState) merge(o aggState, mapping []int32) error {
	for g, v := range o.(*countIfState).n {
		if g < len(mapping) && mapping[g] >= 0 {
			s.n[mapping[g]] += v
		}
	}
	return nil
}

func (s *countIfState) peek(g int) any { return s.n[g] }

func (s *countIfState) finish(mem memory.Allocator, n int) (arrow.Array, error) {
	o := newFixedOut[int64](mem, tInt64, n)
	copy(o.v, s.n)
	return o.finish(), nil
}

// hllState is approx_count_distinct(x): HyperLogLog with 2^12 registers
// per group (standard error 1.04/sqrt(4096), about 1.6%), kept exact
// (a set of 64-bit hashes) while a group has at most hllExact values, so
// small counts are exact. Values hash by their canonical key encoding
// (FNV-1a, then a 64-bit finalizer), so results repeat from run to run.
type hllState struct {
	exact []map[uint64]struct{}
	regs  [][]uint8
	// hist counts, per group with registers, the registers holding each
	// value (0 to hllRanks-1): the estimate reads it, not the registers
	hist [][]int32
	buf  []byte
	size int64
}

const (
	hllP     = 12
	hllM     = 1 << hllP
	hllExact = 512
	// hllRanks bounds register values: a rank is at most 64-hllP+1
	hllRanks = 64 - hllP + 2
)

func (s *hllState) resize(n int) {
	s.exact, s.regs, s.hist = growSlice(s.exact, n), growSlice(s.regs, n), growSlice(s.hist, n)
}
func (s *hllState) bytesPerGroup() int64 { return 56 }
func (s *hllState) extraBytes() int64    { return s.size }
func (s *hllState) clear(g int)          { s.exact[g], s.regs[g], s.hist[g] = nil, nil, nil }

// setReg raises register idx of group g to rank.
func (s *hllState) setReg(g int32, idx int, rank uint8) {
	r := s.regs[g]
	if old := r[idx]; rank > old {
		h := s.hist[g]
		h[old]--
		h[rank]++
		r[idx] = rank
	}
}

// toRegisters switches group g from its exact set to registers.
func (s *hllState) toRegisters(g int32) {
	set := s.exact[g]
	s.exact[g] = nil
	s.regs[g] = make([]uint8, hllM)
	s.hist[g] = make([]int32, hllRanks)
	s.hist[g][0] = hllM
	s.size += hllM + 4*hllRanks - int64(16*len(set))
	for x := range set {
		s.add(g, x)
	}
}

func (s *hllState) sparseOnly() bool { return true }
func (s *hllState) update(*EvalContext, arrow.Array, []int32, []int32) error {
	return fmt.Errorf("internal error: approx_count_distinct reads all its inputs")
}

func hllMix(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

func (s *hllState) add(g int32, h uint64) {
	if s.regs[g] != nil {
		s.setReg(g, int(h>>(64-hllP)), uint8(bits.LeadingZeros64(h<<hllP|1<<(hllP-1))+1))
		return
	}
	if s.exact[g] == nil {
		s.exact[g] = map[uint64]struct{}{}
	}
	if _, ok := s.exact[g][h]; ok {
		return
	}
	s.exact[g][h] = struct{}{}
	s.size += 16
	if len(s.exact[g]) > hllExact {
		s.toRegisters(g)
	}
}

func (s *hllState) updateInputs(_ *EvalContext, in *aggInputs, gids, sel []int32) error {
	v := in.vals[0]
	if v.DataType().ID() == arrow.NULL {
		return nil
	}
	forRows(gids, sel, func(i int, g int32) {
		if !in.keep(i) || v.IsNull(i) {
			return
		}
		s.buf = appendKeyValue(s.buf[:0], v, i)
		f := fnv.New64a()
		f.Write(s.buf)
		s.add(g, hllMix(f.Sum64()))
	})
	return nil
}

func (s *hllState) merge(o aggState, mapping []int32) error {
	os := o.(*hllState)
	for g := range os.exact {
		if g >= len(mapping) || mapping[g] < 0 {
			continue
		}
		m := mapping[g]
		for h := range os.exact[g] {
			s.add(m, h)
		}
		if r := os.regs[g]; r != nil {
			if s.regs[m] == nil {
				s.toRegisters(m)
			}
			for k, x := range r {
				s.setReg(m, k, x)
			}
		}
	}
	return nil
}

// hllPow[k] is 2^-k, a register's share of the estimate's sum.
var hllPow = func() (p [hllRanks]float64) {
	for k := range p {
		p[k] = math.Ldexp(1, -k)
	}
	return p
}()

// hllEstimate is the HyperLogLog estimate with the small-range (linear
// counting) correction, from the registers' histogram (hist[k]
// registers hold k), in O(hllRanks).
func hllEstimate(hist []int32) int64 {
	sum := 0.0
	for k, c := range hist {
		if c != 0 {
			sum += float64(c) * hllPow[k]
		}
	}
	m := float64(hllM)
	e := 0.7213 / (1 + 1.079/m) * m * m / sum
	if zeros := hist[0]; e <= 2.5*m && zeros > 0 {
		e = m * math.Log(m/float64(zeros))
	}
	return int64(math.Round(e))
}

// value is group g's count: exact while small, else the estimate.
func (s *hllState) value(g int) int64 {
	switch {
	case g < len(s.regs) && s.regs[g] != nil:
		return hllEstimate(s.hist[g])
	case g < len(s.exact):
		return int64(len(s.exact[g]))
	}
	return 0
}

func (s *hllState) peek(g int) any { return s.value(g) }

func (s *hllState) finish(mem memory.Allocator, n int) (arrow.Array, error) {
	o := newFixedOut[int64](mem, tInt64, n)
	for g := 0; g < n; g++ {
		o.v[g] = s.value(g)
	}
	return o.finish(), nil
}
