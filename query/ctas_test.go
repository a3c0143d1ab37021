package query

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/storage"
)

// ctasDataDir makes a data directory holding a copy of lineitem.rec.
func ctasDataDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	b, err := os.ReadFile("../testdata/lineitem.rec")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "lineitem.rec"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// queryOne runs sql and returns its rows rendered, or the error.
func queryOne(t *testing.T, eng *Engine, ctx context.Context, sql string) ([]string, error) {
	t.Helper()
	res, err := eng.Query(ctx, sql)
	if err != nil {
		return nil, err
	}
	defer res.Close()
	rows := renderRows(res)
	return rows, res.Err()
}

// TestCreateTableAsVisibleAtOnce: each CREATE [OR REPLACE] TABLE AS is
// seen by the next statement, even when the new file has the same size
// and modification time as the one it replaced, and the file passes
// storage's verification (header, block checksums).
func TestCreateTableAsVisibleAtOnce(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	dir := ctasDataDir(t)
	eng, err := Open(Options{DataDir: dir, Allocator: mem})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	ctx := context.Background()
	for i := 1; i <= 5; i++ {
		if _, err := queryOne(t, eng, ctx, fmt.Sprintf("CREATE OR REPLACE TABLE n AS SELECT %d AS v, 'r%d' AS s", i, i)); err != nil {
			t.Fatal(err)
		}
		rows, err := queryOne(t, eng, ctx, "SELECT v, s FROM n")
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("%d | r%d", i, i); len(rows) != 1 || rows[0] != want {
			t.Fatalf("after replace %d: %v, want [%s]", i, rows, want)
		}
	}
	if _, err := queryOne(t, eng, ctx, "CREATE TABLE li2 AS SELECT * FROM lineitem ORDER BY l_orderkey DESC, l_linenumber"); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "li2.rec")
	tbl, err := storage.Open(path, storage.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := storage.Verify(tbl, f); err != nil {
		t.Errorf("li2.rec fails verification: %v", err)
	}
	if tbl.Layout.Count != 2000 || tbl.Blocks == nil || tbl.Blocks.Len() == 0 {
		t.Errorf("li2.rec: %d records, block index %v", tbl.Layout.Count, tbl.Blocks)
	}
	rows, err := queryOne(t, eng, ctx, "SELECT count(*) FROM (SELECT * FROM lineitem EXCEPT ALL SELECT * FROM li2)")
	if err != nil || len(rows) != 1 || rows[0] != "0" {
		t.Errorf("lineitem EXCEPT ALL li2: %v, %v", rows, err)
	}
	// A selective WHERE (block min/max) finds the same rows in both.
	want, _ := queryOne(t, eng, ctx, "SELECT count(*), sum(l_quantity) FROM lineitem WHERE l_orderkey < 3")
	rows, err = queryOne(t, eng, ctx, "SELECT count(*), sum(l_quantity) FROM li2 WHERE l_orderkey < 3")
	if err != nil || len(rows) != 1 || rows[0] != want[0] {
		t.Errorf("l_orderkey < 3 in li2: %v, %v; in lineitem %v", rows, err, want)
	}
}

// TestCreateTableAsAtomic: a CREATE OR REPLACE TABLE AS that fails
// halfway (a cast error after rows were written, with and without a
// VARCHAR column, which is spooled) or is cancelled leaves the table as
// it was and nothing else in the data directory.
func TestCreateTableAsAtomic(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	dir := ctasDataDir(t)
	eng, err := Open(Options{DataDir: dir, Allocator: mem, Settings: Settings{Workers: 1, BatchSize: 64}})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	ctx := context.Background()
	if _, err := queryOne(t, eng, ctx, "CREATE TABLE keep AS SELECT 42 AS v"); err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	// 4,000,000 rows take far longer than 50 ms to write: the cancel
	// arrives mid-write (while spooling, with a VARCHAR column).
	midway := func() context.Context {
		c, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		t.Cleanup(cancel)
		return c
	}
	now := func(c context.Context) func() context.Context { return func() context.Context { return c } }
	for _, tc := range []struct {
		name string
		ctx  func() context.Context // made when the case starts
		sql  string
		want string
	}{
		{"cast error after 1000 rows", now(ctx),
			"CREATE OR REPLACE TABLE keep AS SELECT l_orderkey AS v, CASE WHEN l_orderkey > 1000 THEN CAST(l_shipmode AS INT) ELSE 0 END AS m FROM lineitem", "AIR"},
		{"cast error after 1000 rows, spooled", now(ctx),
			"CREATE OR REPLACE TABLE keep AS SELECT l_orderkey AS v, l_comment, CASE WHEN l_orderkey > 1000 THEN CAST(l_shipmode AS INT) ELSE 0 END AS m FROM lineitem", "AIR"},
		{"a value too wide", now(ctx),
			"CREATE OR REPLACE TABLE keep AS SELECT CAST(l_orderkey AS DECIMAL(38,0)) * 1000000000000000 AS v FROM lineitem", "row 1061, column v: 1000000000000000000 does not fit DECIMAL(18,0)"},
		{"cancelled", now(cancelled), "CREATE OR REPLACE TABLE keep AS SELECT * FROM lineitem", "cancel"},
		{"cancelled mid-write", midway, "CREATE OR REPLACE TABLE keep AS SELECT a.l_orderkey, b.l_partkey FROM lineitem a, lineitem b", "cancel"},
		{"cancelled mid-spool", midway, "CREATE OR REPLACE TABLE keep AS SELECT a.l_orderkey, b.l_comment FROM lineitem a, lineitem b", "cancel"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := queryOne(t, eng, tc.ctx(), tc.sql)
			if err == nil || !strings.Contains(err.Error(), tc.want) && !(tc.want == "cancel" && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded))) {
				t.Fatalf("err = %v, want one mentioning %q", err, tc.want)
			}
			rows, err := queryOne(t, eng, ctx, "SELECT * FROM keep")
			if err != nil || len(rows) != 1 || rows[0] != "42" {
				t.Errorf("keep now holds %v (%v)", rows, err)
			}
			ents, _ := os.ReadDir(dir)
			var names []string
			for _, e := range ents {
				names = append(names, e.Name())
			}
			if strings.Join(names, ",") != "keep.rec,lineitem.rec" {
				t.Errorf("the data directory holds %v", names)
			}
		})
	}
}

// TestCreateTableAsNeedsDataDir: without a data directory the error says
// how to get one.
func TestCreateTableAsNeedsDataDir(t *testing.T) {
	eng, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	_, err = queryOne(t, eng, context.Background(), "CREATE TABLE x AS SELECT 1 AS a")
	if err == nil || !strings.Contains(err.Error(), "needs a data directory to write x.rec into: start recq with --data DIR") {
		t.Fatalf("err = %v", err)
	}
}
