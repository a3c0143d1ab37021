package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestShellInTerminal drives the real binary in a tmux pseudo-terminal, as
// a user would: a statement over two lines with a column completed by Tab,
// history recall, Ctrl-C cancelling a long query, Ctrl-D leaving.
func TestShellInTerminal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and generates a million rows")
	}
	tmux, err := exec.LookPath("tmux")
	if err != nil {
		t.Skip("tmux is not installed")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool to build the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "recq")
	if out, err := exec.Command(gobin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	if out, err := exec.Command(bin, "gen", "--table", "lineitem", "--rows", "1000000", "--out", filepath.Join(dir, "big.rec")).CombinedOutput(); err != nil {
		t.Fatalf("gen: %v\n%s", err, out)
	}

	socket := fmt.Sprintf("recq-test-%d", os.Getpid())
	tm := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(tmux, append([]string{"-L", socket}, args...)...).CombinedOutput()
		if err != nil && args[0] != "kill-server" && args[0] != "has-session" {
			t.Fatalf("tmux %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	hist := filepath.Join(dir, "history")
	shell := fmt.Sprintf("cd %s && HOME=%s RECQ_HISTORY=%s ./recq --data . ; echo recq exited with $?; sleep 30", dir, dir, hist)
	tm("-f", "/dev/null", "new-session", "-d", "-s", "t", "-x", "120", "-y", "50", shell)
	defer tm("kill-server")

	screen := func() string { return tm("capture-pane", "-p", "-t", "t") }
	lastLine := func() string {
		lines := strings.Split(strings.TrimRight(screen(), "\n "), "\n")
		return strings.TrimSpace(lines[len(lines)-1])
	}
	waitFor := func(what string, within time.Duration, ok func(string) bool) time.Duration {
		t.Helper()
		start := time.Now()
		for time.Since(start) < within {
			if ok(screen()) {
				return time.Since(start)
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("timed out waiting for %s; screen:\n%s", what, screen())
		return 0
	}
	atPrompt := func(s string) bool { return lastLine() == "recq>" }
	keys := func(k ...string) { tm(append([]string{"send-keys", "-t", "t"}, k...)...) }
	literal := func(s string) { tm("send-keys", "-t", "t", "-l", s) }
	semicolon := func() { tm("send-keys", "-t", "t", "-H", "3b") } // a bare ';' would end tmux's command

	waitFor("the prompt", 10*time.Second, atPrompt)

	// A statement over two lines, a column completed with Tab.
	literal("SELECT l_returnflag, count(*) AS n")
	keys("Enter")
	waitFor("the continuation prompt", 5*time.Second, func(s string) bool { return strings.Contains(s, "·>") })
	literal("FROM big WHERE l_quant")
	keys("Tab")
	waitFor("the completed column", 5*time.Second, func(s string) bool { return strings.Contains(s, "WHERE l_quantity") })
	literal(" < 2 GROUP BY 1 ORDER BY 1")
	semicolon()
	keys("Enter")
	result := func(s string) int { return strings.Count(s, "│ R            │") }
	waitFor("the result", 10*time.Second, func(s string) bool { return result(s) == 1 && atPrompt(s) })

	// History: Up recalls the whole statement as one line.
	keys("Up")
	waitFor("the recalled statement", 5*time.Second, func(s string) bool {
		return strings.Contains(lastLine(), "SELECT l_returnflag, count(*) AS n FROM big WHERE l_quantity < 2 GROUP BY 1 ORDER BY 1;")
	})
	keys("Enter")
	waitFor("the second result", 10*time.Second, func(s string) bool { return result(s) == 2 && atPrompt(s) })

	// Ctrl-C cancels a long query and the prompt is back within a second.
	literal(".workers 1")
	keys("Enter")
	waitFor("the prompt", 5*time.Second, atPrompt)
	literal("SELECT count(DISTINCT l_comment), count(DISTINCT l_extendedprice * l_discount), count(DISTINCT concat(l_comment, l_shipinstruct)) FROM big")
	semicolon()
	keys("Enter")
	time.Sleep(800 * time.Millisecond)
	if atPrompt(screen()) {
		t.Fatalf("the long query ended before Ctrl-C:\n%s", screen())
	}
	keys("C-c")
	took := waitFor("the prompt after Ctrl-C", 5*time.Second, func(s string) bool {
		return strings.Contains(s, "Error: interrupted") && atPrompt(s)
	})
	if took > time.Second {
		t.Errorf("the prompt came back %v after Ctrl-C", took)
	}

	// Ctrl-C at the prompt clears the line; Ctrl-D on an empty line exits.
	literal("SELECT garbage")
	keys("C-c")
	waitFor("a cleared line", 5*time.Second, atPrompt)
	keys("C-d")
	waitFor("recq to exit", 5*time.Second, func(s string) bool { return strings.Contains(s, "recq exited with 0") })

	b, err := os.ReadFile(hist)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "SELECT l_returnflag, count(*) AS n FROM big WHERE l_quantity < 2 GROUP BY 1 ORDER BY 1;\n") {
		t.Errorf("history:\n%s", b)
	}
	if strings.Contains(string(b), "garbage") {
		t.Errorf("a cleared line was saved to the history:\n%s", b)
	}
}
