package storage

import (
	"fmt"
	"io"
	"path/filepath"
	"sync"
)

// Indexes of compressed files are built by the first read of a file and
// cached twice: in NAME.recq-idx beside the file, so later processes skip
// the decompression pass that opening needs, and in memory, for the
// process's later queries and for files in directories recq may not write
// to. Both are keyed by the compressed file's size and modification time:
// a file rewritten since is indexed again. A fingerprint of the file's
// first and last 4 KiB catches rewrites that keep both.

// maxMemIndexes bounds the indexes kept in memory (each holds at most
// 128 KiB of edge bytes plus its seek points).
const maxMemIndexes = 64

var memIndexes = struct {
	sync.Mutex
	m map[string]*CompressedIndex
}{m: map[string]*CompressedIndex{}}

// IndexState says where a compressed file's index came from, for describe
// and EXPLAIN ANALYZE.
type IndexState string

const (
	IndexFromMemory IndexState = "in memory (indexed earlier by this process)"
	IndexFromFile   IndexState = "read from the cached index file"
	IndexWritten    IndexState = "built by this read and cached in the index file"
	IndexInMemory   IndexState = "built by this read and kept in memory (the index file could not be written beside it)"
)

// loadIndex returns the index of the compressed file at path (size bytes,
// modified at mtime), building it by one decompression pass when neither
// cache holds a current one.
func loadIndex(path string, f io.ReaderAt, size, mtime int64, format Compression) (*CompressedIndex, IndexState, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	fp, err := fingerprint(f, size)
	if err != nil {
		return nil, "", fileErr(path, ErrIO, "read: %v", err)
	}
	current := func(x *CompressedIndex) bool {
		return x != nil && x.Size == size && x.ModTime == mtime && x.Format == format && x.Fingerprint == fp
	}
	memIndexes.Lock()
	x := memIndexes.m[abs]
	memIndexes.Unlock()
	if current(x) {
		return x, IndexFromMemory, nil
	}
	if x, err := readIndexFile(path); err == nil && current(x) {
		remember(abs, x)
		return x, IndexFromFile, nil
	}
	if x, err = buildIndex(path, f, size, format); err != nil {
		return nil, "", err
	}
	x.ModTime = mtime
	remember(abs, x)
	state := IndexWritten
	if writeIndexFile(path, x) != nil {
		state = IndexInMemory // a read-only directory or file system
	}
	return x, state, nil
}

// remember keeps x in the memory cache, evicting an arbitrary entry when
// it is full.
func remember(abs string, x *CompressedIndex) {
	memIndexes.Lock()
	defer memIndexes.Unlock()
	if _, ok := memIndexes.m[abs]; !ok && len(memIndexes.m) >= maxMemIndexes {
		for k := range memIndexes.m {
			delete(memIndexes.m, k)
			break
		}
	}
	memIndexes.m[abs] = x
}

// ForgetIndexes empties the in-memory index cache (tests use it to force
// a read of the index file or a rebuild).
func ForgetIndexes() {
	memIndexes.Lock()
	defer memIndexes.Unlock()
	memIndexes.m = map[string]*CompressedIndex{}
}

// CompressionInfo describes a compressed table file, for describe and
// EXPLAIN.
type CompressionInfo struct {
	Format         Compression
	CompressedSize int64
	SeekPoints     int        // independent starting points (members, frames)
	Index          IndexState // where the index came from
	// Lanes are the decompressed offsets where the decompression lanes
	// of a source of this file start (see CompressedSource.Lanes); a scan
	// cuts its chunks there, so no lane decompresses much of another's.
	Lanes []int64
}

// Parallel reports whether scans of the file can be split across workers
// (more than one seek point).
func (c *CompressionInfo) Parallel() bool { return c.SeekPoints > 1 }

// String renders "gzip, 12 members, 1.2 MiB compressed".
func (c *CompressionInfo) String() string {
	unit := map[Compression]string{Gzip: "member", Zstd: "frame", Bzip2: "stream"}[c.Format]
	s := fmt.Sprintf("%s, %s compressed, %d %s", c.Format, humanSize(c.CompressedSize), c.SeekPoints, unit)
	if c.SeekPoints != 1 {
		s += "s"
	}
	if c.Parallel() {
		return s + " (decompressed in parallel)"
	}
	return s + " (decompressed by one stream)"
}
