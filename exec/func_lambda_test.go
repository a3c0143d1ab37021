package exec

import (
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// lambdaRows evaluates e over rec, rendering lists as [a,b].
func lambdaRows(mem memory.Allocator, e Expr, rec arrow.Record) ([]string, error) {
	a, err := e.Eval(NewEvalContext(mem), rec)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	l, ok := a.(*array.List)
	if !ok {
		return evalRows(mem, e, rec)
	}
	if !arrow.TypeEqual(a.DataType(), e.DataType()) || a.Len() != int(rec.NumRows()) {
		return nil, fmt.Errorf("got %d values of %s for %d rows of %s", a.Len(), a.DataType(), rec.NumRows(), e.DataType())
	}
	var out []string
	for i := range l.Len() {
		if l.IsNull(i) {
			out = append(out, "NULL")
			continue
		}
		s, en := l.ValueOffsets(i)
		var parts []string
		for k := s; k < en; k++ {
			parts = append(parts, cell(l.ListValues(), int(k)))
		}
		out = append(out, "["+strings.Join(parts, ",")+"]")
	}
	return out, nil
}

// TestLambdaFunctions: list_transform, list_filter and list_reduce over
// NULL lists, empty lists, NULL elements and a sliced list array, with
// the element index and a captured column (i). The body's batch is the
// captures, then the parameters.
func TestLambdaFunctions(t *testing.T) {
	mem := checkedMem(t)
	lists := [][]any{{1, 2, 3}, {}, nil, {nil, 5}, {7}, {nil}}
	rec := listRecord(mem, lists, []any{10, 20, 30, 40, nil, 60})
	defer rec.Release()
	l, i := colOf(rec, "l"), colOf(rec, "i")
	bin := func(op string, a, b Expr) Expr { return must(NewBinary(op, a, b)) }
	x := Col(0, "x", tInt64)                            // no captures: the element
	xi, idx := Col(0, "x", tInt64), Col(1, "i", tInt64) // (x, i)
	cx, cap := Col(1, "x", tInt64), Col(0, "c", tInt64) // capture of i, then x
	acc, ax, ai := Col(0, "acc", tInt64), Col(1, "x", tInt64), Col(2, "k", tInt64)
	for _, tc := range []struct {
		name     string
		fn       string
		body     Expr
		captures []Expr
		params   []string
		want     string
	}{
		{"double", "list_transform", bin("*", x, lit(2, nil)), nil, []string{"x"}, "[2,4,6] [] NULL [NULL,10] [14] [NULL]"},
		{"is null", "apply", NewIsNull(x, false), nil, []string{"x"}, "[false,false,false] [] NULL [true,false] [false] [true]"},
		{"index", "array_transform", bin("+", bin("*", xi, lit(10, nil)), idx), nil, []string{"x", "i"}, "[11,22,33] [] NULL [NULL,52] [71] [NULL]"},
		{"capture", "list_apply", bin("+", cx, cap), []Expr{i}, []string{"x"}, "[11,12,13] [] NULL [NULL,45] [NULL] [NULL]"},
		{"filter", "list_filter", bin(">", x, lit(1, nil)), nil, []string{"x"}, "[2,3] [] NULL [5] [7] []"},
		{"filter null", "filter", NewIsNull(x, false), nil, []string{"x"}, "[] [] NULL [NULL] [] [NULL]"},
		{"filter index", "array_filter", bin("=", bin("%", idx, lit(2, nil)), lit(1, nil)), nil, []string{"x", "i"}, "[1,3] [] NULL [NULL] [7] [NULL]"},
		{"filter capture", "list_filter", bin("<", bin("*", cx, lit(10, nil)), cap), []Expr{i}, []string{"x"}, "[] [] NULL [] [] []"},
		{"reduce", "list_reduce", bin("+", acc, ax), nil, []string{"acc", "x"}, "6 NULL NULL NULL 7 NULL"},
		{"reduce index", "reduce", bin("+", acc, bin("*", ax, ai)), nil, []string{"acc", "x", "k"}, "14 NULL NULL NULL 7 NULL"},
	} {
		e, err := NewLambdaCall(tc.fn, l, tc.body, tc.captures, tc.params)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got, err := lambdaRows(mem, e, rec)
		if tc.fn == "list_reduce" || tc.fn == "reduce" {
			// The empty list (row 2) is an error: evaluate without it.
			if err == nil || !strings.Contains(err.Error(), "empty list") {
				t.Errorf("%s: got %v, want the empty-list error", tc.name, err)
			}
			sub := rec.NewSlice(0, 1)
			got0, err0 := evalRows(mem, e, sub)
			sub.Release()
			rest := rec.NewSlice(2, rec.NumRows())
			got1, err1 := evalRows(mem, e, rest)
			rest.Release()
			if err0 != nil || err1 != nil {
				t.Fatalf("%s: %v %v", tc.name, err0, err1)
			}
			got, err = append(append(got0, "NULL"), got1...), nil
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if g := strings.Join(got, " "); g != tc.want {
			t.Errorf("%s = %s, want %s", tc.name, g, tc.want)
		}
	}
	for _, bad := range []struct {
		fn     string
		list   Expr
		body   Expr
		params []string
		want   string
	}{
		{"list_filter", l, bin("+", x, x), []string{"x"}, "must give a BOOLEAN"},
		{"list_transform", l, x, []string{"x", "i", "j"}, "takes one parameter"},
		{"list_reduce", l, x, []string{"x"}, "takes two parameters"},
		{"list_filter", i, lit(true, nil), []string{"x"}, "needs a list"},
		{"list_reduce", l, lit("a", nil), []string{"a", "x"}, "does not convert"},
		{"upper", l, x, []string{"x"}, "does not take a lambda"},
	} {
		if _, err := NewLambdaCall(bad.fn, bad.list, bad.body, nil, bad.params); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s: error %v, want %q", bad.fn, err, bad.want)
		}
	}
	if typ := must(NewLambdaCall("list_transform", l, NewIsNull(x, false), nil, []string{"x"})).DataType(); !arrow.TypeEqual(typ, arrow.ListOf(arrow.FixedWidthTypes.Boolean)) {
		t.Errorf("list_transform to BOOLEAN has type %s", typ)
	}
}

// BenchmarkLambda: list_transform and list_filter over a batch of 8192
// rows of 31 elements (a GHCN month each), one body evaluation per batch.
func BenchmarkLambda(b *testing.B) {
	mem := memory.NewGoAllocator()
	lists := make([][]any, 8192)
	for i := range lists {
		l := make([]any, 31)
		for k := range l {
			if (i+k)%20 == 0 {
				continue // about one in twenty missing
			}
			l[k] = (i*31 + k) % 400
		}
		lists[i] = l
	}
	idx := make([]any, len(lists))
	for i := range idx {
		idx[i] = i % 12
	}
	rec := listRecord(mem, lists, idx)
	defer rec.Release()
	l := colOf(rec, "l")
	x := Col(0, "x", tInt64)
	for _, bc := range []struct {
		name string
		e    Expr
	}{
		{"transform", must(NewLambdaCall("list_transform", l, must(NewBinary("*", x, lit(2, nil))), nil, []string{"x"}))},
		{"filter", must(NewLambdaCall("list_filter", l, must(NewBinary(">", x, lit(300, nil))), nil, []string{"x"}))},
		{"reduce", must(NewLambdaCall("list_reduce", l, must(NewBinary("+", Col(0, "a", tInt64), Col(1, "x", tInt64))), nil, []string{"a", "x"}))},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				a, err := bc.e.Eval(NewEvalContext(mem), rec)
				if err != nil {
					b.Fatal(err)
				}
				a.Release()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(lists)*31), "ns/element")
		})
	}
}
