package export

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/ipc"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/compress"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/metadata"
	"github.com/apache/arrow/go/v17/parquet/schema"
)

// Row group limits. A row group is written out when it holds
// DefaultRowGroupRows rows (DuckDB's default ROW_GROUP_SIZE) or its
// encoded pages reach DefaultRowGroupBytes, whichever comes first.
const (
	DefaultRowGroupRows  = 122880
	DefaultRowGroupBytes = 64 << 20
)

// ParquetOptions tune a ParquetWriter. The zero value writes Snappy
// compressed row groups of the default sizes.
type ParquetOptions struct {
	// Compression names the codec: snappy (the default when empty), zstd,
	// gzip, brotli or uncompressed (none).
	Compression string
	// RowGroupRows caps the rows of a row group (0: DefaultRowGroupRows).
	RowGroupRows int64
	// RowGroupBytes caps a row group's encoded size in bytes, checked
	// after each batch (0: DefaultRowGroupBytes).
	RowGroupBytes int64
	// Allocator holds the writer's buffers (nil: Go's heap).
	Allocator memory.Allocator
}

// compressionNames are the codec names ParseCompression accepts.
var compressionNames = map[string]compress.Compression{
	"snappy": compress.Codecs.Snappy, "zstd": compress.Codecs.Zstd, "gzip": compress.Codecs.Gzip,
	"brotli":       compress.Codecs.Brotli,
	"uncompressed": compress.Codecs.Uncompressed, "none": compress.Codecs.Uncompressed,
}

// parseCompression reads a codec name (any case).
func parseCompression(s string) (compress.Compression, error) {
	if s == "" {
		return compress.Codecs.Snappy, nil
	}
	if c, ok := compressionNames[strings.ToLower(strings.TrimSpace(s))]; ok {
		return c, nil
	}
	return 0, fmt.Errorf("parquet output: unknown compression %q (want one of: snappy, zstd, gzip, brotli, uncompressed)", s)
}

// CheckParquetOptions reports options NewParquetWriter would refuse (an
// unknown codec name), so a caller can check them before running a query.
func CheckParquetOptions(o ParquetOptions) error {
	_, err := parseCompression(o.Compression)
	return err
}

// ParquetWriter writes record batches of one schema to a Parquet file.
// Write encodes each batch into the open row group and keeps no reference
// to it; Close writes the last row group and the footer. A writer is not
// safe for concurrent use.
type ParquetWriter struct {
	bw     *bufio.Writer
	fw     *file.Writer
	cols   []*column
	rg     file.BufferedRowGroupWriter
	rgRows int64
	// held are the batches of the open row group, kept until it is
	// closed: the column writers keep slices of their strings (the
	// pages' minimum and maximum statistics) without copying them, and
	// a released batch's buffers go back to the scan that reuses them.
	held   []arrow.Record
	opts   ParquetOptions
	ones   []int16 // definition levels of a batch without NULLs
	def    []int16 // definition levels of a batch with NULLs
	groups int
	rows   int64
	err    error // sticky: the first failure
	closed bool
}

// CheckParquetSchema reports the first column whose type cannot be
// written to Parquet (INTERVAL), naming it.
func CheckParquetSchema(s *arrow.Schema) error {
	_, err := parquetColumns(s)
	return err
}

func parquetColumns(s *arrow.Schema) ([]*column, error) {
	cols := make([]*column, s.NumFields())
	for i, f := range s.Fields() {
		c, err := newColumn(f)
		if err != nil {
			return nil, err
		}
		cols[i] = c
	}
	return cols, nil
}

// NewParquetWriter checks the schema and starts a Parquet file on w. An
// unsupported column type is reported before anything is written.
func NewParquetWriter(w io.Writer, s *arrow.Schema, opts ParquetOptions) (*ParquetWriter, error) {
	cols, err := parquetColumns(s)
	if err != nil {
		return nil, err
	}
	if opts.RowGroupRows <= 0 {
		opts.RowGroupRows = DefaultRowGroupRows
	}
	if opts.RowGroupBytes <= 0 {
		opts.RowGroupBytes = DefaultRowGroupBytes
	}
	if opts.Allocator == nil {
		opts.Allocator = memory.DefaultAllocator
	}
	codec, err := parseCompression(opts.Compression)
	if err != nil {
		return nil, err
	}
	fields := make(schema.FieldList, len(cols))
	for i, c := range cols {
		fields[i] = c.node
	}
	root, err := schema.NewGroupNode("schema", parquet.Repetitions.Required, fields, -1)
	if err != nil {
		return nil, fmt.Errorf("parquet output: %w", err)
	}
	popts := []parquet.WriterProperty{
		parquet.WithAllocator(opts.Allocator),
		parquet.WithCompression(codec),
		parquet.WithStats(true),
		parquet.WithCreatedBy("recq"),
		// A column chunk's dictionary is given up for plain encoding once
		// it outgrows 64 KiB (the library's default is 1 MiB, which holds
		// every value of a high-cardinality INT64 column in a 122,880-row
		// group: all the hashing, none of the gain). On 5M lineitem rows:
		// a fifth less CPU and a 6% smaller file.
		parquet.WithDictionaryPageSizeLimit(64 << 10),
	}
	props := parquet.NewWriterProperties(popts...)
	meta := metadata.NewKeyValueMetadata()
	if err := meta.Append("ARROW:schema", base64.StdEncoding.EncodeToString(serializeSchema(s, opts.Allocator))); err != nil {
		return nil, fmt.Errorf("parquet output: %w", err)
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	pw := &ParquetWriter{bw: bw, cols: cols, opts: opts}
	// file.NewParquetWriter writes the magic number at once and reports a
	// failed write by panicking.
	err = catch(func() error {
		pw.fw = file.NewParquetWriter(bw, root, file.WithWriterProps(props), file.WithWriteMetadata(meta))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return pw, nil
}

// serializeSchema is the Arrow IPC encoding of s that Arrow's Parquet
// reader looks for under ARROW:schema: a stream holding the schema message
// and no batches.
func serializeSchema(s *arrow.Schema, mem memory.Allocator) []byte {
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(s), ipc.WithAllocator(mem))
	w.Close()
	return buf.Bytes()
}

// catch runs f, turning a panic inside the Parquet library (its way of
// reporting some write failures) into an error, and names the output in
// errors that do not already.
func catch(f func() error) (err error) {
	defer func() {
		if err != nil && !strings.HasPrefix(err.Error(), "parquet output: ") {
			err = fmt.Errorf("parquet output: %w", err)
		}
	}()
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok {
				err = e
				return
			}
			err = fmt.Errorf("%v", r)
		}
	}()
	return f()
}

// Write appends rec's rows, starting new row groups as the limits are
// reached. rec must have the writer's schema.
func (pw *ParquetWriter) Write(rec arrow.Record) error {
	if pw.err != nil {
		return pw.err
	}
	if pw.closed {
		return errors.New("parquet output: write after close")
	}
	if int(rec.NumCols()) != len(pw.cols) {
		return fmt.Errorf("parquet output: a batch has %d columns, the file %d", rec.NumCols(), len(pw.cols))
	}
	n := rec.NumRows()
	for off := int64(0); off < n; {
		take := min(n-off, pw.opts.RowGroupRows-pw.rgRows)
		part := rec
		if off > 0 || take < n {
			part = rec.NewSlice(off, off+take)
		}
		err := catch(func() error { return pw.writePart(part) })
		if part != rec {
			part.Release()
		}
		if err != nil {
			pw.err = err
			return err
		}
		off += take
	}
	return nil
}

// writePart writes rows that fit in the open row group, then closes it if
// it is full.
func (pw *ParquetWriter) writePart(rec arrow.Record) error {
	if pw.rg == nil {
		pw.rg = pw.fw.AppendBufferedRowGroup()
	}
	n := int(rec.NumRows())
	if cap(pw.ones) < n {
		pw.ones = make([]int16, n)
		for i := range pw.ones {
			pw.ones[i] = 1
		}
	}
	for i, c := range pw.cols {
		cw, err := pw.rg.Column(i)
		if err != nil {
			return err
		}
		arr := rec.Column(i)
		var def []int16
		if c.node.RepetitionType() == parquet.Repetitions.Optional {
			def = pw.levels(arr)
		}
		if err := c.write(cw, arr, def); err != nil {
			return err
		}
	}
	rec.Retain()
	pw.held = append(pw.held, rec)
	pw.rgRows += int64(n)
	pw.rows += int64(n)
	if pw.rgRows >= pw.opts.RowGroupRows || pw.rowGroupBytes() >= pw.opts.RowGroupBytes {
		return pw.closeRowGroup()
	}
	return nil
}

// rowGroupBytes estimates the open row group's encoded size: its finished
// pages plus the values buffered for each column's next page.
func (pw *ParquetWriter) rowGroupBytes() int64 {
	total := pw.rg.TotalCompressedBytes()
	for i := range pw.cols {
		cw, err := pw.rg.Column(i)
		if err != nil {
			continue
		}
		if b, ok := cw.(interface{ EstimatedBufferedValueBytes() int64 }); ok {
			total += b.EstimatedBufferedValueBytes()
		}
	}
	return total
}

// levels returns the definition levels of arr: 1 for a value, 0 for NULL.
func (pw *ParquetWriter) levels(arr arrow.Array) []int16 {
	n := arr.Len()
	if arr.NullN() == 0 {
		return pw.ones[:n]
	}
	if cap(pw.def) < n {
		pw.def = make([]int16, n)
	}
	def := pw.def[:n]
	if arr.DataType().ID() == arrow.NULL {
		clear(def) // no validity bitmap: IsValid would say true
		return def
	}
	for i := range def {
		def[i] = 0
		if arr.IsValid(i) {
			def[i] = 1
		}
	}
	return def
}

func (pw *ParquetWriter) closeRowGroup() error {
	defer pw.releaseHeld()
	if pw.rg == nil {
		return nil
	}
	rg := pw.rg
	pw.rg, pw.rgRows = nil, 0
	if err := rg.Close(); err != nil {
		return err
	}
	pw.groups++
	return nil
}

// releaseHeld releases the batches of the row group just closed.
func (pw *ParquetWriter) releaseHeld() {
	for _, rec := range pw.held {
		rec.Release()
	}
	clear(pw.held)
	pw.held = pw.held[:0]
}

// RowGroups returns the number of row groups written so far.
func (pw *ParquetWriter) RowGroups() int { return pw.groups }

// Rows returns the number of rows written so far.
func (pw *ParquetWriter) Rows() int64 { return pw.rows }

// Close writes the open row group and the footer and flushes the output.
// It does not close the underlying writer. After a failed Write, Close
// releases the writer's buffers and returns that failure: the output is
// then not a valid Parquet file.
func (pw *ParquetWriter) Close() error {
	if pw.closed {
		return pw.err
	}
	pw.closed = true
	if pw.err != nil {
		// Release the open row group's buffers; the output is not used.
		catch(func() error {
			pw.closeRowGroup()
			return pw.fw.Close()
		})
		return pw.err
	}
	err := catch(func() error {
		if err := pw.closeRowGroup(); err != nil {
			return err
		}
		return pw.fw.Close()
	})
	if err == nil {
		if err = pw.bw.Flush(); err != nil {
			err = fmt.Errorf("parquet output: %w", err)
		}
	}
	pw.err = err
	return err
}
