package query

import (
	"bufio"
	"context"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/parser"
	"github.com/recq/recq/storage"
)

// The hostile input corpus lives in testdata/hostile (see its README.md):
// malformed SQL (sql.txt), malformed layouts (schema/*.schema) and
// corrupted or odd data files with a manifest (data/MANIFEST). These tests
// check that each input fails with its expected error class and message,
// that file errors name the file, record, byte offset and field where the
// manifest says so, and that nothing panics or leaks.

var regenHostile = flag.Bool("hostile.regen", false, "rewrite the generated .rec files of testdata/hostile/data")

const hostileDir = "../testdata/hostile"

// hostileSQL is one line of sql.txt: class | message substring | SQL.
type hostileSQL struct {
	class, msg, sql string
	line            int
}

// splitCase splits "a | b | rest" into n fields; the last keeps any '|'.
func splitCase(line string, n int) ([]string, bool) {
	parts := strings.SplitN(line, "|", n)
	if len(parts) != n {
		return nil, false
	}
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts, true
}

// readHostileSQL reads a corpus file of "class | message | SQL" lines.
func readHostileSQL(path string) ([]hostileSQL, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []hostileSQL
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		l := sc.Text()
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") {
			continue
		}
		p, ok := splitCase(l, 3)
		if !ok {
			return nil, fmt.Errorf("%s:%d: want class | message | SQL", path, n)
		}
		out = append(out, hostileSQL{class: p[0], msg: p[1], sql: unescapeCase(p[2]), line: n})
	}
	return out, sc.Err()
}

// unescapeCase turns \n in a corpus line into a newline (statements that
// need several lines).
func unescapeCase(s string) string { return strings.ReplaceAll(s, `\n`, "\n") }

// classify names the class of a statement's outcome: parse (the parser
// rejects it), bind (a positioned error from planning), exec (an error
// while running) or ok, plus the error.
func classify(eng *Engine, sql string) (string, error) {
	if _, err := parser.Parse(sql); err != nil {
		return "parse", err
	}
	res, err := eng.Query(context.Background(), sql)
	if err != nil {
		var pe *parser.Error
		if errors.As(err, &pe) {
			return "bind", err
		}
		return "exec", err
	}
	for res.Next() {
	}
	if err := res.Close(); err != nil {
		return "exec", err
	}
	return "ok", nil
}

func TestHostileSQL(t *testing.T) {
	cases, err := readHostileSQL(filepath.Join(hostileDir, "sql.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 100 {
		t.Errorf("only %d malformed statements; the corpus promises at least 100", len(cases))
	}
	checkGoroutines(t)
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	for _, c := range cases {
		eng, err := Open(Options{DataDir: "../testdata", Allocator: mem})
		if err != nil {
			t.Fatal(err)
		}
		class, err := classify(eng, c.sql)
		eng.Close()
		where := fmt.Sprintf("sql.txt:%d: %q", c.line, c.sql)
		switch {
		case class != c.class:
			t.Errorf("%s: %s error (%v), want %s", where, class, err, c.class)
		case err == nil:
		case strings.Contains(err.Error(), "internal error"):
			t.Errorf("%s: %v", where, err)
		case !strings.Contains(errorText(err), c.msg):
			t.Errorf("%s: message %q lacks %q", where, errorText(err), c.msg)
		}
		if class == "parse" || class == "bind" {
			var pe *parser.Error
			if errors.As(err, &pe) && (pe.Offset < 0 || pe.Offset > len(c.sql) || pe.Line < 1 || pe.Column < 1) {
				t.Errorf("%s: position %d:%d offset %d outside the text", where, pe.Line, pe.Column, pe.Offset)
			}
		}
	}
	mem.AssertSize(t, 0)
}

// hostileSchema is one schema/*.schema file: its DDL and the expectation
// on its first line, "-- expect: class | message".
type hostileSchema struct {
	file, ddl, class, msg string
}

func readHostileSchemas(t *testing.T) []hostileSchema {
	files, err := filepath.Glob(filepath.Join(hostileDir, "schema", "*.schema"))
	if err != nil {
		t.Fatal(err)
	}
	var out []hostileSchema
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		first, _, _ := strings.Cut(string(b), "\n")
		spec, ok := strings.CutPrefix(first, "-- expect:")
		p, ok2 := splitCase(spec, 2)
		if !ok || !ok2 {
			t.Fatalf("%s: the first line must be -- expect: class | message", f)
		}
		out = append(out, hostileSchema{file: filepath.Base(f), ddl: string(b), class: p[0], msg: p[1]})
	}
	return out
}

// TestHostileSchemas: each malformed layout fails with its expected class:
// parse (the parser rejects it) or layout (ParseLayout rejects it), with a
// position inside the text; "schema" means it is accepted as a layout but
// opening a file with it fails with ErrSchema.
func TestHostileSchemas(t *testing.T) {
	cases := readHostileSchemas(t)
	if len(cases) < 30 {
		t.Errorf("only %d malformed schemas; the corpus promises at least 30", len(cases))
	}
	data := filepath.Join(hostileDir, "data", "text_ok.txt")
	for _, c := range cases {
		class := "ok"
		_, err := parser.Parse(c.ddl)
		if err != nil {
			class = "parse"
		} else if _, err = ParseLayout(c.ddl); err != nil {
			class = "layout"
		} else {
			eng, oerr := Open(Options{})
			if oerr != nil {
				t.Fatal(oerr)
			}
			if err = eng.RegisterTable("h", data, c.ddl); err != nil {
				class = "open"
				if errors.Is(err, storage.ErrSchema) {
					class = "schema"
				}
			}
			eng.Close()
		}
		switch {
		case class != c.class:
			t.Errorf("%s: %s (%v), want %s", c.file, class, err, c.class)
		case err == nil:
		case strings.Contains(err.Error(), "internal error"):
			t.Errorf("%s: %v", c.file, err)
		case !strings.Contains(err.Error(), c.msg):
			t.Errorf("%s: message %q lacks %q", c.file, err, c.msg)
		}
		var pe *parser.Error
		if errors.As(err, &pe) && (pe.Offset < 0 || pe.Offset > len(c.ddl) || pe.Line < 1) {
			t.Errorf("%s: position %d:%d offset %d outside the text", c.file, pe.Line, pe.Column, pe.Offset)
		}
	}
}

// hostileFile is one line of data/MANIFEST:
//
//	file | layout | settings | class | where | message
type hostileFile struct {
	file, layout, settings, class, where, msg string
	line                                      int
}

func readManifest(t *testing.T) []hostileFile {
	path := filepath.Join(hostileDir, "data", "MANIFEST")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []hostileFile
	for i, l := range strings.Split(string(b), "\n") {
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") {
			continue
		}
		p, ok := splitCase(l, 6)
		if !ok {
			t.Fatalf("MANIFEST:%d: want file | layout | settings | class | where | message", i+1)
		}
		out = append(out, hostileFile{file: p[0], layout: p[1], settings: p[2], class: p[3], where: p[4], msg: p[5], line: i + 1})
	}
	return out
}

// errorClass names an error by the sentinel it wraps.
func errorClass(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, storage.ErrCorrupt):
		return "corrupt"
	case errors.Is(err, storage.ErrSchema):
		return "schema"
	case errors.Is(err, storage.ErrUnsupported):
		return "unsupported"
	case errors.Is(err, storage.ErrIO):
		return "io"
	case errors.Is(err, fs.ErrNotExist):
		return "notfound"
	}
	var fe *storage.FileError
	if errors.As(err, &fe) {
		return "file"
	}
	return "other"
}

// queryHostileFile registers path (with a layout, or none for a .rec
// file) and reads every row of it with the given settings.
func queryHostileFile(t *testing.T, path, ddl, settings string) (rows int, err error) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	for _, s := range []storage.Strategy{storage.Mmap, storage.Buffered, storage.Direct} {
		eng, oerr := Open(Options{Allocator: mem, Settings: Settings{Workers: 2, BatchSize: 2, IO: s}})
		if oerr != nil {
			t.Fatal(oerr)
		}
		n, rerr := func() (int, error) {
			defer eng.Close()
			if settings != "-" {
				for _, kv := range strings.Fields(settings) {
					k, v, _ := strings.Cut(kv, "=")
					if err := eng.Session().Set(k, v); err != nil {
						t.Fatal(err)
					}
				}
			}
			if err := eng.RegisterTable("h", path, ddl); err != nil {
				return 0, err
			}
			res, err := eng.Query(context.Background(), "SELECT * FROM h")
			if err != nil {
				return 0, err
			}
			n := 0
			for res.Next() {
				n += int(res.Record().NumRows())
			}
			return n, res.Close()
		}()
		// Rows streamed before an error may differ between strategies.
		if s != storage.Mmap && (errorClass(rerr) != errorClass(err) || (err == nil && n != rows)) {
			t.Errorf("%s: %v gives %d rows, %v; mmap gave %d rows, %v", filepath.Base(path), s, n, rerr, rows, err)
		}
		if s == storage.Mmap {
			rows, err = n, rerr
		}
	}
	return rows, err
}

// checkWhere checks "record=N offset=N field=F rows=N" against the error
// (or the row count).
func checkWhere(t *testing.T, what, where string, rows int, err error) {
	t.Helper()
	var fe *storage.FileError
	hasFE := errors.As(err, &fe)
	for _, kv := range strings.Fields(where) {
		if kv == "-" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		if k == "rows" {
			if strconv.Itoa(rows) != v {
				t.Errorf("%s: %d rows, want %s", what, rows, v)
			}
			continue
		}
		if !hasFE {
			t.Errorf("%s: %v is not a FileError with %s", what, err, kv)
			continue
		}
		var got string
		switch k {
		case "record":
			got = strconv.FormatInt(fe.Record, 10)
		case "offset":
			got = strconv.FormatInt(fe.Offset, 10)
		case "field":
			got = fe.Field
		default:
			t.Fatalf("%s: unknown key %s", what, k)
		}
		if got != v {
			t.Errorf("%s: %s is %s, want %s (%v)", what, k, got, v, err)
		}
	}
}

// TestHostileData: every corrupted or odd file of data/MANIFEST fails
// with its class and place (or reads the rows it should), under mmap,
// buffered and direct I/O alike, and file errors name the file.
func TestHostileData(t *testing.T) {
	checkGoroutines(t)
	cases := readManifest(t)
	if len(cases) < 20 {
		t.Errorf("only %d data files; the corpus promises at least 20", len(cases))
	}
	for _, c := range cases {
		path := filepath.Join(hostileDir, "data", c.file)
		ddl := ""
		if c.layout != "-" {
			b, err := os.ReadFile(filepath.Join(hostileDir, "data", c.layout))
			if err != nil {
				t.Fatal(err)
			}
			ddl = string(b)
		}
		rows, err := queryHostileFile(t, path, ddl, c.settings)
		what := fmt.Sprintf("MANIFEST:%d %s", c.line, c.file)
		if got := errorClass(err); got != c.class {
			t.Errorf("%s: %s (%v), want %s", what, got, err, c.class)
			continue
		}
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Errorf("%s: message does not name the file: %v", what, err)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Errorf("%s: message %q lacks %q", what, err, c.msg)
			}
		}
		checkWhere(t, what, c.where, rows, err)
	}
	// Damaged compressed files fail while being indexed: no index of
	// them may be left beside them.
	if idx, _ := filepath.Glob(filepath.Join(hostileDir, "data", "*"+storage.IndexSuffix)); len(idx) > 0 {
		t.Errorf("index files written for damaged files: %v", idx)
	}
}

// TestHostileNotAFile: a directory, a device, a named pipe and a missing
// file given as a data file are clear errors (generated here rather than
// shipped in the corpus). A named pipe used to hang the query: the check
// for the .rec magic opened it and open(2) waited for a writer.
func TestHostileNotAFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.rec")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		path, class, msg string
		// sqlClass and sqlMsg, when set, are what FROM 'path' says (a
		// directory is a table of its files there).
		sqlClass, sqlMsg string
	}{
		{dir, "unsupported", "is a directory, not a data file", "notfound", "is a directory that holds no data files"},
		{"/dev/null", "unsupported", "is a device, not a regular file", "", ""},
		{fifo, "unsupported", "is a named pipe, not a regular file", "", ""}, // it used to block forever in open(2)
		// Size 0 but content: it used to read as 0 rows without a word.
		{"/proc/self/status", "unsupported", "reports a size of 0 bytes but has content", "", ""},
		{filepath.Join(dir, "missing.rec"), "notfound", "no such file", "", ""},
	}
	for _, c := range cases {
		var err error
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, err = queryHostileFile(t, c.path, "", "-")
		}()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Fatalf("%s: no answer after 20 s (blocked opening it?)", c.path)
		}
		if errorClass(err) != c.class || !strings.Contains(err.Error(), c.msg) || !strings.Contains(err.Error(), c.path) {
			t.Errorf("%s: %s: %v, want %s naming the file and saying %q", c.path, errorClass(err), err, c.class, c.msg)
		}
		// The same through SQL, quoted as a path.
		eng, oerr := Open(Options{})
		if oerr != nil {
			t.Fatal(oerr)
		}
		_, err = classify(eng, "SELECT * FROM '"+c.path+"'")
		eng.Close()
		if c.sqlMsg != "" {
			c.class, c.msg = c.sqlClass, c.sqlMsg
		}
		if errorClass(err) != c.class || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("SELECT * FROM '%s': %s: %v, want %s saying %q", c.path, errorClass(err), err, c.class, c.msg)
		}
	}
}

// The generated .rec files of the corpus: a valid 10-record file with
// 4-record blocks, and corruptions of it.
func hostileRecFiles(t *testing.T) map[string][]byte {
	s, err := storage.NewSchema([]storage.Field{
		{Name: "id", Type: storage.TInt32, Offset: storage.Implicit},
		{Name: "name", Type: storage.TChar(8), Offset: storage.Implicit},
		{Name: "amount", Type: storage.TDecimal(9, 2), Offset: storage.Implicit, Nullable: true},
		{Name: "day", Type: storage.TDate, Offset: storage.Implicit},
	}, storage.SchemaOptions{NullBitmap: storage.Implicit})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ok.rec")
	w, err := storage.Create(path, s, storage.WriterOptions{RecordsPerBlock: 4, ExpectedRecords: 10})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		var amount any
		if i%3 != 0 {
			amount = storage.DecimalValue{Unscaled: int64(i*1000 - 2500), Scale: 2}
		}
		if err := w.Append(int64(i), fmt.Sprintf("name%d", i), amount, storage.DateValue(19000+i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	ok, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	hlen := len(ok) - 10*s.RecordLen
	mod := func(f func(b []byte) []byte) []byte { return f(append([]byte{}, ok...)) }
	return map[string][]byte{
		"rec_ok.rec":                mod(func(b []byte) []byte { return b }),
		"rec_bad_magic.rec":         mod(func(b []byte) []byte { copy(b, "RECX"); return b }),
		"rec_bad_header_crc.rec":    mod(func(b []byte) []byte { b[60] ^= 0xff; return b }),
		"rec_truncated_header.rec":  mod(func(b []byte) []byte { return b[:40] }),
		"rec_header_cut.rec":        mod(func(b []byte) []byte { return b[:1000] }),
		"rec_truncated_records.rec": mod(func(b []byte) []byte { return b[:hlen+3*s.RecordLen+5] }),
		"rec_missing_records.rec":   mod(func(b []byte) []byte { return b[:hlen+7*s.RecordLen] }),
		"rec_extra_bytes.rec":       mod(func(b []byte) []byte { return append(b, 1, 2, 3) }),
		"rec_extra_record.rec":      mod(func(b []byte) []byte { return append(b, b[hlen:hlen+s.RecordLen]...) }),
		"rec_empty.rec":             mod(func(b []byte) []byte { return b[:0] }),
		"rec_flipped_record.rec":    mod(func(b []byte) []byte { b[hlen+5*s.RecordLen+6] ^= 0x20; return b }),
		"rec_text_file.rec":         []byte("id,name\n1,Alice\n"),
	}
}

// TestHostileRecUpToDate: the corpus's .rec files are what
// hostileRecFiles writes (rerun with -hostile.regen after changing it).
func TestHostileRecUpToDate(t *testing.T) {
	for name, want := range hostileRecFiles(t) {
		path := filepath.Join(hostileDir, "data", name)
		if *regenHostile {
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("%s differs from what hostileRecFiles writes; rerun with -hostile.regen", path)
		}
	}
}

// TestDataFilesUnchanged: recq never writes to the files it reads. Every
// sample and corpus file hashes the same after the golden SQL suite, the
// hostile corpus and queries under every I/O strategy have read them.
func TestDataFilesUnchanged(t *testing.T) {
	var files []string
	for _, pattern := range []string{"../testdata/*.rec", "../testdata/*.txt", "../testdata/*.schema",
		"../testdata/difftest/*", "../testdata/hostile/data/*"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	hashes := func() map[string]string {
		out := map[string]string{}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			st, err := os.Stat(f)
			if err != nil {
				t.Fatal(err)
			}
			out[f] = fmt.Sprintf("%x %v", sha256.Sum256(b), st.ModTime())
		}
		return out
	}
	before := hashes()
	if len(before) < 30 {
		t.Fatalf("only %d data files found", len(before))
	}
	// The golden suite, under every strategy.
	goldens, _ := filepath.Glob("../testdata/sql/*.test")
	n := 0
	for _, st := range []storage.Strategy{storage.Mmap, storage.Buffered, storage.Direct, storage.Auto} {
		settings := Settings{Workers: 2, IO: st, VerifyChecksums: st == storage.Buffered}
		eng, err := Open(Options{DataDir: "../testdata", Settings: settings})
		if err != nil {
			t.Fatal(err)
		}
		tmp := t.TempDir()
		for _, g := range goldens {
			ge := eng
			if goldenWritable(t, g) {
				// Its statements write tables: into links to the files.
				if ge, err = Open(Options{DataDir: linkedDataDir(t, "../testdata"), Settings: settings}); err != nil {
					t.Fatal(err)
				}
			}
			for _, r := range parseGolden(t, g) {
				r := r
				runGolden(ge, &r, tmp)
				n++
			}
			if ge != eng {
				ge.Close()
			}
		}
		for _, f := range files {
			if strings.HasSuffix(f, ".rec") {
				classify(eng, "SELECT * FROM '"+f+"'")
				n++
			}
		}
		eng.Close()
	}
	// The hostile SQL and data cases.
	if sqls, err := readHostileSQL(filepath.Join(hostileDir, "sql.txt")); err == nil {
		eng, _ := Open(Options{DataDir: "../testdata"})
		for _, c := range sqls {
			classify(eng, c.sql)
			n++
		}
		eng.Close()
	}
	for _, c := range readManifest(t) {
		ddl := ""
		if c.layout != "-" {
			b, _ := os.ReadFile(filepath.Join(hostileDir, "data", c.layout))
			ddl = string(b)
		}
		queryHostileFile(t, filepath.Join(hostileDir, "data", c.file), ddl, c.settings)
		n++
	}
	after := hashes()
	for f, h := range before {
		if after[f] != h {
			t.Errorf("%s changed while %d queries read it: %s, now %s", f, n, h, after[f])
		}
	}
	t.Logf("%d files unchanged after %d queries", len(before), n)
}
