package exec

import (
	"cmp"
	"slices"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/recq/recq/storage"
)

// valueStore keeps the non-NULL values of each group in a typed slice (no
// boxing), for the aggregates that need every value but no ORDER BY:
// quantiles and mode.
type valueStore interface {
	resize(n int)
	clear(g int)
	// add appends row i of a (not NULL) to group g.
	add(g int32, i int)
	// load prepares the batch column a for add.
	load(a arrow.Array)
	merge(o valueStore, mapping []int32)
	// sorted sorts group g (dropping repeats when distinct) and returns
	// its length.
	sorted(g int, distinct bool) int
	// at returns value k of group g as a physical value; num as a float
	// (for interpolation).
	at(g, k int) any
	num(g, k int) float64
	// same reports whether values k and k+1 of a sorted group are equal.
	same(g, k int) bool
	bytes() int64
}

type sliceStore[T any] struct {
	groups [][]T
	batch  []T
	cmp    func(a, b T) int
	conv   func(a arrow.Array, dst []T) []T
	box    func(T) any
	toF    func(T) float64
	width  int64
	n      int64
}

func (s *sliceStore[T]) resize(n int)       { s.groups = growSlice(s.groups, n) }
func (s *sliceStore[T]) clear(g int)        { s.groups[g] = nil }
func (s *sliceStore[T]) load(a arrow.Array) { s.batch = s.conv(a, s.batch[:0]) }
func (s *sliceStore[T]) add(g int32, i int) {
	s.groups[g] = append(s.groups[g], s.batch[i])
	s.n++
}
func (s *sliceStore[T]) bytes() int64         { return s.n * s.width }
func (s *sliceStore[T]) at(g, k int) any      { return s.box(s.groups[g][k]) }
func (s *sliceStore[T]) num(g, k int) float64 { return s.toF(s.groups[g][k]) }
func (s *sliceStore[T]) same(g, k int) bool   { return s.cmp(s.groups[g][k], s.groups[g][k+1]) == 0 }
func (s *sliceStore[T]) merge(o valueStore, mapping []int32) {
	os := o.(*sliceStore[T])
	for g, vs := range os.groups {
		if g < len(mapping) && mapping[g] >= 0 {
			s.groups[mapping[g]] = append(s.groups[mapping[g]], vs...)
		}
	}
	s.n += os.n
}

func (s *sliceStore[T]) sorted(g int, distinct bool) int {
	if g >= len(s.groups) {
		return 0
	}
	vs := s.groups[g]
	slices.SortFunc(vs, s.cmp)
	if distinct {
		vs = slices.CompactFunc(vs, func(a, b T) bool { return s.cmp(a, b) == 0 })
		s.groups[g] = vs
	}
	return len(vs)
}

// newValueStore makes the store for values of type t (nil: the type has
// no typed store; the caller keeps boxed values).
func newValueStore(t arrow.DataType) valueStore {
	switch {
	case isSignedInt(t) || isTemporal(t):
		return &sliceStore[int64]{cmp: cmp.Compare[int64], width: 8, conv: toInt64s,
			box: func(v int64) any { return v }, toF: func(v int64) float64 { return float64(v) }}
	case isUnsignedInt(t):
		return &sliceStore[uint64]{cmp: cmp.Compare[uint64], width: 8, conv: toUint64s,
			box: func(v uint64) any { return v }, toF: func(v uint64) float64 { return float64(v) }}
	case isFloat(t):
		return &sliceStore[float64]{cmp: storage.Compare[float64], width: 8, conv: toFloat64s,
			box: func(v float64) any { return v }, toF: func(v float64) float64 { return v }}
	case isDecimal(t):
		return &sliceStore[i128]{cmp: func(a, b i128) int { return a.cmp(b) }, width: 16,
			conv: func(a arrow.Array, dst []i128) []i128 { return append(dst, values[i128](a)...) },
			box:  func(v i128) any { return v }, toF: func(v i128) float64 { return v.float64() }}
	case isString(t):
		return &sliceStore[string]{cmp: strings.Compare, width: 24, conv: toStrings,
			box: func(v string) any { return v }, toF: func(string) float64 { return 0 }}
	}
	return nil
}

// appendWidened appends src's values converted to D (a widening
// conversion: every S value fits).
func appendWidened[S integer | ~float32, D ~int64 | ~uint64 | ~float64](dst []D, src []S) []D {
	for _, v := range src {
		dst = append(dst, D(v))
	}
	return dst
}

func toInt64s(a arrow.Array, dst []int64) []int64 {
	switch a.DataType().ID() {
	case arrow.INT64, arrow.TIMESTAMP:
		return append(dst, values[int64](a)...)
	case arrow.INT32, arrow.DATE32:
		return appendWidened(dst, values[int32](a))
	case arrow.INT16:
		return appendWidened(dst, values[int16](a))
	case arrow.INT8:
		return appendWidened(dst, values[int8](a))
	}
	return dst
}

func toUint64s(a arrow.Array, dst []uint64) []uint64 {
	switch a.DataType().ID() {
	case arrow.UINT64:
		return append(dst, values[uint64](a)...)
	case arrow.UINT32:
		return appendWidened(dst, values[uint32](a))
	case arrow.UINT16:
		return appendWidened(dst, values[uint16](a))
	case arrow.UINT8:
		return appendWidened(dst, values[uint8](a))
	}
	return dst
}

func toFloat64s(a arrow.Array, dst []float64) []float64 {
	if a.DataType().ID() == arrow.FLOAT32 {
		return appendWidened(dst, values[float32](a))
	}
	return append(dst, values[float64](a)...)
}

func toStrings(a arrow.Array, dst []string) []string {
	offs, data := strParts(a)
	for i := 0; i+1 < len(offs); i++ {
		dst = append(dst, string(data[offs[i]:offs[i+1]]))
	}
	return dst
}
