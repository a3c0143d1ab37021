package importer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/recq/recq/query"
	"github.com/recq/recq/storage"
	"github.com/recq/recq/storage/gen"
)

// LineitemDDL is TPC-H lineitem for .tbl files (the README shows it).
const LineitemDDL = `CREATE TABLE lineitem (
  l_orderkey      BIGINT,
  l_partkey       BIGINT,
  l_suppkey       BIGINT,
  l_linenumber    INTEGER,
  l_quantity      DECIMAL(15,2),
  l_extendedprice DECIMAL(15,2),
  l_discount      DECIMAL(15,2),
  l_tax           DECIMAL(15,2),
  l_returnflag    CHAR(1),
  l_linestatus    CHAR(1),
  l_shipdate      DATE,
  l_commitdate    DATE,
  l_receiptdate   DATE,
  l_shipinstruct  CHAR(25),
  l_shipmode      CHAR(10),
  l_comment       CHAR(44)
)`

// writeTbl writes n generated lineitem rows as a TPC-H .tbl file (fields
// separated by '|', each line ending in '|').
func writeTbl(t testing.TB, path string, n int64) {
	t.Helper()
	g, _ := gen.Lookup("lineitem")
	var b bytes.Buffer
	err := g.Rows(1, n, func(_ int64, vals []any) error {
		for _, v := range vals {
			fmt.Fprintf(&b, "%v|", v)
		}
		b.WriteByte('\n')
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// dump renders every row of a file, ordered, as text lines.
func dump(t *testing.T, path, order string) string {
	t.Helper()
	eng, err := query.Open(query.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	res, err := eng.Query(context.Background(), fmt.Sprintf("SELECT * FROM '%s' ORDER BY %s", path, order))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer res.Close()
	var b strings.Builder
	for res.Next() {
		rec := res.Record()
		for r := 0; r < int(rec.NumRows()); r++ {
			for c := 0; c < int(rec.NumCols()); c++ {
				if rec.Column(c).IsNull(r) {
					b.WriteString("NULL|")
				} else {
					b.WriteString(rec.Column(c).ValueStr(r) + "|")
				}
			}
			b.WriteByte('\n')
		}
	}
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func runImport(t *testing.T, opts Options) (Stats, error) {
	t.Helper()
	im, err := New(opts)
	if err != nil {
		return Stats{}, err
	}
	return im.Run(context.Background())
}

func TestImportTbl(t *testing.T) {
	dir := t.TempDir()
	tbl := filepath.Join(dir, "lineitem.tbl")
	writeTbl(t, tbl, 3000)
	want := filepath.Join(dir, "want.rec")
	g, _ := gen.Lookup("lineitem")
	if err := g.Write(want, 3000, 1); err != nil {
		t.Fatal(err)
	}
	for _, small := range []bool{false, true} {
		out := filepath.Join(dir, fmt.Sprintf("li-%v.rec", small))
		if small {
			// Many chunks, parsed out of order by 4 workers.
			old := chunkBytes
			chunkBytes = 5000
			defer func() { chunkBytes = old }()
		}
		st, err := runImport(t, Options{Schema: LineitemDDL, From: tbl, Out: out, Delimiter: DelimiterFor(tbl), Workers: 4})
		if err != nil {
			t.Fatal(err)
		}
		if st.Rows != 3000 || st.Rejected != 0 {
			t.Errorf("stats %+v", st)
		}
		order := "l_orderkey, l_linenumber"
		if got, w := dump(t, out, order), dump(t, want, order); got != w {
			t.Errorf("imported rows differ from the generated ones")
		}
	}
}

func TestImportCSV(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "t.csv")
	os.WriteFile(in, []byte("id,name,price,day,at\r\n"+
		"1,plain,1.5,2024-01-31,2024-01-31 10:00:00\r\n"+
		"2,\"a, b\",-0.25,,2024-01-31T10:00:00.5\r\n"+
		"3,\"say \"\"hi\"\"\nand more\",7,1999-12-31,\r\n"+
		"4,,,2000-02-29,2000-02-29 00:00:01.123456\n"), 0o644)
	ddl := "CREATE TABLE t (id INT32, name CHAR(20) NULL, price DECIMAL(9,3) NULL, day DATE NULL, at TIMESTAMP NULL)"
	out := filepath.Join(dir, "t.rec")
	st, err := runImport(t, Options{Schema: ddl, From: in, Out: out, Delimiter: ',', Header: true})
	if err != nil {
		t.Fatal(err)
	}
	if st.Rows != 4 {
		t.Errorf("%d rows", st.Rows)
	}
	got := dump(t, out, "id")
	// (Arrow's ValueStr drops the decimal scale.)
	want := "1|plain|1.5|2024-01-31|2024-01-31 10:00:00Z|\n" +
		"2|a, b|-0.25|NULL|2024-01-31 10:00:00.5Z|\n" +
		"3|say \"hi\"\nand more|7|1999-12-31|NULL|\n" +
		"4|NULL|NULL|2000-02-29|2000-02-29 00:00:01.123456Z|\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	// The output schema: binary fields, a null bitmap.
	tb, err := storage.Open(out, storage.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if tb.Schema.Fields[0].IsText() || tb.Schema.NullBitmap < 0 || tb.Schema.Fields[0].Nullable {
		t.Errorf("schema %+v", tb.Schema)
	}
}

func TestImportErrors(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "t.psv")
	os.WriteFile(in, []byte("1|10\n2|x\n3|30|extra\n4|40\n5|\n6|60\n"), 0o644)
	ddl := "CREATE TABLE t (a INT64, b INT16)"
	out := filepath.Join(dir, "t.rec")

	// The first bad line fails the import, with line and column; nothing
	// is written.
	_, err := runImport(t, Options{Schema: ddl, From: in, Out: out, Delimiter: '|'})
	var le *LineError
	if !errors.As(err, &le) || le.Line != 2 || le.Column != 3 || le.Field != "b" {
		t.Fatalf("error %v (%#v)", err, le)
	}
	if want := in + `:2:3: column b: not a number: "x"`; err.Error() != want {
		t.Errorf("message %q, want %q", err.Error(), want)
	}
	if _, serr := os.Stat(out); !os.IsNotExist(serr) {
		t.Errorf("output exists after a failed import")
	}
	if m, _ := filepath.Glob(filepath.Join(dir, ".t.rec.tmp-*")); len(m) > 0 {
		t.Errorf("temporary files left: %v", m)
	}

	// Up to the limit, bad lines are skipped and written to rejects.
	rejects := filepath.Join(dir, "bad.psv")
	var seen []string
	st, err := runImport(t, Options{Schema: ddl, From: in, Out: out, Delimiter: '|', MaxErrors: 3, Rejects: rejects,
		OnReject: func(e *LineError) { seen = append(seen, e.Error()) }})
	if err != nil {
		t.Fatal(err)
	}
	if st.Rows != 3 || st.Rejected != 3 {
		t.Errorf("stats %+v", st)
	}
	if b, _ := os.ReadFile(rejects); string(b) != "2|x\n3|30|extra\n5|\n" {
		t.Errorf("rejects %q", b)
	}
	wantSeen := []string{
		in + `:2:3: column b: not a number: "x"`,
		in + `:3:6: wrong number of fields: 3, the schema has 2`,
		in + `:5:3: column b: empty value in a NOT NULL column: ""`,
	}
	if strings.Join(seen, "\n") != strings.Join(wantSeen, "\n") {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(seen, "\n"), strings.Join(wantSeen, "\n"))
	}
	if got := dump(t, out, "a"); got != "1|10|\n4|40|\n6|60|\n" {
		t.Errorf("rows %q", got)
	}

	// One more bad line than allowed fails.
	_, err = runImport(t, Options{Schema: ddl, From: in, Out: filepath.Join(dir, "u.rec"), Delimiter: '|', MaxErrors: 2})
	if !errors.Is(err, ErrTooManyErrors) {
		t.Errorf("error %v", err)
	}
	// Out of range for INT16.
	os.WriteFile(in, []byte("1|70000\n"), 0o644)
	_, err = runImport(t, Options{Schema: ddl, From: in, Out: out, Delimiter: '|'})
	if err == nil || !strings.Contains(err.Error(), "column b: value out of range") {
		t.Errorf("error %v", err)
	}
}

func TestImportFixedWidth(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "li.rec")
	old := chunkBytes
	chunkBytes = 20000
	defer func() { chunkBytes = old }()
	st, err := runImport(t, Options{From: "../../testdata/lineitem.txt", Out: out, Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	if st.Rows != 2000 {
		t.Errorf("%d rows", st.Rows)
	}
	order := "l_orderkey, l_linenumber"
	if dump(t, out, order) != dump(t, "../../testdata/lineitem.rec", order) {
		t.Errorf("the imported text file differs from lineitem.rec")
	}
	// A bad field names its line and column.
	b, _ := os.ReadFile("../../testdata/lineitem.txt")
	lines := bytes.SplitAfter(b, []byte("\n"))
	copy(lines[4][30:], "ab")
	bad := filepath.Join(dir, "bad.txt")
	os.WriteFile(bad, bytes.Join(lines, nil), 0o644)
	sidecar, _ := os.ReadFile("../../testdata/lineitem.txt.schema")
	os.WriteFile(bad+".schema", sidecar, 0o644)
	_, err = runImport(t, Options{From: bad, Out: filepath.Join(dir, "bad.rec")})
	if err == nil || !strings.HasPrefix(err.Error(), bad+":5:31: column l_quantity: ") {
		t.Errorf("error %v", err)
	}
}

func TestOptions(t *testing.T) {
	for s, want := range map[string]byte{"|": '|', "tab": '\t', `\t`: '\t', "comma": ','} {
		if d, err := ParseDelimiter(s); err != nil || d != want {
			t.Errorf("%q: %q %v", s, d, err)
		}
	}
	if _, err := ParseDelimiter("ab"); err == nil {
		t.Error("two-character delimiter accepted")
	}
	if DelimiterFor("x.tbl") != '|' || DelimiterFor("x.CSV") != ',' || DelimiterFor("x.txt") != 0 {
		t.Error("DelimiterFor")
	}
	if _, err := New(Options{From: "../../testdata/lineitem.rec", Out: "../../testdata/lineitem.rec"}); err == nil {
		t.Error("import over its own input accepted")
	}
	if _, err := New(Options{From: "../../testdata/lineitem.txt", Out: "x.rec", Delimiter: ','}); err == nil {
		t.Error("delimited input without a schema accepted")
	}
}

func TestStrayQuotes(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "q.tbl")
	// A quote inside an unquoted field is text; a quoted field may hold
	// the delimiter and a line break.
	os.WriteFile(in, []byte("1|say \"hi|\n2|\"a|b\nc\"|\n3|x\"\"y|\n"), 0o644)
	old := chunkBytes
	chunkBytes = 7 // cut everywhere
	defer func() { chunkBytes = old }()
	out := filepath.Join(dir, "q.rec")
	if _, err := runImport(t, Options{Schema: "CREATE TABLE q (id INT32, s CHAR(10))", From: in, Out: out, Delimiter: '|', Workers: 3}); err != nil {
		t.Fatal(err)
	}
	if got := dump(t, out, "id"); got != "1|say \"hi|\n2|a|b\nc|\n3|x\"\"y|\n" {
		t.Errorf("got %q", got)
	}
}

// TestImportCancel cancels an import before it starts and halfway through
// (once rows have been written): both end with context.Canceled, no output
// file, no temporary file left in the directory and no goroutine running.
func TestImportCancel(t *testing.T) {
	dir := t.TempDir()
	tbl := filepath.Join(dir, "li.tbl")
	const rows = 100000
	writeTbl(t, tbl, rows)
	old := chunkBytes
	chunkBytes = 4096
	defer func() { chunkBytes = old }()
	for _, mid := range []bool{false, true} {
		before := runtime.NumGoroutine()
		out := filepath.Join(dir, "li.rec")
		im, err := New(Options{Schema: LineitemDDL, From: tbl, Out: out, Delimiter: '|', Workers: 3})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		if !mid {
			cancel()
		}
		errc := make(chan error, 1)
		go func() {
			_, err := im.Run(ctx)
			errc <- err
		}()
		if mid {
			// Cancel once some rows are written, long before the end.
			deadline := time.Now().Add(10 * time.Second)
			for {
				if _, _, n := im.Progress(); n > 0 {
					if n >= rows {
						t.Fatalf("the import wrote all %d rows before it could be cancelled: make the input larger", n)
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("no progress after 10 s")
				}
				time.Sleep(time.Millisecond)
			}
			cancel()
		}
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Errorf("mid=%v: error %v, want context.Canceled", mid, err)
		}
		cancel()
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("mid=%v: output written after cancellation", mid)
		}
		if ents, _ := os.ReadDir(dir); len(ents) != 1 {
			var names []string
			for _, e := range ents {
				names = append(names, e.Name())
			}
			t.Errorf("mid=%v: the directory holds %v, want only the input (a temporary file left?)", mid, names)
		}
		deadline := time.Now().Add(2 * time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before {
			t.Errorf("mid=%v: %d goroutines left running", mid, n-before)
		}
	}
}

func TestDelimitedTextOptions(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "d.csv")
	os.WriteFile(in, []byte("20240131,NA,12345,x\n20240201,7,,\n"), 0o644)
	ddl := "CREATE TABLE t (d DATE FORMAT 'YYYYMMDD', n INT32 NULLIF 'NA', a DECIMAL(9,2) IMPLIED DECIMALS 2 NULL, s CHAR(3) POSITION(40:42)) WITH (format = 'text')"
	out := filepath.Join(dir, "d.rec")
	if _, err := runImport(t, Options{Schema: ddl, From: in, Out: out, Delimiter: ','}); err != nil {
		t.Fatal(err)
	}
	// (ValueStr drops the decimal scale.)
	if got := dump(t, out, "d"); got != "2024-01-31|NULL|123.45|x|\n2024-02-01|7|NULL|NULL|\n" {
		t.Errorf("got %q", got)
	}
	// A fixed-width sidecar describes the delimited form of its file.
	tbl := filepath.Join(dir, "li.tbl")
	writeTbl(t, tbl, 100)
	if _, err := runImport(t, Options{Schema: "../../testdata/lineitem.txt.schema", From: tbl, Out: filepath.Join(dir, "li.rec"), Delimiter: '|'}); err != nil {
		t.Fatal(err)
	}
	// Layout mistakes carry the column's position.
	for ddl, want := range map[string]string{
		"CREATE TABLE t (d DATE FORMAT 'YYYYMMQQ')":     `column d: format "YYYYMMQQ" needs a year (YYYY or YY) and MM and DD, or DDD (day of the year) (line 1, column 24)`,
		"CREATE TABLE t (x INT32 FORMAT 'YYYY')":        "column x: FORMAT applies to DATE and TIMESTAMP columns (line 1, column 25)",
		"CREATE TABLE t (x CHAR(2) IMPLIED DECIMALS 2)": "column x: IMPLIED DECIMALS applies to DECIMAL and float columns (line 1, column 17)",
	} {
		_, err := New(Options{Schema: ddl, From: in, Out: out, Delimiter: ','})
		if err == nil || err.Error() != want {
			t.Errorf("%s: error %v, want %s", ddl, err, want)
		}
	}
}

// TestImportCompressed imports a gzip-compressed fixed-width file (with
// the sidecar of its uncompressed name) and a bzip2-compressed one, and a
// zstd-compressed CSV: the same records as from the plain files, and
// progress counts decompressed bytes.
func TestImportCompressed(t *testing.T) {
	dir := t.TempDir()
	plain, _ := os.ReadFile("../../testdata/lineitem.txt")
	sidecar, _ := os.ReadFile("../../testdata/lineitem.txt.schema")
	os.WriteFile(filepath.Join(dir, "lineitem.txt.schema"), sidecar, 0o644)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(plain)
	zw.Close()
	os.WriteFile(filepath.Join(dir, "lineitem.txt.gz"), gz.Bytes(), 0o644)
	bz, _ := os.ReadFile("../../testdata/compressed/lineitem.txt.bz2")
	os.WriteFile(filepath.Join(dir, "lineitem.txt.bz2"), bz, 0o644)
	order := "l_orderkey, l_linenumber"
	for _, in := range []string{"lineitem.txt.gz", "lineitem.txt.bz2"} {
		out := filepath.Join(dir, in+".rec")
		im, err := New(Options{From: filepath.Join(dir, in), Out: out, Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		st, err := im.Run(context.Background())
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if done, total, _ := im.Progress(); st.Rows != 2000 || done != total || total != int64(len(plain)) {
			t.Errorf("%s: %d rows, progress %d of %d", in, st.Rows, done, total)
		}
		if dump(t, out, order) != dump(t, "../../testdata/lineitem.rec", order) {
			t.Errorf("%s: the imported file differs from lineitem.rec", in)
		}
	}
	enc, _ := zstd.NewWriter(nil)
	csv := enc.EncodeAll([]byte("id,name\n1,Alice\n2,Bob\n"), nil)
	enc.Close()
	in := filepath.Join(dir, "t.csv.zst")
	os.WriteFile(in, csv, 0o644)
	out := filepath.Join(dir, "t.rec")
	st, err := runImport(t, Options{Schema: "CREATE TABLE t (id INT32, name CHAR(8))", From: in, Out: out, Delimiter: ',', Header: true})
	if err != nil || st.Rows != 2 {
		t.Fatalf("%d rows, %v", st.Rows, err)
	}
	if got := dump(t, out, "id"); got != "1|Alice|\n2|Bob|\n" {
		t.Errorf("got %q", got)
	}
}
