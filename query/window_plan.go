package query

import (
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/recq/recq/exec"
)

// WindowNode computes window functions (kWin expressions) that share one
// PARTITION BY and ORDER BY: its columns are its input's, then one per
// function. A query with windows of different shapes stacks one node per
// shape.
type WindowNode struct {
	in        Node
	partition []*Expr
	order     []sortKey
	funcs     []*Expr
	funcCols  []Column
}

func (n *WindowNode) Columns() []Column {
	return append(append([]Column(nil), n.in.Columns()...), n.funcCols...)
}
func (n *WindowNode) Inputs() []Node { return []Node{n.in} }
func (n *WindowNode) Line() string {
	var b strings.Builder
	b.WriteString("Window")
	if len(n.partition) > 0 {
		b.WriteString(" partition by " + exprList(n.partition, ", "))
	}
	if len(n.order) > 0 {
		keys := make([]string, len(n.order))
		for i, k := range n.order {
			keys[i] = k.expr.String()
			if k.desc {
				keys[i] += " DESC"
			}
		}
		b.WriteString(" order by " + strings.Join(keys, ", "))
	}
	if n.rowIDScan() != nil {
		b.WriteString(" (file order, no sort)")
	}
	b.WriteString(": ")
	b.WriteString(exprList(n.funcs, ", "))
	return b.String()
}

// planWindows puts the window functions of a SELECT's items, ORDER BY
// keys and QUALIFY into Window nodes over plan, and rewrites those
// expressions to use the nodes' columns.
func (bd *binder) planWindows(plan Node, items []*Expr, order []sortKey, qualify *Expr) (Node, *Expr, error) {
	var calls []*Expr
	collect := func(e *Expr) {
		walkExpr(e, func(x *Expr) bool {
			if x.kind != kWin {
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
	collect(qualify)
	if len(calls) == 0 {
		if qualify != nil {
			return nil, nil, posErr(qualify.Pos(), "QUALIFY filters on window functions, and this query has none; use WHERE or HAVING")
		}
		return plan, nil, nil
	}
	type placed struct {
		call *Expr
		col  Column
	}
	var done []placed
	used := make([]bool, len(calls))
	for i, first := range calls {
		if used[i] {
			continue
		}
		w := &WindowNode{in: plan, partition: first.winPartition()}
		for k, o := range first.winOrder() {
			w.order = append(w.order, sortKey{expr: o, desc: first.win.desc[k], nullsFirst: first.win.nullsFirst[k]})
		}
		for j := i; j < len(calls); j++ {
			if used[j] || !sameWindow(first, calls[j]) {
				continue
			}
			used[j] = true
			c := bd.newColumn(calls[j].winString(), "", calls[j].Type())
			w.funcs = append(w.funcs, calls[j])
			w.funcCols = append(w.funcCols, c)
			done = append(done, placed{calls[j], c})
		}
		plan = w
	}
	lift := func(e *Expr) (*Expr, error) {
		if e == nil {
			return nil, nil
		}
		return rewriteExpr(e, func(x *Expr) (*Expr, error) {
			if x.kind != kWin {
				return nil, nil
			}
			for _, p := range done {
				if equalExpr(p.call, x) {
					return colRef(p.col, x.pos), nil
				}
			}
			return nil, internalErr("window function %s was not planned", x.winString())
		})
	}
	var err error
	for i := range items {
		if items[i], err = lift(items[i]); err != nil {
			return nil, nil, err
		}
	}
	for i := range order {
		if order[i].expr, err = lift(order[i].expr); err != nil {
			return nil, nil, err
		}
	}
	if qualify, err = lift(qualify); err != nil {
		return nil, nil, err
	}
	return plan, qualify, nil
}

// rowIDScan returns the scan whose file order is this window's order: the
// window has no PARTITION BY and is ordered by that scan's _rowid
// (ascending) alone, through filters and projections only. Such a window
// needs no sort when the scan runs in ordered mode.
func (n *WindowNode) rowIDScan() *ScanNode {
	if len(n.partition) > 0 || len(n.order) != 1 || n.order[0].desc || n.order[0].expr.kind != kCol {
		return nil
	}
	id := n.order[0].expr.id
	cur := n.in
	for {
		switch x := cur.(type) {
		case *FilterNode:
			cur = x.in
		case *ProjectNode:
			found := false
			for i, c := range x.cols {
				if c.ID == id && x.exprs[i].kind == kCol {
					id, found = x.exprs[i].id, true
					break
				}
			}
			if !found {
				return nil
			}
			cur = x.in
		case *ScanNode:
			for i, f := range x.fields {
				if f == rowIDField && x.cols[i].ID == id {
					return x
				}
			}
			return nil
		default:
			return nil
		}
	}
}

// pushThroughWindow moves below a Window the conjuncts over its PARTITION
// BY columns alone: they keep or drop whole window partitions, so every
// kept row's window is unchanged (https://github.com/apache/datafusion/pull/14026).
// Others, and any that could fail, stay above.
func pushThroughWindow(w *WindowNode, conds []*Expr) (Node, error) {
	keys := map[ColumnID]bool{}
	for _, p := range w.partition {
		if p.kind == kCol {
			keys[p.id] = true
		}
	}
	down, stay := []*Expr(nil), conds
	if len(keys) > 0 {
		down, stay = splitPushable(conds, keys)
	}
	in, err := pushFilters(w.in, down)
	if err != nil {
		return nil, err
	}
	c := *w
	c.in = in
	return filterOver(&c, stay), nil
}

// pruneWindow drops the functions nobody above needs and asks the input
// only for the columns still used.
func pruneWindow(n *WindowNode, need map[ColumnID]bool) (Node, error) {
	c := *n
	c.funcs, c.funcCols = nil, nil
	m := map[ColumnID]bool{}
	for _, col := range n.in.Columns() {
		if need[col.ID] {
			m[col.ID] = true
		}
	}
	for i, f := range n.funcs {
		if need[n.funcCols[i].ID] {
			c.funcs = append(c.funcs, f)
			c.funcCols = append(c.funcCols, n.funcCols[i])
			columnsOf(f, m)
		}
	}
	if len(c.funcs) == 0 {
		return prune(n.in, need)
	}
	in, err := prune(n.in, m)
	if err != nil {
		return nil, err
	}
	c.in = in
	return &c, nil
}

// lowerWindow builds the Window operator.
func (lw *lowerer) lowerWindow(x *WindowNode) (exec.Operator, error) {
	in, err := lw.lower(x.in)
	if err != nil {
		return nil, err
	}
	l := newLayout(x.in.Columns())
	partition, err := lowerExprs(x.partition, l)
	if err != nil {
		return nil, err
	}
	keys := make([]exec.SortKey, len(x.order))
	for i, k := range x.order {
		e, err := lowerExpr(k.expr, l)
		if err != nil {
			return nil, err
		}
		keys[i] = exec.SortKey{Expr: e, Desc: k.desc, NullsFirst: k.nullsFirst}
	}
	presorted := false
	if s := x.rowIDScan(); s != nil && lw.ordered[s] {
		presorted = true
		in = lw.gather(x.in, in)
	}
	funcs := make([]exec.WindowFunc, len(x.funcs))
	names := make([]string, len(x.funcs))
	for i, e := range x.funcs {
		f, err := lw.windowFunc(e, x, l)
		if err != nil {
			return nil, err
		}
		funcs[i] = f
		names[i] = x.funcCols[i].Name
	}
	op, err := exec.NewWindow(in, partition, keys, funcs, names, presorted, lw.o.settings.Workers, lw.budget)
	if err != nil {
		return nil, posErr(x.funcs[0].pos, "%v", err)
	}
	return op, nil
}

// windowFunc lowers one window call.
func (lw *lowerer) windowFunc(e *Expr, x *WindowNode, l layout) (exec.WindowFunc, error) {
	w := e.win
	f := exec.WindowFunc{Name: e.op, N: w.n, IgnoreNulls: w.ignoreNulls, Distinct: e.distinct, Text: w.text}
	args, filter := e.winCallArgs()
	var err error
	if len(args) > 0 {
		if f.Arg, err = lowerExpr(args[0], l); err != nil {
			return f, err
		}
	}
	if w.hasDefault {
		if f.Default, err = lowerExpr(args[1], l); err != nil {
			return f, err
		}
	} else if len(args) > 1 {
		if f.Args, err = lowerExprs(args[1:], l); err != nil {
			return f, err
		}
	}
	if filter != nil {
		if f.Filter, err = lowerExpr(filter, l); err != nil {
			return f, err
		}
	}
	fr := w.frame
	f.Frame = exec.WindowFrame{Range: !fr.rows, Exclude: fr.exclude,
		Start: exec.WindowBound{Kind: fr.start.kind, Rows: fr.start.rows},
		End:   exec.WindowBound{Kind: fr.end.kind, Rows: fr.end.rows}}
	if fr.rows || (fr.start.offset == nil && fr.end.offset == nil) {
		return f, nil
	}
	// RANGE with offsets: the bounds' key values, and the key, in one type.
	key := x.order[0]
	value := func(b winBound) (*Expr, error) {
		if b.offset == nil {
			return nil, nil
		}
		op := "+"
		if (b.kind == exec.BoundPreceding) != key.desc {
			op = "-"
		}
		return newExpr(&Expr{kind: kBinary, pos: b.offset.pos, op: op, args: []*Expr{key.expr, b.offset}})
	}
	sv, err := value(fr.start)
	if err != nil {
		return f, err
	}
	ev, err := value(fr.end)
	if err != nil {
		return f, err
	}
	t := key.expr.Type()
	for _, v := range []*Expr{sv, ev} {
		if v != nil {
			t = exec.CommonType(t, v.Type())
		}
	}
	conv := func(v *Expr) (exec.Expr, error) {
		if v == nil {
			return nil, nil
		}
		if !arrow.TypeEqual(v.Type(), t) {
			c, err := newExpr(&Expr{kind: kCast, pos: v.pos, to: t, args: []*Expr{v}})
			if err != nil {
				return nil, err
			}
			v = c
		}
		return lowerExpr(v, l)
	}
	if f.Frame.Start.Value, err = conv(sv); err != nil {
		return f, err
	}
	if f.Frame.End.Value, err = conv(ev); err != nil {
		return f, err
	}
	if f.Frame.RangeKey, err = conv(key.expr); err != nil {
		return f, err
	}
	return f, nil
}

// windowsAllowed is the expression context of clauses that may hold
// window functions.
func windowsAllowed(clause string) exprCtx {
	return exprCtx{aggOK: true, winOK: true, clause: clause}
}

// splitPushable splits conds into those that may move below a node (they
// cannot fail and read only the columns in cols) and those that stay
// above it.
func splitPushable(conds []*Expr, cols map[ColumnID]bool) (down, stay []*Expr) {
	for _, c := range conds {
		if !c.canFail() && refsWithin(c, cols) {
			down = append(down, c)
		} else {
			stay = append(stay, c)
		}
	}
	return down, stay
}
