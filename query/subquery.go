package query

import (
	"context"
	"fmt"
	"sync"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/recq/recq/exec"
	"github.com/recq/recq/parser"
)

// Subqueries are planned while binding (as DuckDB's planner does), not
// by a later pass:
//
//   - an uncorrelated scalar subquery, and an uncorrelated EXISTS, is a
//     "cell": its plan runs once before the query, and the expression
//     reads the value (more than one row is an error, as in PostgreSQL);
//   - [NOT] EXISTS and IN as a WHERE conjunct become semi and anti joins
//     (NOT IN a null-aware anti join), correlated or not;
//   - IN, EXISTS and op ANY/ALL inside other expressions become mark
//     joins: every row plus a BOOLEAN column "has a match";
//   - a correlated scalar subquery with an aggregate and equality
//     correlation becomes a LEFT join with the subquery grouped by its
//     correlation columns (count becomes coalesce(count, 0)); without an
//     aggregate it is a single join (more than one match is an error).
//
// Correlated conditions must sit in the subquery's WHERE as conjuncts;
// anything else gets a positioned "not supported" error.

// subqueryCell is the value of an uncorrelated scalar subquery (or
// EXISTS), computed before the main query runs.
type subqueryCell struct {
	id     int
	plan   Node
	typ    arrow.DataType
	exists bool   // EXISTS: the value is whether the plan returns a row
	table  string // a materialized CTE's name: the value is the rows (cte_materialize.go)
	pos    parser.Pos

	mu    sync.Mutex
	value any
	rows  []arrow.Record // a table cell's batches
	held  int64          // their bytes, reserved from budget
	bud   *exec.Budget
	set   bool
}

// cellExpr is the exec expression that reads a cell.
type cellExpr struct{ c *subqueryCell }

func (x *cellExpr) DataType() arrow.DataType { return x.c.typ }
func (x *cellExpr) String() string           { return fmt.Sprintf("(subquery #%d)", x.c.id) }
func (x *cellExpr) Eval(ctx *exec.EvalContext, batch arrow.Record) (arrow.Array, error) {
	x.c.mu.Lock()
	v, set := x.c.value, x.c.set
	x.c.mu.Unlock()
	if !set {
		return nil, internalErr("subquery #%d was not computed before the query ran", x.c.id)
	}
	lit, err := exec.Lit(v, x.c.typ)
	if err != nil {
		return nil, err
	}
	return lit.Eval(ctx, batch)
}

// newCell registers an uncorrelated subquery's plan as a cell.
func (bd *binder) newCell(plan Node, exists bool, pos parser.Pos) (*Expr, error) {
	c := &subqueryCell{id: len(bd.cells) + 1, plan: plan, exists: exists, pos: pos}
	if exists {
		c.typ = arrow.FixedWidthTypes.Boolean
	} else {
		cols := plan.Columns()
		if len(cols) != 1 {
			return nil, posErr(pos, "a subquery used as a value must return one column, not %d", len(cols))
		}
		c.typ = cols[0].Type
	}
	bd.cells = append(bd.cells, c)
	return &Expr{kind: kCell, pos: pos, cell: c, shadow: &cellExpr{c}}, nil
}

// computeCell runs a cell's lowered plan and stores its value.
func computeCell(ctx context.Context, c *subqueryCell, root exec.Operator, budget *exec.Budget) error {
	if c.table != "" {
		return computeTableCell(ctx, c, root, budget)
	}
	st, err := root.Execute(ctx, 0)
	if err != nil {
		return err
	}
	defer st.Close()
	var value any
	rows := 0
	for st.Next() {
		rec := st.Record()
		n := int(rec.NumRows())
		if n == 0 {
			continue
		}
		if c.exists {
			rows = 1
			break
		}
		if rows+n > 1 {
			return fmt.Errorf("more than one row returned by a subquery used as an expression (the subquery at line %d, column %d); add LIMIT 1 or an aggregate if one row is meant", c.pos.Line, c.pos.Column)
		}
		value = exec.ValueAt(rec.Column(0), 0)
		rows += n
	}
	if err := st.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.exists {
		c.value = rows > 0
	} else {
		c.value = value
	}
	c.set = true
	return nil
}

// subqueryParts binds a subquery's SELECT with sc as its enclosing scope.
// Set operations and VALUES are bound whole (they cannot be correlated
// in recq).
func (bd *binder) subqueryParts(q parser.Query, sc *scope) (*selectParts, Node, error) {
	sel, ok := q.(*parser.Select)
	if !ok {
		plan, err := bd.bindQuery(q, nil, sc.ctes)
		return nil, plan, err
	}
	parts, err := bd.bindSelectParts(sel, sc, sc.ctes)
	if err != nil {
		return nil, nil, err
	}
	if len(parts.sc.outer) == 0 {
		plan, err := bd.finishSelect(parts)
		return nil, plan, err
	}
	return parts, nil, nil
}

// simple reports whether a correlated SELECT can be joined on its
// FROM/WHERE plan directly: no aggregation, DISTINCT or LIMIT, and the
// correlation only in WHERE conjuncts.
func (p *selectParts) simple() bool {
	return !p.agg && !p.win && !p.sel.Distinct && p.limit < 0 && p.offset == 0 && p.outerOnlyInCorr()
}

// outerOnlyInCorr reports whether the correlated columns appear only in
// the set-aside WHERE conjuncts (not in the select list or elsewhere).
func (p *selectParts) outerOnlyInCorr() bool {
	for _, it := range p.items {
		if usesOuter(it.expr, p.sc) {
			return false
		}
	}
	return true
}

// checkCorr makes sure the correlated conditions only use columns of
// plan (the query right above) and the subquery's own.
func checkCorr(p *selectParts, plan Node) error {
	have := map[ColumnID]bool{}
	for _, c := range plan.Columns() {
		have[c.ID] = true
	}
	for _, c := range p.sc.outer {
		if !have[c.ID] {
			return posErr(p.sel.Pos, "a subquery that uses columns of a query two levels out (%s) is not supported", c.Name)
		}
	}
	if len(p.corr) == 0 {
		return posErr(p.sel.Pos, "a subquery may use the enclosing query's columns only in WHERE conditions")
	}
	return nil
}

// subqueryConjunct plans a WHERE conjunct that is [NOT] EXISTS or
// [NOT] IN (subquery) as a semi or anti join. done is false for other
// conjuncts.
func (bd *binder) subqueryConjunct(plan Node, sc *scope, c parser.Expr) (Node, bool, error) {
	not := false
	if u, ok := c.(*parser.Unary); ok && u.Op == "NOT" {
		switch u.X.(type) {
		case *parser.Exists, *parser.InSubquery:
			not, c = true, u.X
		}
	}
	switch n := c.(type) {
	case *parser.Exists:
		not = not != n.Not
		parts, sub, err := bd.subqueryParts(n.Query, sc)
		if err != nil {
			return nil, false, err
		}
		if parts == nil {
			return plan, false, nil // uncorrelated: a cell, bound as an expression
		}
		if !parts.simple() {
			return nil, false, posErr(n.Pos, "a correlated EXISTS subquery with GROUP BY, aggregates, window functions, DISTINCT or LIMIT is not supported")
		}
		if err := checkCorr(parts, plan); err != nil {
			return nil, false, err
		}
		_ = sub
		kind := joinSemi
		if not {
			kind = joinAnti
		}
		return &JoinNode{kind: kind, left: plan, right: parts.plan, cond: parts.corr, pos: n.Pos}, true, nil
	case *parser.InSubquery:
		not = not != n.Not
		x, err := bd.bindExprPlan(n.X, sc, exprCtx{clause: "in WHERE"}, &plan)
		if err != nil {
			return nil, false, err
		}
		parts, sub, err := bd.subqueryParts(n.Query, sc)
		if err != nil {
			return nil, false, err
		}
		j := &JoinNode{kind: joinSemi, left: plan, pos: n.Pos}
		var y *Expr
		if parts == nil {
			cols := sub.Columns()
			if len(cols) != 1 {
				return nil, false, posErr(n.Pos, "the subquery of IN must return one column, not %d", len(cols))
			}
			j.right, y = sub, colRef(cols[0], n.Pos)
			if not {
				j.kind = joinNullAwareAnti
			}
		} else {
			if not {
				return nil, false, posErr(n.Pos, "NOT IN with a correlated subquery is not supported; use NOT EXISTS")
			}
			if !parts.simple() || len(parts.items) != 1 {
				return nil, false, posErr(n.Pos, "a correlated IN subquery must select one column without GROUP BY, aggregates, window functions, DISTINCT or LIMIT")
			}
			if err := checkCorr(parts, plan); err != nil {
				return nil, false, err
			}
			j.right, y, j.cond = parts.plan, parts.items[0].expr, parts.corr
		}
		lk, rk, err := unifyKeys(x, y, n.Pos)
		if err != nil {
			return nil, false, err
		}
		j.leftKeys, j.rightKeys, j.nullEqual = []*Expr{lk}, []*Expr{rk}, []bool{false}
		return j, true, nil
	}
	return plan, false, nil
}

// unifyKeys casts two join keys to their common type.
func unifyKeys(l, r *Expr, pos parser.Pos) (*Expr, *Expr, error) {
	t := exec.CommonType(l.Type(), r.Type())
	if t == nil {
		return nil, nil, posErr(pos, "cannot compare %s with %s", exec.TypeName(l.Type()), exec.TypeName(r.Type()))
	}
	var err error
	if l, err = castTo(l, t); err != nil {
		return nil, nil, err
	}
	if r, err = castTo(r, t); err != nil {
		return nil, nil, err
	}
	return l, r, nil
}

// castTo casts e to t unless it has that type already.
func castTo(e *Expr, t arrow.DataType) (*Expr, error) {
	if arrow.TypeEqual(e.Type(), t) {
		return e, nil
	}
	return newExpr(&Expr{kind: kCast, pos: e.pos, to: t, args: []*Expr{e}})
}

// bindSubqueryExpr binds a subquery inside an expression.
func (bd *binder) bindSubqueryExpr(e parser.Expr, sc *scope, ctx exprCtx, plan *Node) (*Expr, error) {
	var q parser.Query
	switch n := e.(type) {
	case *parser.Subquery:
		q = n.Query
	case *parser.Exists:
		q = n.Query
	case *parser.InSubquery:
		q = n.Query
	case *parser.Quantified:
		q = n.Query
	}
	parts, sub, err := bd.subqueryParts(q, sc)
	if err != nil {
		return nil, err
	}
	pos := e.Position()
	switch n := e.(type) {
	case *parser.Subquery:
		if parts == nil {
			return bd.newCell(sub, false, pos)
		}
		return bd.correlatedScalar(parts, plan, pos)
	case *parser.Exists:
		if parts != nil {
			return nil, posErr(pos, "a correlated EXISTS is supported only as a WHERE condition (AND-ed with the others)")
		}
		x, err := bd.newCell(sub, true, pos)
		if err != nil || !n.Not {
			return x, err
		}
		return newExpr(&Expr{kind: kUnary, op: "NOT", pos: pos, args: []*Expr{x}})
	}
	// IN and ANY/ALL inside an expression: a mark join.
	if parts != nil {
		return nil, posErr(pos, "a correlated IN or ANY/ALL subquery is supported only as a WHERE condition (AND-ed with the others)")
	}
	if plan == nil {
		return nil, posErr(pos, "IN (subquery) and ANY/ALL are supported in WHERE and in the select list, not %s", orDefault(ctx.clause, "here"))
	}
	cols := sub.Columns()
	if len(cols) != 1 {
		return nil, posErr(pos, "the subquery must return one column, not %d", len(cols))
	}
	mark := bd.newColumn("__mark", "", arrow.FixedWidthTypes.Boolean)
	j := &JoinNode{kind: joinMark, left: *plan, right: sub, mark: &mark, pos: pos}
	y := colRef(cols[0], pos)
	negate := false
	switch n := e.(type) {
	case *parser.InSubquery:
		x, err := bd.bindExprPlan(n.X, sc, ctx, plan)
		if err != nil {
			return nil, err
		}
		j.left = *plan
		lk, rk, err := unifyKeys(x, y, pos)
		if err != nil {
			return nil, err
		}
		j.leftKeys, j.rightKeys, j.nullEqual = []*Expr{lk}, []*Expr{rk}, []bool{false}
		negate = n.Not
	case *parser.Quantified:
		x, err := bd.bindExprPlan(n.X, sc, ctx, plan)
		if err != nil {
			return nil, err
		}
		j.left = *plan
		op := n.Op
		if n.All {
			// x op ALL (S) is NOT (x negated-op ANY (S)), which keeps
			// SQL's three-valued answer.
			op, negate = map[string]string{"=": "<>", "<>": "=", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}[op], true
		}
		cond, err := newExpr(&Expr{kind: kBinary, op: op, pos: pos, args: []*Expr{x, y}})
		if err != nil {
			return nil, err
		}
		j.cond = []*Expr{cond}
	}
	*plan = j
	out := colRef(mark, pos)
	if negate {
		return newExpr(&Expr{kind: kUnary, op: "NOT", pos: pos, args: []*Expr{out}})
	}
	return out, nil
}

// correlatedScalar plans a correlated scalar subquery as a join onto
// plan and returns the expression that reads its value.
func (bd *binder) correlatedScalar(p *selectParts, plan *Node, pos parser.Pos) (*Expr, error) {
	if plan == nil {
		return nil, posErr(pos, "a correlated subquery is supported in WHERE and in the select list only")
	}
	if len(p.items) != 1 {
		return nil, posErr(pos, "a subquery used as a value must return one column, not %d", len(p.items))
	}
	if err := checkCorr(p, *plan); err != nil {
		return nil, err
	}
	if len(p.groups) > 0 || p.having != nil || p.sel.Distinct || p.limit >= 0 || p.offset > 0 || !p.outerOnlyInCorr() {
		return nil, posErr(pos, "a correlated scalar subquery with GROUP BY, HAVING, DISTINCT or LIMIT is not supported")
	}
	// Split each correlated condition into inner = outer.
	local := map[ColumnID]bool{}
	for _, c := range p.plan.Columns() {
		local[c.ID] = true
	}
	side := func(e *Expr) (inner, outer bool) {
		walkExpr(e, func(x *Expr) bool {
			if x.kind == kCol {
				if local[x.id] {
					inner = true
				} else {
					outer = true
				}
			}
			return true
		})
		return
	}
	var innerKeys, outerKeys []*Expr
	for _, c := range p.corr {
		ok := c.kind == kBinary && c.op == "="
		if ok {
			a, b := c.args[0], c.args[1]
			ai, ao := side(a)
			bi, bo := side(b)
			switch {
			case ai && !ao && bo && !bi:
				innerKeys, outerKeys = append(innerKeys, a), append(outerKeys, b)
			case bi && !bo && ao && !ai:
				innerKeys, outerKeys = append(innerKeys, b), append(outerKeys, a)
			default:
				ok = false
			}
		}
		if !ok {
			return nil, posErr(c.Pos(), "a correlated scalar subquery may only use equality conditions with the enclosing query (inner = outer), not %s", c.String())
		}
	}
	j := &JoinNode{kind: joinLeft, left: *plan, pos: pos, nullEqual: make([]bool, len(innerKeys))}
	for i := range innerKeys {
		lk, rk, err := unifyKeys(outerKeys[i], innerKeys[i], pos)
		if err != nil {
			return nil, err
		}
		j.leftKeys, j.rightKeys = append(j.leftKeys, lk), append(j.rightKeys, rk)
	}
	item := p.items[0].expr
	if !p.agg {
		// No aggregate: at most one row may match (a single join).
		col := bd.newColumn(p.items[0].name, "", item.Type())
		j.kind = joinSingle
		j.right = &ProjectNode{in: p.plan, exprs: append(colRefs(p.plan.Columns()), item), cols: append(append([]Column(nil), p.plan.Columns()...), col)}
		*plan = j
		return colRef(col, pos), nil
	}
	// With aggregates: group the subquery by its correlation keys; the
	// join then finds at most one group per outer row.
	agg, lift, err := bd.aggregate(p.plan, j.rightKeys, []*Expr{item}, nil, nil)
	if err != nil {
		return nil, err
	}
	aggNode := agg.(*AggregateNode)
	// The aggregate groups by each distinct key once (s.k = t.a AND
	// s.k = t.b share one group): find each key's group by structure.
	for i, k := range j.rightKeys {
		for g, ge := range aggNode.groups {
			if equalExpr(ge, k) {
				j.rightKeys[i] = colRef(aggNode.cols[g], pos)
				break
			}
		}
	}
	j.right = agg
	value, err := lift(item)
	if err != nil {
		return nil, err
	}
	// count (count_if, approx_count_distinct) over no rows is 0, but the
	// left join gives NULL: coalesce.
	countCols := map[ColumnID]bool{}
	for i, a := range aggNode.aggs {
		if exec.AggNeverNull(a.op) {
			countCols[aggNode.cols[len(aggNode.groups)+i].ID] = true
		}
	}
	value, err = rewriteExpr(value, func(x *Expr) (*Expr, error) {
		if x.kind != kCol || !countCols[x.id] {
			return nil, nil
		}
		zero, err := exec.Lit(int64(0), x.Type())
		if err != nil {
			return nil, err
		}
		return newExpr(&Expr{kind: kCall, op: "coalesce", pos: x.pos, args: []*Expr{x, litExpr(zero, x.pos)}})
	})
	if err != nil {
		return nil, err
	}
	*plan = j
	return value, nil
}

func colRefs(cols []Column) []*Expr {
	out := make([]*Expr, len(cols))
	for i, c := range cols {
		out[i] = colRef(c, parser.Pos{})
	}
	return out
}

// ---------------------------------------------------------------------
// Set operations and VALUES

// bindSetOp binds L op R: both sides' column types are unified position
// by position (each side cast in its own Project, so nested set
// operations keep their casts), then ORDER BY and LIMIT over the whole.
func (bd *binder) bindSetOp(x *parser.SetOp, outer *scope, ctes *cteScope) (Node, error) {
	ctes, err := bd.withCTEs(x.With, ctes, x)
	if err != nil {
		return nil, err
	}
	l, err := bd.bindQuery(x.L, outer, ctes)
	if err != nil {
		return nil, err
	}
	r, err := bd.bindQuery(x.R, outer, ctes)
	if err != nil {
		return nil, err
	}
	lc, rc := l.Columns(), r.Columns()
	if len(lc) != len(rc) {
		return nil, posErr(x.Pos, "the two sides of %s have %d and %d columns", x.Op, len(lc), len(rc))
	}
	types := make([]arrow.DataType, len(lc))
	for i := range lc {
		t := exec.CommonType(lc[i].Type, rc[i].Type)
		if t == nil {
			return nil, posErr(x.Pos, "column %d of %s is %s on the left and %s on the right", i+1, x.Op, exec.TypeName(lc[i].Type), exec.TypeName(rc[i].Type))
		}
		if t.ID() == arrow.NULL {
			t = arrow.PrimitiveTypes.Int64
		}
		types[i] = t
	}
	if l, err = bd.castColumns(l, types); err != nil {
		return nil, err
	}
	if r, err = bd.castColumns(r, types); err != nil {
		return nil, err
	}
	node := &SetOpNode{op: x.Op, all: x.All, left: l, right: r}
	for i, c := range l.Columns() {
		node.cols = append(node.cols, bd.newColumn(c.Name, "", types[i]))
	}
	var plan Node = node
	// ORDER BY over the output: names, ordinals, expressions of them.
	sc := &scope{rels: []*relation{{names: []string{""}, cols: node.cols, hidden: map[ColumnID]bool{}}}, ctes: ctes}
	var keys []sortKey
	for _, o := range x.OrderBy {
		k := sortKey{desc: o.Desc}
		if o.NullsFirst != nil {
			k.nullsFirst = *o.NullsFirst
		}
		if lit, ok := o.Expr.(*parser.Literal); ok && lit.Kind == parser.LitInteger {
			var i int
			if _, err := fmt.Sscan(lit.Text, &i); err != nil || i < 1 || i > len(node.cols) {
				return nil, posErr(lit.Pos, "position %s is not in the select list (1 to %d)", lit.Text, len(node.cols))
			}
			k.expr = colRef(node.cols[i-1], lit.Pos)
		} else if k.expr, err = bd.bindExpr(o.Expr, sc, exprCtx{clause: "in ORDER BY"}); err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	limit, err := bd.count(x.Limit, "LIMIT")
	if err != nil {
		return nil, err
	}
	offset, err := bd.count(x.Offset, "OFFSET")
	if err != nil {
		return nil, err
	}
	hidden := false
	for i, k := range keys {
		if k.expr.kind != kCol {
			if !hidden {
				plan = &ProjectNode{in: plan, exprs: colRefs(node.cols), cols: append([]Column(nil), node.cols...)}
				hidden = true
			}
			pn := plan.(*ProjectNode)
			c := bd.newColumn(fmt.Sprintf("__order_%d", i), "", k.expr.Type())
			pn.exprs, pn.cols = append(pn.exprs, k.expr), append(pn.cols, c)
			keys[i].expr = colRef(c, k.expr.pos)
		}
	}
	plan = bd.sortLimit(plan, keys, limit, max(offset, 0))
	if hidden {
		plan = bd.project(plan, len(node.cols))
	}
	return plan, nil
}

// castColumns casts plan's columns to types where they differ.
func (bd *binder) castColumns(plan Node, types []arrow.DataType) (Node, error) {
	cols := plan.Columns()
	same := true
	for i, c := range cols {
		same = same && arrow.TypeEqual(c.Type, types[i])
	}
	if same {
		return plan, nil
	}
	exprs := make([]*Expr, len(cols))
	out := make([]Column, len(cols))
	for i, c := range cols {
		e, err := castTo(colRef(c, parser.Pos{}), types[i])
		if err != nil {
			return nil, err
		}
		exprs[i] = e
		out[i] = bd.newColumn(c.Name, c.Table, types[i])
	}
	return &ProjectNode{in: plan, exprs: exprs, cols: out}, nil
}

// bindValues binds VALUES rows: every row has the same number of
// expressions; column types are unified down the rows.
func (bd *binder) bindValues(v *parser.Values, outer *scope, ctes *cteScope) (Node, error) {
	sc := &scope{noFrom: true, parent: outer, ctes: ctes}
	node := &ValuesNode{}
	var types []arrow.DataType
	for ri, row := range v.Rows {
		if ri > 0 && len(row) != len(types) {
			return nil, posErr(v.Pos, "VALUES row %d has %d values, the first has %d", ri+1, len(row), len(types))
		}
		var out []*Expr
		for i, e := range row {
			x, err := bd.bindExpr(e, sc, exprCtx{clause: "in VALUES"})
			if err != nil {
				return nil, err
			}
			if ri == 0 {
				types = append(types, x.Type())
			} else if t := exec.CommonType(types[i], x.Type()); t == nil {
				return nil, posErr(e.Position(), "VALUES column %d mixes %s and %s", i+1, exec.TypeName(types[i]), exec.TypeName(x.Type()))
			} else {
				types[i] = t
			}
			out = append(out, x)
		}
		node.rows = append(node.rows, out)
	}
	for i, t := range types {
		if t.ID() == arrow.NULL {
			types[i] = arrow.PrimitiveTypes.Int64
		}
		node.cols = append(node.cols, bd.newColumn(fmt.Sprintf("col%d", i), "", types[i]))
	}
	for _, row := range node.rows {
		for i := range row {
			var err error
			if row[i], err = castTo(row[i], types[i]); err != nil {
				return nil, err
			}
		}
	}
	return node, nil
}
