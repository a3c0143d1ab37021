package query

import (
	"context"

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
