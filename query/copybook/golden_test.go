package copybook_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recq/recq/query"
	"github.com/recq/recq/query/copybook"
)

var update = flag.Bool("update", false, "rewrite the expected DDL of testdata/*.cpy")

// TestGolden: each testdata/NAME.cpy converts to testdata/NAME.ddl, and the
// DDL is a valid layout of the copybook's record length.
func TestGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.cpy")
	if len(files) == 0 {
		t.Fatal("no testdata/*.cpy")
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		cb, err := copybook.Parse(string(src), copybook.Options{})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		name := strings.TrimSuffix(filepath.Base(f), ".cpy")
		ddl, err := cb.DDL(copybook.DDLOptions{Table: name})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		want := strings.TrimSuffix(f, ".cpy") + ".ddl"
		if *update {
			os.WriteFile(want, []byte(ddl), 0o644)
		}
		exp, err := os.ReadFile(want)
		if err != nil {
			t.Fatalf("%v (run with -update)", err)
		}
		if ddl != string(exp) {
			t.Errorf("%s: DDL differs from %s (run with -update and check the diff):\n%s", f, want, ddl)
		}
		l, err := query.ParseLayout(ddl)
		if err != nil {
			t.Fatalf("%s: the DDL is not a valid layout: %v\n%s", f, err, ddl)
		}
		if l.Schema.RecordLen != cb.RecordLength() {
			t.Errorf("%s: layout record length %d, copybook %d", f, l.Schema.RecordLen, cb.RecordLength())
		}
	}
}
