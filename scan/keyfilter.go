package scan

import (
	"encoding/binary"
	"fmt"
	"math"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"

	"github.com/recq/recq/storage"
)

// Join key filters (DuckDB's join filter pushdown, DataFusion's dynamic
// filters). A hash join reads its build side before it probes; once the
// build side is read, the set of its key values is known, and a probe
// record whose key is not in it cannot match. When the probe side reads
// the key straight from a scan, the join gives the scan a KeyFilter and
// publishes the build side's keys into it; the scan then tests every
// record's raw key against the set before anything else is decoded, so
// the records that cannot match cost one read of the key and one bit test
// instead of decoding every column. The join still compares keys: the set
// may hold keys the probe row does not (a Bloom filter answers "maybe"),
// and records read before the set was published are not tested at all.
//
// Only joins that drop the probe rows without a match may filter (INNER,
// SEMI, and the joins that keep build rows). The planner decides that and
// which scan reads the key (query/keyfilter.go).

// KeyFilter is the set of key values a scan's records must have, filled
// in while the query runs. Until Publish is called (or after Invalidate),
// it holds nothing and the scan tests nothing. Safe for concurrent use.
type KeyFilter struct {
	mu  sync.Mutex
	gen uint64 // the build whose keys are wanted
	set atomic.Pointer[KeySet]
}

// NewKeyFilter returns an empty filter.
func NewKeyFilter() *KeyFilter { return &KeyFilter{} }

// Invalidate drops the published set and makes gen the only build whose
// keys Publish accepts from now on: the plan is being run again (a
// recursive CTE's next iteration), and the previous run's keys no longer
// describe the build side.
func (f *KeyFilter) Invalidate(gen uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gen = gen
	f.set.Store(nil)
}

// Publish makes the integer values of keys (Arrow arrays of Int8, Int16,
// Int32 or Int64; NULLs match nothing and are left out) the set that the
// scan's records must be in, unless a later build (gen) invalidated this
// one. Arrays of another type publish nothing (the scan then tests
// nothing).
func (f *KeyFilter) Publish(gen uint64, keys []arrow.Array) {
	set, ok := NewKeySet(keys)
	if !ok {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if gen == f.gen {
		f.set.Store(set)
	}
}

// Set returns the published set, or nil.
func (f *KeyFilter) Set() *KeySet { return f.set.Load() }

// KeySet is a set of int64 values for a membership test that never
// answers false for a member: a bitmap over [min, max] when that range is
// small enough (exact), else a Bloom filter with one hash function and at
// least 16 bits per distinct key (about 6% false positives).
type KeySet struct {
	min, max int64
	n        int // values added (with repeats)
	exact    bool
	shift    uint     // Bloom: bit of v is (v * hashMul) >> shift
	bits     []uint64 // exact: bit v-min; Bloom: bit hash(v)
}

// exactKeySetBits bounds the bitmap of an exact set: a range of up to
// 2^23 values (1 MiB), or 64 bits per key when there are more keys.
const exactKeySetBits = 1 << 23

// keyHashMul is Fibonacci hashing's multiplier (2^64 / golden ratio).
const keyHashMul = 0x9E3779B97F4A7C15

// NewKeySet builds the set of the non-NULL values of keys; ok is false
// when an array is not a signed integer type.
func NewKeySet(keys []arrow.Array) (*KeySet, bool) {
	s := &KeySet{min: math.MaxInt64, max: math.MinInt64}
	for _, a := range keys {
		if !arrow.IsSignedInteger(a.DataType().ID()) {
			return nil, false
		}
	}
	for _, a := range keys {
		eachInt(a, func(v int64) {
			s.min, s.max = min(s.min, v), max(s.max, v)
			s.n++
		})
	}
	if s.n == 0 {
		return s, true // nothing matches
	}
	span := uint64(s.max - s.min)
	if span < max(exactKeySetBits, 64*uint64(s.n)) {
		s.exact = true
		s.bits = make([]uint64, span/64+1)
		for _, a := range keys {
			eachInt(a, func(v int64) {
				u := uint64(v - s.min)
				s.bits[u>>6] |= 1 << (u & 63)
			})
		}
		return s, true
	}
	lg := uint(6)
	for uint64(1)<<lg < 16*uint64(s.n) && lg < 36 {
		lg++
	}
	s.shift = 64 - lg
	s.bits = make([]uint64, uint64(1)<<(lg-6))
	for _, a := range keys {
		eachInt(a, func(v int64) {
			h := uint64(v) * keyHashMul >> s.shift
			s.bits[h>>6] |= 1 << (h & 63)
		})
	}
	return s, true
}

// Contains reports whether v may be in the set (exact sets: whether it is).
func (s *KeySet) Contains(v int64) bool {
	if v < s.min || v > s.max {
		return false
	}
	if s.exact {
		u := uint64(v - s.min)
		return s.bits[u>>6]>>(u&63)&1 != 0
	}
	h := uint64(v) * keyHashMul >> s.shift
	return s.bits[h>>6]>>(h&63)&1 != 0
}

// MayContainRange reports whether a value in [lo, hi] may be in the set:
// exact sets look at their bits in the range, Bloom filters only at the
// range of their values.
func (s *KeySet) MayContainRange(lo, hi int64) bool {
	lo, hi = max(lo, s.min), min(hi, s.max)
	if lo > hi {
		return false
	}
	if !s.exact {
		return true
	}
	a, b := uint64(lo-s.min), uint64(hi-s.min)
	for w := a >> 6; w <= b>>6; w++ {
		word := s.bits[w]
		if w == a>>6 {
			word &= ^uint64(0) << (a & 63)
		}
		if w == b>>6 {
			word &= ^uint64(0) >> (63 - b&63)
		}
		if word != 0 {
			return true
		}
	}
	return false
}

// Len is the number of values the set was built from (repeats counted).
func (s *KeySet) Len() int { return s.n }

// eachInt calls f with every non-NULL value of a signed integer array.
func eachInt(a arrow.Array, f func(int64)) {
	valid := func(i int) bool { return a.IsValid(i) }
	if a.NullN() == 0 {
		valid = func(int) bool { return true }
	}
	switch x := a.(type) {
	case *array.Int64:
		for i, v := range x.Int64Values() {
			if valid(i) {
				f(v)
			}
		}
	case *array.Int32:
		for i, v := range x.Int32Values() {
			if valid(i) {
				f(int64(v))
			}
		}
	case *array.Int16:
		for i, v := range x.Int16Values() {
			if valid(i) {
				f(int64(v))
			}
		}
	case *array.Int8:
		for i, v := range x.Int8Values() {
			if valid(i) {
				f(int64(v))
			}
		}
	}
}

// KeyFilterSpec asks a scan to test Field (a signed binary integer field)
// against Filter's set once it is published.
type KeyFilterSpec struct {
	Field  int
	Filter *KeyFilter
	// Label names where the keys come from, for EXPLAIN ("l_partkey IN
	// keys of the join on l_partkey = p_partkey").
	Label string
}

// String is the filter's part of a scan's EXPLAIN line.
func (k KeyFilterSpec) String() string { return "key filter [" + k.Label + "]" }

// keyTest is a KeyFilterSpec the scan accepted.
type keyTest struct {
	spec  KeyFilterSpec
	field *storage.Field
	fast  bool // 4- or 8-byte little-endian without a null bit (1 or 2 bytes in a narrowed cached column)
}

// keyFilterable reports why field f cannot be tested against a key set
// on its raw bytes, or "" when it can.
func keyFilterable(t *storage.Table, f *storage.Field) string {
	switch {
	case t.Layout.Var != nil:
		return "variable-length records"
	case f.IsArray(), f.IsGroup(), len(f.Shifts) > 0:
		return "not a plain field"
	case !f.Type.IsSigned():
		return fmt.Sprintf("a %s field", f.Type)
	}
	return ""
}

// compileKeyFilters checks the spec's key filters. A field that cannot be
// tested in this file (KeyFilterable) is left untested: a filter only
// saves work, and one file of a set (Multi) may differ from the file the
// planner looked at.
func (s *Scan) compileKeyFilters() error {
	for _, kf := range s.spec.KeyFilters {
		if kf.Field < 0 || kf.Field >= len(s.table.Schema.Fields) || kf.Filter == nil {
			return fmt.Errorf("scan: key filter on field %d: no such field or no filter", kf.Field)
		}
		f := &s.table.Schema.Fields[kf.Field]
		if keyFilterable(s.table, f) != "" {
			continue
		}
		fast := f.NullBit < 0 && f.Encoding == storage.LittleEndian && (f.Width == 8 || f.Width == 4)
		s.keyTests = append(s.keyTests, &keyTest{spec: kf, field: f, fast: fast})
	}
	return nil
}

// keysRuleOut reports whether chunk c is a .rec block whose statistics
// show that no record of it has a key in a published key filter's set.
func (s *Scan) keysRuleOut(c chunkSpec) bool {
	x := s.table.Blocks
	if c.block < 0 || x == nil {
		return false
	}
	for _, t := range s.keyTests {
		set := t.spec.Filter.Set()
		k := x.StatColumn(t.spec.Field)
		if set == nil || k < 0 {
			continue
		}
		st := x.Blocks[c.block].Columns[k]
		if _, n := x.BlockRange(c.block, s.table.Layout.Count); int64(st.NullCount) == n {
			return true // NULL keys match nothing
		}
		if !set.MayContainRange(int64(st.Min), int64(st.Max)) {
			return true
		}
	}
	return false
}

// KeyFilterable reports whether field i of t can take a key filter.
func KeyFilterable(t *storage.Table, i int) bool {
	return i >= 0 && i < len(t.Schema.Fields) && keyFilterable(t, &t.Schema.Fields[i]) == ""
}

// filter appends to out the records of sel whose key is not NULL and is
// in set. out has room for len(sel) more entries (it is a fresh buffer or
// aliases sel).
func (k *keyTest) filter(ch *chunk, set *KeySet, sel, out []int32) []int32 {
	f := k.field
	off := f.Offset
	if k.fast && !ch.padded {
		data, stride := ch.data, ch.stride
		n := len(out)
		buf := out[:n+len(sel)]
		switch f.Width {
		case 8:
			for _, r := range sel {
				p := int(r)*stride + off
				buf[n] = r
				if set.Contains(int64(binary.LittleEndian.Uint64(data[p : p+8]))) {
					n++
				}
			}
		case 4:
			for _, r := range sel {
				p := int(r)*stride + off
				buf[n] = r
				if set.Contains(int64(int32(binary.LittleEndian.Uint32(data[p : p+4])))) {
					n++
				}
			}
		case 2: // a narrowed cached column (colcache.go)
			for _, r := range sel {
				p := int(r)*stride + off
				buf[n] = r
				if set.Contains(int64(int16(binary.LittleEndian.Uint16(data[p : p+2])))) {
					n++
				}
			}
		default: // 1 byte, a narrowed cached column
			for _, r := range sel {
				buf[n] = r
				if set.Contains(int64(int8(data[int(r)*stride+off]))) {
					n++
				}
			}
		}
		return buf[:n]
	}
	if f.NullInValue() {
		return k.filterParsed(ch, set, sel, out)
	}
	order := f.ByteOrder()
	schema := ch.table.Schema
	for _, r := range sel {
		rec := ch.record(r)
		if f.NullBit >= 0 && schema.IsNull(f, rec) {
			continue
		}
		if set.Contains(storage.ReadBinaryInt(rec[off:off+f.Width], order)) {
			out = append(out, r)
		}
	}
	return out
}

// filterParsed is filter for text and mainframe (zoned, packed) integers,
// parsed as the decoder parses them. A value that does not parse is kept:
// the decoder then reports it (or reads it as NULL under
// invalid_as_null, which drops it here).
func (k *keyTest) filterParsed(ch *chunk, set *KeySet, sel, out []int32) []int32 {
	f := k.field
	bits := f.Type.BinaryWidth() * 8
	fast := f.Encoding == storage.Zoned || f.Encoding == storage.Packed
	var buf [valueBufLen]byte
	for _, r := range sel {
		raw := ch.record(r)[f.Offset:f.End()]
		if fast {
			if x, ok := f.FastMainframeInt(raw); ok {
				if set.Contains(x) {
					out = append(out, r)
				}
				continue
			}
		}
		v := f.ValueBytes(raw, buf[:])
		if f.IsNullValue(v) {
			continue
		}
		var x int64
		var err error
		if f.Encoding.IsMainframe() {
			x, err = f.ParseMainframeInt(v)
		} else {
			x, err = storage.ParseTextInt(v, bits)
		}
		switch {
		case err != nil && f.InvalidAsNull:
		case err != nil || set.Contains(x):
			out = append(out, r)
		}
	}
	return out
}
