package exec

import (
	"fmt"
	"math"
	"testing"
)

func TestCheckedInt64(t *testing.T) {
	const maxI, minI = math.MaxInt64, math.MinInt64
	for _, tc := range []struct {
		a, b         int64
		add, sub     int64
		addOK, subOK bool
	}{
		{1, 2, 3, -1, true, true},
		{maxI, 1, 0, maxI - 1, false, true},
		{minI, -1, 0, minI + 1, false, true},
		{minI, 1, minI + 1, 0, true, false},
		{-1, maxI, maxI - 1, minI, true, true},
		{0, minI, minI, 0, true, false},
	} {
		if r, ok := AddInt64(tc.a, tc.b); ok != tc.addOK || ok && r != tc.add {
			t.Errorf("AddInt64(%d, %d) = %d, %v", tc.a, tc.b, r, ok)
		}
		if r, ok := SubInt64(tc.a, tc.b); ok != tc.subOK || ok && r != tc.sub {
			t.Errorf("SubInt64(%d, %d) = %d, %v", tc.a, tc.b, r, ok)
		}
	}
	for _, tc := range []struct {
		a, b, want int64
		ok         bool
	}{
		{3, 4, 12, true}, {-3, 4, -12, true}, {maxI, 1, maxI, true}, {maxI, 2, 0, false}, {minI, -1, 0, false},
		{minI, 1, minI, true}, {1 << 32, 1 << 31, 0, false}, {-(1 << 32), 1 << 31, minI, true},
		{86_400_000_000, 106_751_992, 0, false}, {86_400_000_000, -106_751_991, -106_751_991 * 86_400_000_000, true},
	} {
		if r, ok := MulInt64(tc.a, tc.b); ok != tc.ok || ok && r != tc.want {
			t.Errorf("MulInt64(%d, %d) = %d, %v; want %d, %v", tc.a, tc.b, r, ok, tc.want, tc.ok)
		}
	}
	for _, tc := range []struct{ a, b, want int64 }{
		{maxI, 1998, maxI}, {minI, -1, minI}, {5, 3, 8}, {maxI, -1, maxI - 1},
	} {
		if r := SatAddInt64(tc.a, tc.b); r != tc.want {
			t.Errorf("SatAddInt64(%d, %d) = %d, want %d", tc.a, tc.b, r, tc.want)
		}
	}
	for _, tc := range []struct {
		f    float64
		want int64
	}{
		{9223372036854775807, maxI}, {1e300, maxI}, {-1e300, minI}, {math.NaN(), 0}, {42, 42}, {-9.2e18, -9_200_000_000_000_000_000},
	} {
		if r := SatInt64(tc.f); r != tc.want {
			t.Errorf("SatInt64(%g) = %d, want %d", tc.f, r, tc.want)
		}
	}
}

// TestLimitOffsetOverflow: ORDER BY ... LIMIT MaxInt64 OFFSET k keeps
// every row after the first k, whether the planner saturates the top-n
// count or passes the wrapped-around sum.
func TestLimitOffsetOverflow(t *testing.T) {
	mem := checkedMem(t)
	rec := testData(mem, 50)
	defer rec.Release()
	src := source(t, rec, 2, 7)
	keys := []SortKey{{Expr: colOf(rec, "x")}}
	var limit, offset int64 = math.MaxInt64, 3
	for _, n := range []int64{limit + offset, SatAddInt64(limit, offset)} {
		rows := mustRun(t, mem, NewLimit(NewTopN(src, keys, n, nil), offset, limit))
		want := mustRun(t, mem, NewLimit(NewSort(src, keys, nil), offset, -1))
		if len(rows) != 47 || fmt.Sprint(rows) != fmt.Sprint(want) {
			t.Errorf("top-n count %d: %d rows, want the 47 after the first 3", n, len(rows))
		}
	}
}
