package query

import (
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/recq/recq/exec"
	"github.com/recq/recq/parser"
)

// This file binds window functions: fn(...) OVER (...) becomes a kWin
// expression whose args are the function's arguments, then the
// PARTITION BY expressions, then the ORDER BY keys (so rewrites that lift
// expressions over an aggregation reach them); winSpec holds the rest.
// planWindows (window_plan.go) turns them into Window nodes.

// winSpec is what a kWin expression holds besides its args.
type winSpec struct {
	nArgs, nPart int
	desc         []bool // per ORDER BY key
	nullsFirst   []bool
	frame        winFrame
	ignoreNulls  bool
	n            int64 // lag/lead offset, nth_value's n, ntile's buckets
	hasDefault   bool  // lag/lead: args[1] is the default
	text         string
}

// winFrame is a bound frame. Offsets are constants (kLit-folded *Expr);
// defaulted is set when no frame was written.
type winFrame struct {
	rows       bool
	start, end winBound
	exclude    exec.WindowExclude
	defaulted  bool
	text       string
}

type winBound struct {
	kind   exec.WindowBoundKind
	rows   int64 // ROWS offset
	offset *Expr // RANGE offset
}

func (e *Expr) winArgs() []*Expr { return e.args[:e.win.nArgs] }

// winCallArgs returns a window call's function arguments and its FILTER
// condition (nil if none), which follows them in winArgs.
func (e *Expr) winCallArgs() (args []*Expr, filter *Expr) {
	args = e.winArgs()
	if e.hasFilter {
		return args[:len(args)-1], args[len(args)-1]
	}
	return args, nil
}
func (e *Expr) winPartition() []*Expr { return e.args[e.win.nArgs : e.win.nArgs+e.win.nPart] }
func (e *Expr) winOrder() []*Expr     { return e.args[e.win.nArgs+e.win.nPart:] }

// sameWindow reports whether two window calls have the same partitioning
// and ordering (so one Window node, one sort, computes both).
func sameWindow(a, b *Expr) bool {
	pa, pb, oa, ob := a.winPartition(), b.winPartition(), a.winOrder(), b.winOrder()
	if len(pa) != len(pb) || len(oa) != len(ob) {
		return false
	}
	for i := range pa {
		if !equalExpr(pa[i], pb[i]) {
			return false
		}
	}
	for i := range oa {
		if !equalExpr(oa[i], ob[i]) || a.win.desc[i] != b.win.desc[i] || a.win.nullsFirst[i] != b.win.nullsFirst[i] {
			return false
		}
	}
	return true
}

// equalWin compares the non-arg parts of two window calls.
func equalWin(a, b *winSpec) bool {
	if a.nArgs != b.nArgs || a.nPart != b.nPart || a.ignoreNulls != b.ignoreNulls || a.n != b.n ||
		a.hasDefault != b.hasDefault || len(a.desc) != len(b.desc) {
		return false
	}
	for i := range a.desc {
		if a.desc[i] != b.desc[i] || a.nullsFirst[i] != b.nullsFirst[i] {
			return false
		}
	}
	fa, fb := a.frame, b.frame
	return fa.rows == fb.rows && fa.exclude == fb.exclude && fa.defaulted == fb.defaulted &&
		equalBound(fa.start, fb.start) && equalBound(fa.end, fb.end)
}

func equalBound(a, b winBound) bool {
	return a.kind == b.kind && a.rows == b.rows && (a.offset == nil) == (b.offset == nil) &&
		(a.offset == nil || equalExpr(a.offset, b.offset))
}

// bindWindowCall binds fn(...) OVER (...).
func (bd *binder) bindWindowCall(n *parser.WindowCall, sc *scope, ctx exprCtx) (*Expr, error) {
	name := strings.ToLower(n.Call.Name)
	switch {
	case ctx.inAgg:
		return nil, posErr(n.Pos, "a window function cannot be used inside an aggregate's argument; compute it in a subquery first")
	case !ctx.winOK:
		return nil, posErr(n.Pos, "window function %s is not allowed %s; window functions are allowed in the select list, QUALIFY and ORDER BY", name, orDefault(ctx.clause, "here"))
	case !exec.IsWindowFunction(name) && !exec.IsAggregate(name):
		return nil, posErr(n.Pos, "unknown window function %s%s", name, suggest(name, append(exec.WindowFunctionNames(), exec.AggregateNames()...)))
	case n.Call.Distinct && (!exec.IsMoreAggregate(name) || name == "count_if" || name == "countif"):
		return nil, posErr(n.Pos, "DISTINCT is not supported in window function %s; use %s(DISTINCT ...) with GROUP BY, or a subquery (with OVER, DISTINCT works in string_agg, median, quantile_cont, quantile_disc and mode)", name, name)
	case len(n.Call.OrderBy) > 0:
		return nil, posErr(n.Call.OrderBy[0].Pos, "ORDER BY inside %s(...) is not supported with OVER; the window's ORDER BY orders its frame", name)
	}
	more := exec.IsMoreAggregate(name)
	if n.Call.Filter != nil && !more {
		n = windowFilter(n)
	}
	spec, err := bd.resolveWindow(n.Over, sc)
	if err != nil {
		return nil, err
	}
	inner := ctx
	inner.winOK, inner.unnestOK = false, false
	w := &winSpec{ignoreNulls: n.IgnoreNulls, text: n.String()}
	e := &Expr{kind: kWin, pos: n.Pos, op: name, star: n.Call.Star, distinct: n.Call.Distinct, win: w}
	args, err := bd.windowArgs(n, name, sc, inner, w)
	if err != nil {
		return nil, err
	}
	if more && n.Call.Filter != nil {
		// the aggregates of exec's agg_funcs.go read FILTER as a mask
		// (first and last keep NULLs, so a CASE would change them): the
		// condition is the last of the function's args
		f, err := bd.bindExpr(n.Call.Filter, sc, inner)
		if err != nil {
			return nil, err
		}
		args = append(args, f)
		e.hasFilter = true
	}
	w.nArgs = len(args)
	e.args = args
	for _, p := range spec.Partition {
		x, err := bd.bindExpr(p, sc, inner)
		if err != nil {
			return nil, err
		}
		e.args = append(e.args, x)
	}
	w.nPart = len(spec.Partition)
	for _, o := range spec.OrderBy {
		x, err := bd.bindExpr(o.Expr, sc, inner)
		if err != nil {
			return nil, err
		}
		if exec.TypeName(x.Type()) == "INTERVAL" {
			return nil, posErr(o.Pos, "cannot order a window by an INTERVAL")
		}
		e.args = append(e.args, x)
		w.desc = append(w.desc, o.Desc)
		nf := false // NULLS LAST unless told, as in ORDER BY (DuckDB)
		if o.NullsFirst != nil {
			nf = *o.NullsFirst
		}
		w.nullsFirst = append(w.nullsFirst, nf)
	}
	if w.frame, err = bd.bindFrame(spec, e, sc); err != nil {
		return nil, err
	}
	return newExpr(e)
}

// windowArgs binds and checks a window function's arguments; constant
// arguments (offsets, n, buckets) go into w.
func (bd *binder) windowArgs(n *parser.WindowCall, name string, sc *scope, ctx exprCtx, w *winSpec) ([]*Expr, error) {
	call := n.Call
	nargs := len(call.Args)
	want := func(lo, hi int, form string) error {
		if nargs < lo || nargs > hi {
			return posErr(n.Pos, "%s takes %s, as in %s", name, map[bool]string{true: "no arguments", false: plural(lo, hi)}[hi == 0], form)
		}
		return nil
	}
	// constInt evaluates constant argument i, a whole number of at
	// least minV (any when positive is false).
	constInt := func(i int, what string, positive bool) (int64, error) {
		x, err := bd.bindExpr(call.Args[i], sc, ctx)
		if err != nil {
			return 0, err
		}
		v, _, ok := x.constValue()
		k, isInt := v.(int64)
		switch {
		case !ok || !isInt:
			return 0, posErr(call.Args[i].Position(), "%s of %s must be a constant whole number", what, name)
		case positive && k < 1:
			return 0, posErr(call.Args[i].Position(), "%s of %s must be at least 1, not %d", what, name, k)
		}
		return k, nil
	}
	if n.IgnoreNulls {
		switch name {
		case "lag", "lead", "first_value", "last_value", "nth_value":
		default:
			return nil, posErr(n.Pos, "IGNORE NULLS is only allowed for lag, lead, first_value, last_value and nth_value, not %s", name)
		}
	}
	switch name {
	case "row_number", "rank", "dense_rank", "percent_rank", "cume_dist":
		return nil, want(0, 0, name+"() OVER (ORDER BY x)")
	case "ntile":
		if err := want(1, 1, "ntile(4) OVER (ORDER BY x)"); err != nil {
			return nil, err
		}
		k, err := constInt(0, "the number of buckets", true)
		w.n = k
		return nil, err
	case "lag", "lead":
		if err := want(1, 3, name+"(x [, offset [, default]]) OVER (ORDER BY t)"); err != nil {
			return nil, err
		}
		w.n = 1
		if nargs >= 2 {
			k, err := constInt(1, "the offset", false)
			if err != nil {
				return nil, err
			}
			w.n = k
		}
		x, err := bd.bindExpr(call.Args[0], sc, ctx)
		if err != nil {
			return nil, err
		}
		args := []*Expr{x}
		if nargs == 3 {
			d, err := bd.bindExpr(call.Args[2], sc, ctx)
			if err != nil {
				return nil, err
			}
			if !arrow.TypeEqual(d.Type(), x.Type()) {
				if d, err = newExpr(&Expr{kind: kCast, pos: d.pos, to: x.Type(), args: []*Expr{d}}); err != nil {
					return nil, posErr(call.Args[2].Position(), "the default of %s must have the argument's type %s: %v", name, exec.TypeName(x.Type()), err)
				}
			}
			args = append(args, d)
			w.hasDefault = true
		}
		return args, nil
	case "first_value", "last_value", "nth_value":
		if name == "nth_value" {
			if err := want(2, 2, "nth_value(x, 2) OVER (ORDER BY t)"); err != nil {
				return nil, err
			}
			k, err := constInt(1, "n", true)
			if err != nil {
				return nil, err
			}
			w.n = k
		} else if err := want(1, 1, name+"(x) OVER (ORDER BY t)"); err != nil {
			return nil, err
		}
		x, err := bd.bindExpr(call.Args[0], sc, ctx)
		if err != nil {
			return nil, err
		}
		return []*Expr{x}, nil
	}
	// an aggregate
	if call.Star {
		return nil, nil
	}
	if exec.IsMoreAggregate(name) {
		return bd.bindAggArgs(call, name, sc, ctx)
	}
	if nargs != 1 {
		return nil, posErr(n.Pos, "%s takes one argument, got %d", name, nargs)
	}
	x, err := bd.bindExpr(call.Args[0], sc, ctx)
	if err != nil {
		return nil, err
	}
	return []*Expr{x}, nil
}

func plural(lo, hi int) string {
	switch {
	case lo == hi && lo == 1:
		return "one argument"
	case lo == hi:
		return fmt.Sprintf("%d arguments", lo)
	}
	return fmt.Sprintf("%d to %d arguments", lo, hi)
}

// resolveWindow merges a window with the named window it extends
// (WINDOW w AS (...), OVER w or OVER (w ORDER BY ...)), as SQL says: the
// extending window may add ORDER BY when the base has none, and a frame;
// the base must not have a frame.
func (bd *binder) resolveWindow(s *parser.WindowSpec, sc *scope) (*parser.WindowSpec, error) {
	seen := map[string]bool{}
	for s.Ref != "" {
		if seen[s.Ref] {
			return nil, posErr(s.Pos, "window %s is defined in terms of itself", s.Ref)
		}
		seen[s.Ref] = true
		var def *parser.WindowDef
		for _, d := range sc.windows {
			if d.Name == s.Ref {
				def = d
			}
		}
		if def == nil {
			var names []string
			for _, d := range sc.windows {
				names = append(names, d.Name)
			}
			return nil, posErr(s.Pos, "window %s is not defined; name it in the query's WINDOW clause, as in WINDOW %s AS (ORDER BY x)%s", s.Ref, s.Ref, suggest(s.Ref, names))
		}
		base := def.Spec
		if s.Bare {
			s = base
			continue
		}
		switch {
		case len(s.Partition) > 0:
			return nil, posErr(s.Pos, "cannot override the PARTITION BY of window %s; put PARTITION BY in its WINDOW definition", s.Ref)
		case len(s.OrderBy) > 0 && len(base.OrderBy) > 0:
			return nil, posErr(s.Pos, "cannot override the ORDER BY of window %s, which has one", s.Ref)
		case base.Frame != nil:
			return nil, posErr(s.Pos, "cannot extend window %s: it has a frame; write OVER %s, or move the frame out of its definition", s.Ref, s.Ref)
		}
		m := &parser.WindowSpec{Pos: s.Pos, Ref: base.Ref, Partition: base.Partition, OrderBy: base.OrderBy, Frame: s.Frame}
		if len(s.OrderBy) > 0 {
			m.OrderBy = s.OrderBy
		}
		s = m
	}
	return s, nil
}

// bindFrame checks and binds the frame of window call e.
func (bd *binder) bindFrame(spec *parser.WindowSpec, e *Expr, sc *scope) (winFrame, error) {
	f := spec.Frame
	if f == nil {
		fr := winFrame{defaulted: true, start: winBound{kind: exec.BoundUnboundedPreceding}, end: winBound{kind: exec.BoundUnboundedFollowing}, rows: true}
		if len(spec.OrderBy) > 0 {
			fr = winFrame{defaulted: true, start: winBound{kind: exec.BoundUnboundedPreceding}, end: winBound{kind: exec.BoundCurrentRow}}
		}
		return fr, nil
	}
	fr := winFrame{rows: f.Unit == parser.FrameRows, text: f.String()}
	switch f.Exclude {
	case "CURRENT ROW":
		fr.exclude = exec.ExcludeCurrentRow
	case "GROUP":
		fr.exclude = exec.ExcludeGroup
	case "TIES":
		fr.exclude = exec.ExcludeTies
	}
	var err error
	if fr.start, err = bd.bindBound(f.Start, fr.rows, e, sc); err != nil {
		return fr, err
	}
	if fr.end, err = bd.bindBound(f.End, fr.rows, e, sc); err != nil {
		return fr, err
	}
	return fr, nil
}

var boundKinds = map[parser.BoundKind]exec.WindowBoundKind{
	parser.UnboundedPreceding: exec.BoundUnboundedPreceding, parser.OffsetPreceding: exec.BoundPreceding,
	parser.CurrentRow: exec.BoundCurrentRow, parser.OffsetFollowing: exec.BoundFollowing,
	parser.UnboundedFollowing: exec.BoundUnboundedFollowing,
}

func (bd *binder) bindBound(b *parser.FrameBound, rows bool, e *Expr, sc *scope) (winBound, error) {
	wb := winBound{kind: boundKinds[b.Kind]}
	if b.Offset == nil {
		return wb, nil
	}
	x, err := bd.bindExpr(b.Offset, &scope{noFrom: true}, exprCtx{clause: "in a frame offset"})
	if err != nil {
		if strings.Contains(err.Error(), "no column") {
			return wb, posErr(b.Offset.Position(), "a frame offset must be a constant, not an expression over columns")
		}
		return wb, err
	}
	v, t, ok := x.constValue()
	if !ok || v == nil {
		return wb, posErr(b.Offset.Position(), "a frame offset must be a constant that is not NULL")
	}
	if rows {
		k, isInt := v.(int64)
		if !isInt || k < 0 {
			return wb, posErr(b.Offset.Position(), "a ROWS frame offset must be a non-negative whole number")
		}
		wb.rows = k
		return wb, nil
	}
	order := e.winOrder()
	if len(order) != 1 {
		return wb, posErr(b.Offset.Position(), "a RANGE frame with an offset needs exactly one ORDER BY key, not %d", len(order))
	}
	kt := order[0].Type()
	if !exec.IsNumericType(kt) && kt.ID() != arrow.DATE32 && kt.ID() != arrow.TIMESTAMP {
		return wb, posErr(b.Offset.Position(), "a RANGE frame with an offset needs a numeric, DATE or TIMESTAMP ORDER BY key, not %s", exec.TypeName(kt))
	}
	if exec.IsNegativeValue(v) {
		return wb, posErr(b.Offset.Position(), "a RANGE frame offset must not be negative")
	}
	// the bound's key value must be computable: key - offset, key + offset
	if _, err := newExpr(&Expr{kind: kBinary, pos: b.Pos, op: "+", args: []*Expr{order[0], x}}); err != nil {
		return wb, posErr(b.Offset.Position(), "a RANGE offset of type %s does not fit an ORDER BY key of type %s (use an INTERVAL for DATE and TIMESTAMP keys)", exec.TypeName(t), exec.TypeName(kt))
	}
	wb.offset = x
	return wb, nil
}

// winString renders a window call for EXPLAIN and column names.
func (e *Expr) winString() string { return e.win.text }

// windowFilter rewrites agg(x) FILTER (WHERE c) OVER (...) as
// agg(CASE WHEN c THEN x END) OVER (...) for the classic aggregates
// (count, sum, avg, min, max, ...): they skip NULLs, so the rows the
// filter removes count for nothing (count(*) counts CASE WHEN c THEN 1
// END). The aggregates of exec's agg_funcs.go take the filter as a mask
// instead (first and last keep NULLs).
func windowFilter(n *parser.WindowCall) *parser.WindowCall {
	c := *n.Call
	arg := parser.Expr(&parser.Literal{Pos: c.Pos, Kind: parser.LitInteger, Text: "1"})
	if !c.Star && len(c.Args) > 0 {
		arg = c.Args[0]
	}
	when := &parser.Case{Pos: c.Filter.Position(), Whens: []*parser.When{{Pos: c.Filter.Position(), Cond: c.Filter, Result: arg}}}
	c.Args = append([]parser.Expr{when}, c.Args[min(1, len(c.Args)):]...)
	c.Star, c.Filter = false, nil
	w := *n
	w.Call = &c
	return &w
}
