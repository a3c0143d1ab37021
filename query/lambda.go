package query

import (
	"slices"
	"strings"

	"github.com/recq/recq/exec"
	"github.com/recq/recq/parser"
)

// Lambdas: list_filter(days, x -> x > 0), list_transform(days, (x, i) ->
// x * i), list_reduce(days, (acc, x) -> acc + x) and their aliases (see
// exec.NewLambdaCall).
//
// A lambda call binds to a kLambda node whose args are the list and the
// body. The parameters are fresh columns that only the body sees: while
// the body is bound they shadow the columns of the same name
// (bd.lambdaParams), and the body may use the row's other columns
// (captures). When the plan is lowered, the body is lowered over its own
// batch layout, the captured columns first and then the parameters, and
// the captures are lowered over the operator's input (lowerLambda).

// lambdaParam resolves an unqualified name to the parameter of the
// innermost lambda being bound that has it.
func (bd *binder) lambdaParam(n *parser.ColumnRef) (*Expr, bool) {
	if n.Table != "" {
		return nil, false
	}
	for i := len(bd.lambdaParams) - 1; i >= 0; i-- {
		if c := bd.lambdaParams[i]; strings.EqualFold(c.Name, n.Name) {
			return colRef(c, n.Pos), true
		}
	}
	return nil, false
}

// bindLambdaCall binds name(list, lambda).
func (bd *binder) bindLambdaCall(n *parser.Call, sc *scope, ctx exprCtx, plan *Node) (*Expr, error) {
	name := strings.ToLower(n.Name)
	usage := name + " takes a list and a lambda, as in " + name + "(days, x -> x > 0)"
	if exec.IsLambdaFunction(name) && strings.HasSuffix(name, "reduce") {
		usage = name + " takes a list and a lambda, as in " + name + "(days, (acc, x) -> acc + x)"
	}
	if n.Star || n.Distinct || len(n.OrderBy) > 0 || n.Filter != nil || len(n.Args) != 2 {
		return nil, posErr(n.Pos, "%s", usage)
	}
	lam, ok := n.Args[1].(*parser.Lambda)
	if !ok {
		return nil, posErr(n.Args[1].Position(), "%s; its second argument is not a lambda", usage)
	}
	if _, ok := n.Args[0].(*parser.Lambda); ok {
		return nil, posErr(n.Args[0].Position(), "%s; the lambda comes second", usage)
	}
	list, err := bd.bindExprPlan(n.Args[0], sc, ctx, plan)
	if err != nil {
		return nil, err
	}
	types, err := exec.LambdaParamTypes(name, list.Type(), len(lam.Params))
	if err != nil {
		pos := lam.Pos
		if !exec.IsList(list.Type()) {
			pos = n.Args[0].Position()
		}
		return nil, posErr(pos, "%v", err)
	}
	var bad error
	parser.Inspect(lam.Body, func(x any) bool {
		switch x.(type) {
		case *parser.Subquery, *parser.Exists, *parser.InSubquery, *parser.Quantified:
			if bad == nil {
				bad = posErr(x.(parser.Expr).Position(), "a lambda's body cannot hold a subquery; compute it in the query and use its column")
			}
		}
		return bad == nil
	})
	if bad != nil {
		return nil, bad
	}
	params := make([]Column, len(lam.Params))
	for i, p := range lam.Params {
		params[i] = bd.newColumn(p, "", types[i])
	}
	depth := len(bd.lambdaParams)
	bd.lambdaParams = append(bd.lambdaParams, params...)
	inner := exprCtx{clause: "in a lambda"}
	body, err := bd.bindExprPlan(lam.Body, sc, inner, nil)
	bd.lambdaParams = bd.lambdaParams[:depth]
	if err != nil {
		return nil, err
	}
	return newExpr(&Expr{kind: kLambda, pos: n.Pos, op: name, args: []*Expr{list, body}, params: params})
}

// buildLambda builds the exec call over the list and body expressions
// (shadows when captures is nil, else lowered ones).
func (e *Expr) buildLambda(list, body exec.Expr, captures []exec.Expr) (exec.Expr, error) {
	names := make([]string, len(e.params))
	for i, p := range e.params {
		names[i] = p.Name
	}
	x, err := exec.NewLambdaCall(e.op, list, body, captures, names)
	if err != nil {
		return nil, posErr(e.pos, "%v", err)
	}
	return x, nil
}

// lowerLambda lowers a kLambda node over layout l: the list and the
// captured columns over l, the body over its captures then parameters.
func lowerLambda(e *Expr, l layout) (exec.Expr, error) {
	list, err := lowerExpr(e.args[0], l)
	if err != nil {
		return nil, err
	}
	// The body's own parameters, and those of lambdas inside it, are
	// not captures.
	own := map[ColumnID]bool{}
	walkExpr(e, func(x *Expr) bool {
		for _, p := range x.params {
			own[p.ID] = true
		}
		return true
	})
	seen := map[ColumnID]bool{}
	var cols []Column
	var captures []exec.Expr
	walkExpr(e.args[1], func(x *Expr) bool {
		if x.kind != kCol || own[x.id] || seen[x.id] {
			return true
		}
		seen[x.id] = true
		c, err := lowerExpr(x, l)
		if err != nil {
			return true // reported below, when the body is lowered
		}
		captures = append(captures, c)
		cols = append(cols, Column{ID: x.id, Name: x.name, Type: x.Type()})
		return true
	})
	cols = append(cols, e.params...)
	body, err := lowerExpr(e.args[1], newLayout(slices.Clip(cols)))
	if err != nil {
		return nil, err
	}
	return e.buildLambda(list, body, captures)
}

// notLambdaArgs rejects a lambda argument of a function that takes none.
func notLambdaArgs(n *parser.Call) error {
	for _, a := range n.Args {
		if l, ok := a.(*parser.Lambda); ok {
			return posErr(l.Pos, "%s does not take a lambda (%s)%s; list_filter, list_transform and list_reduce do", n.Name, l.String(), suggest(n.Name, exec.LambdaFunctionNames()))
		}
	}
	return nil
}
