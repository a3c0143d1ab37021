package query

import (
	"context"
	"fmt"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/exec"
	"github.com/recq/recq/parser"
)

// ReadNode reads the rows of a file that is not a record file (read_csv,
// read_parquet): a reader streams Arrow batches of all its columns, in
// file order, in one partition. Filters stay above it; unused columns
// are dropped by the Project above it.
type ReadNode struct {
	name string // the table's name in the query
	pos  parser.Pos
	cols []Column
	src  batchSource
}

// batchSource is what a ReadNode reads.
type batchSource interface {
	// Schema is the schema of the batches, one field per column.
	Schema() *arrow.Schema
	// Open starts reading from the beginning.
	Open(ctx context.Context, mem memory.Allocator, batchSize int) (exec.Stream, error)
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
	src := n.src
	label := fmt.Sprintf("Read %s", src.Describe())
	return exec.NewStreamSource(src.Schema(), 1, label, func(ctx context.Context, _ int) (exec.Stream, error) {
		return src.Open(ctx, mem, batch)
	}), nil
}
