package storage

import (
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

// checkDateFormat validates a pattern: it needs YYYY, MM and DD; time parts
// only in TIMESTAMP patterns.
func checkDateFormat(k Kind, format string) error {
	if !strings.Contains(format, "YYYY") || !strings.Contains(format, "MM") || !strings.Contains(format, "DD") {
		return fmt.Errorf("format %q needs YYYY, MM and DD", format)
	}
	if k == Date && (strings.Contains(format, "HH") || strings.Contains(format, "MI") || strings.Contains(format, "SS") || strings.Contains(format, "F")) {
		return fmt.Errorf("format %q has time parts but the field is a DATE (use TIMESTAMP)", format)
	}
	return nil
}

// dateParts collects the numbers read from a pattern.
type dateParts struct {
	year, month, day, hour, minute, second, micros int
}

// scanPattern matches b against format (see Field.Format). b is the field
// after trimming trailing padding; it must match the pattern exactly.
func scanPattern(b []byte, format string) (dateParts, error) {
	p := dateParts{month: 1, day: 1}
	i := 0
	for j := 0; j < len(format); {
		tok, n := patternToken(format[j:])
		if tok == "" {
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
		case "YYYY":
			p.year = v
		case "MM":
			p.month = v
		case "DD":
			p.day = v
		case "HH":
			p.hour = v
		case "MI":
			p.minute = v
		case "SS":
			p.second = v
		case "F":
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
	if p.month < 1 || p.month > 12 || p.day < 1 || p.day > daysIn(p.year, p.month) ||
		p.hour > 23 || p.minute > 59 || p.second > 59 {
		return p, errBadDateVal
	}
	return p, nil
}

// patternToken returns the token at the start of s and its length in
// characters, or "" for a literal character.
func patternToken(s string) (string, int) {
	for _, t := range [...]string{"YYYY", "MM", "DD", "HH", "MI", "SS"} {
		if strings.HasPrefix(s, t) {
			return t, len(t)
		}
	}
	if s[0] == 'F' {
		n := 1
		for n < len(s) && s[n] == 'F' {
			n++
		}
		return "F", n
	}
	return "", 1
}

// ParseTextDate parses a DATE field in the given pattern into days since
// 1970-01-01.
func ParseTextDate(b []byte, format string) (int32, error) {
	b = trimPad(b)
	if len(b) == 0 {
		return 0, errBlank
	}
	p, err := scanPattern(b, format)
	if err != nil {
		return 0, err
	}
	return DaysFromCivil(p.year, p.month, p.day), nil
}

// ParseTextTimestamp parses a TIMESTAMP field in the given pattern into
// microseconds since 1970-01-01 00:00:00 UTC.
func ParseTextTimestamp(b []byte, format string) (int64, error) {
	b = trimPad(b)
	if len(b) == 0 {
		return 0, errBlank
	}
	p, err := scanPattern(b, format)
	if err != nil {
		return 0, err
	}
	days := int64(DaysFromCivil(p.year, p.month, p.day))
	secs := days*86400 + int64(p.hour*3600+p.minute*60+p.second)
	return secs*1_000_000 + int64(p.micros), nil
}

// appendPattern renders a date/time in the pattern.
func appendPattern(dst []byte, format string, p dateParts) []byte {
	for j := 0; j < len(format); {
		tok, n := patternToken(format[j:])
		var v int
		switch tok {
		case "":
			dst = append(dst, format[j])
			j++
			continue
		case "YYYY":
			v = p.year
		case "MM":
			v = p.month
		case "DD":
			v = p.day
		case "HH":
			v = p.hour
		case "MI":
			v = p.minute
		case "SS":
			v = p.second
		case "F":
			v = p.micros
			for k := n; k < 6; k++ {
				v /= 10
			}
		}
		dst = appendZeroPadded(dst, v, n)
		j += n
	}
	return dst
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
