package exec

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand"
	"sort"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// nestedLoopJoinTypes are the join types both join operators have;
// allJoinTypes adds the hash join's build-side semi and anti joins.
var (
	nestedLoopJoinTypes = []JoinType{JoinInner, JoinLeft, JoinRight, JoinFull, JoinSemi, JoinAnti, JoinNullAwareAnti, JoinSingle, JoinMark}
	allJoinTypes        = append(append([]JoinType(nil), nestedLoopJoinTypes...), JoinRightSemi, JoinRightAnti)
)

// joinLayouts are (probe partitions, probe batch, build partitions, build
// batch) combinations every join test runs under.
var joinLayouts = []struct{ pp, pb, bp, bb int }{{1, 1024, 1, 1024}, {3, 7, 2, 5}, {2, 1, 3, 1}, {4, 16, 1, 3}}

// runBoth runs op partition by partition, then all partitions at once
// through a Gather, and checks both give the same rows; it returns them
// sorted.
func runBoth(t *testing.T, mem memory.Allocator, op Operator) ([]string, error) {
	t.Helper()
	seq, err := run(t, mem, op)
	if err != nil {
		return nil, err
	}
	par, err := run(t, mem, NewGather(op))
	if err != nil {
		return nil, fmt.Errorf("through a gather: %w", err)
	}
	seq, par = sorted(seq), sorted(par)
	eqRows(t, "sequential vs parallel "+op.String(), par, seq)
	return seq, nil
}

// checkJoin compares a join against the reference under every layout.
func checkJoin(t *testing.T, mem memory.Allocator, name string, j refJoin, probe, build arrow.Record, mk func(p, b Operator) (Operator, error)) {
	t.Helper()
	want, wantErr := refRun(t, mem, j, probe, build)
	for _, l := range joinLayouts {
		op, err := mk(source(t, probe, l.pp, l.pb), source(t, build, l.bp, l.bb))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := runBoth(t, mem, op)
		what := fmt.Sprintf("%s %s layout %+v", name, op, l)
		if wantErr != nil {
			if !errors.Is(err, wantErr) {
				t.Errorf("%s: got error %v, want %v", what, err, wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", what, err)
			continue
		}
		eqRows(t, what, got, want)
	}
}

func hashJoinOf(j refJoin, probe, build arrow.Record) func(p, b Operator) (Operator, error) {
	return func(p, b Operator) (Operator, error) {
		spec := HashJoinSpec{Probe: p, Build: b, Type: j.typ, NullEqual: j.nullEq, Residual: j.cond, MarkName: "m"}
		for i := range j.probeKeys {
			spec.ProbeKeys = append(spec.ProbeKeys, colOf(probe, probe.Schema().Field(j.probeKeys[i]).Name))
			spec.BuildKeys = append(spec.BuildKeys, colOf(build, build.Schema().Field(j.buildKs[i]).Name))
		}
		return NewHashJoin(spec)
	}
}

// concatCol references column name of the concatenated probe ++ build row.
func concatCol(probe, build arrow.Record, name string) Expr {
	s := concatSchema(probe.Schema(), build.Schema())
	i := s.FieldIndices(name)[0]
	return Col(i, name, s.Field(i).Type)
}

// TestHashJoinMatchesReference runs every join type over random inputs
// with NULL and duplicate keys, one- and two-column keys, NULL-equal keys
// and conditions, against the brute-force reference.
func TestHashJoinMatchesReference(t *testing.T) {
	noLeaks(t)
	mem := checkedMem(t)
	defer func(n int) { joinChunkPairs = n }(joinChunkPairs)
	for seed := int64(1); seed <= 3; seed++ {
		r := rand.New(rand.NewSource(seed))
		probe := randomSide(mem, r, "p", 40+r.Intn(30), 6, true)
		build := randomSide(mem, r, "b", 25+r.Intn(20), 6, seed != 2)
		conds := map[string]Expr{
			"none":    nil,
			"pv<bv":   bin("<", concatCol(probe, build, "pv"), concatCol(probe, build, "bv")),
			"pv+bv>9": bin(">", bin("+", concatCol(probe, build, "pv"), concatCol(probe, build, "bv")), lit(9, nil)),
		}
		keys := []struct {
			name   string
			p, b   []int
			nullEq []bool
		}{
			{"k", []int{0}, []int{0}, []bool{false}},
			{"s", []int{1}, []int{1}, []bool{false}},
			{"k,s", []int{0, 1}, []int{0, 1}, []bool{false, false}},
			{"k<=>", []int{0}, []int{0}, []bool{true}},
			{"s<=>,k", []int{1, 0}, []int{1, 0}, []bool{true, false}},
		}
		for _, jt := range allJoinTypes {
			for _, k := range keys {
				for cname, cond := range conds {
					j := refJoin{typ: jt, probeKeys: k.p, buildKs: k.b, nullEq: k.nullEq, cond: cond}
					joinChunkPairs = []int{1 << 16, 3}[r.Intn(2)]
					checkJoin(t, mem, fmt.Sprintf("seed %d keys %s cond %s", seed, k.name, cname), j, probe, build, hashJoinOf(j, probe, build))
				}
			}
		}
		probe.Release()
		build.Release()
	}
}

// TestHashJoinEdges covers empty inputs, all-NULL keys and unique keys for
// every join type.
func TestHashJoinEdges(t *testing.T) {
	noLeaks(t)
	mem := checkedMem(t)
	r := rand.New(rand.NewSource(7))
	full := randomSide(mem, r, "p", 30, 4, false)
	defer full.Release()
	emptyP := full.NewSlice(0, 0)
	defer emptyP.Release()
	bfull := randomSide(mem, r, "b", 20, 4, false)
	defer bfull.Release()
	emptyB := bfull.NewSlice(0, 0)
	defer emptyB.Release()
	nulls := record(mem, c("bk", tInt64, nil, nil), c("bs", tString, nil, "a"), c("bv", tInt32, 1, 2))
	defer nulls.Release()
	unique := record(mem, c("bk", tInt64, 0, 1, 2, 3), c("bs", tString, "a", "bb", "", "ccc"), c("bv", tInt32, 1, 2, 3, 4))
	defer unique.Release()
	cases := []struct {
		name         string
		probe, build arrow.Record
	}{
		{"empty build", full, emptyB},
		{"empty probe", emptyP, bfull},
		{"both empty", emptyP, emptyB},
		{"null build keys", full, nulls},
		{"unique build keys", full, unique},
	}
	for _, tc := range cases {
		for _, jt := range allJoinTypes {
			for _, eq := range []bool{false, true} {
				j := refJoin{typ: jt, probeKeys: []int{0}, buildKs: []int{0}, nullEq: []bool{eq}}
				checkJoin(t, mem, fmt.Sprintf("%s nullEq=%v", tc.name, eq), j, tc.probe, tc.build, hashJoinOf(j, tc.probe, tc.build))
			}
		}
	}
}

// TestMarkTruthTable pins the three-valued IN result and NOT IN.
func TestMarkTruthTable(t *testing.T) {
	noLeaks(t)
	mem := checkedMem(t)
	probe := record(mem, c("x", tInt64, 1, 2, nil))
	defer probe.Release()
	cases := []struct {
		name      string
		build     []any
		mark, naa []string // rows for x = 1, 2, NULL
	}{
		{"{1}", []any{1}, []string{"1|true", "2|false", "NULL|NULL"}, []string{"2"}},
		{"{1,NULL}", []any{1, nil}, []string{"1|true", "2|NULL", "NULL|NULL"}, nil},
		{"{NULL}", []any{nil}, []string{"1|NULL", "2|NULL", "NULL|NULL"}, nil},
		{"{}", []any{}, []string{"1|false", "2|false", "NULL|false"}, []string{"1", "2", "NULL"}},
		{"{3,3}", []any{3, 3}, []string{"1|false", "2|false", "NULL|NULL"}, []string{"1", "2"}},
	}
	for _, tc := range cases {
		build := record(mem, c("y", tInt64, tc.build...))
		for _, l := range joinLayouts {
			for _, typ := range []JoinType{JoinMark, JoinNullAwareAnti} {
				op := must(NewHashJoin(HashJoinSpec{Probe: source(t, probe, l.pp, l.pb), Build: source(t, build, l.bp, l.bb),
					ProbeKeys: []Expr{colOf(probe, "x")}, BuildKeys: []Expr{colOf(build, "y")}, Type: typ, MarkName: "in"}))
				got, err := runBoth(t, mem, op)
				if err != nil {
					t.Fatal(err)
				}
				want := tc.mark
				if typ == JoinNullAwareAnti {
					want = tc.naa
				}
				eqRows(t, fmt.Sprintf("%s %s", tc.name, typ), got, sorted(want))
				if typ == JoinMark {
					f := op.Schema().Field(1)
					if f.Name != "in" || !f.Nullable || f.Type.ID() != arrow.BOOL {
						t.Errorf("mark column %v", f)
					}
				}
			}
		}
		build.Release()
	}
	// a condition that is NULL for the only candidate makes the mark NULL
	build := record(mem, c("y", tInt64, 1), c("z", tInt64, nil))
	defer build.Release()
	cond := bin(">", Col(2, "z", tInt64), lit(0, nil))
	op := must(NewHashJoin(HashJoinSpec{Probe: source(t, probe, 1, 10), Build: source(t, build, 1, 10),
		ProbeKeys: []Expr{colOf(probe, "x")}, BuildKeys: []Expr{colOf(build, "y")}, Residual: cond, Type: JoinMark, MarkName: "m"}))
	eqRows(t, "NULL condition", sorted(mustRun(t, mem, op)), []string{"1|NULL", "2|false", "NULL|NULL"})
}

func TestSingleJoinError(t *testing.T) {
	noLeaks(t)
	mem := checkedMem(t)
	probe := record(mem, c("x", tInt64, 1, 2, 3))
	defer probe.Release()
	build := record(mem, c("y", tInt64, 1, 2, 2), c("v", tString, "one", "two", "deux"))
	defer build.Release()
	mk := func(build arrow.Record) Operator {
		return must(NewHashJoin(HashJoinSpec{Probe: source(t, probe, 3, 1), Build: source(t, build, 2, 1),
			ProbeKeys: []Expr{colOf(probe, "x")}, BuildKeys: []Expr{colOf(build, "y")}, Type: JoinSingle}))
	}
	_, err := run(t, mem, mk(build))
	if !errors.Is(err, ErrSubqueryRows) || err.Error() != "more than one row returned by a subquery used as an expression" {
		t.Errorf("got %v", err)
	}
	one := build.NewSlice(0, 2)
	defer one.Release()
	eqRows(t, "single", sorted(mustRun(t, mem, mk(one))), []string{"1|1|one", "2|2|two", "3|NULL|NULL"})
}

// TestRightFullUnmatchedOnce: the build rows no probe partition matched
// come out exactly once, after all three probe partitions finished, when
// the partitions run one after another and when they run at once.
func TestRightFullUnmatchedOnce(t *testing.T) {
	noLeaks(t)
	mem := checkedMem(t)
	probe := record(mem, c("x", tInt64, 1, 2, 3, 4, 5, 6))
	defer probe.Release()
	build := record(mem, c("y", tInt64, 1, 4, 6, 7, 8, nil))
	defer build.Release()
	for _, typ := range []JoinType{JoinRight, JoinFull} {
		op := must(NewHashJoin(HashJoinSpec{Probe: source(t, probe, 3, 1), Build: source(t, build, 2, 2),
			ProbeKeys: []Expr{colOf(probe, "x")}, BuildKeys: []Expr{colOf(build, "y")}, Type: typ}))
		if op.Partitions() != 3 {
			t.Fatalf("partitions %d", op.Partitions())
		}
		want := []string{"1|1", "4|4", "6|6", "NULL|7", "NULL|8", "NULL|NULL"}
		if typ == JoinFull {
			want = append(want, "2|NULL", "3|NULL", "5|NULL")
		}
		for round := 0; round < 2; round++ { // the operator runs again
			got, err := runBoth(t, mem, op)
			if err != nil {
				t.Fatal(err)
			}
			eqRows(t, typ.String(), got, sorted(want))
		}
		f := op.Schema().Fields()
		if !f[0].Nullable || !f[1].Nullable {
			t.Errorf("%s schema %v", typ, op.Schema())
		}
	}
}

func TestHashJoinMemoryLimit(t *testing.T) {
	noLeaks(t)
	mem := checkedMem(t)
	r := rand.New(rand.NewSource(3))
	probe := randomSide(mem, r, "p", 100, 50, false)
	defer probe.Release()
	build := randomSide(mem, r, "b", 5000, 5000, false)
	defer build.Release()
	budget := NewBudget(16 << 10)
	op := must(NewHashJoin(HashJoinSpec{Probe: source(t, probe, 2, 10), Build: source(t, build, 2, 100),
		ProbeKeys: []Expr{colOf(probe, "pk")}, BuildKeys: []Expr{colOf(build, "bk")}, Budget: budget}))
	for _, o := range []Operator{op, NewGather(op)} {
		_, err := run(t, mem, o)
		if !errors.Is(err, ErrMemoryLimit) || !strings.HasPrefix(err.Error(), "hash join build side needs more than the 16.0 KiB memory limit; raise it with SET memory_limit") {
			t.Errorf("got %v", err)
		}
		if budget.Used() != 0 {
			t.Errorf("budget still holds %d bytes", budget.Used())
		}
	}
	// a large enough budget works and is given back
	budget = NewBudget(64 << 20)
	op = must(NewHashJoin(HashJoinSpec{Probe: source(t, probe, 2, 10), Build: source(t, build, 2, 100),
		ProbeKeys: []Expr{colOf(probe, "pk")}, BuildKeys: []Expr{colOf(build, "bk")}, Budget: budget}))
	mustRun(t, mem, op)
	if budget.Used() != 0 || budget.Peak() == 0 {
		t.Errorf("budget used %d peak %d", budget.Used(), budget.Peak())
	}
}

// TestHashJoinCancel cancels in the middle of the probe: every stream
// stops with the context's error and nothing leaks.
func TestHashJoinCancel(t *testing.T) {
	noLeaks(t)
	mem := checkedMem(t)
	r := rand.New(rand.NewSource(5))
	probe := randomSide(mem, r, "p", 2000, 50, false)
	defer probe.Release()
	build := randomSide(mem, r, "b", 300, 50, false)
	defer build.Release()
	for _, typ := range []JoinType{JoinInner, JoinFull} {
		op := must(NewHashJoin(HashJoinSpec{Probe: source(t, probe, 3, 10), Build: source(t, build, 2, 10),
			ProbeKeys: []Expr{colOf(probe, "pk")}, BuildKeys: []Expr{colOf(build, "bk")}, Type: typ}))
		for _, o := range []Operator{op, NewGather(op)} {
			ctx, cancel := context.WithCancel(WithAllocator(context.Background(), mem))
			s, err := o.Execute(ctx, 0)
			if err != nil {
				t.Fatal(err)
			}
			if !s.Next() {
				t.Fatalf("no first batch: %v", s.Err())
			}
			cancel()
			for s.Next() {
			}
			if !errors.Is(s.Err(), context.Canceled) {
				t.Errorf("%s: err %v", o, s.Err())
			}
			s.Close()
		}
	}
}

func TestHashJoinSchemaAndErrors(t *testing.T) {
	mem := checkedMem(t)
	probe := record(mem, c("a", tInt64, 1), c("b", tString, "x"))
	defer probe.Release()
	build := record(mem, c("c", tInt32, 1), c("d", tString, "x"))
	defer build.Release()
	p, b := source(t, probe, 1, 1), source(t, build, 1, 1)
	_, err := NewHashJoin(HashJoinSpec{Probe: p, Build: b, ProbeKeys: []Expr{colOf(probe, "a")}, BuildKeys: []Expr{colOf(build, "c")}})
	if err == nil || !strings.Contains(err.Error(), "compares a (INT64) with c (INT32)") {
		t.Errorf("type mismatch: %v", err)
	}
	_, err = NewHashJoin(HashJoinSpec{Probe: p, Build: b})
	if err == nil {
		t.Errorf("no keys accepted")
	}
	_, err = NewHashJoin(HashJoinSpec{Probe: p, Build: b, ProbeKeys: []Expr{colOf(probe, "b")}, BuildKeys: []Expr{colOf(build, "d")}, Residual: colOf(probe, "a")})
	if err == nil || !strings.Contains(err.Error(), "not BOOLEAN") {
		t.Errorf("non-boolean residual: %v", err)
	}
	names := map[JoinType]string{JoinInner: "a b c d", JoinSemi: "a b", JoinMark: "a b mk", JoinSingle: "a b c d"}
	for typ, want := range names {
		op := must(NewHashJoin(HashJoinSpec{Probe: p, Build: b, ProbeKeys: []Expr{colOf(probe, "b")}, BuildKeys: []Expr{colOf(build, "d")}, Type: typ, MarkName: "mk"}))
		var got []string
		for _, f := range op.Schema().Fields() {
			got = append(got, f.Name)
		}
		if strings.Join(got, " ") != want {
			t.Errorf("%s columns %v", typ, got)
		}
		if op.String() != "HashJoin "+typ.String()+" on b = d" {
			t.Errorf("label %q", op.String())
		}
	}
	op := must(NewHashJoin(HashJoinSpec{Probe: p, Build: b, ProbeKeys: []Expr{colOf(probe, "b")}, BuildKeys: []Expr{colOf(build, "d")}, Label: "HashJoin INNER on b = d"}))
	if !strings.Contains(Explain(op), "HashJoin INNER on b = d [partitions=1]\n  MemorySource") {
		t.Errorf("explain:\n%s", Explain(op))
	}
	if JoinNullAwareAnti.String() != "NULL AWARE ANTI" || JoinType(42).String() != "JoinType(42)" {
		t.Errorf("names")
	}
}

// TestHashJoinKeyTypes joins on every key type the aggregate groups by.
func TestHashJoinKeyTypes(t *testing.T) {
	noLeaks(t)
	mem := checkedMem(t)
	types := []struct {
		typ  arrow.DataType
		vals []any
	}{
		{tBool, []any{true, false, nil, true}},
		{tI8, []any{1, -1, nil, 1}},
		{tI16, []any{300, -2, nil, 300}},
		{tInt32, []any{70000, 5, nil, 70000}},
		{tU8, []any{200, 1, nil, 200}},
		{tU64, []any{1 << 40, 0, nil, 1 << 40}},
		{tF32, []any{1.5, math.Copysign(0, -1), nil, 1.5}},
		{tFloat64, []any{2.25, math.Copysign(0, -1), nil, 2.25}},
		{DecimalType(10, 2), []any{"1.25", "-3.00", nil, "1.25"}},
		{DecimalType(30, 2), []any{"123456789012345678901.25", "0.01", nil, "123456789012345678901.25"}},
		{tDate, []any{"2024-02-29", "1970-01-01", nil, "2024-02-29"}},
		{tTs, []any{"2024-02-29 10:00:00", "1970-01-01 00:00:00", nil, "2024-02-29 10:00:00"}},
		{tString, []any{"long enough to not pack", "x", nil, "long enough to not pack"}},
	}
	for _, tc := range types {
		probe := record(mem, c("k", tc.typ, tc.vals...), c("i", tInt64, 0, 1, 2, 3))
		// the build side has the first two values; -0 matches 0
		bvals := append([]any(nil), tc.vals[:2]...)
		if isFloat(tc.typ) {
			bvals[1] = 0.0
		}
		build := record(mem, c("k2", tc.typ, bvals...))
		for _, eq := range []bool{false, true} {
			j := refJoin{typ: JoinInner, probeKeys: []int{0}, buildKs: []int{0}, nullEq: []bool{eq}}
			op := must(hashJoinOf(j, probe, build)(source(t, probe, 2, 1), source(t, build, 1, 2)))
			got, err := runBoth(t, mem, op)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, g := range got {
				ids = append(ids, strings.Split(g, "|")[1])
			}
			sort.Strings(ids)
			if strings.Join(ids, ",") != "0,1,3" {
				t.Errorf("%s: %q", TypeName(tc.typ), got)
			}
		}
		probe.Release()
		build.Release()
	}
}

// TestHashJoinProbeFilter: a filter below the probe hands its selection
// vector to the join; rows it removed never join nor raise errors.
func TestHashJoinProbeFilter(t *testing.T) {
	noLeaks(t)
	mem := checkedMem(t)
	probe := record(mem, c("x", tInt64, 1, 0, 2, 0, 3), c("d", tString, "10", "x", "20", "y", "40"))
	defer probe.Release()
	build := record(mem, c("y", tInt64, 10, 20, 30))
	defer build.Release()
	keep := NewFilter(source(t, probe, 1, 5), bin("<>", colOf(probe, "x"), lit(0, nil)))
	// the key casts d: the rows the filter removed would fail
	key := must(NewCast(colOf(probe, "d"), tInt64))
	for _, typ := range []JoinType{JoinInner, JoinLeft, JoinMark, JoinAnti} {
		op := must(NewHashJoin(HashJoinSpec{Probe: keep, Build: source(t, build, 1, 3),
			ProbeKeys: []Expr{key}, BuildKeys: []Expr{colOf(build, "y")}, Type: typ, MarkName: "m"}))
		got := sorted(mustRun(t, mem, op))
		want := map[JoinType][]string{
			JoinInner: {"1|10|10", "2|20|20"},
			JoinLeft:  {"1|10|10", "2|20|20", "3|40|NULL"},
			JoinMark:  {"1|10|true", "2|20|true", "3|40|false"},
			JoinAnti:  {"3|40"},
		}[typ]
		eqRows(t, typ.String(), got, want)
	}
}
