package exec

import "testing"

func BenchmarkSumDecUpdate(b *testing.B) {
	const n = 65536
	mem := checkedMem(b)
	o := newFixedOut[i128](mem, DecimalType(15, 2), n)
	gids := make([]int32, n)
	sel := make([]int32, 0, n)
	seed := uint64(1)
	for i := range o.v {
		seed = seed*6364136223846793005 + 1442695040888963407
		o.v[i] = i128From64(int64(seed>>40) % 100000)
		gids[i] = int32((seed >> 20) % 6)
		if i%25 != 0 {
			sel = append(sel, int32(i))
		}
	}
	a := o.finish()
	defer a.Release()
	s := &sumDecState{}
	s.resize(6)
	b.Run("nosel", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			s.update(nil, a, gids, nil)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/row")
	})
	b.Run("sel", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			s.update(nil, a, gids, sel)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(sel)), "ns/row")
	})
}

func sumLanes(v []i128, gids []int32, sel []int32, acc []i128, cnt []int64) {
	var lanes [4 * 64]i128
	var lc [4 * 64]int64
	for k, i := range sel {
		g := int(gids[i])*4 + k&3
		x := int64(v[i].lo)
		lo, c := bitsAdd(lanes[g].lo, uint64(x))
		lanes[g].lo = lo
		lanes[g].hi += x>>63 + int64(c)
		lc[g]++
	}
	for g := range acc {
		for l := 0; l < 4; l++ {
			acc[g], _ = acc[g].add(lanes[g*4+l])
			cnt[g] += lc[g*4+l]
		}
	}
}

func sumPlain64(v []i128, gids []int32, sel []int32, acc []int64) {
	for _, i := range sel {
		acc[gids[i]] += int64(v[i].lo)
	}
}

func BenchmarkSumVariants(b *testing.B) {
	const n = 65536
	mem := checkedMem(b)
	o := newFixedOut[i128](mem, DecimalType(15, 2), n)
	gids := make([]int32, n)
	sel := make([]int32, 0, n)
	seed := uint64(1)
	for i := range o.v {
		seed = seed*6364136223846793005 + 1442695040888963407
		o.v[i] = i128From64(int64(seed>>40) % 100000)
		gids[i] = int32((seed >> 20) % 6)
		if i%25 != 0 {
			sel = append(sel, int32(i))
		}
	}
	a := o.finish()
	defer a.Release()
	acc := make([]i128, 6)
	cnt := make([]int64, 6)
	b.Run("lanes", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sumLanes(o.v, gids, sel, acc, cnt)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(sel)), "ns/row")
	})
	acc64 := make([]int64, 6)
	b.Run("plain64", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sumPlain64(o.v, gids, sel, acc64)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(sel)), "ns/row")
	})
}

func BenchmarkDecKernels(b *testing.B) {
	const n = 16384
	x := make([]i128, n)
	y := make([]i128, n)
	out := make([]i128, n)
	for i := range x {
		x[i] = i128From64(int64(i * 7919 % 100000))
		y[i] = i128From64(int64(i % 11))
	}
	b.Run("mul64VV", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			dec64Mul(x, true, y, true, out)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/row")
	})
	b.Run("subSV", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			dec64AddSub(true, y[:1], false, x, true, out)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/row")
	})
	b.Run("mulWide", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			decMulWide(x, -1, y, -1, out, 38, true)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/row")
	})
}
