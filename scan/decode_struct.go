package scan

import (
	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/storage"
)

// structDecoder decodes a group field (STRUCT) into an Arrow STRUCT
// column: one child column per member, each decoded by the member's own
// decoder from the same records (a member's offset is the group's plus
// its own). An element of an array of groups is decoded the same way over
// the list decoder's view, where each element is a record.
type structDecoder struct {
	typ      arrow.DataType
	f        *storage.Field  // the group, whose Offset may move (shiftDecoder)
	members  []storage.Field // with absolute offsets and names group.member
	decs     []columnDecoder
	valid    validity
	n        int
	capacity int
}

func newStructDecoder(mem memory.Allocator, s *storage.Schema, f *storage.Field, capacity int) *structDecoder {
	d := &structDecoder{typ: f.ArrowType(), f: f, valid: validity{mem: mem}, members: make([]storage.Field, len(f.Members))}
	for k := range f.Members {
		d.members[k] = f.Member(k, f.Offset)
		d.members[k].Name = f.Name + "." + f.Members[k].Name
	}
	d.decs = make([]columnDecoder, len(d.members))
	for k := range d.members {
		d.decs[k] = newDecoder(mem, s, &d.members[k], capacity)
	}
	return d
}

func (d *structDecoder) reserve(n int) {
	if n > d.capacity {
		d.capacity = max(n, 2*d.capacity)
		d.valid.grow(d.capacity)
	}
	for _, m := range d.decs {
		m.reserve(n)
	}
}

func (d *structDecoder) decode(ch *chunk, sel []int32) error {
	for k := range d.members {
		d.members[k].Offset = d.f.Offset + d.f.Members[k].Offset
	}
	for _, m := range d.decs {
		if err := m.decode(ch, sel); err != nil {
			return err
		}
	}
	d.n += len(sel)
	return nil
}

// appendNulls appends n NULL structs (rows of a record type that does not
// hold the group): NULL members under a NULL struct.
func (d *structDecoder) appendNulls(n int) {
	for _, m := range d.decs {
		m.(nullAppender).appendNulls(n)
	}
	for range n {
		d.valid.setNull(d.n, d.capacity)
		d.n++
	}
}

func (d *structDecoder) finish(capacity int) arrow.Array {
	children := make([]arrow.ArrayData, len(d.decs))
	for k, m := range d.decs {
		a := m.finish(capacity)
		children[k] = a.Data()
		defer a.Release()
	}
	vb, nulls := d.valid.take()
	data := array.NewData(d.typ, d.n, []*memory.Buffer{vb}, children, nulls, 0)
	arr := array.MakeFromData(data)
	data.Release()
	if vb != nil {
		vb.Release()
	}
	d.n, d.capacity = 0, 0
	return arr
}

func (d *structDecoder) release() {
	for _, m := range d.decs {
		m.release()
	}
	if vb, _ := d.valid.take(); vb != nil {
		vb.Release()
	}
}
