package scan

import (
	"encoding/binary"
	"testing"

	"github.com/recq/recq/storage"
)

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

// TestCopyNarrowed: values that fit are stored in the narrow width and
// read back sign-extended; one that does not fit fails the copy.
func TestCopyNarrowed(t *testing.T) {
	for _, tc := range []struct {
		w, nw int
		vals  []int64
		ok    bool
	}{
		{8, 1, []int64{0, -1, 127, -128, 5}, true},
		{8, 1, []int64{0, 128}, false},
		{8, 1, []int64{-129}, false},
		{4, 2, []int64{32767, -32768, -2}, true},
		{8, 4, []int64{1 << 31}, false},
		{8, 4, []int64{-1 << 31, 6_000_000}, true},
	} {
		stride := tc.w + 3 // records hold other bytes around the field
		src := make([]byte, len(tc.vals)*stride)
		for i, v := range tc.vals {
			p := src[i*stride:]
			if tc.w == 8 {
				binary.LittleEndian.PutUint64(p, uint64(v))
			} else {
				binary.LittleEndian.PutUint32(p, uint32(v))
			}
		}
		dst := make([]byte, len(tc.vals)*tc.nw)
		if ok := copyNarrowed(dst, src, stride, tc.w, tc.nw, len(tc.vals)); ok != tc.ok {
			t.Errorf("%v into %d bytes: ok %v", tc.vals, tc.nw, ok)
			continue
		}
		for i, v := range tc.vals {
			if !tc.ok {
				break
			}
			if got := storage.ReadBinaryInt(dst[i*tc.nw:(i+1)*tc.nw], binary.LittleEndian); got != v {
				t.Errorf("%v into %d bytes: value %d reads back %d", tc.vals, tc.nw, v, got)
			}
		}
	}
}
