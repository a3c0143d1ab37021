package exec

import (
	"context"
	"fmt"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
)

// Union concatenates its children (UNION ALL): its partitions are the
// first child's partitions, then the second's, and so on; partition p
// streams the corresponding child partition unchanged except for the
// column names, which come from the first child. Inside exec a child's
// selection vectors pass through.
type Union struct {
	opBase
	children []Operator
	schema   *arrow.Schema
	starts   []int // first output partition of each child
	parts    int
}

// NewUnion checks that the children have the same column types (the
// binder casts each branch first) and returns their concatenation.
func NewUnion(children ...Operator) (Operator, error) {
	if len(children) == 0 {
		return nil, fmt.Errorf("internal error: UNION of no inputs")
	}
	schema, err := setOpSchema("UNION", children...)
	if err != nil {
		return nil, err
	}
	u := &Union{opBase: newBase(), children: children, schema: schema}
	for _, c := range children {
		u.starts = append(u.starts, u.parts)
		u.parts += c.Partitions()
	}
	return u, nil
}

// setOpSchema checks that the inputs of a set operation have the same
// column types and returns the output schema: the first input's names, a
// column nullable when it is in any input.
func setOpSchema(what string, inputs ...Operator) (*arrow.Schema, error) {
	first := inputs[0].Schema().Fields()
	fields := append([]arrow.Field(nil), first...)
	for n, in := range inputs[1:] {
		fs := in.Schema().Fields()
		if len(fs) != len(first) {
			return nil, fmt.Errorf("each %s input must have the same number of columns: input 1 has %d, input %d has %d", what, len(first), n+2, len(fs))
		}
		for i, f := range fs {
			if !arrow.TypeEqual(f.Type, first[i].Type) {
				return nil, fmt.Errorf("%s column %d (%s) is %s in input 1 but %s in input %d; cast one of them", what, i+1, first[i].Name, TypeName(first[i].Type), TypeName(f.Type), n+2)
			}
			fields[i].Nullable = fields[i].Nullable || f.Nullable
		}
	}
	return arrow.NewSchema(fields, nil), nil
}

func (u *Union) Schema() *arrow.Schema { return u.schema }
func (u *Union) Children() []Operator  { return u.children }
func (u *Union) Partitions() int       { return u.parts }
func (u *Union) String() string        { return "Union" }

// child maps an output partition to a child and its partition.
func (u *Union) child(p int) (Operator, int) {
	i := len(u.starts) - 1
	for u.starts[i] > p {
		i--
	}
	return u.children[i], p - u.starts[i]
}

func (u *Union) executeSel(ctx context.Context, partition int) (selStream, error) {
	if err := checkPartition(u, partition); err != nil {
		return nil, err
	}
	c, p := u.child(partition)
	s, err := openSel(ctx, c, p)
	if err != nil {
		return nil, err
	}
	return &unionStream{in: s, u: u}, nil
}

func (u *Union) Execute(ctx context.Context, partition int) (Stream, error) {
	s, err := u.executeSel(ctx, partition)
	if err != nil {
		return nil, err
	}
	return newCompactStream(s, allocator(ctx)), nil
}

// unionStream relabels a child's batches with the union's schema.
type unionStream struct {
	u   *Union
	in  selStream
	cur arrow.Record
	sel []int32
}

func (s *unionStream) Schema() *arrow.Schema { return s.u.schema }
func (s *unionStream) Err() error            { return s.in.Err() }

func (s *unionStream) Next() bool {
	start := time.Now()
	defer func() { s.u.m.nanos.Add(int64(time.Since(start))) }()
	s.drop()
	if !s.in.Next() {
		return false
	}
	rec, sel := s.in.Batch()
	s.cur = array.NewRecord(s.u.schema, rec.Columns(), rec.NumRows())
	s.sel = sel
	n := rec.NumRows()
	if sel != nil {
		n = int64(len(sel))
	}
	s.u.m.batches.Add(1)
	s.u.m.rows.Add(n)
	return true
}

func (s *unionStream) Batch() (arrow.Record, []int32) { return s.cur, s.sel }

func (s *unionStream) drop() {
	if s.cur != nil {
		s.cur.Release()
		s.cur = nil
	}
}

func (s *unionStream) Close() {
	s.drop()
	s.in.Close()
}
