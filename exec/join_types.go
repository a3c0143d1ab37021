package exec

import (
	"errors"
	"fmt"

	"github.com/apache/arrow/go/v17/arrow"
)

// JoinType says which rows a join outputs. The probe side (HashJoin) or
// left side (NestedLoopJoin) is the "outer" side of Left, Semi, Anti,
// NullAwareAnti, Single and Mark joins.
type JoinType int

const (
	// JoinInner outputs every matching pair.
	JoinInner JoinType = iota
	// JoinLeft also outputs probe rows without a match, build columns NULL.
	JoinLeft
	// JoinRight also outputs build rows without a match, probe columns NULL.
	JoinRight
	// JoinFull is JoinLeft and JoinRight together.
	JoinFull
	// JoinSemi outputs each probe row that has a match, once (EXISTS, IN).
	JoinSemi
	// JoinAnti outputs each probe row that has no match (NOT EXISTS).
	JoinAnti
	// JoinNullAwareAnti is NOT IN: a probe row is output when its IN test
	// is FALSE, so not when it matches, nor when its key is NULL, nor when
	// the build side holds a NULL key (unless the build side is empty).
	JoinNullAwareAnti
	// JoinSingle is JoinLeft for scalar subqueries: a probe row matching
	// more than one build row is an error.
	JoinSingle
	// JoinMark outputs every probe row plus a BOOLEAN column holding the
	// SQL IN result: TRUE, FALSE or NULL.
	JoinMark
)

var joinTypeNames = [...]string{"INNER", "LEFT", "RIGHT", "FULL", "SEMI", "ANTI", "NULL AWARE ANTI", "SINGLE", "MARK"}

// String names the join type for EXPLAIN: "INNER", "LEFT", ...
func (t JoinType) String() string {
	if t >= 0 && int(t) < len(joinTypeNames) {
		return joinTypeNames[t]
	}
	return fmt.Sprintf("JoinType(%d)", int(t))
}

// ErrSubqueryRows: a scalar subquery (JoinSingle) returned more than one
// row for an outer row.
var ErrSubqueryRows = errors.New("more than one row returned by a subquery used as an expression")

// emitsPairs reports whether the join outputs matching pairs (as opposed
// to probe rows only).
func (t JoinType) emitsPairs() bool {
	switch t {
	case JoinInner, JoinLeft, JoinRight, JoinFull, JoinSingle:
		return true
	}
	return false
}

// keepsUnmatchedProbe reports whether probe rows without a match are
// output with NULL build columns.
func (t JoinType) keepsUnmatchedProbe() bool {
	return t == JoinLeft || t == JoinFull || t == JoinSingle
}

// keepsUnmatchedBuild reports whether build rows no probe row matched are
// output, after every probe partition finished.
func (t JoinType) keepsUnmatchedBuild() bool { return t == JoinRight || t == JoinFull }

// needsMark reports whether the join computes the three-valued IN result
// per probe row.
func (t JoinType) needsMark() bool { return t == JoinMark || t == JoinNullAwareAnti }

// joinSchema is the output schema of a join of type t: probe columns,
// then build columns (or the mark column, or nothing), with the columns an
// outer join can fill with NULL marked nullable.
func joinSchema(t JoinType, probe, build *arrow.Schema, markName string) *arrow.Schema {
	nullable := func(fs []arrow.Field, on bool) []arrow.Field {
		out := make([]arrow.Field, len(fs))
		for i, f := range fs {
			out[i] = f
			out[i].Nullable = f.Nullable || on
		}
		return out
	}
	fields := nullable(probe.Fields(), t == JoinRight || t == JoinFull)
	switch {
	case t.emitsPairs():
		fields = append(fields, nullable(build.Fields(), t == JoinLeft || t == JoinFull || t == JoinSingle)...)
	case t == JoinMark:
		fields = append(fields, arrow.Field{Name: markName, Type: tBool, Nullable: true})
	}
	return arrow.NewSchema(fields, nil)
}

// concatSchema is probe columns then build columns: the batch a join
// condition is evaluated over.
func concatSchema(probe, build *arrow.Schema) *arrow.Schema {
	return arrow.NewSchema(append(append([]arrow.Field(nil), probe.Fields()...), build.Fields()...), nil)
}

// checkJoinKeyType reports key types a join or set operation cannot hash.
func checkJoinKeyType(t arrow.DataType, what string) error {
	if isInterval(t) {
		return fmt.Errorf("%s cannot compare INTERVAL values; compare their parts instead", what)
	}
	return nil
}
