package scan

import "testing"

// TestColumnBits checks the range bit helpers the claims of cached
// columns rest on, across word boundaries.
func TestColumnBits(t *testing.T) {
	for _, c := range []struct{ first, n int64 }{{0, 1}, {0, 64}, {3, 61}, {63, 2}, {64, 64}, {5, 200}, {127, 1}, {0, 256}} {
		b := make([]uint64, 4)
		setBits(b, c.first, c.n, true)
		for i := int64(0); i < 256; i++ {
			in := i >= c.first && i < c.first+c.n
			if got := b[i>>6]>>(i&63)&1 != 0; got != in {
				t.Fatalf("setBits(%d, %d): bit %d is %v", c.first, c.n, i, got)
			}
			if got := anyBit(b, i, 1); got != in {
				t.Fatalf("anyBit(%d, 1) after setBits(%d, %d) = %v", i, c.first, c.n, got)
			}
		}
		if anyBit(b, 0, c.first) || (c.first+c.n < 256 && anyBit(b, c.first+c.n, 256-c.first-c.n)) {
			t.Fatalf("setBits(%d, %d) set bits outside the range", c.first, c.n)
		}
		if !anyBit(b, 0, 256) {
			t.Fatalf("anyBit over everything after setBits(%d, %d)", c.first, c.n)
		}
		setBits(b, c.first, c.n, false)
		if anyBit(b, 0, 256) {
			t.Fatalf("clearing [%d, %d) left bits", c.first, c.first+c.n)
		}
	}
}
