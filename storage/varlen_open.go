package storage

import (
	"fmt"
	"io"
)

// openVar sets up the layout of a V or VB file whose records start at
// t.Layout.DataOffset: it loads (or builds) the record index.
func openVar(t *Table, f io.ReaderAt, schema *Schema) error {
	opts := &t.Raw
	if opts.Text {
		return &FileError{Path: t.Path, Record: -1, Offset: -1, Err: ErrUnsupported,
			Msg:  fmt.Sprintf("record_format %s (variable-length records) cannot be combined with format = 'text'", opts.RecordFormat),
			Hint: "leave out one of the two options"}
	}
	if opts.RecordLen > 0 && opts.RecordLen < schema.RecordLen {
		return fileErr(t.Path, ErrSchema, "record length %d is shorter than the schema's fields need (%d bytes)", opts.RecordLen, schema.RecordLen)
	}
	l := &t.Layout
	end := t.Size - opts.EndBytes
	x, err := loadVarIndex(t.Path, f, l.DataOffset, end, opts.Framing())
	if err != nil {
		return err
	}
	l.Var, l.Count = x, x.Count
	l.RecordLen = max(schema.RecordLen, opts.RecordLen)
	l.Stride = l.RecordLen
	return nil
}

// varRecord reads record i of a variable-length file, padded with zero
// bytes (or cut) to the layout's record length, and the record's own
// length.
func (t *Table) varRecord(r io.ReaderAt, i int64) ([]byte, int, error) {
	l := &t.Layout
	k := l.Var.Entry(i)
	first, _, off, offEnd := l.Var.Span(k)
	data := make([]byte, offEnd-off)
	if _, err := r.ReadAt(data, off); err != nil {
		return nil, 0, &FileError{Path: t.Path, Record: i, Offset: off, Msg: "read failed", Err: err}
	}
	var spans RecordSpans
	fr := t.Raw.Framing()
	if _, err := fr.Split(t.Path, data, off, first, int(i-first), 1, &spans); err != nil {
		return nil, 0, err
	}
	if spans.N() == 0 {
		return nil, 0, &FileError{Path: t.Path, Record: i, Offset: off, Err: ErrCorrupt,
			Msg: "the record is missing: the file changed after its record index was built", Hint: "open the file again"}
	}
	rec := make([]byte, l.RecordLen)
	copy(rec, data[spans.Start[0]:spans.Start[0]+spans.Len[0]])
	return rec, spans.Len[0], nil
}

// VarDescription describes a variable-length file's records for DESCRIBE
// ("" for other files): its record format, the longest record and where
// its record index came from.
func (t *Table) VarDescription() string {
	x := t.Layout.Var
	if x == nil {
		return ""
	}
	return fmt.Sprintf("record_format %s: variable-length records of up to %d bytes (the layout is %d bytes); record index: %d entries, %s",
		t.Raw.RecordFormat, x.MaxLen, t.Layout.RecordLen, len(x.Entries), x.Source)
}
