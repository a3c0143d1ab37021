package query

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow/ipc"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"
)

// copyRun runs one statement and returns its single count, or the error.
func copyRun(t *testing.T, eng *Engine, ctx context.Context, sql string) (int64, error) {
	t.Helper()
	res, err := eng.Query(ctx, sql)
	if err != nil {
		return 0, err
	}
	defer res.Close()
	rows := renderRows(res)
	if len(rows) != 1 {
		t.Fatalf("%s: %d result rows", sql, len(rows))
	}
	var n int64
	for _, c := range rows[0] {
		n = n*10 + int64(c-'0')
	}
	return n, res.Err()
}

// TestCopyReadsBack writes each format with COPY and reads the files back
// with their standard readers: the text as expected, Arrow's IPC file and
// Parquet readers for the binary formats.
func TestCopyReadsBack(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	eng, err := Open(Options{DataDir: "../testdata", Allocator: mem})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	dir := t.TempDir()
	ctx := context.Background()
	run := func(sql string, want int64) {
		t.Helper()
		n, err := copyRun(t, eng, ctx, strings.ReplaceAll(sql, "$TMP", dir))
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		if n != want {
			t.Errorf("%s: %d rows written, want %d", sql, n, want)
		}
	}
	read := func(name string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}

	run("COPY (SELECT l_orderkey, l_quantity, l_shipdate, l_shipmode FROM lineitem WHERE l_orderkey = 1 AND l_linenumber < 3) TO '$TMP/a.csv'", 2)
	if got, want := read("a.csv"), "l_orderkey,l_quantity,l_shipdate,l_shipmode\n1,36.00,1998-04-01,MAIL\n1,14.00,1998-05-24,FOB\n"; got != want {
		t.Errorf("a.csv:\n%s\nwant\n%s", got, want)
	}
	run("COPY (SELECT 1 AS a, NULL AS b, 'x|y' AS c) TO '$TMP/one.txt' (FORMAT csv, DELIMITER '|', HEADER false, NULL 'NA')", 1)
	if got, want := read("one.txt"), "1|NA|\"x|y\"\n"; got != want {
		t.Errorf("one.txt = %q, want %q", got, want)
	}
	run("COPY (SELECT l_orderkey AS k, l_quantity AS q FROM lineitem WHERE l_orderkey = 1 AND l_linenumber < 3) TO '$TMP/a.tsv'", 2)
	if got, want := read("a.tsv"), "k\tq\n1\t36.00\n1\t14.00\n"; got != want {
		t.Errorf("a.tsv = %q, want %q", got, want)
	}
	run("COPY (SELECT name FROM people WHERE id > 1000) TO '$TMP/empty.json'", 0)
	if got := read("empty.json"); got != "[]\n" {
		t.Errorf("empty.json = %q", got)
	}
	run("COPY (SELECT * FROM lineitem WHERE l_quantity > 49) TO '$TMP/big.jsonl'", 42)
	sc := bufio.NewScanner(strings.NewReader(read("big.jsonl")))
	lines := 0
	for sc.Scan() {
		var row map[string]any
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			t.Fatalf("big.jsonl line %d: %v", lines+1, err)
		}
		if row["l_quantity"].(float64) != 50 || len(row) != 16 {
			t.Errorf("big.jsonl line %d: %v", lines+1, row)
		}
		lines++
	}
	if lines != 42 {
		t.Errorf("big.jsonl has %d lines", lines)
	}

	run("COPY people TO '$TMP/people.arrow' (FORMAT arrow)", 12)
	f, err := os.Open(filepath.Join(dir, "people.arrow"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ar, err := ipc.NewFileReader(f)
	if err != nil {
		t.Fatalf("people.arrow is not an Arrow IPC file: %v", err)
	}
	var arrowRows int64
	for i := 0; i < ar.NumRecords(); i++ {
		rec, err := ar.Record(i)
		if err != nil {
			t.Fatal(err)
		}
		arrowRows += rec.NumRows()
	}
	if arrowRows != 12 || ar.Schema().NumFields() != 8 {
		t.Errorf("people.arrow: %d rows, %d columns", arrowRows, ar.Schema().NumFields())
	}
	ar.Close()

	run("COPY lineitem TO '$TMP/li.parquet' (COMPRESSION zstd, ROW_GROUP_SIZE 500)", 2000)
	pf, err := file.OpenParquetFile(filepath.Join(dir, "li.parquet"), false)
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	if pf.NumRowGroups() != 4 {
		t.Errorf("li.parquet: %d row groups, want 4", pf.NumRowGroups())
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	if tbl.NumRows() != 2000 || tbl.NumCols() != 16 {
		t.Errorf("li.parquet: %d x %d", tbl.NumRows(), tbl.NumCols())
	}

	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

// TestCopyAtomic: a COPY that fails halfway (a cast error after rows were
// written) or is cancelled leaves the target as it was and no temporary
// file beside it.
func TestCopyAtomic(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	eng, err := Open(Options{DataDir: "../testdata", Allocator: mem, Settings: Settings{Workers: 1, BatchSize: 64}})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	dir := t.TempDir()
	target := filepath.Join(dir, "out.csv")
	if err := os.WriteFile(target, []byte("old\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		sql  string
		want string
	}{
		{"cast error after 1000 rows", context.Background(),
			"COPY (SELECT l_orderkey, CASE WHEN l_orderkey > 1000 THEN CAST(l_shipmode AS INT) ELSE 0 END FROM lineitem) TO '" + target + "'", "AIR"},
		{"parquet of an INTERVAL", context.Background(),
			"COPY (SELECT 1 AS a, INTERVAL 1 DAY AS iv) TO '" + target + "' (FORMAT parquet)", "INTERVAL"},
		{"cancelled", cancelled,
			"COPY lineitem TO '" + target + "'", "cancel"},
		{"partitioned, cast error after 1000 rows", context.Background(),
			"COPY (SELECT l_orderkey, l_shipmode, CASE WHEN l_orderkey > 1000 THEN CAST(l_shipmode AS INT) ELSE 0 END AS m FROM lineitem) TO '" + filepath.Join(dir, "parts") + "' (FORMAT parquet, PARTITION_BY (l_shipmode))", "AIR"},
		{"partitioned rec, cancelled", cancelled,
			"COPY lineitem TO '" + filepath.Join(dir, "parts") + "' (FORMAT rec, PARTITION_BY (l_shipmode))", "cancel"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := copyRun(t, eng, tc.ctx, tc.sql)
			if err == nil || !strings.Contains(err.Error(), tc.want) && !(tc.want == "cancel" && errors.Is(err, context.Canceled)) {
				t.Fatalf("err = %v, want one mentioning %q", err, tc.want)
			}
			if b, _ := os.ReadFile(target); string(b) != "old\n" {
				t.Errorf("the target was changed: %q", b)
			}
			if st, _ := os.Stat(target); st.Mode().Perm() != 0o600 {
				t.Errorf("the target's mode is %v", st.Mode().Perm())
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 1 {
				t.Errorf("%d files in the directory, want only the target", len(entries))
			}
		})
	}
	// A successful COPY replaces the file and keeps its mode.
	if _, err := copyRun(t, eng, context.Background(), "COPY (SELECT 1 AS a) TO '"+target+"'"); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(target); string(b) != "a\n1\n" {
		t.Errorf("after a COPY: %q", b)
	}
	if st, _ := os.Stat(target); st.Mode().Perm() != 0o600 {
		t.Errorf("the target's mode is %v after a COPY", st.Mode().Perm())
	}
}
