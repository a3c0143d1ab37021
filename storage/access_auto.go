package storage

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Thresholds of the auto strategy (see ChooseStrategy).
const (
	// AutoSmallFile: a full scan of a file smaller than this uses mmap.
	AutoSmallFile = 64 << 20
	// AutoResidentFraction: a full scan of a file with at least this
	// fraction of its bytes in the page cache uses mmap.
	AutoResidentFraction = 0.5
)

// ChooseStrategy picks the strategy that Auto uses for a file of size bytes
// read with pattern, of which residentFraction (0..1) is in the page cache,
// and returns it with the reason in plain words, e.g. "auto: full scan of a
// 1.2 GiB file, 3% in the page cache: direct I/O". The rules, in order:
//
//  1. RandomAccess: mmap. Scattered reads of a few records are page faults
//     served from the cache or one page of disk each, with no copy and no
//     system call per read.
//  2. FullScan of a file at least AutoResidentFraction (50%) in the page
//     cache: mmap. Reading cached pages in place runs at memory speed,
//     about twice the rate of copying them out with read(2).
//  3. FullScan of a small file (under AutoSmallFile, 64 MiB): mmap. Cold or
//     not, it is read quickly, and caching it helps the next query.
//  4. FullScan of a large, cold file: direct I/O (O_DIRECT), which reads at
//     disk speed without filling the page cache with a file that does not
//     fit or that would evict hotter data. If the file system refuses
//     O_DIRECT or ignores it (tmpfs), buffered reads, and the reason says
//     why.
//
// Only rule 4 looks at path: it checks (by opening the file with O_DIRECT)
// whether the file system supports direct I/O. A negative
// residentFraction means it was not measured (a small file's never
// changes the choice); the reason then leaves it out.
func ChooseStrategy(path string, size int64, pattern Pattern, residentFraction float64) (Strategy, string) {
	return chooseStrategy(size, pattern, residentFraction, func() string {
		fd, _, _, why, err := probeDirect(path)
		if err != nil {
			return "cannot open the file with O_DIRECT: " + err.Error()
		}
		if fd >= 0 {
			unix.Close(fd)
		}
		return why
	})
}

// chooseStrategy applies the rules of ChooseStrategy; directUnavailable
// returns "" when O_DIRECT is usable, else why not.
func chooseStrategy(size int64, pattern Pattern, frac float64, directUnavailable func() string) (Strategy, string) {
	if pattern == RandomAccess {
		return Mmap, fmt.Sprintf("auto: random access to a %s file: mmap", humanSize(size))
	}
	scan := fmt.Sprintf("auto: full scan of a %s file, %s in the page cache", humanSize(size), percent(frac))
	if frac < 0 { // not measured
		scan = fmt.Sprintf("auto: full scan of a %s file", humanSize(size))
	}
	switch {
	case frac >= AutoResidentFraction:
		return Mmap, scan + ": mmap"
	case size < AutoSmallFile:
		return Mmap, fmt.Sprintf("%s: mmap (small file, under %s)", scan, humanSize(AutoSmallFile))
	}
	if why := directUnavailable(); why != "" {
		return Buffered, fmt.Sprintf("%s: buffered reads (direct I/O unavailable: %s)", scan, why)
	}
	return Direct, scan + ": direct I/O"
}
