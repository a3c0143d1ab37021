package storage

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// defaultDirectAlign is the O_DIRECT alignment assumed when the file system
// does not report one through statx.
const defaultDirectAlign = 4096

// openDirect opens path with O_DIRECT. Where O_DIRECT is refused, or
// accepted but not in effect, it opens the file for buffered reads instead
// and says why in Reason.
func openDirect(path string, pattern Pattern, reason string) (Source, error) {
	fd, size, align, why, err := probeDirect(path)
	if err != nil {
		return nil, err
	}
	if why != "" {
		return openBuffered(path, pattern, reason+"; "+why+": using buffered reads")
	}
	return newFdSource(path, fd, size, Direct, align,
		fmt.Sprintf("%s (O_DIRECT, %d-byte alignment)", reason, align)), nil
}

// probeDirect opens path with O_DIRECT and checks that direct I/O is really
// in effect. On success it returns the descriptor, the file size and the
// offset/length alignment. If direct I/O is not available it returns fd -1
// and why, in plain words; err is for errors that buffered reads would hit
// too (no such file, a directory, ...).
func probeDirect(path string) (fd int, size int64, align int64, why string, err error) {
	if f := faultsFor(path); f != nil && f.RefuseDirect {
		if _, err := statRegular(path); err != nil {
			return -1, 0, 0, "", err
		}
		return -1, 0, 0, "the file system refuses O_DIRECT (EINVAL)", nil
	}
	fd, size, err = openRegular(path, unix.O_DIRECT)
	if err != nil {
		if errors.Is(err, unix.EINVAL) {
			return -1, 0, 0, "the file system refuses O_DIRECT (EINVAL)", nil
		}
		return -1, 0, 0, "", err
	}
	align, why = directInEffect(fd)
	if why == "" && size > 0 {
		why = probeRead(fd, align)
	}
	if why != "" {
		unix.Close(fd)
		return -1, 0, 0, why, nil
	}
	return fd, size, align, "", nil
}

// probeRead reads the first align bytes of the file through the O_DIRECT
// descriptor, so that a file system that accepts the open but rejects the
// reads (an alignment larger than it reported) is found at open time rather
// than on the first Read. Errors other than EINVAL are left for Read.
func probeRead(fd int, align int64) (why string) {
	b, err := defaultPool.get(int(align))
	if err != nil {
		return ""
	}
	defer defaultPool.put(b)
	err = retryEINTR(func() error {
		_, e := unix.Pread(fd, b.mem[:align], 0)
		return e
	})
	if errors.Is(err, unix.EINVAL) {
		return fmt.Sprintf("an O_DIRECT read with %d-byte alignment failed (EINVAL)", align)
	}
	return ""
}

// directInEffect checks an open O_DIRECT descriptor: the flag must have
// stuck (F_GETFL), the file system must not be one that accepts O_DIRECT
// and ignores it (tmpfs), and statx must not report that direct I/O is
// unsupported for this file. It returns the alignment for offsets and
// lengths (at least the memory alignment), or why direct I/O is not in
// effect.
func directInEffect(fd int) (align int64, why string) {
	var fs unix.Statfs_t
	if err := retryEINTR(func() error { return unix.Fstatfs(fd, &fs) }); err == nil && fs.Type == unix.TMPFS_MAGIC {
		return 0, "O_DIRECT accepted but not in effect on tmpfs; reads go through the page cache"
	}
	flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil {
		return 0, fmt.Sprintf("cannot check the O_DIRECT flag (F_GETFL: %v)", err)
	}
	if flags&unix.O_DIRECT == 0 {
		return 0, "O_DIRECT was accepted but is not set on the open file (F_GETFL)"
	}

	memAlign, offAlign := int64(defaultDirectAlign), int64(defaultDirectAlign)
	var stx unix.Statx_t
	err = retryEINTR(func() error {
		return unix.Statx(fd, "", unix.AT_EMPTY_PATH, unix.STATX_DIOALIGN|unix.STATX_DIO_READ_ALIGN, &stx)
	})
	if err == nil && stx.Mask&unix.STATX_DIOALIGN != 0 {
		if stx.Dio_offset_align == 0 {
			return 0, "the file system does not support direct I/O for this file (statx reports no DIO alignment)"
		}
		offAlign = int64(stx.Dio_offset_align)
		if stx.Dio_mem_align != 0 {
			memAlign = int64(stx.Dio_mem_align)
		}
		if stx.Mask&unix.STATX_DIO_READ_ALIGN != 0 && stx.Dio_read_offset_align != 0 {
			offAlign = int64(stx.Dio_read_offset_align)
		}
	}
	if memAlign > int64(os.Getpagesize()) {
		return 0, fmt.Sprintf("the file system wants %d-byte aligned memory for O_DIRECT, more than a page", memAlign)
	}
	// Restarting a short read at an aligned position must keep the buffer
	// address aligned too, so use the stricter of the two alignments.
	return max(offAlign, memAlign), ""
}
