// Command recq-serve serves the tables of a data directory over Arrow
// Flight SQL; `recq serve ...` runs it. It is a program of its own so
// that recq itself links no gRPC or protobuf, whose package
// initialisation would slow every `recq -c` (docs/benchmarks.md,
// "Start-up").
//
//	recq-serve --data testdata --listen 127.0.0.1:32010
//	RECQ_TOKEN=s3cret recq-serve --data /srv/files --listen :32010 --tls-cert c.pem --tls-key k.pem
//
// See docs/distributed.md, "recq serve".
package main

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/alecthomas/kong"
	"github.com/recq/recq/query"
	"github.com/recq/recq/query/flightserver"
	"github.com/recq/recq/storage"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

type flags struct {
	Data            string           `required:"" type:"existingdir" placeholder:"DIR" help:"Serve the tables in DIR (.rec files, raw files with a .schema sidecar, views)."`
	Listen          string           `default:"127.0.0.1:32010" placeholder:"HOST:PORT" help:"The address to listen on (port 0: any free port, printed at start)."`
	Token           string           `env:"RECQ_TOKEN" placeholder:"TOKEN" help:"Require 'authorization: Bearer TOKEN' on every call (prefer the RECQ_TOKEN variable: command lines are visible to other users)."`
	TokenFile       string           `type:"existingfile" placeholder:"FILE" help:"Read the bearer token from FILE (its first line)."`
	TLSCert         string           `name:"tls-cert" type:"existingfile" placeholder:"FILE" help:"Serve TLS with this PEM certificate (with --tls-key)."`
	TLSKey          string           `name:"tls-key" type:"existingfile" placeholder:"FILE" help:"The PEM private key of --tls-cert."`
	Peers           []string         `placeholder:"HOST:PORT" help:"Other recq servers holding the same files (and the same token or ticket key): scan endpoints are spread over them."`
	TicketKey       string           `env:"RECQ_TICKET_KEY" placeholder:"KEY" help:"The key that signs tickets; peers share it (default: derived from the token, or random)."`
	MaxQueries      int              `default:"64" placeholder:"N" help:"Result streams that run at once; more wait up to --queue-wait, then fail with RESOURCE_EXHAUSTED."`
	QueueWait       time.Duration    `default:"10s" placeholder:"DURATION" help:"How long a stream waits for a free query slot."`
	MemLimit        string           `name:"memory-limit" placeholder:"SIZE" help:"Memory for each query's aggregation and sort state: 512MB, 8GB, or none (default 4GB)."`
	Workers         int              `placeholder:"N" help:"Scan workers of each query (default: the number of CPUs)."`
	IO              string           `name:"io" default:"auto" enum:"auto,mmap,direct,buffered" help:"How data files are read: auto, mmap, direct, buffered."`
	Endpoints       int              `placeholder:"N" help:"The most endpoints of a scan (default: the number of CPUs times the servers)."`
	Buckets         int              `placeholder:"N" help:"The endpoints (hash buckets) of a grouped aggregation (default: the number of CPUs)."`
	SplitSize       string           `placeholder:"SIZE" help:"The target size of a split (default 16MB)."`
	AllowFilePaths  bool             `help:"Let clients read files by path (FROM 'file.rec', read_csv(...)): any file this process can open. Off, they read the tables of --data only."`
	ShutdownTimeout time.Duration    `default:"30s" placeholder:"DURATION" help:"On SIGINT or SIGTERM, how long running streams may take to finish before they are cancelled."`
	Version         kong.VersionFlag `help:"Print the version and exit."`
}

func main() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, stop, nil))
}

// run serves until a signal arrives on stop; ready, when set, is told
// the address listened on. It returns the exit code: 0 after a clean
// shutdown, 1 a failure, 2 a usage error.
func run(args []string, stdout, stderr io.Writer, stop <-chan os.Signal, ready func(addr string)) (code int) {
	var f flags
	exited := false
	parser, err := kong.New(&f, kong.Name("recq-serve"),
		kong.Description("Serve the tables of a data directory over Arrow Flight SQL (read-only). `recq serve` runs this program."),
		kong.Writers(stdout, stderr),
		kong.Exit(func(c int) { exited, code = true, c; panic(exitPanic{}) }),
		kong.Vars{"version": "recq-serve " + version})
	if err != nil {
		fmt.Fprintln(stderr, "recq-serve: internal error:", err)
		return 1
	}
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(exitPanic); ok && exited {
				return
			}
			panic(r)
		}
	}()
	if _, err := parser.Parse(args); err != nil {
		fmt.Fprintf(stderr, "recq-serve: %v\nRun 'recq serve --help' for usage.\n", err)
		return 2
	}
	if err := serve(&f, stdout, stop, ready); err != nil {
		var ue usageErr
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "recq-serve: %v\n", err)
			return 2
		}
		fmt.Fprintf(stderr, "Error: %v\n", err)
		return 1
	}
	return 0
}

type exitPanic struct{}

type usageErr struct{ error }

func usage(format string, args ...any) error { return usageErr{fmt.Errorf(format, args...)} }

func serve(f *flags, stdout io.Writer, stop <-chan os.Signal, ready func(string)) error {
	cfg, eng, err := configure(f)
	if err != nil {
		return err
	}
	defer eng.Close()
	srv, err := flightserver.New(cfg)
	if err != nil {
		return err
	}
	lis, err := net.Listen("tcp", f.Listen)
	if err != nil {
		return err
	}
	scheme := "grpc+tcp"
	if cfg.TLS != nil {
		scheme = "grpc+tls"
	}
	auth := "no token: anyone who reaches the port may query"
	if cfg.Token != "" {
		auth = "bearer token required"
	}
	fmt.Fprintf(stdout, "recq-serve %s: Flight SQL on %s://%s, serving %s (%s)\n", version, scheme, lis.Addr(), f.Data, auth)
	if ready != nil {
		ready(lis.Addr().String())
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	select {
	case err := <-served:
		return err
	case sig := <-stop:
		fmt.Fprintf(stdout, "recq-serve: %v: no new calls; waiting up to %s for running streams\n", sig, f.ShutdownTimeout)
		srv.Shutdown(f.ShutdownTimeout)
		return <-served
	}
}

// configure checks the flags and opens the engine.
func configure(f *flags) (flightserver.Config, *query.Engine, error) {
	var cfg flightserver.Config
	strategy, err := storage.ParseStrategy(f.IO)
	if err != nil {
		return cfg, nil, usage("%v", err)
	}
	if f.Workers < 0 || f.Workers > 1024 {
		return cfg, nil, usage("--workers must be from 1 to 1024")
	}
	settings := query.Settings{Workers: f.Workers, IO: strategy}
	if f.MemLimit != "" {
		parsed := query.DefaultSettings()
		if err := parsed.Set("memory_limit", f.MemLimit); err != nil {
			return cfg, nil, usage("--memory-limit: %v", strings.TrimPrefix(err.Error(), "memory_limit: "))
		}
		settings.MemoryLimit = parsed.MemoryLimit
	}
	if f.SplitSize != "" {
		n, err := query.ParseBytes(f.SplitSize)
		if err != nil || n <= 0 {
			return cfg, nil, usage("--split-size: %q is not a size (64MB, 1GB)", f.SplitSize)
		}
		cfg.SplitBytes = n
	}
	if f.MaxQueries < 1 {
		return cfg, nil, usage("--max-queries must be at least 1")
	}
	if f.Endpoints < 0 || f.Buckets < 0 {
		return cfg, nil, usage("--endpoints and --buckets must be positive")
	}
	cfg.Token = f.Token
	if f.TokenFile != "" {
		b, err := os.ReadFile(f.TokenFile)
		if err != nil {
			return cfg, nil, err
		}
		cfg.Token, _, _ = strings.Cut(strings.TrimSpace(string(b)), "\n")
		if cfg.Token = strings.TrimSpace(cfg.Token); cfg.Token == "" {
			return cfg, nil, usage("--token-file %s is empty", f.TokenFile)
		}
	}
	if (f.TLSCert == "") != (f.TLSKey == "") {
		return cfg, nil, usage("--tls-cert and --tls-key go together")
	}
	if f.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(f.TLSCert, f.TLSKey)
		if err != nil {
			return cfg, nil, usage("TLS: %v", err)
		}
		cfg.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	for _, p := range f.Peers {
		if _, _, err := net.SplitHostPort(p); err != nil {
			return cfg, nil, usage("--peers: %q is not host:port", p)
		}
	}
	cfg.Peers, cfg.TicketKey = f.Peers, []byte(f.TicketKey)
	cfg.MaxQueries, cfg.QueueWait = f.MaxQueries, f.QueueWait
	cfg.Endpoints, cfg.Buckets, cfg.Version = f.Endpoints, f.Buckets, version
	cfg.AllowFilePaths = f.AllowFilePaths
	eng, err := query.Open(query.Options{DataDir: f.Data, Settings: settings})
	if err != nil {
		return cfg, nil, err
	}
	cfg.Engine = eng
	return cfg, eng, nil
}
