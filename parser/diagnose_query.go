package parser

import (
	"fmt"
	"strings"
)

// This file holds the diagnosis rules for queries over several tables:
// SQL recq does not have, joins, set operations, WITH, VALUES, subqueries
// and views. They run before the general rules in diagnose.go.

// unsupportedWord is a word that starts SQL recq does not have. None of
// these words is reserved, so the grammar takes them as an alias or a
// name and fails at or just after them; fits checks the tokens around
// the word, so a column that happens to be called "over" is not
// mistaken for a window.
type unsupportedWord struct {
	fits func(prev, next, next2 token) bool
	msg  string
}

var unsupportedWords = map[string]unsupportedWord{
	"LATERAL": {func(_, n, _ token) bool { return n.is("(") || n.typ == tIdent || n.typ == tQIdent },
		"LATERAL is only supported before UNNEST(...), as in FROM t, LATERAL UNNEST(t.days) AS u(value); a lateral subquery is not"},
	"FETCH": {func(_, n, _ token) bool { return n.isWord("FIRST") || n.isWord("NEXT") },
		"FETCH FIRST is not supported; use LIMIT n"},
	"TABLESAMPLE": {func(_, n, _ token) bool { return n.is("(") || isWordTok(n) },
		"TABLESAMPLE is not supported; write USING SAMPLE 10 PERCENT or USING SAMPLE 1000 ROWS"},
}

// unsupported recognises SQL recq does not have from a word at the error
// or up to two tokens before it.
func (d *diag) unsupported() (Pos, string, bool) {
	for _, j := range []int{d.i, d.i - 1, d.i - 2} {
		w := d.tok(j)
		if w.typ != tIdent {
			continue
		}
		if u, ok := unsupportedWords[strings.ToUpper(w.val)]; ok && u.fits(d.tok(j-1), d.tok(j+1), d.tok(j+2)) {
			return w.pos, u.msg, true
		}
	}
	return Pos{}, "", false
}

// firstWord explains a failure at the first token of a statement that
// starts a query: the trouble is the token after it.
func (d *diag) firstWord() (Pos, string, bool) {
	next := d.tok(1)
	at, found := next.pos, describe(next)
	if next.typ == 0 {
		at, found = d.t.end, "the end of the statement"
	}
	switch {
	case d.t.isWord("WITH"):
		return at, "expected a name after WITH, as in WITH x AS (SELECT 1) SELECT * FROM x, found " + found, true
	case d.t.isWord("VALUES"):
		return at, "expected '(' after VALUES, as in VALUES (1, 'a'), (2, 'b'), found " + found, true
	}
	return Pos{}, "", false
}

func isSetOpWord(t token) bool {
	return t.typ == tKeyword && (t.isWord("UNION") || t.isWord("INTERSECT") || t.isWord("EXCEPT"))
}

func isJoinWord(t token) bool {
	if t.typ != tKeyword {
		return false
	}
	switch strings.ToUpper(t.val) {
	case "JOIN", "INNER", "LEFT", "RIGHT", "FULL", "CROSS", "NATURAL", "OUTER":
		return true
	}
	return false
}

// startsTable reports whether t can begin an item of FROM.
func startsTable(t token) bool {
	return t.typ == tIdent || t.typ == tQIdent || t.typ == tString || t.is("(")
}

// misplacedSelect explains a SELECT where the grammar did not expect one.
func (d *diag) misplacedSelect() string {
	p := d.prev
	switch {
	case d.kind == "VIEW" && d.clause == "" && !p.isWord("AS"):
		return "expected AS before the view's query, as in CREATE VIEW v AS SELECT ..."
	case p.is("("):
		return "a subquery here needs its own parentheses, as in f((SELECT ...))"
	case expectsExpr(p) || p.is(",") || p.isWord("AS") || p.isWord("FROM") || p.isWord("JOIN") ||
		p.isWord("EXISTS") || p.isWord("IN") || p.isWord("ANY") || p.isWord("SOME") || p.isWord("ALL"):
		return "a subquery must be written in parentheses: (SELECT ...)"
	}
	return "expected ';' before SELECT: statements are separated by ';'"
}

// queryRules explains failures around joins, set operations, WITH,
// VALUES, views and subquery expressions.
func (d *diag) queryRules() (Pos, string, bool) {
	t, p, pp := d.t, d.prev, d.tok(d.i-2)
	at, f := t.pos, d.found()
	next := d.tok(d.i + 1)

	// A keyword whose operand is missing: participle blames the keyword.
	switch {
	case t.isWord("FROM") && d.clause == "SELECT" && d.atQueryTop() && !startsTable(next):
		return d.nextPos(), "expected a table name, a quoted file path or a (subquery) after FROM, found " + describeTok(next), true
	case t.typ == tKeyword && (t.isWord("FROM") || t.isWord("WHERE") || t.isWord("HAVING") || t.isWord("ON") || t.isWord("LIMIT")) && !canStartExpr(next):
		return d.nextPos(), fmt.Sprintf("expected an expression after %s, found %s", describe(t), describeTok(next)), true
	}

	// After a set operator.
	if isSetOpWord(p) || ((p.isWord("ALL") || p.isWord("DISTINCT")) && isSetOpWord(pp)) {
		op := p
		if !isSetOpWord(p) {
			op = pp
		}
		return at, fmt.Sprintf("expected SELECT, VALUES or a parenthesised query after %s, found %s", describe(op), f), true
	}
	top := d.atQueryTop()
	// ORDER BY or LIMIT before a set operator.
	if isSetOpWord(t) && top {
		switch d.clause {
		case "ORDER BY", "LIMIT", "OFFSET":
			op := describe(t)
			return at, fmt.Sprintf("%s cannot follow %s: ORDER BY and LIMIT after the last query apply to the whole %s; to sort or limit one side, put it in parentheses, as in (SELECT ... %s ...) %s ...", op, d.clause, op, d.clause, op), true
		}
	}
	// Join keywords outside FROM.
	if isJoinWord(t) && !t.isWord("LEFT") && !t.isWord("RIGHT") && top {
		switch d.clause {
		case "WHERE", "GROUP BY", "HAVING", "ORDER BY", "LIMIT", "OFFSET":
			return at, fmt.Sprintf("%s must come before %s: joins belong to the FROM clause", describe(t), d.clause), true
		}
	}
	if d.clause == "FROM" && top {
		if at, msg, ok := d.fromRules(); ok {
			return at, msg, true
		}
	}
	if d.clause == "FROM" {
		if at, msg, ok := d.tableFuncRules(); ok {
			return at, msg, true
		}
	}
	if at, msg, ok := d.nameListRules(); ok {
		return at, msg, true
	}
	if d.clause == "WITH" && d.kind == "SELECT" && top {
		switch {
		case p.isWord("RECURSIVE") && pp.isWord("WITH"):
			return p.pos, "WITH RECURSIVE is not supported", true
		case (pp.isWord("WITH") || pp.is(",")) && (p.typ == tIdent || p.typ == tQIdent):
			return at, fmt.Sprintf("expected AS and the query in parentheses after %s, as in WITH %s AS (SELECT ...), found %s", p.val, p.val, f), true
		case p.isWord("AS"):
			return at, "expected '(' and a query after AS, as in WITH x AS (SELECT 1), found " + f, true
		case p.is(")"):
			return at, "expected ',' and another name, or the query (SELECT ...), after the WITH clause, found " + f, true
		}
	}
	if d.kind == "VIEW" && d.clause == "" && len(d.open) == 0 {
		if at, msg, ok := d.viewRules(); ok {
			return at, msg, true
		}
	}
	if d.clause == "VALUES" && top && p.isWord("VALUES") {
		return at, "expected '(' after VALUES, as in VALUES (1, 'a'), (2, 'b'), found " + f, true
	}
	if d.clause == "VALUES" && top && p.is(")") && !d.atEnd() {
		return at, fmt.Sprintf("expected ',' and another row, or %s, after a VALUES row, found %s", d.theEnd(), f), true
	}
	// EXISTS, ANY, SOME and ALL take a subquery.
	if p.is("(") && (pp.isWord("EXISTS") || pp.isWord("ANY") || pp.isWord("SOME") || pp.isWord("ALL")) {
		w := strings.ToUpper(pp.val)
		if w == "EXISTS" {
			return at, "EXISTS needs a subquery, as in EXISTS (SELECT 1 FROM t WHERE ...), found " + f, true
		}
		return at, fmt.Sprintf("%s needs a subquery, as in x = %s (SELECT y FROM t); for a list of values write x IN (1, 2), found %s", w, w, f), true
	}
	return Pos{}, "", false
}

// fromRules explains failures in a FROM clause.
func (d *diag) fromRules() (Pos, string, bool) {
	t, p := d.t, d.prev
	at, f := t.pos, d.found()
	joinPrefix := func(w token) bool { return isJoinWord(w) && !w.isWord("JOIN") && !w.isWord("OUTER") }
	side := func(w token) bool { return w.isWord("LEFT") || w.isWord("RIGHT") || w.isWord("FULL") }
	switch {
	case t.isWord("OUTER") && !side(p):
		return at, "OUTER needs LEFT, RIGHT or FULL before it, as in LEFT OUTER JOIN", true
	case joinPrefix(p) && !t.isWord("JOIN") && !(p.isWord("NATURAL") && joinPrefix(t)) && !(side(p) && t.isWord("OUTER")):
		return at, fmt.Sprintf("expected JOIN after %s, found %s", describe(p), f), true
	case p.isWord("OUTER") && !t.isWord("JOIN"):
		return at, "expected JOIN after OUTER, found " + f, true
	case (p.isWord("JOIN") || p.is(",")) && !startsTable(t):
		return at, fmt.Sprintf("expected a table name, a quoted file path or a (subquery) after %s, found %s", describe(p), f), true
	case p.isWord("USING") && d.joined(d.i-1):
		return at, "expected the column names in parentheses after USING, as in USING (id), found " + f, true
	}
	return Pos{}, "", false
}

// tableFuncRules explains failures in the arguments of a table function
// in FROM: read_csv('f.csv', header => true, columns => {id: 'INT32'}).
func (d *diag) tableFuncRules() (Pos, string, bool) {
	t, p := d.t, d.prev
	at, f := t.pos, d.found()
	switch {
	case !d.inCall():
	case p.is("=>") || p.is("="):
		return at, fmt.Sprintf("expected the parameter's value after %s (a literal such as 'text', 42 or true, a list [...] or {key: value, ...}), found %s", describe(p), f), true
	case p.is(":") && d.inBraces():
		return at, "expected a value after the key's ':', as in {id: 'INT32'}, found " + f, true
	case !t.is(":") && d.inBraces() && d.i >= 2 && (d.toks[d.i-2].is("{") || d.toks[d.i-2].is(",")) && isKeyTok(p):
		return at, fmt.Sprintf("expected ':' after the key %s, as in {%s: 'INT32'}, found %s", p.val, p.val, f), true
	case (p.is("{") || p.is(",")) && d.inBraces() && isKeyTok(t) && !d.tok(d.i+1).is(":"):
		at := d.tok(d.i + 1).pos
		if d.tok(d.i+1).typ == 0 {
			at = t.end // the key is the last token
		}
		return at, fmt.Sprintf("expected ':' after the key %s, as in {%s: 'INT32'}, found %s", t.val, t.val, describeTok(d.tok(d.i+1))), true
	}
	return Pos{}, "", false
}

// isKeyTok reports whether t can be the key of a {key: value} argument.
func isKeyTok(t token) bool {
	return t.typ == tIdent || t.typ == tQIdent || t.typ == tString || t.typ == tKeyword
}

// inBraces reports whether the offending token is inside a {key: value}
// argument.
func (d *diag) inBraces() bool {
	depth := 0
	for k := d.i - 1; k >= 0; k-- {
		switch w := d.toks[k]; {
		case w.is("}"):
			depth++
		case w.is("{"):
			if depth == 0 {
				return true
			}
			depth--
		}
	}
	return false
}

// inCall reports whether the offending token is inside the argument list
// of a table function: the innermost open '(' follows a name, with any
// number of [...] and {...} in between.
func (d *diag) inCall() bool {
	n := len(d.open)
	if n == 0 {
		return false
	}
	j := d.open[n-1]
	return j > 0 && d.toks[j].is("(") && d.toks[j-1].typ == tIdent
}

// joined reports whether the table before toks[j] (a USING) is the right
// side of a JOIN rather than a FROM item of its own.
func (d *diag) joined(j int) bool {
	depth := 0
	for k := j - 1; k >= 0; k-- {
		w := d.toks[k]
		switch {
		case w.is(")"):
			depth++
		case w.is("("):
			depth--
			if depth < 0 {
				return false
			}
		case depth > 0:
		case w.isWord("JOIN"):
			return true
		case w.isWord("FROM"), w.is(","), w.isWord("ON"):
			return false
		}
	}
	return false
}

// nameListRules explains failures inside a parenthesised list of column
// names: USING (...), alias(...), a CTE's or a view's column list.
func (d *diag) nameListRules() (Pos, string, bool) {
	n := len(d.open)
	if n == 0 {
		return Pos{}, "", false
	}
	o := d.open[n-1]
	if !d.toks[o].is("(") || !d.isNameList(o) {
		return Pos{}, "", false
	}
	t, p := d.t, d.prev
	next := d.tok(d.i + 1)
	switch {
	case t.is(",") && next.typ != tIdent && next.typ != tQIdent:
		return d.nextPos(), "expected a column name after ',', found " + describeTok(next), true
	case (p.is("(") || p.is(",")) && t.typ != tIdent && t.typ != tQIdent:
		return t.pos, fmt.Sprintf("expected a column name after %s, found %s", describe(p), d.found()), true
	case (p.typ == tIdent || p.typ == tQIdent) && !t.is(",") && !t.is(")"):
		return t.pos, "expected ',' or ')' in the list of column names, found " + d.found(), true
	}
	return Pos{}, "", false
}

// isNameList reports whether the '(' at toks[o] opens a list of column
// names.
func (d *diag) isNameList(o int) bool {
	before, before2 := d.tok(o-1), d.tok(o-2)
	name := before.typ == tIdent || before.typ == tQIdent || (before.typ == tKeyword && before2.isWord("AS"))
	switch {
	case before.isWord("USING"):
		return !d.tok(o + 1).isWord("SAMPLE")
	case !name:
		return false
	case d.kind == "VIEW":
		return before2.isWord("VIEW") || before2.isWord("EXISTS")
	case d.clause == "WITH" && d.kind == "SELECT":
		return before2.isWord("WITH") || before2.is(",")
	case d.clause == "FROM":
		return before2.isWord("AS") || before2.typ == tIdent || before2.typ == tQIdent || before2.typ == tString || before2.is(")")
	}
	return false
}

// viewRules explains failures in CREATE [OR REPLACE] VIEW before its
// query.
func (d *diag) viewRules() (Pos, string, bool) {
	t, p, pp := d.t, d.prev, d.tok(d.i-2)
	at, f := t.pos, d.found()
	switch {
	case p.isWord("OR") && d.i == 2:
		return at, "expected REPLACE after OR, as in CREATE OR REPLACE VIEW or CREATE OR REPLACE TABLE t AS ..., found " + f, true
	case p.isWord("REPLACE"):
		return at, "expected TABLE or VIEW after OR REPLACE, found " + f, true
	case (p.isWord("VIEW") || p.isWord("EXISTS")) && t.typ != tIdent && t.typ != tQIdent:
		if p.isWord("VIEW") && t.isWord("IF") {
			return d.tok(d.i + 1).pos, "expected NOT EXISTS after IF, found " + describe(d.tok(d.i+1)), true
		}
		return at, fmt.Sprintf("expected a view name after %s, found %s", describe(p), f), true
	case p.isWord("AS"):
		return at, "expected the view's query after AS, as in CREATE VIEW v AS SELECT ..., found " + f, true
	case (pp.isWord("VIEW") || pp.isWord("EXISTS")) && (p.typ == tIdent || p.typ == tQIdent), p.is(")"):
		return at, "expected AS and the view's query, as in CREATE VIEW v AS SELECT ..., found " + f, true
	}
	return Pos{}, "", false
}

// nextPos is the position of the token after the offending one, or the
// end of the statement.
func (d *diag) nextPos() Pos {
	if n := d.tok(d.i + 1); n.typ != 0 {
		return n.pos
	}
	if d.i < len(d.toks) {
		return d.toks[len(d.toks)-1].end
	}
	return d.t.pos
}

// describeTok is describe, naming a missing token as the end of the
// statement.
func describeTok(t token) string {
	if t.typ == 0 {
		return "the end of the statement"
	}
	return describe(t)
}
