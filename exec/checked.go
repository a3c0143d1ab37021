package exec

import (
	"math"
	"math/bits"
)

// Checked int64 arithmetic for every place a user's number meets + or *
// outside the vectorised kernels: the planner (LIMIT + OFFSET, row ranges
// from _rowid conditions, sample sizes) and timestamp construction.

// AddInt64 returns a + b and whether it fits int64 (false: overflow, the
// sum is then meaningless).
func AddInt64(a, b int64) (int64, bool) {
	r := a + b
	return r, (a^r)&(b^r) >= 0
}

// SubInt64 returns a - b and whether it fits int64.
func SubInt64(a, b int64) (int64, bool) {
	r := a - b
	return r, (a^b)&(a^r) >= 0
}

// MulInt64 returns a × b and whether it fits int64.
func MulInt64(a, b int64) (int64, bool) {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	h := int64(hi) - (a>>63)&b - (b>>63)&a
	r := int64(lo)
	return r, h == r>>63
}

// SatAddInt64 is a + b clamped to the int64 range: LIMIT n OFFSET m keeps
// the first SatAddInt64(n, m) rows of a top-n, "all of them" when the sum
// does not fit.
func SatAddInt64(a, b int64) int64 {
	r, ok := AddInt64(a, b)
	switch {
	case ok:
		return r
	case b > 0:
		return math.MaxInt64
	}
	return math.MinInt64
}

// SatInt64 converts a float64 holding a whole number (a user's count such
// as a sample size, parsed as a float) to int64, clamping values beyond
// the int64 range to its ends instead of wrapping (int64(9.3e18) is
// undefined in Go and MinInt64 on amd64). NaN gives 0.
func SatInt64(f float64) int64 {
	switch {
	case f != f:
		return 0
	case f >= 9.223372036854775807e18:
		return math.MaxInt64
	case f <= -9.223372036854775808e18:
		return math.MinInt64
	}
	return int64(f)
}
