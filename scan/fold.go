package scan

import (
	"fmt"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/storage"
)

// Folding (Spec.Fold) replaces decoding: a partition hands the records
// its predicates and key filters selected to a Folder, piece by piece
// while they are in the CPU cache, and yields only what the Folder
// returns once the partition's chunks run out. exec's aggregation on raw
// record bytes is such a Folder: it reads the few bytes of each record it
// needs (group keys, summed fields) straight from the mapped file, so no
// column is ever built for the records it folds.
//
// A folding scan reads fixed-length records in any order: it refuses
// ordered runs, limits, samples, _rowid and _parent_rowid, files of
// variable-length records and files of several record types (whose
// fields are not in every record).

// Records is a view of consecutive fixed-length records of a file: record
// i (counted from the view's start) is Data[i*Stride:][:RecordLen], and is
// record First+i of the file. The bytes may be mapped file memory: they
// are valid only during the call they are passed to, and must not be
// written.
type Records struct {
	Data      []byte
	Stride    int
	RecordLen int
	First     int64
	// Columns are cached columns (colcache.go) of some of the fields in
	// Spec.FoldFields over the same records: read a field there rather
	// than in the records, whose cache lines then stay untouched.
	Columns []FieldColumn
}

// FieldColumn is one field's bytes of the records of a Records view,
// back to back: record i's value is Data[i*Width:][:Width].
type FieldColumn struct {
	Field int // index into the table schema
	Data  []byte
	Width int
}

// Column returns the cached column of field, if the view has one.
func (r Records) Column(field int) (FieldColumn, bool) {
	for _, c := range r.Columns {
		if c.Field == field {
			return c, true
		}
	}
	return FieldColumn{}, false
}

// Record returns record i of the view.
func (r Records) Record(i int32) []byte {
	p := int(i) * r.Stride
	return r.Data[p : p+r.RecordLen]
}

// A Folder consumes the selected records of one scan partition. The
// partition calls Fold any number of times, then Finish once (unless the
// scan failed or was cancelled), then Release; all on the partition's
// goroutine.
type Folder interface {
	// Fold takes records sel of recs. An error ends the scan; it should
	// name the record (recs.First + sel[i]) it is about.
	Fold(recs Records, sel []int32) error
	// Finish returns the partition's result, a batch of Spec.FoldSchema
	// (the caller owns it), or nil for none.
	Finish() (arrow.Record, error)
	// Release frees what the Folder holds.
	Release()
}

// checkFold reports why spec cannot fold, or nil.
func checkFold(spec *Spec, t *storage.Table) error {
	if spec.Fold == nil {
		return nil
	}
	switch {
	case spec.FoldSchema == nil:
		return fmt.Errorf("scan: Fold without FoldSchema")
	case spec.Ordered, spec.Limit > 0, spec.Sample != nil, spec.RowID, spec.ParentRowID:
		return fmt.Errorf("scan: a folding scan takes no order, limit, sample, _rowid or _parent_rowid")
	case t.Layout.Var != nil || t.Raw.Segments != nil:
		return fmt.Errorf("scan: %s cannot be folded: its records vary in length or type", t.Path)
	}
	return nil
}

// fold hands the pending selection to the partition's Folder.
func (p *partition) fold() error {
	part := p.sel[p.selPos:]
	recs := Records{Data: p.ch.data, Stride: p.ch.stride, RecordLen: p.ch.recLen, First: p.ch.first}
	p.foldCols = p.foldCols[:0]
	for _, c := range p.run.columns {
		if c.ready {
			p.foldCols = append(p.foldCols, FieldColumn{Field: c.field, Data: c.chunkData(p.ch.first, p.ch.n), Width: c.width})
		}
	}
	recs.Columns = p.foldCols
	err := p.guard(func() error { return p.folder.Fold(recs, part) })
	p.selPos = len(p.sel)
	return err
}

// finishFold makes the Folder's result the partition's batch; false when
// there is none.
func (p *partition) finishFold() (bool, error) {
	rec, err := p.folder.Finish()
	if err != nil || rec == nil {
		return false, err
	}
	if rec.NumRows() == 0 {
		rec.Release()
		return false, nil
	}
	p.cur = rec
	p.run.stats.Batches.Add(1)
	return true, nil
}

// DecodeFields decodes fields (indexes into t's schema) of n records into
// Arrow arrays, with the scan's own decoders: the values are those a scan
// of records with these bytes would produce. The records are held back to
// back in data, width bytes each, and hold only the bytes of t's records
// from offset base on (so width may be far less than a record when the
// fields sit close together). The caller releases the arrays.
func DecodeFields(mem memory.Allocator, t *storage.Table, fields []int, data []byte, n, base, width int) ([]arrow.Array, error) {
	if len(data) < n*width {
		return nil, fmt.Errorf("scan: DecodeFields: %d bytes hold fewer than %d records of %d bytes", len(data), n, width)
	}
	ch := chunk{table: t, first: 0, n: n, data: data, stride: width, recLen: width}
	sel := make([]int32, n)
	for i := range sel {
		sel[i] = int32(i)
	}
	out := make([]arrow.Array, 0, len(fields))
	release := func() {
		for _, a := range out {
			a.Release()
		}
	}
	for _, c := range fields {
		f := t.Schema.Fields[c]
		if f.Offset < base || f.End()-base > width || f.NullBit >= 0 {
			release()
			return nil, fmt.Errorf("scan: DecodeFields: field %s is not within bytes %d to %d of the record", f.Name, base, base+width)
		}
		f.Offset -= base
		d := newDecoder(mem, t.Schema, &f, max(n, 1))
		d.reserve(n)
		if err := d.decode(&ch, sel); err != nil {
			d.release()
			release()
			return nil, err
		}
		out = append(out, d.finish(0))
		d.release()
	}
	return out, nil
}
