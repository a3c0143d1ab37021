package exec

import (
	"context"
	"fmt"
)

// NestedLoopJoin joins its left input, partition by partition, against
// every row of its right input, which is read once, in full (all
// partitions in parallel), shared by the left partitions and freed when
// the last left stream closes. A pair matches when the condition is TRUE
// over the left columns followed by the right columns; no condition is a
// CROSS JOIN. Pairs are examined and output in batches of at most
// joinChunkPairs rows, so the cross product is never materialized.
//
// Join types and output columns are HashJoin's, the left input playing
// the probe side: Left keeps unmatched left rows, Right and Full emit the
// unmatched right rows after every left partition finished; a Mark is
// NULL when no pair matched and the condition was NULL for some pair.
type NestedLoopJoin struct {
	*joinCore
	cond  Expr
	label string
}

// NewNestedLoopJoin returns the join; cond nil joins every pair. The right
// side's batches are charged to budget; label is the EXPLAIN line (empty:
// one is made from the condition). A JoinMark's column is named "mark"
// (a Project above renames it).
func NewNestedLoopJoin(left, right Operator, cond Expr, typ JoinType, budget *Budget, label string) (Operator, error) {
	if left == nil || right == nil {
		return nil, fmt.Errorf("internal error: nested loop join without a left or right input")
	}
	if typ.buildOnly() {
		return nil, fmt.Errorf("internal error: a nested-loop join has no %s form; use SEMI or ANTI with the inputs swapped", typ)
	}
	if typ < JoinInner || typ > JoinMark {
		return nil, fmt.Errorf("internal error: unknown join type %d", int(typ))
	}
	if err := checkCondition(cond, "join condition"); err != nil {
		return nil, err
	}
	what := "nested loop join right side"
	if label != "" {
		what = "the right side of " + label // the memory error names the join
	}
	c := newJoinCore(typ, left, right, cond, "mark", budget, what)
	return &NestedLoopJoin{joinCore: c, cond: cond, label: label}, nil
}

func (j *NestedLoopJoin) Execute(ctx context.Context, partition int) (Stream, error) {
	return j.execute(ctx, j, partition)
}

func (j *NestedLoopJoin) String() string {
	switch {
	case j.label != "":
		return j.label
	case j.cond == nil && j.typ == JoinInner:
		return "NestedLoopJoin CROSS"
	case j.cond == nil:
		return "NestedLoopJoin " + j.typ.String()
	}
	return "NestedLoopJoin " + j.typ.String() + " on " + unparen(j.cond.String())
}
