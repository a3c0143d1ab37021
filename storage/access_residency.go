package storage

import (
	"math"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Residency reports how many bytes of the file at path are in the page cache
// (resident) and the file's size (total). It maps the file for the duration
// of the call and asks the kernel with mincore(2); it reads nothing and
// does not change what is cached. An open mmap source answers the same
// question through MappedSource.Residency.
func Residency(path string) (resident, total int64, err error) {
	fd, size, err := openRegular(path, 0)
	if err != nil {
		return 0, 0, err
	}
	defer unix.Close(fd)
	if size == 0 {
		return 0, 0, nil
	}
	if size > math.MaxInt {
		return 0, size, fileErr(path, ErrUnsupported, "is too large (%s) to map on this platform", humanSize(size))
	}
	data, err := unix.Mmap(fd, 0, int(size), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return 0, size, &FileError{Path: path, Record: -1, Offset: -1, Msg: "cannot map the file to measure page-cache residency", Err: err}
	}
	defer unix.Munmap(data)
	r, err := mincoreResident(data)
	if err != nil {
		return 0, size, &FileError{Path: path, Record: -1, Offset: -1, Msg: "cannot measure page-cache residency", Err: err}
	}
	return min(r, size), size, nil
}

// mincoreChunkPages is how many pages one mincore call covers (256 MiB of
// 4 KiB pages), so the vector stays small for any file size.
const mincoreChunkPages = 64 << 10

// mincoreResident returns the bytes of the page-aligned mapping b whose
// pages are resident, counting whole pages. There is no unix.Mincore on
// Linux, so it calls the system call directly.
func mincoreResident(b []byte) (int64, error) {
	page := os.Getpagesize()
	vec := make([]byte, mincoreChunkPages)
	var pages int64
	for off := 0; off < len(b); off += mincoreChunkPages * page {
		seg := b[off:min(off+mincoreChunkPages*page, len(b))]
		npages := (len(seg) + page - 1) / page
		_, _, errno := unix.Syscall(unix.SYS_MINCORE,
			uintptr(unsafe.Pointer(unsafe.SliceData(seg))), uintptr(len(seg)),
			uintptr(unsafe.Pointer(unsafe.SliceData(vec))))
		if errno != 0 {
			return 0, errno
		}
		for _, v := range vec[:npages] {
			pages += int64(v & 1)
		}
	}
	return pages * int64(page), nil
}

// DropCache evicts the file's clean pages from the page cache: it opens the
// file read-only, fsyncs it (so no page is dirty) and calls
// posix_fadvise(POSIX_FADV_DONTNEED) on the whole file. It needs no
// privileges. It is meant for cold-cache benchmarks and tests; pages that
// are mapped or in use elsewhere may stay, and tmpfs keeps everything.
func DropCache(path string) error {
	fd, _, err := openRegular(path, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if err := retryEINTR(func() error { return unix.Fsync(fd) }); err != nil {
		return &FileError{Path: path, Record: -1, Offset: -1, Msg: "fsync before dropping the page cache failed", Err: err}
	}
	if err := unix.Fadvise(fd, 0, 0, unix.FADV_DONTNEED); err != nil {
		return &FileError{Path: path, Record: -1, Offset: -1, Msg: "dropping the page cache failed", Err: err}
	}
	return nil
}
