package exec

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"math"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/storage"
)

func newMinMax(isMax bool, t arrow.DataType) aggState {
	switch t.ID() {
	case arrow.INT8:
		return &minMaxState[int8]{max: isMax, typ: t}
	case arrow.INT16:
		return &minMaxState[int16]{max: isMax, typ: t}
	case arrow.INT32, arrow.DATE32:
		return &minMaxState[int32]{max: isMax, typ: t}
	case arrow.INT64, arrow.TIMESTAMP:
		return &minMaxState[int64]{max: isMax, typ: t}
	case arrow.UINT8:
		return &minMaxState[uint8]{max: isMax, typ: t}
	case arrow.UINT16:
		return &minMaxState[uint16]{max: isMax, typ: t}
	case arrow.UINT32:
		return &minMaxState[uint32]{max: isMax, typ: t}
	case arrow.UINT64:
		return &minMaxState[uint64]{max: isMax, typ: t}
	case arrow.FLOAT32:
		return &minMaxState[float32]{max: isMax, typ: t}
	case arrow.FLOAT64:
		return &minMaxState[float64]{max: isMax, typ: t}
	case arrow.DECIMAL128:
		return &minMaxDec{max: isMax, typ: t}
	case arrow.STRING:
		return &minMaxStr{max: isMax}
	case arrow.BOOL:
		return &boolAggState{and: !isMax}
	}
	return &minMaxState[int64]{max: isMax, typ: tInt64}
}

// minMaxState keeps the smallest/largest value per group in SQL order
// (storage.Less: NaN is the largest float), so the result does not depend
// on the order rows arrive in.
type minMaxState[T cmp.Ordered] struct {
	max  bool
	typ  arrow.DataType
	vals []T
	has  []bool
}

func (s *minMaxState[T]) resize(n int) {
	s.vals = growSlice(s.vals, n)
	s.has = growSlice(s.has, n)
}

func (s *minMaxState[T]) bytesPerGroup() int64 { return 9 }

func (s *minMaxState[T]) clear(g int) { s.has[g] = false }

func (s *minMaxState[T]) update(_ *EvalContext, arg arrow.Array, gids []int32, sel []int32) error {
	if arg.DataType().ID() == arrow.NULL {
		return nil
	}
	v := values[T](arg)
	vb, off := validityOf(arg)
	vals, has := s.vals, s.has
	if s.max {
		forRows(gids, sel, func(i int, g int32) {
			if (vb == nil || getBit(vb, off+i)) && (!has[g] || storage.Less(vals[g], v[i])) {
				vals[g], has[g] = v[i], true
			}
		})
	} else {
		forRows(gids, sel, func(i int, g int32) {
			if (vb == nil || getBit(vb, off+i)) && (!has[g] || storage.Less(v[i], vals[g])) {
				vals[g], has[g] = v[i], true
			}
		})
	}
	return nil
}

func (s *minMaxState[T]) merge(o aggState, mapping []int32) error {
	os := o.(*minMaxState[T])
	for g, m := range mapping {
		if m < 0 {
			continue
		}
		if !os.has[g] {
			continue
		}
		x := os.vals[g]
		if !s.has[m] || (s.max && storage.Less(s.vals[m], x)) || (!s.max && storage.Less(x, s.vals[m])) {
			s.vals[m], s.has[m] = x, true
		}
	}
	return nil
}

func (s *minMaxState[T]) finish(mem memory.Allocator, n int) (arrow.Array, error) {
	o := newFixedOut[T](mem, s.typ, n)
	copy(o.v, s.vals[:n])
	for g := 0; g < n; g++ {
		if !s.has[g] {
			o.setNull(mem, g)
		}
	}
	return o.finish(), nil
}

type minMaxDec struct {
	max  bool
	typ  arrow.DataType
	vals []i128
	has  []bool
}

func (s *minMaxDec) resize(n int) {
	s.vals = growSlice(s.vals, n)
	s.has = growSlice(s.has, n)
}

func (s *minMaxDec) bytesPerGroup() int64 { return 17 }

func (s *minMaxDec) clear(g int) { s.has[g] = false }

func (s *minMaxDec) better(x, cur i128) bool {
	if s.max {
		return cur.less(x)
	}
	return x.less(cur)
}

func (s *minMaxDec) update(_ *EvalContext, arg arrow.Array, gids []int32, sel []int32) error {
	if arg.DataType().ID() == arrow.NULL {
		return nil
	}
	v := values[i128](arg)
	vb, off := validityOf(arg)
	forRows(gids, sel, func(i int, g int32) {
		if (vb == nil || getBit(vb, off+i)) && (!s.has[g] || s.better(v[i], s.vals[g])) {
			s.vals[g], s.has[g] = v[i], true
		}
	})
	return nil
}

func (s *minMaxDec) merge(o aggState, mapping []int32) error {
	os := o.(*minMaxDec)
	for g, m := range mapping {
		if m < 0 {
			continue
		}
		if os.has[g] && (!s.has[m] || s.better(os.vals[g], s.vals[m])) {
			s.vals[m], s.has[m] = os.vals[g], true
		}
	}
	return nil
}

func (s *minMaxDec) finish(mem memory.Allocator, n int) (arrow.Array, error) {
	o := newFixedOut[i128](mem, s.typ, n)
	copy(o.v, s.vals[:n])
	for g := 0; g < n; g++ {
		if !s.has[g] {
			o.setNull(mem, g)
		}
	}
	return o.finish(), nil
}

type minMaxStr struct {
	max  bool
	vals []string
	has  []bool
}

func (s *minMaxStr) resize(n int) {
	s.vals = growSlice(s.vals, n)
	s.has = growSlice(s.has, n)
}

func (s *minMaxStr) bytesPerGroup() int64 { return 17 + 16 }

func (s *minMaxStr) clear(g int) { s.vals[g], s.has[g] = "", false }

func (s *minMaxStr) update(_ *EvalContext, arg arrow.Array, gids []int32, sel []int32) error {
	if arg.DataType().ID() == arrow.NULL {
		return nil
	}
	c := newStrCol(arg)
	forRows(gids, sel, func(i int, g int32) {
		if c.null(i) {
			return
		}
		b := c.at(i)
		if s.has[g] {
			r := bytes.Compare(b, []byte(s.vals[g]))
			if (s.max && r <= 0) || (!s.max && r >= 0) {
				return
			}
		}
		s.vals[g], s.has[g] = string(b), true
	})
	return nil
}

func (s *minMaxStr) merge(o aggState, mapping []int32) error {
	os := o.(*minMaxStr)
	for g, m := range mapping {
		if m < 0 {
			continue
		}
		if !os.has[g] {
			continue
		}
		x := os.vals[g]
		if !s.has[m] || (s.max && storage.Less(s.vals[m], x)) || (!s.max && storage.Less(x, s.vals[m])) {
			s.vals[m], s.has[m] = x, true
		}
	}
	return nil
}

func (s *minMaxStr) finish(mem memory.Allocator, n int) (arrow.Array, error) {
	o := newStrOut(mem, n, 0)
	for g := 0; g < n; g++ {
		if !s.has[g] {
			o.addNull()
		} else {
			o.addString(s.vals[g])
		}
	}
	return o.finish(), nil
}

// ---------------------------------------------------------------------
// bool_and / bool_or (and min/max of BOOLEAN)

type boolAggState struct {
	and  bool
	vals []bool
	has  []bool
}

func (s *boolAggState) resize(n int) {
	s.vals = growSlice(s.vals, n)
	s.has = growSlice(s.has, n)
}

func (s *boolAggState) bytesPerGroup() int64 { return 2 }

func (s *boolAggState) clear(g int) { s.has[g] = false }

func (s *boolAggState) update(_ *EvalContext, arg arrow.Array, gids []int32, sel []int32) error {
	if arg.DataType().ID() == arrow.NULL {
		return nil
	}
	d := arg.Data()
	vals := d.Buffers()[1].Bytes()
	off := d.Offset()
	vb, voff := validityOf(arg)
	forRows(gids, sel, func(i int, g int32) {
		if vb != nil && !getBit(vb, voff+i) {
			return
		}
		x := getBit(vals, off+i)
		if !s.has[g] {
			s.vals[g], s.has[g] = x, true
		} else if s.and {
			s.vals[g] = s.vals[g] && x
		} else {
			s.vals[g] = s.vals[g] || x
		}
	})
	return nil
}

func (s *boolAggState) merge(o aggState, mapping []int32) error {
	os := o.(*boolAggState)
	for g, m := range mapping {
		if m < 0 {
			continue
		}
		if !os.has[g] {
			continue
		}
		x := os.vals[g]
		switch {
		case !s.has[m]:
			s.vals[m], s.has[m] = x, true
		case s.and:
			s.vals[m] = s.vals[m] && x
		default:
			s.vals[m] = s.vals[m] || x
		}
	}
	return nil
}

func (s *boolAggState) finish(mem memory.Allocator, n int) (arrow.Array, error) {
	valid := newBitmap(mem, n, true)
	for g := 0; g < n; g++ {
		if !s.has[g] {
			clearBit(valid.Buf(), g)
		}
	}
	return boolsToArray(mem, s.vals[:n], valid), nil
}

// ---------------------------------------------------------------------
// DISTINCT aggregates: collect unique (group, value) pairs across all
// partitions, then run the plain aggregate over them at the end.

// distinctState is a DISTINCT aggregate's state. Values of one 64-bit
// word (integers, dates, timestamps) are kept as
// (group, word) pairs; others as strings of the group id and the value's
// appendKeyValue encoding. Both encode a value the same way, so finish
// decodes either with decodeKeyValue's rules.
type distinctState struct {
	fn      string
	argType arrow.DataType
	seen    map[string]struct{}
	words   *wordSet // set instead of seen for one-word types
	size    int64
	buf     []byte
}

func newDistinctState(fn string, t arrow.DataType) (aggState, error) {
	s := &distinctState{fn: fn, argType: t}
	if oneWord(t) {
		s.words = newWordSet()
	} else {
		s.seen = map[string]struct{}{}
	}
	return s, nil
}

// oneWord reports whether values of t are kept as one 64-bit word.
func oneWord(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
		arrow.DATE32, arrow.TIMESTAMP:
		return true
	}
	return false
}

// wordAt returns row i's value of a one-word array as scalarAt widens it
// (signed types sign-extended), as a word.
func wordAt(a arrow.Array) func(i int) uint64 {
	switch x := a.(type) {
	case *array.Int8:
		return func(i int) uint64 { return uint64(int64(x.Value(i))) }
	case *array.Int16:
		return func(i int) uint64 { return uint64(int64(x.Value(i))) }
	case *array.Int32:
		return func(i int) uint64 { return uint64(int64(x.Value(i))) }
	case *array.Int64:
		return func(i int) uint64 { return uint64(x.Value(i)) }
	case *array.Uint8:
		return func(i int) uint64 { return uint64(x.Value(i)) }
	case *array.Uint16:
		return func(i int) uint64 { return uint64(x.Value(i)) }
	case *array.Uint32:
		return func(i int) uint64 { return uint64(x.Value(i)) }
	case *array.Uint64:
		return func(i int) uint64 { return x.Value(i) }
	case *array.Date32:
		return func(i int) uint64 { return uint64(int64(x.Value(i))) }
	case *array.Timestamp:
		return func(i int) uint64 { return uint64(int64(x.Value(i))) }
	}
	return nil
}

func (s *distinctState) resize(int) {}

func (s *distinctState) clear(int) {}

func (s *distinctState) sparseOnly() bool { return true }

func (s *distinctState) bytesPerGroup() int64 {
	// reported as a lump: average over groups is unknown here
	return 0
}

// extraBytes is the memory held by the unique values.
func (s *distinctState) extraBytes() int64 {
	if s.words != nil {
		return s.size + s.words.bytes()
	}
	return s.size
}

func (s *distinctState) update(_ *EvalContext, arg arrow.Array, gids []int32, sel []int32) error {
	if arg.DataType().ID() == arrow.NULL {
		return nil
	}
	if s.words != nil {
		word := wordAt(arg)
		if word == nil {
			return fmt.Errorf("internal error: DISTINCT over %s got a %s array", TypeName(s.argType), TypeName(arg.DataType()))
		}
		forRows(gids, sel, func(i int, g int32) {
			if arg.IsNull(i) {
				return
			}
			s.words.add(uint32(g), word(i))
		})
		return nil
	}
	forRows(gids, sel, func(i int, g int32) {
		if arg.IsNull(i) {
			return
		}
		b := binary.LittleEndian.AppendUint32(s.buf[:0], uint32(g))
		b = appendKeyValue(b, arg, i)
		s.buf = b
		if _, ok := s.seen[string(b)]; !ok {
			s.seen[string(b)] = struct{}{}
			s.size += int64(len(b)) + 48
		}
	})
	return nil
}

func (s *distinctState) merge(o aggState, mapping []int32) error {
	os := o.(*distinctState)
	if os.words != nil {
		os.words.each(func(g uint32, v uint64) {
			if m := mapping[g]; m >= 0 {
				s.words.add(uint32(m), v)
			}
		})
	}
	for k := range os.seen {
		g := binary.LittleEndian.Uint32([]byte(k[:4]))
		if mapping[g] < 0 {
			continue
		}
		b := binary.LittleEndian.AppendUint32(s.buf[:0], uint32(mapping[g]))
		b = append(b, k[4:]...)
		s.buf = b
		if _, ok := s.seen[string(b)]; !ok {
			s.seen[string(b)] = struct{}{}
			s.size += int64(len(b)) + 48
		}
	}
	return nil
}

func (s *distinctState) finish(mem memory.Allocator, n int) (arrow.Array, error) {
	rows := &groupRows{n: make([]int64, n)}
	inner, err := newPlainState(s.fn, s.argType, rows)
	if err != nil {
		return nil, err
	}
	inner.resize(n)
	nw := 0
	if s.words != nil {
		nw = s.words.len()
	}
	vals := make([]any, 0, len(s.seen)+nw)
	gids := make([]int32, 0, len(s.seen)+nw)
	var word [8]byte
	if s.words != nil {
		s.words.each(func(g uint32, v uint64) {
			gids = append(gids, int32(g))
			rows.n[g]++
			binary.LittleEndian.PutUint64(word[:], v)
			vals = append(vals, decodeKeyValue(s.argType, word[:]))
		})
	}
	for k := range s.seen {
		g := binary.LittleEndian.Uint32([]byte(k[:4]))
		gids = append(gids, int32(g))
		rows.n[g]++
		vals = append(vals, decodeKeyValue(s.argType, []byte(k[4:])))
	}
	arr := arrayFromValues(mem, s.argType, vals)
	defer arr.Release()
	if err := inner.update(NewEvalContext(mem), arr, gids, nil); err != nil {
		return nil, err
	}
	return inner.finish(mem, n)
}

// appendKeyValue appends a canonical encoding of row i's (non-NULL) value.
// Intervals are keyed componentwise (months, days, nanoseconds), without
// normalising: INTERVAL 1 MONTH and INTERVAL 30 DAYS are distinct keys.
func appendKeyValue(b []byte, a arrow.Array, i int) []byte {
	if iv, ok := a.(*array.MonthDayNanoInterval); ok {
		x := iv.Value(i)
		b = binary.LittleEndian.AppendUint32(b, uint32(x.Months))
		b = binary.LittleEndian.AppendUint32(b, uint32(x.Days))
		return binary.LittleEndian.AppendUint64(b, uint64(x.Nanoseconds))
	}
	v := scalarAtFast(a, i)
	switch x := v.(type) {
	case bool:
		if x {
			return append(b, 1)
		}
		return append(b, 0)
	case int64:
		return binary.LittleEndian.AppendUint64(b, uint64(x))
	case uint64:
		return binary.LittleEndian.AppendUint64(b, x)
	case float64:
		if x == 0 {
			x = 0 // -0 and 0 are one value
		}
		if math.IsNaN(x) {
			x = math.NaN()
		}
		return binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
	case i128:
		b = binary.LittleEndian.AppendUint64(b, x.lo)
		return binary.LittleEndian.AppendUint64(b, uint64(x.hi))
	case string:
		return append(b, x...)
	}
	panic(fmt.Sprintf("internal error: distinct key of %T", v))
}

func decodeKeyValue(t arrow.DataType, b []byte) any {
	switch {
	case isBool(t):
		return b[0] == 1
	case isInterval(t):
		return Interval{Months: int32(binary.LittleEndian.Uint32(b)), Days: int32(binary.LittleEndian.Uint32(b[4:])),
			Micros: int64(binary.LittleEndian.Uint64(b[8:])) / 1000}
	case isString(t):
		return strings.Clone(string(b))
	case isDecimal(t):
		return i128{binary.LittleEndian.Uint64(b), int64(binary.LittleEndian.Uint64(b[8:]))}
	case isFloat(t):
		return math.Float64frombits(binary.LittleEndian.Uint64(b))
	case isUnsignedInt(t):
		return binary.LittleEndian.Uint64(b)
	}
	return int64(binary.LittleEndian.Uint64(b))
}

// scalarAtFast is scalarAt without the string copy (the caller copies).
func scalarAtFast(a arrow.Array, i int) any {
	if a.DataType().ID() == arrow.STRING {
		offs, data := strParts(a)
		return string(data[offs[i]:offs[i+1]])
	}
	return scalarAt(a, i)
}
