package exec

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// testData is a deterministic table:
//
//	k  INT64 (0..6, every 11th NULL)   s  VARCHAR (short; every 13th NULL)
//	v  DECIMAL(12,2)                   x  INT32 (unique 0..n-1)
//	f  FLOAT64 (multiples of 0.5)      l  VARCHAR (long-ish: forces byte keys)
func testData(mem memory.Allocator, n int) arrow.Record {
	var k, s, v, x, f, l []any
	seed := uint64(12345)
	rnd := func() uint64 {
		seed = seed*6364136223846793005 + 1442695040888963407
		return seed >> 33
	}
	words := []string{"ab", "c", "", "xyz", "hello", "Q"}
	for i := 0; i < n; i++ {
		r := rnd()
		if i%11 == 3 {
			k = append(k, nil)
		} else {
			k = append(k, int(r%7))
		}
		if i%13 == 5 {
			s = append(s, nil)
		} else {
			s = append(s, words[r%uint64(len(words))])
		}
		v = append(v, fmt.Sprintf("%d.%02d", int(r%2000)-1000, r%100))
		x = append(x, i)
		f = append(f, float64(int(r%40)-20)/2)
		l = append(l, fmt.Sprintf("name-%d-long-enough", r%5))
	}
	return record(mem,
		c("k", tInt64, k...), c("s", tString, s...), c("v", DecimalType(12, 2), v...),
		c("x", tInt32, x...), c("f", tFloat64, f...), c("l", tString, l...))
}

var layouts = []struct{ parts, batch int }{{1, 1024}, {1, 7}, {3, 1}, {3, 7}, {4, 1024}, {2, 13}}

func colOf(rec arrow.Record, name string) Expr {
	idx := rec.Schema().FieldIndices(name)[0]
	return Col(idx, name, rec.Schema().Field(idx).Type)
}

// forLayouts runs build over the data under every partitioning and checks
// that all give the same rows (sorted unless ordered).
func forLayouts(t *testing.T, n int, ordered bool, build func(src Operator, rec arrow.Record) Operator) []string {
	t.Helper()
	noLeaks(t)
	mem := checkedMem(t)
	rec := testData(mem, n)
	defer rec.Release()
	var first []string
	for _, l := range layouts {
		src := source(t, rec, l.parts, l.batch)
		op := build(src, rec)
		rows := mustRun(t, mem, op)
		if !ordered {
			rows = sorted(rows)
		}
		if first == nil {
			first = rows
			continue
		}
		eqRows(t, fmt.Sprintf("layout %+v of %s", l, op), rows, first)
	}
	return first
}

func TestFilterProjectLayouts(t *testing.T) {
	rows := forLayouts(t, 300, false, func(src Operator, rec arrow.Record) Operator {
		pred := bin("AND", bin(">", colOf(rec, "k"), lit(2, nil)), bin("<>", colOf(rec, "s"), lit("c", nil)))
		f := NewFilter(src, pred)
		return NewProject(f, []Expr{colOf(rec, "x"), bin("*", colOf(rec, "v"), lit(2, nil))}, []string{"x", "v2"})
	})
	if len(rows) == 0 || len(rows) >= 300 {
		t.Fatalf("filter kept %d rows", len(rows))
	}
}

func TestFilterPassThrough(t *testing.T) {
	mem := checkedMem(t)
	rec := record(mem, c("a", tInt64, 1, 2, 3))
	defer rec.Release()
	src := source(t, rec, 1, 10)
	f := NewFilter(src, bin(">", Col(0, "a", tInt64), lit(0, nil)))
	ctx := WithAllocator(context.Background(), mem)
	s, err := f.(*Filter).executeSel(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !s.Next() {
		t.Fatal("no batch")
	}
	got, sel := s.Batch()
	if sel != nil {
		t.Errorf("all rows matched but selection is %v", sel)
	}
	// the very same arrays pass through
	if got.Column(0) != rec.Column(0) && got.Column(0).Data().Buffers()[1] != rec.Column(0).Data().Buffers()[1] {
		t.Errorf("batch was copied")
	}
	// a filter that drops everything yields no batch at all
	f2 := NewFilter(src, bin(">", Col(0, "a", tInt64), lit(10, nil)))
	eqRows(t, "none", mustRun(t, mem, f2), nil)
	// NULL predicate rows are dropped
	rec2 := record(mem, c("a", tInt64, 1, nil, 3))
	defer rec2.Release()
	f3 := NewFilter(source(t, rec2, 1, 10), bin(">", Col(0, "a", tInt64), lit(1, nil)))
	eqRows(t, "null", mustRun(t, mem, f3), []string{"3"})
}

func TestAggregateLayouts(t *testing.T) {
	forLayouts(t, 500, false, func(src Operator, rec arrow.Record) Operator {
		return NewAggregate(src, []Expr{colOf(rec, "k")}, []string{"k"},
			[]AggCall{
				{Name: "count"},
				{Name: "count", Arg: colOf(rec, "s")},
				{Name: "sum", Arg: colOf(rec, "v")},
				{Name: "sum", Arg: colOf(rec, "x")},
				{Name: "min", Arg: colOf(rec, "s")},
				{Name: "max", Arg: colOf(rec, "v")},
				{Name: "count", Arg: colOf(rec, "s"), Distinct: true},
				{Name: "avg", Arg: colOf(rec, "x")},
			}, nil, nil)
	})
	// multi-column keys, short strings (packed), long strings (bytes)
	forLayouts(t, 400, false, func(src Operator, rec arrow.Record) Operator {
		return NewAggregate(src, []Expr{colOf(rec, "s"), colOf(rec, "k")}, nil,
			[]AggCall{{Name: "count"}, {Name: "sum", Arg: colOf(rec, "v")}}, nil, nil)
	})
	forLayouts(t, 400, false, func(src Operator, rec arrow.Record) Operator {
		return NewAggregate(src, []Expr{colOf(rec, "l"), colOf(rec, "s")}, nil,
			[]AggCall{{Name: "count"}, {Name: "max", Arg: colOf(rec, "x")}}, nil, nil)
	})
	// DISTINCT
	rows := forLayouts(t, 400, false, func(src Operator, rec arrow.Record) Operator {
		return NewAggregate(src, []Expr{colOf(rec, "s")}, nil, nil, nil, nil)
	})
	if len(rows) != 7 { // six words and NULL
		t.Errorf("distinct s: %q", rows)
	}
	// aggregate over a filter (selection vectors into the aggregate)
	forLayouts(t, 400, false, func(src Operator, rec arrow.Record) Operator {
		f := NewFilter(src, bin(">", colOf(rec, "f"), lit(0, nil)))
		return NewAggregate(f, []Expr{colOf(rec, "k")}, nil,
			[]AggCall{{Name: "count"}, {Name: "sum", Arg: bin("*", colOf(rec, "v"), colOf(rec, "x"))}}, nil, nil)
	})
}

func TestAggregateNoGroups(t *testing.T) {
	noLeaks(t)
	mem := checkedMem(t)
	rec := record(mem, c("a", tInt64, 1, 2, nil), c("d", DecimalType(5, 2), "1.50", nil, "-0.25"))
	defer rec.Release()
	aggs := []AggCall{{Name: "count"}, {Name: "count", Arg: Col(0, "a", tInt64)}, {Name: "sum", Arg: Col(0, "a", tInt64)},
		{Name: "avg", Arg: Col(1, "d", DecimalType(5, 2))}, {Name: "sum", Arg: Col(1, "d", DecimalType(5, 2))},
		{Name: "min", Arg: Col(0, "a", tInt64)}, {Name: "stddev", Arg: Col(0, "a", tInt64)}}
	got := mustRun(t, mem, NewAggregate(source(t, rec, 2, 1), nil, nil, aggs, nil, nil))
	eqRows(t, "agg", got, []string{"3|2|3|0.625|1.25|1|0.7071067811865476"})
	// over a filter that keeps most rows (a dense selection)
	keep := NewFilter(source(t, rec, 1, 3), NewIsNull(Col(0, "a", tInt64), true))
	got = mustRun(t, mem, NewAggregate(keep, nil, nil, aggs, nil, nil))
	eqRows(t, "dense filter", got, []string{"2|2|3|1.5|1.50|1|0.7071067811865476"})
	// empty input: one row, count 0, the rest NULL
	empty := NewFilter(source(t, rec, 2, 1), lit(false, nil))
	got = mustRun(t, mem, NewAggregate(empty, nil, nil, aggs, nil, nil))
	eqRows(t, "empty", got, []string{"0|0|NULL|NULL|NULL|NULL|NULL"})
	// empty input with groups: no rows
	got = mustRun(t, mem, NewAggregate(empty, []Expr{Col(0, "a", tInt64)}, nil, aggs, nil, nil))
	eqRows(t, "empty groups", got, nil)
}

func TestAggregateFunctions(t *testing.T) {
	mem := checkedMem(t)
	rec := record(mem,
		c("g", tString, "a", "a", "a", "b", "b", "c"),
		c("i", tI16, 1, 2, 2, nil, 5, nil),
		c("f", tFloat64, 1, 2, 4, 1, 1, nil),
		c("b", tBool, true, false, true, true, nil, nil),
		c("d", tDate, "2024-01-01", "2023-05-06", nil, "2020-02-29", "2020-03-01", nil),
	)
	defer rec.Release()
	g := Col(0, "g", tString)
	i := Col(1, "i", tI16)
	f := Col(2, "f", tFloat64)
	b := Col(3, "b", tBool)
	d := Col(4, "d", tDate)
	aggs := []AggCall{
		{Name: "sum", Arg: i}, {Name: "avg", Arg: i}, {Name: "min", Arg: d}, {Name: "max", Arg: d},
		{Name: "var_samp", Arg: f}, {Name: "var_pop", Arg: f}, {Name: "stddev_pop", Arg: f},
		{Name: "bool_and", Arg: b}, {Name: "bool_or", Arg: b}, {Name: "count", Arg: i, Distinct: true},
		{Name: "sum", Arg: i, Distinct: true}, {Name: "max", Arg: b}, {Name: "min", Arg: f},
	}
	for _, l := range layouts {
		op := NewAggregate(source(t, rec, l.parts, l.batch), []Expr{g}, nil, aggs, nil, nil)
		// floating-point results depend on the order of additions: round them
		var exprs []Expr
		for i, f := range op.Schema().Fields() {
			e := Col(i, f.Name, f.Type)
			if f.Type.ID() == arrow.FLOAT64 {
				e = must(NewCall("round", []Expr{e, lit(9, nil)}))
			}
			exprs = append(exprs, e)
		}
		got := sorted(mustRun(t, mem, NewProject(op, exprs, nil)))
		eqRows(t, fmt.Sprint(l), got, []string{
			"a|5|1.666666667|2023-05-06|2024-01-01|2.333333333|1.555555556|1.247219129|false|true|2|3|true|1.0",
			"b|5|5.0|2020-02-29|2020-03-01|0.0|0.0|0.0|true|true|1|5|true|1.0",
			"c|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|0|NULL|NULL|NULL",
		})
	}
	for _, bad := range []struct {
		name string
		arg  arrow.DataType
	}{{"sum", tString}, {"avg", tDate}, {"bool_and", tInt64}, {"nosuch", tInt64}, {"sum", nil}} {
		if _, err := AggResultType(bad.name, bad.arg, false); err == nil {
			t.Errorf("AggResultType(%s, %v) accepted", bad.name, bad.arg)
		}
	}
	for _, ok := range []struct {
		name string
		arg  arrow.DataType
		want string
	}{{"sum", tI16, "INT64"}, {"sum", DecimalType(15, 2), "DECIMAL(38,2)"}, {"avg", DecimalType(15, 2), "FLOAT64"},
		{"count", nil, "INT64"}, {"max", tString, "VARCHAR"}, {"stddev", tInt32, "FLOAT64"}, {"sum", tF32, "FLOAT64"}} {
		rt, err := AggResultType(ok.name, ok.arg, false)
		if err != nil || TypeName(rt) != ok.want {
			t.Errorf("AggResultType(%s, %v) = %v, %v; want %s", ok.name, ok.arg, rt, err, ok.want)
		}
	}
}

func TestSumOverflow(t *testing.T) {
	noLeaks(t)
	mem := checkedMem(t)
	big := int64(1) << 62
	rec := record(mem, c("a", tInt64, big, big, big, -big))
	defer rec.Release()
	for _, l := range layouts {
		// the total 2^63 does not fit INT64 whatever the partitioning
		_, err := run(t, mem, NewAggregate(source(t, rec, l.parts, l.batch), nil, nil, []AggCall{{Name: "sum", Arg: Col(0, "a", tInt64)}}, nil, nil))
		if !errors.Is(err, ErrOutOfRange) || !strings.Contains(err.Error(), "INT64 overflow in sum") {
			t.Errorf("%+v: got %v, want an INT64 overflow", l, err)
		}
	}
	// partial sums may exceed INT64 when the total does not
	rec2 := record(mem, c("a", tInt64, big, big, -big, -big, 5))
	defer rec2.Release()
	got := mustRun(t, mem, NewAggregate(source(t, rec2, 1, 2), nil, nil, []AggCall{{Name: "sum", Arg: Col(0, "a", tInt64)}}, nil, nil))
	eqRows(t, "sum", got, []string{"5"})
	// decimal sums beyond 38 digits
	huge := "99999999999999999999999999999999999999"
	dt := DecimalType(38, 0)
	rec3 := record(mem, c("d", dt, huge, huge))
	defer rec3.Release()
	_, err := run(t, mem, NewAggregate(source(t, rec3, 1, 1), nil, nil, []AggCall{{Name: "sum", Arg: Col(0, "d", dt)}}, nil, nil))
	if !errors.Is(err, ErrOutOfRange) {
		t.Errorf("decimal sum overflow: got %v", err)
	}
}

func TestSortLayouts(t *testing.T) {
	rows := forLayouts(t, 300, true, func(src Operator, rec arrow.Record) Operator {
		return NewSort(src, []SortKey{{Expr: colOf(rec, "k"), Desc: true, NullsFirst: true}, {Expr: colOf(rec, "s")}, {Expr: colOf(rec, "v"), Desc: true}}, nil)
	})
	if len(rows) != 300 || !strings.HasPrefix(rows[0], "NULL|") {
		t.Fatalf("sort: %d rows, first %q", len(rows), rows[0])
	}
	// stable: equal keys keep input order (x ascending within each k)
	rows = forLayouts(t, 200, true, func(src Operator, rec arrow.Record) Operator {
		s := NewSort(src, []SortKey{{Expr: colOf(rec, "k")}}, nil)
		return NewProject(s, []Expr{colOf(rec, "k"), colOf(rec, "x")}, nil)
	})
	last := map[string]int{}
	for _, r := range rows {
		var k string
		var x int
		parts := strings.Split(r, "|")
		k = parts[0]
		fmt.Sscan(parts[1], &x)
		if p, ok := last[k]; ok && x < p {
			t.Fatalf("not stable: %q after x=%d", r, p)
		}
		last[k] = x
	}
	if !strings.HasPrefix(rows[len(rows)-1], "NULL|") {
		t.Errorf("ASC NULLS LAST: last row %q", rows[len(rows)-1])
	}
}

func TestTopNMatchesSortLimit(t *testing.T) {
	for _, n := range []int64{0, 1, 5, 37, 1000} {
		keys := func(rec arrow.Record) []SortKey {
			return []SortKey{{Expr: colOf(rec, "f"), Desc: true, NullsFirst: true}, {Expr: colOf(rec, "s"), NullsFirst: false}}
		}
		top := forLayouts(t, 300, true, func(src Operator, rec arrow.Record) Operator {
			return NewTopN(src, keys(rec), n, nil)
		})
		sl := forLayouts(t, 300, true, func(src Operator, rec arrow.Record) Operator {
			return NewLimit(NewSort(src, keys(rec), nil), 0, n)
		})
		eqRows(t, fmt.Sprintf("topN %d", n), top, sl)
	}
}

func TestLimitLayouts(t *testing.T) {
	noLeaks(t)
	mem := checkedMem(t)
	rec := testData(mem, 100)
	defer rec.Release()
	for _, l := range layouts {
		src := source(t, rec, l.parts, l.batch)
		for _, tc := range []struct{ off, n, want int64 }{{0, 10, 10}, {5, 10, 10}, {95, 10, 5}, {0, 0, 0}, {0, -1, 100}, {100, 5, 0}, {3, -1, 97}} {
			rows := mustRun(t, mem, NewLimit(src, tc.off, tc.n))
			if int64(len(rows)) != tc.want {
				t.Errorf("%+v limit %d offset %d: %d rows, want %d", l, tc.n, tc.off, len(rows), tc.want)
			}
			if l.parts == 1 && tc.want > 0 && !strings.Contains(rows[0], fmt.Sprintf("|%d|", tc.off)) {
				t.Errorf("limit %d offset %d: first row %q", tc.n, tc.off, rows[0])
			}
		}
		// over a filter: the selection is respected
		f := NewFilter(src, bin("=", bin("%", colOf(rec, "x"), lit(2, nil)), lit(0, nil)))
		rows := sorted(mustRun(t, mem, NewLimit(f, 0, -1)))
		if len(rows) != 50 {
			t.Errorf("limit over filter: %d rows", len(rows))
		}
	}
}

// endless is a source that produces batches forever (until cancelled).
type endless struct {
	opBase
	schema *arrow.Schema
	parts  int
}

func (e *endless) Schema() *arrow.Schema { return e.schema }
func (e *endless) Children() []Operator  { return nil }
func (e *endless) Partitions() int       { return e.parts }
func (e *endless) String() string        { return "Endless" }
func (e *endless) Execute(ctx context.Context, p int) (Stream, error) {
	mem := allocator(ctx)
	i := int64(0)
	return newPullStream(e.schema, func() (arrow.Record, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		i++
		return record(mem, c("a", tInt64, i%100, i, 3), c("s", tString, "x", "y", fmt.Sprint(i%1000))), nil
	}, nil), nil
}

func TestCancelAggregation(t *testing.T) {
	noLeaks(t)
	mem := checkedMem(t)
	src := &endless{opBase: newBase(), schema: schemaOf(c("a", tInt64), c("s", tString)), parts: 3}
	for _, op := range []Operator{
		NewAggregate(src, []Expr{Col(1, "s", tString)}, nil, []AggCall{{Name: "sum", Arg: Col(0, "a", tInt64)}}, nil, NewBudget(1<<30)),
		NewSort(src, []SortKey{{Expr: Col(0, "a", tInt64)}}, nil),
		NewTopN(src, []SortKey{{Expr: Col(0, "a", tInt64)}}, 10, nil),
		NewGather(src),
	} {
		ctx, cancel := context.WithCancel(WithAllocator(context.Background(), mem))
		s, err := op.Execute(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan bool)
		go func() {
			for s.Next() {
			}
			done <- true
		}()
		cancelAt := make(chan struct{})
		go func() {
			<-cancelAt
			cancel()
		}()
		close(cancelAt)
		select {
		case <-done:
		case <-timeAfter(5):
			t.Fatalf("%s did not stop after cancel", op)
		}
		if err := s.Err(); !errors.Is(err, context.Canceled) {
			t.Errorf("%s: Err = %v, want context.Canceled", op, err)
		}
		s.Close()
		cancel()
	}
}

func TestMemoryLimit(t *testing.T) {
	noLeaks(t)
	mem := checkedMem(t)
	rec := testData(mem, 5000)
	defer rec.Release()
	budget := NewBudget(64 << 10)
	src := source(t, rec, 3, 100)
	agg := NewAggregate(src, []Expr{colOf(rec, "x")}, nil, []AggCall{{Name: "count"}}, nil, budget)
	_, err := run(t, mem, agg)
	if !errors.Is(err, ErrMemoryLimit) {
		t.Fatalf("got %v, want a memory limit error", err)
	}
	want := "aggregation needs more than the 64.0 KiB memory limit; raise it with SET memory_limit = '256KB' or --memory-limit"
	if err.Error() != want {
		t.Errorf("message:\n got %q\nwant %q", err.Error(), want)
	}
	if budget.Used() != 0 {
		t.Errorf("budget still holds %d bytes", budget.Used())
	}
	_, err = run(t, mem, NewSort(src, []SortKey{{Expr: colOf(rec, "x")}}, budget))
	if !errors.Is(err, ErrMemoryLimit) || !strings.HasPrefix(err.Error(), "sort needs more than") {
		t.Fatalf("sort: got %v", err)
	}
	if budget.Used() != 0 {
		t.Errorf("budget still holds %d bytes after sort", budget.Used())
	}
	// a big enough budget works and is returned afterwards
	big := NewBudget(1 << 30)
	mustRun(t, mem, NewAggregate(src, []Expr{colOf(rec, "x")}, nil, []AggCall{{Name: "count"}}, nil, big))
	mustRun(t, mem, NewSort(src, []SortKey{{Expr: colOf(rec, "x")}}, big))
	if big.Used() != 0 || big.Peak() == 0 {
		t.Errorf("budget used %d peak %d", big.Used(), big.Peak())
	}
}

func TestExplainAndMetrics(t *testing.T) {
	mem := checkedMem(t)
	rec := testData(mem, 100)
	defer rec.Release()
	src := source(t, rec, 2, 10)
	f := NewFilter(src, bin(">", colOf(rec, "x"), lit(49, nil)))
	agg := NewAggregate(f, []Expr{colOf(rec, "k")}, []string{"k"}, []AggCall{{Name: "count"}}, []string{"n"}, nil)
	top := NewLimit(NewSort(agg, []SortKey{{Expr: Col(0, "k", tInt64)}}, nil), 0, 3)
	want := "Limit: 3 [partitions=1]\n  Sort: k [partitions=1]\n    Aggregate: by [k] [count(*) AS n] [partitions=1]\n      Filter: x > 49 [partitions=2]\n        MemorySource: 100 rows [partitions=2]\n"
	if got := Explain(top); got != want {
		t.Errorf("Explain:\n%s\nwant:\n%s", got, want)
	}
	mustRun(t, mem, top)
	ms := CollectMetrics(top)
	if ms[3].Rows != 50 || ms[4].Rows != 100 || ms[0].Rows != 3 || ms[4].Batches != 10 {
		t.Errorf("metrics: %+v", ms)
	}
	if ms[2].Groups == 0 {
		t.Errorf("no group count: %+v", ms[2])
	}
	if s := ExplainAnalyze(top); !strings.Contains(s, "rows=50") {
		t.Errorf("ExplainAnalyze:\n%s", s)
	}
}
