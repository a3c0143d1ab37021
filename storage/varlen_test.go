package storage

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// varRecords makes n records of varying lengths (1 to 40 bytes).
func varRecords(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = []byte(strings.Repeat(string(rune('a'+i%26)), 1+(i*7)%40))
	}
	return out
}

// writeVar writes recs with fr's headers and returns the bytes.
func writeVar(t testing.TB, fr Framing, blockSize int, recs [][]byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := NewVarWriter(&b, fr, blockSize)
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestVarSplitRoundTrip(t *testing.T) {
	recs := varRecords(300)
	for _, fr := range []Framing{
		{},
		{RDWLittleEndian: true},
		{RDWAdjust: -4},
		{RDWLittleEndian: true, RDWAdjust: -2},
		{Blocked: true},
		{Blocked: true, BDWAdjust: -4, RDWAdjust: -4},
		{Blocked: true, BDWLittleEndian: true, RDWLittleEndian: true},
	} {
		for _, bs := range []int{0, 64, 200} {
			if !fr.Blocked && bs != 0 {
				continue
			}
			t.Run(fmt.Sprintf("%+v/%d", fr, bs), func(t *testing.T) {
				data := writeVar(t, fr, bs, recs)
				var sp RecordSpans
				n, err := fr.Split("f", data, 0, 0, 0, -1, &sp)
				if err != nil || n != len(recs) || sp.N() != len(recs) {
					t.Fatalf("Split = %d records, %v; want %d", n, err, len(recs))
				}
				for i, r := range recs {
					if got := data[sp.Start[i] : sp.Start[i]+sp.Len[i]]; !bytes.Equal(got, r) {
						t.Fatalf("record %d = %q, want %q", i, got, r)
					}
				}
				x, err := buildVarIndex("f", bytes.NewReader(data), 0, int64(len(data)), fr)
				if err != nil || x.Count != int64(len(recs)) || x.MaxLen != 40 {
					t.Fatalf("index = %+v, %v", x, err)
				}
				// Skip and limit from the start.
				sp.Reset()
				if _, err := fr.Split("f", data, 0, 0, 5, 3, &sp); err != nil || sp.N() != 3 || !bytes.Equal(data[sp.Start[0]:sp.Start[0]+sp.Len[0]], recs[5]) {
					t.Fatalf("Split(skip 5, 3) = %d, %v", sp.N(), err)
				}
			})
		}
	}
}

func TestRDWHeaderRules(t *testing.T) {
	for _, tc := range []struct {
		fr   Framing
		h    []byte
		want int
	}{
		{Framing{}, []byte{0, 30, 0, 0}, 30},
		{Framing{}, []byte{1, 2, 0, 0}, 258},
		{Framing{RDWAdjust: -4}, []byte{0, 34, 0, 0}, 30},
		{Framing{RDWLittleEndian: true}, []byte{2, 1, 0, 0}, 258},
		{Framing{}, []byte{0, 0, 0, 30}, 30},                      // Cobrix: the second half when the first is zero
		{Framing{RDWLittleEndian: true}, []byte{0, 0, 30, 0}, 30}, // likewise, little-endian
	} {
		if got := tc.fr.rdwLength(tc.h); got != tc.want {
			t.Errorf("%+v rdwLength(% X) = %d, want %d", tc.fr, tc.h, got, tc.want)
		}
	}
	if got := (&Framing{BDWLittleEndian: true}).bdwLength([]byte{0, 0, 2, 1}); got != 258 {
		t.Errorf("little-endian BDW = %d, want 258", got)
	}
}

func TestVarSplitCorrupt(t *testing.T) {
	good := writeVar(t, Framing{}, 0, varRecords(3)) // records of 1, 8 and 15 bytes
	blocked := writeVar(t, Framing{Blocked: true}, 0, varRecords(3))
	for _, tc := range []struct {
		name string
		fr   Framing
		data []byte
		want string
		rec  int64
	}{
		{"zero length", Framing{}, []byte{0, 0, 0, 0, 1}, "announces 0 bytes", 0},
		{"past the end", Framing{}, append(append([]byte{}, good...), 0, 9, 0, 0, 'x'), "announces 9 bytes but only 1", 3},
		{"truncated header", Framing{}, append(append([]byte{}, good...), 0, 9), "ends inside a record descriptor word", 3},
		{"negative after adjustment", Framing{RDWAdjust: -4}, []byte{0, 2, 0, 0, 1, 2}, "announces -2 bytes", 0},
		{"BDW past the end", Framing{Blocked: true}, append([]byte{0, 99, 0, 0}, blocked[4:]...), "block descriptor word (BDW) announces 99 bytes", 0},
		{"RDW past its block", Framing{Blocked: true}, []byte{0, 6, 0, 0, 0, 5, 0, 0, 1, 2}, "left in its block", 0},
		{"zero BDW", Framing{Blocked: true}, []byte{0, 0, 0, 0}, "(BDW) announces 0 bytes", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var sp RecordSpans
			_, err := tc.fr.Split("x.dat", tc.data, 100, 0, 0, -1, &sp)
			_, err2 := buildVarIndex("x.dat", bytes.NewReader(tc.data), 0, int64(len(tc.data)), tc.fr)
			for _, e := range []error{err, err2} {
				var fe *FileError
				if !errors.As(e, &fe) || !strings.Contains(e.Error(), tc.want) || fe.Record != tc.rec || !strings.Contains(e.Error(), "rdw_adjustment") {
					t.Errorf("error = %v; want a FileError at record %d saying %q", e, tc.rec, tc.want)
				}
			}
		})
	}
}

func TestVarWriterLimits(t *testing.T) {
	w := NewVarWriter(&bytes.Buffer{}, Framing{}, 0)
	if err := w.Write(nil); err == nil {
		t.Error("an empty record was written")
	}
	if err := w.Write(make([]byte, 70000)); err == nil {
		t.Error("a 70000-byte record was written")
	}
}

// varSchema is a layout of a 4-byte CHAR key and a 6-byte CHAR tail.
func varSchema(t *testing.T) *Schema {
	t.Helper()
	s, err := NewSchema([]Field{
		{Name: "k", Type: TChar(4), Offset: Implicit, Encoding: Text, Nullable: true},
		{Name: "tail", Type: TChar(6), Offset: Implicit, Encoding: Text, Nullable: true},
	}, SchemaOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestOpenRawVariable(t *testing.T) {
	forgetIndexes()
	defer forgetIndexes()
	old := indexFileMinBytes
	indexFileMinBytes = 0
	defer func() { indexFileMinBytes = old }()
	dir := t.TempDir()
	path := filepath.Join(dir, "v.dat")
	recs := [][]byte{[]byte("AAAA"), []byte("BBBBtail01"), []byte("CCCCtail02-extra")}
	data := append([]byte("HEAD"), writeVar(t, Framing{RDWAdjust: -4}, 0, recs)...)
	data = append(data, "TRAILER"...)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	opts := RawOptions{RecordFormat: RecordVariable, RDWAdjust: -4, SkipBytes: 4, EndBytes: 7}
	tab, err := OpenRaw(path, varSchema(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	if tab.Layout.Count != 3 || tab.Layout.Var.Source != "built" || tab.Layout.Var.MaxLen != 16 {
		t.Fatalf("count %d, index %+v", tab.Layout.Count, tab.Layout.Var)
	}
	f, _ := os.Open(path)
	defer f.Close()
	for i, want := range []string{"AAAA\x00\x00\x00\x00\x00\x00", "BBBBtail01", "CCCCtail02"} {
		rec, err := tab.Record(f, int64(i))
		if err != nil || string(rec) != want {
			t.Errorf("record %d = %q, %v; want %q", i, rec, err, want)
		}
	}
	if _, err := os.Stat(path + ".recq-idx"); err != nil {
		t.Fatalf("no index file: %v", err)
	}
	// From memory, then from the file once the memory cache is empty.
	if tab, _ = OpenRaw(path, varSchema(t), opts); tab.Layout.Var.Source != "memory" {
		t.Errorf("second open: index from %s, want memory", tab.Layout.Var.Source)
	}
	forgetIndexes()
	if tab, _ = OpenRaw(path, varSchema(t), opts); tab.Layout.Var.Source != "file" || tab.Layout.Count != 3 {
		t.Errorf("third open: index from %s (%d records), want file", tab.Layout.Var.Source, tab.Layout.Count)
	}
	// Other options that move boundaries do not reuse it.
	forgetIndexes()
	if _, err := OpenRaw(path, varSchema(t), RawOptions{RecordFormat: RecordVariable, SkipBytes: 4, EndBytes: 7}); err == nil {
		t.Error("rdw_adjustment 0 read the -4 file")
	}
	// Touching the file (same size, new mtime) rebuilds the index.
	forgetIndexes()
	touched := time.Now().Add(-time.Hour)
	os.Chtimes(path, touched, touched)
	if tab, err = OpenRaw(path, varSchema(t), opts); err != nil || tab.Layout.Var.Source != "built" {
		t.Errorf("after touch: index from %s, %v; want built", tab.Layout.Var.Source, err)
	}
	// Appending a record (size and mtime change) rebuilds the index.
	forgetIndexes()
	data = append(data[:len(data)-7], writeVar(t, Framing{RDWAdjust: -4}, 0, [][]byte{[]byte("DDDDtail03")})...)
	data = append(data, "TRAILER"...)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Minute)
	os.Chtimes(path, later, later)
	tab, err = OpenRaw(path, varSchema(t), opts)
	if err != nil || tab.Layout.Count != 4 || tab.Layout.Var.Source != "built" {
		t.Fatalf("after append: %v, %+v", err, tab)
	}
	// A damaged index file is rebuilt, never trusted.
	forgetIndexes()
	b, _ := os.ReadFile(path + ".recq-idx")
	b[len(b)-10] ^= 0xFF
	os.WriteFile(path+".recq-idx", b, 0o644)
	if tab, err = OpenRaw(path, varSchema(t), opts); err != nil || tab.Layout.Var.Source != "built" || tab.Layout.Count != 4 {
		t.Fatalf("damaged index: %v, %+v", err, tab)
	}
}

func TestVarIndexUnwritableDirectory(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes to read-only directories")
	}
	forgetIndexes()
	defer forgetIndexes()
	old := indexFileMinBytes
	indexFileMinBytes = 0
	defer func() { indexFileMinBytes = old }()
	dir := t.TempDir()
	path := filepath.Join(dir, "v.dat")
	if err := os.WriteFile(path, writeVar(t, Framing{}, 0, varRecords(10)), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o555)
	defer os.Chmod(dir, 0o755)
	tab, err := OpenRaw(path, varSchema(t), RawOptions{RecordFormat: RecordVariable})
	if err != nil || tab.Layout.Count != 10 {
		t.Fatalf("open: %v", err)
	}
	if _, err := os.Stat(path + ".recq-idx"); err == nil {
		t.Error("an index file appeared in a read-only directory")
	}
	if tab, _ = OpenRaw(path, varSchema(t), RawOptions{RecordFormat: RecordVariable}); tab.Layout.Var.Source != "memory" {
		t.Errorf("second open: index from %s, want memory", tab.Layout.Var.Source)
	}
}

func TestVarIndexEntries(t *testing.T) {
	// About 3 MiB of records: entries every IndexSpanBytes at record
	// boundaries; for VB at block boundaries.
	recs := make([][]byte, 0, 100000)
	for i := range 100000 {
		recs = append(recs, bytes.Repeat([]byte{byte(i)}, 10+i%30))
	}
	for _, fr := range []Framing{{}, {Blocked: true}} {
		data := writeVar(t, fr, 0, recs)
		x, err := buildVarIndex("f", bytes.NewReader(data), 0, int64(len(data)), fr)
		if err != nil || x.Count != 100000 || len(x.Entries) < 3 {
			t.Fatalf("%+v: %d entries, %v", fr, len(x.Entries), err)
		}
		for k := range x.Entries {
			first, end, off, offEnd := x.Span(k)
			var sp RecordSpans
			n, err := fr.Split("f", data[off:offEnd], off, first, 0, -1, &sp)
			if err != nil || int64(n) != end-first {
				t.Fatalf("%+v entry %d: %d records, %v; want %d", fr, k, n, err, end-first)
			}
			if got := data[off+int64(sp.Start[0]) : off+int64(sp.Start[0]+sp.Len[0])]; !bytes.Equal(got, recs[first]) {
				t.Fatalf("entry %d starts with the wrong record", k)
			}
		}
		key := indexKey{start: 0, end: int64(len(data)), fr: fr}
		y, err := decodeRecIndex(encodeRecIndex(key, x), key)
		if err != nil || len(y.Entries) != len(x.Entries) || y.Count != x.Count {
			t.Fatalf("index file round trip: %v", err)
		}
		if _, err := decodeRecIndex(encodeRecIndex(key, x), indexKey{end: int64(len(data)), fr: Framing{RDWAdjust: 1, Blocked: fr.Blocked}}); err == nil {
			t.Error("an index of other options was accepted")
		}
	}
}
