package exec

import (
	"math"
	"math/big"
	"math/bits"

	"github.com/apache/arrow/go/v17/arrow/decimal128"
)

// i128 is a two's-complement 128-bit integer: the unscaled value of a
// DECIMAL. Its layout matches decimal128.Num (lo then hi), so a
// []decimal128.Num can be read as []i128.
type i128 struct {
	lo uint64
	hi int64
}

func i128From64(v int64) i128 { return i128{uint64(v), v >> 63} }

func numToI128(n decimal128.Num) i128 { return i128{n.LowBits(), n.HighBits()} }

func (a i128) num() decimal128.Num { return decimal128.New(a.hi, a.lo) }

// fits64 reports whether a is a sign-extended int64.
func (a i128) fits64() bool { return a.hi == int64(a.lo)>>63 }

func (a i128) isNeg() bool { return a.hi < 0 }

func (a i128) isZero() bool { return a.lo == 0 && a.hi == 0 }

func (a i128) neg() i128 {
	lo, b := bits.Sub64(0, a.lo, 0)
	hi := 0 - a.hi - int64(b)
	return i128{lo, hi}
}

func (a i128) abs() i128 {
	if a.hi < 0 {
		return a.neg()
	}
	return a
}

// add returns a+b and whether the 128-bit addition overflowed.
func (a i128) add(b i128) (i128, bool) {
	lo, c := bits.Add64(a.lo, b.lo, 0)
	hi := a.hi + b.hi + int64(c)
	// overflow when both operands have the same sign and the result differs
	ov := (a.hi^hi)&(b.hi^hi) < 0
	return i128{lo, hi}, ov
}

func (a i128) sub(b i128) (i128, bool) {
	lo, c := bits.Sub64(a.lo, b.lo, 0)
	hi := a.hi - b.hi - int64(c)
	ov := (a.hi^b.hi)&(a.hi^hi) < 0
	return i128{lo, hi}, ov
}

// mul64 returns the exact 128-bit product of two int64 values.
func mul64(a, b int64) i128 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	// signed correction of the unsigned product
	h := int64(hi) - (a>>63)&b - (b>>63)&a
	return i128{lo, h}
}

// mul returns a*b and whether the product does not fit in 128 bits.
func (a i128) mul(b i128) (i128, bool) {
	if a.fits64() && b.fits64() {
		return mul64(int64(a.lo), int64(b.lo)), false
	}
	neg := a.isNeg() != b.isNeg()
	x, y := a.abs(), b.abs()
	// |x|,|y| as unsigned 128-bit: (xh,xl)*(yh,yl)
	xh, xl := uint64(x.hi), x.lo
	yh, yl := uint64(y.hi), y.lo
	if xh != 0 && yh != 0 {
		return i128{}, true
	}
	h1, l1 := bits.Mul64(xl, yl)
	h2, l2 := bits.Mul64(xh, yl)
	h3, l3 := bits.Mul64(xl, yh)
	if h2 != 0 || h3 != 0 {
		return i128{}, true
	}
	hi, c := bits.Add64(h1, l2, 0)
	if c != 0 {
		return i128{}, true
	}
	hi, c = bits.Add64(hi, l3, 0)
	if c != 0 || hi>>63 != 0 {
		// the magnitude must stay below 2^127 (2^127 exactly only for negatives)
		if !(neg && c == 0 && hi == 1<<63 && l1 == 0) {
			return i128{}, true
		}
	}
	r := i128{l1, int64(hi)}
	if neg {
		r = r.neg()
	}
	return r, false
}

func (a i128) cmp(b i128) int {
	switch {
	case a.hi < b.hi:
		return -1
	case a.hi > b.hi:
		return 1
	case a.lo < b.lo:
		return -1
	case a.lo > b.lo:
		return 1
	}
	return 0
}

func (a i128) less(b i128) bool {
	return a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo)
}

// quoRem64 divides |a| by a small positive d, returning the quotient (with
// a's sign) and the remainder's magnitude.
func (a i128) quoRem64(d uint64) (i128, uint64) {
	neg := a.isNeg()
	x := a.abs()
	qh, r := bits.Div64(0, uint64(x.hi), d)
	ql, r := bits.Div64(r, x.lo, d)
	q := i128{ql, int64(qh)}
	if neg {
		q = q.neg()
	}
	return q, r
}

func (a i128) big() *big.Int { return a.num().BigInt() }

func (a i128) float64() float64 {
	if a.fits64() {
		return float64(int64(a.lo))
	}
	neg := a.isNeg()
	x := a.abs()
	f := float64(uint64(x.hi))*18446744073709551616.0 + float64(x.lo)
	if neg {
		return -f
	}
	return f
}

// pow10i holds 10^0 .. 10^38 as i128.
var pow10i [39]i128

// pow10f holds 10^0 .. 10^38 as float64.
var pow10f [39]float64

func init() {
	v := i128{1, 0}
	for i := range pow10i {
		pow10i[i] = v
		pow10f[i] = math.Pow10(i)
		v, _ = v.mul(i128{10, 0})
	}
}

// fitsPrecision reports whether |a| < 10^p.
func (a i128) fitsPrecision(p int) bool {
	lim := pow10i[p]
	if a.isNeg() {
		return lim.neg().less(a)
	}
	return a.less(lim)
}

// rescaleUp multiplies by 10^k, reporting overflow of 128 bits.
func (a i128) rescaleUp(k int) (i128, bool) {
	if k == 0 {
		return a, false
	}
	return a.mul(pow10i[k])
}

// rescaleDown divides by 10^k rounding half away from zero (DuckDB).
func (a i128) rescaleDown(k int) i128 {
	if k == 0 {
		return a
	}
	var q i128
	if k <= 19 {
		var rr uint64
		d := pow10i[k].lo
		q, rr = a.quoRem64(d)
		if rr >= d-rr {
			q = roundAway(q, a.isNeg())
		}
		return q
	}
	// wide divisor: use big.Int
	bq, br := new(big.Int).QuoRem(a.big(), pow10i[k].big(), new(big.Int))
	q = i128FromBig(bq)
	br.Abs(br).Lsh(br, 1)
	if br.Cmp(pow10i[k].big()) >= 0 {
		q = roundAway(q, a.isNeg())
	}
	return q
}

func roundAway(q i128, neg bool) i128 {
	if neg {
		q, _ = q.sub(i128{1, 0})
	} else {
		q, _ = q.add(i128{1, 0})
	}
	return q
}

func i128FromBig(b *big.Int) i128 {
	n := decimal128.FromBigInt(b)
	return numToI128(n)
}

// decString renders an unscaled value with the given scale: "-12.30".
func decString(a i128, scale int) string {
	neg := a.isNeg()
	digits := a.abs().big().String()
	if scale > 0 {
		if len(digits) <= scale {
			digits = string(zeros(scale-len(digits)+1)) + digits
		}
		digits = digits[:len(digits)-scale] + "." + digits[len(digits)-scale:]
	}
	if neg {
		return "-" + digits
	}
	return digits
}

func zeros(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = '0'
	}
	return b
}

// digits10 is the number of decimal digits of |v| (at least 1).
func digits10(v uint64) int {
	n := 1
	for v >= 10 {
		v /= 10
		n++
	}
	return n
}
