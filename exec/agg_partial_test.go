package exec

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// partialData is a table with a group key and one column per state kind.
func partialData(mem memory.Allocator, n int, seed uint64) arrow.Record {
	r := rand.New(rand.NewPCG(seed, 7))
	var k, i, d, f, s, dt, b []any
	words := []string{"ant", "bee", "cat", "dog", "eel"}
	for range n {
		maybe := func(v any) any {
			if r.IntN(7) == 0 {
				return nil
			}
			return v
		}
		k = append(k, maybe(int64(r.IntN(5))))
		i = append(i, maybe(int64(r.IntN(2000)-1000)))
		d = append(d, maybe(fmt.Sprintf("%d.%02d", r.IntN(1000)-500, r.IntN(100))))
		f = append(f, maybe(float64(r.IntN(4000)-2000)/4))
		s = append(s, maybe(words[r.IntN(len(words))]))
		dt = append(dt, maybe(fmt.Sprintf("2020-%02d-%02d", 1+r.IntN(12), 1+r.IntN(28))))
		b = append(b, maybe(r.IntN(3) > 0))
	}
	return record(mem, c("k", tInt64, k...), c("i", tInt64, i...), c("d", DecimalType(9, 2), d...),
		c("f", tFloat64, f...), c("s", tString, s...), c("dt", tDate, dt...), c("b", tBool, b...))
}

// fmtRows prints rows with floats to 9 significant digits (two-phase sums
// of floats may differ in the last bits).
func fmtRows(t *testing.T, mem memory.Allocator, op Operator) []string {
	t.Helper()
	ctx := WithAllocator(context.Background(), mem)
	var rows []string
	for p := 0; p < op.Partitions(); p++ {
		s, err := op.Execute(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		for s.Next() {
			rec := s.Record()
			for i := 0; i < int(rec.NumRows()); i++ {
				parts := make([]string, rec.NumCols())
				for j, col := range rec.Columns() {
					if fc, ok := col.(*array.Float64); ok && fc.IsValid(i) {
						parts[j] = strconv.FormatFloat(fc.Value(i), 'g', 9, 64)
						continue
					}
					parts[j] = cell(col, i)
				}
				rows = append(rows, strings.Join(parts, "|"))
			}
		}
		err = s.Err()
		s.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	return sorted(rows)
}

// twoPhase runs a partial aggregation over each piece of rec and the final
// aggregation over all their batches.
func twoPhase(t *testing.T, mem memory.Allocator, rec arrow.Record, cuts []int, keys []Expr, calls []AggCall) Operator {
	t.Helper()
	var states []arrow.Record
	lo := 0
	for _, hi := range append(cuts, int(rec.NumRows())) {
		piece := rec.NewSlice(int64(lo), int64(hi))
		src := source(t, piece, 2, 37)
		piece.Release()
		p := NewPartialAggregate(src, keys, nil, calls, nil, nil)
		ctx := WithAllocator(context.Background(), mem)
		st, err := p.Execute(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		for st.Next() {
			r := st.Record()
			r.Retain()
			states = append(states, r)
		}
		if err := st.Err(); err != nil {
			t.Fatal(err)
		}
		st.Close()
		lo = hi
	}
	want, err := PartialSchema(keys, nil, calls, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range states {
		if err := CheckPartialSchema(want, s.Schema()); err != nil {
			t.Fatal(err)
		}
	}
	// two partitions of state batches: the final merge also runs in parallel
	parts := [][]arrow.Record{nil, nil}
	for i, s := range states {
		parts[i%2] = append(parts[i%2], s)
	}
	src := NewMemorySource(want, parts)
	for _, s := range states {
		s.Release()
	}
	t.Cleanup(src.Release)
	return NewFinalAggregate(src, keys, nil, calls, nil, nil)
}

func TestPartialStatesMerge(t *testing.T) {
	noLeaks(t)
	mem := checkedMem(t)
	rec := partialData(mem, 3000, 1)
	defer rec.Release()
	col := func(name string) Expr { return colOf(rec, name) }
	cases := []struct {
		name  string
		calls []AggCall
	}{
		{"count", []AggCall{{Name: "count"}, {Name: "count", Arg: col("s")}, {Name: "count_if", Arg: col("b")}}},
		{"sum and avg of integers", []AggCall{{Name: "sum", Arg: col("i")}, {Name: "avg", Arg: col("i")}}},
		{"sum and avg of decimals", []AggCall{{Name: "sum", Arg: col("d")}, {Name: "avg", Arg: col("d")}}},
		{"sum and avg of floats", []AggCall{{Name: "sum", Arg: col("f")}, {Name: "avg", Arg: col("f")}}},
		{"variance", []AggCall{{Name: "var_samp", Arg: col("f")}, {Name: "stddev_pop", Arg: col("i")}, {Name: "variance", Arg: col("d")}}},
		{"min/max of numbers", []AggCall{{Name: "min", Arg: col("i")}, {Name: "max", Arg: col("f")}, {Name: "max", Arg: col("d")}}},
		{"min/max of text and dates", []AggCall{{Name: "min", Arg: col("s")}, {Name: "max", Arg: col("s")}, {Name: "min", Arg: col("dt")}}},
		{"booleans", []AggCall{{Name: "bool_and", Arg: col("b")}, {Name: "bool_or", Arg: col("b")}, {Name: "max", Arg: col("b")}}},
		{"FILTER", []AggCall{{Name: "sum", Arg: col("i"), Filter: bin(">", col("f"), lit(0, nil))}, {Name: "count", Filter: bin("<", col("i"), lit(0, nil))}}},
		{"DISTINCT min", []AggCall{{Name: "min", Arg: col("i"), Distinct: true}}},
	}
	cutSets := [][]int{nil, {1500}, {1, 2, 3}, {100, 900, 901, 2999}, {0, 0, 3000}}
	for _, grouped := range []bool{true, false} {
		var keys []Expr
		if grouped {
			keys = []Expr{col("k")}
		}
		for _, tc := range cases {
			t.Run(fmt.Sprintf("%s/grouped=%v", tc.name, grouped), func(t *testing.T) {
				want := fmtRows(t, mem, NewAggregate(source(t, rec, 3, 100), keys, nil, tc.calls, nil, nil))
				for _, cuts := range cutSets {
					got := fmtRows(t, mem, twoPhase(t, mem, rec, cuts, keys, tc.calls))
					if strings.Join(got, "\n") != strings.Join(want, "\n") {
						t.Errorf("cuts %v:\n got %q\nwant %q", cuts, got, want)
					}
				}
			})
		}
	}
}

// TestPartialDistinctKeys: an aggregation without aggregates (DISTINCT)
// decomposes too.
func TestPartialDistinctKeys(t *testing.T) {
	mem := checkedMem(t)
	rec := partialData(mem, 500, 2)
	defer rec.Release()
	keys := []Expr{colOf(rec, "k"), colOf(rec, "s")}
	want := fmtRows(t, mem, NewAggregate(source(t, rec, 2, 64), keys, nil, nil, nil, nil))
	got := fmtRows(t, mem, twoPhase(t, mem, rec, []int{10, 250}, keys, nil))
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

// TestPartialIntegerSumOverflow: partial sums are 128-bit, so partials
// that overflow INT64 on their own still merge to a total that fits, and
// a total that does not fit is the same error as on one node.
func TestPartialIntegerSumOverflow(t *testing.T) {
	mem := checkedMem(t)
	big := int64(math.MaxInt64)
	rec := record(mem, c("i", tInt64, big, big, -big, -big, 5))
	defer rec.Release()
	calls := []AggCall{{Name: "sum", Arg: colOf(rec, "i")}}
	got := fmtRows(t, mem, twoPhase(t, mem, rec, []int{2}, nil, calls))
	if len(got) != 1 || got[0] != "5" {
		t.Errorf("sum = %q, want 5", got)
	}
	rec2 := record(mem, c("i", tInt64, big, big, 1))
	defer rec2.Release()
	calls = []AggCall{{Name: "sum", Arg: colOf(rec2, "i")}}
	_, err := run(t, mem, twoPhase(t, mem, rec2, []int{1, 2}, nil, calls))
	if err == nil || !strings.Contains(err.Error(), "INT64 overflow in sum") {
		t.Errorf("err = %v, want the INT64 overflow of sum", err)
	}
}

// TestPartialEmpty: a global aggregation with no state batches at all (no
// splits) is one row, as over no rows.
func TestPartialEmpty(t *testing.T) {
	mem := checkedMem(t)
	rec := record(mem, c("i", tInt64), c("f", tFloat64))
	defer rec.Release()
	calls := []AggCall{{Name: "count"}, {Name: "sum", Arg: colOf(rec, "i")}, {Name: "avg", Arg: colOf(rec, "f")},
		{Name: "min", Arg: colOf(rec, "f")}, {Name: "var_pop", Arg: colOf(rec, "i")}}
	schema, err := PartialSchema(nil, nil, calls, nil)
	if err != nil {
		t.Fatal(err)
	}
	src := NewMemorySource(schema, nil)
	defer src.Release()
	got := fmtRows(t, mem, NewFinalAggregate(src, nil, nil, calls, nil, nil))
	if strings.Join(got, ";") != "0|NULL|NULL|NULL|NULL" {
		t.Errorf("got %q", got)
	}
}

func TestPartialSchemaLayout(t *testing.T) {
	k := Col(0, "k", tString)
	x := Col(1, "x", tInt32)
	d := Col(2, "d", DecimalType(12, 3))
	calls := []AggCall{{Name: "avg", Arg: x}, {Name: "sum", Arg: d}, {Name: "var_pop", Arg: x}, {Name: "max", Arg: k}, {Name: "count"}}
	s, err := PartialSchema([]Expr{k}, []string{"k"}, calls, []string{"a", "s", "v", "m", "n"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range s.Fields() {
		got = append(got, f.Name+" "+TypeName(f.Type))
	}
	want := "k VARCHAR, $rows INT64, a$sum DECIMAL(38,0), a$count INT64, s$sum DECIMAL(38,3), s$count INT64, " +
		"v$n INT64, v$mean FLOAT64, v$m2 FLOAT64, m$has BOOLEAN, m$value VARCHAR, n$count INT64"
	if strings.Join(got, ", ") != want {
		t.Errorf("layout:\n got %s\nwant %s", strings.Join(got, ", "), want)
	}
	if v, _ := s.Metadata().GetValue(PartialStateVersionKey); v != "1" {
		t.Errorf("version %q", v)
	}
}

func TestPartialRefusals(t *testing.T) {
	x := Col(0, "x", tInt64)
	for _, tc := range []struct {
		call AggCall
		want string
	}{
		{AggCall{Name: "count", Arg: x, Distinct: true}, "count(DISTINCT ...) does not decompose"},
		{AggCall{Name: "sum", Arg: x, Distinct: true}, "sum(DISTINCT ...) does not decompose"},
		{AggCall{Name: "median", Arg: x}, "median does not decompose"},
		{AggCall{Name: "string_agg", Arg: Col(0, "s", tString)}, "string_agg does not decompose"},
	} {
		err := PartialSupported(tc.call)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.call, err, tc.want)
		}
		if _, err := PartialSchema(nil, nil, []AggCall{tc.call}, nil); err == nil {
			t.Errorf("%s: PartialSchema accepted it", tc.call)
		}
	}
}

func TestCheckPartialSchema(t *testing.T) {
	x := Col(0, "x", tInt64)
	calls := []AggCall{{Name: "sum", Arg: x}}
	want, err := PartialSchema(nil, nil, calls, nil)
	if err != nil {
		t.Fatal(err)
	}
	old := arrow.NewMetadata([]string{PartialStateVersionKey}, []string{"0"})
	none := arrow.NewSchema(want.Fields(), nil)
	bad := arrow.NewSchema(want.Fields(), &old)
	fields := append([]arrow.Field(nil), want.Fields()...)
	fields[1].Type = tFloat64
	md := want.Metadata()
	retyped := arrow.NewSchema(fields, &md)
	for _, tc := range []struct {
		got  *arrow.Schema
		want string
	}{
		{none, "not a partial aggregation state"},
		{bad, "version 0, this recq reads version 1"},
		{retyped, "is float64, expected decimal"},
		{want, ""},
	} {
		err := CheckPartialSchema(want, tc.got)
		if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("err = %v, want %q", err, tc.want)
		}
	}
}

// TestPartitionByKeys: every group lands in exactly one bucket, the same
// bucket from any batch, and merging the buckets' final aggregations
// separately gives the whole answer.
func TestPartitionByKeys(t *testing.T) {
	mem := checkedMem(t)
	rec := partialData(mem, 2000, 3)
	defer rec.Release()
	keys := []Expr{colOf(rec, "k"), colOf(rec, "s")}
	calls := []AggCall{{Name: "count"}, {Name: "avg", Arg: colOf(rec, "f")}}
	want := fmtRows(t, mem, NewAggregate(source(t, rec, 2, 100), keys, nil, calls, nil, nil))
	const n = 3
	buckets := make([][]arrow.Record, n)
	seen := map[string]int{}
	for _, piece := range [][2]int64{{0, 700}, {700, 1500}, {1500, 2000}} {
		sl := rec.NewSlice(piece[0], piece[1])
		p := NewPartialAggregate(source(t, sl, 2, 64), keys, nil, calls, nil, nil)
		sl.Release()
		st, err := p.Execute(WithAllocator(context.Background(), mem), 0)
		if err != nil {
			t.Fatal(err)
		}
		for st.Next() {
			parts, err := PartitionByKeys(mem, st.Record(), len(keys), n)
			if err != nil {
				t.Fatal(err)
			}
			for b, part := range parts {
				if part == nil {
					continue
				}
				for i := 0; i < int(part.NumRows()); i++ {
					key := cell(part.Column(0), i) + "|" + cell(part.Column(1), i)
					if prev, ok := seen[key]; ok && prev != b {
						t.Errorf("group %s in buckets %d and %d", key, prev, b)
					}
					seen[key] = b
				}
				buckets[b] = append(buckets[b], part)
			}
		}
		st.Close()
	}
	schema, err := PartialSchema(keys, nil, calls, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	used := 0
	for _, recs := range buckets {
		if len(recs) > 0 {
			used++
		}
		src := NewMemorySource(schema, [][]arrow.Record{recs})
		for _, r := range recs {
			r.Release()
		}
		got = append(got, fmtRows(t, mem, NewFinalAggregate(src, keys, nil, calls, nil, nil))...)
		src.Release()
	}
	if used < 2 {
		t.Errorf("%d of %d buckets used", used, n)
	}
	if strings.Join(sorted(got), "\n") != strings.Join(want, "\n") {
		t.Errorf("bucket by bucket:\n%q\nwant\n%q", sorted(got), want)
	}
	// the hash is fixed: these keys go to these buckets in every process
	k := arr(mem, tString, "ant", "bee", nil, "")
	defer k.Release()
	if b := RowBuckets([]arrow.Array{k}, 4, 8); fmt.Sprint(b) != "[6 2 5 7]" {
		t.Errorf("buckets %v", b)
	}
}
