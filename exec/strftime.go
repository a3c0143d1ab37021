package exec

import (
	"fmt"
	"strconv"
	"strings"
)

// strftime / strptime format codes, as DuckDB's (which follow C's):
//
//	%a %A   weekday name, abbreviated / full      %w  weekday 0 (Sunday) .. 6
//	%u      ISO weekday 1 (Monday) .. 7            %d  day of month, 01 .. 31
//	%b %h %B month name, abbreviated / full        %m  month 01 .. 12
//	%y      year within century, 00 .. 99          %Y  year
//	%H      hour 00 .. 23                          %I  hour 01 .. 12
//	%p      AM / PM                                %M  minute 00 .. 59
//	%S      second 00 .. 59                        %f  microseconds, 6 digits
//	%g      milliseconds, 3 digits                 %n  nanoseconds, 9 digits
//	%j      day of year 001 .. 366                 %U  week of year, Sunday first
//	%W      week of year, Monday first             %V  ISO 8601 week
//	%G      ISO 8601 year                          %z  UTC offset (+00 in output)
//	%Z      time zone name (empty in output)       %T  %H:%M:%S
//	%D      %m/%d/%y                               %F  %Y-%m-%d
//	%x      %Y-%m-%d (DuckDB's %x)                 %X  %H:%M:%S
//	%c      %Y-%m-%d %H:%M:%S                      %%  a percent sign
//
// A '-' after '%' (%-d, %-m, %-H, ...) drops the leading zeros.

var (
	dayNames   = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	monthNames = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
)

// strfItem is one piece of a parsed format: literal text or a code.
type strfItem struct {
	lit    string
	code   byte
	noPad  bool
	spaces bool // a run of white space (strptime: any amount, even none)
}

const strfCodes = "aAwudbhBmyYHIpMSfgnjUWVGzZ%"

// parseStrf parses a strftime/strptime format string; the composite codes
// (%T %D %F %x %X %c) are expanded.
func parseStrf(f string) ([]strfItem, error) {
	var out []strfItem
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			out = append(out, strfItem{lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c == ' ' || c == '\t' || c == '\n' {
			flush()
			for i+1 < len(f) && (f[i+1] == ' ' || f[i+1] == '\t' || f[i+1] == '\n') {
				i++
			}
			out = append(out, strfItem{lit: " ", spaces: true})
			continue
		}
		if c != '%' {
			lit.WriteByte(c)
			continue
		}
		if i+1 >= len(f) {
			return nil, fmt.Errorf("the format ends with a lone '%%' (write %%%% for a percent sign)")
		}
		i++
		noPad := false
		if f[i] == '-' {
			noPad = true
			if i+1 >= len(f) {
				return nil, fmt.Errorf("the format ends with '%%-'")
			}
			i++
		}
		code := f[i]
		if exp, ok := map[byte]string{'T': "%H:%M:%S", 'D': "%m/%d/%y", 'F': "%Y-%m-%d", 'x': "%Y-%m-%d", 'X': "%H:%M:%S", 'c': "%Y-%m-%d %H:%M:%S"}[code]; ok && !noPad {
			flush()
			sub, _ := parseStrf(exp)
			out = append(out, sub...)
			continue
		}
		if code == '%' {
			lit.WriteByte('%')
			continue
		}
		if !strings.ContainsRune(strfCodes, rune(code)) {
			return nil, fmt.Errorf("unknown format code '%%%c' at character %d (see the strftime codes in docs/sql.md)", code, i)
		}
		flush()
		out = append(out, strfItem{code: code, noPad: noPad})
	}
	flush()
	return out, nil
}

// appendStrf formats timestamp us (microseconds since 1970) by items.
func appendStrf(dst []byte, items []strfItem, us int64) []byte {
	days := floorDiv(us, microsPerDay)
	tod := us - days*microsPerDay
	y, m, d := civil(days)
	num := func(v int64, width int, noPad bool) {
		if noPad || width == 0 {
			dst = strconv.AppendInt(dst, v, 10)
			return
		}
		if v < 0 {
			dst = append(dst, '-')
			v = -v
		}
		s := strconv.FormatInt(v, 10)
		for k := len(s); k < width; k++ {
			dst = append(dst, '0')
		}
		dst = append(dst, s...)
	}
	for _, it := range items {
		if it.code == 0 {
			dst = append(dst, it.lit...)
			continue
		}
		switch it.code {
		case 'a':
			dst = append(dst, dayNames[dayOfWeek(days)][:3]...)
		case 'A':
			dst = append(dst, dayNames[dayOfWeek(days)]...)
		case 'w':
			num(dayOfWeek(days), 0, true)
		case 'u':
			num(datePart("isodow", days), 0, true)
		case 'd':
			num(int64(d), 2, it.noPad)
		case 'b', 'h':
			dst = append(dst, monthNames[m-1][:3]...)
		case 'B':
			dst = append(dst, monthNames[m-1]...)
		case 'm':
			num(int64(m), 2, it.noPad)
		case 'y':
			num(((y%100)+100)%100, 2, it.noPad)
		case 'Y':
			num(y, 4, it.noPad)
		case 'G':
			wd := (dayOfWeek(days) + 6) % 7
			gy, _, _ := civil(days - wd + 3)
			num(gy, 4, it.noPad)
		case 'H':
			num(tod/microsPerHour, 2, it.noPad)
		case 'I':
			h := tod / microsPerHour % 12
			if h == 0 {
				h = 12
			}
			num(h, 2, it.noPad)
		case 'p':
			if tod < 12*microsPerHour {
				dst = append(dst, "AM"...)
			} else {
				dst = append(dst, "PM"...)
			}
		case 'M':
			num(tod/microsPerMinute%60, 2, it.noPad)
		case 'S':
			num(tod/microsPerSecond%60, 2, it.noPad)
		case 'f':
			num(tod%microsPerSecond, 6, false)
		case 'g':
			num(tod%microsPerSecond/1000, 3, false)
		case 'n':
			num(tod%microsPerSecond*1000, 9, false)
		case 'j':
			num(dayOfYear(days), 3, it.noPad)
		case 'U':
			num((dayOfYear(days)+6-dayOfWeek(days))/7, 2, it.noPad)
		case 'W':
			num((dayOfYear(days)+6-(dayOfWeek(days)+6)%7)/7, 2, it.noPad)
		case 'V':
			num(isoWeek(days), 2, it.noPad)
		case 'z':
			dst = append(dst, "+00"...)
		case 'Z':
		}
	}
	return dst
}

// parseStrp reads s by items into a timestamp (microseconds since 1970).
func parseStrp(s string, items []strfItem) (int64, error) {
	var (
		year           int64 = 1900
		month, day           = 1, 1
		hour, min, sec int64
		frac           int64 // microseconds
		pm, hasPM, h12 bool
		doy            int64 = -1
		offset         int64 // seconds east of UTC
		century2       = false
		pos            = 0
	)
	fail := func(what string) (int64, error) {
		return 0, fmt.Errorf("%s at character %d of %q", what, pos+1, s)
	}
	digits := func(maxLen int, signed bool) (int64, bool) {
		start := pos
		neg := false
		if signed && pos < len(s) && (s[pos] == '-' || s[pos] == '+') {
			neg = s[pos] == '-'
			pos++
		}
		ds := pos
		for pos < len(s) && pos-ds < maxLen && s[pos] >= '0' && s[pos] <= '9' {
			pos++
		}
		if pos == ds {
			pos = start
			return 0, false
		}
		v, _ := strconv.ParseInt(s[ds:pos], 10, 64)
		if neg {
			v = -v
		}
		return v, true
	}
	name := func(names []string) (int, bool) {
		for k, n := range names {
			for _, cand := range []string{n, n[:3]} {
				if len(s)-pos >= len(cand) && strings.EqualFold(s[pos:pos+len(cand)], cand) {
					pos += len(cand)
					return k, true
				}
			}
		}
		return 0, false
	}
	for k, it := range items {
		if it.code == 0 {
			if it.spaces {
				for pos < len(s) && (s[pos] == ' ' || s[pos] == '\t' || s[pos] == '\n') {
					pos++
				}
				continue
			}
			if !strings.HasPrefix(s[pos:], it.lit) {
				return fail(fmt.Sprintf("expected %q", it.lit))
			}
			pos += len(it.lit)
			continue
		}
		var v int64
		ok := true
		switch it.code {
		case 'a', 'A':
			_, ok = name(dayNames)
		case 'w', 'u':
			_, ok = digits(1, false)
		case 'd':
			v, ok = digits(2, false)
			day = int(v)
		case 'b', 'h', 'B':
			var k int
			k, ok = name(monthNames)
			month = k + 1
		case 'm':
			v, ok = digits(2, false)
			month = int(v)
		case 'y':
			v, ok = digits(2, false)
			year, century2 = v, true
		case 'Y', 'G':
			// up to 4 digits when another code follows directly (%Y%m%d)
			n := 9
			if k+1 < len(items) && items[k+1].code != 0 {
				n = 4
			}
			year, ok = digits(n, true)
		case 'H':
			hour, ok = digits(2, false)
		case 'I':
			hour, ok = digits(2, false)
			h12 = true
		case 'p':
			switch {
			case len(s)-pos >= 2 && strings.EqualFold(s[pos:pos+2], "AM"):
				hasPM = true
			case len(s)-pos >= 2 && strings.EqualFold(s[pos:pos+2], "PM"):
				hasPM, pm = true, true
			default:
				ok = false
			}
			if ok {
				pos += 2
			}
		case 'M':
			min, ok = digits(2, false)
		case 'S':
			sec, ok = digits(2, false)
		case 'f', 'g', 'n':
			n := map[byte]int{'f': 6, 'g': 3, 'n': 9}[it.code]
			start := pos
			v, ok = digits(n, false)
			if ok {
				for k := pos - start; k < 6; k++ {
					v *= 10
				}
				for k := pos - start; k > 6; k-- {
					v /= 10
				}
				frac = v
			}
		case 'j':
			doy, ok = digits(3, false)
		case 'U', 'W', 'V':
			_, ok = digits(2, false)
		case 'z':
			if pos < len(s) && (s[pos] == 'Z' || s[pos] == 'z') {
				pos++
				break
			}
			if pos >= len(s) || (s[pos] != '+' && s[pos] != '-') {
				ok = false
				break
			}
			neg := s[pos] == '-'
			pos++
			var h, mm int64
			h, ok = digits(2, false)
			if ok && pos < len(s) && s[pos] == ':' {
				pos++
			}
			if ok {
				mm, _ = digits(2, false)
				offset = h*3600 + mm*60
				if neg {
					offset = -offset
				}
			}
		case 'Z':
			for pos < len(s) && (s[pos] >= 'A' && s[pos] <= 'Z' || s[pos] >= 'a' && s[pos] <= 'z' || s[pos] == '_' || s[pos] == '/') {
				pos++
			}
		}
		if !ok {
			return fail(fmt.Sprintf("expected %s for %%%c", strfWhat(it.code), it.code))
		}
	}
	if pos != len(s) {
		return fail("unexpected trailing text")
	}
	if century2 {
		if year < 69 {
			year += 2000
		} else {
			year += 1900
		}
	}
	if h12 || hasPM {
		if hour < 1 || hour > 12 {
			return 0, fmt.Errorf("hour %d is not a 12-hour clock hour (1 to 12) in %q", hour, s)
		}
		hour %= 12
		if pm {
			hour += 12
		}
	}
	var days int64
	if doy >= 0 {
		if doy < 1 || doy > 365+map[bool]int64{true: 1, false: 0}[isLeap(year)] {
			return 0, fmt.Errorf("day of year %d does not exist in %d (%q)", doy, year, s)
		}
		days = daysFromCivil(year, 1, 1) + doy - 1
	} else {
		if month < 1 || month > 12 {
			return 0, fmt.Errorf("month %d does not exist (%q)", month, s)
		}
		if day < 1 || day > daysInMonth(year, month) {
			return 0, fmt.Errorf("day %d does not exist in %04d-%02d (%q)", day, year, month, s)
		}
		days = daysFromCivil(year, month, day)
	}
	if hour > 23 || min > 59 || sec > 59 {
		return 0, fmt.Errorf("time %02d:%02d:%02d does not exist (%q)", hour, min, sec, s)
	}
	tod := hour*microsPerHour + min*microsPerMinute + sec*microsPerSecond + frac - offset*microsPerSecond
	r, ok := timestampOf(days, tod)
	if !ok {
		return 0, tsRangeError(fmt.Sprintf("%q", s))
	}
	return r, nil
}

func strfWhat(c byte) string {
	switch c {
	case 'a', 'A':
		return "a weekday name"
	case 'b', 'h', 'B':
		return "a month name"
	case 'p':
		return "AM or PM"
	case 'z':
		return "a UTC offset such as +02:00"
	}
	return "a number"
}
