package export

import (
	"encoding/csv"
	"io"

	"github.com/apache/arrow/go/v17/arrow/array"
)

// writeDelimited writes RFC 4180 CSV (or TSV with comma '\t'): a header
// line of column names unless o.NoHeader, then a line a row.
func writeDelimited(w io.Writer, rr array.RecordReader, o *Options, comma rune) (int64, error) {
	null := o.nullText("")
	cw := csv.NewWriter(w)
	cw.Comma = comma
	schema := rr.Schema()
	n := schema.NumFields()
	header := func() error {
		o.beforeWrite()
		if o.NoHeader {
			return nil
		}
		names := make([]string, n)
		for i, f := range schema.Fields() {
			names[i] = f.Name
		}
		return cw.Write(names)
	}
	var total int64
	row := make([]string, n)
	started := false
	for rr.Next() {
		rec := rr.Record()
		if !started {
			started = true
			if err := header(); err != nil {
				return total, err
			}
		}
		for r := 0; r < int(rec.NumRows()); r++ {
			for c := 0; c < n; c++ {
				row[c] = CellText(rec.Column(c), r, null)
			}
			if err := cw.Write(row); err != nil {
				return total, err
			}
			total++
		}
	}
	if err := rr.Err(); err != nil {
		cw.Flush()
		return total, err
	}
	if !started {
		if err := header(); err != nil {
			return total, err
		}
	}
	cw.Flush()
	return total, cw.Error()
}
