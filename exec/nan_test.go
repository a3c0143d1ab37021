package exec

import (
	"fmt"
	"math"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/recq/recq/storage"
)

// NaN has one order everywhere (storage.Compare): equal to itself and
// greater than every other value. These tests fail when any of
// comparisons, BETWEEN, IN, min/max or sorting uses IEEE comparison.

var nanEdge = []float64{math.NaN(), math.Inf(-1), -1, math.Copysign(0, -1), 0, 1, math.Inf(1)}

func TestNaNComparisons(t *testing.T) {
	mem := checkedMem(t)
	for _, typ := range []arrow.DataType{tFloat64, tF32} {
		// every pair (a, b) as two columns
		var as, bs []any
		for _, a := range nanEdge {
			for _, b := range nanEdge {
				as, bs = append(as, a), append(bs, b)
			}
		}
		rec := record(mem, c("a", typ, as...), c("b", typ, bs...))
		x, y := colOf(rec, "a"), colOf(rec, "b")
		for _, op := range []cmpOp{opEq, opNe, opLt, opLe, opGt, opGe} {
			got, err := evalRows(mem, bin(op.String(), x, y), rec)
			if err != nil {
				t.Fatal(err)
			}
			for i := range got {
				a, b := as[i].(float64), bs[i].(float64)
				if want := fmt.Sprint(op.holds(storage.Compare(a, b))); got[i] != want {
					t.Errorf("%s: %v %s %v = %s, want %s", TypeName(typ), a, op, b, got[i], want)
				}
			}
			// against each constant
			for _, k := range nanEdge {
				got, err := evalRows(mem, bin(op.String(), x, lit(k, typ)), rec)
				if err != nil {
					t.Fatal(err)
				}
				for i := range got {
					a := as[i].(float64)
					if want := fmt.Sprint(op.holds(storage.Compare(a, k))); got[i] != want {
						t.Errorf("%s: %v %s constant %v = %s, want %s", TypeName(typ), a, op, k, got[i], want)
					}
				}
			}
		}
		rec.Release()
	}
}

func TestNaNBetweenAndIn(t *testing.T) {
	mem := checkedMem(t)
	vals := make([]any, len(nanEdge))
	for i, v := range nanEdge {
		vals[i] = v
	}
	rec := record(mem, c("x", tFloat64, vals...))
	defer rec.Release()
	x := colOf(rec, "x")
	for _, lo := range nanEdge {
		for _, hi := range nanEdge {
			in := must(NewBetween(x, lit(lo, nil), lit(hi, nil), false))
			notIn := must(NewBetween(x, lit(lo, nil), lit(hi, nil), true))
			a := must(evalRows(mem, in, rec))
			b := must(evalRows(mem, notIn, rec))
			c := must(evalRows(mem, must(NewUnary("NOT", in)), rec))
			for i, v := range nanEdge {
				want := storage.Compare(v, lo) >= 0 && storage.Compare(v, hi) <= 0
				if a[i] != fmt.Sprint(want) || b[i] != fmt.Sprint(!want) || c[i] != b[i] {
					t.Errorf("%v BETWEEN %v AND %v = %s, NOT BETWEEN %s, NOT (BETWEEN) %s; want %v", v, lo, hi, a[i], b[i], c[i], want)
				}
			}
		}
	}
	cases := []struct {
		list []float64
		want string
	}{
		{[]float64{math.NaN()}, "true false false false false false false"},
		{[]float64{math.NaN(), 1}, "true false false false false true false"},
		{[]float64{1, 0}, "false false false true true true false"}, // -0 = 0
		{[]float64{math.Inf(1)}, "false false false false false false true"},
	}
	for _, tc := range cases {
		items := make([]Expr, len(tc.list))
		for i, v := range tc.list {
			items[i] = lit(v, nil)
		}
		got := must(evalRows(mem, must(NewIn(x, items, false)), rec))
		if fmt.Sprint(got) != "["+tc.want+"]" {
			t.Errorf("x IN %v: %v, want [%s]", tc.list, got, tc.want)
		}
	}
}

// TestNaNMinMax: min and max do not depend on the order rows arrive in,
// within a batch, across batches or across partitions.
func TestNaNMinMax(t *testing.T) {
	mem := checkedMem(t)
	orders := [][]any{
		{math.NaN(), 1.0, math.Inf(-1), 3.0},
		{1.0, math.Inf(-1), 3.0, math.NaN()},
		{3.0, math.NaN(), 1.0, math.Inf(-1)},
	}
	for _, typ := range []arrow.DataType{tFloat64, tF32} {
		for _, vals := range orders {
			for _, parts := range []int{1, 2} {
				for _, batch := range []int{1, 4} {
					rec := record(mem, c("x", typ, vals...))
					src := source(t, rec, parts, batch)
					x := colOf(rec, "x")
					agg := NewAggregate(src, nil, nil, []AggCall{{Name: "min", Arg: x}, {Name: "max", Arg: x}}, nil, nil)
					eqRows(t, fmt.Sprintf("%s min/max of %v (%d parts, batch %d)", TypeName(typ), vals, parts, batch),
						mustRun(t, mem, agg), []string{"-inf|nan"})
					rec.Release()
				}
			}
		}
	}
}

// TestNaNSort: NaN sorts last ascending, first descending.
func TestNaNSort(t *testing.T) {
	mem := checkedMem(t)
	rec := record(mem, c("x", tFloat64, 2.0, math.NaN(), math.Inf(1), -1.0, math.NaN()))
	defer rec.Release()
	src := source(t, rec, 2, 2)
	x := colOf(rec, "x")
	eqRows(t, "ASC", mustRun(t, mem, NewSort(src, []SortKey{{Expr: x}}, nil)), []string{"-1.0", "2.0", "inf", "nan", "nan"})
	eqRows(t, "DESC", mustRun(t, mem, NewSort(src, []SortKey{{Expr: x, Desc: true}}, nil)), []string{"nan", "nan", "inf", "2.0", "-1.0"})
	eqRows(t, "TopN DESC", mustRun(t, mem, NewTopN(src, []SortKey{{Expr: x, Desc: true}}, 3, nil)), []string{"nan", "nan", "inf"})
}
