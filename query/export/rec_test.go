package export

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/decimal128"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/storage"
)

// recColumns are the column types a .rec file stores, with the values
// storage decodes them back to (NULL in the third row), and the field
// type each becomes.
var recColumns = []struct {
	typ    arrow.DataType
	values []any
	want   []any
	field  string
}{
	{arrow.FixedWidthTypes.Boolean, []any{true, false, nil, true}, []any{true, false, nil, true}, "BOOLEAN"},
	{arrow.PrimitiveTypes.Int8, []any{int8(-128), int8(127), nil, int8(0)}, []any{int64(-128), int64(127), nil, int64(0)}, "INT8"},
	{arrow.PrimitiveTypes.Int16, []any{int16(-32768), int16(32767), nil, int16(2)}, []any{int64(-32768), int64(32767), nil, int64(2)}, "INT16"},
	{arrow.PrimitiveTypes.Int32, []any{int32(-1 << 31), int32(1<<31 - 1), nil, int32(3)}, []any{int64(-1 << 31), int64(1<<31 - 1), nil, int64(3)}, "INT32"},
	{arrow.PrimitiveTypes.Int64, []any{int64(-1 << 63), int64(1<<63 - 1), nil, int64(4)}, []any{int64(-1 << 63), int64(1<<63 - 1), nil, int64(4)}, "INT64"},
	{arrow.PrimitiveTypes.Uint8, []any{uint8(0), uint8(255), nil, uint8(1)}, []any{uint64(0), uint64(255), nil, uint64(1)}, "UINT8"},
	{arrow.PrimitiveTypes.Uint16, []any{uint16(0), uint16(65535), nil, uint16(1)}, []any{uint64(0), uint64(65535), nil, uint64(1)}, "UINT16"},
	{arrow.PrimitiveTypes.Uint32, []any{uint32(0), uint32(1<<32 - 1), nil, uint32(1)}, []any{uint64(0), uint64(1<<32 - 1), nil, uint64(1)}, "UINT32"},
	{arrow.PrimitiveTypes.Uint64, []any{uint64(0), uint64(1<<64 - 1), nil, uint64(1)}, []any{uint64(0), uint64(1<<64 - 1), nil, uint64(1)}, "UINT64"},
	{arrow.PrimitiveTypes.Float32, []any{float32(-1.5), float32(3.25), nil, float32(0)}, []any{-1.5, 3.25, nil, 0.0}, "FLOAT32"},
	{arrow.PrimitiveTypes.Float64, []any{-1.5, 1e300, nil, 0.0}, []any{-1.5, 1e300, nil, 0.0}, "FLOAT64"},
	{&arrow.Decimal128Type{Precision: 9, Scale: 2}, []any{dec(-99999999, 9), dec(12345, 0), nil, dec(0, 0)},
		[]any{storage.DecimalValue{Unscaled: -99999999, Scale: 2}, storage.DecimalValue{Unscaled: 12345, Scale: 2}, nil, storage.DecimalValue{Scale: 2}}, "DECIMAL(9,2)"},
	{&arrow.Decimal128Type{Precision: 38, Scale: 4}, []any{dec(-999999999999999999, 0), dec(999999999999999999, 0), nil, dec(-5, 0)},
		[]any{storage.DecimalValue{Unscaled: -999999999999999999, Scale: 4}, storage.DecimalValue{Unscaled: 999999999999999999, Scale: 4}, nil, storage.DecimalValue{Unscaled: -5, Scale: 4}}, "DECIMAL(18,4)"},
	{arrow.BinaryTypes.String, []any{"", "héllo", nil, "a"}, []any{"", "héllo", nil, "a"}, "CHAR(6)"},
	{arrow.BinaryTypes.LargeString, []any{"b", "", nil, "dd"}, []any{"b", "", nil, "dd"}, "CHAR(2)"},
	{arrow.FixedWidthTypes.Date32, []any{arrow.Date32(-719162), arrow.Date32(2932896), nil, arrow.Date32(0)},
		[]any{storage.DateValue(-719162), storage.DateValue(2932896), nil, storage.DateValue(0)}, "DATE"},
	{&arrow.TimestampType{Unit: arrow.Microsecond}, []any{arrow.Timestamp(-1), arrow.Timestamp(1700000000123456), nil, arrow.Timestamp(0)},
		[]any{storage.TimestampValue(-1), storage.TimestampValue(1700000000123456), nil, storage.TimestampValue(0)}, "TIMESTAMP"},
	{&arrow.TimestampType{Unit: arrow.Nanosecond}, []any{arrow.Timestamp(-1000), arrow.Timestamp(1700000000123456789), nil, arrow.Timestamp(0)},
		[]any{storage.TimestampValue(-1), storage.TimestampValue(1700000000123456), nil, storage.TimestampValue(0)}, "TIMESTAMP"},
}

// recReader makes a reader of batches of the given columns, the rows
// split into batches of batchRows.
func recReader(t *testing.T, mem memory.Allocator, fields []arrow.Field, cols [][]any, batchRows int) array.RecordReader {
	t.Helper()
	schema := arrow.NewSchema(fields, nil)
	n := len(cols[0])
	var recs []arrow.Record
	for lo := 0; lo < n; lo += batchRows {
		hi := min(n, lo+batchRows)
		arrs := make([]arrow.Array, len(cols))
		for c := range cols {
			arrs[c] = buildColumn(t, mem, fields[c].Type, cols[c][lo:hi])
		}
		recs = append(recs, array.NewRecord(schema, arrs, int64(hi-lo)))
		for _, a := range arrs {
			a.Release()
		}
	}
	rr, err := array.NewRecordReader(schema, recs)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		r.Release()
	}
	return rr
}

// readRec reads every record of a .rec file back with storage's reader,
// after verifying its block checksums.
func readRec(t *testing.T, path string) (*storage.Table, [][]any) {
	t.Helper()
	tbl, err := storage.Open(path, storage.OpenOptions{})
	if err != nil {
		t.Fatalf("%s does not open as a .rec file: %v", path, err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := storage.Verify(tbl, f); err != nil {
		t.Fatalf("%s fails verification: %v", path, err)
	}
	var rows [][]any
	for i := int64(0); i < tbl.Layout.Count; i++ {
		rec, err := tbl.Record(f, i)
		if err != nil {
			t.Fatal(err)
		}
		row := make([]any, len(tbl.Schema.Fields))
		for c := range row {
			if row[c], err = tbl.Schema.DecodeField(rec, c); err != nil {
				t.Fatal(err)
			}
		}
		rows = append(rows, row)
	}
	return tbl, rows
}

// TestRecRoundTrip writes every storable type to a .rec file and reads it
// back with storage's reader: field types, nullability, values, block
// statistics.
func TestRecRoundTrip(t *testing.T) {
	for _, batchRows := range []int{1, 3, 4} {
		t.Run(fmt.Sprint("batch=", batchRows), func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
			defer mem.AssertSize(t, 0)
			var fields []arrow.Field
			var cols [][]any
			for i, c := range recColumns {
				fields = append(fields, arrow.Field{Name: fmt.Sprintf("c%d", i), Type: c.typ, Nullable: true})
				cols = append(cols, c.values)
			}
			// A NOT NULL column stays NOT NULL.
			fields = append(fields, arrow.Field{Name: "k", Type: arrow.PrimitiveTypes.Int32})
			cols = append(cols, []any{int32(1), int32(2), int32(3), int32(4)})
			rr := recReader(t, mem, fields, cols, batchRows)
			defer rr.Release()
			path := filepath.Join(t.TempDir(), "out.rec")
			n, err := WriteFile(path, rr, Rec, Options{Allocator: mem})
			if err != nil {
				t.Fatal(err)
			}
			if n != 4 {
				t.Errorf("%d rows written, want 4", n)
			}
			tbl, rows := readRec(t, path)
			if len(rows) != 4 {
				t.Fatalf("%d records read back", len(rows))
			}
			for i, c := range recColumns {
				f := tbl.Schema.Fields[i]
				if f.Type.String() != c.field || !f.Nullable {
					t.Errorf("column %d (%s): field %s nullable=%v, want %s nullable", i, c.typ, f.Type, f.Nullable, c.field)
				}
				for r := range rows {
					if got := rows[r][i]; got != c.want[r] {
						t.Errorf("column %d (%s) row %d: %#v, want %#v", i, c.typ, r, got, c.want[r])
					}
				}
			}
			if k := tbl.Schema.Fields[len(recColumns)]; k.Nullable {
				t.Errorf("column k is nullable in the .rec file; the result said NOT NULL")
			}
			if tbl.Blocks == nil || tbl.Blocks.Len() == 0 {
				t.Fatalf("no block index")
			}
			// The INT64 column's min/max (column 4) cover its values.
			for k, fi := range tbl.Blocks.Columns {
				if fi == 4 && batchRows > 0 {
					st := tbl.Blocks.Blocks[0].Columns[k]
					if int64(st.Min) != -1<<63 || int64(st.Max) != 1<<63-1 || st.NullCount != 1 {
						t.Errorf("block 0 stats of c4: %+v", st)
					}
				}
			}
			assertNoTemp(t, filepath.Dir(path), "out.rec")
		})
	}
}

// assertNoTemp fails if dir holds anything but the named files (a
// temporary or spool file left behind).
func assertNoTemp(t *testing.T, dir string, want ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("directory holds %v, want %v", got, want)
	}
}

// TestRecErrors: types a .rec file cannot hold and values that do not fit
// are errors naming the column, and no file is left behind.
func TestRecErrors(t *testing.T) {
	big := decimal128.New(1, 0) // 2^64: 20 digits
	cases := []struct {
		name   string
		fields []arrow.Field
		cols   [][]any
		want   string
	}{
		{"interval", []arrow.Field{{Name: "iv", Type: arrow.FixedWidthTypes.MonthDayNanoInterval, Nullable: true}}, [][]any{{nil}},
			"column iv of type INTERVAL cannot be stored in a .rec file"},
		{"null type", []arrow.Field{{Name: "n", Type: arrow.Null, Nullable: true}}, [][]any{{nil}},
			"column n has no type (it is NULL in every row); CAST it"},
		{"binary", []arrow.Field{{Name: "b", Type: arrow.BinaryTypes.Binary, Nullable: true}}, [][]any{{[]byte{1}}},
			"column b of type BINARY cannot be stored"},
		{"duplicate names", []arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64}, {Name: "A", Type: arrow.PrimitiveTypes.Int64}}, [][]any{{int64(1)}, {int64(2)}},
			"column A: duplicate field name (also field 1); give the columns distinct names with AS"},
		{"wide decimal", []arrow.Field{{Name: "total", Type: &arrow.Decimal128Type{Precision: 38, Scale: 2}}}, [][]any{{dec(1, 0), big}},
			"rec output: row 2, column total: 184467440737095516.16 has more than 18 digits"},
		{"decimal of 19 digits", []arrow.Field{{Name: "total", Type: &arrow.Decimal128Type{Precision: 38, Scale: 0}}}, [][]any{{dec(1000000000000000000, 0)}},
			"row 1, column total: 1000000000000000000 does not fit DECIMAL(18,0)"},
		{"null in not null", []arrow.Field{{Name: "k", Type: arrow.PrimitiveTypes.Int64}}, [][]any{{int64(1), nil}},
			"row 2, column k: NULL in a NOT NULL field"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
			defer mem.AssertSize(t, 0)
			rr := recReader(t, mem, c.fields, c.cols, 1)
			defer rr.Release()
			dir := t.TempDir()
			_, err := WriteFile(filepath.Join(dir, "x.rec"), rr, Rec, Options{Allocator: mem})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
			assertNoTemp(t, dir)
		})
	}
}

// failingReader yields its batches, then fails (as a cancelled query
// does).
type failingReader struct {
	array.RecordReader
	err error
}

func (f *failingReader) Err() error {
	if err := f.RecordReader.Err(); err != nil {
		return err
	}
	return f.err
}

// TestRecCancelLeavesNothing: a reader that fails mid-way (a cancel)
// leaves neither the target nor a temporary or spool file, and an
// existing target keeps its content.
func TestRecCancelLeavesNothing(t *testing.T) {
	for _, typ := range []arrow.DataType{arrow.PrimitiveTypes.Int64, arrow.BinaryTypes.String} {
		t.Run(typ.String(), func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
			defer mem.AssertSize(t, 0)
			dir := t.TempDir()
			path := filepath.Join(dir, "x.rec")
			if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
				t.Fatal(err)
			}
			vals := []any{int64(1), int64(2), int64(3)}
			if typ.ID() == arrow.STRING {
				vals = []any{"a", "b", "c"}
			}
			rr := &failingReader{recReader(t, mem, []arrow.Field{{Name: "v", Type: typ}}, [][]any{vals}, 1), errors.New("query cancelled")}
			defer rr.Release()
			if _, err := WriteFile(path, rr, Rec, Options{Allocator: mem}); err == nil || err.Error() != "query cancelled" {
				t.Fatalf("error %v, want the reader's", err)
			}
			if b, _ := os.ReadFile(path); string(b) != "old" {
				t.Errorf("the existing file now holds %q", b)
			}
			assertNoTemp(t, dir, "x.rec")
		})
	}
}

// TestRecEmptyAndStream: an empty result is a valid .rec file of no
// records (a VARCHAR column becomes CHAR(1)); Write to a stream says to
// write a file.
func TestRecEmptyAndStream(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	rr := recReader(t, mem, []arrow.Field{{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true}}, [][]any{{"x"}}, 1)
	rr.Release()
	empty, err := array.NewRecordReader(arrow.NewSchema([]arrow.Field{{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true}}, nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer empty.Release()
	path := filepath.Join(t.TempDir(), "e.rec")
	if n, err := WriteFile(path, empty, Rec, Options{Allocator: mem}); err != nil || n != 0 {
		t.Fatalf("%d rows, %v", n, err)
	}
	tbl, rows := readRec(t, path)
	if len(rows) != 0 || tbl.Schema.Fields[0].Type.String() != "CHAR(1)" {
		t.Errorf("%d rows, field %s", len(rows), tbl.Schema.Fields[0].Type)
	}
	if _, err := Write(os.Stdout, empty, Rec, Options{}); err == nil || !strings.Contains(err.Error(), "written to a named file") {
		t.Errorf("Write to a stream: %v", err)
	}
	if f, ok := FormatOf("x.REC"); !ok || f != Rec {
		t.Errorf("FormatOf(x.REC) = %v, %v", f, ok)
	}
}
