package storage

import (
	"errors"
	"math"
	"strconv"
	"unsafe"
)

// The text parsers below turn the bytes of one fixed-width text field into a
// value without allocating. They return one of these sentinel errors; the
// caller adds the place (file, record, offset, field) and the raw text.
var (
	errBlank       = errors.New("field is blank")
	errBadNumber   = errors.New("not a number")
	errOverflow    = errors.New("value out of range")
	errBadDecimal  = errors.New("too many digits after the decimal point")
	errBadBool     = errors.New("not a boolean (want 1/0, Y/N, T/F, true/false, yes/no)")
	errBadDate     = errors.New("does not match the date format")
	errBadDateVal  = errors.New("is not a valid calendar date or time")
	errUnsupported = errors.New("unsupported type for this encoding")
)

// isPad reports whether c is padding in a fixed-width field.
func isPad(c byte) bool { return c == ' ' || c == 0 || c == '\t' }

// trimPad removes leading and trailing spaces, tabs and NULs.
func trimPad(b []byte) []byte {
	i, j := 0, len(b)
	for i < j && isPad(b[i]) {
		i++
	}
	for j > i && isPad(b[j-1]) {
		j--
	}
	return b[i:j]
}

// splitSign strips one sign, leading ("-12", "+ 12") or trailing ("12-",
// as mainframe exports write it), and reports whether it was a minus.
func splitSign(b []byte) (digits []byte, neg bool) {
	if len(b) == 0 {
		return b, false
	}
	switch b[0] {
	case '-':
		return trimPad(b[1:]), true
	case '+':
		return trimPad(b[1:]), false
	}
	switch b[len(b)-1] {
	case '-':
		return trimPad(b[:len(b)-1]), true
	case '+':
		return trimPad(b[:len(b)-1]), false
	}
	return b, false
}

// parseDigits accumulates decimal digits into a uint64, failing on a
// non-digit or on overflow past limit.
func parseDigits(b []byte, limit uint64) (uint64, error) {
	if len(b) == 0 {
		return 0, errBadNumber
	}
	var v uint64
	for _, c := range b {
		d := uint64(c - '0')
		if d > 9 {
			return 0, errBadNumber
		}
		if v > (limit-d)/10 {
			return 0, errOverflow
		}
		v = v*10 + d
	}
	return v, nil
}

// ParseTextInt parses a signed integer field: optional padding, one sign
// (leading or trailing), digits with any number of leading zeros. The result
// must fit in bits (8, 16, 32 or 64).
func ParseTextInt(b []byte, bits int) (int64, error) {
	b = trimPad(b)
	if len(b) == 0 {
		return 0, errBlank
	}
	digits, neg := splitSign(b)
	limit := uint64(1)<<(bits-1) - 1
	if neg {
		limit++
	}
	u, err := parseDigits(digits, limit)
	if err != nil {
		return 0, err
	}
	if neg {
		return -int64(u), nil
	}
	return int64(u), nil
}

// ParseTextUint parses an unsigned integer field ("+" allowed, "-" is not)
// that fits in bits.
func ParseTextUint(b []byte, bits int) (uint64, error) {
	b = trimPad(b)
	if len(b) == 0 {
		return 0, errBlank
	}
	digits, neg := splitSign(b)
	if neg {
		return 0, errOverflow
	}
	limit := uint64(math.MaxUint64)
	if bits < 64 {
		limit = uint64(1)<<bits - 1
	}
	return parseDigits(digits, limit)
}

// pow10 holds 10^0 .. 10^18.
var pow10 = func() (p [19]int64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return
}()

// ParseTextDecimal parses a decimal field into an integer scaled by 10^scale.
// The text may carry an explicit point ("-123.45"); without one, the last
// implied digits are the fraction ("12345" with implied 2 is 123.45).
// Fewer fraction digits than scale are padded; more are an error unless the
// extra digits are zeros. The value must have at most precision digits.
func ParseTextDecimal(b []byte, precision, scale, implied int) (int64, error) {
	b = trimPad(b)
	if len(b) == 0 {
		return 0, errBlank
	}
	digits, neg := splitSign(b)
	intPart, frac := digits, []byte(nil)
	for i, c := range digits {
		if c == '.' {
			intPart, frac = digits[:i], digits[i+1:]
			break
		}
	}
	leadingZeros := 0
	if frac == nil && implied > 0 {
		if len(intPart) < implied {
			// "5" with two implied places is 0.05.
			intPart, frac, leadingZeros = nil, intPart, implied-len(intPart)
		} else {
			intPart, frac = intPart[:len(intPart)-implied], intPart[len(intPart)-implied:]
		}
	}
	if len(intPart) == 0 && len(frac) == 0 {
		return 0, errBadNumber
	}
	return scaleFraction(intPart, frac, leadingZeros, precision, scale, neg)
}

// scaleFraction combines integer digits and fraction digits (preceded by
// leadingZeros implicit zeros) into a value scaled to scale places, with at
// most precision digits in all.
func scaleFraction(intPart, frac []byte, leadingZeros, precision, scale int, neg bool) (int64, error) {
	// Drop trailing zeros past the scale; any other extra digit loses data.
	for leadingZeros+len(frac) > scale && len(frac) > 0 && frac[len(frac)-1] == '0' {
		frac = frac[:len(frac)-1]
	}
	if len(frac) == 0 {
		leadingZeros = 0
	}
	if leadingZeros+len(frac) > scale {
		if !allDigits(frac) {
			return 0, errBadNumber
		}
		return 0, errBadDecimal
	}
	limit := uint64(pow10[precision] - 1)
	var v uint64
	if len(intPart) > 0 {
		u, err := parseDigits(intPart, limit)
		if err != nil {
			return 0, err
		}
		v = u
	}
	// Shift in the fraction digits, then pad to the scale.
	shift := scale - leadingZeros - len(frac)
	for k := 0; k < leadingZeros; k++ {
		if v > limit/10 {
			return 0, errOverflow
		}
		v *= 10
	}
	for _, c := range frac {
		d := uint64(c - '0')
		if d > 9 {
			return 0, errBadNumber
		}
		if v > (limit-d)/10 {
			return 0, errOverflow
		}
		v = v*10 + d
	}
	for ; shift > 0; shift-- {
		if v > limit/10 {
			return 0, errOverflow
		}
		v *= 10
	}
	if neg {
		return -int64(v), nil
	}
	return int64(v), nil
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// ParseTextFloat parses a floating-point field (Go/SQL syntax, exponents
// allowed, a trailing sign allowed); with implied > 0 the value is divided
// by 10^implied.
func ParseTextFloat(b []byte, bits, implied int) (float64, error) {
	b = trimPad(b)
	if len(b) == 0 {
		return 0, errBlank
	}
	neg := false
	if c := b[len(b)-1]; (c == '-' || c == '+') && len(b) > 1 && b[len(b)-2] != 'e' && b[len(b)-2] != 'E' {
		neg = c == '-'
		b = trimPad(b[:len(b)-1])
	}
	// strconv does not keep the string unless it fails, and then we do not
	// keep its error: a zero-copy view is safe.
	v, err := strconv.ParseFloat(unsafe.String(unsafe.SliceData(b), len(b)), bits)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 0, errOverflow
		}
		return 0, errBadNumber
	}
	if implied > 0 {
		v /= float64(pow10[implied])
	}
	if neg {
		v = -v
	}
	return v, nil
}

// ParseTextBool parses 1/0, Y/N, T/F, true/false, yes/no (any case).
func ParseTextBool(b []byte) (bool, error) {
	b = trimPad(b)
	if len(b) == 0 {
		return false, errBlank
	}
	switch len(b) {
	case 1:
		switch b[0] | 0x20 {
		case '1' | 0x20, 'y', 't':
			return true, nil
		case '0' | 0x20, 'n', 'f':
			return false, nil
		}
	default:
		switch string(lowerASCII(b)) {
		case "true", "yes":
			return true, nil
		case "false", "no":
			return false, nil
		}
	}
	return false, errBadBool
}

// lowerASCII lowers up to 5 bytes into a fixed array view (enough for the
// boolean words) without allocating.
func lowerASCII(b []byte) []byte {
	if len(b) > 5 {
		return b
	}
	var buf [5]byte
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return buf[:len(b)]
}
