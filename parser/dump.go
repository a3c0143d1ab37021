package parser

import (
	"strconv"
	"strings"
)

// Dump prints a statement's tree on one line in fully parenthesised prefix
// form, e.g. (SELECT (ITEMS (+ a (* b 2))) (FROM t)). It is meant for tests
// and debugging: unlike Format it shows every node, so precedence and
// associativity are visible. Statements other than queries, EXPLAIN and
// CREATE VIEW are printed with Format.
func Dump(s Statement) string {
	var b strings.Builder
	dumpStmt(&b, s)
	return b.String()
}

// DumpExpr prints an expression tree like Dump.
func DumpExpr(e Expr) string {
	var b strings.Builder
	dumpExpr(&b, e)
	return b.String()
}

func dumpStmt(b *strings.Builder, s Statement) {
	switch s := s.(type) {
	case *Explain:
		b.WriteString("(EXPLAIN ")
		if s.Analyze {
			b.WriteString("ANALYZE ")
		}
		dumpStmt(b, s.Stmt)
		b.WriteString(")")
	case *CreateView:
		b.WriteString("(CREATE VIEW ")
		if s.OrReplace {
			b.WriteString("OR REPLACE ")
		}
		if s.IfNotExists {
			b.WriteString("IF NOT EXISTS ")
		}
		b.WriteString(quoteIdent(s.Name))
		if s.Columns != nil {
			writeNames(b, s.Columns)
		}
		b.WriteString(" ")
		dumpQuery(b, s.Query)
		b.WriteString(")")
	case *CreateTableAs:
		b.WriteString("(CREATE TABLE ")
		if s.OrReplace {
			b.WriteString("OR REPLACE ")
		}
		if s.IfNotExists {
			b.WriteString("IF NOT EXISTS ")
		}
		b.WriteString(quoteIdent(s.Name) + " ")
		dumpQuery(b, s.Query)
		b.WriteString(")")
	case Query:
		dumpQuery(b, s)
	default:
		b.WriteString(s.String())
	}
}

// dumpQuery prints a query: (SELECT ...), (UNION [ALL] L R ...) or
// (VALUES (row) ...), with (WITH (name(cols) query) ...) first when set.
func dumpQuery(b *strings.Builder, q Query) {
	switch q := q.(type) {
	case *Select:
		b.WriteString("(SELECT ")
		dumpWith(b, q.With)
		if q.Distinct {
			b.WriteString("DISTINCT ")
		}
		b.WriteString("(ITEMS")
		for _, it := range q.Items {
			b.WriteString(" ")
			switch {
			case it.Star:
				b.WriteString(it.String())
			case it.Alias != "":
				b.WriteString("(AS ")
				dumpExpr(b, it.Expr)
				b.WriteString(" " + quoteIdent(it.Alias) + ")")
			default:
				dumpExpr(b, it.Expr)
			}
		}
		b.WriteString(")")
		if q.From != nil {
			b.WriteString(" (FROM ")
			dumpTable(b, q.From)
			b.WriteString(")")
		}
		dumpClause(b, "WHERE", q.Where)
		if q.GroupByAll {
			b.WriteString(" (GROUP BY ALL)")
		}
		if len(q.GroupBy) > 0 {
			b.WriteString(" (GROUP BY ")
			dumpList(b, q.GroupBy)
			b.WriteString(")")
		}
		dumpClause(b, "HAVING", q.Having)
		for _, d := range q.Windows {
			b.WriteString(" (WINDOW " + d.String() + ")")
		}
		dumpClause(b, "QUALIFY", q.Qualify)
		dumpOrderLimit(b, q.OrderBy, q.Limit, q.Offset)
		b.WriteString(")")
	case *SetOp:
		b.WriteString("(" + q.Op)
		if q.All {
			b.WriteString(" ALL")
		}
		b.WriteString(" ")
		dumpWith(b, q.With)
		dumpQuery(b, q.L)
		b.WriteString(" ")
		dumpQuery(b, q.R)
		dumpOrderLimit(b, q.OrderBy, q.Limit, q.Offset)
		b.WriteString(")")
	case *Values:
		b.WriteString("(VALUES")
		for _, row := range q.Rows {
			b.WriteString(" (")
			dumpList(b, row)
			b.WriteString(")")
		}
		b.WriteString(")")
	case nil:
		b.WriteString("<nil>")
	}
}

func dumpWith(b *strings.Builder, w *With) {
	if w == nil {
		return
	}
	b.WriteString("(WITH")
	for _, c := range w.CTEs {
		b.WriteString(" (" + quoteIdent(c.Name))
		if c.Columns != nil {
			writeNames(b, c.Columns)
		}
		switch c.Materialize {
		case Materialized:
			b.WriteString(" MATERIALIZED")
		case NotMaterialized:
			b.WriteString(" NOT MATERIALIZED")
		}
		b.WriteString(" ")
		dumpQuery(b, c.Query)
		b.WriteString(")")
	}
	b.WriteString(") ")
}

func dumpOrderLimit(b *strings.Builder, order []*OrderItem, limit, offset Expr) {
	if len(order) > 0 {
		b.WriteString(" (ORDER BY")
		for _, o := range order {
			b.WriteString(" ")
			if o.All {
				b.WriteString(o.String())
			} else if o.Desc || o.NullsFirst != nil {
				b.WriteString("(")
				dumpExpr(b, o.Expr)
				b.WriteString(strings.TrimPrefix(o.String(), o.Expr.String()))
				b.WriteString(")")
			} else {
				dumpExpr(b, o.Expr)
			}
		}
		b.WriteString(")")
	}
	dumpClause(b, "LIMIT", limit)
	dumpClause(b, "OFFSET", offset)
}

// dumpTable prints a FROM item: a table as in SQL, (DERIVED query alias
// (cols)), or (JOIN L R (ON cond)) with the join's keywords; a comma is
// (, L R).
func dumpTable(b *strings.Builder, t TableExpr) {
	switch t := t.(type) {
	case *TableRef:
		b.WriteString(t.String())
	case *DerivedTable:
		b.WriteString("(DERIVED ")
		dumpQuery(b, t.Query)
		writeAlias(b, t.Alias, t.Columns)
		b.WriteString(")")
	case *Join:
		switch {
		case t.Comma:
			b.WriteString("(,")
		case t.Natural:
			b.WriteString("(NATURAL " + t.Kind.String())
		default:
			b.WriteString("(" + t.Kind.String())
		}
		b.WriteString(" ")
		dumpTable(b, t.L)
		b.WriteString(" ")
		dumpTable(b, t.R)
		dumpClause(b, "ON", t.On)
		if t.Using != nil {
			b.WriteString(" (USING ")
			writeNames(b, t.Using)
			b.WriteString(")")
		}
		b.WriteString(")")
	case nil:
		b.WriteString("<nil>")
	}
}

func dumpClause(b *strings.Builder, name string, e Expr) {
	if e == nil {
		return
	}
	b.WriteString(" (" + name + " ")
	dumpExpr(b, e)
	b.WriteString(")")
}

func dumpList(b *strings.Builder, list []Expr) {
	for i, e := range list {
		if i > 0 {
			b.WriteString(" ")
		}
		dumpExpr(b, e)
	}
}

func dumpExpr(b *strings.Builder, e Expr) {
	switch e := e.(type) {
	case *Binary:
		b.WriteString("(")
		if e.Not {
			b.WriteString("NOT ")
		}
		b.WriteString(e.Op + " ")
		dumpExpr(b, e.L)
		b.WriteString(" ")
		dumpExpr(b, e.R)
		b.WriteString(")")
	case *Unary:
		b.WriteString("(" + e.Op + " ")
		dumpExpr(b, e.X)
		b.WriteString(")")
	case *IsNull:
		if e.Not {
			b.WriteString("(IS NOT NULL ")
		} else {
			b.WriteString("(IS NULL ")
		}
		dumpExpr(b, e.X)
		b.WriteString(")")
	case *Between:
		if e.Not {
			b.WriteString("(NOT BETWEEN ")
		} else {
			b.WriteString("(BETWEEN ")
		}
		dumpList(b, []Expr{e.X, e.Lo, e.Hi})
		b.WriteString(")")
	case *InList:
		if e.Not {
			b.WriteString("(NOT IN ")
		} else {
			b.WriteString("(IN ")
		}
		dumpExpr(b, e.X)
		b.WriteString(" (")
		dumpList(b, e.List)
		b.WriteString("))")
	case *Call:
		b.WriteString("(CALL " + quoteIdent(e.Name))
		if e.Star {
			b.WriteString(" *")
		}
		if e.Distinct {
			b.WriteString(" DISTINCT")
		}
		for _, a := range e.Args {
			b.WriteString(" ")
			dumpExpr(b, a)
		}
		for _, o := range e.OrderBy {
			b.WriteString(" (ORDER ")
			dumpExpr(b, o.Expr)
			if o.Desc {
				b.WriteString(" DESC")
			}
			b.WriteString(")")
		}
		if e.Filter != nil {
			b.WriteString(" (FILTER ")
			dumpExpr(b, e.Filter)
			b.WriteString(")")
		}
		b.WriteString(")")
	case *Lambda:
		b.WriteString("(LAMBDA (" + strings.Join(e.Params, " ") + ") ")
		dumpExpr(b, e.Body)
		b.WriteString(")")
	case *List:
		b.WriteString("(LIST")
		for _, x := range e.Elems {
			b.WriteString(" ")
			dumpExpr(b, x)
		}
		b.WriteString(")")
	case *WindowCall:
		dumpWindowCall(b, e)
	case *Cast:
		if e.Try {
			b.WriteString("(TRY_CAST ")
		} else {
			b.WriteString("(CAST ")
		}
		dumpExpr(b, e.X)
		b.WriteString(" " + e.Type.String() + ")")
	case *Case:
		b.WriteString("(CASE")
		if e.Operand != nil {
			b.WriteString(" ")
			dumpExpr(b, e.Operand)
		}
		for _, w := range e.Whens {
			b.WriteString(" (WHEN ")
			dumpExpr(b, w.Cond)
			b.WriteString(" ")
			dumpExpr(b, w.Result)
			b.WriteString(")")
		}
		if e.Else != nil {
			b.WriteString(" (ELSE ")
			dumpExpr(b, e.Else)
			b.WriteString(")")
		}
		b.WriteString(")")
	case *Interval:
		b.WriteString("(INTERVAL ")
		dumpExpr(b, e.Value)
		b.WriteString(" " + e.Unit + ")")
	case *Subquery:
		b.WriteString("(SUBQUERY ")
		dumpQuery(b, e.Query)
		b.WriteString(")")
	case *Exists:
		if e.Not {
			b.WriteString("(NOT EXISTS ")
		} else {
			b.WriteString("(EXISTS ")
		}
		dumpQuery(b, e.Query)
		b.WriteString(")")
	case *InSubquery:
		if e.Not {
			b.WriteString("(NOT IN ")
		} else {
			b.WriteString("(IN ")
		}
		dumpExpr(b, e.X)
		b.WriteString(" ")
		dumpQuery(b, e.Query)
		b.WriteString(")")
	case *Quantified:
		q := " ANY "
		if e.All {
			q = " ALL "
		}
		b.WriteString("(" + e.Op + q)
		dumpExpr(b, e.X)
		b.WriteString(" ")
		dumpQuery(b, e.Query)
		b.WriteString(")")
	case *Param:
		b.WriteString("?" + strconv.Itoa(e.Index))
	case nil:
		b.WriteString("<nil>")
	default:
		b.WriteString(e.String())
	}
}
