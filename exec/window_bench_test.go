package exec

import (
	"context"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// BenchmarkWindowMovingAvg is the exec part of a 100-row moving average
// in input order (a presorted window, streamed) over 1M rows in batches
// of 4096, against draining the same batches.
func BenchmarkWindowMovingAvg(b *testing.B) {
	const rows, batch = 1 << 20, 4096
	mem := memory.NewGoAllocator()
	schema := arrow.NewSchema([]arrow.Field{{Name: "id", Type: tInt64}, {Name: "x", Type: DecimalType(15, 2)}}, nil)
	var recs []arrow.Record
	for start := 0; start < rows; start += batch {
		ib := array.NewInt64Builder(mem)
		xb := array.NewDecimal128Builder(mem, DecimalType(15, 2).(*arrow.Decimal128Type))
		for i := start; i < start+batch; i++ {
			ib.Append(int64(i))
			xb.Append(i128From64(int64(i % 10000)).num())
		}
		ia, xa := ib.NewArray(), xb.NewArray()
		recs = append(recs, array.NewRecord(schema, []arrow.Array{ia, xa}, batch))
		ia.Release()
		xa.Release()
	}
	src := NewMemorySource(schema, [][]arrow.Record{recs})
	f := WindowFunc{Name: "avg", Arg: Col(1, "x", DecimalType(15, 2)),
		Frame: WindowFrame{Start: WindowBound{Kind: BoundPreceding, Rows: 99}, End: WindowBound{Kind: BoundCurrentRow}}}
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
		if n != rows {
			b.Fatalf("%d rows", n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/rows, "ns/row")
}
