package export

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/decimal128"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"
)

// testColumns are one column of every type the writer stores, each with a
// NULL in the third row.
var testColumns = []struct {
	typ    arrow.DataType
	values []any // nil is NULL
}{
	{arrow.FixedWidthTypes.Boolean, []any{true, false, nil, true, false, true, true}},
	{arrow.PrimitiveTypes.Int8, []any{int8(-128), int8(127), nil, int8(0), int8(1), int8(-1), int8(5)}},
	{arrow.PrimitiveTypes.Int16, []any{int16(-32768), int16(32767), nil, int16(0), int16(2), int16(-2), int16(7)}},
	{arrow.PrimitiveTypes.Int32, []any{int32(-1 << 31), int32(1<<31 - 1), nil, int32(0), int32(3), int32(-3), int32(9)}},
	{arrow.PrimitiveTypes.Int64, []any{int64(-1 << 63), int64(1<<63 - 1), nil, int64(0), int64(4), int64(-4), int64(11)}},
	{arrow.PrimitiveTypes.Uint8, []any{uint8(0), uint8(255), nil, uint8(1), uint8(2), uint8(3), uint8(4)}},
	{arrow.PrimitiveTypes.Uint16, []any{uint16(0), uint16(65535), nil, uint16(1), uint16(2), uint16(3), uint16(4)}},
	{arrow.PrimitiveTypes.Uint32, []any{uint32(0), uint32(1<<32 - 1), nil, uint32(1), uint32(2), uint32(3), uint32(4)}},
	{arrow.PrimitiveTypes.Uint64, []any{uint64(0), uint64(1<<64 - 1), nil, uint64(1), uint64(2), uint64(3), uint64(4)}},
	{arrow.PrimitiveTypes.Float32, []any{float32(-1.5), float32(3.25), nil, float32(0), float32(1e30), float32(-1e-30), float32(2)}},
	{arrow.PrimitiveTypes.Float64, []any{-1.5, 3.25, nil, 0.0, 1e300, -1e-300, 2.0}},
	{&arrow.Decimal128Type{Precision: 9, Scale: 2}, []any{dec(-99999999, 9), dec(99999999, 9), nil, dec(0, 0), dec(1, 0), dec(-1, 0), dec(12345, 0)}},
	{&arrow.Decimal128Type{Precision: 15, Scale: 2}, []any{dec(-999999999999, 9), dec(999999999999, 9), nil, dec(0, 0), dec(1, 0), dec(-1, 0), dec(12345, 0)}},
	{&arrow.Decimal128Type{Precision: 38, Scale: 4}, []any{decimal128.New(-5, 12345), decimal128.New(5, 1<<63), nil, dec(0, 0), dec(1, 0), dec(-1, 0), dec(-12345, 0)}},
	{arrow.BinaryTypes.String, []any{"", "héllo", nil, "a", "zz", "ünïcode", "x"}},
	{arrow.BinaryTypes.LargeString, []any{"b", "a", nil, "", "c", "dd", "e"}},
	{arrow.BinaryTypes.Binary, []any{[]byte{0}, []byte{1, 2}, nil, []byte{}, []byte{255}, []byte{3}, []byte{4}}},
	{&arrow.FixedSizeBinaryType{ByteWidth: 3}, []any{[]byte("abc"), []byte("xyz"), nil, []byte("\x00\x00\x00"), []byte("def"), []byte("ghi"), []byte("jkl")}},
	{arrow.FixedWidthTypes.Date32, []any{arrow.Date32(-719162), arrow.Date32(2932896), nil, arrow.Date32(0), arrow.Date32(19723), arrow.Date32(1), arrow.Date32(2)}},
	{&arrow.TimestampType{Unit: arrow.Microsecond}, []any{arrow.Timestamp(-1), arrow.Timestamp(1700000000123456), nil, arrow.Timestamp(0), arrow.Timestamp(1), arrow.Timestamp(2), arrow.Timestamp(3)}},
	{&arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}, []any{arrow.Timestamp(-1), arrow.Timestamp(1700000000123), nil, arrow.Timestamp(0), arrow.Timestamp(1), arrow.Timestamp(2), arrow.Timestamp(3)}},
	{&arrow.TimestampType{Unit: arrow.Nanosecond}, []any{arrow.Timestamp(-1), arrow.Timestamp(1700000000123456789), nil, arrow.Timestamp(0), arrow.Timestamp(1), arrow.Timestamp(2), arrow.Timestamp(3)}},
	{arrow.Null, []any{nil, nil, nil, nil, nil, nil, nil}},
}

func dec(v int64, _ int) decimal128.Num { return decimal128.FromI64(v) }

// buildColumn makes an array of typ holding values (nil: NULL).
func buildColumn(t testing.TB, mem memory.Allocator, typ arrow.DataType, values []any) arrow.Array {
	t.Helper()
	b := array.NewBuilder(mem, typ)
	defer b.Release()
	for _, v := range values {
		if v == nil {
			b.AppendNull()
			continue
		}
		switch b := b.(type) {
		case *array.BooleanBuilder:
			b.Append(v.(bool))
		case *array.Int8Builder:
			b.Append(v.(int8))
		case *array.Int16Builder:
			b.Append(v.(int16))
		case *array.Int32Builder:
			b.Append(v.(int32))
		case *array.Int64Builder:
			b.Append(v.(int64))
		case *array.Uint8Builder:
			b.Append(v.(uint8))
		case *array.Uint16Builder:
			b.Append(v.(uint16))
		case *array.Uint32Builder:
			b.Append(v.(uint32))
		case *array.Uint64Builder:
			b.Append(v.(uint64))
		case *array.Float32Builder:
			b.Append(v.(float32))
		case *array.Float64Builder:
			b.Append(v.(float64))
		case *array.Decimal128Builder:
			b.Append(v.(decimal128.Num))
		case *array.StringBuilder:
			b.Append(v.(string))
		case *array.LargeStringBuilder:
			b.Append(v.(string))
		case *array.BinaryBuilder:
			b.Append(v.([]byte))
		case *array.FixedSizeBinaryBuilder:
			b.Append(v.([]byte))
		case *array.Date32Builder:
			b.Append(v.(arrow.Date32))
		case *array.TimestampBuilder:
			b.Append(v.(arrow.Timestamp))
		default:
			t.Fatalf("no builder case for %s", typ)
		}
	}
	return b.NewArray()
}

// readBack reads a Parquet file with Arrow's own reader.
func readBack(t *testing.T, data []byte) (arrow.Table, *file.Reader) {
	t.Helper()
	pf, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the file does not open as Parquet: %v", err)
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatalf("pqarrow cannot read the file back: %v", err)
	}
	return tbl, pf
}

// TestParquetRoundTrip writes every supported type, with NULLs, in batches
// that straddle row groups, and reads the file back with pqarrow.
func TestParquetRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name        string
		rowGroup    int64
		batch       int
		compression string
		wantGroups  int
	}{
		{"one group", 0, 7, "", 1},
		{"groups of 3, batches of 2", 3, 2, "zstd", 3},
		{"groups of 2, batches of 7", 2, 7, "gzip", 4},
		{"groups of 1, batches of 3", 1, 3, "uncompressed", 7},
		{"brotli", 4, 7, "brotli", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			fields := make([]arrow.Field, len(testColumns))
			cols := make([]arrow.Array, len(testColumns))
			for i, c := range testColumns {
				fields[i] = arrow.Field{Name: "c" + string(rune('a'+i)), Type: c.typ, Nullable: true}
				cols[i] = buildColumn(t, mem, c.typ, c.values)
				defer cols[i].Release()
			}
			sc := arrow.NewSchema(fields, nil)
			full := array.NewRecord(sc, cols, 7)
			defer full.Release()

			var buf bytes.Buffer
			pw, err := NewParquetWriter(&buf, sc, ParquetOptions{RowGroupRows: tc.rowGroup, Compression: tc.compression, Allocator: mem})
			if err != nil {
				t.Fatal(err)
			}
			for off := 0; off < 7; off += tc.batch {
				empty := full.NewSlice(int64(off), int64(off)) // an empty batch writes nothing
				if err := pw.Write(empty); err != nil {
					t.Fatal(err)
				}
				empty.Release()
				part := full.NewSlice(int64(off), int64(min(off+tc.batch, 7)))
				err := pw.Write(part)
				part.Release()
				if err != nil {
					t.Fatal(err)
				}
			}
			if err := pw.Close(); err != nil {
				t.Fatal(err)
			}
			if pw.RowGroups() != tc.wantGroups || pw.Rows() != 7 {
				t.Errorf("wrote %d rows in %d row groups, want 7 in %d", pw.Rows(), pw.RowGroups(), tc.wantGroups)
			}
			tbl, pf := readBack(t, buf.Bytes())
			defer tbl.Release()
			if pf.NumRowGroups() != tc.wantGroups {
				t.Errorf("the file has %d row groups, want %d", pf.NumRowGroups(), tc.wantGroups)
			}
			if tbl.NumRows() != 7 {
				t.Fatalf("read back %d rows", tbl.NumRows())
			}
			for i := range testColumns {
				got, err := array.Concatenate(tbl.Column(i).Data().Chunks(), memory.DefaultAllocator)
				if err != nil {
					t.Fatal(err)
				}
				if !arrow.TypeEqual(got.DataType(), cols[i].DataType()) {
					t.Errorf("column %s: read back as %s, wrote %s", fields[i].Name, got.DataType(), cols[i].DataType())
				} else if !array.Equal(got, cols[i]) {
					t.Errorf("column %s (%s): read back\n%v\nwrote\n%v", fields[i].Name, cols[i].DataType(), got, cols[i])
				}
				got.Release()
			}
		})
	}
}

// TestParquetStatistics checks that every column chunk carries min, max
// and null count.
func TestParquetStatistics(t *testing.T) {
	mem := memory.NewGoAllocator()
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "k", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "d", Type: &arrow.Decimal128Type{Precision: 12, Scale: 2}, Nullable: false},
	}, nil)
	k := buildColumn(t, mem, arrow.PrimitiveTypes.Int64, []any{int64(5), nil, int64(-3), int64(9)})
	s := buildColumn(t, mem, arrow.BinaryTypes.String, []any{"m", "a", nil, "z"})
	d := buildColumn(t, mem, &arrow.Decimal128Type{Precision: 12, Scale: 2}, []any{dec(100, 0), dec(-250, 0), dec(7, 0), dec(3, 0)})
	rec := array.NewRecord(sc, []arrow.Array{k, s, d}, 4)
	var buf bytes.Buffer
	pw, err := NewParquetWriter(&buf, sc, ParquetOptions{RowGroupRows: 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := pw.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := pw.Close(); err != nil {
		t.Fatal(err)
	}
	pf, err := file.NewParquetReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	want := [][3]string{ // per row group: min, max, nulls of k, s, d
		{"5 5 1", "a m 0", "-250 100 0"},
		{"-3 9 0", "z z 1", "3 7 0"},
	}
	for g := 0; g < pf.NumRowGroups(); g++ {
		rg := pf.MetaData().RowGroup(g)
		for c := 0; c < 3; c++ {
			cc, err := rg.ColumnChunk(c)
			if err != nil {
				t.Fatal(err)
			}
			st, err := cc.Statistics()
			if err != nil || st == nil || !st.HasMinMax() {
				t.Fatalf("row group %d column %d: no statistics (%v)", g, c, err)
			}
			got := statText(st.EncodeMin(), st.EncodeMax(), c) + " " + itoa(st.NullCount())
			if got != want[g][c] {
				t.Errorf("row group %d column %d: statistics %q, want %q", g, c, got, want[g][c])
			}
		}
	}
}

func statText(min, max []byte, col int) string {
	if col == 1 {
		return string(min) + " " + string(max)
	}
	le := func(b []byte) int64 {
		var v int64
		for i := len(b) - 1; i >= 0; i-- {
			v = v<<8 | int64(b[i])
		}
		return v
	}
	return itoa(le(min)) + " " + itoa(le(max))
}

func itoa(v int64) string {
	if v < 0 {
		return "-" + itoa(-v)
	}
	if v < 10 {
		return string(rune('0' + v))
	}
	return itoa(v/10) + string(rune('0'+v%10))
}

// TestParquetUnsupported names the column whose type Parquet cannot hold,
// before anything is written.
func TestParquetUnsupported(t *testing.T) {
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "a", Type: arrow.PrimitiveTypes.Int64},
		{Name: "iv", Type: arrow.FixedWidthTypes.MonthDayNanoInterval, Nullable: true},
	}, nil)
	var buf bytes.Buffer
	_, err := NewParquetWriter(&buf, sc, ParquetOptions{})
	if err == nil || !strings.Contains(err.Error(), "column iv of type INTERVAL") {
		t.Fatalf("err = %v", err)
	}
	if buf.Len() != 0 {
		t.Errorf("%d bytes written before the error", buf.Len())
	}
	if _, err := NewParquetWriter(&buf, arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64}}, nil), ParquetOptions{Compression: "lzo"}); err == nil || !strings.Contains(err.Error(), `unknown compression "lzo"`) {
		t.Errorf("compression lzo: err = %v", err)
	}
}

// TestParquetEmpty writes a schema and no rows: a valid file of 0 rows.
func TestParquetEmpty(t *testing.T) {
	sc := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)
	var buf bytes.Buffer
	pw, err := NewParquetWriter(&buf, sc, ParquetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := pw.Close(); err != nil {
		t.Fatal(err)
	}
	tbl, _ := readBack(t, buf.Bytes())
	defer tbl.Release()
	if tbl.NumRows() != 0 || tbl.NumCols() != 1 || tbl.Schema().Field(0).Name != "a" {
		t.Errorf("read back %d x %d", tbl.NumRows(), tbl.NumCols())
	}
}

// TestParquetRowGroupBytes starts a new row group when the encoded size
// reaches the byte limit, whatever the row limit.
func TestParquetRowGroupBytes(t *testing.T) {
	mem := memory.NewGoAllocator()
	sc := arrow.NewSchema([]arrow.Field{{Name: "s", Type: arrow.BinaryTypes.String}}, nil)
	vals := make([]any, 1000)
	for i := range vals {
		vals[i] = strings.Repeat(string(rune('a'+i%26)), 100) + itoa(int64(i))
	}
	col := buildColumn(t, mem, arrow.BinaryTypes.String, vals)
	rec := array.NewRecord(sc, []arrow.Array{col}, 1000)
	var buf bytes.Buffer
	pw, err := NewParquetWriter(&buf, sc, ParquetOptions{RowGroupBytes: 1, Compression: "uncompressed"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if err := pw.Write(rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := pw.Close(); err != nil {
		t.Fatal(err)
	}
	tbl, pf := readBack(t, buf.Bytes())
	defer tbl.Release()
	if pf.NumRowGroups() != 3 || tbl.NumRows() != 3000 {
		t.Errorf("%d rows in %d row groups, want 3000 in 3", tbl.NumRows(), pf.NumRowGroups())
	}
}

// failingWriter fails every write after the first n bytes.
type failingWriter struct{ n int }

var errDiskFull = errors.New("disk full")

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		return 0, errDiskFull
	}
	w.n -= len(p)
	return len(p), nil
}

// TestParquetWriteError reports a failing destination as an error (the
// Parquet library panics on some write failures) and releases its buffers.
func TestParquetWriteError(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sc := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64}}, nil)
	vals := make([]any, 50000)
	for i := range vals {
		vals[i] = int64(i * 7919)
	}
	col := buildColumn(t, mem, arrow.PrimitiveTypes.Int64, vals)
	defer col.Release()
	rec := array.NewRecord(sc, []arrow.Array{col}, int64(len(vals)))
	defer rec.Release()
	pw, err := NewParquetWriter(&failingWriter{n: 10}, sc, ParquetOptions{RowGroupRows: 20000, Allocator: mem})
	if err != nil {
		t.Fatal(err)
	}
	err = pw.Write(rec)
	if err == nil {
		err = pw.Close()
	} else {
		pw.Close()
	}
	if !errors.Is(err, errDiskFull) || !strings.HasPrefix(err.Error(), "parquet output: ") {
		t.Fatalf("err = %v", err)
	}
}

// scribbler is an allocator that overwrites every buffer it frees, as a
// scan's recycler hands a freed buffer to the next batch.
type scribbler struct{ memory.Allocator }

func (s scribbler) Free(b []byte) {
	for i := range b {
		b[i] = 'X'
	}
	s.Allocator.Free(b)
}

// TestParquetStatisticsOutliveBatches releases each batch right after
// Write, as the engine does, with an allocator that overwrites freed
// buffers: the row group's string statistics (which the column writer
// keeps as slices of the batches' strings) must still be the values
// written, not what reused memory holds by the time the row group closes.
func TestParquetStatisticsOutliveBatches(t *testing.T) {
	mem := scribbler{memory.NewGoAllocator()}
	sc := arrow.NewSchema([]arrow.Field{{Name: "s", Type: arrow.BinaryTypes.String}}, nil)
	var buf bytes.Buffer
	pw, err := NewParquetWriter(&buf, sc, ParquetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, vals := range [][]any{{"m", "b", "q"}, {"k", "p", "c"}} {
		col := buildColumn(t, mem, arrow.BinaryTypes.String, vals)
		rec := array.NewRecord(sc, []arrow.Array{col}, int64(len(vals)))
		col.Release()
		if err := pw.Write(rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
	}
	if err := pw.Close(); err != nil {
		t.Fatal(err)
	}
	pf, err := file.NewParquetReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	cc, err := pf.MetaData().RowGroup(0).ColumnChunk(0)
	if err != nil {
		t.Fatal(err)
	}
	st, err := cc.Statistics()
	if err != nil || st == nil || !st.HasMinMax() {
		t.Fatalf("no statistics (%v)", err)
	}
	if got := statText(st.EncodeMin(), st.EncodeMax(), 1); got != "b q" {
		t.Errorf("statistics min and max %q, want \"b q\"", got)
	}
}
