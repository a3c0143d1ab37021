package parser

// Inspect walks a statement, query, table expression or expression depth
// first, calling fn for every node (statements, queries, table
// expressions, select items, expressions, subqueries included). When fn
// returns false the node's children are skipped.
func Inspect(node any, fn func(any) bool) {
	if node == nil || !fn(node) {
		return
	}
	visit := func(xs ...any) {
		for _, x := range xs {
			if !isNilNode(x) {
				Inspect(x, fn)
			}
		}
	}
	switch n := node.(type) {
	case *Explain:
		visit(n.Stmt)
	case *Describe:
		visit(n.Query)
	case *Summarize:
		visit(n.Query)
	case *CreateView:
		visit(n.Query)
	case *CreateTableAs:
		visit(n.Query)
	case *Select:
		if n.With != nil {
			for _, c := range n.With.CTEs {
				visit(c.Query)
			}
		}
		for _, it := range n.Items {
			visit(it.Expr)
			for _, r := range it.Replace {
				visit(r.Expr)
			}
		}
		visit(n.From, n.Where)
		for _, g := range n.GroupBy {
			visit(g)
		}
		visit(n.Having)
		for _, d := range n.Windows {
			inspectSpec(d.Spec, visit)
		}
		visit(n.Qualify)
		for _, o := range n.OrderBy {
			visit(o.Expr)
		}
		visit(n.Limit, n.Offset)
	case *SetOp:
		if n.With != nil {
			for _, c := range n.With.CTEs {
				visit(c.Query)
			}
		}
		visit(n.L, n.R)
		for _, o := range n.OrderBy {
			visit(o.Expr)
		}
		visit(n.Limit, n.Offset)
	case *Values:
		for _, row := range n.Rows {
			for _, e := range row {
				visit(e)
			}
		}
	case *DerivedTable:
		visit(n.Query)
	case *Join:
		visit(n.L, n.R, n.On)
	case *Unary:
		visit(n.X)
	case *Binary:
		visit(n.L, n.R)
	case *IsNull:
		visit(n.X)
	case *Between:
		visit(n.X, n.Lo, n.Hi)
	case *InList:
		visit(n.X)
		for _, x := range n.List {
			visit(x)
		}
	case *Call:
		for _, x := range n.Args {
			visit(x)
		}
		for _, o := range n.OrderBy {
			visit(o.Expr)
		}
		visit(n.Filter)
	case *List:
		for _, x := range n.Elems {
			visit(x)
		}
	case *Lambda:
		visit(n.Body)
	case *WindowCall:
		inspectWindow(n, visit)
	case *Cast:
		visit(n.X)
	case *Interval:
		visit(n.Value)
	case *Case:
		visit(n.Operand)
		for _, w := range n.Whens {
			visit(w.Cond, w.Result)
		}
		visit(n.Else)
	case *Subquery:
		visit(n.Query)
	case *Exists:
		visit(n.Query)
	case *InSubquery:
		visit(n.X, n.Query)
	case *Quantified:
		visit(n.X, n.Query)
	}
}

// isNilNode reports whether x is nil or a typed nil pointer in an
// interface (an absent optional clause).
func isNilNode(x any) bool {
	switch v := x.(type) {
	case nil:
		return true
	case Expr:
		return v == nil || isNilPtr(v)
	case Statement:
		return isNilPtr(v)
	case TableExpr:
		return isNilPtr(v)
	}
	return false
}

func isNilPtr(x any) bool {
	switch v := x.(type) {
	case *Select:
		return v == nil
	case *SetOp:
		return v == nil
	case *Values:
		return v == nil
	case *TableRef:
		return v == nil
	case *DerivedTable:
		return v == nil
	case *Join:
		return v == nil
	}
	return false
}
