package exec

import (
	"math/rand"
	"testing"
)

// BenchmarkHashJoinSmallBuild: 6,000,000 probe rows against 200 build
// rows drawn from a key domain of 200,000 (TPC-H Q17's lineitem against
// the parts of one brand and container), so almost no probe row matches;
// "x-map" is the time relative to the Go map baseline measured in the
// same run.
func BenchmarkHashJoinSmallBuild(b *testing.B) {
	const batch = 8192
	r := rand.New(rand.NewSource(3))
	d := &joinBenchData{}
	for i, k := range r.Perm(200_000)[:200] {
		d.buildKeys = append(d.buildKeys, int64(k))
		d.buildVals = append(d.buildVals, int64(i))
	}
	for i := 0; i < 6_000_000; i++ {
		d.probeKeys = append(d.probeKeys, int64(r.Intn(200_000)))
		d.probeVals = append(d.probeVals, int64(i))
	}
	base, want := d.timeMapJoin(batch)
	d.benchExec(b, 2, batch, base, want)
}
