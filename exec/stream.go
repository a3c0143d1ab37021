package exec

import (
	"context"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/scan"
)

// pullStream implements Stream over a next function. next returns the next
// batch (ownership passes to the stream, which releases it on the following
// Next or Close), nil at the end, or an error. onClose runs once.
type pullStream struct {
	schema  *arrow.Schema
	next    func() (arrow.Record, error)
	onClose func()
	cur     arrow.Record
	err     error
	done    bool
	closed  bool
}

func newPullStream(schema *arrow.Schema, next func() (arrow.Record, error), onClose func()) *pullStream {
	return &pullStream{schema: schema, next: next, onClose: onClose}
}

func (s *pullStream) Schema() *arrow.Schema { return s.schema }
func (s *pullStream) Record() arrow.Record  { return s.cur }
func (s *pullStream) Err() error            { return s.err }

func (s *pullStream) Next() bool {
	if s.cur != nil {
		s.cur.Release()
		s.cur = nil
	}
	for !s.done {
		rec, err := s.next()
		if err != nil {
			s.err = err
			s.finish()
			return false
		}
		if rec == nil {
			s.finish()
			return false
		}
		if rec.NumRows() == 0 {
			rec.Release()
			continue
		}
		s.cur = rec
		return true
	}
	return false
}

// finish ends the stream early and frees what onClose frees.
func (s *pullStream) finish() {
	s.done = true
	if s.onClose != nil {
		f := s.onClose
		s.onClose = nil
		f()
	}
}

func (s *pullStream) Close() {
	if s.closed {
		return
	}
	s.closed = true
	if s.cur != nil {
		s.cur.Release()
		s.cur = nil
	}
	s.finish()
}

// selStream is the stream shape operators inside exec use between
// themselves: each batch comes with a selection vector of the rows that
// are really there (ascending row indexes, never empty), or nil for all.
type selStream interface {
	Schema() *arrow.Schema
	Next() bool
	Batch() (arrow.Record, []int32)
	Err() error
	Close()
}

// selExecutor is implemented by operators that can hand out selections
// instead of compacted batches (Filter, and operators passing them on).
type selExecutor interface {
	executeSel(ctx context.Context, partition int) (selStream, error)
}

// openSel opens a partition of op as a selStream.
func openSel(ctx context.Context, op Operator, p int) (selStream, error) {
	if se, ok := op.(selExecutor); ok {
		return se.executeSel(ctx, p)
	}
	s, err := op.Execute(ctx, p)
	if err != nil {
		return nil, err
	}
	return plainSel{s}, nil
}

type plainSel struct{ Stream }

func (p plainSel) Batch() (arrow.Record, []int32) { return p.Record(), nil }
func (p plainSel) Seq() (Seq, bool)               { return scan.SeqOf(p.Stream) }

// compactStream turns a selStream into a Stream by gathering selected rows.
type compactStream struct {
	in  selStream
	mem memory.Allocator
	cur arrow.Record
	err error
}

func newCompactStream(in selStream, mem memory.Allocator) *compactStream {
	return &compactStream{in: in, mem: mem}
}

func (c *compactStream) Schema() *arrow.Schema { return c.in.Schema() }
func (c *compactStream) Seq() (Seq, bool)      { return scan.SeqOf(c.in) }
func (c *compactStream) Record() arrow.Record  { return c.cur }

func (c *compactStream) Err() error {
	if c.err != nil {
		return c.err
	}
	return c.in.Err()
}

func (c *compactStream) Next() bool {
	if c.cur != nil {
		c.cur.Release()
		c.cur = nil
	}
	if c.err != nil || !c.in.Next() {
		return false
	}
	rec, sel := c.in.Batch()
	if sel == nil {
		rec.Retain()
		c.cur = rec
		return true
	}
	if len(sel) == 0 { // an ordered chunk's marker
		c.cur = emptyRecord(c.mem, rec.Schema())
		return true
	}
	c.cur = compactRecord(c.mem, rec, sel)
	return true
}

func (c *compactStream) Close() {
	if c.cur != nil {
		c.cur.Release()
		c.cur = nil
	}
	c.in.Close()
}

// emptyRecord is a batch of schema with no rows (an ordered chunk's
// marker, see Sequenced).
func emptyRecord(mem memory.Allocator, schema *arrow.Schema) arrow.Record {
	cols := make([]arrow.Array, schema.NumFields())
	for i, f := range schema.Fields() {
		b := array.NewBuilder(mem, f.Type)
		cols[i] = b.NewArray()
		b.Release()
	}
	out := array.NewRecord(schema, cols, 0)
	releaseAll(cols)
	return out
}

// compactRecord returns a new record with only the sel rows of rec.
func compactRecord(mem memory.Allocator, rec arrow.Record, sel []int32) arrow.Record {
	cols := make([]arrow.Array, rec.NumCols())
	for i, c := range rec.Columns() {
		cols[i] = takeArray(mem, c, sel)
	}
	out := array.NewRecord(rec.Schema(), cols, int64(len(sel)))
	for _, c := range cols {
		c.Release()
	}
	return out
}

// usedColumns marks the input columns the expressions read; nil when that
// is unknown (an expression defined outside exec).
func usedColumns(ncols int, exprs ...Expr) []bool {
	need := make([]bool, ncols)
	var walk func(e Expr) bool
	walk = func(e Expr) bool {
		if e == nil {
			return true
		}
		if c, ok := e.(*colExpr); ok {
			if c.idx >= 0 && c.idx < ncols {
				need[c.idx] = true
			}
			return true
		}
		ks, ok := kidsOf(e)
		if !ok {
			return false
		}
		for _, k := range ks {
			if !walk(k) {
				return false
			}
		}
		return true
	}
	for _, e := range exprs {
		if !walk(e) {
			return nil
		}
	}
	return need
}

// compactFor is compactRecord for a consumer that reads only the columns
// marked in need (nil: all): the other columns are replaced by zero-copy
// slices of the right type and length whose values are never read.
func compactFor(mem memory.Allocator, rec arrow.Record, sel []int32, need []bool) arrow.Record {
	if need == nil {
		return compactRecord(mem, rec, sel)
	}
	cols := make([]arrow.Array, rec.NumCols())
	for i, c := range rec.Columns() {
		if need[i] {
			cols[i] = takeArray(mem, c, sel)
		} else {
			cols[i] = array.NewSlice(c, 0, int64(len(sel)))
		}
	}
	out := array.NewRecord(rec.Schema(), cols, int64(len(sel)))
	releaseAll(cols)
	return out
}
