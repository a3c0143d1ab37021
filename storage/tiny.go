package storage

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"syscall"
)

// TinyFileSize is the size up to which OpenRaw reads an uncompressed raw
// file whole when it opens it, and an Auto scan then reads those bytes
// instead of opening the file again. For a table of thousands of small
// files (one GHCN .dly file per station, one ACH file per batch) the
// system calls of opening, mapping and unmapping each file cost more than
// reading it; a whole read costs four (stat, open, read, close).
const TinyFileSize = 1 << 20

// readTiny reads the regular file at path whole when it holds at most
// TinyFileSize bytes and is not compressed; otherwise (and for an empty
// file, which statDataFile has more to say about) it returns nil data and
// no error, and the caller opens the file the general way. st is the
// file's stat from statDataFile.
func readTiny(path string, st os.FileInfo) ([]byte, error) {
	size := st.Size()
	if size <= 0 || size > TinyFileSize {
		return nil, nil
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fileErr(path, ErrIO, "cannot open: %v", unwrapPathError(err))
	}
	defer f.Close()
	data := make([]byte, size)
	n, err := io.ReadFull(f, data)
	if err != nil && err != io.ErrUnexpectedEOF {
		return nil, fileErr(path, ErrIO, "read: %v", unwrapPathError(err))
	}
	if int64(n) < size {
		return nil, &FileError{Path: path, Record: -1, Offset: int64(n), Err: ErrIO,
			Msg:  fmt.Sprintf("the file shrank while it was read: %d bytes, %d when it was opened", n, size),
			Hint: "query it again once whatever writes it is done"}
	}
	if SniffCompression(data) != Uncompressed {
		return nil, nil
	}
	return data, nil
}

// bytesSource is a Source over a tiny file's bytes read when its table was
// opened (Table.content).
type bytesSource struct {
	path   string
	data   []byte
	reason string
}

func newBytesSource(t *Table) *bytesSource {
	return &bytesSource{path: t.Path, data: t.content,
		reason: fmt.Sprintf("auto: a %s file (under %s) is read whole when its table is opened", humanSize(int64(len(t.content))), humanSize(TinyFileSize))}
}

func (s *bytesSource) Path() string       { return s.path }
func (s *bytesSource) Strategy() Strategy { return Buffered }
func (s *bytesSource) Reason() string     { return s.reason }
func (s *bytesSource) Size() int64        { return int64(len(s.data)) }
func (s *bytesSource) Close() error       { return nil }

// Read returns a view of the bytes: they are never written and never
// unmapped, so the region needs no release and no fault guard.
func (s *bytesSource) Read(off int64, n int) (*Region, error) {
	size := int64(len(s.data))
	if off < 0 || n < 0 || off+int64(n) > size {
		return nil, pastEnd(s.path, off, n, -1, size, -1)
	}
	return &Region{Bytes: s.data[off : off+int64(n) : off+int64(n)], Off: off}, nil
}

// tinyDataFile is the dataFile of a tiny file's bytes.
func tinyDataFile(data []byte) *dataFile {
	return &dataFile{ra: bytes.NewReader(data), size: int64(len(data)), content: data, close: func() error { return nil }}
}

// MayBeRec reports whether t, opened with OpenRaw, might be a .rec file
// after all: false only when the file's bytes were read whole (a tiny
// file) and do not start with the .rec magic, so a caller that opens
// many small files raw can skip IsRecFile's own open and read.
func (t *Table) MayBeRec() bool {
	if t.content == nil {
		return true
	}
	return len(t.content) >= len(Magic) && [len(Magic)]byte(t.content[:len(Magic)]) == Magic
}
