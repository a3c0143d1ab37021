package storage

import (
	"encoding/binary"
	"math"
)

// A .rec file's records are grouped into blocks of RecordsPerBlock records
// (the last block may be shorter). For every block the header keeps a
// CRC32C of the block's bytes and, for every ordered column (numbers, dates,
// timestamps), its NULL count and minimum and maximum, so a scan can skip
// blocks that cannot satisfy a predicate and verify can find damage.
//
// Block index entry (E bytes, little-endian):
//
//	u32 CRC32C of the block's record bytes, u32 0, then per ordered column
//	in schema order: u32 NULL count, u32 flags (bit 0: the block has a NaN),
//	u64 minimum, u64 maximum (as StatValue bits).

// ColumnStats summarises one ordered column over one block. Min and Max
// are StatValue bits: int64 for signed integers, DECIMAL (unscaled), DATE
// and TIMESTAMP; uint64 for unsigned integers; float64 bits for floats.
// When NullCount equals the block's record count, Min and Max mean nothing.
type ColumnStats struct {
	NullCount uint32
	HasNaN    bool // floats only: NaNs are left out of Min and Max
	Min, Max  uint64
}

// BlockStats is one block's entry in the index.
type BlockStats struct {
	CRC     uint32
	Columns []ColumnStats // one per ordered column, see BlockIndex.Columns
}

// BlockIndex is the per-block checksum and statistics table of a .rec file.
type BlockIndex struct {
	RecordsPerBlock int
	// Columns lists the schema field indexes that have statistics, in
	// order; BlockStats.Columns[k] belongs to field Columns[k].
	Columns []int
	Blocks  []BlockStats
	schema  *Schema
}

// Len is the number of blocks.
func (x *BlockIndex) Len() int { return len(x.Blocks) }

// Range returns the smallest and largest value, over every block's
// statistics, of field (a schema index) when it is a signed integer, a
// date or a timestamp; ok is false when they are not known (no
// statistics, another type, no blocks, or only NULLs). A short last
// block of NULLs may widen the range (its count is not known here).
func (x *BlockIndex) Range(field int) (lo, hi int64, ok bool) {
	if x == nil || len(x.Blocks) == 0 || x.schema == nil || field < 0 || field >= len(x.schema.Fields) {
		return 0, 0, false
	}
	t := x.schema.Fields[field].Type
	if !t.IsSigned() && t.Kind != Date && t.Kind != Timestamp {
		return 0, 0, false
	}
	c := x.StatColumn(field)
	if c < 0 {
		return 0, 0, false
	}
	lo, hi = math.MaxInt64, math.MinInt64
	for _, b := range x.Blocks {
		s := b.Columns[c]
		if x.RecordsPerBlock > 0 && s.NullCount >= uint32(x.RecordsPerBlock) {
			continue // a full block of NULLs: its Min and Max mean nothing
		}
		lo, hi = min(lo, int64(s.Min)), max(hi, int64(s.Max))
	}
	return lo, hi, lo <= hi
}

// StatColumn returns the position of field i in Columns, or -1 when the
// field has no statistics.
func (x *BlockIndex) StatColumn(field int) int {
	for k, f := range x.Columns {
		if f == field {
			return k
		}
	}
	return -1
}

// BlockRange returns the first record and the number of records of block b
// in a file of count records.
func (x *BlockIndex) BlockRange(b int, count int64) (first, n int64) {
	first = int64(b) * int64(x.RecordsPerBlock)
	n = min(int64(x.RecordsPerBlock), count-first)
	return first, n
}

func statColumns(s *Schema) []int {
	var cols []int
	for i := range s.Fields {
		if s.Fields[i].Type.IsOrdered() {
			cols = append(cols, i)
		}
	}
	return cols
}

func entrySize(ncols int) int { return 8 + 24*ncols }

func (x *BlockIndex) encode() ([]byte, int) {
	es := entrySize(len(x.Columns))
	b := make([]byte, 0, es*len(x.Blocks))
	le := binary.LittleEndian
	for _, bs := range x.Blocks {
		b = le.AppendUint32(b, bs.CRC)
		b = le.AppendUint32(b, 0)
		for _, c := range bs.Columns {
			var flags uint32
			if c.HasNaN {
				flags = 1
			}
			b = le.AppendUint32(b, c.NullCount)
			b = le.AppendUint32(b, flags)
			b = le.AppendUint64(b, c.Min)
			b = le.AppendUint64(b, c.Max)
		}
	}
	return b, es
}

func decodeBlockIndex(b []byte, s *Schema, n, es, perBlock int, count int64) (*BlockIndex, error) {
	cols := statColumns(s)
	if es != entrySize(len(cols)) {
		return nil, errHeader("block index entry size %d does not match the schema (want %d)", es, entrySize(len(cols)))
	}
	if perBlock < 1 {
		return nil, errHeader("records per block %d must be at least 1", perBlock)
	}
	if want := (count + int64(perBlock) - 1) / int64(perBlock); int64(n) != want {
		return nil, errHeader("block index has %d blocks but %d records in blocks of %d need %d", n, count, perBlock, want)
	}
	x := &BlockIndex{RecordsPerBlock: perBlock, Columns: cols, Blocks: make([]BlockStats, n), schema: s}
	r := &byteReader{b: b}
	for i := range x.Blocks {
		bs := &x.Blocks[i]
		bs.CRC = r.u32()
		r.u32()
		bs.Columns = make([]ColumnStats, len(cols))
		for k := range bs.Columns {
			c := &bs.Columns[k]
			c.NullCount = r.u32()
			c.HasNaN = r.u32()&1 != 0
			c.Min, c.Max = r.u64(), r.u64()
		}
	}
	if r.err != nil {
		return nil, errHeader("block index is truncated")
	}
	return x, nil
}

// statsBuilder accumulates one block's statistics as records are appended.
type statsBuilder struct {
	schema *Schema
	cols   []int
	cur    []ColumnStats
	seen   []bool // a non-NULL, non-NaN value was seen in the current block
	crc    uint32
	n      int
}

func newStatsBuilder(s *Schema) *statsBuilder {
	cols := statColumns(s)
	return &statsBuilder{schema: s, cols: cols, cur: make([]ColumnStats, len(cols)), seen: make([]bool, len(cols))}
}

// add folds one record (RecordLen bytes) into the current block. Values
// that fail to decode count as NULL in the statistics (they will fail
// again, with a proper error, when scanned).
func (sb *statsBuilder) add(rec []byte) {
	sb.crc = UpdateCRC32C(sb.crc, rec)
	sb.n++
	for k, fi := range sb.cols {
		c := &sb.cur[k]
		bits, less, status := statOf(sb.schema, &sb.schema.Fields[fi], rec)
		switch status {
		case statNull:
			c.NullCount++
			continue
		case statNaN:
			c.HasNaN = true
			continue
		}
		if !sb.seen[k] {
			c.Min, c.Max, sb.seen[k] = bits, bits, true
			continue
		}
		if less(bits, c.Min) {
			c.Min = bits
		}
		if less(c.Max, bits) {
			c.Max = bits
		}
	}
}

const (
	statValue = iota
	statNull  // NULL, or a value that does not decode (it fails again, with a proper error, when scanned)
	statNaN
)

// statOf reads an ordered field's statistics bits without boxing the value
// (the writer calls it for every value it writes).
func statOf(s *Schema, f *Field, rec []byte) (uint64, func(a, b uint64) bool, int) {
	if f.IsText() {
		v, err := s.DecodeField(rec, fieldIndex(s, f))
		if err != nil || v == nil {
			return 0, nil, statNull
		}
		bits, less, ok := StatValue(v)
		if !ok {
			return 0, nil, statNaN
		}
		return bits, less, statValue
	}
	if s.IsNull(f, rec) {
		return 0, nil, statNull
	}
	raw := rec[f.Offset:f.End()]
	order := f.ByteOrder()
	switch t := f.Type; {
	case t.Kind == Float32:
		x := float64(math.Float32frombits(order.Uint32(raw)))
		if math.IsNaN(x) {
			return 0, nil, statNaN
		}
		return math.Float64bits(x), lessFloat, statValue
	case t.Kind == Float64:
		x := math.Float64frombits(order.Uint64(raw))
		if math.IsNaN(x) {
			return 0, nil, statNaN
		}
		return math.Float64bits(x), lessFloat, statValue
	case t.IsInteger() && !t.IsSigned():
		return ReadBinaryUint(raw, order), lessUint, statValue
	}
	// Signed integers, DECIMAL, DATE and TIMESTAMP are signed integers of
	// their width.
	return uint64(ReadBinaryInt(raw, order)), lessInt, statValue
}

// fieldIndex finds f's index in s (f points into s.Fields).
func fieldIndex(s *Schema, f *Field) int {
	for i := range s.Fields {
		if &s.Fields[i] == f {
			return i
		}
	}
	return -1
}

// finish returns the current block's entry and resets for the next block.
func (sb *statsBuilder) finish() BlockStats {
	bs := BlockStats{CRC: sb.crc, Columns: sb.cur}
	sb.cur = make([]ColumnStats, len(sb.cols))
	clear(sb.seen)
	sb.crc, sb.n = 0, 0
	return bs
}

// StatValue converts a decoded value to its statistics bits and the
// ordering of those bits. ok is false for NaN (kept out of min/max).
func StatValue(v any) (bits uint64, less func(a, b uint64) bool, ok bool) {
	switch x := v.(type) {
	case int64:
		return uint64(x), lessInt, true
	case uint64:
		return x, lessUint, true
	case float64:
		if math.IsNaN(x) {
			return 0, nil, false
		}
		return math.Float64bits(x), lessFloat, true
	case DecimalValue:
		return uint64(x.Unscaled), lessInt, true
	case DateValue:
		return uint64(int64(x)), lessInt, true
	case TimestampValue:
		return uint64(int64(x)), lessInt, true
	}
	return 0, nil, false
}

func lessInt(a, b uint64) bool   { return int64(a) < int64(b) }
func lessUint(a, b uint64) bool  { return a < b }
func lessFloat(a, b uint64) bool { return math.Float64frombits(a) < math.Float64frombits(b) }
