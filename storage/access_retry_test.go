package storage

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// fakeFile serves pread from data, following a script of faults first.
type fakeFile struct {
	data  []byte
	fault []error // returned by the first len(fault) calls (nil: serve normally)
	max   int     // if > 0, serve at most max bytes per call (short reads)
	calls []int64 // offsets of every call
	lens  []int   // buffer lengths of every call
}

func (f *fakeFile) pread(fd int, p []byte, off int64) (int, error) {
	f.calls = append(f.calls, off)
	f.lens = append(f.lens, len(p))
	i := len(f.calls) - 1
	if i < len(f.fault) && f.fault[i] != nil {
		return -1, f.fault[i]
	}
	if off >= int64(len(f.data)) {
		return 0, nil
	}
	n := copy(p, f.data[off:])
	if f.max > 0 && n > f.max {
		n = f.max
	}
	return n, nil
}

func repeatErr(err error, n int) []error {
	out := make([]error, n)
	for i := range out {
		out[i] = err
	}
	return out
}

func TestReadFullFaults(t *testing.T) {
	data := testContent(20000, 13)
	cases := []struct {
		name    string
		fault   []error
		max     int
		off     int64
		n       int
		align   int
		wantErr error  // nil: success
		errOff  int64  // offset named in the error
		errMsg  string // in the message
		calls   int    // expected pread calls, if > 0
	}{
		{name: "clean", off: 100, n: 5000, align: 1, calls: 1},
		{name: "EINTR burst", fault: repeatErr(unix.EINTR, 5), off: 100, n: 5000, align: 1, calls: 6},
		{name: "EAGAIN burst", fault: repeatErr(unix.EAGAIN, 8), off: 0, n: 20000, align: 1, calls: 9},
		{name: "EINTR forever", fault: repeatErr(unix.EINTR, 20), off: 300, n: 10, align: 1,
			wantErr: unix.EINTR, errOff: 300, errMsg: "read failed after 8 retries", calls: 9},
		{name: "EIO", fault: []error{unix.EIO}, off: 4096, n: 100, align: 1,
			wantErr: unix.EIO, errOff: 4096, errMsg: "read failed: input/output error", calls: 1},
		{name: "EIO after EINTR", fault: []error{unix.EINTR, unix.EIO}, off: 7, n: 100, align: 1,
			wantErr: unix.EIO, errOff: 7, calls: 2},
		{name: "short reads", max: 7, off: 3, n: 1000, align: 1, calls: 143},
		{name: "short reads then EIO", fault: []error{nil, nil, unix.EIO}, max: 100, off: 50, n: 1000, align: 1,
			wantErr: unix.EIO, errOff: 250, calls: 3},
		// Direct: a short read of 1000 bytes restarts at the aligned 512.
		{name: "aligned short reads", max: 1000, off: 0, n: 4096, align: 512},
		{name: "EOF", off: 19000, n: 2000, align: 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ff := &fakeFile{data: data, fault: c.fault, max: c.max}
			var slept time.Duration
			r := &fileReader{path: "/data/x.rec", fd: -1, pread: ff.pread, sleep: func(d time.Duration) { slept += d }}
			buf := make([]byte, c.n)
			got, err := r.readFull(buf, c.off, c.n, c.align)
			if c.calls > 0 && len(ff.calls) != c.calls {
				t.Errorf("%d pread calls, want %d", len(ff.calls), c.calls)
			}
			if c.wantErr != nil {
				var fe *FileError
				if !errors.As(err, &fe) || !errors.Is(err, ErrIO) || !errors.Is(err, c.wantErr) {
					t.Fatalf("err = %v, want a FileError with ErrIO and %v", err, c.wantErr)
				}
				if fe.Path != "/data/x.rec" || fe.Offset != c.errOff {
					t.Fatalf("error names %s at %d, want offset %d", fe.Path, fe.Offset, c.errOff)
				}
				if !strings.Contains(err.Error(), "/data/x.rec") || !strings.Contains(err.Error(), c.errMsg) {
					t.Fatalf("message %q lacks %q", err, c.errMsg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := data[c.off:min(c.off+int64(c.n), int64(len(data)))]
			if got != len(want) || !bytes.Equal(buf[:got], want) {
				t.Fatalf("read %d bytes, want %d (equal: %v)", got, len(want), bytes.Equal(buf[:got], want))
			}
			for i, off := range ff.calls {
				if (off-c.off)%int64(c.align) != 0 || ff.lens[i]%c.align != 0 {
					t.Fatalf("call %d at %d len %d is not %d-aligned", i, off, ff.lens[i], c.align)
				}
			}
			if n := len(c.fault); n > 0 && slept < time.Duration(n)*firstBackoff {
				t.Fatalf("slept %v for %d retries", slept, n)
			}
			if slept > 13*time.Millisecond {
				t.Fatalf("slept %v: backoff is not bounded", slept)
			}
			if b, d := r.IOStats(); b < int64(got) || d < 0 {
				t.Fatalf("stats %d bytes, %v", b, d)
			}
		})
	}
}

// TestReadFullNoProgress: a direct read that keeps returning less than one
// alignment unit past the restart point is an error, not an endless loop.
func TestReadFullNoProgress(t *testing.T) {
	ff := &fakeFile{data: testContent(8192, 14), max: 100}
	r := &fileReader{path: "p", fd: -1, pread: ff.pread, sleep: func(time.Duration) {}}
	buf := make([]byte, 4096)
	_, err := r.readFull(buf, 0, 4096, 512)
	if !errors.Is(err, ErrIO) || !strings.Contains(err.Error(), "no progress") {
		t.Fatalf("err = %v", err)
	}
	if len(ff.calls) != maxTransientRetries+2 {
		t.Fatalf("%d calls", len(ff.calls))
	}
}

// TestSourceReadThroughSeam drives a real buffered and direct source through
// the seam: EINTR bursts and short reads are invisible to the caller, EIO is
// an error naming the offset, and a file shorter than its size says so.
func TestSourceReadThroughSeam(t *testing.T) {
	content := testContent(50000, 15)
	path := writeTestFile(t, t.TempDir(), "seam.bin", content)
	for _, st := range []Strategy{Direct, Buffered} {
		s, err := OpenSource(path, st, FullScan)
		if err != nil {
			t.Fatal(err)
		}
		fs := s.(*fdSource)
		fs.sleep = func(time.Duration) {}
		real := fs.pread

		var calls int
		fs.pread = func(fd int, p []byte, off int64) (int, error) {
			calls++
			if calls <= 3 {
				return -1, unix.EINTR
			}
			n, err := real(fd, p, off)
			return min(n, 1024), err // short reads (aligned for direct)
		}
		got, err := readRegion(t, s, 1000, 20000)
		if err != nil || !bytes.Equal(got, content[1000:21000]) {
			t.Fatalf("%v: EINTR and short reads: %v", st, err)
		}

		fs.pread = func(int, []byte, int64) (int, error) { return -1, unix.EIO }
		_, err = s.Read(30001, 10)
		var fe *FileError
		if !errors.As(err, &fe) || !errors.Is(err, unix.EIO) || !errors.Is(err, ErrIO) || fe.Offset != 30001-30001%fs.align {
			t.Fatalf("%v: EIO: %v", st, err)
		}

		fs.pread = func(fd int, p []byte, off int64) (int, error) { // file ends at 40000
			if off >= 40000 {
				return 0, nil
			}
			n, err := real(fd, p, off)
			return min(n, int(40000-off)), err
		}
		// The file (as pread sees it) ends before the region does while fstat
		// still reports the old size: an I/O error somewhere in the region
		// (buffered: at its start, past the end; direct: a stalled read).
		_, err = s.Read(39000, 2000)
		if !errors.As(err, &fe) || !errors.Is(err, ErrIO) || fe.Offset < 39000-39000%fs.align || fe.Offset >= 41000 || !strings.Contains(err.Error(), path) {
			t.Fatalf("%v: short file: %v", st, err)
		}
		s.Close()
	}
}
