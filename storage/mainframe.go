package storage

import (
	"fmt"
	"math"
	"strings"

	"github.com/apache/arrow/go/v17/arrow/decimal128"
)

// This file connects the mainframe encodings (zoned.go, packed.go,
// hexfloat.go, codepage.go) to fields: which types and options each
// takes, their natural widths, NULLs, and the per-value read and write
// functions the scan and the writers share. docs/mainframe.md describes
// them for users.

// checkMainframe validates the options that belong to mainframe fields.
func checkMainframe(f *Field) error {
	t := f.Type
	if f.CodePage != 0 {
		f.cp = CodePageByID(f.CodePage)
		if f.cp == nil {
			return schemaErr(f.Name, "unknown code page %d (supported: %v)", f.CodePage, CodePageIDs)
		}
		if f.Encoding != Text && f.Encoding != Zoned {
			return schemaErr(f.Name, "a code page applies to text and zoned fields, not %s", f.Encoding)
		}
	}
	if f.Sign != SignDefault && f.Encoding != Zoned {
		return schemaErr(f.Name, "%s applies only to ZONED fields", f.Sign)
	}
	if f.Unsigned && !(f.Encoding == Zoned || f.Encoding == Packed || (t.Kind == Decimal && (f.Encoding == BigEndian || f.Encoding == LittleEndian))) {
		return schemaErr(f.Name, "UNSIGNED applies to ZONED, PACKED and binary DECIMAL fields (integer types have UINT8..UINT64)")
	}
	if f.Unsigned && f.Sign != SignDefault {
		return schemaErr(f.Name, "an UNSIGNED field has no sign to place (%s)", f.Sign)
	}
	switch f.Encoding {
	case Zoned, Packed:
		if t.Kind != Decimal && !t.IsInteger() {
			return schemaErr(f.Name, "%s fields are DECIMAL or integer, not %s", strings.ToUpper(f.Encoding.String()), t)
		}
		scale := 0
		if t.Kind == Decimal {
			scale = t.Scale
		}
		if f.Implied > scale || f.Implied < -MaxWideDecimalPrecision {
			return schemaErr(f.Name, "IMPLIED DECIMALS %d must be at most the scale %d (declare %s with scale %d) and at least -%d (P scaling)",
				f.Implied, scale, t.Kind, max(f.Implied, 0), MaxWideDecimalPrecision)
		}
	case IBMFloat:
		if !t.IsFloat() {
			return schemaErr(f.Name, "IBM FLOAT fields are FLOAT32 or FLOAT64, not %s", t)
		}
		if f.Implied != 0 {
			return schemaErr(f.Name, "IMPLIED DECIMALS does not apply to IBM FLOAT fields")
		}
	}
	return nil
}

// resolveMainframeWidth fills in and checks the width of a zoned, packed
// or IBM float field.
func resolveMainframeWidth(f *Field) error {
	t := f.Type
	switch f.Encoding {
	case Zoned:
		if f.Width == 0 {
			if t.Kind != Decimal {
				return schemaErr(f.Name, "a ZONED %s needs its width (POSITION(start:end) or WIDTH n)", t)
			}
			f.Width = t.Precision
			if f.Sign.Separate() {
				f.Width++
			}
		}
		if f.Width > MaxWideDecimalPrecision+2 {
			return schemaErr(f.Name, "a ZONED field is at most %d bytes, not %d", MaxWideDecimalPrecision+2, f.Width)
		}
	case Packed:
		if f.Width == 0 {
			if t.Kind != Decimal {
				return schemaErr(f.Name, "a PACKED %s needs its width in bytes (POSITION(start:end) or WIDTH n)", t)
			}
			f.Width = PackedWidth(t.Precision, f.Unsigned)
		}
		if PackedDigits(f.Width, f.Unsigned) > MaxWideDecimalPrecision+1 {
			return schemaErr(f.Name, "a PACKED field of %d bytes holds %d digits, more than %d", f.Width, PackedDigits(f.Width, f.Unsigned), MaxWideDecimalPrecision)
		}
	case IBMFloat:
		if f.Width == 0 {
			f.Width = t.BinaryWidth()
		}
		if f.Width != 4 && f.Width != 8 {
			return schemaErr(f.Name, "an IBM FLOAT is 4 bytes (COMP-1) or 8 bytes (COMP-2), not %d", f.Width)
		}
	}
	return nil
}

// describeMainframe is the part of Describe after the encoding's name.
func (f *Field) describeMainframe() string {
	s := ""
	if f.CodePage != 0 {
		s += fmt.Sprintf(" cp%03d", f.CodePage)
	}
	if f.Sign != SignDefault {
		s += ", " + f.Sign.String()
	}
	if f.Unsigned {
		s += ", unsigned"
	}
	if f.Encoding == Zoned || f.Encoding == Packed {
		if f.Implied != 0 {
			s += fmt.Sprintf(", %d implied decimals", f.Implied)
		}
	}
	if f.InvalidAsNull {
		s += ", invalid as NULL"
	}
	return s
}

// ValueBytes returns the bytes a field's value is read from: for a text
// field with a code page, raw decoded to UTF-8; for a zoned EBCDIC field,
// raw translated to the ASCII zoned domain; else raw itself. buf is used
// when it is large enough (3 bytes per byte for text, 1 for zoned).
func (f *Field) ValueBytes(raw, buf []byte) []byte {
	if f.cp == nil {
		return raw
	}
	if f.Encoding == Zoned {
		if len(buf) < len(raw) {
			buf = make([]byte, len(raw))
		}
		buf = buf[:len(raw)]
		for i, c := range raw {
			buf[i] = zonedFromEBCDIC[c]
		}
		return buf
	}
	return f.cp.AppendUTF8(buf[:0], raw)
}

// IsNullValue reports whether a value (as ValueBytes returns it) is NULL:
// for text and zoned fields as IsTextNull says; for packed and IBM float
// fields when nullable and all spaces (EBCDIC 0x40 or ASCII 0x20), or, for
// packed fields, all zero bytes (never a valid packed number).
func (f *Field) IsNullValue(v []byte) bool {
	switch f.Encoding {
	case Packed, IBMFloat:
		if !f.Nullable || len(v) == 0 {
			return false
		}
		c := v[0]
		if c != 0x40 && c != 0x20 && (c != 0 || f.Encoding == IBMFloat) {
			return false
		}
		for _, d := range v[1:] {
			if d != c {
				return false
			}
		}
		return true
	}
	return f.IsTextNull(v)
}

// mainframeDigits reads a zoned or packed value (as ValueBytes returns it)
// scaled to the field's type: the magnitude at the DECIMAL's scale (0 for
// integers) and the sign.
func (f *Field) mainframeDigits(v []byte) (u128, bool, error) {
	if u, neg, ok := f.fastDigits(v); ok {
		return u128{0, u}, neg, nil
	}
	var mag u128
	var neg bool
	var err error
	decimals := f.Implied
	if f.Encoding == Packed {
		mag, neg, err = parsePacked(v, f.Unsigned)
	} else {
		var frac int
		mag, neg, frac, err = parseZoned(trimPad(v), f.Sign, f.Unsigned)
		if frac >= 0 {
			decimals = frac
		}
	}
	if err != nil {
		return mag, neg, err
	}
	scale, precision := 0, MaxWideDecimalPrecision
	if f.Type.Kind == Decimal {
		scale, precision = f.Type.Scale, f.Type.Precision
	}
	mag, err = rescaleDigits(mag, decimals, scale, precision)
	return mag, neg, err
}

// packedPair maps a byte of two digit nibbles to its value 0..99, and
// any other byte to 0xFF.
var packedPair = func() (t [256]uint8) {
	for i := range t {
		hi, lo := i>>4, i&0xF
		t[i] = 0xFF
		if hi <= 9 && lo <= 9 {
			t[i] = uint8(hi*10 + lo)
		}
	}
	return
}()

// zonedLast maps the last byte of a zoned number with a trailing
// overpunch (ASCII domain) to its digit, plus 0x10 when negative, or 0xFF.
var zonedLast = func() (t [256]uint8) {
	for i := range t {
		t[i] = 0xFF
		if d, neg, _, ok := overpunch(byte(i)); ok {
			t[i] = d
			if neg {
				t[i] |= 0x10
			}
		}
	}
	return
}()

// fastDigits is the common case of mainframeDigits: a packed field of at
// most 9 bytes with a sign nibble, or a zoned field of at most 18 digits
// with a trailing overpunch (or none), no point, no padding, its decimals
// equal to the type's scale. ok is false when the value needs the general
// path (which also reports errors).
func (f *Field) fastDigits(v []byte) (u uint64, neg, ok bool) {
	n := len(v)
	scale, precision := 0, 18
	if f.Type.Kind == Decimal {
		scale, precision = f.Type.Scale, min(f.Type.Precision, 18)
	}
	if f.Implied != scale || n == 0 {
		return 0, false, false
	}
	switch {
	case f.Encoding == Packed && !f.Unsigned && n <= 9:
		for _, c := range v[:n-1] {
			p := packedPair[c]
			if p > 99 {
				return 0, false, false
			}
			u = u*100 + uint64(p)
		}
		c := v[n-1]
		d := c >> 4
		if d > 9 {
			return 0, false, false
		}
		u = u*10 + uint64(d)
		switch c & 0xF {
		case 0xC, 0xF, 0xA, 0xE:
		case 0xD, 0xB:
			neg = u != 0
		default:
			return 0, false, false
		}
	case f.Encoding == Zoned && (f.Sign == SignDefault || f.Sign == SignTrailing) && n <= 18:
		for _, c := range v[:n-1] {
			d := c - '0'
			if d > 9 {
				return 0, false, false
			}
			u = u*10 + uint64(d)
		}
		last := zonedLast[v[n-1]]
		if last == 0xFF || (f.Unsigned && last&0x10 != 0) {
			return 0, false, false
		}
		u = u*10 + uint64(last&0x0F)
		neg = last&0x10 != 0 && u != 0
	default:
		return 0, false, false
	}
	if u >= uint64(pow10[precision]) {
		return 0, false, false
	}
	return u, neg, true
}

// ParseMainframeInt reads a zoned or packed value of a signed integer
// field, or of a DECIMAL of at most 18 digits (unscaled, at its scale).
func (f *Field) ParseMainframeInt(v []byte) (int64, error) {
	mag, neg, err := f.mainframeDigits(v)
	if err != nil {
		return 0, err
	}
	bits := 64
	if f.Type.IsInteger() {
		bits = f.Type.BinaryWidth() * 8
	}
	limit := uint64(1)<<(bits-1) - 1
	if neg {
		limit++
	}
	if mag.hi != 0 || mag.lo > limit {
		return 0, errOverflow
	}
	if neg {
		return -int64(mag.lo), nil
	}
	return int64(mag.lo), nil
}

// ParseMainframeUint reads a zoned or packed value of an unsigned integer
// field.
func (f *Field) ParseMainframeUint(v []byte) (uint64, error) {
	mag, neg, err := f.mainframeDigits(v)
	if err != nil {
		return 0, err
	}
	if neg {
		return 0, errOverflow
	}
	bits := f.Type.BinaryWidth() * 8
	if mag.hi != 0 || (bits < 64 && mag.lo > uint64(1)<<bits-1) {
		return 0, errOverflow
	}
	return mag.lo, nil
}

// ParseMainframeDecimal reads a zoned or packed DECIMAL value of any
// precision (up to 38 digits).
func (f *Field) ParseMainframeDecimal(v []byte) (decimal128.Num, error) {
	mag, neg, err := f.mainframeDigits(v)
	if err != nil {
		return decimal128.Num{}, err
	}
	return mag.num(neg), nil
}

// ParseMainframeFloat reads an IBM float field.
func (f *Field) ParseMainframeFloat(v []byte) (float64, error) {
	x := decodeHFP(v)
	if f.Type.Kind == Float32 && math.Abs(x) > math.MaxFloat32 {
		return 0, errOverflow
	}
	return x, nil
}

// decodeMainframe is DecodeField's path for zoned, packed and IBM float
// fields and text fields with a code page.
func decodeMainframe(f *Field, raw []byte) (any, error) {
	v := f.ValueBytes(raw, nil)
	if f.Encoding == Text {
		if f.Type.Kind == Char {
			if f.IsTextNull(v) {
				return nil, nil
			}
			return string(TrimChar(v, f.Trim)), nil
		}
		return decodeText(f, v)
	}
	if f.IsNullValue(v) {
		return nil, nil
	}
	t := f.Type
	switch {
	case f.Encoding == IBMFloat:
		return f.ParseMainframeFloat(v)
	case t.Kind == Decimal && t.Precision > MaxDecimalPrecision:
		n, err := f.ParseMainframeDecimal(v)
		return WideDecimalValue{n, t.Scale}, err
	case t.Kind == Decimal:
		n, err := f.ParseMainframeInt(v)
		return DecimalValue{n, t.Scale}, err
	case t.IsSigned():
		return f.ParseMainframeInt(v)
	}
	return f.ParseMainframeUint(v)
}

// encodeMainframe is EncodeField's path for the same fields; v is
// normalized (normalizeValue).
func encodeMainframe(f *Field, raw []byte, v any) error {
	if f.Encoding == Text {
		s, ok := v.(string)
		if !ok {
			// Numbers, dates, booleans: render as ASCII text, then encode.
			tmp := make([]byte, len(raw))
			if err := encodeText(f, tmp, v); err != nil {
				return err
			}
			s = string(tmp)
		}
		return f.cp.Encode(raw, s)
	}
	if f.Encoding == IBMFloat {
		x, ok := v.(float64)
		if !ok {
			return errUnsupported
		}
		return encodeHFP(raw, x)
	}
	var mag u128
	var neg bool
	scale := 0
	switch x := v.(type) {
	case int64:
		neg = x < 0
		mag = u128{0, uint64(x)}
		if neg {
			mag.lo = uint64(-x)
		}
	case uint64:
		mag = u128{0, x}
	case DecimalValue:
		neg, scale = x.Unscaled < 0, x.Scale
		mag = u128{0, uint64(x.Unscaled)}
		if neg {
			mag.lo = uint64(-x.Unscaled)
		}
	case WideDecimalValue:
		mag, neg = fromNum(x.Num)
		scale = x.Scale
	default:
		return errUnsupported
	}
	// The stored digits have f.Implied decimals.
	mag, err := rescaleDigits(mag, scale, f.Implied, MaxWideDecimalPrecision)
	if err != nil {
		return fmt.Errorf("value does not fit the field's %d implied decimals", f.Implied)
	}
	if f.Encoding == Packed {
		if err := putPacked(raw, mag, neg, f.Unsigned); err != nil {
			return fmt.Errorf("value does not fit %d packed digits: %w", PackedDigits(len(raw), f.Unsigned), err)
		}
		return nil
	}
	out, err := appendZoned(raw[:0:0], mag, neg, len(raw), f.Sign, f.Unsigned)
	if err != nil {
		return err
	}
	if f.cp != nil {
		for i, c := range out {
			out[i] = zonedToEBCDIC[c]
		}
	}
	copy(raw, out)
	return nil
}

// encodeMainframeNull writes NULL into a mainframe field: the first NULLIF
// sentinel or blanks (spaces of the field's character set; EBCDIC spaces
// for packed and IBM float fields).
func encodeMainframeNull(f *Field, raw []byte) error {
	if f.Encoding == Text || f.Encoding == Zoned {
		text := ""
		if f.HasNullIf() {
			text = f.NullIf[0]
		}
		padded := make([]byte, len(raw))
		fill(padded, ' ')
		copy(padded[max(0, len(padded)-len(text)):], text)
		if f.cp == nil {
			copy(raw, padded)
			return nil
		}
		if f.Encoding == Zoned {
			for i, c := range padded {
				raw[i] = zonedToEBCDIC[c]
			}
			return nil
		}
		return f.cp.Encode(raw, string(padded))
	}
	fill(raw, 0x40)
	return nil
}
