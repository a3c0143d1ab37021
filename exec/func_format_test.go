package exec

import (
	"strings"
	"testing"
)

func TestFormatRender(t *testing.T) {
	args := []fmtArg{{kind: 'i', i: -42}, {kind: 'f', f: 3.14159}, {kind: 's', s: []byte("héllo")}}
	for _, c := range []struct {
		printf bool
		fmt    string
		want   string
		err    string
	}{
		{false, "{}|{}|{}", "-42|3.14159|héllo", ""},
		{false, "{0:+06d}|{1:.2f}|{2:.2}", "-00042|3.14|hé", ""},
		{false, "{2:_>8}|{2:^9}|", "___héllo|  héllo  |", ""},
		{false, "{0:x}|{0:#o}", "-2a|-052", ""},
		{false, "{1:e}|{1:G}", "3.141590e+00|3.14159", ""},
		{false, "{3}", "", "uses argument 4"},
		{false, "{2:d}", "", "needs an integer"},
		{false, "{2:f}", "", "needs a number"},
		{false, "{} {0}", "", "mixes"},
		{false, "{:q}", "", "unknown type 'q'"},
		{false, "a}b", "", "unmatched '}'"},
		{false, "{:99999999}", "", "too large"},
		{true, "%d|%5.1f|%-6s|", "-42|  3.1|héllo |", ""},
		{true, "%x", "ffffffffffffffd6", ""},
		{true, "%+d %05.1f %%", "-42 003.1 %", ""},
		{true, "%ld %lld", "-42 3", "needs an integer"},
		{true, "%", "", "not finished"},
		{true, "%y", "", "unknown conversion"},
	} {
		parse := parseBraceFormat
		if c.printf {
			parse = parsePrintf
		}
		pieces, _, err := parse(c.fmt)
		var got []byte
		if err == nil {
			got, err = render(nil, pieces, args)
		}
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%q: error %v, want %q", c.fmt, err, c.err)
		case c.err == "" && err != nil:
			t.Errorf("%q: %v", c.fmt, err)
		case c.err == "" && !strings.HasPrefix(string(got), c.want):
			t.Errorf("%q: got %q, want %q", c.fmt, got, c.want)
		}
	}
}

// FuzzFormatString feeds arbitrary format strings to both parsers and
// renders what parses: no panics, and a width never produces more than
// its bound.
func FuzzFormatString(f *testing.F) {
	for _, s := range []string{"{}", "{0:>10.3f}", "{:*^20}", "%5.2f %s %%", "%-08x", "{{}}", "{:#b}", "%c", "{:.0e}", "{1:}"} {
		f.Add(s, int64(7), 2.5, "xy")
	}
	f.Fuzz(func(t *testing.T, s string, i int64, fl float64, str string) {
		args := []fmtArg{{kind: 'i', i: i}, {kind: 'f', f: fl}, {kind: 's', s: []byte(str)}}
		for _, parse := range []func(string) ([]fmtPiece, int, error){parseBraceFormat, parsePrintf} {
			pieces, need, err := parse(s)
			if err != nil {
				continue
			}
			if need < 0 {
				t.Fatalf("%q: negative argument count", s)
			}
			out, err := render(nil, pieces, args)
			if err == nil && len(out) > len(s)*(maxFmtWidth*4+400)+len(str)*len(s) {
				t.Fatalf("%q: %d bytes of output", s, len(out))
			}
		}
	})
}
