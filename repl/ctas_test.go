package repl

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/query"
)

// TestCreateTableAsPrintsItsMessage: like COPY, CREATE TABLE ... AS
// prints its message (rows written, the file) in the shell and nothing in
// a script, and the table it wrote answers the next statement.
func TestCreateTableAsPrintsItsMessage(t *testing.T) {
	for _, interactive := range []bool{false, true} {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		dir := t.TempDir()
		eng, err := query.Open(query.Options{DataDir: dir, Allocator: mem})
		if err != nil {
			t.Fatal(err)
		}
		var stdout, stderr strings.Builder
		r, err := New(Config{Engine: eng, Stdout: &stdout, Stderr: &stderr, Mode: ModeCSV, Interactive: interactive})
		if err != nil {
			t.Fatal(err)
		}
		r.Exec(context.Background(), "CREATE TABLE t AS SELECT 7 AS a, 'x' AS b; SELECT a, b FROM t")
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
		eng.Close()
		mem.AssertSize(t, 0)
		want := "a,b\n7,x\n"
		if interactive {
			want = "1 rows written to table t (" + dir + "/t.rec)\n" + want
		}
		if stdout.String() != want || stderr.String() != "" {
			t.Errorf("interactive=%v: stdout %q, stderr %q; want stdout %q", interactive, stdout.String(), stderr.String(), want)
		}
	}
}
