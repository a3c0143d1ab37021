package storage

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// WriterOptions tune a .rec Writer.
type WriterOptions struct {
	// RecordsPerBlock sets the block size for checksums and min/max
	// statistics; 0 picks about 1 MiB of records per block.
	RecordsPerBlock int
	// ExpectedRecords, when known, sizes the space reserved for the header
	// so the block index fits without rewriting the file at Close.
	ExpectedRecords int64
	// Perm is the new file's permission bits; 0 means 0644.
	Perm os.FileMode
}

// DefaultBlockBytes is the target size of a block when RecordsPerBlock is 0.
const DefaultBlockBytes = 1 << 20

// Writer creates a .rec file. Records are appended with Append (Go values)
// or AppendRecord (encoded bytes); Close writes the header with the block
// index, fsyncs and renames the temporary file over the target, so the file
// appears whole or not at all. Abort (or a failed Close) removes the
// temporary file. A Writer is not safe for concurrent use.
type Writer struct {
	path, tmp string
	schema    *Schema
	f         *os.File
	bw        *bufio.Writer
	reserved  int64 // bytes reserved for the header at the start of tmp
	perBlock  int
	count     int64
	stats     *statsBuilder
	blocks    []BlockStats
	rec       []byte
	err       error // first error; the writer refuses further work
	done      bool
}

// Create starts writing a .rec file at path with the given schema.
func Create(path string, schema *Schema, opts WriterOptions) (*Writer, error) {
	for i := range schema.Fields {
		f := &schema.Fields[i]
		if f.IsArray() || f.IsGroup() {
			return nil, fileErr(path, ErrUnsupported, "field %s: a .rec file holds single values; %s is an array or a STRUCT of a raw file's layout (write raw files with Schema.EncodeField)", f.Name, f.TypeString())
		}
		if f.Encoding.IsMainframe() || f.CodePage != 0 || f.Unsigned || f.InvalidAsNull || f.YearStart != 0 {
			return nil, fileErr(path, ErrUnsupported, "field %s: a .rec file holds binary and ASCII text fields only; %s describes raw files (write those with Schema.EncodeField, as recq gen does, or import them into a .rec)", f.Name, f.Describe())
		}
	}
	perBlock := opts.RecordsPerBlock
	if perBlock <= 0 {
		perBlock = max(1, DefaultBlockBytes/schema.RecordLen)
	}
	perm := opts.Perm
	if perm == 0 {
		perm = 0o644
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, fileErr(path, ErrIO, "cannot create a temporary file next to it: %v", err)
	}
	if err := f.Chmod(perm); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fileErr(path, ErrIO, "cannot set permissions: %v", err)
	}
	blocks := int64(256)
	if opts.ExpectedRecords > 0 {
		blocks = (opts.ExpectedRecords + int64(perBlock) - 1) / int64(perBlock)
	}
	cols := len(statColumns(schema))
	reserved := alignUp(headerFixedLen+int64(len(encodeSchema(schema)))+blocks*int64(entrySize(cols)), HeaderAlign)
	w := &Writer{
		path: path, tmp: f.Name(), schema: schema, f: f, reserved: reserved, perBlock: perBlock,
		stats: newStatsBuilder(schema), rec: make([]byte, schema.RecordLen),
	}
	if _, err := f.Seek(reserved, io.SeekStart); err != nil {
		w.Abort()
		return nil, fileErr(path, ErrIO, "seek: %v", err)
	}
	w.bw = bufio.NewWriterSize(f, 1<<20)
	return w, nil
}

// Schema returns the schema records are written with.
func (w *Writer) Schema() *Schema { return w.schema }

// Count returns the number of records appended so far.
func (w *Writer) Count() int64 { return w.count }

// Append encodes one record from Go values, one per field in schema order
// (see value.go for the accepted types; nil is NULL).
func (w *Writer) Append(values ...any) error {
	if w.err != nil {
		return w.err
	}
	if len(values) != len(w.schema.Fields) {
		return fmt.Errorf("%s: record %d: %d values for %d fields", w.path, w.count+1, len(values), len(w.schema.Fields))
	}
	clear(w.rec)
	for i, v := range values {
		if err := w.schema.EncodeField(w.rec, i, v); err != nil {
			var fe *FieldError
			if errors.As(err, &fe) {
				return &FileError{Path: w.path, Record: w.count, Offset: -1, Field: fe.Field, Msg: fe.Err.Error(), Err: ErrSchema}
			}
			return err
		}
	}
	return w.AppendRecord(w.rec)
}

// AppendRecord appends one encoded record of exactly RecordLen bytes.
func (w *Writer) AppendRecord(rec []byte) error {
	if w.err != nil {
		return w.err
	}
	if len(rec) != w.schema.RecordLen {
		return fmt.Errorf("%s: record %d is %d bytes, want %d", w.path, w.count+1, len(rec), w.schema.RecordLen)
	}
	if _, err := w.bw.Write(rec); err != nil {
		return w.fail(fileErr(w.path, ErrIO, "write: %v", err))
	}
	w.stats.add(rec)
	w.count++
	if w.stats.n == w.perBlock {
		w.blocks = append(w.blocks, w.stats.finish())
	}
	return nil
}

func (w *Writer) fail(err error) error {
	if w.err == nil {
		w.err = err
	}
	w.Abort()
	return err
}

// Close finishes the file: header and block index, fsync, atomic rename,
// fsync of the directory. After a failed Close nothing is left behind.
func (w *Writer) Close() error {
	if w.done {
		return w.err
	}
	if w.err != nil {
		return w.err
	}
	if w.stats.n > 0 {
		w.blocks = append(w.blocks, w.stats.finish())
	}
	if err := w.bw.Flush(); err != nil {
		return w.fail(fileErr(w.path, ErrIO, "write: %v", err))
	}
	h := &Header{Schema: w.schema, RecordsPerBlock: w.perBlock, RecordCount: w.count,
		Blocks: &BlockIndex{RecordsPerBlock: w.perBlock, Columns: w.stats.cols, Blocks: w.blocks, schema: w.schema}}
	hdr, err := EncodeHeader(h, w.reserved)
	if err != nil {
		return w.fail(fileErr(w.path, ErrIO, "%v", err))
	}
	if int64(len(hdr)) > w.reserved {
		if err := w.moveRecords(int64(len(hdr))); err != nil {
			return w.fail(err)
		}
	}
	if _, err := w.f.WriteAt(hdr, 0); err != nil {
		return w.fail(fileErr(w.path, ErrIO, "write header: %v", err))
	}
	if err := w.f.Sync(); err != nil {
		return w.fail(fileErr(w.path, ErrIO, "fsync: %v", err))
	}
	if err := w.f.Close(); err != nil {
		return w.fail(fileErr(w.path, ErrIO, "close: %v", err))
	}
	if err := os.Rename(w.tmp, w.path); err != nil {
		return w.fail(fileErr(w.path, ErrIO, "rename into place: %v", err))
	}
	w.done = true
	SyncDir(filepath.Dir(w.path))
	return nil
}

// moveRecords shifts the record region so the header gets newLen bytes: the
// records are copied into a fresh temporary file that replaces the old one.
func (w *Writer) moveRecords(newLen int64) error {
	nf, err := os.CreateTemp(filepath.Dir(w.path), "."+filepath.Base(w.path)+".tmp-*")
	if err != nil {
		return fileErr(w.path, ErrIO, "cannot create a temporary file: %v", err)
	}
	if st, err := w.f.Stat(); err == nil {
		nf.Chmod(st.Mode().Perm())
	}
	src := io.NewSectionReader(w.f, w.reserved, w.count*int64(w.schema.RecordLen))
	_, err = nf.Seek(newLen, io.SeekStart)
	if err == nil {
		_, err = io.Copy(nf, src)
	}
	if err != nil {
		nf.Close()
		os.Remove(nf.Name())
		return fileErr(w.path, ErrIO, "copy records: %v", err)
	}
	w.f.Close()
	os.Remove(w.tmp)
	w.f, w.tmp, w.reserved = nf, nf.Name(), newLen
	return nil
}

// Abort stops writing and removes the temporary file. It is safe to call
// more than once and after Close (where it does nothing).
func (w *Writer) Abort() {
	if w.done {
		return
	}
	w.done = true
	if w.err == nil {
		w.err = errors.New("writer aborted")
	}
	w.f.Close()
	os.Remove(w.tmp)
}

// syncDir fsyncs a directory so a rename in it is durable; errors are
// ignored because some file systems do not support it.
func SyncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// WriteFileAtomic writes data to path through a temporary file, fsync and
// rename, so readers see the old file or the new one, never a part.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fileErr(path, ErrIO, "cannot create a temporary file next to it: %v", err)
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(perm)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fileErr(path, ErrIO, "write: %v", err)
	}
	SyncDir(filepath.Dir(path))
	return nil
}
