package like

import (
	"bytes"
	"testing"
)

func TestFinder(t *testing.T) {
	for _, c := range []struct{ s, needle string }{
		{"special requests", "requests"},
		{"requestrequests", "requests"},
		{"qqqq", "qq"},
		{"abc", "abcd"},
		{"", "a"},
		{"xyz", ""},
		{"the quick brown fox", "fox"},
		{"aaaaaaaaab", "ab"},
		{"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzqz", "qz"},
	} {
		f := newFinder([]byte(c.needle))
		if got, want := f.index([]byte(c.s)), bytes.Index([]byte(c.s), []byte(c.needle)); got != want {
			t.Errorf("index(%q, %q) = %d, want %d", c.s, c.needle, got, want)
		}
	}
	if p := Compile("%special%requests%"); p.IndexNeedle([]byte("a special set of requests")) != 17 {
		t.Errorf("IndexNeedle = %d, want 17", p.IndexNeedle([]byte("a special set of requests")))
	}
	if p := Compile("abc%"); p.IndexNeedle([]byte("abc")) != -1 {
		t.Error("a pattern without a needle found one")
	}
}

func FuzzFinder(f *testing.F) {
	f.Add([]byte("carefully final requests"), []byte("requests"))
	f.Add([]byte("aaaa"), []byte("aa"))
	f.Fuzz(func(t *testing.T, s, needle []byte) {
		fd := newFinder(needle)
		if got, want := fd.index(s), bytes.Index(s, needle); got != want {
			t.Fatalf("index(%q, %q) = %d, want %d", s, needle, got, want)
		}
	})
}
