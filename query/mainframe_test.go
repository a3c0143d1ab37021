package query

import (
	"bytes"
	"os"
	"testing"

	"github.com/recq/recq/storage"
)

// accountRows are the records of testdata/mainframe/accounts.ebc, in the
// layout of its sidecar (a COBOL record with zoned, packed, binary and IBM
// float fields in code page 037).
var accountRows = [][]any{
	{int64(1), "Müller", "1234567.89", "123.45", "-12.5", int64(10), 0.125, "1999-12-31", "1234567890123456789012.345", "A"},
	{int64(2), "Ødegård", "-0.01", "-99999.99", "+999.9", int64(-1), -118.625, "2000-01-01", "-1.000", "C"},
	{int64(3), "[brackets]", "0", "0", "0", int64(32767), 0, "2024-02-29", "0", " "},
	{int64(42), "Smith", "999999999.99", "12.34", "-0.1", int64(7), 1e-5, "1969-01-01", "9999999999999999999999.999", "A"},
	{int64(100), "¢ and ¬", "-5000", "12.34", "3.0", int64(-32768), 6.02e23, "2068-12-31", "-9999999999999999999999.999", "X"},
	{int64(999999), "Zoë", "1000.00", nil, nil, int64(0), nil, nil, nil, "A"},
}

// TestMainframeSample rebuilds testdata/mainframe/accounts.ebc with recq's
// writers (Schema.EncodeField) from accountRows and checks that the
// committed file is exactly that; -rewrite writes it.
func TestMainframeSample(t *testing.T) {
	ddl, err := os.ReadFile("../testdata/mainframe/accounts.ebc.schema")
	if err != nil {
		t.Fatal(err)
	}
	l, err := ParseLayout(string(ddl))
	if err != nil {
		t.Fatal(err)
	}
	s := l.Schema
	var out bytes.Buffer
	rec := make([]byte, s.RecordLen)
	for _, row := range accountRows {
		for i, v := range row {
			if d, ok := v.(string); ok && s.Fields[i].Type.Kind == storage.Date {
				day, err := storage.ParseTextDate([]byte(d), storage.DefaultDateFormat, 0)
				if err != nil {
					t.Fatal(err)
				}
				v = storage.DateValue(day)
			}
			if err := s.EncodeField(rec, i, v); err != nil {
				t.Fatalf("row %v field %s: %v", row[0], s.Fields[i].Name, err)
			}
		}
		out.Write(rec)
	}
	const path = "../testdata/mainframe/accounts.ebc"
	if *rewriteGolden {
		if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, out.Bytes()) {
		t.Fatalf("%s differs from what the writers produce (run go test ./query -run TestMainframeSample -rewrite)", path)
	}
	// accounts_bad.ebc is the same file with a bad sign nibble in the
	// balance of record 2 (0-based) and a non-digit in its credit.
	bad := bytes.Clone(got)
	bad[2*s.RecordLen+23] = 0x13
	bad[2*s.RecordLen+26] = 0x7B
	const badPath = "../testdata/mainframe/accounts_bad.ebc"
	if *rewriteGolden {
		if err := os.WriteFile(badPath, bad, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := os.ReadFile(badPath); err != nil || !bytes.Equal(got, bad) {
		t.Fatalf("%s is not accounts.ebc with two bad bytes (run with -rewrite): %v", badPath, err)
	}
	// Every value reads back as written.
	for r := range accountRows {
		for i, want := range accountRows[r] {
			v, err := s.DecodeField(got[r*s.RecordLen:], i)
			if err != nil {
				t.Fatalf("row %d field %s: %v", r, s.Fields[i].Name, err)
			}
			probe := make([]byte, s.RecordLen)
			if want != nil {
				if err := s.EncodeField(probe, i, v); err != nil {
					t.Fatalf("row %d field %s: %v does not re-encode: %v", r, s.Fields[i].Name, v, err)
				}
				f := &s.Fields[i]
				if !bytes.Equal(probe[f.Offset:f.End()], got[r*s.RecordLen+f.Offset:r*s.RecordLen+f.End()]) {
					t.Errorf("row %d field %s: %v re-encodes differently", r, f.Name, v)
				}
			} else if v != nil {
				t.Errorf("row %d field %s: %v, want NULL", r, s.Fields[i].Name, v)
			}
		}
	}
}
