package storage

import (
	"sync"

	"golang.org/x/sys/unix"
)

// TEST SEAM. Faults lets tests outside this package (the scan and query
// fault-injection tests) make the sources later opened for one path fail
// the way disks and file systems do. Production code never sets it; the
// cost when unset is one map lookup per open.
type Faults struct {
	// Pread, when set, replaces the pread(2) of Buffered and Direct
	// sources (Mmap does not read): it gets the real call and its
	// arguments and may delay it, shorten its result, or return an error
	// (EIO, EINTR, ...) instead. It may be called from several goroutines.
	Pread func(real func(fd int, p []byte, off int64) (int, error), fd int, p []byte, off int64) (int, error)
	// RefuseDirect makes opening for Direct behave as on a file system
	// that refuses O_DIRECT (EINVAL): the source falls back to Buffered.
	RefuseDirect bool
}

var injected sync.Map // path -> *Faults

// InjectFaults installs faults for sources opened for path from now on and
// returns the function that removes them. For tests only.
func InjectFaults(path string, f Faults) (remove func()) {
	injected.Store(path, &f)
	return func() { injected.Delete(path) }
}

func faultsFor(path string) *Faults {
	if f, ok := injected.Load(path); ok {
		return f.(*Faults)
	}
	return nil
}

// preadFor returns the pread a source of path uses.
func preadFor(path string) preadFunc {
	if f := faultsFor(path); f != nil && f.Pread != nil {
		return func(fd int, p []byte, off int64) (int, error) { return f.Pread(unix.Pread, fd, p, off) }
	}
	return unix.Pread
}
