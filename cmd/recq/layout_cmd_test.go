package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLayoutCopybook: recq layout --copybook prints a layout that reads the
// sample mainframe file as its hand-written layout does.
func TestLayoutCopybook(t *testing.T) {
	dir := t.TempDir()
	const cpy = "../../query/copybook/testdata/accounts.cpy"
	var out, errs bytes.Buffer
	if code := run([]string{"layout", "--copybook", cpy, "--code-page", "037"}, &env{stdout: &out, stderr: &errs}); code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	ddl := out.String()
	for _, want := range []string{"CREATE TABLE accounts (\n", "  balance DECIMAL(11,2) PACKED POSITION(19:24),\n", "  opened CHAR(6) POSITION(48:53),\n",
		") WITH (encoding = 'ebcdic', ebcdic_code_page = 'cp037', record_length = 67);\n"} {
		if !strings.Contains(ddl, want) {
			t.Errorf("no %q in\n%s", want, ddl)
		}
	}
	data, err := os.ReadFile("../../testdata/mainframe/accounts.ebc")
	if err != nil {
		t.Fatal(err)
	}
	ebc := filepath.Join(dir, "accounts.ebc")
	os.WriteFile(ebc, data, 0o644)
	os.WriteFile(ebc+".schema", []byte(ddl), 0o644)
	const q = "SELECT acct_id, name, balance, credit, delta, branch, rate, reserve, status FROM '%s' ORDER BY acct_id"
	query := func(path string) string {
		var out, errs bytes.Buffer
		if code := run([]string{"-m", "csv", "-c", strings.Replace(q, "%s", path, 1)}, &env{stdout: &out, stderr: &errs}); code != 0 {
			t.Fatalf("exit %d: %s", code, errs.String())
		}
		return out.String()
	}
	got, want := query(ebc), query("../../testdata/mainframe/accounts.ebc")
	if got != want || strings.Count(got, "\n") != 7 {
		t.Errorf("through the copybook's layout:\n%s\nthrough the hand-written one:\n%s", got, want)
	}
}

func TestLayoutCopybookErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.cpy")
	os.WriteFile(bad, []byte("01 R.\n 05 A PIC 9(3)Q.\n"), 0o644)
	odo := filepath.Join(dir, "odo.cpy")
	os.WriteFile(odo, []byte("01 R.\n 05 N PIC 9.\n 05 A PIC X OCCURS 1 TO 9 DEPENDING ON N.\n"), 0o644)
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"layout", "--copybook", bad}, 1, "bad.cpy: picture 9(3)Q: 'Q' is not a picture symbol"},
		{[]string{"layout", "--copybook", bad}, 1, "(line 2, column 15)"},
		{[]string{"layout", "--copybook", odo, "--occurs", "flatten"}, 1, "DEPENDING ON N: a variable-size array cannot be flattened"},
		{[]string{"layout", "--copybook", odo, "--groups", "nested"}, 2, "--groups"},
		{[]string{"layout", "--copybook", odo, "--encoding", "utf8"}, 2, "--encoding"},
		{[]string{"layout", "--copybook", odo, "--encoding", "ascii", "--code-page", "037"}, 1, "a code page needs encoding ebcdic"},
		{[]string{"layout", "--copybook", filepath.Join(dir, "none.cpy")}, 2, "none.cpy"},
	} {
		var out, errs bytes.Buffer
		code := run(tc.args, &env{stdout: &out, stderr: &errs})
		if code != tc.code || !strings.Contains(errs.String(), tc.msg) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", tc.args, code, errs.String(), tc.code, tc.msg)
		}
	}
}
