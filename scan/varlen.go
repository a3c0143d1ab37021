package scan

import (
	"github.com/apache/arrow/go/v17/arrow"
	"github.com/recq/recq/storage"
)

// Variable-length records (record_format V or VB). The table's sparse
// record index (storage.VarIndex) splits the file into spans of about one
// chunk; a chunk is (part of) one span. A worker reads the span's bytes,
// walks the RDWs to find each record (storage.Framing.Split: the start
// and length of every record of the chunk) and copies the records into
// a buffer of fixed-length slots, so predicates and decoders work as
// for fixed-length records. A field that lies wholly or partly past its
// record's end is NULL (shortMasked, varFilter); bytes past the layout's
// length are ignored.

// planVar cuts the ranges into chunks at the record index's entries.
func (s *Scan) planVar(ranges []RowRange) {
	x := s.table.Layout.Var
	for _, r := range ranges {
		for first := r.Start; first < r.End; {
			_, end, _, _ := x.Span(x.Entry(first))
			end = min(end, r.End)
			s.chunks = append(s.chunks, chunkSpec{first: first, n: end - first, block: -1})
			first = end
		}
	}
}

// readVar reads the bytes of the index span that holds chunk c.
func (p *partition) readVar(c chunkSpec) (*storage.Region, error) {
	x := p.scan.table.Layout.Var
	_, _, off, end := x.Span(x.Entry(c.first))
	return p.run.src.Read(off, int(end-off))
}

// splitVar finds chunk c's records in data (the bytes of its index span)
// and copies them into fixed-length slots of the layout's record length.
// The bytes of a slot past its record's end are left as they are: no
// predicate or decoder reads them (shortMasked, varFilter).
func (p *partition) splitVar(c chunkSpec, data []byte) error {
	t := p.scan.table
	l := &t.Layout
	x := l.Var
	first, _, off, _ := x.Span(x.Entry(c.first))
	p.spans.Reset()
	fr := t.Raw.Framing()
	if _, err := fr.Split(t.Path, data, off, first, int(c.first-first), int(c.n), &p.spans); err != nil {
		return err
	}
	if k := p.spans.N(); k != int(c.n) {
		at := off
		if k > 0 {
			at += int64(p.spans.Start[k-1] + p.spans.Len[k-1])
		}
		return &storage.FileError{Path: t.Path, Record: c.first + int64(k), Offset: at, Err: storage.ErrCorrupt,
			Msg:  "the file holds fewer records than its record index says: it changed after it was opened",
			Hint: "run the query again (the index is rebuilt for the changed file)"}
	}
	recLen := l.RecordLen
	need := int(c.n) * recLen
	if cap(p.padBuf) < need {
		p.padBuf = make([]byte, need)
	}
	buf := p.padBuf[:need]
	for i, start := range p.spans.Start {
		dst := buf[i*recLen : (i+1)*recLen]
		copy(dst, data[start:start+p.spans.Len[i]])
	}
	p.ch.data, p.ch.stride, p.ch.padded = buf, recLen, true
	p.ch.varBase, p.ch.varStart, p.ch.varLen = off, p.spans.Start, p.spans.Len
	return nil
}

// shortMasked decodes a field of a variable-length file: NULL on the
// records that end before the field does. Under variable_size_occurs a
// field after an OCCURS DEPENDING ON array (and the array itself) ends
// where the record's counts put it, so its end is worked out per record.
type shortMasked struct {
	inner  columnDecoder
	end    int // the field's end offset in the record (its largest, when it moves)
	schema *storage.Schema
	field  *storage.Field // set when the end depends on the record's counts
}

func newShortMasked(inner columnDecoder, s *storage.Schema, f *storage.Field) *shortMasked {
	m := &shortMasked{inner: inner, end: f.End()}
	if s.VariableSizeOccurs && (len(f.Shifts) > 0 || f.IsVariable()) {
		m.schema, m.field = s, f
	}
	return m
}

// endOf is the end offset of the field in record r. A count that cannot
// be read gives 0, so the record is decoded and the decoder reports the
// count's error.
func (m *shortMasked) endOf(ch *chunk, r int32) int {
	if m.field == nil {
		return m.end
	}
	rec := ch.record(r)
	shift, err := m.schema.ShiftAt(rec, m.field)
	if err != nil {
		return 0
	}
	end := m.end + shift
	if m.field.IsVariable() {
		n, err := m.schema.CountAt(rec, m.field)
		if err != nil {
			return 0
		}
		end -= (m.field.Occurs - n) * m.field.Stride
	}
	return end
}

func (m *shortMasked) decode(ch *chunk, sel []int32) error {
	return decodeWhere(m.inner, ch, sel, func(r int32) bool { return ch.varLen[r] >= m.endOf(ch, r) })
}

func (m *shortMasked) reserve(n int)                   { m.inner.reserve(n) }
func (m *shortMasked) finish(capacity int) arrow.Array { return m.inner.finish(capacity) }
func (m *shortMasked) release()                        { m.inner.release() }

// varFilter runs predicate c over the records of a variable-length
// chunk: the field of a record that ends before it is NULL, so IS NULL
// keeps the record and every other test drops it.
func varFilter(c *compiled, ch *chunk, sel, out []int32) ([]int32, error) {
	end := c.field.End()
	for i := 0; i < len(sel); {
		in := ch.varLen[sel[i]] >= end
		j := i + 1
		for j < len(sel) && (ch.varLen[sel[j]] >= end) == in {
			j++
		}
		switch {
		case in:
			var err error
			if out, err = c.filter(ch, sel[i:j], out); err != nil {
				return out, err
			}
		case c.nullTest > 0:
			out = append(out, sel[i:j]...)
		}
		i = j
	}
	return out, nil
}
