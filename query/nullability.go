package query

import (
	"github.com/apache/arrow/go/v17/arrow"
	"github.com/recq/recq/exec"
)

// notNullColumns returns the output columns of n that can never be NULL:
// NOT NULL table fields and _rowid, carried through filters, sorts,
// limits, plain projections, group keys and the preserved sides of joins;
// count(...) results; non-NULL constants; widening integer casts of such
// columns. Everything else may be NULL.
// Arrow and Parquet output mark these columns non-nullable.
func notNullColumns(n Node) map[ColumnID]bool {
	out := map[ColumnID]bool{}
	switch x := n.(type) {
	case *ScanNode:
		for i, f := range x.fields {
			if f <= partitionField(0) && x.files.hasNull(partitionField(0)-f) {
				continue
			}
			if f < 0 && f != parentRowIDField || f >= 0 && !x.table.Schema.Fields[f].Nullable && !x.table.Raw.Segments.Partial(f) && x.table.Layout.Var == nil {
				out[x.cols[i].ID] = true
			}
		}
	case *FilterNode, *SortNode, *LimitNode:
		return notNullColumns(n.Inputs()[0])
	case *ProjectNode:
		in := notNullColumns(x.in)
		for i, e := range x.exprs {
			if neverNull(e, in) {
				out[x.cols[i].ID] = true
			}
		}
	case *AggregateNode:
		in := notNullColumns(x.in)
		for i, g := range x.groups {
			if neverNull(g, in) {
				out[x.cols[i].ID] = true
			}
		}
		for i, a := range x.aggs {
			if exec.AggNeverNull(a.op) {
				out[x.cols[len(x.groups)+i].ID] = true
			}
		}
	case *finalAggNode:
		return notNullColumns(x.agg)
	case *inputNode:
		return x.notNull
	case *JoinNode:
		l, r := notNullColumns(x.left), notNullColumns(x.right)
		switch x.kind {
		case joinInner:
			out = unionSet(l, r)
		case joinLeft, joinSemi, joinAnti, joinNullAwareAnti, joinSingle, joinMark:
			out = l
		case joinRight:
			out = r
		}
	}
	return out
}

// neverNull reports whether e is a column known not to be NULL or a
// non-NULL constant.
func neverNull(e *Expr, notNull map[ColumnID]bool) bool {
	switch e.kind {
	case kCol:
		return notNull[e.id]
	case kLit:
		v, _, ok := e.constValue()
		return ok && v != nil
	case kCast:
		// widening a signed integer keeps every value
		from, to := e.args[0].Type(), e.to
		return !e.try && arrow.IsSignedInteger(from.ID()) && arrow.IsSignedInteger(to.ID()) &&
			from.(arrow.FixedWidthDataType).BitWidth() <= to.(arrow.FixedWidthDataType).BitWidth() &&
			neverNull(e.args[0], notNull)
	}
	return false
}
