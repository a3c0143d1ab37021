package exec

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
)

// Interval is the value of an INTERVAL literal: a number of months, days
// and microseconds, applied in that order (months first, clamping the day
// to the end of the month). Its Arrow type is IntervalType.
type Interval struct {
	Months int32
	Days   int32
	Micros int64
}

// intervalUnits are the INTERVAL units: months, days or microseconds per
// unit.
var intervalUnits = map[string]struct{ months, days, micros int64 }{
	"YEAR": {months: 12}, "QUARTER": {months: 3}, "MONTH": {months: 1},
	"WEEK": {days: 7}, "DAY": {days: 1},
	"HOUR": {micros: 3600_000_000}, "MINUTE": {micros: 60_000_000}, "SECOND": {micros: 1_000_000},
	"MILLISECOND": {micros: 1000}, "MICROSECOND": {micros: 1},
}

// NewInterval is the interval of k units (YEAR, QUARTER, MONTH, WEEK,
// DAY, HOUR, MINUTE, SECOND, MILLISECOND, MICROSECOND; plurals too).
// Months and days must fit 32 bits.
func NewInterval(k int64, unit string) (Interval, error) {
	u := strings.TrimSuffix(strings.ToUpper(unit), "S")
	f, ok := intervalUnits[u]
	if !ok {
		return Interval{}, fmt.Errorf("unknown interval unit %s; expected YEAR, QUARTER, MONTH, WEEK, DAY, HOUR, MINUTE, SECOND, MILLISECOND or MICROSECOND", unit)
	}
	m, ok1 := MulInt64(k, f.months)
	d, ok2 := MulInt64(k, f.days)
	us, ok3 := MulInt64(k, f.micros)
	if !ok1 || !ok2 || !ok3 || m != int64(int32(m)) || d != int64(int32(d)) || !intervalMicrosFit(us) {
		return Interval{}, fmt.Errorf("INTERVAL %d %s is out of range", k, u)
	}
	return Interval{Months: int32(m), Days: int32(d), Micros: us}, nil
}

// intervalMicrosFit reports whether a microsecond count fits an interval
// (Arrow stores nanoseconds in 64 bits: about ±106,751 days).
func intervalMicrosFit(us int64) bool {
	return us <= math.MaxInt64/1000 && us >= math.MinInt64/1000
}

// String renders the interval as DuckDB does: years and months, days, then
// the time part as [-]HH:MM:SS[.ffffff], each part with its own sign, e.g.
// "1 year 2 months 3 days 04:05:06" or "-1 year -1 month"; the empty
// interval is "00:00:00".
func (iv Interval) String() string {
	var b []byte
	add := func(n int64, unit string) {
		if n == 0 {
			return
		}
		if len(b) > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendInt(b, n, 10)
		b = append(b, ' ')
		b = append(b, unit...)
		if n != 1 && n != -1 {
			b = append(b, 's')
		}
	}
	add(int64(iv.Months)/12, "year")
	add(int64(iv.Months)%12, "month")
	add(int64(iv.Days), "day")
	if iv.Micros != 0 || len(b) == 0 {
		if len(b) > 0 {
			b = append(b, ' ')
		}
		b = appendClock(b, iv.Micros)
	}
	return string(b)
}

// appendClock appends a microsecond count as [-]HH:MM:SS[.ffffff]; the hours
// grow past 24 as needed (an interval's time part is not a time of day).
func appendClock(b []byte, micros int64) []byte {
	u := uint64(micros)
	if micros < 0 {
		b = append(b, '-')
		u = uint64(-(micros + 1)) + 1 // also right for math.MinInt64
	}
	frac := u % 1_000_000
	secs := u / 1_000_000
	two := func(n uint64) {
		b = append(b, byte('0'+n/10), byte('0'+n%10))
	}
	if h := secs / 3600; h < 10 {
		b = append(b, '0', byte('0'+h))
	} else {
		b = strconv.AppendUint(b, h, 10)
	}
	b = append(b, ':')
	two(secs / 60 % 60)
	b = append(b, ':')
	two(secs % 60)
	if frac != 0 {
		f := strconv.AppendUint(nil, frac+1_000_000, 10)[1:] // six digits
		for len(f) > 0 && f[len(f)-1] == '0' {
			f = f[:len(f)-1]
		}
		b = append(b, '.')
		b = append(b, f...)
	}
	return b
}

// IntervalOf converts an Arrow month-day-nano value (an element of an
// IntervalType column) to an Interval; sub-microsecond nanoseconds, which
// recq never produces, are truncated.
func IntervalOf(v arrow.MonthDayNanoInterval) Interval {
	return Interval{Months: v.Months, Days: v.Days, Micros: v.Nanoseconds / 1000}
}

// IntervalType is the Arrow type of interval values.
var IntervalType arrow.DataType = arrow.FixedWidthTypes.MonthDayNanoInterval

// Common types, named like the storage layer names them.
var (
	tBool    arrow.DataType = arrow.FixedWidthTypes.Boolean
	tInt64   arrow.DataType = arrow.PrimitiveTypes.Int64
	tInt32   arrow.DataType = arrow.PrimitiveTypes.Int32
	tFloat64 arrow.DataType = arrow.PrimitiveTypes.Float64
	tString  arrow.DataType = arrow.BinaryTypes.String
	tDate    arrow.DataType = arrow.FixedWidthTypes.Date32
	tTs      arrow.DataType = &arrow.TimestampType{Unit: arrow.Microsecond}
	tNull    arrow.DataType = arrow.Null
)

// TimestampType is the Arrow type of TIMESTAMP values (microseconds, no
// time zone), the same type the storage layer produces.
var TimestampType arrow.DataType = tTs

// DecimalType returns DECIMAL(p,s) as an Arrow type.
func DecimalType(p, s int) arrow.DataType {
	return &arrow.Decimal128Type{Precision: int32(p), Scale: int32(s)}
}

// TypeName renders an Arrow type the way SQL users see it: INT32,
// DECIMAL(12,2), VARCHAR, DATE, TIMESTAMP, ...
func TypeName(t arrow.DataType) string {
	if t == nil {
		return "NULL"
	}
	switch t.ID() {
	case arrow.NULL:
		return "NULL"
	case arrow.BOOL:
		return "BOOLEAN"
	case arrow.INT8:
		return "INT8"
	case arrow.INT16:
		return "INT16"
	case arrow.INT32:
		return "INT32"
	case arrow.INT64:
		return "INT64"
	case arrow.UINT8:
		return "UINT8"
	case arrow.UINT16:
		return "UINT16"
	case arrow.UINT32:
		return "UINT32"
	case arrow.UINT64:
		return "UINT64"
	case arrow.FLOAT32:
		return "FLOAT32"
	case arrow.FLOAT64:
		return "FLOAT64"
	case arrow.DECIMAL128:
		d := t.(*arrow.Decimal128Type)
		return fmt.Sprintf("DECIMAL(%d,%d)", d.Precision, d.Scale)
	case arrow.STRING, arrow.LARGE_STRING:
		return "VARCHAR"
	case arrow.DATE32:
		return "DATE"
	case arrow.TIMESTAMP:
		return "TIMESTAMP"
	case arrow.INTERVAL_MONTH_DAY_NANO:
		return "INTERVAL"
	case arrow.LIST:
		return TypeName(t.(*arrow.ListType).Elem()) + "[]"
	case arrow.STRUCT:
		return structTypeName(t.(*arrow.StructType))
	}
	return t.String()
}

func isNull(t arrow.DataType) bool { return t == nil || t.ID() == arrow.NULL }

func isSignedInt(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64:
		return true
	}
	return false
}

func isUnsignedInt(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return true
	}
	return false
}

func isInteger(t arrow.DataType) bool { return isSignedInt(t) || isUnsignedInt(t) }

func isFloat(t arrow.DataType) bool {
	return t.ID() == arrow.FLOAT32 || t.ID() == arrow.FLOAT64
}

func isDecimal(t arrow.DataType) bool { return t.ID() == arrow.DECIMAL128 }

func isNumeric(t arrow.DataType) bool { return isInteger(t) || isFloat(t) || isDecimal(t) }

func isString(t arrow.DataType) bool { return t.ID() == arrow.STRING }

func isDate(t arrow.DataType) bool { return t.ID() == arrow.DATE32 }

func isTimestamp(t arrow.DataType) bool { return t.ID() == arrow.TIMESTAMP }

func isTemporal(t arrow.DataType) bool { return isDate(t) || isTimestamp(t) }

func isInterval(t arrow.DataType) bool { return t.ID() == arrow.INTERVAL_MONTH_DAY_NANO }

func isBool(t arrow.DataType) bool { return t.ID() == arrow.BOOL }

// decProps returns the precision and scale of a decimal type.
func decProps(t arrow.DataType) (p, s int) {
	d := t.(*arrow.Decimal128Type)
	return int(d.Precision), int(d.Scale)
}

// intDecimalWidth is the number of decimal digits an integer type needs
// (DuckDB: INT8 -> DECIMAL(3,0), INT16 -> 5, INT32 -> 10, INT64 -> 19).
func intDecimalWidth(t arrow.DataType) int {
	switch t.ID() {
	case arrow.INT8, arrow.UINT8:
		return 3
	case arrow.INT16, arrow.UINT16:
		return 5
	case arrow.INT32, arrow.UINT32:
		return 10
	case arrow.INT64:
		return 19
	case arrow.UINT64:
		return 20
	}
	return 38
}

// asDecimalProps returns the decimal precision and scale an integer or
// decimal type converts to for decimal arithmetic.
func asDecimalProps(t arrow.DataType) (p, s int) {
	if isDecimal(t) {
		return decProps(t)
	}
	return intDecimalWidth(t), 0
}

// intBits is the width of an integer type in bits.
func intBits(t arrow.DataType) int {
	switch t.ID() {
	case arrow.INT8, arrow.UINT8:
		return 8
	case arrow.INT16, arrow.UINT16:
		return 16
	case arrow.INT32, arrow.UINT32:
		return 32
	}
	return 64
}

// commonIntType is the type both integers widen to for comparison:
// the narrowest type holding every value of both.
func commonIntType(a, b arrow.DataType) arrow.DataType {
	if arrow.TypeEqual(a, b) {
		return a
	}
	as, bs := isSignedInt(a), isSignedInt(b)
	switch {
	case as == bs:
		if intBits(a) >= intBits(b) {
			return a
		}
		return b
	default:
		// one signed, one unsigned: a signed type wider than the unsigned one
		s, u := a, b
		if !as {
			s, u = b, a
		}
		need := intBits(u) * 2
		if intBits(s) > intBits(u) {
			return s
		}
		switch need {
		case 16:
			return arrow.PrimitiveTypes.Int16
		case 32:
			return arrow.PrimitiveTypes.Int32
		case 64:
			return arrow.PrimitiveTypes.Int64
		}
		return DecimalType(20, 0)
	}
}

// numericRank orders the numeric families for implicit widening:
// integer < decimal < float.
func numericRank(t arrow.DataType) int {
	switch {
	case isInteger(t):
		return 1
	case isDecimal(t):
		return 2
	case isFloat(t):
		return 3
	}
	return 0
}

// commonDecimal is the decimal type that holds every value of a and b
// (integers or decimals): max integer digits + max scale, capped at 38.
func commonDecimal(a, b arrow.DataType) arrow.DataType {
	pa, sa := asDecimalProps(a)
	pb, sb := asDecimalProps(b)
	s := max(sa, sb)
	p := max(pa-sa, pb-sb) + s
	if p > 38 {
		p = 38
	}
	return DecimalType(p, s)
}

// commonType returns the type two values are compared or combined in
// (CASE branches, COALESCE, IN lists, comparisons), or nil when there is
// none. NULL adopts the other type.
func commonType(a, b arrow.DataType) arrow.DataType {
	switch {
	case isNull(a):
		return b
	case isNull(b):
		return a
	case arrow.TypeEqual(a, b):
		return a
	case isNumeric(a) && isNumeric(b):
		ra, rb := numericRank(a), numericRank(b)
		switch {
		case ra == 3 || rb == 3:
			return tFloat64
		case ra == 2 || rb == 2:
			return commonDecimal(a, b)
		default:
			return commonIntType(a, b)
		}
	case isTemporal(a) && isTemporal(b):
		return tTs
	}
	return nil
}
