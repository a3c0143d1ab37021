package query

import "github.com/recq/recq/exec"

// prefilter_aggregates: a grouped aggregate that a join matches on its
// group keys against a much smaller input only needs the groups whose keys
// that input has. The pass puts a semi join with a second copy of the
// smaller input below the aggregate, so it groups the rows of those keys
// only. This is the shape subquery decorrelation leaves behind: TPC-H Q17's
// correlated avg(l_quantity) becomes an aggregate of all 6 M lineitem rows
// by l_partkey joined to the 188 parts the query asks about; prefiltered,
// the aggregate sees a few thousand rows. DuckDB reaches the same effect
// with its delim join (the outer keys are deduplicated and joined into the
// subquery before it aggregates); recq reads the small side twice instead,
// which keeps every operator as it is.

// prefilterAggregates rewrites, bottom up, every join of a grouped
// aggregate with a cheaper input (see prefilterJoin).
func prefilterAggregates(n Node) (Node, error) {
	n, err := mapInputs(n, prefilterAggregates)
	if err != nil {
		return nil, err
	}
	if j, ok := n.(*JoinNode); ok {
		return prefilterJoin(j), nil
	}
	return n, nil
}

// prefilterJoin returns j with a semi join below the aggregate on one of
// its sides when that is correct and likely to pay, else j itself.
//
// Correct: the join can only output aggregate rows that find a key match
// on the other side (both sides of an inner or semi join, the
// null-supplying side of a left or right join, the right side of an anti
// join), and the other side is deterministic (it runs twice). Joins whose
// result depends on the unmatched or NULL-keyed rows of the aggregate's
// side (full, null-aware anti, mark, single) are left alone.
//
// Likely to pay: the other side reads at most half the records the
// aggregate's input reads, and is estimated to produce fewer rows than
// the aggregate's input (the semi join hashes it).
func prefilterJoin(j *JoinNode) *JoinNode {
	if len(j.leftKeys) == 0 {
		return j
	}
	leftOK, rightOK := false, false
	switch j.kind {
	case joinInner, joinSemi:
		leftOK, rightOK = true, true
	case joinLeft, joinAnti:
		rightOK = true
	case joinRight:
		leftOK = true
	}
	if rightOK {
		if r := prefilterSide(j.right, j.rightKeys, j.left, j.leftKeys, j.nullEqual); r != nil {
			c := *j
			c.right = r
			return &c
		}
	}
	if leftOK {
		if l := prefilterSide(j.left, j.leftKeys, j.right, j.rightKeys, j.nullEqual); l != nil {
			c := *j
			c.left = l
			return &c
		}
	}
	return j
}

// prefilterSide returns side (a join input whose join keys are keys) with
// its aggregate prefiltered by other, or nil. The aggregate may sit under
// Projects (the keys are rewritten through them) and Filters (a HAVING
// only removes groups), as a derived table or a decorrelated subquery
// leaves it.
func prefilterSide(side Node, keys []*Expr, other Node, otherKeys []*Expr, nullEqual []bool) Node {
	switch x := side.(type) {
	case *AggregateNode:
		in := prefilteredInput(x, keys, other, otherKeys, nullEqual)
		if in == nil {
			return nil
		}
		return withInputs(x, in)
	case *FilterNode:
		if in := prefilterSide(x.in, keys, other, otherKeys, nullEqual); in != nil {
			return withInputs(x, in)
		}
	case *ProjectNode:
		subst := map[ColumnID]*Expr{}
		for i, e := range x.exprs {
			subst[x.cols[i].ID] = e
		}
		below := make([]*Expr, len(keys))
		for i, k := range keys {
			// A key over columns the Project does not make stays as it
			// is: it will not match the aggregate's groups and is skipped.
			if r, _, err := substitute([]*Expr{k}, subst, func(e *Expr) bool { return refsWithinSubst(e, subst) }); err == nil && len(r) == 1 {
				below[i] = r[0]
			} else {
				below[i] = k
			}
		}
		if in := prefilterSide(x.in, below, other, otherKeys, nullEqual); in != nil {
			return withInputs(x, in)
		}
	}
	return nil
}

// prefilteredInput returns agg's input semi-joined with a copy of other on
// the key pairs whose aggregate side is built from group columns only
// (rewritten to the group expressions), or nil when no pair qualifies or
// the rewrite would not pay.
func prefilteredInput(agg *AggregateNode, aggKeys []*Expr, other Node, otherKeys []*Expr, nullEqual []bool) Node {
	if len(agg.groups) == 0 || !deterministic(other) {
		return nil
	}
	if 2*recordsRead(other) > recordsRead(agg.in) || estimateRows(other) >= estimateRows(agg.in) {
		return nil
	}
	subst := map[ColumnID]*Expr{}
	for i, g := range agg.groups {
		subst[agg.cols[i].ID] = g
	}
	semi := &JoinNode{kind: joinSemi, left: agg.in, right: cloneTree(other)}
	for i, k := range aggKeys {
		if !refsWithinSubst(k, subst) {
			continue
		}
		down, _, err := substitute([]*Expr{k}, subst, func(*Expr) bool { return true })
		if err != nil || down[0].canFail() {
			continue
		}
		semi.leftKeys = append(semi.leftKeys, down[0])
		semi.rightKeys = append(semi.rightKeys, otherKeys[i])
		semi.nullEqual = append(semi.nullEqual, nullEqual[i])
		semi.pos = k.pos
	}
	if len(semi.leftKeys) == 0 {
		return nil
	}
	return semi
}

// recordsRead is the number of records the scans under n read (before any
// predicate), plus the rows of its VALUES lists and the estimated rows of
// the files table functions read: a measure of the work of running n
// once.
func recordsRead(n Node) float64 {
	switch x := n.(type) {
	case *ScanNode:
		if x.empty {
			return 0
		}
		return float64(x.table.Layout.Count)
	case *ValuesNode:
		return float64(len(x.rows))
	case *ReadNode:
		return x.src.EstimateRows()
	}
	total := 0.0
	for _, c := range n.Inputs() {
		total += recordsRead(c)
	}
	return total
}

// deterministic reports whether running n twice gives the same rows: no
// sampled scan and no volatile function (exec.IsVolatile: random())
// anywhere in it.
func deterministic(n Node) bool {
	if s, ok := n.(*ScanNode); ok && s.sample != nil {
		return false
	}
	ok := true
	for _, e := range nodeExprs(n) {
		walkExpr(e, func(x *Expr) bool {
			if x.kind == kCall && exec.IsVolatile(x.op) {
				ok = false
			}
			return ok
		})
	}
	if !ok {
		return false
	}
	for _, c := range n.Inputs() {
		if !deterministic(c) {
			return false
		}
	}
	return true
}

// cloneTree copies every node of n, so the copy can sit in a second place
// of the plan without sharing nodes with the original (passes rebuild the
// nodes they change, but lowering keys per-scan state by node).
func cloneTree(n Node) Node {
	switch x := n.(type) {
	case *ScanNode:
		c := *x
		return &c
	case *ValuesNode:
		c := *x
		return &c
	case *ReadNode:
		c := *x
		return &c
	}
	ins := n.Inputs()
	out := make([]Node, len(ins))
	for i, c := range ins {
		out[i] = cloneTree(c)
	}
	return withInputs(n, out...)
}

// nodeExprs lists the expressions a node evaluates itself (not those of
// its inputs).
func nodeExprs(n Node) []*Expr {
	switch x := n.(type) {
	case *FilterNode:
		return x.conds
	case *ProjectNode:
		return x.exprs
	case *AggregateNode:
		return append(append([]*Expr(nil), x.groups...), x.aggs...)
	case *JoinNode:
		return append(append(append([]*Expr(nil), x.leftKeys...), x.rightKeys...), x.cond...)
	case *SortNode:
		out := make([]*Expr, len(x.keys))
		for i, k := range x.keys {
			out[i] = k.expr
		}
		return out
	case *ValuesNode:
		var out []*Expr
		for _, r := range x.rows {
			out = append(out, r...)
		}
		return out
	}
	return nil
}
