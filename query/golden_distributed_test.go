package query

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/parser"
)

// TestGoldenSQLDistributed runs every golden query (testdata/sql/*.test)
// that decomposes as a distributed plan, with splits as small as the
// files allow, and checks the merged rows against the golden expectation;
// a golden error must be an error distributed too.
func TestGoldenSQLDistributed(t *testing.T) {
	files, err := filepath.Glob("../testdata/sql/*.test")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	var ran, refused int
	for _, file := range files {
		recs := parseGolden(t, file)
		t.Run(filepath.Base(file), func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
			opts := Options{DataDir: "../testdata", Settings: Settings{Workers: 2, BatchSize: 100}, Allocator: mem}
			if goldenWritable(t, file) {
				opts.DataDir = linkedDataDir(t, "../testdata") // CREATE TABLE AS writes there
			}
			eng, err := Open(opts)
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				eng.Close()
				mem.AssertSize(t, 0)
			}()
			tmp := t.TempDir()
			for i := range recs {
				r := &recs[i]
				where := fmt.Sprintf("%s:%d", filepath.Base(file), r.line)
				sql := strings.ReplaceAll(r.sql, "$TMP", tmp)
				stmts, perr := parser.Parse(sql)
				if r.kind == "statement" || perr != nil || len(stmts) != 1 {
					// set up as the golden test does (SET, views, COPY)
					if _, err := runGolden(eng, r, tmp); err != nil && r.kind == "statement" {
						t.Fatalf("%s: %s: %v", where, r.sql, err)
					}
					continue
				}
				if _, ok := stmts[0].(parser.Query); !ok {
					runGolden(eng, r, tmp)
					continue
				}
				got, derr := runGoldenDistributed(eng, sql)
				if errors.Is(derr, ErrNotDistributable) {
					refused++
					continue
				}
				ran++
				switch r.kind {
				case "error":
					if derr == nil {
						t.Errorf("%s: %s: succeeded distributed, want error %q", where, r.sql, strings.Join(r.want, "\n"))
					}
				case "query":
					if derr != nil {
						t.Errorf("%s: %s: %v", where, r.sql, derr)
						continue
					}
					if r.rowsort {
						slices.Sort(got)
					}
					if !slices.Equal(got, r.want) {
						t.Errorf("%s: %s:\ngot\n%s\nwant\n%s", where, r.sql, strings.Join(got, "\n"), strings.Join(r.want, "\n"))
					}
				}
			}
		})
	}
	t.Logf("%d golden records distributed, %d refused", ran, refused)
	if ran < 150 {
		t.Errorf("only %d golden records were distributed", ran)
	}
}

// runGoldenDistributed plans sql for distribution with the smallest
// splits, runs the leaves and the merge, and renders the rows.
func runGoldenDistributed(eng *Engine, sql string) ([]string, error) {
	ctx := context.Background()
	p, err := eng.PlanDistributed(ctx, sql, DistributeOptions{SplitBytes: 1})
	if err != nil {
		return nil, err
	}
	splits, err := p.Splits(ctx)
	if err != nil {
		return nil, err
	}
	var leaves []array.RecordReader
	for _, sp := range splits {
		res, err := p.Leaf(ctx, sp)
		if err != nil {
			for _, l := range leaves {
				l.Release()
			}
			return nil, err
		}
		leaves = append(leaves, res)
	}
	res, err := p.Merge(ctx, leaves)
	if err != nil {
		return nil, err
	}
	defer res.Close()
	rows := renderRows(res)
	return rows, res.Err()
}
