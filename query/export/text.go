package export

import (
	"encoding/hex"
	"math"
	"math/big"
	"strconv"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/decimal128"

	"github.com/recq/recq/exec"
)

// Values are rendered the same way by every text renderer:
//
//	DECIMAL(p,s)  exactly s digits after the point: 36.00, -0.05
//	DATE          YYYY-MM-DD
//	TIMESTAMP     YYYY-MM-DD HH:MM:SS, plus .ffffff when the fraction is not 0
//	FLOAT         shortest text that reads back to the same value; 1e+21 style
//	              only for very large or small magnitudes
//	BOOLEAN       true / false
//	NULL          the configured null text (writers pick a default)

// CellKind says how a column's values are aligned (in tables) and quoted
// (in JSON).
type CellKind uint8

const (
	KindText   CellKind = iota // left-aligned, quoted in JSON
	KindNumber                 // right-aligned, bare in JSON
	KindBool                   // bare in JSON
)

// KindOf classifies an Arrow type.
func KindOf(t arrow.DataType) CellKind {
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
		arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64,
		arrow.DECIMAL128, arrow.DECIMAL256:
		return KindNumber
	case arrow.BOOL:
		return KindBool
	case arrow.DICTIONARY:
		return KindOf(t.(*arrow.DictionaryType).ValueType)
	}
	return KindText
}

// AppendValue appends the text of row i of arr (which must not be NULL
// there) to dst.
func AppendValue(dst []byte, arr arrow.Array, i int) []byte {
	switch a := arr.(type) {
	case *array.String:
		return append(dst, a.Value(i)...)
	case *array.LargeString:
		return append(dst, a.Value(i)...)
	case *array.Int64:
		return strconv.AppendInt(dst, a.Value(i), 10)
	case *array.Int32:
		return strconv.AppendInt(dst, int64(a.Value(i)), 10)
	case *array.Int16:
		return strconv.AppendInt(dst, int64(a.Value(i)), 10)
	case *array.Int8:
		return strconv.AppendInt(dst, int64(a.Value(i)), 10)
	case *array.Uint64:
		return strconv.AppendUint(dst, a.Value(i), 10)
	case *array.Uint32:
		return strconv.AppendUint(dst, uint64(a.Value(i)), 10)
	case *array.Uint16:
		return strconv.AppendUint(dst, uint64(a.Value(i)), 10)
	case *array.Uint8:
		return strconv.AppendUint(dst, uint64(a.Value(i)), 10)
	case *array.Float64:
		return appendFloat(dst, a.Value(i), 64)
	case *array.Float32:
		return appendFloat(dst, float64(a.Value(i)), 32)
	case *array.Boolean:
		return strconv.AppendBool(dst, a.Value(i))
	case *array.Decimal128:
		return appendDecimal128(dst, a.Value(i), int(a.DataType().(*arrow.Decimal128Type).Scale))
	case *array.Date32:
		return appendDate(dst, int64(a.Value(i)))
	case *array.Date64:
		return appendDate(dst, int64(a.Value(i))/86_400_000)
	case *array.Timestamp:
		return appendTimestamp(dst, int64(a.Value(i)), a.DataType().(*arrow.TimestampType).Unit)
	case *array.Binary:
		return appendHex(dst, a.Value(i))
	case *array.FixedSizeBinary:
		return appendHex(dst, a.Value(i))
	case *array.Dictionary:
		return AppendValue(dst, a.Dictionary(), a.GetValueIndex(i))
	case *array.MonthDayNanoInterval:
		return append(dst, exec.IntervalOf(a.Value(i)).String()...)
	case *array.List:
		// [a, b, NULL], as DuckDB prints lists (quantiles of a [list])
		lo, hi := a.ValueOffsets(i)
		vals := a.ListValues()
		dst = append(dst, '[')
		for k := lo; k < hi; k++ {
			if k > lo {
				dst = append(dst, ", "...)
			}
			if vals.IsNull(int(k)) {
				dst = append(dst, "NULL"...)
			} else {
				dst = AppendValue(dst, vals, int(k))
			}
		}
		return append(dst, ']')
	case *array.Struct:
		// {'value': 285, 'mflag': T}, as DuckDB prints structs: members in
		// order, values as in a list.
		st := a.DataType().(*arrow.StructType)
		dst = append(dst, '{')
		for k := 0; k < a.NumField(); k++ {
			if k > 0 {
				dst = append(dst, ", "...)
			}
			dst = append(dst, '\'')
			dst = append(dst, st.Field(k).Name...)
			dst = append(dst, "': "...)
			if m := a.Field(k); m.IsNull(i) {
				dst = append(dst, "NULL"...)
			} else {
				dst = AppendValue(dst, m, i)
			}
		}
		return append(dst, '}')
	}
	return append(dst, arr.ValueStr(i)...)
}

// appendFloat renders a float as the shortest text that reads back to the
// same value, in positional notation unless the magnitude is extreme.
func appendFloat(dst []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	}
	if a := math.Abs(f); a != 0 && (a < 1e-5 || a >= 1e16) {
		return strconv.AppendFloat(dst, f, 'g', -1, bits)
	}
	return strconv.AppendFloat(dst, f, 'f', -1, bits)
}

// appendDecimal128 renders an unscaled 128-bit value with exactly scale
// fraction digits.
func appendDecimal128(dst []byte, n decimal128.Num, scale int) []byte {
	var digits []byte
	neg := n.Sign() < 0
	hi, lo := n.HighBits(), n.LowBits()
	switch {
	case hi == 0 && lo <= math.MaxInt64:
		digits = strconv.AppendUint(nil, lo, 10)
	case hi == -1 && lo > math.MaxInt64:
		digits = strconv.AppendUint(nil, -lo, 10)
	default:
		b := n.BigInt()
		digits = []byte(new(big.Int).Abs(b).String())
	}
	if neg {
		dst = append(dst, '-')
	}
	return appendScaled(dst, digits, scale)
}

// appendScaled places a decimal point scale digits from the right of the
// digit string, padding with zeros ("5", 2 -> "0.05").
func appendScaled(dst, digits []byte, scale int) []byte {
	if scale <= 0 {
		dst = append(dst, digits...)
		for ; scale < 0; scale++ {
			dst = append(dst, '0')
		}
		return dst
	}
	if len(digits) <= scale {
		dst = append(dst, '0', '.')
		for i := len(digits); i < scale; i++ {
			dst = append(dst, '0')
		}
		return append(dst, digits...)
	}
	dst = append(dst, digits[:len(digits)-scale]...)
	dst = append(dst, '.')
	return append(dst, digits[len(digits)-scale:]...)
}

// appendDate renders days since 1970-01-01 as YYYY-MM-DD.
func appendDate(dst []byte, days int64) []byte {
	return time.Unix(days*86400, 0).UTC().AppendFormat(dst, "2006-01-02")
}

// appendTimestamp renders a timestamp as YYYY-MM-DD HH:MM:SS with the
// fraction only when it is not zero (microseconds: 6 digits).
func appendTimestamp(dst []byte, v int64, unit arrow.TimeUnit) []byte {
	var t time.Time
	digits := 6
	switch unit {
	case arrow.Second:
		t, digits = time.Unix(v, 0), 0
	case arrow.Millisecond:
		t, digits = time.UnixMilli(v), 3
	case arrow.Microsecond:
		t = time.UnixMicro(v)
	default:
		t, digits = time.Unix(0, v), 9
	}
	t = t.UTC()
	dst = t.AppendFormat(dst, "2006-01-02 15:04:05")
	if ns := t.Nanosecond(); ns != 0 && digits > 0 {
		frac := strconv.Itoa(ns + 1_000_000_000)[1:] // 9 digits
		dst = append(dst, '.')
		dst = append(dst, frac[:digits]...)
	}
	return dst
}

func appendHex(dst, b []byte) []byte {
	dst = append(dst, "\\x"...)
	return hex.AppendEncode(dst, b)
}

// IsNull reports whether row i of arr is NULL. Every row of a NULL-typed
// column is (Arrow's Null array has no validity bitmap, so its IsNull
// says false).
func IsNull(arr arrow.Array, i int) bool {
	return arr.DataType().ID() == arrow.NULL || arr.IsNull(i)
}

// CellText returns the text of row i of arr, or null for a NULL.
func CellText(arr arrow.Array, i int, null string) string {
	if IsNull(arr, i) {
		return null
	}
	return string(AppendValue(nil, arr, i))
}
