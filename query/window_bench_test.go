package query

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/recq/recq/storage"
	"github.com/recq/recq/storage/gen"
)

// windowBenchFile returns the lineitem file of BenchmarkWindow: the 6M-row
// SF1 file, or RECQ_WINDOW_ROWS rows (generated once into the temporary
// directory) to measure at a smaller scale.
func windowBenchFile(b *testing.B) string {
	n, _ := strconv.Atoi(os.Getenv("RECQ_WINDOW_ROWS"))
	if n <= 0 || n == 6_000_000 {
		return sf1Lineitem(b)
	}
	path := filepath.Join(os.TempDir(), fmt.Sprintf("recq-bench-lineitem-%d.rec", n))
	if t, err := storage.Open(path, storage.OpenOptions{}); err == nil && t.Layout.Count == int64(n) {
		return path
	}
	g, _ := gen.Lookup("lineitem")
	if err := g.Write(path, int64(n), 1); err != nil {
		b.Fatal(err)
	}
	return path
}

// processCPU is the process's user plus system CPU time so far: on a
// busy machine the CPU ratio is steadier than the wall-time one.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// drain runs sql and pulls every batch; it returns the rows.
func drain(b *testing.B, eng *Engine, sql string) int64 {
	res, err := eng.Query(context.Background(), sql)
	if err != nil {
		b.Fatal(err)
	}
	var n int64
	for res.Next() {
		n += res.Record().NumRows()
	}
	if err := res.Close(); err != nil {
		b.Fatal(err)
	}
	return n
}

// BenchmarkWindow measures window functions on warm lineitem rows (6M,
// or RECQ_WINDOW_ROWS), each pair in the same iteration so the ratio is
// of one run: a 100-row moving average in file order (ORDER BY _rowid: no
// sort) against a plain scan of the same columns, and the same average
// per supplier in ship-date order (PARTITION BY: repartition and sort)
// against an ORDER BY of the same keys. Targets: both ratios at most 2.
func BenchmarkWindow(b *testing.B) {
	path := windowBenchFile(b)
	pairs := []struct {
		name, window, base string
	}{
		{"rowid",
			"SELECT l_extendedprice, avg(l_extendedprice) OVER (ORDER BY _rowid ROWS BETWEEN 99 PRECEDING AND CURRENT ROW) FROM lineitem",
			"SELECT l_extendedprice, _rowid FROM lineitem"},
		{"partitioned",
			"SELECT l_extendedprice, avg(l_extendedprice) OVER (PARTITION BY l_suppkey ORDER BY l_shipdate ROWS BETWEEN 99 PRECEDING AND CURRENT ROW) FROM lineitem",
			"SELECT l_extendedprice, l_suppkey, l_shipdate FROM lineitem ORDER BY l_suppkey, l_shipdate"},
	}
	for _, p := range pairs {
		for _, workers := range []int{2} {
			b.Run(fmt.Sprintf("%s/workers=%d", p.name, workers), func(b *testing.B) {
				eng := lineitemEngine(b, path, workers)
				want := drain(b, eng, p.base) // maps and warms the table
				var tWin, tBase, cWin, cBase time.Duration
				for i := 0; i < b.N; i++ {
					start, cpu := time.Now(), processCPU()
					if n := drain(b, eng, p.window); n != want {
						b.Fatalf("the window query returned %d rows, want %d", n, want)
					}
					tWin += time.Since(start)
					cWin += processCPU() - cpu
					start, cpu = time.Now(), processCPU()
					drain(b, eng, p.base)
					tBase += time.Since(start)
					cBase += processCPU() - cpu
				}
				n := float64(b.N)
				b.ReportMetric(tWin.Seconds()/n*1e3, "window_ms")
				b.ReportMetric(tBase.Seconds()/n*1e3, "base_ms")
				b.ReportMetric(tWin.Seconds()/tBase.Seconds(), "window_x_base")
				b.ReportMetric(cWin.Seconds()/cBase.Seconds(), "cpu_window_x_base")
			})
		}
	}
}
