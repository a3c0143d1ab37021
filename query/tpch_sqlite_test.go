package query_test

// The 22 TPC-H queries (testdata/tpch) on the eight tables generated at
// scale factor 0.01, run by recq and by SQLite over the same data and
// compared.
//
// SQLite holds the data with these types: identifiers and integers
// INTEGER, CHAR text TEXT, dates TEXT 'YYYY-MM-DD' (which compares as
// dates do), DECIMAL(15,2) money REAL. Where SQLite needs another
// spelling of a query (dates, extract, substring, ...), it is in
// testdata/tpch/qNN.sqlite.sql.
//
// The comparison rule, value by value: NULLs match NULLs; text and dates
// match exactly; two integers match exactly. Other numbers match within a
// tolerance chosen by recq's column type: a DECIMAL column (money sums,
// exact in recq) within 0.01 absolute, since SQLite sums the REAL values
// in doubles, off by far less than a cent at this scale; a FLOAT64 column
// (averages and ratios) within 1e-6 relative. A query with an ORDER BY
// must return the rows in that order (its ORDER BY columns, tpchOrder, are
// compared row by row); all rows must match as multisets.

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/query"
	"github.com/recq/recq/storage"
	"github.com/recq/recq/storage/gen"

	_ "modernc.org/sqlite"
)

// tpchWorking lists the queries recq answers today. A listed query must
// run and match SQLite; an unlisted one must fail with an error (not a
// wrong answer, not an internal error): when it starts to work, the test
// fails until it is added here.
var tpchWorking = map[int]bool{1: true, 2: true, 3: true, 4: true, 5: true, 6: true, 7: true, 8: true, 9: true, 10: true, 11: true,
	12: true, 13: true, 14: true, 15: true, 16: true, 17: true, 18: true, 19: true, 20: true, 21: true, 22: true}

// tpchOrder gives, for each query with an ORDER BY, the output columns it
// orders by (0-based, in ORDER BY order); ties may come in any order.
var tpchOrder = map[int][]int{
	1: {0, 1}, 2: {0, 2, 1, 3}, 3: {1, 2}, 4: {0}, 5: {1}, 7: {0, 1, 2}, 8: {0}, 9: {0, 1},
	10: {2}, 11: {1}, 12: {0}, 13: {1, 0}, 15: {0}, 16: {3, 0, 1, 2}, 18: {4, 3}, 20: {0},
	21: {1, 0}, 22: {0},
}

// The data: scale factor 0.01 (86,000 rows), seed 5. At this scale Q17 to
// Q20 select very few rows (Q18 needs an order of 7 lines over 300 units:
// about 1.5 such orders are expected; Q19's three brand/container/size
// combinations about 0.6 lines), so an empty answer there is chance, not
// wrong data: of the seeds 1 to 12, seeds 5 and 7 give rows for all 22
// queries (each of the four is empty for some of the others, as often as
// its expected count predicts).
const (
	tpchSeed = 5
	tpchDir  = "../testdata/tpch"
)

// -tpch.scale runs the comparison at another scale factor (e.g. 0.1: a
// few minutes).
var tpchScaleFlag = flag.Float64("tpch.scale", 0.01, "TPC-H scale factor of TestTPCHAgainstSQLite")

// tpchData is the generated tables, as files and loaded into SQLite.
type tpchData struct {
	dir string
	db  *sql.DB
}

// newTPCHData generates the eight tables at -tpch.scale (0.01 by default) into a temporary
// directory and loads them into an in-memory SQLite database.
func newTPCHData(t testing.TB) *tpchData {
	t.Helper()
	d := &tpchData{dir: t.TempDir()}
	for _, name := range gen.TPCH {
		g, err := gen.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := g.WriteScale(filepath.Join(d.dir, name+".rec"), *tpchScaleFlag, gen.ScaleOptions{Seed: tpchSeed}); err != nil {
			t.Fatal(err)
		}
	}
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1) // one connection: one in-memory database
	t.Cleanup(func() { db.Close() })
	d.db = db
	// LIKE is case-sensitive in recq, as in the specification.
	if _, err := db.Exec("PRAGMA case_sensitive_like = ON"); err != nil {
		t.Fatal(err)
	}
	for _, name := range gen.TPCH {
		if err := loadSQLite(db, name, filepath.Join(d.dir, name+".rec")); err != nil {
			t.Fatal(err)
		}
	}
	// Indexes on the join columns keep SQLite's nested loops fast.
	for _, ix := range []string{"lineitem(l_orderkey)", "lineitem(l_partkey, l_suppkey)", "lineitem(l_suppkey)",
		"orders(o_custkey)", "partsupp(ps_partkey, ps_suppkey)", "partsupp(ps_suppkey)",
		"supplier(s_nationkey)", "customer(c_nationkey)", "nation(n_regionkey)"} {
		name := "ix_" + strings.NewReplacer("(", "_", ")", "", ", ", "_").Replace(ix)
		if _, err := db.Exec("CREATE INDEX " + name + " ON " + ix); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec("ANALYZE"); err != nil {
		t.Fatal(err)
	}
	return d
}

// loadSQLite copies a .rec file into a new SQLite table of the same name,
// reading it through package storage (the values recq reads).
func loadSQLite(db *sql.DB, name, path string) error {
	tab, err := storage.Open(path, storage.OpenOptions{})
	if err != nil {
		return err
	}
	s := tab.Schema
	cols := make([]string, len(s.Fields))
	marks := make([]string, len(s.Fields))
	for i, f := range s.Fields {
		typ := "TEXT"
		switch {
		case f.Type.Kind == storage.Decimal:
			typ = "REAL"
		case f.Type.IsInteger():
			typ = "INTEGER"
		}
		cols[i], marks[i] = f.Name+" "+typ, "?"
	}
	if _, err := db.Exec(fmt.Sprintf("CREATE TABLE %s (%s)", name, strings.Join(cols, ", "))); err != nil {
		return fmt.Errorf("sqlite: create %s: %w", name, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	ins, err := tx.Prepare(fmt.Sprintf("INSERT INTO %s VALUES (%s)", name, strings.Join(marks, ", ")))
	if err != nil {
		return err
	}
	args := make([]any, len(s.Fields))
	for i := range tab.Layout.Count {
		rec, err := tab.Record(f, i)
		if err != nil {
			return err
		}
		for k := range args {
			v, err := s.DecodeField(rec, k)
			if err != nil {
				return fmt.Errorf("%s record %d: %w", path, i, err)
			}
			switch x := v.(type) {
			case storage.DecimalValue:
				v = float64(x.Unscaled) / math.Pow10(x.Scale)
			case storage.DateValue:
				v = x.String()
			}
			args[k] = v
		}
		if _, err := ins.Exec(args...); err != nil {
			return fmt.Errorf("sqlite: insert into %s (record %d): %w", name, i, err)
		}
	}
	return tx.Commit()
}

// tpchSQL reads query q's text for recq, or for SQLite (its .sqlite.sql
// spelling when there is one).
func tpchSQL(t testing.TB, q int, sqlite bool) string {
	t.Helper()
	path := filepath.Join(tpchDir, fmt.Sprintf("q%02d.sql", q))
	if sqlite {
		if alt := filepath.Join(tpchDir, fmt.Sprintf("q%02d.sqlite.sql", q)); fileExists(alt) {
			path = alt
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// cell is a result value for comparison: kind, and the value as text or
// number. tol is the tolerance rule of recq's column (see the file
// comment); SQLite values take the rule of the recq value they meet.
type cell struct {
	kind  cellKind
	s     string
	f     float64
	isInt bool
	i     int64
	tol   tolerance
}

type cellKind uint8

const (
	cNull cellKind = iota
	cNum
	cText
)

type tolerance uint8

const (
	tolExact    tolerance = iota
	tolCent               // DECIMAL: 0.01 absolute
	tolRelative           // FLOAT64: 1e-6 relative
)

func (c cell) String() string {
	switch c.kind {
	case cNull:
		return "NULL"
	case cText:
		return strconv.Quote(c.s)
	}
	if c.isInt {
		return strconv.FormatInt(c.i, 10)
	}
	return strconv.FormatFloat(c.f, 'g', -1, 64)
}

func intCell(i int64) cell { return cell{kind: cNum, f: float64(i), isInt: true, i: i} }

// arrowCell converts a recq result value.
func arrowCell(col arrow.Array, r int) cell {
	if col.IsNull(r) {
		return cell{}
	}
	switch a := col.(type) {
	case *array.Int64:
		return intCell(a.Value(r))
	case *array.Int32:
		return intCell(int64(a.Value(r)))
	case *array.Int16:
		return intCell(int64(a.Value(r)))
	case *array.Int8:
		return intCell(int64(a.Value(r)))
	case *array.Float64:
		return cell{kind: cNum, f: a.Value(r), tol: tolRelative}
	case *array.Decimal128:
		scale := a.DataType().(*arrow.Decimal128Type).Scale
		f, err := strconv.ParseFloat(a.Value(r).ToString(scale), 64)
		if err != nil {
			return cell{kind: cText, s: "bad decimal " + a.ValueStr(r)}
		}
		return cell{kind: cNum, f: f, tol: tolCent}
	case *array.String:
		return cell{kind: cText, s: strings.Clone(a.Value(r))} // Value aliases the batch
	case *array.Date32:
		return cell{kind: cText, s: storage.DateValue(a.Value(r)).String()}
	}
	return cell{kind: cText, s: fmt.Sprintf("<%s %s>", col.DataType(), col.ValueStr(r))}
}

// sqliteCell converts a SQLite result value.
func sqliteCell(v any) cell {
	switch x := v.(type) {
	case nil:
		return cell{}
	case int64:
		return intCell(x)
	case float64:
		return cell{kind: cNum, f: x}
	case string:
		return cell{kind: cText, s: x}
	case []byte:
		return cell{kind: cText, s: string(x)}
	}
	return cell{kind: cText, s: fmt.Sprintf("<%T %v>", v, v)}
}

// match compares a recq value (got) with a SQLite value (want).
func match(got, want cell) bool {
	if got.kind != want.kind {
		return false
	}
	switch got.kind {
	case cNull:
		return true
	case cText:
		return got.s == want.s
	}
	if got.isInt && want.isInt {
		return got.i == want.i
	}
	d := math.Abs(got.f - want.f)
	switch got.tol {
	case tolCent:
		return d <= 0.01
	case tolRelative:
		return d <= 1e-6*math.Max(math.Abs(got.f), math.Abs(want.f))
	}
	return d == 0
}

func rowsMatch(got, want []cell, cols []int) bool {
	if len(got) != len(want) {
		return false
	}
	if cols == nil {
		for i := range got {
			if !match(got[i], want[i]) {
				return false
			}
		}
		return true
	}
	for _, c := range cols {
		if !match(got[c], want[c]) {
			return false
		}
	}
	return true
}

func rowText(r []cell) string {
	parts := make([]string, len(r))
	for i, c := range r {
		parts[i] = c.String()
	}
	return strings.Join(parts, " | ")
}

// compareTPCH returns "" when recq's rows (got) match SQLite's (want) for
// query q, else what differs.
func compareTPCH(q int, got, want [][]cell) string {
	if len(got) != len(want) {
		return fmt.Sprintf("recq returned %d rows, SQLite %d", len(got), len(want))
	}
	if order, ok := tpchOrder[q]; ok {
		for i := range got {
			if !rowsMatch(got[i], want[i], order) {
				return fmt.Sprintf("row %d is out of ORDER BY order (columns %v):\n  recq:   %s\n  SQLite: %s", i, order, rowText(got[i]), rowText(want[i]))
			}
		}
	}
	// As multisets: most rows pair up in place; the rest (ties of the
	// ORDER BY, or no ORDER BY) are matched greedily.
	used := make([]bool, len(want))
	var rest []int
	for i := range got {
		if rowsMatch(got[i], want[i], nil) {
			used[i] = true
		} else {
			rest = append(rest, i)
		}
	}
	for _, i := range rest {
		found := false
		for j := range want {
			if !used[j] && rowsMatch(got[i], want[j], nil) {
				used[j], found = true, true
				break
			}
		}
		if !found {
			return fmt.Sprintf("recq's row %d has no match in SQLite's result:\n  recq:   %s\n  SQLite row %d: %s", i, rowText(got[i]), i, rowText(want[i]))
		}
	}
	return ""
}

// sqliteRows runs query q in SQLite.
func (d *tpchData) sqliteRows(t testing.TB, q int) [][]cell {
	t.Helper()
	rows, err := d.db.Query(tpchSQL(t, q, true))
	if err != nil {
		t.Fatalf("q%02d in SQLite: %v", q, err)
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
			t.Fatalf("q%02d in SQLite: %v", q, err)
		}
		r := make([]cell, len(cols))
		for i, v := range vals {
			r[i] = sqliteCell(v)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("q%02d in SQLite: %v", q, err)
	}
	return out
}

// recqRows runs query q in recq.
func recqRows(eng *query.Engine, text string) ([][]cell, error) {
	res, err := eng.Query(context.Background(), text)
	if err != nil {
		return nil, err
	}
	defer res.Close()
	var out [][]cell
	for res.Next() {
		rec := res.Record()
		for r := range int(rec.NumRows()) {
			row := make([]cell, rec.NumCols())
			for c := range row {
				row[c] = arrowCell(rec.Column(c), r)
			}
			out = append(out, row)
		}
	}
	return out, res.Err()
}

// runTPCH runs query q in recq and checks it against SQLite, following
// tpchWorking: a listed query must match; an unlisted one must fail
// cleanly.
func runTPCH(t *testing.T, d *tpchData, eng *query.Engine, q int) {
	t.Helper()
	got, err := recqRows(eng, tpchSQL(t, q, false))
	switch {
	case err != nil && tpchWorking[q]:
		t.Fatalf("q%02d failed in recq: %v", q, err)
	case err != nil && strings.Contains(err.Error(), "internal error"):
		t.Fatalf("q%02d: recq reports a bug instead of a clean error: %v", q, err)
	case err != nil:
		t.Logf("q%02d is not supported yet (expected): %v", q, firstLine(err))
		return
	}
	want := d.sqliteRows(t, q)
	diff := compareTPCH(q, got, want)
	switch {
	case diff != "":
		t.Errorf("q%02d: recq and SQLite differ: %s", q, diff)
	case !tpchWorking[q]:
		t.Errorf("q%02d now runs and matches SQLite (%d rows): add it to tpchWorking", q, len(got))
	}
}

func firstLine(err error) string {
	msg, _, _ := strings.Cut(err.Error(), "\n")
	return msg
}

// TestTPCHAgainstSQLite generates the TPC-H tables at SF 0.01, checks
// that SQLite answers every query with rows (which checks the generator's
// distributions: an empty answer means the data is wrong), then runs each
// query in recq and compares (see runTPCH).
func TestTPCHAgainstSQLite(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() { // after every other cleanup (SQLite's close)
		deadline := time.Now().Add(2 * time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if n := runtime.NumGoroutine() - before; n > 0 {
			t.Errorf("%d goroutines left running", n)
		}
	})
	start := time.Now()
	d := newTPCHData(t)
	t.Logf("generated and loaded SF %v in %v", *tpchScaleFlag, time.Since(start).Round(time.Millisecond))
	t.Run("sqlite", func(t *testing.T) {
		for q := 1; q <= 22; q++ {
			rows := d.sqliteRows(t, q)
			switch {
			case len(rows) == 0:
				t.Errorf("q%02d: SQLite returns no rows at SF %v: the generated data lacks what the query looks for", q, *tpchScaleFlag)
			case len(rows) == 1 && allNull(rows[0]):
				t.Errorf("q%02d: SQLite's only row is NULL at SF %v: no generated row meets the query's conditions", q, *tpchScaleFlag)
			}
		}
	})
	// The same answers under several worker counts, batch sizes and I/O
	// strategies (the first configuration only under -short).
	configs := []struct {
		name     string
		settings query.Settings
	}{
		{"workers=2", query.Settings{Workers: 2}},
		{"workers=1_batch=100_io=buffered", query.Settings{Workers: 1, BatchSize: 100, IO: storage.Buffered}},
		{"workers=4_batch=1000_io=mmap", query.Settings{Workers: 4, BatchSize: 1000, IO: storage.Mmap}},
		{"workers=3_io=direct", query.Settings{Workers: 3, IO: storage.Direct}},
	}
	for ci, cfg := range configs {
		if testing.Short() && ci > 0 {
			break
		}
		t.Run(cfg.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
			eng, err := query.Open(query.Options{DataDir: d.dir, Allocator: mem, Settings: cfg.settings})
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				eng.Close()
				mem.AssertSize(t, 0)
			}()
			for q := 1; q <= 22; q++ {
				t.Run(fmt.Sprintf("q%02d", q), func(t *testing.T) { runTPCH(t, d, eng, q) })
			}
		})
	}
}

func allNull(r []cell) bool {
	for _, c := range r {
		if c.kind != cNull {
			return false
		}
	}
	return true
}
