package difftest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
)

// expr is a generated expression rendered in both dialects.
type expr struct {
	r, s  string // recq SQL, SQLite SQL
	cls   class
	nk    numKind // for cNum
	bound float64 // integers: largest possible |value| (Inf when unknown)
	// exact: both engines compute the same value bit for bit, so the
	// expression may be compared, grouped on, sorted on and DISTINCTed.
	exact bool
	agg   bool // contains an aggregate
	ascii bool // strings: ASCII only
}

// gen generates queries over the tables: t and the side tables p, q
// and z.
type gen struct {
	r *rand.Rand
	t *table
	// tabs are all base tables (t first), by name.
	tabs []*table
	// sc is the scope expressions are generated in: the tables of the
	// FROM clause being generated and their aliases.
	sc *scope
	// agg: the expression being generated is an output of an aggregate
	// query: a column may appear only inside an aggregate or as a GROUP BY
	// key (keys).
	agg  bool
	keys []expr
	// names counts the aliases handed out, so each is new.
	names int
	// ctes holds the WITH definitions of the query being generated.
	ctes []cte
	// subq counts the subqueries in the current query (to bound them).
	subq int
	// depth is how deep the subquery being generated is nested in
	// another subquery's WHERE (0 at the top level's subqueries).
	depth int
	// maxJoin bounds the estimated rows of a generated join.
	maxJoin float64
}

// nAny asks aggExpr for any kind of number.
const nAny numKind = -1

// column refers to column c: the column itself, or in an aggregate query a
// GROUP BY key of the same kind or an aggregate over the column.
func (g *gen) column(c *column) expr {
	if !g.agg {
		return g.colExpr(c)
	}
	var same []expr
	for _, k := range g.keys {
		if k.cls == c.cls && (k.cls != cNum || k.nk == c.nk && k.bound <= c.bound && (k.exact || !c.tame)) &&
			(k.cls != cStr || k.ascii || !c.ascii) {
			same = append(same, k)
		}
	}
	if len(same) > 0 && g.chance(2) {
		return pick(g.r, same...)
	}
	saved := g.agg
	g.agg = false
	defer func() { g.agg = saved }()
	e := g.colExpr(c)
	f := pick(g.r, "min", "max")
	if c.cls == cBool {
		if f == "min" {
			return expr{r: "bool_and(" + e.r + ")", s: "min(" + e.s + ")", cls: cBool, exact: true, agg: true}
		}
		return expr{r: "bool_or(" + e.r + ")", s: "max(" + e.s + ")", cls: cBool, exact: true, agg: true}
	}
	if c.cls == cNum && c.tame && c.nk == nInt && g.chance(2) {
		e = unary(e, "sum(%s)", "sum(%s)", c.bound*(g.sc.maxRows+1))
	} else {
		e = unary(e, f+"(%s)", f+"(%s)", e.bound)
	}
	e.agg = true
	return e
}

func (g *gen) chance(n int) bool { return g.r.IntN(n) == 0 }

// cols returns the columns in scope matching f.
func (g *gen) cols(f func(c *column) bool) []*column {
	var out []*column
	for _, t := range g.sc.tables() {
		for _, c := range t.cols {
			if f(c) {
				out = append(out, c)
			}
		}
	}
	return out
}

// special returns a column in scope that plays role (a column name of t:
// "dd", "dm", ...), t's own when t is in scope, else a side table's.
func (g *gen) special(role string) *column {
	cs := g.cols(func(c *column) bool { return c.role == role })
	if len(cs) == 0 {
		cs = g.cols(func(c *column) bool { return c.role == "dd" && role == "dt" })
	}
	if len(cs) == 0 {
		panic("no column for role " + role + " in scope " + g.sc.String())
	}
	return pick(g.r, cs...)
}

// ref is the SQL text of a reference to the column playing role.
func (g *gen) ref(role string) string { return g.colExpr(g.special(role)).r }

// isColumn reports whether w is the name of a column of any table.
func (g *gen) isColumn(w string) bool {
	for _, t := range g.tabs {
		if _, ok := t.byN[w]; ok {
			return true
		}
	}
	return false
}

// refersToColumn reports whether SQL text mentions a column (outside
// string literals).
func (g *gen) refersToColumn(sql string) bool {
	var b strings.Builder
	in := false
	for _, r := range sql {
		if r == '\'' {
			in = !in
			continue
		}
		if !in {
			b.WriteRune(r)
		}
	}
	words := strings.FieldsFunc(b.String(), func(r rune) bool {
		return !(r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	})
	for _, w := range words {
		if g.isColumn(w) {
			return true
		}
	}
	return false
}

// mentions reports whether sql names one of the columns.
func mentions(sql string, cols ...string) bool {
	words := strings.FieldsFunc(sql, func(r rune) bool {
		return !(r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	})
	for _, w := range words {
		for _, c := range cols {
			if w == c {
				return true
			}
		}
	}
	return false
}

// refersToColumnOnly reports whether sql is a bare column name.
func (g *gen) refersToColumnOnly(sql string) bool { return g.isColumn(sql) }

// colExpr refers to column c, qualified with one of its table's aliases
// when the scope qualifies names.
func (g *gen) colExpr(c *column) expr {
	e := colExpr(c)
	if g.sc.qualify {
		a := pick(g.r, g.sc.alias[c.owner]...)
		e.r, e.s = a+"."+c.name, a+"."+c.name
	}
	return e
}

func colExpr(c *column) expr {
	b := c.bound
	if c.nk != nInt || c.cls != cNum {
		b = math.Inf(1)
	}
	if c.nk == nDec && c.typ.Scale == 0 {
		b = c.bound // DECIMAL(18,0) is an integer in SQLite
	}
	return expr{r: c.name, s: c.name, cls: c.cls, nk: c.nk, bound: b, exact: true, ascii: c.ascii}
}

// value draws a non-NULL value of column c, usually one present in the
// table so that comparisons hit.
func (g *gen) value(c *column) any {
	for c.from != nil {
		c = c.from
	}
	t := c.owner
	if len(t.rows) > 0 && !g.chance(4) {
		idx := t.colIndex(c.name)
		for range 5 {
			if v := t.rows[g.r.IntN(len(t.rows))][idx]; v != nil {
				return v
			}
		}
	}
	if c.draw == nil {
		return int64(g.r.IntN(max(1, len(g.t.rows))))
	}
	return c.draw(g.r)
}

func (t *table) colIndex(name string) int {
	for i, c := range t.cols {
		if c.name == name {
			return i
		}
	}
	panic(name)
}

func litExpr(v any, cls class, nk numKind) expr {
	r, s := literal(v)
	b := math.Inf(1)
	if nk == nInt || nk == nDec {
		b = absValue(v)
	}
	return expr{r: r, s: s, cls: cls, nk: nk, bound: b, exact: true, ascii: true}
}

// lit returns a literal of the column's class, from its values.
func (g *gen) lit(c *column) expr {
	e := litExpr(g.value(c), c.cls, c.nk)
	e.ascii = c.ascii
	return e
}

// intExpr generates an integer expression whose bound stays below limit,
// so that no engine overflows.
func (g *gen) intExpr(depth int) expr {
	const limit = 1 << 52
	tame := g.cols(func(c *column) bool { return c.cls == cNum && c.nk == nInt && c.bound < limit })
	leaf := func() expr {
		switch {
		case g.chance(5):
			v := int64(g.r.IntN(21) - 10)
			return litExpr(v, cNum, nInt)
		case g.agg && g.chance(3):
			return g.aggExpr(cNum, nInt)
		}
		return g.column(pick(g.r, tame...))
	}
	if depth <= 0 || g.chance(3) {
		return leaf()
	}
	switch g.r.IntN(10) {
	case 0, 1, 2:
		a, b := g.intExpr(depth-1), g.intExpr(depth-1)
		op := pick(g.r, "+", "-")
		if a.bound+b.bound >= limit {
			return a
		}
		return bin(a, op, b, cNum, nInt, a.bound+b.bound)
	case 3:
		a, b := g.intExpr(depth-1), g.intExpr(depth-1)
		if a.bound*b.bound >= limit {
			return a
		}
		return bin(a, "*", b, cNum, nInt, a.bound*b.bound)
	case 4:
		a, b := g.intExpr(depth-1), g.intExpr(depth-1)
		return bin(a, "%", b, cNum, nInt, a.bound)
	case 5:
		a := g.intExpr(depth - 1)
		return unary(a, "abs(%s)", "abs(%s)", a.bound)
	case 6:
		a := g.intExpr(depth - 1)
		return unary(a, "(-%s)", "(-%s)", a.bound)
	case 7:
		s := g.strExpr(depth - 1)
		e := unary(s, "length(%s)", "length(%s)", 1000)
		e.cls, e.nk = cNum, nInt
		return e
	case 8:
		d := g.dateExpr(depth-1, true)
		part := pick(g.r, "year", "month", "day", "dow", "doy")
		lite := map[string]string{"year": "%Y", "month": "%m", "day": "%d", "dow": "%w", "doy": "%j"}[part]
		r := fmt.Sprintf("date_part('%s', %s)", part, d.r)
		if g.chance(2) && part != "doy" && part != "dow" {
			r = fmt.Sprintf("%s(%s)", part, d.r)
		}
		return expr{r: r, s: fmt.Sprintf("CAST(strftime('%s', %s) AS INTEGER)", lite, d.s), cls: cNum, nk: nInt,
			bound: 10000, exact: d.exact, agg: d.agg}
	default:
		a, b := g.intExpr(depth-1), g.intExpr(depth-1)
		return g.caseExpr(depth-1, a, b, max(a.bound, b.bound))
	}
}

func bin(a expr, op string, b expr, cls class, nk numKind, bound float64) expr {
	return expr{r: "(" + a.r + " " + op + " " + b.r + ")", s: "(" + a.s + " " + op + " " + b.s + ")",
		cls: cls, nk: nk, bound: bound, exact: a.exact && b.exact, agg: a.agg || b.agg, ascii: a.ascii && b.ascii}
}

func unary(a expr, rf, sf string, bound float64) expr {
	e := a
	e.r, e.s, e.bound = fmt.Sprintf(rf, a.r), fmt.Sprintf(sf, a.s), bound
	return e
}

func (g *gen) caseExpr(depth int, a, b expr, bound float64) expr {
	p := g.pred(depth)
	e := expr{r: fmt.Sprintf("CASE WHEN %s THEN %s ELSE %s END", p.r, a.r, b.r),
		s:   fmt.Sprintf("CASE WHEN %s THEN %s ELSE %s END", p.s, a.s, b.s),
		cls: a.cls, nk: a.nk, bound: bound, exact: a.exact && b.exact && p.exact, agg: a.agg || b.agg || p.agg,
		ascii: a.ascii && b.ascii}
	if g.chance(3) {
		e.r = fmt.Sprintf("CASE WHEN %s THEN %s END", p.r, a.r)
		e.s = fmt.Sprintf("CASE WHEN %s THEN %s END", p.s, a.s)
	}
	return e
}

// numExpr generates a number of any kind; exactOnly restricts it to
// expressions both engines compute identically.
func (g *gen) numExpr(depth int, exactOnly bool) expr {
	switch g.r.IntN(6) {
	case 0, 1:
		return g.intExpr(depth)
	case 2:
		return g.decExpr(depth, exactOnly)
	case 3:
		return g.floatExpr(depth, exactOnly)
	case 4:
		// an edge column or literal: comparisons only
		c := pick(g.r, g.cols(func(c *column) bool { return c.cls == cNum })...)
		if g.chance(3) {
			return g.lit(c)
		}
		return g.column(c)
	}
	return g.intExpr(depth)
}

// decExpr: DECIMAL expressions. In SQLite a DECIMAL with a scale is a
// REAL, so arithmetic on it is inexact there.
func (g *gen) decExpr(depth int, exactOnly bool) expr {
	dm := g.column(g.special("dm"))
	if g.agg && g.chance(3) {
		return g.aggExpr(cNum, nDec)
	}
	if depth <= 0 || exactOnly || g.chance(3) {
		if g.chance(3) {
			return g.lit(g.special("dm"))
		}
		return dm
	}
	switch g.r.IntN(7) {
	case 0:
		a, b := g.decExpr(depth-1, false), g.decExpr(depth-1, false)
		e := bin(a, pick(g.r, "+", "-"), b, cNum, nDec, math.Inf(1))
		e.exact = false
		return e
	case 1:
		a, b := g.decExpr(depth-1, false), g.intExpr(depth-1)
		if b.bound > 1e6 {
			return a
		}
		e := bin(a, "*", b, cNum, nDec, math.Inf(1))
		e.exact = false
		return e
	case 2:
		a := g.decExpr(depth-1, false)
		e := unary(a, "abs(%s)", "abs(%s)", math.Inf(1))
		return e
	case 3:
		// round to whole numbers only: SQLite rounds the REAL, and a
		// decimal half (x.x5) is not exact in binary, while x.50 is.
		a := g.column(g.special("dm"))
		if a.cls != cNum || a.nk != nDec || !a.exact {
			return dm
		}
		d := 0
		e := unary(a, "round(%s, "+strconv.Itoa(d)+")", "round(%s, "+strconv.Itoa(d)+")", math.Inf(1))
		e.exact = false
		return e
	case 4:
		// floor/ceil of exact values only: SQLite's REAL product or sum
		// may sit just above or below a whole number.
		a := g.decExpr(depth-1, true)
		if !a.exact {
			a = g.column(g.special("dm"))
		}
		if !a.exact {
			a = g.lit(g.special("dm"))
		}
		f := pick(g.r, "floor", "ceil")
		e := unary(a, f+"(%s)", f+"(%s)", math.Inf(1))
		e.exact = false
		return e
	case 5:
		a := g.decExpr(depth-1, false)
		e := unary(a, "(-%s)", "(-%s)", math.Inf(1))
		return e
	}
	a, b := g.decExpr(depth-1, false), g.decExpr(depth-1, false)
	return g.caseExpr(depth-1, a, b, math.Inf(1))
}

// floatExpr: FLOAT64/FLOAT32 expressions over the tame float columns
// (multiples of 1/4 and 1/8, so +, - and * are exact in both engines).
func (g *gen) floatExpr(depth int, exactOnly bool) expr {
	tame := g.cols(func(c *column) bool { return c.cls == cNum && c.nk == nFloat && c.tame })
	leaf := func() expr {
		if g.agg && g.chance(3) {
			return g.aggExpr(cNum, nFloat)
		}
		if g.chance(4) {
			return litExpr(float64(g.r.IntN(81)-40)/8, cNum, nFloat)
		}
		return g.column(pick(g.r, tame...))
	}
	if depth <= 0 || g.chance(3) {
		return leaf()
	}
	switch g.r.IntN(7) {
	case 0, 1:
		a, b := g.floatExpr(depth-1, exactOnly), g.floatExpr(depth-1, exactOnly)
		return bin(a, pick(g.r, "+", "-"), b, cNum, nFloat, math.Inf(1))
	case 2:
		a, b := g.floatExpr(0, exactOnly), g.floatExpr(0, exactOnly)
		return bin(a, "*", b, cNum, nFloat, math.Inf(1))
	case 3:
		if exactOnly {
			return leaf()
		}
		// Division: recq / is FLOAT64 division; SQLite divides integers
		// as integers, so its dividend is cast to REAL.
		a, b := g.numExpr(depth-1, false), g.numExpr(depth-1, false)
		if (a.nk == nInt && a.bound > 1<<53) || (b.nk == nInt && b.bound > 1<<53) {
			return leaf()
		}
		return expr{r: "(" + a.r + " / " + b.r + ")", s: "(CAST(" + a.s + " AS REAL) / " + b.s + ")",
			cls: cNum, nk: nFloat, bound: math.Inf(1), agg: a.agg || b.agg}
	case 4:
		a := g.floatExpr(depth-1, exactOnly)
		return unary(a, "abs(%s)", "abs(%s)", math.Inf(1))
	case 5:
		if exactOnly {
			return leaf()
		}
		a := g.floatExpr(depth-1, exactOnly)
		e := unary(a, "sqrt(abs(%s))", "sqrt(abs(%s))", math.Inf(1))
		e.exact = false
		return e
	}
	a, b := g.floatExpr(depth-1, exactOnly), g.floatExpr(depth-1, exactOnly)
	return g.caseExpr(depth-1, a, b, math.Inf(1))
}

// strExpr generates a string expression.
func (g *gen) strExpr(depth int) expr {
	ascii := g.cols(func(c *column) bool { return c.cls == cStr && c.ascii })
	all := g.cols(func(c *column) bool { return c.cls == cStr })
	leaf := func() expr {
		if g.agg && g.chance(4) {
			return g.aggExpr(cStr, nAny)
		}
		c := pick(g.r, all...)
		if g.chance(4) {
			return g.lit(c)
		}
		return g.column(c)
	}
	if depth <= 0 || g.chance(3) {
		return leaf()
	}
	switch g.r.IntN(10) {
	case 0:
		a := g.column(pick(g.r, ascii...))
		if !a.ascii {
			a = g.lit(pick(g.r, ascii...))
		}
		f := pick(g.r, "lower", "upper")
		return unary(a, f+"(%s)", f+"(%s)", 0)
	case 1:
		a := g.strExpr(depth - 1)
		start := g.r.IntN(6)
		if g.chance(2) {
			n := g.r.IntN(5)
			return unary(a, fmt.Sprintf("substr(%%s, %d, %d)", start, n), fmt.Sprintf("substr(%%s, %d, %d)", start, n), 0)
		}
		return unary(a, fmt.Sprintf("substr(%%s, %d)", start), fmt.Sprintf("substr(%%s, %d)", start), 0)
	case 2:
		a := g.strExpr(depth - 1)
		f := pick(g.r, "trim", "ltrim", "rtrim")
		if g.chance(2) {
			chars := pick(g.r, "'a'", "' a'", "'ab'", "'x'")
			return unary(a, f+"(%s, "+chars+")", f+"(%s, "+chars+")", 0)
		}
		return unary(a, f+"(%s)", f+"(%s)", 0)
	case 3:
		a, b := g.strExpr(depth-1), g.strExpr(depth-1)
		return bin(a, "||", b, cStr, 0, 0)
	case 4:
		// || with an integer: both render integers as plain digits.
		a, b := g.strExpr(depth-1), g.intExpr(depth-1)
		e := bin(a, "||", b, cStr, 0, 0)
		e.ascii = a.ascii
		return e
	case 5:
		a := g.strExpr(depth - 1)
		from := pick(g.r, "'a'", "'b'", "' '", "'ab'", "''")
		to := pick(g.r, "'X'", "''", "'yy'")
		return unary(a, "replace(%s, "+from+", "+to+")", "replace(%s, "+from+", "+to+")", 0)
	case 6:
		a, b := g.strExpr(depth-1), g.strExpr(depth-1)
		f := pick(g.r, "coalesce", "ifnull", "nullif")
		e := bin(a, ",", b, cStr, 0, 0)
		e.r, e.s = f+e.r, f+e.s
		return e
	case 7:
		a, b := g.strExpr(depth-1), g.strExpr(depth-1)
		e := bin(a, ",", b, cStr, 0, 0)
		e.r, e.s = "concat"+e.r, "concat"+e.s
		return e
	case 8:
		a := g.intExpr(depth - 1)
		e := unary(a, "CAST(%s AS VARCHAR)", "CAST(%s AS TEXT)", 0)
		e.cls, e.ascii = cStr, true
		return e
	}
	a, b := g.strExpr(depth-1), g.strExpr(depth-1)
	return g.caseExpr(depth-1, a, b, 0)
}

// dateExpr generates a DATE expression. Arithmetic uses the tame column dd
// (1990..2029) so results stay inside both engines' ranges.
func (g *gen) dateExpr(depth int, allowEdge bool) expr {
	if g.agg && g.chance(4) {
		return g.aggExpr(cDate, nAny)
	}
	leaf := func() expr {
		c := g.special("dd")
		if allowEdge && g.chance(2) {
			c = g.special("dt")
		}
		if g.chance(4) {
			return g.lit(c)
		}
		return g.column(c)
	}
	if depth <= 0 || g.chance(2) || g.agg {
		return leaf()
	}
	dd := g.colExpr(g.special("dd"))
	switch g.r.IntN(5) {
	case 0:
		n := g.r.IntN(800) - 400
		r := fmt.Sprintf("(%s + %d)", dd.r, n)
		if n < 0 {
			r = fmt.Sprintf("(%s - %d)", dd.r, -n)
		}
		return expr{r: r, s: fmt.Sprintf("date(%s, '%+d days')", dd.s, n), cls: cDate, exact: true}
	case 1:
		n := g.r.IntN(30) - 15
		unit := pick(g.r, "DAY", "MONTH", "YEAR")
		op := "+"
		if n < 0 {
			op = "-"
		}
		r := fmt.Sprintf("(%s %s INTERVAL %d %s)", dd.r, op, abs(n), unit)
		// SQLite's 'floor' clamps to the month's end, as recq does.
		s := fmt.Sprintf("date(%s, '%+d %s', 'floor')", dd.s, n, strings.ToLower(unit)+"s")
		return expr{r: r, s: s, cls: cDate, exact: true}
	case 2:
		part := pick(g.r, "month", "year")
		src := g.ref(pick(g.r, "dd", "dt"))
		return expr{r: fmt.Sprintf("date_trunc('%s', %s)", part, src), s: fmt.Sprintf("date(%s, 'start of %s')", src, part),
			cls: cDate, exact: true}
	case 3:
		ts := g.colExpr(g.special("ts"))
		return expr{r: "CAST(" + ts.r + " AS DATE)", s: "date(" + ts.s + ")", cls: cDate, exact: ts.exact}
	}
	a, b := dd, g.dateExpr(depth-1, allowEdge)
	return g.caseExpr(depth-1, a, b, 0)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// tsExpr generates a TIMESTAMP expression.
func (g *gen) tsExpr() expr {
	if g.agg && g.chance(4) {
		return g.aggExpr(cTs, nAny)
	}
	if g.chance(4) {
		return g.lit(g.special("ts"))
	}
	if g.chance(4) && !g.agg {
		ts := g.ref("ts")
		part := pick(g.r, "day", "month", "year", "hour", "minute")
		mod := map[string]string{"day": "'start of day'", "month": "'start of month'", "year": "'start of year'",
			"hour": "", "minute": ""}[part]
		if mod == "" {
			f := map[string]string{"hour": "%Y-%m-%d %H:00:00", "minute": "%Y-%m-%d %H:%M:00"}[part]
			return expr{r: fmt.Sprintf("date_trunc('%s', %s)", part, ts), s: fmt.Sprintf("strftime('%s', %s)", f, ts), cls: cTs, exact: true}
		}
		return expr{r: fmt.Sprintf("date_trunc('%s', %s)", part, ts), s: fmt.Sprintf("datetime(%s, %s)", ts, mod), cls: cTs, exact: true}
	}
	return g.column(g.special("ts"))
}

// exprOf generates an expression of class cls.
func (g *gen) exprOf(cls class, depth int, exactOnly bool) expr {
	switch cls {
	case cNum:
		return g.numExpr(depth, exactOnly)
	case cStr:
		return g.strExpr(depth)
	case cBool:
		return g.pred(depth)
	case cDate:
		return g.dateExpr(depth, true)
	}
	return g.tsExpr()
}

// pred generates a boolean expression that both engines evaluate exactly.
func (g *gen) pred(depth int) expr {
	if depth > 0 && g.chance(3) {
		a, b := g.pred(depth-1), g.pred(depth-1)
		switch g.r.IntN(5) {
		case 0:
			e := a
			e.r, e.s = "(NOT "+a.r+")", "(NOT "+a.s+")"
			return e
		case 1, 2:
			return bin(a, "AND", b, cBool, 0, 0)
		}
		return bin(a, "OR", b, cBool, 0, 0)
	}
	cls := pick(g.r, cNum, cNum, cNum, cStr, cStr, cDate, cTs, cBool)
	if cls == cBool {
		if g.agg && g.chance(3) {
			return g.aggExpr(cBool, nAny)
		}
		e := g.column(g.special("b"))
		switch g.r.IntN(3) {
		case 0:
			return e
		case 1:
			v := g.chance(2)
			l, s := literal(v)
			return expr{r: "(" + e.r + " = " + l + ")", s: "(" + e.s + " = " + s + ")", cls: cBool, exact: true, agg: e.agg}
		}
		return expr{r: "(" + e.r + " IS NOT NULL)", s: "(" + e.s + " IS NOT NULL)", cls: cBool, exact: true, agg: e.agg}
	}
	// the left side: usually a column, so filters reach the scan
	var lhs expr
	var col *column
	if g.chance(2) || (g.agg && g.chance(2)) {
		lhs = g.exprOf(cls, depth-1, true)
		if !lhs.exact {
			lhs = g.exprOf(cls, 0, true)
		}
	}
	cands := g.cols(func(c *column) bool { return c.cls == cls })
	col = pick(g.r, cands...)
	if lhs.r == "" || !lhs.exact {
		lhs = g.column(col)
	}
	if !lhs.exact {
		lhs = g.lit(col)
	}
	rhsLit := func() expr { return g.lit(col) }
	switch g.r.IntN(12) {
	case 0:
		n := ""
		if g.chance(2) {
			n = "NOT "
		}
		return expr{r: "(" + lhs.r + " IS " + n + "NULL)", s: "(" + lhs.s + " IS " + n + "NULL)", cls: cBool, exact: true, agg: lhs.agg}
	case 1:
		lo, hi := rhsLit(), rhsLit()
		n := ""
		if g.chance(3) {
			n = "NOT "
		}
		return expr{r: fmt.Sprintf("(%s %sBETWEEN %s AND %s)", lhs.r, n, lo.r, hi.r),
			s: fmt.Sprintf("(%s %sBETWEEN %s AND %s)", lhs.s, n, lo.s, hi.s), cls: cBool, exact: true, agg: lhs.agg}
	case 2:
		var rs, ss []string
		for range 1 + g.r.IntN(4) {
			l := rhsLit()
			if g.chance(6) {
				l = expr{r: "NULL", s: "NULL"}
			}
			rs, ss = append(rs, l.r), append(ss, l.s)
		}
		n := ""
		if g.chance(3) {
			n = "NOT "
		}
		return expr{r: fmt.Sprintf("(%s %sIN (%s))", lhs.r, n, strings.Join(rs, ", ")),
			s: fmt.Sprintf("(%s %sIN (%s))", lhs.s, n, strings.Join(ss, ", ")), cls: cBool, exact: true, agg: lhs.agg}
	case 3:
		if cls == cStr {
			return g.likePred(lhs, col)
		}
	case 4:
		if cls == cStr {
			v := g.value(col).(string)
			if rs := []rune(v); len(rs) > 1 {
				v = string(rs[:1+g.r.IntN(len(rs)-1)]) // whole characters
			}
			lit, _ := literal(v)
			switch g.r.IntN(3) {
			case 0:
				return expr{r: fmt.Sprintf("starts_with(%s, %s)", lhs.r, lit),
					s: fmt.Sprintf("(substr(%s, 1, length(%s)) = %s)", lhs.s, lit, lit), cls: cBool, exact: true, agg: lhs.agg}
			case 1:
				se := fmt.Sprintf("(substr(%s, -length(%s)) = %s)", lhs.s, lit, lit)
				if v == "" {
					se = fmt.Sprintf("(%s IS NOT NULL OR NULL)", lhs.s)
				}
				return expr{r: fmt.Sprintf("ends_with(%s, %s)", lhs.r, lit), s: se, cls: cBool, exact: true, agg: lhs.agg}
			}
			return expr{r: fmt.Sprintf("contains(%s, %s)", lhs.r, lit),
				s: fmt.Sprintf("(instr(%s, %s) > 0)", lhs.s, lit), cls: cBool, exact: true, agg: lhs.agg}
		}
	case 5:
		// IS [NOT] DISTINCT FROM: SQLite writes IS NOT / IS.
		rhs := rhsLit()
		if g.chance(2) {
			rhs = g.column(pick(g.r, cands...))
			if !rhs.exact {
				rhs = rhsLit()
			}
		}
		if g.chance(2) {
			return expr{r: "(" + lhs.r + " IS DISTINCT FROM " + rhs.r + ")", s: "(" + lhs.s + " IS NOT " + rhs.s + ")", cls: cBool, exact: true, agg: lhs.agg}
		}
		return expr{r: "(" + lhs.r + " IS NOT DISTINCT FROM " + rhs.r + ")", s: "(" + lhs.s + " IS " + rhs.s + ")", cls: cBool, exact: true, agg: lhs.agg}
	}
	// a comparison
	var rhs expr
	switch {
	case g.chance(2):
		rhs = rhsLit()
	case cls == cNum:
		rhs = g.numExpr(depth-1, true)
		if !rhs.exact {
			rhs = rhsLit()
		}
	default:
		rhs = g.column(pick(g.r, cands...))
		if !rhs.exact {
			rhs = rhsLit()
		}
	}
	if cls == cNum && !comparableNums(lhs, rhs) {
		rhs = rhsLit()
		if !comparableNums(lhs, rhs) {
			lhs = g.lit(col)
		}
	}
	op := pick(g.r, "=", "<>", "<", "<=", ">", ">=", "!=")
	sop := op
	if op == "!=" {
		sop = "<>"
	}
	return expr{r: "(" + lhs.r + " " + op + " " + rhs.r + ")", s: "(" + lhs.s + " " + sop + " " + rhs.s + ")",
		cls: cBool, exact: true, agg: lhs.agg || rhs.agg}
}

// comparableNums: recq compares a float with an integer in FLOAT64 (as
// DuckDB does) while SQLite compares them exactly, so integers beyond 2^53
// are not compared with floats.
func comparableNums(a, b expr) bool {
	if a.nk == nFloat && b.nk != nFloat && b.bound > 1<<53 {
		return false
	}
	if b.nk == nFloat && a.nk != nFloat && a.bound > 1<<53 {
		return false
	}
	return true
}

// likePred builds a LIKE pattern from a value of the column.
func (g *gen) likePred(lhs expr, col *column) expr {
	v := []rune(g.value(col).(string))
	var p strings.Builder
	for i := 0; i < len(v); i++ {
		switch g.r.IntN(6) {
		case 0:
			p.WriteByte('%')
			i += g.r.IntN(2)
		case 1:
			p.WriteByte('_')
		default:
			p.WriteRune(v[i])
		}
	}
	if g.chance(2) {
		p.WriteByte('%')
	}
	pat, _ := literal(p.String())
	n := ""
	if g.chance(3) {
		n = "NOT "
	}
	op := "LIKE"
	if lhs.ascii && col.ascii && g.chance(4) {
		// ILIKE: SQLite's LIKE ignores ASCII case when case_sensitive_like
		// is off; here it is on, so compare lower-cased sides instead.
		return expr{r: fmt.Sprintf("(%s %sILIKE %s)", lhs.r, n, pat),
			s: fmt.Sprintf("(lower(%s) %sLIKE lower(%s))", lhs.s, n, pat), cls: cBool, exact: true, agg: lhs.agg}
	}
	return expr{r: fmt.Sprintf("(%s %s%s %s)", lhs.r, n, op, pat), s: fmt.Sprintf("(%s %s%s %s)", lhs.s, n, op, pat),
		cls: cBool, exact: true, agg: lhs.agg}
}

// aggExpr generates an aggregate call producing class cls.
func (g *gen) aggExpr(cls class, nk numKind) expr {
	saved := g.agg
	g.agg = false
	defer func() { g.agg = saved }()
	distinct := ""
	if g.chance(6) {
		distinct = "DISTINCT "
	}
	// DISTINCT over exact values only: SQLite's REAL products tell apart
	// values that are equal as DECIMALs (0.1 * 3 and 0.3).
	dist := func(a expr) string {
		if a.exact {
			return distinct
		}
		return ""
	}
	switch cls {
	case cNum:
		if nk == nAny {
			nk = pick(g.r, nInt, nInt, nDec, nFloat)
		}
		minmax := func(a expr) expr {
			f := pick(g.r, "min", "max")
			e := unary(a, f+"(%s)", f+"(%s)", a.bound)
			e.agg = true
			return e
		}
		switch nk {
		case nInt:
			switch g.r.IntN(5) {
			case 0:
				return expr{r: "count(*)", s: "count(*)", cls: cNum, nk: nInt, bound: 1e7, exact: true, agg: true}
			case 1:
				c := g.colExpr(pick(g.r, g.cols(func(*column) bool { return true })...))
				return expr{r: "count(" + distinct + c.r + ")", s: "count(" + distinct + c.s + ")", cls: cNum, nk: nInt, bound: 1e7, exact: true, agg: true}
			case 2, 3:
				// integers sum exactly in both engines
				a := g.intExpr(1)
				e := unary(a, "sum("+dist(a)+"%s)", "sum("+dist(a)+"%s)", a.bound*(g.sc.maxRows+1))
				e.agg = true
				return e
			}
			return minmax(g.intExpr(1))
		case nDec:
			// DECIMALs sum exactly in recq and as REALs in SQLite
			a := g.decExpr(1, false)
			if g.chance(2) {
				return minmax(a)
			}
			e := unary(a, "sum("+dist(a)+"%s)", "sum("+dist(a)+"%s)", math.Inf(1))
			e.agg, e.exact = true, false
			return e
		}
		switch g.r.IntN(3) {
		case 0:
			// tame floats sum exactly
			a := g.floatExpr(1, true)
			e := unary(a, "sum("+dist(a)+"%s)", "sum("+dist(a)+"%s)", math.Inf(1))
			e.agg = true
			return e
		case 1:
			return minmax(g.floatExpr(1, false))
		}
		// avg over tame values only: the extremes overflow a float sum in
		// an order-dependent way.
		a := g.numExpr(1, false)
		if a.nk == nInt && a.bound > 1<<40 || (a.nk != nInt && !a.exact) || mentions(a.r, "fe", "de") {
			a = g.intExpr(0)
		}
		e := unary(a, "avg("+dist(a)+"%s)", "avg("+dist(a)+"%s)", math.Inf(1))
		e.nk, e.agg, e.exact = nFloat, true, false
		return e
	case cStr:
		a := g.strExpr(1)
		f := pick(g.r, "min", "max")
		e := unary(a, f+"(%s)", f+"(%s)", 0)
		e.agg = true
		return e
	case cDate:
		a := g.dateExpr(1, true)
		f := pick(g.r, "min", "max")
		e := unary(a, f+"(%s)", f+"(%s)", 0)
		e.agg = true
		return e
	case cTs:
		f := pick(g.r, "min", "max")
		ts := g.ref("ts")
		return expr{r: f + "(" + ts + ")", s: f + "(" + ts + ")", cls: cTs, exact: true, agg: true}
	}
	// BOOLEAN: bool_and/bool_or are min/max of 0/1 in SQLite.
	p := g.pred(1)
	if g.chance(2) {
		return expr{r: "bool_and(" + p.r + ")", s: "min(" + p.s + ")", cls: cBool, exact: p.exact, agg: true}
	}
	return expr{r: "bool_or(" + p.r + ")", s: "max(" + p.s + ")", cls: cBool, exact: p.exact, agg: true}
}

// query is one generated query in both dialects, with what the comparison
// needs to know about it.
type genQuery struct {
	r, s string
	// order lists the output columns the result is sorted on (0-based),
	// with their directions; nil when the order is unspecified.
	order []orderKey
	// fullOrder: the ORDER BY covers every output column, so the order of
	// the rows is fully determined and compared row by row.
	fullOrder bool
	// limitNoOrder: a LIMIT without ORDER BY; recq's rows must be a subset
	// of SQLite's unlimited result, of the right size.
	limitNoOrder bool
	// exact[i]: output column i is compared exactly, else within the
	// float tolerance.
	exact      []bool
	limit      int
	offset     int
	sLimitless string // SQLite SQL without the LIMIT, for limitNoOrder
	// ordinalsOnly: ORDER BY refers to output columns by position only
	// (SELECT * and DISTINCT have no c1, c2 aliases to use).
	ordinalsOnly bool
}

type orderKey struct {
	col        int
	desc       bool
	nullsFirst bool
}

// selectItem generates an output expression.
func (g *gen) item(depth int) expr {
	return g.exprOf(pick(g.r, cNum, cNum, cNum, cStr, cStr, cDate, cTs, cBool), depth, false)
}

// query generates one query: a SELECT over t alone (plain, aggregate,
// grouped), sometimes with subqueries; the same over a join of 2 to 4
// tables; or a set operation.
func (g *gen) query() genQuery {
	g.sc, g.ctes, g.subq, g.agg, g.keys = singleScope(g.t, false), nil, 0, false, nil
	k := g.r.IntN(20)
	switch {
	case k < 9:
		if g.chance(4) {
			g.sc = singleScope(g.t, true)
		}
	case k < 17:
		g.sc = g.joinScope()
	default:
		return g.setOpQuery()
	}
	switch g.r.IntN(10) {
	case 0, 1, 2, 3:
		return g.plainQuery()
	case 4:
		return g.aggQuery(false)
	}
	return g.aggQuery(true)
}

// where generates the WHERE clause: the conditions of comma joins, a
// predicate and, in scopes that qualify their columns, sometimes a
// subquery.
func (g *gen) where() (string, string) {
	conds := append([]expr(nil), g.sc.where...)
	if !g.chance(4) {
		conds = append(conds, g.pred(2))
	}
	if g.sc.qualify && g.subq < 2 && g.chance(3) {
		conds = append(conds, g.subqueryPred())
	}
	if len(conds) == 0 {
		return "", ""
	}
	g.r.Shuffle(len(conds), func(i, j int) { conds[i], conds[j] = conds[j], conds[i] })
	var rs, ss []string
	for _, c := range conds {
		rs, ss = append(rs, c.r), append(ss, c.s)
	}
	return " WHERE " + strings.Join(rs, " AND "), " WHERE " + strings.Join(ss, " AND ")
}

// plainQuery: SELECT [DISTINCT] items FROM t [WHERE] [ORDER BY] [LIMIT].
func (g *gen) plainQuery() genQuery {
	g.agg = false
	var items []expr
	var rs, ss []string
	distinct := g.chance(6)
	star := g.chance(12)
	if star {
		distinct = false
		rs, items = g.sc.starText(g.r)
		ss = rs
	} else {
		for i := range 1 + g.r.IntN(4) {
			var e expr
			if g.sc.qualify && g.subq < 2 && g.chance(5) {
				e = g.subqueryItem()
			} else {
				e = g.item(2)
			}
			if distinct && !e.exact {
				e = g.colExpr(pick(g.r, g.cols(func(*column) bool { return true })...))
			}
			items = append(items, e)
			rs = append(rs, fmt.Sprintf("%s AS c%d", e.r, i+1))
			ss = append(ss, fmt.Sprintf("%s AS c%d", e.s, i+1))
		}
	}
	wr, ws := g.where()
	sel := "SELECT "
	if distinct {
		sel += "DISTINCT "
	}
	q := genQuery{r: g.with(false) + sel + strings.Join(rs, ", ") + g.sc.fromR + wr,
		s: g.with(true) + sel + strings.Join(ss, ", ") + g.sc.fromS + ws, ordinalsOnly: star || distinct}
	return g.orderLimit(q, items, true)
}

// aggQuery: aggregates, with GROUP BY keys when grouped, HAVING, ORDER BY
// and LIMIT.
func (g *gen) aggQuery(grouped bool) genQuery {
	var keys []expr
	if grouped {
		for range 1 + g.r.IntN(3) {
			var k expr
			switch g.r.IntN(6) {
			case 0, 1:
				k = g.colExpr(pick(g.r, g.cols(func(c *column) bool { return c.name != "id" })...))
			default:
				g.agg = false
				k = g.exprOf(pick(g.r, cNum, cStr, cDate, cBool), 1, true)
				if !k.exact || !g.refersToColumn(k.r) {
					// SQLite reads a constant integer key as an ordinal
					k = g.colExpr(g.special("k"))
				}
			}
			keys = append(keys, k)
		}
	}
	g.keys = keys
	defer func() { g.keys = nil }()
	var items []expr
	items = append(items, keys...)
	g.agg = true
	for range 1 + g.r.IntN(3) {
		var e expr
		if g.chance(2) {
			e = g.aggExpr(pick(g.r, cNum, cNum, cNum, cStr, cDate, cTs, cBool), nAny)
		} else {
			e = g.item(1)
		}
		items = append(items, e)
	}
	g.agg = false
	q := g.finishAgg(items, keys)
	return q
}

func (g *gen) finishAgg(items, keys []expr) genQuery {
	wr, ws := g.where()
	var rs, ss []string
	for i, e := range items {
		rs = append(rs, fmt.Sprintf("%s AS c%d", e.r, i+1))
		ss = append(ss, fmt.Sprintf("%s AS c%d", e.s, i+1))
	}
	qr := g.with(false) + "SELECT " + strings.Join(rs, ", ") + g.sc.fromR + wr
	qs := g.with(true) + "SELECT " + strings.Join(ss, ", ") + g.sc.fromS + ws
	if len(keys) > 0 {
		var kr, ks []string
		for i, k := range keys {
			switch {
			case g.chance(4):
				kr, ks = append(kr, strconv.Itoa(i+1)), append(ks, strconv.Itoa(i+1))
			case k.s == k.r && g.refersToColumnOnly(k.s):
				kr, ks = append(kr, k.r), append(ks, k.s)
			default:
				// SQLite folds a constant-valued key such as
				// ('x' IS NULL AND ...) to 0 and then reads it as an
				// ordinal: it gets the output alias instead.
				kr, ks = append(kr, k.r), append(ks, fmt.Sprintf("c%d", i+1))
			}
		}
		qr += " GROUP BY " + strings.Join(kr, ", ")
		qs += " GROUP BY " + strings.Join(ks, ", ")
		if g.chance(3) {
			g.agg = true
			h := g.pred(1)
			g.agg = false
			qr += " HAVING " + h.r
			qs += " HAVING " + h.s
		}
	}
	return g.orderLimit(genQuery{r: qr, s: qs}, items, len(keys) > 0)
}

func (g *gen) finish(items []expr, star, distinct, _ bool) genQuery {
	wr, ws := g.where()
	sel := "SELECT "
	if distinct {
		sel += "DISTINCT "
	}
	var rs, ss []string
	if star {
		rs, ss = []string{"*"}, []string{"*"}
	} else {
		for i, e := range items {
			rs = append(rs, fmt.Sprintf("%s AS c%d", e.r, i+1))
			ss = append(ss, fmt.Sprintf("%s AS c%d", e.s, i+1))
		}
	}
	q := genQuery{r: g.with(false) + sel + strings.Join(rs, ", ") + g.sc.fromR + wr,
		s: g.with(true) + sel + strings.Join(ss, ", ") + g.sc.fromS + ws, ordinalsOnly: star || distinct}
	return g.orderLimit(q, items, true)
}

// orderLimit adds ORDER BY and LIMIT. recq sorts NULLs last ascending and
// first descending; SQLite is told so explicitly.
func (g *gen) orderLimit(q genQuery, items []expr, multiRow bool) genQuery {
	for _, e := range items {
		q.exact = append(q.exact, e.exact)
	}
	if !multiRow {
		return q
	}
	exactAll := true
	for _, e := range items {
		exactAll = exactAll && e.exact
	}
	wantLimit := g.chance(3)
	if g.chance(2) {
		// ORDER BY: all items (in a random order) when a LIMIT follows or
		// at random, else a prefix of them.
		perm := g.r.Perm(len(items))
		n := len(perm)
		if !(wantLimit && exactAll) && g.chance(2) {
			n = 1 + g.r.IntN(len(perm))
		}
		var rs, ss []string
		for _, i := range perm[:n] {
			// recq sorts NULLs last in both directions unless told
			// (DuckDB's default).
			k := orderKey{col: i, desc: g.chance(2)}
			ref := strconv.Itoa(i + 1)
			if !q.ordinalsOnly && g.chance(2) {
				ref = fmt.Sprintf("c%d", i+1)
			}
			r, s := ref, ref
			if k.desc {
				r += " DESC"
				s += " DESC"
			} else if g.chance(3) {
				r += " ASC"
				s += " ASC"
			}
			if g.chance(4) {
				k.nullsFirst = g.chance(2)
			}
			if k.nullsFirst {
				r += " NULLS FIRST"
			} else if g.chance(5) {
				if k.nullsFirst {
					r += " NULLS FIRST"
				} else {
					r += " NULLS LAST"
				}
			}
			if k.nullsFirst {
				s += " NULLS FIRST"
			} else {
				s += " NULLS LAST"
			}
			rs, ss = append(rs, r), append(ss, s)
			q.order = append(q.order, k)
		}
		q.r += " ORDER BY " + strings.Join(rs, ", ")
		q.s += " ORDER BY " + strings.Join(ss, ", ")
		q.fullOrder = n == len(items) && exactAll
	}
	if wantLimit {
		q.limit = g.r.IntN(20)
		lim := fmt.Sprintf(" LIMIT %d", q.limit)
		if g.chance(3) {
			q.offset = g.r.IntN(10)
			lim += fmt.Sprintf(" OFFSET %d", q.offset)
		}
		switch {
		case q.fullOrder:
			q.r += lim
			q.s += lim
		case q.order == nil:
			q.limitNoOrder = true
			q.sLimitless = q.s
			q.r += lim
			q.s += lim
		}
	}
	return q
}
