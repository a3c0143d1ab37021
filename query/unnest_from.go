package query

import (
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/recq/recq/exec"
	"github.com/recq/recq/parser"
)

// UNNEST in FROM: FROM t, UNNEST(t.days) WITH ORDINALITY AS u(value, n)
// (also CROSS JOIN [LATERAL] UNNEST(...), or JOIN ... ON cond). The lists
// may refer to the FROM items to the left (an implicit LATERAL, as in
// PostgreSQL and DuckDB), so the UNNEST is planned as an Unnest node over
// the left side's plan rather than as a join: each left row gives one row
// per element, a row whose lists are all NULL or empty gives none. Several
// lists are unnested side by side, padded with NULL to the longest (as
// PostgreSQL's multi-argument UNNEST); WITH ORDINALITY adds the element's
// position, 1, 2, ..., as the last column.

// unnestLateral binds j when its right side is an UNNEST: over the left
// side, or over one empty row for an UNNEST first in FROM (left nil).
func (bd *binder) unnestLateral(t *parser.TableRef, lrels []*relation, lplan Node, sc *scope) ([]*relation, Node, error) {
	u := t.Unnest
	if t.Sample != nil {
		return nil, nil, posErr(t.Sample.Pos, "USING SAMPLE works on tables, not on UNNEST; sample the table it unnests")
	}
	if lplan == nil {
		lplan = &ValuesNode{rows: [][]*Expr{{}}}
	}
	// The lists see the FROM items to the left, not an enclosing query:
	// an UNNEST of an outer row's list in a subquery is not decorrelated.
	lsc := &scope{rels: lrels, ctes: sc.ctes, noFrom: len(lrels) == 0}
	node := &UnnestNode{in: lplan, ord: u.Ordinality}
	for _, x := range u.Lists {
		e, err := bd.bindExpr(x, lsc, exprCtx{clause: "in UNNEST's arguments"})
		if err != nil && sc.parent != nil {
			outer := &scope{rels: lrels, parent: sc.parent, ctes: sc.ctes}
			if _, oerr := bd.bindExpr(x, outer, exprCtx{}); oerr == nil {
				return nil, nil, posErr(x.Position(), "UNNEST in a subquery's FROM cannot use the columns of the enclosing query (%s); join the UNNEST in the outer FROM instead, as in FROM t, UNNEST(t.days) AS u(v), and aggregate there", x.String())
			}
		}
		if err != nil {
			return nil, nil, err
		}
		if !exec.IsList(e.Type()) {
			return nil, nil, posErr(x.Position(), "UNNEST needs a list (an array field declared with OCCURS), not %s", exec.TypeName(e.Type()))
		}
		node.lists = append(node.lists, e)
		node.subs = append(node.subs, false)
	}
	alias := orDefault(t.Alias, "unnest")
	names := unnestColumnNames(t, len(u.Lists))
	if len(t.Columns) > len(names) {
		return nil, nil, posErr(t.Pos, "UNNEST gives %d columns (%s) but %d names were given", len(names), strings.Join(names, ", "), len(t.Columns))
	}
	copy(names, t.Columns)
	r := &relation{names: []string{alias}, hidden: map[ColumnID]bool{}}
	for i, name := range names {
		typ := arrow.DataType(arrow.PrimitiveTypes.Int64)
		if i < len(node.lists) {
			typ = exec.ListElem(node.lists[i].Type())
		}
		c := bd.newColumn(name, alias, typ)
		node.cols = append(node.cols, c)
		r.cols = append(r.cols, c)
	}
	for _, l := range lrels {
		for _, n := range l.names {
			if n != "" && strings.EqualFold(n, alias) {
				return nil, nil, posErr(t.Pos, "table name %s is used twice in FROM; give the UNNEST another alias", n)
			}
		}
	}
	return append(append([]*relation(nil), lrels...), r), node, nil
}

// unnestColumnNames are the default column names of an UNNEST in FROM:
// one list is named after the alias (as PostgreSQL does) or "unnest",
// several are unnest_1, unnest_2, ...; the ordinality column is
// "ordinality".
func unnestColumnNames(t *parser.TableRef, lists int) []string {
	var names []string
	for i := range lists {
		switch {
		case lists > 1:
			names = append(names, fmt.Sprintf("unnest_%d", i+1))
		case t.Alias != "":
			names = append(names, t.Alias)
		default:
			names = append(names, "unnest")
		}
	}
	if t.Unnest.Ordinality {
		names = append(names, "ordinality")
	}
	return names
}

// joinUnnest binds L JOIN UNNEST(...): a CROSS JOIN, a comma or an INNER
// JOIN (whose ON condition filters the unnested rows).
func (bd *binder) joinUnnest(j *parser.Join, t *parser.TableRef, sc *scope) ([]*relation, Node, error) {
	if j.Kind != parser.JoinCross && j.Kind != parser.JoinInner || j.Natural || j.Using != nil {
		kind := j.Kind.String()
		switch {
		case j.Natural:
			kind = "NATURAL " + kind
		case j.Using != nil:
			kind += " ... USING"
		}
		return nil, nil, posErr(j.Pos, "UNNEST in FROM joins its rows to the row its lists come from: write FROM t, UNNEST(...) or CROSS JOIN UNNEST(...) (an INNER JOIN UNNEST(...) ON cond filters them); %s UNNEST is not supported", kind)
	}
	lrels, lplan, err := bd.bindFrom(j.L, sc)
	if err != nil {
		return nil, nil, err
	}
	rels, plan, err := bd.unnestLateral(t, lrels, lplan, sc)
	if err != nil {
		return nil, nil, err
	}
	if j.On == nil {
		return rels, plan, nil
	}
	e, err := bd.bindExpr(j.On, &scope{rels: rels, parent: sc.parent, ctes: sc.ctes}, exprCtx{clause: "in ON"})
	if err != nil {
		return nil, nil, err
	}
	if t := e.Type(); t.ID() != arrow.BOOL && t.ID() != arrow.NULL {
		return nil, nil, posErr(j.On.Position(), "ON needs a BOOLEAN condition, not %s", exec.TypeName(t))
	}
	return rels, filterOver(plan, splitConjuncts(e)), nil
}
