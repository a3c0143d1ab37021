package query

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/decimal128"
	"github.com/recq/recq/exec"
	"github.com/recq/recq/parser"
	"github.com/recq/recq/storage"
)

// scope says which columns an expression can see at one point of the plan
// and where they are in the input batch: table fields by field index, and
// (above an aggregation) whole expressions by their canonical text, so
// `sum(l_quantity)` or a GROUP BY expression becomes a column reference.
type scope struct {
	fields map[int]scopeCol    // table field index (rowIDField for _rowid) -> column
	keyed  map[string]scopeCol // canonical expression text -> column
	// ungrouped explains why a table column is not visible (above an
	// aggregation), for the error message.
	ungrouped bool
	args      []any // values of ? parameters
	where     string
	res       map[*parser.ColumnRef]int // the binder's name resolution
}

type scopeCol struct {
	index int
	name  string
	typ   arrow.DataType
}

// rowIDField is the pseudo field index of _rowid.
const rowIDField = -2

// conv turns a bound AST expression into an exec expression over the
// scope's input batch. Errors point at the offending node.
func conv(e parser.Expr, sc *scope) (exec.Expr, error) {
	if len(sc.keyed) > 0 {
		if _, lit := e.(*parser.Literal); !lit {
			if c, ok := sc.keyed[e.String()]; ok {
				return exec.Col(c.index, c.name, c.typ), nil
			}
		}
	}
	wrap := func(x exec.Expr, err error) (exec.Expr, error) {
		if err != nil {
			return nil, posErr(e.Position(), "%v", err)
		}
		return x, nil
	}
	switch n := e.(type) {
	case *parser.ColumnRef:
		return convColumn(n, sc)
	case *parser.Literal:
		return wrap(literal(n))
	case *parser.Interval:
		return wrap(interval(n))
	case *parser.Param:
		if n.Index < 1 || n.Index > len(sc.args) {
			return nil, posErr(n.Pos, "parameter %d has no value (%d given)", n.Index, len(sc.args))
		}
		v, err := goValue(sc.args[n.Index-1])
		if err != nil {
			return nil, posErr(n.Pos, "parameter %d: %v", n.Index, err)
		}
		return wrap(exec.Lit(v, nil))
	case *parser.Unary:
		x, err := conv(n.X, sc)
		if err != nil {
			return nil, err
		}
		return wrap(exec.NewUnary(n.Op, x))
	case *parser.Binary:
		l, err := conv(n.L, sc)
		if err != nil {
			return nil, err
		}
		r, err := conv(n.R, sc)
		if err != nil {
			return nil, err
		}
		op := n.Op
		if n.Not {
			op = "NOT " + op
		}
		return wrap(exec.NewBinary(op, l, r))
	case *parser.IsNull:
		x, err := conv(n.X, sc)
		if err != nil {
			return nil, err
		}
		return exec.NewIsNull(x, n.Not), nil
	case *parser.Between:
		xs, err := convAll(sc, n.X, n.Lo, n.Hi)
		if err != nil {
			return nil, err
		}
		return wrap(exec.NewBetween(xs[0], xs[1], xs[2], n.Not))
	case *parser.InList:
		x, err := conv(n.X, sc)
		if err != nil {
			return nil, err
		}
		list, err := convAll(sc, n.List...)
		if err != nil {
			return nil, err
		}
		return wrap(exec.NewIn(x, list, n.Not))
	case *parser.Call:
		if exec.IsAggregate(n.Name) {
			return nil, posErr(n.Pos, "aggregate function %s is not allowed %s", n.Name, orDefault(sc.where, "here"))
		}
		if n.Star || n.Distinct {
			return nil, posErr(n.Pos, "%s(%s...) is only allowed for aggregate functions", n.Name, map[bool]string{true: "*", false: "DISTINCT "}[n.Star])
		}
		args, err := convAll(sc, n.Args...)
		if err != nil {
			return nil, err
		}
		x, err := exec.NewCall(n.Name, args)
		if err != nil {
			msg := err.Error()
			if strings.HasPrefix(msg, "unknown function") {
				msg += suggest(n.Name, exec.FunctionNames())
			}
			return nil, posErr(n.Pos, "%s", msg)
		}
		return x, nil
	case *parser.Cast:
		x, err := conv(n.X, sc)
		if err != nil {
			return nil, err
		}
		t, err := arrowType(n.Type)
		if err != nil {
			return nil, err
		}
		return wrap(exec.NewCast(x, t))
	case *parser.Case:
		var operand exec.Expr
		if n.Operand != nil {
			var err error
			if operand, err = conv(n.Operand, sc); err != nil {
				return nil, err
			}
		}
		var whens, thens []exec.Expr
		for _, w := range n.Whens {
			c, err := conv(w.Cond, sc)
			if err != nil {
				return nil, err
			}
			r, err := conv(w.Result, sc)
			if err != nil {
				return nil, err
			}
			whens, thens = append(whens, c), append(thens, r)
		}
		var els exec.Expr
		if n.Else != nil {
			var err error
			if els, err = conv(n.Else, sc); err != nil {
				return nil, err
			}
		}
		return wrap(exec.NewCase(operand, whens, thens, els))
	}
	return nil, posErr(e.Position(), "unsupported expression %s", e.String())
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func convAll(sc *scope, es ...parser.Expr) ([]exec.Expr, error) {
	out := make([]exec.Expr, len(es))
	for i, e := range es {
		x, err := conv(e, sc)
		if err != nil {
			return nil, err
		}
		out[i] = x
	}
	return out, nil
}

// convColumn resolves a bound column reference in the scope.
func convColumn(n *parser.ColumnRef, sc *scope) (exec.Expr, error) {
	field, ok := sc.res[n]
	if !ok {
		return nil, internalErr("column %s was not resolved", n.Name)
	}
	if c, ok := sc.fields[field]; ok {
		return exec.Col(c.index, c.name, c.typ), nil
	}
	if sc.ungrouped {
		return nil, posErr(n.Pos, "column %s must appear in the GROUP BY clause or be used in an aggregate function", n.Name)
	}
	return nil, internalErr("column %s is not in the input of this operator", n.Name)
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
	k, err := strconv.ParseInt(strings.TrimSpace(text), 10, 32)
	if err != nil {
		return nil, fmt.Errorf("INTERVAL needs a whole number, not %s", n.Value.String())
	}
	var iv exec.Interval
	switch strings.ToUpper(n.Unit) {
	case "DAY":
		iv.Days = int32(k)
	case "MONTH":
		iv.Months = int32(k)
	case "YEAR":
		if k > math.MaxInt32/12 || k < math.MinInt32/12 {
			return nil, fmt.Errorf("INTERVAL %d YEAR is out of range", k)
		}
		iv.Months = int32(k * 12)
	default:
		return nil, fmt.Errorf("unsupported interval unit %s", n.Unit)
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
