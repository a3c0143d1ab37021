package exec

import (
	"math/rand/v2"
	"testing"
)

// TestWordSet checks the set against a Go map over many growths, with
// repeated pairs, group 0, the zero word and the largest values.
func TestWordSet(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	s := newWordSet()
	want := map[[2]uint64]bool{}
	for i := range 20000 {
		g := uint32(r.IntN(50))
		v := uint64(r.IntN(3000))
		switch i % 7 {
		case 0:
			v = 0
		case 1:
			v = ^uint64(0) - uint64(r.IntN(3))
		case 2:
			g = ^uint32(0) - 1 // the largest group id a slot holds
		}
		k := [2]uint64{uint64(g), v}
		if added := s.add(g, v); added == want[k] {
			t.Fatalf("add(%d, %d) = %v, the pair was present: %v", g, v, added, want[k])
		}
		want[k] = true
	}
	if s.len() != len(want) {
		t.Fatalf("len %d, want %d", s.len(), len(want))
	}
	seen := 0
	s.each(func(g uint32, v uint64) {
		if !want[[2]uint64{uint64(g), v}] {
			t.Fatalf("each gives (%d, %d), never added", g, v)
		}
		seen++
	})
	if seen != len(want) {
		t.Fatalf("each gives %d pairs, want %d", seen, len(want))
	}
}
