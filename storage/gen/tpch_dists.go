package gen

import (
	"strings"
	"sync"
)

// The value domains of the TPC-H specification (revision 3, clause 4.2.2
// and 4.2.3) and the word lists of its reference generator's text grammar
// (dists.dss). Weighted lists repeat a word as often as its weight.

// colors are the 92 words of P_NAME; a part's name is five distinct ones.
var colors = strings.Fields(`almond antique aquamarine azure beige bisque black blanched blue blush
	brown burlywood burnished chartreuse chiffon chocolate coral cornflower cornsilk cream cyan dark
	deep dim dodger drab firebrick floral forest frosted gainsboro ghost goldenrod green grey honeydew
	hot indian ivory khaki lace lavender lawn lemon light lime linen magenta maroon medium metallic
	midnight mint misty moccasin navajo navy olive orange orchid pale papaya peach peru pink plum
	powder puff purple red rose rosy royal saddle salmon sandy seashell sienna sky slate smoke snow
	spring steel tan thistle tomato turquoise violet wheat white yellow`)

var (
	typeSyllable1      = []string{"STANDARD", "SMALL", "MEDIUM", "LARGE", "ECONOMY", "PROMO"}
	typeSyllable2      = []string{"ANODIZED", "BURNISHED", "PLATED", "POLISHED", "BRUSHED"}
	typeSyllable3      = []string{"TIN", "NICKEL", "BRASS", "STEEL", "COPPER"}
	containerSyllable1 = []string{"SM", "LG", "MED", "JUMBO", "WRAP"}
	containerSyllable2 = []string{"CASE", "BOX", "BAG", "JAR", "PKG", "PACK", "CAN", "DRUM"}
	segments           = []string{"AUTOMOBILE", "BUILDING", "FURNITURE", "MACHINERY", "HOUSEHOLD"}
	priorities         = []string{"1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECIFIED", "5-LOW"}

	// partTypes, partContainers, mfgrs and brands hold every combination,
	// so a row picks a string instead of building one.
	partTypes      = combine(typeSyllable1, typeSyllable2, typeSyllable3)
	partContainers = combine(containerSyllable1, containerSyllable2)
	mfgrs          = numbered("Manufacturer#", 1, 5)
	brands         = numbered("Brand#", 11, 55) // Brand#MN: index (M-1)*5 + N-1 with M, N in 1..5
)

// Values stored into []any rows are boxed once here, not per row (a
// boxed string or DECIMAL is an allocation).
var (
	mfgrsAny          = boxed(mfgrs)
	brandsAny         = boxed(brands)
	partTypesAny      = boxed(partTypes)
	partContainersAny = boxed(partContainers)
	segmentsAny       = boxed(segments)
	prioritiesAny     = boxed(priorities)
	shipInstructsAny  = boxed(shipInstructs)
	shipModesAny      = boxed(shipModes)
	lettersAny        = boxed(strings.Split("ABCDEFGHIJKLMNOPQRSTUVWXYZ", ""))
	// smallCentsAny is built on first use: its 5,001 boxed values are
	// most of the package's start-up cost otherwise, paid by every recq
	// process whether it generates data or not.
	smallCentsAny = sync.OnceValue(func() []any {
		out := make([]any, 5001)
		for c := range out {
			out[c] = cents(int64(c))
		}
		return out
	})
)

func boxed[T any](l []T) []any {
	out := make([]any, len(l))
	for i, v := range l {
		out[i] = v
	}
	return out
}

// letter is the one-letter string c ('A'..'Z'), boxed.
func letter(c byte) any { return lettersAny[c-'A'] }

// centsAny is cents(c), boxed once for 0..50.00.
func centsAny(c int64) any {
	if small := smallCentsAny(); c >= 0 && c < int64(len(small)) {
		return small[c]
	}
	return cents(c)
}

// nations are N_NAME and N_REGIONKEY by N_NATIONKEY (clause 4.2.3).
var nations = []struct {
	name   string
	region int64
}{
	{"ALGERIA", 0}, {"ARGENTINA", 1}, {"BRAZIL", 1}, {"CANADA", 1}, {"EGYPT", 4},
	{"ETHIOPIA", 0}, {"FRANCE", 3}, {"GERMANY", 3}, {"INDIA", 2}, {"INDONESIA", 2},
	{"IRAN", 4}, {"IRAQ", 4}, {"JAPAN", 2}, {"JORDAN", 4}, {"KENYA", 0},
	{"MOROCCO", 0}, {"MOZAMBIQUE", 0}, {"PERU", 1}, {"CHINA", 2}, {"ROMANIA", 3},
	{"SAUDI ARABIA", 4}, {"VIETNAM", 2}, {"RUSSIA", 3}, {"UNITED KINGDOM", 3}, {"UNITED STATES", 1},
}

// regions are R_NAME by R_REGIONKEY.
var regions = []string{"AFRICA", "AMERICA", "ASIA", "EUROPE", "MIDDLE EAST"}

// textGrammar holds the text grammar's word classes with their weights,
// expanded by weighted. It is built with the text pool, when a table with
// comments is generated, not when the program starts.
type textGrammar struct {
	nouns, verbs, adjectives, adverbs, auxiliaries, prepositions, terminators []string
	// sentences, nounPhrases and verbPhrases are the grammar's productions:
	// N noun phrase, V verb phrase, P prepositional phrase, T terminator;
	// J adjective, D adverb, X auxiliary, "," a comma after the last word.
	sentences, nounPhrases, verbPhrases []string
}

func newTextGrammar() *textGrammar {
	return &textGrammar{
		nouns: weighted(`foxes:50 ideas:50 theodolites:50 pinto_beans:50 instructions:50 dependencies:50
		excuses:50 platelets:50 asymptotes:50 courts:50 dolphins:50 multipliers:1 sauternes:1
		warthogs:1 frets:1 dinos:1 attainments:1 somas:1 Tiresias:1 patterns:1 forges:1 braids:1
		hockey_players:1 frays:1 warhorses:1 dugouts:1 notornis:1 epitaphs:1 pearls:1 tithes:1
		waters:1 orbits:1 gifts:1 sheaves:1 depths:1 sentiments:1 decoys:1 realms:1 pains:1
		grouches:1 escapades:1 packages:40 requests:40 accounts:40 deposits:40`),
		verbs: weighted(`sleep:20 wake:20 are:20 cajole:20 haggle:20 nag:10 use:10 boost:10 affix:5
		detect:5 integrate:5 maintain:1 nod:1 was:1 lose:1 sublate:1 solve:1 thrash:1 promise:1
		engage:1 hinder:1 print:1 x-ray:1 breach:1 eat:1 grow:1 impress:1 mold:1 poach:1 serve:1
		run:1 dazzle:1 snooze:1 doze:1 unwind:1 kindle:1 play:1 hang:1 believe:1 doubt:1`),
		adjectives: weighted(`special:20 pending:20 unusual:20 express:20 furious:1 sly:1 careful:1
		blithe:1 quick:1 fluffy:1 slow:1 quiet:1 ruthless:1 thin:1 close:1 dogged:1 daring:1
		brave:1 stealthy:1 permanent:1 enticing:1 idle:1 busy:1 regular:50 final:40 ironic:40
		even:30 bold:20 silent:10`),
		adverbs: weighted(`sometimes:1 always:1 never:1 furiously:50 slyly:50 carefully:50
		blithely:40 quickly:30 fluffily:20 slowly:1 quietly:1 ruthlessly:1 thinly:1 closely:1
		doggedly:1 daringly:1 bravely:1 stealthily:1 permanently:1 enticingly:1 idly:1 busily:1
		regularly:1 finally:1 ironically:1 evenly:1 boldly:1 silently:1`),
		auxiliaries: weighted(`do:1 may:1 might:1 shall:1 will:1 would:1 can:1 could:1 should:1
		ought_to:1 must:1 will_have_to:1 shall_have_to:1 could_have_to:1 should_have_to:1
		must_have_to:1 need_to:1 try_to:1`),
		prepositions: weighted(`about:50 above:50 according_to:50 across:50 after:50 against:50
		along:50 alongside_of:50 among:50 around:50 at:50 atop:50 before:50 behind:50 beneath:50
		beside:50 besides:50 between:50 beyond:50 by:50 despite:50 during:50 except:50 for:50
		from:50 in_place_of:50 inside:50 instead_of:50 into:50 near:50 of:50 on:50 outside:50
		over:50 past:50 since:50 through:50 throughout:50 to:50 toward:50 under:50 until:50
		up:50 upon:50 without:50 with:50 within:50`),
		terminators: weighted(`.:50 ;:1 ::1 ?:1 !:1 --:1`),
		sentences:   weighted(`NVT:3 NVPT:3 NVNT:3 NPVNT:1 NPVPT:1`),
		nounPhrases: weighted(`N:10 JN:20 J,JN:10 DJN:50`),
		verbPhrases: weighted(`V:30 XV:1 VD:40 XVD:1`),
	}
}

// weighted expands "word:weight" items (underscores stand for spaces) into
// a list holding each word weight times.
func weighted(spec string) []string {
	var out []string
	for _, item := range strings.Fields(spec) {
		i := strings.LastIndexByte(item, ':')
		w := 0
		for _, c := range item[i+1:] {
			w = w*10 + int(c-'0')
		}
		word := strings.ReplaceAll(item[:i], "_", " ")
		for range w {
			out = append(out, word)
		}
	}
	return out
}

// combine returns every "a b [c]" combination of the syllable lists, the
// first list varying slowest.
func combine(lists ...[]string) []string {
	out := []string{""}
	for _, l := range lists {
		var next []string
		for _, prefix := range out {
			for _, s := range l {
				if prefix == "" {
					next = append(next, s)
				} else {
					next = append(next, prefix+" "+s)
				}
			}
		}
		out = next
	}
	return out
}

// numbered returns prefix followed by lo..hi, skipping numbers with a
// digit outside 1..5 (so "Brand#" 11..55 gives the 25 brands).
func numbered(prefix string, lo, hi int) []string {
	var out []string
	for n := lo; n <= hi; n++ {
		ok := true
		for m := n; m > 0; m /= 10 {
			if d := m % 10; d < 1 || d > 5 {
				ok = false
			}
		}
		if ok {
			out = append(out, prefix+itoa(n))
		}
	}
	return out
}

func itoa(n int) string { return string(appendPadded(nil, int64(n), 1)) }

// appendPadded appends n in decimal, zero-padded to at least width digits.
func appendPadded(dst []byte, n int64, width int) []byte {
	var buf [20]byte
	i := len(buf)
	for n > 0 || i == len(buf) {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	for len(buf)-i < width {
		i--
		buf[i] = '0'
	}
	return append(dst, buf[i:]...)
}
