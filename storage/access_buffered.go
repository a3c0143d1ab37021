package storage

import (
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// fdSource reads a file with pread into pooled buffers. It serves both the
// Buffered strategy (align 1: exactly the bytes asked for) and the Direct
// strategy (the file was opened with O_DIRECT and every read covers the
// aligned superset of the region; the region is a sub-slice of it).
type fdSource struct {
	fileReader
	strategy Strategy
	reason   string
	size     int64
	align    int64 // O_DIRECT offset and length alignment; 1 for buffered
	pool     *bufPool
	closed   atomic.Bool
}

// openBuffered opens path for pread into pooled buffers.
func openBuffered(path string, pattern Pattern, reason string) (Source, error) {
	fd, size, err := openRegular(path, 0)
	if err != nil {
		return nil, err
	}
	advice := unix.FADV_SEQUENTIAL
	if pattern == RandomAccess {
		advice = unix.FADV_RANDOM
	}
	_ = unix.Fadvise(fd, 0, 0, advice) // advisory only
	return newFdSource(path, fd, size, Buffered, 1, reason), nil
}

func newFdSource(path string, fd int, size int64, strategy Strategy, align int64, reason string) *fdSource {
	return &fdSource{
		fileReader: fileReader{path: path, fd: fd, pread: preadFor(path)},
		strategy:   strategy,
		reason:     reason,
		size:       size,
		align:      align,
		pool:       defaultPool,
	}
}

func (s *fdSource) Path() string       { return s.path }
func (s *fdSource) Strategy() Strategy { return s.strategy }
func (s *fdSource) Reason() string     { return s.reason }
func (s *fdSource) Size() int64        { return s.size }

// Read reads [off, off+n) into a pooled buffer. The region's Release returns
// the buffer to the pool.
func (s *fdSource) Read(off int64, n int) (*Region, error) {
	if s.closed.Load() {
		return nil, errClosed(s.path)
	}
	if err := checkRange(s.path, off, n, s.size, func() int64 { return fdSize(s.fd) }); err != nil {
		return nil, err
	}
	if n == 0 {
		return &Region{Bytes: []byte{}, Off: off}, nil
	}
	end := off + int64(n)
	lo := off - off%s.align
	hi := end
	if r := end % s.align; r != 0 {
		hi += s.align - r // may pass EOF: O_DIRECT then returns a short count
	}
	length := int(hi - lo)
	b, err := s.pool.get(length)
	if err != nil {
		return nil, &FileError{Path: s.path, Record: -1, Offset: off, Msg: "cannot allocate a read buffer", Err: &ioError{err}}
	}
	need := int(end - lo)
	got, err := s.readFull(b.mem[:length], lo, need, int(s.align))
	if err == nil && got < need {
		// got counts from lo; the region's own bytes start skip later.
		err = pastEnd(s.path, off, n, min(max(got-int(off-lo), 0), n), s.size, fdSize(s.fd))
	}
	if err != nil {
		s.pool.put(b)
		return nil, err
	}
	skip := int(off - lo)
	return &Region{Bytes: b.mem[skip : skip+n : skip+n], Off: off, release: b.release}, nil
}

// Close closes the file. Regions still held keep their buffers until they
// are released. Close is idempotent.
func (s *fdSource) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return nil
	}
	if err := unix.Close(s.fd); err != nil {
		return &FileError{Path: s.path, Record: -1, Offset: -1, Msg: "closing the file failed", Err: err}
	}
	return nil
}
