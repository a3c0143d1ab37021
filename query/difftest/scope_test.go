package difftest

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// scope is what a generated expression may refer to: the tables of a
// FROM clause with their aliases, and the FROM clause's text.
type scope struct {
	// srcs are the FROM items in order; a table may appear under several
	// aliases (self-joins, a derived copy next to the table).
	srcs  []fromItem
	alias map[*table][]string
	// qualify: column references are written alias.column (always in
	// joins and in queries with subqueries).
	qualify bool
	// fromR, fromS are " FROM ..." in both dialects.
	fromR, fromS string
	// maxRows bounds the rows any part of the query sees (for the bounds
	// of sums).
	maxRows float64
	// where holds the conditions of comma joins, AND-ed into WHERE.
	where []expr
	// noStar: SELECT * is not generated (USING and NATURAL joins: recq
	// puts the USING columns first, as PostgreSQL and DuckDB do; SQLite
	// keeps the left table's column order).
	noStar bool
}

// usingStarBug: recq's alias.* leaves out the USING (or NATURAL) columns
// of the right side of the join (SELECT b.* FROM p a JOIN q b USING (k)
// has no k; PostgreSQL and SQLite keep all of b's columns). While it is
// true, alias.* is generated only for the first FROM item of a query with
// USING or NATURAL. Set it to false to test the fix.
const usingStarBug = false

// fromItem is one table of a FROM clause under its alias.
type fromItem struct {
	t     *table
	alias string
}

// singleScope is "FROM name" over one table without alias; with qualify
// the columns are written name.column.
func singleScope(t *table, qualify bool) *scope {
	return &scope{srcs: []fromItem{{t, t.name}}, alias: map[*table][]string{t: {t.name}}, qualify: qualify,
		fromR: " FROM " + t.name, fromS: " FROM " + t.name, maxRows: t.size()}
}

// add puts table t under alias into the scope (not into the FROM text).
func (s *scope) add(t *table, alias string) {
	if s.alias == nil {
		s.alias = map[*table][]string{}
	}
	s.srcs = append(s.srcs, fromItem{t, alias})
	s.alias[t] = append(s.alias[t], alias)
}

// tables are the distinct tables in scope, in FROM order.
func (s *scope) tables() []*table {
	var out []*table
	seen := map[*table]bool{}
	for _, f := range s.srcs {
		if !seen[f.t] {
			seen[f.t] = true
			out = append(out, f.t)
		}
	}
	return out
}

func (s *scope) String() string {
	var parts []string
	for _, f := range s.srcs {
		parts = append(parts, f.t.name+" "+f.alias)
	}
	return strings.Join(parts, ", ")
}

// starText returns a star select list ("*" or "alias.*") and the
// expressions it stands for.
func (s *scope) starText(r *rand.Rand) ([]string, []expr) {
	items := func(fs []fromItem) []expr {
		var out []expr
		for _, f := range fs {
			for _, c := range f.t.cols {
				out = append(out, colExpr(c))
			}
		}
		return out
	}
	if !s.qualify || (!s.noStar && r.IntN(2) == 0) {
		return []string{"*"}, items(s.srcs)
	}
	f := s.srcs[r.IntN(len(s.srcs))]
	if s.noStar && usingStarBug {
		f = s.srcs[0] // never the right side of USING or NATURAL
	}
	return []string{f.alias + ".*"}, items([]fromItem{f})
}

// within runs f with sc as the scope (and no aggregate context) and
// restores the generator's state.
func (g *gen) within(sc *scope, f func()) {
	saved, agg, keys := g.sc, g.agg, g.keys
	g.sc, g.agg, g.keys = sc, false, nil
	defer func() { g.sc, g.agg, g.keys = saved, agg, keys }()
	f()
}

// alias hands out a new alias with the given prefix.
func (g *gen) alias(prefix string) string {
	g.names++
	return fmt.Sprintf("%s%d", prefix, g.names)
}

// aref is a reference to column c of the FROM item under alias a.
func aref(a string, c *column) expr {
	e := colExpr(c)
	e.r, e.s = a+"."+c.name, a+"."+c.name
	return e
}

// table returns the base table called name.
func (g *gen) table(name string) *table {
	for _, t := range g.tabs {
		if t.name == name {
			return t
		}
	}
	panic("no table " + name)
}

// cte is one WITH definition, in both dialects.
type cte struct{ r, s string }

// with renders the WITH clause of the query being generated.
func (g *gen) with(sqlite bool) string {
	if len(g.ctes) == 0 {
		return ""
	}
	var parts []string
	for _, c := range g.ctes {
		if sqlite {
			parts = append(parts, c.s)
		} else {
			parts = append(parts, c.r)
		}
	}
	return "WITH " + strings.Join(parts, ", ") + " "
}
