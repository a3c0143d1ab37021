package query

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow/memory"
)

// colCacheQueries test fields of every kind a column holds (1-, 2-, 4-
// and 8-byte integers in both byte orders, a date, CHAR) by predicates
// and by a join key filter; the LIMIT and _rowid queries leave chunks
// half read.
var colCacheQueries = []string{
	`SELECT k8, count(*), sum(a) FROM t WHERE k8 BETWEEN -2 AND 2 AND dt >= DATE '1995-01-01' GROUP BY k8 ORDER BY 1`,
	`SELECT count(*), min(a), max(b) FROM t WHERE b > 0 AND u < 30000 AND k1 = 'A'`,
	`SELECT g3, count(*) FROM t WHERE g3 LIKE '01%' AND e < 0 GROUP BY g3 ORDER BY 1`,
	`SELECT count(*) FROM (SELECT a, b FROM t WHERE a > -1000001 LIMIT 3)`,
	`SELECT count(*), sum(b) FROM t WHERE a > 0`,
	`SELECT count(*) FROM t WHERE _rowid BETWEEN 100 AND 1200 AND k8 = 1`,
	`SELECT count(*), sum(t.b) FROM t JOIN (VALUES (CAST(3 AS TINYINT)), (-4)) v(k) ON t.k8 = v.k`,
	`SELECT count(*) FROM t WHERE t = 'x'`,
	// bounds that records hit exactly, on a 4-byte column
	`SELECT count(*), min(dt), max(dt) FROM t WHERE dt BETWEEN DATE '1995-01-01' AND DATE '1996-01-01'`,
	// <> keeps what is outside the range, on 4- and 8-byte columns
	`SELECT count(*), sum(b) FROM t WHERE dt <> DATE '1995-01-01' AND a <> 0`,
}

// TestColumnCache runs each query several times on an engine that caches
// columns and once on one that does not: every run gives the same rows,
// the later runs test the cached columns (EXPLAIN ANALYZE says so), under
// several worker counts and batch sizes. The file (2.4 MB) is read in
// several chunks.
func TestColumnCache(t *testing.T) {
	checkGoroutines(t)
	dir := rawAggFileOf(t, false, 60000)
	ctx := context.Background()
	for _, cfg := range []Settings{{Workers: 1, BatchSize: 1024}, {Workers: 2, BatchSize: 64}, {Workers: 3, BatchSize: 7}} {
		mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
		on, off := enginePair(t, dir, cfg, mem, func(o *Options) { o.ColumnCache = -1 })
		for round := range 3 {
			for _, q := range colCacheQueries {
				got, gerr := queryOne(t, on, ctx, q)
				want, werr := queryOne(t, off, ctx, q)
				if gerr != nil || werr != nil || strings.Join(got, "\n") != strings.Join(want, "\n") {
					t.Errorf("%s (round %d, workers %d, batch %d): with cached columns (%v)\n%s\nwithout (%v)\n%s",
						q, round, cfg.Workers, cfg.BatchSize, gerr, strings.Join(got, "\n"), werr, strings.Join(want, "\n"))
				}
			}
		}
		plan := strings.Join(queryRows(t, on, "EXPLAIN ANALYZE "+colCacheQueries[0]), "\n")
		if !strings.Contains(plan, "tests read cached columns: k8, dt") {
			t.Errorf("workers %d: the third round does not read the columns:\n%s", cfg.Workers, plan)
		}
		if plan := strings.Join(queryRows(t, off, "EXPLAIN ANALYZE "+colCacheQueries[0]), "\n"); strings.Contains(plan, "cached columns") {
			t.Errorf("ColumnCache -1 caches columns:\n%s", plan)
		}
		on.Close()
		off.Close()
		mem.AssertSize(t, 0)
	}
}

// TestColumnCacheNarrowed: in a .rec file whose block statistics bound
// them, a (INT64 of +-1,000,000), d (DECIMAL(18,4)), dt (DATE) and kn
// (INT32 of -4 to 4) are cached in 4, 4, 2 and 1 bytes; predicates, a join key
// filter, sums and group keys (negative ones too) read the narrowed
// columns and answer as without them.
func TestColumnCacheNarrowed(t *testing.T) {
	dir := rawAggFileOf(t, false, 60000)
	ctx := context.Background()
	for _, cfg := range []Settings{{Workers: 1, BatchSize: 1024}, {Workers: 3, BatchSize: 7}} {
		on, off := enginePair(t, dir, cfg, nil, func(o *Options) { o.ColumnCache = -1 })
		if _, err := queryOne(t, on, ctx, `CREATE OR REPLACE TABLE r AS SELECT *, CAST(k8 AS INT32) AS kn FROM t`); err != nil {
			t.Fatal(err)
		}
		queries := []string{
			`SELECT count(*), sum(a), sum(d) FROM r WHERE a BETWEEN -500000 AND 250000 AND d > 0 AND dt <> DATE '1995-01-01'`,
			`SELECT dt, count(*), sum(a), min(d), max(a) FROM r WHERE a > 0 GROUP BY dt ORDER BY 1`,
			`SELECT count(*), sum(r.e) FROM r JOIN (VALUES (DATE '1995-01-01'), (DATE '1999-12-31')) v(k) ON r.dt = v.k`,
			`SELECT kn, count(*), sum(a) FROM r WHERE kn < 3 GROUP BY kn ORDER BY 1`,
			`SELECT count(*), sum(r.b) FROM r JOIN (VALUES (CAST(-3 AS INT32)), (2)) v(k) ON r.kn = v.k`,
		}
		for round := range 3 {
			for _, q := range queries {
				got, gerr := queryOne(t, on, ctx, q)
				want, werr := queryOne(t, off, ctx, q)
				if gerr != nil || werr != nil || len(want) == 0 || strings.Join(got, "\n") != strings.Join(want, "\n") {
					t.Errorf("%s (round %d): with cached columns (%v)\n%s\nwithout (%v)\n%s",
						q, round, gerr, strings.Join(got, "\n"), werr, strings.Join(want, "\n"))
				}
			}
		}
		for q, want := range map[string]string{
			queries[0]: "tests read cached columns: a (4 of 8 bytes), d (4 of 8 bytes), dt (2 of 4 bytes)",
			queries[1]: "tests read cached columns: a (4 of 8 bytes), dt (2 of 4 bytes), d (4 of 8 bytes)",
			queries[3]: "tests read cached columns: kn (1 of 4 bytes)",
		} {
			if plan := strings.Join(queryRows(t, on, "EXPLAIN ANALYZE "+q), "\n"); !strings.Contains(plan, want) {
				t.Errorf("%s: want %q in\n%s", q, want, plan)
			}
		}
		on.Close()
		off.Close()
	}
}

// TestColumnCacheAfterSkippedBlocks: a join key filter that rules out
// whole .rec blocks leaves the first run's column incomplete; the second
// run reads those blocks too, and the third tests the complete column
// and passes over the blocks again (each run an EXPLAIN ANALYZE, which
// runs the query).
func TestColumnCacheAfterSkippedBlocks(t *testing.T) {
	dir := rawAggFileOf(t, false, 60000)
	ctx := context.Background()
	on, off := enginePair(t, dir, Settings{Workers: 2}, nil, func(o *Options) { o.ColumnCache = -1 })
	defer on.Close()
	defer off.Close()
	if _, err := queryOne(t, on, ctx, `CREATE TABLE r AS SELECT *, _rowid AS rid FROM t`); err != nil {
		t.Fatal(err)
	}
	q := `SELECT count(*), sum(r.a) FROM r JOIN (VALUES (5), (7), (19999)) v(k) ON r.rid = v.k`
	want := queryRows(t, off, q)
	for run, expect := range []string{"filling cached columns: rid", "filling cached columns: rid", "tests read cached columns: rid"} {
		plan := strings.Join(queryRows(t, on, "EXPLAIN ANALYZE "+q), "\n")
		if !strings.Contains(plan, expect) {
			t.Errorf("run %d: want %q in\n%s", run+1, expect, plan)
		}
		if skipped := strings.Contains(plan, "blocks of them unread") && !strings.Contains(plan, " 0 blocks of them unread"); skipped != (run != 1) {
			t.Errorf("run %d: blocks passed over: %v\n%s", run+1, skipped, plan)
		}
	}
	if got := queryRows(t, on, q); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("on the complete column: %v, want %v", got, want)
	}
}

// TestColumnCacheFileChanges: a file rewritten after its columns were
// cached is read as it is now.
func TestColumnCacheFileChanges(t *testing.T) {
	dir := rawAggFile(t, false)
	eng, err := Open(Options{DataDir: dir, Settings: Settings{Workers: 2}})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	q := `SELECT count(*), sum(a) FROM t WHERE k8 >= 0`
	before := queryRows(t, eng, q)
	queryRows(t, eng, q)
	if plan := strings.Join(queryRows(t, eng, "EXPLAIN ANALYZE "+q), "\n"); !strings.Contains(plan, "tests read cached columns: k8") {
		t.Fatalf("the column is not cached:\n%s", plan)
	}
	// keep the first 1000 records, with every k8 made 0
	path := filepath.Join(dir, "t.dat")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data = data[:1000*40]
	for i := 0; i < len(data); i += 40 {
		data[i+2] = 0
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(path, later, later); err != nil {
		t.Fatal(err)
	}
	after := queryRows(t, eng, q)
	if len(after) != 1 || !strings.HasPrefix(after[0], "1000") || after[0] == before[0] {
		t.Fatalf("after rewriting the file: %v (before: %v), want a count of 1000", after, before)
	}
}

// TestColumnCacheBudget: columns that do not fit the budget are not made,
// and the answers stay the same.
func TestColumnCacheBudget(t *testing.T) {
	dir := rawAggFile(t, false)
	small, err := Open(Options{DataDir: dir, Settings: Settings{Workers: 2}, ColumnCache: 7000})
	if err != nil {
		t.Fatal(err)
	}
	defer small.Close()
	q := `SELECT count(*) FROM t WHERE k8 > 0 AND a > 0`
	var rows []string
	for range 3 {
		rows = queryRows(t, small, q)
	}
	plan := strings.Join(queryRows(t, small, "EXPLAIN ANALYZE "+q), "\n")
	// 5,000 one-byte k8 values and their bitmaps (6,264 bytes) fit in 7,000;
	// 40,000 bytes of a do not
	if !strings.Contains(plan, "tests read cached columns: k8") || strings.Contains(plan, "columns: k8, a") {
		t.Errorf("budget of 7000 bytes:\n%s", plan)
	}
	none, err := Open(Options{DataDir: dir, Settings: Settings{Workers: 2}, ColumnCache: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer none.Close()
	if want := queryRows(t, none, q); fmt.Sprint(rows) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", rows, want)
	}
}

// TestColumnCacheConcurrent runs the queries from several goroutines at
// once on one engine, so that scans claim and fill the same columns
// concurrently (run it under -race): every answer is the one an engine
// without the cache gives.
func TestColumnCacheConcurrent(t *testing.T) {
	checkGoroutines(t)
	dir := rawAggFileOf(t, false, 60000)
	on, off := enginePair(t, dir, Settings{Workers: 2, BatchSize: 256}, nil, func(o *Options) { o.ColumnCache = -1 })
	defer on.Close()
	defer off.Close()
	ctx := context.Background()
	want := make([]string, len(colCacheQueries))
	for i, q := range colCacheQueries {
		rows, err := queryOne(t, off, ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = strings.Join(rows, "\n")
	}
	errs := make(chan error, 4*len(colCacheQueries)*3)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := range 3 {
				for k := range colCacheQueries {
					i := (k + g) % len(colCacheQueries)
					res, err := on.Query(ctx, colCacheQueries[i])
					if err != nil {
						errs <- err
						continue
					}
					got := strings.Join(renderRows(res), "\n")
					if err := res.Close(); err != nil {
						errs <- err
						continue
					}
					if got != want[i] {
						errs <- fmt.Errorf("goroutine %d, round %d: %s:\n%s\nwant\n%s", g, round, colCacheQueries[i], got, want[i])
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
