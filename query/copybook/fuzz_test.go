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
		"01 R.\n 05 N PIC 9.\n 05 G OCCURS 1 TO 3 DEPENDING ON N.\n  10 X PIC 9.\n  10 H.\n   15 Y PIC X OCCURS 2.",
		"01 R.\n 05 DAY OCCURS 31.\n  10 V PIC S9(5).\n  10 M PIC X.\n  10 Q PIC X.\n  10 S PIC X.",
		"01 R.\n 05 A.\n  10 B PIC X.\n  10 C.\n   15 D PIC 9 OCCURS 2.\n 05 E PIC X.",
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
		// Every shape: arrays (the default), flattened OCCURS, groups as
		// structs.
		for _, o := range []copybook.DDLOptions{{}, {Occurs: "flatten"}, {Groups: "struct"}} {
			ddl, err := cb.DDL(o)
			if err != nil {
				check(err)
				continue
			}
			if _, err := query.ParseLayout(ddl); err != nil && !strings.Contains(err.Error(), "record length") {
				t.Fatalf("generated DDL (%+v) is not a layout: %v\n%s\nfrom\n%s", o, err, ddl, src)
			}
		}
	})
}
