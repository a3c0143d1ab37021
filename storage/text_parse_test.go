package storage

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestParseTextInt(t *testing.T) {
	cases := []struct {
		in   string
		bits int
		want int64
		err  error
	}{
		{"42", 64, 42, nil},
		{"  42  ", 64, 42, nil},
		{"00042", 32, 42, nil},
		{"-42", 64, -42, nil},
		{"+42", 64, 42, nil},
		{"- 42", 64, -42, nil},
		{"42-", 64, -42, nil},
		{"42+", 64, 42, nil},
		{"0", 8, 0, nil},
		{"127", 8, 127, nil},
		{"128", 8, 0, errOverflow},
		{"-128", 8, -128, nil},
		{"-129", 8, 0, errOverflow},
		{"9223372036854775807", 64, math.MaxInt64, nil},
		{"-9223372036854775808", 64, math.MinInt64, nil},
		{"9223372036854775808", 64, 0, errOverflow},
		{"99999999999999999999999", 64, 0, errOverflow},
		{"", 64, 0, errBlank},
		{"     ", 64, 0, errBlank},
		{"12x4", 64, 0, errBadNumber},
		{"1 2", 64, 0, errBadNumber},
		{"-", 64, 0, errBadNumber},
		{"--1", 64, 0, errBadNumber},
		{"1.5", 64, 0, errBadNumber},
		{"\x0042", 64, 42, nil},
	}
	for _, c := range cases {
		got, err := ParseTextInt([]byte(c.in), c.bits)
		if !errors.Is(err, c.err) || (err == nil && got != c.want) {
			t.Errorf("ParseTextInt(%q, %d) = %d, %v; want %d, %v", c.in, c.bits, got, err, c.want, c.err)
		}
	}
}

func TestParseTextUint(t *testing.T) {
	cases := []struct {
		in   string
		bits int
		want uint64
		err  error
	}{
		{"255", 8, 255, nil},
		{"256", 8, 0, errOverflow},
		{"18446744073709551615", 64, math.MaxUint64, nil},
		{"18446744073709551616", 64, 0, errOverflow},
		{"-1", 64, 0, errOverflow},
		{"+7", 16, 7, nil},
		{"", 16, 0, errBlank},
		{"x", 16, 0, errBadNumber},
	}
	for _, c := range cases {
		got, err := ParseTextUint([]byte(c.in), c.bits)
		if !errors.Is(err, c.err) || (err == nil && got != c.want) {
			t.Errorf("ParseTextUint(%q, %d) = %d, %v; want %d, %v", c.in, c.bits, got, err, c.want, c.err)
		}
	}
}

func TestParseTextDecimal(t *testing.T) {
	cases := []struct {
		in                        string
		precision, scale, implied int
		want                      int64
		err                       error
	}{
		{"123.45", 9, 2, 0, 12345, nil},
		{"000012345", 9, 2, 2, 12345, nil}, // the example: 123.45
		{"-123.45", 9, 2, 0, -12345, nil},
		{"123.45-", 9, 2, 0, -12345, nil},
		{"  7 ", 9, 2, 0, 700, nil},
		{"7.5", 9, 2, 0, 750, nil},
		{".06", 4, 2, 0, 6, nil},
		{"5.", 4, 2, 0, 500, nil},
		{"1.230", 9, 2, 0, 123, nil}, // trailing zero past the scale is harmless
		{"1.234", 9, 2, 0, 0, errBadDecimal},
		{"5", 9, 2, 2, 5, nil},       // 0.05
		{"5", 9, 3, 2, 50, nil},      // 0.05 at scale 3
		{"12.3", 9, 2, 2, 1230, nil}, // explicit point wins over implied
		{"9999999.99", 9, 2, 0, 999999999, nil},
		{"10000000.00", 9, 2, 0, 0, errOverflow},
		{"999999999999999999", 18, 0, 0, 999999999999999999, nil},
		{"", 9, 2, 0, 0, errBlank},
		{".", 9, 2, 0, 0, errBadNumber},
		{"1.2.3", 9, 2, 0, 0, errBadNumber},
		{"1x.00", 9, 2, 0, 0, errBadNumber},
		{"1.x", 9, 2, 0, 0, errBadNumber},
		{"1.23x", 9, 2, 0, 0, errBadNumber},
	}
	for _, c := range cases {
		got, err := ParseTextDecimal([]byte(c.in), c.precision, c.scale, c.implied)
		if !errors.Is(err, c.err) || (err == nil && got != c.want) {
			t.Errorf("ParseTextDecimal(%q, %d, %d, %d) = %d, %v; want %d, %v", c.in, c.precision, c.scale, c.implied, got, err, c.want, c.err)
		}
	}
}

func TestParseTextFloat(t *testing.T) {
	cases := []struct {
		in      string
		implied int
		want    float64
		err     error
	}{
		{"1.5", 0, 1.5, nil},
		{" -2.5e3 ", 0, -2500, nil},
		{"1e-3", 0, 0.001, nil},
		{"25-", 0, -25, nil},
		{"  234", 1, 23.4, nil},
		{"-9999", 0, -9999, nil},
		{"1e400", 0, 0, errOverflow},
		{"abc", 0, 0, errBadNumber},
		{"", 0, 0, errBlank},
	}
	for _, c := range cases {
		got, err := ParseTextFloat([]byte(c.in), 64, c.implied)
		if !errors.Is(err, c.err) || (err == nil && math.Abs(got-c.want) > 1e-12) {
			t.Errorf("ParseTextFloat(%q, %d) = %v, %v; want %v, %v", c.in, c.implied, got, err, c.want, c.err)
		}
	}
}

func TestParseTextBool(t *testing.T) {
	for in, want := range map[string]bool{"1": true, "0": false, "Y": true, "n": false, "T": true, "f": false,
		"true": true, "FALSE": false, "Yes": true, "no ": false} {
		got, err := ParseTextBool([]byte(in))
		if err != nil || got != want {
			t.Errorf("ParseTextBool(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"2", "maybe", "truey"} {
		if _, err := ParseTextBool([]byte(in)); !errors.Is(err, errBadBool) {
			t.Errorf("ParseTextBool(%q) err = %v, want errBadBool", in, err)
		}
	}
}

func TestParseTextDate(t *testing.T) {
	cases := []struct {
		in, format string
		want       string
		err        error
		yearStart  int
	}{
		{"1998-12-01", "YYYY-MM-DD", "1998-12-01", nil, 0},
		{"19981201", "YYYYMMDD", "1998-12-01", nil, 0},
		{"12/01/1998", "MM/DD/YYYY", "1998-12-01", nil, 0},
		{"2000-02-29", "YYYY-MM-DD", "2000-02-29", nil, 0},
		{"1970-01-01", "YYYY-MM-DD", "1970-01-01", nil, 0},
		{"1900-03-01", "YYYY-MM-DD", "1900-03-01", nil, 0},
		{"0001-01-01", "YYYY-MM-DD", "0001-01-01", nil, 0},
		{"1999-02-29", "YYYY-MM-DD", "", errBadDateVal, 0},
		{"1900-02-29", "YYYY-MM-DD", "", errBadDateVal, 0},
		{"1998-13-01", "YYYY-MM-DD", "", errBadDateVal, 0},
		{"1998-00-10", "YYYY-MM-DD", "", errBadDateVal, 0},
		{"1998/12/01", "YYYY-MM-DD", "", errBadDate, 0},
		{"1998-12-1", "YYYY-MM-DD", "", errBadDate, 0},
		{"1998-12-01x", "YYYY-MM-DD", "", errBadDate, 0},
		{"19981301", "YYYYMMDD", "", errBadDateVal, 0},
		{"", "YYYYMMDD", "", errBlank, 0},
		// Two-digit years: the default window is 1969..2068 (POSIX %y).
		{"690101", "YYMMDD", "1969-01-01", nil, 0},
		{"991231", "YYMMDD", "1999-12-31", nil, 0},
		{"000229", "YYMMDD", "2000-02-29", nil, 0},
		{"681231", "YYMMDD", "2068-12-31", nil, 0},
		{"491231", "YYMMDD", "2049-12-31", nil, 1950},
		{"500101", "YYMMDD", "1950-01-01", nil, 1950},
		{"010101", "YYMMDD", "2101-01-01", nil, 2050},
		{"310125", "DDMMYY", "2025-01-31", nil, 0},
		// Julian dates: day of the year.
		{"24001", "YYDDD", "2024-01-01", nil, 0},
		{"24060", "YYDDD", "2024-02-29", nil, 0},
		{"23060", "YYDDD", "2023-03-01", nil, 0},
		{"24366", "YYDDD", "2024-12-31", nil, 0},
		{"23366", "YYDDD", "", errBadDateVal, 0},
		{"24000", "YYDDD", "", errBadDateVal, 0},
		{"1999365", "YYYYDDD", "1999-12-31", nil, 0},
	}
	for _, c := range cases {
		got, err := ParseTextDate([]byte(c.in), c.format, c.yearStart)
		if !errors.Is(err, c.err) || (err == nil && DateValue(got).String() != c.want) {
			t.Errorf("ParseTextDate(%q, %q) = %v, %v; want %s, %v", c.in, c.format, DateValue(got), err, c.want, c.err)
		}
	}
}

func TestParseTextTimestamp(t *testing.T) {
	cases := []struct {
		in, format string
		want       string
		err        error
	}{
		{"1998-12-01 13:45:07", DefaultTimestampFormat, "1998-12-01 13:45:07", nil},
		{"19981201134507", "YYYYMMDDHHMISS", "1998-12-01 13:45:07", nil},
		{"1998-12-01T13:45:07.25", "YYYY-MM-DDTHH:MI:SS.FF", "1998-12-01 13:45:07.250000", nil},
		{"1969-12-31 23:59:59", DefaultTimestampFormat, "1969-12-31 23:59:59", nil},
		{"1998-12-01 24:00:00", DefaultTimestampFormat, "", errBadDateVal},
		// MM right after HH is minutes.
		{"19981201134507", "YYYYMMDDHHMMSS", "1998-12-01 13:45:07", nil},
		{"981201 13:45", "YYMMDD HH:MM", "1998-12-01 13:45:00", nil},
		{"1345", "HHMM", "1970-01-01 13:45:00", nil},
		{"134507", "HHMMSS", "1970-01-01 13:45:07", nil},
		{"1360", "HHMM", "", errBadDateVal},
		{"24001235959", "YYDDDHHMISS", "2024-01-01 23:59:59", nil},
	}
	for _, c := range cases {
		got, err := ParseTextTimestamp([]byte(c.in), c.format, 0)
		if !errors.Is(err, c.err) || (err == nil && TimestampValue(got).String() != c.want) {
			t.Errorf("ParseTextTimestamp(%q, %q) = %v, %v; want %s, %v", c.in, c.format, TimestampValue(got), err, c.want, c.err)
		}
	}
}

func TestDateFormatChecks(t *testing.T) {
	cases := []struct {
		kind   Kind
		format string
		err    string
	}{
		{Date, "YYMMDD", ""},
		{Date, "YYDDD", ""},
		{Date, "YYYYDDD", ""},
		{Date, "YYMM", "needs a year"},
		{Date, "YYYYMMDDD", "needs a year"},
		{Date, "HHMM", "time parts"},
		{Date, "YYYYMMDDYY", "repeats"},
		{Timestamp, "HHMM", ""},
		{Timestamp, "HHMMSS", ""},
		{Timestamp, "YYYYMMDDHHMMSS", ""},
		{Timestamp, "MISS", "needs at least HH"},
		{Timestamp, "HHMMDD", "needs a year"},
	}
	for _, c := range cases {
		err := checkDateFormat(c.kind, c.format)
		if (c.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("checkDateFormat(%s, %q) = %v, want %q", c.kind, c.format, err, c.err)
		}
	}
}

func TestYearWindowOnWrite(t *testing.T) {
	if out, err := appendPattern(nil, "YYMMDD", dateParts{year: 2068, month: 1, day: 2}, 0); err != nil || string(out) != "680102" {
		t.Errorf("2068 in the default window: %q, %v", out, err)
	}
	if _, err := appendPattern(nil, "YYMMDD", dateParts{year: 2069, month: 1, day: 2}, 0); err == nil {
		t.Errorf("2069 is outside the default window 1969..2068 and must not be written as 69")
	}
	if _, err := appendPattern(nil, "HHMM", dateParts{year: 2001, month: 1, day: 2, hour: 3}, 0); err == nil {
		t.Errorf("a time-only pattern must refuse a timestamp on another day than 1970-01-01")
	}
}

func TestCivilRoundTrip(t *testing.T) {
	for d := int32(-800000); d <= 800000; d += 37 {
		y, m, dd := CivilFromDays(d)
		if back := DaysFromCivil(y, m, dd); back != d {
			t.Fatalf("day %d -> %04d-%02d-%02d -> %d", d, y, m, dd, back)
		}
	}
	if got := DaysFromCivil(1998, 12, 1); got != 10561 {
		t.Errorf("DaysFromCivil(1998-12-01) = %d, want 10561", got)
	}
}

// FuzzTextFields: the text parsers never panic, and what they accept
// round-trips through the encoder.
func FuzzTextFields(f *testing.F) {
	for _, s := range []string{"42", "-0012.50", "000012345", "1998-12-01", "19981201", "  -9999", "1e5", "Y", "12x", "", "9223372036854775808"} {
		f.Add([]byte(s), uint8(2))
	}
	f.Fuzz(func(t *testing.T, b []byte, implied uint8) {
		imp := int(implied % 6)
		ParseTextInt(b, 64)
		ParseTextUint(b, 32)
		ParseTextFloat(b, 64, imp)
		ParseTextBool(b)
		ParseTextTimestamp(b, "YYYY-MM-DD HH:MI:SS.FFF", 0)
		if v, err := ParseTextDecimal(b, 18, 4, imp); err == nil {
			s := AppendDecimal(nil, v, 4)
			back, err := ParseTextDecimal(s, 18, 4, 0)
			if err != nil || back != v {
				t.Fatalf("decimal %q -> %d -> %q -> %d, %v", b, v, s, back, err)
			}
		}
		for _, format := range []string{"YYYYMMDD", "YYMMDD", "YYDDD", "YYYYDDD"} {
			if d, err := ParseTextDate(b, format, 1950); err == nil {
				y, m, dd := CivilFromDays(d)
				out, err := appendPattern(nil, format, dateParts{year: y, month: m, day: dd}, 1950)
				if err != nil {
					t.Fatalf("date %q in %s -> %d: %v", b, format, d, err)
				}
				back, err := ParseTextDate(out, format, 1950)
				if err != nil || back != d {
					t.Fatalf("date %q in %s -> %d -> %q -> %d, %v", b, format, d, out, back, err)
				}
			}
		}
		if ts, err := ParseTextTimestamp(b, "HHMMSS", 0); err == nil {
			out, err := appendPattern(nil, "HHMMSS", timestampParts(ts), 0)
			if err != nil || string(out) != string(trimPad(b)) {
				t.Fatalf("time %q -> %d -> %q, %v", b, ts, out, err)
			}
		}
	})
}
