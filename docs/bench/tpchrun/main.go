// Command tpchrun times TPC-H queries in recq in-process, through package
// query, for the DuckDB comparison in docs/bench/tpch-duckdb.sh. It is a
// benchmark tool, not part of recq: nothing in go test or CI runs it.
//
// A timed run is Engine.Query with the query's text (parsing, planning and
// execution) plus reading every result batch, up to Result.Close. One
// Engine serves every run, so table files stay open and mapped between
// queries, as in the shell.
//
// Modes:
//
//	tpchrun -data DIR -warm                  evict each .rec file from the page
//	                                         cache, then read it once sequentially
//	tpchrun -data DIR -serve                 read query numbers on stdin, one a
//	                                         line; answer each with one line:
//	                                         "ok Q NANOSECONDS ROWS" or "err Q MESSAGE"
//	                                         (with -warm: warm the files first,
//	                                         reporting on stderr)
//	tpchrun -data DIR -q 9,18 -n 5           run queries 5 times each, print medians
//	tpchrun -data DIR -q 9 -n 5 -cpuprofile cpu.out
//	                                         the same under the CPU profiler
//	tpchrun -data DIR -q 3 -explain          print the plans (no run)
//
// -queries names the directory of qNN.sql files (default testdata/tpch,
// relative to the repository root).
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/recq/recq/query"
	"github.com/recq/recq/storage"
)

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "tpchrun:", err)
		os.Exit(1)
	}
}

// config is the parsed command line.
type config struct {
	data, queries, cpuprofile string
	list                      []int
	n, workers                int
	columnCache               int64
	warm, serve, explain      bool
}

func parseFlags(args []string) (config, error) {
	var c config
	var qs string
	fs := flag.NewFlagSet("tpchrun", flag.ContinueOnError)
	fs.StringVar(&c.data, "data", "", "directory of the generated TPC-H .rec files (required)")
	fs.StringVar(&c.queries, "queries", "testdata/tpch", "directory of the qNN.sql files")
	fs.StringVar(&qs, "q", "", "comma-separated query numbers (default: 1 to 22)")
	fs.IntVar(&c.n, "n", 5, "timed runs per query")
	fs.IntVar(&c.workers, "workers", 0, "scan workers (default: the number of CPUs)")
	fs.Int64Var(&c.columnCache, "column-cache", 0, "bytes of cached columns (query.Options.ColumnCache: 0 the default, -1 none)")
	fs.StringVar(&c.cpuprofile, "cpuprofile", "", "write a CPU profile of the timed runs to this file")
	fs.BoolVar(&c.warm, "warm", false, "evict the .rec files from the page cache, then read each once sequentially; exit unless -serve")
	fs.BoolVar(&c.serve, "serve", false, "answer query numbers read from stdin (see the package comment)")
	fs.BoolVar(&c.explain, "explain", false, "print each query's plan instead of running it")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if c.data == "" {
		return c, fmt.Errorf("-data DIR is required: the directory holding the eight TPC-H .rec files")
	}
	if c.n < 1 {
		return c, fmt.Errorf("-n %d: the number of runs must be at least 1", c.n)
	}
	if qs == "" {
		for q := 1; q <= 22; q++ {
			c.list = append(c.list, q)
		}
		return c, nil
	}
	for _, f := range strings.Split(qs, ",") {
		q, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || q < 1 || q > 22 {
			return c, fmt.Errorf("-q %q: %q is not a query number from 1 to 22", qs, f)
		}
		c.list = append(c.list, q)
	}
	return c, nil
}

func run(args []string, stdin io.Reader, stdout io.Writer) error {
	c, err := parseFlags(args)
	if err != nil {
		return err
	}
	if c.warm {
		// In serve mode stdout carries the protocol: report on stderr.
		log := stdout
		if c.serve {
			log = os.Stderr
		}
		if err := warm(c.data, log); err != nil || !c.serve {
			return err
		}
	}
	eng, err := query.Open(query.Options{DataDir: c.data, Settings: query.Settings{Workers: c.workers}, ColumnCache: c.columnCache})
	if err != nil {
		return fmt.Errorf("opening the engine over %s: %w", c.data, err)
	}
	defer eng.Close()
	switch {
	case c.serve:
		return serve(eng, c.queries, stdin, stdout)
	case c.explain:
		for _, q := range c.list {
			text, err := queryText(c.queries, q)
			if err != nil {
				return err
			}
			plan, err := eng.Explain(context.Background(), text)
			if err != nil {
				return fmt.Errorf("q%02d: EXPLAIN: %w", q, err)
			}
			fmt.Fprintf(stdout, "-- q%02d\n%s\n", q, plan)
		}
		return nil
	}
	return repeat(eng, c, stdout)
}

// warm leaves every .rec file of dir in the page cache in large folios
// (see the notes on page-cache state): write back and drop its cached
// pages, then read it once from start to end.
func warm(dir string, stdout io.Writer) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.rec"))
	if err != nil || len(files) == 0 {
		return fmt.Errorf("no .rec files in %s to warm (generate them first)", dir)
	}
	buf := make([]byte, 8<<20)
	for _, path := range files {
		if err := storage.DropCache(path); err != nil {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("warming %s: %w", path, err)
		}
		start := time.Now()
		n, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{f}, buf)
		f.Close()
		if err != nil {
			return fmt.Errorf("warming %s: reading at byte %d: %w", path, n, err)
		}
		fmt.Fprintf(stdout, "warmed %s: %d bytes in %v\n", filepath.Base(path), n, time.Since(start).Round(time.Millisecond))
	}
	return nil
}

// queryText reads qNN.sql from dir.
func queryText(dir string, q int) (string, error) {
	path := filepath.Join(dir, fmt.Sprintf("q%02d.sql", q))
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("reading query %d: %w (pass -queries DIR, the directory of qNN.sql)", q, err)
	}
	return strings.TrimSpace(string(b)), nil
}

// once runs text and reads every result batch; it returns the wall time
// and the number of result rows.
func once(eng *query.Engine, text string) (time.Duration, int64, error) {
	start := time.Now()
	res, err := eng.Query(context.Background(), text)
	if err != nil {
		return 0, 0, err
	}
	var rows int64
	for res.Next() {
		rows += res.Record().NumRows()
	}
	err = res.Err()
	if cerr := res.Close(); err == nil {
		err = cerr
	}
	return time.Since(start), rows, err
}

// serve answers one query number per input line with one output line.
func serve(eng *query.Engine, dir string, stdin io.Reader, stdout io.Writer) error {
	in := bufio.NewScanner(stdin)
	out := bufio.NewWriter(stdout)
	for in.Scan() {
		line := strings.TrimSpace(in.Text())
		if line == "" {
			continue
		}
		q, err := strconv.Atoi(line)
		if err != nil || q < 1 || q > 22 {
			fmt.Fprintf(out, "err %s not a query number from 1 to 22\n", line)
		} else if text, err := queryText(dir, q); err != nil {
			fmt.Fprintf(out, "err %d %s\n", q, oneLine(err))
		} else if d, rows, err := once(eng, text); err != nil {
			fmt.Fprintf(out, "err %d %s\n", q, oneLine(err))
		} else {
			fmt.Fprintf(out, "ok %d %d %d\n", q, d.Nanoseconds(), rows)
		}
		if err := out.Flush(); err != nil {
			return fmt.Errorf("writing the answer for %q: %w", line, err)
		}
	}
	return in.Err()
}

func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", " | ") }

// repeat runs each query of c.list once untimed, then c.n times timed, and
// prints the median; with c.cpuprofile the timed runs are profiled.
func repeat(eng *query.Engine, c config, stdout io.Writer) error {
	texts := make([]string, len(c.list))
	for i, q := range c.list {
		t, err := queryText(c.queries, q)
		if err != nil {
			return err
		}
		texts[i] = t
		if _, _, err := once(eng, t); err != nil {
			return fmt.Errorf("q%02d: %w", q, err)
		}
	}
	if c.cpuprofile != "" {
		f, err := os.Create(c.cpuprofile)
		if err != nil {
			return fmt.Errorf("creating the CPU profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("starting the CPU profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	for i, q := range c.list {
		times := make([]time.Duration, c.n)
		var rows int64
		for r := range times {
			d, n, err := once(eng, texts[i])
			if err != nil {
				return fmt.Errorf("q%02d: %w", q, err)
			}
			times[r], rows = d, n
		}
		slices.Sort(times)
		fmt.Fprintf(stdout, "q%02d  median %8.1f ms  min %8.1f ms  max %8.1f ms  rows %d\n", q,
			ms((times[(len(times)-1)/2]+times[len(times)/2])/2), ms(times[0]), ms(times[len(times)-1]), rows)
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }
