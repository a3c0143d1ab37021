package query

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/exec"
	"github.com/recq/recq/parser"
)

// ReadNode reads the rows of a file that is not a record file (read_csv,
// read_parquet): a reader streams Arrow batches of the columns the query
// needs (prune_projection narrows fields), in file order, in one
// partition. Filters stay above it.
type ReadNode struct {
	name   string // the table's name in the query
	pos    parser.Pos
	fields []int // per column, its index in the source's schema
	cols   []Column
	src    batchSource
}

// batchSource is what a ReadNode reads.
type batchSource interface {
	// Schema is the schema of the batches, one field per column.
	Schema() *arrow.Schema
	// Open starts reading from the beginning the fields at the given
	// indexes of Schema, in that order.
	Open(ctx context.Context, mem memory.Allocator, batchSize int, fields []int) (exec.Stream, error)
	// Describe is the source's EXPLAIN text (function, files, options).
	Describe() string
	// EstimateRows is a guess of the row count, for the optimizer.
	EstimateRows() float64
}

func (n *ReadNode) Columns() []Column { return n.cols }
func (n *ReadNode) Inputs() []Node    { return nil }
func (n *ReadNode) Line() string {
	return fmt.Sprintf("Read %s [%s] %s", n.name, columnNames(n.cols), n.src.Describe())
}

// bindRead binds a batch source as a table named by the call's alias (or
// the function's name), with the alias's column names if given.
func (bd *binder) bindRead(t *parser.TableRef, src batchSource) ([]*relation, Node, error) {
	name := tableName(t)
	if t.Sample != nil {
		return nil, nil, posErr(t.Sample.Pos, "USING SAMPLE works on record files, not on %s", t.Func.Name)
	}
	fields := src.Schema().Fields()
	if len(t.Columns) > len(fields) {
		return nil, nil, posErr(t.Pos, "%s has %d columns but %d names were given", name, len(fields), len(t.Columns))
	}
	n := &ReadNode{name: name, pos: t.Pos, src: src}
	r := &relation{names: []string{name}, hidden: map[ColumnID]bool{}}
	for i, f := range fields {
		cname := f.Name
		if i < len(t.Columns) {
			cname = t.Columns[i]
		}
		c := bd.newColumn(cname, name, f.Type)
		n.fields = append(n.fields, i)
		n.cols = append(n.cols, c)
		r.cols = append(r.cols, c)
	}
	return []*relation{r}, n, nil
}

// lowerRead makes the operator of a ReadNode: one partition streaming the
// source's batches.
func (lw *lowerer) lowerRead(n *ReadNode) (exec.Operator, error) {
	mem := lw.o.mem
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	batch := lw.o.settings.BatchSize
	src, fields := n.src, n.fields
	all := src.Schema().Fields()
	out := make([]arrow.Field, len(fields))
	names := make([]string, len(fields))
	for i, f := range fields {
		out[i], names[i] = all[f], all[f].Name
	}
	label := fmt.Sprintf("Read %s: columns [%s]", src.Describe(), strings.Join(names, ", "))
	return exec.NewStreamSource(arrow.NewSchema(out, nil), 1, label, func(ctx context.Context, _ int) (exec.Stream, error) {
		return src.Open(ctx, mem, batch, fields)
	}), nil
}

// prune keeps the columns of a ReadNode that need lists, and at least
// one (the rows must still be counted).
func (n *ReadNode) prune(need map[ColumnID]bool) *ReadNode {
	c := *n
	c.fields, c.cols = nil, nil
	for i, col := range n.cols {
		if need[col.ID] {
			c.fields = append(c.fields, n.fields[i])
			c.cols = append(c.cols, col)
		}
	}
	if len(c.cols) == 0 && len(n.cols) > 0 {
		c.fields, c.cols = n.fields[:1], n.cols[:1]
	}
	return &c
}
