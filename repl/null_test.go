package repl

import (
	"strings"
	"testing"
)

// TestNullTypedColumn: SELECT NULL is a NULL in every mode, rendered with
// the mode's NULL text, never as Arrow's "(null)".
func TestNullTypedColumn(t *testing.T) {
	eng := testEngine(t)
	for _, tc := range []struct {
		mode Mode
		want string
	}{
		{ModeCSV, "n,x\n,1\n"},
		{ModeTSV, "n\tx\n\t1\n"},
		{ModeJSON, `{"n":null,"x":1}`},
		{ModeJSONL, `{"n":null,"x":1}`},
		{ModeMarkdown, "NULL"},
		{ModeLine, "n = NULL"},
		{ModeTable, "NULL"},
	} {
		t.Run(tc.mode.String(), func(t *testing.T) {
			out := render(t, eng, "SELECT NULL AS n, 1 AS x", RenderOptions{Mode: tc.mode})
			if strings.Contains(out, "(null)") || !strings.Contains(out, tc.want) {
				t.Errorf("%s output %q, want it to contain %q and no (null)", tc.mode, out, tc.want)
			}
		})
	}
}
