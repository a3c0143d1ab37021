package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chzyer/readline"
)

func fakeTerminal(c *readline.Config) {
	c.ForceUseInteractive = true
	c.FuncIsTerminal = func() bool { return true }
	c.FuncMakeRaw = func() error { return nil }
	c.FuncExitRaw = func() error { return nil }
	c.FuncGetWidth = func() int { return 80 }
	c.FuncOnWidthChanged = func(func()) {}
}

// lockedBuffer is written by readline's goroutine and the shell's.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestShellWhenStdinIsATerminal(t *testing.T) {
	dir := t.TempDir()
	var out, errs lockedBuffer
	e := &env{
		stdin:         strings.NewReader("SELECT 6 * 7 AS answer;\r\x04"),
		stdout:        &out,
		stderr:        &errs,
		stdinTerminal: true, stdoutTerminal: true, stderrTerminal: true,
		width:    func() int { return 80 },
		getenv:   func(k string) string { return map[string]string{"HOME": dir}[k] },
		readline: fakeTerminal,
	}
	if code := run([]string{"--data", "../../testdata"}, e); code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	if !strings.Contains(out.String(), "Type .help for help") || !strings.Contains(out.String(), "│     42 │") {
		t.Errorf("screen:\n%s", out.String())
	}
	b, err := os.ReadFile(filepath.Join(dir, ".recq_history"))
	if err != nil || string(b) != "SELECT 6 * 7 AS answer;\n" {
		t.Errorf("history %q %v", b, err)
	}
}

func TestBinaryModeRefusesATerminal(t *testing.T) {
	var out, errs bytes.Buffer
	e := &env{stdout: &out, stderr: &errs, stdoutTerminal: true}
	if code := run([]string{"-m", "arrow", "-c", "SELECT 1"}, e); code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	if !strings.Contains(errs.String(), "--output FILE") || out.Len() != 0 {
		t.Errorf("stdout %q stderr %q", out.String(), errs.String())
	}
	// To a file it works.
	path := filepath.Join(t.TempDir(), "x.arrow")
	errs.Reset()
	if code := run([]string{"-m", "arrow", "-o", path, "-c", "SELECT 1 AS a"}, e); code != 0 {
		t.Errorf("exit %d: %s", code, errs.String())
	}
	if st, err := os.Stat(path); err != nil || st.Size() == 0 {
		t.Errorf("no arrow file: %v", err)
	}
}

func TestInterruptEndsAScript(t *testing.T) {
	var out, errs bytes.Buffer
	e := &env{stdout: &out, stderr: &errs,
		notify: func(c chan<- os.Signal) func() {
			c <- os.Interrupt // Ctrl-C at once
			return func() {}
		}}
	code := run([]string{"--data", "../../testdata", "-c", "SELECT count(*) FROM lineitem", "-c", "SELECT 2"}, e)
	if code != 1 || !strings.Contains(errs.String(), "Error: interrupted") {
		t.Errorf("exit %d, stderr %q", code, errs.String())
	}
	if strings.Count(errs.String(), "interrupted") != 1 {
		t.Errorf("interruption reported more than once: %q", errs.String())
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"import", "--help"}, {"gen", "--help"}, {"describe", "--help"}, {"layout", "--help"}, {"verify", "--help"}} {
		var out, errs bytes.Buffer
		if code := run(args, &env{stdout: &out, stderr: &errs}); code != 0 {
			t.Errorf("%v: exit %d", args, code)
		}
		if !strings.Contains(out.String(), "recq") || (args[0] != "verify" && !strings.Contains(out.String(), "Examples")) {
			t.Errorf("%v:\n%s", args, out.String())
		}
	}
}

func TestDescribe(t *testing.T) {
	var out, errs bytes.Buffer
	if code := run([]string{"describe", "../../testdata/lineitem.rec"}, &env{stdout: &out, stderr: &errs}); code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	for _, want := range []string{"│ l_comment       │ CHAR(44)", "fields:         16\n", "records:        2000\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no %q in\n%s", want, out.String())
		}
	}
	// A damaged file: non-zero, with the file size and record length.
	b, _ := os.ReadFile("../../testdata/lineitem.rec")
	bad := filepath.Join(t.TempDir(), "bad.rec")
	os.WriteFile(bad, b[:len(b)-100], 0o644)
	out.Reset()
	errs.Reset()
	if code := run([]string{"describe", bad}, &env{stdout: &out, stderr: &errs}); code == 0 {
		t.Fatal("a damaged file described without error")
	}
	if msg := errs.String(); !strings.Contains(msg, fmt.Sprint(len(b)-100)) || !strings.Contains(msg, "153-byte records") {
		t.Errorf("message %q", msg)
	}
}

// TestCompressedDescribeVerify: describe and verify a bzip2-compressed
// .rec file (committed; the tests cannot write bzip2) and a gzip text file.
func TestCompressedDescribeVerify(t *testing.T) {
	dir := t.TempDir()
	b, err := os.ReadFile("../../testdata/compressed/lineitem.rec.bz2")
	if err != nil {
		t.Fatal(err)
	}
	rec := filepath.Join(dir, "lineitem.rec.bz2")
	os.WriteFile(rec, b, 0o644)
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"describe", rec}, []string{"compression:    bzip2, ", "1 stream (decompressed by one stream); 310096 bytes decompressed",
			"index:          built by this read and cached in the index file", "records:        2000\n", "strategies:     decompressed as it is read"}},
		{[]string{"verify", rec}, []string{": OK: header checksum, 1 blocks, 2000 records, 306000 bytes verified"}},
	} {
		var out, errs bytes.Buffer
		if code := run(tc.args, &env{stdout: &out, stderr: &errs}); code != 0 {
			t.Fatalf("%v: exit %d: %s", tc.args, code, errs.String())
		}
		for _, w := range tc.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("%v: no %q in\n%s", tc.args, w, out.String())
			}
		}
	}
	// A block damaged inside the compressed file: verify names it.
	bad := filepath.Join(dir, "bad.rec.bz2")
	os.WriteFile(bad, b[:len(b)/2], 0o644)
	var out, errs bytes.Buffer
	if code := run([]string{"verify", bad}, &env{stdout: &out, stderr: &errs}); code == 0 ||
		!strings.Contains(errs.String(), "bzip2 data ends early") || !strings.Contains(errs.String(), "compressed byte offset") {
		t.Errorf("verify of a cut file: exit %d, %q", code, errs.String())
	}
}

// TestColumnCacheFlag: --column-cache sizes the columns kept of warm
// files (a second query tests the column the first filled), none keeps
// none, and a size that does not parse is a usage error.
func TestColumnCacheFlag(t *testing.T) {
	q := "SELECT count(*) FROM lineitem WHERE l_quantity < 10"
	for _, c := range []struct {
		size   string
		cached bool
	}{{"64MB", true}, {"none", false}, {"0", false}} {
		var out, errs bytes.Buffer
		code := run([]string{"--data", "../../testdata", "--column-cache", c.size, "-c", q, "-c", "EXPLAIN ANALYZE " + q}, &env{stdout: &out, stderr: &errs})
		if code != 0 || strings.Contains(out.String(), "tests read cached columns") != c.cached {
			t.Errorf("--column-cache %s: exit %d, cached %v wanted; stderr %q\n%s", c.size, code, c.cached, errs.String(), out.String())
		}
	}
	var out, errs bytes.Buffer
	if code := run([]string{"--column-cache", "lots", "-c", "SELECT 1"}, &env{stdout: &out, stderr: &errs}); code != 2 || !strings.Contains(errs.String(), "--column-cache") {
		t.Errorf("--column-cache lots: exit %d, stderr %q", code, errs.String())
	}
}
