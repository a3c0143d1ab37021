package exec

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
)

func nlJoinOf(typ JoinType, cond Expr) func(p, b Operator) (Operator, error) {
	return func(p, b Operator) (Operator, error) { return NewNestedLoopJoin(p, b, cond, typ, nil, "") }
}

// TestNestedLoopJoinMatchesReference runs every join type with non-equi
// conditions, a condition that can be NULL, and none (CROSS JOIN), in
// small and large pair chunks, against the brute-force reference.
func TestNestedLoopJoinMatchesReference(t *testing.T) {
	noLeaks(t)
	mem := checkedMem(t)
	defer func(n int) { joinChunkPairs = n }(joinChunkPairs)
	for seed := int64(1); seed <= 2; seed++ {
		r := rand.New(rand.NewSource(seed))
		left := randomSide(mem, r, "p", 20+r.Intn(15), 6, true)
		right := randomSide(mem, r, "b", 10+r.Intn(10), 6, true)
		empty := right.NewSlice(0, 0)
		conds := map[string]Expr{
			"cross":       nil,
			"pk<bk":       bin("<", concatCol(left, right, "pk"), concatCol(left, right, "bk")),
			"pv+bv>12":    bin(">", bin("+", concatCol(left, right, "pv"), concatCol(left, right, "bv")), lit(12, nil)),
			"ps=bs or k":  bin("OR", bin("=", concatCol(left, right, "ps"), concatCol(left, right, "bs")), bin("=", concatCol(left, right, "pk"), concatCol(left, right, "bk"))),
			"always null": lit(nil, tBool),
		}
		for _, jt := range nestedLoopJoinTypes {
			for name, cond := range conds {
				j := refJoin{typ: jt, cond: cond}
				joinChunkPairs = []int{1 << 16, 5}[r.Intn(2)]
				checkJoin(t, mem, fmt.Sprintf("seed %d cond %s", seed, name), j, left, right, nlJoinOf(jt, cond))
				checkJoin(t, mem, fmt.Sprintf("seed %d cond %s, empty right", seed, name), j, left, empty, nlJoinOf(jt, cond))
			}
		}
		left.Release()
		right.Release()
		empty.Release()
	}
}

// TestNestedLoopJoinBoundedBatches: a cross product far larger than a
// batch comes out in batches of at most joinChunkPairs rows.
func TestNestedLoopJoinBoundedBatches(t *testing.T) {
	noLeaks(t)
	mem := checkedMem(t)
	defer func(n int) { joinChunkPairs = n }(joinChunkPairs)
	joinChunkPairs = 1000
	var a, b []any
	for i := 0; i < 300; i++ {
		a = append(a, i)
	}
	for i := 0; i < 200; i++ {
		b = append(b, i)
	}
	left := record(mem, c("a", tInt64, a...))
	defer left.Release()
	right := record(mem, c("b", tInt64, b...))
	defer right.Release()
	op := must(NewNestedLoopJoin(source(t, left, 2, 300), source(t, right, 1, 200), nil, JoinInner, nil, ""))
	if op.String() != "NestedLoopJoin CROSS" {
		t.Errorf("label %q", op.String())
	}
	ctx := WithAllocator(context.Background(), mem)
	total := int64(0)
	for p := 0; p < op.Partitions(); p++ {
		s := must(op.Execute(ctx, p))
		for s.Next() {
			n := s.Record().NumRows()
			if n > 1000 {
				t.Errorf("batch of %d rows", n)
			}
			total += n
		}
		if err := s.Err(); err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
	if total != 60000 {
		t.Errorf("%d rows", total)
	}
	// a failing condition stops the join with its error
	bad := must(NewCast(bin("||", must(NewCast(Col(0, "a", tInt64), tString)), lit("x", nil)), tBool))
	op = must(NewNestedLoopJoin(source(t, left, 2, 300), source(t, right, 1, 200), bad, JoinLeft, nil, "NLJ bad"))
	if _, err := run(t, mem, op); !errors.Is(err, ErrInvalidValue) {
		t.Errorf("got %v", err)
	}
	if op.String() != "NLJ bad" {
		t.Errorf("label %q", op.String())
	}
}

func TestNestedLoopJoinErrors(t *testing.T) {
	mem := checkedMem(t)
	rec := record(mem, c("a", tInt64, 1))
	defer rec.Release()
	src := source(t, rec, 1, 1)
	if _, err := NewNestedLoopJoin(src, src, Col(0, "a", tInt64), JoinInner, nil, ""); err == nil {
		t.Errorf("INT64 condition accepted")
	}
	if _, err := NewNestedLoopJoin(src, nil, nil, JoinInner, nil, ""); err == nil {
		t.Errorf("missing input accepted")
	}
	op := must(NewNestedLoopJoin(src, src, bin("<", Col(0, "a", tInt64), Col(1, "a", tInt64)), JoinAnti, nil, ""))
	if op.String() != "NestedLoopJoin ANTI on a < a" {
		t.Errorf("label %q", op.String())
	}
	budget := NewBudget(10)
	op = must(NewNestedLoopJoin(src, src, nil, JoinInner, budget, ""))
	if _, err := run(t, mem, op); !errors.Is(err, ErrMemoryLimit) || err.Error()[:len("nested loop join right side needs")] != "nested loop join right side needs" {
		t.Errorf("got %v", err)
	}
	if f := op.Schema().Fields(); len(f) != 2 || f[1].Type.ID() != arrow.INT64 {
		t.Errorf("schema %v", op.Schema())
	}
}
