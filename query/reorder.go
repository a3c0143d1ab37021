package query

import "math"

// ---------------------------------------------------------------------
// reorder_joins
//
// A query joins its tables in the order of its FROM clause unless this
// pass runs. Written orders are often poor: TPC-H Q9 lists part before
// supplier and lineitem, so part x supplier would be a cross product of
// a billion rows before lineitem's keys connect them.
//
// The pass takes each maximal tree of inner joins (inner and cross
// joins, with the WHERE conjuncts pushdown_predicates placed on them),
// flattens it into its inputs and its conditions, and rebuilds it
// greedily, as DuckDB's optimizer does once a query has too many tables
// for its exact search: repeatedly join the two inputs, connected by an
// equality condition, whose join has the fewest estimated rows; only when
// no two inputs are connected, cross join the two smallest. Outer, semi,
// anti, mark and single joins are boundaries: their inputs are reordered
// separately, never across them.
//
// Estimates come from exact record counts, the fixed selectivities of
// estimateRows, and the domain of a join key: an equality a = b keeps
// rows(A) * rows(B) / max(ndv(a), ndv(b)) rows, where the values of both
// keys are taken to come from the smaller of the two tables they are
// columns of (one side is a key, the other a reference to it), capped by
// each side's rows. That is exact for a foreign key joined to its
// table's primary key, and it lets a filtered dimension table shrink the
// estimate of its fact table's join.
//
// A tree is left as written when one of its conditions can raise an
// error: a different order evaluates it on other row combinations, some
// of which the written order would have removed first.

func reorderJoins(n Node) (Node, error) {
	j, ok := n.(*JoinNode)
	if !ok || j.kind != joinInner {
		return mapInputs(n, reorderJoins)
	}
	var leaves []Node
	var conds []*Expr
	if err := flattenInner(j, &leaves, &conds); err != nil {
		return nil, err
	}
	if len(leaves) < 3 || anyCanFail(conds) {
		return mapInputs(n, reorderJoins)
	}
	for i, l := range leaves {
		var err error
		if leaves[i], err = reorderJoins(l); err != nil {
			return nil, err
		}
	}
	root := greedyJoin(leaves, conds, j)
	return restoreOrder(root, j.Columns()), nil
}

// flattenInner collects the inputs and the conditions (ON conjuncts and
// hash keys alike, as expressions) of the tree of inner joins under j.
func flattenInner(n Node, leaves *[]Node, conds *[]*Expr) error {
	j, ok := n.(*JoinNode)
	if !ok || j.kind != joinInner {
		*leaves = append(*leaves, n)
		return nil
	}
	if err := flattenInner(j.left, leaves, conds); err != nil {
		return err
	}
	if err := flattenInner(j.right, leaves, conds); err != nil {
		return err
	}
	for i := range j.leftKeys {
		op := "="
		if j.nullEqual[i] {
			op = "IS NOT DISTINCT FROM"
		}
		c, err := newExpr(&Expr{kind: kBinary, op: op, pos: j.pos, args: []*Expr{j.leftKeys[i], j.rightKeys[i]}})
		if err != nil {
			return err
		}
		*conds = append(*conds, c)
	}
	*conds = append(*conds, j.cond...)
	return nil
}

func anyCanFail(conds []*Expr) bool {
	for _, c := range conds {
		if c.canFail() {
			return true
		}
	}
	return false
}

// joinInput is one input of the join tree being built: a leaf, or the
// join of several.
type joinInput struct {
	node Node
	cols map[ColumnID]bool
	rows float64
}

// greedyJoin builds the join tree over leaves; conds are attached to the
// lowest join that has all their columns. orig supplies the position of
// the joins it makes.
func greedyJoin(leaves []Node, conds []*Expr, orig *JoinNode) Node {
	domains := map[ColumnID]float64{}
	inputs := make([]*joinInput, len(leaves))
	for i, l := range leaves {
		keyDomains(l, domains)
		inputs[i] = &joinInput{node: l, cols: idSet(l.Columns()), rows: estimateRows(l)}
	}
	shareDomains(conds, domains)
	used := make([]bool, len(conds))
	for len(inputs) > 1 {
		bi, bj, best, connected := -1, -1, math.Inf(1), false
		for i := range inputs {
			for k := i + 1; k < len(inputs); k++ {
				rows, conn := joinEstimate(inputs[i], inputs[k], conds, used, domains)
				if conn != connected {
					if !conn {
						continue
					}
					best, connected = math.Inf(1), true
				}
				if rows < best {
					bi, bj, best = i, k, rows
				}
			}
		}
		a, b := inputs[bi], inputs[bj]
		if a.rows < b.rows {
			a, b = b, a // the smaller input on the right: the build side by default
		}
		cols := unionSet(a.cols, b.cols)
		var on []*Expr
		for ci, c := range conds {
			if !used[ci] && refsWithin(c, cols) {
				used[ci] = true
				on = append(on, c)
			}
		}
		joined := &joinInput{node: &JoinNode{kind: joinInner, left: a.node, right: b.node, cond: on, pos: orig.pos}, cols: cols, rows: best}
		inputs[bi] = joined
		inputs = append(inputs[:bj], inputs[bj+1:]...)
	}
	root := inputs[0].node.(*JoinNode)
	for ci, c := range conds {
		if !used[ci] { // over no column at all (a constant, when fold_constants is off)
			root.cond = append(root.cond, c)
		}
	}
	return root
}

// joinEstimate is the estimated row count of a's join with b under the
// conditions not yet used, and whether an equality condition connects
// them.
func joinEstimate(a, b *joinInput, conds []*Expr, used []bool, domains map[ColumnID]float64) (float64, bool) {
	cols := unionSet(a.cols, b.cols)
	sel, connected := 1.0, false
	for ci, c := range conds {
		if used[ci] || !refsWithin(c, cols) || refsWithin(c, a.cols) || refsWithin(c, b.cols) {
			continue
		}
		if l, r, ok := equalitySides(c, a.cols, b.cols); ok {
			connected = true
			d := math.Min(keyDomain(l, a.rows, domains), keyDomain(r, b.rows, domains))
			ndv := math.Max(math.Min(d, a.rows), math.Min(d, b.rows))
			sel = math.Min(sel, 1/math.Max(ndv, 1))
			continue
		}
		sel *= 0.5
	}
	return a.rows * b.rows * sel, connected
}

// equalitySides returns the side of an equality condition over a's
// columns and the side over b's.
func equalitySides(c *Expr, a, b map[ColumnID]bool) (*Expr, *Expr, bool) {
	if c.kind != kBinary || (c.op != "=" && c.op != "IS NOT DISTINCT FROM") {
		return nil, nil, false
	}
	l, r := c.args[0], c.args[1]
	if refsWithin(l, b) && refsWithin(r, a) {
		l, r = r, l
	}
	if !refsWithin(l, a) || !refsWithin(r, b) || len(columnsOf(l, nil)) == 0 || len(columnsOf(r, nil)) == 0 {
		return nil, nil, false
	}
	return l, r, true
}

// keyDomain is the number of distinct values a join key can take: its
// table's record count for a column of a scan, else the rows of the
// side it is computed on.
func keyDomain(e *Expr, rows float64, domains map[ColumnID]float64) float64 {
	if e = stripCasts(e); e.kind == kCol {
		if d, ok := domains[e.id]; ok {
			return d
		}
	}
	return rows
}

// keyDomains records, for the columns a leaf passes up from a scan, the
// scan's record count.
func keyDomains(n Node, into map[ColumnID]float64) {
	switch x := n.(type) {
	case *ScanNode:
		for _, c := range x.Columns() {
			into[c.ID] = float64(x.table.Layout.Count)
		}
	case *FilterNode, *ProjectNode, *JoinNode, *LimitNode, *SortNode:
		for _, in := range n.Inputs() {
			keyDomains(in, into)
		}
	}
}

// shareDomains narrows the domains of columns equated by conditions of
// the tree: rows that reach the top of the tree have equal values in
// both, so both draw from the smaller domain (customer's and supplier's
// nation keys each have 25 values, because each is equated with
// nation's key, however many customers and suppliers there are).
func shareDomains(conds []*Expr, domains map[ColumnID]float64) {
	type pair struct{ a, b ColumnID }
	var pairs []pair
	for _, c := range conds {
		if c.kind != kBinary || (c.op != "=" && c.op != "IS NOT DISTINCT FROM") {
			continue
		}
		a, b := stripCasts(c.args[0]), stripCasts(c.args[1])
		if a.kind != kCol || b.kind != kCol {
			continue
		}
		if _, ok := domains[a.id]; !ok {
			continue
		}
		if _, ok := domains[b.id]; !ok {
			continue
		}
		pairs = append(pairs, pair{a.id, b.id})
	}
	// Each round carries the smallest domain one equality further.
	for changed := true; changed; {
		changed = false
		for _, p := range pairs {
			m := math.Min(domains[p.a], domains[p.b])
			if domains[p.a] != m || domains[p.b] != m {
				domains[p.a], domains[p.b], changed = m, m, true
			}
		}
	}
}

// stripCasts is e without the casts around it.
func stripCasts(e *Expr) *Expr {
	for e.kind == kCast {
		e = e.args[0]
	}
	return e
}

// restoreOrder puts root's columns back in the order the written join
// produced (a projection that only reorders), if the order changed.
func restoreOrder(root Node, want []Column) Node {
	got := root.Columns()
	same := len(got) == len(want)
	for i := 0; same && i < len(got); i++ {
		same = got[i].ID == want[i].ID
	}
	if same {
		return root
	}
	return &ProjectNode{in: root, exprs: colRefs(want), cols: append([]Column(nil), want...)}
}
