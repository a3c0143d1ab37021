package parser

import (
	"math"
	"strconv"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// This file converts query expressions: WITH, set operations, SELECT,
// VALUES and the FROM clause (tables, derived tables, joins).

// query converts a query expression and gives it its WITH, ORDER BY,
// LIMIT and OFFSET.
func (c *converter) query(g *gQuery) Query {
	q := c.setOps(g)
	c.attachClauses(q, g)
	return q
}

func (c *converter) queryTerm(g *gQueryTerm) Query {
	switch {
	case g.Select != nil:
		return c.selectCore(g.Select)
	case g.FromFirst != nil:
		return c.fromFirst(g.FromFirst)
	case g.Values != nil:
		return c.values(g.Values)
	case g.Paren != nil:
		return c.query(g.Paren)
	}
	c.failf(Pos{Line: 1, Column: 1}, "internal error: empty query")
	return &Values{}
}

// setOps folds the operand chain of g: INTERSECT binds tighter than UNION
// and EXCEPT, and each level associates to the left.
func (c *converter) setOps(g *gQuery) Query {
	term := c.queryTerm(g.Left)
	var (
		acc     Query   // the UNION/EXCEPT level so far
		pending *gSetOp // the UNION/EXCEPT waiting for its right operand
	)
	for _, op := range g.Right {
		x := c.queryTerm(op.X)
		if strings.EqualFold(op.Op, "INTERSECT") {
			term = newSetOp(op, term, x)
			continue
		}
		if pending == nil {
			acc = term
		} else {
			acc = newSetOp(pending, acc, term)
		}
		pending, term = op, x
	}
	if pending == nil {
		return term
	}
	return newSetOp(pending, acc, term)
}

func newSetOp(g *gSetOp, l, r Query) *SetOp {
	return &SetOp{Pos: lpos(g.Pos), Op: strings.ToUpper(g.Op), All: strings.EqualFold(g.Quant, "ALL"), L: l, R: r}
}

// queryClauses returns pointers to the WITH, ORDER BY, LIMIT and OFFSET
// of a SELECT or set operation; ok is false for VALUES.
func queryClauses(q Query) (with **With, order *[]*OrderItem, limit, offset *Expr, ok bool) {
	switch q := q.(type) {
	case *Select:
		return &q.With, &q.OrderBy, &q.Limit, &q.Offset, true
	case *SetOp:
		return &q.With, &q.OrderBy, &q.Limit, &q.Offset, true
	}
	return nil, nil, nil, nil, false
}

// attachClauses gives q the WITH, ORDER BY, LIMIT and OFFSET written
// around it in g. q is a fresh SELECT or set operation, or a query that
// was written in parentheses and may have clauses of its own; those may
// not be given twice.
func (c *converter) attachClauses(q Query, g *gQuery) {
	if g.With == nil && g.Order == nil && g.LimitKw == nil {
		return
	}
	with, order, limit, offset, ok := queryClauses(q)
	if g.With != nil {
		switch {
		case !ok:
			c.failf(lpos(g.With.Pos), "WITH cannot precede VALUES; write WITH ... SELECT * FROM (VALUES ...) AS v")
		case *with != nil:
			c.failf(lpos(g.With.Pos), "WITH is given twice: the parenthesised query has its own WITH; write all the names in one WITH")
		default:
			*with = c.with(g.With)
		}
	}
	if g.Order == nil && g.LimitKw == nil {
		return
	}
	kw := g.Order
	if kw == nil {
		kw = g.LimitKw
	}
	clause := strings.ToUpper(kw.Value)
	if clause == "ORDER" {
		clause = "ORDER BY"
	}
	switch {
	case !ok:
		c.failf(lpos(kw.Pos), "VALUES cannot take %s; select from it: SELECT * FROM (VALUES ...) AS v %s ...", clause, clause)
		return
	case len(*order) > 0 || *limit != nil || *offset != nil:
		c.failf(lpos(kw.Pos), "%s after a parenthesised query with its own ORDER BY or LIMIT is not supported; select from it instead: SELECT * FROM (...) AS t %s ...", clause, clause)
		return
	}
	*order = c.orderBy(g.OrderBy)
	if a := g.OrderAll; a != nil {
		if _, isSelect := q.(*Select); !isSelect {
			c.failf(lpos(a.Pos), "ORDER BY ALL is only supported after a SELECT; list the columns of a set operation")
		}
		item := &OrderItem{Pos: lpos(a.Pos), All: true, Desc: strings.EqualFold(a.Dir, "DESC")}
		if a.Nulls != nil {
			first := strings.EqualFold(*a.Nulls, "FIRST")
			item.NullsFirst = &first
		}
		*order = []*OrderItem{item}
	}
	*limit = c.optExpr(g.Limit)
	*offset = c.optExpr(g.Offset)
}

func (c *converter) orderBy(items []*gOrderItem) []*OrderItem {
	var out []*OrderItem
	for _, o := range items {
		item := &OrderItem{Pos: lpos(o.Pos), Expr: c.expr(o.Expr), Desc: strings.EqualFold(o.Dir, "DESC")}
		if o.Nulls != nil {
			first := strings.EqualFold(*o.Nulls, "FIRST")
			item.NullsFirst = &first
		}
		out = append(out, item)
	}
	return out
}

func (c *converter) with(g *gWith) *With {
	if g.Recursive != nil {
		c.failf(lpos(g.Recursive.Pos), "WITH RECURSIVE is not supported")
	}
	w := &With{Pos: lpos(g.Pos)}
	seen := map[string]Pos{}
	for _, ct := range g.CTEs {
		cte := &CTE{Pos: lpos(ct.Pos), Name: ident(ct.Name), Columns: c.names(ct.Columns, "column")}
		switch {
		case ct.Not:
			cte.Materialize = NotMaterialized
		case ct.Materialized:
			cte.Materialize = Materialized
		}
		if prev, dup := seen[cte.Name]; dup {
			c.failf(cte.Pos, "WITH defines %s twice (first at %s)", quoteIdent(cte.Name), posStr(prev))
		}
		seen[cte.Name] = cte.Pos
		cte.Query = c.query(ct.Query)
		w.CTEs = append(w.CTEs, cte)
	}
	return w
}

// names converts a parenthesised name list (nil when absent), refusing
// duplicates; what names the items in the message ("column").
func (c *converter) names(g *gNameList, what string) []string {
	if g == nil {
		return nil
	}
	out := make([]string, 0, len(g.Names))
	for _, raw := range g.Names {
		n := ident(raw)
		for _, prev := range out {
			if prev == n {
				c.failf(lpos(g.Pos), "%s %s appears twice in the list", what, quoteIdent(n))
			}
		}
		out = append(out, n)
	}
	return out
}

func (c *converter) selectCore(g *gSelect) *Select {
	s := &Select{Pos: lpos(g.Pos), Distinct: g.Distinct}
	s.Items = c.selectItems(g.Items)
	if g.From != nil {
		s.From = c.from(g.From)
	}
	c.selectTail(s, g.Tail)
	return s
}

// fromFirst converts FROM t [SELECT items] ...: without SELECT it is
// SELECT *.
func (c *converter) fromFirst(g *gFromFirst) *Select {
	s := &Select{Pos: lpos(g.Pos), Distinct: g.Distinct, From: c.from(g.From)}
	if g.Select != nil {
		s.Items = c.selectItems(g.Items)
	} else {
		s.Items = []*SelectItem{{Pos: lpos(g.Pos), Star: true}}
	}
	c.selectTail(s, g.Tail)
	return s
}

func (c *converter) selectTail(s *Select, t *gSelectTail) {
	if t == nil {
		return
	}
	s.Where = c.optExpr(t.Where)
	s.GroupByAll = t.GroupAll
	for _, e := range t.GroupBy {
		s.GroupBy = append(s.GroupBy, c.expr(e))
	}
	s.Having = c.optExpr(t.Having)
	s.Windows = c.windowDefs(t.Windows)
	s.Qualify = c.optExpr(t.Qualify)
}

func (c *converter) selectItems(items []*gSelectItem) []*SelectItem {
	var out []*SelectItem
	for _, it := range items {
		item := &SelectItem{Pos: lpos(it.Pos)}
		switch {
		case it.Star:
			item.Star = true
			if x := it.Exclude; x != nil {
				if x.List != nil {
					item.Exclude = c.names(x.List, "EXCLUDE column")
				} else {
					item.Exclude = []string{ident(*x.Single)}
				}
			}
			for _, r := range it.Replace {
				item.Replace = append(item.Replace, &ReplaceItem{Pos: lpos(r.Pos), Expr: c.expr(r.X), Name: ident(r.Name)})
			}
		case starColumn(it.Expr) != nil:
			item.Star = true
			item.Table = ident(starColumn(it.Expr).First)
			if it.Alias != nil {
				c.failf(item.Pos, "%s.* cannot have an alias", quoteIdent(item.Table))
			}
		default:
			item.Expr = c.expr(it.Expr)
			if it.Alias != nil {
				item.Alias = ident(it.Alias.Name)
			}
		}
		out = append(out, item)
	}
	return out
}

func (c *converter) values(g *gValues) *Values {
	v := &Values{Pos: lpos(g.Pos)}
	for i, r := range g.Rows {
		row := make([]Expr, 0, len(r.Exprs))
		for _, e := range r.Exprs {
			row = append(row, c.expr(e))
		}
		if i > 0 && len(row) != len(v.Rows[0]) {
			c.failf(lpos(r.Pos), "VALUES rows must all have as many values as the first, %d; row %d has %d", len(v.Rows[0]), i+1, len(row))
		}
		v.Rows = append(v.Rows, row)
	}
	return v
}

// from converts a FROM list: commas make left-deep cross joins.
func (c *converter) from(g *gFrom) TableExpr {
	x := c.joinTree(g.Left)
	for _, it := range g.Right {
		x = &Join{Pos: lpos(it.Pos), Kind: JoinCross, Comma: true, L: x, R: c.joinTree(it.X)}
	}
	return x
}

var joinKinds = map[string]JoinKind{"": JoinInner, "INNER": JoinInner, "LEFT": JoinLeft, "RIGHT": JoinRight, "FULL": JoinFull, "CROSS": JoinCross}

func (c *converter) joinTree(g *gJoinTree) TableExpr {
	x := c.table(g.Left)
	for _, gj := range g.Joins {
		j := &Join{Pos: lpos(gj.Pos), Kind: joinKinds[strings.ToUpper(gj.Kind)], Natural: gj.Natural, L: x, R: c.table(gj.R)}
		if gj.On != nil {
			j.On = c.expr(gj.On)
		}
		if gj.Using != nil {
			j.Using = c.names(gj.Using, "USING column")
		}
		var cond Pos // where ON or USING was written
		switch {
		case j.On != nil:
			cond = j.On.Position()
		case gj.Using != nil:
			cond = lpos(gj.Using.Pos)
		}
		hasCond := j.On != nil || gj.Using != nil
		switch {
		case j.Kind == JoinCross && j.Natural:
			c.failf(j.Pos, "NATURAL CROSS JOIN is not valid: a cross join matches no columns; write CROSS JOIN or NATURAL JOIN")
		case j.Kind == JoinCross && hasCond:
			c.failf(cond, "CROSS JOIN takes no ON or USING; write JOIN ... ON for a join with a condition")
		case j.Natural && hasCond:
			c.failf(cond, "NATURAL JOIN takes no ON or USING: it matches the columns with the same names")
		case j.Kind != JoinCross && !j.Natural && !hasCond:
			c.failf(lpos(gj.EndPos), "%s needs ON condition or USING (columns); write CROSS JOIN to pair every row with every row", j.Kind)
		}
		x = j
	}
	return x
}

// table converts one FROM item.
func (c *converter) table(g *gTable) TableExpr {
	p := lpos(g.Pos)
	switch {
	case g.Derived != nil:
		d := &DerivedTable{Pos: p, Query: c.query(g.Derived)}
		if g.Alias != nil {
			d.Alias = ident(g.Alias.Name)
			d.Columns = c.names(g.Alias.Columns, "column")
		}
		if g.Sample != nil {
			c.failf(lpos(g.Sample.Pos), "USING SAMPLE applies to a table or a file, not to a subquery; sample the table inside it")
		}
		return d
	case g.Paren != nil:
		x := c.from(g.Paren)
		if g.Alias != nil {
			c.failf(lpos(g.Alias.Pos), "a parenthesised join cannot have an alias; give the tables inside it their aliases")
		}
		if g.Sample != nil {
			c.failf(lpos(g.Sample.Pos), "USING SAMPLE applies to a table or a file, not to a join; sample a table inside it")
		}
		return x
	}
	t := &TableRef{Pos: p}
	switch {
	case g.Unnest != nil:
		u := &UnnestFrom{Pos: lpos(g.Unnest.Pos), Ordinality: g.Unnest.Ordinality}
		for _, x := range g.Unnest.Lists {
			u.Lists = append(u.Lists, c.expr(x))
		}
		t.Unnest = u
	case g.Func != nil:
		t.Func = c.tableFunc(g.Func)
	case g.Name != nil:
		t.Name = ident(*g.Name)
	default:
		t.Path = unquote(*g.Path)
		if t.Path == "" {
			c.failf(t.Pos, "the file path is empty")
		}
	}
	if g.Alias != nil {
		t.Alias = ident(g.Alias.Name)
		t.Columns = c.names(g.Alias.Columns, "column")
	}
	if g.Sample != nil {
		t.Sample = c.sample(g.Sample)
	}
	return t
}

// tableFunc converts a table function call. Named arguments follow the
// positional ones and none is given twice.
func (c *converter) tableFunc(g *gTableFunc) *TableFunc {
	f := &TableFunc{Pos: lpos(g.Pos), Name: strings.ToLower(ident(g.Name))}
	seen := map[string]bool{}
	for _, a := range g.Args {
		arg := &FuncArg{Pos: lpos(a.Pos), Value: c.argValue(a.Value)}
		if a.Name != nil {
			arg.Name = strings.ToLower(ident(*a.Name))
			if seen[arg.Name] {
				c.failf(arg.Pos, "parameter %s of %s is given twice", arg.Name, f.Name)
			}
			seen[arg.Name] = true
		} else if len(seen) > 0 {
			c.failf(arg.Pos, "a positional argument of %s follows named ones; write the file first, then name => value", f.Name)
		}
		f.Args = append(f.Args, arg)
	}
	return f
}

// argValue converts a table function argument's value.
func (c *converter) argValue(g *gArgValue) *ArgValue {
	v := &ArgValue{Pos: lpos(g.Pos)}
	switch {
	case g.IsList:
		v.IsList = true
		for _, x := range g.List {
			v.List = append(v.List, c.argValue(x))
		}
	case g.Struct:
		v.IsStruct = true
		seen := map[string]bool{}
		for _, fg := range g.Fields {
			key := fg.Key
			if strings.HasPrefix(key, "'") {
				key = unquote(key)
			} else {
				key = ident(key)
			}
			if seen[strings.ToLower(key)] {
				c.failf(lpos(fg.Pos), "key %s is given twice", key)
			}
			seen[strings.ToLower(key)] = true
			v.Fields = append(v.Fields, &ArgField{Pos: lpos(fg.Pos), Key: key, Value: c.argValue(fg.Value)})
		}
	default:
		v.Lit = c.optionValue(g.Lit)
	}
	return v
}

func (c *converter) sample(g *gSample) *Sample {
	sm := &Sample{Pos: lpos(g.Pos), Percent: g.Unit == "%" || strings.EqualFold(g.Unit, "PERCENT")}
	np := lpos(g.N.Pos)
	n, err := strconv.ParseFloat(g.N.Value, 64)
	switch {
	case err != nil || math.IsInf(n, 0):
		c.failf(np, "sample size %s is out of range", g.N.Value)
	case sm.Percent && n > 100:
		c.failf(np, "sample percentage %s is more than 100", g.N.Value)
	case !sm.Percent && n != math.Trunc(n):
		c.failf(np, "a sample of ROWS needs a whole number, not %s (write PERCENT for a fraction of the rows)", g.N.Value)
	}
	sm.N = n
	return sm
}

// createView converts CREATE VIEW. The view keeps its query's source text,
// from the query's first token to the statement's last.
func (c *converter) createView(p Pos, orReplace *lexer.Token, g *gCreateView) *CreateView {
	v := &CreateView{Pos: p, Name: ident(g.Name), OrReplace: orReplace != nil, IfNotExists: g.IfNotExists != nil,
		Columns: c.names(g.Columns, "column")}
	if v.OrReplace && v.IfNotExists {
		c.failf(lpos(g.IfNotExists.Pos), "OR REPLACE and IF NOT EXISTS cannot be combined: choose one")
	}
	v.Query = c.query(g.Query)
	if n := len(c.toks); n > 0 {
		if start, end := g.Query.Pos.Offset, c.toks[n-1].end.Offset; start <= end && end <= len(c.src) {
			v.SQL = c.src[start:end]
		}
	}
	for _, t := range c.toks {
		if t.typ == tParam {
			c.failf(t.pos, "a view cannot have ? parameters: its query is stored and run later")
			break
		}
	}
	return v
}
