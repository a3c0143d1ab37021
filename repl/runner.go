package repl

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/recq/recq/parser"
	"github.com/recq/recq/query"
)

// Errors a Runner returns from Exec and ExecReader. Statement errors are
// printed on Stderr where they happen; these only say why a run stopped.
var (
	// ErrQuit: a .quit or .exit command asked to stop.
	ErrQuit = errors.New("quit")
	// ErrFailed: a statement failed and Config.Bail asked to stop there.
	ErrFailed = errors.New("a statement failed")
)

// Config configures a Runner.
type Config struct {
	// Engine runs the statements (required).
	Engine *query.Engine
	// Session holds SET values; nil starts a new session of Engine.
	Session *query.Session
	// Stdout receives results (unless an output file is set), Stderr
	// errors, timings and progress bars.
	Stdout, Stderr io.Writer
	// StdoutTerminal says Stdout is a terminal: binary modes (arrow,
	// parquet) then refuse to write to it.
	StdoutTerminal bool
	// Width returns the width table mode fits in (nil or 0: no limit).
	Width func() int
	// Mode is the output mode.
	Mode Mode
	// Null is the text of NULL (nil: each mode's default).
	Null *string
	// MaxRows is the number of rows table mode shows of a large result;
	// 0 means DefaultMaxRows, a negative number all rows.
	MaxRows int
	// Timer prints each statement's run time on Stderr.
	Timer bool
	// Explain prints each SELECT's plan before its result.
	Explain bool
	// Progress shows a progress bar on Stderr for statements that run
	// longer than ProgressDelay (set it only when Stderr is a terminal).
	Progress      bool
	ProgressDelay time.Duration
	// Bail stops a script at the first failing statement.
	Bail bool
	// Output, when set, is a file that receives the results instead of
	// Stdout. A regular file is replaced only once a result has been
	// written to it completely (see output); until then it is untouched.
	Output string
	// NoHeader leaves out the column names in csv and tsv output.
	NoHeader bool
	// Interactive prints the messages of statements without rows (SET,
	// CREATE TABLE, DROP TABLE) on Stdout; scripts stay quiet.
	Interactive bool
}

// Runner executes SQL statements and dot commands and renders their
// results. It is what the shell and one-shot mode (-c, -f, statements on
// standard input) share. A Runner is used by one goroutine at a time.
type Runner struct {
	cfg      Config
	eng      *query.Engine
	sess     *query.Session
	out      *output // where results go
	once     *output // the next result only (.once), or nil
	failures int
	depth    int // .read nesting
	// started, when set (tests), is called once a statement's result has
	// started, with the statement's context.
	started func(ctx context.Context)
}

// New creates a Runner. It opens Config.Output if one is set.
func New(cfg Config) (*Runner, error) {
	if cfg.Engine == nil {
		return nil, errors.New("repl: Config.Engine is required")
	}
	if cfg.Stdout == nil {
		cfg.Stdout = io.Discard
	}
	if cfg.Stderr == nil {
		cfg.Stderr = io.Discard
	}
	r := &Runner{cfg: cfg, eng: cfg.Engine, sess: cfg.Session}
	if r.sess == nil {
		r.sess = cfg.Engine.NewSession()
	}
	r.out = r.stdout()
	if cfg.Output != "" {
		o, err := openOutput(cfg.Output)
		if err != nil {
			return nil, err
		}
		r.out = o
	}
	return r, nil
}

func (r *Runner) stdout() *output {
	return &output{w: r.cfg.Stdout, name: "stdout", terminal: r.cfg.StdoutTerminal}
}

// Close closes the output files.
func (r *Runner) Close() error {
	err := r.once.close()
	r.once = nil
	if e := r.out.close(); err == nil {
		err = e
	}
	r.out = r.stdout()
	return err
}

// Session returns the session the statements run in.
func (r *Runner) Session() *query.Session { return r.sess }

// Engine returns the engine the statements run in.
func (r *Runner) Engine() *query.Engine { return r.eng }

// Mode returns the current output mode.
func (r *Runner) Mode() Mode { return r.cfg.Mode }

// Failures returns the number of statements and commands that failed.
func (r *Runner) Failures() int { return r.failures }

// Exec runs text: SQL statements separated by ';' (the last one may lack
// it) and dot commands on lines of their own. Errors are printed on Stderr
// as they happen and counted (Failures); Exec returns ErrQuit after .quit,
// ErrFailed when Bail is set and a statement failed, and the context's
// error when ctx was cancelled.
func (r *Runner) Exec(ctx context.Context, text string) error {
	return r.ExecReader(ctx, strings.NewReader(text))
}

// ExecReader runs the statements read from rd as Exec does, each as soon
// as its ';' has been read (so a pipe is answered statement by statement).
func (r *Runner) ExecReader(ctx context.Context, rd io.Reader) error {
	var sp splitter
	br := bufio.NewReaderSize(rd, 64<<10)
	for {
		line, rerr := br.ReadString('\n')
		if rerr != nil && rerr != io.EOF {
			return rerr
		}
		if line != "" || rerr == nil {
			for _, p := range sp.feed(strings.TrimSuffix(line, "\n")) {
				if err := r.step(ctx, p); err != nil {
					return err
				}
			}
		}
		if rerr == io.EOF {
			break
		}
	}
	if p, ok := sp.finish(); ok {
		return r.step(ctx, p)
	}
	return nil
}

// step runs one piece and decides whether the script goes on.
func (r *Runner) step(ctx context.Context, p piece) error {
	if err := ctx.Err(); err != nil {
		r.failures++
		r.report(err, p)
		return err
	}
	err := r.run(ctx, p)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrQuit):
		return err
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if r.cfg.Bail {
		return ErrFailed
	}
	return nil
}

// run executes one piece, printing its error; the error is returned too.
func (r *Runner) run(ctx context.Context, p piece) error {
	var err error
	if p.Dot {
		err = r.dot(ctx, p.Text)
	} else {
		err = r.sql(ctx, p)
	}
	if err != nil && !errors.Is(err, ErrQuit) {
		r.failures++
		r.report(err, p)
	}
	return err
}

// report prints an error; SQL syntax and binding errors get the source
// line with a caret under the offending text.
func (r *Runner) report(err error, p piece) {
	var pe *parser.Error
	switch e := err.(type) {
	case *parser.Error:
		pe = e
	case parser.ErrorList:
		if len(e) > 0 {
			pe = e[0]
		}
	}
	if pe != nil && !p.Dot {
		c := *pe
		c.Line += p.Line - 1
		src := p.Text
		// Show the first line as typed, not with the text before the
		// statement blanked (the column stays: one blank per character).
		if b := blank(p.Prefix); strings.HasPrefix(src, b) && c.Offset >= len(b) {
			src = p.Prefix + src[len(b):]
			c.Offset += len(p.Prefix) - len(b)
		}
		fmt.Fprintln(r.cfg.Stderr, c.Render(src))
		return
	}
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(r.cfg.Stderr, "Error: interrupted")
		return
	}
	fmt.Fprintf(r.cfg.Stderr, "Error: %v\n", err)
}

// sql runs one SQL statement.
func (r *Runner) sql(ctx context.Context, p piece) error {
	stmts, err := parser.Parse(p.Text)
	if err != nil {
		return err
	}
	start := time.Now()
	for _, st := range stmts {
		if err := r.statement(ctx, st, p); err != nil {
			return err
		}
	}
	if r.cfg.Timer && len(stmts) > 0 {
		fmt.Fprintf(r.cfg.Stderr, "Run Time (s): real %.3f\n", time.Since(start).Seconds())
	}
	return nil
}

// target is where the next result goes.
func (r *Runner) target() *output {
	if r.once != nil {
		return r.once
	}
	return r.out
}

// doneOnce closes a .once output after its result.
func (r *Runner) doneOnce() error {
	if r.once == nil {
		return nil
	}
	err := r.once.close()
	r.once = nil
	return err
}

func (r *Runner) statement(ctx context.Context, st parser.Statement, p piece) error {
	out := r.target()
	mode := r.cfg.Mode
	if sel, ok := st.(*parser.Select); ok && r.cfg.Explain {
		res, err := r.sess.Run(ctx, &parser.Explain{Pos: sel.Pos, Stmt: sel})
		if err != nil {
			return err
		}
		planOut := out.w
		if mode.Binary() {
			planOut = r.cfg.Stderr // keep the binary output clean
		}
		err = r.plainLines(planOut, res)
		res.Close()
		if err != nil {
			return err
		}
	}
	if mode.Binary() {
		if out.terminal {
			return fmt.Errorf("%s output is binary and standard output is a terminal: use --output FILE, .once FILE or a redirection", mode)
		}
		if mode == ModeParquet && out.results > 0 {
			return fmt.Errorf("the parquet output %s already holds a result: use .once FILE (or .output FILE) for each result", out.name)
		}
	}
	res, err := r.sess.Run(ctx, st)
	if err != nil {
		return err
	}
	defer res.Close()
	if r.started != nil {
		r.started(ctx)
	}
	// An interrupt that came while the statement started wins over a
	// result that was ready anyway: the user asked for it to stop.
	if err := ctx.Err(); err != nil {
		return err
	}
	switch st.(type) {
	case *parser.Set, *parser.CreateTable, *parser.CreateTableAs, *parser.DropTable, *parser.Copy:
		for res.Next() {
		}
		if err := res.Err(); err != nil {
			return err
		}
		if r.cfg.Interactive && res.Message != "" {
			fmt.Fprintln(r.cfg.Stdout, res.Message)
		}
		return nil
	case *parser.Explain:
		if mode == ModeTable {
			return r.plainLines(out.w, res)
		}
	}
	var prog *Progress
	if r.cfg.Progress {
		prog = StartProgress(r.cfg.Stderr, r.cfg.ProgressDelay, r.progressFunc(res))
		defer prog.Stop()
	}
	opts := RenderOptions{Mode: mode, Null: r.cfg.Null, MaxRows: r.maxRows(), BeforeWrite: prog.Stop, NoHeader: r.cfg.NoHeader}
	if r.cfg.Width != nil && out == r.out && out.f == nil {
		opts.Width = r.cfg.Width()
	}
	// The parquet writer closes a sink that is an io.Closer: hide it.
	_, err = Render(struct{ io.Writer }{out.w}, res, opts)
	prog.Stop()
	out.results++
	if ferr := out.finish(err == nil); err == nil {
		err = ferr
	}
	if err == nil {
		if _, isDesc := st.(*parser.Describe); isDesc && mode == ModeTable && res.Message != "" {
			fmt.Fprintln(out.w, res.Message)
		}
	}
	if cerr := r.doneOnce(); err == nil {
		err = cerr
	}
	return err
}

func (r *Runner) maxRows() int {
	switch {
	case r.cfg.MaxRows == 0:
		return DefaultMaxRows
	case r.cfg.MaxRows < 0:
		return 0
	}
	return r.cfg.MaxRows
}

// plainLines prints the first column of every row (EXPLAIN output).
func (r *Runner) plainLines(w io.Writer, rr array.RecordReader) error {
	bw := bufio.NewWriter(w)
	for rr.Next() {
		rec := rr.Record()
		for i := 0; i < int(rec.NumRows()); i++ {
			bw.WriteString(cellText(rec.Column(0), i, ""))
			bw.WriteByte('\n')
		}
	}
	if err := rr.Err(); err != nil {
		bw.Flush()
		return err
	}
	return bw.Flush()
}

// progressFunc reports a query's bytes and records scanned.
func (r *Runner) progressFunc(res *query.Result) ProgressFunc {
	return func() (done, total, rows int64) {
		return res.Progress()
	}
}
