package exec

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Text functions with DuckDB's names and semantics. Positions and lengths
// count characters (UTF-8 sequences; an invalid byte counts as one).

// maxStringBytes bounds a value built by repeat, lpad and rpad.
const maxStringBytes = 1 << 28

func kinds(s string) []argKind {
	out := make([]argKind, len(s))
	for i := range s {
		out[i] = argKind(s[i])
	}
	return out
}

// runeOffsets returns the byte offset of each character of b and len(b)
// at the end (so character k is b[offs[k]:offs[k+1]]).
func runeOffsets(b []byte, dst []int) []int {
	dst = dst[:0]
	for j := 0; j < len(b); {
		dst = append(dst, j)
		_, w := utf8.DecodeRune(b[j:])
		j += w
	}
	return append(dst, len(b))
}

func init() {
	for name, b := range map[string]funcBuilder{
		"split_part": buildSplitPart,
		"lpad":       buildPad,
		"rpad":       buildPad,
		"repeat":     buildRepeat,
		"reverse":    buildReverse,
		"left":       buildLeftRight,
		"right":      buildLeftRight,
		"strpos":     buildStrpos,
		"instr":      buildStrpos,
		"position":   buildStrpos,
		"translate":  buildTranslate,
		"ascii":      buildASCII,
		"chr":        buildChr,
		"md5":        buildHash,
		"sha256":     buildHash,
		"concat_ws":  buildConcatWS,
	} {
		scalarFuncs[name] = b
	}
}

// split_part(s, sep, n): the n-th field of s split at sep (1-based;
// negative n counts from the end); ” when there is no such field. An
// empty sep splits s into characters.
func buildSplitPart(name string, args []Expr) (Expr, error) {
	if err := arity(name, args, 3, 3); err != nil {
		return nil, err
	}
	return newRowFn(rowFnSpec{name: name, kinds: kinds("ssi"), typ: tString, kernel: func(r *rowIn, o *rowOut) error {
		s, sep, k := r.str(0), r.str(1), r.int(2)
		var parts [][]byte
		if len(sep) == 0 {
			r.offs = runeOffsets(s, r.offs)
			offs := r.offs
			for j := 0; j+1 < len(offs); j++ {
				parts = append(parts, s[offs[j]:offs[j+1]])
			}
		} else {
			parts = bytes.Split(s, sep)
		}
		n := int64(len(parts))
		switch {
		case k > 0 && k <= n:
			o.b = append(o.b, parts[k-1]...)
		case k < 0 && -k <= n:
			o.b = append(o.b, parts[n+k]...)
		}
		return nil
	}}, args)
}

// lpad(s, n, pad) / rpad(s, n, pad): s padded to n characters with
// repetitions of pad, or cut to its first n characters.
func buildPad(name string, args []Expr) (Expr, error) {
	if err := arity(name, args, 3, 3); err != nil {
		return nil, err
	}
	left := name == "lpad"
	return newRowFn(rowFnSpec{name: name, kinds: kinds("sis"), typ: tString, kernel: func(r *rowIn, o *rowOut) error {
		s, n, pad := r.str(0), r.int(1), r.str(2)
		if n <= 0 {
			return nil
		}
		r.offs = runeOffsets(s, r.offs)
		offs := r.offs
		have := int64(len(offs) - 1)
		if have >= n {
			o.b = append(o.b, s[:offs[n]]...)
			return nil
		}
		if len(pad) == 0 {
			return errorf(ErrInvalidValue, "%s: the padding string is empty, so '%s' cannot be padded to %d characters", name, s, n)
		}
		r.offs2 = runeOffsets(pad, r.offs2)
		poffs := r.offs2
		plen := int64(len(poffs) - 1)
		need := n - have
		if need/plen*int64(len(pad))+int64(len(s)) > maxStringBytes {
			return errorf(ErrOutOfRange, "%s: a result of %d characters is too long (at most %d bytes)", name, n, maxStringBytes)
		}
		if !left {
			o.b = append(o.b, s...)
		}
		for need > 0 {
			if need >= plen {
				o.b = append(o.b, pad...)
				need -= plen
				continue
			}
			o.b = append(o.b, pad[:poffs[need]]...)
			need = 0
		}
		if left {
			o.b = append(o.b, s...)
		}
		return nil
	}}, args)
}

// repeat(s, n): s n times (” for n <= 0).
func buildRepeat(name string, args []Expr) (Expr, error) {
	if err := arity(name, args, 2, 2); err != nil {
		return nil, err
	}
	return newRowFn(rowFnSpec{name: name, kinds: kinds("si"), typ: tString, kernel: func(r *rowIn, o *rowOut) error {
		s, n := r.str(0), r.int(1)
		if n <= 0 || len(s) == 0 {
			return nil
		}
		if n > maxStringBytes/int64(len(s)) {
			return errorf(ErrOutOfRange, "repeat: %d copies of a %d-byte string is too long (at most %d bytes)", n, len(s), maxStringBytes)
		}
		for ; n > 0; n-- {
			o.b = append(o.b, s...)
		}
		return nil
	}}, args)
}

// reverse(s): the characters of s in reverse order.
func buildReverse(name string, args []Expr) (Expr, error) {
	if err := arity(name, args, 1, 1); err != nil {
		return nil, err
	}
	return newRowFn(rowFnSpec{name: name, kinds: kinds("s"), typ: tString, kernel: func(r *rowIn, o *rowOut) error {
		s := r.str(0)
		r.offs = runeOffsets(s, r.offs)
		offs := r.offs
		for j := len(offs) - 2; j >= 0; j-- {
			o.b = append(o.b, s[offs[j]:offs[j+1]]...)
		}
		return nil
	}}, args)
}

// left(s, n) / right(s, n): the first / last n characters; a negative n
// drops that many characters from the other end.
func buildLeftRight(name string, args []Expr) (Expr, error) {
	if err := arity(name, args, 2, 2); err != nil {
		return nil, err
	}
	left := name == "left"
	return newRowFn(rowFnSpec{name: name, kinds: kinds("si"), typ: tString, kernel: func(r *rowIn, o *rowOut) error {
		s, n := r.str(0), r.int(1)
		r.offs = runeOffsets(s, r.offs)
		offs := r.offs
		have := int64(len(offs) - 1)
		keep := n
		if n < 0 {
			keep = max(have+n, 0)
		}
		keep = min(keep, have)
		if left {
			o.b = append(o.b, s[:offs[keep]]...)
		} else {
			o.b = append(o.b, s[offs[have-keep]:]...)
		}
		return nil
	}}, args)
}

// strpos(s, sub) / instr(s, sub) / position(sub IN s): the 1-based
// character position of the first occurrence of sub in s, 0 when absent.
// The parser turns position(sub IN s) into position(s, sub).
func buildStrpos(name string, args []Expr) (Expr, error) {
	if err := arity(name, args, 2, 2); err != nil {
		return nil, err
	}
	return newRowFn(rowFnSpec{name: name, kinds: kinds("ss"), typ: tInt64, kernel: func(r *rowIn, o *rowOut) error {
		s := r.str(0)
		k := bytes.Index(s, r.str(1))
		if k >= 0 {
			o.i = int64(utf8.RuneCount(s[:k])) + 1
		}
		return nil
	}}, args)
}

// translate(s, from, to): each character of s found in from is replaced
// by the character at the same position of to, or removed when to is
// shorter.
func buildTranslate(name string, args []Expr) (Expr, error) {
	if err := arity(name, args, 3, 3); err != nil {
		return nil, err
	}
	return newRowFn(rowFnSpec{name: name, kinds: kinds("sss"), typ: tString, kernel: func(r *rowIn, o *rowOut) error {
		from, to := []rune(string(r.str(1))), []rune(string(r.str(2)))
		s := r.str(0)
		for len(s) > 0 {
			c, w := utf8.DecodeRune(s)
			k := -1
			if !(c == utf8.RuneError && w <= 1) {
				for j, f := range from {
					if f == c {
						k = j
						break
					}
				}
			}
			switch {
			case k < 0:
				o.b = append(o.b, s[:w]...)
			case k < len(to):
				o.b = utf8.AppendRune(o.b, to[k])
			}
			s = s[w:]
		}
		return nil
	}}, args)
}

// ascii(s): the Unicode code point of the first character (0 for ”).
func buildASCII(name string, args []Expr) (Expr, error) {
	if err := arity(name, args, 1, 1); err != nil {
		return nil, err
	}
	return newRowFn(rowFnSpec{name: name, kinds: kinds("s"), typ: tInt64, kernel: func(r *rowIn, o *rowOut) error {
		s := r.str(0)
		if len(s) > 0 {
			c, w := utf8.DecodeRune(s)
			if c == utf8.RuneError && w <= 1 {
				c = rune(s[0])
			}
			o.i = int64(c)
		}
		return nil
	}}, args)
}

// chr(n): the character with Unicode code point n.
func buildChr(name string, args []Expr) (Expr, error) {
	if err := arity(name, args, 1, 1); err != nil {
		return nil, err
	}
	return newRowFn(rowFnSpec{name: name, kinds: kinds("i"), typ: tString, kernel: func(r *rowIn, o *rowOut) error {
		n := r.int(0)
		if n < 0 || n > utf8.MaxRune || (n >= 0xD800 && n <= 0xDFFF) {
			return errorf(ErrInvalidValue, "chr: %d is not a Unicode code point (0 to 1114111, surrogates excluded)", n)
		}
		o.b = utf8.AppendRune(o.b, rune(n))
		return nil
	}}, args)
}

// md5(s) / sha256(s): the digest of s's bytes as lower-case hex.
func buildHash(name string, args []Expr) (Expr, error) {
	if err := arity(name, args, 1, 1); err != nil {
		return nil, err
	}
	return newRowFn(rowFnSpec{name: name, kinds: kinds("s"), typ: tString, kernel: func(r *rowIn, o *rowOut) error {
		if name == "md5" {
			d := md5.Sum(r.str(0))
			o.b = hex.AppendEncode(o.b, d[:])
		} else {
			d := sha256.Sum256(r.str(0))
			o.b = hex.AppendEncode(o.b, d[:])
		}
		return nil
	}}, args)
}

// concat_ws(sep, a, b, ...): the non-NULL arguments as text joined by
// sep; NULL only when sep is NULL.
func buildConcatWS(name string, args []Expr) (Expr, error) {
	if len(args) < 2 {
		return nil, fmt.Errorf("concat_ws takes a separator and at least one value, got %d argument%s", len(args), plural(len(args)))
	}
	xs := make([]Expr, len(args))
	for i, a := range args {
		x, err := toVarchar(a)
		if err != nil {
			return nil, err
		}
		xs[i] = x
	}
	if _, null, ok := constString(xs[0]); ok && null {
		return &litExpr{typ: tString}, nil
	}
	return newRowFn(rowFnSpec{name: name, kinds: kinds(strings.Repeat("s", len(xs))), typ: tString, nullsIn: true, kernel: func(r *rowIn, o *rowOut) error {
		sep, ok := r.strOK(0)
		if !ok {
			o.null = true
			return nil
		}
		first := true
		for k := 1; k < r.n(); k++ {
			v, ok := r.strOK(k)
			if !ok {
				continue
			}
			if !first {
				o.b = append(o.b, sep...)
			}
			o.b = append(o.b, v...)
			first = false
		}
		return nil
	}}, xs)
}
