package query

import (
	"math"
	"strconv"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/recq/recq/exec"
	"github.com/recq/recq/parser"
	"github.com/recq/recq/scan"
	"github.com/recq/recq/storage"
)

// aggPushdown is an aggregation the scan computes per partition (see
// scan.AggSpec): the spec, and for each of the query's aggregate calls
// which partial columns hold it.
type aggPushdown struct {
	spec  scan.AggSpec
	calls []pushedCall // one per bound.aggs entry
}

// pushedCall says how to finish one aggregate call from the merged
// partials: a count or sum is partial column sum; an avg divides the
// merged sum by the merged count.
type pushedCall struct {
	name       string // "count", "sum" or "avg"
	sum, count int    // indexes into spec.Aggs (count -1 unless avg)
}

// pushdownAggregate hands simple aggregations to the scan: GROUP BY bare
// short binary columns, and count(*), count(column), sum(e), avg(e) where e
// is +, -, * over binary integer/DECIMAL columns and constants. Anything
// else, or a WHERE the scan cannot evaluate on its own, keeps the general
// plan. The result is the same either way (the scan computes exactly, and
// falls back to the general plan when a value does not fit 64 bits).
func pushdownAggregate(lp *logicalPlan) error {
	b := lp.b
	if b.table == nil || !b.hasAggregation() || len(lp.residual) > 0 || lp.empty {
		return nil
	}
	schema := b.table.Schema
	ap := &aggPushdown{}
	for _, g := range b.groupBy {
		f, ok := lp.columnOf(g)
		if !ok || f < 0 || !keyField(&schema.Fields[f]) {
			return nil
		}
		ap.spec.Keys = append(ap.spec.Keys, f)
	}
	width := 0
	for _, k := range ap.spec.Keys {
		width += schema.Fields[k].Width
	}
	if width > 8 {
		return nil
	}
	vb := &valueBuilder{lp: lp, index: map[string]int{}, spec: &ap.spec}
	countIdx := -1
	count := func() int {
		if countIdx < 0 {
			countIdx = len(ap.spec.Aggs)
			ap.spec.Aggs = append(ap.spec.Aggs, scan.PartialAgg{Kind: scan.AggCount, Name: "count(*)"})
		}
		return countIdx
	}
	sc := lp.fullScope()
	for _, c := range b.aggs {
		if c.Distinct {
			return nil
		}
		switch c.Name {
		case "count":
			if !c.Star {
				if len(c.Args) != 1 {
					return nil // the general plan reports the wrong argument count
				}
				f, ok := lp.columnOf(c.Args[0])
				if !ok || f < 0 || schema.Fields[f].Nullable {
					return nil
				}
			}
			ap.calls = append(ap.calls, pushedCall{name: "count", sum: count(), count: -1})
		case "sum", "avg":
			if len(c.Args) != 1 {
				return nil
			}
			v, ok := vb.build(c.Args[0])
			if !ok {
				return nil
			}
			// The partial sums must have exactly the type exec gives the
			// argument, so the merged result matches the general plan.
			x, err := conv(c.Args[0], sc)
			if err != nil {
				return nil
			}
			rt, err := exec.AggResultType("sum", x.DataType(), false)
			if err != nil {
				return nil
			}
			isInt := ap.spec.Values[v].Scale == 0 && rt.ID() == arrow.INT64
			if d, isDec := rt.(*arrow.Decimal128Type); !isInt && (!isDec || int(d.Scale) != ap.spec.Values[v].Scale) {
				return nil
			}
			si := len(ap.spec.Aggs)
			ap.spec.Aggs = append(ap.spec.Aggs, scan.PartialAgg{Kind: scan.AggSum, Value: v, Int: isInt, Name: "sum(" + c.Args[0].String() + ")"})
			call := pushedCall{name: c.Name, sum: si, count: -1}
			if c.Name == "avg" {
				call.count = count()
			}
			ap.calls = append(ap.calls, call)
		default:
			return nil
		}
	}
	lp.aggPush = ap
	return nil
}

// keyField reports whether a field can be a scan-side group key.
func keyField(f *storage.Field) bool {
	if f.IsText() || f.Nullable {
		return false
	}
	t := f.Type
	return t.IsInteger() || t.Kind == storage.Char || t.Kind == storage.Date || t.Kind == storage.Boolean
}

// valueBuilder turns an AST expression into scan.ValueExprs.
type valueBuilder struct {
	lp    *logicalPlan
	spec  *scan.AggSpec
	index map[string]int // canonical text -> value index (shared subexpressions)
}

// build adds e (and its operands) and returns its index.
func (vb *valueBuilder) build(e parser.Expr) (int, bool) {
	key := e.String()
	if i, ok := vb.index[key]; ok {
		return i, true
	}
	var v scan.ValueExpr
	switch n := e.(type) {
	case *parser.ColumnRef:
		f, ok := vb.lp.columnOf(n)
		if !ok || f < 0 {
			return 0, false
		}
		fd := &vb.lp.b.table.Schema.Fields[f]
		t := fd.Type
		if fd.IsText() || fd.Nullable || !(t.IsInteger() || t.Kind == storage.Decimal) || t.Kind == storage.Uint64 {
			return 0, false
		}
		v = scan.ValueExpr{Op: scan.ValField, Field: f}
		if t.Kind == storage.Decimal {
			v.Scale = t.Scale
		}
	case *parser.Literal:
		c, scale, ok := scaledLiteral(n)
		if !ok {
			return 0, false
		}
		v = scan.ValueExpr{Op: scan.ValConst, Const: c, Scale: scale}
	case *parser.Binary:
		ops := map[string]scan.ValueOp{"+": scan.ValAdd, "-": scan.ValSub, "*": scan.ValMul}
		op, ok := ops[n.Op]
		if !ok {
			return 0, false
		}
		l, ok1 := vb.build(n.L)
		r, ok2 := vb.build(n.R)
		if !ok1 || !ok2 {
			return 0, false
		}
		ls, rs := vb.spec.Values[l].Scale, vb.spec.Values[r].Scale
		v = scan.ValueExpr{Op: op, L: l, R: r, Scale: max(ls, rs)}
		if op == scan.ValMul {
			v.Scale = ls + rs
		} else {
			// A constant operand of + or - comes at the node's scale, so
			// the scan does not rescale it for every record.
			if l, ok = vb.atScale(l, v.Scale); !ok {
				return 0, false
			}
			if r, ok = vb.atScale(r, v.Scale); !ok {
				return 0, false
			}
			v.L, v.R = l, r
		}
		if v.Scale > storage.MaxDecimalPrecision {
			return 0, false
		}
	default:
		return 0, false
	}
	vb.spec.Values = append(vb.spec.Values, v)
	i := len(vb.spec.Values) - 1
	vb.index[key] = i
	return i, true
}

// atScale returns a constant value rescaled to scale (as a new value), or
// the value itself when it is not a constant or already at that scale.
func (vb *valueBuilder) atScale(i, scale int) (int, bool) {
	c := vb.spec.Values[i]
	if c.Op != scan.ValConst || c.Scale == scale {
		return i, true
	}
	k := c.Const
	for s := c.Scale; s < scale; s++ {
		if k > math.MaxInt64/10 || k < math.MinInt64/10 {
			return 0, false
		}
		k *= 10
	}
	vb.spec.Values = append(vb.spec.Values, scan.ValueExpr{Op: scan.ValConst, Const: k, Scale: scale})
	return len(vb.spec.Values) - 1, true
}

// scaledLiteral reads an integer or decimal literal as a scaled integer.
func scaledLiteral(n *parser.Literal) (int64, int, bool) {
	switch n.Kind {
	case parser.LitInteger:
		v, err := strconv.ParseInt(n.Text, 10, 64)
		return v, 0, err == nil
	case parser.LitDecimal:
		intPart, frac, _ := strings.Cut(n.Text, ".")
		v, err := strconv.ParseInt(intPart+frac, 10, 64)
		return v, len(frac), err == nil && len(frac) <= storage.MaxDecimalPrecision
	}
	return 0, 0, false
}

// finishPushed builds the operators above an aggregating scan: merge the
// partials, then compute each aggregate call (avg = merged sum / merged
// count). It returns the operator and the scope of its output (group keys
// then calls, keyed by their text, as the general plan's aggregate).
func finishPushed(lp *logicalPlan, child exec.Operator, budget *exec.Budget) (exec.Operator, *scope, error) {
	b, ap := lp.b, lp.aggPush
	in := child.Schema().Fields()
	nk := len(ap.spec.Keys)
	groups := make([]exec.Expr, nk)
	gnames := make([]string, nk)
	for i := 0; i < nk; i++ {
		groups[i] = exec.Col(i, in[i].Name, in[i].Type)
		gnames[i] = in[i].Name
	}
	calls := make([]exec.AggCall, len(ap.spec.Aggs))
	cnames := make([]string, len(ap.spec.Aggs))
	for j := range ap.spec.Aggs {
		f := in[nk+j]
		calls[j] = exec.AggCall{Name: "sum", Arg: exec.Col(nk+j, f.Name, f.Type)}
		cnames[j] = f.Name
	}
	op := exec.NewAggregate(child, groups, gnames, calls, cnames, budget)
	merged := op.Schema().Fields()
	exprs := make([]exec.Expr, 0, nk+len(b.aggs))
	names := make([]string, 0, nk+len(b.aggs))
	out := &scope{keyed: map[string]scopeCol{}, ungrouped: true, args: b.args, res: b.res}
	for i, g := range b.groupBy {
		exprs = append(exprs, exec.Col(i, gnames[i], merged[i].Type))
		names = append(names, displayName(g))
		out.keyed[g.String()] = scopeCol{index: i, name: names[i], typ: merged[i].Type}
	}
	for k, c := range b.aggs {
		pc := ap.calls[k]
		sum := exec.Col(nk+pc.sum, merged[nk+pc.sum].Name, merged[nk+pc.sum].Type)
		x := sum
		if pc.name == "avg" {
			cnt := exec.Col(nk+pc.count, merged[nk+pc.count].Name, merged[nk+pc.count].Type)
			var err error
			if x, err = exec.NewBinary("/", sum, cnt); err != nil {
				return nil, nil, internalErr("avg from partial sums: %v", err)
			}
		}
		exprs = append(exprs, x)
		names = append(names, c.String())
		out.keyed[c.String()] = scopeCol{index: len(exprs) - 1, name: c.String(), typ: x.DataType()}
	}
	return exec.NewProject(op, exprs, names), out, nil
}
