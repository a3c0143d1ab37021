package exec

import (
	"strings"
	"testing"
)

func TestStrptime(t *testing.T) {
	for _, c := range []struct {
		s, f, want, err string
	}{
		{"2024-03-05 14:07:09", "%Y-%m-%d %H:%M:%S", "2024-03-05 14:07:09", ""},
		{"5/3/24", "%d/%m/%y", "2024-03-05 00:00:00", ""},
		{"5/3/70", "%d/%m/%y", "1970-03-05 00:00:00", ""},
		{"Tuesday, March 5 2024", "%A, %B %d %Y", "2024-03-05 00:00:00", ""},
		{"tue 05 mar 2024 12:00:00 AM", "%a %d %b %Y %I:%M:%S %p", "2024-03-05 00:00:00", ""},
		{"2024-03-05T14:07:09.5Z", "%Y-%m-%dT%H:%M:%S.%f%z", "2024-03-05 14:07:09.5", ""},
		{"2024-03-05 14:07:09.123-02:30", "%Y-%m-%d %H:%M:%S.%g%z", "2024-03-05 16:37:09.123", ""},
		{"2024   060", "%Y %j", "2024-02-29 00:00:00", ""},
		{"20240305", "%Y%m%d", "2024-03-05 00:00:00", ""},
		{"2024-02-30", "%Y-%m-%d", "", "day 30 does not exist"},
		{"2024-13-01", "%Y-%m-%d", "", "month 13 does not exist"},
		{"2024-01-01 24:00", "%Y-%m-%d %H:%M", "", "does not exist"},
		{"2024-01-01x", "%Y-%m-%d", "", "trailing text"},
		{"x2024", "%Y", "", "expected a number for %Y"},
		{"2023 366", "%Y %j", "", "day of year 366 does not exist"},
		{"13:00 PM", "%I:%M %p", "", "12-hour clock"},
		{"Foo 2024", "%b %Y", "", "expected a month name"},
	} {
		items, err := parseStrf(c.f)
		if err != nil {
			t.Fatalf("%q: %v", c.f, err)
		}
		v, err := parseStrp(c.s, items)
		switch {
		case c.err != "":
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("strptime(%q, %q): error %v, want %q", c.s, c.f, err, c.err)
			}
		case err != nil:
			t.Errorf("strptime(%q, %q): %v", c.s, c.f, err)
		case formatTimestamp(v) != c.want && strings.TrimSuffix(formatTimestamp(v), ".000000") != c.want:
			t.Errorf("strptime(%q, %q) = %s, want %s", c.s, c.f, formatTimestamp(v), c.want)
		}
	}
	for _, f := range []string{"%", "%-", "%Q", "abc %k"} {
		if _, err := parseStrf(f); err == nil {
			t.Errorf("parseStrf(%q): no error", f)
		}
	}
}

// FuzzStrptime feeds arbitrary text and formats to strptime (no panics),
// and checks that strftime then strptime with a complete numeric format
// gives the timestamp back.
func FuzzStrptime(f *testing.F) {
	f.Add("2024-03-05 14:07:09", "%Y-%m-%d %H:%M:%S", int64(0))
	f.Add("05/Mar/2024:02:07:09 PM +0100", "%d/%b/%Y:%I:%M:%S %p %z", int64(1709647629000000))
	f.Add("2024 060", "%Y %j", int64(-86400000000))
	f.Add("", "%-d%%%Z", int64(123456789))
	f.Fuzz(func(t *testing.T, s, format string, us int64) {
		if items, err := parseStrf(format); err == nil {
			_, _ = parseStrp(s, items)
			_ = appendStrf(nil, items, us)
		}
		if us < minTimestamp {
			return
		}
		items, _ := parseStrf("%Y-%m-%d %H:%M:%S.%f")
		text := string(appendStrf(nil, items, us))
		back, err := parseStrp(text, items)
		if err != nil || back != us {
			t.Fatalf("%d formats as %q, which reads back as %d (%v)", us, text, back, err)
		}
	})
}
