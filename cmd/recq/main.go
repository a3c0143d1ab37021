// Command recq queries fixed-width record files in place.
//
//	recq --data testdata                      the shell (stdin is a terminal)
//	recq --data testdata -c "SELECT ..."      run and exit
//	recq -f report.sql -m csv > out.csv       run a script
//	printf 'SELECT 1;\n' | recq               statements from a pipe
//	recq gen --table orders --scale 0.1 --out orders.rec
//	recq import --schema t.ddl --from t.csv --out t.rec
//	recq describe li.rec
//	recq layout --copybook accounts.cpy > accounts.ebc.schema
//	recq verify li.rec
//	recq serve --data testdata --listen 127.0.0.1:32010
//
// This file holds the flags and the wiring; the work lives in the query,
// query/importer, repl and storage packages.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"sync"

	"github.com/alecthomas/kong"
	"github.com/chzyer/readline"
	"github.com/recq/recq/parser"
	"golang.org/x/term"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// cli is the command line: global flags, then one struct per subcommand.
type cli struct {
	globals

	SQL      sqlCmd      `cmd:"" default:"1" hidden:"" help:"Run SQL: the shell, -c, -f or statements on standard input (the default command)."`
	Gen      genCmd      `cmd:"" help:"Generate sample data (the TPC-H tables, sensor readings)."`
	Import   importCmd   `cmd:"" help:"Import delimited text (CSV, TSV, TPC-H .tbl) or a fixed-width file into a .rec file."`
	Describe describeCmd `cmd:"" help:"Show a data file's layout, record count and access facts."`
	Layout   layoutCmd   `cmd:"" help:"Print the layout DDL of a COBOL copybook."`
	Verify   verifyCmd   `cmd:"" help:"Check a .rec file's header and block checksums."`
	Serve    serveCmd    `cmd:"" passthrough:"" help:"Serve a data directory over Arrow Flight SQL (runs recq-serve)."`
	Version  versionCmd  `cmd:"" help:"Print the version."`
}

// globals are the flags every command accepts.
type globals struct {
	Command    []string         `short:"c" sep:"none" placeholder:"SQL" help:"Run SQL (statements and dot commands) and exit; repeatable."`
	File       string           `short:"f" type:"existingfile" placeholder:"FILE.sql" help:"Run the statements in a script file and exit."`
	Data       string           `type:"existingdir" placeholder:"DIR" help:"Make the tables in DIR queryable by name (.rec files, raw files with a .schema sidecar)."`
	Mode       string           `short:"m" default:"table" enum:"table,csv,tsv,json,jsonl,markdown,line,arrow,parquet" help:"Output mode: table, csv, tsv, json, jsonl, markdown, line, arrow, parquet."`
	Output     string           `short:"o" type:"path" placeholder:"FILE" help:"Write results to FILE instead of standard output (arrow and parquet need a file or a pipe)."`
	IO         string           `name:"io" default:"auto" enum:"auto,mmap,direct,buffered" help:"How data files are read: auto, mmap, direct, buffered."`
	Workers    int              `placeholder:"N" aliases:"threads" help:"Scan workers (default: the number of CPUs); --threads is the same."`
	MemLimit   string           `name:"memory-limit" placeholder:"SIZE" help:"Memory for aggregation and sort state: 512MB, 8GB, or none (default 4GB)."`
	ColCache   string           `name:"column-cache" placeholder:"SIZE" help:"Memory for the columns kept of warm files, which repeated queries test instead of the records: 1GB, or none (default 512MB)."`
	Timer      bool             `help:"Print each statement's run time on stderr."`
	MaxRows    int              `default:"40" placeholder:"N" help:"Rows the table mode shows of a large result: the first and last halves (0: all)."`
	Null       *string          `placeholder:"TEXT" help:"Text shown for NULL (default: NULL in tables, empty in csv/tsv)."`
	NoProgress bool             `help:"Never show progress bars."`
	Bail       bool             `help:"Stop a script at the first failing statement."`
	Version    kong.VersionFlag `help:"Print the version and exit."`
}

// exitError carries a process exit code with its message.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// errQuiet is returned by commands that printed their errors already; it
// makes run exit 1 without printing more.
var errQuiet = errors.New("failed")

// env is the process's surroundings; tests replace it.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// Whether the standard streams are terminals.
	stdinTerminal, stdoutTerminal, stderrTerminal bool
	// width returns the terminal's width (0: unknown).
	width func() int
	// getenv reads an environment variable.
	getenv func(string) string
	// notify delivers SIGINT on c until the returned stop is called; nil
	// means no signals (tests).
	notify func(c chan<- os.Signal) (stop func())
	// readline adjusts the shell's readline configuration (tests).
	readline func(*readline.Config)
	// startupDone, when set, is called once start-up is over: the flags
	// are parsed and, for SQL, the grammar is built (main resumes garbage
	// collection there).
	startupDone func()
}

func main() {
	// Start-up allocates a few MB that all stay live (the flag model, the
	// SQL grammar): collecting garbage while they are built finds none and
	// took about a fifth of a one-shot "SELECT 1". Collection resumes, at
	// the GOGC setting, before any statement runs.
	gcPercent := debug.SetGCPercent(-1)
	// Most runs are SQL: build the grammar (the longest part of start-up)
	// on the other core while the flags are parsed. A run that needs no
	// grammar exits without waiting for it.
	go parser.Prepare()
	e := &env{
		stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr,
		stdinTerminal:  term.IsTerminal(int(os.Stdin.Fd())),
		stdoutTerminal: term.IsTerminal(int(os.Stdout.Fd())),
		stderrTerminal: term.IsTerminal(int(os.Stderr.Fd())),
		width: func() int {
			if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil {
				return w
			}
			return 0
		},
		getenv: os.Getenv,
		notify: func(c chan<- os.Signal) func() {
			signal.Notify(c, os.Interrupt)
			return func() { signal.Stop(c) }
		},
		startupDone: sync.OnceFunc(func() { debug.SetGCPercent(gcPercent) }),
	}
	os.Exit(run(os.Args[1:], e))
}

// run parses args, runs the command and returns the exit code: 0 success,
// 1 a command or statement failed, 2 a usage error.
func run(args []string, e *env) (code int) {
	if e.getenv == nil {
		e.getenv = func(string) string { return "" }
	}
	if e.stdin == nil {
		e.stdin = eofReader{}
	}
	if e.startupDone == nil {
		e.startupDone = func() {}
	}
	defer e.startupDone() // on every path, help and usage errors included
	var c cli
	parser, err := kong.New(&c,
		kong.Name("recq"),
		kong.Description("Query fixed-width record files in place, with SQL.\n\n"+
			"Without a command, recq runs SQL: the interactive shell when standard input is a terminal, "+
			"else the statements read from it; -c and -f run SQL and exit."),
		kong.Writers(e.stdout, e.stderr),
		kong.Exit(func(c int) { panic(exitCode(c)) }),
		kong.Bind(e),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
		kong.Help(helpPrinter),
		kong.Vars{"version": "recq " + version},
	)
	if err != nil {
		fmt.Fprintln(e.stderr, "recq: internal error:", err)
		return 1
	}
	defer func() {
		if r := recover(); r != nil {
			if c, ok := r.(exitCode); ok {
				code = int(c)
				return
			}
			panic(r)
		}
	}()
	kctx, err := parser.Parse(args)
	if err != nil {
		fmt.Fprintf(e.stderr, "recq: %v\n", err)
		fmt.Fprintln(e.stderr, "Run 'recq --help' for usage.")
		return 2
	}
	if sel := kctx.Selected(); sel != nil && sel.Name != "sql" {
		e.startupDone()
	}
	if err := checkCommandFlags(kctx); err != nil {
		fmt.Fprintf(e.stderr, "recq: %v\n", err)
		fmt.Fprintf(e.stderr, "Run 'recq %s --help' for usage.\n", kctx.Selected().Name)
		return 2
	}
	if err := kctx.Run(&c.globals); err != nil {
		var ee *exitError
		if errors.As(err, &ee) {
			if !errors.Is(ee.err, errQuiet) {
				fmt.Fprintf(e.stderr, "Error: %v\n", ee.err)
			}
			return ee.code
		}
		if !errors.Is(err, errQuiet) {
			fmt.Fprintf(e.stderr, "Error: %v\n", err)
		}
		return 1
	}
	return 0
}

// commandFlags are the global flags a subcommand other than the SQL one
// takes (the rest, -c, -m, --bail and so on, only mean something when
// running SQL).
var commandFlags = map[string]map[string]bool{
	"import": {"workers": true, "no-progress": true},
	"gen":    {"workers": true},
}

// checkCommandFlags rejects global flags given to a subcommand that
// ignores them (recq describe -c "SELECT 1" f.rec).
func checkCommandFlags(kctx *kong.Context) error {
	cmd := kctx.Selected()
	if cmd == nil || cmd.Name == "sql" {
		return nil
	}
	global := map[*kong.Flag]bool{}
	for _, f := range kctx.Model.Node.Flags {
		global[f] = true
	}
	for _, p := range kctx.Path {
		f := p.Flag
		if f == nil || !global[f] || f.Name == "help" || commandFlags[cmd.Name][f.Name] {
			continue
		}
		name := "--" + f.Name
		if f.Short != 0 {
			name = fmt.Sprintf("-%c/--%s", f.Short, f.Name)
		}
		return fmt.Errorf("the %s command does not take %s, a flag for running SQL", cmd.Name, name)
	}
	return nil
}

// usageError is a misuse of the flags: exit code 2.
func usageError(format string, args ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, args...)}
}

// helpPrinter adds examples under the top-level help.
func helpPrinter(options kong.HelpOptions, ctx *kong.Context) error {
	if err := kong.DefaultHelpPrinter(options, ctx); err != nil {
		return err
	}
	if ctx.Selected() == nil || ctx.Selected().Name == "sql" {
		fmt.Fprint(ctx.Stdout, `
Examples:
  recq --data testdata                                  # the shell over the sample tables
  recq --data testdata -c "SELECT l_returnflag, count(*) AS n FROM lineitem GROUP BY 1 ORDER BY 1"
  recq -m json -c "SELECT * FROM 'li.rec' LIMIT 3"      # a file by path, JSON out
  recq -m csv -f report.sql > report.csv                # a script, CSV out
  recq -m parquet -o out.parquet -c "SELECT * FROM 'li.rec'"
  printf 'SELECT 41 + 1 AS x;\n' | recq                 # statements from a pipe

Exit status: 0 success, 1 a statement failed, 2 a usage error.
`)
	}
	return nil
}

// exitCode is kong's requested exit (after --help), carried by panic so
// run can return it instead of exiting the process.
type exitCode int

type versionCmd struct{}

func (versionCmd) Run(e *env) error {
	fmt.Fprintf(e.stdout, "recq %s\n", version)
	return nil
}

// eofReader is an empty standard input.
type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }
