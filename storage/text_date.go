package storage

import (
	"cmp"
	"fmt"
	"strings"
)

// Default text patterns for DATE and TIMESTAMP fields.
const (
	DefaultDateFormat      = "YYYY-MM-DD"
	DefaultTimestampFormat = "YYYY-MM-DD HH:MI:SS"
)

// effectiveFormat is the field's pattern, or the default for its kind.
func effectiveFormat(f *Field) string {
	if f.Format != "" {
		return f.Format
	}
	if f.Type.Kind == Timestamp {
		return DefaultTimestampFormat
	}
	return DefaultDateFormat
}

// EffectiveFormat is the text pattern a DATE or TIMESTAMP field is read
// and written with.
func (f *Field) EffectiveFormat() string { return effectiveFormat(f) }

// DefaultYearStart is the first year of the default two-digit-year window:
// YY 69-99 read as 1969-1999 and 00-68 as 2000-2068, as POSIX strptime's %y.
const DefaultYearStart = 1969

// fullYear places a two-digit year in the 100-year window starting at
// start (0: DefaultYearStart).
func fullYear(yy, start int) int {
	if start == 0 {
		start = DefaultYearStart
	}
	y := start - start%100 + yy
	if y < start {
		y += 100
	}
	return y
}

// Pattern tokens.
const (
	tokLiteral = iota
	tokYear4   // YYYY
	tokYear2   // YY
	tokMonth   // MM
	tokDay     // DD
	tokYearDay // DDD, day of the year 1..366 (Julian dates: YYDDD, YYYYDDD)
	tokHour    // HH
	tokMinute  // MI, or MM right after HH
	tokSecond  // SS
	tokFrac    // F, FF, ... (fraction digits)
)

// patternToken returns the token at format[j:] and its length in
// characters. MM means minutes when it follows HH directly or after one
// separator (HHMM, HH:MM, YYYYMMDDHHMMSS), else the month.
func patternToken(format string, j int) (tok, n int) {
	s := format[j:]
	switch {
	case strings.HasPrefix(s, "YYYY"):
		return tokYear4, 4
	case strings.HasPrefix(s, "YY"):
		return tokYear2, 2
	case strings.HasPrefix(s, "DDD"):
		return tokYearDay, 3
	case strings.HasPrefix(s, "DD"):
		return tokDay, 2
	case strings.HasPrefix(s, "MM"):
		before := format[:j]
		if strings.HasSuffix(before, "HH") || (len(before) >= 3 && strings.HasSuffix(before[:len(before)-1], "HH") && !isPatternLetter(before[len(before)-1])) {
			return tokMinute, 2
		}
		return tokMonth, 2
	case strings.HasPrefix(s, "HH"):
		return tokHour, 2
	case strings.HasPrefix(s, "MI"):
		return tokMinute, 2
	case strings.HasPrefix(s, "SS"):
		return tokSecond, 2
	case s[0] == 'F':
		n := 1
		for n < len(s) && s[n] == 'F' {
			n++
		}
		return tokFrac, n
	}
	return tokLiteral, 1
}

func isPatternLetter(c byte) bool { return c >= 'A' && c <= 'Z' }

// checkDateFormat validates a pattern: a DATE needs a year (YYYY or YY)
// and either MM and DD or DDD; a TIMESTAMP needs the same date parts, or
// none at all (a time of day, as in HHMMSS, reads as that time on
// 1970-01-01), and then at least HH. Each part appears at most once.
func checkDateFormat(k Kind, format string) error {
	var count [tokFrac + 1]int
	for j := 0; j < len(format); {
		tok, n := patternToken(format, j)
		count[tok]++
		j += n
	}
	for tok := tokYear4; tok <= tokFrac; tok++ {
		if count[tok] > 1 {
			return fmt.Errorf("format %q repeats a part", format)
		}
	}
	if count[tokYear4]+count[tokYear2] > 1 {
		return fmt.Errorf("format %q repeats a part (the year)", format)
	}
	year := count[tokYear4]+count[tokYear2] == 1
	monthDay := count[tokMonth] == 1 && count[tokDay] == 1 && count[tokYearDay] == 0
	yearDay := count[tokYearDay] == 1 && count[tokMonth] == 0 && count[tokDay] == 0
	anyDate := count[tokYear4]+count[tokYear2]+count[tokMonth]+count[tokDay]+count[tokYearDay] > 0
	anyTime := count[tokHour]+count[tokMinute]+count[tokSecond]+count[tokFrac] > 0
	if k == Date && anyTime {
		return fmt.Errorf("format %q has time parts but the field is a DATE (use TIMESTAMP)", format)
	}
	if anyDate || k == Date {
		if !year || !(monthDay || yearDay) {
			return fmt.Errorf("format %q needs a year (YYYY or YY) and MM and DD, or DDD (day of the year)", format)
		}
		return nil
	}
	if count[tokHour] == 0 {
		return fmt.Errorf("format %q has no date parts and no HH: a time of day needs at least HH", format)
	}
	return nil
}

// dateParts collects the numbers read from a pattern.
type dateParts struct {
	year, month, day, yearDay, hour, minute, second, micros int
}

// scanPattern matches b against format (see Field.Format). b is the field
// after trimming padding; it must match the pattern exactly. Two-digit
// years are placed in the window starting at yearStart.
func scanPattern(b []byte, format string, yearStart int) (dateParts, error) {
	p := dateParts{year: 1970, month: 1, day: 1}
	i := 0
	for j := 0; j < len(format); {
		tok, n := patternToken(format, j)
		if tok == tokLiteral {
			if i >= len(b) || b[i] != format[j] {
				return p, errBadDate
			}
			i++
			j++
			continue
		}
		if i+n > len(b) {
			return p, errBadDate
		}
		v := 0
		for _, c := range b[i : i+n] {
			if c < '0' || c > '9' {
				return p, errBadDate
			}
			v = v*10 + int(c-'0')
		}
		switch tok {
		case tokYear4:
			p.year = v
		case tokYear2:
			p.year = fullYear(v, yearStart)
		case tokMonth:
			p.month = v
		case tokDay:
			p.day = v
		case tokYearDay:
			p.yearDay = v
		case tokHour:
			p.hour = v
		case tokMinute:
			p.minute = v
		case tokSecond:
			p.second = v
		case tokFrac:
			for k := n; k < 6; k++ {
				v *= 10
			}
			for k := n; k > 6; k-- {
				v /= 10
			}
			p.micros = v
		}
		i += n
		j += n
	}
	if i != len(b) {
		return p, errBadDate
	}
	if p.yearDay != 0 {
		days := 365
		if isLeap(p.year) {
			days = 366
		}
		if p.yearDay > days {
			return p, errBadDateVal
		}
		p.month, p.day = monthDayOf(p.year, p.yearDay)
	} else if strings.Contains(format, "DDD") {
		return p, errBadDateVal // day 000
	}
	if p.month < 1 || p.month > 12 || p.day < 1 || p.day > daysIn(p.year, p.month) ||
		p.hour > 23 || p.minute > 59 || p.second > 59 {
		return p, errBadDateVal
	}
	return p, nil
}

// monthDayOf converts a day of the year (1-based) to month and day.
func monthDayOf(year, yearDay int) (month, day int) {
	month = 1
	for yearDay > daysIn(year, month) {
		yearDay -= daysIn(year, month)
		month++
	}
	return month, yearDay
}

// ParseTextDate parses a DATE field in the given pattern into days since
// 1970-01-01; yearStart is the two-digit-year window (0: the default).
func ParseTextDate(b []byte, format string, yearStart int) (int32, error) {
	b = trimPad(b)
	if len(b) == 0 {
		return 0, errBlank
	}
	p, err := scanPattern(b, format, yearStart)
	if err != nil {
		return 0, err
	}
	return DaysFromCivil(p.year, p.month, p.day), nil
}

// ParseTextTimestamp parses a TIMESTAMP field in the given pattern into
// microseconds since 1970-01-01 00:00:00 UTC; yearStart as for
// ParseTextDate.
func ParseTextTimestamp(b []byte, format string, yearStart int) (int64, error) {
	b = trimPad(b)
	if len(b) == 0 {
		return 0, errBlank
	}
	p, err := scanPattern(b, format, yearStart)
	if err != nil {
		return 0, err
	}
	days := int64(DaysFromCivil(p.year, p.month, p.day))
	secs := days*86400 + int64(p.hour*3600+p.minute*60+p.second)
	return secs*1_000_000 + int64(p.micros), nil
}

// appendPattern renders a date/time in the pattern. A year outside the
// two-digit window of a YY pattern, or a date in a time-only pattern
// other than 1970-01-01, cannot be written.
func appendPattern(dst []byte, format string, p dateParts, yearStart int) ([]byte, error) {
	hasDate := false
	for j := 0; j < len(format); {
		tok, n := patternToken(format, j)
		var v int
		switch tok {
		case tokLiteral:
			dst = append(dst, format[j])
			j++
			continue
		case tokYear4:
			v, hasDate = p.year, true
		case tokYear2:
			hasDate = true
			v = p.year % 100
			if v < 0 || fullYear(v, yearStart) != p.year {
				return dst, fmt.Errorf("year %d is outside the two-digit-year window starting at %d", p.year, cmp.Or(yearStart, DefaultYearStart))
			}
		case tokMonth:
			v = p.month
		case tokDay:
			v = p.day
		case tokYearDay:
			v = int(DaysFromCivil(p.year, p.month, p.day)-DaysFromCivil(p.year, 1, 1)) + 1
		case tokHour:
			v = p.hour
		case tokMinute:
			v = p.minute
		case tokSecond:
			v = p.second
		case tokFrac:
			v = p.micros
			for k := n; k < 6; k++ {
				v /= 10
			}
		}
		dst = appendZeroPadded(dst, v, n)
		j += n
	}
	if !hasDate && (p.year != 1970 || p.month != 1 || p.day != 1) {
		return dst, fmt.Errorf("format %q holds a time of day only; the value's date is not 1970-01-01", format)
	}
	return dst, nil
}

func appendZeroPadded(dst []byte, v, width int) []byte {
	var buf [20]byte
	i := len(buf)
	for k := 0; k < width || v > 0; k++ {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
		if i == 0 {
			break
		}
	}
	return append(dst, buf[i:]...)
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(y, m int) int {
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

// DaysFromCivil converts a proleptic Gregorian date to days since
// 1970-01-01 (Howard Hinnant's algorithm; no allocation, no time package).
func DaysFromCivil(y, m, d int) int32 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int32(era*146097 + doe - 719468)
}

// CivilFromDays converts days since 1970-01-01 to year, month, day.
func CivilFromDays(days int32) (y, m, d int) {
	z := int(days) + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	if mp < 10 {
		m = mp + 3
	} else {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return
}

// timestampParts splits microseconds since the epoch into calendar parts.
func timestampParts(us int64) dateParts {
	days := us / 86_400_000_000
	rem := us % 86_400_000_000
	if rem < 0 {
		rem += 86_400_000_000
		days--
	}
	y, m, d := CivilFromDays(int32(days))
	secs := rem / 1_000_000
	return dateParts{year: y, month: m, day: d,
		hour: int(secs / 3600), minute: int(secs / 60 % 60), second: int(secs % 60), micros: int(rem % 1_000_000)}
}
