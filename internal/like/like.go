// Package like matches SQL LIKE patterns over bytes. It is the one matcher
// behind the executor's LIKE and the scan's LIKE tests on raw record
// bytes, so both select exactly the same values.
//
// In a pattern, % stands for any run of characters (possibly empty) and _
// for exactly one character (a UTF-8 rune; a byte that is not valid UTF-8
// counts as one character). Every other byte matches itself; there is no
// escape character. Matching is case-sensitive: callers that want ILIKE
// lower-case both the pattern and the value.
package like

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// Pattern is a compiled LIKE pattern. It is immutable and safe for
// concurrent use.
type Pattern struct {
	text []byte
	// simple: the pattern has no _, so it is literal segments between
	// %s: segs[0] is anchored at the start, segs[len-1] at the end (either
	// may be empty), and the ones between are found left to right.
	simple bool
	segs   [][]byte
	needle finder // Needle's finder
}

// Compile compiles a pattern.
func Compile(pattern string) *Pattern {
	p := &Pattern{text: []byte(pattern)}
	if !strings.ContainsRune(pattern, '_') {
		p.simple = true
		for _, s := range strings.Split(pattern, "%") {
			p.segs = append(p.segs, []byte(s))
		}
	}
	p.needle = newFinder(p.Needle())
	return p
}

// IgnoresPadding reports whether padding a value on the right with bytes
// of pad never changes whether it matches: the pattern ends with %, has
// no _ (which could match a pad byte) and no literal byte from pad (so
// each literal run matches inside the unpadded value). A scan then tests
// a padded CHAR field without trimming it first.
func (p *Pattern) IgnoresPadding(pad string) bool {
	return p.simple && len(p.segs) > 1 && len(p.segs[len(p.segs)-1]) == 0 &&
		!bytes.ContainsAny(p.text, pad)
}

// Needle returns the longest literal run of the pattern that may sit
// anywhere in a matching value: one between two %s. Every value that
// matches contains it, so a caller can look for it across many values at
// once and test only the values that hold it. Nil when the pattern has no
// such run (no %...%, or an _).
func (p *Pattern) Needle() []byte {
	if !p.simple || len(p.segs) < 3 {
		return nil
	}
	var best []byte
	for _, seg := range p.segs[1 : len(p.segs)-1] {
		if len(seg) > len(best) {
			best = seg
		}
	}
	return best
}

// Match reports whether s matches the pattern.
func (p *Pattern) Match(s []byte) bool {
	if !p.simple {
		return matchGeneral(s, p.text)
	}
	segs := p.segs
	if len(segs) == 1 {
		return bytes.Equal(s, segs[0])
	}
	first, last := segs[0], segs[len(segs)-1]
	if !bytes.HasPrefix(s, first) {
		return false
	}
	s = s[len(first):]
	if len(s) < len(last) || !bytes.HasSuffix(s, last) {
		return false
	}
	s = s[:len(s)-len(last)]
	for _, seg := range segs[1 : len(segs)-1] {
		if len(seg) == 0 {
			continue
		}
		i := bytes.Index(s, seg)
		if i < 0 {
			return false
		}
		s = s[i+len(seg):]
	}
	return true
}

// matchGeneral is the classic wildcard match, backtracking to the last %.
func matchGeneral(s, p []byte) bool {
	si, pi := 0, 0
	starP, starS := -1, 0
	for si < len(s) {
		if pi < len(p) {
			switch c := p[pi]; c {
			case '%':
				starP, starS = pi, si
				pi++
				continue
			case '_':
				_, w := utf8.DecodeRune(s[si:])
				si += w
				pi++
				continue
			default:
				if c == s[si] {
					si++
					pi++
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		// let the last % absorb one more character
		_, w := utf8.DecodeRune(s[starS:])
		starS += w
		si = starS
		pi = starP + 1
	}
	for pi < len(p) && p[pi] == '%' {
		pi++
	}
	return pi == len(p)
}
