package repl

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOutputFileReplacedOnlyOnSuccess: an output file is left as it was
// when the statement fails to parse, to bind or halfway through a Parquet
// export; no temporary file is left behind; a successful result replaces
// it.
func TestOutputFileReplacedOnlyOnSuccess(t *testing.T) {
	for _, tc := range []struct {
		name, sql string
		mode      Mode
		replaced  bool
		errText   string
	}{
		{"parse error", "SELEC 1", ModeCSV, false, "SELEC"},
		{"bind error", "SELECT nope FROM lineitem", ModeCSV, false, "nope"},
		{"parquet of an INTERVAL", "SELECT 1 AS a, INTERVAL 1 DAY AS iv", ModeParquet, false, "column iv of type INTERVAL"},
		{"success", "SELECT 42 AS x", ModeCSV, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			target := filepath.Join(dir, "out")
			if err := os.WriteFile(target, []byte("precious\n"), 0o640); err != nil {
				t.Fatal(err)
			}
			var stderr strings.Builder
			r, err := New(Config{Engine: testEngine(t), Stderr: &stderr, Mode: tc.mode, Output: target})
			if err != nil {
				t.Fatal(err)
			}
			r.Exec(context.Background(), tc.sql)
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(target)
			if replaced := string(got) != "precious\n"; replaced != tc.replaced {
				t.Errorf("file replaced %v, want %v (holds %q; stderr %q)", replaced, tc.replaced, got, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.errText) {
				t.Errorf("stderr %q, want it to contain %q", stderr.String(), tc.errText)
			}
			if tc.replaced {
				if st, _ := os.Stat(target); st.Mode().Perm() != 0o640 {
					t.Errorf("replaced file has mode %v, want the old file's 0640", st.Mode().Perm())
				}
			}
			if ents, _ := os.ReadDir(dir); len(ents) != 1 {
				t.Errorf("directory holds %d entries, want only the target", len(ents))
			}
		})
	}
}

// TestOutputAppendsAfterTheFirstResult: later results of a script go to
// the same file, after the first.
func TestOutputAppendsAfterTheFirstResult(t *testing.T) {
	target := filepath.Join(t.TempDir(), "out.csv")
	r, err := New(Config{Engine: testEngine(t), Mode: ModeCSV, Output: target})
	if err != nil {
		t.Fatal(err)
	}
	r.Exec(context.Background(), "SELECT 1 AS a; SELECT nope; SELECT 2 AS b;")
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(target)
	if string(got) != "a\n1\nb\n2\n" {
		t.Errorf("file holds %q", got)
	}
}
