package exec

import (
	"context"
	"fmt"
	"math/rand"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// joinBenchData is a probe table of nProbe rows (key uniform over twice
// the build keys, so about half match; a payload) and a build table of
// nBuild rows with unique keys in random order and a payload.
type joinBenchData struct {
	probeKeys, probeVals, buildKeys, buildVals []int64
}

func makeJoinBenchData(nProbe, nBuild int) *joinBenchData {
	r := rand.New(rand.NewSource(1))
	d := &joinBenchData{}
	perm := r.Perm(nBuild)
	for i := 0; i < nBuild; i++ {
		d.buildKeys = append(d.buildKeys, int64(perm[i]))
		d.buildVals = append(d.buildVals, int64(i))
	}
	for i := 0; i < nProbe; i++ {
		d.probeKeys = append(d.probeKeys, int64(r.Intn(2*nBuild)))
		d.probeVals = append(d.probeVals, int64(i))
	}
	return d
}

func (d *joinBenchData) sources(mem memory.Allocator, probeParts, batch int) (probe, build *MemorySource) {
	mk := func(names [2]string, a, b []int64, parts int) *MemorySource {
		s := arrow.NewSchema([]arrow.Field{{Name: names[0], Type: tInt64}, {Name: names[1], Type: tInt64}}, nil)
		cols := []arrow.Array{int64Array(mem, a), int64Array(mem, b)}
		ps := fixedBatches(s, cols, parts, batch)
		releaseAll(cols)
		src := NewMemorySource(s, ps)
		for _, p := range ps {
			for _, r := range p {
				r.Release()
			}
		}
		return src
	}
	return mk([2]string{"pk", "pv"}, d.probeKeys, d.probeVals, probeParts), mk([2]string{"bk", "bv"}, d.buildKeys, d.buildVals, 1)
}

// mapJoin is the baseline: a Go map from key to build row, probed a batch
// at a time, the output columns gathered into reused slices.
func (d *joinBenchData) mapJoin(batch int) int {
	m := make(map[int64]int32, len(d.buildKeys))
	for i, k := range d.buildKeys {
		m[k] = int32(i)
	}
	var pk, pv, bk, bv []int64
	rows := 0
	for lo := 0; lo < len(d.probeKeys); lo += batch {
		hi := min(lo+batch, len(d.probeKeys))
		pk, pv, bk, bv = pk[:0], pv[:0], bk[:0], bv[:0]
		for i := lo; i < hi; i++ {
			if j, ok := m[d.probeKeys[i]]; ok {
				pk = append(pk, d.probeKeys[i])
				pv = append(pv, d.probeVals[i])
				bk = append(bk, d.buildKeys[j])
				bv = append(bv, d.buildVals[j])
			}
		}
		rows += len(pk)
	}
	return rows
}

// timeMapJoin returns the best of three baseline runs.
func (d *joinBenchData) timeMapJoin(batch int) (time.Duration, int) {
	best, rows := time.Duration(1<<62), 0
	for i := 0; i < 3; i++ {
		start := time.Now()
		rows = d.mapJoin(batch)
		best = min(best, time.Since(start))
	}
	return best, rows
}

// BenchmarkHashJoin: INNER JOIN of 1,000,000 probe rows with 100,000
// build rows (unique INT64 keys, about half the probe rows match), with
// one probe partition and with two; "x-map" is the time relative to the
// Go map baseline (one goroutine) measured in the same run.
func BenchmarkHashJoin(b *testing.B) {
	const batch = 8192
	d := makeJoinBenchData(1_000_000, 100_000)
	base, want := d.timeMapJoin(batch)
	b.Run("gomap", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			d.mapJoin(batch)
		}
	})
	for _, parts := range []int{1, 2} {
		b.Run(fmt.Sprintf("exec/partitions=%d", parts), func(b *testing.B) {
			d.benchExec(b, parts, batch, base, want)
		})
	}
}

// benchExec runs the INNER hash join of d's probe and build rows b.N
// times (probe in parts partitions of batch rows), checks the row count
// and reports the time relative to the Go map baseline's (x-map), when
// base is not 0.
func (d *joinBenchData) benchExec(b *testing.B, parts, batch int, base time.Duration, want int) {
	mem := memory.NewGoAllocator()
	probe, build := d.sources(mem, parts, batch)
	defer probe.Release()
	defer build.Release()
	op := must(NewHashJoin(HashJoinSpec{Probe: probe, Build: build,
		ProbeKeys: []Expr{Col(0, "pk", tInt64)}, BuildKeys: []Expr{Col(0, "bk", tInt64)}}))
	ctx := WithAllocator(context.Background(), mem)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if rows := drain(b, ctx, NewGather(op)); rows != int64(want) {
			b.Fatalf("%d rows, want %d", rows, want)
		}
	}
	if base > 0 {
		b.ReportMetric(float64(b.Elapsed())/float64(b.N)/float64(base), "x-map")
	}
}

// BenchmarkHashJoinLarge: 6,000,000 probe rows against 1,500,000 build
// rows (lineitem x orders at scale factor 1), all probe rows matching.
// Run with -benchtime=1x.
func BenchmarkHashJoinLarge(b *testing.B) {
	const batch = 8192
	r := rand.New(rand.NewSource(2))
	d := &joinBenchData{}
	for i := 0; i < 1_500_000; i++ {
		d.buildKeys = append(d.buildKeys, int64(i*4+1))
		d.buildVals = append(d.buildVals, int64(i))
	}
	for i := 0; i < 6_000_000; i++ {
		d.probeKeys = append(d.probeKeys, d.buildKeys[r.Intn(len(d.buildKeys))])
		d.probeVals = append(d.probeVals, int64(i))
	}
	d.benchExec(b, 2, batch, 0, 6_000_000)
}

// BenchmarkHashJoinBuild: a SEMI join whose build side has 4,000,000 rows
// with 4 rows per key (lineitem by order), probed by 200,000 rows (the
// build dominates) or 4,000,000 rows (the probe dominates), with the
// sequential and the partitioned build. Run with -benchtime=3x.
func BenchmarkHashJoinBuild(b *testing.B) {
	const batch = 8192
	r := rand.New(rand.NewSource(3))
	d := &joinBenchData{}
	for i := 0; i < 4_000_000; i++ {
		d.buildKeys = append(d.buildKeys, int64(r.Intn(1_000_000)*4+1))
		d.buildVals = append(d.buildVals, int64(i))
	}
	for i := 0; i < 4_000_000; i++ {
		d.probeKeys = append(d.probeKeys, int64(r.Intn(2_000_000)*2+1))
		d.probeVals = append(d.probeVals, int64(i))
	}
	defer func(p bool) { joinBuildPartitioned = p }(joinBuildPartitioned)
	for _, nProbe := range []int{200_000, 4_000_000} {
		pd := &joinBenchData{probeKeys: d.probeKeys[:nProbe], probeVals: d.probeVals[:nProbe], buildKeys: d.buildKeys, buildVals: d.buildVals}
		mem := memory.NewGoAllocator()
		probe, build := pd.sources(mem, 2, batch)
		op := must(NewHashJoin(HashJoinSpec{Probe: probe, Build: build, Type: JoinSemi,
			ProbeKeys: []Expr{Col(0, "pk", tInt64)}, BuildKeys: []Expr{Col(0, "bk", tInt64)}}))
		ctx := WithAllocator(context.Background(), mem)
		for _, part := range []bool{false, true} {
			b.Run(fmt.Sprintf("probe=%d/partitioned=%v", nProbe, part), func(b *testing.B) {
				joinBuildPartitioned = part
				for i := 0; i < b.N; i++ {
					drain(b, ctx, NewGather(op))
				}
			})
		}
		probe.Release()
		build.Release()
	}
}
