package query

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/parser"
	"github.com/recq/recq/storage"
)

// TestTableFunctionsAgree runs the same queries on people.txt through its
// sidecar and through each table function: read_fixed with the sidecar's
// DDL inline, read_rec, and the file exported (by COPY) to Parquet and to
// CSV and read back. Every form must give the sidecar's answers, under
// several worker counts and batch sizes, with no memory leaked.
func TestTableFunctionsAgree(t *testing.T) {
	ddl, err := os.ReadFile("../testdata/people.txt.schema")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pq, csv := filepath.Join(dir, "people.parquet"), filepath.Join(dir, "people.csv")
	eng, err := Open(Options{DataDir: "../testdata"})
	if err != nil {
		t.Fatal(err)
	}
	queryRows(t, eng, fmt.Sprintf("COPY people TO '%s' (FORMAT parquet, ROW_GROUP_SIZE 4)", pq))
	queryRows(t, eng, fmt.Sprintf("COPY people TO '%s' (FORMAT csv, HEADER)", csv))
	eng.Close()

	layout := strings.ReplaceAll(strings.TrimSpace(string(ddl)), "'", "''")
	csvColumns := "{id: 'INT32', name: 'VARCHAR', age: 'INT16', balance: 'DECIMAL(9,2)', joined: 'DATE', score: 'DOUBLE', active: 'BOOLEAN', city: 'VARCHAR'}"
	forms := []struct {
		from   string
		noName bool // an empty name reads back from CSV as NULL, as in DuckDB
	}{
		{from: fmt.Sprintf("read_fixed('../testdata/people.txt', layout => '%s')", layout)},
		{from: "read_rec('../testdata/people.txt')"},
		{from: "read_rec(['../testdata/people.txt'])"},
		{from: fmt.Sprintf("read_parquet('%s')", pq)},
		{from: fmt.Sprintf("read_csv('%s', header => true, columns => %s)", csv, csvColumns), noName: true},
	}
	queries := []struct {
		sql     string
		useName bool
	}{
		{"SELECT id, age, balance, joined, score, active, city FROM %s", false},
		{"SELECT id, name FROM %s", true},
		{"SELECT count(*), sum(age), min(joined), max(balance), sum(score), count(city), count(active) FROM %s", false},
		{"SELECT id FROM %s WHERE balance > 0 AND joined < DATE '2021-01-01'", false},
		{"SELECT city, count(*), sum(balance) FROM %s GROUP BY city ORDER BY city NULLS FIRST", false},
		{"SELECT t.id, u.id FROM %s t JOIN people u ON t.age = u.age AND t.id <> u.id ORDER BY 1, 2", false},
		{"SELECT id, age FROM %s ORDER BY score DESC NULLS LAST, id LIMIT 4", false},
		{"SELECT id FROM %s WHERE city IN ('Paris', 'Berlin') LIMIT 3", false},
	}
	for _, cfg := range []Settings{
		{Workers: 1, BatchSize: 3, IO: storage.Mmap},
		{Workers: 2, BatchSize: 16384, IO: storage.Auto},
		{Workers: 8, BatchSize: 1, IO: storage.Buffered},
	} {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		eng, err := Open(Options{DataDir: "../testdata", Settings: cfg, Allocator: mem})
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range queries {
			want := queryRows(t, eng, fmt.Sprintf(q.sql, "people"))
			for _, f := range forms {
				if q.useName && f.noName {
					continue
				}
				got := queryRows(t, eng, fmt.Sprintf(q.sql, f.from))
				if !slices.Equal(got, want) {
					t.Errorf("workers=%d batch=%d: %s: %s", cfg.Workers, cfg.BatchSize, fmt.Sprintf(q.sql, f.from), firstDiff(got, want))
				}
			}
		}
		eng.Close()
		mem.AssertSize(t, 0)
	}
}

// TestTableFunctionExplain checks the plan lines of table functions:
// read_fixed is a scan with pushed predicates, read_csv a Read node with
// what the sniffer found.
func TestTableFunctionExplain(t *testing.T) {
	eng, err := Open(Options{DataDir: "../testdata", Settings: Settings{Workers: 2}})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	for _, c := range []struct{ sql, want string }{
		{"SELECT id FROM read_fixed('../testdata/people.txt', columns => {id: 'INT32 POSITION(1:4)'}, format => 'text') WHERE id > 10",
			"Scan read_fixed [id] pushed [id > 10] files 1"},
		{"SELECT f.id FROM read_fixed('../testdata/people.txt', columns => {id: 'INT32 POSITION(1:4)'}, format => 'text') f WHERE f.id > 10",
			"Scan '../testdata/people.txt' (text, 1 of 1 files, 0 pruned): columns [id], pushed [id > 10]"},
		{"SELECT c.city FROM read_csv('../testdata/tablefunc/codes.csv') c JOIN people p USING (city)",
			`Read c [city] read_csv '../testdata/tablefunc/codes.csv' (delim ",", header true, columns city VARCHAR, country VARCHAR, population INT64, capital BOOLEAN, founded DATE, updated TIMESTAMP)`},
		// only the columns the query needs are read: parsed (CSV) or their
		// column chunks read (Parquet); count(*) keeps one
		{"SELECT c.city FROM read_csv('../testdata/tablefunc/codes.csv') c JOIN people p USING (city)", "TIMESTAMP): columns [city] [partitions=1]"},
		{"SELECT sum(balance), max(name) FROM read_parquet('../testdata/tablefunc/people.parquet')", "row groups): columns [name, balance] [partitions=1]"},
		{"SELECT count(*) FROM read_parquet('../testdata/tablefunc/people.parquet')", "row groups): columns [id] [partitions=1]"},
		{"SELECT count(*) FROM read_parquet(['../testdata/tablefunc/people.parquet', '../testdata/tablefunc/people.parquet'])",
			"Read read_parquet ['../testdata/tablefunc/people.parquet', '../testdata/tablefunc/people.parquet'] (2 files, the first: 12 rows in 3 row groups)"},
		{"SELECT * FROM read_csv('../testdata/tablefunc/semi.csv') WHERE id = 2",
			"Filter (id = 2)\n      Read read_csv"},
	} {
		text, err := eng.Explain(context.Background(), c.sql)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(text, c.want) {
			t.Errorf("%s: the plan lacks %q:\n%s", c.sql, c.want, text)
		}
	}
}

// TestInlineLayoutCarets checks that layout errors of read_fixed point
// into the string holding the layout, on its line, at the offending text.
func TestInlineLayoutCarets(t *testing.T) {
	eng, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	for _, c := range []struct{ sql, at, msg string }{
		{"SELECT * FROM read_fixed('x.txt', columns => {id: 'INT32 POSITON(1:4)'})", "POSITON(1:4)'})", "unknown column option POSITON"},
		{"SELECT * FROM read_fixed('x.txt', columns => {id: 'INT32 POSITION(1:4)', nm: 'CHAR(0) POSITION(5:5)'})", "CHAR(0) POSITION(5:5)'})", "CHAR length 0"},
		{"SELECT * FROM read_fixed('x.txt', columns => {a: 'INT32 POSITION(1:4)'}, skip_lines => 'x')", "'x')", "option skip_lines wants a whole number"},
		{"SELECT * FROM read_fixed('x.txt', layout => 'CREATE TABLE t (\n  id INT32 POSITION(1:4),\n  nm CHAR(3) POSITION(9:5))')", "POSITION(9:5))')", "ends before it starts"},
		{"SELECT * FROM read_fixed('x.txt', layout => 'CREATE TABLE t (\n  id INT32 POSITION(1:4))\n  WITH (format = ''txt'')')", "''txt'')')", "format \"txt\" is not text or binary"},
		{"SELECT * FROM read_fixed('x.txt', layout => 'CREATE TABLE t (nm CHAR(3) POSITION(1:3) NULLIF '''', id INT32 POSITON(4:5))')", "POSITON(4:5))')", "unknown column option POSITON"},
		{"SELECT * FROM read_fixed('x.txt', columns => {a: 'INT32 POSITION(1:4)'}, frmat => 'text')", "frmat", "did you mean format?"},
		{"SELECT * FROM nope_fn('x')", "nope_fn", "no table function nope_fn"},
	} {
		_, err := eng.Query(context.Background(), c.sql)
		var pe *parser.Error
		if !errors.As(err, &pe) {
			t.Errorf("%s: got %v, want a positioned error", c.sql, err)
			continue
		}
		if !strings.Contains(pe.Msg, c.msg) {
			t.Errorf("%s: message %q lacks %q", c.sql, pe.Msg, c.msg)
		}
		if got := c.sql[pe.Offset:]; !strings.HasPrefix(got, c.at) {
			t.Errorf("%s: the error points at %q, want %q\n%s", c.sql, got, c.at, pe.Render(c.sql))
		}
	}
}
