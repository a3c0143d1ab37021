package storage

import (
	"math"
	"testing"
)

func TestSQLOrder(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	negZero := math.Copysign(0, -1)
	// ascending, with equal neighbours grouped
	groups := [][]float64{{-inf}, {-1}, {negZero, 0}, {1e-40}, {inf}, {nan, -nan}}
	for i, gi := range groups {
		for j, gj := range groups {
			want := 0
			switch {
			case i < j:
				want = -1
			case i > j:
				want = 1
			}
			for _, a := range gi {
				for _, b := range gj {
					if got := Compare(a, b); got != want {
						t.Errorf("Compare(%v, %v) = %d, want %d", a, b, got, want)
					}
					if got := CompareFloat(a, b); got != want {
						t.Errorf("CompareFloat(%v, %v) = %d, want %d", a, b, got, want)
					}
					if got := Less(a, b); got != (want < 0) {
						t.Errorf("Less(%v, %v) = %v", a, b, got)
					}
					if got := Less(float32(a), float32(b)); got != (want < 0) {
						t.Errorf("Less(float32 %v, %v) = %v", a, b, got)
					}
				}
			}
		}
	}
	if Compare(int64(3), 4) != -1 || Compare("b", "a") != 1 || Less(uint8(2), 2) {
		t.Error("non-float order")
	}
	for _, tc := range []struct {
		u    int64
		s    int
		want float64
	}{{7, 2, 0.07}, {-7, 2, -0.07}, {1<<53 + 1, 0, 1 << 53}, {999999999999999999, 18, 0.999999999999999999}} {
		if got := DecimalFloat64(tc.u, tc.s); got != tc.want {
			t.Errorf("DecimalFloat64(%d, %d) = %v, want %v", tc.u, tc.s, got, tc.want)
		}
	}
}
