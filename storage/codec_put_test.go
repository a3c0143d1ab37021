package storage

import (
	"bytes"
	"fmt"
	"math"
	"testing"
)

// TestPutMatchesEncodeField: every Put method writes the bytes
// EncodeField writes for the same value, and fails where it fails with the
// same message, on binary fields of both byte orders (the short path) and
// on text, zoned and unsigned fields and mismatched kinds (the fallback).
func TestPutMatchesEncodeField(t *testing.T) {
	fields := []Field{
		{Name: "b", Type: TBoolean, Nullable: true},
		{Name: "i8", Type: TInt8, Nullable: true},
		{Name: "i16be", Type: TInt16, Encoding: BigEndian},
		{Name: "i32", Type: TInt32, Nullable: true},
		{Name: "i64", Type: TInt64},
		{Name: "u8", Type: TUint8},
		{Name: "u32be", Type: TUint32, Encoding: BigEndian},
		{Name: "u64", Type: TUint64, Nullable: true},
		{Name: "f32", Type: TFloat32},
		{Name: "f64be", Type: TFloat64, Encoding: BigEndian, Nullable: true},
		{Name: "d92", Type: TDecimal(9, 2), Nullable: true},
		{Name: "d182", Type: TDecimal(18, 2)},
		{Name: "dunsigned", Type: TDecimal(5, 1), Unsigned: true},
		{Name: "c5", Type: TChar(5), Nullable: true},
		{Name: "date", Type: TDate},
		{Name: "ts", Type: TTimestamp, Nullable: true},
		{Name: "txt_i", Type: TInt32, Encoding: Text, Width: 6},
		{Name: "txt_d", Type: TDecimal(7, 2), Encoding: Text, Width: 9, Nullable: true},
		{Name: "txt_c", Type: TChar(4), Encoding: Text},
		{Name: "zoned", Type: TDecimal(5, 0), Encoding: Zoned, Width: 5},
	}
	for i := range fields {
		fields[i].Offset = Implicit
	}
	s, err := NewSchema(fields, SchemaOptions{NullBitmap: Implicit})
	if err != nil {
		t.Fatal(err)
	}
	type call struct {
		name string
		put  func(rec []byte, i int) error
		v    any
	}
	calls := []call{
		{"bool true", func(r []byte, i int) error { return s.PutBool(r, i, true) }, true},
		{"bool false", func(r []byte, i int) error { return s.PutBool(r, i, false) }, false},
		{"int 0", func(r []byte, i int) error { return s.PutInt64(r, i, 0) }, int64(0)},
		{"int 127", func(r []byte, i int) error { return s.PutInt64(r, i, 127) }, int64(127)},
		{"int -129", func(r []byte, i int) error { return s.PutInt64(r, i, -129) }, int64(-129)},
		{"int 70000", func(r []byte, i int) error { return s.PutInt64(r, i, 70000) }, int64(70000)},
		{"int min", func(r []byte, i int) error { return s.PutInt64(r, i, math.MinInt64) }, int64(math.MinInt64)},
		{"uint 255", func(r []byte, i int) error { return s.PutUint64(r, i, 255) }, uint64(255)},
		{"uint 256", func(r []byte, i int) error { return s.PutUint64(r, i, 256) }, uint64(256)},
		{"uint max", func(r []byte, i int) error { return s.PutUint64(r, i, math.MaxUint64) }, uint64(math.MaxUint64)},
		{"float 1.5", func(r []byte, i int) error { return s.PutFloat64(r, i, 1.5) }, 1.5},
		{"float 1e300", func(r []byte, i int) error { return s.PutFloat64(r, i, 1e300) }, 1e300},
		{"float NaN", func(r []byte, i int) error { return s.PutFloat64(r, i, math.NaN()) }, math.NaN()},
		{"decimal 12.5", func(r []byte, i int) error { return s.PutDecimal(r, i, 125, 1) }, DecimalValue{125, 1}},
		{"decimal -0.123", func(r []byte, i int) error { return s.PutDecimal(r, i, -123, 3) }, DecimalValue{-123, 3}},
		{"decimal -0.12", func(r []byte, i int) error { return s.PutDecimal(r, i, -12, 2) }, DecimalValue{-12, 2}},
		{"decimal big", func(r []byte, i int) error { return s.PutDecimal(r, i, 99999999999, 0) }, DecimalValue{99999999999, 0}},
		{"string abc", func(r []byte, i int) error { return s.PutString(r, i, "abc") }, "abc"},
		{"string long", func(r []byte, i int) error { return s.PutString(r, i, "abcdef") }, "abcdef"},
		{"string 12", func(r []byte, i int) error { return s.PutString(r, i, "12") }, "12"},
		{"date", func(r []byte, i int) error { return s.PutDate(r, i, 19000) }, DateValue(19000)},
		{"timestamp", func(r []byte, i int) error { return s.PutTimestamp(r, i, 1700000000123456) }, TimestampValue(1700000000123456)},
		{"null", func(r []byte, i int) error { return s.PutNull(r, i) }, nil},
	}
	short := 0
	for i := range s.Fields {
		for _, c := range calls {
			want := bytes.Repeat([]byte{0xAA}, s.RecordLen)
			got := bytes.Clone(want)
			werr := s.EncodeField(want, i, c.v)
			gerr := c.put(got, i)
			if fmt.Sprint(werr) != fmt.Sprint(gerr) {
				t.Errorf("field %s, %s: Put error %v, EncodeField error %v", s.Fields[i].Name, c.name, gerr, werr)
				continue
			}
			if werr == nil && !bytes.Equal(got, want) {
				t.Errorf("field %s, %s: Put wrote % x, EncodeField % x", s.Fields[i].Name, c.name, got, want)
			}
			if werr == nil && plainBinary(&s.Fields[i]) {
				short++
			}
		}
	}
	if short < 20 {
		t.Errorf("only %d successful writes on binary fields: the cases do not reach the short path", short)
	}
}

// TestPutAllocatesNothing: the short path does not allocate.
func TestPutAllocatesNothing(t *testing.T) {
	s, err := NewSchema([]Field{
		{Name: "i", Type: TInt64, Offset: Implicit, Nullable: true},
		{Name: "d", Type: TDecimal(15, 2), Offset: Implicit},
		{Name: "c", Type: TChar(8), Offset: Implicit},
		{Name: "f", Type: TFloat64, Offset: Implicit},
	}, SchemaOptions{NullBitmap: Implicit})
	if err != nil {
		t.Fatal(err)
	}
	rec := make([]byte, s.RecordLen)
	str := "hello"
	n := testing.AllocsPerRun(100, func() {
		_ = s.PutInt64(rec, 0, 123456789)
		_ = s.PutDecimal(rec, 1, 12345, 2)
		_ = s.PutString(rec, 2, str)
		_ = s.PutFloat64(rec, 3, 2.5)
	})
	if n != 0 {
		t.Errorf("%v allocations per record", n)
	}
}
