package repl

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/ipc"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"
	"github.com/recq/recq/query"
)

// testEngine opens an engine over the shipped samples with a checked
// allocator; the test fails if any Arrow memory is left at the end.
func testEngine(t *testing.T) *query.Engine {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	eng, err := query.Open(query.Options{DataDir: "../testdata", Allocator: mem})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		eng.Close()
		mem.AssertSize(t, 0)
	})
	return eng
}

// render runs one query and renders it.
func render(t *testing.T, eng *query.Engine, sql string, opts RenderOptions) string {
	t.Helper()
	res, err := eng.Query(context.Background(), sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	defer res.Close()
	var b bytes.Buffer
	if _, err := Render(&b, res, opts); err != nil {
		t.Fatalf("%s: render: %v", sql, err)
	}
	return b.String()
}

const sensorsQuery = "SELECT seq, sensor_id, ts, day, temperature, humidity, pressure, battery, delta, code, level, flags, counter, ok, status FROM sensors ORDER BY seq LIMIT 50"

func TestCSVReadsBack(t *testing.T) {
	eng := testEngine(t)
	out := render(t, eng, sensorsQuery, RenderOptions{Mode: ModeCSV})
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 51 || strings.Join(rows[0], ",") != "seq,sensor_id,ts,day,temperature,humidity,pressure,battery,delta,code,level,flags,counter,ok,status" {
		t.Fatalf("header or row count wrong: %d rows, header %v", len(rows), rows[0])
	}
	// Decimal scale kept, dates and timestamps exact, NULL empty.
	if got := rows[1]; got[2] != "2024-01-01 00:00:00.930694" || got[3] != "2024-01-01" || got[6] != "985.52" {
		t.Errorf("row 1 = %v", got)
	}
	if rows[2][4] != "" {
		t.Errorf("NULL temperature rendered as %q", rows[2][4])
	}
}

func TestCSVQuoting(t *testing.T) {
	rec := stringRecord(t, []string{"plain", "a,b", `say "hi"`, "two\nlines", " lead"})
	var b bytes.Buffer
	if _, err := Render(&b, recordReader(t, rec), RenderOptions{Mode: ModeCSV}); err != nil {
		t.Fatal(err)
	}
	want := "s\nplain\n\"a,b\"\n\"say \"\"hi\"\"\"\n\"two\nlines\"\n\" lead\"\n"
	if b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil || len(rows) != 6 || rows[4][0] != "two\nlines" {
		t.Errorf("read back: %v %q", err, rows)
	}
}

func TestJSONKeysInColumnOrder(t *testing.T) {
	eng := testEngine(t)
	// Column order deliberately not alphabetical.
	out := render(t, eng, "SELECT status, seq, temperature, pressure, day, ok FROM sensors ORDER BY seq LIMIT 5", RenderOptions{Mode: ModeJSON})
	var objs []map[string]any
	if err := json.Unmarshal([]byte(out), &objs); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(objs) != 5 {
		t.Fatalf("%d objects", len(objs))
	}
	dec := json.NewDecoder(strings.NewReader(out))
	dec.UseNumber()
	var keys []string
	depth := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch v := tok.(type) {
		case json.Delim:
			if v == '{' || v == '[' {
				depth++
			} else {
				depth--
			}
		case string:
			if depth == 2 && len(keys) < 6 && dec.More() {
				keys = append(keys, v)
				dec.Token() // the value
			}
		}
	}
	if got := strings.Join(keys, ","); got != "status,seq,temperature,pressure,day,ok" {
		t.Errorf("keys in order %s", got)
	}
	if !strings.Contains(out, `"pressure":985.52`) || !strings.Contains(out, `"temperature":null`) || !strings.Contains(out, `"day":"2024-01-01"`) {
		t.Errorf("values not exact:\n%s", out)
	}
	// jsonl: one object per line.
	out = render(t, eng, "SELECT seq FROM sensors ORDER BY seq LIMIT 3", RenderOptions{Mode: ModeJSONL})
	if out != "{\"seq\":0}\n{\"seq\":1}\n{\"seq\":2}\n" {
		t.Errorf("jsonl: %q", out)
	}
	// An empty result is an empty array.
	if out := render(t, eng, "SELECT seq FROM sensors WHERE seq < 0", RenderOptions{Mode: ModeJSON}); out != "[]\n" {
		t.Errorf("empty json: %q", out)
	}
}

func TestJSONStrings(t *testing.T) {
	rec := stringRecord(t, []string{"q\"b\\s\n\t\x01", "héllo", "\xff"})
	var b bytes.Buffer
	if _, err := Render(&b, recordReader(t, rec), RenderOptions{Mode: ModeJSONL}); err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		var m map[string]string
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("line %d %q: %v", i, line, err)
		}
	}
}

func TestArrowReadsBack(t *testing.T) {
	eng := testEngine(t)
	out := render(t, eng, sensorsQuery, RenderOptions{Mode: ModeArrow})
	rd, err := ipc.NewReader(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Release()
	rows := 0
	for rd.Next() {
		rec := rd.Record()
		if rows == 0 {
			if got := cellText(rec.Column(6), 0, ""); got != "985.52" {
				t.Errorf("pressure = %s", got)
			}
			if rec.Schema().Field(2).Type.ID() != arrow.TIMESTAMP || rec.Schema().Field(6).Type.ID() != arrow.DECIMAL128 {
				t.Errorf("types lost: %v", rec.Schema())
			}
		}
		rows += int(rec.NumRows())
	}
	if rd.Err() != nil || rows != 50 {
		t.Errorf("rows %d err %v", rows, rd.Err())
	}
}

func TestParquetReadsBack(t *testing.T) {
	eng := testEngine(t)
	out := render(t, eng, sensorsQuery, RenderOptions{Mode: ModeParquet})
	pf, err := file.NewParquetReader(bytes.NewReader([]byte(out)))
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	if tbl.NumRows() != 50 || tbl.NumCols() != 15 {
		t.Fatalf("table %d x %d", tbl.NumRows(), tbl.NumCols())
	}
	tr := array.NewTableReader(tbl, 100)
	defer tr.Release()
	tr.Next()
	rec := tr.Record()
	if got := cellText(rec.Column(6), 0, ""); got != "985.52" {
		t.Errorf("pressure = %s", got)
	}
	if got := cellText(rec.Column(2), 0, ""); got != "2024-01-01 00:00:00.930694" {
		t.Errorf("ts = %s", got)
	}
	if !rec.Column(4).IsNull(1) {
		t.Errorf("NULL lost")
	}
}

func TestTableLargeResult(t *testing.T) {
	eng := testEngine(t)
	out := render(t, eng, "SELECT l_orderkey, l_linenumber, l_shipmode FROM lineitem", RenderOptions{Mode: ModeTable, MaxRows: 10})
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	// 3 top border/header lines + type line, 5 first rows, 3 dot rows, 5 last rows, footer.
	if !strings.Contains(out, "2000 rows (10 shown)") {
		t.Errorf("no footer:\n%s", out)
	}
	dots := 0
	for _, l := range lines {
		if strings.Contains(l, "·") {
			dots++
		}
	}
	if dots != 3 {
		t.Errorf("%d dot rows:\n%s", dots, out)
	}
	if !strings.Contains(lines[4], "│          1 │            1 │ MAIL       │") {
		t.Errorf("first row: %q", lines[4])
	}
	if !strings.Contains(lines[len(lines)-4], "1925") {
		t.Errorf("last row: %q", lines[len(lines)-4])
	}
	// Small results have no footer.
	out = render(t, eng, "SELECT 41 + 1 AS x", RenderOptions{Mode: ModeTable, MaxRows: 10})
	want := "┌───────┐\n│   x   │\n│ int64 │\n├───────┤\n│    42 │\n└───────┘\n"
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
	// Every row when MaxRows is 0.
	out = render(t, eng, "SELECT l_orderkey FROM lineitem", RenderOptions{Mode: ModeTable})
	if n := strings.Count(out, "\n"); n != 2000+5 {
		t.Errorf("%d lines", n)
	}
}

func TestTableWidth(t *testing.T) {
	eng := testEngine(t)
	out := render(t, eng, "SELECT * FROM lineitem LIMIT 3", RenderOptions{Mode: ModeTable, Width: 80})
	for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if w := displayWidth(l); w > 80 {
			t.Errorf("line is %d wide: %s", w, l)
		}
	}
	if !strings.Contains(out, "16 columns (") || !strings.Contains(out, "…") {
		t.Errorf("no hidden-column note or ellipsis:\n%s", out)
	}
	// Narrowing cuts long values with an ellipsis.
	out = render(t, eng, "SELECT l_orderkey, l_comment FROM lineitem LIMIT 3", RenderOptions{Mode: ModeTable, Width: 30})
	if !strings.Contains(out, "accounts sil…") {
		t.Errorf("no cut value:\n%s", out)
	}
	for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if w := displayWidth(l); w > 30 {
			t.Errorf("line is %d wide: %s", w, l)
		}
	}
}

func TestMarkdownAndLine(t *testing.T) {
	rec := stringRecord(t, []string{"a|b", "c"})
	var b bytes.Buffer
	Render(&b, recordReader(t, rec), RenderOptions{Mode: ModeMarkdown})
	if b.String() != "| s    |\n|------|\n| a\\|b |\n| c    |\n" {
		t.Errorf("markdown %q", b.String())
	}
	b.Reset()
	Render(&b, recordReader(t, stringRecord(t, []string{"x", "y"})), RenderOptions{Mode: ModeLine})
	if b.String() != "s = x\n\ns = y\n" {
		t.Errorf("line %q", b.String())
	}
}

// stringRecord builds a one-column ("s") record.
func stringRecord(t *testing.T, vals []string) arrow.Record {
	t.Helper()
	b := array.NewStringBuilder(memory.DefaultAllocator)
	defer b.Release()
	b.AppendValues(vals, nil)
	arr := b.NewArray()
	defer arr.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: "s", Type: arrow.BinaryTypes.String}}, nil)
	return array.NewRecord(schema, []arrow.Array{arr}, int64(len(vals)))
}

func recordReader(t *testing.T, rec arrow.Record) array.RecordReader {
	t.Helper()
	rr, err := array.NewRecordReader(rec.Schema(), []arrow.Record{rec})
	if err != nil {
		t.Fatal(err)
	}
	rec.Release()
	t.Cleanup(rr.Release)
	return rr
}
