package scan

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/recq/recq/storage"
	"github.com/recq/recq/storage/gen"
)

// compressedBenchRows is the size of the compressed benchmark files:
// 200,000 lineitem lines, 35 MB of fixed-width text.
const compressedBenchRows = 200_000

// compressedTextFile returns the generated lineitem text file compressed
// as format in parts members or frames, created once in the system
// temporary directory.
func compressedTextFile(b *testing.B, format storage.Compression, parts int) string {
	if testing.Short() {
		b.Skip("large benchmark file; skipped under -short")
	}
	plain := filepath.Join(os.TempDir(), "recq-scan-bench-lineitem-200k.txt")
	path := fmt.Sprintf("%s.%d.%v", plain, parts, format)
	if _, ok := benchFiles.Load(path); ok {
		return path
	}
	if _, err := os.Stat(plain); err != nil {
		g, _ := gen.Lookup("lineitem")
		if err := g.WriteText(plain+".tmp", compressedBenchRows, 1); err != nil {
			b.Fatal(err)
		}
		if err := os.Rename(plain+".tmp", plain); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := os.Stat(path); err != nil {
		data, err := os.ReadFile(plain)
		if err != nil {
			b.Fatal(err)
		}
		f, err := os.Create(path + ".tmp")
		if err != nil {
			b.Fatal(err)
		}
		w := bufio.NewWriter(f)
		enc, _ := zstd.NewWriter(nil)
		for i := range parts {
			part := data[len(data)*i/parts : len(data)*(i+1)/parts]
			switch format {
			case storage.Gzip:
				z := gzip.NewWriter(w)
				z.Write(part)
				z.Close()
			case storage.Zstd:
				w.Write(enc.EncodeAll(part, nil))
			}
		}
		enc.Close()
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
		f.Close()
		if err := os.Rename(path+".tmp", path); err != nil {
			b.Fatal(err)
		}
	}
	benchFiles.Store(path, true)
	return path
}

// decompressToDiscard is the baseline: the whole file decompressed by one
// stream into io.Discard (what `zcat FILE | wc -c` does), with the same
// decompressors the scan uses.
func decompressToDiscard(b *testing.B, path string, format storage.Compression) int64 {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 128<<10)
	var r io.Reader
	switch format {
	case storage.Gzip:
		z, err := gzip.NewReader(br)
		if err != nil {
			b.Fatal(err)
		}
		r = z
	case storage.Zstd:
		z, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1))
		if err != nil {
			b.Fatal(err)
		}
		defer z.Close()
		r = z
	}
	n, err := io.Copy(io.Discard, r)
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// BenchmarkCompressedText scans a gzip- or zstd-compressed fixed-width
// text file (every column decoded, and one column summed) with 2 workers,
// against decompressing the same file to io.Discard, alternately in the
// same run; the index is built before timing (as after a first query).
// Target: scan_x_decompress <= 1.3 for one stream. A file of several
// members or frames decompresses in parallel lanes; the metric then
// compares with one sequential stream. first_read_x_decompress is the
// very first query of a file: the indexing pass plus the scan;
// plain_scan_x_decompress the same scan of the uncompressed file (warm),
// which bounds what overlapping decompression with decoding can reach.
func BenchmarkCompressedText(b *testing.B) {
	g, _ := gen.Lookup("lineitem")
	for _, c := range []struct {
		format storage.Compression
		parts  int
	}{{storage.Gzip, 1}, {storage.Zstd, 1}, {storage.Gzip, 16}, {storage.Zstd, 16}} {
		for _, cols := range []string{"all", "one"} {
			b.Run(fmt.Sprintf("%v/parts=%d/columns=%s", c.format, c.parts, cols), func(b *testing.B) {
				path := compressedTextFile(b, c.format, c.parts)
				open := func() *storage.Table {
					tab, err := storage.OpenRaw(path, g.TextSchema(), storage.RawOptions{Text: true})
					if err != nil {
						b.Fatal(err)
					}
					return tab
				}
				tab := open()
				columns := allColumns(tab)
				if cols == "one" {
					columns = []int{tab.Schema.Lookup("l_quantity")}
				}
				scanOnce := func(tab *storage.Table) {
					s, err := New(Spec{Table: tab, Columns: columns, Workers: 2})
					if err != nil {
						b.Fatal(err)
					}
					drain(b, s, func(arrow.Record) {})
				}
				// The same scan of the uncompressed file, warm: what decoding
				// alone costs.
				plain, err := storage.OpenRaw(filepath.Join(os.TempDir(), "recq-scan-bench-lineitem-200k.txt"), g.TextSchema(), storage.RawOptions{Text: true})
				if err != nil {
					b.Fatal(err)
				}
				b.SetBytes(tab.Size)
				var scanT, baseT, plainT, firstT time.Duration
				for i := 0; i < b.N; i++ {
					t0 := time.Now()
					decompressToDiscard(b, path, c.format)
					t1 := time.Now()
					scanOnce(tab)
					t2 := time.Now()
					scanOnce(plain)
					baseT += t1.Sub(t0)
					scanT += t2.Sub(t1)
					plainT += time.Since(t2)
				}
				// The first read of a file: no index yet.
				b.StopTimer()
				storage.ForgetIndexes()
				os.Remove(path + storage.IndexSuffix)
				b.StartTimer()
				t0 := time.Now()
				scanOnce(open())
				firstT = time.Since(t0)
				b.ReportMetric(scanT.Seconds()/baseT.Seconds(), "scan_x_decompress")
				b.ReportMetric(plainT.Seconds()/baseT.Seconds(), "plain_scan_x_decompress")
				b.ReportMetric(firstT.Seconds()/(baseT.Seconds()/float64(b.N)), "first_read_x_decompress")
				b.ReportMetric(float64(tab.Size)/(scanT.Seconds()/float64(b.N))/1e6, "scan_MB/s")
				b.ReportMetric(float64(tab.Size)/(baseT.Seconds()/float64(b.N))/1e6, "decompress_MB/s")
			})
		}
	}
}
