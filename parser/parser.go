package parser

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// Limits. Inputs beyond them are rejected with an *Error, never a crash or
// a hang.
const (
	// MaxInputSize is the largest SQL text accepted, in bytes (1 MiB).
	MaxInputSize = 1 << 20
	// MaxNesting is the deepest nesting of parentheses (including function
	// calls, CAST and IN lists) and CASE expressions.
	MaxNesting = 200
)

// Parse parses one or more statements separated by ';'. Empty statements
// (";;", or text holding only comments) are skipped.
//
// On failure Parse returns no statements and an error: a *Error when one
// statement is wrong, an ErrorList (sorted by position, printing as the
// first error plus "(and N more errors)") when several are; parsing
// resumes after each bad statement at the next ';'. Use errors.As to get
// the first *Error in either case.
func Parse(text string) ([]Statement, error) {
	stmts, errs := parseText(text)
	if len(errs) > 0 {
		return nil, errs.err()
	}
	return stmts, nil
}

// ParseOne parses text that must hold exactly one statement (a trailing ';'
// is allowed).
func ParseOne(text string) (Statement, error) {
	stmts, errs := parseText(text)
	if len(errs) > 0 {
		return nil, errs.err()
	}
	switch len(stmts) {
	case 0:
		p := Pos{Line: 1, Column: 1}
		if toks, _ := lex(text); len(toks) > 0 {
			p = toks[len(toks)-1].end
		}
		return nil, &Error{Line: p.Line, Column: p.Column, Offset: p.Offset, Msg: "expected a statement"}
	case 1:
		return stmts[0], nil
	}
	p := stmts[1].Position()
	return nil, &Error{Line: p.Line, Column: p.Column, Offset: p.Offset, Msg: "expected one statement, found another after ';'"}
}

// ParseExpr parses a lone expression, such as "a + 1 > b". '?' parameters
// are numbered from 1 in order of appearance.
func ParseExpr(text string) (Expr, error) {
	if err := checkSize(text); err != nil {
		return nil, err
	}
	toks, lexErr := lex(text)
	if lexErr != nil {
		return nil, lexErr
	}
	if len(toks) == 0 {
		return nil, &Error{Line: 1, Column: 1, Msg: "expected an expression"}
	}
	eof := eofPos(toks)
	if err := checkNesting(toks, eof); err != nil {
		return nil, err
	}
	markQueryParens(toks)
	ep := exprParser()
	pl, err := lexer.Upgrade(&sliceLexer{toks: toLexerTokens(toks, eof)})
	if err != nil {
		return nil, internalError(err)
	}
	g, err := ep.ParseFromLexer(pl)
	if err != nil {
		return nil, diagnose(toks, eof, err, ctxExpr)
	}
	c := &converter{params: paramIndex(toks), src: text, toks: toks}
	e := c.expr(g.X)
	if c.err != nil {
		return nil, c.err
	}
	return e, nil
}

func checkSize(text string) *Error {
	if len(text) > MaxInputSize {
		return &Error{Line: 1, Column: 1, Msg: fmt.Sprintf("the SQL text is %d bytes; the limit is %d (1 MiB)", len(text), MaxInputSize)}
	}
	return nil
}

func internalError(err error) *Error {
	return &Error{Line: 1, Column: 1, Msg: "internal error: " + err.Error()}
}

// parseText lexes text, splits it at top-level ';' and parses each
// statement, collecting one error per bad statement.
func parseText(text string) ([]Statement, ErrorList) {
	if err := checkSize(text); err != nil {
		return nil, ErrorList{err}
	}
	toks, lexErr := lex(text)
	var (
		stmts []Statement
		errs  ErrorList
	)
	start := 0
	for i := 0; i <= len(toks); i++ {
		if i < len(toks) && !toks[i].is(";") {
			continue
		}
		seg := toks[start:i]
		start = i + 1
		if i == len(toks) && lexErr != nil {
			// The statement the lexer gave up in: report the lexer's error.
			errs = append(errs, lexErr)
			break
		}
		if len(seg) == 0 {
			continue
		}
		var eof Pos
		if i < len(toks) {
			eof = toks[i].pos
		} else {
			eof = eofPos(toks)
		}
		st, err := parseStatement(text, seg, eof)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		stmts = append(stmts, st)
	}
	errs.Sort()
	return stmts, errs
}

// parseStatement parses the tokens of one statement of src; eof is where
// its end is reported (the ';' or the end of the text).
func parseStatement(src string, toks []token, eof Pos) (Statement, *Error) {
	if err := checkNesting(toks, eof); err != nil {
		return nil, err
	}
	markQueryParens(toks)
	sp := stmtParser()
	pl, err := lexer.Upgrade(&sliceLexer{toks: toLexerTokens(toks, eof)})
	if err != nil {
		return nil, internalError(err)
	}
	g, err := sp.ParseFromLexer(pl)
	if err != nil {
		return nil, diagnose(toks, eof, err, ctxStatement)
	}
	c := &converter{params: paramIndex(toks), src: src, toks: toks}
	st := c.statement(g)
	if c.err != nil {
		return nil, c.err
	}
	return st, nil
}

// checkNesting rejects nesting deeper than MaxNesting before participle
// sees the tokens: its recursion per level is deep.
func checkNesting(toks []token, eof Pos) *Error {
	depth := 0
	for _, t := range toks {
		switch {
		case t.is("(") || t.isWord("CASE"):
			depth++
			if depth > MaxNesting {
				return &Error{Line: t.pos.Line, Column: t.pos.Column, Offset: t.pos.Offset,
					Msg: fmt.Sprintf("expression is nested too deeply: more than %d levels of parentheses and CASE", MaxNesting)}
			}
		case t.is(")") || t.isWord("END"):
			if depth > 0 {
				depth--
			}
		}
	}
	return nil
}

// paramIndex maps each parameter token's byte offset to its 1-based
// index: $n is n, and the '?' tokens are numbered 1, 2, ... in order.
func paramIndex(toks []token) map[int]int {
	var m map[int]int
	questions := 0
	for _, t := range toks {
		if t.typ == tParam {
			if m == nil {
				m = map[int]int{}
			}
			if n, err := strconv.Atoi(strings.TrimPrefix(t.val, "$")); err == nil && strings.HasPrefix(t.val, "$") {
				m[t.pos.Offset] = n // $n is parameter n
				continue
			}
			questions++
			m[t.pos.Offset] = questions // the k-th ? is parameter k
		}
	}
	return m
}

// tokenAt returns the index of the token at byte offset off, or len(toks)
// for the end.
func tokenAt(toks []token, off int) int {
	i := sort.Search(len(toks), func(i int) bool { return toks[i].pos.Offset >= off })
	return i
}

// participleError extracts participle's position from err.
func participleError(err error) (lexer.Position, bool) {
	var pe participle.Error
	if errors.As(err, &pe) {
		return pe.Position(), true
	}
	return lexer.Position{}, false
}
