package exec

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// listRecord builds a record with an INT64 list column l (rows given as
// slices, nil for a NULL list, NULL elements as nil) and an INT64 column
// i. The list array is a slice of a longer one, so offsets do not start
// at 0.
func listRecord(mem memory.Allocator, lists [][]any, idx []any) arrow.Record {
	lt := arrow.ListOf(tInt64)
	b := array.NewListBuilder(mem, tInt64)
	defer b.Release()
	vb := b.ValueBuilder().(*array.Int64Builder)
	row := func(l []any) {
		if l == nil {
			b.AppendNull()
			return
		}
		b.Append(true)
		for _, v := range l {
			if v == nil {
				vb.AppendNull()
			} else {
				vb.Append(int64(v.(int)))
			}
		}
	}
	row([]any{99, 98}) // sliced away
	for _, l := range lists {
		row(l)
	}
	full := b.NewArray()
	defer full.Release()
	la := array.NewSlice(full, 1, int64(full.Len()))
	defer la.Release()
	ia := arr(mem, tInt64, idx...)
	defer ia.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: "l", Type: lt, Nullable: true}, {Name: "i", Type: tInt64, Nullable: true}}, nil)
	return array.NewRecord(schema, []arrow.Array{la, ia}, int64(len(lists)))
}

// TestListFunctions: element access, length and the list aggregates,
// over NULL lists, empty lists and NULL elements.
func TestListFunctions(t *testing.T) {
	mem := checkedMem(t)
	lists := [][]any{{1, 2, 3}, {}, nil, {nil, 5}, {7}, {nil}}
	rec := listRecord(mem, lists, []any{1, 1, 1, 2, -1, nil})
	defer rec.Release()
	l, i := colOf(rec, "l"), colOf(rec, "i")
	call := func(name string, args ...Expr) Expr { return must(NewCall(name, args)) }
	for _, tc := range []struct {
		name string
		e    Expr
		want string
	}{
		{"l[i]", call("list_extract", l, i), "1 NULL NULL 5 7 NULL"},
		{"l[1]", call("list_extract", l, lit(1, nil)), "1 NULL NULL NULL 7 NULL"},
		{"l[2]", call("list_element", l, lit(2, nil)), "2 NULL NULL 5 NULL NULL"},
		{"l[-1]", call("array_extract", l, lit(-1, nil)), "3 NULL NULL 5 7 NULL"},
		{"l[-3]", call("list_extract", l, lit(-3, nil)), "1 NULL NULL NULL NULL NULL"},
		{"l[0]", call("list_extract", l, lit(0, nil)), "NULL NULL NULL NULL NULL NULL"},
		{"l[4]", call("list_extract", l, lit(4, nil)), "NULL NULL NULL NULL NULL NULL"},
		{"l[NULL]", call("list_extract", l, lit(nil, nil)), "NULL NULL NULL NULL NULL NULL"},
		{"len", call("len", l), "3 0 NULL 2 1 1"},
		{"array_length", call("array_length", l), "3 0 NULL 2 1 1"},
		{"list_sum", call("list_sum", l), "6 NULL NULL 5 7 NULL"},
		{"list_avg", call("list_avg", l), "2.0 NULL NULL 5.0 7.0 NULL"},
		{"list_min", call("list_min", l), "1 NULL NULL 5 7 NULL"},
		{"array_max", call("array_max", l), "3 NULL NULL 5 7 NULL"},
	} {
		got, err := evalRows(mem, tc.e, rec)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if g := strings.Join(got, " "); g != tc.want {
			t.Errorf("%s = %s, want %s", tc.name, g, tc.want)
		}
	}
	for _, bad := range []struct {
		name string
		args []Expr
		want string
	}{
		{"list_extract", []Expr{i, i}, "needs a list"},
		{"list_extract", []Expr{l, lit("x", nil)}, "a list index must be an integer"},
		{"len", []Expr{i}, "len needs a list"},
		{"list_sum", []Expr{l, l}, "takes 1 argument"},
		{"unnest", []Expr{i}, "unnest needs a list"},
	} {
		if _, err := NewCall(bad.name, bad.args); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s: error %v, want %q", bad.name, err, bad.want)
		}
	}
}

// TestListSumOverflow: list_sum fails on overflow, as sum does.
func TestListSumOverflow(t *testing.T) {
	mem := checkedMem(t)
	rec := listRecord(mem, [][]any{{math.MaxInt64, 1}}, []any{1})
	defer rec.Release()
	_, err := evalRows(mem, must(NewCall("list_sum", []Expr{colOf(rec, "l")})), rec)
	if err == nil || !strings.Contains(err.Error(), "overflow") {
		t.Fatalf("got %v, want an overflow error", err)
	}
}

// TestUnnestOperator: one row per element, the other columns repeated;
// lists side by side padded with NULL; NULL and empty lists give no rows;
// subscripts count from 1.
func TestUnnestOperator(t *testing.T) {
	mem := checkedMem(t)
	rec := listRecord(mem, [][]any{{1, 2, 3}, {}, nil, {nil, 5}}, []any{10, 20, 30, 40})
	defer rec.Release()
	l := colOf(rec, "l")
	short := must(NewCall("list_extract", []Expr{l, lit(1, nil)})) // not a list: refused
	src := NewMemorySource(rec.Schema(), [][]arrow.Record{{rec}})
	defer src.Release()
	if _, err := NewUnnest(src, []Expr{short}, []bool{false}, []string{"x"}); err == nil {
		t.Fatal("unnest of an INT64 was accepted")
	}
	u, err := NewUnnest(src, []Expr{l, l}, []bool{false, true}, []string{"v", "k"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := WithAllocator(context.Background(), mem)
	st, err := u.Execute(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var got []string
	for st.Next() {
		r := st.Record()
		for row := 0; row < int(r.NumRows()); row++ {
			got = append(got, cell(r.Column(1), row)+":"+cell(r.Column(2), row)+":"+cell(r.Column(3), row))
		}
	}
	if err := st.Err(); err != nil {
		t.Fatal(err)
	}
	want := []string{"10:1:1", "10:2:2", "10:3:3", "40:NULL:1", "40:5:2"}
	if !slices.Equal(got, want) {
		t.Fatalf("unnest rows %v, want %v", got, want)
	}
}
