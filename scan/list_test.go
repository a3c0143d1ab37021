package scan

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/storage"
)

// listFields are the array fields of the list-decoding tests: a binary
// array with elements back to back, two arrays interleaved at one stride
// (GHCN's value and flag), and a zoned EBCDIC decimal array. Each is also
// listed one element per scalar field (name_1, name_2, ...), the layout the
// arrays must read identically to.
var listFields = []storage.Field{
	{Name: "id", Type: storage.TInt32, Offset: 0},
	{Name: "a", Type: storage.TInt32, Offset: 4, Occurs: 5},
	{Name: "t", Type: storage.TInt32, Encoding: storage.Text, Offset: 24, Width: 5, NullIf: []string{"-9999"}, Occurs: 4, Stride: 8},
	{Name: "flag", Type: storage.TChar(1), Encoding: storage.Text, Offset: 29, Occurs: 4, Stride: 8},
	{Name: "z", Type: storage.TDecimal(5, 2), Encoding: storage.Zoned, CodePage: 37, Implied: 2, Offset: 56, Nullable: true, Occurs: 3},
}

// listSchemas returns the schema with arrays and the same record with
// every element a field of its own.
func listSchemas(t testing.TB) (arrays, scalars *storage.Schema) {
	opts := storage.SchemaOptions{NullBitmap: storage.NoNullBitmap}
	arrays, err := storage.NewSchema(listFields, opts)
	if err != nil {
		t.Fatal(err)
	}
	var flat []storage.Field
	for _, f := range arrays.Fields {
		if !f.IsArray() {
			flat = append(flat, f)
			continue
		}
		for k := range f.Occurs {
			e := f.Elem(k)
			e.Name = fmt.Sprintf("%s_%d", f.Name, k+1)
			flat = append(flat, e)
		}
	}
	scalars, err = storage.NewSchema(flat, opts)
	if err != nil {
		t.Fatal(err)
	}
	if arrays.RecordLen != 71 || scalars.RecordLen != 71 {
		t.Fatalf("record lengths %d and %d, want 71", arrays.RecordLen, scalars.RecordLen)
	}
	return arrays, scalars
}

// writeListFile writes n random records through the scalar schema (NULLs
// in the text and zoned elements) and opens the file under both schemas.
func writeListFile(t testing.TB, n int) (arrays, scalars *storage.Table) {
	as, ss := listSchemas(t)
	r := rand.New(rand.NewPCG(16, 2))
	rec := make([]byte, ss.RecordLen)
	var data []byte
	for i := range n {
		for k := range ss.Fields {
			f := &ss.Fields[k]
			var v any
			switch {
			case k == 0:
				v = int64(i)
			case f.Type.Kind == storage.Char:
				v = string(rune('A' + r.IntN(3)))
			case f.Type.Kind == storage.Decimal:
				v = storage.DecimalValue{Unscaled: r.Int64N(20000) - 10000, Scale: 2}
			default:
				v = r.Int64N(20000) - 10000
			}
			if f.Nullable && r.IntN(5) == 0 {
				v = nil
			}
			if err := ss.EncodeField(rec, k, v); err != nil {
				t.Fatalf("record %d field %s = %v: %v", i, f.Name, v, err)
			}
		}
		data = append(data, rec...)
	}
	path := filepath.Join(t.TempDir(), "lists.dat")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := storage.OpenRaw(path, as, storage.RawOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := storage.OpenRaw(path, ss, storage.RawOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return a, s
}

// flattenLists renders rows with each list's elements as columns of
// their own, so a scan of the arrays compares with one of the scalars.
func flattenLists(rec arrow.Record) []string {
	out := make([]string, rec.NumRows())
	for r := range out {
		var b strings.Builder
		for c := 0; c < int(rec.NumCols()); c++ {
			col := rec.Column(c)
			l, ok := col.(*array.List)
			if !ok {
				if col.IsNull(r) {
					b.WriteString("NULL|")
				} else {
					writeValue(&b, col, r)
					b.WriteByte('|')
				}
				continue
			}
			if l.IsNull(r) {
				b.WriteString("NULLLIST|")
				continue
			}
			start, end := l.ValueOffsets(r)
			if st, ok := l.ListValues().(*array.Struct); ok {
				// A list of structs: each member's elements in turn, as
				// the scalar layout lists t_1..t_n, then flag_1..flag_n.
				for m := 0; m < st.NumField(); m++ {
					for k := start; k < end; k++ {
						if st.Field(m).IsNull(int(k)) || st.IsNull(int(k)) {
							b.WriteString("NULL|")
						} else {
							writeValue(&b, st.Field(m), int(k))
							b.WriteByte('|')
						}
					}
				}
				continue
			}
			for k := start; k < end; k++ {
				if l.ListValues().IsNull(int(k)) {
					b.WriteString("NULL|")
				} else {
					writeValue(&b, l.ListValues(), int(k))
					b.WriteByte('|')
				}
			}
		}
		out[r] = b.String()
	}
	return out
}

// collectFlat runs s and returns its rows through flattenLists, sorted.
func collectFlat(t *testing.T, s *Scan) []string {
	t.Helper()
	var rows []string
	for p := 0; p < s.Partitions(); p++ {
		st, err := s.Execute(t.Context(), p)
		if err != nil {
			t.Fatal(err)
		}
		for st.Next() {
			rows = append(rows, flattenLists(st.Record())...)
		}
		if err := st.Err(); err != nil {
			t.Fatal(err)
		}
		st.Close()
	}
	slices.Sort(rows)
	return rows
}

// TestListDecoding: array fields read as LIST columns hold exactly the
// values of the same bytes read one element per field, under every worker
// count, batch size, chunk size and I/O strategy, with and without a
// filter that leaves gaps in the selection, and free no buffer twice or
// never.
func TestListDecoding(t *testing.T) {
	checkGoroutines(t)
	arrays, scalars := writeListFile(t, 3000)
	if got := arrays.Schema.ArrowSchema().Field(1).Type; !arrow.TypeEqual(got, arrow.ListOf(arrow.PrimitiveTypes.Int32)) {
		t.Fatalf("field a has Arrow type %s, want list<int32>", got)
	}
	idOdd := []Predicate{{Field: 0, Op: OpIn, Values: []any{int64(3), int64(4), int64(700), int64(1999), int64(2998)}}}
	for _, filter := range [][]Predicate{nil, idOdd} {
		ref, err := New(Spec{Table: scalars, Columns: allColumns(scalars), Filter: filter, Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		want := collectFlat(t, ref)
		if len(want) == 0 {
			t.Fatal("the reference scan read no rows")
		}
		run := 0
		for _, strategy := range []storage.Strategy{storage.Mmap, storage.Buffered} {
			for _, workers := range []int{1, 2, 3} {
				for _, batch := range []int{1, 7, 1024, 65536} {
					chunk := []int{4096, 0}[run%2]
					run++
					mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
					s, err := New(Spec{Table: arrays, Strategy: strategy, Columns: allColumns(arrays), Filter: filter,
						Workers: workers, BatchSize: batch, ChunkBytes: chunk, Allocator: mem})
					if err != nil {
						t.Fatal(err)
					}
					got := collectFlat(t, s)
					mem.AssertSize(t, 0)
					if !slices.Equal(got, want) {
						t.Fatalf("filter=%v strategy=%s workers=%d batch=%d chunk=%d: %d rows differ from the one-field-per-element scan's %d (first %q vs %q)",
							filter != nil, strategy, workers, batch, chunk, len(got), len(want), first(got), first(want))
					}
				}
			}
		}
	}
}

func first(rows []string) string {
	if len(rows) == 0 {
		return ""
	}
	return rows[0]
}

// TestListPredicateRefused: the scan never tests an array field on raw
// bytes.
func TestListPredicateRefused(t *testing.T) {
	arrays, _ := writeListFile(t, 10)
	_, err := New(Spec{Table: arrays, Columns: []int{0}, Filter: []Predicate{{Field: 2, Op: OpIsNull}}})
	if err == nil || !strings.Contains(err.Error(), "array field (OCCURS) is tested after decoding") {
		t.Fatalf("got %v", err)
	}
}

// TestListElementError: an element that does not decode is reported at
// its record, byte offset and element.
func TestListElementError(t *testing.T) {
	arrays, _ := writeListFile(t, 50)
	data, err := os.ReadFile(arrays.Path)
	if err != nil {
		t.Fatal(err)
	}
	// Record 21 (index 20), element 3 of t: offset 24 + 2*8.
	pos := 20*71 + 24 + 2*8
	copy(data[pos:], "12x45")
	path := filepath.Join(t.TempDir(), "bad.dat")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	tab, err := storage.OpenRaw(path, arrays.Schema, storage.RawOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, workers := range []int{1, 3} {
		s, err := New(Spec{Table: tab, Columns: []int{2}, Workers: workers, BatchSize: 7})
		if err != nil {
			t.Fatal(err)
		}
		_, err = collect(t, s)
		want := fmt.Sprintf("record 21, byte offset %d, field t[3]", pos)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "not a number") {
			t.Fatalf("workers=%d: got %v, want %q", workers, err, want)
		}
	}
}
