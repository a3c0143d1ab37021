package query

import (
	"bytes"
	"context"
	"errors"

	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/ipc"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/storage"
)

// distRows is the number of records of the distributed-test tables.
const distRows = 3000

// distFixture writes the tables of the distributed tests into a new
// directory: dt.rec (blocks of 100 records), the same records as four
// files under parts/ (one of them empty), and a small dim.rec to join.
func distFixture(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	s, err := storage.NewSchema([]storage.Field{
		{Name: "id", Type: storage.TInt64, Offset: storage.Implicit},
		{Name: "g", Type: storage.TInt32, Offset: storage.Implicit},
		{Name: "h", Type: storage.TChar(4), Offset: storage.Implicit, Nullable: true},
		{Name: "i", Type: storage.TInt64, Offset: storage.Implicit, Nullable: true},
		{Name: "d", Type: storage.TDecimal(9, 2), Offset: storage.Implicit, Nullable: true},
		{Name: "f", Type: storage.TFloat64, Offset: storage.Implicit, Nullable: true},
		{Name: "dt", Type: storage.TDate, Offset: storage.Implicit, Nullable: true},
		{Name: "b", Type: storage.TBoolean, Offset: storage.Implicit, Nullable: true},
	}, storage.SchemaOptions{NullBitmap: storage.Implicit})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(42, 1))
	words := []string{"ant", "bee", "cat", "dog", "eel"}
	rows := make([][]any, distRows)
	for k := range rows {
		maybe := func(v any) any {
			if r.IntN(9) == 0 {
				return nil
			}
			return v
		}
		rows[k] = []any{int64(k), int64(r.IntN(7)), maybe(words[r.IntN(len(words))]), maybe(int64(r.IntN(20001) - 10000)),
			maybe(fmt.Sprintf("%d.%02d", r.IntN(2000)-1000, r.IntN(100))), maybe(float64(r.IntN(80001)-40000) / 8),
			maybe(time.Date(2020, time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)), maybe(r.IntN(2) == 0)}
	}
	write := func(path string, from, to int) {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		w, err := storage.Create(path, s, storage.WriterOptions{RecordsPerBlock: 100, ExpectedRecords: int64(to - from)})
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range rows[from:to] {
			if err := w.Append(row...); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(dir, "dt.rec"), 0, distRows)
	cuts := []int{0, 700, 700, 1999, distRows}
	for k := 0; k+1 < len(cuts); k++ {
		write(filepath.Join(dir, "parts", fmt.Sprintf("p%d.rec", k)), cuts[k], cuts[k+1])
	}
	ds, err := storage.NewSchema([]storage.Field{
		{Name: "g", Type: storage.TInt32, Offset: storage.Implicit},
		{Name: "label", Type: storage.TChar(8), Offset: storage.Implicit},
	}, storage.SchemaOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := storage.Create(filepath.Join(dir, "dim.rec"), ds, storage.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for g := 0; g < 6; g++ { // no label for g = 6
		if err := w.Append(int64(g), fmt.Sprintf("label%d", g)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// distEngine opens an engine over dir with a checked allocator that must
// be empty when the test ends, and checks for leaked goroutines.
func distEngine(t *testing.T, dir string, workers int) *Engine {
	t.Helper()
	checkGoroutines(t)
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	eng, err := Open(Options{DataDir: dir, Settings: Settings{Workers: workers, BatchSize: 256}, Allocator: mem})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		eng.Close()
		mem.AssertSize(t, 0)
	})
	return eng
}

// resultRows reads a result into rows of cells, and closes it.
func resultRows(t *testing.T, res *Result) [][]string {
	t.Helper()
	defer res.Close()
	var out [][]string
	for res.Next() {
		rec := res.Record()
		for i := 0; i < int(rec.NumRows()); i++ {
			row := make([]string, rec.NumCols())
			for j, c := range rec.Columns() {
				row[j] = cellText(c, i)
			}
			out = append(out, row)
		}
	}
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func cellText(c arrow.Array, i int) string {
	if c.IsNull(i) {
		return "NULL"
	}
	if f, ok := c.(*array.Float64); ok {
		return "f:" + strconv.FormatFloat(f.Value(i), 'g', -1, 64)
	}
	return strings.Clone(c.ValueStr(i)) // Value aliases the batch's buffer
}

// runDistributed runs every split's leaf, then the merge.
func runDistributed(t *testing.T, p *DistributedPlan, splits []Split) [][]string {
	t.Helper()
	ctx := context.Background()
	var leaves []array.RecordReader
	for _, sp := range splits {
		res, err := p.Leaf(ctx, sp)
		if err != nil {
			for _, l := range leaves {
				l.Release()
			}
			t.Fatalf("leaf %s: %v", sp, err)
		}
		leaves = append(leaves, res)
	}
	res, err := p.Merge(ctx, leaves)
	if err != nil {
		t.Fatalf("merge: %v", err)
	}
	return resultRows(t, res)
}

// runStaged runs the leaves, partitions their batches into buckets by
// group, merges each bucket on its own (MergeGroups) and finishes over
// all the buckets' rows, as a parallel runner does.
func runStaged(t *testing.T, p *DistributedPlan, splits []Split, want int) [][]string {
	t.Helper()
	ctx := context.Background()
	n := p.Buckets(want)
	buckets := make([][]arrow.Record, n)
	defer func() {
		for _, b := range buckets {
			for _, r := range b {
				r.Release()
			}
		}
	}()
	for _, sp := range splits {
		res, err := p.Leaf(ctx, sp)
		if err != nil {
			t.Fatalf("leaf %s: %v", sp, err)
		}
		for res.Next() {
			parts, err := p.Partition(res.Record(), n)
			if err != nil {
				t.Fatal(err)
			}
			for b, part := range parts {
				if part != nil {
					buckets[b] = append(buckets[b], part)
				}
			}
		}
		err = res.Err()
		res.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	var groups []array.RecordReader
	var rows [][]string
	for b := range buckets {
		schema := p.LeafSchema()
		if len(buckets[b]) > 0 {
			schema = buckets[b][0].Schema()
		}
		rdr, err := array.NewRecordReader(schema, buckets[b])
		if err != nil {
			t.Fatal(err)
		}
		res, err := p.MergeGroups(ctx, []array.RecordReader{rdr})
		if err != nil {
			t.Fatal(err)
		}
		if p.NeedsFinish() {
			groups = append(groups, res)
		} else {
			rows = append(rows, resultRows(t, res)...)
		}
	}
	if !p.NeedsFinish() {
		return rows
	}
	res, err := p.Finish(ctx, groups)
	if err != nil {
		t.Fatal(err)
	}
	return resultRows(t, res)
}

// sameRows compares results cell by cell, floats within a relative 1e-9.
func sameRows(got, want [][]string) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d rows, want %d", len(got), len(want))
	}
	for i := range got {
		if len(got[i]) != len(want[i]) {
			return fmt.Errorf("row %d: %d columns, want %d", i, len(got[i]), len(want[i]))
		}
		for j := range got[i] {
			g, w := got[i][j], want[i][j]
			if g == w {
				continue
			}
			if strings.HasPrefix(g, "f:") && strings.HasPrefix(w, "f:") {
				a, _ := strconv.ParseFloat(g[2:], 64)
				b, _ := strconv.ParseFloat(w[2:], 64)
				if math.Abs(a-b) <= 1e-9*math.Max(1, math.Max(math.Abs(a), math.Abs(b))) {
					continue
				}
			}
			return fmt.Errorf("row %d column %d: %s, want %s (row %v, want %v)", i, j+1, g, w, got[i], want[i])
		}
	}
	return nil
}

func sortRows(rows [][]string) {
	slices.SortFunc(rows, func(a, b []string) int { return strings.Compare(strings.Join(a, "\x00"), strings.Join(b, "\x00")) })
}

// singleNode runs sql on one node.
func singleNode(t *testing.T, eng *Engine, sql string) [][]string {
	t.Helper()
	res, err := eng.Query(context.Background(), sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return resultRows(t, res)
}

func TestDistributedExamples(t *testing.T) {
	dir := distFixture(t)
	eng := distEngine(t, dir, 2)
	ctx := context.Background()
	for _, tc := range []struct {
		sql     string
		ordered bool // compare in order
	}{
		{"SELECT g, count(*), sum(i), avg(d), min(h), max(f) FROM dt GROUP BY g ORDER BY g", true},
		{"SELECT count(*), sum(i), avg(f), var_samp(f), stddev_pop(i), bool_or(b), count_if(b) FROM dt WHERE id >= 1234 AND id < 2222", true},
		{"SELECT g, h, sum(d) AS s FROM parts WHERE dt >= DATE '2020-06-01' GROUP BY g, h HAVING count(*) > 20 ORDER BY s DESC, g, h LIMIT 7", true},
		{"SELECT id, h, f FROM dt WHERE i > 9000", true},
		{"SELECT id, i FROM parts WHERE g = 3 ORDER BY i DESC NULLS LAST, id LIMIT 9 OFFSET 3", true},
		{"SELECT id FROM dt LIMIT 5 OFFSET 2", true},
		{"SELECT DISTINCT g, b FROM parts", false},
		{"SELECT label, count(*), sum(i) FROM dt JOIN dim USING (g) GROUP BY label ORDER BY label", true},
		{"SELECT dt.id, label FROM dt LEFT JOIN dim ON dt.g = dim.g WHERE dt.id < 40", false},
		{"SELECT count(*) FROM dt WHERE id > 100000", true},
		{"SELECT max(id), sum(i) FILTER (WHERE g > 2) FROM parts WHERE id BETWEEN 650 AND 2100", true},
		{"SELECT g, sum(i) FROM dt WHERE g IN (SELECT g FROM dim WHERE label > 'label2') GROUP BY g ORDER BY 1", true},
		{"SELECT g, sum(i) FROM dt WHERE i > (SELECT count(*) FROM dim) * 1000 GROUP BY g ORDER BY 1", true},
		{"SELECT g, (SELECT max(label) FROM dim WHERE dim.g = dt.g) AS l, count(*) FROM dt GROUP BY 1, 2 ORDER BY 1", true},
		{"SELECT _rowid, id FROM parts WHERE id % 97 = 0 AND _rowid > 1000", true},
		{"SELECT count(*), sum(i) FROM dt WHERE NOT EXISTS (SELECT 1 FROM dim WHERE dim.g = dt.g)", true},
	} {
		t.Run(tc.sql, func(t *testing.T) {
			want := singleNode(t, eng, tc.sql)
			p, err := eng.PlanDistributed(ctx, tc.sql, DistributeOptions{SplitBytes: 4000})
			if err != nil {
				t.Fatal(err)
			}
			splits, err := p.Splits(ctx)
			if err != nil {
				t.Fatal(err)
			}
			got := runDistributed(t, p, splits)
			if !tc.ordered {
				sortRows(got)
				sortRows(want)
			}
			if err := sameRows(got, want); err != nil {
				t.Errorf("%d splits: %v\n%s", len(splits), err, p.Explain())
			}
		})
	}
}

// splitLine renders a split for comparisons.
func splitLine(s Split) string {
	return fmt.Sprintf("%d:%s@%d:%v:%s", s.File, s.Path, s.Base, s.Ranges, s.Align)
}

func TestSplits(t *testing.T) {
	dir := distFixture(t)
	// a text file of full lines (fixed stride) and one of short lines
	// padded through a line index
	var full, short strings.Builder
	for k := 0; k < 1000; k++ {
		fmt.Fprintf(&full, "%4d %-6s\n", k, strings.Repeat("x", k%7))
		fmt.Fprintf(&short, "%4d %s\n", k, strings.Repeat("y", k%7))
	}
	for name, body := range map[string]string{"full.txt": full.String(), "short.txt": short.String()} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ddl := "CREATE TABLE x (k INT32 POSITION(1:4), s CHAR(6) POSITION(6:11) NULLIF '') WITH (format = 'text'%s);"
	if err := os.WriteFile(filepath.Join(dir, "full.txt.schema"), []byte(fmt.Sprintf(ddl, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "short.txt.schema"), []byte(fmt.Sprintf(ddl, ", pad_short_lines = true")), 0o644); err != nil {
		t.Fatal(err)
	}
	eng := distEngine(t, dir, 2)
	ctx := context.Background()
	tbl, err := eng.Table("dt")
	if err != nil {
		t.Fatal(err)
	}
	stride := int64(tbl.Layout.Stride)
	for _, tc := range []struct {
		name, sql string
		bytes     int64
		want      []string // all splits, or the first and the last
		count     int
	}{
		{"one block each", "SELECT * FROM dt", 1, []string{"0:dt.rec@0:[{0 100}]:block", "0:dt.rec@0:[{2900 3000}]:block"}, 30},
		{"three blocks each", "SELECT * FROM dt", 250 * stride, []string{"0:dt.rec@0:[{0 300}]:block", "0:dt.rec@0:[{2700 3000}]:block"}, 10},
		{"pruned by block min/max", "SELECT count(*) FROM dt WHERE id >= 1234 AND id < 2222", 1,
			[]string{"0:dt.rec@0:[{1200 1300}]:block", "0:dt.rec@0:[{2200 2300}]:block"}, 11},
		{"pruned blocks are gaps in a split", "SELECT count(*), sum(i) FROM dt WHERE id IN (5, 120, 2990)", 1 << 30,
			[]string{"0:dt.rec@0:[{0 200} {2900 3000}]:block"}, 1},
		{"all pruned", "SELECT count(*) FROM dt WHERE id > 100000", 1, nil, 0},
		{"_rowid ranges", "SELECT id FROM dt WHERE _rowid BETWEEN 250 AND 420", 1,
			[]string{"0:dt.rec@0:[{250 300}]:block", "0:dt.rec@0:[{400 421}]:block"}, 3},
		{"files", "SELECT * FROM parts", 1 << 30,
			[]string{"0:p0.rec@0:[{0 700}]:block", "2:p2.rec@700:[{0 1299}]:block", "3:p3.rec@1999:[{0 1001}]:block"}, 3},
		{"files pruned by min/max", "SELECT * FROM parts WHERE id >= 1950 AND id < 2050", 1,
			[]string{"2:p2.rec@700:[{1200 1299}]:block", "3:p3.rec@1999:[{0 100}]:block"}, 2},
		{"fixed-stride text", "SELECT * FROM \"full\"", 3000, []string{"0:full.txt@0:[{0 250}]:chunk", "0:full.txt@0:[{750 1000}]:chunk"}, 4},
		{"padded text", "SELECT * FROM short", 3000, []string{"0:short.txt@0:[{0 250}]:index", "0:short.txt@0:[{750 1000}]:index"}, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := eng.PlanDistributed(ctx, tc.sql, DistributeOptions{SplitBytes: tc.bytes})
			if err != nil {
				t.Fatal(err)
			}
			splits, err := p.Splits(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range splits {
				got = append(got, splitLine(s))
			}
			if len(splits) != tc.count {
				t.Fatalf("%d splits, want %d: %v", len(splits), tc.count, got)
			}
			if len(tc.want) == len(got) || len(got) < 2 {
				if strings.Join(got, " ") != strings.Join(tc.want, " ") {
					t.Errorf("splits %v, want %v", got, tc.want)
				}
			} else if got[0] != tc.want[0] || got[len(got)-1] != tc.want[1] {
				t.Errorf("splits %v, want first %s and last %s", got, tc.want[0], tc.want[1])
			}
			// the splits cover what the scan reads, so the merge is the answer
			want := singleNode(t, eng, tc.sql)
			if err := sameRows(runDistributed(t, p, splits), want); err != nil {
				t.Error(err)
			}
		})
	}
	// Engine.Splits is the splits of a whole table
	splits, err := eng.Splits(ctx, "parts", DistributeOptions{SplitBytes: 1})
	if err != nil {
		t.Fatal(err)
	}
	var rows int64
	for _, s := range splits {
		rows += s.Rows()
	}
	if len(splits) != 7+13+11 || rows != distRows {
		t.Errorf("Engine.Splits(parts): %d splits of %d rows", len(splits), rows)
	}
}

func TestDistributedRefusals(t *testing.T) {
	dir := distFixture(t)
	eng := distEngine(t, dir, 2)
	ctx := context.Background()
	for _, tc := range []struct {
		sql, want string
		notKind   bool // an error, but not ErrNotDistributable
	}{
		{"SELECT count(DISTINCT h) FROM dt", "count(DISTINCT ...) does not decompose", false},
		{"SELECT g, median(i) FROM dt GROUP BY g", "median does not decompose", false},
		{"SELECT string_agg(h, ',') FROM parts", "string_agg does not decompose", false},
		{"SELECT id, row_number() OVER (ORDER BY id) FROM dt", "window functions (OVER)", false},
		{"SELECT count(*) FROM dt a JOIN parts b ON a.id = b.id", "a join of large tables", false},
		{"SELECT * FROM dt FULL JOIN dim USING (g)", "a FULL join", false},
		{"SELECT g FROM dt UNION SELECT g FROM parts", "UNION combines whole inputs", false},
		{"SELECT 1", "reads no table", false},
		{"SELECT * FROM dt USING SAMPLE 10%", "USING SAMPLE on dt", false},
		{"SELECT count(*) FROM (SELECT g FROM dt ORDER BY id LIMIT 10) s", "ORDER BY or LIMIT inside", false},
		{"SELECT id FROM dt WHERE id = ?", "cannot have ? parameters", true},
		{"SHOW TABLES", "only queries", true},
	} {
		t.Run(tc.sql, func(t *testing.T) {
			_, err := eng.PlanDistributed(ctx, tc.sql, DistributeOptions{BroadcastLimit: 10000})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if errors.Is(err, ErrNotDistributable) == tc.notKind {
				t.Errorf("errors.Is(ErrNotDistributable) = %v for %v", !tc.notKind, err)
			}
		})
	}
}

// ipcRoundTrip writes a leaf's result as an Arrow IPC stream and returns
// a reader of it, as a remote leaf's output would arrive.
func ipcRoundTrip(t *testing.T, res *Result, mem memory.Allocator) array.RecordReader {
	t.Helper()
	defer res.Close()
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(res.Schema()), ipc.WithAllocator(mem))
	for res.Next() {
		if err := w.Write(res.Record()); err != nil {
			t.Fatal(err)
		}
	}
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := ipc.NewReader(&buf, ipc.WithAllocator(mem))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestDistributedRemote plays coordinator and worker with two engines: the
// plan and the splits travel encoded, the leaves' batches as Arrow IPC.
func TestDistributedRemote(t *testing.T) {
	dir := distFixture(t)
	coord := distEngine(t, dir, 2)
	worker := distEngine(t, dir, 1)
	if err := worker.Session().Set("batch_size", "100"); err != nil { // overridden by the plan's
		t.Fatal(err)
	}
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	for _, sql := range []string{
		"SELECT g, count(*), avg(i), max(h), var_pop(f) FROM parts WHERE id > 333 GROUP BY g HAVING count(*) > 5 ORDER BY g",
		"SELECT id, d FROM dt WHERE g = 2 ORDER BY d DESC NULLS LAST, id LIMIT 10",
	} {
		p, err := coord.PlanDistributed(ctx, sql, DistributeOptions{SplitBytes: 5000})
		if err != nil {
			t.Fatal(err)
		}
		enc, err := p.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		wp, err := worker.LoadDistributed(ctx, enc)
		if err != nil {
			t.Fatal(err)
		}
		if wp.Fingerprint() != p.Fingerprint() || wp.settings.BatchSize != p.settings.BatchSize {
			t.Errorf("worker plan %s (batch size %d), coordinator's %s (%d)", wp.Fingerprint(), wp.settings.BatchSize, p.Fingerprint(), p.settings.BatchSize)
		}
		splits, err := p.Splits(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var leaves []array.RecordReader
		for _, sp := range splits {
			b, err := sp.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseSplit(b)
			if err != nil {
				t.Fatal(err)
			}
			res, err := wp.Leaf(ctx, got)
			if err != nil {
				t.Fatal(err)
			}
			leaves = append(leaves, ipcRoundTrip(t, res, mem))
		}
		res, err := p.Merge(ctx, leaves)
		if err != nil {
			t.Fatal(err)
		}
		if err := sameRows(resultRows(t, res), singleNode(t, coord, sql)); err != nil {
			t.Errorf("%s: %v", sql, err)
		}
	}
}

func TestDistributedErrors(t *testing.T) {
	dir := distFixture(t)
	eng := distEngine(t, dir, 2)
	ctx := context.Background()
	agg, err := eng.PlanDistributed(ctx, "SELECT g, sum(i) FROM parts GROUP BY g", DistributeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	splits, err := agg.Splits(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sp := splits[1]
	enc, err := agg.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	bad := func(f func(*Split)) Split {
		c := sp
		c.Ranges = slices.Clone(sp.Ranges)
		f(&c)
		return c
	}
	for _, tc := range []struct {
		name string
		run  func() error
		want string
	}{
		{"changed file", func() error { _, err := agg.Leaf(ctx, bad(func(s *Split) { s.Records++ })); return err }, "records here"},
		{"other table", func() error { _, err := agg.Leaf(ctx, bad(func(s *Split) { s.Table = "dt.rec" })); return err }, "the plan splits parts"},
		{"other base", func() error {
			plain, err := eng.PlanDistributed(ctx, "SELECT _rowid FROM parts", DistributeOptions{})
			if err != nil {
				return err
			}
			_, err = plain.Leaf(ctx, bad(func(s *Split) { s.Base = 5 }))
			return err
		}, "starts at row 700 here, 5 when"},
		{"other file", func() error { _, err := agg.Leaf(ctx, bad(func(s *Split) { s.Path = "p9.rec" })); return err }, "file 2 is p2.rec here"},
		{"no such file", func() error { _, err := agg.Leaf(ctx, bad(func(s *Split) { s.File = 9 })); return err }, "file 9 of a table of 4 files"},
		{"range past the end", func() error {
			_, err := ParseSplit([]byte(`{"v":1,"table":"parts","file":2,"path":"p2.rec","records":10,"ranges":[{"start":5,"end":11}]}`))
			return err
		}, "past the file's 10 records"},
		{"split version", func() error { _, err := ParseSplit([]byte(`{"v":7}`)); return err }, "split encoding version 7"},
		{"plan fingerprint", func() error {
			_, err := eng.LoadDistributed(ctx, bytes.Replace(enc, []byte(agg.Fingerprint()), []byte("0123"), 1))
			return err
		}, "fingerprint 0123"},
		{"plan version", func() error {
			_, err := eng.LoadDistributed(ctx, bytes.Replace(enc, []byte(`"v":1`), []byte(`"v":2`), 1))
			return err
		}, "encoding version 2"},
		{"rows for states", func() error {
			plain, err := eng.PlanDistributed(ctx, "SELECT g, i FROM parts", DistributeOptions{})
			if err != nil {
				return err
			}
			res, err := plain.Leaf(ctx, sp)
			if err != nil {
				return err
			}
			res2, err := agg.Merge(ctx, []array.RecordReader{res})
			if res2 != nil {
				res2.Close()
			}
			return err
		}, "not a partial aggregation state"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.run(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
	// results closed early release everything (checked by distEngine)
	res, err := agg.Leaf(ctx, sp)
	if err != nil {
		t.Fatal(err)
	}
	m, err := agg.Merge(ctx, []array.RecordReader{res})
	if err != nil {
		t.Fatal(err)
	}
	m.Close()
	res, err = agg.Leaf(ctx, sp)
	if err != nil {
		t.Fatal(err)
	}
	res.Close()
	// a cancelled context stops a leaf
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if res, err = agg.Leaf(cctx, sp); err == nil {
		for res.Next() {
		}
		err = res.Err()
		res.Close()
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled leaf: %v", err)
	}
}

// TestDistributedHivePartitions: files that partition conditions rule out
// get no splits, and _rowid still counts their records.
func TestDistributedHivePartitions(t *testing.T) {
	dir := multiFixture(t)
	eng := distEngine(t, dir, 2)
	ctx := context.Background()
	for _, sql := range []string{
		"SELECT region, count(*), min(id), max(name) FROM parts WHERE region = 'west' GROUP BY region",
		"SELECT _rowid, id, region, filename FROM parts WHERE region = 'west' AND id % 3 = 0",
		"SELECT id, grp FROM parts WHERE region <> 'east' ORDER BY id DESC LIMIT 4",
	} {
		p, err := eng.PlanDistributed(ctx, sql, DistributeOptions{SplitBytes: 1})
		if err != nil {
			t.Fatal(err)
		}
		splits, err := p.Splits(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range splits {
			if !strings.HasPrefix(s.Path, "region=west/") {
				t.Errorf("%s: split of a pruned file: %s", sql, s)
			}
		}
		if err := sameRows(runDistributed(t, p, splits), singleNode(t, eng, sql)); err != nil {
			t.Errorf("%s: %v", sql, err)
		}
	}
}

// TestDistributedConcurrentLeaves runs all the leaves of a plan at once
// (run it with -race).
func TestDistributedConcurrentLeaves(t *testing.T) {
	dir := distFixture(t)
	eng := distEngine(t, dir, 2)
	ctx := context.Background()
	sql := "SELECT h, count(*), sum(d), stddev_samp(f) FROM parts WHERE id > 100 GROUP BY h ORDER BY h"
	p, err := eng.PlanDistributed(ctx, sql, DistributeOptions{SplitBytes: 1})
	if err != nil {
		t.Fatal(err)
	}
	splits, err := p.Splits(ctx)
	if err != nil {
		t.Fatal(err)
	}
	leaves := make([]array.RecordReader, len(splits))
	errs := make(chan error, len(splits))
	for k, sp := range splits {
		go func() {
			res, err := p.Leaf(ctx, sp)
			if err != nil {
				errs <- err
				return
			}
			// read it all here, as a remote worker would before sending
			var recs []arrow.Record
			for res.Next() {
				rec := res.Record()
				rec.Retain()
				recs = append(recs, rec)
			}
			err = res.Err()
			schema := res.Schema()
			res.Close()
			if err == nil {
				leaves[k], err = array.NewRecordReader(schema, recs)
			}
			for _, r := range recs {
				r.Release()
			}
			errs <- err
		}()
	}
	for range splits {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	res, err := p.Merge(ctx, leaves)
	if err != nil {
		t.Fatal(err)
	}
	if err := sameRows(resultRows(t, res), singleNode(t, eng, sql)); err != nil {
		t.Error(err)
	}
}
