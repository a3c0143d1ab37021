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
//     returned batch always has at least one row.
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
