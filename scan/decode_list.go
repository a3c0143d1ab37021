package scan

import (
	"errors"
	"fmt"
	"math"
	"unsafe"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/storage"
)

// listDecoder decodes an array field (OCCURS n TIMES STRIDE s) into an
// Arrow LIST column: each record's n elements, in order.
//
// The elements are decoded by the ordinary decoder of the element type,
// over a view of the chunk in which every element is a "record" of its
// own: the view's stride is one byte and element k of record r is the
// view's record r*stride + offset + k*STRIDE. All the element decoders'
// paths (text, NULLIF, zoned, packed, binary) thus apply unchanged, and an
// element that does not decode is reported at its record and element (see
// chunk.fieldError).
//
// An array whose count is in the record (OCCURS ... DEPENDING ON) holds
// each record's count of elements (storage.Schema.CountAt); the array
// still takes its largest size in the record.
type listDecoder struct {
	mem   memory.Allocator
	s     *storage.Schema
	typ   arrow.DataType
	f     *storage.Field // the array field
	elemF storage.Field  // element 0 with offset 0: where the view's records start
	elem  columnDecoder
	// offs[i] is where row i's elements start; offs[n] the end.
	offs     []int32
	valid    validity
	n        int
	capacity int
	elems    int
	pos      []int32
	counts   []int32 // each record's count (DEPENDING ON)
	view     chunk
}

func newListDecoder(mem memory.Allocator, s *storage.Schema, f *storage.Field, capacity int) *listDecoder {
	d := &listDecoder{mem: mem, s: s, typ: f.ArrowType(), f: f, valid: validity{mem: mem}}
	d.elemF = f.Elem(0)
	d.elemF.Offset = 0
	d.elem = newDecoder(mem, s, &d.elemF, capacity*f.Occurs)
	d.offs = make([]int32, 1, capacity+1)
	return d
}

func (d *listDecoder) reserve(n int) {
	if n > d.capacity {
		d.capacity = max(n, 2*d.capacity)
		d.valid.grow(d.capacity)
	}
}

func (d *listDecoder) decode(ch *chunk, sel []int32) error {
	if len(sel) == 0 {
		return nil
	}
	f := d.f
	total := len(sel) * f.Occurs
	if len(ch.data) > math.MaxInt32 || d.elems+total > math.MaxInt32 {
		return fmt.Errorf("%s: array field %s: a batch of %d elements over %d bytes is past the 2 GiB limit of a list column (set a smaller batch size)", ch.table.Path, f.Name, d.elems+total, len(ch.data))
	}
	d.pos = d.pos[:0]
	if f.IsVariable() {
		d.counts = d.counts[:0]
		for _, r := range sel {
			c, err := d.s.CountAt(ch.record(r), f)
			if err != nil {
				cf := &d.s.Fields[f.DependsIndex]
				var fe *storage.FieldError
				if errors.As(err, &fe) {
					err = fe.Err
				}
				return ch.fieldError(r, cf, ch.record(r)[cf.Offset:cf.End()], fmt.Errorf("%w (the element count of %s)", err, f.Name))
			}
			d.counts = append(d.counts, int32(c))
		}
	}
	for i, r := range sel {
		p := int(r)*ch.stride + f.Offset
		n := f.Occurs
		if f.IsVariable() {
			n = int(d.counts[i])
		}
		for k := 0; k < n; k++ {
			d.pos = append(d.pos, int32(p+k*f.Stride))
		}
	}
	total = len(d.pos)
	d.view = chunk{table: ch.table, first: ch.first, n: len(ch.data), data: ch.data, stride: 1, recLen: f.Width, padded: ch.padded, elemOf: ch, elemField: f}
	d.elem.reserve(d.elems + total)
	if err := d.elem.decode(&d.view, d.pos); err != nil {
		return err
	}
	for i := range sel {
		if f.IsVariable() {
			d.elems += int(d.counts[i])
		} else {
			d.elems += f.Occurs
		}
		d.offs = append(d.offs, int32(d.elems))
	}
	d.n += len(sel)
	return nil
}

// appendNulls appends n NULL lists (rows of a record type that does not
// hold the field).
func (d *listDecoder) appendNulls(n int) {
	for range n {
		d.valid.setNull(d.n, d.capacity)
		d.offs = append(d.offs, int32(d.elems))
		d.n++
	}
}

func (d *listDecoder) finish(capacity int) arrow.Array {
	// A batch of NULL lists only decodes no element, but the element
	// column still needs its (empty) buffers.
	d.elem.reserve(d.elems)
	child := d.elem.finish(capacity * d.f.Occurs)
	defer child.Release()
	ob := memory.NewResizableBuffer(d.mem)
	ob.Resize(len(d.offs) * 4)
	copy(unsafe.Slice((*int32)(unsafe.Pointer(unsafe.SliceData(ob.Bytes()))), len(d.offs)), d.offs)
	vb, nulls := d.valid.take()
	data := array.NewData(d.typ, d.n, []*memory.Buffer{vb, ob}, []arrow.ArrayData{child.Data()}, nulls, 0)
	arr := array.MakeFromData(data)
	data.Release()
	ob.Release()
	if vb != nil {
		vb.Release()
	}
	d.offs = d.offs[:1]
	d.n, d.elems, d.capacity = 0, 0, 0
	d.view = chunk{}
	return arr
}

func (d *listDecoder) release() {
	d.elem.release()
	if vb, _ := d.valid.take(); vb != nil {
		vb.Release()
	}
	d.view = chunk{}
}

// elemError places a decode error of an array element: p is the element's
// byte position in the parent chunk's data (a record of the view).
func (ch *chunk) elemError(p int32, raw []byte, err error) error {
	parent, f := ch.elemOf, ch.elemField
	r := int(p) / parent.stride
	k := (int(p) - r*parent.stride - f.Offset) / f.Stride
	e := f.Elem(k)
	e.Name = fmt.Sprintf("%s[%d]", f.Name, k+1)
	return parent.fieldError(int32(r), &e, raw, err)
}
