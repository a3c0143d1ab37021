package exec

import (
	"math/rand/v2"
	"testing"
)

// TestU64MapHome: keys of every pattern are found again, runs of
// consecutive keys get neighbouring slots, and keys that share their low
// bits (strides of 8 and more) still spread: the average probe stays short.
func TestU64MapHome(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	patterns := []struct {
		name    string
		key     func(i int) uint64
		maxMean float64 // average probe distance
	}{
		{"sequential", func(i int) uint64 { return uint64(i) }, 0.5},
		{"orderkeys", func(i int) uint64 { return uint64(i/8*32 + i%8 + 1) }, 2.5}, // runs of 8 that straddle two blocks
		{"stride 8", func(i int) uint64 { return uint64(i) * 8 }, 3},
		{"stride 1024", func(i int) uint64 { return uint64(i) << 10 }, 3},
		{"stride 2^32", func(i int) uint64 { return uint64(i) << 32 }, 3},
		{"negative", func(i int) uint64 { return uint64(-int64(i) - 1) }, 0.5},
		{"random", func(int) uint64 { return rng.Uint64() }, 1.5},
	}
	const n = 200_000
	for _, p := range patterns {
		m := newU64Map()
		keys := make([]uint64, n)
		for i := range keys {
			keys[i] = p.key(i)
			if _, ins := m.findOrInsert(keys[i], int32(i)); !ins {
				t.Fatalf("%s: key %d of row %d inserted twice", p.name, keys[i], i)
			}
		}
		for i, k := range keys {
			if g := m.find(k); g != int32(i) {
				t.Fatalf("%s: find(%d) = %d, want %d", p.name, k, g, i)
			}
			if g, ins := m.findOrInsert(k, -5); ins || g != int32(i) {
				t.Fatalf("%s: findOrInsert(%d) = %d, %v, want %d", p.name, k, g, ins, i)
			}
		}
		var dist, maxDist uint64
		for j, s := range m.slots {
			if s.val != 0 {
				d := (uint64(j) - m.home(s.key)) & m.mask
				dist += d
				maxDist = max(maxDist, d)
			}
		}
		mean := float64(dist) / n
		t.Logf("%s: mean probe distance %.2f, longest %d", p.name, mean, maxDist)
		if mean > p.maxMean {
			t.Errorf("%s: mean probe distance %.2f, want at most %.1f", p.name, mean, p.maxMean)
		}
	}
	// A run of consecutive keys shares a block of slots.
	m := newU64Map()
	first := m.home(64)
	for k := uint64(64); k < 72; k++ {
		if m.home(k) != first+k-64 {
			t.Fatalf("key %d: home %d, want %d (next to key 64's %d)", k, m.home(k), first+k-64, first)
		}
	}
}
