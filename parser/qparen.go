package parser

import "strings"

// markQueryParens retypes each '(' that opens a query as tQParen, so the
// grammar can tell a subquery or derived table from a parenthesised
// expression or join by its first token, without backtracking.
//
// A '(' opens a query when the next token is SELECT; WITH followed by a
// name; VALUES followed by '('; or another '(' that opens a query and
// whose matching ')' is followed by UNION, INTERSECT, EXCEPT, ORDER,
// LIMIT, OFFSET or ')' (so "((SELECT 1) UNION (SELECT 2))" and
// "((SELECT 1))" are queries, while "((SELECT 1) + 1)" is an expression).
// Grammar literals '(' still match a tQParen token; only the places that
// must choose between a query and something else ask for QParen.
func markQueryParens(toks []token) {
	var stack [32]int
	closes := stack[:0] // indices of ')' not yet matched, innermost last
	nextClose := -1     // the matching ')' of toks[i+1] when it is '('
	for i := len(toks) - 1; i >= 0; i-- {
		t := toks[i]
		if t.typ != tPunct && t.typ != tQParen {
			nextClose = -1
			continue
		}
		switch t.val {
		case ")":
			closes = append(closes, i)
			nextClose = -1
			continue
		case "(":
		default:
			nextClose = -1
			continue
		}
		close := -1
		if n := len(closes); n > 0 {
			close = closes[n-1]
			closes = closes[:n-1]
		}
		if opensQuery(toks, i, nextClose) {
			toks[i].typ = tQParen
		}
		nextClose = close
	}
}

// opensQuery applies markQueryParens's rule to the '(' at toks[i];
// nextClose is the index of the ')' matching toks[i+1] when that is a
// '(' (else -1).
func opensQuery(toks []token, i, nextClose int) bool {
	if i+1 >= len(toks) {
		return false
	}
	n := toks[i+1]
	switch n.typ {
	case tKeyword:
		if strings.EqualFold(n.val, "FROM") {
			// FROM-first (FROM t SELECT ...), but not a call's argument
			// list such as EXTRACT(FROM ...), which follows a name
			return i == 0 || (toks[i-1].typ != tIdent && toks[i-1].typ != tQIdent)
		}
		return strings.EqualFold(n.val, "SELECT")
	case tIdent:
		if i+2 >= len(toks) {
			return false
		}
		nn := toks[i+2]
		switch {
		case strings.EqualFold(n.val, "WITH"):
			return nn.typ == tIdent || nn.typ == tQIdent
		case strings.EqualFold(n.val, "VALUES"):
			return nn.is("(")
		}
	case tQParen:
		if nextClose < 0 || nextClose+1 >= len(toks) {
			return false
		}
		f := toks[nextClose+1]
		if f.is(")") {
			return true
		}
		if f.typ == tKeyword || f.typ == tIdent {
			switch strings.ToUpper(f.val) {
			case "UNION", "INTERSECT", "EXCEPT", "ORDER", "LIMIT", "OFFSET":
				return true
			}
		}
	}
	return false
}
