package storage

import (
	"errors"
	"strings"
	"testing"
)

// TestSizeZeroWithContent: a file that reports 0 bytes but has content
// (/proc) is refused by every way of opening it, not read as empty; an
// empty regular file still opens.
func TestSizeZeroWithContent(t *testing.T) {
	const proc = "/proc/self/status"
	const want = "reports a size of 0 bytes but has content"
	check := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), proc) {
			t.Errorf("%s: %v, want ErrUnsupported naming %s and saying %q", what, err, proc, want)
		}
	}
	_, err := OpenRaw(proc, textSchema(t), RawOptions{Text: true})
	check("OpenRaw", err)
	check("CheckDataFile", CheckDataFile(proc))
	for _, s := range []Strategy{Mmap, Buffered, Direct, Auto} {
		src, err := OpenSource(proc, s, FullScan)
		if err == nil {
			src.Close()
		}
		check("OpenSource "+s.String(), err)
	}
	tab, err := OpenRaw(writeFile(t, ""), textSchema(t), RawOptions{Text: true})
	if err != nil || tab.Layout.Count != 0 {
		t.Fatalf("an empty file: %v", err)
	}
}

// TestShortReadMessage: a read that comes back short while the file keeps
// its size (rewritten in place) says what happened with consistent
// numbers, not "needs 4096 bytes, past the end of the file (4096 bytes)".
func TestShortReadMessage(t *testing.T) {
	path := writeTestFile(t, t.TempDir(), "f.bin", testContent(4096, 1))
	src, err := OpenSource(path, Buffered, FullScan)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	fs := src.(*fdSource)
	fs.pread = func(fd int, p []byte, off int64) (int, error) { return 0, nil } // end of file at once
	_, err = src.Read(0, 4096)
	want := "reading 4096 bytes here returned only 0 although the file has 4096 bytes now (4096 when opened): was it rewritten while being read?"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want it to say %q", err, want)
	}
}

// TestFieldDescribe: one description of a field for DESCRIBE and recq
// describe; a binary CHAR is "binary" (byte order does not apply).
func TestFieldDescribe(t *testing.T) {
	s, err := NewSchema([]Field{
		{Name: "c", Type: TChar(4), Offset: Implicit},
		{Name: "i", Type: TInt32, Offset: Implicit, Encoding: BigEndian},
		{Name: "t", Type: TChar(3), Offset: Implicit, Encoding: Text, NullIf: []string{"  "}},
		{Name: "d", Type: TDecimal(7, 2), Offset: Implicit, Encoding: Text, Width: 6, Implied: 2},
	}, SchemaOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"binary", "big-endian", "text, NULLIF ''", "text, 2 implied decimals"}
	for i, f := range s.Fields {
		if got := f.Describe(); got != want[i] {
			t.Errorf("field %s: %q, want %q", f.Name, got, want[i])
		}
	}
}
