package exec

import (
	"math/bits"
	"unsafe"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/bitutil"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// Array construction without builders: kernels write straight into
// allocator buffers and wrap them with array.NewData.

// bytesAs reinterprets b as a slice of T (len(b)/sizeof(T) elements).
func bytesAs[T any](b []byte) []T {
	var z T
	sz := int(unsafe.Sizeof(z))
	if len(b) < sz {
		return nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/sz)
}

// values returns the fixed-width values of a (offset applied).
func values[T any](a arrow.Array) []T {
	d := a.Data()
	bufs := d.Buffers()
	if len(bufs) < 2 || bufs[1] == nil {
		return nil
	}
	all := bytesAs[T](bufs[1].Bytes())
	return all[d.Offset() : d.Offset()+d.Len()]
}

// newBuf allocates a buffer of n bytes; its capacity is padded to 64 bytes,
// so word-wise access to bitmaps is safe. The contents are not zeroed.
func newBuf(mem memory.Allocator, n int) *memory.Buffer {
	b := memory.NewResizableBuffer(mem)
	b.Resize(n)
	return b
}

// newBitmap allocates a bitmap of n bits, all set (fill) or all clear.
func newBitmap(mem memory.Allocator, n int, fill bool) *memory.Buffer {
	nb := bitutil.BytesForBits(int64(n))
	b := newBuf(mem, int(nb))
	buf := b.Buf()
	v := byte(0)
	if fill {
		v = 0xff
	}
	for i := range buf {
		buf[i] = v
	}
	return b
}

// settleNullCounts computes and caches the null count of every column of
// rec and of their children. Arrow computes a sliced array's null count
// lazily, on the first NullN call, and stores it in the array: two
// goroutines reading the same array would race on that store. Operators
// that keep batches for several partitions to read at once (memory
// sources, join build sides, sorted and windowed runs) settle them first,
// while only one goroutine holds them.
func settleNullCounts(rec arrow.Record) {
	for _, a := range rec.Columns() {
		settleDataNulls(a.Data())
	}
}

// settleDataNulls is settleNullCounts for one array's data and its
// children (a list's values, a struct's fields, a dictionary).
func settleDataNulls(d arrow.ArrayData) {
	if ad, ok := d.(*array.Data); ok && ad.NullN() < 0 {
		bufs := ad.Buffers()
		if len(bufs) > 0 && bufs[0] != nil {
			ad.SetNullN(ad.Len() - bitutil.CountSetBits(bufs[0].Bytes(), ad.Offset(), ad.Len()))
		} else if d.DataType().ID() == arrow.NULL {
			ad.SetNullN(ad.Len())
		} else {
			ad.SetNullN(0)
		}
	}
	for _, c := range d.Children() {
		settleDataNulls(c)
	}
	if d.DataType().ID() == arrow.DICTIONARY {
		settleDataNulls(d.Dictionary())
	}
}

// validityOf returns a's validity bitmap and bit offset, or nil when a has
// no nulls.
func validityOf(a arrow.Array) ([]byte, int) {
	if a.NullN() == 0 {
		return nil, 0
	}
	d := a.Data()
	if b := d.Buffers()[0]; b != nil {
		return b.Bytes(), d.Offset()
	}
	return nil, 0
}

func getBit(b []byte, i int) bool { return b[i>>3]>>(uint(i)&7)&1 != 0 }

func setBit(b []byte, i int)   { b[i>>3] |= 1 << (uint(i) & 7) }
func clearBit(b []byte, i int) { b[i>>3] &^= 1 << (uint(i) & 7) }

// isValid reports whether row i of a is not NULL.
func isValid(valid []byte, off, i int) bool { return valid == nil || getBit(valid, off+i) }

// validityAnd returns a new validity bitmap that is the AND of the inputs'
// bitmaps, or nil when no input has nulls. An all-NULL-typed input makes
// every row NULL.
func validityAnd(mem memory.Allocator, n int, arrs ...arrow.Array) *memory.Buffer {
	var out *memory.Buffer
	for _, a := range arrs {
		if a == nil {
			continue
		}
		if a.DataType().ID() == arrow.NULL {
			if out != nil {
				out.Release()
			}
			return newBitmap(mem, n, false)
		}
		v, off := validityOf(a)
		if v == nil {
			continue
		}
		if out == nil {
			out = newBitmap(mem, n, false)
			bitutil.CopyBitmap(v, off, n, out.Buf(), 0)
			continue
		}
		bitutil.BitmapAnd(out.Buf(), v, 0, int64(off), out.Buf(), 0, int64(n))
	}
	return out
}

// countNulls counts clear bits in the first n bits of a bitmap.
func countNulls(valid *memory.Buffer, n int) int {
	if valid == nil {
		return 0
	}
	return n - bitutil.CountSetBits(valid.Buf(), 0, n)
}

// makeArray wraps buffers (ownership passes to the array) into an array.
func makeArray(typ arrow.DataType, n int, bufs []*memory.Buffer, nulls int) arrow.Array {
	if nulls < 0 {
		nulls = countNulls(bufs[0], n)
	}
	if nulls == 0 && bufs[0] != nil {
		bufs[0].Release()
		bufs[0] = nil
	}
	data := array.NewData(typ, n, bufs, nil, nulls, 0)
	arr := array.MakeFromData(data)
	data.Release()
	for _, b := range bufs {
		if b != nil {
			b.Release()
		}
	}
	return arr
}

// fixedOut is a fixed-width output vector under construction.
type fixedOut[T any] struct {
	typ   arrow.DataType
	n     int
	buf   *memory.Buffer
	v     []T
	valid *memory.Buffer
}

func newFixedOut[T any](mem memory.Allocator, typ arrow.DataType, n int) fixedOut[T] {
	var z T
	sz := int(unsafe.Sizeof(z))
	b := newBuf(mem, n*sz)
	var v []T
	if n > 0 {
		v = bytesAs[T](b.Buf())[:n]
	}
	return fixedOut[T]{typ: typ, n: n, buf: b, v: v}
}

// ensureValid gives the output a validity bitmap (all valid) if it has none.
func (o *fixedOut[T]) ensureValid(mem memory.Allocator) []byte {
	if o.valid == nil {
		o.valid = newBitmap(mem, o.n, true)
	}
	return o.valid.Buf()
}

func (o *fixedOut[T]) setNull(mem memory.Allocator, i int) {
	clearBit(o.ensureValid(mem), i)
}

// finish builds the array; nulls < 0 means count them.
func (o *fixedOut[T]) finish() arrow.Array {
	return makeArray(o.typ, o.n, []*memory.Buffer{o.valid, o.buf}, -1)
}

func (o *fixedOut[T]) release() {
	o.buf.Release()
	if o.valid != nil {
		o.valid.Release()
	}
}

// boolOut is a boolean output vector: a values bitmap and optional validity.
type boolOut struct {
	n     int
	vals  *memory.Buffer
	valid *memory.Buffer
}

func newBoolOut(mem memory.Allocator, n int) boolOut {
	return boolOut{n: n, vals: newBitmap(mem, n, false)}
}

func (o *boolOut) finish() arrow.Array {
	return makeArray(tBool, o.n, []*memory.Buffer{o.valid, o.vals}, -1)
}

// packBools packs 0/1 bytes into a bitmap (LSB first).
func packBools(dst []byte, src []bool) {
	n := len(src)
	i := 0
	for ; i+8 <= n; i += 8 {
		u := *(*uint64)(unsafe.Pointer(&src[i]))
		dst[i>>3] = byte((u * 0x0102040810204080) >> 56)
	}
	if i < n {
		var b byte
		for j := i; j < n; j++ {
			if src[j] {
				b |= 1 << uint(j-i)
			}
		}
		dst[i>>3] = b
	}
}

// boolsToArray packs bools with a validity buffer (owned) into a Boolean array.
func boolsToArray(mem memory.Allocator, src []bool, valid *memory.Buffer) arrow.Array {
	o := newBoolOut(mem, len(src))
	packBools(o.vals.Buf(), src)
	o.valid = valid
	return o.finish()
}

// words returns a bitmap of n bits starting at bit off as 64-bit words at
// offset 0, sharing memory when it can.
func words(b []byte, off, n int) []uint64 {
	nw := (n + 63) / 64
	if off == 0 && cap(b) >= nw*8 {
		return bytesAs[uint64](b[:nw*8])
	}
	out := make([]uint64, nw)
	if b == nil || nw == 0 {
		return out
	}
	dst := unsafe.Slice((*byte)(unsafe.Pointer(&out[0])), nw*8)
	bitutil.CopyBitmap(b, off, n, dst, 0)
	return out
}

// onesWords returns n bits all set, as 64-bit words.
func onesWords(n int) []uint64 {
	nw := (n + 63) / 64
	out := make([]uint64, nw)
	for i := range out {
		out[i] = ^uint64(0)
	}
	return out
}

// boolWords returns a boolean array's values and validity as words. The
// validity is all ones when there are no nulls.
func boolWords(a arrow.Array) (vals, valid []uint64) {
	n := a.Len()
	d := a.Data()
	if a.DataType().ID() == arrow.NULL {
		nw := (n + 63) / 64
		return make([]uint64, nw), make([]uint64, nw)
	}
	vals = words(d.Buffers()[1].Bytes(), d.Offset(), n)
	if v, off := validityOf(a); v != nil {
		valid = words(v, off, n)
	} else {
		valid = onesWords(n)
	}
	return vals, valid
}

// wordsToBoolArray copies word bitmaps into a new Boolean array.
func wordsToBoolArray(mem memory.Allocator, n int, vals, valid []uint64) arrow.Array {
	vb := newBuf(mem, int(bitutil.BytesForBits(int64(n))))
	vw := bytesAs[uint64](vb.Buf())
	copy(vw, vals)
	var validBuf *memory.Buffer
	if valid != nil {
		validBuf = newBuf(mem, int(bitutil.BytesForBits(int64(n))))
		copy(bytesAs[uint64](validBuf.Buf()), valid)
	}
	return makeArray(tBool, n, []*memory.Buffer{validBuf, vb}, -1)
}

// selToWords marks sel rows (or all n rows) in a word bitmap.
func selToWords(sel []int32, n int) []uint64 {
	if sel == nil {
		w := onesWords(n)
		if r := n % 64; r != 0 {
			w[len(w)-1] = (1 << uint(r)) - 1
		}
		return w
	}
	w := make([]uint64, (n+63)/64)
	for _, i := range sel {
		w[i>>6] |= 1 << (uint(i) & 63)
	}
	return w
}

// wordsToSel lists the set bits of a word bitmap (first n bits).
func wordsToSel(w []uint64, n int, dst []int32) []int32 {
	dst = dst[:0]
	for wi, x := range w {
		base := int32(wi * 64)
		for x != 0 {
			t := bits.TrailingZeros64(x)
			i := base + int32(t)
			if int(i) >= n {
				return dst
			}
			dst = append(dst, i)
			x &= x - 1
		}
	}
	return dst
}

// strParts returns a string array's offsets (len n+1, absolute into data)
// and data bytes.
func strParts(a arrow.Array) ([]int32, []byte) {
	d := a.Data()
	bufs := d.Buffers()
	var offs []int32
	if bufs[1] != nil {
		offs = bytesAs[int32](bufs[1].Bytes())
		offs = offs[d.Offset() : d.Offset()+d.Len()+1]
	}
	var data []byte
	if len(bufs) > 2 && bufs[2] != nil {
		data = bufs[2].Bytes()
	}
	return offs, data
}

// strOut builds a string array row by row, in order.
type strOut struct {
	mem     memory.Allocator
	n, i    int
	offBuf  *memory.Buffer
	offs    []int32
	dataBuf *memory.Buffer
	data    []byte
	valid   *memory.Buffer
}

func newStrOut(mem memory.Allocator, n, hint int) *strOut {
	o := &strOut{mem: mem, n: n}
	o.offBuf = newBuf(mem, (n+1)*4)
	o.offs = bytesAs[int32](o.offBuf.Buf())[:n+1]
	o.offs[0] = 0
	o.dataBuf = memory.NewResizableBuffer(mem)
	if hint > 0 {
		o.dataBuf.Reserve(hint)
	}
	o.data = o.dataBuf.Buf()[:0]
	return o
}

func (o *strOut) grow(need int) {
	c := cap(o.data)
	nc := max(2*c, len(o.data)+need, 64)
	l := len(o.data)
	o.dataBuf.ResizeNoShrink(l)
	o.dataBuf.Reserve(nc)
	o.data = o.dataBuf.Buf()[:l]
}

// add appends the next row's value.
func (o *strOut) add(b []byte) {
	if len(o.data)+len(b) > cap(o.data) {
		o.grow(len(b))
	}
	o.data = append(o.data, b...)
	o.i++
	o.offs[o.i] = int32(len(o.data))
}

func (o *strOut) addString(s string) {
	if len(o.data)+len(s) > cap(o.data) {
		o.grow(len(s))
	}
	o.data = append(o.data, s...)
	o.i++
	o.offs[o.i] = int32(len(o.data))
}

// addNull appends a NULL row.
func (o *strOut) addNull() {
	if o.valid == nil {
		o.valid = newBitmap(o.mem, o.n, true)
	}
	clearBit(o.valid.Buf(), o.i)
	o.i++
	o.offs[o.i] = int32(len(o.data))
}

func (o *strOut) finish() arrow.Array {
	o.dataBuf.ResizeNoShrink(len(o.data))
	return makeArray(tString, o.n, []*memory.Buffer{o.valid, o.offBuf, o.dataBuf}, -1)
}

// nullArray returns an all-NULL array of type typ and length n.
func nullArray(mem memory.Allocator, typ arrow.DataType, n int) arrow.Array {
	switch {
	case isNull(typ):
		return array.NewNull(n)
	case isString(typ):
		o := newStrOut(mem, n, 0)
		for i := 0; i < n; i++ {
			o.addNull()
		}
		return o.finish()
	case isBool(typ):
		o := newBoolOut(mem, n)
		o.valid = newBitmap(mem, n, false)
		return o.finish()
	case IsList(typ) || IsStruct(typ):
		b := array.NewBuilder(mem, typ)
		defer b.Release()
		b.AppendNulls(n)
		return b.NewArray()
	}
	w := byteWidth(typ)
	b := newBuf(mem, n*w)
	buf := b.Buf()
	for i := range buf {
		buf[i] = 0
	}
	return makeArray(typ, n, []*memory.Buffer{newBitmap(mem, n, false), b}, n)
}

// byteWidth is the width of a fixed-width type's values.
func byteWidth(t arrow.DataType) int {
	if fw, ok := t.(arrow.FixedWidthDataType); ok {
		if b := fw.BitWidth(); b >= 8 {
			return b / 8
		}
	}
	return 8
}

// copyBits copies n bits from src (at bit off) to dst at bit 0.
func copyBits(dst, src []byte, off, n int) { bitutil.CopyBitmap(src, off, n, dst, 0) }

// invertBits copies n inverted bits from src (at bit off) to dst at bit 0.
func invertBits(dst, src []byte, off, n int) { bitutil.InvertBitmap(src, off, n, dst, 0) }
