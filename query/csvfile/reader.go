// Package csvfile reads CSV files (RFC 4180: quoted fields may hold the
// delimiter, line breaks and doubled quotes) as streams of Arrow record
// batches, for the read_csv table function. Sniff works out a file's
// delimiter, header and column types from its first rows, DuckDB-style;
// a Reader then streams one or more files of that schema, one batch at a
// time, and names the file, line and column of any value it cannot read.
package csvfile

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/decimal128"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/storage"
)

// ArrowSchema is the schema of the batches a Reader of s produces.
func ArrowSchema(s *Schema) *arrow.Schema { return arrowSchema(s, allColumns(s)) }

// arrowSchema is the schema of the columns at indexes keep.
func arrowSchema(s *Schema, keep []int) *arrow.Schema {
	fields := make([]arrow.Field, len(keep))
	for i, k := range keep {
		c := s.Columns[k]
		fields[i] = arrow.Field{Name: c.Name, Type: c.Type.ArrowType(), Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}

func allColumns(s *Schema) []int {
	keep := make([]int, len(s.Columns))
	for i := range keep {
		keep[i] = i
	}
	return keep
}

// Source is one CSV input: its name (for errors) and how to open it.
type Source struct {
	Name string
	Open func() (io.ReadCloser, error)
}

// FileSource is the source of a file on disk: gzip, zstd and bzip2 files
// (recognised by their magic number) are read decompressed.
func FileSource(path string) Source {
	return Source{Name: path, Open: func() (io.ReadCloser, error) {
		r, size, closer, err := storage.OpenDataReader(path)
		if err != nil {
			return nil, err
		}
		return sectionCloser{io.NewSectionReader(r, 0, size), closer}, nil
	}}
}

// sectionCloser reads a section and closes what it came from.
type sectionCloser struct {
	*io.SectionReader
	close func() error
}

func (s sectionCloser) Close() error { return s.close() }

// Reader streams CSV sources of one schema as Arrow batches. It reads the
// sources one after the other, in order; each has the header line when
// the schema says so. It implements the Stream shape (Next, Record, Err,
// Close).
type Reader struct {
	ctx     context.Context
	srcs    []Source
	s       *Schema
	keep    []int // the columns parsed into batches, by index in s
	opts    Options
	schema  *arrow.Schema
	mem     memory.Allocator
	batch   int
	next    int // the next source to open
	rc      io.ReadCloser
	cr      *csv.Reader
	name    string
	cur     arrow.Record
	err     error
	rows    int64
	done    bool
	builder *array.RecordBuilder
}

// NewReader reads srcs as CSV of schema s (from Sniff) in batches of up
// to batchSize rows allocated from mem. keep lists the columns to parse
// into the batches (indexes in s.Columns, in output order); nil means
// all. The other columns are only counted.
func NewReader(ctx context.Context, srcs []Source, s *Schema, opts Options, mem memory.Allocator, batchSize int, keep []int) *Reader {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	if batchSize <= 0 {
		batchSize = 8192
	}
	if keep == nil {
		keep = allColumns(s)
	}
	return &Reader{ctx: ctx, srcs: srcs, s: s, keep: keep, opts: opts, schema: arrowSchema(s, keep), mem: mem, batch: batchSize}
}

func (r *Reader) Schema() *arrow.Schema { return r.schema }
func (r *Reader) Record() arrow.Record  { return r.cur }
func (r *Reader) Err() error            { return r.err }

// Rows is the number of data rows read so far.
func (r *Reader) Rows() int64 { return r.rows }

// Close releases the current batch and closes the open source.
func (r *Reader) Close() {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if r.builder != nil {
		r.builder.Release()
		r.builder = nil
	}
	r.closeSource()
	r.done = true
}

func (r *Reader) closeSource() {
	if r.rc != nil {
		r.rc.Close()
		r.rc, r.cr = nil, nil
	}
}

// Next reads the next batch; false at the end or on an error (Err).
func (r *Reader) Next() bool {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if r.done {
		return false
	}
	if err := r.ctx.Err(); err != nil {
		r.fail(err)
		return false
	}
	if r.builder == nil {
		r.builder = array.NewRecordBuilder(r.mem, r.schema)
	}
	n := 0
	for n < r.batch {
		rec, line, err := r.record()
		if err != nil {
			r.fail(err)
			return false
		}
		if rec == nil {
			r.done = true
			break
		}
		if err := r.appendRow(rec, line); err != nil {
			r.fail(err)
			return false
		}
		n++
	}
	if n == 0 {
		r.Close()
		return false
	}
	r.rows += int64(n)
	r.cur = r.builder.NewRecord()
	return true
}

func (r *Reader) fail(err error) {
	r.Close()
	r.err = err
}

// record returns the next data record and its first line, opening the
// next source when one ends; nil at the end of the last.
func (r *Reader) record() ([]string, int, error) {
	for {
		if r.cr == nil {
			if r.next >= len(r.srcs) {
				return nil, 0, nil
			}
			if err := r.open(r.srcs[r.next]); err != nil {
				return nil, 0, err
			}
			r.next++
		}
		rec, err := r.cr.Read()
		if err == io.EOF {
			r.closeSource()
			continue
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, 0, parseErr(r.name, r.opts.Skip, pe)
			}
			return nil, 0, &Error{Path: r.name, Line: -1, Column: -1, Msg: "cannot read the file", Err: err}
		}
		line, _ := r.cr.FieldPos(0)
		return rec, line + r.opts.Skip, nil
	}
}

// open starts a source: skips its leading lines and its header.
func (r *Reader) open(src Source) error {
	rc, err := src.Open()
	if err != nil {
		if isFileError(err) {
			return err
		}
		return &Error{Path: src.Name, Line: -1, Column: -1, Msg: "cannot open the file", Err: unwrapPath(err)}
	}
	br := bufio.NewReaderSize(rc, 1<<16)
	if err := skipLines(br, src.Name, r.opts.Skip); err != nil {
		rc.Close()
		return err
	}
	if b, err := br.Peek(3); err == nil && string(b) == "\xef\xbb\xbf" {
		br.Discard(3) // a UTF-8 byte order mark
	}
	r.rc, r.cr, r.name = rc, newCSV(br, r.s.Delim), src.Name
	if r.s.Header {
		if _, err := r.cr.Read(); err != nil && err != io.EOF {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return parseErr(src.Name, r.opts.Skip, pe)
			}
			return &Error{Path: src.Name, Line: -1, Column: -1, Msg: "cannot read the file", Err: err}
		}
	}
	return nil
}

// isFileError reports an error that names its file already.
func isFileError(err error) bool {
	var fe *storage.FileError
	return errors.As(err, &fe)
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// appendRow parses one record's values into the builders.
func (r *Reader) appendRow(rec []string, line int) error {
	cols := r.s.Columns
	if len(rec) != len(cols) {
		return &Error{Path: r.name, Line: line, Column: -1,
			Msg:  fmt.Sprintf("the line has %d fields, but the file's rows have %d", len(rec), len(cols)),
			Hint: "every line needs the same number of fields; quote a field that holds the delimiter"}
	}
	for j, i := range r.keep {
		c := cols[i]
		b := r.builder.Field(j)
		v := rec[i]
		if t := strings.TrimSpace(v); t == "" || (r.opts.NullStr != "" && v == r.opts.NullStr) {
			b.AppendNull()
			continue
		}
		x, err := parse(c.Type, v)
		if err != nil {
			l, _ := r.cr.FieldPos(i)
			return &Error{Path: r.name, Line: l + r.opts.Skip, Column: i + 1, Name: c.Name,
				Msg:  fmt.Sprintf("cannot read %q as %s: %v", v, TypeName(c.Type), err),
				Hint: "give the column's type: columns => {...}, or read every column as text: all_varchar => true"}
		}
		appendValue(b, x)
	}
	return nil
}

// appendValue appends a parsed value to its column's builder.
func appendValue(b array.Builder, x any) {
	switch b := b.(type) {
	case *array.BooleanBuilder:
		b.Append(x.(bool))
	case *array.Int8Builder:
		b.Append(int8(x.(int64)))
	case *array.Int16Builder:
		b.Append(int16(x.(int64)))
	case *array.Int32Builder:
		b.Append(int32(x.(int64)))
	case *array.Int64Builder:
		b.Append(x.(int64))
	case *array.Uint8Builder:
		b.Append(uint8(x.(uint64)))
	case *array.Uint16Builder:
		b.Append(uint16(x.(uint64)))
	case *array.Uint32Builder:
		b.Append(uint32(x.(uint64)))
	case *array.Uint64Builder:
		b.Append(x.(uint64))
	case *array.Float32Builder:
		b.Append(float32(x.(float64)))
	case *array.Float64Builder:
		b.Append(x.(float64))
	case *array.Decimal128Builder:
		b.Append(decimal128.FromI64(x.(int64)))
	case *array.Date32Builder:
		b.Append(arrow.Date32(x.(int32)))
	case *array.TimestampBuilder:
		b.Append(arrow.Timestamp(x.(int64)))
	case *array.StringBuilder:
		b.Append(x.(string))
	}
}
