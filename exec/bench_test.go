package exec

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// countingAlloc tracks current and peak bytes allocated through it.
type countingAlloc struct {
	mem       memory.Allocator
	cur, peak atomic.Int64
}

func (c *countingAlloc) add(n int64) {
	v := c.cur.Add(n)
	for {
		p := c.peak.Load()
		if v <= p || c.peak.CompareAndSwap(p, v) {
			return
		}
	}
}

func (c *countingAlloc) Allocate(size int) []byte {
	c.add(int64(size))
	return c.mem.Allocate(size)
}

func (c *countingAlloc) Reallocate(size int, b []byte) []byte {
	c.add(int64(size - len(b)))
	return c.mem.Reallocate(size, b)
}

func (c *countingAlloc) Free(b []byte) {
	c.add(-int64(len(b)))
	c.mem.Free(b)
}

// drain runs partition 0 of op to the end.
func drain(b *testing.B, ctx context.Context, op Operator) int64 {
	s, err := op.Execute(ctx, 0)
	if err != nil {
		b.Fatal(err)
	}
	rows := int64(0)
	for s.Next() {
		rows += s.Record().NumRows()
	}
	if err := s.Err(); err != nil {
		b.Fatal(err)
	}
	s.Close()
	return rows
}

// fixedBatches cuts columns into batches of batchRows rows, spread over
// parts partitions.
func fixedBatches(schema *arrow.Schema, cols []arrow.Array, parts, batchRows int) [][]arrow.Record {
	n := cols[0].Len()
	rec := array.NewRecord(schema, cols, int64(n))
	defer rec.Release()
	out := make([][]arrow.Record, parts)
	k := 0
	for s := 0; s < n; s += batchRows {
		e := min(s+batchRows, n)
		out[k%parts] = append(out[k%parts], rec.NewSlice(int64(s), int64(e)))
		k++
	}
	return out
}

// BenchmarkHashAggDistinctKeys: GROUP BY an INT64 key with 1,000,000
// distinct values over 2,000,000 rows (count(*) and sum of an INT64).
func BenchmarkHashAggDistinctKeys(b *testing.B) {
	const rows, distinct = 2_000_000, 1_000_000
	mem := memory.NewGoAllocator()
	ko := newFixedOut[int64](mem, tInt64, rows)
	vo := newFixedOut[int64](mem, tInt64, rows)
	for i := range ko.v {
		// a permutation of 0..distinct-1, each key twice
		ko.v[i] = int64((uint64(i%distinct) * 2654435761) % distinct)
		vo.v[i] = int64(i)
	}
	keys, vals := ko.finish(), vo.finish()
	schema := schemaOf(c("k", tInt64), c("v", tInt64))
	for _, parts := range []int{1, 2} {
		b.Run(map[int]string{1: "partitions=1", 2: "partitions=2"}[parts], func(b *testing.B) {
			src := NewMemorySource(schema, fixedBatches(schema, []arrow.Array{keys, vals}, parts, 64*1024))
			defer src.Release()
			counting := &countingAlloc{mem: memory.NewGoAllocator()}
			ctx := WithAllocator(context.Background(), counting)
			budget := NewBudget(0)
			agg := NewAggregate(src, []Expr{Col(0, "k", tInt64)}, nil,
				[]AggCall{{Name: "count"}, {Name: "sum", Arg: Col(1, "v", tInt64)}}, nil, budget)
			var ms0, ms1 runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms0)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if got := drain(b, ctx, agg); got != distinct {
					b.Fatalf("%d groups", got)
				}
			}
			b.StopTimer()
			runtime.ReadMemStats(&ms1)
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mrows/s")
			b.ReportMetric(float64(counting.peak.Load())/(1<<20), "MiB_arrow_peak")
			b.ReportMetric(float64(budget.Peak())/(1<<20), "MiB_state_peak")
			b.ReportMetric(float64(ms1.TotalAlloc-ms0.TotalAlloc)/float64(b.N)/(1<<20), "MiB_goalloc/op")
		})
	}
}

// lineitem is a Q1-shaped table.
type lineitem struct {
	schema                      *arrow.Schema
	flag, status                arrow.Array // VARCHAR, 1 char
	qty, price, disc, tax, ship arrow.Array
}

func makeLineitem(mem memory.Allocator, n int) *lineitem {
	dec := DecimalType(15, 2)
	li := &lineitem{schema: schemaOf(c("l_returnflag", tString), c("l_linestatus", tString),
		c("l_quantity", dec), c("l_extendedprice", dec), c("l_discount", dec), c("l_tax", dec), c("l_shipdate", tDate))}
	fo := newStrOut(mem, n, n)
	so := newStrOut(mem, n, n)
	qo := newFixedOut[i128](mem, dec, n)
	po := newFixedOut[i128](mem, dec, n)
	do := newFixedOut[i128](mem, dec, n)
	to := newFixedOut[i128](mem, dec, n)
	sh := newFixedOut[int32](mem, tDate, n)
	seed := uint64(42)
	base := must(parseDate("1992-01-02"))
	for i := 0; i < n; i++ {
		seed = seed*6364136223846793005 + 1442695040888963407
		r := mix64(seed)
		fo.addString([]string{"A", "N", "R"}[r%3])
		so.addString([]string{"F", "O"}[(r>>3)%2])
		q := int64(1 + (r>>5)%50)
		qo.v[i] = i128From64(q * 100)
		po.v[i] = i128From64(q * int64(90000+(r>>11)%1000000) / 10)
		do.v[i] = i128From64(int64((r >> 31) % 11))
		to.v[i] = i128From64(int64((r >> 37) % 9))
		sh.v[i] = int32(base + int64((r>>43)%2526))
	}
	li.flag, li.status = fo.finish(), so.finish()
	li.qty, li.price, li.disc, li.tax, li.ship = qo.finish(), po.finish(), do.finish(), to.finish(), sh.finish()
	return li
}

func (li *lineitem) cols() []arrow.Array {
	return []arrow.Array{li.flag, li.status, li.qty, li.price, li.disc, li.tax, li.ship}
}

func (li *lineitem) release() { releaseAll(li.cols()) }

// q1Plan is TPC-H Q1 without the ORDER BY: a filter on l_shipdate, then
// GROUP BY l_returnflag, l_linestatus with eight aggregates.
func q1Plan(src Operator, li *lineitem) Operator {
	dec := DecimalType(15, 2)
	flag, status := Col(0, "l_returnflag", tString), Col(1, "l_linestatus", tString)
	qty, price := Col(2, "l_quantity", dec), Col(3, "l_extendedprice", dec)
	disc, tax, ship := Col(4, "l_discount", dec), Col(5, "l_tax", dec), Col(6, "l_shipdate", tDate)
	one := must(Lit(1, nil))
	discPrice := bin("*", price, bin("-", one, disc))
	charge := bin("*", discPrice, bin("+", one, tax))
	cutoff := bin("-", must(Lit("1998-12-01", tDate)), must(Lit(Interval{Days: 90}, nil)))
	f := NewFilter(src, bin("<=", ship, cutoff))
	return NewAggregate(f, []Expr{flag, status}, nil, []AggCall{
		{Name: "sum", Arg: qty}, {Name: "sum", Arg: price}, {Name: "sum", Arg: discPrice}, {Name: "sum", Arg: charge},
		{Name: "avg", Arg: qty}, {Name: "avg", Arg: price}, {Name: "avg", Arg: disc}, {Name: "count"},
	}, nil, nil)
}

type q1Group struct {
	sumQty, sumPrice, sumDisc, count int64
	sumDiscPrice, sumCharge          i128
}

// q1Loop is the hand-written baseline over the same typed slices: one
// pass, int64 arithmetic on the scaled values, groups in a small array.
func q1Loop(recs []arrow.Record) *[256 * 256]q1Group {
	var groups [256 * 256]q1Group
	cutoff := int32(must(parseDate("1998-09-02")))
	for _, rec := range recs {
		fo, fd := strParts(rec.Column(0))
		so, sd := strParts(rec.Column(1))
		qty := values[i128](rec.Column(2))
		price := values[i128](rec.Column(3))
		disc := values[i128](rec.Column(4))
		tax := values[i128](rec.Column(5))
		ship := values[int32](rec.Column(6))
		for i := range ship {
			if ship[i] > cutoff {
				continue
			}
			g := &groups[int(fd[fo[i]])<<8|int(sd[so[i]])]
			q, p, d, t := int64(qty[i].lo), int64(price[i].lo), int64(disc[i].lo), int64(tax[i].lo)
			dp := p * (100 - d)
			g.sumQty += q
			g.sumPrice += p
			g.sumDisc += d
			g.count++
			x, _ := g.sumDiscPrice.add(i128From64(dp))
			g.sumDiscPrice = x
			y, _ := g.sumCharge.add(mul64(dp, 100+t))
			g.sumCharge = y
		}
	}
	return &groups
}

// BenchmarkQ1 runs the Q1-shaped aggregation through exec and through the
// hand-written loop in the same iteration; x_loop is exec's time over the
// loop's (both single-threaded).
func BenchmarkQ1(b *testing.B) {
	const n = 2_000_000
	mem := memory.NewGoAllocator()
	li := makeLineitem(mem, n)
	defer li.release()
	parts := fixedBatches(li.schema, li.cols(), 1, 64*1024)
	src := NewMemorySource(li.schema, parts)
	defer src.Release()
	plan := q1Plan(src, li)
	ctx := WithAllocator(context.Background(), mem)
	var tExec, tLoop time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if got := drain(b, ctx, plan); got != 6 {
			b.Fatalf("%d groups", got)
		}
		t1 := time.Now()
		g := q1Loop(parts[0])
		t2 := time.Now()
		if g[int('A')<<8|int('F')].count == 0 {
			b.Fatal("loop found nothing")
		}
		tExec += t1.Sub(t0)
		tLoop += t2.Sub(t1)
	}
	b.StopTimer()
	for _, p := range parts {
		for _, r := range p {
			r.Release()
		}
	}
	b.ReportMetric(float64(tExec.Nanoseconds())/float64(n)/float64(b.N), "ns/row_exec")
	b.ReportMetric(float64(tLoop.Nanoseconds())/float64(n)/float64(b.N), "ns/row_loop")
	b.ReportMetric(float64(tExec)/float64(tLoop), "x_loop")
}

// BenchmarkQ6 is TPC-H Q6's shape: a selective filter (about 2% of rows)
// on a date range, a discount range and a quantity, then one sum of a
// decimal product; x_loop against a hand-written loop.
func BenchmarkQ6(b *testing.B) {
	const n = 2_000_000
	mem := memory.NewGoAllocator()
	li := makeLineitem(mem, n)
	defer li.release()
	parts := fixedBatches(li.schema, li.cols(), 1, 64*1024)
	src := NewMemorySource(li.schema, parts)
	defer src.Release()
	dec := DecimalType(15, 2)
	qty, price := Col(2, "l_quantity", dec), Col(3, "l_extendedprice", dec)
	disc, ship := Col(4, "l_discount", dec), Col(6, "l_shipdate", tDate)
	pred := must(NewAnd(
		bin(">=", ship, must(Lit("1994-01-01", tDate))),
		bin("<", ship, bin("+", must(Lit("1994-01-01", tDate)), must(Lit(Interval{Months: 12}, nil)))),
		must(NewBetween(disc, must(ParseNumber("0.05")), must(ParseNumber("0.07")), false)),
		bin("<", qty, must(Lit(24, nil))),
	))
	plan := NewAggregate(NewFilter(src, pred), nil, nil, []AggCall{{Name: "sum", Arg: bin("*", price, disc)}}, nil, nil)
	ctx := WithAllocator(context.Background(), mem)
	lo, hi := int32(must(parseDate("1994-01-01"))), int32(must(parseDate("1995-01-01")))
	loop := func() i128 {
		var sum i128
		for _, rec := range parts[0] {
			q := values[i128](rec.Column(2))
			p := values[i128](rec.Column(3))
			d := values[i128](rec.Column(4))
			s := values[int32](rec.Column(6))
			for i := range s {
				if s[i] >= lo && s[i] < hi && int64(d[i].lo) >= 5 && int64(d[i].lo) <= 7 && int64(q[i].lo) < 2400 {
					sum, _ = sum.add(mul64(int64(p[i].lo), int64(d[i].lo)))
				}
			}
		}
		return sum
	}
	var tExec, tLoop time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		drain(b, ctx, plan)
		t1 := time.Now()
		if loop().isZero() {
			b.Fatal("empty")
		}
		tExec += t1.Sub(t0)
		tLoop += time.Since(t1)
	}
	b.StopTimer()
	for _, p := range parts {
		for _, r := range p {
			r.Release()
		}
	}
	b.ReportMetric(float64(tExec.Nanoseconds())/float64(n)/float64(b.N), "ns/row_exec")
	b.ReportMetric(float64(tLoop.Nanoseconds())/float64(n)/float64(b.N), "ns/row_loop")
	b.ReportMetric(float64(tExec)/float64(tLoop), "x_loop")
}

// BenchmarkSort sorts 1,000,000 rows by an INT64 key (DESC) and by a
// short string then the key; TopN takes the first 100 of the same order.
func BenchmarkSort(b *testing.B) {
	const n = 1_000_000
	mem := memory.NewGoAllocator()
	ko := newFixedOut[int64](mem, tInt64, n)
	so := newStrOut(mem, n, 4*n)
	for i := range ko.v {
		ko.v[i] = int64((uint64(i) * 2654435761) % 1000003)
		so.addString(fmt.Sprintf("k%d", i%997))
	}
	k, s := ko.finish(), so.finish()
	defer k.Release()
	defer s.Release()
	schema := schemaOf(c("k", tInt64), c("s", tString))
	src := NewMemorySource(schema, fixedBatches(schema, []arrow.Array{k, s}, 2, 64*1024))
	defer src.Release()
	ctx := WithAllocator(context.Background(), mem)
	kc, sc := Col(0, "k", tInt64), Col(1, "s", tString)
	for _, tc := range []struct {
		name string
		op   Operator
	}{
		{"int64", NewSort(src, []SortKey{{Expr: kc, Desc: true, NullsFirst: true}}, nil)},
		{"string,int64", NewSort(src, []SortKey{{Expr: sc}, {Expr: kc}}, nil)},
		{"topN100", NewTopN(src, []SortKey{{Expr: sc}, {Expr: kc}}, 100, nil)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				drain(b, ctx, tc.op)
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mrows/s")
		})
	}
}

// mix64 is splitmix64's finalizer: well-spread bits from a counter.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}
