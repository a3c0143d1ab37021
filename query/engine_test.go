package query

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/parser"
	"github.com/recq/recq/storage/gen"
)

// checkGoroutines fails the test if goroutines it started outlive it.
func checkGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(3 * time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before {
			buf := make([]byte, 1<<16)
			t.Errorf("goroutine leak: %d before, %d after\n%s", before, n, buf[:runtime.Stack(buf, true)])
		}
	})
}

func testEngine(t *testing.T, s Settings) (*Engine, *memory.CheckedAllocator) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	eng, err := Open(Options{DataDir: "../testdata", Settings: s, Allocator: mem})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		eng.Close()
		mem.AssertSize(t, 0)
	})
	return eng, mem
}

func TestConcurrentQueries(t *testing.T) {
	checkGoroutines(t)
	eng, _ := testEngine(t, Settings{Workers: 2, BatchSize: 512})
	queries := []string{
		"SELECT l_returnflag, count(*), sum(l_quantity) FROM lineitem GROUP BY 1 ORDER BY 1",
		"SELECT count(*) FROM lineitem WHERE l_shipmode = 'AIR'",
		"SELECT city, avg(age) FROM people GROUP BY city ORDER BY city",
		"SELECT status, count(*) FROM sensors GROUP BY status ORDER BY status",
		"SELECT l_orderkey FROM lineitem ORDER BY l_extendedprice DESC LIMIT 5",
	}
	want := make([][]string, len(queries))
	for i, q := range queries {
		want[i] = queryRows(t, eng, q)
	}
	const n = 100
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for g := 0; g < n; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			i := g % len(queries)
			res, err := eng.Query(context.Background(), queries[i])
			if err != nil {
				errs <- err
				return
			}
			got := renderRows(res)
			if err := res.Close(); err != nil {
				errs <- err
				return
			}
			if strings.Join(got, "\n") != strings.Join(want[i], "\n") {
				errs <- fmt.Errorf("query %d: concurrent result differs:\n%s\nwant\n%s", i, strings.Join(got, "\n"), strings.Join(want[i], "\n"))
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestCancelDuringAggregation(t *testing.T) {
	checkGoroutines(t)
	dir := t.TempDir()
	g, _ := gen.Lookup("lineitem")
	path := filepath.Join(dir, "big.rec")
	if err := g.Write(path, 300_000, 5); err != nil {
		t.Fatal(err)
	}
	eng, _ := testEngine(t, Settings{Workers: 2, BatchSize: 64})
	// Crossed with twenty rows, the 300,000 records make 6,000,000 rows
	// to group: far more than the 20 ms before the cancel.
	twentyRows := "(VALUES (1)" + strings.Repeat(", (1)", 19) + ")"
	ctx, cancel := context.WithCancel(context.Background())
	res, err := eng.Query(ctx, fmt.Sprintf("SELECT l_partkey, x, count(*), sum(l_extendedprice) FROM '%s', %s v(x) GROUP BY 1, 2", path, twentyRows))
	if err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(20*time.Millisecond, cancel)
	start := time.Now()
	for res.Next() {
	}
	if !errors.Is(res.Err(), context.Canceled) {
		t.Fatalf("err %v, want context.Canceled (took %v)", res.Err(), time.Since(start))
	}
	res.Close()
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("cancelled aggregation took %v to stop", d)
	}
	// The engine keeps serving.
	if rows := queryRows(t, eng, "SELECT count(*) FROM people"); rows[0] != "12" {
		t.Fatalf("after cancel: %v", rows)
	}
}

func TestMemoryLimitAndMaxRows(t *testing.T) {
	eng, _ := testEngine(t, Settings{Workers: 2})
	s := eng.NewSession()
	if err := s.Set("memory_limit", "16KB"); err != nil {
		t.Fatal(err)
	}
	res, err := s.Query(context.Background(), "SELECT l_orderkey, l_linenumber, count(*) FROM lineitem GROUP BY 1, 2")
	if err == nil {
		for res.Next() {
		}
		err = res.Close()
	}
	if err == nil || !strings.Contains(err.Error(), "memory_limit") {
		t.Fatalf("memory limit not enforced: %v", err)
	}
	// Other sessions and the same session keep working.
	if rows := queryRows(t, eng, "SELECT count(DISTINCT l_orderkey) FROM lineitem"); rows[0] != "485" {
		t.Fatalf("after the limit: %v", rows)
	}
	s.Set("memory_limit", "1GB")
	s.Set("max_rows", "10")
	res, err = s.Query(context.Background(), "SELECT l_orderkey FROM lineitem")
	if err != nil {
		t.Fatal(err)
	}
	for res.Next() {
	}
	if err := res.Close(); !errors.Is(err, ErrResultTooLarge) {
		t.Fatalf("max_rows: %v", err)
	}
}

func TestErrorsCarryPositions(t *testing.T) {
	eng, _ := testEngine(t, Settings{})
	src := "SELECT id,\n       nmae FROM people"
	_, err := eng.Query(context.Background(), src)
	var pe *parser.Error
	if !errors.As(err, &pe) || pe.Line != 2 || pe.Column != 8 {
		t.Fatalf("error %v (%#v), want one at line 2, column 8", err, pe)
	}
	r := pe.Render(src)
	if !strings.Contains(r, "       nmae FROM people\n       ^") || !strings.Contains(r, "did you mean name?") {
		t.Fatalf("rendering:\n%s", r)
	}
}

func TestExplainAnalyze(t *testing.T) {
	eng, _ := testEngine(t, Settings{Workers: 2})
	rows := queryRows(t, eng, "EXPLAIN ANALYZE SELECT l_shipmode, count(*) FROM lineitem WHERE l_quantity < 10 GROUP BY 1")
	text := strings.Join(rows, "\n")
	for _, want := range []string{"Aggregate", "rows=", "Scan", "pushed [l_quantity < 10]", "strategy:", "records scanned: 2000, selected: ", "result: 7 rows"} {
		if !strings.Contains(text, want) {
			t.Errorf("EXPLAIN ANALYZE lacks %q:\n%s", want, text)
		}
	}
	// auto states its real reason for reading a small file through a mapping.
	if !strings.Contains(text, "strategy: mmap (auto: the file is under 64 MiB, small enough to map)") {
		t.Errorf("EXPLAIN ANALYZE lacks auto's reason:\n%s", text)
	}
	plan, err := eng.Explain(context.Background(), "SELECT l_orderkey FROM lineitem LIMIT 5")
	if err != nil || !strings.Contains(plan, "limit 5") || !strings.Contains(plan, "pushdown_limit") {
		t.Fatalf("limit pushdown not shown: %v\n%s", err, plan)
	}
}

func TestOptimizerPassesListed(t *testing.T) {
	names := []string{}
	for _, p := range OptimizerPasses() {
		names = append(names, p.Name)
		if p.Doc == "" {
			t.Errorf("pass %s has no description", p.Name)
		}
	}
	if strings.Join(names, ",") != "fold_constants,simplify_outer_joins,pushdown_predicates,reorder_joins,extract_join_keys,choose_build_side,prefilter_aggregates,prune_projection,pushdown_limit,topn,raw_aggregates,join_key_filters" {
		t.Fatalf("passes %v", names)
	}
	if _, err := Open(Options{DisabledPasses: []string{"nope"}}); err == nil {
		t.Fatal("unknown pass accepted")
	}
}
