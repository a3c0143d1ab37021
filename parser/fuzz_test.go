package parser

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzParse checks that no input makes the parser panic or hang, that every
// error has a sane position and renders, and that whatever parses prints
// as SQL that parses back to the same tree.
func FuzzParse(f *testing.F) {
	for _, path := range goldenFiles(f) {
		for _, c := range readGolden(f, path) {
			f.Add(c.input)
		}
	}
	f.Add("SELECT ((((1))))")
	f.Add("SELECT 'a' || \"b\" -- c\n/* d */")
	f.Fuzz(func(t *testing.T, sql string) {
		start := time.Now()
		stmts, err := Parse(sql)
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("Parse took %v for %d bytes", d, len(sql))
		}
		if err != nil {
			checkError(t, sql, err)
			return
		}
		for _, s := range stmts {
			checkRoundTrip(t, "fuzz", s)
		}
		if e, err := ParseExpr(sql); err == nil {
			checkExprRoundTrip(t, "fuzz expr", e)
		} else {
			checkError(t, sql, err)
		}
	})
}

// checkError verifies an error's position against the text and that it
// renders.
func checkError(t *testing.T, sql string, err error) {
	t.Helper()
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("error of type %T: %v", err, err)
	}
	var list ErrorList
	if errors.As(err, &list) {
		for _, e := range list {
			checkOneError(t, sql, e)
		}
		_ = list.Render(sql)
		return
	}
	checkOneError(t, sql, pe)
}

func checkOneError(t *testing.T, sql string, e *Error) {
	t.Helper()
	if strings.Contains(e.Msg, "internal error") || strings.Contains(e.Msg, "unexpected token") {
		t.Fatalf("bad message for %q: %s", sql, e.Msg)
	}
	if e.Offset < 0 || e.Offset > len(sql) || e.Line < 1 || e.Column < 1 {
		t.Fatalf("error position %d:%d offset %d out of range for %d bytes", e.Line, e.Column, e.Offset, len(sql))
	}
	if len(sql) <= MaxInputSize {
		line := 1 + strings.Count(sql[:e.Offset], "\n")
		col := 1 + utf8.RuneCountInString(sql[strings.LastIndexByte(sql[:e.Offset], '\n')+1:e.Offset])
		if line != e.Line || col != e.Column {
			t.Fatalf("error at %d:%d but offset %d is %d:%d in %q", e.Line, e.Column, e.Offset, line, col, sql)
		}
	}
	_ = e.Render(sql)
}
