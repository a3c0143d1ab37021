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
