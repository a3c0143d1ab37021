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

// The mainframe benchmark scans the same records in three files: an EBCDIC
// extract (zoned and packed numbers, an EBCDIC name), the same values as
// an ASCII fixed-width text file, and as a binary .rec. The files have the
// same fields in the same order.
const mainframeRecords = 2_000_000

// mainframeFields are the benchmark's fields for one representation.
func mainframeFields(kind string) []storage.Field {
	f := []storage.Field{
		{Name: "id", Type: storage.TInt32},
		{Name: "name", Type: storage.TChar(12)},
		{Name: "amount", Type: storage.TDecimal(11, 2)},
		{Name: "qty", Type: storage.TDecimal(7, 0)},
		{Name: "price", Type: storage.TDecimal(9, 3)},
	}
	for i := range f {
		f[i].Offset = storage.Implicit
		switch kind {
		case "ebcdic":
			f[i].Encoding, f[i].CodePage = storage.Zoned, 37
			switch f[i].Name {
			case "id":
				f[i].Width, f[i].Unsigned = 9, true
			case "name":
				f[i].Encoding = storage.Text
			case "amount":
				f[i].Encoding, f[i].CodePage = storage.Packed, 0
			case "price":
				f[i].Sign = storage.SignLeadingSeparate
			}
			f[i].Implied = f[i].Type.Scale
		case "text":
			f[i].Encoding = storage.Text
			f[i].Width = map[string]int{"id": 9, "name": 12, "amount": 13, "qty": 7, "price": 11}[f[i].Name]
		}
	}
	return f
}

// mainframeFile writes (once) the benchmark file of one kind and opens it.
func mainframeFile(b *testing.B, kind string) *storage.Table {
	if testing.Short() {
		b.Skip("large benchmark file; skipped under -short")
	}
	s, err := storage.NewSchema(mainframeFields(kind), storage.SchemaOptions{NullBitmap: storage.NoNullBitmap})
	if err != nil {
		b.Fatal(err)
	}
	ext := map[string]string{"ebcdic": ".ebc", "text": ".txt", "rec": ".rec"}[kind]
	path := filepath.Join(os.TempDir(), fmt.Sprintf("recq-scan-bench-mainframe-%d%s", mainframeRecords, ext))
	if _, ok := benchFiles.Load(path); !ok {
		if _, err := os.Stat(path); err != nil {
			writeMainframeFile(b, path, kind, s)
		}
		benchFiles.Store(path, true)
	}
	var tab *storage.Table
	switch kind {
	case "rec":
		tab, err = storage.Open(path, storage.OpenOptions{})
	case "text":
		tab, err = storage.OpenRaw(path, s, storage.RawOptions{Text: true})
	default:
		tab, err = storage.OpenRaw(path, s, storage.RawOptions{})
	}
	if err != nil {
		b.Fatal(err)
	}
	return tab
}

func mainframeRow(r *rand.Rand, i int) []any {
	return []any{
		int64(i),
		fmt.Sprintf("NAME%06d", r.IntN(1_000_000)),
		storage.DecimalValue{Unscaled: r.Int64N(2e10) - 1e10, Scale: 2},
		storage.DecimalValue{Unscaled: r.Int64N(1e7), Scale: 0},
		storage.DecimalValue{Unscaled: r.Int64N(2e8) - 1e8, Scale: 3},
	}
}

func writeMainframeFile(b *testing.B, path, kind string, s *storage.Schema) {
	r := rand.New(rand.NewPCG(5, 6))
	if kind == "rec" {
		w, err := storage.Create(path, s, storage.WriterOptions{ExpectedRecords: mainframeRecords})
		if err != nil {
			b.Fatal(err)
		}
		for i := range mainframeRecords {
			if err := w.Append(mainframeRow(r, i)...); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		return
	}
	f, err := os.Create(path + ".tmp")
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	rec := make([]byte, s.RecordLen)
	for i := range mainframeRecords {
		for k, v := range mainframeRow(r, i) {
			if err := s.EncodeField(rec, k, v); err != nil {
				b.Fatal(err)
			}
		}
		w.Write(rec)
		if kind == "text" {
			w.WriteByte('\n')
		}
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	if err := os.Rename(path+".tmp", path); err != nil {
		b.Fatal(err)
	}
}

// scanMainframe decodes all columns with one worker (optionally with a
// predicate) and returns the number of rows and the sum of amount.
func scanMainframe(b *testing.B, tab *storage.Table, src storage.Source, filter []Predicate) (int64, int64) {
	s, err := New(Spec{Table: tab, Source: src, Columns: allColumns(tab), Workers: 1, Filter: filter})
	if err != nil {
		b.Fatal(err)
	}
	var rows, sum int64
	drain(b, s, func(rec arrow.Record) {
		rows += rec.NumRows()
		for _, v := range rec.Column(2).(*array.Decimal128).Values() {
			sum += int64(v.LowBits())
		}
	})
	return rows, sum
}

// BenchmarkMainframeScan decodes all five columns of 2,000,000 warm
// records, one worker, in the three representations, and reports the
// EBCDIC scan's time as a multiple of the ASCII text scan's and of the
// .rec scan's (targets: <= 1.5 and <= 3), then the same with a 10%
// selective predicate on the packed column, evaluated on the raw bytes.
func BenchmarkMainframeScan(b *testing.B) {
	kinds := []string{"ebcdic", "text", "rec"}
	tabs := map[string]*storage.Table{}
	srcs := map[string]storage.Source{}
	for _, k := range kinds {
		tabs[k] = mainframeFile(b, k)
		srcs[k] = warmSource(b, tabs[k].Path)
		defer srcs[k].Close()
	}
	// amount is uniform in -1e8..1e8: amount > 8e7 keeps ~10%.
	filter := []Predicate{{Field: 2, Op: OpGt, Values: []any{storage.DecimalValue{Unscaled: 8e9, Scale: 2}}}}
	times := map[string]time.Duration{}
	for i := 0; i < b.N; i++ {
		var wantRows, wantSum int64
		for _, k := range kinds {
			for _, filtered := range []bool{false, true} {
				var f []Predicate
				name := k
				if filtered {
					f, name = filter, k+"_filtered"
				}
				start := time.Now()
				rows, sum := scanMainframe(b, tabs[k], srcs[k], f)
				times[name] += time.Since(start)
				if k == "ebcdic" && !filtered {
					wantRows, wantSum = rows, sum
				}
				if !filtered && (rows != wantRows || sum != wantSum) {
					b.Fatalf("%s: %d rows, sum %d; ebcdic %d rows, sum %d", k, rows, sum, wantRows, wantSum)
				}
			}
		}
	}
	perRecord := func(k string) float64 {
		return float64(times[k].Nanoseconds()) / float64(b.N) / mainframeRecords
	}
	for _, k := range kinds {
		b.ReportMetric(perRecord(k), k+"_ns/rec")
	}
	b.ReportMetric(times["ebcdic"].Seconds()/times["text"].Seconds(), "ebcdic_x_text")
	b.ReportMetric(times["ebcdic"].Seconds()/times["rec"].Seconds(), "ebcdic_x_rec")
	b.ReportMetric(times["ebcdic_filtered"].Seconds()/times["text_filtered"].Seconds(), "filtered_ebcdic_x_text")
	b.ReportMetric(times["ebcdic_filtered"].Seconds()/times["rec_filtered"].Seconds(), "filtered_ebcdic_x_rec")
}
