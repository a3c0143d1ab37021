package storage

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// Transient read errors (EINTR, EAGAIN) and reads that make no progress are
// retried up to maxTransientRetries times in a row, sleeping firstBackoff,
// then twice as long each time (at most about 13 ms in all).
const (
	maxTransientRetries = 8
	firstBackoff        = 50 * time.Microsecond
)

// preadFunc has the signature of unix.Pread. Tests replace a fileReader's
// pread to inject EINTR bursts, short reads and EIO.
type preadFunc func(fd int, p []byte, off int64) (int, error)

// fileReader is the read loop shared by the Direct and Buffered strategies.
type fileReader struct {
	path  string
	fd    int
	pread preadFunc // unix.Pread outside tests
	sleep func(time.Duration)
	ioStats
}

// ioError marks an operating-system error as ErrIO while keeping the errno
// reachable for errors.Is (errors.Is(err, ErrIO) and errors.Is(err,
// unix.EIO) both hold).
type ioError struct{ err error }

func (e *ioError) Error() string        { return e.err.Error() }
func (e *ioError) Unwrap() error        { return e.err }
func (e *ioError) Is(target error) bool { return target == ErrIO }

// readFull reads into p the bytes of the file starting at off until at least
// need bytes are in (need <= len(p)) or the file ends. It returns the number
// of bytes read, which is less than need only at end of file: the caller
// decides whether that is an error.
//
// A short read before need is continued. align is the granularity at which
// a read may be restarted (1 for buffered reads; the O_DIRECT alignment for
// direct reads, where p must be aligned and a restart goes back to the last
// aligned position). EINTR and EAGAIN are retried with bounded backoff; any
// other error is a *FileError naming the file and the offset of the failed
// read, wrapping ErrIO and the errno.
func (r *fileReader) readFull(p []byte, off int64, need, align int) (int, error) {
	if align < 1 {
		align = 1
	}
	done := 0
	tries := 0
	backoff := firstBackoff
	for done < need {
		pos := done - done%align
		t0 := time.Now()
		m, err := r.pread(r.fd, p[pos:], off+int64(pos))
		r.nanos.Add(int64(time.Since(t0)))
		if err == nil && m == 0 {
			return done, nil // end of file
		}
		if err == nil && m > 0 {
			r.bytes.Add(int64(m))
			if pos+m > done {
				done = pos + m
				tries = 0
				backoff = firstBackoff
				continue
			}
			// A restarted direct read ended at or before what we had: the
			// file ends there, unless it is longer (then the read stalled).
			if sz := fdSize(r.fd); sz >= 0 && off+int64(pos+m) >= sz {
				return done, nil
			}
		}
		transient := err == nil || errors.Is(err, unix.EINTR) || errors.Is(err, unix.EAGAIN)
		if !transient || tries >= maxTransientRetries {
			if err == nil {
				err = fmt.Errorf("no progress after %d reads", tries+1)
			}
			msg := "read failed"
			if transient {
				msg = fmt.Sprintf("read failed after %d retries", tries)
			}
			return done, &FileError{Path: r.path, Record: -1, Offset: off + int64(pos), Msg: msg, Err: &ioError{err}}
		}
		tries++
		r.doSleep(backoff)
		backoff *= 2
	}
	return done, nil
}

func (r *fileReader) doSleep(d time.Duration) {
	if r.sleep != nil {
		r.sleep(d)
		return
	}
	time.Sleep(d)
}
