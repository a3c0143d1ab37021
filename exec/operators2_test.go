package exec

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// failing is a source whose partition fail fails after some batches, and
// whose other partitions block until cancelled (counting how many stopped).
type failing struct {
	opBase
	schema  *arrow.Schema
	parts   int
	fail    int
	stopped atomic.Int32
}

func (f *failing) Schema() *arrow.Schema { return f.schema }
func (f *failing) Children() []Operator  { return nil }
func (f *failing) Partitions() int       { return f.parts }
func (f *failing) String() string        { return "Failing" }
func (f *failing) Execute(ctx context.Context, p int) (Stream, error) {
	mem := allocator(ctx)
	n := 0
	return newPullStream(f.schema, func() (arrow.Record, error) {
		n++
		if p == f.fail && n > 3 {
			return nil, errors.New("disk on fire")
		}
		if p != f.fail && n > 2 {
			<-ctx.Done()
			f.stopped.Add(1)
			return nil, ctx.Err()
		}
		return record(mem, c("a", tInt64, n, p)), nil
	}, nil), nil
}

func TestGather(t *testing.T) {
	noLeaks(t)
	mem := checkedMem(t)
	rec := testData(mem, 500)
	defer rec.Release()
	for _, l := range layouts {
		src := source(t, rec, l.parts, l.batch)
		g := NewGather(src)
		if g.Partitions() != 1 {
			t.Fatal("gather has one partition")
		}
		got := sorted(mustRun(t, mem, g))
		want := sorted(mustRun(t, mem, source(t, rec, 1, 1000)))
		eqRows(t, fmt.Sprint(l), got, want)
	}
	// an error in one partition stops the others and is reported as is
	f := &failing{opBase: newBase(), schema: schemaOf(c("a", tInt64)), parts: 4, fail: 2}
	_, err := run(t, mem, NewGather(f))
	if err == nil || err.Error() != "disk on fire" {
		t.Errorf("gather error: %v", err)
	}
	// the same through aggregate, sort and top-N
	for _, op := range []Operator{
		NewAggregate(f, nil, nil, []AggCall{{Name: "count"}}, nil, nil),
		NewSort(f, []SortKey{{Expr: Col(0, "a", tInt64)}}, nil),
		NewTopN(f, []SortKey{{Expr: Col(0, "a", tInt64)}}, 3, nil),
		NewLimit(f, 0, 1000),
	} {
		if _, err := run(t, mem, op); err == nil || err.Error() != "disk on fire" {
			t.Errorf("%s: %v", op, err)
		}
	}
	// closing early (before the end) stops everything and leaks nothing
	ctx := WithAllocator(context.Background(), mem)
	src := &endless{opBase: newBase(), schema: schemaOf(c("a", tInt64), c("s", tString)), parts: 3}
	s, err := NewGather(src).Execute(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10 && s.Next(); i++ {
	}
	s.Close()
	s.Close()
	if s.Next() {
		t.Error("Next after Close")
	}
	// a limit over an endless gather stops the scans
	rows := mustRun(t, mem, NewLimit(src, 5, 7))
	if len(rows) != 7 {
		t.Errorf("limit over endless: %d rows", len(rows))
	}
}

func TestLimitStopsEarly(t *testing.T) {
	noLeaks(t)
	mem := checkedMem(t)
	var pulled atomic.Int64
	schema := schemaOf(c("a", tInt64))
	src := NewStreamSource(schema, 1, "Counting", func(ctx context.Context, p int) (Stream, error) {
		return newPullStream(schema, func() (arrow.Record, error) {
			pulled.Add(1)
			return record(allocator(ctx), c("a", tInt64, 1, 2, 3, 4)), nil
		}, nil), nil
	})
	rows := mustRun(t, mem, NewLimit(src, 2, 5))
	if len(rows) != 5 || pulled.Load() != 2 {
		t.Errorf("%d rows after pulling %d batches", len(rows), pulled.Load())
	}
	if got := Explain(NewLimit(src, 0, 1)); got != "Limit: 1 [partitions=1]\n  Counting [partitions=1]\n" {
		t.Errorf("explain: %q", got)
	}
}

func TestGroupKeyShapes(t *testing.T) {
	noLeaks(t)
	mem := checkedMem(t)
	rec := record(mem,
		c("i8", tI8, 1, nil, 1, -1, nil, 2),
		c("b", tBool, true, false, nil, true, false, nil),
		c("f", tFloat64, 0.0, math.Copysign(0, -1), 1.5, nil, 1.5, 0.0),
		c("d", DecimalType(30, 2), "1.00", "1.00", nil, "123456789012345678901234.56", "1", nil),
		c("dt", tDate, "2024-01-01", nil, "2024-01-01", "2023-01-01", nil, "2023-01-01"),
		c("s", tString, "a", "a", "a-much-longer-string", "b", nil, "b"),
		c("u", tU64, uint64(18446744073709551615), 1, 1, 0, nil, 0),
	)
	defer rec.Release()
	cnt := []AggCall{{Name: "count"}}
	for _, tc := range []struct {
		keys []string
		want []string
	}{
		{[]string{"i8"}, []string{"-1|1", "1|2", "2|1", "NULL|2"}},
		{[]string{"b"}, []string{"NULL|2", "false|2", "true|2"}},
		{[]string{"f"}, []string{"0.0|3", "1.5|2", "NULL|1"}},
		{[]string{"d"}, []string{"1.00|3", "123456789012345678901234.56|1", "NULL|2"}},
		{[]string{"dt", "i8"}, []string{"2023-01-01|-1|1", "2023-01-01|2|1", "2024-01-01|1|2", "NULL|NULL|2"}},
		{[]string{"s"}, []string{"NULL|1", "a-much-longer-string|1", "a|2", "b|2"}},
		{[]string{"b", "s"}, []string{"NULL|a-much-longer-string|1", "NULL|b|1", "false|NULL|1", "false|a|1", "true|a|1", "true|b|1"}},
		{[]string{"u"}, []string{"0|2", "18446744073709551615|1", "1|2", "NULL|1"}},
		{[]string{"i8", "u"}, []string{"-1|0|1", "1|18446744073709551615|1", "1|1|1", "2|0|1", "NULL|1|1", "NULL|NULL|1"}},
	} {
		var keys []Expr
		for _, k := range tc.keys {
			keys = append(keys, colOf(rec, k))
		}
		for _, l := range layouts {
			got := sorted(mustRun(t, mem, NewAggregate(source(t, rec, l.parts, l.batch), keys, nil, cnt, nil, nil)))
			eqRows(t, fmt.Sprint(tc.keys, l), got, tc.want)
		}
	}
	// a packed string key that meets a long string later switches to bytes
	// and keeps its groups
	gt := newGroupTable([]arrow.DataType{tString})
	a1 := arr(mem, tString, "x", "y", "x")
	a2 := arr(mem, tString, "a-long-value", "x", "y")
	defer a1.Release()
	defer a2.Release()
	g := make([]int32, 3)
	gt.assign([]arrow.Array{a1}, 3, nil, g)
	if !gt.packed || fmt.Sprint(g) != "[0 1 0]" {
		t.Fatalf("packed: %v %v", gt.packed, g)
	}
	gt.assign([]arrow.Array{a2}, 3, nil, g)
	if gt.packed || fmt.Sprint(g) != "[2 0 1]" {
		t.Fatalf("after switch: %v %v", gt.packed, g)
	}
}

func TestHaving(t *testing.T) {
	mem := checkedMem(t)
	rec := testData(mem, 300)
	defer rec.Release()
	agg := NewAggregate(source(t, rec, 3, 7), []Expr{colOf(rec, "k")}, []string{"k"}, []AggCall{{Name: "count"}}, []string{"n"}, nil)
	having := NewFilter(agg, bin(">", Col(1, "n", tInt64), lit(40, nil)))
	all := mustRun(t, mem, agg)
	got := mustRun(t, mem, having)
	want := 0
	for _, r := range all {
		var k string
		var n int
		fmt.Sscanf(strings.ReplaceAll(r, "|", " "), "%s %d", &k, &n)
		if n > 40 {
			want++
		}
	}
	if len(got) != want || want == 0 || want == len(all) {
		t.Errorf("having kept %d of %d, want %d", len(got), len(all), want)
	}
}

func TestQ1MatchesLoop(t *testing.T) {
	noLeaks(t)
	mem := checkedMem(t)
	li := makeLineitem(mem, 20000)
	defer li.release()
	for _, parts := range []int{1, 3} {
		batches := fixedBatches(li.schema, li.cols(), parts, 999)
		src := NewMemorySource(li.schema, batches)
		var flat []arrow.Record
		for _, p := range batches {
			flat = append(flat, p...)
		}
		groups := q1Loop(flat)
		rows := mustRun(t, mem, q1Plan(src, li))
		if len(rows) != 6 {
			t.Fatalf("%d groups", len(rows))
		}
		for _, r := range rows {
			f := strings.Split(r, "|")
			g := groups[int(f[0][0])<<8|int(f[1][0])]
			want := []string{
				decString(i128From64(g.sumQty), 2), decString(i128From64(g.sumPrice), 2),
				decString(g.sumDiscPrice, 4), decString(g.sumCharge, 6),
			}
			if strings.Join(f[2:6], "|") != strings.Join(want, "|") || f[9] != fmt.Sprint(g.count) {
				t.Errorf("group %s%s: got %v, want %v count %d", f[0], f[1], f[2:], want, g.count)
			}
		}
		src.Release()
		for _, p := range batches {
			for _, r := range p {
				r.Release()
			}
		}
	}
}

func TestBudgetAndPool(t *testing.T) {
	b := NewBudget(1 << 20)
	if err := b.Reserve(1<<19, "sort"); err != nil {
		t.Fatal(err)
	}
	err := b.Reserve(1<<19+1, "sort")
	if !errors.Is(err, ErrMemoryLimit) || err.Error() != "sort needs more than the 1.0 MiB memory limit; raise it with SET memory_limit = '4MB' or --memory-limit" {
		t.Errorf("got %v", err)
	}
	b.Release(1 << 19)
	if b.Used() != 0 || b.Peak() != 1<<19 {
		t.Errorf("used %d peak %d", b.Used(), b.Peak())
	}
	var nilBudget *Budget
	if nilBudget.Reserve(1<<40, "x") != nil {
		t.Error("nil budget is unlimited")
	}
	if formatBytes(1<<30) != "1.0 GiB" || suggestLimit(1<<30) != "4GB" {
		t.Errorf("formatting: %s %s", formatBytes(1<<30), suggestLimit(1<<30))
	}
	// the pool recycles and gives everything back on close
	mem := checkedMem(t)
	p := newPool(mem)
	x := p.Allocate(1000)
	p.Free(x)
	y := p.Allocate(900)
	if &x[0] != &y[0] {
		t.Error("pool did not recycle")
	}
	z := p.Allocate(100 << 20) // beyond the largest class
	p.Free(z)
	if n := mem.CurrentAlloc(); n != 1024 {
		t.Errorf("a buffer beyond the largest class was kept: %d bytes held", n)
	}
	p.Free(y)
	if n := mem.CurrentAlloc(); n != 1024 {
		t.Errorf("the freed 1 KiB buffer was not pooled: %d bytes held", n)
	}
	p.close()
	if n := mem.CurrentAlloc(); n != 0 {
		t.Errorf("close kept %d bytes", n)
	}
	w := p.Allocate(10)
	p.Free(w) // after close: straight back
	if n := mem.CurrentAlloc(); n != 0 {
		t.Errorf("a buffer freed after close was pooled: %d bytes held", n)
	}
}

func TestStreamContract(t *testing.T) {
	noLeaks(t)
	mem := checkedMem(t)
	rec := testData(mem, 50)
	defer rec.Release()
	src := source(t, rec, 2, 10)
	ops := []Operator{
		src,
		NewFilter(src, bin(">", colOf(rec, "x"), lit(10, nil))),
		NewProject(src, []Expr{colOf(rec, "x")}, []string{"x"}),
		NewAggregate(src, []Expr{colOf(rec, "k")}, nil, []AggCall{{Name: "count"}}, nil, nil),
		NewSort(src, []SortKey{{Expr: colOf(rec, "x")}}, nil),
		NewTopN(src, []SortKey{{Expr: colOf(rec, "x")}}, 5, nil),
		NewLimit(src, 0, 5),
		NewGather(src),
	}
	ctx := WithAllocator(context.Background(), mem)
	for _, op := range ops {
		// bad partition numbers are errors, not panics
		if _, err := op.Execute(ctx, op.Partitions()); err == nil {
			t.Errorf("%s: partition %d accepted", op, op.Partitions())
		}
		// close without reading: no leak, no work left behind
		s, err := op.Execute(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		// read one batch, keep it past Close by retaining
		s, _ = op.Execute(ctx, 0)
		if !s.Next() {
			t.Fatalf("%s: no batch", op)
		}
		r := s.Record()
		r.Retain()
		s.Close()
		if r.NumRows() == 0 || !r.Schema().Equal(op.Schema()) {
			t.Errorf("%s: schema %s, want %s", op, r.Schema(), op.Schema())
		}
		r.Release()
		// a cancelled context: Next is false and Err says so
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		s, _ = op.Execute(cctx, 0)
		for s.Next() {
		}
		if !errors.Is(s.Err(), context.Canceled) {
			t.Errorf("%s: cancelled before start: %v", op, s.Err())
		}
		s.Close()
	}
}

// TestCancelMidAggregation cancels a running aggregation from another
// goroutine while its partitions are busy.
func TestCancelMidAggregation(t *testing.T) {
	noLeaks(t)
	mem := checkedMem(t)
	src := &endless{opBase: newBase(), schema: schemaOf(c("a", tInt64), c("s", tString)), parts: 2}
	agg := NewAggregate(src, []Expr{Col(1, "s", tString)}, nil, []AggCall{{Name: "count"}, {Name: "sum", Arg: Col(0, "a", tInt64)}}, nil, NewBudget(1<<30))
	ctx, cancel := context.WithCancel(WithAllocator(context.Background(), mem))
	s, err := agg.Execute(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(30 * time.Millisecond)
		cancel()
	}()
	start := time.Now()
	if s.Next() {
		t.Error("an endless aggregation produced a batch")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %s to stop", d)
	}
	if !errors.Is(s.Err(), context.Canceled) {
		t.Errorf("Err = %v", s.Err())
	}
	s.Close()
	_ = memory.DefaultAllocator
}

// TestParallelMerge runs the aggregate tests with the bucketed parallel
// merge forced on.
func TestParallelMerge(t *testing.T) {
	old := parallelMergeMin
	parallelMergeMin = 1
	defer func() { parallelMergeMin = old }()
	before := aggPaths.parallelMerges.Load()
	TestAggregateLayouts(t)
	TestGroupKeyShapes(t)
	TestAggregateFunctions(t)
	if aggPaths.parallelMerges.Load() == before {
		t.Error("no aggregation took the parallel merge")
	}
}

// TestSharedBuckets runs the aggregate tests with partition workers moving
// to the shared buckets after their first batch.
func TestSharedBuckets(t *testing.T) {
	old := sharedGroups
	sharedGroups = 0
	defer func() { sharedGroups = old }()
	before := aggPaths.sharedSwitches.Load()
	TestAggregateLayouts(t)
	TestGroupKeyShapes(t)
	TestAggregateFunctions(t)
	TestMoreAggregates(t)
	TestMemoryLimit(t)
	if aggPaths.sharedSwitches.Load() == before {
		t.Error("no partition worker moved to the shared buckets")
	}
}

// TestSparseSelections: filters that keep few rows make project and
// aggregate compact only the columns they read.
func TestSparseSelections(t *testing.T) {
	rows := forLayouts(t, 400, false, func(src Operator, rec arrow.Record) Operator {
		f := NewFilter(src, bin("=", bin("%", colOf(rec, "x"), lit(10, nil)), lit(3, nil)))
		return NewProject(f, []Expr{colOf(rec, "l"), bin("+", colOf(rec, "x"), lit(1, nil))}, nil)
	})
	if len(rows) != 40 || !strings.HasSuffix(sorted(rows)[0], "|104") {
		t.Errorf("project: %d rows %q", len(rows), rows[:min(3, len(rows))])
	}
	rows = forLayouts(t, 400, false, func(src Operator, rec arrow.Record) Operator {
		f := NewFilter(src, bin("=", bin("%", colOf(rec, "x"), lit(10, nil)), lit(3, nil)))
		return NewAggregate(f, []Expr{colOf(rec, "s")}, nil, []AggCall{{Name: "count"}, {Name: "sum", Arg: colOf(rec, "x")}}, nil, nil)
	})
	total := 0
	for _, r := range rows {
		var n int
		fmt.Sscan(strings.Split(r, "|")[1], &n)
		total += n
	}
	if total != 40 {
		t.Errorf("aggregate counted %d rows: %q", total, rows)
	}
}
