package like

import "bytes"

// Finding a needle in long text.
//
// bytes.Index looks for the needle's first byte and compares from there;
// in text where that byte is common ('r' of "requests", 's' of "special")
// it stops every dozen bytes and pays a call each time. A finder looks for
// the needle's rarest byte instead, by the byte frequencies of English
// text and code, so its byte search runs in long vector strides and few
// candidates need the full comparison (the memchr crate's memmem makes
// the same choice).

// byFrequency lists bytes from the most to the least common in text;
// bytes not listed are rarer than all of these.
const byFrequency = " etaoinsrhldcumfpgwybvkxjqz" +
	"ETAOINSRHLDCUMFPGWYBVKXJQZ" +
	"0123456789" +
	".,-'\"/:;()_=\n\t"

// rarity ranks a byte: higher is rarer.
var rarity = func() (r [256]uint8) {
	for i := range r {
		r[i] = 255
	}
	for i := 0; i < len(byFrequency); i++ {
		r[byFrequency[i]] = uint8(i)
	}
	return r
}()

// finder finds one needle.
type finder struct {
	needle []byte
	rare   byte // the needle's rarest byte
	at     int  // its offset in the needle
}

func newFinder(needle []byte) finder {
	f := finder{needle: needle}
	for i, b := range needle {
		if i == 0 || rarity[b] > rarity[f.rare] {
			f.rare, f.at = b, i
		}
	}
	return f
}

// index returns the offset of the first occurrence of the needle in s,
// or -1; an empty needle is at 0.
func (f *finder) index(s []byte) int {
	n := len(f.needle)
	if n == 0 {
		return 0
	}
	last := len(s) - n // the last offset the needle could start at
	for start := 0; start <= last; start++ {
		j := bytes.IndexByte(s[start+f.at:last+f.at+1], f.rare)
		if j < 0 {
			return -1
		}
		start += j
		if bytes.Equal(s[start:start+n], f.needle) {
			return start
		}
	}
	return -1
}

// IndexNeedle returns the offset of the first occurrence of the pattern's
// Needle in s, or -1 (also when the pattern has no needle). It is meant
// for long s, such as many values side by side.
func (p *Pattern) IndexNeedle(s []byte) int {
	if len(p.needle.needle) == 0 {
		return -1
	}
	return p.needle.index(s)
}
