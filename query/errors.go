package query

import (
	"errors"
	"fmt"
	"strings"

	"github.com/recq/recq/parser"
)

// Errors by phase. Parse and bind errors are *parser.Error values (with a
// line, column and Render for a caret under the offending text); execution
// errors come from storage (*storage.FileError: file, record, offset,
// field) or exec. These sentinels classify the rest for errors.Is.
var (
	// ErrResultTooLarge: the result has more rows than the max_rows setting.
	ErrResultTooLarge = errors.New("result too large")
	// ErrClosed: the engine was closed.
	ErrClosed = errors.New("engine closed")
)

// posErr builds a positioned error at p.
func posErr(p parser.Pos, format string, args ...any) error {
	return &parser.Error{Line: p.Line, Column: p.Column, Offset: p.Offset, Msg: fmt.Sprintf(format, args...)}
}

// internalErr reports a bug: a plan the planner itself built is invalid.
func internalErr(format string, args ...any) error {
	return fmt.Errorf("internal error (this is a bug in recq): "+format, args...)
}

// suggest returns "; did you mean X?" for the candidate closest to name,
// or "" when none is close.
func suggest(name string, candidates []string) string {
	best, bestD := "", 1<<30
	lname := strings.ToLower(name)
	for _, c := range candidates {
		d := editDistance(lname, strings.ToLower(c))
		if d < bestD || (d == bestD && c < best) {
			best, bestD = c, d
		}
	}
	if best == "" || bestD > max(1, len(name)/3) {
		return ""
	}
	return "; did you mean " + best + "?"
}

// editDistance is the optimal-string-alignment distance between a and b:
// insertions, deletions, substitutions and transpositions of adjacent
// characters (the usual typos) each cost 1.
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
