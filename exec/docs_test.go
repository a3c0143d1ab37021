package exec

import (
	"os"
	"strings"
	"testing"
)

// TestFunctionsDocumented checks that docs/sql.md names every scalar and
// aggregate function, as it is written in a call (`name(`) or as an
// alias in backquotes (`name`).
func TestFunctionsDocumented(t *testing.T) {
	data, err := os.ReadFile("../docs/sql.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.ToLower(string(data))
	names := append(FunctionNames(), AggregateNames()...)
	for _, n := range names {
		if !strings.Contains(doc, "`"+n+"(") && !strings.Contains(doc, "`"+n+"`") {
			t.Errorf("docs/sql.md does not document %s(...)", n)
		}
	}
}
