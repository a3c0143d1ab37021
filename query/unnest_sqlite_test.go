package query_test

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recq/recq/query"
)

// UNNEST ... WITH ORDINALITY and the list functions over the GHCN-Daily
// sample, checked against SQLite. SQLite has no lists, so it unpivots the
// raw lines itself (substr over the 31 day groups, a recursive CTE for the
// day number) into the view days(station, year, month, element, day,
// value, mflag); each recq query over the LIST columns has a SQLite
// counterpart over that view, and the two must give the same rows.
var listSQLiteCases = []struct{ name, recq, sqlite string }{
	{"unpivot",
		"SELECT station, year, month, element, u.n, u.v FROM ghcn g, UNNEST(g.value) WITH ORDINALITY AS u(v, n)",
		"SELECT station, year, month, element, day, value FROM days"},
	{"zip with flags",
		"SELECT station, year, month, element, d.day, d.value, d.flag FROM ghcn g CROSS JOIN LATERAL UNNEST(g.value, g.mflag) WITH ORDINALITY AS d(value, flag, day) WHERE d.value IS NOT NULL",
		"SELECT station, year, month, element, day, value, mflag FROM days WHERE value IS NOT NULL"},
	{"per day of month",
		"SELECT element, n, count(v), sum(v), min(v), max(v) FROM ghcn, UNNEST(value) WITH ORDINALITY AS u(v, n) GROUP BY element, n",
		"SELECT element, day, count(value), sum(value), min(value), max(value) FROM days GROUP BY element, day"},
	{"hot days",
		"SELECT station, year, month, n FROM ghcn JOIN UNNEST(value) WITH ORDINALITY AS u(v, n) ON v > 300 WHERE element = 'TMAX'",
		"SELECT station, year, month, day FROM days WHERE element = 'TMAX' AND value > 300"},
	{"list_filter",
		"SELECT station, year, month, element, len(list_filter(value, x -> x > 100)), len(array_filter(value, x -> x IS NULL)) FROM ghcn",
		"SELECT station, year, month, element, sum(value > 100), sum(value IS NULL) FROM days GROUP BY station, year, month, element"},
	{"list_transform with index",
		"SELECT station, year, month, element, list_sum(list_transform(value, (x, i) -> x * i)), list_max(apply(value, x -> -x)) FROM ghcn",
		"SELECT station, year, month, element, sum(value * day), max(-value) FROM days GROUP BY station, year, month, element"},
	{"list_transform capture",
		"SELECT station, year, month, element, list_sum(list_transform(value, x -> x * month + year)) FROM ghcn",
		"SELECT station, year, month, element, sum(value * month + year) FROM days GROUP BY station, year, month, element"},
	{"list_reduce",
		"SELECT station, year, month, element, list_reduce(value, (a, x, i) -> a + coalesce(x, 0) * i) FROM ghcn WHERE value[1] IS NOT NULL",
		"SELECT station, year, month, element, sum(coalesce(value, 0) * day) FROM days GROUP BY station, year, month, element HAVING max(CASE WHEN day = 1 THEN value IS NOT NULL END)"},
	{"unnest of a filtered list",
		"SELECT station, year, month, element, u.n, u.v FROM ghcn g, UNNEST(list_filter(g.value, x -> x > 250)) WITH ORDINALITY AS u(v, n)",
		"SELECT station, year, month, element, row_number() OVER (PARTITION BY station, year, month, element ORDER BY day), value FROM days WHERE value > 250"},
}

func TestListsAgainstSQLite(t *testing.T) {
	path, err := filepath.Abs("../testdata/ghcn/sample.dly")
	if err != nil {
		t.Fatal(err)
	}
	db := ghcnSQLite(t, path)
	eng, err := query.Open(query.Options{DataDir: t.TempDir(), Settings: query.Settings{Workers: 2, BatchSize: 5}})
	if err != nil {
		t.Fatal(err)
	}
	ddl := fmt.Sprintf("CREATE TABLE ghcn (station CHAR(11) POSITION(1:11), year INT16 POSITION(12:15), month INT16 POSITION(16:17), element CHAR(4) POSITION(18:21), value INT32 POSITION(22:26) NULLIF '-9999' OCCURS 31 TIMES STRIDE 8, mflag CHAR(1) POSITION(27:27) OCCURS 31 TIMES STRIDE 8) WITH (file = '%s', format = 'text', record_length = 269)", path)
	if _, err := recqRows(eng, ddl); err != nil {
		t.Fatal(err)
	}
	for _, tc := range listSQLiteCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := recqRows(eng, tc.recq)
			if err != nil {
				t.Fatalf("recq: %v\n%s", err, tc.recq)
			}
			want := sqliteQuery(t, db, tc.sqlite)
			if len(want) == 0 {
				t.Fatalf("SQLite returned no rows: the case tests nothing\n%s", tc.sqlite)
			}
			if d := compareTPCH(0, got, want); d != "" {
				t.Fatalf("%s\nrecq:   %s\nSQLite: %s", d, tc.recq, tc.sqlite)
			}
		})
	}
}

// ghcnSQLite loads the lines of a .dly file into SQLite and defines the
// view days over them: one row per line and day.
func ghcnSQLite(t *testing.T, path string) *sql.DB {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	stmts := []string{"CREATE TABLE lines (line TEXT)",
		`CREATE VIEW days AS WITH RECURSIVE d(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM d WHERE n < 31)
		SELECT substr(line, 1, 11) AS station, CAST(substr(line, 12, 4) AS INTEGER) AS year,
			CAST(substr(line, 16, 2) AS INTEGER) AS month, substr(line, 18, 4) AS element, n AS day,
			NULLIF(CAST(trim(substr(line, 22 + (n - 1) * 8, 5)) AS INTEGER), -9999) AS value,
			trim(substr(line, 27 + (n - 1) * 8, 1)) AS mflag
		FROM lines, d`}
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	for _, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		if _, err := db.Exec("INSERT INTO lines VALUES (?)", line); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

func sqliteQuery(t *testing.T, db *sql.DB, text string) [][]cell {
	t.Helper()
	rows, err := db.Query(text)
	if err != nil {
		t.Fatalf("SQLite: %v\n%s", err, text)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]cell
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		r := make([]cell, len(cols))
		for i, v := range vals {
			r[i] = sqliteCell(v)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
