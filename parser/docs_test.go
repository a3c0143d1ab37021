package parser

import (
	"os"
	"strings"
	"testing"
)

// TestDocsExamples parses every ```sql block of docs/sql.md, so the
// reference can not drift from the parser.
func TestDocsExamples(t *testing.T) {
	data, err := os.ReadFile("../docs/sql.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := 0
	rest := string(data)
	for {
		i := strings.Index(rest, "```sql\n")
		if i < 0 {
			break
		}
		rest = rest[i+len("```sql\n"):]
		j := strings.Index(rest, "```")
		if j < 0 {
			t.Fatal("unterminated ```sql block")
		}
		block := rest[:j]
		rest = rest[j+3:]
		blocks++
		stmts, err := Parse(block)
		if err != nil {
			if e, ok := err.(interface{ Render(string) string }); ok {
				t.Errorf("docs/sql.md example does not parse:\n%s", e.Render(block))
			} else {
				t.Errorf("docs/sql.md example does not parse: %v", err)
			}
			continue
		}
		for _, s := range stmts {
			checkRoundTrip(t, "docs/sql.md", s)
		}
	}
	if blocks < 10 {
		t.Errorf("only %d sql blocks found in docs/sql.md", blocks)
	}
}
