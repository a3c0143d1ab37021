package query

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow/memory"
)

// TestDataDirectoryViews: NAME.view.sql files in a data directory are
// views: listed, described, usable in joins, refused by DROP VIEW, and a
// broken one reports its own file, line and column.
func TestDataDirectoryViews(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"people.txt", "people.txt.schema"} {
		b, err := os.ReadFile(filepath.Join("../testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write := func(name, sql string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(sql), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("old.view.sql", "-- people over 40\nSELECT id, name FROM people WHERE age > 40;\n")
	write("cities.view.sql", "SELECT city, count(*) AS n FROM people GROUP BY city")
	write("broken.view.sql", "SELECT nosuch FROM people")
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	eng, err := Open(Options{DataDir: dir, Allocator: mem})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { eng.Close(); mem.AssertSize(t, 0) }()

	names := map[string]string{}
	for _, ti := range eng.Tables() {
		names[ti.Name] = ti.Origin
	}
	for _, v := range []string{"old", "cities", "broken"} {
		if !strings.HasPrefix(names[v], "view") {
			t.Errorf("%s listed as %q, want a view", v, names[v])
		}
	}
	got := strings.Join(queryRows(t, eng, "SELECT o.name, c.n FROM old o JOIN people p ON o.id = p.id JOIN cities c ON c.city = p.city ORDER BY 1"), "\n")
	want := strings.Join(queryRows(t, eng, "SELECT p.name, (SELECT count(*) FROM people q WHERE q.city = p.city) FROM people p WHERE p.age > 40 AND p.city IS NOT NULL ORDER BY 1"), "\n")
	if got != want || got == "" {
		t.Errorf("view join:\n%s\nwant\n%s", got, want)
	}
	if rows := queryRows(t, eng, "DESCRIBE cities"); len(rows) != 2 || !strings.HasPrefix(rows[1], "n | INT64") {
		t.Errorf("DESCRIBE cities: %q", rows)
	}
	if sql, ok := eng.ViewSQL("old"); !ok || !strings.Contains(sql, "age > 40") {
		t.Errorf("ViewSQL: %q %v", sql, ok)
	}
	_, err = eng.Query(context.Background(), "SELECT * FROM broken")
	if err == nil || !strings.Contains(err.Error(), "in view broken (") || !strings.Contains(err.Error(), "broken.view.sql), line 1, column 8: no column nosuch") {
		t.Errorf("broken view: %v", err)
	}
	if _, err := eng.Query(context.Background(), "DROP VIEW old"); err == nil || !strings.Contains(err.Error(), "remove the file") {
		t.Errorf("DROP VIEW of a file view: %v", err)
	}
	if _, err := eng.Query(context.Background(), "CREATE VIEW people AS SELECT 1"); err == nil || !strings.Contains(err.Error(), "already a table") {
		t.Errorf("view named like a table: %v", err)
	}
	for _, sql := range []string{"CREATE VIEW v1 AS SELECT 1 AS x", "CREATE OR REPLACE VIEW v1 AS SELECT 2 AS x"} {
		res, err := eng.Query(context.Background(), sql)
		if err != nil {
			t.Fatal(err)
		}
		res.Close()
	}
	if rows := queryRows(t, eng, "SELECT x FROM v1"); len(rows) != 1 || rows[0] != "2" {
		t.Errorf("replaced view: %q", rows)
	}
	if _, err := eng.Query(context.Background(), "CREATE VIEW v1 AS SELECT 3 AS x"); err == nil || !strings.Contains(err.Error(), "OR REPLACE") {
		t.Errorf("redefining a view: %v", err)
	}
}

// TestResultNullability: NOT NULL fields, _rowid and count stay
// non-nullable in the result schema (Arrow and Parquet output carry it);
// outer joins and expressions make columns nullable.
func TestResultNullability(t *testing.T) {
	eng, _ := testEngine(t, Settings{Workers: 2})
	cases := []struct {
		sql  string
		want []bool // nullable per column
	}{
		{"SELECT l_orderkey, _rowid, l_orderkey + 1 FROM lineitem LIMIT 1", []bool{false, false, true}},
		{"SELECT l_returnflag, count(*), sum(l_quantity) FROM lineitem GROUP BY 1", []bool{false, false, true}},
		{"SELECT a.l_orderkey, b.l_orderkey FROM lineitem a LEFT JOIN lineitem b ON a._rowid = b._rowid + 1 LIMIT 1", []bool{false, true}},
		{"SELECT 1, NULL", []bool{false, true}},
	}
	for _, c := range cases {
		res, err := eng.Query(context.Background(), c.sql)
		if err != nil {
			t.Fatalf("%s: %v", c.sql, err)
		}
		for i, f := range res.Schema().Fields() {
			if f.Nullable != c.want[i] {
				t.Errorf("%s: column %d (%s) nullable %v, want %v", c.sql, i, f.Name, f.Nullable, c.want[i])
			}
		}
		for res.Next() {
		}
		if err := res.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
