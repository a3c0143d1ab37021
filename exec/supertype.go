package exec

import "github.com/apache/arrow/go/v17/arrow"

// CommonType is the type two values are compared or combined in (the
// columns of a UNION, the keys of a join, a CASE's branches), or nil when
// there is none. NULL adopts the other type. The planner uses it so that
// types are decided by the same rule everywhere.
func CommonType(a, b arrow.DataType) arrow.DataType { return commonType(a, b) }

// ValueAt returns row i of a as a Go value of the kinds Lit accepts (nil
// for NULL), so Lit(ValueAt(a, i), a.DataType()) is that value as a
// constant.
func ValueAt(a arrow.Array, i int) any {
	v, _ := LiteralValue(&litExpr{typ: a.DataType(), val: scalarAt(a, i)})
	return v
}
