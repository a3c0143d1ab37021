package scan

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/recq/recq/storage"
)

// The record-type benchmark scans an ACH-like file of 2,000,000 94-character
// lines (batches of 50-400 entries, a tenth of them with an addenda
// record) for the entries' amounts, four ways: a table of every line with
// a pushed record_type = '6' test (the baseline), the entry type of a file
// of record types, the same with _parent_rowid, and with a parent type
// that never occurs (the look-back's worst case: every block is read once
// more).
const achBenchRecords = 2_000_000

func achBenchFile(b *testing.B) string {
	if testing.Short() {
		b.Skip("large benchmark file; skipped under -short")
	}
	path := filepath.Join(os.TempDir(), fmt.Sprintf("recq-scan-bench-ach-%d.txt", achBenchRecords))
	if _, ok := benchFiles.Load(path); ok {
		return path
	}
	if _, err := os.Stat(path); err != nil {
		f, err := os.Create(path + ".tmp")
		if err != nil {
			b.Fatal(err)
		}
		w := bufio.NewWriter(f)
		r := rand.New(rand.NewPCG(9, 4))
		line := func(format string, args ...any) { fmt.Fprintf(w, "%-94s\n", fmt.Sprintf(format, args...)) }
		line("101 091000019 1234567890")
		n, batch := 1, 0
		for n < achBenchRecords-1 {
			batch++
			line("5220COMPANY %03d", r.IntN(50))
			n++
			for e := r.IntN(351) + 50; e > 0 && n < achBenchRecords-2; e-- {
				line("622076401251%-17s%010d", "4417852201", r.IntN(10_000_000))
				n++
				if r.IntN(10) == 0 && n < achBenchRecords-2 {
					line("705INFO")
					n++
				}
			}
			line("8220")
			n++
		}
		line("9%06d", batch)
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

// BenchmarkRecordTypes reports each way's CPU time against the baseline's
// (one worker, warm file).
func BenchmarkRecordTypes(b *testing.B) {
	path := achBenchFile(b)
	s, err := storage.NewSchema([]storage.Field{
		{Name: "record_type", Type: storage.TChar(1), Offset: 0, Width: 1, Encoding: storage.Text},
		{Name: "amount", Type: storage.TDecimal(10, 2), Offset: 29, Width: 10, Encoding: storage.Text, Implied: 2, Nullable: true},
	}, storage.SchemaOptions{DefaultEncoding: storage.Text, NullBitmap: storage.Implicit})
	if err != nil {
		b.Fatal(err)
	}
	open := func(o storage.SegmentOptions) *storage.Table {
		sg, err := storage.NewSegments(s, o)
		if err != nil {
			b.Fatal(err)
		}
		t, err := storage.OpenRaw(path, s, storage.RawOptions{Text: true, Segments: sg})
		if err != nil {
			b.Fatal(err)
		}
		return t
	}
	src := warmSource(b, path)
	defer src.Close()
	ways := []struct {
		name   string
		tab    *storage.Table
		filter []Predicate
		parent bool
	}{
		{"predicate", open(storage.SegmentOptions{}), []Predicate{{Field: 0, Op: OpEq, Values: []any{"6"}}}, false},
		{"types", open(storage.SegmentOptions{Field: "record_type", Filter: "6"}), nil, false},
		{"parents", open(storage.SegmentOptions{Field: "record_type", Filter: "6", Children: "1 => 5, 9; 5 => 6, 8; 6 => 7"}), nil, true},
		{"absent_parent", open(storage.SegmentOptions{Field: "record_type", Filter: "6", Children: "1 => 5, 9; 5 => 8; 4 => 6; 6 => 7"}), nil, true},
	}
	cpu := map[string]time.Duration{}
	for i := 0; i < b.N; i++ {
		var want int64
		for k, w := range ways {
			sc, err := New(Spec{Table: w.tab, Source: src, Columns: []int{1}, ParentRowID: w.parent, Filter: w.filter, Workers: 1})
			if err != nil {
				b.Fatal(err)
			}
			start := cpuTime()
			var sum int64
			drain(b, sc, func(rec arrow.Record) {
				for _, v := range rec.Column(0).(*array.Decimal128).Values() {
					sum += int64(v.LowBits())
				}
			})
			cpu[w.name] += cpuTime() - start
			if k == 0 {
				want = sum
			} else if sum != want {
				b.Fatalf("%s: sum %d, want %d", w.name, sum, want)
			}
		}
	}
	for _, w := range ways[1:] {
		b.ReportMetric(cpu[w.name].Seconds()/cpu["predicate"].Seconds(), "cpu_"+w.name+"_x_predicate")
	}
	b.ReportMetric(float64(cpu["predicate"].Nanoseconds())/float64(b.N)/achBenchRecords, "predicate_ns/rec")
}
