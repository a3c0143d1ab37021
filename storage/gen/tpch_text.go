package gen

import (
	"math/rand/v2"
	"strings"
	"sync"
)

// textPoolSize is the size of the text pool comments are cut from. The
// specification's pool is 300 MB; a smaller pool keeps generation fast and
// still gives every comment a distinct slice at the scale factors recq
// generates (and the same word frequencies, which are what queries see).
const textPoolSize = 1 << 22

var textPool = sync.OnceValue(buildTextPool)

// buildTextPool writes sentences of the specification's text grammar
// (clause 4.2.2.10) until the pool is full. The pool does not depend on
// the generation seed, like the reference generator's.
func buildTextPool() string {
	g := newTextGrammar()
	r := rand.New(rand.NewPCG(19920101, 19981231))
	pick := func(l []string) string { return l[r.IntN(len(l))] }
	var b strings.Builder
	b.Grow(textPoolSize + 256)
	word := func(w string) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w)
	}
	var nounPhrase func()
	nounPhrase = func() {
		for _, c := range pick(g.nounPhrases) {
			switch c {
			case 'N':
				word(pick(g.nouns))
			case 'J':
				word(pick(g.adjectives))
			case 'D':
				word(pick(g.adverbs))
			case ',':
				b.WriteByte(',')
			}
		}
	}
	for b.Len() < textPoolSize {
		for _, c := range pick(g.sentences) {
			switch c {
			case 'N':
				nounPhrase()
			case 'V':
				for _, v := range pick(g.verbPhrases) {
					switch v {
					case 'V':
						word(pick(g.verbs))
					case 'X':
						word(pick(g.auxiliaries))
					case 'D':
						word(pick(g.adverbs))
					}
				}
			case 'P':
				word(pick(g.prepositions))
				word("the")
				nounPhrase()
			case 'T':
				b.WriteString(pick(g.terminators))
			}
		}
	}
	return b.String()[:textPoolSize]
}

// text returns a comment of the specification's "text string [lo, hi]": a
// slice of the text pool at a random offset, of random length in lo..hi.
// A slice that would start or end with a space moves right until it does
// not (the pool has no double spaces, so that is a step or two), so the
// comment keeps its length and reads back unchanged from a CHAR field.
func text(r *rand.Rand, lo, hi int) string {
	pool := textPool()
	n := lo + r.IntN(hi-lo+1)
	off := r.IntN(len(pool) - n - 64)
	for pool[off] == ' ' || pool[off+n-1] == ' ' {
		off++
	}
	return pool[off : off+n]
}

// alphanumeric is the 64-symbol alphabet of random v-strings.
const alphanumeric = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ,."

// vstring returns a "random v-string [lo, hi]" (clause 4.2.2.7): random
// symbols of alphanumeric, of random length in lo..hi.
func vstring(r *rand.Rand, buf []byte, lo, hi int) string {
	n := lo + r.IntN(hi-lo+1)
	buf = buf[:0]
	for range n {
		buf = append(buf, alphanumeric[r.IntN(len(alphanumeric))])
	}
	return string(buf)
}

// phone returns a phone number of the nation (clause 4.2.2.9): the
// country code nationkey + 10, then three random local numbers:
// "CC-LLL-LLL-LLLL".
func phone(r *rand.Rand, buf []byte, nation int64) string {
	buf = appendPadded(buf[:0], nation+10, 2)
	buf = append(buf, '-')
	buf = appendPadded(buf, 100+r.Int64N(900), 3)
	buf = append(buf, '-')
	buf = appendPadded(buf, 100+r.Int64N(900), 3)
	buf = append(buf, '-')
	buf = appendPadded(buf, 1000+r.Int64N(9000), 4)
	return string(buf)
}

// keyName returns prefix and n zero-padded to 9 digits ("Supplier#000000001").
func keyName(buf []byte, prefix string, n int64) string {
	return string(appendPadded(append(buf[:0], prefix...), n, 9))
}
