package gen

import (
	"slices"

	"github.com/recq/recq/storage"
)

// form is how a generated file stores its records.
type form uint8

const (
	formRec    form = iota // binary (.rec, or raw binary)
	formText               // fixed-width ASCII lines
	formEBCDIC             // a mainframe extract: EBCDIC, zoned, packed, IBM float
)

// appendRecord encodes vals as one record of s at the end of buf: a
// binary record starts zeroed, a text record blank and ends with a line
// feed, an EBCDIC record starts with EBCDIC spaces.
//
// Binary fields of the value types the generators produce (int64 in a
// signed integer field, a DECIMAL of the field's scale, DATE, CHAR text)
// are written directly, in the bytes storage.Schema.EncodeField writes,
// without its conversions (which cost more than generating the values);
// values out of the field's range and every other case go through
// EncodeField, which reports the error.
func appendRecord(buf []byte, s *storage.Schema, f form, vals []any) ([]byte, error) {
	start := len(buf)
	buf = slices.Grow(buf, s.RecordLen+1)[:start+s.RecordLen]
	rec := buf[start:]
	switch f {
	case formText:
		for i := range rec {
			rec[i] = ' '
		}
	case formEBCDIC:
		for i := range rec {
			rec[i] = 0x40
		}
	default:
		clear(rec)
	}
	for k, v := range vals {
		if f != formRec || !encodeDirect(&s.Fields[k], rec, v) {
			if err := s.EncodeField(rec, k, v); err != nil {
				return buf[:start], err
			}
		}
	}
	if f == formText {
		buf = append(buf, '\n')
	}
	return buf, nil
}

// encodeDirect writes v into binary field f of rec and reports whether it
// could.
func encodeDirect(f *storage.Field, rec []byte, v any) bool {
	if f.Nullable {
		return false // leave the null bit to EncodeField
	}
	raw := rec[f.Offset:f.End()]
	order := f.ByteOrder()
	switch x := v.(type) {
	case int64:
		if !f.Type.IsSigned() || !fitsSigned(x, len(raw)) {
			return false
		}
		putInt(raw, x, order)
	case storage.DecimalValue:
		if f.Type.Kind != storage.Decimal || x.Scale != f.Type.Scale || !fitsDigits(x.Unscaled, f.Type.Precision) {
			return false
		}
		putInt(raw, x.Unscaled, order)
	case storage.DateValue:
		if f.Type.Kind != storage.Date {
			return false
		}
		order.PutUint32(raw, uint32(x))
	case string:
		if f.Type.Kind != storage.Char || len(x) > len(raw) {
			return false
		}
		n := copy(raw, x)
		for i := n; i < len(raw); i++ {
			raw[i] = ' '
		}
	default:
		return false
	}
	return true
}

type byteOrder interface {
	PutUint16([]byte, uint16)
	PutUint32([]byte, uint32)
	PutUint64([]byte, uint64)
}

func putInt(raw []byte, x int64, order byteOrder) {
	switch len(raw) {
	case 1:
		raw[0] = byte(x)
	case 2:
		order.PutUint16(raw, uint16(x))
	case 4:
		order.PutUint32(raw, uint32(x))
	default:
		order.PutUint64(raw, uint64(x))
	}
}

func fitsSigned(x int64, width int) bool {
	if width >= 8 {
		return true
	}
	lim := int64(1) << (8*width - 1)
	return x >= -lim && x < lim
}

// fitsDigits reports whether |x| has at most precision digits.
func fitsDigits(x int64, precision int) bool {
	if precision >= 18 {
		return true
	}
	lim := int64(1)
	for range precision {
		lim *= 10
	}
	return x > -lim && x < lim
}
