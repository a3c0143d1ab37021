// Package faults is a test seam: it lets tests in this module make the
// data sources storage opens for a path fail the way disks and file
// systems do. It is internal, so it is no part of recq's public API;
// production code never installs faults, and the cost when none are
// installed is one map lookup per open.
package faults

import "sync"

// Faults are the failures installed for one path.
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

var installed sync.Map // path -> *Faults

// Inject installs f for sources opened for path from now on and returns
// the function that removes them.
func Inject(path string, f Faults) (remove func()) {
	installed.Store(path, &f)
	return func() { installed.Delete(path) }
}

// For returns the faults installed for path, or nil.
func For(path string) *Faults {
	if f, ok := installed.Load(path); ok {
		return f.(*Faults)
	}
	return nil
}
