package exec

import (
	"context"
	"fmt"
	"sync"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

type allocKey struct{}

// WithAllocator returns a context whose queries allocate every exec buffer
// from mem (tests pass a memory.CheckedAllocator). Without it exec uses
// memory.DefaultAllocator.
func WithAllocator(ctx context.Context, mem memory.Allocator) context.Context {
	return context.WithValue(ctx, allocKey{}, mem)
}

// allocator returns the allocator for ctx.
func allocator(ctx context.Context) memory.Allocator {
	if m, ok := ctx.Value(allocKey{}).(memory.Allocator); ok && m != nil {
		return m
	}
	return memory.DefaultAllocator
}

// MemorySource is a leaf operator over in-memory batches, one list per
// partition (tests, VALUES lists, results computed earlier).
type MemorySource struct {
	opBase
	schema *arrow.Schema
	parts  [][]arrow.Record
	once   sync.Once
}

// NewMemorySource retains the records; Release gives them back. A source
// with no partitions has one empty partition.
func NewMemorySource(schema *arrow.Schema, partitions [][]arrow.Record) *MemorySource {
	if len(partitions) == 0 {
		partitions = [][]arrow.Record{nil}
	}
	for _, p := range partitions {
		for _, r := range p {
			r.Retain()
			settleNullCounts(r)
		}
	}
	return &MemorySource{opBase: newBase(), schema: schema, parts: partitions}
}

// Release releases the retained records (idempotent). Streams still open
// must be closed first.
func (m *MemorySource) Release() {
	m.once.Do(func() {
		for _, p := range m.parts {
			for _, r := range p {
				r.Release()
			}
		}
	})
}

func (m *MemorySource) Schema() *arrow.Schema { return m.schema }
func (m *MemorySource) Children() []Operator  { return nil }
func (m *MemorySource) Partitions() int       { return len(m.parts) }
func (m *MemorySource) String() string {
	rows := int64(0)
	for _, p := range m.parts {
		for _, r := range p {
			rows += r.NumRows()
		}
	}
	return fmt.Sprintf("MemorySource: %d rows", rows)
}

func (m *MemorySource) Execute(ctx context.Context, partition int) (Stream, error) {
	if err := checkPartition(m, partition); err != nil {
		return nil, err
	}
	recs := m.parts[partition]
	i := 0
	next := func() (arrow.Record, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if i >= len(recs) {
			return nil, nil
		}
		r := recs[i]
		i++
		r.Retain()
		return r, nil
	}
	return instrument(newPullStream(m.schema, next, nil), m.m), nil
}

// StreamSource adapts any stream factory (a scan) into a leaf operator.
type StreamSource struct {
	opBase
	schema *arrow.Schema
	parts  int
	label  string
	open   func(ctx context.Context, partition int) (Stream, error)
}

// NewStreamSource returns a leaf with the given partitions whose streams
// come from open; label is its EXPLAIN line (e.g. "Scan: lineitem.rec
// columns=[...]").
func NewStreamSource(schema *arrow.Schema, partitions int, label string, open func(ctx context.Context, partition int) (Stream, error)) *StreamSource {
	return &StreamSource{opBase: newBase(), schema: schema, parts: partitions, label: label, open: open}
}

func (s *StreamSource) Schema() *arrow.Schema { return s.schema }
func (s *StreamSource) Children() []Operator  { return nil }
func (s *StreamSource) Partitions() int       { return s.parts }
func (s *StreamSource) String() string        { return s.label }

func (s *StreamSource) Execute(ctx context.Context, partition int) (Stream, error) {
	if err := checkPartition(s, partition); err != nil {
		return nil, err
	}
	st, err := s.open(ctx, partition)
	if err != nil {
		return nil, err
	}
	return instrument(st, s.m), nil
}
