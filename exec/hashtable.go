package exec

import (
	"encoding/binary"
	"hash/maphash"
	"math"
	"math/bits"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

func bitsAdd(a, b uint64) (uint64, uint64) { return bits.Add64(a, b, 0) }

// u64Map is an open-addressing hash map from uint64 keys to group ids
// (linear probing, load factor <= 1/2). Key and id share a slot, so a
// probe touches one cache line.
type u64Map struct {
	slots []u64Slot
	mask  uint64
	count int
	shift uint
}

type u64Slot struct {
	key uint64
	val int32 // group id + 1; 0 = empty
}

func newU64Map() *u64Map {
	m := &u64Map{}
	m.alloc(1024)
	return m
}

func (m *u64Map) alloc(n int) {
	m.slots = make([]u64Slot, n)
	m.mask, m.shift = slotMask(n)
}

// slotMask returns, for an open-addressing table of n slots (a power of
// two), the mask that wraps a probe and the shift that turns a 64-bit
// Fibonacci hash into a slot.
func slotMask(n int) (mask uint64, shift uint) {
	return uint64(n - 1), uint(64 - bits.TrailingZeros(uint(n)))
}

// localBits is how many low bits of a key keep their place in a table:
// keys that differ only in them (runs of consecutive integers, as a file
// clustered by its key delivers them) sit in neighbouring slots, so a run
// of 2^localBits keys touches two cache lines, not one line per key. The
// rest of the key is hashed (Fibonacci hashing), so keys that share their
// low bits still spread over the table.
const localBits = 3

// home returns the slot where the probe for k starts.
func (m *u64Map) home(k uint64) uint64 {
	const low = 1<<localBits - 1
	return ((k>>localBits)*0x9E3779B97F4A7C15)>>(m.shift+localBits)<<localBits | k&low
}

// findOrInsert returns the group id for k, or inserts newID and returns
// it with inserted set.
func (m *u64Map) findOrInsert(k uint64, newID int32) (int32, bool) {
	i := m.home(k)
	for {
		s := &m.slots[i]
		if s.val == 0 {
			s.key = k
			s.val = newID + 1
			m.count++
			if m.count*2 > len(m.slots) {
				m.grow()
			}
			return newID, true
		}
		if s.key == k {
			return s.val - 1, false
		}
		i = (i + 1) & m.mask
	}
}

func (m *u64Map) grow() {
	old := m.slots
	m.alloc(len(old) * 2)
	for _, s := range old {
		if s.val != 0 {
			j := m.home(s.key)
			for m.slots[j].val != 0 {
				j = (j + 1) & m.mask
			}
			m.slots[j] = s
		}
	}
}

func (m *u64Map) bytes() int64 { return int64(len(m.slots)) * 16 }

// keyStore keeps the key values of every group, for output.
type keyStore interface {
	appendRow(a arrow.Array, i int)
	// equal reports whether group g's key equals row i of a, as
	// grouping compares them except that floats compare by their bits
	// (so -0 and 0 differ: callers fall back to the byte encoding).
	equal(g int, a arrow.Array, i int) bool
	build(mem memory.Allocator) arrow.Array
	bytes() int64
	len() int
}

type fixedKeys[T comparable] struct {
	typ   arrow.DataType
	vals  []T
	valid []bool
	nulls int
}

func (k *fixedKeys[T]) len() int { return len(k.vals) }

func (k *fixedKeys[T]) appendRow(a arrow.Array, i int) {
	if a.IsNull(i) {
		var z T
		k.vals = append(k.vals, z)
		k.valid = append(k.valid, false)
		k.nulls++
		return
	}
	k.vals = append(k.vals, values[T](a)[i])
	k.valid = append(k.valid, true)
}

func (k *fixedKeys[T]) build(mem memory.Allocator) arrow.Array {
	o := newFixedOut[T](mem, k.typ, len(k.vals))
	copy(o.v, k.vals)
	if k.nulls > 0 {
		vb := o.ensureValid(mem)
		for i, ok := range k.valid {
			if !ok {
				clearBit(vb, i)
			}
		}
	}
	return o.finish()
}

func (k *fixedKeys[T]) bytes() int64 {
	var z T
	return int64(cap(k.vals))*int64(sizeOf(z)) + int64(cap(k.valid))
}

type strKeys struct {
	data  []byte
	offs  []int32
	valid []bool
}

func (k *strKeys) len() int { return len(k.valid) }

func (k *strKeys) appendRow(a arrow.Array, i int) {
	if len(k.offs) == 0 {
		k.offs = append(k.offs, 0)
	}
	if a.IsNull(i) {
		k.valid = append(k.valid, false)
	} else {
		offs, data := strParts(a)
		k.data = append(k.data, data[offs[i]:offs[i+1]]...)
		k.valid = append(k.valid, true)
	}
	k.offs = append(k.offs, int32(len(k.data)))
}

func (k *strKeys) at(g int) []byte { return k.data[k.offs[g]:k.offs[g+1]] }

func (k *strKeys) build(mem memory.Allocator) arrow.Array {
	n := len(k.valid)
	o := newStrOut(mem, n, len(k.data))
	for g := 0; g < n; g++ {
		if !k.valid[g] {
			o.addNull()
		} else {
			o.add(k.at(g))
		}
	}
	return o.finish()
}

func (k *strKeys) bytes() int64 {
	return int64(cap(k.data)) + int64(cap(k.offs))*4 + int64(cap(k.valid))
}

type boolKeys struct {
	vals, valid []bool
}

func (k *boolKeys) len() int { return len(k.vals) }

func (k *boolKeys) appendRow(a arrow.Array, i int) {
	if a.IsNull(i) {
		k.vals = append(k.vals, false)
		k.valid = append(k.valid, false)
		return
	}
	d := a.Data()
	k.vals = append(k.vals, getBit(d.Buffers()[1].Bytes(), d.Offset()+i))
	k.valid = append(k.valid, true)
}

func (k *boolKeys) build(mem memory.Allocator) arrow.Array {
	valid := newBitmap(mem, len(k.vals), true)
	for i, ok := range k.valid {
		if !ok {
			clearBit(valid.Buf(), i)
		}
	}
	return boolsToArray(mem, k.vals, valid)
}

func (k *boolKeys) bytes() int64 { return int64(cap(k.vals) + cap(k.valid)) }

func newKeyStore(t arrow.DataType) keyStore {
	switch t.ID() {
	case arrow.STRING:
		return &strKeys{}
	case arrow.BOOL:
		return &boolKeys{}
	}
	switch byteWidth(t) {
	case 1:
		return &fixedKeys[uint8]{typ: t}
	case 2:
		return &fixedKeys[uint16]{typ: t}
	case 4:
		return &fixedKeys[uint32]{typ: t}
	case 8:
		return &fixedKeys[uint64]{typ: t}
	}
	return &fixedKeys[i128]{typ: t}
}

func sizeOf[T any](z T) int {
	switch any(z).(type) {
	case uint8:
		return 1
	case uint16:
		return 2
	case uint32:
		return 4
	case uint64:
		return 8
	}
	return 16
}

// keyField is one key column's place in a packed 64-bit key.
type keyField struct {
	shift   uint
	bits    uint   // value bits (strings: 8*width)
	width   int    // strings: bytes that fit
	lenBits uint   // strings: bits for the length
	nullBit uint64 // 0 when the column has no null bit
	narrow  bool   // integers given fewer bits than their type: values must be in [0, 2^bits)
}

// groupTable assigns dense group ids to key tuples. Keys that fit in 64
// bits (one integer-like column; several small ones; short strings;
// several integer columns whose values are small and non-negative, such
// as the two key columns of TPC-H's partsupp) use an open-addressing u64
// map; others are encoded to bytes in a Go map. A packed table switches to
// bytes when it meets a value that does not fit (a longer string, a
// negative or large integer in a narrowed column); group ids never change.
type groupTable struct {
	types  []arrow.DataType
	stores []keyStore
	n      int // groups

	packed    bool
	packable  bool // packed when made: fields is the layout (never changes)
	fields    []keyField
	single    bool  // one column: NULL is its own group, no null bit
	nullGroup int32 // single column: group of the NULL key, or -1
	u64       *u64Map
	bmap      map[string]int32
	bbytes    int64
	keyBuf    []uint64
	rowBuf    []byte
	// runs: run mode (hashtable_runs.go): the map is empty, the groups
	// are in ascending packed key order, lastKey is the last group's.
	runs    bool
	lastKey uint64
	// lead: lead-key mode (hashtable_lead.go), the groups by their first
	// key; leadOK: the table may use it (expectLead).
	lead   *u64Map
	leadOK bool
}

func newGroupTable(types []arrow.DataType) *groupTable {
	t := &groupTable{types: types, nullGroup: -1}
	for _, ty := range types {
		t.stores = append(t.stores, newKeyStore(ty))
	}
	t.packed = t.layout()
	t.packable = t.packed
	if t.packed {
		t.u64 = newU64Map()
	} else {
		t.bmap = map[string]int32{}
	}
	return t
}

// fixedBits is the packed width of a fixed-width key type, or 0 when it
// cannot be packed (wide decimals, intervals).
func fixedBits(t arrow.DataType) uint {
	switch t.ID() {
	case arrow.BOOL:
		return 1
	case arrow.INT8, arrow.UINT8:
		return 8
	case arrow.INT16, arrow.UINT16:
		return 16
	case arrow.INT32, arrow.UINT32, arrow.DATE32, arrow.FLOAT32:
		return 32
	case arrow.INT64, arrow.UINT64, arrow.TIMESTAMP, arrow.FLOAT64:
		return 64
	case arrow.DECIMAL128:
		if p, _ := decProps(t); p <= 18 {
			return 64
		}
	}
	return 0
}

func (t *groupTable) layout() bool {
	if len(t.types) == 0 {
		return true // one global group
	}
	t.single = len(t.types) == 1
	nullBits := uint(0)
	if !t.single {
		nullBits = uint(len(t.types))
	}
	fixed, nstr := uint(0), 0
	for _, ty := range t.types {
		if isString(ty) {
			nstr++
			continue
		}
		b := fixedBits(ty)
		if b == 0 {
			return false
		}
		fixed += b
	}
	if fixed+nullBits > 64 {
		return nstr == 0 && t.narrowLayout(nullBits)
	}
	var strBits uint
	if nstr > 0 {
		strBits = (64 - fixed - nullBits) / uint(nstr)
		if strBits < 11 { // 3 length bits + at least one byte
			return false
		}
	}
	// The first column takes the highest bits, so that packed keys
	// compare as the key tuples do (for non-negative integers): a file
	// sorted by the keys then feeds ascending packed keys (run mode,
	// hashtable_runs.go).
	shift := uint(0)
	t.fields = make([]keyField, len(t.types))
	for i := len(t.types) - 1; i >= 0; i-- {
		ty := t.types[i]
		f := &t.fields[i]
		if isString(ty) {
			f.width = min(int((strBits-3)/8), 7)
			f.lenBits = 3
			f.bits = uint(f.width) * 8
			f.shift = shift
			shift += f.bits + f.lenBits
		} else {
			f.bits = fixedBits(ty)
			f.shift = shift
			shift += f.bits
		}
	}
	if !t.single {
		for i := range t.fields {
			t.fields[i].nullBit = 1 << shift
			shift++
		}
	}
	return true
}

// minNarrowBits is the fewest bits a narrowed integer column gets; with
// fewer, too many real keys would not fit.
const minNarrowBits = 16

// narrowLayout packs several integer columns (no strings) whose full
// widths exceed 64 bits by giving each an equal share of the bits left by
// the null bits: two 64-bit keys get 31 bits each. Values outside [0,
// 2^bits) do not fit (packInto reports them).
func (t *groupTable) narrowLayout(nullBits uint) bool {
	share := (64 - nullBits) / uint(len(t.types))
	if share < minNarrowBits {
		return false
	}
	for _, ty := range t.types {
		if !narrowable(ty) {
			return false
		}
	}
	t.fields = make([]keyField, len(t.types))
	shift := uint(0)
	for i := len(t.types) - 1; i >= 0; i-- { // the first column highest, as in layout
		ty := t.types[i]
		f := &t.fields[i]
		f.bits = min(fixedBits(ty), share)
		f.narrow = f.bits < fixedBits(ty)
		f.shift = shift
		shift += f.bits
	}
	for i := range t.fields {
		t.fields[i].nullBit = 1 << shift
		shift++
	}
	return true
}

// narrowable reports whether a key type can be packed in fewer bits than
// its width when its values are small: integers, dates, timestamps and
// DECIMAL(p <= 18) (whose unscaled value is an int64).
func narrowable(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT8, arrow.UINT8, arrow.INT16, arrow.UINT16, arrow.INT32, arrow.UINT32, arrow.DATE32,
		arrow.INT64, arrow.UINT64, arrow.TIMESTAMP:
		return true
	case arrow.DECIMAL128:
		return fixedBits(t) == 64
	}
	return false
}

// packNarrow packs the values of a narrowed column; false when a valid
// (non-NULL) value is negative or needs more than f.bits bits.
func packNarrow[T int8 | uint8 | int16 | uint16 | int32 | uint32 | int64 | uint64](kb []uint64, vals []T, f keyField, vb []byte, off int) bool {
	limit := uint64(1) << f.bits
	for i, v := range vals[:len(kb)] {
		if !fitsBelow(v, limit) {
			if vb != nil && !getBit(vb, off+i) {
				continue // NULL: its value bits are cleared later
			}
			return false
		}
		kb[i] |= uint64(v) << f.shift
	}
	return true
}

// packNarrowColumn packs column a into kb under the narrowed field f.
func packNarrowColumn(kb []uint64, a arrow.Array, f keyField, vb []byte, off int) bool {
	switch a.DataType().ID() {
	case arrow.INT8:
		return packNarrow(kb, values[int8](a), f, vb, off)
	case arrow.UINT8:
		return packNarrow(kb, values[uint8](a), f, vb, off)
	case arrow.INT16:
		return packNarrow(kb, values[int16](a), f, vb, off)
	case arrow.UINT16:
		return packNarrow(kb, values[uint16](a), f, vb, off)
	case arrow.INT32, arrow.DATE32:
		return packNarrow(kb, values[int32](a), f, vb, off)
	case arrow.UINT32:
		return packNarrow(kb, values[uint32](a), f, vb, off)
	case arrow.UINT64:
		return packNarrow(kb, values[uint64](a), f, vb, off)
	case arrow.DECIMAL128:
		limit := uint64(1) << f.bits
		for i, v := range values[i128](a)[:len(kb)] {
			if !fitsBelow(int64(v.lo), limit) {
				if vb != nil && !getBit(vb, off+i) {
					continue
				}
				return false
			}
			kb[i] |= v.lo << f.shift
		}
		return true
	}
	return packNarrow(kb, values[int64](a), f, vb, off) // INT64, TIMESTAMP
}

// fitsLayout reports whether row i of key column c can be packed: NULLs
// always can; a string must be no longer than the field's width, a
// narrowed integer within [0, 2^bits).
func (t *groupTable) fitsLayout(c int, a arrow.Array, i int) bool {
	if a.IsNull(i) {
		return true
	}
	f := t.fields[c]
	switch {
	case isString(a.DataType()):
		offs, _ := strParts(a)
		return int(offs[i+1]-offs[i]) <= f.width
	case f.narrow:
		limit := uint64(1) << f.bits
		switch a.DataType().ID() {
		case arrow.INT8:
			return fitsBelow(values[int8](a)[i], limit)
		case arrow.UINT8:
			return fitsBelow(values[uint8](a)[i], limit)
		case arrow.INT16:
			return fitsBelow(values[int16](a)[i], limit)
		case arrow.UINT16:
			return fitsBelow(values[uint16](a)[i], limit)
		case arrow.INT32, arrow.DATE32:
			return fitsBelow(values[int32](a)[i], limit)
		case arrow.UINT32:
			return fitsBelow(values[uint32](a)[i], limit)
		case arrow.UINT64:
			return fitsBelow(values[uint64](a)[i], limit)
		case arrow.DECIMAL128:
			return fitsBelow(int64(values[i128](a)[i].lo), limit)
		}
		return fitsBelow(values[int64](a)[i], limit)
	}
	return true
}

// fitsBelow reports whether 0 <= v < limit.
func fitsBelow[T int8 | uint8 | int16 | uint16 | int32 | uint32 | int64 | uint64](v T, limit uint64) bool {
	return v >= 0 && uint64(v) < limit
}

func (t *groupTable) bytes() int64 {
	b := int64(0)
	for _, s := range t.stores {
		b += s.bytes()
	}
	if t.u64 != nil {
		b += t.u64.bytes()
	}
	if t.lead != nil {
		b += t.lead.bytes()
	}
	return b + t.bbytes + int64(cap(t.keyBuf))*8
}

func (t *groupTable) newGroup(keys []arrow.Array, i int) int32 {
	for c, s := range t.stores {
		s.appendRow(keys[c], i)
	}
	t.n++
	return int32(t.n - 1)
}

// assign fills gids[i] for every selected row (all rows when sel is nil).
func (t *groupTable) assign(keys []arrow.Array, n int, sel []int32, gids []int32) {
	if len(t.types) == 0 {
		if t.n == 0 {
			t.n = 1
		}
		if sel == nil {
			for i := range gids {
				gids[i] = 0
			}
		} else {
			for _, i := range sel {
				gids[i] = 0
			}
		}
		return
	}
	if t.packed {
		if t.packKeys(keys, n) {
			t.assignPacked(t.keyBuf[:n], keys, sel, gids)
			return
		}
		t.leavePacked()
	}
	if t.lead != nil {
		if t.assignLead(keys, n, sel, gids) {
			return
		}
		t.toBytes()
	}
	t.assignBytes(keys, n, sel, gids)
}

// leavePacked moves a packed table that met a key it cannot pack to
// lead-key mode when it may use it and its groups allow, else to the
// byte-encoded map.
func (t *groupTable) leavePacked() {
	t.runs = false
	if t.leadOK && t.leadFromGroups() {
		t.packed, t.u64, t.nullGroup = false, nil, -1
		return
	}
	t.toBytes()
}

// packShared packs the keys of n rows under t's layout into *buf, for
// assignPrepacked on t or on any table of the same key types; nil when
// the layout is not packed or some value does not fit it. It only reads
// what never changes in t, so it needs no lock.
func (t *groupTable) packShared(keys []arrow.Array, n int, buf *[]uint64) []uint64 {
	if !t.packable || len(t.types) == 0 {
		return nil
	}
	if cap(*buf) < n {
		*buf = make([]uint64, n)
	}
	kb := (*buf)[:n]
	if !t.packInto(kb, keys) {
		return nil
	}
	return kb
}

// assignPrepacked is assign with the keys packed by packShared (kb, nil
// when they could not be).
func (t *groupTable) assignPrepacked(kb []uint64, keys []arrow.Array, n int, sel []int32, gids []int32) {
	if t.packed && kb != nil {
		t.assignPacked(kb, keys, sel, gids)
		return
	}
	t.assign(keys, n, sel, gids)
}

// packKeys computes the packed key of every row into t.keyBuf; false when
// some value does not fit the layout.
func (t *groupTable) packKeys(keys []arrow.Array, n int) bool {
	if cap(t.keyBuf) < n {
		t.keyBuf = make([]uint64, n)
	}
	return t.packInto(t.keyBuf[:n], keys)
}

// packInto computes the packed key of every row into kb (one entry per
// row); false when some value does not fit the layout. It only reads the
// table, so lookups running in parallel may each pack into their own kb.
func (t *groupTable) packInto(kb []uint64, keys []arrow.Array) bool {
	for i := range kb {
		kb[i] = 0
	}
	for c, a := range keys {
		f := t.fields[c]
		vb, off := validityOf(a)
		if f.narrow {
			if !packNarrowColumn(kb, a, f, vb, off) {
				return false
			}
		} else if !packWhole(kb, a, f, vb, off) {
			return false
		}
		if vb != nil && !t.single {
			// NULL: clear the value bits, set the null bit
			valMask := uint64(math.MaxUint64)
			if w := f.bits + f.lenBits; w < 64 {
				valMask = ((1 << w) - 1) << f.shift
			}
			for i := range kb {
				if !getBit(vb, off+i) {
					kb[i] = kb[i]&^valMask | f.nullBit
				}
			}
		}
	}
	return true
}

// packWhole packs column a into kb under the field f at the column's full
// width (strings up to f.width bytes); false when a string is too long.
func packWhole(kb []uint64, a arrow.Array, f keyField, vb []byte, off int) bool {
	switch a.DataType().ID() {
	case arrow.STRING:
		offs, data := strParts(a)
		offs = offs[:len(kb)+1]
		if len(kb) > 0 && packFixedLen(kb, offs, data, f) {
			break
		}
		// strings load 8 bytes at a time where the buffer allows
		safe := cap(data) - 8
		width := uint64(f.width)
		for i := range kb {
			o, e := offs[i], offs[i+1]
			l := uint64(e - o)
			if l > width {
				if vb != nil && !getBit(vb, off+i) {
					continue
				}
				return false
			}
			var v uint64
			if int(o) <= safe {
				v = binary.LittleEndian.Uint64(data[o : o+8 : o+8])
				v &= (uint64(1) << (8 * l)) - 1 // l <= 7
			} else {
				for j := int(e) - 1; j >= int(o); j-- {
					v = v<<8 | uint64(data[j])
				}
			}
			v |= l << f.bits
			kb[i] |= v << f.shift
		}
	case arrow.BOOL:
		d := a.Data()
		vals, voff := d.Buffers()[1].Bytes(), d.Offset()
		for i := range kb {
			if getBit(vals, voff+i) {
				kb[i] |= 1 << f.shift
			}
		}
	case arrow.INT8, arrow.UINT8:
		for i, v := range values[uint8](a) {
			kb[i] |= uint64(v) << f.shift
		}
	case arrow.INT16, arrow.UINT16:
		for i, v := range values[uint16](a) {
			kb[i] |= uint64(v) << f.shift
		}
	case arrow.INT32, arrow.UINT32, arrow.DATE32:
		for i, v := range values[uint32](a) {
			kb[i] |= uint64(v) << f.shift
		}
	case arrow.FLOAT32:
		for i, v := range values[float32](a) {
			if v == 0 {
				v = 0
			}
			kb[i] |= uint64(math.Float32bits(v)) << f.shift
		}
	case arrow.FLOAT64:
		for i, v := range values[float64](a) {
			if v == 0 {
				v = 0
			}
			kb[i] |= math.Float64bits(v) << f.shift
		}
	case arrow.DECIMAL128:
		for i, v := range values[i128](a) {
			kb[i] |= v.lo << f.shift
		}
	default: // 64-bit
		for i, v := range values[uint64](a) {
			kb[i] |= v << f.shift
		}
	}
	return true
}

func (t *groupTable) assignPacked(kb []uint64, keys []arrow.Array, sel []int32, gids []int32) {
	var vb []byte
	var off int
	if t.single {
		vb, off = validityOf(keys[0])
	}
	if t.runs {
		if vb == nil && t.assignRuns(kb, keys, sel, gids) {
			return
		}
		t.endRuns()
	}
	m := t.u64
	if vb == nil {
		// probe inline; only misses go through findOrInsert
		if sel == nil {
			kb = kb[:len(gids)]
			for i, k := range kb {
				j := m.home(k)
				if sl := m.slots[j]; sl.val != 0 && sl.key == k {
					gids[i] = sl.val - 1
					continue
				}
				g, ins := m.findOrInsert(k, int32(t.n))
				if ins {
					t.newGroup(keys, i)
				}
				gids[i] = g
			}
			return
		}
		for _, i := range sel {
			k := kb[i]
			j := m.home(k)
			if sl := m.slots[j]; sl.val != 0 && sl.key == k {
				gids[i] = sl.val - 1
				continue
			}
			g, ins := m.findOrInsert(k, int32(t.n))
			if ins {
				t.newGroup(keys, int(i))
			}
			gids[i] = g
		}
		return
	}
	one := func(i int) {
		if !getBit(vb, off+i) {
			if t.nullGroup < 0 {
				t.nullGroup = t.newGroup(keys, i)
			}
			gids[i] = t.nullGroup
			return
		}
		g, ins := m.findOrInsert(kb[i], int32(t.n))
		if ins {
			t.newGroup(keys, i)
		}
		gids[i] = g
	}
	if sel == nil {
		for i := range gids {
			one(i)
		}
		return
	}
	for _, i := range sel {
		one(int(i))
	}
}

// encodeRow appends row i's key in the general byte form: per column a
// null flag, then fixed-width bytes or a length-prefixed string.
func encodeRow(b []byte, keys []arrow.Array, i int) []byte {
	for _, a := range keys {
		if a.IsNull(i) {
			b = append(b, 0)
			continue
		}
		b = append(b, 1)
		switch a.DataType().ID() {
		case arrow.STRING:
			offs, data := strParts(a)
			s := data[offs[i]:offs[i+1]]
			b = binary.AppendUvarint(b, uint64(len(s)))
			b = append(b, s...)
		default:
			b = appendKeyValue(b, a, i)
		}
	}
	return b
}

func (t *groupTable) assignBytes(keys []arrow.Array, n int, sel []int32, gids []int32) {
	one := func(i int) {
		t.rowBuf = encodeRow(t.rowBuf[:0], keys, i)
		if g, ok := t.bmap[string(t.rowBuf)]; ok {
			gids[i] = g
			return
		}
		g := t.newGroup(keys, i)
		t.bmap[string(t.rowBuf)] = g
		t.bbytes += int64(len(t.rowBuf)) + 48
		gids[i] = g
	}
	if sel == nil {
		for i := 0; i < n; i++ {
			one(i)
		}
		return
	}
	for _, i := range sel {
		one(int(i))
	}
}

// toBytes converts a packed table to the byte-keyed form, keeping ids.
func (t *groupTable) toBytes() {
	t.packed, t.runs, t.lead = false, false, nil
	t.bmap = make(map[string]int32, t.n)
	if t.n > 0 {
		mem := memory.DefaultAllocator
		cols := make([]arrow.Array, len(t.stores))
		for c, s := range t.stores {
			cols[c] = s.build(mem)
		}
		for g := 0; g < t.n; g++ {
			t.rowBuf = encodeRow(t.rowBuf[:0], cols, g)
			t.bmap[string(t.rowBuf)] = int32(g)
			t.bbytes += int64(len(t.rowBuf)) + 48
		}
		releaseAll(cols)
	}
	t.u64 = nil
	t.nullGroup = -1
}

// keyArrays returns the key columns of all groups, in group id order.
func (t *groupTable) keyArrays(mem memory.Allocator) []arrow.Array {
	out := make([]arrow.Array, len(t.stores))
	for c, s := range t.stores {
		out[c] = s.build(mem)
	}
	return out
}

// packFixedLen packs a string column whose values all have one length
// (CHAR(1) flags, fixed codes) without per-row length logic; false (kb
// unchanged) when the lengths differ or are too long for the field.
func packFixedLen(kb []uint64, offs []int32, data []byte, f keyField) bool {
	base := offs[0]
	l := (offs[len(offs)-1] - base) / int32(len(kb))
	if int(l) > f.width {
		return false
	}
	lenBits := uint64(l) << f.bits
	// pack optimistically, checking the offsets on the way; undo if one
	// row had another length
	var bad int32
	switch l {
	case 0:
		for i := range kb {
			bad |= offs[i+1] ^ base
			kb[i] |= lenBits << f.shift
		}
	case 1:
		d := data[base : int(base)+len(kb)]
		offs = offs[1 : len(kb)+1]
		for i := range kb {
			bad |= offs[i] ^ (base + int32(i) + 1)
			kb[i] |= (uint64(d[i]) | lenBits) << f.shift
		}
	default:
		mask := (uint64(1) << (8 * uint(l))) - 1
		for i := range kb {
			o := int(base) + i*int(l)
			bad |= offs[i+1] ^ int32(o+int(l))
			var v uint64
			if o+8 <= cap(data) {
				v = binary.LittleEndian.Uint64(data[o:o+8:o+8]) & mask
			} else {
				for j := o + int(l) - 1; j >= o; j-- {
					v = v<<8 | uint64(data[j])
				}
			}
			kb[i] |= (v | lenBits) << f.shift
		}
	}
	if bad != 0 {
		// clear this field again
		m := ^(((uint64(1) << (f.bits + f.lenBits)) - 1) << f.shift)
		for i := range kb {
			kb[i] &= m
		}
		return false
	}
	return true
}

var keySeed = maphash.MakeSeed()

// hashKeys hashes each row of the key columns so that equal keys (as
// grouping sees them: NULLs equal, -0 = 0) hash equally. It splits groups
// into buckets, and integer keys that differ only in their localBits low
// bits hash equally, so that a run of consecutive keys lands in one
// bucket, whose table keeps the run's slots together (u64Map.home).
func hashKeys(keys []arrow.Array, n int) []uint64 {
	h := make([]uint64, n)
	for i := range h {
		h[i] = 0x9E3779B97F4A7C15
	}
	col := make([]uint64, n)
	for _, a := range keys {
		switch a.DataType().ID() {
		case arrow.STRING:
			offs, data := strParts(a)
			for i := range col {
				col[i] = maphash.Bytes(keySeed, data[offs[i]:offs[i+1]])
			}
		case arrow.BOOL:
			d := a.Data()
			vals, off := d.Buffers()[1].Bytes(), d.Offset()
			for i := range col {
				col[i] = 0
				if getBit(vals, off+i) {
					col[i] = 1
				}
			}
		case arrow.FLOAT32:
			for i, v := range values[float32](a) {
				if v == 0 {
					v = 0
				}
				col[i] = uint64(math.Float32bits(v))
			}
		case arrow.FLOAT64:
			for i, v := range values[float64](a) {
				if v == 0 {
					v = 0
				}
				col[i] = math.Float64bits(v)
			}
		default:
			switch byteWidth(a.DataType()) {
			case 1:
				for i, v := range values[uint8](a) {
					col[i] = uint64(v) >> localBits
				}
			case 2:
				for i, v := range values[uint16](a) {
					col[i] = uint64(v) >> localBits
				}
			case 4:
				for i, v := range values[uint32](a) {
					col[i] = uint64(v) >> localBits
				}
			case 8:
				for i, v := range values[uint64](a) {
					col[i] = v >> localBits
				}
			default:
				for i, v := range values[i128](a) {
					col[i] = v.lo>>localBits ^ uint64(v.hi)*0xff51afd7ed558ccd
				}
			}
		}
		if vb, off := validityOf(a); vb != nil {
			for i := range col {
				if !getBit(vb, off+i) {
					col[i] = 0x5bd1e995
				}
			}
		}
		for i := range h {
			x := (h[i] ^ col[i]) * 0xbf58476d1ce4e5b9
			h[i] = x ^ x>>31
		}
	}
	return h
}

// reserve sizes the table for about n groups in total; a table in run
// mode leaves it, as its caller is about to insert keys in any order.
func (t *groupTable) reserve(n int) {
	if t.runs {
		t.endRuns()
	}
	if t.u64 == nil || n <= len(t.u64.slots)/2 {
		return
	}
	size := 1024
	for size/2 < n {
		size *= 2
	}
	old := t.u64.slots
	t.u64.alloc(size)
	for _, s := range old {
		if s.val != 0 {
			j := t.u64.home(s.key)
			for t.u64.slots[j].val != 0 {
				j = (j + 1) & t.u64.mask
			}
			t.u64.slots[j] = s
		}
	}
}
