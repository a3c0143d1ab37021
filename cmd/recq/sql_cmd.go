package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/recq/recq/parser"
	"github.com/recq/recq/query"
	"github.com/recq/recq/repl"
	"github.com/recq/recq/storage"
)

// sqlCmd runs SQL: the shell, -c, -f or standard input.
type sqlCmd struct{}

func (sqlCmd) Help() string {
	return `Without -c or -f, recq starts the interactive shell when standard input is a
terminal, and otherwise runs the statements read from standard input without
prompts. Type .help in the shell for its dot commands.`
}

// openEngine opens the query engine the global flags describe.
func openEngine(g *globals) (*query.Engine, error) {
	strategy, err := storage.ParseStrategy(g.IO)
	if err != nil {
		return nil, usageError("%v", err)
	}
	if g.Workers < 0 || g.Workers > 1024 {
		return nil, usageError("--workers must be from 1 to 1024")
	}
	settings := query.Settings{Workers: g.Workers, IO: strategy}
	if g.MemLimit != "" {
		parsed := query.DefaultSettings()
		if err := parsed.Set("memory_limit", g.MemLimit); err != nil {
			return nil, usageError("--memory-limit: %v", strings.TrimPrefix(err.Error(), "memory_limit: "))
		}
		settings.MemoryLimit = parsed.MemoryLimit
	}
	opts := query.Options{DataDir: g.Data, Settings: settings}
	if g.ColCache != "" {
		if opts.ColumnCache, err = columnCacheSize(g.ColCache); err != nil {
			return nil, usageError("--column-cache: %v", err)
		}
	}
	return query.Open(opts)
}

// columnCacheSize reads --column-cache: a size, or none (-1: no cached
// columns; 0 bytes means none too).
func columnCacheSize(s string) (int64, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "none", "off", "0":
		return -1, nil
	}
	n, err := query.ParseBytes(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a size such as 256MB or 2GB, or none", s)
	}
	if n == 0 {
		return -1, nil
	}
	return n, nil
}

func (sqlCmd) Run(g *globals, e *env) error {
	// The grammar is built while start-up work is still running (the
	// engine, the runner), on the other core when there is one.
	grammar := make(chan struct{})
	go func() {
		parser.Prepare()
		close(grammar)
	}()
	defer func() { <-grammar }()
	mode, err := repl.ParseMode(g.Mode)
	if err != nil {
		return usageError("%v", err)
	}
	script := len(g.Command) > 0 || g.File != ""
	shell := !script && e.stdinTerminal
	if mode.Binary() && g.Output == "" && e.stdoutTerminal {
		return usageError("--mode %s writes binary data: give --output FILE or redirect standard output", mode)
	}
	if g.MaxRows < 0 {
		return usageError("--max-rows must not be negative")
	}
	eng, err := openEngine(g)
	if err != nil {
		return err
	}
	defer eng.Close()
	maxRows := g.MaxRows
	if maxRows == 0 {
		maxRows = -1 // all
	}
	r, err := repl.New(repl.Config{
		Engine:         eng,
		Stdout:         e.stdout,
		Stderr:         e.stderr,
		StdoutTerminal: e.stdoutTerminal,
		Width:          e.width,
		Mode:           mode,
		Null:           g.Null,
		MaxRows:        maxRows,
		Timer:          g.Timer,
		Progress:       e.stderrTerminal && !g.NoProgress,
		Bail:           g.Bail,
		Output:         g.Output,
	})
	if err != nil {
		return err
	}
	defer r.Close()
	<-grammar
	e.startupDone()

	sigs := make(chan os.Signal, 1)
	if e.notify != nil {
		stop := e.notify(sigs)
		defer stop()
	}
	if shell {
		return runShell(r, g, e, sigs)
	}
	// One-shot: Ctrl-C cancels the running statement and ends the run.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	select { // an interrupt during start-up ends the run before it begins
	case <-sigs:
		cancel()
	default:
	}
	go func() {
		select {
		case <-sigs:
			cancel()
		case <-ctx.Done():
		}
	}()
	err = runScripts(ctx, r, g, e)
	if cerr := r.Close(); err == nil && cerr != nil {
		return cerr
	}
	switch {
	case errors.Is(err, repl.ErrQuit), err == nil:
		if r.Failures() > 0 {
			return errQuiet
		}
		return nil
	case errors.Is(err, repl.ErrFailed), errors.Is(err, context.Canceled):
		return errQuiet
	}
	return err
}

// runScripts runs -f, then each -c, or else standard input.
func runScripts(ctx context.Context, r *repl.Runner, g *globals, e *env) error {
	if g.File != "" {
		f, err := os.Open(g.File)
		if err != nil {
			return err
		}
		err = r.ExecReader(ctx, f)
		f.Close()
		if err != nil {
			return err
		}
	}
	for _, c := range g.Command {
		if err := r.Exec(ctx, c); err != nil {
			return err
		}
	}
	if len(g.Command) == 0 && g.File == "" {
		return r.ExecReader(ctx, e.stdin)
	}
	return nil
}

// runShell runs the interactive shell.
func runShell(r *repl.Runner, g *globals, e *env, sigs <-chan os.Signal) error {
	hist := e.getenv("RECQ_HISTORY")
	if hist == "" {
		if home := e.getenv("HOME"); home != "" {
			hist = filepath.Join(home, ".recq_history")
		}
	}
	if hist == "-" {
		hist = ""
	}
	var stdin io.ReadCloser
	if e.stdin != os.Stdin {
		stdin = io.NopCloser(e.stdin)
	}
	banner := fmt.Sprintf("recq %s: SQL over fixed-width record files. Type .help for help, Ctrl-D to leave.", version)
	if g.Data == "" {
		banner += "\nNo --data directory: query files by path, as in SELECT * FROM 'file.rec'."
	}
	// With results redirected to a file, prompts go to the terminal.
	prompts := e.stdout
	if !e.stdoutTerminal && e.stderrTerminal {
		prompts = e.stderr
	}
	sh, err := repl.NewShell(repl.ShellConfig{
		Runner:      r,
		Stdin:       stdin,
		Stdout:      prompts,
		HistoryFile: hist,
		Interrupts:  sigs,
		Banner:      banner,
		Readline:    e.readline,
	})
	if err != nil {
		return err
	}
	return sh.Run(context.Background())
}
