package query

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/decimal128"
	"github.com/recq/recq/exec"
	"github.com/recq/recq/parser"
	"github.com/recq/recq/storage"
)

// exprCtx is what an expression's clause allows.
type exprCtx struct {
	aggOK bool // aggregate calls allowed (select list, HAVING, ORDER BY)
	winOK bool // window functions allowed (select list, QUALIFY, ORDER BY)
	inAgg bool // inside an aggregate's argument
	// unnestOK: UNNEST allowed (the select list only)
	unnestOK bool
	clause   string // "in WHERE", ... for messages
	aliases  []item // HAVING: bare names that are not columns name select items
}

// bindExpr binds an expression that may not contain subqueries needing
// a join.
func (bd *binder) bindExpr(e parser.Expr, sc *scope, ctx exprCtx) (*Expr, error) {
	return bd.bindExprPlan(e, sc, ctx, nil)
}

// bindExprPlan binds e in sc. plan, when not nil, is the plan the
// expression is evaluated over: a subquery that must become a join
// (IN inside OR, a correlated scalar subquery) is joined onto it.
func (bd *binder) bindExprPlan(e parser.Expr, sc *scope, ctx exprCtx, plan *Node) (*Expr, error) {
	rec := func(x parser.Expr) (*Expr, error) { return bd.bindExprPlan(x, sc, ctx, plan) }
	recAll := func(xs ...parser.Expr) ([]*Expr, error) {
		out := make([]*Expr, len(xs))
		for i, x := range xs {
			b, err := rec(x)
			if err != nil {
				return nil, err
			}
			out[i] = b
		}
		return out, nil
	}
	node := func(n *Expr, kids ...parser.Expr) (*Expr, error) {
		args, err := recAll(kids...)
		if err != nil {
			return nil, err
		}
		n.args = args
		return newExpr(n)
	}
	pos := e.Position()
	switch n := e.(type) {
	case *parser.ColumnRef:
		if x, ok := bd.lambdaParam(n); ok {
			return x, nil
		}
		if call := structFieldRef(sc, n); call != nil {
			return rec(call)
		}
		if x, ok := bd.clock(n.Name, pos); ok && n.Table == "" && (sc == nil || !sc.hasColumn(n.Name)) {
			return x, nil
		}
		if ctx.aliases != nil && n.Table != "" || ctx.aliases == nil || sc.hasColumn(n.Name) {
			return sc.column(n)
		}
		for _, it := range ctx.aliases {
			if strings.EqualFold(it.name, n.Name) {
				return it.expr, nil
			}
		}
		return sc.column(n)
	case *parser.Literal:
		x, err := literal(n)
		if err != nil {
			return nil, posErr(pos, "%v", err)
		}
		return litExpr(x, pos), nil
	case *parser.Interval:
		x, err := interval(n)
		if err != nil {
			return nil, posErr(pos, "%v", err)
		}
		return litExpr(x, pos), nil
	case *parser.Param:
		if n.Index < 1 || n.Index > len(bd.args) {
			return nil, posErr(n.Pos, "parameter %d has no value (%d given)", n.Index, len(bd.args))
		}
		v, err := goValue(bd.args[n.Index-1])
		if err != nil {
			return nil, posErr(n.Pos, "parameter %d: %v", n.Index, err)
		}
		x, err := exec.Lit(v, nil)
		if err != nil {
			return nil, posErr(pos, "%v", err)
		}
		return litExpr(x, pos), nil
	case *parser.Unary:
		return node(&Expr{kind: kUnary, pos: pos, op: n.Op}, n.X)
	case *parser.Binary:
		op := n.Op
		if n.Not {
			op = "NOT " + op
		}
		return node(&Expr{kind: kBinary, pos: pos, op: op}, n.L, n.R)
	case *parser.IsNull:
		return node(&Expr{kind: kIsNull, pos: pos, not: n.Not}, n.X)
	case *parser.Between:
		return node(&Expr{kind: kBetween, pos: pos, not: n.Not}, n.X, n.Lo, n.Hi)
	case *parser.InList:
		return node(&Expr{kind: kIn, pos: pos, not: n.Not}, append([]parser.Expr{n.X}, n.List...)...)
	case *parser.Call:
		if x, ok := bd.clock(n.Name, pos); ok && len(n.Args) == 0 && !n.Star {
			return x, nil
		}
		if strings.EqualFold(n.Name, "unnest") || strings.EqualFold(n.Name, "generate_subscripts") {
			return bd.bindUnnest(n, sc, ctx, plan)
		}
		if exec.IsAggregate(n.Name) {
			return bd.bindAgg(n, sc, ctx)
		}
		if exec.IsLambdaFunction(n.Name) {
			return bd.bindLambdaCall(n, sc, ctx, plan)
		}
		if err := notLambdaArgs(n); err != nil {
			return nil, err
		}
		if n.Name == "columns" {
			return nil, posErr(n.Pos, "COLUMNS(...) is only allowed in the select list")
		}
		if len(n.OrderBy) > 0 || n.Filter != nil {
			return nil, posErr(n.Pos, "ORDER BY and FILTER inside a call are only for aggregate functions; %s is not one", n.Name)
		}
		if n.Star || n.Distinct {
			return nil, posErr(n.Pos, "%s(%s...) is only allowed for aggregate functions", n.Name, map[bool]string{true: "*", false: "DISTINCT "}[n.Star])
		}
		c := &Expr{kind: kCall, pos: pos, op: n.Name}
		if exec.IsVolatile(n.Name) {
			c.op, c.rng = strings.ToLower(n.Name), bd.rng
		}
		return node(c, n.Args...)
	case *parser.WindowCall:
		return bd.bindWindowCall(n, sc, ctx)
	case *parser.Cast:
		t, err := arrowType(n.Type)
		if err != nil {
			return nil, err
		}
		return node(&Expr{kind: kCast, pos: pos, to: t, try: n.Try}, n.X)
	case *parser.Case:
		c := &Expr{kind: kCase, pos: pos, hasOperand: n.Operand != nil, hasElse: n.Else != nil}
		var kids []parser.Expr
		if n.Operand != nil {
			kids = append(kids, n.Operand)
		}
		for _, w := range n.Whens {
			kids = append(kids, w.Cond, w.Result)
		}
		if n.Else != nil {
			kids = append(kids, n.Else)
		}
		return node(c, kids...)
	case *parser.Subquery, *parser.Exists, *parser.InSubquery, *parser.Quantified:
		return bd.bindSubqueryExpr(e, sc, ctx, plan)
	case *parser.List:
		return node(&Expr{kind: kCall, pos: pos, op: "list_value"}, n.Elems...)
	case *parser.Lambda:
		return nil, posErr(pos, "a lambda (%s) is only allowed as the last argument of list_filter, list_transform or list_reduce, as in list_filter(days, x -> x > 0)", n.String())
	}
	return nil, posErr(pos, "unsupported expression %s", e.String())
}

// clock gives current_date, current_timestamp, now() and today(): the
// local wall-clock time when the statement was bound, the same for every
// use in it (a constant, as DuckDB's are per transaction).
func (bd *binder) clock(name string, pos parser.Pos) (*Expr, bool) {
	var x exec.Expr
	var err error
	switch strings.ToLower(name) {
	case "current_timestamp", "now", "localtimestamp":
		_, off := bd.now.Zone()
		x, err = exec.Lit(arrow.Timestamp(bd.now.UnixMicro()+int64(off)*1e6), exec.TimestampType)
	case "current_date", "today":
		y, m, d := bd.now.Date()
		x, err = exec.Lit(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Format("2006-01-02"), arrow.FixedWidthTypes.Date32)
	default:
		return nil, false
	}
	if err != nil {
		return nil, false
	}
	return litExpr(x, pos), true
}

// bindAgg binds an aggregate call.
func (bd *binder) bindAgg(n *parser.Call, sc *scope, ctx exprCtx) (*Expr, error) {
	name := strings.ToLower(n.Name)
	switch {
	case ctx.inAgg:
		return nil, posErr(n.Pos, "aggregate function calls cannot be nested")
	case !ctx.aggOK:
		return nil, posErr(n.Pos, "aggregate function %s is not allowed %s", name, orDefault(ctx.clause, "here"))
	}
	a := &Expr{kind: kAgg, pos: n.Pos, op: name, distinct: n.Distinct, star: n.Star}
	inner := exprCtx{inAgg: true, aggOK: true, clause: ctx.clause}
	if n.Star {
		if name != "count" {
			return nil, posErr(n.Pos, "%s(*) is not allowed; only count(*)", name)
		}
	} else {
		args, err := bd.bindAggArgs(n, name, sc, inner)
		if err != nil {
			return nil, err
		}
		a.args = args
	}
	if n.Filter != nil {
		f, err := bd.bindExpr(n.Filter, sc, exprCtx{inAgg: true, aggOK: true, clause: "in FILTER"})
		if err != nil {
			return nil, err
		}
		a.hasFilter = true
		a.args = append(a.args, f)
	}
	for _, o := range n.OrderBy {
		k, err := bd.bindExpr(o.Expr, sc, inner)
		if err != nil {
			return nil, err
		}
		ao := aggOrder{desc: o.Desc}
		if o.NullsFirst != nil {
			ao.nullsFirst = *o.NullsFirst
		}
		a.order = append(a.order, ao)
		a.args = append(a.args, k)
	}
	return newExpr(a)
}

// bindAggArgs checks the number of an aggregate call's arguments and
// binds them; quantile's [list] of fractions becomes a marker
// (exec.QuantileListArg), then the fractions. Their types and constants
// are checked when the call's expression is made (exec.AggCallType).
func (bd *binder) bindAggArgs(n *parser.Call, name string, sc *scope, ctx exprCtx) ([]*Expr, error) {
	lo, hi := exec.AggArity(name)
	if len(n.Args) < lo || len(n.Args) > hi {
		switch {
		case lo == 1 && hi == 1:
			return nil, posErr(n.Pos, "%s takes one argument, got %d", name, len(n.Args))
		case lo == hi:
			return nil, posErr(n.Pos, "%s takes %d arguments, got %d", name, lo, len(n.Args))
		}
		return nil, posErr(n.Pos, "%s takes %d to %d arguments, got %d", name, lo, hi, len(n.Args))
	}
	var args []*Expr
	for i, arg := range n.Args {
		if l, ok := arg.(*parser.List); ok {
			// quantile_cont(x, [0.25, 0.5]): a marker, then the fractions
			if i != 1 || !strings.HasPrefix(name, "quantile") || len(l.Elems) == 0 {
				return nil, posErr(l.Pos, "a [list] is only allowed as the fractions of quantile_cont and quantile_disc")
			}
			m, err := exec.Lit(exec.QuantileListArg, nil)
			if err != nil {
				return nil, err
			}
			args = append(args, litExpr(m, l.Pos))
			for _, q := range l.Elems {
				x, err := bd.bindExpr(q, sc, ctx)
				if err != nil {
					return nil, err
				}
				args = append(args, x)
			}
			continue
		}
		x, err := bd.bindExpr(arg, sc, ctx)
		if err != nil {
			return nil, err
		}
		args = append(args, x)
	}
	return args, nil
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// literal converts a literal node.
func literal(n *parser.Literal) (exec.Expr, error) {
	switch n.Kind {
	case parser.LitInteger, parser.LitDecimal, parser.LitFloat:
		return exec.ParseNumber(n.Text)
	case parser.LitString:
		return exec.Lit(n.Text, nil)
	case parser.LitBool:
		return exec.Lit(strings.EqualFold(n.Text, "true"), nil)
	case parser.LitNull:
		return exec.Lit(nil, nil)
	case parser.LitDate:
		return exec.Lit(n.Text, arrow.FixedWidthTypes.Date32)
	case parser.LitTimestamp:
		return exec.Lit(n.Text, exec.TimestampType)
	}
	return nil, fmt.Errorf("unsupported literal %s", n.String())
}

// interval converts INTERVAL n UNIT.
func interval(n *parser.Interval) (exec.Expr, error) {
	var text string
	switch v := n.Value.(type) {
	case *parser.Literal:
		text = v.Text
	case *parser.Unary:
		if l, ok := v.X.(*parser.Literal); ok && v.Op == "-" {
			text = "-" + l.Text
		}
	}
	k, err := strconv.ParseInt(strings.TrimSpace(text), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("INTERVAL needs a whole number, not %s", n.Value.String())
	}
	iv, err := exec.NewInterval(k, n.Unit)
	if err != nil {
		return nil, err
	}
	return exec.Lit(iv, exec.IntervalType)
}

// goValue converts a Go parameter value to what exec.Lit accepts.
func goValue(v any) (any, error) {
	switch x := v.(type) {
	case nil, bool, int64, uint64, float64, string, arrow.Date32, arrow.Timestamp, exec.Interval, decimal128.Num:
		return x, nil
	case int:
		return int64(x), nil
	case int8:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case uint:
		return uint64(x), nil
	case uint8:
		return int64(x), nil
	case uint16:
		return int64(x), nil
	case uint32:
		return int64(x), nil
	case float32:
		return float64(x), nil
	case []byte:
		return string(x), nil
	case time.Time:
		return arrow.Timestamp(x.UnixMicro()), nil
	case storage.DateValue:
		return arrow.Date32(x), nil
	case storage.TimestampValue:
		return arrow.Timestamp(x), nil
	case storage.DecimalValue:
		return x.String(), nil
	}
	return nil, fmt.Errorf("unsupported parameter type %T", v)
}

// arrowType maps a SQL type name to the Arrow type of its values.
func arrowType(t *parser.TypeName) (arrow.DataType, error) {
	name := strings.ToUpper(t.Name)
	switch name {
	case "VARCHAR", "TEXT", "STRING", "CHAR", "CHARACTER":
		return arrow.BinaryTypes.String, nil
	case "DECIMAL", "NUMERIC":
		p, s := 18, 3
		switch len(t.Params) {
		case 1:
			p, s = t.Params[0], 0
		case 2:
			p, s = t.Params[0], t.Params[1]
		}
		if p < 1 || p > 38 || s < 0 || s > p {
			return nil, posErr(t.Pos, "DECIMAL(%d,%d) is out of range (precision 1..38, scale 0..precision)", p, s)
		}
		return exec.DecimalType(p, s), nil
	}
	st, err := storage.ParseType(name, t.Params...)
	if err != nil {
		return nil, posErr(t.Pos, "%v", err)
	}
	return st.ArrowType(), nil
}
