package scan

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/storage"
)

// A file of record types H (header), B (batch, child of H), E (entry,
// child of B) and A (addenda, child of E), plus N (notes, no parent):
// 10-character lines "T" + 9 digits of the record number.
type segFile struct {
	types []byte
	path  string
}

// writeSegFile writes the lines of types to a temporary file; with
// padShort every seventh line is short, and lines end with CRLF.
func writeSegFile(t *testing.T, types []byte, padShort bool) segFile {
	t.Helper()
	var b strings.Builder
	for i, c := range types {
		if padShort && i%7 == 3 {
			fmt.Fprintf(&b, "%c\r\n", c) // a short line (padded when read)
			continue
		}
		if padShort {
			fmt.Fprintf(&b, "%c%09d\r\n", c, i)
		} else {
			fmt.Fprintf(&b, "%c%09d\n", c, i)
		}
	}
	path := filepath.Join(t.TempDir(), "seg.txt")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return segFile{types, path}
}

// segTable opens f with the given segment options.
func segTable(t *testing.T, f segFile, o storage.SegmentOptions, padShort bool) *storage.Table {
	t.Helper()
	s, err := storage.NewSchema([]storage.Field{
		{Name: "kind", Type: storage.Type{Kind: storage.Char, Length: 1}, Offset: 0, Width: 1, Encoding: storage.Text},
		{Name: "n", Type: storage.Type{Kind: storage.Int64}, Offset: 1, Width: 9, Encoding: storage.Text, Nullable: true},
	}, storage.SchemaOptions{DefaultEncoding: storage.Text, NullBitmap: storage.Implicit})
	if err != nil {
		t.Fatal(err)
	}
	sg, err := storage.NewSegments(s, o)
	if err != nil {
		t.Fatal(err)
	}
	tab, err := storage.OpenRaw(f.path, s, storage.RawOptions{Text: true, PadShortLines: padShort, Segments: sg})
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// wantParents is the reference: for each record of a type in keep, its
// record number and the nearest preceding record of its parent type.
func wantParents(types []byte, parent map[byte]byte, keep string) []string {
	last := map[byte]int{}
	var out []string
	for i, c := range types {
		if strings.IndexByte(keep, c) >= 0 {
			p := "NULL"
			if pt, ok := parent[c]; ok {
				if r, seen := last[pt]; seen {
					p = fmt.Sprint(r)
				}
			}
			out = append(out, fmt.Sprintf("%09d|%c|%s|", i, c, p))
		}
		last[c] = i
	}
	return out
}

// segTypes makes n records: a prefix of children before any parent, then
// batches of entries and addenda, with a long stretch of notes (so a
// chunk's parent lies many chunks and look-back blocks back).
func segTypes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	types := []byte("EAEN")
	types = append(types, 'H')
	for len(types) < n {
		switch x := r.IntN(100); {
		case x < 2:
			types = append(types, 'B')
		case x < 60:
			types = append(types, 'E')
		case x < 75:
			types = append(types, 'A')
		case x < 76:
			for range 6000 {
				types = append(types, 'N')
			}
		default:
			types = append(types, 'N')
		}
	}
	return types[:n]
}

var segChildren = storage.SegmentOptions{Field: "kind", Children: "H => B; B => E; E => A", IDMap: "n => H, B, E, A, N"}
var segParents = map[byte]byte{'B': 'H', 'E': 'B', 'A': 'E'}

// TestParentLookBack: _parent_rowid is the same under every worker count,
// batch size, chunk size, I/O strategy and row range, including parents
// several chunks back, several levels, and children before any parent.
func TestParentLookBack(t *testing.T) {
	types := segTypes(40000, 7)
	for _, pad := range []bool{false, true} {
		f := writeSegFile(t, types, pad)
		for _, filter := range []string{"E", "A", "E, A", ""} {
			o := segChildren
			o.Filter = filter
			tab := segTable(t, f, o, pad)
			keep := strings.ReplaceAll(filter, ", ", "")
			if keep == "" {
				keep = "HBEAN"
			}
			want := wantParents(types, segParents, keep)
			for _, cfg := range []struct {
				workers, batch, chunk int
				io                    storage.Strategy
			}{
				{1, 16384, 1 << 20, storage.Mmap},
				{2, 100, 4096, storage.Buffered},
				{3, 7, 333, storage.Mmap},
				{4, 1024, 10000, storage.Direct},
				{8, 1, 2048, storage.Buffered},
			} {
				name := fmt.Sprintf("pad=%v/filter=%q/workers=%d/batch=%d/chunk=%d/%s", pad, filter, cfg.workers, cfg.batch, cfg.chunk, cfg.io)
				mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
				sc, err := New(Spec{Table: tab, Columns: []int{0}, ParentRowID: true, RowID: true, Workers: cfg.workers,
					BatchSize: cfg.batch, ChunkBytes: cfg.chunk, Strategy: cfg.io, Allocator: mem})
				if err != nil {
					t.Fatal(err)
				}
				got, err := collect(t, sc)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if !slices.Equal(got, want) {
					t.Fatalf("%s: %d rows, want %d; first difference at %d", name, len(got), len(want), firstDiff(got, want))
				}
				mem.AssertSize(t, 0)
				// A row range starting mid-file looks back from its start.
				sc, err = New(Spec{Table: tab, Columns: []int{0}, ParentRowID: true, RowID: true, Workers: cfg.workers,
					BatchSize: cfg.batch, ChunkBytes: cfg.chunk, Strategy: cfg.io, Ranges: []RowRange{{12345, 23456}, {30001, 30002}}})
				if err != nil {
					t.Fatal(err)
				}
				got, err = collect(t, sc)
				if err != nil {
					t.Fatalf("%s, ranges: %v", name, err)
				}
				var wantRange []string
				for _, w := range want {
					var id int
					fmt.Sscanf(w, "%d", &id)
					if id >= 12345 && id < 23456 || id == 30001 {
						wantRange = append(wantRange, w)
					}
				}
				if !slices.Equal(got, wantRange) {
					t.Fatalf("%s, ranges: %d rows, want %d; first difference at %d", name, len(got), len(wantRange), firstDiff(got, wantRange))
				}
			}
		}
	}
}

// TestSegmentFilterBeforeDecode: fields of other record types are never
// read: a type whose "number" is text does not fail a scan that leaves it
// out, nor a predicate on the number, nor a column tied to other types.
func TestSegmentFilterBeforeDecode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mixed.txt")
	if err := os.WriteFile(path, []byte("Hheader!!!\nE000000012\nE000000030\nHheader!!!\nE000000005\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f := segFile{[]byte("HEEHE"), path}
	for _, tc := range []struct {
		o     storage.SegmentOptions
		preds []Predicate
		want  []string
	}{
		{storage.SegmentOptions{Field: "kind", Filter: "E"}, nil,
			[]string{"000000001|E|12|", "000000002|E|30|", "000000004|E|5|"}},
		{storage.SegmentOptions{Field: "kind", Filter: "E"}, []Predicate{{Field: 1, Op: OpGt, Values: []any{int64(10)}}},
			[]string{"000000001|E|12|", "000000002|E|30|"}},
		{storage.SegmentOptions{Field: "kind", IDMap: "n => E; kind2 => H"}, nil, nil},
		{storage.SegmentOptions{Field: "kind", IDMap: "n => E", Children: "H => E"}, nil,
			[]string{"000000000|H|NULL|", "000000001|E|12|", "000000002|E|30|", "000000003|H|NULL|", "000000004|E|5|"}},
	} {
		s, _ := storage.NewSchema([]storage.Field{
			{Name: "kind", Type: storage.Type{Kind: storage.Char, Length: 1}, Offset: 0, Width: 1, Encoding: storage.Text},
			{Name: "n", Type: storage.Type{Kind: storage.Int64}, Offset: 1, Width: 9, Encoding: storage.Text, Nullable: true},
		}, storage.SchemaOptions{DefaultEncoding: storage.Text, NullBitmap: storage.Implicit})
		sg, err := storage.NewSegments(s, tc.o)
		if tc.want == nil {
			if err == nil {
				t.Errorf("%+v: no error for a column that does not exist", tc.o)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		tab, err := storage.OpenRaw(f.path, s, storage.RawOptions{Text: true, Segments: sg})
		if err != nil {
			t.Fatal(err)
		}
		for _, workers := range []int{1, 3} {
			sc, err := New(Spec{Table: tab, Columns: []int{0, 1}, RowID: true, Filter: tc.preds, Workers: workers, BatchSize: 2, ChunkBytes: 11})
			if err != nil {
				t.Fatal(err)
			}
			got, err := collect(t, sc)
			if err != nil {
				t.Fatalf("%+v: %v", tc.o, err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("%+v, %d workers: got %q, want %q", tc.o, workers, got, tc.want)
			}
		}
	}
}

// TestUnknownRecordType: when the options list the file's types, a record
// of another type is an error naming the file, record, offset and field.
func TestUnknownRecordType(t *testing.T) {
	types := []byte("HBEEAXE")
	f := writeSegFile(t, types, false)
	tab := segTable(t, f, storage.SegmentOptions{Field: "kind", Filter: "E", Children: "H => B; B => E; E => A"}, false)
	sc, err := New(Spec{Table: tab, Columns: []int{0}, ParentRowID: true, Workers: 2, ChunkBytes: 22})
	if err != nil {
		t.Fatal(err)
	}
	_, err = collect(t, sc)
	want := f.path + `: record 6, byte offset 55, field kind: record type "X" is not one of the types`
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("error %v, want %s...", err, want)
	}
	// Without a list of types, other types are simply not read.
	tab = segTable(t, f, storage.SegmentOptions{Field: "kind", Filter: "E"}, false)
	sc, err = New(Spec{Table: tab, Columns: []int{0}, RowID: true, Workers: 2, ChunkBytes: 22})
	if err != nil {
		t.Fatal(err)
	}
	got, err := collect(t, sc)
	if err != nil || len(got) != 3 {
		t.Fatalf("got %q, %v; want the 3 entries", got, err)
	}
	// A predicate on a column only some types hold cannot run on the raw
	// records.
	tab = segTable(t, f, storage.SegmentOptions{Field: "kind", IDMap: "n => E, A, B, H, X"}, false)
	if _, err := New(Spec{Table: tab, Filter: []Predicate{{Field: 1, Op: OpGt, Values: []any{int64(1)}}}}); err == nil || !strings.Contains(err.Error(), "only some record types hold n") {
		t.Fatalf("a raw-byte predicate on a partial column: %v", err)
	}
	// _parent_rowid needs parent links.
	if _, err := New(Spec{Table: tab, ParentRowID: true}); err == nil || !strings.Contains(err.Error(), "no parent record types") {
		t.Fatalf("ParentRowID without parent links: %v", err)
	}
}
