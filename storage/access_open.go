package storage

import (
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// StatsSource is a Source that counts its reads. Every Source returned by
// OpenSource implements it.
type StatsSource interface {
	Source
	// IOStats returns the bytes read so far and the time spent in read
	// system calls. Under Mmap there are no read calls: bytes counts the
	// bytes handed out by Read and readTime is zero (the reading happens in
	// page faults when the bytes are touched). Under Direct, bytes includes
	// the alignment padding read around each region.
	IOStats() (bytes int64, readTime time.Duration)
}

// ioStats holds a source's read counters. The zero value is ready to use.
type ioStats struct {
	bytes atomic.Int64
	nanos atomic.Int64
}

// IOStats returns the bytes read and the time spent in read system calls.
func (s *ioStats) IOStats() (bytes int64, readTime time.Duration) {
	return s.bytes.Load(), time.Duration(s.nanos.Load())
}

// OpenSource opens the data file at path read-only (O_RDONLY|O_CLOEXEC; it
// never writes to it) for reading with strategy. pattern is the expected
// access pattern: Auto uses it to choose (see ChooseStrategy), Mmap turns it
// into madvise advice and Buffered into fadvise advice.
//
// A directory or a file that is not a regular file (device, pipe, socket) is
// a *FileError. Direct falls back to Buffered where the file system refuses
// O_DIRECT or accepts it without honouring it (tmpfs); Reason says so.
//
// OpenSource reads the file's bytes as they are; OpenTableSource reads a
// compressed table's decompressed data.
func OpenSource(path string, strategy Strategy, pattern Pattern) (Source, error) {
	switch strategy {
	case Mmap:
		return openMmap(path, pattern, "mmap requested")
	case Direct:
		return openDirect(path, pattern, "direct I/O requested")
	case Buffered:
		return openBuffered(path, pattern, "buffered reads requested")
	case Auto:
		return openAuto(path, pattern)
	}
	return nil, fileErr(path, ErrUnsupported, "unknown I/O strategy %v", strategy)
}

// openAuto measures what ChooseStrategy needs and opens the file its way.
func openAuto(path string, pattern Pattern) (Source, error) {
	var size int64
	var frac float64
	if pattern == RandomAccess {
		st, err := statRegular(path)
		if err != nil {
			return nil, err
		}
		size = st.Size
	} else {
		st, err := statRegular(path)
		if err != nil {
			return nil, err
		}
		size, frac = st.Size, -1
		// Only a large file's page-cache residency can change the choice;
		// a small one is mapped whatever it is, and measuring it would
		// cost more than reading it (tables of thousands of small files).
		if size >= AutoSmallFile {
			resident, total, err := Residency(path)
			if err != nil {
				return nil, err
			}
			size, frac = total, 0
			if total > 0 {
				frac = float64(resident) / float64(total)
			}
		}
	}
	strategy, reason := ChooseStrategy(path, size, pattern, frac)
	switch strategy {
	case Direct:
		return openDirect(path, pattern, reason)
	case Buffered:
		return openBuffered(path, pattern, reason)
	}
	return openMmap(path, pattern, reason)
}

// statRegular stats path and checks that it is a regular file.
func statRegular(path string) (*unix.Stat_t, error) {
	var st unix.Stat_t
	if err := retryEINTR(func() error { return unix.Stat(path, &st) }); err != nil {
		return nil, &FileError{Path: path, Record: -1, Offset: -1, Msg: "cannot open the file", Err: err}
	}
	if err := checkRegular(path, st.Mode); err != nil {
		return nil, err
	}
	return &st, nil
}

// openRegular opens path with O_RDONLY|O_CLOEXEC|flags after checking that
// it is a regular file (so that a FIFO cannot block the open), and checks
// again on the open descriptor. It returns the descriptor and the size.
// An open error is a *FileError wrapping the errno (test with errors.Is).
func openRegular(path string, flags int) (fd int, size int64, err error) {
	if _, err := statRegular(path); err != nil {
		return -1, 0, err
	}
	err = retryEINTR(func() error {
		var e error
		fd, e = unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC|flags, 0)
		return e
	})
	if err != nil {
		return -1, 0, &FileError{Path: path, Record: -1, Offset: -1, Msg: "cannot open the file", Err: err}
	}
	var st unix.Stat_t
	if err := retryEINTR(func() error { return unix.Fstat(fd, &st) }); err != nil {
		unix.Close(fd)
		return -1, 0, &FileError{Path: path, Record: -1, Offset: -1, Msg: "cannot stat the open file", Err: err}
	}
	if err := checkRegular(path, st.Mode); err != nil {
		unix.Close(fd)
		return -1, 0, err
	}
	if st.Size == 0 {
		if err := checkEmpty(path, func(b []byte) (int, error) { return unix.Pread(fd, b, 0) }); err != nil {
			unix.Close(fd)
			return -1, 0, err
		}
	}
	return fd, st.Size, nil
}

func checkRegular(path string, mode uint32) error {
	switch mode & unix.S_IFMT {
	case unix.S_IFREG:
		return nil
	case unix.S_IFDIR:
		return fileErr(path, ErrUnsupported, "is a directory, not a data file")
	case unix.S_IFIFO:
		return fileErr(path, ErrUnsupported, "is a named pipe, not a regular file")
	case unix.S_IFSOCK:
		return fileErr(path, ErrUnsupported, "is a socket, not a regular file")
	case unix.S_IFCHR, unix.S_IFBLK:
		return fileErr(path, ErrUnsupported, "is a device, not a regular file")
	}
	return fileErr(path, ErrUnsupported, "is not a regular file")
}

// retryEINTR calls f until it returns something other than EINTR (at most
// a bounded number of times).
func retryEINTR(f func() error) error {
	var err error
	for range maxTransientRetries + 1 {
		if err = f(); !errors.Is(err, unix.EINTR) {
			return err
		}
	}
	return err
}

// checkRange validates a Read of n bytes at off against the size the file
// had when it was opened. nowSize reports the current size for the message.
func checkRange(path string, off int64, n int, size int64, nowSize func() int64) error {
	if off < 0 || n < 0 {
		return &FileError{Path: path, Record: -1, Offset: off,
			Msg: fmt.Sprintf("internal error: invalid read of %d bytes at a negative offset or with a negative length", n)}
	}
	if off > size || int64(n) > size-off {
		return pastEnd(path, off, n, -1, size, nowSize())
	}
	return nil
}

// pastEnd is the error for a read of n bytes at off that the file could
// not serve. size is the file's size when it was opened, now its size now
// (or -1 if unknown), got the bytes the read returned (-1 when the read
// was refused because the range passes the end of the file as opened).
func pastEnd(path string, off int64, n, got int, size, now int64) error {
	need := uint64(off) + uint64(n)
	var msg string
	switch {
	case now >= 0 && uint64(now) < need:
		msg = fmt.Sprintf("the file is shorter than expected (was it truncated?): it has %d bytes now, reading %d bytes here needs %d", now, n, need)
	case got < 0 && now >= 0:
		msg = fmt.Sprintf("reading %d bytes here needs %d bytes, past the end of the file as opened (%d bytes); it has grown to %d since: run the query again", n, need, size, now)
	case got < 0:
		msg = fmt.Sprintf("reading %d bytes here needs %d bytes, past the end of the file as opened (%d bytes)", n, need, size)
	case now >= 0:
		msg = fmt.Sprintf("reading %d bytes here returned only %d although the file has %d bytes now (%d when opened): was it rewritten while being read?", n, got, now, size)
	default:
		msg = fmt.Sprintf("the file is shorter than expected (was it truncated?): reading %d bytes here returned only %d; it had %d bytes when opened", n, got, size)
	}
	return &FileError{Path: path, Record: -1, Offset: off, Msg: msg, Err: ErrIO}
}

// fdSize returns the current size of the open file, or -1.
func fdSize(fd int) int64 {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return -1
	}
	return st.Size
}

// pathSize returns the current size of the file at path, or -1.
func pathSize(path string) int64 {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return -1
	}
	return st.Size
}

// errClosed is returned by Read after Close.
func errClosed(path string) error {
	return fileErr(path, nil, "internal error: read after the source was closed")
}

// humanSize renders a byte count as "812 bytes", "12.0 MiB", "1.2 GiB".
func humanSize(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%d bytes", n)
	}
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	v := float64(n) / 1024
	i := 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	return fmt.Sprintf("%.1f %s", v, units[i])
}

// percent renders a fraction as "3%", "97%", "100%"; anything resident but
// under 1% is "<1%".
func percent(f float64) string {
	p := math.Round(f * 100)
	if p == 0 && f > 0 {
		return "<1%"
	}
	return fmt.Sprintf("%.0f%%", p)
}
