package difftest

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var regen = flag.Bool("regen", false, "rewrite testdata/difftest/t7.rec, the table the golden tests in found_by_difftest.test read")

// goldenTable is the file the regression tests in
// testdata/sql/found_by_difftest.test query: the difftest table (every
// type, NULLs, edge values) with 7-record blocks, so that scans see many
// small chunks.
const goldenTable = "../../testdata/difftest/t7.rec"

func writeGoldenTable(dir string) (string, error) {
	return genTable(7, 120).writeRec(dir, 7)
}

// TestGoldenTableUpToDate checks that the checked-in table is what the
// generator writes (run with -regen after changing the generator).
func TestGoldenTableUpToDate(t *testing.T) {
	fresh, err := writeGoldenTable(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(fresh)
	if err != nil {
		t.Fatal(err)
	}
	if *regen {
		if err := os.MkdirAll(filepath.Dir(goldenTable), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(goldenTable, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(goldenTable)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from what the generator writes; rerun with -regen and check the golden tests", goldenTable)
	}
}
