// Package parquetfile reads Parquet files as streams of Arrow record
// batches, for the read_parquet table function: one row group at a time,
// a batch of rows at a time, through parquet/file's column chunk readers.
// It does not use parquet/pqarrow, which links Arrow's compute kernels
// and Flight (gRPC, protobuf) into every recq process and slows its
// start-up (docs/benchmarks.md, "Start-up").
//
// Flat columns of the types recq has are read: BOOLEAN; INT32 and INT64
// (with their INT(8..64, signed or not), DATE, DECIMAL and TIMESTAMP
// logical types, timestamps in any unit as microseconds); INT96
// timestamps; FLOAT; DOUBLE; BYTE_ARRAY strings (and plain binary, as
// text) and decimals; FIXED_LEN_BYTE_ARRAY decimals. Other columns
// (lists, maps, structs, TIME, UUID, ...) are left out and listed by
// Skipped.
package parquetfile

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet/file"
)

// Error is a problem with a Parquet file: the file, the row group (or
// -1), the column (or "") and what is wrong.
type Error struct {
	Path     string
	RowGroup int
	Column   string
	Msg      string
	Err      error
}

func (e *Error) Error() string {
	s := e.Path
	if e.RowGroup >= 0 {
		s += fmt.Sprintf(": row group %d", e.RowGroup)
	}
	if e.Column != "" {
		s += ": column " + e.Column
	}
	s += ": " + e.Msg
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Schema is the readable part of a Parquet file's schema.
type Schema struct {
	columns []*column
	// Skipped describes the columns left out, with the reason.
	Skipped []string
	// Rows and RowGroups count the first file's rows and row groups.
	Rows      int64
	RowGroups int
}

// Select is the schema of the columns at the given indexes of s, in
// that order (a query that needs only those): the reader then reads only
// their column chunks.
func (s *Schema) Select(keep []int) *Schema {
	sub := *s
	sub.columns = make([]*column, len(keep))
	for i, k := range keep {
		sub.columns[i] = s.columns[k]
	}
	return &sub
}

// Arrow is the schema of the batches.
func (s *Schema) Arrow() *arrow.Schema {
	fields := make([]arrow.Field, len(s.columns))
	for i, c := range s.columns {
		fields[i] = arrow.Field{Name: c.name, Type: c.typ, Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}

// open opens a Parquet file, naming it in errors (a panic of the footer
// decoder included).
func open(path string) (r *file.Reader, err error) {
	f, err := os.Open(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, &Error{Path: path, RowGroup: -1, Msg: "cannot open the file", Err: err}
	}
	defer func() {
		if p := recover(); p != nil {
			f.Close()
			r, err = nil, &Error{Path: path, RowGroup: -1, Msg: fmt.Sprintf("is not a readable Parquet file (%v)", p)}
		}
	}()
	r, err = file.NewParquetReader(f)
	if err != nil {
		f.Close()
		return nil, &Error{Path: path, RowGroup: -1, Msg: "is not a readable Parquet file", Err: err}
	}
	return r, nil
}

// ReadSchema reads a Parquet file's footer and maps its columns.
func ReadSchema(path string) (*Schema, error) {
	r, err := open(path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return mapColumns(path, r)
}

func mapColumns(path string, r *file.Reader) (s *Schema, err error) {
	defer func() {
		if p := recover(); p != nil {
			s, err = nil, &Error{Path: path, RowGroup: -1, Msg: fmt.Sprintf("has a schema recq cannot read (%v)", p)}
		}
	}()
	sch := r.MetaData().Schema
	s = &Schema{Rows: r.NumRows(), RowGroups: r.NumRowGroups()}
	for i := range sch.NumColumns() {
		c, err := newColumn(sch, i)
		if err != nil {
			s.Skipped = append(s.Skipped, err.Error())
			continue
		}
		s.columns = append(s.columns, c)
	}
	if len(s.columns) == 0 {
		return nil, &Error{Path: path, RowGroup: -1, Msg: "has no column recq can read", Err: errors.New(fmt.Sprint(s.Skipped))}
	}
	return s, nil
}

// Reader streams Parquet files of one schema as Arrow batches: file by
// file, row group by row group. It implements the Stream shape (Next,
// Record, Err, Close).
type Reader struct {
	ctx    context.Context
	paths  []string
	s      *Schema
	schema *arrow.Schema
	mem    memory.Allocator
	batch  int64

	next    int // the next file to open
	f       *file.Reader
	path    string
	leaf    []int // per column, its leaf index in the current file
	rg      int   // the current row group of f, -1 before the first
	left    int64 // rows left in the current row group
	chunks  []file.ColumnChunkReader
	buf     buffers
	builder *array.RecordBuilder
	cur     arrow.Record
	err     error
	done    bool
}

// NewReader reads paths as Parquet files of schema s (the first file's)
// in batches of up to batchSize rows allocated from mem.
func NewReader(ctx context.Context, paths []string, s *Schema, mem memory.Allocator, batchSize int) *Reader {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	if batchSize <= 0 {
		batchSize = 8192
	}
	return &Reader{ctx: ctx, paths: paths, s: s, schema: s.Arrow(), mem: mem, batch: int64(batchSize)}
}

func (r *Reader) Schema() *arrow.Schema { return r.schema }
func (r *Reader) Record() arrow.Record  { return r.cur }
func (r *Reader) Err() error            { return r.err }

// Close releases the current batch and closes the open file.
func (r *Reader) Close() {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if r.builder != nil {
		r.builder.Release()
		r.builder = nil
	}
	r.closeFile()
	r.done = true
}

func (r *Reader) closeFile() {
	if r.f != nil {
		r.f.Close()
		r.f, r.chunks = nil, nil
	}
}

func (r *Reader) fail(err error) bool {
	r.Close()
	r.err = err
	return false
}

// Next reads the next batch: up to batchSize rows of one row group. A
// panic of the Parquet decoder on corrupt data becomes an error naming
// the file and row group.
func (r *Reader) Next() (ok bool) {
	defer func() {
		if p := recover(); p != nil {
			ok = r.fail(&Error{Path: r.path, RowGroup: r.rg, Msg: fmt.Sprintf("cannot decode the file (%v)", p)})
		}
	}()
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if r.done {
		return false
	}
	if err := r.ctx.Err(); err != nil {
		return r.fail(err)
	}
	for r.left == 0 {
		ok, err := r.nextRowGroup()
		if err != nil {
			return r.fail(err)
		}
		if !ok {
			r.Close()
			return false
		}
	}
	if r.builder == nil {
		r.builder = array.NewRecordBuilder(r.mem, r.schema)
	}
	n := min(r.batch, r.left)
	if err := r.readRows(n); err != nil {
		return r.fail(err)
	}
	r.left -= n
	r.cur = r.builder.NewRecord()
	return true
}

// readRows reads n rows of every column of the current row group.
func (r *Reader) readRows(n int64) error {
	for i, c := range r.s.columns {
		got, err := c.read(r.chunks[i], r.builder.Field(i), n, &r.buf)
		if err != nil {
			return &Error{Path: r.path, RowGroup: r.rg, Column: c.name, Msg: "cannot read the column", Err: err}
		}
		if got != n {
			return &Error{Path: r.path, RowGroup: r.rg, Column: c.name,
				Msg: fmt.Sprintf("the column chunk gave %d rows where %d were due", got, n)}
		}
	}
	return nil
}

// nextRowGroup moves to the next row group, opening the next file when
// the current one is done; false at the end.
func (r *Reader) nextRowGroup() (bool, error) {
	for {
		if r.f == nil {
			if r.next >= len(r.paths) {
				return false, nil
			}
			if err := r.openFile(r.paths[r.next]); err != nil {
				return false, err
			}
			r.next++
		}
		r.rg++
		if r.rg >= r.f.NumRowGroups() {
			r.closeFile()
			continue
		}
		rg := r.f.RowGroup(r.rg)
		r.chunks = r.chunks[:0]
		for i, c := range r.s.columns {
			cr, err := rg.Column(r.leaf[i])
			if err != nil {
				return false, &Error{Path: r.path, RowGroup: r.rg, Column: c.name, Msg: "cannot read the column chunk", Err: err}
			}
			r.chunks = append(r.chunks, cr)
		}
		r.left = rg.NumRows()
		if r.left > 0 {
			return true, nil
		}
	}
}

// openFile opens a file and finds its columns: by name, of the first
// file's types.
func (r *Reader) openFile(path string) error {
	f, err := open(path)
	if err != nil {
		return err
	}
	s, err := mapColumns(path, f)
	if err != nil {
		f.Close()
		return err
	}
	byName := map[string]*column{}
	for _, c := range s.columns {
		byName[c.name] = c
	}
	r.leaf = r.leaf[:0]
	for _, want := range r.s.columns {
		c := byName[want.name]
		switch {
		case c == nil:
			f.Close()
			return &Error{Path: path, RowGroup: -1, Column: want.name, Msg: fmt.Sprintf("is missing, but %s has it (the files are one table)", r.paths[0])}
		case !arrow.TypeEqual(c.typ, want.typ):
			f.Close()
			return &Error{Path: path, RowGroup: -1, Column: want.name, Msg: fmt.Sprintf("is %s, but %s in %s (the files are one table)", c.typ, want.typ, r.paths[0])}
		}
		r.leaf = append(r.leaf, c.index)
	}
	r.f, r.path, r.rg = f, path, -1
	return nil
}
