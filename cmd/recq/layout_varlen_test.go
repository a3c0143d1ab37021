package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLayoutCopybookRecordFormat: recq layout --copybook --record-format
// V|VB writes Cobrix's options, and the layout reads the variable-length
// samples as their hand-written sidecars do.
func TestLayoutCopybookRecordFormat(t *testing.T) {
	const cpy = "../../query/copybook/testdata/accounts.cpy"
	for _, tc := range []struct {
		file string
		args []string
		with string
	}{
		{"accounts_v.ebc", []string{"--record-format", "V", "--rdw-adjustment=-4"}, "record_format = 'V', rdw_adjustment = -4);"},
		{"accounts_vb.ebc", []string{"--record-format", "VB", "--rdw-adjustment=-4", "--bdw-adjustment=-4"}, "record_format = 'VB', rdw_adjustment = -4, bdw_adjustment = -4);"},
	} {
		var out, errs bytes.Buffer
		if code := run(append([]string{"layout", "--copybook", cpy}, tc.args...), &env{stdout: &out, stderr: &errs}); code != 0 {
			t.Fatalf("exit %d: %s", code, errs.String())
		}
		if !strings.Contains(out.String(), tc.with) {
			t.Fatalf("no %q in\n%s", tc.with, out.String())
		}
		data, err := os.ReadFile("../../testdata/mainframe/" + tc.file)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), tc.file)
		os.WriteFile(path, data, 0o644)
		os.WriteFile(path+".schema", out.Bytes(), 0o644)
		const q = "SELECT _rowid, acct_id, name, balance, credit, status FROM '%s' ORDER BY _rowid"
		query := func(p string) string {
			var out, errs bytes.Buffer
			if code := run([]string{"-m", "csv", "-c", strings.Replace(q, "%s", p, 1)}, &env{stdout: &out, stderr: &errs}); code != 0 {
				t.Fatalf("exit %d: %s", code, errs.String())
			}
			return out.String()
		}
		if got, want := query(path), query("../../testdata/mainframe/"+tc.file); got != want || strings.Count(got, "\n") != 7 {
			t.Errorf("%s through the copybook's layout:\n%s\nthrough the sidecar:\n%s", tc.file, got, want)
		}
	}
}
