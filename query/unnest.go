package query

import (
	"strings"

	"github.com/recq/recq/exec"
	"github.com/recq/recq/parser"
)

// UnnestNode turns each input row into one row per element of its lists
// (UNNEST in the select list, as DuckDB): its columns are its input's,
// then one per list, holding the elements. See exec.Unnest.
type UnnestNode struct {
	in    Node
	lists []*Expr
	subs  []bool // generate_subscripts(list, 1): positions, not elements
	// ord: WITH ORDINALITY, the last column of cols is each row's
	// position among its input row's rows
	ord  bool
	cols []Column
}

func (n *UnnestNode) Columns() []Column {
	return append(append([]Column(nil), n.in.Columns()...), n.cols...)
}
func (n *UnnestNode) Inputs() []Node { return []Node{n.in} }
func (n *UnnestNode) Line() string {
	parts := make([]string, len(n.lists))
	for i, l := range n.lists {
		parts[i] = "unnest(" + l.String() + ")"
		if n.subs[i] {
			parts[i] = "generate_subscripts(" + l.String() + ", 1)"
		}
	}
	s := "Unnest: " + strings.Join(parts, ", ")
	if n.ord {
		s += " WITH ORDINALITY"
	}
	return s
}

// isUnnest reports whether e is an unnest(list) or a
// generate_subscripts(list, 1) call.
func isUnnest(e *Expr) bool {
	return e != nil && e.kind == kCall && (e.op == "unnest" || e.op == "generate_subscripts")
}

// bindUnnest binds unnest(x), which only a select list may hold, and not
// inside an aggregate, a window function or another unnest.
//
// generate_subscripts(x, 1) binds the same way: the positions of x's
// elements, unnested alongside (DuckDB's companion of unnest).
func (bd *binder) bindUnnest(n *parser.Call, sc *scope, ctx exprCtx, plan *Node) (*Expr, error) {
	name := strings.ToLower(n.Name)
	switch {
	case ctx.inAgg:
		return nil, posErr(n.Pos, "%s cannot be used inside an aggregate's argument; unnest in a subquery and aggregate around it, or use list_sum, list_avg, list_min and list_max", name)
	case !ctx.unnestOK:
		return nil, posErr(n.Pos, "%s is only allowed in the select list (not %s, nor inside an aggregate, a window function or another UNNEST); to filter on the elements, unnest in a subquery and filter around it", name, orDefault(ctx.clause, "here"))
	case n.Star || n.Distinct || len(n.OrderBy) > 0 || n.Filter != nil:
		return nil, posErr(n.Pos, "%s takes a list, as in unnest(value) or generate_subscripts(value, 1)", name)
	case name == "unnest" && len(n.Args) != 1:
		return nil, posErr(n.Pos, "unnest takes one list, as in unnest(value)")
	case name == "generate_subscripts":
		if l, ok := n.Args[len(n.Args)-1].(*parser.Literal); len(n.Args) != 2 || !ok || l.Text != "1" {
			return nil, posErr(n.Pos, "generate_subscripts takes a list and the dimension 1 (lists here have one), as in generate_subscripts(value, 1)")
		}
	}
	inner := ctx
	inner.unnestOK, inner.winOK, inner.aggOK = false, false, false
	x, err := bd.bindExprPlan(n.Args[0], sc, inner, plan)
	if err != nil {
		return nil, err
	}
	if !exec.IsList(x.Type()) {
		return nil, posErr(n.Args[0].Position(), "UNNEST needs a list (an array field declared with OCCURS), not %s", exec.TypeName(x.Type()))
	}
	args := []*Expr{x}
	if name == "generate_subscripts" {
		one, err := bd.bindExpr(n.Args[1], nil, exprCtx{})
		if err != nil {
			return nil, err
		}
		args = append(args, one)
	}
	return newExpr(&Expr{kind: kCall, pos: n.Pos, op: name, args: args})
}

// planUnnest puts the unnest calls of a SELECT's items and ORDER BY keys
// into one Unnest node over plan, and rewrites those expressions to use
// its columns. Equal calls share a column.
func (bd *binder) planUnnest(plan Node, items []*Expr, order []sortKey) (Node, error) {
	var calls []*Expr
	collect := func(e *Expr) {
		walkExpr(e, func(x *Expr) bool {
			if !isUnnest(x) {
				return true
			}
			for _, c := range calls {
				if equalExpr(c, x) {
					return false
				}
			}
			calls = append(calls, x)
			return false
		})
	}
	for _, it := range items {
		collect(it)
	}
	for _, k := range order {
		collect(k.expr)
	}
	if len(calls) == 0 {
		return plan, nil
	}
	u := &UnnestNode{in: plan}
	for _, c := range calls {
		u.lists = append(u.lists, c.args[0])
		u.subs = append(u.subs, c.op == "generate_subscripts")
		name := "unnest(" + c.args[0].String() + ")"
		if c.op == "generate_subscripts" {
			name = "generate_subscripts(" + c.args[0].String() + ", 1)"
		}
		u.cols = append(u.cols, bd.newColumn(name, "", c.Type()))
	}
	lift := func(e *Expr) (*Expr, error) {
		return rewriteExpr(e, func(x *Expr) (*Expr, error) {
			if !isUnnest(x) {
				return nil, nil
			}
			for i, c := range calls {
				if equalExpr(c, x) {
					return colRef(u.cols[i], x.pos), nil
				}
			}
			return nil, internalErr("unnest %s was not planned", x.String())
		})
	}
	var err error
	for i := range items {
		if items[i], err = lift(items[i]); err != nil {
			return nil, err
		}
	}
	for i := range order {
		if order[i].expr, err = lift(order[i].expr); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// pushThroughUnnest moves below an Unnest the conjuncts over its input's
// columns alone: they keep or drop an input row with all the rows it
// unnests to. Conditions on the elements, and any that could fail (a row
// whose lists are empty gives no rows, so its error would be new), stay
// above.
func pushThroughUnnest(u *UnnestNode, conds []*Expr) (Node, error) {
	in := map[ColumnID]bool{}
	for _, c := range u.in.Columns() {
		in[c.ID] = true
	}
	down, stay := splitPushable(conds, in)
	below, err := pushFilters(u.in, down)
	if err != nil {
		return nil, err
	}
	c := *u
	c.in = below
	return filterOver(&c, stay), nil
}

// pruneUnnest keeps every list (each decides how many rows an input row
// gives) and the input columns needed above.
func pruneUnnest(n *UnnestNode, need map[ColumnID]bool) (Node, error) {
	m := map[ColumnID]bool{}
	for _, col := range n.in.Columns() {
		if need[col.ID] {
			m[col.ID] = true
		}
	}
	for _, l := range n.lists {
		columnsOf(l, m)
	}
	in, err := prune(n.in, m)
	if err != nil {
		return nil, err
	}
	c := *n
	c.in = in
	return &c, nil
}

// lowerUnnest builds the Unnest operator.
func (lw *lowerer) lowerUnnest(x *UnnestNode) (exec.Operator, error) {
	in, err := lw.lower(x.in)
	if err != nil {
		return nil, err
	}
	lists, err := lowerExprs(x.lists, newLayout(x.in.Columns()))
	if err != nil {
		return nil, err
	}
	names := make([]string, len(x.cols))
	for i, c := range x.cols {
		names[i] = c.Name
	}
	if x.ord {
		names = names[:len(names)-1]
	}
	op, err := exec.NewUnnest(in, lists, x.subs, names)
	if err != nil {
		return nil, posErr(x.lists[0].Pos(), "%v", err)
	}
	if x.ord {
		op = op.WithOrdinality(x.cols[len(x.cols)-1].Name)
	}
	return op, nil
}
