package importer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHeaderChecked: with --header the header's column names must be the
// layout's, in order (case and spaces aside); otherwise the import fails
// naming the first difference, and no output file appears.
func TestHeaderChecked(t *testing.T) {
	const ddl = "CREATE TABLE t (id INT32, name CHAR(10), price DECIMAL(9,2))"
	for _, tc := range []struct {
		name, header, err string
	}{
		{"same", "id,name,price", ""},
		{"case and spaces", " ID , Name,PRICE", ""},
		{"trailing delimiter", "id,name,price,", ""},
		{"swapped", "id,price,name", `column 2 is "price" where the layout has name`},
		{"missing", "id,name", "the header has 2 columns, the layout 3"},
		{"quoted", `"id","name","price"`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			in := filepath.Join(dir, "t.csv")
			out := filepath.Join(dir, "t.rec")
			if err := os.WriteFile(in, []byte(tc.header+"\n1,ab,2.50\n2,cd,3.00\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			st, err := runImport(t, Options{Schema: ddl, From: in, Out: out, Delimiter: ',', Header: true})
			if tc.err == "" {
				if err != nil || st.Rows != 2 {
					t.Fatalf("rows %d, err %v", st.Rows, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), in+":1") {
				t.Fatalf("error %v, want %q at %s:1", err, tc.err, in)
			}
			if _, serr := os.Stat(out); serr == nil {
				t.Error("output file written despite the header error")
			}
		})
	}
}
