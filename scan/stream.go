package scan

import "github.com/apache/arrow/go/v17/arrow"

// Stream is a pull-based stream of Arrow record batches for one partition.
// It reads like database/sql.Rows and arrow's array.RecordReader:
//
//	for s.Next() {
//		rec := s.Record() // valid until the next call to Next or Close
//		...
//	}
//	if err := s.Err(); err != nil { ... }
//	s.Close()
//
// Contract:
//   - Next advances to the next batch and reports whether there is one. It
//     returns false at the end of the stream, on error and after Close. A
//     returned batch always has at least one row, except the markers of
//     an ordered scan (Spec.Ordered): a chunk whose records were all
//     filtered out still yields one zero-row batch carrying its Seq, so
//     an ordered merge can move past it.
//   - Record returns the current batch. The stream owns it: it stays valid
//     until the next call to Next or Close; callers that keep it longer
//     must Retain it (and Release it later).
//   - Err returns the first error that stopped the stream, or nil at a
//     clean end. Cancellation of the stream's context is reported as the
//     context's error (errors.Is(err, context.Canceled)).
//   - Close stops all work the stream started (goroutines, I/O), releases
//     every buffer it holds and is idempotent. It must be called even after
//     Next returned false.
//   - A Stream is used by one goroutine at a time.
type Stream interface {
	Schema() *arrow.Schema
	Next() bool
	Record() arrow.Record
	Err() error
	Close()
}

// Seq places a batch of an ordered scan in file order. The scan cuts its
// records into chunks numbered in file order; in ordered mode a partition
// flushes its batch at the end of every chunk, so each batch belongs to
// exactly one chunk. Pieces of one chunk come from one partition, in
// order, and the last one (possibly a zero-row marker) has Last set.
// Sorting batches by (Chunk, Piece) therefore gives file order.
type Seq struct {
	Chunk int64 // the chunk's position in the scan, in file order
	Piece int32 // the batch's position within the chunk
	Last  bool  // the chunk's last batch
}

// Sequenced is implemented by streams whose batches may carry a Seq. Seq
// describes the current batch (valid while Record is); ok is false when
// the stream's batches carry no order tags (an unordered scan, or a
// source that is not a scan).
type Sequenced interface {
	Seq() (seq Seq, ok bool)
}

// SeqOf returns the Seq of s's current batch, when s carries one.
func SeqOf(s any) (Seq, bool) {
	if q, ok := s.(Sequenced); ok {
		return q.Seq()
	}
	return Seq{}, false
}
