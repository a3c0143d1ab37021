package difftest

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/query"
	"github.com/recq/recq/storage"

	_ "modernc.org/sqlite"
)

var (
	soak     = flag.Duration("soak", 0, "run random differential queries for this long with a random seed (e.g. -soak=30m)")
	seedF    = flag.Uint64("seed", 0, "seed of the fixed set (0: the built-in seed; with -soak, the soak's seed)")
	queries  = flag.Int("queries", 0, "number of queries of the fixed set (0: 1200, 200 with -short)")
	onlyQ    = flag.Int("query", -1, "run only this query index of the set (to reproduce a mismatch)")
	rowsF    = flag.Int("rows", 0, "rows in table t (0: 400 for the fixed set)")
	pRowsF   = flag.Int("prows", -1, "rows in side table p (-1: 60 for the fixed set)")
	qRowsF   = flag.Int("qrows", -1, "rows in side table q (-1: 25 for the fixed set)")
	verbose  = flag.Bool("difftest.v", false, "print every query")
	adhocR   = flag.String("recq", "", "with -sqlite: run this recq SQL over the table of -seed/-rows and compare (to minimise a mismatch)")
	adhocS   = flag.String("sqlite", "", "the SQLite SQL for -recq")
	soakJoin = flag.Float64("soak.joinrows", 50000, "with -soak: the largest estimated join size generated")
	cfgF     = flag.Int("cfg", 0, "with -recq: the engine configuration (index into engineConfigs)")
)

// fixedSeed is the seed of the set that runs in go test.
const fixedSeed = 20260417

// engineConfig is one way of running recq: the same answers are expected
// from all of them.
type engineConfig struct {
	name     string
	settings query.Settings
	noPasses bool
}

var engineConfigs = []engineConfig{
	{"workers=2 batch=16384 io=auto", query.Settings{Workers: 2, BatchSize: 16384, IO: storage.Auto}, false},
	{"workers=1 batch=7 io=mmap", query.Settings{Workers: 1, BatchSize: 7, IO: storage.Mmap}, false},
	{"workers=3 batch=64 io=buffered", query.Settings{Workers: 3, BatchSize: 64, IO: storage.Buffered}, false},
	{"workers=4 batch=1 io=direct", query.Settings{Workers: 4, BatchSize: 1, IO: storage.Direct}, false},
	{"workers=2 batch=100 no optimizer passes", query.Settings{Workers: 2, BatchSize: 100, IO: storage.Mmap}, true},
}

// sizes are the row counts of the generated tables t, p and q (z is
// always empty).
type sizes struct{ t, p, q int }

func (s sizes) String() string { return fmt.Sprintf("-rows=%d -prows=%d -qrows=%d", s.t, s.p, s.q) }

// fixedSizes are the tables of the fixed set.
var fixedSizes = sizes{t: 400, p: 60, q: 25}

// viewSQL defines the view pv over p, created in both engines.
const viewSQL = "CREATE VIEW pv AS SELECT k, g, ref, pn, pw FROM p WHERE pn IS NULL OR pn > -25"

// viewTable describes pv's columns to the generator.
func viewTable(p *table) *table {
	var cols []*column
	for _, n := range []string{"k", "g", "ref", "pn", "pw"} {
		cols = append(cols, copyCol(p.byN[n], n))
	}
	v := newTable("pv", cols)
	v.est = max(p.size(), 1)
	return v
}

// harness holds the generated tables (t; the side tables p, q and the
// empty z; the view pv over p) loaded into both engines.
type harness struct {
	t    *table
	tabs []*table
	seed uint64
	sz   sizes
	// maxJoin bounds the estimated rows of generated joins: small for
	// the fixed set, larger in the soak.
	maxJoin float64
	db      *sql.DB
	engines []*query.Engine
	mems    []*memory.CheckedAllocator
	paths   []string
}

func newHarness(tb testing.TB, dir string, seed uint64, sz sizes) *harness {
	h := &harness{t: genTable(seed, sz.t), seed: seed, sz: sz, maxJoin: maxJoinRows}
	p := genSide("p", seed, sz.p, sz.t)
	h.tabs = []*table{h.t, p, genSide("q", seed, sz.q, sz.t), genSide("z", seed, 0, sz.t)}
	r := rand.New(rand.NewPCG(seed, 1))
	perBlock := pick(r, 7, 64, 1000, 0)
	var err error
	for _, t := range h.tabs {
		path, err := t.writeRec(dir, perBlock)
		if err != nil {
			tb.Fatal(err)
		}
		h.paths = append(h.paths, path)
	}
	h.tabs = append(h.tabs, viewTable(p))
	if h.db, err = sql.Open("sqlite", ":memory:"); err != nil {
		tb.Fatal(err)
	}
	h.db.SetMaxOpenConns(1) // one connection: one in-memory database
	// LIKE is case-sensitive in recq (ILIKE is not).
	if _, err := h.db.Exec("PRAGMA case_sensitive_like = ON"); err != nil {
		tb.Fatal(err)
	}
	for _, t := range h.tabs[:4] {
		if err := t.loadSQLite(h.db); err != nil {
			tb.Fatal(err)
		}
	}
	if _, err := h.db.Exec(viewSQL); err != nil {
		tb.Fatal(err)
	}
	for _, c := range engineConfigs {
		mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
		opts := query.Options{Settings: c.settings, Allocator: mem}
		if c.noPasses {
			for _, p := range query.OptimizerPasses() {
				opts.DisabledPasses = append(opts.DisabledPasses, p.Name)
			}
		}
		eng, err := query.Open(opts)
		if err != nil {
			tb.Fatal(err)
		}
		for i, t := range h.tabs[:4] {
			if err := eng.RegisterTable(t.name, h.paths[i], ""); err != nil {
				tb.Fatal(err)
			}
		}
		res, err := eng.Query(context.Background(), viewSQL)
		if err != nil {
			tb.Fatal(err)
		}
		res.Close()
		h.engines = append(h.engines, eng)
		h.mems = append(h.mems, mem)
	}
	return h
}

func (h *harness) close(tb testing.TB) {
	for i, e := range h.engines {
		e.Close()
		h.mems[i].AssertSize(tb, 0)
	}
	h.db.Close()
}

// outcome of one query.
type outcome int

const (
	agree outcome = iota
	bothError
	skipped // a documented dialect difference made the comparison moot
	mismatch
)

// result of running one query: outcome and, for a mismatch, a report.
type result struct {
	out    outcome
	report string
}

// queryAt generates query i of a set with the given seed; one in ten
// is a window query (gen_window_test.go).
func (h *harness) queryAt(seed uint64, i int) job {
	if i%10 == 9 {
		return h.windowAt(seed, i)
	}
	r := rand.New(rand.NewPCG(seed, uint64(i)+0x5eed))
	g := &gen{r: r, t: h.t, tabs: h.tabs, maxJoin: h.maxJoin}
	return job{genQuery: g.query(), cfg: r.IntN(len(h.engines))}
}

type job struct {
	genQuery
	cfg int
}

// run runs q in both engines and compares.
func (h *harness) run(q job) result {
	eng := h.engines[q.cfg]
	got, gerr := runRecq(eng, q.r)
	lite := q.s
	if q.limitNoOrder {
		lite = q.sLimitless
	}
	want, werr := runSQLite(h.db, lite)
	switch {
	case gerr != nil && werr != nil:
		return result{out: bothError}
	case gerr == nil && werr != nil && strings.Contains(werr.Error(), "integer overflow"):
		// SQLite fails on an intermediate overflow of sum() or abs() of
		// the smallest integer even where recq's exact 128-bit sum fits.
		return result{out: skipped}
	case gerr != nil || werr != nil:
		return result{out: mismatch, report: fmt.Sprintf("recq error: %v\nSQLite error: %v", gerr, werr)}
	}
	exact := q.exactCols(len(got.cols))
	if msg := compare(q.genQuery, got.rows, want.rows, exact); msg != "" {
		return result{out: mismatch, report: msg + "\n" + dumpRows("recq", got.rows) + dumpRows("SQLite", want.rows)}
	}
	return result{out: agree}
}

// exactCols is true for output columns compared exactly.
func (q genQuery) exactCols(n int) []bool {
	out := make([]bool, n)
	for i := range out {
		out[i] = i < len(q.exact) && q.exact[i]
	}
	return out
}

type rows struct {
	cols []string
	rows [][]val
}

func runRecq(eng *query.Engine, sql string) (rows, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := eng.Query(ctx, sql)
	if err != nil {
		return rows{}, err
	}
	return readRows(res)
}

// readRows reads and closes a result.
func readRows(res *query.Result) (rows, error) {
	defer res.Close()
	var out rows
	for _, f := range res.Schema().Fields() {
		out.cols = append(out.cols, f.Name)
	}
	for res.Next() {
		rec := res.Record()
		for r := 0; r < int(rec.NumRows()); r++ {
			row := make([]val, rec.NumCols())
			for c := range row {
				row[c] = arrowVal(rec.Column(c), r)
			}
			out.rows = append(out.rows, row)
		}
	}
	if err := res.Err(); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return rows{}, fmt.Errorf("recq did not finish in 60 s (a hang?): %w", err)
		}
		return rows{}, err
	}
	return out, nil
}

func runSQLite(db *sql.DB, q string) (rows, error) {
	rs, err := db.Query(q)
	if err != nil {
		return rows{}, err
	}
	defer rs.Close()
	var out rows
	out.cols, _ = rs.Columns()
	for rs.Next() {
		vals := make([]any, len(out.cols))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			return rows{}, err
		}
		row := make([]val, len(vals))
		for i, v := range vals {
			row[i] = sqliteVal(v)
		}
		out.rows = append(out.rows, row)
	}
	return out, rs.Err()
}

func dumpRows(who string, rs [][]val) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d rows\n", who, len(rs))
	for i, r := range rs {
		if i == 12 {
			fmt.Fprintf(&b, "  ...\n")
			break
		}
		fmt.Fprintf(&b, "  %s\n", rowString(r))
	}
	return b.String()
}

// runSet runs queries [0, n) of the set with the given seed over h and
// reports mismatches through report. It returns the counts by outcome.
func (h *harness) runSet(tb testing.TB, seed uint64, n int, only int, report func(i int, q job, msg string) bool) [4]int {
	var counts [4]int
	for i := range n {
		if only >= 0 && i != only {
			continue
		}
		q := h.queryAt(seed, i)
		if *verbose {
			fmt.Fprintf(os.Stderr, "query %d [%s]: %s\n  sqlite: %s\n", i, engineConfigs[q.cfg].name, q.r, q.s)
		}
		res := h.run(q)
		counts[res.out]++
		if res.out == mismatch && !report(i, q, res.report) {
			break
		}
	}
	return counts
}

func mismatchText(seed uint64, sz sizes, i int, q job, msg string) string {
	return fmt.Sprintf("MISMATCH seed=%d %s query=%d [%s]\nrecq:   %s\nSQLite: %s\n%s\nreproduce: go test ./query/difftest -run 'TestDifferential$' -seed=%d %s -queries=%d -query=%d",
		seed, sz, i, engineConfigs[q.cfg].name, q.r, q.s, msg, seed, sz, i+1, i)
}

// TestDifferential runs the fixed-seed set: 1,200 random queries over a
// 400-row table t and the side tables p (60 rows), q (25) and z (empty),
// each in recq (under one of several engine configurations) and in
// SQLite, with the answers compared.
func TestDifferential(t *testing.T) {
	if *soak > 0 {
		t.Skip("the soak runs in TestDifferentialSoak")
	}
	seed := uint64(fixedSeed)
	if *seedF != 0 {
		seed = *seedF
	}
	n := *queries
	if n == 0 {
		n = 1200
		if testing.Short() {
			n = 200
		}
	}
	sz := fixedSizes
	if *rowsF != 0 {
		sz.t = *rowsF
	}
	if *pRowsF >= 0 {
		sz.p = *pRowsF
	}
	if *qRowsF >= 0 {
		sz.q = *qRowsF
	}
	before := runtime.NumGoroutine()
	h := newHarness(t, t.TempDir(), seed, sz)
	if *adhocR != "" {
		q := job{genQuery: genQuery{r: *adhocR, s: *adhocS}, cfg: *cfgF}
		res := h.run(q)
		got, err := runRecq(h.engines[q.cfg], q.r)
		t.Logf("recq: %v\n%s", err, dumpRows("recq", got.rows))
		t.Logf("outcome %d\n%s", res.out, res.report)
		h.close(t)
		return
	}
	bad := 0
	start := time.Now()
	counts := h.runSet(t, seed, n, *onlyQ, func(i int, q job, msg string) bool {
		bad++
		t.Error(mismatchText(seed, sz, i, q, msg))
		return bad < 10
	})
	h.close(t)
	t.Logf("%d queries in %v: %d agree, %d both error, %d skipped (dialect), %d mismatches",
		n, time.Since(start).Round(time.Millisecond), counts[agree], counts[bothError], counts[skipped], counts[mismatch])
	if *onlyQ < 0 && counts[agree] < n*7/10 {
		t.Errorf("only %d of %d queries compared results; the generator produces too many errors", counts[agree], n)
	}
	checkGoroutines(t, before)
}

// TestDifferentialSoak runs random queries for -soak (e.g. -soak=30m) over
// tables of random sizes (0 to 3,000 rows), with a random seed that it
// prints, and prints each mismatch with how to reproduce it.
func TestDifferentialSoak(t *testing.T) {
	if *soak <= 0 {
		t.Skip("pass -soak=DURATION to run the soak")
	}
	seed := *seedF
	if seed == 0 {
		seed = rand.Uint64() % 1_000_000_000
	}
	fmt.Fprintf(os.Stderr, "difftest soak: seed %d for %v\n", seed, *soak)
	deadline := time.Now().Add(*soak)
	var total [4]int
	bad := 0
	for round := uint64(0); time.Now().Before(deadline); round++ {
		rs := seed + round*1_000_003
		r := rand.New(rand.NewPCG(rs, 2))
		sz := sizes{t: pick(r, 0, 1, 2, 17, 400, 1000, 3000, r.IntN(3000)),
			p: pick(r, 0, 1, 3, 60, 200, r.IntN(300)), q: pick(r, 0, 1, 25, 80)}
		dir := t.TempDir()
		h := newHarness(t, dir, rs, sz)
		h.maxJoin = *soakJoin
		counts := h.runSet(t, rs, 2000, -1, func(i int, q job, msg string) bool {
			bad++
			txt := mismatchText(rs, sz, i, q, msg)
			fmt.Fprintln(os.Stderr, txt)
			t.Error(txt)
			return time.Now().Before(deadline)
		})
		h.close(t)
		os.RemoveAll(dir)
		for i := range total {
			total[i] += counts[i]
		}
		fmt.Fprintf(os.Stderr, "difftest soak: round %d (seed %d, %s): %v; total %d queries, %d mismatches\n",
			round, rs, sz, counts, total[0]+total[1]+total[2]+total[3], total[mismatch])
	}
	t.Logf("soak seed %d: %d queries: %d agree, %d both error, %d skipped, %d mismatches",
		seed, total[0]+total[1]+total[2]+total[3], total[agree], total[bothError], total[skipped], total[mismatch])
}

// checkGoroutines fails if more goroutines run than before (after letting
// finished ones exit).
func checkGoroutines(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			n := runtime.Stack(buf, true)
			t.Fatalf("%d goroutines before, %d after:\n%s", before, runtime.NumGoroutine(), buf[:n])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestDifferentialConcurrent runs 100 generated queries at once on one
// engine (as goroutines; run it under -race) and checks each answer
// against SQLite's, computed beforehand.
func TestDifferentialConcurrent(t *testing.T) {
	if *soak > 0 || *adhocR != "" {
		t.Skip()
	}
	before := runtime.NumGoroutine()
	h := newHarness(t, t.TempDir(), fixedSeed+1, fixedSizes)
	const n = 100
	type item struct {
		q    job
		want rows
		werr error
	}
	items := make([]item, n)
	for i := range items {
		q := h.queryAt(fixedSeed+1, i)
		lite := q.s
		if q.limitNoOrder {
			lite = q.sLimitless
		}
		w, err := runSQLite(h.db, lite)
		items[i] = item{q: q, want: w, werr: err}
	}
	var wg sync.WaitGroup
	errs := make(chan string, n)
	for i := range items {
		wg.Add(1)
		go func() {
			defer wg.Done()
			it := items[i]
			got, gerr := runRecq(h.engines[i%len(h.engines)], it.q.r)
			switch {
			case gerr != nil && it.werr != nil:
			case gerr == nil && it.werr != nil && strings.Contains(it.werr.Error(), "integer overflow"):
			case gerr != nil || it.werr != nil:
				errs <- fmt.Sprintf("query %d: %s\nrecq error %v, SQLite error %v", i, it.q.r, gerr, it.werr)
			default:
				if msg := compare(it.q.genQuery, got.rows, it.want.rows, it.q.exactCols(len(got.cols))); msg != "" {
					errs <- fmt.Sprintf("query %d: %s\n%s", i, it.q.r, msg)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	h.close(t)
	checkGoroutines(t, before)
}
