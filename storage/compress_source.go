package storage

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// CompressedSource is implemented by the Source of a compressed file (see
// OpenSource). Its bytes are the decompressed data, produced by
// decompressing in order: each lane is one decompression stream that
// starts at a seek point (a gzip member, a zstd frame). Reads within a
// lane are fast in increasing offset order; a read behind a lane's
// position restarts it from the nearest seek point. Different lanes
// decompress in parallel, so a scan gives each worker its own lane.
type CompressedSource interface {
	StatsSource
	// Compression describes the file's compression.
	Compression() *CompressionInfo
	// Lanes returns the decompressed offsets where the lanes start,
	// ascending; the first is 0. A file with one seek point (a single
	// gzip member, any bzip2 file) has one lane.
	Lanes() []int64
	// CompressedRead is the number of compressed bytes consumed so far
	// (progress is measured against the compressed file's size).
	CompressedRead() int64
}

// compressedSource reads a compressed file through inflaters, one per
// lane, each restarted from the nearest seek point when a read needs it.
type compressedSource struct {
	path   string
	f      *os.File
	idx    *CompressedIndex
	info   CompressionInfo
	starts []int64 // lane starts (decompressed offsets)
	lanes  []*lane
	pool   *bufPool

	consumed atomic.Int64 // compressed bytes consumed by all lanes
	stats    ioStats      // decompressed bytes handed out, time decompressing
	closed   atomic.Bool
}

// lane is one decompression stream.
type lane struct {
	mu    sync.Mutex
	z     *inflater
	lastC int64 // z's compressed position after its last read
}

// maxLanesPerCPU bounds the lanes of a file with many seek points: a few
// per CPU, so workers that finish early find another lane to take.
const maxLanesPerCPU = 4

// openCompressed opens the compressed file at path (format sniffed by the
// caller), loading or building its index.
func openCompressed(path string, format Compression) (*compressedSource, error) {
	st, err := statDataFile(path)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fileErr(path, ErrIO, "cannot open: %v", unwrapPathError(err))
	}
	x, state, err := loadIndex(path, f, st.Size(), st.ModTime().UnixNano(), format)
	if err != nil {
		f.Close()
		return nil, err
	}
	s := &compressedSource{path: path, f: f, idx: x, pool: defaultPool,
		info: CompressionInfo{Format: format, CompressedSize: st.Size(), SeekPoints: len(x.Points), Index: state}}
	s.starts = laneStarts(x, maxLanesPerCPU*runtime.GOMAXPROCS(0))
	s.lanes = make([]*lane, len(s.starts))
	for i := range s.lanes {
		s.lanes[i] = &lane{}
	}
	return s, nil
}

// laneStarts picks up to n seek points that cut the decompressed data in
// parts of about equal size.
func laneStarts(x *CompressedIndex, n int) []int64 {
	starts := []int64{0}
	if len(x.Points) < 2 || n < 2 {
		return starts
	}
	n = min(n, len(x.Points))
	for i := 1; i < n; i++ {
		target := x.Uncompressed * int64(i) / int64(n)
		j := sort.Search(len(x.Points), func(k int) bool { return x.Points[k].U > target }) - 1
		if x.Points[j].U > starts[len(starts)-1] && x.Points[j].U < x.Uncompressed {
			starts = append(starts, x.Points[j].U)
		}
	}
	return starts
}

func (s *compressedSource) Path() string                    { return s.path }
func (s *compressedSource) Strategy() Strategy              { return Buffered }
func (s *compressedSource) Size() int64                     { return s.idx.Uncompressed }
func (s *compressedSource) Compression() *CompressionInfo   { return &s.info }
func (s *compressedSource) Lanes() []int64                  { return s.starts }
func (s *compressedSource) CompressedRead() int64           { return s.consumed.Load() }
func (s *compressedSource) IOStats() (int64, time.Duration) { return s.stats.IOStats() }

// Reason says how the file is read.
func (s *compressedSource) Reason() string {
	return fmt.Sprintf("%s-compressed: decompressed in %d lane(s) as it is read", s.info.Format, len(s.starts))
}

// Read decompresses the bytes [off, off+n) into a pooled buffer.
func (s *compressedSource) Read(off int64, n int) (*Region, error) {
	if s.closed.Load() {
		return nil, errClosed(s.path)
	}
	size := s.idx.Uncompressed
	if err := checkRange(s.path, off, n, size, func() int64 { return size }); err != nil {
		return nil, err
	}
	if n == 0 {
		return &Region{Bytes: []byte{}, Off: off}, nil
	}
	li := sort.Search(len(s.starts), func(i int) bool { return s.starts[i] > off }) - 1
	l := s.lanes[li]
	l.mu.Lock()
	defer l.mu.Unlock()
	t0 := time.Now()
	defer func() { s.stats.nanos.Add(int64(time.Since(t0))) }()
	if err := s.position(l, off); err != nil {
		return nil, err
	}
	b, err := s.pool.get(n)
	if err != nil {
		return nil, &FileError{Path: s.path, Record: -1, Offset: off, Msg: "cannot allocate a read buffer", Err: &ioError{err}}
	}
	got, err := l.z.readFull(b.mem[:n])
	c := l.z.compressedPos()
	s.consumed.Add(c - l.lastC)
	l.lastC = c
	if err == io.EOF {
		err = &FileError{Path: s.path, Record: -1, Offset: off + int64(got), Err: ErrCorrupt,
			Msg:  fmt.Sprintf("the %s data ends at decompressed byte offset %d, but when it was indexed it had %d bytes", s.info.Format, off+int64(got), size),
			Hint: "the file changed while being read: run the query again"}
	}
	if err != nil {
		s.pool.put(b)
		l.z.close()
		l.z = nil
		return nil, err
	}
	s.stats.bytes.Add(int64(n))
	if end := s.laneEnd(li); l.z.pos >= end {
		// Past its lane: no later read of this lane can use it, so its
		// memory (a zstd window can be large) goes now, not at Close.
		l.z.close()
		l.z = nil
	}
	return &Region{Bytes: b.mem[:n:n], Off: off, release: b.release}, nil
}

// laneEnd is the decompressed offset where lane i ends.
func (s *compressedSource) laneEnd(i int) int64 {
	if i+1 < len(s.starts) {
		return s.starts[i+1]
	}
	return s.idx.Uncompressed
}

// position moves lane l's inflater to decompressed offset off: onwards
// from where it is, or from the nearest seek point at or before off when
// that is ahead of it or the inflater is past off.
func (s *compressedSource) position(l *lane, off int64) error {
	ps := s.idx.Points
	p := ps[sort.Search(len(ps), func(i int) bool { return ps[i].U > off })-1]
	if l.z == nil || l.z.pos > off || p.U > l.z.pos {
		if l.z != nil {
			l.z.close()
			l.z = nil
		}
		z, err := newInflater(s.path, s.f, s.idx.Format, p, true)
		if err != nil {
			return err
		}
		l.z, l.lastC = z, p.C
	}
	if err := l.z.discard(off - l.z.pos); err != nil {
		l.z.close()
		l.z = nil
		return err
	}
	return nil
}

// Close releases the inflaters and the file. Idempotent.
func (s *compressedSource) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return nil
	}
	for _, l := range s.lanes {
		l.mu.Lock()
		if l.z != nil {
			l.z.close()
			l.z = nil
		}
		l.mu.Unlock()
	}
	return s.f.Close()
}
