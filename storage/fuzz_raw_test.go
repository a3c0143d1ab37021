package storage

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// fuzzSchemas are the record layouts FuzzOpenRaw opens random bytes with.
var fuzzSchemas = []struct {
	text   bool
	fields []Field
	opts   SchemaOptions
}{
	{true, []Field{
		{Name: "id", Type: TInt32, Offset: 0, Width: 4},
		{Name: "name", Type: TChar(6), Offset: 5},
		{Name: "amount", Type: TDecimal(9, 2), Offset: 12, Width: 9, Implied: 2, Nullable: true},
		{Name: "day", Type: TDate, Offset: 22, Format: "YYYYMMDD"},
		{Name: "ok", Type: TBoolean, Offset: 31},
		{Name: "v", Type: TInt16, Offset: 33, Width: 6, NullIf: []string{"-9999"}},
	}, SchemaOptions{DefaultEncoding: Text}},
	{true, []Field{
		{Name: "ts", Type: TTimestamp, Offset: Implicit, Format: "YYYY-MM-DD HH:MI:SS.FFF"},
		{Name: "f", Type: TFloat64, Offset: Implicit, Width: 8, Implied: 1},
		{Name: "u", Type: TUint8, Offset: Implicit, Width: 3},
	}, SchemaOptions{DefaultEncoding: Text}},
	{false, []Field{
		{Name: "a", Type: TInt64, Offset: Implicit},
		{Name: "b", Type: TFloat32, Offset: Implicit, Encoding: BigEndian, Nullable: true},
		{Name: "c", Type: TDecimal(4, 1), Offset: Implicit, Width: 2},
		{Name: "d", Type: TDate, Offset: Implicit, Nullable: true},
		{Name: "s", Type: TChar(3), Offset: Implicit, Trim: TrimBoth},
		{Name: "t", Type: TBoolean, Offset: Implicit},
	}, SchemaOptions{NullBitmap: Implicit}},
	{false, []Field{
		{Name: "x", Type: TUint16, Offset: 0, Encoding: BigEndian},
		{Name: "y", Type: TInt8, Offset: 1}, // overlaps x
		{Name: "z", Type: TTimestamp, Offset: 2},
	}, SchemaOptions{RecordLen: 12}},
}

// FuzzOpenRaw opens random bytes as a raw file with random layouts and
// options. Opening either fails with a *FileError or yields a layout that
// fits the file: every record it promises can be read through a Source
// and decoded field by field (a field may fail to decode, with an error,
// never a panic).
func FuzzOpenRaw(f *testing.F) {
	f.Add([]byte("   1 Alice 000012345 19980101 Y  -9999\n  22 Bob   -00000001 20000229 N     12\n"), uint8(0), uint8(0), uint8(0), uint8(0), uint8(0))
	f.Add([]byte("   1 Alice 000012345 19980101 Y  -9999\r\n  22 Bob\r\n"), uint8(0), uint8(0x14), uint8(0), uint8(0), uint8(0))
	f.Add([]byte("header line\n2024-01-31 10:11:12.123 0001234 255\n2024-02-29 00:00:00.000 -000001 7\n"), uint8(1), uint8(0), uint8(0), uint8(1), uint8(0))
	f.Add(make([]byte, 3*28), uint8(2), uint8(0), uint8(0), uint8(0), uint8(0))
	f.Add(make([]byte, 3*28+5), uint8(2), uint8(0x20), uint8(0), uint8(0), uint8(0))
	f.Add([]byte("0123456789ab0123456789ab"), uint8(3), uint8(0), uint8(0), uint8(0), uint8(0))
	f.Add([]byte{}, uint8(0), uint8(0), uint8(0), uint8(0), uint8(0))
	f.Add([]byte("\n\n\n"), uint8(0), uint8(0x08), uint8(0), uint8(2), uint8(40))
	f.Fuzz(func(t *testing.T, data []byte, schemaSel, flags, skipBytes, skipLines, recLen uint8) {
		fs := fuzzSchemas[int(schemaSel)%len(fuzzSchemas)]
		s, err := NewSchema(fs.fields, fs.opts)
		if err != nil {
			t.Fatalf("fuzz schema %d: %v", schemaSel, err)
		}
		opts := RawOptions{
			Text:          fs.text,
			SkipBytes:     int64(skipBytes % 16),
			SkipLines:     int(skipLines % 3),
			Separator:     Separator(flags & 3),
			PadShortLines: flags&4 != 0,
			IgnorePartial: flags&8 != 0,
		}
		if flags&16 != 0 {
			opts.RecordLen = int(recLen)
		}
		path := filepath.Join(t.TempDir(), "raw.dat")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		tab, err := OpenRaw(path, s, opts)
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) || fe.Path != path {
				t.Fatalf("error %v (%T) is not a FileError naming the file", err, err)
			}
			return
		}
		l := &tab.Layout
		if l.Count < 0 || l.RecordLen < s.RecordLen || l.DataOffset < 0 || l.DataEnd() > tab.Size {
			t.Fatalf("layout %+v does not fit a %d-byte file (schema needs %d bytes)", *l, tab.Size, s.RecordLen)
		}
		src, err := OpenSource(path, Buffered, FullScan)
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		if n := l.DataEnd() - l.DataOffset; n > 0 {
			reg, err := src.Read(l.DataOffset, int(n))
			if err != nil {
				t.Fatalf("the records OpenRaw found cannot be read: %v", err)
			}
			reg.Release()
		}
		file, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer file.Close()
		for i := int64(0); i < min(l.Count, 200); i++ {
			rec, err := tab.Record(file, i)
			if err != nil {
				t.Fatalf("record %d of %d: %v", i, l.Count, err)
			}
			if len(rec) != l.RecordLen {
				t.Fatalf("record %d is %d bytes, want %d", i, len(rec), l.RecordLen)
			}
			for j := range s.Fields {
				if _, err := s.DecodeField(rec, j); err != nil {
					var fe *FieldError
					if !errors.As(err, &fe) || fe.Field != s.Fields[j].Name {
						t.Fatalf("record %d field %s: error %v (%T) is not a FieldError naming the field", i, s.Fields[j].Name, err, err)
					}
				}
			}
		}
	})
}
