package difftest

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// windowQuery generates SELECT id, window functions FROM t [WHERE] [WINDOW]
// [QUALIFY]: ranking functions, lag/lead, first/last/nth_value and
// aggregates (string_agg, first, last and count_if too) over PARTITION BY and ORDER BY of exact keys, with ROWS and
// RANGE frames (RANGE offsets over one integer key) and EXCLUDE. SQLite
// has no QUALIFY: its side filters an outer query. Functions whose value
// depends on the order of peers (row_number, lag, first_value, ROWS
// frames, ...) get id as the last ORDER BY key, so both engines see one
// order.
func (g *gen) windowQuery() genQuery {
	g.sc, g.ctes, g.subq, g.agg, g.keys = singleScope(g.t, false), nil, 0, false, nil
	items := []expr{g.colExpr(g.t.byN["id"])}
	rs, ss := []string{"id AS c1"}, []string{"id AS c1"}
	var named []string // WINDOW clause entries (both dialects alike but for NULLS)
	var namedS []string
	for i := range 1 + g.r.IntN(3) {
		e, specR, specS := g.windowItem()
		overR, overS := " OVER ("+specR+")", " OVER ("+specS+")"
		if g.chance(5) && !strings.Contains(specR, "ROWS") && !strings.Contains(specR, "RANGE") {
			w := fmt.Sprintf("w%d", i+1)
			named = append(named, w+" AS ("+specR+")")
			namedS = append(namedS, w+" AS ("+specS+")")
			overR, overS = " OVER "+w, " OVER "+w
		}
		e.r += overR
		e.s += overS
		items = append(items, e)
		rs = append(rs, fmt.Sprintf("%s AS c%d", e.r, i+2))
		ss = append(ss, fmt.Sprintf("%s AS c%d", e.s, i+2))
	}
	wr, ws := "", ""
	if g.chance(2) {
		wr, ws = g.where()
	}
	q := genQuery{r: "SELECT " + strings.Join(rs, ", ") + g.sc.fromR + wr, s: "SELECT " + strings.Join(ss, ", ") + g.sc.fromS + ws}
	if len(named) > 0 {
		q.r += " WINDOW " + strings.Join(named, ", ")
		q.s += " WINDOW " + strings.Join(namedS, ", ")
	}
	if c := items[1]; c.cls == cNum && c.nk == nInt && c.exact && g.chance(4) {
		n := g.r.IntN(4)
		q.r += fmt.Sprintf(" QUALIFY c2 <= %d", n)
		q.s = fmt.Sprintf("SELECT * FROM (%s) WHERE c2 <= %d", q.s, n)
	}
	for _, e := range items {
		q.exact = append(q.exact, e.exact)
	}
	return q
}

// windowItem generates one window function call (without OVER) and its
// window's body in both dialects.
func (g *gen) windowItem() (e expr, specR, specS string) {
	// PARTITION BY: none, or one or two low-cardinality exact keys
	var parts []string
	for range pick(g.r, 0, 0, 1, 1, 2) {
		parts = append(parts, g.colExpr(g.t.byN[pick(g.r, "k", "g", "b", "g", "k")]).r)
	}
	// ORDER BY keys, and whether id completes them into a total order
	var orderR, orderS []string
	addKey := func(col string, desc bool) {
		r, s := col, col
		nullsFirst := g.chance(3)
		if desc {
			r, s = r+" DESC", s+" DESC"
		}
		switch {
		case nullsFirst:
			r += " NULLS FIRST"
		case g.chance(3):
			r += " NULLS LAST"
		}
		if nullsFirst {
			s += " NULLS FIRST"
		} else {
			s += " NULLS LAST"
		}
		orderR, orderS = append(orderR, r), append(orderS, s)
	}
	nKeys := pick(g.r, 0, 1, 1, 1, 2)
	var rangeKey string
	// file order: recq's _rowid is SQLite's rowid (rows are inserted in
	// file order); recq streams such windows without a sort
	byRowid := g.chance(4)
	if byRowid {
		parts, nKeys = nil, 0
		orderR, orderS = []string{"_rowid"}, []string{"rowid"}
	}
	for range nKeys {
		col := pick(g.r, "k", "i16", "dd", "s", "dm", "b", "g")
		addKey(col, g.chance(3))
		if nKeys == 1 && (col == "k" || col == "i16") {
			rangeKey = col
		}
	}
	total := func() {
		if !byRowid {
			addKey("id", g.chance(2))
		}
		rangeKey = ""
	}
	arg := func() expr {
		c := pick(g.r, "k", "i16", "i32", "g", "s", "dd", "b", "dm", "u8", "d0")
		return g.colExpr(g.t.byN[c])
	}
	var frameR, frameS string
	// frame adds a frame: ROWS needs the total order (peers would be
	// split in an engine's own order), RANGE takes peers whole.
	frame := func(rowsOnly bool) {
		if g.chance(3) {
			return // the default frame
		}
		isTotal := byRowid || len(orderR) > 0 && strings.HasPrefix(orderR[len(orderR)-1], "id")
		unit := "ROWS"
		if !rowsOnly && len(orderR) > 0 && (g.chance(2) || !isTotal) {
			unit = "RANGE"
		}
		if unit == "ROWS" && !isTotal {
			return
		}
		offsetOK := unit == "ROWS" || rangeKey != ""
		type b struct {
			text string
			rank int
		}
		n := func() string { return fmt.Sprint(g.r.IntN(5)) }
		starts := []b{{"UNBOUNDED PRECEDING", 0}, {"CURRENT ROW", 2}}
		ends := []b{{"CURRENT ROW", 2}, {"UNBOUNDED FOLLOWING", 4}}
		if offsetOK {
			starts = append(starts, b{n() + " PRECEDING", 1}, b{n() + " FOLLOWING", 3})
			ends = append(ends, b{n() + " PRECEDING", 1}, b{n() + " FOLLOWING", 3})
		}
		st := pick(g.r, starts...)
		var valid []b
		for _, x := range ends {
			if x.rank >= st.rank {
				valid = append(valid, x)
			}
		}
		en := pick(g.r, valid...)
		f := unit + " BETWEEN " + st.text + " AND " + en.text
		if g.chance(4) {
			f += " EXCLUDE " + pick(g.r, "CURRENT ROW", "GROUP", "TIES", "NO OTHERS")
		}
		frameR, frameS = " "+f, " "+f
	}
	switch g.r.IntN(12) {
	case 10, 11:
		// aggregates of DuckDB's set that SQLite has under other names:
		// string_agg is group_concat, first and last are first_value and
		// last_value (FILTER: SQLite allows it on aggregates only),
		// count_if(c) counts CASE WHEN c THEN 1 END
		total()
		frame(false)
		filter := func() (string, string) {
			if !g.chance(3) {
				return "", ""
			}
			p := g.pred(1)
			return " FILTER (WHERE " + p.r + ")", " FILTER (WHERE " + p.s + ")"
		}
		switch g.r.IntN(3) {
		case 0:
			a := g.colExpr(g.t.byN[pick(g.r, "s", "s", "k", "i16")])
			if a.cls == cStr {
				// SQLite's group_concat leaves out the separator after a
				// leading '' (recq puts it before every value but the
				// first): make '' NULL
				a = unary(a, "nullif(%s, '')", "nullif(%s, '')", 0)
			}
			// no separator ends in a space: a table written with CREATE
			// TABLE AS (ctas_test.go) trims trailing spaces
			sep := pick(g.r, "'|'", "''", "' /'")
			fr, fs := filter()
			e = expr{r: "string_agg(" + a.r + ", " + sep + ")" + fr, s: "group_concat(" + a.s + ", " + sep + ")" + fs, cls: cStr, exact: true}
		case 1:
			a := arg()
			f := pick(g.r, "first", "last")
			e = unary(a, f+"(%s)", f+"_value(%s)", 0)
			e.cls, e.nk, e.exact = a.cls, a.nk, a.exact
		default:
			p := g.pred(1)
			fr, fs := filter()
			e = expr{r: "count_if(" + p.r + ")" + fr, s: "count(CASE WHEN " + p.s + " THEN 1 END)" + fs, cls: cNum, nk: nInt, exact: true}
		}
	case 0:
		f := pick(g.r, "rank", "dense_rank")
		e = expr{r: f + "()", s: f + "()", cls: cNum, nk: nInt, exact: true}
	case 1:
		f := pick(g.r, "percent_rank", "cume_dist")
		e = expr{r: f + "()", s: f + "()", cls: cNum, nk: nFloat}
	case 2:
		total()
		if g.chance(2) {
			e = expr{r: "row_number()", s: "row_number()", cls: cNum, nk: nInt, exact: true}
		} else {
			n := fmt.Sprint(1 + g.r.IntN(6))
			e = expr{r: "ntile(" + n + ")", s: "ntile(" + n + ")", cls: cNum, nk: nInt, exact: true}
		}
	case 3, 4:
		total()
		f := pick(g.r, "lag", "lead")
		a := arg()
		switch g.r.IntN(3) {
		case 0:
			e = unary(a, f+"(%s)", f+"(%s)", 0)
		case 1:
			off := fmt.Sprint(g.r.IntN(4))
			e = unary(a, f+"(%s, "+off+")", f+"(%s, "+off+")", 0)
		default:
			off := fmt.Sprint(g.r.IntN(4))
			d := g.lit(g.t.byN[a.r])
			e = expr{r: f + "(" + a.r + ", " + off + ", " + d.r + ")", s: f + "(" + a.s + ", " + off + ", " + d.s + ")"}
		}
		e.cls, e.nk, e.exact = a.cls, a.nk, a.exact
	case 5:
		total()
		frame(true)
		a := arg()
		switch f := pick(g.r, "first_value", "last_value", "nth_value"); f {
		case "nth_value":
			n := fmt.Sprint(1 + g.r.IntN(3))
			e = unary(a, f+"(%s, "+n+")", f+"(%s, "+n+")", 0)
		default:
			e = unary(a, f+"(%s)", f+"(%s)", 0)
		}
		e.cls, e.nk, e.exact = a.cls, a.nk, a.exact
	default:
		switch {
		case g.chance(2):
			total()
		case g.chance(2) && !byRowid:
			// one integer key: RANGE frames with offsets
			orderR, orderS = nil, nil
			rangeKey = pick(g.r, "k", "i16")
			addKey(rangeKey, g.chance(3))
		}
		frame(false)
		switch g.r.IntN(6) {
		case 0:
			e = expr{r: "count(*)", s: "count(*)", cls: cNum, nk: nInt, exact: true}
		case 1:
			a := arg()
			e = expr{r: "count(" + a.r + ")", s: "count(" + a.s + ")", cls: cNum, nk: nInt, exact: true}
		case 2:
			c := g.colExpr(g.t.byN[pick(g.r, "k", "i16", "i32", "u8")])
			e = unary(c, "sum(%s)", "sum(%s)", 0)
			e.cls, e.nk, e.exact = cNum, nInt, true
		case 3:
			c := g.colExpr(g.t.byN[pick(g.r, "k", "i16", "i32", "dm")])
			e = unary(c, "avg(%s)", "avg(%s)", 0)
			e.cls, e.nk, e.exact = cNum, nFloat, false
		default:
			a := arg()
			f := pick(g.r, "min", "max")
			e = unary(a, f+"(%s)", f+"(%s)", 0)
			e.cls, e.nk, e.exact = a.cls, a.nk, a.exact
		}
	}
	var pr string
	if len(parts) > 0 {
		pr = "PARTITION BY " + strings.Join(parts, ", ")
	}
	join := func(xs ...string) string {
		var out []string
		for _, x := range xs {
			if x = strings.TrimSpace(x); x != "" {
				out = append(out, x)
			}
		}
		return strings.Join(out, " ")
	}
	var or, os string
	if len(orderR) > 0 {
		or, os = "ORDER BY "+strings.Join(orderR, ", "), "ORDER BY "+strings.Join(orderS, ", ")
	}
	return e, join(pr, or, frameR), join(pr, os, frameS)
}

// windowAt generates window query i of a set (its own random stream).
func (h *harness) windowAt(seed uint64, i int) job {
	r := rand.New(rand.NewPCG(seed, uint64(i)+0x3a1d0))
	g := &gen{r: r, t: h.t, tabs: h.tabs, maxJoin: h.maxJoin}
	return job{genQuery: g.windowQuery(), cfg: r.IntN(len(h.engines))}
}

// TestDifferentialWindows runs a set of window queries only (the fixed
// set has one in ten).
func TestDifferentialWindows(t *testing.T) {
	if *soak > 0 {
		t.Skip("the soak runs in TestDifferentialSoak")
	}
	n := 400
	if testing.Short() {
		n = 100
	}
	if *queries > 0 {
		n = *queries
	}
	seed := uint64(fixedSeed)
	if *seedF != 0 {
		seed = *seedF
	}
	sz := fixedSizes
	if *rowsF != 0 {
		sz.t = *rowsF
	}
	h := newHarness(t, t.TempDir(), seed, sz)
	defer h.close(t)
	var counts [4]int
	bad := 0
	for i := range n {
		q := h.windowAt(seed, i)
		if *verbose {
			fmt.Fprintf(os.Stderr, "window query %d: %s\n  sqlite: %s\n", i, q.r, q.s)
		}
		res := h.run(q)
		counts[res.out]++
		if res.out == mismatch {
			bad++
			t.Errorf("MISMATCH window query %d [%s]\nrecq:   %s\nSQLite: %s\n%s\nreproduce: go test ./query/difftest -run TestDifferentialWindows -seed=%d %s -queries=%d", i, engineConfigs[q.cfg].name, q.r, q.s, res.report, seed, sz, i+1)
			if bad >= 10 {
				break
			}
		}
	}
	t.Logf("%d window queries: %d agree, %d both error, %d skipped, %d mismatches", n, counts[agree], counts[bothError], counts[skipped], counts[mismatch])
	if counts[agree] < n*8/10 {
		t.Errorf("only %d of %d window queries compared results", counts[agree], n)
	}
}
