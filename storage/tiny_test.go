package storage

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTinyFileSnapshot: a raw file up to TinyFileSize is read whole when
// OpenRaw opens it, and an Auto source serves those bytes; a larger file,
// a compressed one and an explicit strategy open the file as before.
func TestTinyFileSnapshot(t *testing.T) {
	s := textSchema(t)
	dir := t.TempDir()
	line := "abc  12 00150\n"
	tiny := filepath.Join(dir, "tiny.txt")
	if err := os.WriteFile(tiny, []byte(strings.Repeat(line, 3)), 0o644); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.txt")
	if err := os.WriteFile(big, []byte(strings.Repeat(line, TinyFileSize/len(line)+1)), 0o644); err != nil {
		t.Fatal(err)
	}
	gz := filepath.Join(dir, "tiny.txt.gz")
	if err := os.WriteFile(gz, gzipParts(t, []byte(strings.Repeat(line, 3))), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path     string
		snapshot bool
	}{{tiny, true}, {big, false}, {gz, false}} {
		tab, err := OpenRaw(c.path, s, RawOptions{Text: true})
		if err != nil {
			t.Fatal(err)
		}
		if tab.MayBeRec() == c.snapshot {
			t.Errorf("%s: MayBeRec %v for a text file read whole: %v", filepath.Base(c.path), tab.MayBeRec(), c.snapshot)
		}
		if got := tab.content != nil; got != c.snapshot {
			t.Errorf("%s: read whole %v, want %v", filepath.Base(c.path), got, c.snapshot)
		}
		src, err := OpenTableSource(tab, Auto, FullScan)
		if err != nil {
			t.Fatal(err)
		}
		_, isBytes := src.(*bytesSource)
		if isBytes != c.snapshot {
			t.Errorf("%s: source %T (%s)", filepath.Base(c.path), src, src.Reason())
		}
		r, err := src.Read(int64(len(line)), len(line))
		if err != nil {
			t.Fatal(err)
		}
		if string(r.Bytes) != line {
			t.Errorf("%s: second record %q, want %q", filepath.Base(c.path), r.Bytes, line)
		}
		r.Release()
		src.Close()
	}

	tab, err := OpenRaw(tiny, s, RawOptions{Text: true})
	if err != nil {
		t.Fatal(err)
	}
	// An explicit strategy is honoured: the file is opened again.
	src, err := OpenTableSource(tab, Mmap, FullScan)
	if err != nil {
		t.Fatal(err)
	}
	if src.Strategy() != Mmap {
		t.Errorf("mmap requested, got %v (%s)", src.Strategy(), src.Reason())
	}
	src.Close()
	// The snapshot's reason says what happened; reads past its end fail
	// naming the file and offset.
	src, err = OpenTableSource(tab, Auto, FullScan)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if !strings.Contains(src.Reason(), "read whole when its table is opened") || src.Size() != int64(3*len(line)) {
		t.Errorf("reason %q, size %d", src.Reason(), src.Size())
	}
	if _, err := src.Read(int64(2*len(line)), 2*len(line)); err == nil || !strings.Contains(err.Error(), tiny) || !strings.Contains(err.Error(), "past the end") {
		t.Errorf("read past the end: %v", err)
	}
}
