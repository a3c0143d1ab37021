package query

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/exec"
	"github.com/recq/recq/internal/testhook"
	"github.com/recq/recq/storage"
	"github.com/recq/recq/storage/gen"
)

// orderedTable writes a lineitem file of 20,000 records (about 3 MiB:
// three 1 MiB chunks for a scan without predicates; forty blocks of 500
// for one with pushed predicates) and registers it as table l.
func orderedTable(t *testing.T, s Settings) *Engine {
	t.Helper()
	g, err := gen.Lookup("lineitem")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "l.rec")
	if err := g.WriteWith(path, 20000, 11, storage.WriterOptions{RecordsPerBlock: 500}); err != nil {
		t.Fatal(err)
	}
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	eng, err := Open(Options{Settings: s, Allocator: mem})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.RegisterTable("l", path, ""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		eng.Close()
		mem.AssertSize(t, 0)
	})
	return eng
}

// TestFileOrderWithoutOrderBy: a query without ORDER BY returns its rows
// in file order, run after run, under every worker count, batch size and
// I/O strategy. The expectations come from the same queries ordered by
// _rowid (a sort, not the ordered gather).
func TestFileOrderWithoutOrderBy(t *testing.T) {
	checkGoroutines(t)
	eng := orderedTable(t, Settings{Workers: 1, BatchSize: 1024})
	queries := []struct{ sql, reference string }{
		{"SELECT * FROM l LIMIT 3", "SELECT * FROM l ORDER BY _rowid LIMIT 3"},
		{"SELECT l_orderkey, l_linenumber, l_quantity FROM l WHERE l_quantity < 3 AND l_extendedprice / l_quantity > 1500",
			"SELECT l_orderkey, l_linenumber, l_quantity FROM l WHERE l_quantity < 3 AND l_extendedprice / l_quantity > 1500 ORDER BY _rowid"},
		{"SELECT _rowid, l_comment FROM l WHERE l_shipmode = 'AIR' LIMIT 4 OFFSET 2",
			"SELECT _rowid, l_comment FROM l WHERE l_shipmode = 'AIR' ORDER BY _rowid LIMIT 4 OFFSET 2"},
	}
	runs := 20
	if testing.Short() {
		runs = 2
	}
	for _, q := range queries {
		want := queryRows(t, eng, q.reference)
		if len(want) == 0 {
			t.Fatalf("%s: no rows", q.reference)
		}
		for _, io := range []string{"mmap", "direct", "buffered", "auto"} {
			for _, workers := range []int{2, 8} {
				for _, batch := range []int{1, 7, 1024} {
					s := eng.NewSession()
					for _, set := range [][2]string{{"io", io}, {"workers", fmt.Sprint(workers)}, {"batch_size", fmt.Sprint(batch)}} {
						if err := s.Set(set[0], set[1]); err != nil {
							t.Fatal(err)
						}
					}
					for run := 0; run < runs; run++ {
						res, err := s.Query(context.Background(), q.sql)
						if err != nil {
							t.Fatal(err)
						}
						got := renderRows(res)
						if err := res.Close(); err != nil {
							t.Fatal(err)
						}
						if !slices.Equal(got, want) {
							t.Fatalf("%s (io=%s workers=%d batch=%d, run %d):\ngot  %.300q\nwant %.300q", q.sql, io, workers, batch, run, got, want)
						}
					}
				}
			}
		}
	}
}

// TestPlanUsesOrderedGather: plans without aggregation, DISTINCT or
// ORDER BY merge in file order; the others keep the unordered gather.
func TestPlanUsesOrderedGather(t *testing.T) {
	eng, _ := testEngine(t, Settings{Workers: 4})
	for sql, ordered := range map[string]bool{
		"SELECT * FROM lineitem LIMIT 5":                          true,
		"SELECT l_orderkey FROM lineitem WHERE l_quantity > 10":   true,
		"SELECT count(*) FROM lineitem":                           false,
		"SELECT DISTINCT l_returnflag FROM lineitem":              false,
		"SELECT l_orderkey FROM lineitem ORDER BY l_quantity":     false,
		"SELECT l_orderkey FROM lineitem ORDER BY 1 LIMIT 3":      false,
		"SELECT l_returnflag FROM lineitem GROUP BY l_returnflag": false,
	} {
		plan, err := eng.Explain(context.Background(), sql)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(plan, "OrderedGather"); got != ordered {
			t.Errorf("%s: ordered gather %v, want %v\n%s", sql, got, ordered, plan)
		}
	}
}

// TestIntervalKeys: INTERVAL values as DISTINCT, GROUP BY and
// count(DISTINCT) keys, compared componentwise (1 month <> 30 days).
func TestIntervalKeys(t *testing.T) {
	eng, _ := testEngine(t, Settings{Workers: 3, BatchSize: 4})
	iv := "CASE WHEN age IS NULL THEN NULL WHEN age > 30 THEN INTERVAL 1 MONTH ELSE INTERVAL 30 DAY END"
	for _, c := range []struct {
		sql  string
		want []string
	}{
		{"SELECT DISTINCT INTERVAL 1 DAY", []string{`{"months":0,"days":1,"nanoseconds":0}`}},
		{"SELECT count(DISTINCT INTERVAL 1 DAY)", []string{"1"}},
		{"SELECT count(DISTINCT " + iv + ") FROM people", []string{"2"}},
		{"SELECT DISTINCT " + iv + " AS i FROM people", []string{
			`NULL`, `{"months":0,"days":30,"nanoseconds":0}`, `{"months":1,"days":0,"nanoseconds":0}`}},
		{"SELECT " + iv + " AS i, count(*) FROM people GROUP BY i", []string{
			`NULL | 2`, `{"months":0,"days":30,"nanoseconds":0} | 7`, `{"months":1,"days":0,"nanoseconds":0} | 3`}},
		// the group sizes, counted without intervals
		{"SELECT count(*) FROM people WHERE age > 30", []string{"3"}},
		{"SELECT count(*) FROM people WHERE age <= 30", []string{"7"}},
	} {
		got := queryRows(t, eng, c.sql)
		slices.Sort(got)
		if !slices.Equal(got, c.want) {
			t.Errorf("%s:\ngot  %q\nwant %q", c.sql, got, c.want)
		}
	}
}

// TestWorkerPanicThroughEngine: a panic injected in a scan worker fails
// the query with an internal error naming the statement (the stack is in
// the error's Detail); nothing leaks and the engine answers the next
// query, under the ordered gather, the unordered gather and aggregation.
func TestWorkerPanicThroughEngine(t *testing.T) {
	checkGoroutines(t)
	eng, _ := testEngine(t, Settings{Workers: 3, BatchSize: 100})
	for _, sql := range []string{
		"SELECT l_orderkey FROM lineitem WHERE l_quantity > 10",
		"SELECT count(*), sum(l_quantity) FROM lineitem",
		"SELECT DISTINCT l_returnflag FROM lineitem",
	} {
		restore := testhook.Set(testhook.PanicAt("scan.chunk", "injected worker bug", 1))
		res, err := eng.Query(context.Background(), sql)
		if err == nil {
			renderRows(res)
			err = res.Close()
		}
		restore()
		var ie *exec.InternalError
		if !errors.As(err, &ie) {
			t.Fatalf("%s: err = %v, want an internal error", sql, err)
		}
		want := sql + ": internal error: injected worker bug (please report this with the statement)"
		if err.Error() != want || !strings.Contains(ie.Detail(), "goroutine") {
			t.Fatalf("error %q\nwant  %q\ndetail %.200s", err, want, ie.Detail())
		}
		if rows := queryRows(t, eng, "SELECT count(*) FROM lineitem"); !slices.Equal(rows, []string{"2000"}) {
			t.Fatalf("the query after the panic: %v", rows)
		}
	}
}
