package scan

import (
	"encoding/binary"
	"math"
	"unsafe"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/bitutil"
	"github.com/apache/arrow/go/v17/arrow/decimal128"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/storage"
)

// A column decoder appends the values of one field for selected records of
// a chunk to the column under construction, writing straight into Arrow
// buffers (no builders, no per-value allocation), and hands the column out
// as an Arrow array when the batch is full.
type columnDecoder interface {
	// decode appends field values of records sel of ch. The caller makes
	// sure the batch has room for len(sel) more values (see reserve).
	decode(ch *chunk, sel []int32) error
	// reserve makes room for n values in all (n never exceeds the batch
	// size), keeping those appended so far.
	reserve(n int)
	// finish returns the n values appended since the last finish as an
	// array (the caller owns it) and starts a new column of capacity cap.
	finish(capacity int) arrow.Array
	// release frees the column under construction.
	release()
}

// validity tracks NULLs of a column; its bitmap exists only once a NULL
// has been seen.
type validity struct {
	mem   memory.Allocator
	buf   *memory.Buffer
	bits  []byte
	nulls int
}

func (v *validity) setNull(i int, capacity int) {
	if v.buf == nil {
		v.buf = memory.NewResizableBuffer(v.mem)
		v.buf.Resize(int(bitutil.BytesForBits(int64(capacity))))
		v.bits = v.buf.Bytes()
		// Everything before the first NULL was valid.
		for k := range v.bits {
			v.bits[k] = 0xff
		}
	}
	bitutil.ClearBit(v.bits, i)
	v.nulls++
}

// grow keeps the bitmap (if any) large enough for capacity values.
func (v *validity) grow(capacity int) {
	if v.buf == nil {
		return
	}
	old := len(v.bits)
	v.buf.Resize(int(bitutil.BytesForBits(int64(capacity))))
	v.bits = v.buf.Bytes()
	for k := old; k < len(v.bits); k++ {
		v.bits[k] = 0xff
	}
}

func (v *validity) take() (*memory.Buffer, int) {
	b, n := v.buf, v.nulls
	v.buf, v.bits, v.nulls = nil, nil, 0
	return b, n
}

// makeArray wraps a finished column's buffers (validity first, possibly
// nil) as an Arrow array and drops the decoder's references to them.
func makeArray(typ arrow.DataType, n int, valid *validity, bufs ...*memory.Buffer) arrow.Array {
	vb, nulls := valid.take()
	all := append([]*memory.Buffer{vb}, bufs...)
	data := array.NewData(typ, n, all, nil, nulls, 0)
	arr := array.MakeFromData(data)
	data.Release()
	for _, b := range all {
		if b != nil {
			b.Release()
		}
	}
	return arr
}

// fixedColumn is a column of fixed-width values of Go type T.
//
// Buffers are allocated lazily, by the first reserve of a batch, so a
// stream that ends right after a batch allocates nothing more.
type fixedColumn[T any] struct {
	typ      arrow.DataType
	mem      memory.Allocator
	buf      *memory.Buffer
	vals     []T
	n        int
	capacity int
	next     int // capacity to allocate for the next batch
	valid    validity
}

func newFixed[T any](typ arrow.DataType, mem memory.Allocator, capacity int) *fixedColumn[T] {
	return &fixedColumn[T]{typ: typ, mem: mem, valid: validity{mem: mem}, next: capacity}
}

func (c *fixedColumn[T]) alloc(capacity int) {
	var zero T
	c.buf = memory.NewResizableBuffer(c.mem)
	c.buf.Resize(capacity * int(unsafe.Sizeof(zero)))
	b := c.buf.Bytes()
	if capacity > 0 {
		c.vals = unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(b))), capacity)
	} else {
		c.vals = nil
	}
	c.n, c.capacity = 0, capacity
}

func (c *fixedColumn[T]) reserve(n int) {
	if c.buf == nil {
		c.alloc(max(n, c.next))
		return
	}
	if n <= c.capacity {
		return
	}
	var zero T
	capacity := max(n, 2*c.capacity)
	c.buf.Resize(capacity * int(unsafe.Sizeof(zero)))
	c.vals = unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(c.buf.Bytes()))), capacity)
	c.capacity = capacity
	c.valid.grow(capacity)
}

func (c *fixedColumn[T]) finish(capacity int) arrow.Array {
	var zero T
	// Set the length only: shrinking would copy the values into a smaller
	// allocation (batches cut at chunk ends are shorter than their
	// capacity), and the recycler reuses the full-size buffer anyway.
	c.buf.ResizeNoShrink(c.n * int(unsafe.Sizeof(zero)))
	arr := makeArray(c.typ, c.n, &c.valid, c.buf)
	c.buf, c.vals, c.n, c.capacity, c.next = nil, nil, 0, 0, capacity
	return arr
}

func (c *fixedColumn[T]) release() {
	if c.buf != nil {
		c.buf.Release()
		c.buf = nil
	}
	if vb, _ := c.valid.take(); vb != nil {
		vb.Release()
	}
}

// numDecoder decodes a numeric, date or timestamp field into T through
// conv from the field's int/uint/float domain value.
type numDecoder[T any] struct {
	*fixedColumn[T]
	f      *storage.Field
	schema *storage.Schema
}

// decodeInts is the loop for int-domain binary fields, with fast paths for
// little-endian 8/4/2/1-byte values without NULLs.
func decodeInts[T int8 | int16 | int32 | int64 | uint8 | uint16 | uint32 | uint64](d *numDecoder[T], ch *chunk, sel []int32) error {
	f := d.f
	vals := d.vals[d.n : d.n+len(sel)]
	if f.NullBit < 0 && f.Encoding == storage.LittleEndian {
		data, stride, off := ch.data, ch.stride, f.Offset
		switch f.Width {
		case 8:
			if dense(sel) {
				// Consecutive records: walk the bytes without the index.
				src := data[int(sel[0])*stride+off:]
				for i := range vals {
					vals[i] = T(binary.LittleEndian.Uint64(src[i*stride:]))
				}
				d.n += len(sel)
				return nil
			}
			for i, r := range sel {
				p := int(r)*stride + off
				vals[i] = T(binary.LittleEndian.Uint64(data[p : p+8]))
			}
			d.n += len(sel)
			return nil
		case 4:
			for i, r := range sel {
				p := int(r)*stride + off
				vals[i] = T(int32(binary.LittleEndian.Uint32(data[p : p+4])))
			}
			d.n += len(sel)
			return nil
		case 2:
			for i, r := range sel {
				p := int(r)*stride + off
				vals[i] = T(int16(binary.LittleEndian.Uint16(data[p : p+2])))
			}
			d.n += len(sel)
			return nil
		case 1:
			for i, r := range sel {
				vals[i] = T(int8(data[int(r)*stride+off]))
			}
			d.n += len(sel)
			return nil
		}
	}
	order := f.ByteOrder()
	signed := f.Type.IsSigned() || !f.Type.IsInteger()
	for i, r := range sel {
		rec := ch.record(r)
		if f.NullBit >= 0 && d.schema.IsNull(f, rec) {
			d.valid.setNull(d.n+i, d.capacity)
			vals[i] = 0
			continue
		}
		raw := rec[f.Offset:f.End()]
		if signed {
			vals[i] = T(storage.ReadBinaryInt(raw, order))
		} else {
			vals[i] = T(storage.ReadBinaryUint(raw, order))
		}
	}
	d.n += len(sel)
	return nil
}

type intDecoder[T int8 | int16 | int32 | int64 | uint8 | uint16 | uint32 | uint64] struct{ numDecoder[T] }

func (d *intDecoder[T]) decode(ch *chunk, sel []int32) error {
	if f := d.f; f.Encoding.IsMainframe() {
		parse := func(v []byte) (T, error) {
			if f.Type.IsInteger() && !f.Type.IsSigned() {
				u, err := f.ParseMainframeUint(v)
				return T(u), err
			}
			n, err := f.ParseMainframeInt(v)
			return T(n), err
		}
		return decodeMainframeNums(&d.numDecoder, ch, sel, func(n int64) T { return T(n) }, parse)
	}
	if d.f.IsText() {
		return decodeTextNum(&d.numDecoder, ch, sel, func(raw []byte) (T, error) {
			if d.f.Type.IsInteger() && !d.f.Type.IsSigned() {
				v, err := storage.ParseTextUint(raw, d.f.Type.BinaryWidth()*8)
				return T(v), err
			}
			v, err := parseTextIntDomain(d.f, raw)
			return T(v), err
		})
	}
	return decodeInts(&d.numDecoder, ch, sel)
}

// dense reports whether sel lists consecutive records (no predicate
// removed any), which lets loops stride through the bytes directly.
func dense(sel []int32) bool {
	return len(sel) > 0 && int(sel[len(sel)-1]-sel[0]) == len(sel)-1
}

// decodeTextNum is the loop for fields whose bytes tell NULL (text,
// zoned, packed, IBM float): translate (code pages), NULL check, then
// parse. A value that does not parse is an error naming the place, or NULL
// when the field says ON ERROR NULL.
func decodeTextNum[T any](d *numDecoder[T], ch *chunk, sel []int32, parse func([]byte) (T, error)) error {
	f := d.f
	vals := d.vals[d.n : d.n+len(sel)]
	var zero T
	var buf [valueBufLen]byte
	// Without NULLIF sentinels no value both parses and is NULL (blank
	// values never parse), so the NULL test runs only when parsing fails;
	// IBM float spaces (0x40...) are a valid number, and are tested first.
	nullFirst := f.HasNullIf() || f.Encoding == storage.IBMFloat
	for i, r := range sel {
		raw := ch.record(r)[f.Offset:f.End()]
		v := f.ValueBytes(raw, buf[:])
		if nullFirst && f.IsNullValue(v) {
			d.valid.setNull(d.n+i, d.capacity)
			vals[i] = zero
			continue
		}
		x, err := parse(v)
		if err != nil && !nullFirst && f.IsNullValue(v) {
			d.valid.setNull(d.n+i, d.capacity)
			vals[i] = zero
			continue
		}
		if err != nil {
			if f.InvalidAsNull {
				d.valid.setNull(d.n+i, d.capacity)
				vals[i] = zero
				continue
			}
			return ch.fieldError(r, f, raw, err)
		}
		vals[i] = x
	}
	d.n += len(sel)
	return nil
}

// decodeMainframeNums is the loop for zoned and packed fields: values in
// their common form are read straight from the raw bytes
// (storage.Field.FastMainframeInt, then fromInt); the others (blank,
// NULLIF, unusual signs, errors) go through decodeTextNum one at a time.
func decodeMainframeNums[T any](d *numDecoder[T], ch *chunk, sel []int32, fromInt func(int64) T, parse func([]byte) (T, error)) error {
	f := d.f
	vals := d.vals[d.n : d.n+len(sel)]
	data, stride, off, end := ch.data, ch.stride, f.Offset, f.End()
	for i, r := range sel {
		p := int(r) * stride
		if n, ok := f.FastMainframeInt(data[p+off : p+end]); ok {
			vals[i] = fromInt(n)
			continue
		}
		d.n += i
		err := decodeTextNum(d, ch, sel[i:i+1], parse)
		d.n -= i + 1
		if err != nil {
			return err
		}
	}
	d.n += len(sel)
	return nil
}

// valueBufLen is the stack buffer for translated field values; longer
// values are translated into an allocated one.
const valueBufLen = 128

type floatDecoder[T float32 | float64] struct{ numDecoder[T] }

func (d *floatDecoder[T]) decode(ch *chunk, sel []int32) error {
	f := d.f
	if f.Encoding == storage.IBMFloat {
		return decodeTextNum(&d.numDecoder, ch, sel, func(v []byte) (T, error) {
			x, err := f.ParseMainframeFloat(v)
			return T(x), err
		})
	}
	if f.IsText() {
		return decodeTextNum(&d.numDecoder, ch, sel, func(raw []byte) (T, error) {
			v, err := storage.ParseTextFloat(raw, f.Type.BinaryWidth()*8, f.Implied)
			return T(v), err
		})
	}
	vals := d.vals[d.n : d.n+len(sel)]
	order := f.ByteOrder()
	for i, r := range sel {
		rec := ch.record(r)
		if f.NullBit >= 0 && d.schema.IsNull(f, rec) {
			d.valid.setNull(d.n+i, d.capacity)
			vals[i] = 0
			continue
		}
		if f.Type.Kind == storage.Float32 {
			vals[i] = T(math.Float32frombits(order.Uint32(rec[f.Offset:])))
		} else {
			vals[i] = T(math.Float64frombits(order.Uint64(rec[f.Offset:])))
		}
	}
	d.n += len(sel)
	return nil
}

type decimalDecoder struct{ numDecoder[decimal128.Num] }

func (d *decimalDecoder) decode(ch *chunk, sel []int32) error {
	f := d.f
	if f.Encoding.IsMainframe() {
		return decodeMainframeNums(&d.numDecoder, ch, sel, decimal128.FromI64, f.ParseMainframeDecimal)
	}
	if f.IsText() {
		t := f.Type
		return decodeTextNum(&d.numDecoder, ch, sel, func(raw []byte) (decimal128.Num, error) {
			v, err := storage.ParseTextDecimal(raw, t.Precision, t.Scale, f.Implied)
			return decimal128.FromI64(v), err
		})
	}
	vals := d.vals[d.n : d.n+len(sel)]
	if f.NullBit < 0 && f.Encoding == storage.LittleEndian && f.Width == 8 && !f.Unsigned {
		data, stride, off := ch.data, ch.stride, f.Offset
		for i, r := range sel {
			p := int(r)*stride + off
			v := int64(binary.LittleEndian.Uint64(data[p : p+8]))
			vals[i] = decimal128.New(v>>63, uint64(v))
		}
		d.n += len(sel)
		return nil
	}
	for i, r := range sel {
		rec := ch.record(r)
		if f.NullBit >= 0 && d.schema.IsNull(f, rec) {
			d.valid.setNull(d.n+i, d.capacity)
			vals[i] = decimal128.Num{}
			continue
		}
		vals[i] = decimal128.FromI64(f.ReadBinaryDecimal(rec[f.Offset:f.End()]))
	}
	d.n += len(sel)
	return nil
}

// boolDecoder builds a bit-packed Boolean column.
type boolDecoder struct {
	mem      memory.Allocator
	f        *storage.Field
	schema   *storage.Schema
	buf      *memory.Buffer
	bits     []byte
	n        int
	capacity int
	next     int // capacity of the next batch (allocated lazily)
	valid    validity
}

func newBoolDecoder(mem memory.Allocator, f *storage.Field, s *storage.Schema, capacity int) *boolDecoder {
	return &boolDecoder{mem: mem, f: f, schema: s, valid: validity{mem: mem}, next: capacity}
}

func (d *boolDecoder) alloc(capacity int) {
	d.buf = memory.NewResizableBuffer(d.mem)
	d.buf.Resize(int(bitutil.BytesForBits(int64(capacity))))
	d.bits = d.buf.Bytes()
	clear(d.bits)
	d.n, d.capacity = 0, capacity
}

func (d *boolDecoder) reserve(n int) {
	if d.buf == nil {
		d.alloc(max(n, d.next))
		return
	}
	if n <= d.capacity {
		return
	}
	d.capacity = max(n, 2*d.capacity)
	old := len(d.bits)
	d.buf.Resize(int(bitutil.BytesForBits(int64(d.capacity))))
	d.bits = d.buf.Bytes()
	clear(d.bits[old:])
	d.valid.grow(d.capacity)
}

func (d *boolDecoder) decode(ch *chunk, sel []int32) error {
	f := d.f
	var buf [valueBufLen]byte
	for _, r := range sel {
		rec := ch.record(r)
		raw := rec[f.Offset:f.End()]
		var v bool
		switch {
		case f.IsText() && f.IsTextNull(f.ValueBytes(raw, buf[:])):
			d.valid.setNull(d.n, d.capacity)
		case f.IsText():
			b, err := storage.ParseTextBool(f.ValueBytes(raw, buf[:]))
			if err != nil && f.InvalidAsNull {
				d.valid.setNull(d.n, d.capacity)
			} else if err != nil {
				return ch.fieldError(r, f, raw, err)
			}
			v = b
		case f.NullBit >= 0 && d.schema.IsNull(f, rec):
			d.valid.setNull(d.n, d.capacity)
		default:
			v = raw[0] != 0
		}
		if v {
			bitutil.SetBit(d.bits, d.n)
		}
		d.n++
	}
	return nil
}

func (d *boolDecoder) finish(capacity int) arrow.Array {
	arr := makeArray(arrow.FixedWidthTypes.Boolean, d.n, &d.valid, d.buf)
	d.buf, d.bits, d.n, d.capacity, d.next = nil, nil, 0, 0, capacity
	return arr
}

func (d *boolDecoder) release() {
	if d.buf != nil {
		d.buf.Release()
		d.buf = nil
	}
	if vb, _ := d.valid.take(); vb != nil {
		vb.Release()
	}
}

// stringDecoder builds a String column from CHAR fields, trimmed as the
// field says.
type stringDecoder struct {
	mem      memory.Allocator
	f        *storage.Field
	schema   *storage.Schema
	offBuf   *memory.Buffer
	offsets  []int32
	dataBuf  *memory.Buffer
	data     []byte
	n        int
	capacity int
	next     int // capacity of the next batch (allocated lazily)
	valid    validity
}

func newStringDecoder(mem memory.Allocator, f *storage.Field, s *storage.Schema, capacity int) *stringDecoder {
	return &stringDecoder{mem: mem, f: f, schema: s, valid: validity{mem: mem}, next: capacity}
}

func (d *stringDecoder) alloc(capacity int) {
	d.offBuf = memory.NewResizableBuffer(d.mem)
	d.offBuf.Resize((capacity + 1) * 4)
	d.offsets = arrow.Int32Traits.CastFromBytes(d.offBuf.Bytes())
	d.offsets[0] = 0
	d.dataBuf = memory.NewResizableBuffer(d.mem)
	d.dataBuf.Reserve(capacity * min(d.f.Width, 16))
	d.data = d.dataBuf.Buf()[:0]
	d.n, d.capacity = 0, capacity
}

func (d *stringDecoder) reserve(n int) {
	if d.offBuf == nil {
		d.alloc(max(n, d.next))
		return
	}
	if n <= d.capacity {
		return
	}
	d.capacity = max(n, 2*d.capacity)
	d.offBuf.Resize((d.capacity + 1) * 4)
	d.offsets = arrow.Int32Traits.CastFromBytes(d.offBuf.Bytes())
	d.valid.grow(d.capacity)
}

func (d *stringDecoder) decode(ch *chunk, sel []int32) error {
	f := d.f
	perByte := 1
	if f.CodePage != 0 {
		perByte = 3 // an EBCDIC byte decodes to at most 3 bytes of UTF-8
	}
	if need := len(d.data) + len(sel)*f.Width*perByte; need > cap(d.data) {
		d.grow(need - len(d.data))
	}
	data, offsets := d.data, d.offsets[d.n+1:d.n+1+len(sel)]
	off, end := f.Offset, f.End()
	nullable := f.NullBit >= 0 || (f.IsText() && f.HasNullIf())
	if f.CodePage != 0 && !f.HasNullIf() && f.Trim == storage.TrimTrailing {
		// EBCDIC, the common case: decode straight into the column and
		// drop the trailing padding there.
		for i, r := range sel {
			start := len(data)
			data = f.AppendText(data, ch.record(r)[off:end])
			data = data[:start+len(storage.TrimChar(data[start:], storage.TrimTrailing))]
			offsets[i] = int32(len(data))
		}
	} else if f.CodePage != 0 {
		// EBCDIC: decode each value to UTF-8, then as an ASCII field.
		var buf [valueBufLen]byte
		for i, r := range sel {
			v := f.ValueBytes(ch.record(r)[off:end], buf[:])
			if f.IsTextNull(v) {
				d.valid.setNull(d.n+i, d.capacity)
			} else {
				data = append(data, storage.TrimChar(v, f.Trim)...)
			}
			offsets[i] = int32(len(data))
		}
	} else if !nullable && f.Width == 1 && f.Trim != storage.TrimNone {
		// One-character codes (flags, statuses): a padding byte is ''.
		src, stride := ch.data, ch.stride
		for i, r := range sel {
			if c := src[int(r)*stride+off]; c != ' ' && c != 0 {
				data = append(data, c)
			}
			offsets[i] = int32(len(data))
		}
	} else if !nullable && f.Trim == storage.TrimTrailing && !ch.padded {
		// The common case: trailing padding only, no NULLs.
		src, stride := ch.data, ch.stride
		for i, r := range sel {
			p := int(r) * stride
			v := storage.TrimChar(src[p+off:p+end], storage.TrimTrailing)
			data = append(data, v...)
			offsets[i] = int32(len(data))
		}
	} else {
		for i, r := range sel {
			rec := ch.record(r)
			raw := rec[off:end]
			if nullable && ((f.IsText() && f.IsTextNull(raw)) || (!f.IsText() && d.schema.IsNull(f, rec))) {
				d.valid.setNull(d.n+i, d.capacity)
			} else {
				data = append(data, storage.TrimChar(raw, f.Trim)...)
			}
			offsets[i] = int32(len(data))
		}
	}
	d.data = data
	d.n += len(sel)
	return nil
}

// grow enlarges the data buffer, keeping its contents.
func (d *stringDecoder) grow(extra int) {
	n := len(d.data)
	d.dataBuf.Reserve(max(2*cap(d.data), n+extra))
	d.data = d.dataBuf.Buf()[:n]
}

func (d *stringDecoder) finish(capacity int) arrow.Array {
	d.offBuf.ResizeNoShrink((d.n + 1) * 4) // no copy, as in fixedColumn.finish
	d.dataBuf.ResizeNoShrink(len(d.data))
	arr := makeArray(arrow.BinaryTypes.String, d.n, &d.valid, d.offBuf, d.dataBuf)
	d.offBuf, d.dataBuf, d.offsets, d.data, d.n, d.capacity, d.next = nil, nil, nil, nil, 0, 0, capacity
	return arr
}

func (d *stringDecoder) release() {
	if d.offBuf != nil {
		d.offBuf.Release()
		d.dataBuf.Release()
		d.offBuf, d.dataBuf = nil, nil
	}
	if vb, _ := d.valid.take(); vb != nil {
		vb.Release()
	}
}

// rowIDDecoder produces the _rowid column.
// base (Spec.RowIDBase) is added to the record number.
type rowIDDecoder struct {
	*fixedColumn[int64]
	base int64
}

func (d *rowIDDecoder) decode(ch *chunk, sel []int32) error {
	vals := d.vals[d.n : d.n+len(sel)]
	first := d.base + ch.first
	for i, r := range sel {
		vals[i] = first + int64(r)
	}
	d.n += len(sel)
	return nil
}

// newDecoder returns the decoder for field f.
func newDecoder(mem memory.Allocator, s *storage.Schema, f *storage.Field, capacity int) columnDecoder {
	if len(f.Shifts) > 0 {
		return newShiftDecoder(mem, s, f, capacity)
	}
	if f.IsArray() {
		return newListDecoder(mem, s, f, capacity)
	}
	if f.IsGroup() {
		return newStructDecoder(mem, s, f, capacity)
	}
	typ := f.Type.ArrowType()
	switch f.Type.Kind {
	case storage.Boolean:
		return newBoolDecoder(mem, f, s, capacity)
	case storage.Char:
		return newStringDecoder(mem, f, s, capacity)
	case storage.Int8:
		return &intDecoder[int8]{numDecoder[int8]{newFixed[int8](typ, mem, capacity), f, s}}
	case storage.Int16:
		return &intDecoder[int16]{numDecoder[int16]{newFixed[int16](typ, mem, capacity), f, s}}
	case storage.Int32, storage.Date:
		return &intDecoder[int32]{numDecoder[int32]{newFixed[int32](typ, mem, capacity), f, s}}
	case storage.Int64, storage.Timestamp:
		return &intDecoder[int64]{numDecoder[int64]{newFixed[int64](typ, mem, capacity), f, s}}
	case storage.Uint8:
		return &intDecoder[uint8]{numDecoder[uint8]{newFixed[uint8](typ, mem, capacity), f, s}}
	case storage.Uint16:
		return &intDecoder[uint16]{numDecoder[uint16]{newFixed[uint16](typ, mem, capacity), f, s}}
	case storage.Uint32:
		return &intDecoder[uint32]{numDecoder[uint32]{newFixed[uint32](typ, mem, capacity), f, s}}
	case storage.Uint64:
		return &intDecoder[uint64]{numDecoder[uint64]{newFixed[uint64](typ, mem, capacity), f, s}}
	case storage.Float32:
		return &floatDecoder[float32]{numDecoder[float32]{newFixed[float32](typ, mem, capacity), f, s}}
	case storage.Float64:
		return &floatDecoder[float64]{numDecoder[float64]{newFixed[float64](typ, mem, capacity), f, s}}
	case storage.Decimal:
		return &decimalDecoder{numDecoder[decimal128.Num]{newFixed[decimal128.Num](typ, mem, capacity), f, s}}
	}
	panic("scan: no decoder for " + f.Type.String())
}
