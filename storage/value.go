package storage

import (
	"fmt"
	"strconv"
	"time"

	"github.com/apache/arrow/go/v17/arrow/decimal128"
)

// Go values of fields, as DecodeField returns them and EncodeField accepts
// them:
//
//	NULL              nil
//	BOOLEAN           bool
//	INT8..INT64       int64
//	UINT8..UINT64     uint64
//	FLOAT32, FLOAT64  float64
//	DECIMAL(p,s)      DecimalValue (p <= 18), WideDecimalValue (p > 18)
//	CHAR(n)           string
//	DATE              DateValue
//	TIMESTAMP         TimestampValue
//
// EncodeField also accepts the other Go integer and float types, string for
// DECIMAL ("123.45"), and time.Time for DATE and TIMESTAMP.

// DecimalValue is an exact decimal: Unscaled × 10^-Scale.
type DecimalValue struct {
	Unscaled int64
	Scale    int
}

// String renders the value with exactly Scale digits after the point.
func (d DecimalValue) String() string { return string(AppendDecimal(nil, d.Unscaled, d.Scale)) }

// AppendDecimal appends unscaled × 10^-scale with exactly scale fraction
// digits ("-0.05", "123.40").
func AppendDecimal(dst []byte, unscaled int64, scale int) []byte {
	u := uint64(unscaled)
	if unscaled < 0 {
		dst = append(dst, '-')
		u = uint64(-unscaled)
	}
	var buf [24]byte
	s := strconv.AppendUint(buf[:0], u, 10)
	if scale == 0 {
		return append(dst, s...)
	}
	for len(s) <= scale {
		s = append([]byte{'0'}, s...)
	}
	dst = append(dst, s[:len(s)-scale]...)
	dst = append(dst, '.')
	return append(dst, s[len(s)-scale:]...)
}

// WideDecimalValue is an exact decimal of up to 38 digits (packed and
// zoned fields of DECIMAL(19..38, s)): Num × 10^-Scale.
type WideDecimalValue struct {
	Num   decimal128.Num
	Scale int
}

// String renders the value with exactly Scale digits after the point.
func (d WideDecimalValue) String() string {
	mag, neg := fromNum(d.Num)
	var buf [MaxWideDecimalPrecision + 1]byte
	i := len(buf)
	for {
		q, r := mag.divmod10()
		i--
		buf[i] = byte('0' + r)
		mag = q
		if mag.isZero() && len(buf)-i > d.Scale {
			break
		}
	}
	digits := buf[i:]
	var out []byte
	if neg {
		out = append(out, '-')
	}
	out = append(out, digits[:len(digits)-d.Scale]...)
	if d.Scale > 0 {
		out = append(out, '.')
		out = append(out, digits[len(digits)-d.Scale:]...)
	}
	return string(out)
}

// DateValue is a date as days since 1970-01-01.
type DateValue int32

// String renders YYYY-MM-DD.
func (d DateValue) String() string {
	y, m, dd := CivilFromDays(int32(d))
	return fmt.Sprintf("%04d-%02d-%02d", y, m, dd)
}

// Time returns midnight UTC of the date.
func (d DateValue) Time() time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

// TimestampValue is microseconds since 1970-01-01 00:00:00 UTC.
type TimestampValue int64

// String renders YYYY-MM-DD HH:MM:SS[.ffffff] (fraction only when non-zero).
func (t TimestampValue) String() string {
	p := timestampParts(int64(t))
	s := fmt.Sprintf("%04d-%02d-%02d %02d:%02d:%02d", p.year, p.month, p.day, p.hour, p.minute, p.second)
	if p.micros != 0 {
		s += fmt.Sprintf(".%06d", p.micros)
	}
	return s
}

// Time returns the instant in UTC.
func (t TimestampValue) Time() time.Time { return time.UnixMicro(int64(t)).UTC() }

// DateOf returns the DateValue of t's calendar date in t's location.
func DateOf(t time.Time) DateValue {
	y, m, d := t.Date()
	return DateValue(DaysFromCivil(y, int(m), d))
}

// TimestampOf returns the TimestampValue of t.
func TimestampOf(t time.Time) TimestampValue { return TimestampValue(t.UnixMicro()) }
