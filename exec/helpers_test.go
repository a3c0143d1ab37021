package exec

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// checkedMem returns an allocator that must be empty when the test ends.
func checkedMem(t testing.TB) *memory.CheckedAllocator {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}

// noLeaks fails the test if goroutines started during it are still alive
// shortly after it ends.
func noLeaks(t testing.TB) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(2 * time.Second)
		for {
			n := runtime.NumGoroutine()
			if n <= before {
				return
			}
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<16)
				buf = buf[:runtime.Stack(buf, true)]
				t.Errorf("goroutine leak: %d before, %d after\n%s", before, n, buf)
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
}

var (
	tI8  = arrow.PrimitiveTypes.Int8
	tI16 = arrow.PrimitiveTypes.Int16
	tU8  = arrow.PrimitiveTypes.Uint8
	tU64 = arrow.PrimitiveTypes.Uint64
	tF32 = arrow.PrimitiveTypes.Float32
)

// phys converts a friendly test value to the physical value of type t:
// ints, floats, strings parsed for DATE/TIMESTAMP/DECIMAL, nil for NULL.
func phys(t arrow.DataType, v any) any {
	if v == nil {
		return nil
	}
	if s, ok := v.(string); ok && !isString(t) {
		p, err := castString(s, t)
		if err != nil {
			panic(err)
		}
		return p
	}
	if i, ok := v.(int); ok {
		v = int64(i)
	}
	p, err := physValue(v, t)
	if err != nil {
		panic(err)
	}
	return p
}

// arr builds an array of type t from friendly values.
func arr(mem memory.Allocator, t arrow.DataType, vals ...any) arrow.Array {
	ps := make([]any, len(vals))
	for i, v := range vals {
		ps[i] = phys(t, v)
	}
	return arrayFromValues(mem, t, ps)
}

type colSpec struct {
	name string
	typ  arrow.DataType
	vals []any
}

func c(name string, t arrow.DataType, vals ...any) colSpec { return colSpec{name, t, vals} }

func schemaOf(cols ...colSpec) *arrow.Schema {
	fs := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fs[i] = arrow.Field{Name: c.name, Type: c.typ, Nullable: true}
	}
	return arrow.NewSchema(fs, nil)
}

// record builds one record from column specs.
func record(mem memory.Allocator, cols ...colSpec) arrow.Record {
	as := make([]arrow.Array, len(cols))
	n := 0
	for i, c := range cols {
		as[i] = arr(mem, c.typ, c.vals...)
		n = len(c.vals)
	}
	r := array.NewRecord(schemaOf(cols...), as, int64(n))
	releaseAll(as)
	return r
}

// split cuts a record into partitions of batches: rows go to partitions in
// contiguous ranges, each cut into batches of batch rows.
func split(rec arrow.Record, parts, batch int) [][]arrow.Record {
	n := int(rec.NumRows())
	out := make([][]arrow.Record, parts)
	per := (n + parts - 1) / parts
	for p := 0; p < parts; p++ {
		lo, hi := p*per, min((p+1)*per, n)
		for s := lo; s < hi; s += batch {
			e := min(s+batch, hi)
			out[p] = append(out[p], rec.NewSlice(int64(s), int64(e)))
		}
	}
	return out
}

// source returns a memory source over rec split as given; the caller
// releases it (cleanup registered).
func source(t testing.TB, rec arrow.Record, parts, batch int) *MemorySource {
	ps := split(rec, parts, batch)
	src := NewMemorySource(rec.Schema(), ps)
	for _, p := range ps {
		for _, r := range p {
			r.Release()
		}
	}
	t.Cleanup(src.Release)
	return src
}

func cell(a arrow.Array, i int) string {
	v := scalarAt(a, i)
	if v == nil {
		return "NULL"
	}
	return formatValue(a.DataType(), v)
}

// run executes every partition of op and returns its rows as
// "v1|v2|..." strings, in order (partitions concatenated).
func run(t testing.TB, mem memory.Allocator, op Operator) ([]string, error) {
	t.Helper()
	ctx := WithAllocator(context.Background(), mem)
	var rows []string
	for p := 0; p < op.Partitions(); p++ {
		s, err := op.Execute(ctx, p)
		if err != nil {
			return nil, err
		}
		for s.Next() {
			rec := s.Record()
			if rec.NumRows() == 0 {
				t.Errorf("stream returned an empty batch")
			}
			for i := 0; i < int(rec.NumRows()); i++ {
				parts := make([]string, rec.NumCols())
				for j, col := range rec.Columns() {
					parts[j] = cell(col, i)
				}
				rows = append(rows, strings.Join(parts, "|"))
			}
		}
		err = s.Err()
		s.Close()
		s.Close() // idempotent
		if err != nil {
			return rows, err
		}
	}
	return rows, nil
}

func mustRun(t testing.TB, mem memory.Allocator, op Operator) []string {
	t.Helper()
	rows, err := run(t, mem, op)
	if err != nil {
		t.Fatalf("run %s: %v", op, err)
	}
	return rows
}

func sorted(rows []string) []string {
	out := append([]string(nil), rows...)
	sort.Strings(out)
	return out
}

func eqRows(t testing.TB, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n got: %q\nwant: %q", what, got, want)
	}
}

// evalRows evaluates e over rec and renders each value.
func evalRows(mem memory.Allocator, e Expr, rec arrow.Record) ([]string, error) {
	a, err := e.Eval(NewEvalContext(mem), rec)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	if a.Len() != int(rec.NumRows()) {
		return nil, fmt.Errorf("%d values for %d rows", a.Len(), rec.NumRows())
	}
	if !arrow.TypeEqual(a.DataType(), e.DataType()) {
		return nil, fmt.Errorf("array type %s, expression type %s", a.DataType(), e.DataType())
	}
	out := make([]string, a.Len())
	for i := range out {
		out[i] = cell(a, i)
	}
	return out, nil
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func lit(v any, t arrow.DataType) Expr { return must(Lit(v, t)) }

func bin(op string, l, r Expr) Expr { return must(NewBinary(op, l, r)) }

func timeAfter(seconds int) <-chan time.Time { return time.After(time.Duration(seconds) * time.Second) }
