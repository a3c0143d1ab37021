package scan

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/storage"
	"github.com/recq/recq/storage/gen"
)

// fixtures are generated once per test binary.
var (
	fixtureOnce sync.Once
	fixtureDir  string
	fixtureErr  error
)

const fixtureRows = 12000

func fixtures(t testing.TB) string {
	t.Helper()
	fixtureOnce.Do(func() {
		fixtureDir, fixtureErr = os.MkdirTemp("", "recq-scan-test-")
		if fixtureErr != nil {
			return
		}
		for _, name := range []string{"lineitem", "sensors"} {
			g, _ := gen.Lookup(name)
			if fixtureErr = g.WriteWith(filepath.Join(fixtureDir, name+".rec"), fixtureRows, 3, storage.WriterOptions{RecordsPerBlock: 1000}); fixtureErr != nil {
				return
			}
			if fixtureErr = g.WriteText(filepath.Join(fixtureDir, name+".txt"), fixtureRows, 3); fixtureErr != nil {
				return
			}
		}
	})
	if fixtureErr != nil {
		t.Fatal(fixtureErr)
	}
	return fixtureDir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fixtureDir != "" {
		os.RemoveAll(fixtureDir)
	}
	os.Exit(code)
}

func openRec(t testing.TB, name string) *storage.Table {
	t.Helper()
	tab, err := storage.Open(filepath.Join(fixtures(t), name+".rec"), storage.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func openText(t testing.TB, name string) *storage.Table {
	t.Helper()
	g, _ := gen.Lookup(name)
	tab, err := storage.OpenRaw(filepath.Join(fixtures(t), name+".txt"), g.TextSchema(), storage.RawOptions{Text: true})
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// checkGoroutines fails the test if goroutines started during it are still
// running shortly after it ends.
func checkGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(2 * time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before {
			buf := make([]byte, 1<<16)
			t.Errorf("goroutine leak: %d before, %d after\n%s", before, n, buf[:runtime.Stack(buf, true)])
		}
	})
}

// collect runs every partition of s concurrently and returns the rows
// rendered as strings, sorted (the _rowid column, when present, makes the
// order meaningful).
func collect(t testing.TB, s *Scan) ([]string, error) {
	t.Helper()
	var mu sync.Mutex
	var rows []string
	var firstErr error
	var wg sync.WaitGroup
	for p := 0; p < s.Partitions(); p++ {
		st, err := s.Execute(context.Background(), p)
		if err != nil {
			return nil, err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer st.Close()
			var local []string
			for st.Next() {
				local = append(local, render(st.Record())...)
			}
			mu.Lock()
			defer mu.Unlock()
			rows = append(rows, local...)
			if err := st.Err(); err != nil && firstErr == nil {
				firstErr = err
			}
		}()
	}
	wg.Wait()
	slices.Sort(rows)
	return rows, firstErr
}

// render turns a batch into one string per row, the _rowid (zero-padded)
// first so rows sort in file order.
func render(rec arrow.Record) []string {
	out := make([]string, rec.NumRows())
	ridCol := -1
	for i, f := range rec.Schema().Fields() {
		if f.Name == "_rowid" {
			ridCol = i
		}
	}
	for r := range out {
		var b strings.Builder
		if ridCol >= 0 {
			fmt.Fprintf(&b, "%09d|", rec.Column(ridCol).(*array.Int64).Value(r))
		}
		for c := 0; c < int(rec.NumCols()); c++ {
			if c == ridCol {
				continue
			}
			col := rec.Column(c)
			if col.IsNull(r) {
				b.WriteString("NULL|")
				continue
			}
			writeValue(&b, col, r)
			b.WriteByte('|')
		}
		out[r] = b.String()
	}
	return out
}

// writeValue renders one value cheaply (ValueStr formats decimals through
// math/big, which dominates a test that renders millions of values).
func writeValue(b *strings.Builder, col arrow.Array, r int) {
	switch a := col.(type) {
	case *array.Int64:
		b.WriteString(strconv.FormatInt(a.Value(r), 10))
	case *array.Int32:
		b.WriteString(strconv.FormatInt(int64(a.Value(r)), 10))
	case *array.Uint64:
		b.WriteString(strconv.FormatUint(a.Value(r), 10))
	case *array.Decimal128:
		scale := int(a.DataType().(*arrow.Decimal128Type).Scale)
		b.Write(storage.AppendDecimal(nil, int64(a.Value(r).LowBits()), scale))
	case *array.String:
		b.WriteString(a.Value(r))
	case *array.Date32:
		b.WriteString(storage.DateValue(a.Value(r)).String())
	case *array.Timestamp:
		b.WriteString(storage.TimestampValue(a.Value(r)).String())
	default:
		b.WriteString(col.ValueStr(r))
	}
}

func allColumns(tab *storage.Table) []int {
	cols := make([]int, tab.Schema.NumFields())
	for i := range cols {
		cols[i] = i
	}
	return cols
}

// TestMetamorphic: the same scan under every worker count, batch size,
// chunk size and strategy gives identical data, with no leaked buffers or
// goroutines.
func TestMetamorphic(t *testing.T) {
	checkGoroutines(t)
	for _, open := range []func(testing.TB, string) *storage.Table{openRec, openText} {
		for _, name := range []string{"lineitem", "sensors"} {
			tab := open(t, name)
			filter := []Predicate{{Field: 1, Op: OpGt, Values: []any{int64(5)}}}
			var want []string
			// Every strategy x worker count x batch size; chunk sizes rotate
			// through the combinations (the full cross product adds time,
			// not coverage).
			chunks := []int{4096, 100000, 0}
			workerCounts, batchSizes := []int{1, 2, 3, 8}, []int{1, 7, 1024, 65536}
			if testing.Short() { // the race detector makes the full set slow
				workerCounts, batchSizes = []int{1, 3}, []int{7, 65536}
			}
			run := 0
			for _, strategy := range []storage.Strategy{storage.Mmap, storage.Direct, storage.Buffered} {
				for _, workers := range workerCounts {
					for _, batch := range batchSizes {
						if batch == 1 && (workers != 3 || strategy != storage.Buffered) {
							continue // batch size 1 is slow; one configuration is enough
						}
						chunk := chunks[run%len(chunks)]
						run++
						mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
						s, err := New(Spec{Table: tab, Strategy: strategy, Columns: allColumns(tab), RowID: true, Filter: filter,
							Workers: workers, BatchSize: batch, ChunkBytes: chunk, Allocator: mem})
						if err != nil {
							t.Fatal(err)
						}
						got, err := collect(t, s)
						if err != nil {
							t.Fatalf("%s %s: %v", tab.Path, strategy, err)
						}
						mem.AssertSize(t, 0)
						if want == nil {
							want = got
							if len(want) == 0 || len(want) == fixtureRows {
								t.Fatalf("%s: filter selected %d of %d rows; the test needs a partial selection", tab.Path, len(want), fixtureRows)
							}
							continue
						}
						if !slices.Equal(got, want) {
							t.Fatalf("%s strategy=%s workers=%d batch=%d chunk=%d: %d rows differ from the first configuration's %d",
								tab.Path, strategy, workers, batch, chunk, len(got), len(want))
						}
					}
				}
			}
		}
	}
}

// TestRecAndTextAgree: the .rec file and the text file of the same data
// decode to the same values (floats aside, whose text form is rounded).
func TestRecAndTextAgree(t *testing.T) {
	for _, name := range []string{"lineitem", "sensors"} {
		a, b := openRec(t, name), openText(t, name)
		var cols []int
		for i, f := range a.Schema.Fields {
			if !f.Type.IsFloat() {
				cols = append(cols, i)
			}
		}
		sa, _ := New(Spec{Table: a, Columns: cols, RowID: true})
		sb, _ := New(Spec{Table: b, Columns: cols, RowID: true})
		ra, err := collect(t, sa)
		if err != nil {
			t.Fatal(err)
		}
		rb, err := collect(t, sb)
		if err != nil {
			t.Fatal(err)
		}
		if len(ra) != fixtureRows || !slices.Equal(ra, rb) {
			for i := range ra {
				if i < len(rb) && ra[i] != rb[i] {
					t.Fatalf("%s row %d:\nrec  %s\ntext %s", name, i, ra[i], rb[i])
				}
			}
			t.Fatalf("%s: %d vs %d rows", name, len(ra), len(rb))
		}
	}
}

// reference evaluates predicates the slow way, through storage's decoder,
// and returns the matching record numbers.
func reference(t *testing.T, tab *storage.Table, match func(vals []any) bool) []int64 {
	f, err := os.Open(tab.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []int64
	vals := make([]any, tab.Schema.NumFields())
	for i := int64(0); i < tab.Layout.Count; i++ {
		rec, err := tab.Record(f, i)
		if err != nil {
			t.Fatal(err)
		}
		for k := range vals {
			if vals[k], err = tab.Schema.DecodeField(rec, k); err != nil {
				t.Fatal(err)
			}
		}
		if match(vals) {
			out = append(out, i)
		}
	}
	return out
}

func rowIDs(t *testing.T, s *Scan) []int64 {
	t.Helper()
	rows, err := collect(t, s)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		fmt.Sscanf(r, "%d|", &ids[i])
	}
	return ids
}

func TestPredicatesEveryType(t *testing.T) {
	d := func(y, m, dd int) storage.DateValue { return storage.DateValue(storage.DaysFromCivil(y, m, dd)) }
	type tc struct {
		table string
		pred  Predicate
		match func(v []any) bool
	}
	num := func(v any) float64 {
		switch x := v.(type) {
		case int64:
			return float64(x)
		case uint64:
			return float64(x)
		case float64:
			return x
		case storage.DecimalValue:
			return float64(x.Unscaled) / float64(pow10(x.Scale))
		}
		return 0
	}
	cases := []tc{
		{"lineitem", Predicate{Field: 4, Op: OpLt, Values: []any{int64(24)}}, func(v []any) bool { return num(v[4]) < 24 }},
		{"lineitem", Predicate{Field: 4, Op: OpLt, Values: []any{24.5}}, func(v []any) bool { return num(v[4]) < 24.5 }},
		{"lineitem", Predicate{Field: 4, Op: OpEq, Values: []any{24.5}}, func(v []any) bool { return false }},
		{"lineitem", Predicate{Field: 6, Op: OpBetween, Values: []any{storage.DecimalValue{Unscaled: 5, Scale: 2}, storage.DecimalValue{Unscaled: 7, Scale: 2}}},
			func(v []any) bool { x := v[6].(storage.DecimalValue).Unscaled; return x >= 5 && x <= 7 }},
		{"lineitem", Predicate{Field: 6, Op: OpBetween, Values: []any{storage.DecimalValue{Unscaled: 5, Scale: 2}, storage.DecimalValue{Unscaled: 7, Scale: 2}}},
			func(v []any) bool { x := v[6].(storage.DecimalValue).Unscaled; return x >= 5 && x <= 7 }},
		{"lineitem", Predicate{Field: 10, Op: OpGe, Values: []any{d(1995, 1, 1)}}, func(v []any) bool { return v[10].(storage.DateValue) >= d(1995, 1, 1) }},
		{"lineitem", Predicate{Field: 8, Op: OpEq, Values: []any{"R"}}, func(v []any) bool { return v[8] == "R" }},
		{"lineitem", Predicate{Field: 8, Op: OpIn, Values: []any{"R", "A"}}, func(v []any) bool { return v[8] == "R" || v[8] == "A" }},
		{"lineitem", Predicate{Field: 14, Op: OpPrefix, Values: []any{"RE"}}, func(v []any) bool { return strings.HasPrefix(v[14].(string), "RE") }},
		{"lineitem", Predicate{Field: 13, Op: OpNe, Values: []any{"NONE"}}, func(v []any) bool { return v[13] != "NONE" }},
		// l_shipmode: AIR, FOB, MAIL, RAIL, REG AIR, SHIP, TRUCK
		{"lineitem", Predicate{Field: 14, Op: OpLike, Values: []any{"%AI%"}}, func(v []any) bool { return strings.Contains(v[14].(string), "AI") }},
		{"lineitem", Predicate{Field: 14, Op: OpLike, Values: []any{"%IL"}}, func(v []any) bool { return strings.HasSuffix(v[14].(string), "IL") }},
		{"lineitem", Predicate{Field: 14, Op: OpLike, Values: []any{"%A_L"}}, func(v []any) bool {
			s := v[14].(string)
			return len(s) >= 3 && s[len(s)-3] == 'A' && s[len(s)-1] == 'L'
		}},
		{"lineitem", Predicate{Field: 14, Op: OpNotLike, Values: []any{"%A%R%"}}, func(v []any) bool {
			s := v[14].(string)
			i := strings.Index(s, "A")
			return i < 0 || !strings.Contains(s[i+1:], "R")
		}},
		{"lineitem", Predicate{Field: 14, Op: OpNotLike, Values: []any{"% %"}}, func(v []any) bool { return !strings.Contains(v[14].(string), " ") }},
		{"lineitem", Predicate{Field: 14, Op: OpPrefix, Values: []any{"MA", "TR", "X"}}, func(v []any) bool {
			s := v[14].(string)
			return strings.HasPrefix(s, "MA") || strings.HasPrefix(s, "TR") || strings.HasPrefix(s, "X")
		}},
		{"lineitem", Predicate{Field: 3, Op: OpIn, Values: []any{int64(1), int64(7), 2.5}}, func(v []any) bool { return v[3] == int64(1) || v[3] == int64(7) }},
		{"lineitem", Predicate{Field: 0, Op: OpNe, Values: []any{int64(1)}}, func(v []any) bool { return v[0] != int64(1) }},
		{"lineitem", Predicate{Field: 3, Op: OpNe, Values: []any{2.5}}, func(v []any) bool { return true }},
		{"lineitem", Predicate{Field: 3, Op: OpNe, Values: []any{int64(3)}}, func(v []any) bool { return v[3] != int64(3) }},
		{"sensors", Predicate{Field: 4, Op: OpIsNull}, func(v []any) bool { return v[4] == nil }},
		{"sensors", Predicate{Field: 4, Op: OpIsNotNull}, func(v []any) bool { return v[4] != nil }},
		{"sensors", Predicate{Field: 4, Op: OpGt, Values: []any{int64(15)}}, func(v []any) bool { return v[4] != nil && num(v[4]) > 15 }},
		{"sensors", Predicate{Field: 5, Op: OpLe, Values: []any{50.0}}, func(v []any) bool { return v[5] != nil && num(v[5]) <= 50 }},
		{"sensors", Predicate{Field: 6, Op: OpGe, Values: []any{storage.DecimalValue{Unscaled: 1000, Scale: 0}}}, func(v []any) bool { return v[6] != nil && num(v[6]) >= 1000 }},
		{"sensors", Predicate{Field: 1, Op: OpLt, Values: []any{uint64(10)}}, func(v []any) bool { return v[1].(uint64) < 10 }},
		{"sensors", Predicate{Field: 1, Op: OpGt, Values: []any{int64(-5)}}, func(v []any) bool { return true }},
		{"sensors", Predicate{Field: 12, Op: OpGe, Values: []any{uint64(1) << 63}}, func(v []any) bool { return v[12].(uint64) >= 1<<63 }},
		{"sensors", Predicate{Field: 8, Op: OpBetween, Values: []any{int64(-100), int64(100)}}, func(v []any) bool { x, ok := v[8].(int64); return ok && x >= -100 && x <= 100 }},
		{"sensors", Predicate{Field: 9, Op: OpEq, Values: []any{int64(-128)}}, func(v []any) bool { return v[9] == int64(-128) }},
		{"sensors", Predicate{Field: 10, Op: OpLt, Values: []any{int64(0)}}, func(v []any) bool { return v[10].(int64) < 0 }},
		{"sensors", Predicate{Field: 13, Op: OpEq, Values: []any{false}}, func(v []any) bool { return v[13] == false }},
		{"sensors", Predicate{Field: 14, Op: OpIsNull}, func(v []any) bool { return v[14] == nil }},
		{"sensors", Predicate{Field: 14, Op: OpEq, Values: []any{"OK"}}, func(v []any) bool { return v[14] == "OK" }},
		{"sensors", Predicate{Field: 14, Op: OpNotLike, Values: []any{"O%"}}, func(v []any) bool { s, ok := v[14].(string); return ok && !strings.HasPrefix(s, "O") }},
		{"sensors", Predicate{Field: 14, Op: OpLike, Values: []any{"%K%"}}, func(v []any) bool { s, ok := v[14].(string); return ok && strings.Contains(s, "K") }},
		{"sensors", Predicate{Field: 2, Op: OpLt, Values: []any{storage.TimestampValue(int64(storage.DaysFromCivil(2024, 1, 1))*86400e6 + 3600e6)}},
			func(v []any) bool {
				return int64(v[2].(storage.TimestampValue)) < int64(storage.DaysFromCivil(2024, 1, 1))*86400e6+3600e6
			}},
		{"sensors", Predicate{Field: 3, Op: OpEq, Values: []any{d(2024, 1, 1)}}, func(v []any) bool { return v[3] == d(2024, 1, 1) }},
	}
	for i, c := range cases {
		for _, open := range []func(testing.TB, string) *storage.Table{openRec, openText} {
			tab := open(t, c.table)
			if tab.Format == storage.RawText && tab.Schema.Fields[c.pred.Field].Type.IsFloat() {
				continue // text floats are rounded to their printed digits
			}
			t.Run(fmt.Sprintf("%d_%s_%s", i, tab.Format, c.pred.String(tab.Schema)), func(t *testing.T) {
				want := reference(t, tab, c.match)
				if (c.pred.Op == OpLike || c.pred.Op == OpNotLike || c.pred.Op == OpPrefix) && (len(want) == 0 || int64(len(want)) == tab.Layout.Count) {
					t.Fatalf("the reference selects %d of %d records: the case tests nothing", len(want), tab.Layout.Count)
				}
				s, err := New(Spec{Table: tab, RowID: true, Filter: []Predicate{c.pred}, Workers: 2})
				if err != nil {
					t.Fatal(err)
				}
				got := rowIDs(t, s)
				if !slices.Equal(got, want) {
					t.Fatalf("%d rows selected, reference %d", len(got), len(want))
				}
			})
		}
	}
}

func pow10(n int) int64 {
	p := int64(1)
	for ; n > 0; n-- {
		p *= 10
	}
	return p
}

func TestRangeConstants(t *testing.T) {
	// Constants between representable values round the right way.
	s, _ := storage.NewSchema([]storage.Field{{Name: "d", Type: storage.TDecimal(9, 2), Offset: storage.Implicit},
		{Name: "i", Type: storage.TInt32, Offset: storage.Implicit}}, storage.SchemaOptions{})
	cases := []struct {
		p      Predicate
		lo, hi int64
		never  bool
	}{
		{Predicate{0, OpLt, []any{storage.DecimalValue{Unscaled: 2405, Scale: 3}}}, -1 << 63, 240, false}, // d < 2.405: d <= 2.40
		{Predicate{0, OpLe, []any{storage.DecimalValue{Unscaled: 2405, Scale: 3}}}, -1 << 63, 240, false},
		{Predicate{0, OpGt, []any{storage.DecimalValue{Unscaled: 2405, Scale: 3}}}, 241, 1<<63 - 1, false},
		{Predicate{0, OpGe, []any{storage.DecimalValue{Unscaled: -2405, Scale: 3}}}, -240, 1<<63 - 1, false},
		{Predicate{0, OpLt, []any{storage.DecimalValue{Unscaled: -2405, Scale: 3}}}, -1 << 63, -241, false},
		{Predicate{0, OpEq, []any{0.125}}, 0, 0, true},
		{Predicate{0, OpEq, []any{0.25}}, 25, 25, false},
		{Predicate{1, OpLt, []any{2.5}}, -1 << 63, 2, false},
		{Predicate{1, OpGe, []any{-2.5}}, -2, 1<<63 - 1, false},
		{Predicate{1, OpBetween, []any{1.5, 3.5}}, 2, 3, false},
		{Predicate{1, OpBetween, []any{3, 1}}, 3, 1, true},
	}
	for _, c := range cases {
		got, err := compile(s, c.p)
		if err != nil {
			t.Fatal(err)
		}
		if got.never != c.never || (!c.never && (got.ilo != c.lo || got.ihi != c.hi)) {
			t.Errorf("%s: range [%d, %d] never=%v, want [%d, %d] never=%v", c.p.String(s), got.ilo, got.ihi, got.never, c.lo, c.hi, c.never)
		}
	}
	if _, err := compile(s, Predicate{0, OpEq, []any{"x"}}); err == nil {
		t.Error("comparing DECIMAL with a string compiled")
	}
	if _, err := compile(s, Predicate{5, OpEq, []any{1}}); err == nil {
		t.Error("predicate on a missing field compiled")
	}
}

func TestBlockSkipping(t *testing.T) {
	tab := openRec(t, "sensors") // seq ascends: blocks have disjoint ranges
	s, err := New(Spec{Table: tab, Columns: []int{0}, Filter: []Predicate{{Field: 0, Op: OpBetween, Values: []any{int64(100), int64(120)}}}})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := collect(t, s)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 21 {
		t.Fatalf("selected %d rows, want 21", len(rows))
	}
	st := s.LastStats()
	if st.BlocksSkipped != st.BlocksTotal-1 || st.BlocksTotal < 2 || st.RecordsScanned.Load() > int64(tab.Blocks.RecordsPerBlock) {
		t.Fatalf("blocks %d skipped %d, scanned %d records", st.BlocksTotal, st.BlocksSkipped, st.RecordsScanned.Load())
	}
}

func TestChecksumVerification(t *testing.T) {
	src := filepath.Join(fixtures(t), "lineitem.rec")
	data, _ := os.ReadFile(src)
	tab := openRec(t, "lineitem")
	bad := filepath.Join(t.TempDir(), "bad.rec")
	off := tab.Layout.DataOffset + int64(tab.Blocks.RecordsPerBlock)*int64(tab.Layout.RecordLen)*2 + 5
	data[off] ^= 0x40
	os.WriteFile(bad, data, 0o644)
	bt, err := storage.Open(bad, storage.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := New(Spec{Table: bt, Columns: []int{0}, VerifyChecksums: true, Workers: 2})
	if _, err := collect(t, s); err == nil || !strings.Contains(err.Error(), "block 3 (records 2001 to 3000)") || !errors.Is(err, storage.ErrCorrupt) {
		t.Fatalf("got %v", err)
	}
	s, _ = New(Spec{Table: bt, Columns: []int{0}})
	if _, err := collect(t, s); err != nil {
		t.Fatalf("without verification: %v", err)
	}
	// row ranges: whole blocks in them are verified, parts of blocks are not
	rpb := int64(bt.Blocks.RecordsPerBlock)
	for _, tc := range []struct {
		ranges []RowRange
		bad    bool
	}{
		{[]RowRange{{2 * rpb, 3 * rpb}}, true},
		{[]RowRange{{0, 2 * rpb}, {3 * rpb, bt.Layout.Count}}, false},
		{[]RowRange{{2 * rpb, 3*rpb - 10}}, false}, // part of the damaged block: not checkable
	} {
		s, _ = New(Spec{Table: bt, Columns: []int{0}, VerifyChecksums: true, Ranges: tc.ranges, Workers: 2})
		_, err := collect(t, s)
		if tc.bad != (err != nil) || (err != nil && !errors.Is(err, storage.ErrCorrupt)) {
			t.Errorf("ranges %v: err = %v, want damaged: %v", tc.ranges, err, tc.bad)
		}
	}
}

func TestRowRangesLimitSample(t *testing.T) {
	checkGoroutines(t)
	tab := openRec(t, "lineitem")
	s, _ := New(Spec{Table: tab, RowID: true, Ranges: []RowRange{{10, 20}, {15, 25}, {fixtureRows - 3, fixtureRows + 100}, {-5, 2}}})
	ids := rowIDs(t, s)
	want := []int64{0, 1}
	for i := int64(10); i < 25; i++ {
		want = append(want, i)
	}
	want = append(want, fixtureRows-3, fixtureRows-2, fixtureRows-1)
	if !slices.Equal(ids, want) {
		t.Fatalf("ranges gave %v", ids)
	}
	if s.Pattern() != storage.RandomAccess {
		t.Errorf("pattern %v for a small range scan", s.Pattern())
	}
	for _, workers := range []int{1, 3} {
		s, _ = New(Spec{Table: tab, RowID: true, Limit: 1234, Workers: workers, BatchSize: 100, ChunkBytes: 8192})
		ids = rowIDs(t, s)
		if len(ids) != 1234 {
			t.Fatalf("limit 1234 with %d workers gave %d rows", workers, len(ids))
		}
		if workers == 1 && ids[1233] != 1233 {
			t.Fatalf("one worker: limit did not return the first records")
		}
		if st := s.LastStats(); st.ChunksDone.Load() >= int64(st.Chunks) {
			t.Fatalf("limit did not stop the scan early: %d of %d chunks", st.ChunksDone.Load(), st.Chunks)
		}
	}
	s, _ = New(Spec{Table: tab, RowID: true, Sample: &Sample{Rows: 100, Seed: 9}})
	a := rowIDs(t, s)
	b := rowIDs(t, s)
	if len(a) != 100 || !slices.Equal(a, b) {
		t.Fatalf("sample of 100 gave %d rows, repeatable %v", len(a), slices.Equal(a, b))
	}
	s, _ = New(Spec{Table: tab, RowID: true, Sample: &Sample{Percent: 10, Seed: 1}})
	if n := len(rowIDs(t, s)); n != fixtureRows/10 {
		t.Fatalf("10%% sample gave %d rows", n)
	}
	// a sample as large as the largest count is every record
	for _, sm := range []Sample{{Rows: math.MaxInt64}, {Percent: 100}, {Rows: fixtureRows + 1}} {
		s, err := New(Spec{Table: tab, RowID: true, Sample: &sm})
		if err != nil {
			t.Fatalf("sample %+v: %v", sm, err)
		}
		if n := len(rowIDs(t, s)); n != fixtureRows {
			t.Fatalf("sample %+v gave %d rows, want all %d", sm, n, fixtureRows)
		}
	}
}

func TestCountOnlyBatches(t *testing.T) {
	tab := openRec(t, "lineitem")
	s, err := New(Spec{Table: tab, Workers: 2, Filter: []Predicate{{Field: 8, Op: OpEq, Values: []any{"N"}}}})
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for p := 0; p < s.Partitions(); p++ {
		st, err := s.Execute(context.Background(), p)
		if err != nil {
			t.Fatalf("partition %d: %v", p, err)
		}
		for st.Next() {
			n += st.Record().NumRows()
			if st.Record().NumCols() != 0 {
				t.Fatal("count-only scan produced columns")
			}
		}
		if err := st.Err(); err != nil {
			t.Fatalf("partition %d: %v", p, err)
		}
		st.Close()
	}
	want := len(reference(t, tab, func(v []any) bool { return v[8] == "N" }))
	if n != int64(want) {
		t.Fatalf("counted %d, want %d", n, want)
	}
}

func TestCancellation(t *testing.T) {
	checkGoroutines(t)
	tab := openRec(t, "lineitem")
	for _, strategy := range []storage.Strategy{storage.Mmap, storage.Buffered} {
		mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
		s, _ := New(Spec{Table: tab, Strategy: strategy, Columns: allColumns(tab), BatchSize: 10, ChunkBytes: 4096, Allocator: mem, Workers: 2})
		ctx, cancel := context.WithCancel(context.Background())
		st0, _ := s.Execute(ctx, 0)
		st1, _ := s.Execute(ctx, 1)
		if !st0.Next() {
			t.Fatal(st0.Err())
		}
		cancel()
		start := time.Now()
		for st0.Next() {
		}
		if !errors.Is(st0.Err(), context.Canceled) {
			t.Fatalf("err %v, want context.Canceled", st0.Err())
		}
		if d := time.Since(start); d > 50*time.Millisecond {
			t.Errorf("cancelled scan took %v to stop", d)
		}
		st0.Close()
		st1.Close()
		st1.Close() // idempotent
		mem.AssertSize(t, 0)
	}
}

func TestTruncatedDuringScan(t *testing.T) {
	checkGoroutines(t)
	src, _ := os.ReadFile(filepath.Join(fixtures(t), "lineitem.rec"))
	path := filepath.Join(t.TempDir(), "trunc.rec")
	for _, strategy := range []storage.Strategy{storage.Mmap, storage.Buffered, storage.Direct} {
		os.WriteFile(path, src, 0o644)
		tab, err := storage.Open(path, storage.OpenOptions{})
		if err != nil {
			t.Fatal(err)
		}
		s, _ := New(Spec{Table: tab, Strategy: strategy, Columns: []int{0, 15}, BatchSize: 100, ChunkBytes: 16384, Workers: 1})
		st, err := s.Execute(context.Background(), 0)
		if err != nil {
			t.Fatal(err)
		}
		if !st.Next() {
			t.Fatal(st.Err())
		}
		if err := os.Truncate(path, tab.Layout.DataOffset+1000); err != nil {
			t.Fatal(err)
		}
		for st.Next() {
		}
		err = st.Err()
		st.Close()
		if err == nil || !strings.Contains(err.Error(), path) {
			t.Fatalf("%s: truncation gave %v", strategy, err)
		}
	}
}

func TestBadTextValueError(t *testing.T) {
	g, _ := gen.Lookup("lineitem")
	data, _ := os.ReadFile(filepath.Join(fixtures(t), "lineitem.txt"))
	ts := g.TextSchema()
	q := &ts.Fields[4] // l_quantity
	lineLen := ts.RecordLen + 1
	pos := 17*lineLen + q.Offset + 1
	data[pos] = 'x'
	path := filepath.Join(t.TempDir(), "bad.txt")
	os.WriteFile(path, data, 0o644)
	tab, err := storage.OpenRaw(path, ts, storage.RawOptions{Text: true})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := New(Spec{Table: tab, Columns: []int{4}})
	_, err = collect(t, s)
	want := fmt.Sprintf("record 18, byte offset %d, field l_quantity: not a number", 17*lineLen+q.Offset) // the 18th record (index 17)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v, want %q", err, want)
	}
	// A predicate on the field reports the same place.
	s, _ = New(Spec{Table: tab, Filter: []Predicate{{Field: 4, Op: OpGt, Values: []any{int64(1)}}}})
	if _, err = collect(t, s); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("predicate: got %v", err)
	}
}

func TestWrongLineLength(t *testing.T) {
	g, _ := gen.Lookup("lineitem")
	data, _ := os.ReadFile(filepath.Join(fixtures(t), "lineitem.txt"))
	ts := g.TextSchema()
	lineLen := ts.RecordLen + 1
	// Line 101 loses a character and line 102 gains one: same file size.
	line := 100 * lineLen
	data = append(data[:line+10:line+10], data[line+11:]...)
	data = append(data[:line+2*lineLen-1], append([]byte{'Z'}, data[line+2*lineLen-1:]...)...)
	path := filepath.Join(t.TempDir(), "shift.txt")
	os.WriteFile(path, data, 0o644)
	tab, err := storage.OpenRaw(path, ts, storage.RawOptions{Text: true})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := New(Spec{Table: tab, Columns: []int{0}})
	if _, err = collect(t, s); err == nil || !strings.Contains(err.Error(), "line 101 does not end after") {
		t.Fatalf("got %v", err)
	}
}

func TestPaddedShortLines(t *testing.T) {
	s, _ := storage.NewSchema([]storage.Field{
		{Name: "a", Type: storage.TChar(3), Offset: storage.Implicit},
		{Name: "b", Type: storage.TInt32, Offset: storage.Implicit, Width: 4, Nullable: true},
	}, storage.SchemaOptions{DefaultEncoding: storage.Text})
	path := filepath.Join(t.TempDir(), "short.txt")
	os.WriteFile(path, []byte("abc  12\nde\nf     7\ng"), 0o644)
	tab, err := storage.OpenRaw(path, s, storage.RawOptions{Text: true, PadShortLines: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, strategy := range []storage.Strategy{storage.Mmap, storage.Buffered} {
		sc, _ := New(Spec{Table: tab, Strategy: strategy, Columns: []int{0, 1}, RowID: true, ChunkBytes: 8})
		rows, err := collect(t, sc)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"000000000|abc|12|", "000000001|de|NULL|", "000000002|f|7|", "000000003|g|NULL|"}
		if !slices.Equal(rows, want) {
			t.Fatalf("%s: %q", strategy, rows)
		}
	}
}

// TestSafePredicatesFirst: in a file with two record types, the number
// column of one type holds text in the other; a record-type test written
// second still rules those records out before their numbers are parsed.
func TestSafePredicatesFirst(t *testing.T) {
	s, _ := storage.NewSchema([]storage.Field{
		{Name: "kind", Type: storage.TChar(1), Offset: 0},
		{Name: "amount", Type: storage.TInt32, Offset: 1, Width: 5},
	}, storage.SchemaOptions{DefaultEncoding: storage.Text})
	path := filepath.Join(t.TempDir(), "mixed.txt")
	os.WriteFile(path, []byte("E00012\nAnote \nE00030\nAxyz  \n"), 0o644)
	tab, err := storage.OpenRaw(path, s, storage.RawOptions{Text: true})
	if err != nil {
		t.Fatal(err)
	}
	sc, err := New(Spec{Table: tab, Columns: []int{1}, Filter: []Predicate{
		{Field: 1, Op: OpGt, Values: []any{int64(20)}},
		{Field: 0, Op: OpEq, Values: []any{"E"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := collect(t, sc)
	if err != nil || len(rows) != 1 || rows[0] != "30|" {
		t.Fatalf("rows %q, err %v", rows, err)
	}
}

// TestPredicateOrder: predicates that cannot fail run cheapest first
// (numbers, then CHAR comparisons, then LIKE), in their given order
// within a rank.
func TestPredicateOrder(t *testing.T) {
	tab := openRec(t, "lineitem")
	s, err := New(Spec{Table: tab, Filter: []Predicate{
		{Field: 14, Op: OpLike, Values: []any{"%AI%"}},
		{Field: 14, Op: OpIn, Values: []any{"MAIL", "SHIP"}},
		{Field: 10, Op: OpGe, Values: []any{storage.DateValue(9000)}},
		{Field: 8, Op: OpEq, Values: []any{"R"}},
		{Field: 4, Op: OpLt, Values: []any{int64(24)}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range s.preds {
		got = append(got, p.pred.String(tab.Schema))
	}
	want := []string{"l_shipdate >= DATE '1994-08-23'", "l_quantity < 24", "l_shipmode IN ('MAIL', 'SHIP')", "l_returnflag = 'R'", "l_shipmode LIKE '%AI%'"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("order:\n got %q\nwant %q", got, want)
	}
}
