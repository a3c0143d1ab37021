package storage

import (
	"cmp"
	"math"
)

// SQL order of values, the single definition that comparisons, sorting,
// min/max, BETWEEN, IN and pushed-down scan predicates all use.
//
// Floating-point values are totally ordered as in DuckDB: NaN equals NaN
// and is greater than every other value, +Inf included; -0 equals 0.
// Integers, strings and the other ordered types compare as usual.

// Compare returns -1, 0 or +1 as a is less than, equal to or greater than
// b in SQL order (NaN greatest, equal to itself).
func Compare[T cmp.Ordered](a, b T) int {
	// a != a only for NaN; for every other type the compiler drops it.
	an, bn := a != a, b != b
	switch {
	case an || bn:
		switch {
		case an && bn:
			return 0
		case an:
			return 1
		}
		return -1
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Less reports whether a sorts before b in SQL order (NaN last).
func Less[T cmp.Ordered](a, b T) bool {
	return a < b || (b != b && a == a)
}

// CompareFloat is Compare for float64, the form pushed-down predicates use.
func CompareFloat(a, b float64) int { return Compare(a, b) }

// DecimalFloat64 converts the decimal unscaled × 10^-scale to float64 the
// way SQL comparisons and casts do (the correctly rounded quotient of the
// integer's float64 by 10^scale), so the scan and the executor agree on
// every value.
func DecimalFloat64(unscaled int64, scale int) float64 {
	return float64(unscaled) / math.Pow10(scale)
}
