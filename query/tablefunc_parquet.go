package query

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/exec"
	"github.com/recq/recq/parser"
	"github.com/recq/recq/query/parquetfile"
)

// bindReadParquet binds read_parquet(files): the first file's footer
// gives the columns; every file must have them.
func bindReadParquet(bd *binder, t *parser.TableRef, a *funcArgs) ([]*relation, Node, error) {
	files, err := a.files()
	if err != nil {
		return nil, nil, err
	}
	paths, err := expandFiles(files)
	if err != nil {
		return nil, nil, fileSetErr(t.Func.Pos, err)
	}
	sch, err := parquetfile.ReadSchema(paths[0])
	if err != nil {
		return nil, nil, err
	}
	return bd.bindRead(t, &parquetSource{paths: paths, pattern: a.filesText(), sch: sch, schema: sch.Arrow()})
}

// parquetSource reads Parquet files for a ReadNode.
type parquetSource struct {
	paths   []string
	pattern string
	sch     *parquetfile.Schema
	schema  *arrow.Schema
}

func (s *parquetSource) Schema() *arrow.Schema { return s.schema }

func (s *parquetSource) Open(ctx context.Context, mem memory.Allocator, batchSize int, fields []int) (exec.Stream, error) {
	return parquetfile.NewReader(ctx, s.paths, s.sch.Select(fields), mem, batchSize), nil
}

func (s *parquetSource) Describe() string {
	d := fmt.Sprintf("read_parquet %s (", s.pattern)
	if len(s.paths) > 1 {
		d += fmt.Sprintf("%d files, the first: ", len(s.paths))
	}
	d += fmt.Sprintf("%d rows in %d row groups", s.sch.Rows, s.sch.RowGroups)
	if len(s.sch.Skipped) > 0 {
		d += "; left out: " + strings.Join(s.sch.Skipped, "; ")
	}
	return d + ")"
}

func (s *parquetSource) EstimateRows() float64 {
	return max(1, float64(s.sch.Rows)*float64(len(s.paths)))
}
