package storage

import (
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"unsafe"
)

// Guard runs f so that a memory fault while reading a mapped file becomes an
// error instead of a crash.
//
// When another process truncates a file while it is mapped, touching the
// mapped bytes past the new end raises SIGBUS, which kills a Go program.
// Guard runs f with debug.SetPanicOnFault(true) (restoring the previous
// setting afterwards), recovers the resulting panic and returns a *FileError
// wrapping ErrIO: "file changed while it was being read (was it
// truncated?)". It names the file and the byte offset of the fault when the
// address lies in a mapping made by this package, and path otherwise. Other
// panics are re-raised unchanged. Guard returns f's error otherwise.
//
// The contract for mapped bytes (every Region with Mapped set, and
// MappedSource.Bytes):
//
//   - Read and decode them only inside Guard, on the goroutine that called
//     Guard. SetPanicOnFault is per goroutine: a goroutine started inside f
//     (or any other goroutine, such as an Arrow compute kernel) that touches
//     the mapping is not protected and still crashes the process.
//   - Copy or decode the bytes before they leave f; never hand a mapped
//     slice to code that runs later or elsewhere.
//   - After a fault, discard everything f produced: the bytes read before
//     the fault may already mix old and new file contents.
//
// Bytes from the Direct and Buffered strategies are ordinary memory and need
// no Guard.
func Guard(path string, f func() error) (err error) {
	old := debug.SetPanicOnFault(true)
	defer func() {
		debug.SetPanicOnFault(old)
		if r := recover(); r != nil {
			fe := faultError(path, r)
			if fe == nil {
				panic(r)
			}
			err = fe
		}
	}()
	return f()
}

// faultError turns a recovered memory-fault panic into a *FileError, or
// returns nil if r is some other panic.
func faultError(path string, r any) *FileError {
	re, ok := r.(runtime.Error)
	if !ok {
		return nil
	}
	addrErr, hasAddr := r.(interface{ Addr() uintptr })
	if !hasAddr && !strings.Contains(re.Error(), "fault") {
		return nil
	}
	fe := &FileError{Path: path, Record: -1, Offset: -1,
		Msg: "file changed while it was being read (was it truncated?)", Err: ErrIO}
	if hasAddr {
		if p, off, ok := lookupMapping(addrErr.Addr()); ok {
			fe.Path, fe.Offset = p, off
		}
	}
	return fe
}

// The live file mappings made by this package, so that a fault address can
// be traced back to a file and offset.
var mappings struct {
	sync.Mutex
	m map[uintptr]mappingInfo // by start address
}

type mappingInfo struct {
	path string
	size uintptr
}

func registerMapping(path string, b []byte) {
	if len(b) == 0 {
		return
	}
	start := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	mappings.Lock()
	if mappings.m == nil {
		mappings.m = make(map[uintptr]mappingInfo)
	}
	mappings.m[start] = mappingInfo{path: path, size: uintptr(len(b))}
	mappings.Unlock()
}

func unregisterMapping(b []byte) {
	if len(b) == 0 {
		return
	}
	start := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	mappings.Lock()
	delete(mappings.m, start)
	mappings.Unlock()
}

// lookupMapping finds the file and offset of addr, if it lies in a live
// mapping. Only called after a fault, so a linear scan is fine.
func lookupMapping(addr uintptr) (path string, off int64, ok bool) {
	mappings.Lock()
	defer mappings.Unlock()
	for start, m := range mappings.m {
		if addr >= start && addr-start < m.size {
			return m.path, int64(addr - start), true
		}
	}
	return "", 0, false
}
