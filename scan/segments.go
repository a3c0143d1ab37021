package scan

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/bitutil"
	"github.com/recq/recq/storage"
)

// Files of several record types (storage.Segments).
//
// Each chunk's records are classified by their discriminator bytes when
// the chunk is prepared, before any field is decoded. The types the table
// does not read are dropped first, ahead of every predicate, so fields of
// other types are never read; a field tied to some types is NULL on the
// others' records.
//
// _parent_rowid: a chunk starts with, for each parent type, the record
// number of the last record of that type before the chunk, found by
// looking back over the raw records (the discriminator bytes only), then
// walks its records forward. The answer depends only on the file, never on
// how it was cut into chunks. Looking back goes block by block (fixed runs
// of records); the last record of each type in a whole block is memoized
// for the run, so a parent type that is rare (or absent) costs at most one
// extra pass over the file's discriminators, not one per chunk.

// lookBackBytes is the size of a look-back block.
const lookBackBytes = 64 << 10

// planSegments sets up the scan of a file of record types.
func (s *Scan) planSegments() error {
	sg := s.table.Raw.Segments
	if s.spec.ParentRowID && (sg == nil || !sg.HasParents()) {
		return fmt.Errorf("scan: %s has no parent record types (segment_children), so no _parent_rowid", s.table.Path)
	}
	if sg == nil {
		return nil
	}
	for _, p := range s.spec.Filter {
		if sg.Partial(p.Field) {
			return fmt.Errorf("scan: the predicate %s cannot run on the raw records: only some record types hold %s (redefine_segment_id_map); test it after decoding",
				p.String(s.table.Schema), s.table.Schema.Fields[p.Field].Name)
		}
	}
	s.segs, s.segFilter = sg, sg.Filter != nil
	s.lookBack = int64(min(max(lookBackBytes/max(s.table.Layout.Stride, 1), 16), 4096))
	return nil
}

// segmentLine is the EXPLAIN text of the record-type filter.
func (s *Scan) segmentLine() string { return s.segs.FilterString(s.table.Schema) }

// keepTypes appends to dst the records of sel whose type the table reads.
func (s *Scan) keepTypes(ch *chunk, sel, dst []int32) []int32 {
	sg := s.segs
	if len(sg.Filter) == 1 {
		want := int16(sg.Filter[0])
		for _, r := range sel {
			if ch.seg[r] == want {
				dst = append(dst, r)
			}
		}
		return dst
	}
	for _, r := range sel {
		if sg.Reads(int(ch.seg[r])) {
			dst = append(dst, r)
		}
	}
	return dst
}

// classify sets the chunk's record types and, when _parent_rowid is read,
// the parents' record numbers. A record of a type the options do not name
// is an error when they list the file's types.
func (p *partition) classify() error {
	s := p.scan
	sg := s.segs
	ch := &p.ch
	if cap(ch.seg) < ch.n {
		ch.seg = make([]int16, ch.n)
	}
	ch.seg = ch.seg[:ch.n]
	f := &s.table.Schema.Fields[sg.Field]
	off, end := f.Offset, f.End()
	if types := sg.ByteTypes(); types != nil && ch.varLen == nil && ch.n > 0 {
		// Fixed-length records, one discriminator byte: a table lookup
		// per record, the unknown types checked once for the chunk.
		unknown := false
		data := ch.data[off : (ch.n-1)*ch.stride+off+1]
		for r := range ch.n {
			v := types[data[r*ch.stride]]
			ch.seg[r] = v
			unknown = unknown || v < 0
		}
		if unknown && sg.Closed {
			r := slices.Index(ch.seg, -1)
			return sg.UnknownTypeError(s.table.Schema, s.table.Path, ch.first+int64(r), ch.fileOffset(int32(r)), ch.record(int32(r))[off:end])
		}
	} else {
		for r := range ch.n {
			raw := ch.record(int32(r))[off:end]
			if ch.varLen != nil && ch.varLen[r] < end {
				// A variable-length record that ends before its type field.
				raw = raw[:max(ch.varLen[r]-off, 0)]
			}
			v := sg.Classify(raw)
			if v < 0 && sg.Closed {
				return sg.UnknownTypeError(s.table.Schema, s.table.Path, ch.first+int64(r), ch.fileOffset(int32(r)), raw)
			}
			ch.seg[r] = int16(v)
		}
	}
	if !s.spec.ParentRowID {
		return nil
	}
	last, err := p.lookBack(ch.first)
	if err != nil {
		return err
	}
	if cap(ch.parent) < ch.n {
		ch.parent = make([]int64, ch.n)
	}
	ch.parent = ch.parent[:ch.n]
	for r, v := range ch.seg {
		ch.parent[r] = -1
		if v < 0 {
			continue
		}
		if par := sg.Parent[v]; par >= 0 {
			ch.parent[r] = last[par]
		}
		last[v] = ch.first + int64(r)
	}
	return nil
}

// lookBack returns, for every type, the record number of the last record
// of that type before record first (-1 for none); only the parent types
// of the types the table reads are looked for.
func (p *partition) lookBack(first int64) ([]int64, error) {
	s := p.scan
	sg := s.segs
	need := sg.ParentTypes()
	last := make([]int64, len(sg.Values))
	missing := 0
	for v := range last {
		last[v] = -1
		if need[v] {
			missing++
		}
	}
	take := func(found []int64) {
		for v, r := range found {
			if need[v] && last[v] < 0 && r >= 0 {
				last[v] = r
				missing--
			}
		}
	}
	b := first / s.lookBack
	if start := b * s.lookBack; start < first && missing > 0 {
		// The part of first's block before it: read, not memoized.
		found, err := p.lastOfTypes(start, first)
		if err != nil {
			return nil, err
		}
		take(found)
	}
	for b--; b >= 0 && missing > 0; b-- {
		if err := p.ctx.Err(); err != nil {
			return nil, err // a rare parent type may send this far back
		}
		found, err := p.blockMemo(b)
		if err != nil {
			return nil, err
		}
		take(found)
	}
	return last, nil
}

// blockMemo returns the last record of each type in look-back block b,
// from the run's memo or read.
func (p *partition) blockMemo(b int64) ([]int64, error) {
	r := p.run
	r.segMu.Lock()
	found, ok := r.segMemo[b]
	r.segMu.Unlock()
	if ok {
		return found, nil
	}
	n := p.scan.lookBack
	found, err := p.lastOfTypes(b*n, min((b+1)*n, p.scan.table.Layout.Count))
	if err != nil {
		return nil, err
	}
	r.segMu.Lock()
	if r.segMemo == nil {
		r.segMemo = map[int64][]int64{}
	}
	r.segMemo[b] = found
	r.segMu.Unlock()
	return found, nil
}

// lastOfTypes reads records [from, to) and returns the last record of each
// type among them (-1 for none), reading only the discriminator bytes.
func (p *partition) lastOfTypes(from, to int64) ([]int64, error) {
	s := p.scan
	sg := s.segs
	l := &s.table.Layout
	found := make([]int64, len(sg.Values))
	for v := range found {
		found[v] = -1
	}
	if l.Var != nil {
		return found, p.lastOfTypesVar(from, to, found)
	}
	off := l.RecordOffset(from)
	end := l.DataEnd()
	if to < l.Count {
		end = l.RecordOffset(to)
	}
	reg, err := p.run.src.Read(off, int(end-off))
	if err != nil {
		return nil, err
	}
	defer reg.Release()
	f := &s.table.Schema.Fields[sg.Field]
	left := len(found)
	err = p.guard(func() error {
		data := reg.Bytes
		for rec := to - 1; rec >= from && left > 0; rec-- {
			var raw []byte
			if l.LineStarts != nil {
				// A short line, read as the forward scan pads it.
				line := bytes.TrimSuffix(data[l.LineStarts[rec]-off:l.LineStarts[rec+1]-off], l.Separator)
				raw = line[min(f.Offset, len(line)):min(f.End(), len(line))]
			} else {
				pos := int(rec-from) * l.Stride
				raw = data[pos+f.Offset : pos+f.End()]
			}
			if v := sg.Classify(raw); v >= 0 && found[v] < 0 {
				found[v] = rec
				left--
			}
		}
		return nil
	})
	return found, err
}

// segmentMasked decodes a field that only some record types hold: NULL
// on the others' records.
type segmentMasked struct {
	inner columnDecoder
	holds []bool // by type; the last entry is for unnamed types
}

// nullAppender is a decoder that can append NULLs.
type nullAppender interface {
	appendNulls(n int)
}

func newSegmentMasked(d columnDecoder, sg *storage.Segments, field int) columnDecoder {
	m := &segmentMasked{inner: d, holds: make([]bool, len(sg.Values)+1)}
	for v := range sg.Values {
		m.holds[v] = sg.Holds(field, v)
	}
	return m
}

func (m *segmentMasked) has(v int16) bool {
	if v < 0 {
		return m.holds[len(m.holds)-1]
	}
	return m.holds[v]
}

func (m *segmentMasked) decode(ch *chunk, sel []int32) error {
	return decodeWhere(m.inner, ch, sel, func(r int32) bool { return m.has(ch.seg[r]) })
}

// decodeWhere decodes the records of sel that hold the field (holds) with
// inner, and appends NULL for the others, one run of alike records at a
// time.
func decodeWhere(inner columnDecoder, ch *chunk, sel []int32, holds func(r int32) bool) error {
	for i := 0; i < len(sel); {
		in := holds(sel[i])
		j := i + 1
		for j < len(sel) && holds(sel[j]) == in {
			j++
		}
		if in {
			if err := inner.decode(ch, sel[i:j]); err != nil {
				return err
			}
		} else {
			inner.(nullAppender).appendNulls(j - i)
		}
		i = j
	}
	return nil
}

func (m *segmentMasked) reserve(n int)                   { m.inner.reserve(n) }
func (m *segmentMasked) finish(capacity int) arrow.Array { return m.inner.finish(capacity) }
func (m *segmentMasked) release()                        { m.inner.release() }

// parentDecoder produces the _parent_rowid column from chunk.parent.
type parentDecoder struct {
	*fixedColumn[int64]
	base int64
}

func (d *parentDecoder) decode(ch *chunk, sel []int32) error {
	vals := d.vals[d.n : d.n+len(sel)]
	for i, r := range sel {
		if par := ch.parent[r]; par >= 0 {
			vals[i] = d.base + par
		} else {
			vals[i] = 0
			d.valid.setNull(d.n+i, d.capacity)
		}
	}
	d.n += len(sel)
	return nil
}

// appendNulls appends n NULLs.
func (c *fixedColumn[T]) appendNulls(n int) {
	var zero T
	for i := range n {
		c.vals[c.n+i] = zero
		c.valid.setNull(c.n+i, c.capacity)
	}
	c.n += n
}

func (d *boolDecoder) appendNulls(n int) {
	for range n {
		bitutil.ClearBit(d.bits, d.n)
		d.valid.setNull(d.n, d.capacity)
		d.n++
	}
}

func (d *stringDecoder) appendNulls(n int) {
	for range n {
		d.offsets[d.n+1] = int32(len(d.data))
		d.valid.setNull(d.n, d.capacity)
		d.n++
	}
}
