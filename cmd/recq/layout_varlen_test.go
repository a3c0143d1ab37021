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

// TestGenRecordFormat: recq gen --format ebcdic --record-format V|VB
// writes the same rows as fixed-length records, read back through the
// sidecar it writes; --record-format needs --format ebcdic.
func TestGenRecordFormat(t *testing.T) {
	dir := t.TempDir()
	const q = "SELECT count(*), sum(o_totalprice), min(o_comment), max(_rowid) FROM '%s'"
	result := func(rf string) string {
		path := filepath.Join(dir, "orders_"+rf)
		var out, errs bytes.Buffer
		if code := run([]string{"gen", "--table", "orders", "--scale", "0.01", "--out", path, "--format", "ebcdic", "--record-format", rf}, &env{stdout: &out, stderr: &errs}); code != 0 {
			t.Fatalf("gen %s: exit %d: %s", rf, code, errs.String())
		}
		out.Reset()
		if code := run([]string{"-m", "csv", "-c", strings.Replace(q, "%s", path, 1)}, &env{stdout: &out, stderr: &errs}); code != 0 {
			t.Fatalf("query %s: exit %d: %s", rf, code, errs.String())
		}
		return out.String()
	}
	want := result("F")
	for _, rf := range []string{"V", "VB"} {
		if got := result(rf); got != want {
			t.Errorf("--record-format %s:\n%s\nwant\n%s", rf, got, want)
		}
	}
	var out, errs bytes.Buffer
	if code := run([]string{"gen", "--table", "sensors", "--rows", "5", "--out", filepath.Join(dir, "s.txt"), "--format", "text", "--record-format", "V"}, &env{stdout: &out, stderr: &errs}); code != 2 || !strings.Contains(errs.String(), "needs --format ebcdic") {
		t.Errorf("--record-format V --format text: exit %d, %s", code, errs.String())
	}
}

// TestImportRefusesVariableLength: recq import says it does not read V
// files and what to run instead.
func TestImportRefusesVariableLength(t *testing.T) {
	var out, errs bytes.Buffer
	code := run([]string{"import", "--from", "../../testdata/mainframe/accounts_v.ebc", "--out", filepath.Join(t.TempDir(), "x.rec")}, &env{stdout: &out, stderr: &errs})
	if code == 0 || !strings.Contains(errs.String(), "does not read variable-length records (record_format V)") || !strings.Contains(errs.String(), "COPY (SELECT") {
		t.Errorf("exit %d: %s", code, errs.String())
	}
}
