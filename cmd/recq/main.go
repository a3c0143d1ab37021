// Command recq queries fixed-width record files in place.
//
//	recq gen --table lineitem --rows 100000 --out li.rec
//	recq describe li.rec
//	recq verify li.rec
//
// This file holds the flags and the wiring; the work lives in the query,
// repl and storage packages.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/alecthomas/kong"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// cli is the command line: one struct per subcommand.
type cli struct {
	Gen      genCmd      `cmd:"" help:"Generate sample data (TPC-H lineitem, sensor readings)."`
	Describe describeCmd `cmd:"" help:"Show a data file's layout, record count and access facts."`
	Verify   verifyCmd   `cmd:"" help:"Check a .rec file's header and block checksums."`
	Version  versionCmd  `cmd:"" help:"Print the version."`
}

// exitError carries a process exit code with its message.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// env is what commands write to; tests replace it.
type env struct {
	stdout, stderr io.Writer
}

func main() {
	os.Exit(run(os.Args[1:], &env{stdout: os.Stdout, stderr: os.Stderr}))
}

// run parses args, runs the command and returns the exit code: 0 success,
// 1 a command failed, 2 a usage error.
func run(args []string, e *env) (code int) {
	var c cli
	parser, err := kong.New(&c,
		kong.Name("recq"),
		kong.Description("Query fixed-width record files in place."),
		kong.Writers(e.stdout, e.stderr),
		kong.Exit(func(c int) { panic(exitCode(c)) }),
		kong.Bind(e),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
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
	if err := kctx.Run(); err != nil {
		fmt.Fprintf(e.stderr, "Error: %v\n", err)
		var ee *exitError
		if errors.As(err, &ee) {
			return ee.code
		}
		return 1
	}
	return 0
}

// exitCode is kong's requested exit (after --help), carried by panic so
// run can return it instead of exiting the process.
type exitCode int

type versionCmd struct{}

func (versionCmd) Run(e *env) error {
	fmt.Fprintf(e.stdout, "recq %s\n", version)
	return nil
}
