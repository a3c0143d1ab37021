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
	// JoinRightSemi outputs each build row that some probe row matches,
	// once: a semi join with its rows to keep on the build side, so the
	// smaller input is hashed and the larger one streams past it.
	JoinRightSemi
	// JoinRightAnti outputs each build row that no probe row matches.
	JoinRightAnti
)

var joinTypeNames = [...]string{"INNER", "LEFT", "RIGHT", "FULL", "SEMI", "ANTI", "NULL AWARE ANTI", "SINGLE", "MARK", "RIGHT SEMI", "RIGHT ANTI"}

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

// tracksBuildMatches reports whether the join records which build rows
// matched and, after every probe partition finished, outputs build rows by
// that record: the unmatched ones (Right, Full, RightAnti) or the matched
// ones (RightSemi).
func (t JoinType) tracksBuildMatches() bool {
	switch t {
	case JoinRight, JoinFull, JoinRightSemi, JoinRightAnti:
		return true
	}
	return false
}

// buildOnly reports whether the join outputs build rows only (RightSemi,
// RightAnti): nothing per probe batch, every candidate pair examined.
func (t JoinType) buildOnly() bool { return t == JoinRightSemi || t == JoinRightAnti }

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
	if t.buildOnly() {
		return arrow.NewSchema(append([]arrow.Field(nil), build.Fields()...), nil)
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
