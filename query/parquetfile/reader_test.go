package parquetfile

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/decimal128"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"
)

// writeFile writes rec as a Parquet file with pqarrow (Arrow's own
// writer: an independent producer), rows per row group, and returns its
// path.
func writeFile(t testing.TB, rec arrow.Record, rowsPerGroup int64, opts ...pqarrow.WriterOption) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "t.parquet")
	var buf bytes.Buffer
	tbl := array.NewTableFromRecords(rec.Schema(), []arrow.Record{rec})
	defer tbl.Release()
	props := parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(rowsPerGroup))
	if err := pqarrow.WriteTable(tbl, &buf, rowsPerGroup, props, pqarrow.NewArrowWriterProperties(opts...)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// sample is a record of every column kind the reader maps, with nulls,
// and a list column it leaves out.
func sample(mem memory.Allocator, n int) arrow.Record {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "i8", Type: arrow.PrimitiveTypes.Int8, Nullable: true},
		{Name: "u16", Type: arrow.PrimitiveTypes.Uint16},
		{Name: "i32", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "u32", Type: arrow.PrimitiveTypes.Uint32},
		{Name: "i64", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "u64", Type: arrow.PrimitiveTypes.Uint64},
		{Name: "f32", Type: arrow.PrimitiveTypes.Float32},
		{Name: "f64", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "d", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "ts_ms", Type: &arrow.TimestampType{Unit: arrow.Millisecond}, Nullable: true},
		{Name: "ts_ns", Type: &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "UTC"}},
		{Name: "dec", Type: &arrow.Decimal128Type{Precision: 30, Scale: 4}, Nullable: true},
		{Name: "tags", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for i := 0; i < n; i++ {
		null := i%7 == 3
		v := int64(i) - int64(n)/2
		if null {
			b.Field(0).AppendNull()
		} else {
			b.Field(0).(*array.BooleanBuilder).Append(i%2 == 0)
		}
		b.Field(1).(*array.Int8Builder).Append(int8(v))
		b.Field(2).(*array.Uint16Builder).Append(uint16(i * 300))
		b.Field(3).(*array.Int32Builder).Append(int32(v * 1000))
		b.Field(4).(*array.Uint32Builder).Append(uint32(i) + 1<<31)
		if null {
			b.Field(5).AppendNull()
		} else {
			b.Field(5).(*array.Int64Builder).Append(v << 40)
		}
		b.Field(6).(*array.Uint64Builder).Append(uint64(i) + 1<<63)
		b.Field(7).(*array.Float32Builder).Append(float32(v) / 4)
		b.Field(8).(*array.Float64Builder).Append(float64(v) * 1.5)
		if null {
			b.Field(9).AppendNull()
			b.Field(10).AppendNull()
			b.Field(11).AppendNull()
			b.Field(13).AppendNull()
		} else {
			b.Field(9).(*array.StringBuilder).Append(strings.Repeat("x", i%5) + "é")
			b.Field(10).(*array.Date32Builder).Append(arrow.Date32(v * 37))
			b.Field(11).(*array.TimestampBuilder).Append(arrow.Timestamp(v*86_400_123 + 7))
			b.Field(13).(*array.Decimal128Builder).Append(decimal128.FromI64(v * 123_456_789).Mul(decimal128.FromI64(1_000_000_007)))
		}
		b.Field(12).(*array.TimestampBuilder).Append(arrow.Timestamp(v*1_000_000_001 - 999))
		lb := b.Field(14).(*array.ListBuilder)
		lb.Append(true)
		lb.ValueBuilder().(*array.StringBuilder).Append("t")
	}
	return b.NewRecord()
}

// want converts the sample's value at row i of column c to what the
// reader must give: timestamps in microseconds (rounded down), the rest
// as written.
func wantValue(col arrow.Array, i int) string {
	if col.IsNull(i) {
		return "NULL"
	}
	switch c := col.(type) {
	case *array.Timestamp:
		v := int64(c.Value(i))
		switch c.DataType().(*arrow.TimestampType).Unit {
		case arrow.Millisecond:
			v *= 1000
		case arrow.Nanosecond:
			v = floorDiv(v, 1000)
		}
		return arrow.Timestamp(v).ToTime(arrow.Microsecond).Format("2006-01-02 15:04:05.999999")
	}
	return col.ValueStr(i)
}

func gotValue(col arrow.Array, i int) string {
	if col.IsNull(i) {
		return "NULL"
	}
	if c, ok := col.(*array.Timestamp); ok {
		return c.Value(i).ToTime(arrow.Microsecond).Format("2006-01-02 15:04:05.999999")
	}
	return col.ValueStr(i)
}

func TestReadRoundTrip(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	rec := sample(memory.DefaultAllocator, 1000)
	defer rec.Release()
	for _, c := range []struct {
		name  string
		group int64
		batch int
		opts  []pqarrow.WriterOption
	}{
		{"one row group", 1000, 4096, nil},
		{"row groups of 333, batches of 100", 333, 100, nil},
		{"batches of 1", 250, 1, nil},
		{"int96 timestamps", 400, 128, []pqarrow.WriterOption{pqarrow.WithDeprecatedInt96Timestamps(true)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := writeFile(t, rec, c.group, c.opts...)
			s, err := ReadSchema(path)
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Skipped) != 1 || !strings.Contains(s.Skipped[0], "tags") {
				t.Errorf("skipped %q, want the list column tags", s.Skipped)
			}
			if s.Rows != 1000 || s.RowGroups != int((1000+c.group-1)/c.group) {
				t.Errorf("rows %d in %d row groups", s.Rows, s.RowGroups)
			}
			r := NewReader(context.Background(), []string{path, path}, s, mem, c.batch)
			defer r.Close()
			row := 0
			for r.Next() {
				got := r.Record()
				if int(got.NumRows()) > c.batch {
					t.Fatalf("a batch of %d rows, more than %d", got.NumRows(), c.batch)
				}
				for j := 0; j < int(got.NumCols()); j++ {
					name := got.Schema().Field(j).Name
					idx := rec.Schema().FieldIndices(name)[0]
					for i := 0; i < int(got.NumRows()); i++ {
						w, g := wantValue(rec.Column(idx), (row+i)%1000), gotValue(got.Column(j), i)
						if w != g {
							t.Fatalf("row %d column %s: got %s, want %s", row+i, name, g, w)
						}
					}
				}
				row += int(got.NumRows())
			}
			if r.Err() != nil {
				t.Fatal(r.Err())
			}
			if row != 2000 {
				t.Errorf("read %d rows of two files of 1000", row)
			}
		})
	}
}

// TestReadSelect reads a subset of the columns, reordered.
func TestReadSelect(t *testing.T) {
	rec := sample(memory.DefaultAllocator, 100)
	defer rec.Release()
	path := writeFile(t, rec, 30)
	s, err := ReadSchema(path)
	if err != nil {
		t.Fatal(err)
	}
	names := func(s *Schema) []string {
		var out []string
		for _, f := range s.Arrow().Fields() {
			out = append(out, f.Name)
		}
		return out
	}
	all := names(s)
	sub := s.Select([]int{9, 0})
	if got := names(sub); len(got) != 2 || got[0] != all[9] || got[1] != all[0] {
		t.Fatalf("Select gave %v", got)
	}
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	r := NewReader(context.Background(), []string{path}, sub, mem, 40)
	defer r.Close()
	row := 0
	for r.Next() {
		got := r.Record()
		for i := 0; i < int(got.NumRows()); i++ {
			for j, name := range []string{all[9], all[0]} {
				w := wantValue(rec.Column(rec.Schema().FieldIndices(name)[0]), row+i)
				if g := gotValue(got.Column(j), i); g != w {
					t.Fatalf("row %d column %s: got %s, want %s", row+i, name, g, w)
				}
			}
		}
		row += int(got.NumRows())
	}
	if r.Err() != nil || row != 100 {
		t.Fatalf("read %d rows: %v", row, r.Err())
	}
}

func TestReadErrors(t *testing.T) {
	rec := sample(memory.DefaultAllocator, 50)
	defer rec.Release()
	good := writeFile(t, rec, 20)
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	put := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if _, err := ReadSchema(put("short.parquet", data[:len(data)/2])); err == nil || !strings.Contains(err.Error(), "short.parquet: is not a readable Parquet file") {
		t.Errorf("a truncated file: %v", err)
	}
	if _, err := ReadSchema(filepath.Join(dir, "none.parquet")); err == nil || !strings.Contains(err.Error(), "cannot open the file") {
		t.Errorf("a missing file: %v", err)
	}
	// Pages overwritten with garbage: an error naming the file, never a
	// panic, and nothing leaked.
	s, err := ReadSchema(good)
	if err != nil {
		t.Fatal(err)
	}
	for off := 4; off < len(data)/2; off += 37 {
		bad := bytes.Clone(data)
		for k := off; k < off+16 && k < len(bad); k++ {
			bad[k] ^= 0x5a
		}
		p := put("bad.parquet", bad)
		mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
		r := NewReader(context.Background(), []string{p}, s, mem, 16)
		for r.Next() {
		}
		if err := r.Err(); err != nil {
			var pe *Error
			if !errors.As(err, &pe) || pe.Path != p {
				t.Errorf("offset %d: error %v does not name the file", off, err)
			}
		}
		r.Close()
		mem.AssertSize(t, 0)
	}
	// A second file without a column of the first.
	narrow := array.NewRecord(arrow.NewSchema(rec.Schema().Fields()[:2], nil), rec.Columns()[:2], rec.NumRows())
	defer narrow.Release()
	other := writeFile(t, narrow, 50)
	r := NewReader(context.Background(), []string{good, other}, s, nil, 100)
	for r.Next() {
	}
	if err := r.Err(); err == nil || !strings.Contains(err.Error(), "column u16: is missing") {
		t.Errorf("a file without a column: %v", err)
	}
	r.Close()
}

func TestReadCancel(t *testing.T) {
	rec := sample(memory.DefaultAllocator, 10)
	defer rec.Release()
	path := writeFile(t, rec, 10)
	s, err := ReadSchema(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := NewReader(ctx, []string{path}, s, nil, 100)
	defer r.Close()
	if r.Next() || !errors.Is(r.Err(), context.Canceled) {
		t.Errorf("a cancelled read gave %v", r.Err())
	}
}

func TestDecimalFromBytes(t *testing.T) {
	for _, c := range []struct {
		b    []byte
		want string
	}{
		{[]byte{0x01}, "1"}, {[]byte{0xff}, "-1"}, {[]byte{0x80, 0x00}, "-32768"},
		{[]byte{0x00, 0xff}, "255"}, {[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe}, "-2"},
		{[]byte{0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}, "18446744073709551616"}, {nil, "0"},
	} {
		if got := decimalFromBytes(c.b).BigInt().String(); got != c.want {
			t.Errorf("%x: got %s, want %s", c.b, got, c.want)
		}
	}
}
