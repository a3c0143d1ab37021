package like

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		s, p string
		want bool
	}{
		{"", "", true}, {"", "%", true}, {"", "_", false}, {"a", "_", true}, {"ab", "_", false},
		{"abc", "a%c", true}, {"ac", "a%c", true}, {"a", "a%a", false}, {"aa", "a%a", true},
		{"abcabc", "%bc%bc", true}, {"abcab", "%bc%bc", false}, {"mississippi", "%iss%ip%", true},
		{"mississippi", "m_ss%pp_", true}, {"mississippi", "m%s_s%", true}, {"x_y", "x_y", true},
		{"xzy", "x_y", true}, {"héllo", "h_llo", true}, {"héllo", "h__llo", false},
		{"abc", "%%%", true}, {"abc", "a%%c", true}, {"abc", "_%_", true}, {"a", "_%_", false},
		{"100%", "100%", true}, {"hello world", "%o w%", true},
		{"special requests", "%special%requests%", true}, {"requests special", "%special%requests%", false},
		{"ab", "ab%b", false}, {"abab", "ab%b", true},
	} {
		if got := Compile(tc.p).Match([]byte(tc.s)); got != tc.want {
			t.Errorf("%q LIKE %q = %v", tc.s, tc.p, got)
		}
	}
}

func TestIgnoresPadding(t *testing.T) {
	for _, tc := range []struct {
		p    string
		want bool
	}{
		{"%special%requests%", true}, {"abc%", true}, {"%", true}, {"a%b", false}, {"abc", false},
		{"%a_%", false}, {"%a %", false}, {"a\x00%", false},
	} {
		p := Compile(tc.p)
		if got := p.IgnoresPadding(" \x00"); got != tc.want {
			t.Errorf("IgnoresPadding(%q) = %v", tc.p, got)
		}
		if !tc.want {
			continue
		}
		// padding never changes the outcome
		for _, s := range []string{"", "a", "abc", "special requests", "x special y requests z", "requests"} {
			if p.Match([]byte(s)) != p.Match([]byte(s+"   \x00 ")) {
				t.Errorf("%q: %q and its padded form differ", tc.p, s)
			}
		}
	}
}

// reference matches with a regular expression built from the pattern.
func reference(s, p string) bool {
	var b strings.Builder
	b.WriteString(`(?s)^`)
	for _, r := range p {
		switch r {
		case '%':
			b.WriteString(`.*`)
		case '_':
			b.WriteString(`.`)
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString(`$`)
	return regexp.MustCompile(b.String()).MatchString(s)
}

func TestNeedle(t *testing.T) {
	for _, c := range []struct{ pattern, needle string }{
		{"%special%requests%", "requests"},
		{"ab%cde%f%", "cde"},
		{"%x%", "x"},
		{"abc%", ""},  // anchored at the start only
		{"%abc", ""},  // at the end only
		{"a%%b", ""},  // no literal between two %s
		{"%a_c%", ""}, // _ makes the pattern general
		{"abc", ""},   // no % at all
	} {
		if got := string(Compile(c.pattern).Needle()); got != c.needle {
			t.Errorf("Needle(%q) = %q, want %q", c.pattern, got, c.needle)
		}
	}
}

func FuzzMatch(f *testing.F) {
	f.Add("mississippi", "m%s_s%")
	f.Add("special requests", "%special%requests%")
	f.Add("héllo", "h_llo")
	f.Fuzz(func(t *testing.T, s, p string) {
		if !utf8.ValidString(s) || !utf8.ValidString(p) || len(p) > 40 {
			return // the reference counts invalid bytes differently
		}
		pat := Compile(p)
		got, want := pat.Match([]byte(s)), reference(s, p)
		if got != want {
			t.Fatalf("%q LIKE %q = %v, want %v", s, p, got, want)
		}
		if n := pat.Needle(); got && n != nil && !strings.Contains(s, string(n)) {
			t.Fatalf("%q matches %q but lacks its needle %q", s, p, n)
		}
	})
}
