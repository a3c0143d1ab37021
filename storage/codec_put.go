package storage

// The Put methods write one value of a fixed Go type into field i of a
// record, as EncodeField does, without boxing it in an interface: encoding
// millions of values (a query's result written to a .rec file) then
// allocates nothing. They take the short path only for a plain binary
// field of the matching kind; every other field (text, zoned, packed, a
// code page, an unsigned DECIMAL) and every other kind goes through
// EncodeField, so the two always write the same bytes and report the same
// errors. PutNull writes NULL.

// plainBinary reports whether f is a little- or big-endian binary field
// without a code page.
func plainBinary(f *Field) bool {
	return (f.Encoding == LittleEndian || f.Encoding == BigEndian) && f.cp == nil
}

// put finishes a short-path write: the field's null bit is cleared, or
// err is reported as EncodeField reports it.
func (s *Schema) put(f *Field, rec []byte, err error) error {
	if err != nil {
		return &FieldError{Field: f.Name, Offset: f.Offset, Err: err}
	}
	s.SetNull(f, rec, false)
	return nil
}

// PutNull writes NULL into field i (an error for a NOT NULL field).
func (s *Schema) PutNull(rec []byte, i int) error { return s.EncodeField(rec, i, nil) }

// PutBool writes a BOOLEAN.
func (s *Schema) PutBool(rec []byte, i int, v bool) error {
	f := &s.Fields[i]
	if !plainBinary(f) || f.Type.Kind != Boolean {
		return s.EncodeField(rec, i, v)
	}
	putBool(rec[f.Offset:f.End()], v)
	return s.put(f, rec, nil)
}

// PutInt64 writes a signed integer, range-checked for the field's type.
func (s *Schema) PutInt64(rec []byte, i int, v int64) error {
	f := &s.Fields[i]
	if !plainBinary(f) || !f.Type.IsSigned() {
		return s.EncodeField(rec, i, v)
	}
	err := checkSigned(f.Type, v)
	if err == nil {
		writeBinaryInt(rec[f.Offset:f.End()], f.ByteOrder(), uint64(v))
	}
	return s.put(f, rec, err)
}

// PutUint64 writes an unsigned integer, range-checked for the field's
// type.
func (s *Schema) PutUint64(rec []byte, i int, v uint64) error {
	f := &s.Fields[i]
	if !plainBinary(f) || !f.Type.IsInteger() || f.Type.IsSigned() {
		return s.EncodeField(rec, i, v)
	}
	err := checkUnsigned(f.Type, v)
	if err == nil {
		writeBinaryInt(rec[f.Offset:f.End()], f.ByteOrder(), v)
	}
	return s.put(f, rec, err)
}

// PutFloat64 writes a FLOAT32 (rounded) or FLOAT64.
func (s *Schema) PutFloat64(rec []byte, i int, v float64) error {
	f := &s.Fields[i]
	if !plainBinary(f) || !f.Type.IsFloat() {
		return s.EncodeField(rec, i, v)
	}
	putFloat(f, rec[f.Offset:f.End()], v)
	return s.put(f, rec, nil)
}

// PutDecimal writes the decimal unscaled × 10^-scale, rescaled to the
// field's scale and checked against its precision.
func (s *Schema) PutDecimal(rec []byte, i int, unscaled int64, scale int) error {
	f := &s.Fields[i]
	d := DecimalValue{Unscaled: unscaled, Scale: scale}
	if !plainBinary(f) || f.Type.Kind != Decimal || f.Type.Precision > MaxDecimalPrecision || f.Unsigned {
		return s.EncodeField(rec, i, d)
	}
	d, err := fitDecimal(f.Type, d)
	if err == nil {
		writeBinaryInt(rec[f.Offset:f.End()], f.ByteOrder(), uint64(d.Unscaled))
	}
	return s.put(f, rec, err)
}

// PutString writes a CHAR, padded with spaces; a longer string is an
// error.
func (s *Schema) PutString(rec []byte, i int, v string) error {
	f := &s.Fields[i]
	if !plainBinary(f) || f.Type.Kind != Char {
		return s.EncodeField(rec, i, v)
	}
	err := checkChar(f.Type, v)
	if err == nil {
		putChar(rec[f.Offset:f.End()], v)
	}
	return s.put(f, rec, err)
}

// PutDate writes a DATE (days since 1970-01-01).
func (s *Schema) PutDate(rec []byte, i int, v DateValue) error {
	f := &s.Fields[i]
	if !plainBinary(f) || f.Type.Kind != Date {
		return s.EncodeField(rec, i, v)
	}
	f.ByteOrder().PutUint32(rec[f.Offset:f.End()], uint32(v))
	return s.put(f, rec, nil)
}

// PutTimestamp writes a TIMESTAMP (microseconds since 1970-01-01).
func (s *Schema) PutTimestamp(rec []byte, i int, v TimestampValue) error {
	f := &s.Fields[i]
	if !plainBinary(f) || f.Type.Kind != Timestamp {
		return s.EncodeField(rec, i, v)
	}
	f.ByteOrder().PutUint64(rec[f.Offset:f.End()], uint64(v))
	return s.put(f, rec, nil)
}
