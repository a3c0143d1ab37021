package export

import (
	"errors"
	"io"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/ipc"
)

// batchWriter is Arrow's IPC stream and file writers.
type batchWriter interface {
	Write(arrow.Record) error
	Close() error
}

// writeArrow writes an Arrow IPC file (the random-access format, with a
// footer) or, if !file, an IPC stream.
func writeArrow(w io.Writer, rr array.RecordReader, o *Options, file bool) (int64, error) {
	var bw batchWriter
	var total int64
	start := func() error {
		o.beforeWrite()
		if !file {
			bw = ipc.NewWriter(w, ipc.WithSchema(rr.Schema()), ipc.WithAllocator(o.allocator()))
			return nil
		}
		ws, ok := w.(io.WriteSeeker)
		if !ok {
			return errors.New("arrow output: an Arrow IPC file needs a seekable destination (a file); write the stream format (arrows) to a pipe")
		}
		fw, err := ipc.NewFileWriter(ws, ipc.WithSchema(rr.Schema()), ipc.WithAllocator(o.allocator()))
		if err != nil {
			return err
		}
		bw = fw
		return nil
	}
	for rr.Next() {
		if bw == nil {
			if err := start(); err != nil {
				return total, err
			}
		}
		rec := rr.Record()
		if err := bw.Write(rec); err != nil {
			bw.Close()
			return total, err
		}
		total += rec.NumRows()
	}
	if err := rr.Err(); err != nil {
		if bw != nil {
			bw.Close()
		}
		return total, err
	}
	if bw == nil {
		if err := start(); err != nil {
			return total, err
		}
	}
	return total, bw.Close()
}
