package query

// LeavesFinal reports whether the leaves' rows are already the result's
// rows: a plan without aggregation, ORDER BY or LIMIT (a scan with
// filters, projections and broadcast joins), whose root fragment passes
// the leaves' batches through unchanged. A runner may then use the leaves'
// output as the result and skip the merge step; the rows come in no
// particular order unless the leaves are concatenated in split order.
func (p *DistributedPlan) LeavesFinal() bool { return p.agg == nil && p.cut == p.root }
