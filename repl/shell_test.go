package repl

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chzyer/readline"
)

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

// fakeTerminal makes readline believe it talks to an 80-column terminal.
func fakeTerminal(c *readline.Config) {
	c.ForceUseInteractive = true
	c.FuncIsTerminal = func() bool { return true }
	c.FuncMakeRaw = func() error { return nil }
	c.FuncExitRaw = func() error { return nil }
	c.FuncGetWidth = func() int { return 80 }
	c.FuncOnWidthChanged = func(func()) {}
}

// runShell types keys into a shell over the sample tables and returns
// what the terminal shows and the errors.
func runShell(t *testing.T, keys string, setup func(*Runner, chan os.Signal)) (screen, errs string, hist string) {
	t.Helper()
	eng := testEngine(t)
	var out, stderr lockedBuffer
	r, err := New(Config{Engine: eng, Stdout: &out, Stderr: &stderr})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	sigs := make(chan os.Signal, 1)
	if setup != nil {
		setup(r, sigs)
	}
	histFile := filepath.Join(t.TempDir(), "history")
	sh, err := NewShell(ShellConfig{
		Runner:      r,
		Stdin:       readline.NewCancelableStdin(strings.NewReader(keys)),
		Stdout:      &out,
		HistoryFile: histFile,
		Interrupts:  sigs,
		Readline:    fakeTerminal,
	})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- sh.Run(context.Background()) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("shell: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("shell did not end; screen:\n%s", out.String())
	}
	b, _ := os.ReadFile(histFile)
	return out.String(), stderr.String(), string(b)
}

const (
	keyEnter = "\r"
	keyTab   = "\t"
	keyCtrlC = "\x03"
	keyCtrlD = "\x04"
	keyUp    = "\x1b[A"
)

func TestShellMultiLineAndHistory(t *testing.T) {
	keys := "SELECT l_returnflag, count(*) AS n" + keyEnter +
		"FROM lineitem" + keyEnter +
		"GROUP BY 1 ORDER BY 1;" + keyEnter +
		keyUp + keyEnter + // recall and run again
		keyCtrlD
	screen, errs, hist := runShell(t, keys, nil)
	if errs != "" {
		t.Errorf("errors: %s", errs)
	}
	if n := strings.Count(screen, "│ A            │   475 │"); n != 2 {
		t.Errorf("result shown %d times, want 2:\n%s", n, screen)
	}
	if !strings.Contains(screen, ContinuePrompt) {
		t.Errorf("no continuation prompt:\n%s", screen)
	}
	want := "SELECT l_returnflag, count(*) AS n FROM lineitem GROUP BY 1 ORDER BY 1;\n"
	// One entry for the statement typed on three lines (readline does
	// not repeat an entry equal to the last one).
	if hist != want {
		t.Errorf("history %q, want %q", hist, want)
	}
}

func TestShellCompletion(t *testing.T) {
	keys := "SELECT count(*) AS n FROM lineitem" + keyEnter +
		"WHERE l_retu" + keyTab + " = 'R' AND l_shipm" + keyTab + " = 'AIR';" + keyEnter +
		".mo" + keyTab + " cs" + keyTab + keyEnter +
		"SELEC" + keyTab + " 1 AS one;" + keyEnter +
		keyCtrlD
	screen, errs, _ := runShell(t, keys, nil)
	if errs != "" {
		t.Errorf("errors: %s", errs)
	}
	if !strings.Contains(screen, "WHERE l_returnflag = 'R' AND l_shipmode = 'AIR';") {
		t.Errorf("columns not completed:\n%s", screen)
	}
	if !strings.Contains(screen, "│    62 │") {
		t.Errorf("no result:\n%s", screen)
	}
	if !strings.Contains(screen, ".mode csv") || !strings.Contains(screen, "one\n1\n") {
		t.Errorf("dot command or keyword not completed:\n%s", screen)
	}
}

func TestShellCtrlC(t *testing.T) {
	keys := "SELECT nonsense here" + keyCtrlC + // Ctrl-C at the prompt clears the line
		"SELECT" + keyEnter + keyCtrlC + // and a statement begun on earlier lines
		"SELECT count(*) AS n FROM lineitem;" + keyEnter + // interrupted while running
		"SELECT 7 AS z;" + keyEnter + // the shell goes on
		"SELEC 1;" + keyEnter + // a failing statement prints its error
		"SELECT 8 AS w;" + keyEnter +
		keyCtrlD
	cancelled := false
	screen, errs, _ := runShell(t, keys, func(r *Runner, sigs chan os.Signal) {
		r.started = func(ctx context.Context) {
			if cancelled {
				return
			}
			cancelled = true
			sigs <- os.Interrupt // Ctrl-C while the query runs
			select {
			case <-ctx.Done():
			case <-time.After(5 * time.Second):
				t.Error("the interrupt did not cancel the query")
			}
		}
	})
	if !strings.Contains(errs, "Error: interrupted") {
		t.Errorf("no interruption reported: %q", errs)
	}
	if !strings.Contains(errs, "SELEC 1;\n^") {
		t.Errorf("no caret error: %q", errs)
	}
	if strings.Contains(errs, "nonsense") {
		t.Errorf("the cleared line ran: %q", errs)
	}
	if !strings.Contains(screen, "│     7 │") || !strings.Contains(screen, "│     8 │") {
		t.Errorf("the shell did not go on:\n%s", screen)
	}
}

func TestShellQuit(t *testing.T) {
	screen, _, _ := runShell(t, ".quit"+keyEnter+"SELECT 99 AS never;"+keyEnter, nil)
	if strings.Contains(screen, "│    99 │") {
		t.Errorf("ran past .quit:\n%s", screen)
	}
}

// TestShellCtrlCAfterTabListing: the first Ctrl-C after a Tab listing
// clears the line (it used to only close the listing, so the line typed
// next was appended to the old one).
func TestShellCtrlCAfterTabListing(t *testing.T) {
	keys := "SELECT * FROM line" + keyTab + keyTab + keyCtrlC +
		"SELECT 41 + 1 AS x;" + keyEnter + keyCtrlD
	screen, errs, _ := runShell(t, keys, nil)
	if errs != "" {
		t.Errorf("errors: %s", errs)
	}
	if !strings.Contains(screen, "│    42 │") {
		t.Errorf("the statement typed after Ctrl-C did not run alone:\n%s", screen)
	}
}

// TestShellCtrlDAtContinuation: Ctrl-D at the continuation prompt says
// the unfinished statement was not run.
func TestShellCtrlDAtContinuation(t *testing.T) {
	keys := "SELECT 1" + keyEnter + keyCtrlD
	_, errs, _ := runShell(t, keys, nil)
	if !strings.Contains(errs, "the unfinished statement was not run") {
		t.Errorf("errors %q, want the unfinished statement reported", errs)
	}
}

// TestShellHeaders: .headers off drops the column names of csv output.
func TestShellHeaders(t *testing.T) {
	keys := ".mode csv" + keyEnter + ".headers off" + keyEnter + "SELECT 7 AS seven;" + keyEnter +
		".headers on" + keyEnter + "SELECT 8 AS eight;" + keyEnter + keyCtrlD
	screen, errs, _ := runShell(t, keys, nil)
	if errs != "" {
		t.Errorf("errors: %s", errs)
	}
	if !strings.Contains(screen, "seven;\n7\n") || !strings.Contains(screen, "eight;\neight\n8\n") {
		t.Errorf("headers not switched off then on:\n%q", screen)
	}
}
