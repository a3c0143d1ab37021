package parser

import (
	"strconv"
	"strings"
)

// Dump prints a statement's tree on one line in fully parenthesised prefix
// form, e.g. (SELECT (ITEMS (+ a (* b 2))) (FROM t)). It is meant for tests
// and debugging: unlike Format it shows every node, so precedence and
// associativity are visible. Statements other than SELECT and EXPLAIN are
// printed with Format.
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
	case *Select:
		b.WriteString("(SELECT ")
		if s.Distinct {
			b.WriteString("DISTINCT ")
		}
		b.WriteString("(ITEMS")
		for _, it := range s.Items {
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
		if s.From != nil {
			b.WriteString(" (FROM " + s.From.String() + ")")
		}
		dumpClause(b, "WHERE", s.Where)
		if len(s.GroupBy) > 0 {
			b.WriteString(" (GROUP BY")
			for _, e := range s.GroupBy {
				b.WriteString(" ")
				dumpExpr(b, e)
			}
			b.WriteString(")")
		}
		dumpClause(b, "HAVING", s.Having)
		if len(s.OrderBy) > 0 {
			b.WriteString(" (ORDER BY")
			for _, o := range s.OrderBy {
				b.WriteString(" ")
				if o.Desc || o.NullsFirst != nil {
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
		dumpClause(b, "LIMIT", s.Limit)
		dumpClause(b, "OFFSET", s.Offset)
		b.WriteString(")")
	default:
		b.WriteString(s.String())
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
		b.WriteString(")")
	case *Cast:
		b.WriteString("(CAST ")
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
		b.WriteString("(" + e.String() + ")")
	case *Param:
		b.WriteString("?" + strconv.Itoa(e.Index))
	case nil:
		b.WriteString("<nil>")
	default:
		b.WriteString(e.String())
	}
}
