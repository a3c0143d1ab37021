package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/apache/arrow/go/v17/arrow/decimal128"
)

// FieldError reports a value that cannot be decoded from, or encoded into,
// one field of one record. At turns it into a FileError once the file and
// record are known.
type FieldError struct {
	Field  string
	Offset int    // byte offset of the field within the record
	Text   []byte // the field's raw bytes (decode) or nil
	Err    error  // what is wrong
}

func (e *FieldError) Error() string {
	if e.Text != nil {
		return fmt.Sprintf("field %s: %v: %s", e.Field, e.Err, quoteRaw(e.Text))
	}
	return fmt.Sprintf("field %s: %v", e.Field, e.Err)
}

func (e *FieldError) Unwrap() error { return e.Err }

// At places the error in a file: record is the 0-based record number and
// recordOffset the byte offset of that record in the file.
func (e *FieldError) At(path string, record, recordOffset int64) *FileError {
	msg := e.Err.Error()
	if e.Text != nil {
		msg += ": " + quoteRaw(e.Text)
	}
	return &FileError{Path: path, Record: record, Offset: recordOffset + int64(e.Offset), Field: e.Field, Msg: msg, Err: ErrCorrupt}
}

// quoteRaw renders raw field bytes for a message: quoted text when the
// bytes are printable, else also a hex dump.
func quoteRaw(b []byte) string {
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			return fmt.Sprintf("%q (hex % x)", b, b)
		}
	}
	return strconv.Quote(string(b))
}

// DecodeField decodes field i of rec, which must be at least RecordLen
// bytes, into its Go value (see the table in value.go). It is the general,
// allocating path used by tools and tests; scan kernels call the typed
// parsers directly.
//
// An array field decodes to a []any of its elements (of the record's
// count for OCCURS DEPENDING ON), a group to a map[string]any by member
// name.
//
// Under variable_size_occurs a field after an OCCURS DEPENDING ON array
// is read where the record's counts put it.
func (s *Schema) DecodeField(rec []byte, i int) (any, error) {
	f, err := s.placed(rec, &s.Fields[i])
	if err != nil {
		return nil, err
	}
	return s.decodeValue(rec, f)
}

// decodeValue is DecodeField for field f, which may be an array element or
// a group member placed in the record (Elem, Member).
func (s *Schema) decodeValue(rec []byte, f *Field) (any, error) {
	if f.IsArray() || f.IsGroup() {
		return s.decodeNested(rec, f)
	}
	raw := rec[f.Offset:f.End()]
	if f.Encoding.IsMainframe() || f.cp != nil {
		v, err := decodeMainframe(f, raw)
		if err != nil {
			if f.InvalidAsNull {
				return nil, nil
			}
			return nil, &FieldError{Field: f.Name, Offset: f.Offset, Text: bytes.Clone(raw), Err: err}
		}
		return v, nil
	}
	if f.IsText() {
		v, err := decodeText(f, raw)
		if err != nil {
			if f.InvalidAsNull {
				return nil, nil
			}
			return nil, &FieldError{Field: f.Name, Offset: f.Offset, Text: bytes.Clone(raw), Err: err}
		}
		return v, nil
	}
	if s.IsNull(f, rec) {
		return nil, nil
	}
	return decodeBinary(f, raw)
}

// IsTextNull reports whether the raw bytes of a text field mean NULL: blank
// (for non-CHAR nullable fields) or equal to the field's NullIf sentinel
// after trimming.
func (f *Field) IsTextNull(raw []byte) bool {
	t := trimPad(raw)
	if f.IsNullSentinel(t) {
		return true
	}
	return len(t) == 0 && f.Nullable && f.Type.Kind != Char
}

// IsNullSentinel reports whether trimmed text equals one of the field's
// NULLIF sentinels.
func (f *Field) IsNullSentinel(trimmed []byte) bool {
	for _, s := range f.NullIf {
		if string(trimmed) == s {
			return true
		}
	}
	return false
}

func decodeText(f *Field, raw []byte) (any, error) {
	if f.IsTextNull(raw) {
		return nil, nil
	}
	t := f.Type
	switch {
	case t.Kind == Char:
		return string(TrimChar(raw, f.Trim)), nil
	case t.Kind == Boolean:
		return ParseTextBool(raw)
	case t.IsSigned():
		return ParseTextInt(raw, t.BinaryWidth()*8)
	case t.IsInteger():
		return ParseTextUint(raw, t.BinaryWidth()*8)
	case t.IsFloat():
		return ParseTextFloat(raw, t.BinaryWidth()*8, f.Implied)
	case t.Kind == Decimal:
		v, err := ParseTextDecimal(raw, t.Precision, t.Scale, f.Implied)
		return DecimalValue{v, t.Scale}, err
	case t.Kind == Date:
		v, err := ParseTextDate(raw, effectiveFormat(f), f.YearStart)
		return DateValue(v), err
	case t.Kind == Timestamp:
		v, err := ParseTextTimestamp(raw, effectiveFormat(f), f.YearStart)
		return TimestampValue(v), err
	}
	return nil, errUnsupported
}

// TrimChar removes CHAR padding (spaces and NULs) as mode says.
func TrimChar(b []byte, mode TrimMode) []byte {
	if mode == TrimTrailing || mode == TrimBoth {
		b = trimTrailingPad(b)
	}
	if mode == TrimLeading || mode == TrimBoth {
		i := 0
		for i < len(b) && (b[i] == ' ' || b[i] == 0) {
			i++
		}
		b = b[i:]
	}
	return b
}

const (
	spaces8 = 0x2020202020202020
)

// trimTrailingPad drops trailing spaces and NULs, eight bytes at a time
// while whole words are padding (CHAR columns are often mostly padding).
func trimTrailingPad(b []byte) []byte {
	j := len(b)
	for j >= 8 {
		w := binary.LittleEndian.Uint64(b[j-8 : j])
		if w != spaces8 && w != 0 {
			break
		}
		j -= 8
	}
	for j > 0 && (b[j-1] == ' ' || b[j-1] == 0) {
		j--
	}
	return b[:j]
}

// ByteOrder returns the field's binary byte order (BigEndian fields read
// big-endian, everything else little-endian).
func (f *Field) ByteOrder() binary.ByteOrder {
	if f.Encoding == BigEndian {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

// ReadBinaryInt reads a signed two's-complement integer of 1, 2, 4 or 8
// bytes in the given order.
func ReadBinaryInt(raw []byte, order binary.ByteOrder) int64 {
	switch len(raw) {
	case 1:
		return int64(int8(raw[0]))
	case 2:
		return int64(int16(order.Uint16(raw)))
	case 4:
		return int64(int32(order.Uint32(raw)))
	}
	return int64(order.Uint64(raw))
}

// ReadBinaryUint reads an unsigned integer of 1, 2, 4 or 8 bytes.
func ReadBinaryUint(raw []byte, order binary.ByteOrder) uint64 {
	switch len(raw) {
	case 1:
		return uint64(raw[0])
	case 2:
		return uint64(order.Uint16(raw))
	case 4:
		return uint64(order.Uint32(raw))
	}
	return order.Uint64(raw)
}

// ReadBinaryDecimal reads the unscaled value of a binary DECIMAL field:
// two's complement, or an unsigned integer when the field is UNSIGNED
// (COBOL COMP-5 9(n)).
func (f *Field) ReadBinaryDecimal(raw []byte) int64 {
	if f.Unsigned {
		return int64(ReadBinaryUint(raw, f.ByteOrder()))
	}
	return ReadBinaryInt(raw, f.ByteOrder())
}

func decodeBinary(f *Field, raw []byte) (any, error) {
	order := f.ByteOrder()
	t := f.Type
	switch {
	case t.Kind == Boolean:
		return raw[0] != 0, nil
	case t.IsSigned():
		return ReadBinaryInt(raw, order), nil
	case t.IsInteger():
		return ReadBinaryUint(raw, order), nil
	case t.Kind == Float32:
		return float64(math.Float32frombits(order.Uint32(raw))), nil
	case t.Kind == Float64:
		return math.Float64frombits(order.Uint64(raw)), nil
	case t.Kind == Decimal:
		return DecimalValue{f.ReadBinaryDecimal(raw), t.Scale}, nil
	case t.Kind == Char:
		return string(TrimChar(raw, f.Trim)), nil
	case t.Kind == Date:
		return DateValue(int32(order.Uint32(raw))), nil
	case t.Kind == Timestamp:
		return TimestampValue(int64(order.Uint64(raw))), nil
	}
	return nil, &FieldError{Field: f.Name, Offset: f.Offset, Err: errUnsupported}
}

// EncodeField writes v into field i of rec (at least RecordLen bytes).
// Binary fields are written in their byte order; text fields right-aligned
// (numbers) or left-aligned (CHAR) and padded with spaces. A nil v is NULL:
// the null bit for binary fields, spaces or the NullIf sentinel for text
// fields; a NOT NULL field rejects it.
//
// An array field (OCCURS) takes a []any of its elements, a group (STRUCT)
// a map[string]any by member name or a []any in member order; see
// encodeNested.
//
// Under variable_size_occurs a field after an OCCURS DEPENDING ON array
// is written where the counts already in rec put it: write the counts
// first, then the fields in order, and the record is RecordLenAt bytes.
func (s *Schema) EncodeField(rec []byte, i int, v any) error {
	f, err := s.placed(rec, &s.Fields[i])
	if err != nil {
		return err
	}
	return s.encodeValue(rec, f, v)
}

// encodeValue is EncodeField for field f, which may be an array element
// or a group member placed in the record (Elem, Member).
func (s *Schema) encodeValue(rec []byte, f *Field, v any) error {
	if f.IsArray() || f.IsGroup() {
		return s.encodeNested(rec, f, v)
	}
	raw := rec[f.Offset:f.End()]
	fail := func(err error) error { return &FieldError{Field: f.Name, Offset: f.Offset, Err: err} }
	if v == nil {
		if !f.Nullable {
			return fail(errors.New("NULL in a NOT NULL field"))
		}
		if f.Encoding.IsMainframe() || f.cp != nil {
			if err := encodeMainframeNull(f, raw); err != nil {
				return fail(err)
			}
			return nil
		}
		if f.IsText() {
			fill(raw, ' ')
			if f.HasNullIf() {
				copy(raw[max(0, len(raw)-len(f.NullIf[0])):], f.NullIf[0])
			}
			return nil
		}
		clear(raw)
		s.SetNull(f, rec, true)
		return nil
	}
	if str, ok := v.(string); ok && f.cp != nil && f.Type.Kind == Char {
		// A code page has one byte per character: the length check is
		// the encoder's, not normalizeValue's count of UTF-8 bytes.
		if err := f.cp.Encode(raw, str); err != nil {
			return fail(err)
		}
		return nil
	}
	nv, err := normalizeValue(f.Type, v)
	if err != nil {
		return fail(err)
	}
	if f.Encoding.IsMainframe() || f.cp != nil {
		err = encodeMainframe(f, raw, nv)
	} else if f.IsText() {
		err = encodeText(f, raw, nv)
	} else {
		err = encodeBinary(f, raw, nv)
		s.SetNull(f, rec, false)
	}
	if err != nil {
		return fail(err)
	}
	return nil
}

func fill(b []byte, c byte) {
	for i := range b {
		b[i] = c
	}
}

// checkSigned checks that n fits the signed integer type t.
func checkSigned(t Type, n int64) error {
	if bits := t.BinaryWidth() * 8; bits < 64 && (n < -(1<<(bits-1)) || n > 1<<(bits-1)-1) {
		return fmt.Errorf("%d is out of range for %s", n, t)
	}
	return nil
}

// checkUnsigned checks that n fits the unsigned integer type t.
func checkUnsigned(t Type, n uint64) error {
	if bits := t.BinaryWidth() * 8; bits < 64 && n > 1<<bits-1 {
		return fmt.Errorf("%d is out of range for %s", n, t)
	}
	return nil
}

// fitDecimal rescales d to the scale of t (p <= 18) and checks that it
// fits the precision.
func fitDecimal(t Type, d DecimalValue) (DecimalValue, error) {
	u, err := rescale(d, t.Scale)
	if err != nil {
		return DecimalValue{}, err
	}
	if u >= pow10[t.Precision] || u <= -pow10[t.Precision] {
		return DecimalValue{}, fmt.Errorf("%s does not fit %s", d, t)
	}
	return DecimalValue{u, t.Scale}, nil
}

// checkChar checks that a string of n bytes fits the CHAR type t.
func checkChar(t Type, s string) error {
	if len(s) > t.Length {
		return fmt.Errorf("%q is %d bytes, longer than %s", s, len(s), t)
	}
	return nil
}

// normalizeValue converts the accepted Go types to the canonical value of t
// and checks its range.
func normalizeValue(t Type, v any) (any, error) {
	bad := func() (any, error) { return nil, fmt.Errorf("cannot store %T value %v in a %s field", v, v, t) }
	switch t.Kind {
	case Boolean:
		if b, ok := v.(bool); ok {
			return b, nil
		}
		return bad()
	case Int8, Int16, Int32, Int64:
		n, ok := asInt64(v)
		if !ok {
			return bad()
		}
		return n, checkSigned(t, n)
	case Uint8, Uint16, Uint32, Uint64:
		n, ok := asUint64(v)
		if !ok {
			return bad()
		}
		return n, checkUnsigned(t, n)
	case Float32, Float64:
		switch x := v.(type) {
		case float64:
			return x, nil
		case float32:
			return float64(x), nil
		}
		if n, ok := asInt64(v); ok {
			return float64(n), nil
		}
		return bad()
	case Decimal:
		if t.Precision > MaxDecimalPrecision {
			return normalizeWide(t, v)
		}
		var d DecimalValue
		switch x := v.(type) {
		case DecimalValue:
			d = x
		case string:
			u, err := ParseTextDecimal([]byte(x), MaxDecimalPrecision, t.Scale, 0)
			if err != nil {
				return nil, fmt.Errorf("%q is not a %s: %v", x, t, err)
			}
			d = DecimalValue{u, t.Scale}
		default:
			n, ok := asInt64(v)
			if !ok {
				return bad()
			}
			d = DecimalValue{n, 0}
		}
		return fitDecimal(t, d)
	case Char:
		s, ok := v.(string)
		if !ok {
			if b, isBytes := v.([]byte); isBytes {
				s = string(b)
			} else {
				return bad()
			}
		}
		return s, checkChar(t, s)
	case Date:
		switch x := v.(type) {
		case DateValue:
			return x, nil
		case time.Time:
			return DateOf(x), nil
		}
		return bad()
	case Timestamp:
		switch x := v.(type) {
		case TimestampValue:
			return x, nil
		case time.Time:
			return TimestampOf(x), nil
		}
		return bad()
	}
	return bad()
}

// normalizeWide converts a value for a DECIMAL of more than 18 digits.
func normalizeWide(t Type, v any) (any, error) {
	var mag u128
	var neg bool
	scale := 0
	switch x := v.(type) {
	case WideDecimalValue:
		mag, neg = fromNum(x.Num)
		scale = x.Scale
	case DecimalValue:
		mag, neg = fromNum(decimal128.FromI64(x.Unscaled))
		scale = x.Scale
	case string:
		b := trimPad([]byte(x))
		digits, n := splitSign(b)
		m, _, frac, err := parseZoned(digits, SignTrailing, true)
		if err != nil || len(digits) == 0 || !allDigits(digits[len(digits)-1:]) {
			return nil, fmt.Errorf("%q is not a %s", x, t)
		}
		mag, neg, scale = m, n && !m.isZero(), max(frac, 0)
	default:
		n, ok := asInt64(v)
		if !ok {
			return nil, fmt.Errorf("cannot store %T value %v in a %s field", v, v, t)
		}
		mag, neg = fromNum(decimal128.FromI64(n))
	}
	m, err := rescaleDigits(mag, scale, t.Scale, t.Precision)
	if err != nil {
		return nil, fmt.Errorf("%v does not fit %s: %v", v, t, err)
	}
	return WideDecimalValue{m.num(neg), t.Scale}, nil
}

// rescale changes d to the given scale, failing if digits would be lost or
// the value overflows.
func rescale(d DecimalValue, scale int) (int64, error) {
	u := d.Unscaled
	for s := d.Scale; s < scale; s++ {
		if u > math.MaxInt64/10 || u < math.MinInt64/10 {
			return 0, fmt.Errorf("%s overflows at scale %d", d, scale)
		}
		u *= 10
	}
	for s := d.Scale; s > scale; s-- {
		if u%10 != 0 {
			return 0, fmt.Errorf("%s has more than %d decimal places", d, scale)
		}
		u /= 10
	}
	return u, nil
}

func asInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int8:
		return int64(x), true
	case int16:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case uint8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint64:
		if x <= math.MaxInt64 {
			return int64(x), true
		}
	case uint:
		if uint64(x) <= math.MaxInt64 {
			return int64(x), true
		}
	}
	return 0, false
}

func asUint64(v any) (uint64, bool) {
	switch x := v.(type) {
	case uint64:
		return x, true
	case uint:
		return uint64(x), true
	case uint32:
		return uint64(x), true
	case uint16:
		return uint64(x), true
	case uint8:
		return uint64(x), true
	}
	if n, ok := asInt64(v); ok && n >= 0 {
		return uint64(n), true
	}
	return 0, false
}

func encodeBinary(f *Field, raw []byte, v any) error {
	order := f.ByteOrder()
	switch x := v.(type) {
	case bool:
		putBool(raw, x)
	case int64:
		writeBinaryInt(raw, order, uint64(x))
	case uint64:
		writeBinaryInt(raw, order, x)
	case float64:
		putFloat(f, raw, x)
	case DecimalValue:
		// normalizeValue checked the precision and resolveWidth that the
		// width holds every value of that precision.
		if f.Unsigned && x.Unscaled < 0 {
			return errNegUnsigned
		}
		writeBinaryInt(raw, order, uint64(x.Unscaled))
	case string:
		putChar(raw, x)
	case DateValue:
		order.PutUint32(raw, uint32(x))
	case TimestampValue:
		order.PutUint64(raw, uint64(x))
	default:
		return errUnsupported
	}
	return nil
}

func putBool(raw []byte, b bool) {
	raw[0] = 0
	if b {
		raw[0] = 1
	}
}

// putFloat writes a FLOAT32 or FLOAT64 field.
func putFloat(f *Field, raw []byte, x float64) {
	if f.Type.Kind == Float32 {
		f.ByteOrder().PutUint32(raw, math.Float32bits(float32(x)))
	} else {
		f.ByteOrder().PutUint64(raw, math.Float64bits(x))
	}
}

// putChar writes a binary CHAR field: the bytes, padded with spaces.
func putChar(raw []byte, s string) {
	fill(raw, ' ')
	copy(raw, s)
}

func writeBinaryInt(raw []byte, order binary.ByteOrder, u uint64) {
	switch len(raw) {
	case 1:
		raw[0] = byte(u)
	case 2:
		order.PutUint16(raw, uint16(u))
	case 4:
		order.PutUint32(raw, uint32(u))
	default:
		order.PutUint64(raw, u)
	}
}

func encodeText(f *Field, raw []byte, v any) error {
	var buf [64]byte
	var s []byte
	leftAlign := false
	switch x := v.(type) {
	case bool:
		switch {
		case len(raw) >= 5 && x:
			s = append(buf[:0], "true"...)
		case len(raw) >= 5:
			s = append(buf[:0], "false"...)
		case x:
			s = append(buf[:0], 'T')
		default:
			s = append(buf[:0], 'F')
		}
		leftAlign = true
	case int64:
		s = strconv.AppendInt(buf[:0], x, 10)
	case uint64:
		s = strconv.AppendUint(buf[:0], x, 10)
	case float64:
		if f.Implied > 0 {
			x *= float64(pow10[f.Implied])
			s = strconv.AppendFloat(buf[:0], math.Round(x), 'f', 0, 64)
		} else {
			s = strconv.AppendFloat(buf[:0], x, 'g', -1, f.Type.BinaryWidth()*8)
		}
	case DecimalValue:
		if f.Implied > 0 {
			u, err := rescale(x, f.Implied)
			if err != nil {
				return err
			}
			s = appendImplied(buf[:0], u, len(raw))
		} else {
			s = AppendDecimal(buf[:0], x.Unscaled, x.Scale)
		}
	case string:
		s = []byte(x)
		leftAlign = true
	case DateValue:
		y, m, d := CivilFromDays(int32(x))
		var err error
		if s, err = appendPattern(buf[:0], effectiveFormat(f), dateParts{year: y, month: m, day: d}, f.YearStart); err != nil {
			return err
		}
		leftAlign = true
	case TimestampValue:
		var err error
		if s, err = appendPattern(buf[:0], effectiveFormat(f), timestampParts(int64(x)), f.YearStart); err != nil {
			return err
		}
		leftAlign = true
	default:
		return errUnsupported
	}
	if len(s) > len(raw) {
		return fmt.Errorf("%q does not fit the field's %d characters", s, len(raw))
	}
	fill(raw, ' ')
	if leftAlign {
		copy(raw, s)
	} else {
		copy(raw[len(raw)-len(s):], s)
	}
	return nil
}

// appendImplied renders an implied-decimal value as zero-padded digits
// filling width characters, with a leading minus for negatives.
func appendImplied(dst []byte, u int64, width int) []byte {
	neg := u < 0
	if neg {
		u = -u
		width--
	}
	digits := strconv.AppendInt(nil, u, 10)
	if neg {
		dst = append(dst, '-')
	}
	for i := len(digits); i < width; i++ {
		dst = append(dst, '0')
	}
	return append(dst, digits...)
}
