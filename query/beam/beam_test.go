package recqbeam

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/ipc"
	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"
	"github.com/recq/recq/query"
	"github.com/recq/recq/storage"
	"github.com/recq/recq/storage/gen"
)

func TestMain(m *testing.M) {
	flag.Parse()
	// Prism logs every job's progress at INFO: keep warnings and errors.
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	beam.Init()
	os.Exit(m.Run())
}

// pipelineTimeout bounds each pipeline: Prism waits silently forever when
// its workers cannot reach it over loopback.
const pipelineTimeout = 4 * time.Minute

// fixture writes a data directory: parts, a table of four lineitem .rec
// files of rowsPerFile records in blocks of 500 (one split per block with
// SplitBytes 1), and small, a lineitem file of 300 records.
func fixture(t testing.TB, rowsPerFile int64) string {
	t.Helper()
	dir := t.TempDir()
	g, err := gen.Lookup("lineitem")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "parts"), 0o755); err != nil {
		t.Fatal(err)
	}
	opts := storage.WriterOptions{RecordsPerBlock: 500}
	for i := range 4 {
		if err := g.WriteWith(filepath.Join(dir, "parts", fmt.Sprintf("part-%d.rec", i)), rowsPerFile, uint64(i+1), opts); err != nil {
			t.Fatal(err)
		}
	}
	if err := g.WriteWith(filepath.Join(dir, "small.rec"), 300, 7, opts); err != nil {
		t.Fatal(err)
	}
	return dir
}

// runPipeline runs p on Prism within pipelineTimeout.
func runPipeline(t testing.TB, p *beam.Pipeline) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), pipelineTimeout)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := prism.Execute(ctx, p)
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("pipeline failed: %v", err)
		}
	case <-ctx.Done():
		t.Fatalf("Prism did not finish the pipeline within %v: is loopback networking up (Prism's workers connect to it over 127.0.0.1)?", pipelineTimeout)
	}
}

// beamRows runs sql on Prism, writes the result with WriteIPC and reads
// the file back.
func beamRows(t testing.TB, sql string, cfg Config) []string {
	t.Helper()
	p, s := beam.NewPipelineWithRoot()
	out := filepath.Join(t.TempDir(), "out.arrow")
	WriteIPC(s, Query(s, sql, cfg), out)
	runPipeline(t, p)
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := ipc.NewFileReader(f)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var rows []string
	for i := range r.NumRecords() {
		rec, err := r.Record(i)
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, formatRows(rec)...)
	}
	return rows
}

// localRows runs sql on one node.
func localRows(t testing.TB, dir, sql string) []string {
	t.Helper()
	eng, err := engine(dir)
	if err != nil {
		t.Fatal(err)
	}
	res, err := eng.Query(context.Background(), sql)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Close()
	var rows []string
	for res.Next() {
		rows = append(rows, formatRows(res.Record())...)
	}
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// formatRows renders rows as text, floats to 9 significant digits (sums
// of floats differ in the last bits with the order of addition).
func formatRows(rec arrow.Record) []string {
	out := make([]string, rec.NumRows())
	for i := range out {
		var b strings.Builder
		for c, col := range rec.Columns() {
			if c > 0 {
				b.WriteString(" | ")
			}
			switch {
			case col.IsNull(i):
				b.WriteString("NULL")
			case col.DataType().ID() == arrow.FLOAT64:
				b.WriteString(strconv.FormatFloat(col.(*array.Float64).Value(i), 'g', 9, 64))
			default:
				b.WriteString(col.ValueStr(i))
			}
		}
		out[i] = b.String()
	}
	return out
}

const q1 = `SELECT l_returnflag, l_linestatus, sum(l_quantity) AS sum_qty, sum(l_extendedprice) AS sum_base_price,
	sum(l_extendedprice * (1 - l_discount)) AS sum_disc_price,
	sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) AS sum_charge,
	avg(l_quantity) AS avg_qty, avg(l_extendedprice) AS avg_price, avg(l_discount) AS avg_disc, count(*) AS count_order
FROM parts WHERE l_shipdate <= DATE '1998-12-01' - INTERVAL '90' DAY
GROUP BY l_returnflag, l_linestatus ORDER BY l_returnflag, l_linestatus`

// TestQueryMatchesSingleNode runs queries on Prism, through the
// splittable read, the bucketed merge and the IPC sink, and compares them
// with the single-node answer on the same files.
func TestQueryMatchesSingleNode(t *testing.T) {
	dir := fixture(t, 5000)
	cfg := Config{DataDir: dir, SplitBytes: 1, Buckets: 4}
	for _, tc := range []struct {
		name    string
		sql     string
		ordered bool
	}{
		{"scan with filter", "SELECT l_orderkey, l_linenumber, l_quantity, l_shipmode FROM parts WHERE l_quantity > 45 AND l_shipmode = 'AIR'", false},
		{"Q1 over 4 files", q1, true},
		{"grouped, no ORDER BY", "SELECT l_shipmode, count(*), max(l_shipdate), sum(l_quantity) FROM parts GROUP BY l_shipmode", false},
		{"ORDER BY LIMIT", "SELECT l_orderkey, l_linenumber, l_extendedprice FROM parts ORDER BY l_extendedprice DESC, l_orderkey, l_linenumber LIMIT 7", true},
		{"broadcast join", "SELECT s.l_shipmode, count(*) AS n, sum(p.l_quantity) AS q FROM parts p JOIN small s ON p.l_orderkey = s.l_orderkey GROUP BY 1 ORDER BY 1", true},
		{"global aggregate of no rows", "SELECT count(*), sum(l_quantity) FROM parts WHERE l_quantity < 0", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := localRows(t, dir, tc.sql)
			got := beamRows(t, tc.sql, cfg)
			if !tc.ordered {
				slices.Sort(want)
				slices.Sort(got)
			}
			if len(want) == 0 {
				t.Fatalf("the single-node answer has no rows: the case tests nothing")
			}
			if !slices.Equal(got, want) {
				t.Errorf("Beam (%d rows) and single node (%d rows) differ\nbeam:   %.10q\nsingle: %.10q", len(got), len(want), got, want)
			}
		})
	}
}

// TestQueryRefusesWhatDoesNotDecompose: the error names the reason and is
// ErrNotDistributable, before any pipeline runs.
func TestQueryRefusesWhatDoesNotDecompose(t *testing.T) {
	dir := fixture(t, 100)
	for _, tc := range []struct{ sql, reason string }{
		{"SELECT count(DISTINCT l_orderkey) FROM parts", "DISTINCT"},
		{"SELECT l_orderkey, row_number() OVER (ORDER BY l_orderkey) FROM parts", "window"},
	} {
		_, s := beam.NewPipelineWithRoot()
		_, err := TryQuery(s, tc.sql, Config{DataDir: dir})
		if !errors.Is(err, query.ErrNotDistributable) || !strings.Contains(err.Error(), tc.reason) {
			t.Errorf("%s: got %v, want ErrNotDistributable mentioning %q", tc.sql, err, tc.reason)
		}
	}
	_, s := beam.NewPipelineWithRoot()
	if _, err := TryQuery(s, "SELECT 1 FROM parts", Config{}); err == nil || !strings.Contains(err.Error(), "DataDir") {
		t.Errorf("no data directory: got %v", err)
	}
}

// TestDynamicSplitting slows each split down and gives the read one
// initial restriction over all 40 splits, so Prism, seeing no progress,
// splits the running restriction: every split must still be read exactly
// once and the answer must not change.
func TestDynamicSplitting(t *testing.T) {
	dir := fixture(t, 5000)
	var mu sync.Mutex
	seen := map[int64]int{}
	beforeSplit = func(split int64) {
		mu.Lock()
		seen[split]++
		mu.Unlock()
		time.Sleep(150 * time.Millisecond)
	}
	restrictions.Store(0)
	defer func() { beforeSplit = nil }()
	sql := "SELECT count(*), sum(l_orderkey), sum(l_quantity), min(l_shipdate), max(l_comment) FROM parts"
	cfg := Config{DataDir: dir, SplitBytes: 1, SplitsPerRestriction: 1 << 30}
	got := beamRows(t, sql, cfg)
	want := localRows(t, dir, sql)
	if !slices.Equal(got, want) {
		t.Errorf("Beam %q, single node %q", got, want)
	}
	if len(seen) != 40 {
		t.Errorf("%d splits read, want 40", len(seen))
	}
	for sp, n := range seen {
		if n != 1 {
			t.Errorf("split %d read %d times", sp, n)
		}
	}
	if n := restrictions.Load(); n < 2 {
		t.Errorf("the runner did not split the restriction (%d ProcessElement calls): dynamic splitting untested", n)
	}
}

// TestReadToParquet reads a whole table with Read, writes it with
// WriteParquet, and reads the Parquet file back with recq: the rows are
// the table's.
func TestReadToParquet(t *testing.T) {
	dir := fixture(t, 100)
	out := filepath.Join(t.TempDir(), "small.parquet")
	p, s := beam.NewPipelineWithRoot()
	WriteParquet(s, Read(s, "small", Config{DataDir: dir, SplitBytes: 1}), out)
	runPipeline(t, p)
	want := localRows(t, dir, "SELECT * FROM small")
	got := localRows(t, dir, "SELECT * FROM read_parquet('"+out+"')")
	slices.Sort(want)
	slices.Sort(got)
	if len(want) != 300 || !slices.Equal(got, want) {
		t.Errorf("Parquet file has %d rows, the table %d (want 300); first rows:\nparquet: %.3q\ntable:   %.3q", len(got), len(want), got, want)
	}
	if tmps, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".*.tmp")); len(tmps) > 0 {
		t.Errorf("temporary files left behind: %v", tmps)
	}
}
