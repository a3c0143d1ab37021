package csvfile

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/recq/recq/storage"
)

// A column's values are parsed with storage's text parsers (the ones
// fixed-width text fields use), so a CSV value and a text field with the
// same characters read the same. Sniffing accepts a value for a type only
// in the type's plain spelling (true/false, 42, 4.2e1, 2024-07-01,
// 2024-07-01 12:00:00): every value the sniffer accepts, the reader reads.

// sniffOrder is the order in which the sniffer tries types, narrowest
// first (DuckDB's auto_type_candidates, without TIME): a column takes the
// first type all its sampled values fit (so 1 and true make VARCHAR, 1
// and 1.5 DOUBLE, a date and a timestamp TIMESTAMP).
var sniffOrder = []storage.Kind{storage.Boolean, storage.Int64, storage.Float64, storage.Date, storage.Timestamp, storage.Char}

// fits reports whether the sniffer accepts text (trimmed, not empty) as
// a value of kind k.
func fits(k storage.Kind, b []byte) bool {
	switch k {
	case storage.Boolean:
		switch strings.ToLower(string(b)) {
		case "true", "false", "t", "f":
			return true
		}
		return false
	case storage.Int64:
		d := b
		if len(d) > 0 && (d[0] == '-' || d[0] == '+') {
			d = d[1:]
		}
		if len(d) == 0 || len(d) > 19 {
			return false
		}
		for _, c := range d {
			if c < '0' || c > '9' {
				return false
			}
		}
		_, err := strconv.ParseInt(string(b), 10, 64)
		return err == nil
	case storage.Float64:
		if len(b) == 0 || !(b[0] == '-' || b[0] == '+' || b[0] == '.' || (b[0] >= '0' && b[0] <= '9')) {
			return false // no inf, nan or hexadecimal: those stay text
		}
		if bytes.ContainsAny(b, "xX_") {
			return false
		}
		_, err := strconv.ParseFloat(string(b), 64)
		return err == nil
	case storage.Date:
		if len(b) != 10 {
			return false
		}
		_, err := storage.ParseTextDate(b, storage.DefaultDateFormat, 0)
		return err == nil
	case storage.Timestamp:
		if len(b) == 10 {
			return fits(storage.Date, b) // a date is its midnight
		}
		if len(b) < 19 {
			return false
		}
		_, err := storage.ParseTextTimestamp(b, timestampFormat(b), 0)
		return err == nil
	}
	return true
}

// timestampFormat is the pattern of an ISO timestamp's text: a 'T' or a
// space between date and time, and a fraction of seconds when present.
func timestampFormat(b []byte) string {
	format := storage.DefaultTimestampFormat
	if len(b) > 10 && b[10] == 'T' {
		format = "YYYY-MM-DDTHH:MI:SS"
	}
	if len(b) > 20 && b[19] == '.' {
		format += "." + strings.Repeat("F", min(len(b)-20, 9))
	}
	return format
}

// parse converts one value's text to column type t: int64, uint64,
// float64, bool, int32 (DATE, days), int64 (TIMESTAMP, microseconds),
// int64 (DECIMAL, unscaled) or string.
func parse(t storage.Type, s string) (any, error) {
	if t.Kind == storage.Char {
		return s, nil
	}
	b := bytes.TrimSpace([]byte(s))
	switch {
	case t.Kind == storage.Boolean:
		return storage.ParseTextBool(b)
	case t.IsSigned():
		return storage.ParseTextInt(b, t.BinaryWidth()*8)
	case t.IsInteger():
		return storage.ParseTextUint(b, t.BinaryWidth()*8)
	case t.IsFloat():
		return storage.ParseTextFloat(b, t.BinaryWidth()*8, 0)
	case t.Kind == storage.Decimal:
		return storage.ParseTextDecimal(b, t.Precision, t.Scale, 0)
	case t.Kind == storage.Date:
		return storage.ParseTextDate(b, storage.DefaultDateFormat, 0)
	case t.Kind == storage.Timestamp:
		if len(b) == 10 {
			d, err := storage.ParseTextDate(b, storage.DefaultDateFormat, 0)
			return int64(d) * 86_400_000_000, err
		}
		return storage.ParseTextTimestamp(b, timestampFormat(b), 0)
	}
	return nil, fmt.Errorf("a CSV column cannot have type %s", t)
}

// TypeName is a column type as SQL writes it (VARCHAR for text).
func TypeName(t storage.Type) string {
	if t.Kind == storage.Char {
		return "VARCHAR"
	}
	return t.String()
}

// ParseType parses a column type as columns => {...} gives it: any type
// recq knows (BIGINT, DOUBLE, DECIMAL(12,2), DATE, ...); VARCHAR, TEXT and
// CHAR take no length (CSV text has none).
func ParseType(s string) (storage.Type, error) {
	name, params, ok := strings.Cut(strings.TrimSpace(s), "(")
	name = strings.TrimSpace(name)
	var nums []int
	if ok {
		inner, rest, closed := strings.Cut(params, ")")
		if !closed || strings.TrimSpace(rest) != "" {
			return storage.Type{}, fmt.Errorf("type %q: parameters are written TYPE(a) or TYPE(a, b)", s)
		}
		for _, p := range strings.Split(inner, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(p))
			if err != nil {
				return storage.Type{}, fmt.Errorf("type %q: %q is not a whole number", s, strings.TrimSpace(p))
			}
			nums = append(nums, n)
		}
	}
	switch strings.ToUpper(name) {
	case "CHAR", "CHARACTER", "VARCHAR", "TEXT", "STRING":
		return storage.Type{Kind: storage.Char}, nil
	}
	t, err := storage.ParseType(name, nums...)
	if err != nil {
		return storage.Type{}, err
	}
	return t, nil
}
