package main

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/recq/recq/storage"
	"github.com/recq/recq/storage/gen"
)

// Benchmarks of recq as a whole process: they build the binary (and a Go
// hello-world to compare with) into a temporary directory, run them
// alternately, and report medians and ratios measured in the same run.
// They are skipped under -short. docs/benchmarks.md has the commands.

// processRun is what one run of a process cost.
type processRun struct {
	wall, cpu time.Duration
	maxRSS    int64 // bytes (the kernel's peak resident set, mapped files included)
	peakAnon  int64 // bytes: the largest RssAnon sampled from /proc, 0 if not sampled
}

// runProcess runs a binary to completion with its output discarded;
// sample polls /proc for the peak of anonymous memory.
func runProcess(b *testing.B, sample bool, name string, args ...string) processRun {
	b.Helper()
	cmd := exec.Command(name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	var peak int64
	done := make(chan struct{})
	var sampler sync.WaitGroup
	if sample {
		sampler.Add(1)
		go func() {
			defer sampler.Done()
			status := filepath.Join("/proc", strconv.Itoa(cmd.Process.Pid), "status")
			t := time.NewTicker(5 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-done:
					return
				case <-t.C:
					peak = max(peak, rssAnon(status))
				}
			}
		}()
	}
	err := cmd.Wait()
	wall := time.Since(start)
	close(done)
	sampler.Wait()
	if err != nil {
		b.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return processRun{
		wall:     wall,
		cpu:      cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(),
		maxRSS:   ru.Maxrss * 1024,
		peakAnon: peak,
	}
}

// rssAnon reads RssAnon (bytes) from a /proc/PID/status file.
func rssAnon(path string) int64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "RssAnon:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// goBuild builds a main package into dir/name with the go command that
// runs this test.
func goBuild(b *testing.B, pkgDir, out string) {
	b.Helper()
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", out, ".")
	cmd.Dir = pkgDir
	if msg, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("go build in %s: %v\n%s", pkgDir, err, msg)
	}
}

// buildRecq builds this package's binary.
func buildRecq(b *testing.B, dir string) string {
	b.Helper()
	out := filepath.Join(dir, "recq")
	goBuild(b, ".", out)
	return out
}

// buildHello builds a Go program that prints one line, the baseline of
// the start-up benchmark.
func buildHello(b *testing.B, dir string) string {
	b.Helper()
	src := filepath.Join(dir, "hello")
	if err := os.MkdirAll(src, 0o755); err != nil {
		b.Fatal(err)
	}
	files := map[string]string{
		"go.mod":  "module hello\n\ngo 1.26.0\n",
		"main.go": "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hello\") }\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(src, name), []byte(text), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	out := filepath.Join(dir, "hello-bin")
	goBuild(b, src, out)
	return out
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

// buildLinkFloor builds a program that links every package recq imports
// and does nothing else: it prints one line, as the hello-world does. Its
// start-up is the floor that no change to recq's own start-up path can go
// below: the kernel loading a binary of recq's size, the Go runtime's
// start over its tables, and the package initialisation of what is linked.
// The source is written into a dot-directory of this package (so that
// the imports resolve in this module; the go command's ./... skips it),
// removed when the benchmark ends.
func buildLinkFloor(b *testing.B, dir string) string {
	b.Helper()
	list := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "list", "-f", `{{join .Imports "\n"}}`, ".")
	imports, err := list.Output()
	if err != nil {
		b.Fatalf("go list: %v", err)
	}
	var src strings.Builder
	src.WriteString("// Package main links what recq links and prints one line.\npackage main\n\nimport (\n\t\"fmt\"\n")
	for _, path := range strings.Fields(string(imports)) {
		if strings.Contains(path, ".") { // not the standard library
			src.WriteString("\t_ \"" + path + "\"\n")
		}
	}
	src.WriteString(")\n\nfunc main() { fmt.Println(\"hello\") }\n")
	pkg, err := os.MkdirTemp(".", ".startup-floor-")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(pkg) })
	if err := os.WriteFile(filepath.Join(pkg, "main.go"), []byte(src.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	out := filepath.Join(dir, "floor")
	goBuild(b, pkg, out)
	return out
}

// BenchmarkStartup runs `recq -c "SELECT 1"`, a Go hello-world and the
// link floor (buildLinkFloor) in turn, b.N times each, and reports the
// median wall and CPU times and the ratios to the hello-world (target:
// recq/hello <= 2 in wall time; floor-ratio is how close any start-up
// path of recq's can get).
//
//	go test ./cmd/recq -run '^$' -bench Startup -benchtime 200x
func BenchmarkStartup(b *testing.B) {
	if testing.Short() {
		b.Skip("builds binaries")
	}
	dir := b.TempDir()
	recq, hello, floor := buildRecq(b, dir), buildHello(b, dir), buildLinkFloor(b, dir)
	programs := [][]string{{hello}, {recq, "-c", "SELECT 1"}, {floor}}
	wall := make([][]time.Duration, len(programs))
	cpu := make([][]time.Duration, len(programs))
	// One untimed run of each to load the binaries into the page cache.
	for _, p := range programs {
		runProcess(b, false, p[0], p[1:]...)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// Rotate the order, so that none always runs after the same one.
		for k := range programs {
			j := (i + k) % len(programs)
			r := runProcess(b, false, programs[j][0], programs[j][1:]...)
			wall[j], cpu[j] = append(wall[j], r.wall), append(cpu[j], r.cpu)
		}
	}
	b.StopTimer()
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	ratio := func(a, b time.Duration) float64 { return float64(a) / float64(max(b, time.Microsecond)) }
	b.ReportMetric(ms(median(wall[1])), "recq-ms")
	b.ReportMetric(ms(median(wall[0])), "hello-ms")
	b.ReportMetric(ms(median(wall[2])), "floor-ms")
	b.ReportMetric(ratio(median(wall[1]), median(wall[0])), "wall-ratio")
	b.ReportMetric(ratio(median(cpu[1]), median(cpu[0])), "cpu-ratio")
	b.ReportMetric(ratio(median(wall[2]), median(wall[0])), "floor-ratio")
	b.ReportMetric(0, "ns/op")
}

// exportBenchRows is the size of the export benchmark's table:
// RECQ_BENCH_ROWS, default 5,000,000 lineitem rows (765 MB).
func exportBenchRows() int64 {
	if v, err := strconv.ParseInt(os.Getenv("RECQ_BENCH_ROWS"), 10, 64); err == nil && v > 0 {
		return v
	}
	return 5_000_000
}

// BenchmarkExport exports a lineitem table with `recq -m parquet -o` and
// with `recq -m csv -o`, alternately, and reports from the same run each
// one's median time and rows per second, the ratio parquet/csv, the peak
// memory of the Parquet export and its row group count. The table is
// generated once into the system temporary directory
// (recq-bench-lineitem-N.rec) and is warm in the state a user's file is
// in: evicted, then read once sequentially.
//
// The Parquet export runs twice per iteration: with the default I/O
// (auto: the warm file is mapped, and the kernel's peak resident set then
// counts the mapped file's pages, which belong to the page cache) and
// with --io direct (what auto picks for a cold file). pq-anon-MB is the
// largest anonymous memory sampled while the default-I/O export runs: the
// memory recq itself holds.
//
//	go test ./cmd/recq -run '^$' -bench Export -benchtime 3x
func BenchmarkExport(b *testing.B) {
	if testing.Short() {
		b.Skip("generates a large table")
	}
	rows := exportBenchRows()
	data := filepath.Join(os.TempDir(), "recq-bench-lineitem-"+strconv.FormatInt(rows, 10)+".rec")
	if _, err := os.Stat(data); err != nil {
		tbl, err := gen.Lookup("lineitem")
		if err != nil {
			b.Fatal(err)
		}
		if err := tbl.Write(data, rows, 1); err != nil {
			b.Fatal(err)
		}
	}
	if err := storage.DropCache(data); err != nil {
		b.Fatal(err)
	}
	if in, err := os.Open(data); err != nil {
		b.Fatal(err)
	} else {
		_, err = io.Copy(io.Discard, in) // read once, sequentially
		in.Close()
		if err != nil {
			b.Fatal(err)
		}
	}
	dir := b.TempDir()
	recq := buildRecq(b, dir)
	query := "SELECT * FROM '" + data + "'"
	pqOut, csvOut := filepath.Join(dir, "out.parquet"), filepath.Join(dir, "out.csv")
	var pqWall, csvWall, directWall []time.Duration
	var pqRSS, pqAnon, directRSS int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		runs := []func(){
			func() {
				r := runProcess(b, true, recq, "-m", "parquet", "-o", pqOut, "-c", query)
				pqWall = append(pqWall, r.wall)
				pqRSS, pqAnon = max(pqRSS, r.maxRSS), max(pqAnon, r.peakAnon)
			},
			func() {
				r := runProcess(b, false, recq, "-m", "csv", "-o", csvOut, "-c", query)
				csvWall = append(csvWall, r.wall)
			},
			func() {
				r := runProcess(b, false, recq, "--io", "direct", "-m", "parquet", "-o", pqOut, "-c", query)
				directWall = append(directWall, r.wall)
				directRSS = max(directRSS, r.maxRSS)
			},
		}
		for k := range runs {
			runs[(i+k)%len(runs)]()
		}
	}
	b.StopTimer()
	f, err := os.Open(pqOut)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	pf, err := file.NewParquetReader(f)
	if err != nil {
		b.Fatal(err)
	}
	if pf.NumRows() != rows {
		b.Fatalf("the Parquet file has %d rows, want %d", pf.NumRows(), rows)
	}
	sec := func(d time.Duration) float64 { return d.Seconds() }
	mb := func(n int64) float64 { return float64(n) / (1 << 20) }
	b.ReportMetric(sec(median(pqWall)), "parquet-s")
	b.ReportMetric(sec(median(csvWall)), "csv-s")
	b.ReportMetric(float64(median(pqWall))/float64(median(csvWall)), "parquet/csv")
	b.ReportMetric(float64(rows)/sec(median(pqWall)), "parquet-rows/s")
	b.ReportMetric(float64(rows)/sec(median(csvWall)), "csv-rows/s")
	b.ReportMetric(mb(pqRSS), "pq-maxrss-MB")
	b.ReportMetric(mb(pqAnon), "pq-anon-MB")
	b.ReportMetric(mb(directRSS), "pq-direct-maxrss-MB")
	b.ReportMetric(sec(median(directWall)), "pq-direct-s")
	b.ReportMetric(float64(pf.NumRowGroups()), "row-groups")
	b.ReportMetric(0, "ns/op")
}
