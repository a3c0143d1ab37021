package scan

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/recq/recq/storage"
	"github.com/recq/recq/storage/gen"
)

// varFromText rewrites the lines of a fixed-width text file as V (or VB)
// records, record i followed by i%13 bytes past the layout (ignored on
// reading), and returns the new file's path.
func varFromText(t testing.TB, text string, recLen int, fr storage.Framing) string {
	t.Helper()
	in, err := os.Open(text)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	name := "v.dat"
	if fr.Blocked {
		name = "vb.dat"
	}
	path := filepath.Join(t.TempDir(), name)
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := storage.NewVarWriter(out, fr, 4000)
	sc := bufio.NewScanner(in)
	for i := 0; sc.Scan(); i++ {
		line := sc.Bytes()
		rec := append(slices.Clone(line[:recLen]), bytes.Repeat([]byte{'#'}, i%13)...)
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestVarMatchesText: V and VB copies of the lineitem text file (more
// than one record-index span) scan to exactly the text file's rows under
// every worker count, batch size and I/O strategy, with row ranges and
// predicates.
func TestVarMatchesText(t *testing.T) {
	checkGoroutines(t)
	g, _ := gen.Lookup("lineitem")
	dir := t.TempDir()
	text := filepath.Join(dir, "li.txt")
	const rows = 20000
	if err := g.WriteText(text, rows, 5); err != nil {
		t.Fatal(err)
	}
	schema := g.TextSchema()
	want, err := storage.OpenRaw(text, schema, storage.RawOptions{Text: true})
	if err != nil {
		t.Fatal(err)
	}
	cols := allColumns(want)
	specs := []Spec{
		{Columns: cols, RowID: true},
		{Columns: cols[:3], RowID: true, Ranges: []RowRange{{5, 20}, {rows/2 - 3, rows/2 + 900}, {rows - 3, rows + 10}}},
		{Columns: cols[:2], RowID: true, Filter: []Predicate{{Field: 0, Op: OpLt, Values: []any{int64(1000)}}}},
	}
	for _, fr := range []storage.Framing{{}, {Blocked: true, RDWAdjust: -4, BDWAdjust: -4, RDWLittleEndian: true}} {
		path := varFromText(t, text, want.Layout.RecordLen, fr)
		opts := storage.RawOptions{RecordFormat: storage.RecordVariable, RDWAdjust: fr.RDWAdjust, RDWLittleEndian: fr.RDWLittleEndian}
		if fr.Blocked {
			opts.RecordFormat, opts.BDWAdjust = storage.RecordVariableBlocked, fr.BDWAdjust
		}
		tab, err := storage.OpenRaw(path, schema, opts)
		if err != nil {
			t.Fatal(err)
		}
		if tab.Layout.Count != rows || len(tab.Layout.Var.Entries) < 2 {
			t.Fatalf("%s: %d records, %d index entries", path, tab.Layout.Count, len(tab.Layout.Var.Entries))
		}
		for si, sp := range specs {
			sp.Table = want
			ref, err := New(sp)
			if err != nil {
				t.Fatal(err)
			}
			expect, err := collect(t, ref)
			if err != nil {
				t.Fatal(err)
			}
			for _, cfg := range []struct {
				workers, batch int
				io             storage.Strategy
			}{{1, 16384, storage.Mmap}, {2, 7, storage.Buffered}, {3, 1000, storage.Direct}, {8, 1, storage.Mmap}} {
				sp.Table, sp.Workers, sp.BatchSize, sp.Strategy = tab, cfg.workers, cfg.batch, cfg.io
				s, err := New(sp)
				if err != nil {
					t.Fatal(err)
				}
				got, err := collect(t, s)
				if err != nil {
					t.Fatalf("%+v spec %d %+v: %v", fr, si, cfg, err)
				}
				if !slices.Equal(got, expect) {
					t.Fatalf("%+v spec %d %+v: %d rows differ from the text file's %d", fr, si, cfg, len(got), len(expect))
				}
			}
		}
	}
}

// TestVarCorruptDuringScan: a header damaged after the index was built
// is an error naming the record and offset, not a panic.
func TestVarCorruptDuringScan(t *testing.T) {
	storage.ForgetRecordIndexes()
	var b bytes.Buffer
	w := storage.NewVarWriter(&b, storage.Framing{}, 0)
	for i := range 100000 { // more than TinyFileSize: read at scan time
		w.Write([]byte(fmt.Sprintf("%08d", i)))
	}
	w.Close()
	path := filepath.Join(t.TempDir(), "v.dat")
	os.WriteFile(path, b.Bytes(), 0o644)
	schema, _ := storage.NewSchema([]storage.Field{{Name: "n", Type: storage.TInt64, Width: 8, Offset: storage.Implicit, Encoding: storage.Text}}, storage.SchemaOptions{})
	tab, err := storage.OpenRaw(path, schema, storage.RawOptions{RecordFormat: storage.RecordVariable})
	if err != nil {
		t.Fatal(err)
	}
	data := b.Bytes()
	data[12*100+1] = 0 // record 100's RDW now announces 0 bytes
	os.WriteFile(path, data, 0o644)
	s, err := New(Spec{Table: tab, Columns: []int{0}, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	_, err = collect(t, s)
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("record 101, byte offset 1200")) {
		t.Fatalf("error = %v", err)
	}
}

// TestVarRowIDSeek: a range of one record reads only the index span that
// holds it.
func TestVarRowIDSeek(t *testing.T) {
	storage.ForgetRecordIndexes()
	var b bytes.Buffer
	w := storage.NewVarWriter(&b, storage.Framing{}, 0)
	for i := range 300000 {
		w.Write([]byte(fmt.Sprintf("%08d%s", i, bytes.Repeat([]byte{'x'}, i%7))))
	}
	w.Close()
	path := filepath.Join(t.TempDir(), "v.dat")
	os.WriteFile(path, b.Bytes(), 0o644)
	schema, _ := storage.NewSchema([]storage.Field{{Name: "n", Type: storage.TInt64, Width: 8, Offset: storage.Implicit, Encoding: storage.Text}}, storage.SchemaOptions{})
	tab, err := storage.OpenRaw(path, schema, storage.RawOptions{RecordFormat: storage.RecordVariable})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(tab.Layout.Var.Entries); n < 3 {
		t.Fatalf("%d index entries", n)
	}
	for _, k := range []int64{0, 123456, 299999} {
		s, err := New(Spec{Table: tab, Columns: []int{0}, RowID: true, Ranges: []RowRange{{k, k + 1}}, Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		rows, err := collect(t, s)
		if want := fmt.Sprintf("%09d|%d|", k, k); err != nil || len(rows) != 1 || rows[0] != want {
			t.Fatalf("_rowid = %d: %q, %v; want %q", k, rows, err, want)
		}
		if read := s.LastStats().BytesRead.Load(); read > storage.IndexSpanBytes+64 {
			t.Errorf("_rowid = %d read %d bytes, more than one index span", k, read)
		}
	}
}
