package recqbeam

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/ipc"
	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/recq/recq/query/export"
)

// WriteIPC writes a collection of Arrow IPC streams (Query's output) to
// one Arrow IPC file at path, on the file system of the worker that
// writes it (all elements meet on one key). The file appears complete or
// not at all: it is written to a temporary file in the same directory and
// renamed. The schema is the first stream's; the others' column types must
// match it.
func WriteIPC(s beam.Scope, col beam.PCollection, path string) {
	s = s.Scope("recqbeam.WriteIPC")
	write(s, col, path, "arrow")
}

// WriteParquet is WriteIPC writing a Parquet file (snappy), as recq's COPY
// ... (FORMAT parquet) does.
func WriteParquet(s beam.Scope, col beam.PCollection, path string) {
	s = s.Scope("recqbeam.WriteParquet")
	write(s, col, path, "parquet")
}

func write(s beam.Scope, col beam.PCollection, path, format string) {
	grouped := beam.GroupByKey(s, beam.AddFixedKey(s, col))
	beam.ParDo0(s, &writeFn{Path: path, Format: format}, grouped)
}

type writeFn struct {
	Path   string `json:"path"`
	Format string `json:"format"`
}

// recordWriter is the part of the IPC and Parquet writers the sink uses.
type recordWriter interface {
	Write(arrow.Record) error
	Close() error
}

func (fn *writeFn) ProcessElement(ctx context.Context, _ int, iter func(*[]byte) bool) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(fn.Path), "."+filepath.Base(fn.Path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("recqbeam: writing %s: %w", fn.Path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	var w recordWriter
	var schema *arrow.Schema
	var blob []byte
	for iter(&blob) {
		r, err := ipc.NewReader(bytes.NewReader(blob))
		if err != nil {
			return fmt.Errorf("recqbeam: writing %s: an input is not an Arrow IPC stream: %w", fn.Path, err)
		}
		if w == nil {
			schema = r.Schema()
			if w, err = fn.open(tmp, schema); err != nil {
				r.Release()
				return fmt.Errorf("recqbeam: writing %s: %w", fn.Path, err)
			}
		} else if err := sameTypes(schema, r.Schema()); err != nil {
			r.Release()
			w.Close()
			return fmt.Errorf("recqbeam: writing %s: %w", fn.Path, err)
		}
		for r.Next() {
			rec := array.NewRecord(schema, r.Record().Columns(), r.Record().NumRows())
			err := w.Write(rec)
			rec.Release()
			if err != nil {
				r.Release()
				w.Close()
				return fmt.Errorf("recqbeam: writing %s: %w", fn.Path, err)
			}
		}
		err = r.Err()
		r.Release()
		if err != nil {
			w.Close()
			return fmt.Errorf("recqbeam: writing %s: reading an input: %w", fn.Path, err)
		}
	}
	if w == nil {
		return fmt.Errorf("recqbeam: writing %s: no input at all (not a collection from Query)", fn.Path)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("recqbeam: writing %s: %w", fn.Path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("recqbeam: writing %s: %w", fn.Path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("recqbeam: writing %s: %w", fn.Path, err)
	}
	if err := os.Rename(tmp.Name(), fn.Path); err != nil {
		return fmt.Errorf("recqbeam: writing %s: %w", fn.Path, err)
	}
	return nil
}

func (fn *writeFn) open(w *os.File, schema *arrow.Schema) (recordWriter, error) {
	switch fn.Format {
	case "arrow":
		return ipc.NewFileWriter(w, ipc.WithSchema(schema))
	case "parquet":
		return export.NewParquetWriter(w, schema, export.ParquetOptions{})
	}
	return nil, fmt.Errorf("unknown format %q", fn.Format)
}

// sameTypes checks that streams of schema got can be written as want.
func sameTypes(want, got *arrow.Schema) error {
	if got.NumFields() != want.NumFields() {
		return fmt.Errorf("inputs of %d and %d columns", want.NumFields(), got.NumFields())
	}
	for i := range want.Fields() {
		if !arrow.TypeEqual(want.Field(i).Type, got.Field(i).Type) {
			return fmt.Errorf("column %d (%s) is %s in one input, %s in another", i+1, want.Field(i).Name, want.Field(i).Type, got.Field(i).Type)
		}
	}
	return nil
}
