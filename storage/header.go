package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"strings"
	"sync"
)

// The .rec header; docs/format.md specifies it byte by byte.
//
//	offset size field
//	     0    8 magic "RECQ\r\n\x1a\n"
//	     8    2 format version (1)
//	    10    2 flags (bit 0: block index present)
//	    12    4 header length H = offset of record 0, a multiple of 4096
//	    16    4 record length R
//	    20    4 records per block
//	    24    8 record count N (must equal (file size - H) / R)
//	    32    4 schema length S
//	    36    4 block count B
//	    40    4 block index entry size E
//	    44    4 CRC32C (Castagnoli) of bytes [0, H) with this field zeroed
//	    48    S schema
//	  48+S  B*E block index
//	        ... zero padding up to H
const (
	headerFixedLen = 48
	// HeaderAlign is the alignment of the record region: every header is a
	// multiple of it, so records start at a direct-I/O-aligned offset.
	HeaderAlign = 4096
	// FormatVersion is the .rec version this code writes and reads.
	FormatVersion = 1
	// MaxHeaderLen bounds the header a reader accepts (256 MiB).
	MaxHeaderLen = 256 << 20

	flagBlockIndex = 1 << 0
)

// Magic starts every .rec file. The CR LF / SUB / LF bytes catch files
// mangled by text-mode transfers, as PNG's signature does.
var Magic = [8]byte{'R', 'E', 'C', 'Q', '\r', '\n', 0x1a, '\n'}

// castagnoli is made on first use: building its tables costs a few hundred
// microseconds that a process which checks no checksum should not pay.
var castagnoli = sync.OnceValue(func() *crc32.Table { return crc32.MakeTable(crc32.Castagnoli) })

// CRC32C returns the CRC-32C (Castagnoli) checksum of b.
func CRC32C(b []byte) uint32 { return crc32.Checksum(b, castagnoli()) }

// UpdateCRC32C continues a CRC-32C checksum with b.
func UpdateCRC32C(crc uint32, b []byte) uint32 { return crc32.Update(crc, castagnoli(), b) }

// Header is the decoded header of a .rec file.
type Header struct {
	Version         int
	HeaderLen       int64 // offset of record 0
	RecordLen       int
	RecordsPerBlock int
	RecordCount     int64
	CRC             uint32
	Schema          *Schema
	Blocks          *BlockIndex // nil when the file has no block index
}

// errHeader builds a corruption error about the header.
func errHeader(format string, args ...any) error {
	return fmt.Errorf("%w: header: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}

// HeaderPrefixLen is how many bytes DecodeHeaderPrefix needs.
const HeaderPrefixLen = headerFixedLen

// DecodeHeaderPrefix reads the fixed part of a header and returns the full
// header length, so a reader knows how much more to read.
func DecodeHeaderPrefix(b []byte) (headerLen int64, err error) {
	if len(b) < headerFixedLen {
		return 0, errHeader("file is only %d bytes, shorter than the %d-byte header prefix", len(b), headerFixedLen)
	}
	if [8]byte(b[:8]) != Magic {
		return 0, errHeader("bad magic number % x (not a recq .rec file)", b[:8])
	}
	if v := binary.LittleEndian.Uint16(b[8:]); v != FormatVersion {
		return 0, errHeader("format version %d is not supported (this recq reads version %d)", v, FormatVersion)
	}
	h := int64(binary.LittleEndian.Uint32(b[12:]))
	if h < HeaderAlign || h%HeaderAlign != 0 || h > MaxHeaderLen {
		return 0, errHeader("header length %d is not a positive multiple of %d up to %d", h, HeaderAlign, MaxHeaderLen)
	}
	return h, nil
}

// DecodeHeader decodes and verifies a whole header (the first HeaderLen
// bytes of the file). Every inconsistency is an ErrCorrupt error; the
// decoder never panics on any input.
func DecodeHeader(b []byte) (*Header, error) {
	hlen, err := DecodeHeaderPrefix(b)
	if err != nil {
		return nil, err
	}
	if int64(len(b)) < hlen {
		return nil, errHeader("header is %d bytes but only %d are present (file truncated?)", hlen, len(b))
	}
	b = b[:hlen]
	le := binary.LittleEndian
	h := &Header{
		Version:         int(le.Uint16(b[8:])),
		HeaderLen:       hlen,
		RecordLen:       int(le.Uint32(b[16:])),
		RecordsPerBlock: int(le.Uint32(b[20:])),
		RecordCount:     int64(le.Uint64(b[24:])),
		CRC:             le.Uint32(b[44:]),
	}
	flags := le.Uint16(b[10:])
	schemaLen := int64(le.Uint32(b[32:]))
	blockCount := int64(le.Uint32(b[36:]))
	entrySize := int64(le.Uint32(b[40:]))
	if got := headerCRC(b); got != h.CRC {
		return nil, errHeader("checksum mismatch: stored %08x, computed %08x (the header is damaged)", h.CRC, got)
	}
	if h.RecordLen < 1 || h.RecordLen > MaxRecordLen {
		return nil, errHeader("record length %d is out of range 1..%d", h.RecordLen, MaxRecordLen)
	}
	if h.RecordCount < 0 {
		return nil, errHeader("record count %d is negative", h.RecordCount)
	}
	if headerFixedLen+schemaLen > hlen {
		return nil, errHeader("schema length %d runs past the header", schemaLen)
	}
	h.Schema, err = decodeSchema(b[headerFixedLen:headerFixedLen+schemaLen], h.RecordLen)
	if err != nil {
		return nil, err
	}
	if flags&flagBlockIndex != 0 {
		start := headerFixedLen + schemaLen
		if blockCount*entrySize > hlen-start {
			return nil, errHeader("block index (%d entries of %d bytes) runs past the header", blockCount, entrySize)
		}
		h.Blocks, err = decodeBlockIndex(b[start:start+blockCount*entrySize], h.Schema, int(blockCount), int(entrySize), h.RecordsPerBlock, h.RecordCount)
		if err != nil {
			return nil, err
		}
	}
	return h, nil
}

// headerCRC computes the header checksum with the CRC field taken as zero.
func headerCRC(b []byte) uint32 {
	var zero [4]byte
	crc := UpdateCRC32C(0, b[:44])
	crc = UpdateCRC32C(crc, zero[:])
	return UpdateCRC32C(crc, b[48:])
}

// EncodeHeader renders h (Schema, RecordCount, RecordsPerBlock, Blocks) into
// a header of at least minLen bytes, rounded up to HeaderAlign, and returns
// it with HeaderLen and CRC filled in.
func EncodeHeader(h *Header, minLen int64) ([]byte, error) {
	schema := encodeSchema(h.Schema)
	var index []byte
	entrySize := 0
	if h.Blocks != nil {
		index, entrySize = h.Blocks.encode()
	}
	need := int64(headerFixedLen + len(schema) + len(index))
	hlen := alignUp(max(need, minLen), HeaderAlign)
	if hlen > MaxHeaderLen {
		return nil, fmt.Errorf("header of %d bytes is larger than the %d-byte limit (use fewer, larger blocks)", hlen, MaxHeaderLen)
	}
	b := make([]byte, hlen)
	le := binary.LittleEndian
	copy(b, Magic[:])
	le.PutUint16(b[8:], FormatVersion)
	var flags uint16
	if h.Blocks != nil {
		flags |= flagBlockIndex
		le.PutUint32(b[36:], uint32(h.Blocks.Len()))
		le.PutUint32(b[40:], uint32(entrySize))
	}
	le.PutUint16(b[10:], flags)
	le.PutUint32(b[12:], uint32(hlen))
	le.PutUint32(b[16:], uint32(h.Schema.RecordLen))
	le.PutUint32(b[20:], uint32(h.RecordsPerBlock))
	le.PutUint64(b[24:], uint64(h.RecordCount))
	le.PutUint32(b[32:], uint32(len(schema)))
	copy(b[headerFixedLen:], schema)
	copy(b[headerFixedLen+len(schema):], index)
	crc := headerCRC(b)
	le.PutUint32(b[44:], crc)
	h.Version, h.HeaderLen, h.RecordLen, h.CRC = FormatVersion, hlen, h.Schema.RecordLen, crc
	return b, nil
}

func alignUp(n, a int64) int64 { return (n + a - 1) / a * a }

// Schema encoding inside the header:
//
//	u16 field count, i32 null bitmap offset (-1: none), then per field:
//	u16 name length, name, u8 kind, u8 encoding, u8 flags (1 nullable,
//	2 has NULLIF), u8 trim, u8 precision, u8 scale, u8 implied, u8 0,
//	u32 CHAR length, u32 offset, u32 width, u16 format length, format,
//	u16 NULLIF length, NULLIF (several sentinels joined by NUL bytes)
func encodeSchema(s *Schema) []byte {
	le := binary.LittleEndian
	b := le.AppendUint16(nil, uint16(len(s.Fields)))
	b = le.AppendUint32(b, uint32(int32(s.NullBitmap)))
	for i := range s.Fields {
		f := &s.Fields[i]
		b = appendString16(b, f.Name)
		var flags byte
		if f.Nullable {
			flags |= 1
		}
		if f.HasNullIf() {
			flags |= 2
		}
		b = append(b, byte(f.Type.Kind), byte(f.Encoding), flags, byte(f.Trim),
			byte(f.Type.Precision), byte(f.Type.Scale), byte(f.Implied), 0)
		b = le.AppendUint32(b, uint32(f.Type.Length))
		b = le.AppendUint32(b, uint32(f.Offset))
		b = le.AppendUint32(b, uint32(f.Width))
		b = appendString16(b, f.Format)
		// Several sentinels are joined by NUL bytes (padding, which
		// sentinels never contain once trimmed).
		b = appendString16(b, strings.Join(f.NullIf, "\x00"))
	}
	return b
}

func appendString16(b []byte, s string) []byte {
	b = binary.LittleEndian.AppendUint16(b, uint16(len(s)))
	return append(b, s...)
}

// byteReader reads little-endian values with bounds checks; the first
// overrun sets err and every later read returns zero.
type byteReader struct {
	b   []byte
	err error
}

func (r *byteReader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n > len(r.b) {
		r.err = errors.New("truncated")
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *byteReader) u8() byte {
	if b := r.take(1); b != nil {
		return b[0]
	}
	return 0
}

func (r *byteReader) u16() uint16 {
	if b := r.take(2); b != nil {
		return binary.LittleEndian.Uint16(b)
	}
	return 0
}

func (r *byteReader) u32() uint32 {
	if b := r.take(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (r *byteReader) u64() uint64 {
	if b := r.take(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

func (r *byteReader) str16() string { return string(r.take(int(r.u16()))) }

func decodeSchema(b []byte, recordLen int) (*Schema, error) {
	r := &byteReader{b: b}
	n := int(r.u16())
	bitmap := int(int32(r.u32()))
	if n > MaxFields {
		return nil, errHeader("schema has %d fields, more than the limit of %d", n, MaxFields)
	}
	fields := make([]Field, 0, n)
	for i := 0; i < n && r.err == nil; i++ {
		var f Field
		f.Name = r.str16()
		kind, enc, flags, trim := r.u8(), r.u8(), r.u8(), r.u8()
		prec, scale, implied := r.u8(), r.u8(), r.u8()
		r.u8()
		length := r.u32()
		f.Offset, f.Width = int(r.u32()), int(r.u32())
		var nullIf string
		f.Format, nullIf = r.str16(), r.str16()
		if enc == byte(DefaultEncoding) || enc > byte(Text) || trim > byte(TrimBoth) ||
			length > MaxRecordLen || f.Offset > MaxRecordLen || f.Width > MaxRecordLen {
			return nil, errHeader("schema field %d (%q) has an invalid encoding", i+1, f.Name)
		}
		f.Type = Type{Kind: Kind(kind), Precision: int(prec), Scale: int(scale), Length: int(length)}
		f.Encoding, f.Trim, f.Implied = Encoding(enc), TrimMode(trim), int(implied)
		f.Nullable = flags&1 != 0
		if flags&2 != 0 {
			f.NullIf = strings.Split(nullIf, "\x00")
		}
		fields = append(fields, f)
	}
	if r.err != nil {
		return nil, errHeader("schema is truncated")
	}
	if len(r.b) != 0 {
		return nil, errHeader("schema has %d unexpected trailing bytes", len(r.b))
	}
	opts := SchemaOptions{RecordLen: recordLen, NullBitmap: bitmap}
	if bitmap < 0 {
		opts.NullBitmap = NoNullBitmap
	}
	s, err := NewSchema(fields, opts)
	if err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrCorrupt, err)
	}
	if s.RecordLen != recordLen {
		return nil, errHeader("schema record length %d does not match the header's %d", s.RecordLen, recordLen)
	}
	return s, nil
}
