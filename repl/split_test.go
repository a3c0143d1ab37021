package repl

import (
	"reflect"
	"strings"
	"testing"
)

func splitAll(input string) []piece {
	var sp splitter
	var out []piece
	for _, l := range strings.Split(input, "\n") {
		out = append(out, sp.feed(l)...)
	}
	if p, ok := sp.finish(); ok {
		out = append(out, p)
	}
	return out
}

func TestSplitter(t *testing.T) {
	cases := []struct {
		in   string
		want []piece
	}{
		{"SELECT 1;", []piece{{Text: "SELECT 1;", Line: 1}}},
		{"SELECT 1; SELECT 2;", []piece{{Text: "SELECT 1;", Line: 1}, {Text: "          SELECT 2;", Line: 1, Prefix: "SELECT 1;"}}},
		{"SELECT\n  1\n;", []piece{{Text: "SELECT\n  1\n;", Line: 1}}},
		{"SELECT 'a;b', \"c;d\" -- e;f\n;", []piece{{Text: "SELECT 'a;b', \"c;d\" -- e;f\n;", Line: 1}}},
		{"SELECT 'it''s;'; ", []piece{{Text: "SELECT 'it''s;';", Line: 1}}},
		{"/* a; b */ SELECT 1;", []piece{{Text: "/* a; b */ SELECT 1;", Line: 1}}},
		{"-- only a comment\n\nSELECT 2", []piece{{Text: "SELECT 2", Line: 3}}},
		{".mode csv\nSELECT 1;\n.tables", []piece{{Text: ".mode csv", Line: 1, Dot: true}, {Text: "SELECT 1;", Line: 2}, {Text: ".tables", Line: 3, Dot: true}}},
		// A dot inside a statement is SQL.
		{"SELECT\n.5;", []piece{{Text: "SELECT\n.5;", Line: 1}}},
		{";;", nil},
		{"SELECT 'multi\nline';", []piece{{Text: "SELECT 'multi\nline';", Line: 1}}},
	}
	for _, c := range cases {
		got := splitAll(c.in)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q:\n got %#v\nwant %#v", c.in, got, c.want)
		}
	}
}

func TestSplitterPending(t *testing.T) {
	var sp splitter
	sp.feed("-- comment")
	if sp.pending() {
		t.Error("a comment line left a statement pending")
	}
	sp.feed("SELECT 1")
	if !sp.pending() {
		t.Error("no statement pending")
	}
	if got := sp.feed("+ 1;"); len(got) != 1 || sp.pending() {
		t.Errorf("got %v, pending %v", got, sp.pending())
	}
	sp.feed("/* open")
	if !sp.pending() {
		t.Error("open comment not pending")
	}
}

func TestOneLine(t *testing.T) {
	got := oneLine("SELECT a, -- the a\n  b  -- 'x\nFROM t;")
	if got != "SELECT a, b FROM t;" {
		t.Errorf("got %q", got)
	}
	if got := oneLine("SELECT '--not' AS x"); got != "SELECT '--not' AS x" {
		t.Errorf("got %q", got)
	}
}

func TestSplitWords(t *testing.T) {
	got, err := splitWords(`mode csv 'a b' "c ""d"""`)
	if err != nil || !reflect.DeepEqual(got, []string{"mode", "csv", "a b", `c "d"`}) {
		t.Errorf("got %q %v", got, err)
	}
	if _, err := splitWords(`once 'x`); err == nil {
		t.Error("unterminated quote accepted")
	}
}
