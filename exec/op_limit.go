package exec

import (
	"context"
	"fmt"

	"github.com/apache/arrow/go/v17/arrow"
)

// Limit skips offset rows and passes at most n (n < 0: all). It has one
// partition (a child with several is gathered first) and closes its child
// as soon as it has its rows, so scans stop early.
type Limit struct {
	opBase
	child     Operator
	offset, n int64
}

// NewLimit is LIMIT n OFFSET offset; n < 0 means no limit.
func NewLimit(child Operator, offset, n int64) Operator {
	if child.Partitions() > 1 {
		child = NewGather(child)
	}
	if offset < 0 {
		offset = 0
	}
	return &Limit{opBase: newBase(), child: child, offset: offset, n: n}
}

func (l *Limit) Schema() *arrow.Schema { return l.child.Schema() }
func (l *Limit) Children() []Operator  { return []Operator{l.child} }
func (l *Limit) Partitions() int       { return 1 }
func (l *Limit) String() string {
	switch {
	case l.n < 0:
		return fmt.Sprintf("Limit: offset %d", l.offset)
	case l.offset > 0:
		return fmt.Sprintf("Limit: %d offset %d", l.n, l.offset)
	}
	return fmt.Sprintf("Limit: %d", l.n)
}

func (l *Limit) Execute(ctx context.Context, partition int) (Stream, error) {
	if err := checkPartition(l, partition); err != nil {
		return nil, err
	}
	mem := allocator(ctx)
	skip, left := l.offset, l.n
	var in selStream
	var inErr error
	closed := false
	closeIn := func() {
		if in != nil && !closed {
			closed = true
			inErr = in.Err()
			in.Close()
		}
	}
	next := func() (arrow.Record, error) {
		if left == 0 {
			closeIn()
			return nil, nil
		}
		if in == nil {
			s, err := openSel(ctx, l.child, 0)
			if err != nil {
				return nil, err
			}
			in = s
		}
		for !closed {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if !in.Next() {
				err := in.Err()
				closeIn()
				return nil, err
			}
			rec, sel := in.Batch()
			rows := rec.NumRows()
			if sel != nil {
				rows = int64(len(sel))
			}
			if skip >= rows {
				skip -= rows
				continue
			}
			lo := skip
			hi := rows
			if left >= 0 && hi-lo > left {
				hi = lo + left
			}
			skip = 0
			if left >= 0 {
				left -= hi - lo
			}
			var out arrow.Record
			if sel == nil {
				out = rec.NewSlice(lo, hi)
			} else {
				out = compactRecord(mem, rec, sel[lo:hi])
			}
			if left == 0 {
				// done: stop the child (and its scans) now
				closeIn()
			}
			return out, nil
		}
		return nil, inErr
	}
	return instrument(newPullStream(l.Schema(), next, closeIn), l.m), nil
}
