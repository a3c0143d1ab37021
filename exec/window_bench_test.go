package exec

import (
	"context"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

const benchWindowRows, benchWindowBatch = 1 << 20, 4096

// benchWindowSource is 1M rows in batches of 4096: id, a DECIMAL(15,2) x
// cycling through 10,000 values, and a boolean b.
func benchWindowSource() Operator {
	mem := memory.NewGoAllocator()
	schema := arrow.NewSchema([]arrow.Field{{Name: "id", Type: tInt64}, {Name: "x", Type: DecimalType(15, 2)}, {Name: "b", Type: tBool}}, nil)
	var recs []arrow.Record
	for start := 0; start < benchWindowRows; start += benchWindowBatch {
		ib := array.NewInt64Builder(mem)
		xb := array.NewDecimal128Builder(mem, DecimalType(15, 2).(*arrow.Decimal128Type))
		bb := array.NewBooleanBuilder(mem)
		for i := start; i < start+benchWindowBatch; i++ {
			ib.Append(int64(i))
			xb.Append(i128From64(int64(i % 10000)).num())
			bb.Append(i%3 == 0)
		}
		cols := []arrow.Array{ib.NewArray(), xb.NewArray(), bb.NewArray()}
		recs = append(recs, array.NewRecord(schema, cols, benchWindowBatch))
		releaseAll(cols)
	}
	return NewMemorySource(schema, [][]arrow.Record{recs})
}

// benchWindow runs f over src in input order (a presorted window) and
// reports ns per row.
func benchWindow(b *testing.B, src Operator, f WindowFunc) {
	w, err := NewWindow(src, nil, []SortKey{{Expr: Col(0, "id", tInt64)}}, []WindowFunc{f}, []string{"m"}, true, 1, NewBudget(1<<40))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s, err := w.Execute(context.Background(), 0)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for s.Next() {
			n += int(s.Record().NumRows())
		}
		if err := s.Err(); err != nil {
			b.Fatal(err)
		}
		s.Close()
		if n != benchWindowRows {
			b.Fatalf("%d rows", n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchWindowRows, "ns/row")
}

// BenchmarkWindowMovingAvg is the exec part of a 100-row moving average
// in input order (a presorted window, streamed) over 1M rows in batches
// of 4096, against draining the same batches.
func BenchmarkWindowMovingAvg(b *testing.B) {
	benchWindow(b, benchWindowSource(), WindowFunc{Name: "avg", Arg: Col(1, "x", DecimalType(15, 2)),
		Frame: rowsFrame(BoundPreceding, BoundCurrentRow, 99, 0)})
}

// BenchmarkWindowNewerAggregates is the aggregates of agg_funcs.go over
// the same input: a 100-row moving median (each frame sorted again), a
// running count_if and approx_count_distinct (streamed, their state
// carried), and a whole-partition median (computed once).
func BenchmarkWindowNewerAggregates(b *testing.B) {
	src := benchWindowSource()
	x := Col(1, "x", DecimalType(15, 2))
	for _, c := range []struct {
		name string
		f    WindowFunc
	}{
		{"moving_median", WindowFunc{Name: "median", Arg: x, Frame: rowsFrame(BoundPreceding, BoundCurrentRow, 99, 0)}},
		{"running_count_if", WindowFunc{Name: "count_if", Arg: Col(2, "b", tBool), Frame: DefaultFrame(true)}},
		{"running_approx_count_distinct", WindowFunc{Name: "approx_count_distinct", Arg: x, Frame: DefaultFrame(true)}},
		{"whole_median", WindowFunc{Name: "median", Arg: x, Frame: DefaultFrame(false)}},
	} {
		b.Run(c.name, func(b *testing.B) { benchWindow(b, src, c.f) })
	}
}
