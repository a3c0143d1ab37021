package copybook_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/recq/recq/query"
	"github.com/recq/recq/query/copybook"
)

// FuzzParse: any text parses or fails with a positioned error inside the
// text, never a panic; what parses converts to DDL that is a valid layout
// or fails with a positioned error.
func FuzzParse(f *testing.F) {
	if b, err := os.ReadFile("testdata/customer.cpy"); err == nil {
		f.Add(string(b))
	}
	for _, s := range []string{
		"01 R.\n 05 A PIC S9(7)V99 COMP-3.\n 05 B PIC X(3) OCCURS 2.",
		"01 R.\n 05 A PIC X.\n 05 B REDEFINES A PIC 9.\n 66 C RENAMES A THRU B.",
		"000100 01 REC.\n000200     05 A PIC X VALUE 'AB\n000300-    'CD'.",
		"01 R.\n 05 A PIC ZZ,ZZ9.99-.\n 05 B PIC PP9 COMP-3.\n 05 C COMP-1.",
		"01 R.\n 05 G OCCURS 3 DEPENDING ON N.\n  10 X PIC 9.",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		lines := strings.Count(src, "\n") + 1
		check := func(err error) {
			var e *copybook.Error
			if !errors.As(err, &e) {
				t.Fatalf("error without a position: %v", err)
			}
			if e.Line < 1 || e.Line > lines || e.Column < 1 {
				t.Fatalf("error outside the text (%d lines): %v", lines, err)
			}
		}
		cb, err := copybook.Parse(src, copybook.Options{})
		if err != nil {
			check(err)
			return
		}
		if cb.RecordLength() > 1<<16 {
			return // OCCURS counts can make huge records; the layout refuses them
		}
		ddl, err := cb.DDL(copybook.DDLOptions{})
		if err != nil {
			check(err)
			return
		}
		if _, err := query.ParseLayout(ddl); err != nil && !strings.Contains(err.Error(), "record length") {
			t.Fatalf("generated DDL is not a layout: %v\n%s\nfrom\n%s", err, ddl, src)
		}
	})
}
