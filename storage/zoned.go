package storage

import (
	"errors"
	"fmt"
	"strings"
)

// Zoned decimals (COBOL DISPLAY numerics): one digit per byte, the sign
// either punched into the zone of the first or last digit ("overpunch")
// or in a separate '+'/'-' byte. Zoned fields are read in the ASCII
// domain: an EBCDIC field is first translated with zonedFromEBCDIC, which
// turns the EBCDIC zones F (unsigned), C (+) and D (-) into the ASCII
// overpunch letters, so one parser serves both.
//
//	digit          0 1 2 3 4 5 6 7 8 9
//	ASCII/EBCDIC + { A B C D E F G H I   (EBCDIC C0..C9)
//	ASCII/EBCDIC - } J K L M N O P Q R   (EBCDIC D0..D9)
//	ASCII -, alternative p q r s t u v w x y (0x70..0x79, Micro Focus style; read only)

// SignMode says where a zoned number keeps its sign (COBOL's SIGN clause).
type SignMode uint8

const (
	// SignDefault reads a trailing overpunch or a separate sign at either
	// end; it writes a trailing overpunch (COBOL's default).
	SignDefault SignMode = iota
	SignTrailing
	SignLeading
	SignTrailingSeparate
	SignLeadingSeparate
)

var signNames = [...]string{SignDefault: "", SignTrailing: "SIGN TRAILING", SignLeading: "SIGN LEADING",
	SignTrailingSeparate: "SIGN TRAILING SEPARATE", SignLeadingSeparate: "SIGN LEADING SEPARATE"}

func (m SignMode) String() string {
	if int(m) < len(signNames) {
		return signNames[m]
	}
	return fmt.Sprintf("SignMode(%d)", uint8(m))
}

// Separate reports whether the sign takes a byte of its own.
func (m SignMode) Separate() bool { return m == SignTrailingSeparate || m == SignLeadingSeparate }

var (
	errBadZoned    = errors.New("not a zoned decimal (digits with an optional overpunched or separate sign)")
	errBadPacked   = errors.New("not a packed decimal")
	errNegUnsigned = errors.New("negative value in an UNSIGNED field")
	errNoASCII     = errors.New("has a character with no ASCII equivalent in a number or date")
)

// zonedFromEBCDIC translates the bytes a zoned number may hold from EBCDIC
// (all code pages agree on them) to the ASCII domain; 0xFF marks others.
var zonedFromEBCDIC = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xFF
	}
	for d := 0; d < 10; d++ {
		t[0xF0+d] = byte('0' + d)
		t[0xC0+d] = overpunchPos[d]
		t[0xD0+d] = overpunchNeg[d]
	}
	t[0x40], t[0x00], t[0x4E], t[0x60], t[0x4B] = ' ', 0, '+', '-', '.'
	return
}()

// zonedToEBCDIC is the inverse, for writers.
var zonedToEBCDIC = func() (t [256]byte) {
	for i, a := range zonedFromEBCDIC {
		if a != 0xFF {
			t[a] = byte(i)
		}
	}
	return
}()

const (
	overpunchPos = "{ABCDEFGHI"
	overpunchNeg = "}JKLMNOPQR"
)

// overpunch decodes a byte that may carry a punched sign: its digit, and
// whether it is negative or carries a sign at all.
func overpunch(c byte) (digit byte, neg, signed, ok bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', false, false, true
	case c == '{':
		return 0, false, true, true
	case c >= 'A' && c <= 'I':
		return c - 'A' + 1, false, true, true
	case c == '}':
		return 0, true, true, true
	case c >= 'J' && c <= 'R':
		return c - 'J' + 1, true, true, true
	case c >= 'p' && c <= 'y':
		return c - 'p', true, true, true
	}
	return 0, false, false, false
}

// parseZoned reads a zoned number (ASCII domain, padding trimmed): its
// magnitude, sign, and the number of digits after an explicit '.' (-1
// when there is none).
func parseZoned(b []byte, mode SignMode, unsigned bool) (mag u128, neg bool, frac int, err error) {
	frac = -1
	if len(b) == 0 {
		return mag, false, frac, errBlank
	}
	first, last := 0, len(b)-1
	// The byte that may hold an overpunch, or -1.
	punch := -1
	switch mode {
	case SignLeadingSeparate, SignTrailingSeparate:
		at := 0
		if mode == SignTrailingSeparate {
			at = last
		}
		switch b[at] {
		case '-':
			neg = true
		case '+':
		default:
			return mag, false, frac, errBadZoned
		}
		if at == 0 {
			first++
		} else {
			last--
		}
	case SignLeading:
		punch = first
	case SignTrailing:
		punch = last
	default:
		switch b[first] {
		case '-', '+':
			neg = b[first] == '-'
			first++
		default:
			if b[last] == '-' || b[last] == '+' {
				neg = b[last] == '-'
				last--
			} else {
				punch = last
			}
		}
	}
	if first > last {
		return mag, false, frac, errBadZoned
	}
	significant := 0
	for i := first; i <= last; i++ {
		c := b[i]
		var d byte
		if i == punch {
			var n, ok bool
			d, n, _, ok = overpunch(c)
			if !ok {
				return mag, false, frac, errBadZoned
			}
			neg = n
		} else if c >= '0' && c <= '9' {
			d = c - '0'
		} else if c == '.' && frac < 0 {
			frac = 0
			continue
		} else {
			return mag, false, frac, errBadZoned
		}
		if frac >= 0 {
			frac++
		}
		if significant > 0 || d != 0 {
			significant++
			if significant > MaxWideDecimalPrecision {
				return mag, false, frac, errOverflow
			}
		}
		mag = mag.mul10add(uint64(d))
	}
	if unsigned && neg && !mag.isZero() {
		return mag, false, frac, errNegUnsigned
	}
	return mag, neg && !mag.isZero(), frac, nil
}

// appendZoned writes a magnitude as width zoned bytes (ASCII domain):
// zero-padded digits, the sign as mode says (unsigned: digits only).
func appendZoned(dst []byte, mag u128, neg bool, width int, mode SignMode, unsigned bool) ([]byte, error) {
	if unsigned && neg {
		return dst, errNegUnsigned
	}
	ndig := width
	if mode.Separate() && !unsigned {
		ndig--
	}
	var buf [MaxWideDecimalPrecision + 2]byte
	if ndig > len(buf) {
		return dst, fmt.Errorf("a zoned field of %d digits is wider than %d", ndig, len(buf))
	}
	digits := buf[:ndig]
	for i := ndig - 1; i >= 0; i-- {
		q, r := mag.divmod10()
		digits[i] = byte('0' + r)
		mag = q
	}
	if !mag.isZero() {
		return dst, fmt.Errorf("value does not fit %d zoned digits", ndig)
	}
	if !unsigned {
		punch := func(i int) {
			d := digits[i] - '0'
			if neg {
				digits[i] = overpunchNeg[d]
			} else {
				digits[i] = overpunchPos[d]
			}
		}
		sign := byte('+')
		if neg {
			sign = '-'
		}
		switch mode {
		case SignLeadingSeparate:
			dst = append(dst, sign)
		case SignLeading:
			punch(0)
		case SignDefault, SignTrailing:
			punch(ndig - 1)
		}
		dst = append(dst, digits...)
		if mode == SignTrailingSeparate {
			dst = append(dst, sign)
		}
		return dst, nil
	}
	return append(dst, digits...), nil
}

// ParseSignMode reads a SIGN clause's words: "leading", "trailing",
// optionally followed by " separate".
func ParseSignMode(s string) (SignMode, error) {
	for m, n := range signNames {
		if n != "" && strings.EqualFold("SIGN "+s, n) {
			return SignMode(m), nil
		}
	}
	return SignDefault, fmt.Errorf("unknown SIGN clause %q (want LEADING or TRAILING, optionally SEPARATE)", s)
}
