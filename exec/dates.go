package exec

import (
	"fmt"
	"math"
	"strings"
)

// Calendar arithmetic on days since 1970-01-01 (proleptic Gregorian), in
// the style of Howard Hinnant's civil algorithms: no time.Time in loops.

const (
	microsPerSecond = 1_000_000
	microsPerMinute = 60 * microsPerSecond
	microsPerHour   = 60 * microsPerMinute
	microsPerDay    = 24 * microsPerHour
)

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// civil returns year, month (1-12) and day (1-31) of a day number.
func civil(z int64) (y int64, m, d int) {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	if mp < 10 {
		m = int(mp + 3)
	} else {
		m = int(mp - 9)
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

// daysFromCivil is the inverse of civil.
func daysFromCivil(y int64, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mm := int64(m)
	var doy int64
	if m > 2 {
		doy = (153*(mm-3)+2)/5 + int64(d) - 1
	} else {
		doy = (153*(mm+9)+2)/5 + int64(d) - 1
	}
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func isLeap(y int64) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysInMonth(y int64, m int) int {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// addMonths adds n months to a day number, clamping the day to the end of
// the target month (Jan 31 + 1 month = Feb 28 or 29), like DuckDB.
func addMonths(days int64, n int64) int64 {
	if n == 0 {
		return days
	}
	y, m, d := civil(days)
	t := y*12 + int64(m-1) + n
	ny := floorDiv(t, 12)
	nm := int(t-ny*12) + 1
	if dm := daysInMonth(ny, nm); d > dm {
		d = dm
	}
	return daysFromCivil(ny, nm, d)
}

// dayOfWeek is 0 for Sunday .. 6 for Saturday (DuckDB's dow).
func dayOfWeek(days int64) int64 {
	w := (days + 4) % 7 // 1970-01-01 was a Thursday
	if w < 0 {
		w += 7
	}
	return w
}

func dayOfYear(days int64) int64 {
	y, _, _ := civil(days)
	return days - daysFromCivil(y, 1, 1) + 1
}

// isoWeek is the ISO 8601 week number.
func isoWeek(days int64) int64 {
	// Thursday of this week decides the year
	wd := (dayOfWeek(days) + 6) % 7 // Monday=0
	thu := days - wd + 3
	y, _, _ := civil(thu)
	return (thu-daysFromCivil(y, 1, 1))/7 + 1
}

// DATE range: every day number that fits int32 (years -5877641 to
// 5881580).
const (
	minDate32 = -2147483648
	maxDate32 = 2147483647
)

// TIMESTAMP range: microseconds since 1970-01-01 that fit int64, from the
// first whole day, -290308-12-22 00:00:00 (290309 BC, as in DuckDB), to
// 294247-01-10 04:00:54.775807. Parsing, casts and arithmetic that leave
// it are errors (tsRangeError), never a wrap-around.
const (
	minTimestamp = -106751991 * microsPerDay
	maxTimestamp = math.MaxInt64
)

// timestampOf returns the timestamp days × 86400000000 + micros, and
// whether it lies in the TIMESTAMP range.
func timestampOf(days, micros int64) (int64, bool) {
	d, ok1 := MulInt64(days, microsPerDay)
	r, ok2 := AddInt64(d, micros)
	return r, ok1 && ok2 && r >= minTimestamp
}

// tsRangeError says that what (a value or an expression) leaves the
// TIMESTAMP range, and what the range is.
func tsRangeError(what string) error {
	return errorf(ErrOutOfRange, "%s is out of the TIMESTAMP range %s to %s", what,
		formatTimestamp(minTimestamp), formatTimestamp(maxTimestamp))
}

func parseUint(s string) (int64, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	var v int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	return v, true
}

// parseDate parses YYYY-MM-DD (leading/trailing spaces allowed).
func parseDate(s string) (int64, error) {
	t := strings.TrimSpace(s)
	days, rest, ok := parseDatePart(t)
	if !ok || rest != "" {
		return 0, errorf(ErrInvalidValue, "could not convert '%s' to DATE (want YYYY-MM-DD)", s)
	}
	return days, nil
}

func parseDatePart(t string) (int64, string, bool) {
	neg := false
	if strings.HasPrefix(t, "-") {
		neg = true
		t = t[1:]
	}
	i := strings.IndexByte(t, '-')
	if i < 1 {
		return 0, "", false
	}
	y, ok := parseUint(t[:i])
	if !ok {
		return 0, "", false
	}
	t = t[i+1:]
	j := strings.IndexByte(t, '-')
	if j < 1 || j > 2 {
		return 0, "", false
	}
	m, ok := parseUint(t[:j])
	if !ok || m < 1 || m > 12 {
		return 0, "", false
	}
	t = t[j+1:]
	k := 0
	for k < len(t) && k < 2 && t[k] >= '0' && t[k] <= '9' {
		k++
	}
	d, ok := parseUint(t[:k])
	if neg {
		y = -y
	}
	if !ok || d < 1 || int(d) > daysInMonth(y, int(m)) {
		return 0, "", false
	}
	return daysFromCivil(y, int(m), int(d)), t[k:], true
}

// parseTimestamp parses YYYY-MM-DD[( |T)HH:MM[:SS[.ffffff]]].
func parseTimestamp(s string) (int64, error) {
	bad := errorf(ErrInvalidValue, "could not convert '%s' to TIMESTAMP (want YYYY-MM-DD HH:MM:SS)", s)
	t := strings.TrimSpace(s)
	days, rest, ok := parseDatePart(t)
	if !ok {
		return 0, bad
	}
	var us int64 // the time of day
	if rest == "" {
		return checkedTimestamp(s, days, 0)
	}
	if rest[0] != ' ' && rest[0] != 'T' {
		return 0, bad
	}
	rest = strings.TrimLeft(rest[1:], " ")
	parts := strings.SplitN(rest, ":", 3)
	if len(parts) < 2 {
		return 0, bad
	}
	h, ok1 := parseUint(parts[0])
	mi, ok2 := parseUint(parts[1])
	if !ok1 || !ok2 || h > 23 || mi > 59 || len(parts[1]) != 2 {
		return 0, bad
	}
	us += h*microsPerHour + mi*microsPerMinute
	if len(parts) == 3 {
		sec := parts[2]
		frac := ""
		if i := strings.IndexByte(sec, '.'); i >= 0 {
			sec, frac = sec[:i], sec[i+1:]
		}
		sv, ok := parseUint(sec)
		if !ok || sv > 59 || len(sec) != 2 || len(frac) > 9 {
			return 0, bad
		}
		us += sv * microsPerSecond
		if frac != "" {
			f, ok := parseUint(frac)
			if !ok {
				return 0, bad
			}
			for i := len(frac); i < 6; i++ {
				f *= 10
			}
			for i := len(frac); i > 6; i-- {
				f /= 10
			}
			us += f
		}
	}
	return checkedTimestamp(s, days, us)
}

// checkedTimestamp is timestampOf for the parsed string s.
func checkedTimestamp(s string, days, tod int64) (int64, error) {
	us, ok := timestampOf(days, tod)
	if !ok {
		return 0, tsRangeError("TIMESTAMP '" + strings.TrimSpace(s) + "'")
	}
	return us, nil
}

func formatDate(days int64) string {
	y, m, d := civil(days)
	if y < 0 {
		return fmt.Sprintf("-%04d-%02d-%02d", -y, m, d)
	}
	return fmt.Sprintf("%04d-%02d-%02d", y, m, d)
}

// formatTimestamp renders YYYY-MM-DD HH:MM:SS[.ffffff] (fraction trimmed).
func formatTimestamp(us int64) string {
	days := floorDiv(us, microsPerDay)
	tod := us - days*microsPerDay
	s := formatDate(days) + fmt.Sprintf(" %02d:%02d:%02d", tod/microsPerHour, tod/microsPerMinute%60, tod/microsPerSecond%60)
	if f := tod % microsPerSecond; f != 0 {
		fs := strings.TrimRight(fmt.Sprintf("%06d", f), "0")
		s += "." + fs
	}
	return s
}
