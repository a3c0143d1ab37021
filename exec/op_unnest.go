package exec

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/recq/recq/scan"
)

// Unnest turns each input row into one row per list element (DuckDB's
// UNNEST in the select list): its output is the input's columns, each
// row repeated, then one column per list expression holding the
// elements. Several lists are unnested side by side: a row gives as many
// rows as its longest list has elements, the shorter ones padded with
// NULL. A NULL or empty list (in every list) gives no rows. Each input
// batch gives one output batch, in order, so file order survives.
//
// A list marked as subscripts gives the elements' positions (1, 2, ...;
// NULL on padding rows) instead of the elements: generate_subscripts(x, 1).
type Unnest struct {
	opBase
	child  Operator
	lists  []Expr
	subs   []bool
	ord    bool
	schema *arrow.Schema
}

// WithOrdinality adds a last column, named name, holding each output
// row's position among the rows its input row gave (1, 2, ...; never
// NULL): UNNEST ... WITH ORDINALITY.
func (u *Unnest) WithOrdinality(name string) *Unnest {
	fields := append(u.schema.Fields(), arrow.Field{Name: name, Type: tInt64})
	u.ord, u.schema = true, arrow.NewSchema(fields, nil)
	return u
}

// NewUnnest unnests lists (each of a LIST type) over child's rows; names
// name the element columns, subs marks the lists that give positions.
func NewUnnest(child Operator, lists []Expr, subs []bool, names []string) (*Unnest, error) {
	fields := append([]arrow.Field(nil), child.Schema().Fields()...)
	for i, l := range lists {
		if !IsList(l.DataType()) {
			return nil, fmt.Errorf("UNNEST needs a list (an array field declared with OCCURS), not %s", TypeName(l.DataType()))
		}
		typ := ListElem(l.DataType())
		if subs[i] {
			typ = tInt64
		}
		fields = append(fields, arrow.Field{Name: names[i], Type: typ, Nullable: true})
	}
	return &Unnest{opBase: newBase(), child: child, lists: lists, subs: subs, schema: arrow.NewSchema(fields, nil)}, nil
}

func (u *Unnest) Schema() *arrow.Schema { return u.schema }
func (u *Unnest) Children() []Operator  { return []Operator{u.child} }
func (u *Unnest) Partitions() int       { return u.child.Partitions() }
func (u *Unnest) String() string {
	parts := make([]string, len(u.lists))
	for i, l := range u.lists {
		parts[i] = "unnest(" + unparen(l.String()) + ")"
		if u.subs[i] {
			parts[i] = "generate_subscripts(" + unparen(l.String()) + ", 1)"
		}
	}
	s := "Unnest: " + strings.Join(parts, ", ")
	if u.ord {
		s += " WITH ORDINALITY"
	}
	return s
}

func (u *Unnest) Execute(ctx context.Context, partition int) (Stream, error) {
	if err := checkPartition(u, partition); err != nil {
		return nil, err
	}
	in, err := u.child.Execute(ctx, partition)
	if err != nil {
		return nil, err
	}
	pool := newPool(allocator(ctx))
	return &unnestStream{ctx: ctx, u: u, in: in, ectx: NewEvalContext(pool), pool: pool}, nil
}

type unnestStream struct {
	ctx  context.Context
	u    *Unnest
	in   Stream
	ectx *EvalContext
	pool *bufPool
	cur  arrow.Record
	err  error
}

func (s *unnestStream) Schema() *arrow.Schema { return s.u.schema }
func (s *unnestStream) Record() arrow.Record  { return s.cur }

// Seq is the input's tag: one output batch per input batch.
func (s *unnestStream) Seq() (Seq, bool) { return scan.SeqOf(s.in) }

func (s *unnestStream) Err() error {
	if s.err != nil {
		return s.err
	}
	return s.in.Err()
}

func (s *unnestStream) Next() bool {
	start := time.Now()
	defer func() { s.u.m.nanos.Add(int64(time.Since(start))) }()
	if s.cur != nil {
		s.cur.Release()
		s.cur = nil
	}
	if s.err != nil {
		return false
	}
	if err := s.ctx.Err(); err != nil {
		s.err = err
		return false
	}
	if !s.in.Next() {
		return false
	}
	out, err := s.unnest(s.in.Record())
	if err != nil {
		s.err = err
		return false
	}
	s.cur = out
	s.u.m.batches.Add(1)
	s.u.m.rows.Add(out.NumRows())
	return true
}

// unnest expands one batch.
func (s *unnestStream) unnest(rec arrow.Record) (arrow.Record, error) {
	mem := s.ectx.Mem
	n := int(rec.NumRows())
	lists := make([]*array.List, len(s.u.lists))
	defer func() {
		for _, l := range lists {
			if l != nil {
				l.Release()
			}
		}
	}()
	counts := make([]int, n)
	total := 0
	for j, e := range s.u.lists {
		a, err := s.ectx.eval(e, rec)
		if err != nil {
			return nil, err
		}
		l, ok := a.(*array.List)
		if !ok {
			a.Release()
			return nil, fmt.Errorf("internal error: unnest of %s got %s", e, a.DataType())
		}
		lists[j] = l
		for i := range n {
			if st, en, ok := listBounds(l, i); ok {
				counts[i] = max(counts[i], en-st)
			}
		}
	}
	for _, c := range counts {
		total += c
	}
	if total == 0 {
		return emptyRecord(mem, s.u.schema), nil
	}
	rows := make([]int32, 0, total)
	for i, c := range counts {
		for range c {
			rows = append(rows, int32(i))
		}
	}
	cols := make([]arrow.Array, 0, len(s.u.schema.Fields()))
	for c := 0; c < int(rec.NumCols()); c++ {
		cols = append(cols, takeArray(mem, rec.Column(c), rows))
	}
	take := make([]int32, total)
	keep := make([]bool, total)
	for j, l := range lists {
		found := false
		p := 0
		for i, c := range counts {
			st, en, ok := listBounds(l, i)
			for k := range c {
				take[p], keep[p] = 0, false
				if ok && k < en-st {
					take[p], keep[p], found = int32(st+k), true, true
				}
				p++
			}
		}
		elem := s.u.schema.Field(int(rec.NumCols()) + j).Type
		if s.u.subs[j] {
			o := newFixedOut[int64](mem, tInt64, total)
			p := 0
			for i, c := range counts {
				st, en, ok := listBounds(l, i)
				for k := range c {
					o.v[p] = int64(k + 1)
					if !ok || k >= en-st {
						o.v[p] = 0
						o.setNull(mem, p)
					}
					p++
				}
			}
			cols = append(cols, o.finish())
			continue
		}
		if !found {
			b := array.NewBuilder(mem, elem)
			b.AppendNulls(total)
			cols = append(cols, b.NewArray())
			b.Release()
			continue
		}
		cols = append(cols, maskNulls(mem, takeArray(mem, l.ListValues(), take), keep))
	}
	if s.u.ord {
		o := newFixedOut[int64](mem, tInt64, total)
		p := 0
		for _, c := range counts {
			for k := range c {
				o.v[p] = int64(k + 1)
				p++
			}
		}
		cols = append(cols, o.finish())
	}
	out := array.NewRecord(s.u.schema, cols, int64(total))
	releaseAll(cols)
	return out, nil
}

func (s *unnestStream) Close() {
	if s.cur != nil {
		s.cur.Release()
		s.cur = nil
	}
	s.in.Close()
	s.pool.close()
}
