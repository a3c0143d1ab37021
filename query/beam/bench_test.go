package recqbeam

import (
	"testing"
	"time"
)

// BenchmarkQ1 runs the TPC-H Q1-shaped aggregation over four lineitem
// files of 1.5M records each (6M, TPC-H SF1) on Prism and on one node in
// the same run; x-single is Prism's time over the single node's (target:
// at most 2). Prism's time includes starting the job and writing the
// result with WriteIPC.
func BenchmarkQ1(b *testing.B) {
	if testing.Short() {
		b.Skip("writes 6M records; skipped under -short")
	}
	dir := fixture(b, 1_500_000)
	cfg := Config{DataDir: dir}
	localRows(b, dir, q1) // warm the page cache and the engine
	var single, onPrism time.Duration
	n := 0
	for b.Loop() {
		n++
		t0 := time.Now()
		want := localRows(b, dir, q1)
		t1 := time.Now()
		got := beamRows(b, q1, cfg)
		t2 := time.Now()
		single += t1.Sub(t0)
		onPrism += t2.Sub(t1)
		if len(got) != len(want) || len(got) == 0 {
			b.Fatalf("Prism gave %d rows, one node %d", len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				b.Fatalf("row %d: Prism %q, one node %q", i, got[i], want[i])
			}
		}
	}
	b.ReportMetric(float64(single.Milliseconds())/float64(n), "single-ms/op")
	b.ReportMetric(float64(onPrism.Milliseconds())/float64(n), "prism-ms/op")
	b.ReportMetric(float64(onPrism)/float64(single), "x-single")
}
