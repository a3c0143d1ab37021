package exec

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
)

// windowInput is n rows in id order: id, a nullable INT32 x, a nullable
// DECIMAL(9,2) d, a nullable string s and a small group key g.
func windowInput(t testing.TB, n int, seed uint64) arrow.Record {
	r := rand.New(rand.NewPCG(seed, 7))
	var ids, xs, ds, ss, gs, bs []any
	for i := 0; i < n; i++ {
		ids = append(ids, i)
		maybe := func(v any) any {
			if r.IntN(5) == 0 {
				return nil
			}
			return v
		}
		xs = append(xs, maybe(r.IntN(200)-100))
		ds = append(ds, maybe(fmt.Sprintf("%d.%02d", r.IntN(1000)-500, r.IntN(100))))
		ss = append(ss, maybe(string(rune('a'+r.IntN(26)))+string(rune('a'+r.IntN(26)))))
		gs = append(gs, r.IntN(4))
		bs = append(bs, maybe(r.IntN(2) == 0))
	}
	return record(checkedMem(t), c("id", tInt64, ids...), c("x", arrow.PrimitiveTypes.Int32, xs...),
		c("d", DecimalType(9, 2), ds...), c("s", tString, ss...), c("g", tInt64, gs...), c("b", tBool, bs...))
}

func rowsFrame(start, end WindowBoundKind, a, b int64) WindowFrame {
	return WindowFrame{Start: WindowBound{Kind: start, Rows: a}, End: WindowBound{Kind: end, Rows: b}}
}

// windowCases are functions over windowInput's columns (0 id, 1 x, 2 d,
// 3 s, 4 g).
func windowCases() []WindowFunc {
	x := Col(1, "x", arrow.PrimitiveTypes.Int32)
	d := Col(2, "d", DecimalType(9, 2))
	s := Col(3, "s", tString)
	moving := rowsFrame(BoundPreceding, BoundCurrentRow, 5, 0)
	centred := rowsFrame(BoundPreceding, BoundFollowing, 3, 2)
	ahead := rowsFrame(BoundFollowing, BoundFollowing, 1, 4)
	running := DefaultFrame(true)
	return []WindowFunc{
		{Name: "row_number"},
		{Name: "lag", Arg: x, N: 1},
		{Name: "lag", Arg: s, N: 3, Default: lit("none", tString)},
		{Name: "lead", Arg: d, N: 2},
		{Name: "lead", Arg: Col(5, "b", tBool), N: 3, Default: lit(false, tBool)},
		{Name: "lead", Arg: x, N: -2},
		{Name: "sum", Arg: x, Frame: moving},
		{Name: "avg", Arg: d, Frame: centred},
		{Name: "count", Arg: s, Frame: ahead},
		{Name: "sum", Arg: d, Frame: rowsFrame(BoundFollowing, BoundFollowing, 3, 5)},
		{Name: "avg", Arg: x, Frame: rowsFrame(BoundPreceding, BoundPreceding, 4, 2)},
		{Name: "count", Frame: moving},
		{Name: "sum", Arg: d, Frame: running},
		{Name: "avg", Arg: x, Frame: running},
		{Name: "count", Arg: x, Frame: running},
		{Name: "min", Arg: s, Frame: centred},
		{Name: "max", Arg: d, Frame: moving},
		{Name: "stddev_samp", Arg: x, Frame: centred},
		{Name: "first_value", Arg: x, Frame: centred},
		{Name: "last_value", Arg: s, Frame: centred, IgnoreNulls: true},
		{Name: "nth_value", Arg: d, N: 2, Frame: moving},
		{Name: "sum", Arg: x, Frame: WindowFrame{Start: WindowBound{Kind: BoundPreceding, Rows: 2}, End: WindowBound{Kind: BoundFollowing, Rows: 2}, Exclude: ExcludeCurrentRow}},
		// not streamable: materialised even when presorted
		{Name: "max", Arg: x, Frame: running},
		{Name: "percent_rank"},
		{Name: "lag", Arg: x, N: 1, IgnoreNulls: true},
		// the aggregates of agg_funcs.go (callKernel): bounded frames
		// stream, running and whole-partition ones are materialised
		{Name: "median", Arg: x, Frame: centred},
		{Name: "quantile_disc", Arg: d, Args: []Expr{lit(QuantileListArg, tString), lit(0.25, tFloat64), lit(0.75, tFloat64)}, Frame: moving},
		{Name: "string_agg", Arg: s, Args: []Expr{lit("-", tString)}, Frame: ahead},
		{Name: "string_agg", Arg: x, Distinct: true, Frame: centred},
		{Name: "arg_max", Arg: s, Args: []Expr{x}, Frame: moving},
		{Name: "first", Arg: x, Filter: Col(5, "b", tBool), Frame: centred},
		{Name: "mode", Arg: x, Frame: WindowFrame{Start: WindowBound{Kind: BoundPreceding, Rows: 4}, End: WindowBound{Kind: BoundFollowing, Rows: 4}, Exclude: ExcludeCurrentRow}},
		{Name: "count_if", Arg: Col(5, "b", tBool), Frame: moving},
		{Name: "last", Arg: s, Frame: running},
		{Name: "approx_count_distinct", Arg: x, Frame: running},
		{Name: "min_by", Arg: d, Args: []Expr{s}, Frame: rowsFrame(BoundUnboundedPreceding, BoundUnboundedFollowing, 0, 0)},
		{Name: "quantile_cont", Arg: x, Args: []Expr{lit(0.9, tFloat64)}, Filter: Col(5, "b", tBool), Frame: running},
	}
}

// A presorted window gives the same answers as the materialised, sorted
// one, for every batch size: streamed windows see their lookback and
// lookahead across batches, and running totals carry over.
func TestWindowPresortedMatchesSorted(t *testing.T) {
	noLeaks(t)
	// the materialised side fills its one partition on two goroutines
	defer func(n int) { parallelFillRows = n }(parallelFillRows)
	parallelFillRows = 16
	mem := checkedMem(t)
	rec := windowInput(t, 300, 1)
	defer rec.Release()
	order := []SortKey{{Expr: Col(0, "id", tInt64)}}
	for _, f := range windowCases() {
		f.Text = fmt.Sprintf("%s(%v) N=%d %+v", f.Name, f.Arg, f.N, f.Frame)
		for _, batch := range []int{1, 7, 64, 1000} {
			t.Run(fmt.Sprintf("%s/batch=%d", f.Text, batch), func(t *testing.T) {
				want := mustRun(t, mem, must(NewWindow(source(t, rec, 3, 50), nil, order, []WindowFunc{f}, []string{"w"}, false, 2, NewBudget(1<<30))))
				got := mustRun(t, mem, must(NewWindow(source(t, rec, 1, batch), nil, order, []WindowFunc{f}, []string{"w"}, true, 2, NewBudget(1<<30))))
				eqRows(t, f.Text, sorted(rounded(got)), sorted(rounded(want)))
			})
		}
	}
}

// Which of the agg_funcs.go aggregates stream in a presorted window:
// bounded frames, and running frames of the states read in O(1), which
// carry the dropped rows in their state.
func TestWindowCallStreamable(t *testing.T) {
	x := Col(1, "x", arrow.PrimitiveTypes.Int32)
	b := Col(5, "b", tBool)
	running := DefaultFrame(true)
	excl := running
	excl.End = WindowBound{Kind: BoundUnboundedFollowing}
	excl.Exclude = ExcludeCurrentRow
	rec := windowInput(t, 10, 1)
	defer rec.Release()
	for _, c := range []struct {
		f    WindowFunc
		want bool
	}{
		{WindowFunc{Name: "median", Arg: x, Frame: rowsFrame(BoundPreceding, BoundFollowing, 3, 2)}, true},
		{WindowFunc{Name: "count_if", Arg: b, Frame: running}, true},
		{WindowFunc{Name: "last", Arg: x, Frame: running, Filter: b}, true},
		{WindowFunc{Name: "approx_count_distinct", Arg: x, Frame: rowsFrame(BoundUnboundedPreceding, BoundPreceding, 0, 2)}, true},
		{WindowFunc{Name: "median", Arg: x, Frame: running}, false},
		{WindowFunc{Name: "string_agg", Arg: x, Frame: running}, false},
		{WindowFunc{Name: "count_if", Arg: b, Frame: excl}, false},
	} {
		w := must(NewWindow(source(t, rec, 1, 4), nil, []SortKey{{Expr: Col(0, "id", tInt64)}}, []WindowFunc{c.f}, []string{"w"}, true, 1, NewBudget(1<<30)))
		if _, _, ok := w.(*Window).streamable(); ok != c.want {
			t.Errorf("%s %+v: streamable %v, want %v", c.f.Name, c.f.Frame, ok, c.want)
		}
	}
}

// rounded rounds the floats of rows to 10 significant digits: a
// streamed window sums floats over other ranges than a materialised one.
func rounded(rows []string) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		fs := strings.Split(r, "|")
		for j, f := range fs {
			var v float64
			if strings.Contains(f, ".") && !strings.ContainsAny(f, "abcdefghijklmnopqrstuvwxyz") {
				if _, err := fmt.Sscan(f, &v); err == nil {
					fs[j] = fmt.Sprintf("%.10g", v)
				}
			}
		}
		out[i] = strings.Join(fs, "|")
	}
	return out
}

// PARTITION BY gives the same rows whatever the number of input
// partitions (and so of hash buckets).
func TestWindowRepartitionAgrees(t *testing.T) {
	noLeaks(t)
	mem := checkedMem(t)
	rec := windowInput(t, 500, 2)
	defer rec.Release()
	part := []Expr{Col(4, "g", tInt64)}
	order := []SortKey{{Expr: Col(1, "x", arrow.PrimitiveTypes.Int32), Desc: true}, {Expr: Col(0, "id", tInt64)}}
	funcs := windowCases()
	names := make([]string, len(funcs))
	for i := range names {
		names[i] = fmt.Sprintf("w%d", i)
	}
	var first []string
	for _, parts := range []int{1, 2, 3, 5} {
		op := must(NewWindow(source(t, rec, parts, 33), part, order, funcs, names, false, 2, NewBudget(1<<30)))
		if op.Partitions() != parts {
			t.Errorf("%d input partitions: the window has %d output partitions", parts, op.Partitions())
		}
		got := sorted(mustRun(t, mem, op))
		if first == nil {
			first = got
			continue
		}
		eqRows(t, fmt.Sprintf("%d partitions", parts), got, first)
	}
}

// Each function against a direct computation over a small input.
func TestWindowFunctionsByHand(t *testing.T) {
	mem := checkedMem(t)
	// id, x: x has ties (2, 2) and NULLs
	rec := record(mem, c("id", tInt64, 0, 1, 2, 3, 4, 5), c("x", tInt64, 5, 2, nil, 2, 9, nil))
	defer rec.Release()
	x := Col(1, "x", tInt64)
	byX := []SortKey{{Expr: x}}
	byID := []SortKey{{Expr: Col(0, "id", tInt64)}}
	for _, c := range []struct {
		f     WindowFunc
		order []SortKey
		want  string // by id
	}{
		{WindowFunc{Name: "rank"}, byX, "3 1 5 1 4 5"},
		{WindowFunc{Name: "dense_rank"}, byX, "2 1 4 1 3 4"},
		{WindowFunc{Name: "cume_dist"}, byX, "0.5 0.3333333333333333 1.0 0.3333333333333333 0.6666666666666666 1.0"},
		{WindowFunc{Name: "ntile", N: 4}, byID, "1 1 2 2 3 4"},
		{WindowFunc{Name: "sum", Arg: x, Frame: DefaultFrame(true)}, byX, "9 4 18 4 18 18"},
		{WindowFunc{Name: "sum", Arg: x, Frame: WindowFrame{Range: true, Start: WindowBound{Kind: BoundUnboundedPreceding}, End: WindowBound{Kind: BoundUnboundedFollowing}, Exclude: ExcludeTies}}, byX, "18 16 18 16 18 18"},
		{WindowFunc{Name: "first_value", Arg: x, IgnoreNulls: true, Frame: rowsFrame(BoundCurrentRow, BoundUnboundedFollowing, 0, 0)}, byID, "5 2 2 2 9 NULL"},
		{WindowFunc{Name: "nth_value", Arg: x, N: 2, IgnoreNulls: true, Frame: rowsFrame(BoundUnboundedPreceding, BoundCurrentRow, 0, 0)}, byID, "NULL 2 2 2 2 2"},
		{WindowFunc{Name: "lead", Arg: x, N: 1, IgnoreNulls: true}, byID, "2 2 2 9 NULL NULL"},
		{WindowFunc{Name: "var_pop", Arg: x, Frame: rowsFrame(BoundPreceding, BoundCurrentRow, 1, 0)}, byID, "0.0 2.25 0.0 0.0 12.25 0.0"},
		// peers share a frame (RANGE): 2 and 2, then 2 2 5, then all
		{WindowFunc{Name: "median", Arg: x, Frame: DefaultFrame(true)}, byX, "2.0 2.0 3.5 2.0 3.5 3.5"},
		// first keeps NULLs
		{WindowFunc{Name: "first", Arg: x, Frame: rowsFrame(BoundCurrentRow, BoundFollowing, 0, 1)}, byID, "5 2 NULL 2 9 NULL"},
		{WindowFunc{Name: "mode", Arg: x, Frame: rowsFrame(BoundUnboundedPreceding, BoundUnboundedFollowing, 0, 0)}, byID, "2 2 2 2 2 2"},
	} {
		got := mustRun(t, mem, must(NewWindow(source(t, rec, 2, 2), nil, c.order, []WindowFunc{c.f}, []string{"w"}, false, 1, NewBudget(1<<30))))
		byIDRows := make([]string, len(got))
		for _, r := range got {
			parts := strings.Split(r, "|")
			var id int
			fmt.Sscan(parts[0], &id)
			byIDRows[id] = parts[2]
		}
		if g := strings.Join(byIDRows, " "); g != c.want {
			t.Errorf("%s: got %s, want %s", c.f.Name, g, c.want)
		}
	}
}

func TestNtileBucketSizes(t *testing.T) {
	for n := int64(1); n <= 30; n++ {
		for b := int64(1); b <= 35; b++ {
			sizes := map[int64]int64{}
			prev := int64(1)
			for j := int64(0); j < n; j++ {
				k := ntile(j, n, b)
				if k < prev || k > prev+1 || k > b {
					t.Fatalf("ntile(%d rows, %d buckets): row %d in bucket %d after %d", n, b, j, k, prev)
				}
				prev = k
				sizes[k]++
			}
			lo, hi := n, int64(0)
			for _, s := range sizes {
				lo, hi = min(lo, s), max(hi, s)
			}
			if hi-lo > 1 || int64(len(sizes)) != min(n, b) {
				t.Fatalf("ntile(%d rows, %d buckets): sizes %v", n, b, sizes)
			}
		}
	}
}

func TestSegTreeMatchesLoop(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	for _, n := range []int{1, 2, 3, 7, 64, 100} {
		vals := make([]int, n)
		for i := range vals {
			vals[i] = r.IntN(1000) - 500
		}
		st := segTree[int]{comb: func(a, b int) int { return min(a, b) }, zero: 1 << 30}
		st.build(n, func(i int) int { return vals[i] })
		for lo := 0; lo <= n; lo++ {
			for hi := lo; hi <= n; hi++ {
				want := 1 << 30
				for _, v := range vals[lo:hi] {
					want = min(want, v)
				}
				if got := st.query(lo, hi); got != want {
					t.Fatalf("n=%d [%d,%d): got %d, want %d", n, lo, hi, got, want)
				}
			}
		}
	}
}

// Cancelling a window stops it with the context's error and frees
// everything.
func TestWindowCancel(t *testing.T) {
	noLeaks(t)
	mem := checkedMem(t)
	rec := windowInput(t, 2000, 4)
	defer rec.Release()
	for _, presorted := range []bool{false, true} {
		f := WindowFunc{Name: "sum", Arg: Col(1, "x", arrow.PrimitiveTypes.Int32), Frame: rowsFrame(BoundPreceding, BoundCurrentRow, 3, 0)}
		parts := 3
		if presorted {
			parts = 1
		}
		op := must(NewWindow(source(t, rec, parts, 10), []Expr{}, []SortKey{{Expr: Col(0, "id", tInt64)}}, []WindowFunc{f}, []string{"w"}, presorted, 2, NewBudget(1<<30)))
		ctx, cancel := context.WithCancel(WithAllocator(context.Background(), mem))
		s, err := op.Execute(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !s.Next() {
			t.Fatalf("presorted=%v: no first batch: %v", presorted, s.Err())
		}
		cancel()
		for s.Next() {
		}
		if s.Err() == nil && !presorted {
			t.Errorf("presorted=%v: no error after cancel", presorted)
		}
		s.Close()
	}
}

// The budget bounds what a window holds.
func TestWindowMemoryLimit(t *testing.T) {
	mem := checkedMem(t)
	rec := windowInput(t, 2000, 5)
	defer rec.Release()
	f := WindowFunc{Name: "row_number"}
	op := must(NewWindow(source(t, rec, 2, 100), []Expr{Col(4, "g", tInt64)}, []SortKey{{Expr: Col(0, "id", tInt64)}}, []WindowFunc{f}, []string{"w"}, false, 2, NewBudget(10_000)))
	if _, err := run(t, mem, op); err == nil || !strings.Contains(err.Error(), "memory limit") {
		t.Errorf("want a memory-limit error, got %v", err)
	}
}

// All functions in one presorted window: streamed together (the general
// kernels with carried totals, since lag is not a sum), as the sorted
// window computes them.
func TestWindowPresortedManyFunctions(t *testing.T) {
	noLeaks(t)
	mem := checkedMem(t)
	rec := windowInput(t, 400, 6)
	defer rec.Release()
	order := []SortKey{{Expr: Col(0, "id", tInt64)}}
	funcs := windowCases()
	names := make([]string, len(funcs))
	for i := range names {
		names[i] = fmt.Sprintf("w%d", i)
	}
	for _, batch := range []int{1, 5, 100} {
		want := mustRun(t, mem, must(NewWindow(source(t, rec, 2, 64), nil, order, funcs, names, false, 2, NewBudget(1<<30))))
		op := must(NewWindow(source(t, rec, 1, batch), nil, order, funcs[:20], names[:20], true, 2, NewBudget(1<<30)))
		if _, _, ok := op.(*Window).streamable(); !ok {
			t.Fatalf("the first 20 functions should stream")
		}
		got := mustRun(t, mem, op)
		// compare the columns both have: the input and the first 20 functions
		cut := func(rows []string) []string {
			out := make([]string, len(rows))
			for i, r := range rows {
				fs := strings.Split(r, "|")
				out[i] = strings.Join(fs[:6+20], "|")
			}
			return out
		}
		eqRows(t, fmt.Sprintf("batch=%d", batch), sorted(rounded(cut(got))), sorted(rounded(cut(want))))
	}
}
