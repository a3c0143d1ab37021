// Package copybook reads COBOL copybooks (record descriptions) and turns
// them into recq layout DDL: the CREATE TABLE statement query.ParseLayout
// reads. Parse builds the item tree with each item's offset and size in
// the record; DDL flattens it into columns. docs/mainframe.md, section
// "Copybooks", lists what is read and how it differs from Cobrix.
package copybook

import (
	"fmt"
	"regexp"
	"strings"
)

// Error is a problem in a copybook, at a line and column (1-based, the
// column counted in characters from the start of the line).
type Error struct {
	Line, Column int
	Msg          string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s (line %d, column %d)", e.Msg, e.Line, e.Column)
}

func errAt(line, col int, format string, args ...any) *Error {
	return &Error{Line: line, Column: col, Msg: fmt.Sprintf(format, args...)}
}

// Format says how a copybook's lines are laid out.
type Format int

const (
	// Auto is Fixed unless a line starts a level number within columns
	// 1-6 (a copybook written from the first column).
	Auto Format = iota
	// Fixed is the reference format: columns 1-6 are the sequence area,
	// column 7 the indicator (* or / a comment, - a continuation, D a
	// debugging line, read as a comment), columns 8-72 the text and 73
	// on the identification area; only 8-72 are read.
	Fixed
	// Free reads whole lines; a line whose first non-blank characters
	// are * or *> is a comment, and *> starts a comment anywhere.
	Free
)

// char is one character of the copybook's text with its position.
type char struct {
	r         rune
	line, col int
}

// freeStart recognises a line written from the first column: a level
// number that starts before column 7.
var freeStart = regexp.MustCompile(`^ {0,5}[0-9]{1,2}[ \t]+[A-Za-z0-9]`)

// detectFormat picks Fixed or Free for Auto.
func detectFormat(lines []string) Format {
	for _, l := range lines {
		if freeStart.MatchString(l) {
			return Free
		}
	}
	return Fixed
}

// sourceText returns the text of the copybook's entries, comments and
// ignored areas removed and continuation lines joined, one char per
// character with its position. Lines are separated by a '\n' char.
func sourceText(src string, f Format) ([]char, error) {
	src = strings.ReplaceAll(src, "\r\n", "\n")
	lines := strings.Split(src, "\n")
	if f == Auto {
		f = detectFormat(lines)
	}
	var out []char
	inLit := byte(0) // the quote of a literal open at the end of the text so far
	lastLine := 0    // the line the last text came from
	for i, l := range lines {
		line := i + 1
		runes := []rune(strings.TrimRight(l, "\r"))
		start, end := 0, len(runes)
		if f == Fixed {
			if len(runes) < 7 {
				continue
			}
			switch runes[6] {
			case '*', '/', 'D', 'd':
				continue
			case ' ', '-':
			default:
				return nil, errAt(line, 7, "column 7 holds %q: in a fixed-format copybook it is blank, * or / (a comment) or - (a continuation); columns 1-6 are the sequence area", runes[6])
			}
			start, end = 7, min(len(runes), 72)
			if runes[6] == '-' {
				if lastLine == 0 {
					return nil, errAt(line, 7, "a continuation line (- in column 7) with no line before it to continue")
				}
				k := start
				for k < end && runes[k] == ' ' {
					k++
				}
				if k == end {
					continue
				}
				if inLit != 0 {
					// The literal runs to column 72 of the line before; the
					// continuation resumes after its opening quote.
					if byte(runes[k]) != inLit {
						return nil, errAt(line, k+1, "a continued literal must resume with a %c quote", inLit)
					}
					prev := out[len(out)-1]
					for c := prev.col + 1; c <= 72; c++ {
						out = append(out, char{' ', prev.line, c})
					}
					k++
				} else {
					// A word continues at the first non-blank character.
					for len(out) > 0 && (out[len(out)-1].r == ' ' || out[len(out)-1].r == '\n') {
						out = out[:len(out)-1]
					}
				}
				for ; k < end; k++ {
					out = append(out, char{runes[k], line, k + 1})
					inLit = quoteState(inLit, runes[k])
				}
				continue
			}
		} else {
			t := strings.TrimLeft(string(runes), " \t")
			if strings.HasPrefix(t, "*") {
				continue
			}
			for k := 0; k+1 < len(runes); k++ {
				if runes[k] == '*' && runes[k+1] == '>' {
					end = k
					break
				}
			}
		}
		if len(out) > 0 {
			out = append(out, char{'\n', line, start + 1})
		}
		inLit = 0
		for k := start; k < end; k++ {
			r := runes[k]
			if r == '\t' {
				r = ' '
			}
			out = append(out, char{r, line, k + 1})
			inLit = quoteState(inLit, r)
		}
		lastLine = line
	}
	return out, nil
}

// quoteState tracks whether text is inside a literal after rune r.
func quoteState(open byte, r rune) byte {
	switch {
	case open == 0 && (r == '\'' || r == '"'):
		return byte(r)
	case open != 0 && r == rune(open):
		return 0
	}
	return open
}
