package repl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"

	"github.com/chzyer/readline"
)

// Prompts of the shell.
const (
	Prompt         = "recq> "
	ContinuePrompt = "   ·> "
)

// ShellConfig configures a Shell.
type ShellConfig struct {
	// Runner executes what is typed (required). The shell sets its
	// Interactive flag.
	Runner *Runner
	// Stdin is the terminal's input; nil is os.Stdin.
	Stdin io.ReadCloser
	// Stdout is where readline draws the banner, the prompt and the line
	// being edited; nil is os.Stdout.
	Stdout io.Writer
	// HistoryFile keeps the statements typed, one per line ("" keeps no
	// history).
	HistoryFile string
	// Interrupts delivers Ctrl-C (SIGINT) while a statement runs: the
	// statement is cancelled and the shell goes on. At the prompt the
	// terminal is in raw mode and readline sees Ctrl-C as a key.
	Interrupts <-chan os.Signal
	// Banner is printed when the shell starts ("" for none).
	Banner string
	// Readline, when set, adjusts readline's configuration before the
	// shell starts (tests stub the terminal functions here).
	Readline func(*readline.Config)
}

// Shell is the interactive front end: readline editing with history and
// completion, statements that span lines until ';', dot commands.
type Shell struct {
	cfg  ShellConfig
	rl   *readline.Instance
	live atomic.Pointer[readline.Instance] // rl, for readline's goroutine
	comp *Completer
	sp   splitter
	hist []string // lines of the current history entry
}

// NewShell prepares a shell; Run starts it.
func NewShell(cfg ShellConfig) (*Shell, error) {
	if cfg.Runner == nil {
		return nil, errors.New("repl: ShellConfig.Runner is required")
	}
	cfg.Runner.cfg.Interactive = true
	s := &Shell{cfg: cfg, comp: NewCompleter(cfg.Runner.eng, cfg.Runner.sess)}
	rc := &readline.Config{
		Prompt:                 Prompt,
		HistoryFile:            cfg.HistoryFile,
		HistoryLimit:           10000,
		DisableAutoSaveHistory: true,
		HistorySearchFold:      true,
		AutoComplete:           s.comp,
		Stdin:                  cfg.Stdin,
		Stdout:                 cfg.Stdout,
		Stderr:                 cfg.Runner.cfg.Stderr,
	}
	if cfg.HistoryFile == "" {
		rc.HistoryLimit = -1
	}
	// Ctrl-C right after a Tab listing used to only close the listing
	// (readline's completion mode takes the key): close it here and let
	// the key interrupt the line as it does everywhere else.
	rc.FuncFilterInputRune = func(r rune) (rune, bool) {
		// (readline calls this on its own goroutine, maybe before NewEx
		// has returned: hence the atomic pointer.)
		if rl := s.live.Load(); r == readline.CharInterrupt && rl != nil && rl.Operation.IsInCompleteMode() {
			rl.Operation.ExitCompleteMode(true)
		}
		return r, true
	}
	if cfg.Readline != nil {
		cfg.Readline(rc)
	}
	rl, err := readline.NewEx(rc)
	if err != nil {
		return nil, err
	}
	s.rl = rl
	s.live.Store(rl)
	return s, nil
}

// Run reads and runs statements until Ctrl-D on an empty line or .quit.
// It returns nil then; a failing statement prints its error and the shell
// goes on. Ctrl-D at the continuation prompt leaves too, saying that the
// unfinished statement was not run.
func (s *Shell) Run(ctx context.Context) error {
	defer s.rl.Close()
	if s.cfg.Banner != "" {
		fmt.Fprintln(s.rl.Stdout(), s.cfg.Banner)
	}
	for {
		if s.sp.pending() {
			s.rl.SetPrompt(ContinuePrompt)
		} else {
			s.rl.SetPrompt(Prompt)
		}
		line, err := s.rl.Readline()
		switch {
		case errors.Is(err, readline.ErrInterrupt):
			// Ctrl-C at the prompt: drop the line and any statement begun.
			s.sp.reset()
			s.hist = nil
			s.comp.SetPending("")
			continue
		case errors.Is(err, io.EOF):
			if line == "" {
				if s.sp.pending() {
					// Ctrl-D in the middle of a statement: say that it was
					// not run rather than dropping it silently.
					fmt.Fprintln(s.cfg.Runner.cfg.Stderr, "the unfinished statement was not run (end a statement with ';' to run it)")
				}
				return nil
			}
		case err != nil:
			return err
		}
		if err := s.handle(ctx, line); err != nil {
			if errors.Is(err, ErrQuit) {
				return nil
			}
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// handle feeds one line and runs what it completes.
func (s *Shell) handle(ctx context.Context, line string) error {
	s.hist = append(s.hist, line)
	pieces := s.sp.feed(line)
	if !s.sp.pending() {
		if entry := oneLine(strings.Join(s.hist, "\n")); entry != "" {
			s.rl.SaveHistory(entry)
		}
		s.hist = nil
		s.comp.SetPending("")
	} else {
		s.comp.SetPending(s.sp.buf.String())
	}
	for _, p := range pieces {
		if err := s.runPiece(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

// runPiece runs one statement or dot command; Ctrl-C cancels it.
func (s *Shell) runPiece(ctx context.Context, p piece) error {
	qctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		select {
		case <-s.cfg.Interrupts:
			cancel()
		case <-stop:
		}
	}()
	// Lines are numbered from the start of each statement in the shell.
	p.Line = 1
	err := s.cfg.Runner.run(qctx, p)
	close(stop)
	<-done
	if errors.Is(err, ErrQuit) {
		return err
	}
	return nil
}
