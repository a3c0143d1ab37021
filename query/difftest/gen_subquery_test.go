package difftest

import (
	"fmt"
	"strings"
)

// Subqueries are generated only in the forms recq plans (see
// query/subquery.go): uncorrelated scalar, IN, NOT IN, EXISTS and
// op ANY/ALL anywhere in WHERE and the select list; correlated EXISTS,
// NOT EXISTS and IN as WHERE conjuncts, with the correlation in the
// subquery's WHERE; correlated scalar subqueries with an aggregate and
// equality correlation in WHERE and the select list. The enclosing scope
// always qualifies its columns, so no name inside a subquery is captured
// by the wrong table.

// corrSameColumnBug: a correlated scalar subquery whose two equality
// conditions use the same inner column (SELECT (SELECT count(*) FROM p s
// WHERE s.k = t.k AND s.k = t.i8) FROM t) fails with an internal error
// (index out of range while planning). While it is true, the conditions
// of a correlated scalar subquery use distinct inner columns. Set it to
// false to test the fix.
const corrSameColumnBug = false

// inner is the FROM item of a subquery: a base table under a new alias,
// with its own scope.
type inner struct {
	t     *table
	alias string
	sc    *scope
}

func (g *gen) innerSource() inner {
	t := g.table(pick(g.r, "p", "p", "q", "q", "z", "t", "pv"))
	a := g.alias("sq")
	sc := &scope{qualify: true, maxRows: max(t.size(), 1)}
	sc.add(t, a)
	sc.fromR = " FROM " + t.name + " AS " + a
	sc.fromS = sc.fromR
	return inner{t, a, sc}
}

// innerWhere is the subquery's own condition (or nil), over its table.
// Now and then it is itself a subquery predicate, correlated with this
// subquery's table (a subquery two levels deep, as TPC-H Q20 has), as
// long as the nesting stays shallow.
func (g *gen) innerWhere(in inner) *expr {
	if !hasRoles(in.t) || g.chance(3) {
		return nil
	}
	var e expr
	g.within(in.sc, func() {
		if g.depth < maxSubqueryDepth && g.chance(5) {
			g.depth++
			e = g.subqueryPred()
			g.depth--
			return
		}
		e = g.pred(1)
	})
	return &e
}

// maxSubqueryDepth bounds how deep innerWhere nests subqueries.
const maxSubqueryDepth = 1

// corr builds one or two correlation conditions inner.key op outer.key
// between the subquery's table and the enclosing scope; ok is false when
// they share no key family.
func (g *gen) corr(in inner, eqOnly bool) ([]expr, bool) {
	var pairs []keyPair
	for _, f := range g.sc.srcs {
		for _, p := range keyPairs([]fromItem{f}, in.t) {
			pairs = append(pairs, p)
		}
	}
	if len(pairs) == 0 {
		return nil, false
	}
	var out []expr
	used := map[*column]bool{}
	for i := range 1 + g.r.IntN(2) {
		if i > 0 && !g.chance(3) {
			break
		}
		p := pick(g.r, pairs...)
		if eqOnly && corrSameColumnBug && used[p.rc] {
			break
		}
		used[p.rc] = true
		op := "="
		if !eqOnly && g.chance(6) {
			op = pick(g.r, "<", "<>")
		}
		out = append(out, eqCond(aref(in.alias, p.rc), aref(p.la, p.lc), op))
	}
	return out, true
}

// subSelect renders SELECT sel FROM inner WHERE conds AND own.
func subSelect(selR, selS string, in inner, conds []expr, own *expr) (string, string) {
	if own != nil {
		conds = append(conds, *own)
	}
	r := "SELECT " + selR + in.sc.fromR
	s := "SELECT " + selS + in.sc.fromS
	if len(conds) > 0 {
		var rs, ss []string
		for _, c := range conds {
			rs, ss = append(rs, c.r), append(ss, c.s)
		}
		r += " WHERE " + strings.Join(rs, " AND ")
		s += " WHERE " + strings.Join(ss, " AND ")
	}
	return r, s
}

// keyed picks a column of the enclosing scope and one of the inner table
// of one key family: the two sides of IN and ANY/ALL.
func (g *gen) keyed(in inner) (outer expr, innerCol *column, ok bool) {
	var pairs []keyPair
	for _, f := range g.sc.srcs {
		pairs = append(pairs, keyPairs([]fromItem{f}, in.t)...)
	}
	if len(pairs) == 0 {
		return expr{}, nil, false
	}
	p := pick(g.r, pairs...)
	return aref(p.la, p.lc), p.rc, true
}

// inSub is x [NOT] IN (subquery); correlated only as a WHERE conjunct
// (conjunct), and then never NOT.
func (g *gen) inSub(conjunct bool) (expr, bool) {
	in := g.innerSource()
	x, y, ok := g.keyed(in)
	if !ok {
		return expr{}, false
	}
	var conds []expr
	not := g.chance(3)
	if conjunct && g.chance(2) {
		if conds, ok = g.corr(in, false); !ok {
			return expr{}, false
		}
		not = false
	}
	yr := aref(in.alias, y)
	r, s := subSelect(yr.r, yr.s, in, conds, g.innerWhere(in))
	n := ""
	if not {
		n = "NOT "
	}
	return expr{r: fmt.Sprintf("(%s %sIN (%s))", x.r, n, r), s: fmt.Sprintf("(%s %sIN (%s))", x.s, n, s), cls: cBool, exact: true}, true
}

// existsSub is [NOT] EXISTS (subquery); correlated only as a WHERE
// conjunct.
func (g *gen) existsSub(conjunct bool) (expr, bool) {
	in := g.innerSource()
	var conds []expr
	if conjunct && !g.chance(4) {
		var ok bool
		if conds, ok = g.corr(in, false); !ok {
			return expr{}, false
		}
	}
	sel := pick(g.r, "1", "*", in.alias+"."+in.t.cols[0].name)
	r, s := subSelect(sel, sel, in, conds, g.innerWhere(in))
	n := ""
	if g.chance(3) {
		n = "NOT "
	}
	return expr{r: "(" + n + "EXISTS (" + r + "))", s: "(" + n + "EXISTS (" + s + "))", cls: cBool, exact: true}, true
}

// scalarSub is a subquery used as a value: an aggregate over the inner
// table, correlated by equality or not, or (uncorrelated) the first value
// in order.
func (g *gen) scalarSub(allowCorr bool) expr {
	in := g.innerSource()
	var conds []expr
	correlated := allowCorr && g.chance(2)
	if correlated {
		conds, correlated = g.corr(in, true)
	}
	own := g.innerWhere(in)
	col := pick(g.r, in.t.cols...)
	c := aref(in.alias, col)
	var e expr
	switch g.r.IntN(5) {
	case 0:
		e = expr{r: "count(*)", s: "count(*)", cls: cNum, nk: nInt, bound: in.t.size(), exact: true}
	case 1:
		e = expr{r: "count(" + c.r + ")", s: "count(" + c.s + ")", cls: cNum, nk: nInt, bound: in.t.size(), exact: true}
	case 2:
		var tame []*column
		for _, x := range in.t.cols {
			if x.cls == cNum && x.nk == nInt && x.tame {
				tame = append(tame, x)
			}
		}
		n := aref(in.alias, pick(g.r, tame...))
		e = unary(n, "sum(%s)", "sum(%s)", n.bound*(in.t.size()+1))
	default:
		if c.cls == cNum && c.nk != nInt && !(c.nk == nDec && col.typ.Scale == 0) {
			c = aref(in.alias, in.t.byN["k"])
		}
		if c.cls == cBool {
			e = expr{r: "bool_or(" + c.r + ")", s: "max(" + c.s + ")", cls: cBool, exact: true}
		} else {
			f := pick(g.r, "min", "max")
			e = unary(c, f+"(%s)", f+"(%s)", c.bound)
		}
	}
	e.agg = false
	if !correlated && g.chance(4) && c.cls != cBool {
		// the first value in order: zero or one row
		r, s := subSelect(c.r, c.s, in, nil, own)
		dir := pick(g.r, "", " DESC")
		e = c
		e.r = "(" + r + " ORDER BY 1" + dir + " NULLS LAST LIMIT 1)"
		e.s = "(" + s + " ORDER BY 1" + dir + " NULLS LAST LIMIT 1)"
		return e
	}
	r, s := subSelect(e.r, e.s, in, conds, own)
	e.r, e.s = "("+r+")", "("+s+")"
	return e
}

// quantified is x op ANY/ALL (uncorrelated subquery). SQLite has neither:
// its text spells out the three-valued answer with EXISTS.
func (g *gen) quantified() (expr, bool) {
	in := g.innerSource()
	x, y, ok := g.keyed(in)
	if !ok {
		return expr{}, false
	}
	yr := aref(in.alias, y)
	own := g.innerWhere(in)
	op := pick(g.r, "=", "<>", "<", "<=", ">", ">=")
	all := g.chance(2)
	r, _ := subSelect(yr.r, yr.s, in, nil, own)
	q := "ANY"
	if all {
		q = "ALL"
	}
	cmp := "(" + x.s + " " + op + " " + yr.s + ")"
	exists := func(c string) string {
		_, s := subSelect("1", "1", in, []expr{{r: c, s: c}}, own)
		return "EXISTS (" + s + ")"
	}
	var s string
	if all {
		s = fmt.Sprintf("(CASE WHEN %s THEN 0 WHEN %s THEN NULL ELSE 1 END)", exists("NOT "+cmp), exists(cmp+" IS NULL"))
	} else {
		s = fmt.Sprintf("(CASE WHEN %s THEN 1 WHEN %s THEN NULL ELSE 0 END)", exists(cmp), exists(cmp+" IS NULL"))
	}
	return expr{r: fmt.Sprintf("(%s %s %s (%s))", x.r, op, q, r), s: s, cls: cBool, exact: true}, true
}

// subqueryPred is a WHERE conjunct with a subquery; an uncorrelated one
// sometimes sits under NOT or in an OR.
func (g *gen) subqueryPred() expr {
	g.subq++
	wrap := g.chance(4)
	for {
		var e expr
		ok := true
		switch g.r.IntN(8) {
		case 0, 1:
			e, ok = g.inSub(!wrap)
		case 2, 3:
			e, ok = g.existsSub(!wrap)
		case 4:
			e, ok = g.quantified()
		default:
			e = g.cmpWith(g.scalarSub(!wrap))
		}
		if !ok {
			continue
		}
		if !wrap {
			return e
		}
		if g.chance(2) {
			e.r, e.s = "(NOT "+e.r+")", "(NOT "+e.s+")"
			return e
		}
		return bin(e, "OR", g.pred(1), cBool, 0, 0)
	}
}

// cmpWith compares v with a literal or a column of its class.
func (g *gen) cmpWith(v expr) expr {
	cands := g.cols(func(c *column) bool {
		return c.cls == v.cls && (c.cls != cNum || c.nk == nInt && c.bound < 1<<52)
	})
	var w expr
	if len(cands) > 0 && g.chance(2) {
		w = g.colExpr(pick(g.r, cands...))
	} else if len(cands) > 0 {
		w = g.lit(pick(g.r, cands...))
	} else {
		w = litExpr(int64(g.r.IntN(5)), cNum, nInt)
	}
	op := pick(g.r, "=", "<>", "<", "<=", ">", ">=")
	return eqCond(w, v, op)
}

// subqueryItem is a select item with a subquery: a scalar subquery
// (correlated or not) or an uncorrelated IN, EXISTS or ANY/ALL.
func (g *gen) subqueryItem() expr {
	g.subq++
	for {
		var e expr
		ok := true
		switch g.r.IntN(6) {
		case 0:
			e, ok = g.inSub(false)
		case 1:
			e, ok = g.existsSub(false)
		case 2:
			e, ok = g.quantified()
		default:
			e = g.scalarSub(true)
		}
		if ok {
			return e
		}
	}
}
