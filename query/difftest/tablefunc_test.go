package difftest

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/query"
	"github.com/recq/recq/storage"
	_ "modernc.org/sqlite"
)

// TestTableFunctionsAgainstSQLite exports the generated table t (every
// type, NULLs, extreme values, awkward strings) to Parquet and to CSV with
// COPY, reads the files back with read_parquet and read_csv, and compares
// every column's values and aggregates with SQLite's copy of t.
//
// An empty string reads back from CSV as NULL (DuckDB's default: an empty
// field, quoted or not, is NULL), so string columns are compared with
// SQLite's NULLIF of the column and the empty string there.
func TestTableFunctionsAgainstSQLite(t *testing.T) {
	dir := t.TempDir()
	tab := genTable(fixedSeed, 400)
	rec, err := tab.writeRec(dir, 64)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if err := tab.loadSQLite(db); err != nil {
		t.Fatal(err)
	}
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	eng, err := query.Open(query.Options{Settings: query.Settings{Workers: 2, BatchSize: 37, IO: storage.Mmap}, Allocator: mem})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		eng.Close()
		mem.AssertSize(t, 0)
	}()
	if err := eng.RegisterTable("t", rec, ""); err != nil {
		t.Fatal(err)
	}
	pq, csv := filepath.Join(dir, "t.parquet"), filepath.Join(dir, "t.csv")
	for _, s := range []string{
		fmt.Sprintf("COPY t TO '%s' (FORMAT parquet, ROW_GROUP_SIZE 150)", pq),
		fmt.Sprintf("COPY t TO '%s' (FORMAT csv, HEADER)", csv),
	} {
		res, err := eng.Query(context.Background(), s)
		if err != nil {
			t.Fatal(err)
		}
		res.Close()
	}
	var types []string
	for _, c := range tab.cols {
		types = append(types, fmt.Sprintf("%s: '%s'", c.name, c.typ))
	}
	sources := []struct {
		from     string
		emptyIsN bool
	}{
		{from: fmt.Sprintf("read_parquet('%s')", pq)},
		{from: fmt.Sprintf("read_csv('%s', header => true, columns => {%s})", csv, strings.Join(types, ", ")), emptyIsN: true},
	}
	checked := 0
	for _, src := range sources {
		for _, c := range tab.cols {
			lite := c.name
			if src.emptyIsN && c.cls == cStr {
				lite = "NULLIF(" + c.name + ", '')"
			}
			agg := "count(%[1]s), min(%[1]s), max(%[1]s), count(DISTINCT %[1]s)"
			if c.cls == cNum && c.tame {
				agg += ", sum(%[1]s)"
			}
			for _, q := range []struct{ r, s string }{
				{fmt.Sprintf("SELECT id, %s FROM %s", c.name, src.from), fmt.Sprintf("SELECT id, %s FROM t", lite)},
				{fmt.Sprintf("SELECT "+agg+" FROM %s", c.name, src.from), fmt.Sprintf("SELECT "+agg+" FROM t", lite)},
				{fmt.Sprintf("SELECT x.id FROM %s x JOIN t USING (id) WHERE x.%s IS NULL", src.from, c.name), fmt.Sprintf("SELECT id FROM t WHERE %s IS NULL", lite)},
			} {
				got, gerr := runRecq(eng, q.r)
				want, werr := runSQLite(db, q.s)
				if gerr != nil || werr != nil {
					t.Errorf("%s\nrecq error: %v\nSQLite error: %v", q.r, gerr, werr)
					continue
				}
				exact := make([]bool, len(want.cols))
				for i := range exact {
					exact[i] = c.cls != cNum || c.nk != nFloat
				}
				if msg := compare(genQuery{r: q.r, s: q.s}, got.rows, want.rows, exact); msg != "" {
					t.Errorf("%s\n%s\n%s%s", q.r, msg, dumpRows("recq", got.rows), dumpRows("SQLite", want.rows))
				}
				checked++
			}
		}
	}
	if checked < 2*3*len(tab.cols) {
		t.Errorf("only %d comparisons ran", checked)
	}
}
