package copybook

import "strings"

// tokKind is the kind of a token.
type tokKind int

const (
	tWord    tokKind = iota // a name, keyword, number or picture string
	tLiteral                // a quoted literal ('...' or "...")
	tPeriod                 // the period that ends an entry
	tEOF
)

type token struct {
	kind      tokKind
	text      string // a literal's text without quotes
	line, col int
}

// upper is the token's text in upper case (COBOL words are
// case-insensitive).
func (t token) upper() string { return strings.ToUpper(t.text) }

// is reports whether the token is the word w (upper case).
func (t token) is(w ...string) bool {
	if t.kind != tWord {
		return false
	}
	u := t.upper()
	for _, x := range w {
		if u == x {
			return true
		}
	}
	return false
}

func isSpace(r rune) bool { return r == ' ' || r == '\n' || r == '\t' }

// lex splits the text into tokens. Words run to white space; a period,
// comma or semicolon followed by white space (or the end) ends a word, the
// period as a token of its own, the others as separators.
func lex(text []char) ([]token, error) {
	var toks []token
	n := len(text)
	sepAt := func(i int) bool { return i+1 >= n || isSpace(text[i+1].r) }
	for i := 0; i < n; {
		c := text[i]
		switch {
		case isSpace(c.r):
			i++
		case c.r == '.' && sepAt(i):
			toks = append(toks, token{kind: tPeriod, text: ".", line: c.line, col: c.col})
			i++
		case (c.r == ',' || c.r == ';') && sepAt(i):
			i++
		case c.r == '\'' || c.r == '"':
			var b strings.Builder
			j := i + 1
			for {
				if j >= n || text[j].r == '\n' {
					return nil, errAt(c.line, c.col, "unterminated literal: close it with %c on the same line, or continue it with - in column 7", c.r)
				}
				if text[j].r == c.r {
					if j+1 < n && text[j+1].r == c.r {
						b.WriteRune(c.r)
						j += 2
						continue
					}
					break
				}
				b.WriteRune(text[j].r)
				j++
			}
			toks = append(toks, token{kind: tLiteral, text: b.String(), line: c.line, col: c.col})
			i = j + 1
		default:
			var b strings.Builder
			j := i
			for j < n && !isSpace(text[j].r) {
				r := text[j].r
				if (r == '.' || r == ',' || r == ';') && sepAt(j) {
					break
				}
				if (r == '\'' || r == '"') && j > i {
					break
				}
				b.WriteRune(r)
				j++
			}
			toks = append(toks, token{kind: tWord, text: b.String(), line: c.line, col: c.col})
			i = j
		}
	}
	end := token{kind: tEOF, line: 1, col: 1}
	if n > 0 {
		end.line, end.col = text[n-1].line, text[n-1].col+1
	}
	return append(toks, end), nil
}
