package query

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/exec"
	"github.com/recq/recq/parser"
)

// Materialized WITH queries. A CTE is planned again at each reference by
// default, so the conditions around each reference reach into it (into
// its scans, as raw-byte predicates). A CTE that groups (GROUP BY,
// DISTINCT) and is referenced more than once is instead computed once,
// before the query, like an uncorrelated scalar subquery (a "table cell",
// subquery.go), and every reference reads its rows: grouping makes the
// rows few and the work to make them large (TPC-H Q15 aggregates three
// months of lineitem in a CTE it reads twice). AS MATERIALIZED and AS NOT
// MATERIALIZED (PostgreSQL's and DuckDB's syntax) override the rule.
//
// The rows are held in memory until the query ends; a reference reads
// them in one partition through a ReadNode (cteSource).

// countCTERefs counts, for each CTE of w, the table references in root
// (the query w belongs to, CTE bodies included) that name it. A name
// shadowed by an inner WITH is counted too: the count then only errs
// towards materializing.
func (bd *binder) countCTERefs(w *parser.With, root any) {
	if w == nil {
		return
	}
	byName := map[string]*parser.CTE{}
	for _, c := range w.CTEs {
		byName[strings.ToLower(c.Name)] = c
	}
	if bd.cteRefs == nil {
		bd.cteRefs = map[*parser.CTE]int{}
	}
	parser.Inspect(root, func(n any) bool {
		if t, ok := n.(*parser.TableRef); ok && t.Path == "" && t.Func == nil && t.Unnest == nil {
			if c := byName[strings.ToLower(t.Name)]; c != nil {
				bd.cteRefs[c]++
			}
		}
		return true
	})
}

// materializes reports whether cte is computed once (see the file
// comment).
func (bd *binder) materializes(cte *parser.CTE) bool {
	switch cte.Materialize {
	case parser.Materialized:
		return true
	case parser.NotMaterialized:
		return false
	}
	sel, ok := cte.Query.(*parser.Select)
	return ok && bd.cteRefs[cte] > 1 && (len(sel.GroupBy) > 0 || sel.GroupByAll || sel.Distinct)
}

// materializedCTE returns a leaf reading the rows of cte, computed once
// per query (its cell is made at the first reference). outer is the
// scope of the CTEs cte may use.
func (bd *binder) materializedCTE(cte *parser.CTE, outer *cteScope) (Node, error) {
	if bd.cteCells == nil {
		bd.cteCells = map[*parser.CTE]*subqueryCell{}
	}
	c := bd.cteCells[cte]
	if c == nil {
		plan, err := bd.bindQuery(cte.Query, nil, outer)
		if err != nil {
			return nil, err
		}
		c = &subqueryCell{id: len(bd.cells) + 1, plan: plan, table: cte.Name, pos: cte.Pos}
		bd.cells = append(bd.cells, c)
		bd.cteCells[cte] = c
	}
	cols := c.plan.Columns()
	fields := make([]arrow.Field, len(cols))
	n := &ReadNode{name: cte.Name, pos: cte.Pos}
	for i, col := range cols {
		fields[i] = arrow.Field{Name: col.Name, Type: col.Type, Nullable: true}
		n.fields = append(n.fields, i)
		n.cols = append(n.cols, bd.newColumn(col.Name, cte.Name, col.Type))
	}
	n.src = &cteSource{cell: c, schema: arrow.NewSchema(fields, nil), rows: estimateRows(c.plan)}
	return n, nil
}

// cteSource is the batchSource of a materialized CTE's reference: the
// rows its cell computed before the query ran.
type cteSource struct {
	cell   *subqueryCell
	schema *arrow.Schema
	rows   float64
}

func (s *cteSource) Schema() *arrow.Schema { return s.schema }
func (s *cteSource) EstimateRows() float64 { return s.rows }
func (s *cteSource) Describe() string {
	return fmt.Sprintf("(WITH %s, materialized: subquery #%d)", s.cell.table, s.cell.id)
}

func (s *cteSource) Open(ctx context.Context, _ memory.Allocator, _ int, fields []int) (exec.Stream, error) {
	c := s.cell
	c.mu.Lock()
	recs, set := c.rows, c.set
	c.mu.Unlock()
	if !set {
		return nil, internalErr("WITH %s was not computed before the query ran", c.table)
	}
	out := make([]arrow.Field, len(fields))
	for i, f := range fields {
		out[i] = s.schema.Field(f)
	}
	schema := arrow.NewSchema(out, nil)
	parts := make([]arrow.Record, len(recs))
	for i, r := range recs {
		cols := make([]arrow.Array, len(fields))
		for j, f := range fields {
			cols[j] = r.Column(f)
		}
		parts[i] = array.NewRecord(schema, cols, r.NumRows())
	}
	src := exec.NewMemorySource(schema, [][]arrow.Record{parts})
	for _, p := range parts {
		p.Release()
	}
	st, err := src.Execute(ctx, 0)
	if err != nil {
		src.Release()
		return nil, err
	}
	return &ownedStream{Stream: st, release: src.Release}, nil
}

// ownedStream releases what its stream reads from when it closes.
type ownedStream struct {
	exec.Stream
	release func()
}

func (s *ownedStream) Close() {
	s.Stream.Close()
	s.release()
}

// computeTableCell runs a materialized CTE's plan and keeps its batches,
// charged to the query's memory budget.
func computeTableCell(ctx context.Context, c *subqueryCell, root exec.Operator, budget *exec.Budget) error {
	c.releaseRows()
	st, err := root.Execute(ctx, 0)
	if err != nil {
		return err
	}
	defer st.Close()
	var rows []arrow.Record
	var held int64
	fail := func(err error) error {
		for _, r := range rows {
			r.Release()
		}
		budget.Release(held)
		return err
	}
	for st.Next() {
		rec := st.Record()
		if rec.NumRows() == 0 {
			continue
		}
		n := exec.RecordBytes(rec)
		if err := budget.Reserve(n, "the rows of WITH "+c.table+" (materialized)"); err != nil {
			return fail(err)
		}
		held += n
		rec.Retain()
		rows = append(rows, rec)
	}
	if err := st.Err(); err != nil {
		return fail(err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rows, c.held, c.bud, c.set = rows, held, budget, true
	return nil
}

// releaseRows gives back a table cell's batches and their memory.
func (c *subqueryCell) releaseRows() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range c.rows {
		r.Release()
	}
	c.bud.Release(c.held)
	c.rows, c.held, c.set = nil, 0, false
}
