package difftest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/query"
)

// TestDifferentialCreateTableAs writes the results of generated queries
// with CREATE TABLE ... AS into .rec tables, reads each table back with
// SELECT * and compares it with SQLite's answer to the query: the round
// trip through the .rec writer keeps every value (and, for ordered
// queries, the order). Results the .rec format cannot hold (duplicate
// column names, a column that is only NULL, decimals of more than 18
// digits) must fail with the "rec output:" error and are skipped.
func TestDifferentialCreateTableAs(t *testing.T) {
	n := 300
	if testing.Short() {
		n = 80
	}
	seed := uint64(fixedSeed + 7)
	h := newHarness(t, t.TempDir(), seed, fixedSizes)
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	eng, err := query.Open(query.Options{DataDir: t.TempDir(), Allocator: mem, Settings: engineConfigs[0].settings})
	if err != nil {
		t.Fatal(err)
	}
	for i, tab := range h.tabs[:4] {
		if err := eng.RegisterTable(tab.name, h.paths[i], ""); err != nil {
			t.Fatal(err)
		}
	}
	if res, err := eng.Query(context.Background(), viewSQL); err != nil {
		t.Fatal(err)
	} else {
		res.Close()
	}
	h.engines = append(h.engines, eng)
	h.mems = append(h.mems, mem)
	cfg := len(h.engines) - 1
	var counts [4]int
	unstorable, trimmed := 0, 0
	for i := 0; i < n; i++ {
		q := h.queryAt(seed, i)
		if q.limitNoOrder {
			continue // which rows a LIMIT keeps is not determined
		}
		name := fmt.Sprintf("ctas_%d", i)
		if _, err := runRecq(eng, "CREATE TABLE "+name+" AS "+q.r); err != nil {
			_, qerr := runRecq(h.engines[0], q.r)
			switch {
			case qerr != nil:
				counts[bothError]++
			case strings.Contains(err.Error(), "rec output:"):
				unstorable++
			default:
				t.Errorf("query %d: CREATE TABLE AS failed where the query runs: %v\n%s", i, err, q.r)
			}
			continue
		}
		q.r = "SELECT * FROM " + name
		q.cfg = cfg
		res := h.run(q)
		if res.out == mismatch && agreeWithoutTrailingSpaces(h, q) {
			// A VARCHAR column is stored as CHAR(n), which keeps no
			// trailing spaces (docs/sql.md): string_agg(s, ', ') can
			// end in one.
			res.out = agree
			trimmed++
		}
		counts[res.out]++
		if res.out == mismatch {
			t.Errorf("query %d, written with CREATE TABLE AS and read back:\n%s\n%s", i, h.queryAt(seed, i).r, res.report)
		}
	}
	h.close(t)
	t.Logf("%d queries: %d tables agree with SQLite (%d once trailing spaces are dropped), %d both error, %d skipped (dialect), %d not storable in .rec, %d mismatches",
		n, counts[agree], trimmed, counts[bothError], counts[skipped], unstorable, counts[mismatch])
	if counts[agree] < n/2 {
		t.Errorf("only %d of %d queries were compared", counts[agree], n)
	}
}

// agreeWithoutTrailingSpaces reports whether the table written by q
// (q.r reads it back) agrees with SQLite's answer once trailing spaces
// are dropped from every string on both sides.
func agreeWithoutTrailingSpaces(h *harness, q job) bool {
	got, gerr := runRecq(h.engines[q.cfg], q.r)
	want, werr := runSQLite(h.db, q.s)
	if gerr != nil || werr != nil {
		return false
	}
	trim := func(rs [][]val) {
		for _, r := range rs {
			for i := range r {
				if r[i].kind == kStr {
					r[i].s = strings.TrimRight(r[i].s, " ")
				}
			}
		}
	}
	trim(got.rows)
	trim(want.rows)
	return compare(q.genQuery, got.rows, want.rows, q.exactCols(len(got.cols))) == ""
}
