package query

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/parser"
	"github.com/recq/recq/storage"
)

// Fuzz targets for what recq reads from users: layout DDL, whole SQL
// statements run against the sample tables, and whole queries over small
// random files. Each checks that nothing panics or hangs, that errors are
// of the documented kinds and carry sane positions, and that every Arrow
// buffer and goroutine is released. `go test` runs their seeds (and
// testdata/fuzz/<Name>/ when present); `go test -fuzz FuzzQuerySQL
// ./query` explores.

// fuzzSeedsFromGolden returns the SQL of the golden test records.
func fuzzSeedsFromGolden(f *testing.F) []string {
	files, _ := filepath.Glob("../testdata/sql/*.test")
	var out []string
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		lines := strings.Split(string(data), "\n")
		for i := 0; i < len(lines); i++ {
			switch strings.Fields(lines[i] + " x")[0] {
			case "query", "error", "statement":
				var sql []string
				for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "" && strings.TrimSpace(lines[i]) != "----"; i++ {
					sql = append(sql, lines[i])
				}
				out = append(out, strings.Join(sql, "\n"))
			}
		}
	}
	return out
}

// fuzzHostileLines returns the SQL or DDL cases of a hostile corpus
// manifest (see testdata/hostile/README.md).
func fuzzHostileSQL() []string {
	cases, _ := readHostileSQL("../testdata/hostile/sql.txt")
	var out []string
	for _, c := range cases {
		out = append(out, c.sql)
	}
	return out
}

// checkPositioned verifies a parse or bind error's position against the
// text and that it renders.
func checkPositioned(t *testing.T, sql string, err error) {
	t.Helper()
	var pe *parser.Error
	if !errors.As(err, &pe) {
		return
	}
	if pe.Offset < 0 || pe.Offset > len(sql) || pe.Line < 1 || pe.Column < 1 {
		t.Fatalf("error position %d:%d offset %d out of range for %d bytes: %v", pe.Line, pe.Column, pe.Offset, len(sql), err)
	}
	_ = pe.Render(sql)
}

// noInternal fails on errors that say they are bugs.
func noInternal(t *testing.T, sql string, err error) {
	t.Helper()
	if err != nil && strings.Contains(err.Error(), "internal error") {
		t.Fatalf("%q: %v", sql, err)
	}
}

// settle waits for goroutines started by a query to exit and fails if more
// than before remain.
func settle(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("goroutine leak: %d before, %d after\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(time.Millisecond)
	}
}

// runFuzzQuery runs sql (any statement) to the end with a deadline and
// returns its error; a query that outlives the deadline fails the test.
func runFuzzQuery(t *testing.T, eng *Engine, sql string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	res, err := eng.Query(ctx, sql)
	if err == nil {
		rows := 0
		for res.Next() {
			rows += int(res.Record().NumRows())
		}
		err = res.Close()
	}
	if time.Since(start) > 15*time.Second {
		t.Fatalf("%q took %v (a hang?)", sql, time.Since(start))
	}
	if errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("%q did not finish: %v", sql, err)
	}
	return err
}

// FuzzParseLayout: layout DDL either parses into a valid schema or fails
// with a positioned error inside the text.
func FuzzParseLayout(f *testing.F) {
	for _, p := range []string{"../testdata/people.txt.schema", "../testdata/lineitem.txt.schema"} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(string(b))
		}
	}
	schemas, _ := filepath.Glob("../testdata/hostile/schema/*.schema")
	for _, p := range schemas {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(string(b))
		}
	}
	f.Add("CREATE TABLE t (a INT POSITION(1:3), b CHAR(2) POSITION(5-6), c DATE FORMAT 'YYYYMMDD' OFFSET 7) WITH (format = text, skip_lines = 1)")
	f.Add("CREATE TABLE t (a INT64 LITTLE ENDIAN NULL, b DECIMAL(9,2) WIDTH 4, c FLOAT BIG ENDIAN) WITH (record_length = 40, null_bitmap = 32)")
	f.Add("CREATE TABLE t (a DECIMAL(10,2) POSITION(1:10) IMPLIED, b INT POSITION(11:15) NULLIF '-9999' TRIM BOTH)")
	if b, err := os.ReadFile("../testdata/mainframe/accounts.ebc.schema"); err == nil {
		f.Add(string(b))
	}
	f.Add("CREATE TABLE t (a DECIMAL(30,2) PACKED UNSIGNED, b DECIMAL(5,1) ZONED SIGN TRAILING SEPARATE CODEPAGE '1047' NULLIF ('+99999', ''), c FLOAT32 IBM FLOAT ON ERROR NULL, d DECIMAL(9,0) ZONED IMPLIED DECIMALS -2 WIDTH 4) WITH (encoding = 'ebcdic', floating_point_format = 'IEEE754', year_window_start = 1950)")
	f.Add("CREATE TABLE ach (t CHAR(1) POSITION(1:1), name CHAR(16) POSITION(5:20), amount DECIMAL(10,2) POSITION(30:39) IMPLIED DECIMALS 2) WITH (format = 'text', segment_field = 't', segment_filter = '6, 7', segment_children = '1 => 5, 9; 5 => 6, 8; 6 => 7', redefine_segment_id_map = 'name => 5; amount => 6')")
	f.Add("CREATE TABLE g (station CHAR(11) POSITION(1:11), value INT32 POSITION(22:26) NULLIF '-9999' OCCURS 31 TIMES STRIDE 8, mflag CHAR(1) POSITION(27:27) OCCURS 31 TIMES STRIDE 8, n INT16 OCCURS 3 TIMES) WITH (format = 'text', record_length = 269)")
	f.Add("CREATE TABLE g (station CHAR(11) POSITION(1:11), days STRUCT(value INT32 WIDTH 5 NULLIF '-9999', mflag CHAR(1), qflag CHAR(1) POSITION(7:7), s STRUCT(x CHAR(1)) OFFSET 7) POSITION(22:29) OCCURS 31 TIMES) WITH (format = 'text', record_length = 269)")
	f.Add("CREATE TABLE o (n INT16 BIG ENDIAN, lines STRUCT(sku CHAR(8), qty DECIMAL(5,2) PACKED) OCCURS 1 TO 5 TIMES DEPENDING ON n STRIDE 14, tags CHAR(2) OCCURS 3 TIMES DEPENDING ON \"n\", a STRUCT(b INT8) BIG ENDIAN WIDTH 4) WITH (encoding = 'ebcdic')")
	f.Fuzz(func(t *testing.T, ddl string) {
		l, err := ParseLayout(ddl)
		if err != nil {
			var pe *parser.Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T) is not a positioned error", err, err)
			}
			checkPositioned(t, ddl, err)
			noInternal(t, ddl, err)
			return
		}
		if l.Schema == nil || l.Schema.RecordLen <= 0 || l.Schema.RecordLen > storage.MaxRecordLen {
			t.Fatalf("layout with schema %+v", l.Schema)
		}
		for i := range l.Schema.Fields {
			fd := &l.Schema.Fields[i]
			if fd.Offset < 0 || fd.End() > l.Schema.RecordLen {
				t.Fatalf("field %s at [%d, %d) outside a %d-byte record", fd.Name, fd.Offset, fd.End(), l.Schema.RecordLen)
			}
		}
		// The canonical DDL describes the same layout.
		back, err := ParseLayout(storage.FormatDDL(l.Name, l.Schema, l.Raw))
		if err != nil {
			t.Fatalf("canonical DDL of %q does not parse: %v\n%s", ddl, err, storage.FormatDDL(l.Name, l.Schema, l.Raw))
		}
		if back.Schema.RecordLen != l.Schema.RecordLen || len(back.Schema.Fields) != len(l.Schema.Fields) {
			t.Fatalf("canonical DDL changes the layout:\n%s", storage.FormatDDL(l.Name, l.Schema, l.Raw))
		}
		if a, b := l.Raw.Segments, back.Raw.Segments; (a == nil) != (b == nil) || a != nil &&
			(!slices.Equal(a.Values, b.Values) || !slices.Equal(a.Filter, b.Filter) || !slices.Equal(a.Parent, b.Parent) || a.Field != b.Field) {
			t.Fatalf("canonical DDL changes the record types:\n%s", storage.FormatDDL(l.Name, l.Schema, l.Raw))
		}
	})
}

// FuzzQuerySQL runs any statement against the sample tables: no panic,
// no internal error, no hang, positioned errors inside the text, and every
// buffer and goroutine released.
func FuzzQuerySQL(f *testing.F) {
	for _, s := range fuzzSeedsFromGolden(f) {
		f.Add(s)
	}
	for _, s := range fuzzHostileSQL() {
		f.Add(s)
	}
	f.Add("SELECT city, count(*), sum(balance) FROM people WHERE age > 20 GROUP BY city HAVING count(*) > 1 ORDER BY 2 DESC LIMIT 3")
	f.Add("SELECT * FROM sensors USING SAMPLE 10 ROWS")
	// Statements may write tables (CREATE TABLE ... AS): into a directory
	// of links to the sample files, never into testdata.
	dataDir := linkedDataDir(f, "../testdata")
	f.Fuzz(func(t *testing.T, sql string) {
		before := runtime.NumGoroutine()
		mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
		eng, err := Open(Options{DataDir: dataDir, Allocator: mem, Settings: Settings{Workers: 2, BatchSize: 100, MemoryLimit: 64 << 20}})
		if err != nil {
			t.Fatal(err)
		}
		err = runFuzzQuery(t, eng, sql)
		noInternal(t, sql, err)
		checkPositioned(t, sql, err)
		eng.Close()
		mem.AssertSize(t, 0)
		settle(t, before)
	})
}

// fuzzLayouts are layouts FuzzQueryFile reads random bytes with.
var fuzzLayouts = []string{
	`CREATE TABLE r (id INT POSITION(1:4), name CHAR(6) POSITION(6:11), amt DECIMAL(9,2) POSITION(13:21) IMPLIED,
	   day DATE POSITION(23:30) FORMAT 'YYYYMMDD', ok BOOLEAN POSITION(32), v INT16 POSITION(34:39) NULLIF '-9999')
	 WITH (format = text, pad_short_lines = true)`,
	`CREATE TABLE r (ts TIMESTAMP POSITION(1:19), f DOUBLE POSITION(21:28), u UTINYINT POSITION(30:32))
	 WITH (format = text, separator = lf, skip_lines = 1)`,
	`CREATE TABLE r (a BIGINT, b REAL BIG ENDIAN NULL, c DECIMAL(4,1) WIDTH 2, d DATE NULL, s CHAR(3) TRIM BOTH, t BOOLEAN)
	 WITH (format = binary)`,
	`CREATE TABLE r (x USMALLINT BIG ENDIAN OFFSET 0, y TINYINT OFFSET 1, z TIMESTAMP OFFSET 2)
	 WITH (format = binary, record_length = 12, ignore_partial = true)`,
	`CREATE TABLE r (id INT POSITION(1:4), name CHAR(6) POSITION(6:11)) WITH (format = text, separator = crlf)`,
	`CREATE TABLE r (id INT32 POSITION(1:4), name CHAR(6) POSITION(5:10), amt DECIMAL(9,2) PACKED POSITION(11:15),
	   qty DECIMAL(5,1) SIGN LEADING SEPARATE POSITION(16:21), rate FLOAT64 POSITION(22:29), d DATE FORMAT 'YYMMDD' POSITION(30:35),
	   big DECIMAL(30,3) PACKED ON ERROR NULL POSITION(36:51))
	 WITH (encoding = 'ebcdic', ebcdic_code_page = 'cp273', record_length = 51)`,
	`CREATE TABLE r (t CHAR(1) POSITION(1:1), amt DECIMAL(10,2) POSITION(30:39) IMPLIED DECIMALS 2, name CHAR(22) POSITION(55:76))
	 WITH (format = text, pad_short_lines = true, segment_field = 't', segment_filter = '6, 7',
	       segment_children = '1 => 5, 9; 5 => 6, 8; 6 => 7')`,
	`CREATE TABLE r (t CHAR(2) POSITION(1:2), co CHAR(16) POSITION(5:20), amt DECIMAL(10,2) POSITION(30:39) IMPLIED DECIMALS 2)
	 WITH (format = text, segment_field = 't', segment_children = '1 => 5; 5 => 6',
	       redefine_segment_id_map = 'co => 5; amt => 6')`,
}

var fuzzFileQueries = []string{
	"SELECT * FROM r",
	"SELECT count(*) FROM r",
	"SELECT * FROM r WHERE _rowid >= 1 LIMIT 3",
	"SELECT min(%[1]s), max(%[1]s), count(DISTINCT %[1]s) FROM r",
	"SELECT %[1]s, count(*) FROM r GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5",
	"SELECT * FROM r WHERE %[1]s IS NOT NULL ORDER BY %[1]s DESC",
	"SELECT * FROM r USING SAMPLE 50 PERCENT",
	"SELECT _parent_rowid, count(*) FROM r GROUP BY 1 ORDER BY 1 LIMIT 5",
}

// FuzzQueryFile runs whole queries over small random files: as a .rec
// file (almost always rejected by the header checks) and as raw files
// under several layouts, with every I/O strategy. Errors are expected;
// panics, internal errors, hangs and leaks are not, and a file error names
// the file.
func FuzzQueryFile(f *testing.F) {
	f.Add([]byte("   1 Alice  000012345 19980101 Y  -9999\n  22 Bob    -00000001 20000229 N     12\n"), uint8(0), uint8(0))
	f.Add([]byte("   1 Alice  0000123x5 19980132 Y  -9999\n  22 Bob\n"), uint8(0), uint8(3))
	f.Add([]byte("when                x        u\n2024-01-31 10:11:12 12.5e0   255\n2024-02-30 00:00:00 -1       256\n"), uint8(1), uint8(4))
	f.Add(make([]byte, 3*28), uint8(2), uint8(1))
	f.Add([]byte("0123456789ab0123456789ab0123"), uint8(3), uint8(5))
	f.Add([]byte("   1 Alice \r\n   2 Bob   \n"), uint8(4), uint8(0))
	f.Add([]byte{}, uint8(0), uint8(1))
	if b, err := os.ReadFile("../testdata/people.txt"); err == nil {
		f.Add(b, uint8(0), uint8(2))
	}
	if b, err := os.ReadFile("../testdata/ach/payments.ach"); err == nil {
		f.Add(b, uint8(6), uint8(7))
		f.Add(b[:95*12], uint8(7), uint8(1))
		f.Add(b[95*2:95*9], uint8(6), uint8(4))
	}
	if b, err := os.ReadFile("../testdata/mainframe/accounts.ebc"); err == nil {
		f.Add(b[:51*3], uint8(5), uint8(3))
		f.Add(b[:51*3], uint8(5), uint8(2))
	}
	f.Fuzz(func(t *testing.T, data []byte, layoutSel, querySel uint8) {
		if len(data) > 1<<16 {
			return
		}
		before := runtime.NumGoroutine()
		dir := t.TempDir()
		path := filepath.Join(dir, "r.dat")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		rec := filepath.Join(dir, "r.rec")
		if err := os.WriteFile(rec, data, 0o644); err != nil {
			t.Fatal(err)
		}
		strategies := []storage.Strategy{storage.Mmap, storage.Buffered, storage.Direct, storage.Auto}
		mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
		eng, err := Open(Options{Allocator: mem, Settings: Settings{Workers: 1 + int(querySel>>6), BatchSize: 1 + int(layoutSel>>4),
			IO: strategies[int(querySel>>4)%4]}})
		if err != nil {
			t.Fatal(err)
		}
		defer func() {
			eng.Close()
			mem.AssertSize(t, 0)
			settle(t, before)
		}()
		ddl := fuzzLayouts[int(layoutSel)%len(fuzzLayouts)]
		l, err := ParseLayout(ddl)
		if err != nil {
			t.Fatal(err)
		}
		col := l.Schema.Fields[int(querySel)%len(l.Schema.Fields)].Name
		q := strings.ReplaceAll(fuzzFileQueries[int(querySel)%len(fuzzFileQueries)], "%[1]s", col)
		check := func(what string, err error) {
			noInternal(t, what, err)
			var fe *storage.FileError
			if errors.As(err, &fe) && !strings.Contains(err.Error(), dir) {
				t.Fatalf("%s: file error does not name the file: %v", what, err)
			}
		}
		check("rec", runFuzzQuery(t, eng, "SELECT * FROM '"+rec+"'"))
		if err := eng.RegisterTable("r", path, ddl); err != nil {
			check("register", err)
			return
		}
		check(q, runFuzzQuery(t, eng, q))
	})
}
