package query

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCreateTableFromCopybook: CREATE TABLE ... FROM COPYBOOK reads the
// sample mainframe file as its hand-written sidecar layout does.
func TestCreateTableFromCopybook(t *testing.T) {
	dir := t.TempDir()
	cpy, _ := filepath.Abs("copybook/testdata/accounts.cpy")
	eng, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	ctx := context.Background()
	data, _ := filepath.Abs("../testdata/mainframe/accounts.ebc")
	if _, err := queryOne(t, eng, ctx, "CREATE TABLE acc FROM COPYBOOK '"+cpy+"' WITH (file = '"+data+"', ebcdic_code_page = '037')"); err != nil {
		t.Fatal(err)
	}
	const cols = "acct_id, name, balance, credit, delta, branch, rate, reserve, status"
	got, err := queryOne(t, eng, ctx, "SELECT "+cols+" FROM acc ORDER BY acct_id")
	if err != nil {
		t.Fatal(err)
	}
	want, err := queryOne(t, eng, ctx, "SELECT "+cols+" FROM '"+data+"' ORDER BY acct_id")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") || len(got) != 6 {
		t.Errorf("through the copybook:\n%s\nthrough the sidecar:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The copybook's record_length and encoding come along; the
	// statement's options win.
	l, err := ParseLayout("CREATE TABLE a FROM COPYBOOK '" + cpy + "' WITH (record_length = 80, encoding = 'ascii')")
	if err != nil {
		t.Fatal(err)
	}
	if l.Schema.RecordLen != 80 || l.ebcdic {
		t.Errorf("record length %d, ebcdic %v", l.Schema.RecordLen, l.ebcdic)
	}
	bad := filepath.Join(dir, "bad.cpy")
	os.WriteFile(bad, []byte("01 R.\n 05 A PIC 9(3)Q.\n"), 0o644)
	for _, tc := range []struct{ sql, msg string }{
		{"CREATE TABLE a FROM COPYBOOK '" + filepath.Join(dir, "none.cpy") + "' WITH (file = 'x')", "FROM COPYBOOK: open"},
		{"CREATE TABLE a FROM COPYBOOK '" + bad + "' WITH (file = 'x')", "bad.cpy: picture 9(3)Q: 'Q' is not a picture symbol (9 X A S V P Z * B 0 / , . + - $ CR DB) (line 2, column 15) (line 1, column 16)"},
		{"CREATE TABLE a FROM COPYBOOK '" + cpy + "' WITH (file = 'x', encoding = 'utf8')", "encoding \"utf8\" is not ebcdic or ascii (line 1, column 16)"},
		{"CREATE TABLE a FROM COPYBOOK '" + cpy + "'", "needs the file it describes"},
	} {
		_, err := queryOne(t, eng, ctx, tc.sql)
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: %v, want %s", tc.sql, err, tc.msg)
		}
	}
}

// TestCopybookSidecar: a sidecar that says FROM COPYBOOK 'x.cpy' finds the
// copybook beside it, whatever the working directory.
func TestCopybookSidecar(t *testing.T) {
	dir := t.TempDir()
	for src, dst := range map[string]string{"copybook/testdata/accounts.cpy": "accounts.cpy", "../testdata/mainframe/accounts.ebc": "accounts.ebc"} {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, dst), b, 0o644)
	}
	os.WriteFile(filepath.Join(dir, "accounts.ebc.schema"), []byte("CREATE TABLE accounts FROM COPYBOOK 'accounts.cpy' WITH (encoding = 'ebcdic')"), 0o644)
	eng, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	rows, err := queryOne(t, eng, context.Background(), "SELECT count(*), sum(balance) FROM '"+filepath.Join(dir, "accounts.ebc")+"'")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0] != "6 | 1001230567.87" {
		t.Errorf("got %v", rows)
	}
}
