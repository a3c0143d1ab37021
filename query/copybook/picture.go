package copybook

import (
	"fmt"
	"strconv"
	"strings"
)

// Category is what a picture describes.
type Category int

const (
	// Alphanumeric is PIC X, A, or a mix with 9 (text).
	Alphanumeric Category = iota
	// Numeric is PIC [S]9...[V9...] with P scaling: a number.
	Numeric
	// Edited is a numeric-edited picture of digits (9, Z), at most one
	// explicit point (.) and a + or - sign at either end (floating at the
	// start): a number written out as text, read as zoned digits with an
	// explicit point.
	Edited
	// EditedText is any other edited picture (commas, $, *, CR, DB, B,
	// 0, /): read as text.
	EditedText
)

// Picture is a parsed PIC clause.
type Picture struct {
	Text     string
	Category Category
	// Digits is the number of digit positions (9, or Z and floating signs
	// in an edited picture), Scale how many follow the decimal point (V or
	// an explicit .).
	Digits, Scale int
	// Signed is S (or a sign symbol in an edited picture).
	Signed bool
	// PLeading and PTrailing count P scaling positions before and after
	// the digits: PIC PP999 is a fraction with 5 decimals, PIC 999PP is a
	// multiple of 100.
	PLeading, PTrailing int
	// Length is the bytes the picture takes as DISPLAY data (before a
	// separate sign).
	Length int
}

// maxPicDigits is the most digits a numeric picture may have (COBOL's
// ARITH(EXTEND) limit, and recq's for zoned and packed DECIMALs).
const maxPicDigits = 38

// picSym is one symbol of a picture, repeated n times.
type picSym struct {
	sym string // upper case; CR and DB are two letters
	n   int
	col int // the column of the symbol in the line
}

// expandPicture splits a picture into its symbols with their repetitions.
func expandPicture(pic string, line, col int) ([]picSym, error) {
	var out []picSym
	u := strings.ToUpper(pic)
	for i := 0; i < len(u); {
		c := u[i]
		at := col + i
		var sym string
		switch {
		case strings.HasPrefix(u[i:], "CR") || strings.HasPrefix(u[i:], "DB"):
			sym = u[i : i+2]
		case strings.IndexByte("9XASVPZ*B0/,.+-$", c) >= 0:
			sym = string(c)
		case c == '(':
			return nil, errAt(line, at, "picture %s: a repetition count (n) must follow a symbol", pic)
		default:
			return nil, errAt(line, at, "picture %s: %q is not a picture symbol (9 X A S V P Z * B 0 / , . + - $ CR DB)", pic, c)
		}
		i += len(sym)
		n := 1
		if i < len(u) && u[i] == '(' {
			j := strings.IndexByte(u[i:], ')')
			if j < 0 {
				return nil, errAt(line, col+i, "picture %s: ( without a closing )", pic)
			}
			v, err := strconv.Atoi(u[i+1 : i+j])
			if err != nil || v < 1 || v > 1<<20 {
				return nil, errAt(line, col+i+1, "picture %s: repetition count %q is not a whole number from 1 up", pic, u[i+1:i+j])
			}
			n = v
			i += j + 1
		}
		if len(out) > 0 && out[len(out)-1].sym == sym {
			out[len(out)-1].n += n
		} else {
			out = append(out, picSym{sym, n, at})
		}
	}
	if len(out) == 0 {
		return nil, errAt(line, col, "an empty picture")
	}
	return out, nil
}

// parsePicture parses the text of a PIC clause at line:col.
func parsePicture(pic string, line, col int) (*Picture, error) {
	syms, err := expandPicture(pic, line, col)
	if err != nil {
		return nil, err
	}
	p := &Picture{Text: pic}
	has := map[string]bool{}
	for _, s := range syms {
		has[s.sym] = true
		if s.sym != "S" && s.sym != "V" && s.sym != "P" {
			p.Length += s.n * len(s.sym)
		}
	}
	switch {
	case has["X"] || has["A"]:
		for _, s := range syms {
			switch s.sym {
			case "X", "A", "9":
			case "B", "0", "/":
				p.Category = EditedText
			default:
				return nil, errAt(line, s.col, "picture %s: %s cannot appear in a text picture (X, A, 9, B, 0, /)", pic, s.sym)
			}
		}
		return p, nil
	case onlySyms(has, "9", "S", "V", "P"):
		p.Category = Numeric
		return p, numericPicture(p, syms, line)
	}
	p.Category = EditedText
	if onlySyms(has, "9", "Z", ".", "+", "-") {
		if ok := simpleEdited(p, syms); ok {
			p.Category = Edited
		}
	}
	if p.Category == EditedText {
		// The digit positions, for documentation only.
		for _, s := range syms {
			if strings.Contains("9Z*", s.sym) {
				p.Digits += s.n
			}
		}
	}
	return p, nil
}

func onlySyms(has map[string]bool, allowed ...string) bool {
	for s := range has {
		ok := false
		for _, a := range allowed {
			ok = ok || s == a
		}
		if !ok {
			return false
		}
	}
	return true
}

// numericPicture fills in a [S]9...V9... picture with P scaling.
func numericPicture(p *Picture, syms []picSym, line int) error {
	seenV, seen9 := false, false
	for i, s := range syms {
		switch s.sym {
		case "S":
			if i != 0 || s.n != 1 {
				return errAt(line, s.col, "picture %s: S must come once, first", p.Text)
			}
			p.Signed = true
		case "V":
			if seenV || s.n != 1 {
				return errAt(line, s.col, "picture %s: V (the implied decimal point) may appear only once", p.Text)
			}
			seenV = true
		case "9":
			if p.PTrailing > 0 {
				return errAt(line, s.col, "picture %s: P scaling positions come before or after all the 9s, not between", p.Text)
			}
			seen9 = true
			p.Digits += s.n
			if seenV {
				p.Scale += s.n
			}
		case "P":
			switch {
			case !seen9:
				p.PLeading += s.n
			case seenV:
				return errAt(line, s.col, "picture %s: P after the 9s cannot follow V", p.Text)
			default:
				p.PTrailing += s.n
			}
		}
	}
	switch {
	case p.Digits == 0:
		return errAt(line, syms[0].col, "picture %s has no digit positions (9)", p.Text)
	case p.Digits+p.PLeading+p.PTrailing > maxPicDigits:
		return errAt(line, syms[0].col, "picture %s has %d digits, more than %d", p.Text, p.Digits+p.PLeading+p.PTrailing, maxPicDigits)
	case p.PTrailing > 0 && seenV:
		return errAt(line, syms[0].col, "picture %s: P after the 9s scales an integer; it cannot have a V", p.Text)
	}
	if p.PLeading > 0 {
		// PP999 and VPP999 are both fractions: .00ddd.
		p.Scale = p.Digits + p.PLeading
	}
	return nil
}

// simpleEdited fills in an edited picture of Z, 9, one '.' and a sign at
// either end, and reports whether it is one.
func simpleEdited(p *Picture, syms []picSym) bool {
	seenPoint := false
	for i, s := range syms {
		switch s.sym {
		case "+", "-":
			switch {
			case i == 0:
				// A floating sign: the first position is the sign, the
				// others digits.
				p.Digits += s.n - 1
				if seenPoint {
					p.Scale += s.n - 1
				}
			case i == len(syms)-1 && s.n == 1:
			default:
				return false
			}
			p.Signed = true
		case ".":
			if seenPoint || s.n != 1 {
				return false
			}
			seenPoint = true
		case "Z", "9":
			p.Digits += s.n
			if seenPoint {
				p.Scale += s.n
			}
		}
	}
	return p.Digits > 0 && p.Digits <= maxPicDigits
}

// String is the picture as written.
func (p *Picture) String() string { return fmt.Sprintf("PIC %s", p.Text) }
