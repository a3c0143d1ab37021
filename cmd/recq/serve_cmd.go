package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"
)

// serveCmd runs the Flight SQL server, recq-serve: a program of its own,
// so that recq links no gRPC or protobuf (their package initialisation
// would cost every `recq -c` milliseconds). Its flags are recq-serve's,
// passed through unparsed.
type serveCmd struct {
	Args []string `arg:"" optional:"" help:"recq-serve's flags: --data DIR --listen HOST:PORT [--token ...] (recq serve --help lists them)."`
}

func (c *serveCmd) Help() string {
	return `Serves the tables of a data directory over Arrow Flight SQL (read-only),
to JDBC, ADBC and other Flight SQL clients; see docs/distributed.md,
"recq serve". The server is the recq-serve program, looked up next to
recq, then on PATH (or named by RECQ_SERVE); build it with
go install github.com/recq/recq/cmd/recq-serve.

Examples:
  recq serve --data testdata --listen 127.0.0.1:32010
  RECQ_TOKEN=s3cret recq serve --data /srv/files --listen :32010 --tls-cert c.pem --tls-key k.pem`
}

func (c *serveCmd) Run(e *env) error {
	bin, err := findServer(e)
	if err != nil {
		return err
	}
	cmd := exec.Command(bin, c.Args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = e.stdin, e.stdout, e.stderr
	// The server shuts down gracefully on SIGINT and SIGTERM: those sent
	// to recq are passed on (a terminal's Ctrl-C reaches both; the server
	// acts on the first), and recq waits for it to end.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", bin, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for {
		select {
		case sig := <-sigs:
			_ = cmd.Process.Signal(sig)
		case err := <-done:
			var xe *exec.ExitError
			if errors.As(err, &xe) {
				return &exitError{code: max(xe.ExitCode(), 1), err: errQuiet}
			}
			return err
		}
	}
}

// findServer finds the recq-serve program: RECQ_SERVE, else next to the
// recq executable, else on PATH.
func findServer(e *env) (string, error) {
	if p := e.getenv("RECQ_SERVE"); p != "" {
		return p, nil
	}
	name := "recq-serve"
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	if self, err := os.Executable(); err == nil {
		if real, err := filepath.EvalSymlinks(self); err == nil {
			self = real
		}
		p := filepath.Join(filepath.Dir(self), name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	return "", errors.New("recq serve runs the Flight SQL server recq-serve, which is neither next to recq nor on PATH: " +
		"install it with 'go install github.com/recq/recq/cmd/recq-serve@latest' (or 'go build -o DIR ./cmd/recq-serve' into recq's directory), " +
		"or name it with RECQ_SERVE=/path/to/recq-serve")
}
