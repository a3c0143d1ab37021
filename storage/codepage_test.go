package storage

import (
	"strings"
	"testing"
	"unicode"
)

func mustPage(t *testing.T, id int) *CodePage {
	t.Helper()
	cp := CodePageByID(id)
	if cp == nil {
		t.Fatalf("code page %d missing", id)
	}
	return cp
}

func decodeByte(cp *CodePage, b byte) string { return string(cp.AppendUTF8(nil, []byte{b})) }

// The euro pages are their base pages with the euro sign where the base
// page has the currency sign ¤. 037 and 1140 come from x/text, the others
// from the generated tables: the pairs cross-check the two sources. The
// published tables disagree in a few other places (iconv's IBM871 and
// IBM1149 swap Þ and þ, for example); those are listed here so that any
// other difference fails.
func TestEuroPagesMatchBasePages(t *testing.T) {
	pairs := map[int]int{1140: 37, 1141: 273, 1142: 277, 1143: 278, 1144: 280, 1145: 284, 1146: 285, 1147: 297, 1148: 500, 1149: 871}
	known := map[[2]int]bool{{1149, 0x4A}: true, {1149, 0xC0}: true, {1146, 0xA1}: true, {1143, 0x71}: true, {1143, 0xE0}: true}
	for euro, base := range pairs {
		e, b := mustPage(t, euro), mustPage(t, base)
		euros := 0
		for c := 0; c < 256; c++ {
			de, db := decodeByte(e, byte(c)), decodeByte(b, byte(c))
			switch {
			case db == "¤":
				if de != "€" {
					t.Errorf("cp%d byte %#02x = %q, want € (cp%03d has ¤)", euro, c, de, base)
				}
				euros++
			case de != db && !known[[2]int{euro, c}]:
				t.Errorf("cp%d byte %#02x = %q, but cp%03d has %q", euro, c, de, base, db)
			}
		}
		if euros != 1 {
			t.Errorf("cp%03d has %d currency signs, want 1", base, euros)
		}
	}
}

func TestCodePageCharacters(t *testing.T) {
	cases := []struct {
		page int
		b    byte
		want string
	}{
		{37, 0xC1, "A"}, {37, 0x81, "a"}, {37, 0xF0, "0"}, {37, 0x40, " "}, {37, 0x4A, "¢"}, {37, 0x5B, "$"},
		{37, 0x00, " "}, {37, 0x25, " "}, {37, 0xFF, " "}, // controls read as spaces
		{273, 0x4A, "Ä"}, {273, 0x5A, "Ü"}, {273, 0xC0, "ä"},
		{277, 0x5B, "Å"}, {278, 0x7B, "Ä"}, {284, 0x7B, "Ñ"},
		{285, 0x5B, "£"}, {297, 0x7C, "à"}, {500, 0x4A, "["},
		{875, 0x41, "Α"}, {1047, 0xAD, "["}, {1047, 0x15, " "},
		{1140, 0x9F, "€"}, {1148, 0x9F, "€"},
	}
	for _, c := range cases {
		if got := decodeByte(mustPage(t, c.page), c.b); got != c.want {
			t.Errorf("cp%03d byte %#02x = %q, want %q", c.page, c.b, got, c.want)
		}
	}
}

// Every printable character a page assigns encodes back to its byte.
func TestCodePageRoundTrip(t *testing.T) {
	for _, id := range CodePageIDs {
		cp := mustPage(t, id)
		if cp.Space() != 0x40 {
			t.Errorf("cp%03d: space is %#02x, want 0x40", id, cp.Space())
		}
		for c := 0; c < 256; c++ {
			s := decodeByte(cp, byte(c))
			r := []rune(s)[0]
			if s == " " || r == '\uFFFD' || unicode.IsControl(r) {
				continue
			}
			out := make([]byte, 1)
			if err := cp.Encode(out, s); err != nil || out[0] != byte(c) {
				t.Errorf("cp%03d: %q from %#02x encodes to %#02x, %v", id, s, c, out[0], err)
			}
		}
	}
}

func TestCodePageEncodeErrors(t *testing.T) {
	cp := mustPage(t, 37)
	out := make([]byte, 4)
	if err := cp.Encode(out, "ab"); err != nil || string(cp.AppendUTF8(nil, out)) != "ab  " {
		t.Errorf("Encode(ab) = % x, %v", out, err)
	}
	if err := cp.Encode(out, "€"); err == nil || !strings.Contains(err.Error(), "no code in cp037") {
		t.Errorf("€ in cp037: %v", err)
	}
	if err := cp.Encode(out, "abcde"); err == nil || !strings.Contains(err.Error(), "longer than") {
		t.Errorf("too long: %v", err)
	}
}

func TestLookupCodePage(t *testing.T) {
	for name, want := range map[string]int{"cp037": 37, "037": 37, "37": 37, "IBM037": 37, "ibm-1047": 1047, "CP1148": 1148, "common": 37, " cp875 ": 875} {
		cp, err := LookupCodePage(name)
		if err != nil || cp == nil || cp.ID != want {
			t.Errorf("LookupCodePage(%q) = %v, %v; want %d", name, cp, err, want)
		}
	}
	if cp, err := LookupCodePage("ASCII"); cp != nil || err != nil {
		t.Errorf("ascii: %v, %v", cp, err)
	}
	for _, bad := range []string{"cp1252", "utf8", "", "cp"} {
		if _, err := LookupCodePage(bad); err == nil || !strings.Contains(err.Error(), "supported: cp037") {
			t.Errorf("LookupCodePage(%q) = %v, want an error listing the pages", bad, err)
		}
	}
}

// FuzzCodePage: decoding never panics, and text that encodes decodes back.
func FuzzCodePage(f *testing.F) {
	f.Add([]byte{0xC1, 0x40, 0x4A, 0x9F, 0x00}, uint8(0))
	f.Fuzz(func(t *testing.T, b []byte, page uint8) {
		cp := CodePageByID(CodePageIDs[int(page)%len(CodePageIDs)])
		s := string(cp.AppendUTF8(nil, b))
		out := make([]byte, len(b))
		if err := cp.Encode(out, s); err == nil {
			if back := string(cp.AppendUTF8(nil, out)); back != s {
				t.Fatalf("cp%03d: % x -> %q -> % x -> %q", cp.ID, b, s, out, back)
			}
		}
	})
}
