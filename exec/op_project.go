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

// Project computes one output column per expression. A bare column
// reference reuses the input array. Over a selection (a Filter below) it
// evaluates only the selected rows' errors and passes the selection on
// inside exec; a sparse selection is compacted first.
type Project struct {
	opBase
	child  Operator
	exprs  []Expr
	names  []string
	schema *arrow.Schema
}

// NewProject outputs exprs named names (len(names) == len(exprs)).
func NewProject(child Operator, exprs []Expr, names []string) Operator {
	fields := make([]arrow.Field, len(exprs))
	for i, e := range exprs {
		name := ""
		if i < len(names) {
			name = names[i]
		}
		if name == "" {
			name = e.String()
		}
		fields[i] = arrow.Field{Name: name, Type: e.DataType(), Nullable: true}
	}
	return &Project{opBase: newBase(), child: child, exprs: exprs, names: names, schema: arrow.NewSchema(fields, nil)}
}

func (p *Project) Schema() *arrow.Schema { return p.schema }
func (p *Project) Children() []Operator  { return []Operator{p.child} }
func (p *Project) Partitions() int       { return p.child.Partitions() }
func (p *Project) String() string {
	parts := make([]string, len(p.exprs))
	for i, e := range p.exprs {
		s := unparen(e.String())
		if n := p.schema.Field(i).Name; n != s && n != e.String() {
			s += " AS " + n
		}
		parts[i] = s
	}
	return "Project: " + strings.Join(parts, ", ")
}

// Exprs returns the projection's expressions.
func (p *Project) Exprs() []Expr { return p.exprs }

func (p *Project) Execute(ctx context.Context, partition int) (Stream, error) {
	s, err := p.executeSel(ctx, partition)
	if err != nil {
		return nil, err
	}
	return newCompactStream(s, s.(*projectStream).pool), nil
}

func (p *Project) executeSel(ctx context.Context, partition int) (selStream, error) {
	if err := checkPartition(p, partition); err != nil {
		return nil, err
	}
	in, err := openSel(ctx, p.child, partition)
	if err != nil {
		return nil, err
	}
	pool := newPool(allocator(ctx))
	return &projectStream{ctx: ctx, p: p, in: in, ectx: NewEvalContext(pool), pool: pool}, nil
}

type projectStream struct {
	ctx  context.Context
	p    *Project
	in   selStream
	ectx *EvalContext
	pool *bufPool
	need []bool // input columns the expressions read
	// needSet: need was computed (it may be nil: unknown, all)
	needSet bool
	cur     arrow.Record
	sel     []int32
	err     error
}

func (s *projectStream) Schema() *arrow.Schema          { return s.p.schema }
func (s *projectStream) Batch() (arrow.Record, []int32) { return s.cur, s.sel }

// Seq is the input's tag: one output batch per input batch.
func (s *projectStream) Seq() (Seq, bool) { return scan.SeqOf(s.in) }

func (s *projectStream) Err() error {
	if s.err != nil {
		return s.err
	}
	return s.in.Err()
}

func (s *projectStream) Next() bool {
	start := time.Now()
	defer func() { s.p.m.nanos.Add(int64(time.Since(start))) }()
	if s.cur != nil {
		s.cur.Release()
		s.cur = nil
	}
	s.sel = nil
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
	rec, sel := s.in.Batch()
	if rec.NumRows() == 0 || (sel != nil && len(sel) == 0) {
		// an ordered chunk's marker: no rows to compute
		s.cur = emptyRecord(s.ectx.Mem, s.p.schema)
		return true
	}
	var owned arrow.Record
	if sel != nil && len(sel)*4 < int(rec.NumRows()) {
		if s.need == nil && !s.needSet {
			s.need, s.needSet = usedColumns(int(rec.NumCols()), s.p.exprs...), true
		}
		owned = compactFor(s.ectx.Mem, rec, sel, s.need)
		rec, sel = owned, nil
	}
	bctx := s.ectx.withSel(sel).withMemo()
	out, err := projectBatch(bctx, s.p.schema, s.p.exprs, rec)
	bctx.clearMemo()
	if owned != nil {
		owned.Release()
	}
	if err != nil {
		s.err = err
		return false
	}
	s.cur, s.sel = out, sel
	s.p.m.batches.Add(1)
	if sel == nil {
		s.p.m.rows.Add(out.NumRows())
	} else {
		s.p.m.rows.Add(int64(len(sel)))
	}
	return true
}

func projectBatch(ectx *EvalContext, schema *arrow.Schema, exprs []Expr, rec arrow.Record) (arrow.Record, error) {
	cols := make([]arrow.Array, len(exprs))
	for i, e := range exprs {
		a, err := ectx.eval(e, rec)
		if err != nil {
			releaseAll(cols[:i])
			return nil, err
		}
		if a.Len() != int(rec.NumRows()) {
			releaseAll(cols[:i+1])
			return nil, fmt.Errorf("internal error: %s returned %d values for %d rows", e, a.Len(), rec.NumRows())
		}
		cols[i] = a
	}
	out := array.NewRecord(schema, cols, rec.NumRows())
	releaseAll(cols)
	return out, nil
}

func (s *projectStream) Close() {
	if s.cur != nil {
		s.cur.Release()
		s.cur = nil
	}
	s.in.Close()
	s.pool.close()
}
