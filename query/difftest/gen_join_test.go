package difftest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// source is a FROM item being generated: a table (base or derived) and
// its text in both dialects under a given alias.
type source struct {
	t *table
	// r, s render the item under an alias, in recq's dialect and
	// SQLite's.
	r, s   func(alias string) string
	prefix string // of the alias
}

// plain renders "text AS alias" in both dialects.
func plain(text string) func(string) string {
	return func(a string) string { return text + " AS " + a }
}

// baseSource is a base table (or view) under an alias.
func (g *gen) baseSource(t *table) source {
	return source{t: t, r: plain(t.name), s: plain(t.name), prefix: t.name[:1] + t.name[:1]}
}

// copySource is base table t filtered by a predicate, with all its
// columns, as a derived table or a CTE; expressions see it as t itself.
func (g *gen) copySource(t *table) source {
	var p expr
	g.within(singleScope(t, false), func() { p = g.pred(1) })
	sel := "SELECT * FROM " + t.name
	if g.chance(4) {
		sel = "SELECT DISTINCT * FROM " + t.name
	}
	body := func(w string) string { return sel + " WHERE " + w }
	br, bs := body(p.r), body(p.s)
	if g.chance(2) {
		name := g.alias("cte")
		g.ctes = append(g.ctes, cte{r: name + " AS (" + br + ")", s: name + " AS (" + bs + ")"})
		return source{t: t, r: plain(name), s: plain(name), prefix: "dv"}
	}
	return source{t: t, r: plain("(" + br + ")"), s: plain("(" + bs + ")"), prefix: "dv"}
}

// derived is a derived table or CTE with named columns: the recq text
// gets a column list, the SQLite text (which has no column lists on
// derived tables) aliases inside the body, given as sBody.
func (g *gen) derived(t *table, rBody, sBody, prefix string) source {
	var names []string
	for _, c := range t.cols {
		names = append(names, c.name)
	}
	list := "(" + strings.Join(names, ", ") + ")"
	if g.chance(2) {
		name := g.alias("cte")
		g.ctes = append(g.ctes, cte{r: name + list + " AS (" + rBody + ")", s: name + list + " AS (" + sBody + ")"})
		return source{t: t, r: plain(name), s: plain(name), prefix: prefix}
	}
	return source{t: t,
		r:      func(a string) string { return "(" + rBody + ") AS " + a + list },
		s:      plain("(" + sBody + ")"),
		prefix: prefix}
}

// copyCol is a column of a derived table computed as column c.
func copyCol(c *column, name string) *column {
	n := *c
	n.name, n.from, n.owner = name, c, nil
	return &n
}

// aggSource groups base table t by a key column: key, count(*), a sum
// and a max.
func (g *gen) aggSource(t *table) source {
	key := t.byN[pick(g.r, "k", "g")]
	num, str := t.byN["pn"], t.byN["pw"]
	if t.name == "t" {
		num, str = t.byN["i8"], t.byN["s"]
	}
	cnt := &column{name: "cnt", cls: cNum, nk: nInt, tame: true, bound: t.size()}
	sum := copyCol(num, "sn")
	sum.bound = num.bound * (t.size() + 1)
	d := newTable(g.alias("ag"), []*column{copyCol(key, key.name), cnt, sum, copyCol(str, "mw")})
	d.est = 9
	where := ""
	var p expr
	if g.chance(2) {
		g.within(singleScope(t, false), func() { p = g.pred(1) })
		where = " WHERE "
	}
	rb := fmt.Sprintf("SELECT %s, count(*), sum(%s), max(%s) FROM %s%s%s GROUP BY %s", key.name, num.name, str.name, t.name, where, p.r, key.name)
	sb := fmt.Sprintf("SELECT %s AS %s, count(*) AS cnt, sum(%s) AS sn, max(%s) AS mw FROM %s%s%s GROUP BY %s",
		key.name, key.name, num.name, str.name, t.name, where, p.s, key.name)
	return g.derived(d, rb, sb, "ag")
}

// valuesSource is a VALUES list of (k, g) rows; the first row has no
// NULL, so both columns get a type.
func (g *gen) valuesSource() source {
	k := &column{name: "k", cls: cNum, nk: nInt, tame: true, bound: 9, key: "k", role: "k",
		draw: func(r *rand.Rand) any { return int64(r.IntN(9)) }}
	gc := copyCol(g.table("p").byN["g"], "g")
	d := newTable(g.alias("va"), []*column{k, gc})
	n := 1 + g.r.IntN(4)
	d.est = float64(n)
	var rows []string
	for i := range n {
		var kv, gv any = int64(g.r.IntN(9)), g.value(gc)
		if i > 0 && g.chance(4) {
			kv = nil
		}
		if i > 0 && g.chance(4) {
			gv = nil
		}
		kl, _ := literal(kv)
		gl, _ := literal(gv)
		rows = append(rows, "("+kl+", "+gl+")")
	}
	vals := "VALUES " + strings.Join(rows, ", ")
	return g.derived(d, vals, "SELECT column1 AS k, column2 AS g FROM ("+vals+")", "va")
}

// unionSource is (SELECT k, g, pn FROM p UNION [ALL] SELECT k, g, pn
// FROM q).
func (g *gen) unionSource() source {
	p, q := g.table("p"), g.table("q")
	var cols []*column
	for _, n := range []string{"k", "g", "pn"} {
		cols = append(cols, copyCol(p.byN[n], n))
	}
	d := newTable(g.alias("un"), cols)
	d.est = p.size() + q.size()
	op := pick(g.r, "UNION", "UNION ALL")
	body := "SELECT k, g, pn FROM p " + op + " SELECT k, g, pn FROM q"
	return source{t: d, r: plain("(" + body + ")"), s: plain("(" + body + ")"), prefix: "un"}
}

// partner draws the next table of a join.
func (g *gen) partner() source {
	switch g.r.IntN(16) {
	case 0, 1, 2, 3:
		return g.baseSource(g.table("p"))
	case 4, 5, 6:
		return g.baseSource(g.table("q"))
	case 7:
		return g.baseSource(g.table("z"))
	case 8:
		return g.baseSource(g.t)
	case 9:
		return g.copySource(g.table(pick(g.r, "t", "p")))
	case 10, 11:
		return g.aggSource(g.table(pick(g.r, "p", "q", "t")))
	case 12:
		return g.valuesSource()
	case 13:
		return g.unionSource()
	case 14:
		return g.baseSource(g.table("pv"))
	}
	return g.baseSource(g.table(pick(g.r, "p", "q")))
}

// keyDomain estimates how many distinct values a join-key family has.
func (g *gen) keyDomain(key string) float64 {
	switch key {
	case "k", "g":
		return 6
	case "s":
		return 12
	case "d":
		return 5000
	}
	return max(g.t.size(), 1)
}

// keyPair is a pair of columns of one key family: one of an earlier
// FROM item, one of the new one.
type keyPair struct {
	la     string
	lc, rc *column
}

func keyPairs(left []fromItem, r *table) []keyPair {
	var out []keyPair
	for _, l := range left {
		for _, lc := range l.t.cols {
			for _, rc := range r.cols {
				if lc.key != "" && lc.key == rc.key {
					out = append(out, keyPair{l.alias, lc, rc})
				}
			}
		}
	}
	return out
}

// maxJoinRows bounds the estimated size of a generated join (unless the
// harness sets gen.maxJoin), so that the fixed set stays fast.
const maxJoinRows = 2500

// joinScope generates a FROM clause of 2 to 4 tables, t (or a derived
// copy of t) first, joined by every kind of join, and returns its scope.
func (g *gen) joinScope() *scope {
	sc := &scope{qualify: true}
	first := g.baseSource(g.t)
	if g.chance(4) {
		first = g.copySource(g.t)
	}
	a := g.alias(first.prefix)
	sc.add(first.t, a)
	fr, fs := " FROM "+first.r(a), " FROM "+first.s(a)
	est := first.t.size()
	sc.maxRows = max(first.t.size(), 1)
	vis := 0
	for range 1 + g.r.IntN(3) {
		for try := 0; try < 4; try++ {
			src := g.partner()
			ra := g.alias(src.prefix)
			jr, js, nest, cond := g.joinClause(sc, vis, src, ra, est)
			if nest > g.maxJoin {
				continue
			}
			if cond != nil {
				sc.where = append(sc.where, *cond)
			}
			if strings.HasPrefix(jr, ", ") {
				vis = len(sc.srcs)
			}
			sc.add(src.t, ra)
			fr += jr
			fs += js
			est = nest
			sc.maxRows *= max(src.t.size(), 1)
			break
		}
	}
	sc.fromR, sc.fromS = fr, fs
	sc.maxRows = min(sc.maxRows, 1e9)
	return sc
}

// joinClause renders the join of src (under alias ra) onto the FROM
// items of sc, whose items from vis on are visible to an ON condition.
// It returns the text in both dialects, the estimated size and, for a
// comma join, the condition to add to WHERE (or nil).
func (g *gen) joinClause(sc *scope, vis int, src source, ra string, est float64) (string, string, float64, *expr) {
	R := src.t.size()
	pairs := keyPairs(sc.srcs[vis:], src.t)
	kinds := []string{"JOIN", "INNER JOIN", "LEFT JOIN", "LEFT OUTER JOIN", "JOIN", "LEFT JOIN", "CROSS JOIN", ",",
		"RIGHT JOIN", "FULL JOIN", "FULL OUTER JOIN"}
	if vis > 0 {
		// After a comma SQL joins the new item to the last one only
		// (a, b RIGHT JOIN c is a CROSS JOIN (b RIGHT JOIN c)); SQLite
		// joins it to all of them ((a, b) RIGHT JOIN c). The two agree
		// for inner and left joins.
		kinds = kinds[:8]
	}
	kind := pick(g.r, kinds...)
	item := func(f func(string) string) string { return f(ra) }
	outer := func(inner float64) float64 {
		switch {
		case strings.HasPrefix(kind, "LEFT"):
			return max(inner, est)
		case strings.HasPrefix(kind, "RIGHT"):
			return max(inner, R)
		case strings.HasPrefix(kind, "FULL"):
			return inner + est + R
		}
		return inner
	}
	if kind == "CROSS JOIN" || kind == "," || len(pairs) == 0 {
		if kind != "," {
			kind = "CROSS JOIN"
		}
		n := est * R
		sep := " " + kind + " "
		var cond *expr
		if kind == "," {
			sep = ", "
			// usually a condition in WHERE, as old-style joins have
			if all := keyPairs(sc.srcs, src.t); len(all) > 0 && !g.chance(4) {
				p := pick(g.r, all...)
				c := eqCond(aref(p.la, p.lc), aref(ra, p.rc), "=")
				cond = &c
				n = est * R / g.keyDomain(p.lc.key)
			}
		}
		return sep + item(src.r), sep + item(src.s), n, cond
	}
	head := " " + kind + " "
	// NATURAL and USING: on names both sides have once.
	if len(sc.srcs) == 1 && g.chance(8) {
		if common := commonNames(sc.srcs[0].t, src.t); len(common) > 0 {
			sc.noStar = true
			n := est * R
			for _, c := range common {
				n /= g.keyDomain(sc.srcs[0].t.byN[c].key)
			}
			return " NATURAL" + head + item(src.r), " NATURAL" + head + item(src.s), outer(n), nil
		}
	}
	if g.chance(5) {
		var using []string
		n := est * R
		for _, name := range []string{"k", "g"} {
			if src.t.byN[name] == nil {
				continue
			}
			// all earlier items: SQLite reads a comma as a join of the
			// same precedence, so its USING sees them all
			// (and exactly one, of the visible ones for recq)
			have, visible := 0, false
			for i, f := range sc.srcs {
				if f.t.byN[name] != nil {
					have++
					visible = i >= vis
				}
			}
			if have == 1 && visible && (len(using) == 0 || g.chance(2)) {
				using = append(using, name)
				n /= 6
			}
		}
		if len(using) > 0 {
			sc.noStar = true
			u := " USING (" + strings.Join(using, ", ") + ")"
			return head + item(src.r) + u, head + item(src.s) + u, outer(n), nil
		}
	}
	p := pick(g.r, pairs...)
	op := "="
	if g.chance(10) {
		op = pick(g.r, "<", "<=", "<>")
	}
	cond := eqCond(aref(p.la, p.lc), aref(ra, p.rc), op)
	n := est * R / g.keyDomain(p.lc.key)
	if op != "=" {
		n = est * R / 2
	}
	switch g.r.IntN(6) {
	case 0:
		q := pick(g.r, pairs...)
		cond = bin(cond, "AND", eqCond(aref(q.la, q.lc), aref(ra, q.rc), "="), cBool, 0, 0)
	case 1:
		q := pick(g.r, pairs...)
		cond = bin(cond, "OR", eqCond(aref(q.la, q.lc), aref(ra, q.rc), "="), cBool, 0, 0)
		n *= 2
	case 2, 3:
		// a condition on one side only: in ON it keeps the outer rows
		// that WHERE would remove.
		side := singleScope(src.t, true)
		side.alias, side.srcs = map[*table][]string{src.t: {ra}}, []fromItem{{src.t, ra}}
		if g.chance(2) {
			l := sc.srcs[vis+g.r.IntN(len(sc.srcs)-vis)]
			side.alias, side.srcs = map[*table][]string{l.t: {l.alias}}, []fromItem{l}
		}
		if hasRoles(side.srcs[0].t) {
			var e expr
			g.within(side, func() { e = g.pred(1) })
			cond = bin(cond, "AND", e, cBool, 0, 0)
		}
	}
	return head + item(src.r) + " ON " + cond.r, head + item(src.s) + " ON " + cond.s, outer(n), nil
}

// hasRoles reports whether the expression generator can run over t
// alone (t and the side tables; not the narrower derived tables).
func hasRoles(t *table) bool {
	for _, r := range []string{"dd", "dm", "ts", "b", "k"} {
		found := false
		for _, c := range t.cols {
			found = found || c.role == r
		}
		if !found {
			return false
		}
	}
	return true
}

// commonNames are the column names of both tables (NATURAL's join
// columns), in a's order.
func commonNames(a, b *table) []string {
	var out []string
	for _, c := range a.cols {
		if b.byN[c.name] != nil {
			out = append(out, c.name)
		}
	}
	return out
}

func eqCond(a, b expr, op string) expr {
	return expr{r: "(" + a.r + " " + op + " " + b.r + ")", s: "(" + a.s + " " + op + " " + b.s + ")", cls: cBool, exact: true,
		bound: math.Inf(1)}
}
