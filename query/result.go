package query

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/exec"
	"github.com/recq/recq/scan"
)

// Result streams the batches of one statement's result. It implements
// arrow's array.RecordReader (Schema, Next, Record, Err, Retain, Release)
// and reads like database/sql.Rows:
//
//	res, err := eng.Query(ctx, "SELECT ...")
//	if err != nil { ... }
//	defer res.Close()
//	for res.Next() {
//		rec := res.Record() // valid until the next Next or Close
//	}
//	if err := res.Err(); err != nil { ... }
//
// Close is the way to end a Result (see Close and Release for sharing it
// with Arrow code through Retain).
//
// Rows are computed as they are read; cancelling the query's context or
// closing the result early stops every worker and releases every buffer.
// A Result is used by one goroutine at a time (Progress and Stats may be
// called from another).
type Result struct {
	refs atomic.Int64
	// closedByOwner: Close has dropped the creator's reference.
	closedByOwner atomic.Bool
	schema        *arrow.Schema
	stream        exec.Stream
	plan          *physicalPlan // nil for results computed up front
	cancel        context.CancelFunc
	cur           arrow.Record
	err           error
	rows          atomic.Int64 // read by Stats from other goroutines
	maxRows       int64
	done          bool
	ended         atomic.Bool
	start         time.Time
	elapsed       atomic.Int64 // nanoseconds, set when the result ends
	onClose       func()       // releases what a result computed up front holds
	// statement is the SQL text, named by internal errors.
	statement string
	// Message describes the effect of a statement without rows
	// ("table ghcn created"), or "".
	Message string
}

// startResult executes a physical plan's single output partition.
func startResult(ctx context.Context, pp *physicalPlan, mem memory.Allocator) (*Result, error) {
	ctx, cancel := context.WithCancel(exec.WithAllocator(ctx, mem))
	if err := pp.runCells(ctx); err != nil {
		cancel()
		pp.release()
		return nil, err
	}
	st, err := pp.root.Execute(ctx, 0)
	if err != nil {
		cancel()
		pp.release()
		return nil, err
	}
	r := &Result{schema: renamed(pp.root.Schema(), pp.names, pp.notNull), stream: st, plan: pp, cancel: cancel,
		maxRows: pp.settings.MaxRows, start: time.Now()}
	r.refs.Store(1)
	return r, nil
}

// renamed gives a schema the query's output names (exec may use its own).
// Columns known never to be NULL are marked non-nullable.
func renamed(s *arrow.Schema, names []string, notNull []bool) *arrow.Schema {
	fs := s.Fields()
	for i := range fs {
		if i < len(names) {
			fs[i].Name = names[i]
		}
		if i < len(notNull) && notNull[i] {
			fs[i].Nullable = false
		}
	}
	return arrow.NewSchema(fs, nil)
}

// staticResult wraps rows computed up front (SHOW TABLES, DESCRIBE, ...).
func staticResult(rec arrow.Record, message string) *Result {
	src := exec.NewMemorySource(rec.Schema(), [][]arrow.Record{{rec}})
	rec.Release()
	st, _ := src.Execute(context.Background(), 0)
	r := &Result{schema: src.Schema(), stream: st, start: time.Now(), Message: message, onClose: src.Release}
	r.refs.Store(1)
	return r
}

// Schema is the result's schema.
func (r *Result) Schema() *arrow.Schema { return r.schema }

// Next advances to the next batch.
func (r *Result) Next() (ok bool) {
	if r.done {
		return false
	}
	defer func() {
		if p := recover(); p != nil {
			r.finish(scan.Recovered(p))
			ok = false
		}
	}()
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if !r.stream.Next() {
		r.finish(r.stream.Err())
		return false
	}
	rec := r.stream.Record()
	if rows := r.rows.Add(rec.NumRows()); r.maxRows > 0 && rows > r.maxRows {
		r.finish(fmt.Errorf("%w: more than %d rows (the max_rows setting); add a LIMIT or raise max_rows", ErrResultTooLarge, r.maxRows))
		return false
	}
	r.cur = array.NewRecord(r.schema, rec.Columns(), rec.NumRows())
	return true
}

// finish ends the stream, keeping the first error.
func (r *Result) finish(err error) {
	r.end()
	var ie *exec.InternalError
	if errors.As(err, &ie) && ie.Statement == "" {
		ie.Statement = r.statement // a bug report needs the statement
	}
	if err != nil && r.err == nil {
		r.err = err
	}
	r.closeStream()
}

func (r *Result) closeStream() {
	if r.stream != nil {
		r.stream.Close()
		r.stream = nil
	}
	if r.cancel != nil {
		r.cancel()
	}
	if r.plan != nil {
		r.plan.release()
		r.plan.release = func() {}
	}
	if r.onClose != nil {
		r.onClose()
		r.onClose = nil
	}
}

// Record returns the current batch, valid until the next Next or Close.
func (r *Result) Record() arrow.Record { return r.cur }

// Err returns the error that ended the result, if any. Cancellation is
// reported as the context's error.
func (r *Result) Err() error { return r.err }

// Retain adds a reference, for Arrow code that keeps the Result as an
// array.RecordReader beyond its caller; each Retain needs one Release.
func (r *Result) Retain() { r.refs.Add(1) }

// Release drops one reference taken with Retain; when none is left the
// query stops and its buffers are released. The reference a Result is
// created with is Close's to drop: call Close, not Release, for it.
func (r *Result) Release() {
	if r.refs.Add(-1) == 0 {
		r.close()
	}
}

// Close is the one way to end a Result: it drops the reference the
// Result was created with and returns the result's error. Without other
// references (Retain) that stops the query and releases everything it
// holds. Close is idempotent.
func (r *Result) Close() error {
	if r.closedByOwner.CompareAndSwap(false, true) {
		r.Release()
	}
	return r.err
}

func (r *Result) close() {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if !r.done {
		r.end()
	}
	r.closeStream()
}

// end marks the result finished and fixes its elapsed time.
func (r *Result) end() {
	r.done = true
	r.elapsed.Store(int64(time.Since(r.start)))
	r.ended.Store(true)
}

// Stats describe a result so far.
type Stats struct {
	Rows    int64         // rows read from the result so far
	Elapsed time.Duration // since the query started (until it ended)
	// Scan is the table scan's statistics (nil without a table).
	Scan *scan.Stats
}

// Stats returns the result's statistics so far. Safe to call from another
// goroutine while the result is read.
func (r *Result) Stats() Stats {
	st := Stats{Rows: r.rows.Load(), Elapsed: time.Duration(r.elapsed.Load())}
	if !r.ended.Load() {
		st.Elapsed = time.Since(r.start)
	}
	if r.plan != nil && r.plan.scan != nil {
		st.Scan = r.plan.scan.LastStats()
	}
	return st
}

// Progress reports how far the query's scan is, for a progress bar: the
// bytes of records read so far and in all, and the records read so far.
// For a compressed file the bytes are compressed bytes, of the file.
// Zero without a table. Safe to call from another goroutine.
func (r *Result) Progress() (done, total, records int64) {
	if r.plan == nil || r.plan.scan == nil {
		return 0, 0, 0
	}
	sc := r.plan.scan
	st := sc.LastStats()
	if st == nil {
		return 0, 0, 0
	}
	recLen := int64(sc.Table().Layout.RecordLen)
	records = st.RecordsScanned.Load()
	if c := sc.Table().Compression; c != nil {
		// Decompression is the work: progress in compressed bytes.
		return min(st.CompressedRead(), c.CompressedSize), c.CompressedSize, records
	}
	return records * recLen, sc.PlannedRecords() * recLen, records
}
