package storage

import (
	"io"
	"os"
)

// dataFile is a data file opened to read its header or check its layout:
// the file itself, or the decompressed bytes of a compressed file.
type dataFile struct {
	ra   io.ReaderAt
	size int64            // bytes ra serves: the file's size, or the decompressed size
	comp *CompressionInfo // nil for an uncompressed file
	// content is the whole file when it was tiny enough to read at once
	// (see TinyFileSize); nil otherwise.
	content []byte
	close   func() error
}

// openDataFile opens the regular file at path for Open and OpenRaw. A
// compressed file (recognised by its magic number) is indexed on first
// read (see loadIndex) and served decompressed.
func openDataFile(path string) (*dataFile, error) {
	st, err := statDataFile(path)
	if err != nil {
		return nil, err
	}
	if data, err := readTiny(path, st); err != nil || data != nil {
		if err != nil {
			return nil, err
		}
		return tinyDataFile(data), nil
	}
	if c := DetectCompression(path); c != Uncompressed {
		src, err := openCompressed(path, c)
		if err != nil {
			return nil, err
		}
		ra := &decompressedReaderAt{src: src}
		return &dataFile{ra: ra, size: src.Size(), comp: &src.info, close: ra.Close}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fileErr(path, ErrIO, "cannot open: %v", unwrapPathError(err))
	}
	return &dataFile{ra: f, size: st.Size(), close: f.Close}, nil
}

// OpenDataReader opens the file at path for reading at offsets, as recq
// reads it: the file itself, or a compressed file's decompressed data
// (indexed on first read; reads in increasing order are cheap, see
// CompressedSource). size is the number of bytes r serves. Call close
// when done.
func OpenDataReader(path string) (r io.ReaderAt, size int64, close func() error, err error) {
	df, err := openDataFile(path)
	if err != nil {
		return nil, 0, nil, err
	}
	return df.ra, df.size, df.close, nil
}

// OpenTableSource opens the source a scan of t reads: for a compressed
// table a CompressedSource of its decompressed data (whatever the
// strategy: decompression streams), otherwise OpenSource's.
func OpenTableSource(t *Table, strategy Strategy, pattern Pattern) (Source, error) {
	if t.content != nil && strategy == Auto {
		return newBytesSource(t), nil
	}
	if t.Compression != nil {
		return openCompressed(t.Path, t.Compression.Format)
	}
	return OpenSource(t.Path, strategy, pattern)
}

// OpenCompressedSource opens the file at path as a CompressedSource,
// recognising its format by its magic number; an uncompressed file is an
// ErrUnsupported *FileError.
func OpenCompressedSource(path string) (CompressedSource, error) {
	if err := CheckDataFile(path); err != nil {
		return nil, err
	}
	c := DetectCompression(path)
	if c == Uncompressed {
		return nil, fileErr(path, ErrUnsupported, "is not gzip-, zstd- or bzip2-compressed")
	}
	return openCompressed(path, c)
}

// readAtWindow is the least a decompressedReaderAt decompresses at once.
const readAtWindow = 1 << 20

// decompressedReaderAt serves ReadAt over a compressed source for opening
// a table: the first and last bytes come from the index (checking line
// endings and separators reads little else), other reads decompress a
// window of at least readAtWindow bytes. The last two windows are kept, so
// a sequential walk of the lines that looks back a byte or two (a CR
// before an LF) never restarts decompression.
type decompressedReaderAt struct {
	src    *compressedSource
	recent [2]*Region
}

func (r *decompressedReaderAt) ReadAt(p []byte, off int64) (int, error) {
	size := r.src.Size()
	if len(p) == 0 {
		return 0, nil
	}
	if off >= size {
		return 0, io.EOF
	}
	want := p[:min(int64(len(p)), size-off)]
	n := 0
	for n < len(want) {
		k, err := r.readSome(want[n:], off+int64(n))
		n += k
		if err != nil {
			return n, err
		}
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// readSome copies bytes at off (inside the data) into p from the index's
// edges, a recent window or a new window.
func (r *decompressedReaderAt) readSome(p []byte, off int64) (int, error) {
	x := r.src.idx
	size := x.Uncompressed
	if off < int64(len(x.Head)) {
		return copy(p, x.Head[off:]), nil
	}
	if t := size - int64(len(x.Tail)); off >= t {
		return copy(p, x.Tail[off-t:]), nil
	}
	for _, reg := range r.recent {
		if reg != nil && off >= reg.Off && off < reg.Off+int64(len(reg.Bytes)) {
			return copy(p, reg.Bytes[off-reg.Off:]), nil
		}
	}
	reg, err := r.src.Read(off, int(min(int64(max(len(p), readAtWindow)), size-off)))
	if err != nil {
		return 0, err
	}
	r.recent[1].Release()
	r.recent[1], r.recent[0] = r.recent[0], reg
	return copy(p, reg.Bytes), nil
}

// Close releases the windows and the source.
func (r *decompressedReaderAt) Close() error {
	for i := range r.recent {
		r.recent[i].Release()
		r.recent[i] = nil
	}
	return r.src.Close()
}
