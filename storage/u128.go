package storage

import (
	"math/bits"

	"github.com/apache/arrow/go/v17/arrow/decimal128"
)

// u128 is an unsigned 128-bit magnitude: the digits of a packed or zoned
// decimal of up to 38 digits before its sign is applied.
type u128 struct{ hi, lo uint64 }

// MaxWideDecimalPrecision is the largest DECIMAL precision of a packed or
// zoned field (Arrow's Decimal128 holds 38 digits).
const MaxWideDecimalPrecision = 38

// pow10x holds 10^0 .. 10^38.
var pow10x = func() (p [MaxWideDecimalPrecision + 1]u128) {
	p[0] = u128{0, 1}
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1].mul10add(0)
	}
	return
}()

// mul10add returns u*10 + d. The caller keeps u below 10^38 so the result
// fits.
func (u u128) mul10add(d uint64) u128 {
	if u.hi == 0 && u.lo <= (1<<64-1-9)/10 {
		return u128{0, u.lo*10 + d}
	}
	hi, lo := bits.Mul64(u.lo, 10)
	lo, c := bits.Add64(lo, d, 0)
	return u128{u.hi*10 + hi + c, lo}
}

// divmod10 returns u/10 and u%10.
func (u u128) divmod10() (u128, uint64) {
	qhi, r := u.hi/10, u.hi%10
	qlo, r := bits.Div64(r, u.lo, 10)
	return u128{qhi, qlo}, r
}

func (u u128) less(v u128) bool { return u.hi < v.hi || (u.hi == v.hi && u.lo < v.lo) }

func (u u128) isZero() bool { return u.hi == 0 && u.lo == 0 }

// num returns the signed value as a decimal128.Num.
func (u u128) num(neg bool) decimal128.Num {
	n := decimal128.New(int64(u.hi), u.lo)
	if neg {
		n = n.Negate()
	}
	return n
}

// fromNum splits a decimal128.Num into magnitude and sign.
func fromNum(n decimal128.Num) (u128, bool) {
	neg := n.Sign() < 0
	if neg {
		n = n.Negate()
	}
	return u128{uint64(n.HighBits()), n.LowBits()}, neg
}

// rescaleDigits turns a magnitude with decimals digits after the point into
// one at scale digits (padding zeros, or dropping zeros: a dropped digit
// that is not 0 is errBadDecimal) and checks that it has at most precision
// digits.
func rescaleDigits(u u128, decimals, scale, precision int) (u128, error) {
	for ; decimals < scale; decimals++ {
		if !u.less(pow10x[precision-1]) && !u.isZero() {
			return u, errOverflow
		}
		u = u.mul10add(0)
	}
	for ; decimals > scale; decimals-- {
		q, r := u.divmod10()
		if r != 0 {
			return u, errBadDecimal
		}
		u = q
	}
	if !u.less(pow10x[precision]) {
		return u, errOverflow
	}
	return u, nil
}
