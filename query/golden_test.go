package query

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/parser"
	"github.com/recq/recq/storage"
)

// Golden SQL tests live in testdata/sql/*.test, in the spirit of
// sqllogictest. Records are separated by blank lines:
//
//	# a comment
//	statement ok
//	SET workers = 2
//
//	query [rowsort]
//	SELECT a, b FROM t
//	----
//	1 | x
//	2 | NULL
//
//	error
//	SELECT nope FROM t
//	----
//	no column nope in t
//
// A query's rows are its values joined by " | " (NULL for NULL, (empty)
// for an empty string, floats to 9 significant digits); rowsort compares
// them sorted. An error record's expectation is a substring of the error
// message. Every file runs under each configuration in goldenConfigs
// (worker counts, batch sizes, I/O strategies, optimizer passes on and off)
// and all must give the expected output. `go test ./query -rewrite`
// rewrites the expectations from the first configuration. $TMP in a
// record's SQL is a temporary directory of the configuration's run. A file
// with the line "# golden: writable data directory" runs with a fresh data
// directory of links to testdata's files, so its statements (CREATE TABLE
// ... AS) may write tables there.

var rewriteGolden = flag.Bool("rewrite", false, "rewrite the expected output of golden SQL tests")

type goldenConfig struct {
	name     string
	settings Settings
	noPasses bool
}

var goldenConfigs = []goldenConfig{
	{"workers=2 batch=16384 io=auto", Settings{Workers: 2, BatchSize: 16384, IO: storage.Auto}, false},
	{"workers=1 batch=7 io=mmap", Settings{Workers: 1, BatchSize: 7, IO: storage.Mmap}, false},
	{"workers=3 batch=1024 io=buffered", Settings{Workers: 3, BatchSize: 1024, IO: storage.Buffered}, false},
	{"workers=2 batch=100 io=direct", Settings{Workers: 2, BatchSize: 100, IO: storage.Direct}, false},
	{"workers=8 batch=1 io=mmap", Settings{Workers: 8, BatchSize: 1, IO: storage.Mmap}, false},
	{"workers=2 batch=1024 no optimizer passes", Settings{Workers: 2, BatchSize: 1024, IO: storage.Mmap}, true},
}

type goldenRecord struct {
	kind    string // "statement", "query", "error"
	rowsort bool
	sql     string
	want    []string
	line    int
}

func parseGolden(t *testing.T, path string) []goldenRecord {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var recs []goldenRecord
	lines := strings.Split(string(data), "\n")
	for i := 0; i < len(lines); {
		l := strings.TrimSpace(lines[i])
		if l == "" || strings.HasPrefix(l, "#") {
			i++
			continue
		}
		r := goldenRecord{line: i + 1}
		f := strings.Fields(l)
		switch f[0] {
		case "statement", "query", "error":
			r.kind = f[0]
			r.rowsort = slices.Contains(f[1:], "rowsort")
		default:
			t.Fatalf("%s:%d: unknown record %q", path, i+1, l)
		}
		i++
		var sql []string
		for i < len(lines) && strings.TrimSpace(lines[i]) != "" && strings.TrimSpace(lines[i]) != "----" {
			sql = append(sql, lines[i])
			i++
		}
		r.sql = strings.Join(sql, "\n")
		if i < len(lines) && strings.TrimSpace(lines[i]) == "----" {
			i++
			for i < len(lines) && strings.TrimSpace(lines[i]) != "" {
				r.want = append(r.want, lines[i])
				i++
			}
		}
		recs = append(recs, r)
	}
	return recs
}

func writeGolden(t *testing.T, path string, recs []goldenRecord) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Keep comments: rebuild the file record by record, copying comment
	// lines that precede each record.
	lines := strings.Split(string(data), "\n")
	var out strings.Builder
	next := 0
	for _, r := range recs {
		for ; next < r.line-1; next++ {
			if l := strings.TrimSpace(lines[next]); strings.HasPrefix(l, "#") {
				out.WriteString(lines[next] + "\n")
			}
		}
		header := r.kind
		if r.kind == "statement" {
			header = "statement ok"
		}
		if r.rowsort {
			header += " rowsort"
		}
		out.WriteString(header + "\n" + r.sql + "\n")
		if r.kind != "statement" {
			out.WriteString("----\n")
			for _, w := range r.want {
				out.WriteString(w + "\n")
			}
		}
		out.WriteString("\n")
		next = r.line
		for next < len(lines) && strings.TrimSpace(lines[next]) != "" {
			next++
		}
	}
	if err := os.WriteFile(path, []byte(out.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// render turns a result into golden rows.
func renderRows(res *Result) []string {
	var rows []string
	for res.Next() {
		rec := res.Record()
		for r := 0; r < int(rec.NumRows()); r++ {
			vals := make([]string, rec.NumCols())
			for c := range vals {
				vals[c] = goldenValue(rec.Column(c), r)
			}
			rows = append(rows, strings.Join(vals, " | "))
		}
	}
	return rows
}

func goldenValue(col arrow.Array, r int) string {
	if col.IsNull(r) || col.DataType().ID() == arrow.NULL {
		return "NULL"
	}
	switch a := col.(type) {
	case *array.String:
		if a.Value(r) == "" {
			return "(empty)"
		}
		// Value aliases the batch's buffer, which the next batch reuses.
		return strings.Clone(a.Value(r))
	case *array.Float64:
		return fmtFloat(a.Value(r))
	case *array.Float32:
		return fmtFloat(float64(a.Value(r)))
	case *array.Decimal128:
		scale := int(a.DataType().(*arrow.Decimal128Type).Scale)
		return a.Value(r).ToString(int32(scale))
	case *array.Date32:
		return storage.DateValue(a.Value(r)).String()
	case *array.Timestamp:
		return storage.TimestampValue(a.Value(r)).String()
	}
	return col.ValueStr(r)
}

func fmtFloat(f float64) string {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', 9, 64)
}

func errorText(err error) string {
	var pe *parser.Error
	if errors.As(err, &pe) {
		return pe.Msg
	}
	return err.Error()
}

func TestGoldenSQL(t *testing.T) {
	files, err := filepath.Glob("../testdata/sql/*.test")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	total := 0
	for _, file := range files {
		recs := parseGolden(t, file)
		for ci, cfg := range goldenConfigs {
			if testing.Short() && ci > 2 {
				break
			}
			t.Run(filepath.Base(file)+"/"+cfg.name, func(t *testing.T) {
				mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
				opts := Options{DataDir: "../testdata", Settings: cfg.settings, Allocator: mem}
				if goldenWritable(t, file) {
					opts.DataDir = linkedDataDir(t, "../testdata")
				}
				if cfg.noPasses {
					for _, p := range optimizerPasses {
						opts.DisabledPasses = append(opts.DisabledPasses, p.name)
					}
				}
				eng, err := Open(opts)
				if err != nil {
					t.Fatal(err)
				}
				tmp := t.TempDir()
				for i := range recs {
					r := &recs[i]
					got, gerr := runGolden(eng, r, tmp)
					where := fmt.Sprintf("%s:%d", filepath.Base(file), r.line)
					switch r.kind {
					case "statement":
						if gerr != nil {
							t.Fatalf("%s: %s: %v", where, r.sql, gerr)
						}
					case "error":
						if gerr == nil {
							t.Errorf("%s: %s: succeeded, want error %q", where, r.sql, strings.Join(r.want, "\n"))
							continue
						}
						msg := errorText(gerr)
						if *rewriteGolden && ci == 0 {
							r.want = []string{msg}
						} else if len(r.want) == 0 || !strings.Contains(msg, r.want[0]) {
							t.Errorf("%s: %s:\nerror %q\nwant  %q", where, r.sql, msg, strings.Join(r.want, "\n"))
						}
					case "query":
						if gerr != nil {
							t.Errorf("%s: %s: %v", where, r.sql, gerr)
							continue
						}
						if r.rowsort {
							slices.Sort(got)
						}
						if *rewriteGolden && ci == 0 {
							r.want = got
						} else if !slices.Equal(got, r.want) {
							t.Errorf("%s: %s:\ngot\n%s\nwant\n%s", where, r.sql, strings.Join(got, "\n"), strings.Join(r.want, "\n"))
						}
					}
				}
				eng.Close()
				mem.AssertSize(t, 0)
			})
			if *rewriteGolden && ci == 0 {
				writeGolden(t, file, recs)
			}
		}
		for _, r := range recs {
			if r.kind != "statement" {
				total++
			}
		}
	}
	t.Logf("%d golden queries in %d files, %d configurations", total, len(files), len(goldenConfigs))
	if total < 300 {
		t.Errorf("only %d golden queries; the suite promises at least 300", total)
	}
}

// goldenWritable reports whether a golden file asks for a writable data
// directory.
func goldenWritable(t *testing.T, path string) bool {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return slices.Contains(strings.Split(string(data), "\n"), "# golden: writable data directory")
}

// linkedDataDir makes a temporary directory holding a symbolic link to
// each regular file of dir.
func linkedDataDir(t testing.TB, dir string) string {
	t.Helper()
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(abs)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	for _, e := range ents {
		if e.Type().IsRegular() {
			if err := os.Symlink(filepath.Join(abs, e.Name()), filepath.Join(out, e.Name())); err != nil {
				t.Fatal(err)
			}
		}
	}
	return out
}

// runGolden runs one record's SQL (several statements allowed) and
// returns the last statement's rows. $TMP in the SQL stands for tmp, a
// directory files may be written to (COPY).
func runGolden(eng *Engine, r *goldenRecord, tmp string) ([]string, error) {
	stmts, err := parser.Parse(strings.ReplaceAll(r.sql, "$TMP", tmp))
	if err != nil {
		return nil, err
	}
	var rows []string
	for _, st := range stmts {
		res, err := eng.Session().Run(context.Background(), st)
		if err != nil {
			return nil, err
		}
		rows = renderRows(res)
		if err := res.Close(); err != nil {
			return nil, err
		}
	}
	return rows, nil
}
