package recqbeam

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/ipc"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// Between the stages, batches travel as Arrow IPC streams ("blobs"). A
// blob on its way to a merge carries a 12-byte prefix: the index of the
// split it comes from (8 bytes) and its part within the split (4 bytes),
// big-endian, so a merge can put the leaves back in split order.

const prefixLen = 12

// encodeIPC writes recs as one Arrow IPC stream after prefix.
func encodeIPC(prefix []byte, schema *arrow.Schema, recs []arrow.Record) ([]byte, error) {
	var buf bytes.Buffer
	buf.Write(prefix)
	w := ipc.NewWriter(&buf, ipc.WithSchema(schema))
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			w.Close()
			return nil, fmt.Errorf("recqbeam: encoding a batch as Arrow IPC: %w", err)
		}
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("recqbeam: encoding a batch as Arrow IPC: %w", err)
	}
	return buf.Bytes(), nil
}

// orderPrefix is the prefix of part part of split split.
func orderPrefix(split int64, part int) []byte {
	var b [prefixLen]byte
	binary.BigEndian.PutUint64(b[:8], uint64(split))
	binary.BigEndian.PutUint32(b[8:], uint32(part))
	return b[:]
}

// readers opens prefixed blobs, sorted by their prefix, as record readers.
func readers(blobs [][]byte) ([]array.RecordReader, error) {
	slices.SortFunc(blobs, func(a, b []byte) int { return bytes.Compare(a[:min(len(a), prefixLen)], b[:min(len(b), prefixLen)]) })
	var out []array.RecordReader
	for _, b := range blobs {
		if len(b) < prefixLen {
			return nil, fmt.Errorf("recqbeam: a merge input of %d bytes has no order prefix (not written by this package's read)", len(b))
		}
		if len(b) == prefixLen {
			continue // the empty seed of bucket 0
		}
		r, err := ipc.NewReader(bytes.NewReader(b[prefixLen:]), ipc.WithAllocator(memory.DefaultAllocator))
		if err != nil {
			for _, o := range out {
				o.Release()
			}
			return nil, fmt.Errorf("recqbeam: reading a merge input as Arrow IPC: %w", err)
		}
		out = append(out, r)
	}
	return out, nil
}

// encodeResult reads r to the end into one IPC stream (with prefix).
func encodeResult(prefix []byte, r array.RecordReader) ([]byte, error) {
	var buf bytes.Buffer
	buf.Write(prefix)
	w := ipc.NewWriter(&buf, ipc.WithSchema(r.Schema()))
	for r.Next() {
		if err := w.Write(r.Record()); err != nil {
			w.Close()
			return nil, fmt.Errorf("recqbeam: encoding a batch as Arrow IPC: %w", err)
		}
	}
	if err := r.Err(); err != nil {
		w.Close()
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("recqbeam: encoding a batch as Arrow IPC: %w", err)
	}
	return buf.Bytes(), nil
}
