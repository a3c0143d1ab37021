package storage

import (
	"fmt"
	"strings"
)

// Strategy names a way of reading a data file.
type Strategy uint8

const (
	// Auto picks one of the others from the access pattern, the file size and
	// how much of the file is in the page cache (see ChooseStrategy).
	Auto Strategy = iota
	// Mmap maps the file read-only; regions are views into the mapping.
	Mmap
	// Direct reads with O_DIRECT into aligned, pooled buffers, bypassing the
	// page cache. Falls back to Buffered where the file system refuses it.
	Direct
	// Buffered reads with pread into pooled buffers.
	Buffered
)

var strategyNames = [...]string{Auto: "auto", Mmap: "mmap", Direct: "direct", Buffered: "buffered"}

func (s Strategy) String() string {
	if int(s) < len(strategyNames) {
		return strategyNames[s]
	}
	return fmt.Sprintf("Strategy(%d)", uint8(s))
}

// ParseStrategy accepts "auto", "mmap", "direct" or "buffered" in any case.
func ParseStrategy(s string) (Strategy, error) {
	for i, n := range strategyNames {
		if strings.EqualFold(s, n) {
			return Strategy(i), nil
		}
	}
	return Auto, fmt.Errorf("unknown I/O strategy %q (want auto, mmap, direct or buffered)", s)
}

// Pattern describes how a reader will access a file; Auto uses it.
type Pattern uint8

const (
	// FullScan reads the whole record region (or large contiguous parts of it)
	// once, front to back within each partition.
	FullScan Pattern = iota
	// RandomAccess reads scattered records: row-id lookups, sampling, a LIMIT
	// without ORDER BY that stops early.
	RandomAccess
)

func (p Pattern) String() string {
	if p == RandomAccess {
		return "random"
	}
	return "scan"
}

// Source is an open, read-only data file read with one strategy.
//
// A Source is safe for concurrent use by many goroutines: each goroutine
// calls Read for the regions it needs and releases them when done. Close
// must be called exactly once after every Region has been released; it is
// idempotent (later calls return nil).
type Source interface {
	// Path is the file's name as given to OpenSource.
	Path() string
	// Strategy is the strategy actually in use (never Auto).
	Strategy() Strategy
	// Reason explains why this strategy is in use, in plain words, e.g.
	// "direct I/O requested" or "auto: file is 97% in the page cache".
	Reason() string
	// Size is the file's size in bytes when it was opened.
	Size() int64
	// Read returns a Region holding the bytes [off, off+n) of the file. A
	// region that would extend past the end of the file is an error naming
	// the file and offset (the file may have been truncated). The caller
	// must call Release on the region when done with its bytes.
	//
	// Under Mmap the bytes are a view of the mapping: touching them can fault
	// if the file is truncated underneath; see Region.
	Read(off int64, n int) (*Region, error)
	// Close releases the file and every resource the source holds.
	Close() error
}

// Region is a read view of the bytes [Off, Off+len(Bytes)) of a file.
//
// Bytes is valid until Release. Code that reads Bytes from a Mapped region
// must run with debug.SetPanicOnFault(true) (see Guard) because a file
// truncated by another process turns the access into a SIGBUS; the bytes
// must be copied or decoded before they leave that code.
type Region struct {
	Bytes  []byte
	Off    int64
	Mapped bool // Bytes point into a memory mapping

	release func(*Region) // returns the buffer to its pool; nil for mmap views
}

// Release returns the region's buffer to its pool. Release is idempotent.
func (r *Region) Release() {
	if r == nil {
		return
	}
	if r.release != nil {
		r.release(r)
		r.release = nil
	}
	r.Bytes = nil
}
