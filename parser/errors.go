package parser

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Error is a syntax error at a position in the SQL text. Line and Column
// are 1-based (Column counts characters); Offset is the 0-based byte offset.
type Error struct {
	Line, Column, Offset int
	Msg                  string
}

// Error returns the message and position on one line, as in
// "expected an expression after ',' (line 1, column 11)".
func (e *Error) Error() string {
	return fmt.Sprintf("%s (line %d, column %d)", e.Msg, e.Line, e.Column)
}

// Position returns the error's position.
func (e *Error) Position() Pos { return Pos{Line: e.Line, Column: e.Column, Offset: e.Offset} }

// Render formats the error for a person, with the offending line of source
// and a caret under the error's column:
//
//	Error: expected an expression after ',' (line 1, column 11)
//	SELECT a, FROM t
//	          ^
//
// Tabs in the line before the caret are copied into the caret's indent, and
// wide (East Asian) characters count two cells, so the caret lines up in a
// terminal. The result has no trailing newline.
func (e *Error) Render(source string) string {
	line, prefix := sourceLine(source, e.Offset)
	var b strings.Builder
	b.WriteString("Error: ")
	b.WriteString(e.Error())
	b.WriteString("\n")
	b.WriteString(line)
	b.WriteString("\n")
	b.WriteString(caretIndent(prefix))
	b.WriteString("^")
	return b.String()
}

// sourceLine returns the line of src containing byte offset off (without
// its line terminator) and the part of that line before off.
func sourceLine(src string, off int) (line, prefix string) {
	if off < 0 {
		off = 0
	}
	if off > len(src) {
		off = len(src)
	}
	start := strings.LastIndexByte(src[:off], '\n') + 1
	end := strings.IndexByte(src[off:], '\n')
	if end < 0 {
		end = len(src)
	} else {
		end += off
	}
	line = strings.TrimSuffix(src[start:end], "\r")
	prefix = src[start:off]
	if len(prefix) > len(line) {
		prefix = line
	}
	return line, prefix
}

// caretIndent returns white space as wide as prefix is on a terminal.
func caretIndent(prefix string) string {
	var b strings.Builder
	for _, r := range prefix {
		switch {
		case r == '\t':
			b.WriteByte('\t')
		case isWide(r):
			b.WriteString("  ")
		case unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) || r == '\u200b':
			// zero width
		default:
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// isWide reports whether r occupies two terminal cells (East Asian wide
// and fullwidth characters, most emoji).
func isWide(r rune) bool {
	if r < 0x1100 {
		return false
	}
	switch {
	case r <= 0x115F, // Hangul Jamo
		r >= 0x2E80 && r <= 0x303E, // CJK radicals .. symbols
		r >= 0x3041 && r <= 0x33FF, // Hiragana .. CJK compatibility
		r >= 0x3400 && r <= 0x4DBF, // CJK extension A
		r >= 0x4E00 && r <= 0x9FFF, // CJK unified ideographs
		r >= 0xA000 && r <= 0xA4CF, // Yi
		r >= 0xAC00 && r <= 0xD7A3, // Hangul syllables
		r >= 0xF900 && r <= 0xFAFF, // CJK compatibility ideographs
		r >= 0xFE30 && r <= 0xFE4F, // CJK compatibility forms
		r >= 0xFF00 && r <= 0xFF60, // fullwidth forms
		r >= 0xFFE0 && r <= 0xFFE6,
		r >= 0x1F300 && r <= 0x1F64F, // emoji
		r >= 0x1F900 && r <= 0x1F9FF,
		r >= 0x20000 && r <= 0x3FFFD: // CJK extensions B..
		return true
	}
	return false
}

// ErrorList is the errors of several statements, sorted by position. Its
// Error method prints the first error and a count of the rest, as
// go/scanner's ErrorList does: "... (line 1, column 8) (and 2 more errors)".
// errors.As finds the *Error inside.
type ErrorList []*Error

func (l ErrorList) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	case 2:
		return l[0].Error() + " (and 1 more error)"
	}
	return fmt.Sprintf("%s (and %d more errors)", l[0].Error(), len(l)-1)
}

// Render renders the first error with its source line and caret, followed
// by a line counting the others.
func (l ErrorList) Render(source string) string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Render(source)
	case 2:
		return l[0].Render(source) + "\n(and 1 more error)"
	}
	return fmt.Sprintf("%s\n(and %d more errors)", l[0].Render(source), len(l)-1)
}

// Unwrap returns the errors, so errors.As(err, &perr) finds the first.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// Sort orders the list by position.
func (l ErrorList) Sort() {
	sort.SliceStable(l, func(i, j int) bool { return l[i].Offset < l[j].Offset })
}

// err returns nil for an empty list, the *Error itself for one error, and
// the list for more.
func (l ErrorList) err() error {
	switch len(l) {
	case 0:
		return nil
	case 1:
		return l[0]
	}
	return l
}

// describe names a token for a message: keywords upper case and bare,
// everything else quoted as written.
func describe(t token) string {
	switch t.typ {
	case tKeyword:
		return strings.ToUpper(t.val)
	case tString:
		return "string " + shorten(t.val)
	case tInt, tDecimal, tFloat:
		return "number " + shorten(t.val)
	case tQIdent, tIdent:
		return shorten(t.val)
	}
	return "'" + t.val + "'"
}

// shorten limits a token's text in messages.
func shorten(s string) string {
	if utf8.RuneCountInString(s) <= 40 {
		return s
	}
	r := []rune(s)
	return string(r[:37]) + "..."
}
