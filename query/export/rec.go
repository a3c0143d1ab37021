package export

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/ipc"
	"github.com/recq/recq/storage"
)

// A .rec file written from a query result (COPY ... (FORMAT rec), CREATE
// TABLE ... AS) goes through storage.Writer, the writer recq import uses,
// so the file has the same header, block checksums and block min/max.
//
// Column types map to .rec field types (little-endian binary):
//
//	BOOLEAN, INT8..INT64, UINT8..UINT64, FLOAT32, FLOAT64, DATE, TIMESTAMP
//	                     the same type
//	DECIMAL(p,s), p<=18  DECIMAL(p,s)
//	DECIMAL(p,s), p>18   DECIMAL(18,s); a value of more than 18 digits is
//	                     an error naming the column and row
//	VARCHAR              CHAR(n), n the longest value in bytes (at least
//	                     1); as for every CHAR, trailing spaces are not
//	                     kept
//
// Other types (INTERVAL, lists, a column that is only NULL) are an error
// naming the column. Columns keep their nullability: a column the query
// proves never NULL is a NOT NULL field.
//
// A CHAR's width is only known once every value has been seen, so a
// result with VARCHAR columns is first spooled to a temporary Arrow IPC
// stream beside the target (one batch in memory at a time) while the
// widths are measured, then encoded; other results are encoded as they
// stream.

// recFieldType is the .rec type of an Arrow column type; width is the
// CHAR width for strings. ok is false for types .rec cannot store.
func recFieldType(t arrow.DataType, width int) (storage.Type, bool) {
	switch t.ID() {
	case arrow.BOOL:
		return storage.TBoolean, true
	case arrow.INT8:
		return storage.TInt8, true
	case arrow.INT16:
		return storage.TInt16, true
	case arrow.INT32:
		return storage.TInt32, true
	case arrow.INT64:
		return storage.TInt64, true
	case arrow.UINT8:
		return storage.TUint8, true
	case arrow.UINT16:
		return storage.TUint16, true
	case arrow.UINT32:
		return storage.TUint32, true
	case arrow.UINT64:
		return storage.TUint64, true
	case arrow.FLOAT32:
		return storage.TFloat32, true
	case arrow.FLOAT64:
		return storage.TFloat64, true
	case arrow.DECIMAL128:
		d := t.(*arrow.Decimal128Type)
		p, s := int(d.Precision), int(d.Scale)
		if p > storage.MaxDecimalPrecision {
			p = storage.MaxDecimalPrecision
		}
		if s > p {
			return storage.Type{}, false
		}
		return storage.TDecimal(p, s), true
	case arrow.STRING, arrow.LARGE_STRING:
		return storage.TChar(max(1, width)), true
	case arrow.DATE32:
		return storage.TDate, true
	case arrow.TIMESTAMP:
		return storage.TTimestamp, true
	}
	return storage.Type{}, false
}

// isStringType reports whether a column's width must be measured.
func isStringType(t arrow.DataType) bool {
	return t.ID() == arrow.STRING || t.ID() == arrow.LARGE_STRING
}

// RecSchema returns the .rec layout rows of schema s are written with;
// widths holds each VARCHAR column's CHAR width (nil: 1). A column whose
// type a .rec file cannot hold, or a duplicate column name, is an error
// naming the column.
func RecSchema(s *arrow.Schema, widths []int) (*storage.Schema, error) {
	fields := make([]storage.Field, s.NumFields())
	for i, af := range s.Fields() {
		w := 1
		if i < len(widths) {
			w = widths[i]
		}
		if af.Type.ID() == arrow.NULL {
			return nil, fmt.Errorf("rec output: column %s has no type (it is NULL in every row); CAST it, as in CAST(NULL AS INT32) AS %s", af.Name, af.Name)
		}
		t, ok := recFieldType(af.Type, w)
		if !ok {
			return nil, fmt.Errorf("rec output: column %s of type %s cannot be stored in a .rec file; CAST it to VARCHAR or another type, leave it out, or write FORMAT parquet", af.Name, typeName(af.Type))
		}
		if af.Name == "" {
			return nil, fmt.Errorf("rec output: column %d has no name; give it one with AS", i+1)
		}
		fields[i] = storage.Field{Name: af.Name, Type: t, Offset: storage.Implicit, Nullable: af.Nullable}
	}
	rs, err := storage.NewSchema(fields, storage.SchemaOptions{NullBitmap: storage.Implicit})
	if err != nil {
		var se *storage.SchemaError
		if errors.As(err, &se) && se.Field != "" {
			return nil, fmt.Errorf("rec output: column %s: %s; give the columns distinct names with AS", se.Field, se.Msg)
		}
		return nil, fmt.Errorf("rec output: %w", err)
	}
	return rs, nil
}

// writeRecFile writes rr to a .rec file at path (storage.Writer makes it
// appear atomically). On any error nothing is left behind.
func writeRecFile(path string, rr array.RecordReader, o *Options, perm fs.FileMode) (int64, error) {
	schema := rr.Schema()
	if _, err := RecSchema(schema, nil); err != nil {
		return 0, err
	}
	for _, f := range schema.Fields() {
		if isStringType(f.Type) {
			return spoolRec(path, rr, o, perm)
		}
	}
	return encodeRec(path, rr, nil, o, perm, 0)
}

// spoolRec writes rr to a temporary Arrow IPC stream beside path while
// measuring the strings, then encodes the stream into the .rec file.
func spoolRec(path string, rr array.RecordReader, o *Options, perm fs.FileMode) (n int64, err error) {
	schema := rr.Schema()
	widths := make([]int, schema.NumFields())
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".spool-*")
	if err != nil {
		return 0, fmt.Errorf("cannot write %s: cannot create a temporary file in its directory: %w", path, unwrapPath(err))
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	iw := ipc.NewWriter(tmp, ipc.WithSchema(schema), ipc.WithAllocator(o.allocator()))
	var rows int64
	for rr.Next() {
		rec := rr.Record()
		for c, f := range schema.Fields() {
			if isStringType(f.Type) {
				widths[c] = max(widths[c], longestString(rec.Column(c)))
			}
		}
		if err := iw.Write(rec); err != nil {
			iw.Close()
			return 0, fmt.Errorf("cannot write %s: spooling the rows: %w", path, err)
		}
		rows += rec.NumRows()
	}
	if err := rr.Err(); err != nil {
		iw.Close()
		return 0, err
	}
	if err := iw.Close(); err != nil {
		return 0, fmt.Errorf("cannot write %s: spooling the rows: %w", path, err)
	}
	if _, err := tmp.Seek(0, 0); err != nil {
		return 0, fmt.Errorf("cannot write %s: reading the spooled rows: %w", path, err)
	}
	ir, err := ipc.NewReader(tmp, ipc.WithAllocator(o.allocator()))
	if err != nil {
		return 0, fmt.Errorf("cannot write %s: reading the spooled rows: %w", path, err)
	}
	defer ir.Release()
	return encodeRec(path, ir, widths, o, perm, rows)
}

// longestString is the byte length of a string column's longest value.
func longestString(a arrow.Array) int {
	n := 0
	switch s := a.(type) {
	case *array.String:
		for i := 0; i < s.Len(); i++ {
			n = max(n, s.ValueLen(i))
		}
	case *array.LargeString:
		for i := 0; i < s.Len(); i++ {
			n = max(n, s.ValueLen(i))
		}
	}
	return n
}

// encodeRec encodes every row of rr into a new .rec file; expected is the
// row count when known (0: unknown).
func encodeRec(path string, rr array.RecordReader, widths []int, o *Options, perm fs.FileMode, expected int64) (int64, error) {
	rs, err := RecSchema(rr.Schema(), widths)
	if err != nil {
		return 0, err
	}
	o.beforeWrite()
	w, err := storage.Create(path, rs, storage.WriterOptions{Perm: perm, ExpectedRecords: expected})
	if err != nil {
		return 0, err
	}
	rec := make([]byte, rs.RecordLen)
	var total int64
	for rr.Next() {
		batch := rr.Record()
		enc := make([]func([]byte, int) error, batch.NumCols())
		for c, col := range batch.Columns() {
			enc[c] = columnEncoder(rs, c, col)
		}
		for r := 0; r < int(batch.NumRows()); r++ {
			clear(rec)
			for c, put := range enc {
				if err := put(rec, r); err != nil {
					w.Abort()
					var fe *storage.FieldError
					if errors.As(err, &fe) {
						err = fe.Err
					}
					return total, fmt.Errorf("rec output: row %d, column %s: %v", total+1, rs.Fields[c].Name, err)
				}
			}
			if err := w.AppendRecord(rec); err != nil {
				w.Abort()
				return total, err
			}
			total++
		}
	}
	if err := rr.Err(); err != nil {
		w.Abort()
		return total, err
	}
	if err := w.Close(); err != nil {
		return total, err
	}
	return total, nil
}

// columnEncoder writes row r of one result column into field c of a
// record through storage's Put methods (which allocate nothing); NULL
// goes through PutNull.
func columnEncoder(rs *storage.Schema, c int, a arrow.Array) func(rec []byte, r int) error {
	var put func(rec []byte, r int) error
	switch x := a.(type) {
	case *array.Boolean:
		put = func(rec []byte, r int) error { return rs.PutBool(rec, c, x.Value(r)) }
	case *array.Int8:
		put = func(rec []byte, r int) error { return rs.PutInt64(rec, c, int64(x.Value(r))) }
	case *array.Int16:
		put = func(rec []byte, r int) error { return rs.PutInt64(rec, c, int64(x.Value(r))) }
	case *array.Int32:
		put = func(rec []byte, r int) error { return rs.PutInt64(rec, c, int64(x.Value(r))) }
	case *array.Int64:
		put = func(rec []byte, r int) error { return rs.PutInt64(rec, c, x.Value(r)) }
	case *array.Uint8:
		put = func(rec []byte, r int) error { return rs.PutUint64(rec, c, uint64(x.Value(r))) }
	case *array.Uint16:
		put = func(rec []byte, r int) error { return rs.PutUint64(rec, c, uint64(x.Value(r))) }
	case *array.Uint32:
		put = func(rec []byte, r int) error { return rs.PutUint64(rec, c, uint64(x.Value(r))) }
	case *array.Uint64:
		put = func(rec []byte, r int) error { return rs.PutUint64(rec, c, x.Value(r)) }
	case *array.Float32:
		put = func(rec []byte, r int) error { return rs.PutFloat64(rec, c, float64(x.Value(r))) }
	case *array.Float64:
		put = func(rec []byte, r int) error { return rs.PutFloat64(rec, c, x.Value(r)) }
	case *array.Decimal128:
		scale := int32(x.DataType().(*arrow.Decimal128Type).Scale)
		put = func(rec []byte, r int) error {
			n := x.Value(r)
			lo, hi := n.LowBits(), n.HighBits()
			if (hi == 0 && lo < 1<<63) || (hi == -1 && lo >= 1<<63) {
				return rs.PutDecimal(rec, c, int64(lo), int(scale))
			}
			return fmt.Errorf("%s has more than %d digits, more than a .rec DECIMAL holds", n.ToString(scale), storage.MaxDecimalPrecision)
		}
	case *array.String:
		put = func(rec []byte, r int) error { return rs.PutString(rec, c, x.Value(r)) }
	case *array.LargeString:
		put = func(rec []byte, r int) error { return rs.PutString(rec, c, x.Value(r)) }
	case *array.Date32:
		put = func(rec []byte, r int) error { return rs.PutDate(rec, c, storage.DateValue(x.Value(r))) }
	case *array.Timestamp:
		unit := x.DataType().(*arrow.TimestampType).Unit
		put = func(rec []byte, r int) error {
			if unit == arrow.Microsecond {
				return rs.PutTimestamp(rec, c, storage.TimestampValue(x.Value(r)))
			}
			return rs.PutTimestamp(rec, c, storage.TimestampOf(x.Value(r).ToTime(unit)))
		}
	default:
		return func([]byte, int) error {
			return fmt.Errorf("values of type %s cannot be stored in a .rec file", typeName(a.DataType()))
		}
	}
	if a.NullN() == 0 {
		return put
	}
	return func(rec []byte, r int) error {
		if a.IsNull(r) {
			return rs.PutNull(rec, c)
		}
		return put(rec, r)
	}
}
