package storage

import (
	"fmt"
	"io"
	"os"
	"syscall"
)

// FileFormat says what kind of file a Table reads.
type FileFormat uint8

const (
	// RecFormat is recq's self-describing .rec file.
	RecFormat FileFormat = iota + 1
	// RawBinary is a headerless file of binary records described by an
	// external schema.
	RawBinary
	// RawText is a file of fixed-width text lines described by an external
	// schema.
	RawText
)

func (f FileFormat) String() string {
	switch f {
	case RecFormat:
		return "rec"
	case RawBinary:
		return "binary"
	case RawText:
		return "text"
	}
	return fmt.Sprintf("FileFormat(%d)", uint8(f))
}

// Layout says where records are in a file.
//
// With LineStarts nil (the usual case), record i occupies the RecordLen
// bytes at DataOffset + i*Stride, followed by Separator (except, possibly,
// after the last record). With LineStarts set (text files whose short lines
// are padded), record i is the line starting at LineStarts[i]; its bytes
// run to the next separator and must be padded with spaces to RecordLen.
type Layout struct {
	DataOffset int64  // offset of record 0
	RecordLen  int    // bytes of one record, separator excluded
	Separator  []byte // "", "\n" or "\r\n"
	Stride     int    // RecordLen + len(Separator)
	Count      int64  // number of records
	// LastWithoutSeparator is set when the last record has no separator.
	LastWithoutSeparator bool
	// LineStarts, for padded short lines only, holds the offset of every
	// line plus one final entry: the offset just past the last line's
	// separator (or the end of file). Line i's bytes with separator are
	// [LineStarts[i], LineStarts[i+1]).
	LineStarts []int64
	// Var, for variable-length records (record_format V or VB), is the
	// file's sparse record index: records are found by walking their RDWs
	// from an index entry (Framing.Split). RecordLen is then the layout's
	// length: shorter records read NULL for the fields past their end,
	// longer ones have their extra bytes ignored. Stride == RecordLen,
	// Separator is empty.
	Var *VarIndex
}

// RecordOffset is the file offset of record i.
//
// For variable-length records (Var set) it is the offset of the index
// entry holding record i (exact for the entry's first record): the
// record itself lies at or after it.
func (l *Layout) RecordOffset(i int64) int64 {
	if l.Var != nil {
		return l.Var.Entries[max(l.Var.Entry(i), 0)].Offset
	}
	if l.LineStarts != nil {
		return l.LineStarts[i]
	}
	return l.DataOffset + i*int64(l.Stride)
}

// DataEnd is the offset just past the last record's bytes.
func (l *Layout) DataEnd() int64 {
	if l.Var != nil {
		return l.Var.End
	}
	if l.LineStarts != nil {
		return l.LineStarts[len(l.LineStarts)-1]
	}
	end := l.DataOffset + l.Count*int64(l.Stride)
	if l.LastWithoutSeparator {
		end -= int64(len(l.Separator))
	}
	return end
}

// Table is an opened data file: what it is, its schema and where its
// records are. Opening reads only the header (or, for raw text files whose
// line lengths vary, scans the lines once); it keeps no file descriptor.
// Read the records through a Source (OpenSource).
type Table struct {
	Path   string
	Format FileFormat
	Schema *Schema
	Layout Layout
	// Size is the file's size when opened; for a compressed file, the
	// size of its decompressed data (Compression.CompressedSize is the
	// file's).
	Size int64
	// Compression is set for a compressed file (gzip, zstd, bzip2), whose
	// records are the decompressed bytes; nil otherwise.
	Compression *CompressionInfo
	// Header and Blocks are set for RecFormat only; Blocks may be nil.
	Header *Header
	Blocks *BlockIndex
	// Raw holds the options a raw file was opened with.
	Raw RawOptions
	// Notes are facts a user may want to know, such as an ignored trailing
	// partial record.
	Notes []string
	// content is a tiny raw file's bytes, read whole when it was opened
	// (see TinyFileSize); nil otherwise.
	content []byte
}

// OpenOptions tune Open.
type OpenOptions struct {
	// IgnorePartial accepts a record region whose size is not a whole number
	// of records by ignoring the trailing partial record (noted in Notes).
	IgnorePartial bool
}

// IsRecFile reports whether the file at path starts with the .rec magic;
// for a compressed file, whether its decompressed data does. Only regular
// files qualify: opening a named pipe would block until a writer appears
// (O_NONBLOCK guards against one swapped in after the stat).
func IsRecFile(path string) bool {
	if st, err := os.Stat(path); err != nil || !st.Mode().IsRegular() {
		return false
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	var head [sniffLen]byte
	n, _ := io.ReadFull(f, head[:])
	var b [8]byte
	copy(b[:], head[:n])
	if c := SniffCompression(head[:n]); c != Uncompressed {
		var err error
		defer recoverDecompressor(path, c, &err) // a decompressor's panic: not a .rec file
		z, err := newInflater(path, f, c, SeekPoint{}, true)
		if err != nil {
			return false
		}
		defer z.close()
		n, _ = z.readFull(b[:])
	}
	return n >= len(b) && b == Magic
}

// statDataFile stats path and rejects anything but a regular file.
func statDataFile(path string) (os.FileInfo, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fileErr(path, ErrIO, "cannot open: %v", unwrapPathError(err))
	}
	if err := checkRegular(path, uint32(st.Sys().(*syscall.Stat_t).Mode)); err != nil {
		return nil, err
	}
	if st.Size() == 0 {
		f, err := os.Open(path)
		if err != nil {
			return nil, fileErr(path, ErrIO, "cannot open: %v", unwrapPathError(err))
		}
		defer f.Close()
		if err := checkEmpty(path, func(b []byte) (int, error) { return f.ReadAt(b, 0) }); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// CheckDataFile checks that path names a data file recq can read in
// place: a regular file (not a directory, pipe, socket or device) whose
// size is what it holds (not a /proc or /sys file that reports 0 bytes).
// The error is a *FileError saying what the file is instead.
func CheckDataFile(path string) error {
	_, err := statDataFile(path)
	return err
}

// checkEmpty is called for a regular file whose size is 0: if reading it
// returns data anyway (files under /proc and /sys), it cannot be read by
// size and offset, and the error says so.
func checkEmpty(path string, readAt func([]byte) (int, error)) error {
	var b [1]byte
	if n, _ := readAt(b[:]); n > 0 {
		return &FileError{Path: path, Record: -1, Offset: -1, Err: ErrUnsupported,
			Msg:  "reports a size of 0 bytes but has content (a /proc or /sys file?): recq reads files in place by size and offset",
			Hint: "copy it to a regular file first (cat FILE > copy.txt)"}
	}
	return nil
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// Open opens a .rec file: it reads and verifies the header (magic, version,
// checksum, schema, block index) and checks that the record region is a
// whole number of records matching the header's count.
func Open(path string, opts OpenOptions) (*Table, error) {
	df, err := openDataFile(path)
	if err != nil {
		return nil, err
	}
	defer df.close()
	f, size := df.ra, df.size
	prefix := make([]byte, min(size, HeaderPrefixLen))
	if _, err := f.ReadAt(prefix, 0); err != nil {
		return nil, fileErr(path, ErrIO, "read header: %v", err)
	}
	hlen, err := DecodeHeaderPrefix(prefix)
	if err != nil {
		return nil, &FileError{Path: path, Record: -1, Offset: 0, Msg: stripKind(err), Err: ErrCorrupt}
	}
	if hlen > size {
		return nil, &FileError{Path: path, Record: -1, Offset: 0, Err: ErrCorrupt,
			Msg: fmt.Sprintf("header says it is %d bytes but the file is only %d bytes", hlen, size), Hint: "the file is truncated"}
	}
	buf := make([]byte, hlen)
	if _, err := f.ReadAt(buf, 0); err != nil {
		return nil, fileErr(path, ErrIO, "read header: %v", err)
	}
	h, err := DecodeHeader(buf)
	if err != nil {
		return nil, &FileError{Path: path, Record: -1, Offset: 0, Msg: stripKind(err), Err: ErrCorrupt}
	}
	t := &Table{Path: path, Format: RecFormat, Schema: h.Schema, Size: size, Header: h, Blocks: h.Blocks, Compression: df.comp}
	t.Layout = Layout{DataOffset: hlen, RecordLen: h.RecordLen, Stride: h.RecordLen}
	region := size - hlen
	count, left := region/int64(h.RecordLen), region%int64(h.RecordLen)
	if left != 0 {
		if !opts.IgnorePartial {
			return nil, &FileError{Path: path, Record: count, Offset: hlen + count*int64(h.RecordLen), Err: ErrCorrupt,
				Msg: fmt.Sprintf("file size %d bytes is not a whole number of %d-byte records after the %d-byte header: %d bytes left over",
					size, h.RecordLen, hlen, left),
				Hint: "the file was truncated or had bytes appended; --ignore-partial (or ignore_partial = true) skips the trailing partial record"}
		}
		t.Notes = append(t.Notes, fmt.Sprintf("ignored a trailing partial record of %d bytes", left))
	}
	if count != h.RecordCount {
		return nil, &FileError{Path: path, Record: -1, Offset: -1, Err: ErrCorrupt,
			Msg:  fmt.Sprintf("file size %d bytes holds %d records of %d bytes but the header says %d", size, count, h.RecordLen, h.RecordCount),
			Hint: "the file was truncated or extended after it was written"}
	}
	t.Layout.Count = count
	return t, nil
}

// stripKind renders an error made with fmt.Errorf("%w: ...", kind) without
// the kind's own text.
func stripKind(err error) string {
	s := err.Error()
	for _, k := range []error{ErrCorrupt, ErrSchema, ErrIO, ErrUnsupported} {
		if p := k.Error() + ": "; len(s) > len(p) && s[:len(p)] == p {
			return s[len(p):]
		}
	}
	return s
}

// Record returns record i's bytes read with ReadAt from r (a convenience for
// tools and tests; scans read through a Source). Padded short lines are
// padded with spaces; short variable-length records with zero bytes.
func (t *Table) Record(r io.ReaderAt, i int64) ([]byte, error) {
	if i < 0 || i >= t.Layout.Count {
		return nil, fmt.Errorf("%s: record index %d is out of range (the file has %d records, indices 0 to %d)", t.Path, i, t.Layout.Count, t.Layout.Count-1)
	}
	l := &t.Layout
	if l.Var != nil {
		rec, _, err := t.varRecord(r, i)
		return rec, err
	}
	off, n := l.RecordOffset(i), l.RecordLen
	if l.LineStarts != nil {
		n = int(l.LineStarts[i+1]-off) - len(l.Separator)
		if n < 0 || (i == l.Count-1 && l.LastWithoutSeparator) {
			n = int(l.LineStarts[i+1] - off)
		}
	}
	rec := make([]byte, l.RecordLen)
	if _, err := r.ReadAt(rec[:n], off); err != nil {
		return nil, &FileError{Path: t.Path, Record: i, Offset: off, Msg: "read failed", Err: err}
	}
	fill(rec[n:], ' ')
	return rec, nil
}
