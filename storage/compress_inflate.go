package storage

import (
	"bufio"
	"compress/bzip2"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// SeekPoint is a place where decompression can start on its own: the
// start of a gzip member, a zstd frame or the file. C is its offset in the
// compressed file, U the offset in the decompressed bytes.
type SeekPoint struct{ C, U int64 }

// inflateBufSize is the read buffer between the compressed file and the
// decompressor.
const inflateBufSize = 128 << 10

// maxZstdWindow bounds the window a zstd frame may ask for (and with it
// a decoder's memory): 128 MiB, what zstd --long (27) writes by default.
// A frame that asks for more is refused with an error that says so.
const maxZstdWindow = 1 << 27

// readBufs recycles the inflaters' read buffers: a lane restarted from a
// seek point, or a scan started, does not allocate (and first touch) a
// new one.
var readBufs = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, inflateBufSize) }}

// inflater decompresses a file from one seek point to the end of the file
// (through every later gzip member, zstd frame or bzip2 stream). It knows
// the offsets of the bytes it returns in both the compressed file and the
// decompressed stream, so an error can say where the damage is. An
// inflater is used by one goroutine at a time.
type inflater struct {
	path   string
	format Compression
	src    *countingReader
	br     *bufio.Reader
	r      io.Reader
	zr     *zstd.Decoder // to close (zstd only)
	start  SeekPoint
	pos    int64 // decompressed offset of the next byte r returns
	err    error // sticky: the first error
}

// countingReader reads a file sequentially from an offset with ReadAt and
// counts the bytes read; it keeps the first read error apart from the
// decompressor's, so a failing disk is not called damaged data.
type countingReader struct {
	ra      io.ReaderAt
	off     int64
	n       int64
	readErr error
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.ra.ReadAt(p, c.off+c.n)
	c.n += int64(n)
	if err != nil && err != io.EOF && c.readErr == nil {
		c.readErr = err
	}
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}

// newInflater starts decompressing f (a file of format) at point at.
func newInflater(path string, f io.ReaderAt, format Compression, at SeekPoint, multi bool) (*inflater, error) {
	z := &inflater{path: path, format: format, start: at, pos: at.U}
	z.src = &countingReader{ra: f, off: at.C}
	z.br = readBufs.Get().(*bufio.Reader)
	z.br.Reset(z.src)
	var err error
	switch format {
	case Gzip:
		var g *gzip.Reader
		if g, err = gzip.NewReader(z.br); err == nil {
			g.Multistream(multi)
			z.r = g
		}
	case Zstd:
		var d *zstd.Decoder
		// One decoder goroutine-free stream: parallelism comes from the
		// scan's workers, several inflaters at several seek points.
		if d, err = zstd.NewReader(z.br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(maxZstdWindow)); err == nil {
			z.r, z.zr = d, d
		}
	case Bzip2:
		z.r = bzip2.NewReader(z.br)
	default:
		return nil, fileErr(path, ErrUnsupported, "internal error: %v is not a compression format", format)
	}
	if err != nil {
		err = z.damaged(err)
		z.close()
		return nil, err
	}
	return z, nil
}

// compressedPos is the offset in the compressed file up to which the
// decompressor has consumed input.
func (z *inflater) compressedPos() int64 {
	return z.start.C + z.src.n - int64(z.br.Buffered())
}

// readFull fills p with the next decompressed bytes. It returns fewer
// bytes only at the clean end of the data, with io.EOF; any other error
// (a truncated stream reports io.ErrUnexpectedEOF) is a *FileError naming
// both offsets.
func (z *inflater) readFull(p []byte) (int, error) {
	if z.err != nil {
		return 0, z.err
	}
	n := 0
	var err error
	for n < len(p) && err == nil {
		var k int
		k, err = z.r.Read(p[n:])
		n += k
	}
	z.pos += int64(n)
	if n == len(p) && (err == nil || err == io.EOF) {
		return n, nil // the end of the data may come with the last bytes
	}
	if err == io.EOF && z.src.readErr == nil {
		return n, err
	}
	z.err = z.damaged(err)
	return n, z.err
}

// discard skips n decompressed bytes.
func (z *inflater) discard(n int64) error {
	if n <= 0 {
		return nil
	}
	if z.err != nil {
		return z.err
	}
	got, err := io.CopyN(io.Discard, z.r, n)
	z.pos += got
	if err == io.EOF && z.src.readErr == nil {
		return &FileError{Path: z.path, Record: -1, Offset: -1, Err: ErrCorrupt,
			Msg:  fmt.Sprintf("the %v data ends at decompressed byte offset %d, before offset %d where its index says data continues", z.format, z.pos, z.pos+n-got),
			Hint: "the file changed since it was indexed: run the query again, or delete " + filepath.Base(z.path) + IndexSuffix}
	}
	if err != nil {
		z.err = z.damaged(err)
		return z.err
	}
	return nil
}

// damaged turns a decompressor or read error into a *FileError naming the
// file, the compressed offset the decompressor had reached and the
// decompressed offset it had produced.
func (z *inflater) damaged(err error) error {
	var fe *FileError
	if errors.As(err, &fe) {
		return err
	}
	where := fmt.Sprintf("at compressed byte offset %d (decompressed byte offset %d)", z.compressedPos(), z.pos)
	if z.src.readErr != nil {
		return &FileError{Path: z.path, Record: -1, Offset: -1, Err: &ioError{z.src.readErr},
			Msg: fmt.Sprintf("reading the %s-compressed file failed %s", z.format, where)}
	}
	tool := map[Compression]string{Gzip: "gzip -t", Zstd: "zstd -t", Bzip2: "bzip2 -t"}[z.format]
	what := "is damaged"
	if errors.Is(err, io.ErrUnexpectedEOF) {
		what = "ends early (the file is truncated)"
	}
	return &FileError{Path: z.path, Record: -1, Offset: -1, Err: ErrCorrupt,
		Msg:  fmt.Sprintf("the %s data %s %s: %v", z.format, what, where, err),
		Hint: "check the file with " + tool + "; recompress it from the original if the test fails"}
}

// close releases the decompressor and its read buffer. Idempotent.
func (z *inflater) close() {
	if z.zr != nil {
		z.zr.Close()
		z.zr = nil
	}
	if z.br != nil {
		z.br.Reset(nil)
		readBufs.Put(z.br)
		z.br = nil
	}
}
