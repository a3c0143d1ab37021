package parser

import (
	"strconv"
	"strings"
)

// Format prints a statement as canonical SQL: upper-case keywords, one
// space between tokens, identifiers quoted only when needed, strings with
// doubled quotes, and only the parentheses the tree's shape requires.
// Parsing the result gives back the same tree (positions aside).
//
// Everything is on one line except CREATE TABLE, which puts each column
// on its own line (it is the text schema sidecar files hold).
//
// Canonical choices: x::T prints as CAST(x AS T); != as <>; ASC is
// omitted; aliases always take AS; USING SAMPLE 10% prints as
// USING SAMPLE 10 PERCENT; POSITION(5) as POSITION(5:5); NULLIF values as
// strings; WITH values that are plain lower-case words print bare
// (format = text), other strings quoted.
func Format(s Statement) string { return s.String() }

// FormatExpr prints an expression as canonical SQL.
func FormatExpr(e Expr) string { return e.String() }

// QuoteIdent returns name as it must be written in SQL: bare when it is a
// lower-case identifier ([a-z_][a-z0-9_]*) that is not a reserved word,
// otherwise in double quotes with inner double quotes doubled.
func QuoteIdent(name string) string { return quoteIdent(name) }

func quoteIdent(name string) string {
	if isPlainIdent(name) && !isReserved(name) {
		return name
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

func isPlainIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' || ('a' <= c && c <= 'z') || (i > 0 && '0' <= c && c <= '9') {
			continue
		}
		return false
	}
	return true
}

// QuoteString returns s as an SQL string literal.
func QuoteString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// --- statements ---

func (s *Select) String() string {
	var b strings.Builder
	writeWith(&b, s.With)
	b.WriteString("SELECT ")
	if s.Distinct {
		b.WriteString("DISTINCT ")
	}
	for i, it := range s.Items {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(it.String())
	}
	if s.From != nil {
		b.WriteString(" FROM ")
		b.WriteString(s.From.String())
	}
	if s.Where != nil {
		b.WriteString(" WHERE ")
		b.WriteString(s.Where.String())
	}
	if s.GroupByAll {
		b.WriteString(" GROUP BY ALL")
	}
	if len(s.GroupBy) > 0 {
		b.WriteString(" GROUP BY ")
		writeExprList(&b, s.GroupBy)
	}
	if s.Having != nil {
		b.WriteString(" HAVING ")
		b.WriteString(s.Having.String())
	}
	writeWindowClauses(&b, s.Windows, s.Qualify)
	writeOrderLimit(&b, s.OrderBy, s.Limit, s.Offset)
	return b.String()
}

// writeWith prints "WITH cte, ... " when w is set.
func writeWith(b *strings.Builder, w *With) {
	if w == nil {
		return
	}
	b.WriteString("WITH ")
	for i, c := range w.CTEs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.String())
	}
	b.WriteString(" ")
}

// writeOrderLimit prints the ORDER BY, LIMIT and OFFSET of a query.
func writeOrderLimit(b *strings.Builder, order []*OrderItem, limit, offset Expr) {
	if len(order) > 0 {
		b.WriteString(" ORDER BY ")
		for i, o := range order {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(o.String())
		}
	}
	if limit != nil {
		b.WriteString(" LIMIT ")
		b.WriteString(limit.String())
	}
	if offset != nil {
		b.WriteString(" OFFSET ")
		b.WriteString(offset.String())
	}
}

// writeNames prints (a, b, c).
func writeNames(b *strings.Builder, names []string) {
	b.WriteString("(")
	for i, n := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quoteIdent(n))
	}
	b.WriteString(")")
}

func (c *CTE) String() string {
	var b strings.Builder
	b.WriteString(quoteIdent(c.Name))
	if c.Columns != nil {
		writeNames(&b, c.Columns)
	}
	b.WriteString(" AS ")
	switch c.Materialize {
	case Materialized:
		b.WriteString("MATERIALIZED ")
	case NotMaterialized:
		b.WriteString("NOT MATERIALIZED ")
	}
	b.WriteString("(")
	b.WriteString(c.Query.String())
	b.WriteString(")")
	return b.String()
}

// setOpLevel ranks set operators: INTERSECT binds tighter.
func setOpLevel(op string) int {
	if op == "INTERSECT" {
		return 2
	}
	return 1
}

// hasQueryClauses reports whether q has a WITH, ORDER BY, LIMIT or
// OFFSET, which as a set-operation operand needs parentheses.
func hasQueryClauses(q Query) bool {
	with, order, limit, offset, ok := queryClauses(q)
	return ok && (*with != nil || len(*order) > 0 || *limit != nil || *offset != nil)
}

// setOperand prints an operand of parent, in parentheses where the
// operator levels or the operand's own clauses need them.
func setOperand(q Query, parent *SetOp, right bool) string {
	paren := hasQueryClauses(q)
	if s, ok := q.(*SetOp); ok {
		l, pl := setOpLevel(s.Op), setOpLevel(parent.Op)
		paren = paren || l < pl || (right && l == pl)
	}
	if paren {
		return "(" + q.String() + ")"
	}
	return q.String()
}

func (s *SetOp) String() string {
	var b strings.Builder
	writeWith(&b, s.With)
	b.WriteString(setOperand(s.L, s, false))
	b.WriteString(" ")
	b.WriteString(s.Op)
	if s.All {
		b.WriteString(" ALL")
	}
	b.WriteString(" ")
	b.WriteString(setOperand(s.R, s, true))
	writeOrderLimit(&b, s.OrderBy, s.Limit, s.Offset)
	return b.String()
}

func (v *Values) String() string {
	var b strings.Builder
	b.WriteString("VALUES ")
	for i, row := range v.Rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(")
		writeExprList(&b, row)
		b.WriteString(")")
	}
	return b.String()
}

func writeExprList(b *strings.Builder, list []Expr) {
	for i, e := range list {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(e.String())
	}
}

func (it *SelectItem) String() string {
	switch {
	case it.Star && it.Table != "":
		return quoteIdent(it.Table) + ".*"
	case it.Star:
		s := "*"
		if len(it.Exclude) > 0 {
			names := make([]string, len(it.Exclude))
			for i, n := range it.Exclude {
				names[i] = quoteIdent(n)
			}
			s += " EXCLUDE (" + strings.Join(names, ", ") + ")"
		}
		if len(it.Replace) > 0 {
			parts := make([]string, len(it.Replace))
			for i, r := range it.Replace {
				parts[i] = r.Expr.String() + " AS " + quoteIdent(r.Name)
			}
			s += " REPLACE (" + strings.Join(parts, ", ") + ")"
		}
		return s
	case it.Alias != "":
		return it.Expr.String() + " AS " + quoteIdent(it.Alias)
	}
	return it.Expr.String()
}

func (t *TableRef) String() string {
	var b strings.Builder
	switch {
	case t.Unnest != nil:
		b.WriteString(t.Unnest.String())
	case t.Func != nil:
		b.WriteString(t.Func.String())
	case t.Path != "" || t.Name == "":
		b.WriteString(QuoteString(t.Path))
	default:
		b.WriteString(quoteIdent(t.Name))
	}
	writeAlias(&b, t.Alias, t.Columns)
	if t.Sample != nil {
		b.WriteString(" ")
		b.WriteString(t.Sample.String())
	}
	return b.String()
}

func (u *UnnestFrom) String() string {
	var b strings.Builder
	b.WriteString("UNNEST(")
	writeExprList(&b, u.Lists)
	b.WriteString(")")
	if u.Ordinality {
		b.WriteString(" WITH ORDINALITY")
	}
	return b.String()
}

func (f *TableFunc) String() string {
	args := make([]string, len(f.Args))
	for i, a := range f.Args {
		args[i] = a.Value.String()
		if a.Name != "" {
			args[i] = quoteIdent(a.Name) + " => " + args[i]
		}
	}
	return quoteIdent(f.Name) + "(" + strings.Join(args, ", ") + ")"
}

func (v *ArgValue) String() string {
	switch {
	case v.IsList:
		items := make([]string, len(v.List))
		for i, x := range v.List {
			items[i] = x.String()
		}
		return "[" + strings.Join(items, ", ") + "]"
	case v.IsStruct:
		items := make([]string, len(v.Fields))
		for i, f := range v.Fields {
			items[i] = QuoteString(f.Key) + ": " + f.Value.String()
		}
		return "{" + strings.Join(items, ", ") + "}"
	}
	return v.Lit.String()
}

// writeAlias prints " AS alias(cols)" for a FROM item.
func writeAlias(b *strings.Builder, alias string, cols []string) {
	if alias != "" {
		b.WriteString(" AS ")
		b.WriteString(quoteIdent(alias))
	}
	if cols != nil {
		writeNames(b, cols)
	}
}

func (t *DerivedTable) String() string {
	var b strings.Builder
	b.WriteString("(")
	b.WriteString(t.Query.String())
	b.WriteString(")")
	writeAlias(&b, t.Alias, t.Columns)
	return b.String()
}

// String prints the join. A comma binds looser than JOIN and joins
// associate to the left, so a comma join under a JOIN, and any join as a
// right operand (but a JOIN right of a comma), is parenthesised.
func (j *Join) String() string {
	var b strings.Builder
	if l, ok := j.L.(*Join); ok && l.Comma && !j.Comma {
		b.WriteString("(" + l.String() + ")")
	} else {
		b.WriteString(j.L.String())
	}
	if j.Comma {
		b.WriteString(", ")
	} else {
		b.WriteString(" ")
		if j.Natural {
			b.WriteString("NATURAL ")
		}
		b.WriteString(j.Kind.String())
		b.WriteString(" ")
	}
	if r, ok := j.R.(*Join); ok && (r.Comma || !j.Comma) {
		b.WriteString("(" + r.String() + ")")
	} else {
		b.WriteString(j.R.String())
	}
	if j.On != nil {
		b.WriteString(" ON ")
		b.WriteString(j.On.String())
	}
	if j.Using != nil {
		b.WriteString(" USING ")
		writeNames(&b, j.Using)
	}
	return b.String()
}

func (sm *Sample) String() string {
	unit := " ROWS"
	if sm.Percent {
		unit = " PERCENT"
	}
	return "USING SAMPLE " + strconv.FormatFloat(sm.N, 'g', -1, 64) + unit
}

func (o *OrderItem) String() string {
	var s string
	if o.All {
		s = "ALL"
	} else {
		s = o.Expr.String()
	}
	if o.Desc {
		s += " DESC"
	}
	if o.NullsFirst != nil {
		if *o.NullsFirst {
			s += " NULLS FIRST"
		} else {
			s += " NULLS LAST"
		}
	}
	return s
}

func (s *Explain) String() string {
	if s.Analyze {
		return "EXPLAIN ANALYZE " + s.Stmt.String()
	}
	return "EXPLAIN " + s.Stmt.String()
}

func (s *Summarize) String() string {
	switch {
	case s.Query != nil:
		return "SUMMARIZE " + s.Query.String()
	case s.Path != "" || s.Name == "":
		return "SUMMARIZE " + QuoteString(s.Path)
	}
	return "SUMMARIZE " + quoteIdent(s.Name)
}

func (s *Describe) String() string {
	if s.Query != nil {
		return "DESCRIBE " + s.Query.String()
	}
	if s.Path != "" || s.Name == "" {
		return "DESCRIBE " + QuoteString(s.Path)
	}
	return "DESCRIBE " + quoteIdent(s.Name)
}

func (s *ShowTables) String() string { return "SHOW TABLES" }

func (s *Set) String() string {
	v := s.Value.String()
	if c, ok := s.Value.(*ColumnRef); ok && c.Table == "" && isPlainIdent(c.Name) {
		v = c.Name // SET accepts any bare word, even a reserved one: SET x = on
	}
	return "SET " + quoteIdent(s.Name) + " = " + v
}

func (s *DropView) String() string {
	if s.IfExists {
		return "DROP VIEW IF EXISTS " + quoteIdent(s.Name)
	}
	return "DROP VIEW " + quoteIdent(s.Name)
}

// String prints the view with its query in canonical form (SQL keeps the
// text as written).
func (s *CreateView) String() string {
	var b strings.Builder
	b.WriteString("CREATE ")
	if s.OrReplace {
		b.WriteString("OR REPLACE ")
	}
	b.WriteString("VIEW ")
	if s.IfNotExists {
		b.WriteString("IF NOT EXISTS ")
	}
	b.WriteString(quoteIdent(s.Name))
	if s.Columns != nil {
		writeNames(&b, s.Columns)
	}
	b.WriteString(" AS ")
	b.WriteString(s.Query.String())
	return b.String()
}

func (s *DropTable) String() string {
	if s.IfExists {
		return "DROP TABLE IF EXISTS " + quoteIdent(s.Name)
	}
	return "DROP TABLE " + quoteIdent(s.Name)
}

func (s *CreateTableAs) String() string {
	var b strings.Builder
	b.WriteString("CREATE ")
	if s.OrReplace {
		b.WriteString("OR REPLACE ")
	}
	b.WriteString("TABLE ")
	if s.IfNotExists {
		b.WriteString("IF NOT EXISTS ")
	}
	b.WriteString(quoteIdent(s.Name))
	b.WriteString(" AS ")
	b.WriteString(s.Query.String())
	return b.String()
}

func (s *CreateTable) String() string {
	var b strings.Builder
	b.WriteString("CREATE TABLE ")
	if s.IfNotExists {
		b.WriteString("IF NOT EXISTS ")
	}
	b.WriteString(quoteIdent(s.Name))
	if s.Copybook != "" {
		b.WriteString(" FROM COPYBOOK " + QuoteString(s.Copybook))
	} else {
		b.WriteString(" (\n")
		for i, c := range s.Columns {
			b.WriteString("    ")
			b.WriteString(c.String())
			if i < len(s.Columns)-1 {
				b.WriteString(",")
			}
			b.WriteString("\n")
		}
		b.WriteString(")")
	}
	if len(s.Options) > 0 {
		b.WriteString(" WITH (")
		for i, o := range s.Options {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(o.String())
		}
		b.WriteString(")")
	}
	return b.String()
}

func (c *ColumnDef) String() string {
	var b strings.Builder
	b.WriteString(quoteIdent(c.Name))
	b.WriteString(" ")
	if c.Members != nil {
		b.WriteString("STRUCT(")
		for i, m := range c.Members {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(m.String())
		}
		b.WriteString(")")
	} else {
		b.WriteString(c.Type.String())
	}
	for _, o := range c.Options {
		b.WriteString(" ")
		b.WriteString(o.String())
	}
	return b.String()
}

func (t *TypeName) String() string {
	if len(t.Params) == 0 {
		return t.Name
	}
	var b strings.Builder
	b.WriteString(t.Name)
	b.WriteString("(")
	for i, p := range t.Params {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(strconv.Itoa(p))
	}
	b.WriteString(")")
	return b.String()
}

func (o *ColumnOption) String() string {
	switch o.Kind {
	case OptPosition:
		return "POSITION(" + strconv.Itoa(o.Int1) + ":" + strconv.Itoa(o.Int2) + ")"
	case OptOffset:
		return "OFFSET " + strconv.Itoa(o.Int1)
	case OptWidth:
		return "WIDTH " + strconv.Itoa(o.Int1)
	case OptImplied:
		if o.Int2 == 0 {
			return "IMPLIED"
		}
		return "IMPLIED DECIMALS " + strconv.Itoa(o.Int1)
	case OptSign:
		if o.Int1 == 1 {
			return "SIGN " + strings.ToUpper(o.Str) + " SEPARATE"
		}
		return "SIGN " + strings.ToUpper(o.Str)
	case OptCodePage:
		return "CODEPAGE " + QuoteString(o.Str)
	case OptOccurs:
		s := "OCCURS " + strconv.Itoa(o.Int1) + " TIMES"
		if o.Int3 > 0 {
			s = "OCCURS " + strconv.Itoa(o.Int3) + " TO " + strconv.Itoa(o.Int1) + " TIMES"
		}
		if o.Str != "" {
			s += " DEPENDING ON " + quoteIdent(o.Str)
		}
		if o.Int2 > 0 {
			s += " STRIDE " + strconv.Itoa(o.Int2)
		}
		return s
	case OptFormat:
		return "FORMAT " + QuoteString(o.Str)
	case OptNullIf:
		if len(o.Strs) == 1 {
			return "NULLIF " + QuoteString(o.Strs[0])
		}
		q := make([]string, len(o.Strs))
		for i, s := range o.Strs {
			q[i] = QuoteString(s)
		}
		return "NULLIF (" + strings.Join(q, ", ") + ")"
	case OptTrim:
		return "TRIM " + strings.ToUpper(o.Str)
	}
	return o.Kind.String()
}

func (o *TableOption) String() string {
	return quoteIdent(o.Key) + " = " + optionValueString(o.Value)
}

// optionValueString prints an option's value, a bare word as a word
// (format = text).
func optionValueString(v *Literal) string {
	if v.Kind == LitString && isPlainIdent(v.Text) && !isReserved(v.Text) {
		return v.Text
	}
	return v.String()
}

func (s *Copy) String() string {
	var b strings.Builder
	b.WriteString("COPY ")
	if s.Table != "" {
		b.WriteString(quoteIdent(s.Table))
	} else {
		b.WriteString("(")
		b.WriteString(s.Query.String())
		b.WriteString(")")
	}
	b.WriteString(" TO ")
	b.WriteString(QuoteString(s.To))
	if len(s.Options) > 0 {
		b.WriteString(" (")
		for i, o := range s.Options {
			if i > 0 {
				b.WriteString(", ")
			}
			if isPlainIdent(o.Key) {
				b.WriteString(strings.ToUpper(o.Key)) // any word is a key, reserved or not
			} else {
				b.WriteString(quoteIdent(o.Key))
			}
			if o.Value != nil {
				b.WriteString(" ")
				b.WriteString(optionValueString(o.Value))
			}
			if o.List != nil {
				b.WriteString(" (")
				for k, v := range o.List {
					if k > 0 {
						b.WriteString(", ")
					}
					b.WriteString(optionValueString(v))
				}
				b.WriteString(")")
			}
		}
		b.WriteString(")")
	}
	return b.String()
}

// --- expressions ---

// Precedence levels, loosest first.
const (
	precOr = iota + 1
	precAnd
	precNot
	precCmp
	precConcat
	precAdd
	precMul
	precUnary
	precPrimary
)

func precedence(e Expr) int {
	switch e := e.(type) {
	case *Binary:
		switch e.Op {
		case "OR":
			return precOr
		case "AND":
			return precAnd
		case "||":
			return precConcat
		case "+", "-":
			return precAdd
		case "*", "/", "%":
			return precMul
		}
		return precCmp
	case *Unary:
		if e.Op == "NOT" {
			return precNot
		}
		return precUnary
	case *IsNull, *Between, *InList, *InSubquery, *Quantified:
		return precCmp
	case *Exists:
		if e.Not {
			return precNot
		}
	}
	return precPrimary
}

// wrap prints e, in parentheses when its precedence is below min.
func wrap(e Expr, min int) string {
	if precedence(e) < min {
		return "(" + e.String() + ")"
	}
	return e.String()
}

func (e *Literal) String() string {
	switch e.Kind {
	case LitString:
		return QuoteString(e.Text)
	case LitBool:
		return strings.ToUpper(e.Text)
	case LitNull:
		return "NULL"
	case LitDate:
		return "DATE " + QuoteString(e.Text)
	case LitTimestamp:
		return "TIMESTAMP " + QuoteString(e.Text)
	case LitInterval:
		return "INTERVAL " + QuoteString(e.Text)
	}
	return e.Text
}

func (e *Interval) String() string {
	return "INTERVAL " + e.Value.String() + " " + e.Unit
}

func (e *ColumnRef) String() string {
	if e.Table != "" {
		return quoteIdent(e.Table) + "." + quoteIdent(e.Name)
	}
	return quoteIdent(e.Name)
}

func (e *Param) String() string {
	if e.Dollar {
		return "$" + strconv.Itoa(e.Index)
	}
	return "?"
}

func (e *Unary) String() string {
	if e.Op == "NOT" {
		return "NOT " + wrap(e.X, precNot)
	}
	if u, ok := e.X.(*Unary); ok && u.Op != "NOT" {
		// Avoid "--x", which would start a comment.
		return e.Op + "(" + e.X.String() + ")"
	}
	return e.Op + wrap(e.X, precUnary)
}

func (e *Binary) String() string {
	p := precedence(e)
	op := e.Op
	if e.Not {
		op = "NOT " + op
	}
	if p == precCmp {
		// Comparisons do not chain: parenthesise any comparison operand.
		return wrap(e.L, precConcat) + " " + op + " " + wrap(e.R, precConcat)
	}
	return wrap(e.L, p) + " " + op + " " + wrap(e.R, p+1)
}

func (e *IsNull) String() string {
	if e.Not {
		return wrap(e.X, precConcat) + " IS NOT NULL"
	}
	return wrap(e.X, precConcat) + " IS NULL"
}

func (e *Between) String() string {
	not := ""
	if e.Not {
		not = "NOT "
	}
	return wrap(e.X, precConcat) + " " + not + "BETWEEN " + wrap(e.Lo, precConcat) + " AND " + wrap(e.Hi, precConcat)
}

func (e *InList) String() string {
	var b strings.Builder
	b.WriteString(wrap(e.X, precConcat))
	if e.Not {
		b.WriteString(" NOT")
	}
	b.WriteString(" IN (")
	writeExprList(&b, e.List)
	b.WriteString(")")
	return b.String()
}

func (e *Lambda) String() string {
	params := make([]string, len(e.Params))
	for i, p := range e.Params {
		params[i] = quoteIdent(p)
	}
	if len(params) == 1 {
		return params[0] + " -> " + e.Body.String()
	}
	return "(" + strings.Join(params, ", ") + ") -> " + e.Body.String()
}

func (e *Call) String() string {
	if e.Name == "list_extract" && len(e.Args) == 2 && !e.Star && !e.Distinct && e.OrderBy == nil && e.Filter == nil {
		// x[i] is parsed as list_extract(x, i).
		return wrap(e.Args[0], precPrimary) + "[" + e.Args[1].String() + "]"
	}
	if e.Name == "struct_extract" && len(e.Args) == 2 && !e.Star && !e.Distinct && e.OrderBy == nil && e.Filter == nil {
		// x.f after a subscript or a qualified name is parsed as
		// struct_extract(x, 'f').
		if f, ok := e.Args[1].(*Literal); ok && f.Kind == LitString {
			base := wrap(e.Args[0], precPrimary)
			if l, ok := e.Args[0].(*Literal); ok && (l.Kind == LitInteger || l.Kind == LitDecimal || l.Kind == LitFloat) {
				base = "(" + base + ")" // 0.a would lex as a number
			}
			return base + "." + quoteIdent(f.Text)
		}
	}
	if e.Name == "extract" && len(e.Args) == 2 && !e.Star && !e.Distinct {
		if f, ok := e.Args[0].(*Literal); ok && f.Kind == LitString && isPlainIdent(f.Text) && !isReserved(f.Text) {
			return "EXTRACT(" + strings.ToUpper(f.Text) + " FROM " + e.Args[1].String() + ")"
		}
	}
	var b strings.Builder
	switch e.Name {
	case "left", "right":
		b.WriteString(e.Name)
	default:
		b.WriteString(quoteIdent(e.Name))
	}
	b.WriteString("(")
	switch {
	case e.Star:
		b.WriteString("*")
	case e.Distinct:
		b.WriteString("DISTINCT ")
		fallthrough
	default:
		writeExprList(&b, e.Args)
	}
	for i, o := range e.OrderBy {
		if i == 0 {
			b.WriteString(" ORDER BY ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(o.String())
	}
	b.WriteString(")")
	if e.Filter != nil {
		b.WriteString(" FILTER (WHERE " + e.Filter.String() + ")")
	}
	return b.String()
}

func (e *List) String() string {
	var b strings.Builder
	b.WriteString("[")
	writeExprList(&b, e.Elems)
	b.WriteString("]")
	return b.String()
}

func (e *Cast) String() string {
	kw := "CAST("
	if e.Try {
		kw = "TRY_CAST("
	}
	return kw + e.X.String() + " AS " + e.Type.String() + ")"
}

func (e *Case) String() string {
	var b strings.Builder
	b.WriteString("CASE ")
	if e.Operand != nil {
		b.WriteString(e.Operand.String())
		b.WriteString(" ")
	}
	for _, w := range e.Whens {
		b.WriteString(w.String())
		b.WriteString(" ")
	}
	if e.Else != nil {
		b.WriteString("ELSE ")
		b.WriteString(e.Else.String())
		b.WriteString(" ")
	}
	b.WriteString("END")
	return b.String()
}

func (w *When) String() string {
	return "WHEN " + w.Cond.String() + " THEN " + w.Result.String()
}

func (e *Subquery) String() string { return "(" + e.Query.String() + ")" }

func (e *Exists) String() string {
	if e.Not {
		return "NOT EXISTS (" + e.Query.String() + ")"
	}
	return "EXISTS (" + e.Query.String() + ")"
}

func (e *InSubquery) String() string {
	not := ""
	if e.Not {
		not = " NOT"
	}
	return wrap(e.X, precConcat) + not + " IN (" + e.Query.String() + ")"
}

// String prints x op ANY (q) or x op ALL (q); SOME prints as ANY.
func (e *Quantified) String() string {
	q := " ANY ("
	if e.All {
		q = " ALL ("
	}
	return wrap(e.X, precConcat) + " " + e.Op + q + e.Query.String() + ")"
}
