package parser

import (
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2/lexer"
)

// Token types. Token values are the exact source text (strings and quoted
// identifiers keep their quotes), so grammar literals such as "FROM" can
// never match a string 'FROM' or a quoted identifier "FROM".
const (
	tKeyword lexer.TokenType = iota + 1 // a reserved word
	tIdent                              // any other word, including non-reserved keywords
	tQIdent                             // "quoted identifier"
	tInt                                // 42
	tDecimal                            // 4.2, .42, 42.
	tFloat                              // 4.2e1
	tString                             // 'text'
	tParam                              // ? or $1
	tPunct                              // operators and punctuation
	tQParen                             // a '(' that opens a query (see markQueryParens)
)

var symbols = map[string]lexer.TokenType{
	"EOF":     lexer.EOF,
	"Keyword": tKeyword,
	"Ident":   tIdent,
	"QIdent":  tQIdent,
	"Int":     tInt,
	"Decimal": tDecimal,
	"Float":   tFloat,
	"String":  tString,
	"Param":   tParam,
	"Punct":   tPunct,
	"QParen":  tQParen,
}

// token is one lexed token. val is the raw source text; end is the
// position just after it.
type token struct {
	typ lexer.TokenType
	val string
	pos Pos
	end Pos
}

// is reports whether t is the punctuation punct. A '(' marked as opening
// a query (tQParen) is still a '('.
func (t token) is(punct string) bool {
	return (t.typ == tPunct || t.typ == tQParen) && t.val == punct
}

// isWord reports whether t is the keyword or identifier w (w upper case).
func (t token) isWord(w string) bool {
	return (t.typ == tKeyword || t.typ == tIdent) && strings.EqualFold(t.val, w)
}

// definition is the participle lexer.Definition. recq lexes with its own
// scanner (lex) and hands participle the finished tokens, so Lex is only
// here to satisfy the interface.
type definition struct{}

func (definition) Symbols() map[string]lexer.TokenType { return symbols }

func (definition) Lex(filename string, r io.Reader) (lexer.Lexer, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	toks, lerr := lex(string(b))
	if lerr != nil {
		return nil, lerr
	}
	return &sliceLexer{toks: toLexerTokens(toks, eofPos(toks))}, nil
}

// sliceLexer replays already lexed tokens to participle.
type sliceLexer struct {
	toks []lexer.Token
	i    int
}

func (l *sliceLexer) Next() (lexer.Token, error) {
	if l.i >= len(l.toks) {
		return l.toks[len(l.toks)-1], nil
	}
	t := l.toks[l.i]
	l.i++
	return t, nil
}

func toLexerPos(p Pos) lexer.Position {
	return lexer.Position{Offset: p.Offset, Line: p.Line, Column: p.Column}
}

func fromLexerPos(p lexer.Position) Pos {
	return Pos{Line: p.Line, Column: p.Column, Offset: p.Offset}
}

// toLexerTokens converts toks plus a final EOF token at eof.
func toLexerTokens(toks []token, eof Pos) []lexer.Token {
	out := make([]lexer.Token, len(toks)+1)
	for i, t := range toks {
		out[i] = lexer.Token{Type: t.typ, Value: t.val, Pos: toLexerPos(t.pos)}
	}
	out[len(toks)] = lexer.Token{Type: lexer.EOF, Pos: toLexerPos(eof)}
	return out
}

// eofPos is where end of input is reported: just after the last token, or
// the start of the text when there are none.
func eofPos(toks []token) Pos {
	if len(toks) == 0 {
		return Pos{Line: 1, Column: 1}
	}
	return toks[len(toks)-1].end
}

// scanner turns SQL text into tokens, tracking line and column.
type scanner struct {
	src  string
	off  int
	line int
	col  int
}

func (s *scanner) pos() Pos { return Pos{Line: s.line, Column: s.col, Offset: s.off} }

// advance consumes one character (rune).
func (s *scanner) advance() {
	c := s.src[s.off]
	switch {
	case c == '\n':
		s.off++
		s.line++
		s.col = 1
		return
	case c < utf8.RuneSelf:
		s.off++
	default:
		_, w := utf8.DecodeRuneInString(s.src[s.off:])
		s.off += w
	}
	s.col++
}

func (s *scanner) peek(ahead int) byte {
	if s.off+ahead < len(s.src) {
		return s.src[s.off+ahead]
	}
	return 0
}

func isIdentStart(r rune) bool {
	return r == '_' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || (r >= utf8.RuneSelf && unicode.IsLetter(r))
}

func isIdentPart(r rune) bool {
	return isIdentStart(r) || ('0' <= r && r <= '9') || (r >= utf8.RuneSelf && (unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)))
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func (s *scanner) errorf(p Pos, format string, args ...any) *Error {
	return &Error{Line: p.Line, Column: p.Column, Offset: p.Offset, Msg: fmt.Sprintf(format, args...)}
}

// lex splits src into tokens, dropping white space and comments. On a
// lexical error it returns the tokens before the error and the error.
func lex(src string) ([]token, *Error) {
	s := &scanner{src: src, line: 1, col: 1}
	toks := make([]token, 0, len(src)/4+4)
	for {
		// Skip white space and comments.
		for s.off < len(src) {
			c := src[s.off]
			if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' {
				s.advance()
				continue
			}
			if c == '-' && s.peek(1) == '-' {
				for s.off < len(src) && src[s.off] != '\n' {
					s.advance()
				}
				continue
			}
			if c == '/' && s.peek(1) == '*' {
				start := s.pos()
				s.advance()
				s.advance()
				closed := false
				for s.off < len(src) {
					if src[s.off] == '*' && s.peek(1) == '/' {
						s.advance()
						s.advance()
						closed = true
						break
					}
					s.advance()
				}
				if !closed {
					return toks, s.errorf(start, "unterminated /* comment starting at line %d, column %d", start.Line, start.Column)
				}
				continue
			}
			break
		}
		if s.off >= len(src) {
			return toks, nil
		}
		start := s.pos()
		typ, err := s.scanToken()
		if err != nil {
			return toks, err
		}
		toks = append(toks, token{typ: typ, val: src[start.Offset:s.off], pos: start, end: s.pos()})
	}
}

// scanToken scans one token starting at a non-space character.
func (s *scanner) scanToken() (lexer.TokenType, *Error) {
	start := s.pos()
	c := s.src[s.off]
	switch {
	case c == '\'':
		return tString, s.scanQuoted('\'', start)
	case c == '"':
		if err := s.scanQuoted('"', start); err != nil {
			return 0, err
		}
		if s.off-start.Offset == 2 {
			return 0, s.errorf(start, `empty quoted identifier ""`)
		}
		return tQIdent, nil
	case isDigit(c) || (c == '.' && isDigit(s.peek(1))):
		return s.scanNumber(start)
	case c == '?':
		s.advance()
		return tParam, nil
	case c == '$':
		s.advance()
		for isDigit(s.peek(0)) {
			s.advance()
		}
		if n := s.src[start.Offset+1 : s.off]; n == "" || strings.TrimLeft(n, "0") == "" || len(n) > 5 {
			return 0, s.errorf(start, "a $ parameter is $1, $2, ... (a number from 1 to 99999), not %q", s.src[start.Offset:s.off])
		}
		return tParam, nil
	}
	r, w := utf8.DecodeRuneInString(s.src[s.off:])
	if isIdentStart(r) {
		for s.off < len(s.src) {
			r, _ := utf8.DecodeRuneInString(s.src[s.off:])
			if !isIdentPart(r) {
				break
			}
			s.advance()
		}
		if isReserved(s.src[start.Offset:s.off]) {
			return tKeyword, nil
		}
		return tIdent, nil
	}
	// Two-character operators first.
	if s.off+1 < len(s.src) {
		switch s.src[s.off : s.off+2] {
		case "<>", "<=", ">=", "!=", "||", "::", "==", "=>", "->":
			s.advance()
			s.advance()
			return tPunct, nil
		}
	}
	switch c {
	case '(', ')', ',', '.', ';', '*', '+', '-', '/', '%', '=', '<', '>', ':', '[', ']', '{', '}':
		s.advance()
		return tPunct, nil
	case '|':
		return 0, s.errorf(start, "unexpected character '|'; the string concatenation operator is '||'")
	case '!':
		return 0, s.errorf(start, "unexpected character '!'; use NOT, or '<>' for not equal")
	case '`':
		return 0, s.errorf(start, "unexpected character '`'; quote identifiers with double quotes, as in \"name\"")
	}
	if r == utf8.RuneError && w == 1 {
		return 0, s.errorf(start, "invalid UTF-8 byte 0x%02x", c)
	}
	if r < ' ' || r == 0x7f {
		return 0, s.errorf(start, "unexpected control character U+%04X", r)
	}
	return 0, s.errorf(start, "unexpected character %q", r)
}

// scanQuoted scans a string ('...') or quoted identifier ("..."); a doubled
// quote inside stands for one quote character.
func (s *scanner) scanQuoted(q byte, start Pos) *Error {
	s.advance()
	for s.off < len(s.src) {
		c := s.src[s.off]
		if c == q {
			if s.peek(1) == q {
				s.advance()
				s.advance()
				continue
			}
			s.advance()
			return nil
		}
		s.advance()
	}
	what := "string"
	if q == '"' {
		what = "quoted identifier"
	}
	return s.errorf(start, "unterminated %s starting at line %d, column %d", what, start.Line, start.Column)
}

// scanNumber scans 12, 1.5, .5, 3., 1e9, 2.5E-3.
func (s *scanner) scanNumber(start Pos) (lexer.TokenType, *Error) {
	typ := tInt
	for s.off < len(s.src) && isDigit(s.src[s.off]) {
		s.advance()
	}
	if s.peek(0) == '.' {
		typ = tDecimal
		s.advance()
		for s.off < len(s.src) && isDigit(s.src[s.off]) {
			s.advance()
		}
	}
	if c := s.peek(0); c == 'e' || c == 'E' {
		n := 1
		if c2 := s.peek(1); c2 == '+' || c2 == '-' {
			n = 2
		}
		if isDigit(s.peek(n)) {
			typ = tFloat
			for range n {
				s.advance()
			}
			for s.off < len(s.src) && isDigit(s.src[s.off]) {
				s.advance()
			}
		} else {
			s.advance()
			return 0, s.errorf(start, "malformed number %s: the exponent needs digits", s.src[start.Offset:s.off])
		}
	}
	if s.off < len(s.src) {
		r, _ := utf8.DecodeRuneInString(s.src[s.off:])
		if isIdentPart(r) || r == '.' {
			for s.off < len(s.src) {
				r, _ := utf8.DecodeRuneInString(s.src[s.off:])
				if !isIdentPart(r) && r != '.' {
					break
				}
				s.advance()
			}
			return 0, s.errorf(start, "malformed number %s", s.src[start.Offset:s.off])
		}
	}
	return typ, nil
}

// unquote returns the value of a string or quoted identifier token: the
// text between the quotes with doubled quotes collapsed.
func unquote(raw string) string {
	if len(raw) < 2 {
		return raw
	}
	q := raw[:1]
	body := raw[1 : len(raw)-1]
	if !strings.Contains(body, q) {
		return body
	}
	return strings.ReplaceAll(body, q+q, q)
}
