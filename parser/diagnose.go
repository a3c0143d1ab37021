package parser

import (
	"fmt"
	"strings"
)

// This file turns participle's failures ("unexpected token X (expected
// GPostfix)") into messages in plain words. Participle reports the token
// where the grammar got stuck; the rules below look at that token, the one
// before it and the clause and brackets around it.

type parseContext int

const (
	ctxStatement parseContext = iota
	ctxExpr
)

// diag holds what the rules need to know about a failure.
type diag struct {
	toks    []token
	i       int      // index of the offending token; len(toks) for the end
	t       token    // the offending token (typ EOF at the end)
	prev    token    // the token before it (typ 0 when none)
	open    []int    // indices of the '(' and CASE still open before i, innermost last
	queries []qframe // the query parentheses among open, innermost last
	clause  string   // the clause of the innermost query (or statement) at i
	// kind is the statement's first keyword, upper case ("" for ParseExpr);
	// "SELECT" for any query, "VIEW" for CREATE [OR REPLACE] VIEW.
	kind string
}

// qframe is a '(' that opens a query: its place in diag.open and the
// clause it interrupts.
type qframe struct {
	open   int
	clause string
}

func diagnose(toks []token, eof Pos, err error, ctx parseContext) *Error {
	lp, ok := participleError(err)
	if !ok {
		return internalError(err)
	}
	d := &diag{toks: toks, i: tokenAt(toks, lp.Offset)}
	// Participle backs out of a list element or operand that fails on its
	// first token and blames the separator: for "count(a, )" it reports the
	// ','. The real trouble is the token after it.
	if d.i < len(toks) {
		t := toks[d.i]
		switch {
		case (t.typ == tPunct && t.val != "(" && expectsExpr(t)) || t.isWord("DISTINCT"):
			if d.i+1 == len(toks) || !canStartExpr(toks[d.i+1]) {
				d.i++
			}
		case ctx == ctxStatement && strings.EqualFold(toks[0].val, "CREATE") && isWordTok(t) &&
			(inList(t.val, columnOptionKeywords) || t.isWord("DECIMALS")) && !t.isWord("NULL") && !t.isWord("TEXT"):
			// A layout option keyword whose arguments are wrong: the
			// grammar backed out of the option and blames its keyword.
			d.i++
		}
	}
	if d.i < len(toks) {
		d.t = toks[d.i]
	} else {
		d.t = token{typ: -1, pos: eof, end: eof}
	}
	if d.i > 0 {
		d.prev = toks[d.i-1]
	}
	if ctx == ctxStatement && len(toks) > 0 {
		d.kind = statementKind(toks)
	}
	// CREATE TABLE name AS query: past AS the query is diagnosed as a
	// statement of its own.
	if as := tableAsIndex(toks); d.kind == "CREATE" && as >= 0 && d.i > as+1 {
		q := &diag{toks: toks[as+1:], i: d.i - as - 1, t: d.t, prev: d.prev, kind: statementKind(toks[as+1:])}
		q.scan()
		at, msg := q.message(ctx)
		return &Error{Line: at.Line, Column: at.Column, Offset: at.Offset, Msg: msg}
	}
	d.scan()
	at, msg := d.message(ctx)
	return &Error{Line: at.Line, Column: at.Column, Offset: at.Offset, Msg: msg}
}

// statementKind names the kind of statement toks start, for diag.kind.
func statementKind(toks []token) string {
	w := strings.ToUpper(toks[0].val)
	switch {
	case toks[0].is("("), w == "WITH", w == "VALUES":
		return "SELECT"
	case w == "CREATE" && len(toks) > 3 && toks[1].isWord("OR") && toks[3].isWord("TABLE"):
		return "CREATE"
	case w == "CREATE" && len(toks) > 1 && (toks[1].isWord("VIEW") || toks[1].isWord("OR")):
		return "VIEW"
	}
	return w
}

// tableAsIndex returns the index of the AS of CREATE [OR REPLACE] TABLE
// [IF NOT EXISTS] name AS query, or -1.
func tableAsIndex(toks []token) int {
	i := 1
	if len(toks) > 2 && toks[1].isWord("OR") && toks[2].isWord("REPLACE") {
		i = 3
	}
	if len(toks) <= i || !toks[0].isWord("CREATE") || !toks[i].isWord("TABLE") {
		return -1
	}
	i++
	if len(toks) > i+2 && toks[i].isWord("IF") && toks[i+1].isWord("NOT") && toks[i+2].isWord("EXISTS") {
		i += 3
	}
	if len(toks) > i+1 && (toks[i].typ == tIdent || toks[i].typ == tQIdent) && toks[i+1].isWord("AS") {
		return i + 1
	}
	return -1
}

// scan finds the open brackets, the query parentheses and the current
// clause of the innermost query before the offending token.
func (d *diag) scan() {
	d.clause = ""
	for j := 0; j < d.i; j++ {
		t := d.toks[j]
		switch {
		case t.is("("), t.isWord("CASE"):
			d.open = append(d.open, j)
			if t.typ == tQParen {
				d.queries = append(d.queries, qframe{open: len(d.open) - 1, clause: d.clause})
				d.clause = ""
			}
		case t.is(")"):
			for len(d.open) > 0 {
				top := d.open[len(d.open)-1]
				d.open = d.open[:len(d.open)-1]
				if d.toks[top].is("(") {
					break
				}
			}
			if n := len(d.queries); n > 0 && d.queries[n-1].open >= len(d.open) {
				d.clause = d.queries[n-1].clause
				d.queries = d.queries[:n-1]
			}
		case t.isWord("END"):
			if n := len(d.open); n > 0 && d.toks[d.open[n-1]].isWord("CASE") {
				d.open = d.open[:n-1]
			}
		}
		if d.atQueryTop() && (t.typ == tKeyword || t.typ == tIdent) {
			w := strings.ToUpper(t.val)
			switch w {
			case "SELECT", "FROM", "WHERE", "HAVING", "LIMIT", "WITH", "VALUES", "UNION", "INTERSECT", "EXCEPT":
				d.clause = w
			case "GROUP", "ORDER":
				d.clause = w + " BY"
			case "OFFSET":
				if d.clause == "LIMIT" {
					d.clause = w
				}
			}
		}
	}
}

// atQueryTop reports whether the offending token is directly inside the
// innermost query (or statement), not inside brackets within it.
func (d *diag) atQueryTop() bool {
	base := 0
	if n := len(d.queries); n > 0 {
		base = d.queries[n-1].open + 1
	}
	return len(d.open) == base
}

// inSubquery reports whether the offending token is inside a query's
// parentheses.
func (d *diag) inSubquery() bool { return len(d.queries) > 0 }

// theEnd names what may end the current query in messages.
func (d *diag) theEnd() string {
	if d.inSubquery() {
		return "')'"
	}
	return "the end of the statement"
}

// tok returns token j, or a zero token when j is out of range.
func (d *diag) tok(j int) token {
	if j >= 0 && j < len(d.toks) {
		return d.toks[j]
	}
	return token{}
}

func (d *diag) atEnd() bool { return d.t.typ == -1 }

// found names the offending token for "found X" phrases.
func (d *diag) found() string {
	if d.atEnd() {
		return "the end of the statement"
	}
	return describe(d.t)
}

func posStr(p Pos) string { return fmt.Sprintf("line %d, column %d", p.Line, p.Column) }

func isWordTok(t token) bool { return t.typ == tKeyword || t.typ == tIdent }

// canStartExpr reports whether t can begin an expression.
func canStartExpr(t token) bool {
	switch t.typ {
	case tIdent, tQIdent, tInt, tDecimal, tFloat, tString, tParam:
		return true
	case tKeyword:
		switch strings.ToUpper(t.val) {
		case "NOT", "CASE", "CAST", "TRUE", "FALSE", "NULL", "LEFT", "RIGHT":
			return true
		}
	case tPunct, tQParen:
		return t.val == "(" || t.val == "-" || t.val == "+"
	}
	return false
}

// endsExpr reports whether t can end an expression.
func endsExpr(t token) bool {
	switch t.typ {
	case tIdent, tQIdent, tInt, tDecimal, tFloat, tString, tParam:
		return true
	case tKeyword:
		switch strings.ToUpper(t.val) {
		case "TRUE", "FALSE", "NULL", "END":
			return true
		}
	case tPunct:
		return t.val == ")"
	}
	return false
}

// expectsExpr reports whether an expression must follow t.
func expectsExpr(t token) bool {
	switch t.typ {
	case tPunct:
		switch t.val {
		case ",", "(", "+", "-", "*", "/", "%", "||", "=", "<>", "!=", "<", "<=", ">", ">=":
			return true
		}
	case tKeyword:
		switch strings.ToUpper(t.val) {
		case "SELECT", "DISTINCT", "WHERE", "HAVING", "BY", "AND", "OR", "NOT", "BETWEEN",
			"LIKE", "ILIKE", "WHEN", "THEN", "ELSE", "LIMIT", "ON":
			return true
		}
	case tIdent:
		return strings.EqualFold(t.val, "OFFSET")
	}
	return false
}

// message picks the message and the position to report.
func (d *diag) message(ctx parseContext) (Pos, string) {
	t, p := d.t, d.prev
	at := t.pos

	// The first token of a statement.
	if d.i == 0 {
		if ctx == ctxExpr {
			return at, "expected an expression, found " + d.found()
		}
		if isWordTok(t) {
			switch strings.ToUpper(t.val) {
			case "INSERT", "UPDATE", "DELETE", "MERGE", "ALTER", "TRUNCATE":
				return at, fmt.Sprintf("%s is not supported: recq reads files and never changes them", strings.ToUpper(t.val))
			}
			if at, msg, ok := d.firstWord(); ok {
				return at, msg
			}
			if s := suggest(t.val, statementKeywords); s != "" {
				return at, fmt.Sprintf("unknown statement %s; did you mean %s?", t.val, s)
			}
			return at, fmt.Sprintf("unknown statement %s; a statement starts with %s", t.val, statementStarts)
		}
		return at, fmt.Sprintf("expected a statement (%s), found %s", statementStarts, d.found())
	}
	if at, msg, ok := d.unsupported(); ok {
		return at, msg
	}

	// Brackets.
	if t.is(")") && len(d.open) == 0 {
		return at, "unmatched ')'"
	}
	if t.is("==") {
		return at, "'==' is not an SQL operator; use '=' to compare"
	}
	if p.is("->") {
		return at, "expected the lambda's body after '->', as in x -> x > 0, found " + d.found()
	}
	if p.isWord("WITH") && d.i >= 2 && d.tok(d.i-2).is(")") && d.sawBefore("UNNEST") >= 0 && !t.isWord("ORDINALITY") {
		return at, "expected ORDINALITY after WITH, as in UNNEST(days) WITH ORDINALITY AS u(value, n), found " + d.found()
	}
	if t.is("->") {
		return at, "a lambda (x -> expression) is only allowed as an argument of " + lambdaFunctions + ", as in list_filter(days, x -> x > 0)"
	}
	if t.isWord("SELECT") {
		return at, d.misplacedSelect()
	}
	if at, msg, ok := d.queryRules(); ok {
		return at, msg
	}

	// "AS FROM": the grammar took the keyword as the alias.
	if p.typ == tKeyword && d.tok(d.i-2).isWord("AS") {
		return p.pos, fmt.Sprintf("expected a name after AS, found %s (write \"%s\" to use it as a name)", strings.ToUpper(p.val), strings.ToLower(p.val))
	}
	if p.isWord("OFFSET") && d.clause != "LIMIT" && d.clause != "OFFSET" {
		return p.pos, "OFFSET needs LIMIT before it, as in LIMIT 10 OFFSET 20"
	}
	if t.isWord("OFFSET") && d.clause != "LIMIT" && d.atQueryTop() {
		return at, "OFFSET needs LIMIT before it, as in LIMIT 10 OFFSET 20"
	}

	// A keyword that must be followed by something specific.
	if at, msg, ok := d.afterKeyword(); ok {
		return at, msg
	}

	// A clause out of order or given twice.
	if d.atQueryTop() && d.kind != "CREATE" {
		if to, ok := clauseOrder[clauseName(t)]; ok {
			if co, ok := clauseOrder[d.clause]; ok && co >= to {
				if co == to {
					return at, fmt.Sprintf("%s is given twice", d.clause)
				}
				return at, fmt.Sprintf("%s must come before %s", clauseName(t), d.clause)
			}
		}
	}

	// An expression was expected.
	if expectsExpr(p) && !canStartExpr(t) {
		return at, d.expectedExpr()
	}

	// CREATE TABLE column list.
	if d.kind == "CREATE" && d.clause != "WITH" && len(d.open) == 1 && !t.is(")") && !t.is(",") && !d.atEnd() {
		if isWordTok(t) {
			if s := suggest(t.val, columnOptionKeywords); s != "" {
				return at, fmt.Sprintf("unknown column option %s; did you mean %s?", t.val, s)
			}
		}
		return at, fmt.Sprintf("unexpected %s in a column definition; expected a layout option (POSITION, OFFSET, WIDTH, TEXT, FORMAT, NULLIF, ...), ',' or ')'", d.found())
	}

	// Misspelled keywords: the offending word itself, or a word just before
	// it that the grammar took as an alias. A word in the place of a name
	// (FROM orders) is never a keyword, and the keyword must fit what
	// follows (ORDER needs BY), so a table called "orders" is not taken
	// for a misspelled ORDER.
	if t.typ == tIdent && d.atQueryTop() && len(t.val) >= 3 {
		if s := suggest(t.val, clauseKeywords, exprKeywords); s != "" && fitsBefore(s, d.tok(d.i+1)) {
			return at, fmt.Sprintf("unknown keyword %s; did you mean %s?", t.val, s)
		}
	}
	if p.typ == tIdent && d.i >= 2 && endsExpr(d.tok(d.i-2)) && !namePlace(d.tok(d.i-2)) {
		if s := suggest(p.val, clauseKeywords); s != "" && fitsBefore(s, t) {
			return p.pos, fmt.Sprintf("unknown keyword %s; did you mean %s?", p.val, s)
		}
	}

	// Inside a subscript, x[i, or a quantile's [list.
	if o := d.openSquare(); o >= 0 {
		return at, fmt.Sprintf("expected ']' to close '[' at %s, found %s", posStr(d.toks[o].pos), d.found())
	}

	// Inside brackets.
	if !d.atQueryTop() {
		return at, d.unclosed(d.open[len(d.open)-1])
	}
	if n := len(d.queries); n > 0 && d.atEnd() {
		return at, d.unclosed(d.open[d.queries[n-1].open])
	}

	// Clause level.
	switch d.clause {
	case "SELECT":
		switch {
		case t.isWord("WHERE"), t.isWord("GROUP"), t.isWord("HAVING"):
			return at, fmt.Sprintf("missing FROM clause before %s", strings.ToUpper(t.val))
		case d.atEnd():
		default:
			return at, "expected ',' or FROM before " + d.found()
		}
	case "FROM":
		if d.kind == "CREATE" && !d.atEnd() && d.prev.typ == tString && d.tok(d.i-2).isWord("COPYBOOK") {
			return at, "expected WITH (options) or " + d.theEnd() + " after FROM COPYBOOK 'path' (the columns come from the copybook), found " + d.found()
		}
		if !d.atEnd() {
			return at, fmt.Sprintf("expected JOIN, WHERE, GROUP BY, HAVING, ORDER BY, LIMIT or %s, found %s", d.theEnd(), d.found())
		}
	case "WHERE", "HAVING":
		if !d.atEnd() {
			return at, fmt.Sprintf("unexpected %s in the %s clause", d.found(), d.clause)
		}
	case "GROUP BY", "ORDER BY":
		if !d.atEnd() {
			return at, fmt.Sprintf("expected ',' or the end of the %s list, found %s", d.clause, d.found())
		}
	case "LIMIT", "OFFSET":
		if !d.atEnd() {
			return at, fmt.Sprintf("unexpected %s after %s", d.found(), d.clause)
		}
	}
	if d.atEnd() {
		return at, "the statement ends too early after " + describe(p)
	}
	if ctx == ctxExpr {
		return at, "unexpected " + d.found() + " after the expression"
	}
	if p.typ != 0 {
		return at, fmt.Sprintf("expected %s after %s, found %s", d.theEnd(), describe(p), d.found())
	}
	return at, "unexpected " + d.found()
}

// clauseOrder ranks the SELECT clauses in the order they must appear.
var clauseOrder = map[string]int{
	"FROM": 1, "WHERE": 2, "GROUP BY": 3, "HAVING": 4, "ORDER BY": 5, "LIMIT": 6, "OFFSET": 7,
}

// clauseName names the clause t starts, or "".
func clauseName(t token) string {
	if !isWordTok(t) {
		return ""
	}
	switch w := strings.ToUpper(t.val); w {
	case "FROM", "WHERE", "HAVING", "LIMIT":
		if t.typ == tKeyword {
			return w
		}
	case "GROUP", "ORDER":
		return w + " BY"
	}
	return ""
}

// namePlace reports whether the word after t stands where a name must:
// a table after FROM or JOIN or a FROM comma, so it is never a keyword.
func namePlace(t token) bool {
	return t.isWord("FROM") || t.isWord("JOIN") || t.isWord("AS")
}

// fitsBefore reports whether keyword kw could be followed by next, so a
// misspelling of kw is a plausible reading of the text.
func fitsBefore(kw string, next token) bool {
	switch kw {
	case "ORDER", "GROUP":
		return next.isWord("BY")
	case "FROM":
		return startsTable(next)
	case "USING":
		return next.isWord("SAMPLE") || next.is("(")
	case "WHERE", "HAVING", "LIMIT", "OFFSET", "AND", "OR", "NOT", "WHEN", "THEN", "ELSE", "BETWEEN", "LIKE", "ILIKE":
		return canStartExpr(next)
	case "IN":
		return next.is("(")
	}
	return true
}

func inList(w string, list []string) bool {
	for _, x := range list {
		if strings.EqualFold(w, x) {
			return true
		}
	}
	return false
}

// layoutList words errors inside IMPLIED DECIMALS -n and NULLIF (...),
// or returns "".
func (d *diag) layoutList() string {
	if d.kind != "CREATE" || d.clause == "WITH" {
		return ""
	}
	if d.prev.is("-") && d.tok(d.i-2).isWord("DECIMALS") {
		return "expected a number after DECIMALS -"
	}
	if len(d.open) > 0 && d.open[len(d.open)-1] > 0 && d.toks[d.open[len(d.open)-1]-1].isWord("NULLIF") {
		return "NULLIF takes quoted sentinels, as in NULLIF ('-9999', '')"
	}
	return ""
}

// expectedExpr words "expected an expression after X" for the context.
func (d *diag) expectedExpr() string {
	if msg := d.layoutList(); msg != "" {
		return msg
	}
	p := d.prev
	if d.kind == "CREATE" && (p.is(",") || p.is("(")) {
		if d.clause == "WITH" {
			return "expected an option (name = value) after " + describe(p)
		}
		return "expected a column definition after " + describe(p)
	}
	if p.is("(") && d.tok(d.i-2).isWord("IN") {
		return "IN needs at least one value, as in IN (1, 2)"
	}
	if p.is("=") && d.kind == "SET" {
		return "expected a value after '='"
	}
	return "expected an expression after " + describe(p)
}

// openSquare returns the '[' innermost among the brackets still open
// before the offending token, or -1 when the innermost is not a '['.
func (d *diag) openSquare() int {
	var stack []int
	for j := 0; j < d.i; j++ {
		t := d.toks[j]
		switch {
		case t.is("("), t.is("["):
			stack = append(stack, j)
		case (t.is(")") || t.is("]")) && len(stack) > 0:
			stack = stack[:len(stack)-1]
		}
	}
	if n := len(stack); n > 0 && d.toks[stack[n-1]].is("[") {
		return stack[n-1]
	}
	return -1
}

// unclosed explains a failure inside the bracket or CASE opened at toks[o].
func (d *diag) unclosed(o int) string {
	t := d.t
	op := d.toks[o]
	if op.isWord("CASE") {
		last := ""
		for j := o + 1; j < d.i; j++ {
			if w := d.toks[j]; w.isWord("WHEN") || w.isWord("THEN") || w.isWord("ELSE") {
				last = strings.ToUpper(w.val)
			}
		}
		switch {
		case last == "WHEN":
			return "expected THEN after the WHEN condition, found " + d.found()
		case last == "" && !t.isWord("WHEN"):
			return "expected WHEN after CASE, found " + d.found()
		}
		return fmt.Sprintf("missing END to close CASE at %s", posStr(op.pos))
	}
	if o > 0 && d.toks[o-1].isWord("CAST") {
		hasAs := false
		for j := o + 1; j < d.i; j++ {
			hasAs = hasAs || d.toks[j].isWord("AS")
		}
		if !hasAs {
			return "expected AS in CAST(value AS type), found " + d.found()
		}
	}
	if d.closedLater(o) {
		return fmt.Sprintf("expected ')' to close '(' at %s, found %s", posStr(op.pos), d.found())
	}
	return fmt.Sprintf("missing ')' to close '(' at %s", posStr(op.pos))
}

// closedLater reports whether the bracket opened at toks[o] is closed
// somewhere in the statement.
func (d *diag) closedLater(o int) bool {
	depth := 0
	for j := o; j < len(d.toks); j++ {
		switch {
		case d.toks[j].is("("):
			depth++
		case d.toks[j].is(")"):
			depth--
			if depth == 0 {
				return true
			}
		}
	}
	return false
}

// copyMessage explains what COPY expects before the offending token
// (outside the query in parentheses, which has its own messages); f
// describes that token.
func (d *diag) copyMessage(f string) string {
	p, pp := d.prev, d.tok(d.i-2)
	switch {
	case d.i == 1:
		return "expected a (query) or a table name after COPY, as in COPY t TO 'out.csv', found " + f
	case d.i == 2 && !p.is("("):
		return "expected TO and a quoted file path after the table name, as in COPY t TO 'out.csv', found " + f
	case len(d.open) == 0 && p.is(")") && d.sawBefore("TO") < 0:
		return "expected TO and a quoted file path after the query, as in COPY (SELECT ...) TO 'out.parquet', found " + f
	case p.isWord("TO") && len(d.open) == 0:
		return "expected a quoted file path after TO, as in TO 'out.parquet', found " + f
	case p.typ == tString && pp.isWord("TO"):
		return "expected the options in parentheses, as in (FORMAT parquet), or the end of the statement, found " + f
	case len(d.open) == 1 && (p.is("(") || p.is(",")):
		return "expected an option name, as in (FORMAT parquet, COMPRESSION zstd), found " + f
	case len(d.open) == 1 && d.t.is("(") && isWordTok(p):
		return fmt.Sprintf("expected names between the parentheses after %s, as in PARTITION_BY (year, month)", strings.ToUpper(p.val))
	case len(d.open) == 2 && (p.is("(") || p.is(",")):
		return "expected a name in the list, as in PARTITION_BY (year, month), found " + f
	}
	return ""
}

// sawBefore returns the index of the last token before the offending one
// that is the word w, or -1.
func (d *diag) sawBefore(w string) int {
	for j := d.i - 1; j >= 0; j-- {
		if d.toks[j].isWord(w) {
			return j
		}
	}
	return -1
}

// afterKeyword handles keywords that need a particular next token.
func (d *diag) afterKeyword() (Pos, string, bool) {
	t, p := d.t, d.prev
	at := t.pos
	pp := d.tok(d.i - 2)
	f := d.found()
	if p.is("::") {
		return at, "expected a type name after '::', as in x::INT, found " + f, true
	}
	if d.kind == "COPY" && len(d.queries) == 0 {
		if msg := d.copyMessage(f); msg != "" {
			return at, msg, true
		}
	}
	if d.kind == "CREATE" && len(d.open) == 1 && (pp.is("(") || pp.is(",")) && (isWordTok(p) || p.typ == tQIdent) {
		if d.clause == "WITH" {
			return at, fmt.Sprintf("expected '=' after the option name %s, as in format = text, found %s", p.val, f), true
		}
		return at, fmt.Sprintf("expected a type for column %s, as in %s INT, found %s", p.val, p.val, f), true
	}
	if d.kind == "CREATE" && p.isWord("TABLE") && t.typ != tIdent && t.typ != tQIdent && !t.isWord("IF") {
		return at, "expected a table name after TABLE, found " + f, true
	}
	if as := tableAsIndex(d.toks); d.kind == "CREATE" && as >= 0 && d.i == as+1 {
		return at, "expected a query after AS, as in CREATE TABLE t AS SELECT ..., found " + f, true
	}
	if d.kind == "CREATE" && len(d.open) == 0 && d.clause != "WITH" && !t.is("(") {
		opened := false
		for _, w := range d.toks[:d.i] {
			opened = opened || w.is("(")
		}
		if !opened && d.i >= 3 && p.isWord("COPYBOOK") {
			return at, "expected the copybook's path as a string after FROM COPYBOOK, as in CREATE TABLE t FROM COPYBOOK 'x.cpy' WITH (file = 'x.dat'), found " + f, true
		}
		if !opened && d.i >= 3 {
			return at, "expected '(' and the column definitions after the table name, as in CREATE TABLE t (a INT POSITION(1:4)), or FROM COPYBOOK 'x.cpy', found " + f, true
		}
	}
	if !isWordTok(p) && !(p.typ == tInt || p.typ == tDecimal || p.typ == tFloat || p.typ == tString || p.is("(")) {
		return at, "", false
	}
	pw := strings.ToUpper(p.val)
	if p.typ == tIdent || p.typ == tKeyword {
		switch pw {
		case "GROUP", "ORDER":
			return at, fmt.Sprintf("expected BY after %s, found %s", pw, f), true
		case "IS":
			if p.typ == tKeyword {
				return at, "expected NULL, NOT NULL or DISTINCT FROM after IS, found " + f, true
			}
		case "NOT":
			if pp.isWord("IS") {
				return at, "expected NULL or DISTINCT FROM after IS NOT, found " + f, true
			}
			if endsExpr(pp) {
				return at, "expected BETWEEN, IN, LIKE or ILIKE after NOT, found " + f, true
			}
			if pp.isWord("IF") {
				return at, "expected EXISTS after IF NOT, found " + f, true
			}
		case "DISTINCT":
			if pp.isWord("IS") || (pp.isWord("NOT") && d.tok(d.i-3).isWord("IS")) {
				return at, "expected FROM after IS DISTINCT, found " + f, true
			}
		case "NULLS":
			if d.clause == "ORDER BY" {
				return at, "expected FIRST or LAST after NULLS, found " + f, true
			}
		case "ASC", "DESC":
			if !d.atEnd() && !t.is(",") {
				if isWordTok(t) {
					if s := suggest(t.val, []string{"NULLS"}); s != "" {
						return at, fmt.Sprintf("unknown keyword %s; did you mean NULLS?", t.val), true
					}
				}
				return at, "expected NULLS FIRST, NULLS LAST, ',' or the end of the ORDER BY list, found " + f, true
			}
		case "USING":
			if d.joined(d.i - 1) {
				return at, "expected the column names in parentheses after USING, as in USING (id), or SAMPLE, found " + f, true
			}
			return at, "expected SAMPLE after USING, found " + f, true
		case "SAMPLE":
			if pp.isWord("USING") {
				return at, "expected the sample size after SAMPLE, as in USING SAMPLE 10 PERCENT or USING SAMPLE 1000 ROWS", true
			}
		case "IN":
			if p.typ == tKeyword && !t.is("(") {
				return at, "expected '(' after IN, as in IN (1, 2, 3), found " + f, true
			}
		case "AS":
			if len(d.open) > 0 && d.open[len(d.open)-1] > 0 && d.toks[d.open[len(d.open)-1]-1].isWord("CAST") {
				return at, "expected a type name after AS, found " + f, true
			}
			return at, "expected a name after AS, found " + f, true
		case "FROM":
			if d.clause == "FROM" {
				return at, "expected a table name, a quoted file path or a (subquery) after FROM, found " + f, true
			}
		case "DESCRIBE":
			if d.i == 1 {
				return at, "expected a table name or a quoted file path after DESCRIBE, found " + f, true
			}
		case "SHOW":
			if d.i == 1 {
				return at, "expected TABLES after SHOW, found " + f, true
			}
		case "EXPLAIN", "ANALYZE":
			if d.i <= 2 && d.kind == "EXPLAIN" {
				return at, "expected a query (SELECT, WITH or VALUES) after " + pw + ", found " + f, true
			}
		case "CREATE", "DROP":
			if d.i == 1 && pw == "CREATE" && t.isWord("OR") {
				if n := d.tok(2); n.isWord("REPLACE") {
					return d.tok(3).pos, "expected TABLE or VIEW after OR REPLACE, found " + describeTok(d.tok(3)), true
				}
				return d.nextPos(), "expected REPLACE after OR, as in CREATE OR REPLACE VIEW or CREATE OR REPLACE TABLE t AS ..., found " + describeTok(d.tok(2)), true
			}
			if d.i == 1 {
				msg := fmt.Sprintf("expected TABLE or VIEW after %s, found %s", pw, f)
				if s := suggest(t.val, []string{"TABLE", "VIEW"}); s != "" && isWordTok(t) {
					msg += "; did you mean " + s + "?"
				}
				return at, msg, true
			}
		case "TABLE", "VIEW":
			orReplace := d.i == 4 && d.tok(1).isWord("OR") && d.tok(2).isWord("REPLACE")
			if (d.i == 2 || orReplace) && (d.kind == "CREATE" || d.kind == "DROP" || d.kind == "VIEW") {
				return at, fmt.Sprintf("expected a %s name after %s, found %s", strings.ToLower(pw), pw, f), true
			}
		case "EXISTS":
			if (pp.isWord("IF") || pp.isWord("NOT")) && (d.kind == "CREATE" || d.kind == "DROP" || d.kind == "VIEW") {
				what := "table"
				if d.kind == "VIEW" || d.tok(1).isWord("VIEW") {
					what = "view"
				}
				return at, fmt.Sprintf("expected a %s name after EXISTS, found %s", what, f), true
			}
		case "IF":
			if d.kind == "DROP" || (d.kind == "VIEW" && pp.isWord("VIEW") && d.tok(1).isWord("VIEW")) {
				return at, "expected EXISTS after IF, found " + f, true
			}
			if d.kind == "CREATE" {
				return at, "expected NOT EXISTS after IF, found " + f, true
			}
		case "SET":
			if d.i == 1 {
				return at, "expected a setting name after SET, as in SET workers = 4, found " + f, true
			}
		case "CASE":
			if !canStartExpr(t) && !t.isWord("WHEN") {
				return at, "expected WHEN after CASE, found " + f, true
			}
		case "INTERVAL":
			if t.typ == tInt || t.typ == tDecimal || t.typ == tString {
				next := d.tok(d.i + 1)
				p := t.end
				if next.typ != 0 {
					p = next.pos
				}
				return p, fmt.Sprintf("expected DAY, MONTH or YEAR after INTERVAL %s", t.val), true
			}
		case "LITTLE", "BIG":
			if d.kind == "CREATE" && d.clause != "WITH" {
				return at, fmt.Sprintf("expected ENDIAN after %s, found %s", pw, f), true
			}
		case "POSITION":
			if d.kind == "CREATE" && d.clause != "WITH" {
				return at, "POSITION takes (start:end), as in POSITION(1:11), found " + f, true
			}
		case "OFFSET", "WIDTH", "DECIMALS":
			if d.kind == "CREATE" && d.clause != "WITH" {
				return at, fmt.Sprintf("expected a number after %s, found %s", pw, f), true
			}
		case "FORMAT":
			if d.kind == "CREATE" && d.clause != "WITH" {
				return at, "expected a quoted pattern after FORMAT, as in FORMAT 'YYYYMMDD', found " + f, true
			}
		case "NULLIF":
			if d.kind == "CREATE" && d.clause != "WITH" {
				return at, "expected the NULL sentinel after NULLIF, as in NULLIF '-9999' or NULLIF ('-9999', ''), found " + f, true
			}
		case "TRIM":
			if d.kind == "CREATE" && d.clause != "WITH" {
				return at, "expected NONE, LEADING, TRAILING or BOTH after TRIM, found " + f, true
			}
		case "SIGN":
			if d.kind == "CREATE" && d.clause != "WITH" {
				return at, "expected LEADING or TRAILING after SIGN, as in SIGN LEADING SEPARATE, found " + f, true
			}
		case "IBM":
			if d.kind == "CREATE" && d.clause != "WITH" {
				return at, "expected FLOAT after IBM (IBM FLOAT: hexadecimal floating point), found " + f, true
			}
		case "CODEPAGE":
			if d.kind == "CREATE" && d.clause != "WITH" {
				return at, "expected a quoted code page after CODEPAGE, as in CODEPAGE 'cp037', found " + f, true
			}
		case "OCCURS":
			if d.kind == "CREATE" && d.clause != "WITH" {
				return at, "expected the number of elements after OCCURS, as in OCCURS 31 TIMES STRIDE 8, found " + f, true
			}
		case "STRIDE":
			if d.kind == "CREATE" && d.clause != "WITH" {
				return at, "expected the bytes from one element's start to the next after STRIDE, as in OCCURS 31 TIMES STRIDE 8, found " + f, true
			}
		case "ON":
			if d.kind == "CREATE" && d.clause != "WITH" {
				return at, "expected ERROR NULL after ON (ON ERROR NULL), found " + f, true
			}
		case "ERROR":
			if d.kind == "CREATE" && d.clause != "WITH" && pp.isWord("ON") {
				return at, "expected NULL after ON ERROR, found " + f, true
			}
		case "TO":
			if d.kind == "SET" && d.i == 3 {
				return at, "expected a value after TO, found " + f, true
			}
		case "WITH":
			if d.kind == "CREATE" {
				return at, "expected '(' after WITH, as in WITH (format = text), found " + f, true
			}
		}
	}
	if msg := d.layoutList(); msg != "" {
		return at, msg + ", found " + f, true
	}
	// After a number or '(' inside POSITION(...).
	if d.kind == "CREATE" && len(d.open) > 0 && d.open[len(d.open)-1] > 0 && d.toks[d.open[len(d.open)-1]-1].isWord("POSITION") {
		return at, "POSITION takes (start:end), as in POSITION(1:11), found " + f, true
	}
	// SET name <here>
	if d.kind == "SET" && d.i == 2 {
		return at, fmt.Sprintf("expected '=' after %s, found %s", p.val, f), true
	}
	// USING SAMPLE n <here>
	if (p.typ == tInt || p.typ == tDecimal || p.typ == tFloat) && pp.isWord("SAMPLE") {
		return at, "expected ROWS or PERCENT after the sample size, found " + f, true
	}
	// A BETWEEN still waiting for its AND.
	if !t.isWord("AND") && endsExpr(p) {
		depth := 0
		for j := d.i - 1; j >= 0; j-- {
			w := d.toks[j]
			switch {
			case w.is(")"):
				depth++
			case w.is("("):
				depth--
			}
			if depth < 0 {
				break
			}
			if depth == 0 && w.isWord("AND") {
				break
			}
			if depth == 0 && w.isWord("BETWEEN") {
				return at, "expected AND in BETWEEN low AND high, found " + f, true
			}
		}
	}
	return at, "", false
}
