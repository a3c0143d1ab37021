package exec

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/scan"
	"github.com/recq/recq/storage"
	"github.com/recq/recq/storage/gen"
)

// BenchmarkOrderedVsUnorderedScan measures what file order costs on a
// scan-heavy query: every lineitem column of the records passing a filter
// (a pushed l_quantity < 40 and, in exec, l_discount <> 0.03 — about 70%
// of the rows), every output value touched. Each iteration runs the plan
// once through NewGather over an unordered scan and once through
// NewOrderedGather over an ordered scan, alternating which goes first, and
// the benchmark reports both times, the ratio of their sums, the median of
// the per-iteration ratios and the ratio of the CPU times, from the same
// run.
// RECQ_BENCH_ROWS sets the file size (default 400,000 rows, about 60 MB).
func BenchmarkOrderedVsUnorderedScan(b *testing.B) {
	rows := int64(400_000)
	if v, err := strconv.ParseInt(os.Getenv("RECQ_BENCH_ROWS"), 10, 64); err == nil && v > 0 {
		rows = v
	}
	g, _ := gen.Lookup("lineitem")
	path := filepath.Join(b.TempDir(), "lineitem.rec")
	if err := g.WriteWith(path, rows, 1, storage.WriterOptions{}); err != nil {
		b.Fatal(err)
	}
	tab, err := storage.Open(path, storage.OpenOptions{})
	if err != nil {
		b.Fatal(err)
	}
	cols := make([]int, tab.Schema.NumFields())
	for i := range cols {
		cols[i] = i
	}
	// One mapping for all runs, as the engine keeps for warm tables.
	src, err := storage.OpenSource(path, storage.Mmap, storage.FullScan)
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	plan := func(ordered bool) Operator {
		sc, err := scan.New(scan.Spec{Table: tab, Source: src, Columns: cols, Ordered: ordered,
			Filter: []scan.Predicate{{Field: 4, Op: scan.OpLt, Values: []any{int64(40)}}}})
		if err != nil {
			b.Fatal(err)
		}
		var op Operator = NewStreamSource(sc.Schema(), sc.Partitions(), sc.String(), sc.Execute)
		disc := Col(6, "l_discount", sc.Schema().Field(6).Type)
		lit, _ := Lit("0.03", disc.DataType())
		pred, err := NewBinary("<>", disc, lit)
		if err != nil {
			b.Fatal(err)
		}
		op = NewFilter(op, pred)
		exprs := make([]Expr, len(cols))
		names := make([]string, len(cols))
		for i, f := range sc.Schema().Fields() {
			exprs[i], names[i] = Col(i, f.Name, f.Type), f.Name
		}
		op = NewProject(op, exprs, names)
		if ordered {
			return NewOrderedGather(op, 0)
		}
		return NewGather(op)
	}
	ordered, unordered := plan(true), plan(false)
	ctx := WithAllocator(context.Background(), memory.DefaultAllocator)
	var tOrd, tUn, cOrd, cUn time.Duration
	var nOrd, nUn int64
	ratios := make([]float64, 0, b.N)
	consume(b, ctx, ordered) // warm the page cache
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		first, second := ordered, unordered
		if i%2 == 1 {
			first, second = unordered, ordered
		}
		var pair [2]time.Duration // ordered, unordered
		for _, op := range []Operator{first, second} {
			t0, c0 := time.Now(), cpuTime()
			n := consume(b, ctx, op)
			d, c := time.Since(t0), cpuTime()-c0
			if op == ordered {
				tOrd, cOrd = tOrd+d, cOrd+c
				nOrd = n
				pair[0] = d
			} else {
				tUn, cUn = tUn+d, cUn+c
				nUn = n
				pair[1] = d
			}
		}
		ratios = append(ratios, float64(pair[0])/float64(pair[1]))
	}
	if nOrd != nUn {
		b.Fatalf("ordered %d rows, unordered %d", nOrd, nUn)
	}
	// The median of the per-iteration ratios resists the load spikes of a
	// shared machine better than the ratio of the sums; both are shown.
	slices.Sort(ratios)
	b.ReportMetric(float64(tOrd.Microseconds())/1000/float64(b.N), "ordered-ms/op")
	b.ReportMetric(float64(tUn.Microseconds())/1000/float64(b.N), "unordered-ms/op")
	b.ReportMetric(float64(tOrd)/float64(tUn), "ordered/unordered")
	b.ReportMetric(ratios[len(ratios)/2], "median-ratio")
	// CPU time (user + system, all threads) does not count the time a
	// worker waits for a core, which dominates wall time under load.
	b.ReportMetric(float64(cOrd)/float64(cUn), "cpu-ratio")
	b.ReportMetric(float64(nOrd), "rows")
}

// cpuTime is the process's user plus system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// consume runs op and touches every value (a checksum over the fixed-width
// buffers and string lengths), as a client reading the rows would.
func consume(b *testing.B, ctx context.Context, op Operator) int64 {
	s, err := op.Execute(ctx, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var n int64
	var sum uint64
	for s.Next() {
		rec := s.Record()
		n += rec.NumRows()
		for _, c := range rec.Columns() {
			switch a := c.(type) {
			case *array.String:
				for i := 0; i < a.Len(); i++ {
					sum += uint64(len(a.Value(i)))
				}
			default:
				if bufs := a.Data().Buffers(); len(bufs) > 1 && bufs[1] != nil {
					for _, x := range bufs[1].Bytes() {
						sum += uint64(x)
					}
				}
			}
		}
	}
	if err := s.Err(); err != nil {
		b.Fatal(err)
	}
	sink = sum
	return n
}

var sink uint64
