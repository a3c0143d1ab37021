package storage

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/klauspost/compress/gzip"
)

// CompressedIndex is what one decompression pass over a compressed file
// learns: the decompressed size, the seek points where decompression can
// start on its own (every gzip member, every zstd frame; only the start of
// a bzip2 file), and the first and last bytes of the decompressed data,
// which opening a table reads (line endings, the header of a .rec file,
// the last record's separator). Seek points let later scans split the
// file across workers; the index is cached beside the file (see
// loadIndex), keyed by the compressed file's size and modification time.
type CompressedIndex struct {
	Format  Compression
	Size    int64 // compressed file size
	ModTime int64 // compressed file modification time (ns since 1970)
	// Fingerprint is the CRC32C of the compressed file's first and last
	// fingerprintBytes: a file rewritten with the same size and time (a
	// copy with preserved times, a coarse file-system clock) almost
	// always changes its trailer's checksum, and so its fingerprint.
	Fingerprint  uint32
	Uncompressed int64 // decompressed size
	Points       []SeekPoint
	Head, Tail   []byte // the first and last up to indexEdgeBytes decompressed bytes
}

// fingerprintBytes is how much of each end of the compressed file its
// fingerprint covers.
const fingerprintBytes = 4096

// fingerprint computes the CRC32C of the first and last fingerprintBytes
// of the compressed file (size bytes).
func fingerprint(f io.ReaderAt, size int64) (uint32, error) {
	n := min(size, fingerprintBytes)
	b := make([]byte, 2*n)
	if _, err := f.ReadAt(b[:n], 0); err != nil && err != io.EOF {
		return 0, err
	}
	if _, err := f.ReadAt(b[n:], size-n); err != nil && err != io.EOF {
		return 0, err
	}
	return CRC32C(b), nil
}

// indexEdgeBytes is how much of the start and end of the decompressed data
// an index keeps.
const indexEdgeBytes = 64 << 10

// maxSeekPoints bounds the seek points an index keeps: members or frames
// beyond it are merged into their neighbours (a point every so many), so a
// file of millions of tiny frames gets an index of bounded size.
const maxSeekPoints = 1 << 16

// edgeSink counts the bytes written to it and keeps the first and last
// indexEdgeBytes.
type edgeSink struct {
	n          int64
	head, tail []byte
}

func (s *edgeSink) Write(p []byte) (int, error) {
	s.n += int64(len(p))
	if k := min(len(p), indexEdgeBytes-len(s.head)); k > 0 {
		s.head = append(s.head, p[:k]...)
	}
	if len(p) >= indexEdgeBytes {
		s.tail = append(s.tail[:0], p[len(p)-indexEdgeBytes:]...)
		return len(p), nil
	}
	s.tail = append(s.tail, p...)
	if len(s.tail) > 2*indexEdgeBytes {
		k := copy(s.tail, s.tail[len(s.tail)-indexEdgeBytes:])
		s.tail = s.tail[:k]
	}
	return len(p), nil
}

func (s *edgeSink) finish() (head, tail []byte) {
	tail = s.tail
	if len(tail) > indexEdgeBytes {
		tail = tail[len(tail)-indexEdgeBytes:]
	}
	return s.head, append([]byte(nil), tail...)
}

// buildIndex decompresses the whole file once (size bytes of format) and
// returns its index. Damaged data is a *FileError naming both offsets.
func buildIndex(path string, f io.ReaderAt, size int64, format Compression) (_ *CompressedIndex, err error) {
	defer recoverDecompressor(path, format, &err)
	fp, ferr := fingerprint(f, size)
	if ferr != nil {
		return nil, fileErr(path, ErrIO, "read: %v", ferr)
	}
	x := &CompressedIndex{Format: format, Size: size, Fingerprint: fp}
	sink := &edgeSink{}
	buf := make([]byte, inflateBufSize)
	switch format {
	case Gzip:
		x.Points, err = indexGzip(path, f, size, sink, buf)
	case Zstd:
		x.Points, err = indexZstd(path, f, size, sink, buf)
	default:
		x.Points = []SeekPoint{{0, 0}}
		err = inflateTo(path, f, format, SeekPoint{}, sink, buf)
	}
	if err != nil {
		return nil, err
	}
	x.Uncompressed = sink.n
	x.Head, x.Tail = sink.finish()
	x.Points = thinPoints(x.Points)
	return x, nil
}

// drain copies z's decompressed bytes to w until the end of its data.
func drain(z *inflater, w io.Writer, buf []byte) error {
	for {
		n, err := z.readFull(buf)
		w.Write(buf[:n])
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// inflateTo decompresses f from at to its end into w.
func inflateTo(path string, f io.ReaderAt, format Compression, at SeekPoint, w io.Writer, buf []byte) error {
	z, err := newInflater(path, f, format, at, true)
	if err != nil {
		return err
	}
	defer z.close()
	return drain(z, w, buf)
}

// indexGzip decompresses a gzip file member by member, noting where each
// member starts.
func indexGzip(path string, f io.ReaderAt, size int64, sink *edgeSink, buf []byte) ([]SeekPoint, error) {
	z, err := newInflater(path, f, Gzip, SeekPoint{}, false)
	if err != nil {
		return nil, err
	}
	defer z.close()
	g := z.r.(*gzip.Reader)
	points := []SeekPoint{{0, 0}}
	for {
		if err := drain(z, sink, buf); err != nil {
			return nil, err
		}
		next := z.compressedPos()
		if next >= size {
			return points, nil
		}
		if err := g.Reset(z.br); err != nil {
			if err == io.EOF && z.src.readErr == nil {
				return points, nil
			}
			return nil, z.damaged(fmt.Errorf("after the gzip member that ends here: %w", err))
		}
		g.Multistream(false)
		points = append(points, SeekPoint{C: next, U: sink.n})
	}
}

// indexZstd decompresses a zstd file frame by frame, noting where each
// frame with data starts (skippable frames hold none).
func indexZstd(path string, f io.ReaderAt, size int64, sink *edgeSink, buf []byte) ([]SeekPoint, error) {
	frames := zstdFrames(f, size)
	var points []SeekPoint
	for i, fr := range frames {
		if fr.skippable {
			continue
		}
		end := size
		if i+1 < len(frames) {
			end = frames[i+1].off
		}
		at := SeekPoint{C: fr.off, U: sink.n}
		points = append(points, at)
		// Each frame is decompressed on its own, up to the next frame, so
		// that its decompressed length is known.
		if err := inflateTo(path, io.NewSectionReader(f, 0, end), Zstd, at, sink, buf); err != nil {
			return nil, err
		}
	}
	if len(points) == 0 {
		points = []SeekPoint{{0, 0}}
	}
	return points, nil
}

// zstdFrame is one frame of a zstd file, found by walking frame and block
// headers (no decompression).
type zstdFrame struct {
	off       int64
	skippable bool
}

// zstdFrames lists the frames of a zstd file. Where a header does not
// parse, the walk stops: the rest of the file is taken as one frame, and
// decompressing it reports the damage with its offset.
func zstdFrames(f io.ReaderAt, size int64) []zstdFrame {
	br := bufio.NewReaderSize(io.NewSectionReader(f, 0, size), 64<<10)
	var frames []zstdFrame
	off := int64(0)
	skip := func(n int64) bool {
		k, err := br.Discard(int(n))
		off += int64(k)
		return err == nil
	}
	read := func(b []byte) bool {
		k, err := io.ReadFull(br, b)
		off += int64(k)
		return err == nil
	}
	for off < size {
		start := off
		var hdr [4]byte
		if !read(hdr[:]) {
			return append(frames, zstdFrame{off: start})
		}
		magic := binary.LittleEndian.Uint32(hdr[:])
		if isSkippableMagic(magic) {
			if !read(hdr[:]) || !skip(int64(binary.LittleEndian.Uint32(hdr[:]))) {
				return append(frames, zstdFrame{off: start})
			}
			frames = append(frames, zstdFrame{off: start, skippable: true})
			continue
		}
		if magic != binary.LittleEndian.Uint32(zstdMagic) || !walkZstdFrame(read, skip) {
			return append(frames, zstdFrame{off: start})
		}
		frames = append(frames, zstdFrame{off: start})
	}
	return frames
}

// walkZstdFrame skips one frame's header, blocks and checksum after its
// magic number (RFC 8878 section 3.1.1).
func walkZstdFrame(read func([]byte) bool, skip func(int64) bool) bool {
	var fhd [1]byte
	if !read(fhd[:]) {
		return false
	}
	d := fhd[0]
	fcsFlag, single, checksum, dictFlag := d>>6, d>>5&1 == 1, d>>2&1 == 1, d&3
	if d>>3&1 == 1 {
		return false // reserved bit
	}
	n := int64([]int{0, 1, 2, 4}[dictFlag])
	if !single {
		n++ // window descriptor
	}
	n += int64([]int{0, 2, 4, 8}[fcsFlag])
	if fcsFlag == 0 && single {
		n++
	}
	if !skip(n) {
		return false
	}
	for {
		var bh [3]byte
		if !read(bh[:]) {
			return false
		}
		h := uint32(bh[0]) | uint32(bh[1])<<8 | uint32(bh[2])<<16
		last, typ, size := h&1 == 1, h>>1&3, int64(h>>3)
		switch typ {
		case 1: // RLE: one byte repeated size times
			size = 1
		case 3:
			return false // reserved block type
		}
		if !skip(size) {
			return false
		}
		if last {
			break
		}
	}
	return !checksum || skip(4)
}

// thinPoints keeps at most maxSeekPoints points, evenly spaced by index.
func thinPoints(ps []SeekPoint) []SeekPoint {
	if len(ps) <= maxSeekPoints {
		return ps
	}
	step := (len(ps) + maxSeekPoints - 1) / maxSeekPoints
	out := make([]SeekPoint, 0, maxSeekPoints)
	for i := 0; i < len(ps); i += step {
		out = append(out, ps[i])
	}
	return out
}

// The index file (NAME.recq-idx), little-endian:
//
//	magic "RECQIDX\x01" | format u8 | compressed size i64 | mtime i64 |
//	fingerprint u32 | uncompressed size i64 | point count u32 |
//	points (C i64, U i64)... |
//	head length u32 | head | tail length u32 | tail | CRC32C of all before
var indexMagic = [8]byte{'R', 'E', 'C', 'Q', 'I', 'D', 'X', 1}

// IndexSuffix is appended to a compressed file's name for its cached index.
const IndexSuffix = ".recq-idx"

func (x *CompressedIndex) encode() []byte {
	le := binary.LittleEndian
	b := append([]byte(nil), indexMagic[:]...)
	b = append(b, byte(x.Format))
	b = le.AppendUint64(b, uint64(x.Size))
	b = le.AppendUint64(b, uint64(x.ModTime))
	b = le.AppendUint32(b, x.Fingerprint)
	b = le.AppendUint64(b, uint64(x.Uncompressed))
	b = le.AppendUint32(b, uint32(len(x.Points)))
	for _, p := range x.Points {
		b = le.AppendUint64(b, uint64(p.C))
		b = le.AppendUint64(b, uint64(p.U))
	}
	b = le.AppendUint32(b, uint32(len(x.Head)))
	b = append(b, x.Head...)
	b = le.AppendUint32(b, uint32(len(x.Tail)))
	b = append(b, x.Tail...)
	return le.AppendUint32(b, CRC32C(b))
}

var errBadIndex = errors.New("not a valid index")

// decodeIndex parses an index file; any inconsistency is errBadIndex (the
// index is then rebuilt, never trusted).
func decodeIndex(b []byte) (*CompressedIndex, error) {
	le := binary.LittleEndian
	if len(b) < 8+1+28+4+8 || [8]byte(b[:8]) != indexMagic || le.Uint32(b[len(b)-4:]) != CRC32C(b[:len(b)-4]) {
		return nil, errBadIndex
	}
	b = b[8 : len(b)-4]
	x := &CompressedIndex{Format: Compression(b[0])}
	x.Size, x.ModTime, x.Fingerprint = int64(le.Uint64(b[1:])), int64(le.Uint64(b[9:])), le.Uint32(b[17:])
	x.Uncompressed = int64(le.Uint64(b[21:]))
	n := int(le.Uint32(b[29:]))
	b = b[33:]
	if n < 1 || n > maxSeekPoints || len(b) < 16*n+4 || x.Format == Uncompressed || x.Format > Bzip2 {
		return nil, errBadIndex
	}
	x.Points = make([]SeekPoint, n)
	for i := range x.Points {
		p := SeekPoint{C: int64(le.Uint64(b)), U: int64(le.Uint64(b[8:]))}
		b = b[16:]
		if p.C < 0 || p.C >= max(x.Size, 1) || p.U < 0 || p.U > x.Uncompressed || (i > 0 && (p.C <= x.Points[i-1].C || p.U < x.Points[i-1].U)) {
			return nil, errBadIndex
		}
		x.Points[i] = p
	}
	if x.Points[0] != (SeekPoint{}) {
		return nil, errBadIndex
	}
	edge := func() ([]byte, bool) {
		if len(b) < 4 {
			return nil, false
		}
		k := int(le.Uint32(b))
		if k > indexEdgeBytes || len(b) < 4+k || int64(k) > x.Uncompressed {
			return nil, false
		}
		e := append([]byte(nil), b[4:4+k]...)
		b = b[4+k:]
		return e, true
	}
	var ok1, ok2 bool
	x.Head, ok1 = edge()
	x.Tail, ok2 = edge()
	if !ok1 || !ok2 || len(b) != 0 {
		return nil, errBadIndex
	}
	return x, nil
}

// writeIndexFile writes the index beside the file, atomically (temporary
// file in the same directory, fsync, rename).
func writeIndexFile(path string, x *CompressedIndex) error {
	return WriteFileAtomic(path+IndexSuffix, x.encode(), 0o644)
}

// readIndexFile reads the cached index of path, or returns an error when
// there is none or it is invalid.
func readIndexFile(path string) (*CompressedIndex, error) {
	b, err := os.ReadFile(path + IndexSuffix)
	if err != nil {
		return nil, err
	}
	return decodeIndex(b)
}
