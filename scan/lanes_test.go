package scan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/recq/recq/storage"
	"github.com/recq/recq/storage/gen"
)

// compressParts compresses data cut into n parts at arbitrary bytes (not
// at record boundaries), each part a gzip member or zstd frame.
func compressParts(t testing.TB, format storage.Compression, data []byte, n int) []byte {
	var out bytes.Buffer
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	for i := range n {
		part := data[len(data)*i/n : len(data)*(i+1)/n]
		switch format {
		case storage.Gzip:
			w := gzip.NewWriter(&out)
			w.Write(part)
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
		case storage.Zstd:
			out.Write(enc.EncodeAll(part, nil))
		}
	}
	return out.Bytes()
}

// compressedFixture writes the fixture file name compressed (n parts) into
// a temporary directory and returns its path.
func compressedFixture(t testing.TB, name string, format storage.Compression, n int) string {
	data, err := os.ReadFile(filepath.Join(fixtures(t), name))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), fmt.Sprintf("%s.%v%d", name, format, n))
	if err := os.WriteFile(path, compressParts(t, format, data, n), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestCompressedScansAgree scans the .rec and text fixtures plain and
// compressed (one stream, several members or frames, so one lane or
// several) under several worker counts, batch sizes and chunk sizes,
// unordered and ordered, with a filter, row ids and a limit: every
// compressed scan returns exactly the plain scan's rows.
func TestCompressedScansAgree(t *testing.T) {
	checkGoroutines(t)
	g, _ := gen.Lookup("lineitem")
	type shape struct {
		format storage.Compression
		parts  int
	}
	shapes := []shape{{storage.Gzip, 9}, {storage.Zstd, 1}, {storage.Gzip, 1}, {storage.Zstd, 6}}
	if testing.Short() {
		shapes = shapes[:2] // one file of several lanes, one of a single stream
	}
	for _, kind := range []string{"rec", "txt"} {
		open := func(path string) *storage.Table {
			var tab *storage.Table
			var err error
			if kind == "rec" {
				tab, err = storage.Open(path, storage.OpenOptions{})
			} else {
				tab, err = storage.OpenRaw(path, g.TextSchema(), storage.RawOptions{Text: true})
			}
			if err != nil {
				t.Fatal(err)
			}
			return tab
		}
		plain := open(filepath.Join(fixtures(t), "lineitem."+kind))
		quantity := plain.Schema.Lookup("l_quantity")
		specs := []struct {
			name string
			spec Spec
		}{
			{"all", Spec{Columns: allColumns(plain), RowID: true}},
			{"filter", Spec{Columns: []int{0, quantity}, RowID: true, Filter: []Predicate{{Field: quantity, Op: OpLt, Values: []any{int64(12)}}}}},
			{"count", Spec{}},
			{"ordered-limit", Spec{Columns: []int{0}, RowID: true, Ordered: true, Limit: 777}},
			{"rowids", Spec{Columns: []int{0}, RowID: true, Ranges: []RowRange{{5000, 5100}, {11990, 12000}}}},
			{"checksums", Spec{Columns: []int{0}, RowID: true, VerifyChecksums: true}},
		}
		for _, sh := range shapes {
			comp := open(compressedFixture(t, "lineitem."+kind, sh.format, sh.parts))
			if comp.Compression == nil || comp.Compression.SeekPoints != sh.parts || comp.Layout.Count != plain.Layout.Count {
				t.Fatalf("%s %v/%d: compression %v, %d records", kind, sh.format, sh.parts, comp.Compression, comp.Layout.Count)
			}
			for _, sp := range specs {
				for ci, cfg := range []struct{ workers, batch, chunk int }{{1, 16384, 0}, {2, 1000, 8192}, {5, 333, 4096}, {3, 7, 64 << 10}} {
					if testing.Short() && ci > 1 {
						break
					}
					name := fmt.Sprintf("%s/%v%d/%s/w%d-b%d-c%d", kind, sh.format, sh.parts, sp.name, cfg.workers, cfg.batch, cfg.chunk)
					t.Run(name, func(t *testing.T) {
						mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
						defer mem.AssertSize(t, 0)
						run := func(tab *storage.Table) []string {
							spec := sp.spec
							spec.Table, spec.Workers, spec.BatchSize, spec.ChunkBytes, spec.Allocator = tab, cfg.workers, cfg.batch, cfg.chunk, mem
							s, err := New(spec)
							if err != nil {
								t.Fatal(err)
							}
							rows, err := collect(t, s)
							if err != nil {
								t.Fatal(err)
							}
							if sp.spec.Limit > 0 { // the first Limit rows in file order
								rows = rows[:min(len(rows), int(sp.spec.Limit))]
							}
							return rows
						}
						want, got := run(plain), run(comp)
						if !slices.Equal(got, want) {
							t.Fatalf("%d rows compressed, %d plain; first difference at %d", len(got), len(want), firstDiff(got, want))
						}
					})
				}
			}
		}
	}
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestCompressedScanCancel cancels a scan of a compressed file after its
// first batch: every partition stops and nothing leaks.
func TestCompressedScanCancel(t *testing.T) {
	checkGoroutines(t)
	g, _ := gen.Lookup("lineitem")
	tab, err := storage.OpenRaw(compressedFixture(t, "lineitem.txt", storage.Zstd, 4), g.TextSchema(), storage.RawOptions{Text: true})
	if err != nil {
		t.Fatal(err)
	}
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	s, err := New(Spec{Table: tab, Columns: allColumns(tab), Workers: 3, BatchSize: 100, ChunkBytes: 4096, Allocator: mem})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var streams []Stream
	for p := range s.Partitions() {
		st, err := s.Execute(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		streams = append(streams, st)
	}
	if !streams[0].Next() {
		t.Fatal(streams[0].Err())
	}
	cancel()
	for _, st := range streams {
		for st.Next() {
		}
		if err := st.Err(); err != nil && !errors.Is(err, context.Canceled) {
			t.Error(err)
		}
		st.Close()
	}
}
