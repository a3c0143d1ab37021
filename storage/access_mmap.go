package storage

import (
	"math"
	"os"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// MappedSource is a Source whose file is memory-mapped (the Mmap strategy).
// Reach it by type assertion on a Source.
//
// All its bytes are views of the mapping: touch them only inside Guard (see
// there), and copy or decode them before they leave the guarded code.
type MappedSource interface {
	Source
	// Bytes returns the whole mapping, Size() bytes long (nil for an empty
	// file). It is valid until Close.
	Bytes() []byte
	// WillNeed asks the kernel to start reading [off, off+n) into the page
	// cache in the background (madvise MADV_WILLNEED). It returns at once;
	// the range is clamped to the file.
	WillNeed(off int64, n int) error
	// Residency reports how many bytes of the file are in the page cache.
	Residency() (resident, total int64, err error)
}

// mmapSource maps the whole file read-only and shared.
type mmapSource struct {
	path   string
	reason string
	size   int64
	data   []byte // nil for an empty file
	closed atomic.Bool
	ioStats
}

// openMmap maps path read-only and advises the kernel of the pattern
// (MADV_SEQUENTIAL for FullScan, MADV_RANDOM for RandomAccess). The
// descriptor is closed once the file is mapped.
func openMmap(path string, pattern Pattern, reason string) (Source, error) {
	fd, size, err := openRegular(path, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	s := &mmapSource{path: path, reason: reason, size: size}
	if size == 0 {
		return s, nil
	}
	if size > math.MaxInt {
		return nil, fileErr(path, ErrUnsupported, "is too large (%s) to map on this platform", humanSize(size))
	}
	data, err := unix.Mmap(fd, 0, int(size), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil, &FileError{Path: path, Record: -1, Offset: -1, Msg: "cannot map the file", Err: &ioError{err}}
	}
	advice := unix.MADV_SEQUENTIAL
	if pattern == RandomAccess {
		advice = unix.MADV_RANDOM
	}
	_ = unix.Madvise(data, advice) // advisory only
	s.data = data
	registerMapping(path, data)
	return s, nil
}

func (s *mmapSource) Path() string       { return s.path }
func (s *mmapSource) Strategy() Strategy { return Mmap }
func (s *mmapSource) Reason() string     { return s.reason }
func (s *mmapSource) Size() int64        { return s.size }

// Bytes returns the whole mapping; nil after Close.
func (s *mmapSource) Bytes() []byte {
	if s.closed.Load() {
		return nil
	}
	return s.data
}

// Read returns a view of [off, off+n) of the mapping: no copy, nothing to
// release (Release is still allowed).
func (s *mmapSource) Read(off int64, n int) (*Region, error) {
	if s.closed.Load() {
		return nil, errClosed(s.path)
	}
	if err := checkRange(s.path, off, n, s.size, func() int64 { return pathSize(s.path) }); err != nil {
		return nil, err
	}
	s.bytes.Add(int64(n))
	if n == 0 {
		return &Region{Bytes: []byte{}, Off: off, Mapped: true}, nil
	}
	return &Region{Bytes: s.data[off : off+int64(n) : off+int64(n)], Off: off, Mapped: true}, nil
}

// WillNeed starts read-ahead of [off, off+n) into the page cache.
func (s *mmapSource) WillNeed(off int64, n int) error {
	if s.closed.Load() {
		return errClosed(s.path)
	}
	if off < 0 || n <= 0 || off >= s.size {
		return nil
	}
	end := min(off+int64(n), s.size)
	page := int64(os.Getpagesize())
	lo := off - off%page
	if err := unix.Madvise(s.data[lo:end], unix.MADV_WILLNEED); err != nil {
		return &FileError{Path: s.path, Record: -1, Offset: off, Msg: "read-ahead advice failed", Err: err}
	}
	return nil
}

// Residency reports how many bytes of the mapped file are in the page cache.
func (s *mmapSource) Residency() (resident, total int64, err error) {
	if s.closed.Load() {
		return 0, 0, errClosed(s.path)
	}
	if s.size == 0 {
		return 0, 0, nil
	}
	r, err := mincoreResident(s.data)
	if err != nil {
		return 0, 0, &FileError{Path: s.path, Record: -1, Offset: -1, Msg: "cannot measure page-cache residency", Err: err}
	}
	return min(r, s.size), s.size, nil
}

// Close unmaps the file. Mapped regions must not be touched afterwards.
// Close is idempotent.
func (s *mmapSource) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return nil
	}
	if s.data == nil {
		return nil
	}
	unregisterMapping(s.data)
	if err := unix.Munmap(s.data); err != nil {
		return &FileError{Path: s.path, Record: -1, Offset: -1, Msg: "unmapping the file failed", Err: err}
	}
	return nil
}
