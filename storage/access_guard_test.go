package storage

import (
	"errors"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

var guardSink byte

// TestGuardTruncatedMapping maps a 3-page file, truncates it underneath and
// touches the mapping inside Guard: an error naming the file and the offset,
// not a crash.
func TestGuardTruncatedMapping(t *testing.T) {
	const size = 3*4096 + 100
	touches := []struct {
		name string
		off  int // first byte touched
		n    int // bytes touched (the fault is somewhere in them)
		f    func(b []byte, off int)
	}{
		{"load page 2", 4096 + 10, 1, func(b []byte, off int) { guardSink += b[off] }},
		{"load page 1", 0, 1, func(b []byte, off int) { guardSink += b[off] }},
		{"copy", 2 * 4096, 4196, func(b []byte, off int) {
			var dst [5000]byte
			copy(dst[:], b[off:])
			guardSink += dst[0]
		}},
	}
	for _, tc := range touches {
		t.Run(tc.name, func(t *testing.T) {
			path := writeTestFile(t, t.TempDir(), "m.bin", testContent(size, 12))
			s, err := OpenSource(path, Mmap, RandomAccess)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			r, err := s.Read(0, size)
			if err != nil {
				t.Fatal(err)
			}
			if !r.Mapped {
				t.Fatal("mmap region not marked Mapped")
			}
			// Readable before the truncation.
			if err := Guard(path, func() error { tc.f(r.Bytes, tc.off); return nil }); err != nil {
				t.Fatal(err)
			}
			if err := os.Truncate(path, 0); err != nil {
				t.Fatal(err)
			}
			err = Guard("caller-name", func() error {
				tc.f(r.Bytes, tc.off)
				return nil
			})
			var fe *FileError
			if !errors.As(err, &fe) || !errors.Is(err, ErrIO) {
				t.Fatalf("Guard = %v, want a FileError wrapping ErrIO", err)
			}
			// The fault address lies in our mapping: the error names the
			// mapped file and the faulting byte.
			if fe.Path != path || fe.Offset < int64(tc.off) || fe.Offset >= int64(tc.off)+int64(tc.n) {
				t.Fatalf("error names %s at %d, want %s at [%d, %d)", fe.Path, fe.Offset, path, tc.off, tc.off+tc.n)
			}
			if !strings.Contains(err.Error(), "file changed while it was being read (was it truncated?)") {
				t.Fatalf("message %q", err)
			}
			r.Release()
		})
	}
}

func TestGuardRestoresPanicOnFault(t *testing.T) {
	for _, before := range []bool{false, true} {
		debug.SetPanicOnFault(before)
		var inside bool
		_ = Guard("x", func() error {
			inside = debug.SetPanicOnFault(true)
			return nil
		})
		if !inside {
			t.Fatal("f did not run with SetPanicOnFault(true)")
		}
		if got := debug.SetPanicOnFault(false); got != before {
			t.Fatalf("after Guard SetPanicOnFault is %v, want %v", got, before)
		}
	}
}

func TestGuardPassesErrorsAndOtherPanics(t *testing.T) {
	want := errors.New("decode failed")
	if err := Guard("x", func() error { return want }); err != want {
		t.Fatalf("Guard = %v, want f's error", err)
	}
	if err := Guard("x", func() error { return nil }); err != nil {
		t.Fatal(err)
	}
	var nilMap map[string]int
	var idx = 10
	panics := []struct {
		name string
		f    func() error
	}{
		{"value", func() error { panic("boom") }},
		{"index out of range", func() error { return []error{nil}[idx] }},
		{"nil map write", func() error { nilMap["a"] = 1; return nil }},
		{"nil pointer", func() error { var p *FileError; return errors.New(p.Msg) }},
	}
	for _, p := range panics {
		t.Run(p.name, func(t *testing.T) {
			var got any
			func() {
				defer func() { got = recover() }()
				_ = Guard("x", p.f)
			}()
			if got == nil {
				t.Fatal("Guard swallowed a panic that is not a fault on a mapping")
			}
			if p.name == "value" && got != "boom" {
				t.Fatalf("re-panicked with %v", got)
			}
			if _, ok := got.(runtime.Error); p.name != "value" && !ok {
				t.Fatalf("re-panicked with %T", got)
			}
		})
	}
}
