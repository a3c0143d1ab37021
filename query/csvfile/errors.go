package csvfile

import (
	"encoding/csv"
	"fmt"
	"strings"
)

// Error is a problem in a CSV file: the file, the line (1-based, counting
// every line of the file) and column (1-based field number) where known,
// what is wrong and what to do about it.
type Error struct {
	Path   string
	Line   int    // 1-based, or -1
	Column int    // 1-based field number, or -1
	Name   string // the column's name, or ""
	Msg    string
	Hint   string
	Err    error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Path)
	var where []string
	if e.Line > 0 {
		where = append(where, fmt.Sprintf("line %d", e.Line))
	}
	if e.Column > 0 {
		c := fmt.Sprintf("column %d", e.Column)
		if e.Name != "" {
			c += " (" + e.Name + ")"
		}
		where = append(where, c)
	}
	if len(where) > 0 {
		b.WriteString(": " + strings.Join(where, ", "))
	}
	b.WriteString(": " + e.Msg)
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	if e.Hint != "" {
		b.WriteString(" (" + e.Hint + ")")
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// parseErr converts encoding/csv's error; skip lines were dropped before
// the reader saw the text.
func parseErr(path string, skip int, pe *csv.ParseError) *Error {
	e := &Error{Path: path, Line: pe.Line + skip, Column: -1, Msg: "is not valid CSV", Err: pe.Err}
	switch pe.Err {
	case csv.ErrQuote:
		e.Msg = fmt.Sprintf("a quoted field that starts on line %d is not closed or is followed by other characters", pe.StartLine+skip)
		e.Err = nil
		e.Hint = `inside quotes a quote is written twice ("say ""hi""")`
	case csv.ErrBareQuote:
		e.Msg = fmt.Sprintf(`a quote (") appears inside an unquoted field, at character %d`, pe.Column)
		e.Err = nil
		e.Hint = `quote the whole field and double the quote inside ("a ""b"" c")`
	}
	return e
}
