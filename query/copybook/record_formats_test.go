package copybook_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recq/recq/query"
	"github.com/recq/recq/query/copybook"
	"github.com/recq/recq/query/export"
	"github.com/recq/recq/storage"
)

// customerRows are records of testdata/customer.cpy (every clause the
// copybook parser reads) with its OCCURS items as arrays.
func customerRows() []map[string]any {
	return []map[string]any{
		{"cust_id": int64(42), "cust_name": "Müller", "cust_type": "P", "balance": "1234567.89", "credit_limit": "-99999.99",
			"delta": "-12.5", "adjust": int64(-7), "branch": int64(-2), "visits": uint64(4000000000), "big_count": int64(-123456789012),
			"rate": 0.125, "ratio": -2.5, "price": "99999.99", "street": "1 Main St", "address_city": "Springfiel", "address_zip": int64(12345),
			"ship_to_city": "Shelbyvill", "ship_to_zip": int64(54321), "total_print": "12,345.67", "net_print": "-12.50",
			"thousands": "12300", "fraction": "0.0042", "note_text": "SOME NOTE", "pkg_count": int64(999)},
		{"cust_id": int64(999999), "cust_name": "", "cust_type": "C", "balance": "0.00", "credit_limit": "0.01",
			"delta": "999.9", "adjust": int64(999), "branch": int64(9999), "visits": uint64(0), "big_count": int64(999999999999),
			"rate": -1e10, "ratio": 0.0, "price": "0.00", "street": "", "address_city": "X", "address_zip": int64(0),
			"ship_to_city": "", "ship_to_zip": int64(99999), "total_print": "0.00", "net_print": "0.00",
			"thousands": "0", "fraction": "0.0099", "note_text": "", "pkg_count": int64(0)},
	}
}

// TestEveryRecordFormat writes the records of two copybooks (customer.cpy
// with every clause, orders.cpy with group arrays and OCCURS DEPENDING ON)
// with recq's writers as fixed-length records (F), RDW records (V, with the
// z/OS header rule: rdw_adjustment = -4), BDW blocks of RDW records (VB),
// and ASCII text lines (D), and reads each file back through CREATE TABLE
// ... FROM COPYBOOK: every format gives the same rows as F.
func TestEveryRecordFormat(t *testing.T) {
	cases := []struct {
		copybook string
		rows     []map[string]any
	}{
		{"testdata/customer.cpy", customerRows()},
		{"testdata/orders.cpy", orderRows()},
	}
	dir := t.TempDir()
	eng, err := query.Open(query.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	run := func(sql string) []string { return queryLines(t, eng, sql, " | ") }
	for _, c := range cases {
		for _, enc := range []string{"ebcdic", "ascii"} {
			s := layoutOf(t, c.copybook, copybook.DDLOptions{Encoding: enc}).Schema
			var recs [][]byte
			for _, row := range c.rows {
				rec := make([]byte, s.RecordLen)
				if enc == "ascii" {
					// Text lines: room no field fills is spaces.
					copy(rec, bytes.Repeat([]byte{' '}, s.RecordLen))
				}
				for name, v := range row {
					i := s.Lookup(name)
					if i < 0 {
						t.Fatalf("%s: no column %s", c.copybook, name)
					}
					if err := s.EncodeField(rec, i, v); err != nil {
						t.Fatalf("%s %s: %s = %v: %v", c.copybook, enc, name, v, err)
					}
				}
				recs = append(recs, rec)
			}
			base := strings.TrimSuffix(filepath.Base(c.copybook), ".cpy") + "_" + enc
			files := map[string]string{}
			write := func(format string, data []byte) {
				path := filepath.Join(dir, base+"."+format)
				if err := os.WriteFile(path, data, 0o644); err != nil {
					t.Fatal(err)
				}
				files[format] = path
			}
			write("F", bytes.Join(recs, nil))
			for _, blocked := range []bool{false, true} {
				var buf bytes.Buffer
				w := storage.NewVarWriter(&buf, storage.Framing{Blocked: blocked, RDWAdjust: -4, BDWAdjust: -4}, 100)
				for _, rec := range recs {
					// A V record need not hold the trailing blank room.
					if err := w.Write(rec); err != nil {
						t.Fatal(err)
					}
				}
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
				write(map[bool]string{false: "V", true: "VB"}[blocked], buf.Bytes())
			}
			if enc == "ascii" {
				lines := true
				for _, rec := range recs {
					lines = lines && !bytes.ContainsRune(rec, '\n')
				}
				if !lines {
					t.Fatalf("%s: a binary field holds a line ending; pick other values", c.copybook)
				}
				write("D", append(bytes.Join(recs, []byte("\n")), '\n'))
			}
			cpy, err := filepath.Abs(c.copybook)
			if err != nil {
				t.Fatal(err)
			}
			read := func(format string) []string {
				opts := fmt.Sprintf("file = '%s', encoding = '%s', record_format = '%s'", files[format], enc, format)
				if format == "D" {
					// A packed -20.00 ends in 0x0D, a CR: say the lines end
					// with LF alone.
					opts += ", separator = 'lf'"
				}
				if format == "V" || format == "VB" {
					opts += ", rdw_adjustment = -4, bdw_adjustment = -4"
				}
				run("DROP TABLE IF EXISTS t")
				run(fmt.Sprintf("CREATE TABLE t FROM COPYBOOK '%s' WITH (%s)", cpy, opts))
				return run("SELECT * FROM t")
			}
			want := read("F")
			if len(want) != len(c.rows) {
				t.Fatalf("%s %s F: %d rows, want %d", c.copybook, enc, len(want), len(c.rows))
			}
			for format := range files {
				if format == "F" {
					continue
				}
				got := read(format)
				if strings.Join(got, "\n") != strings.Join(want, "\n") {
					t.Errorf("%s %s: record_format %s reads\n%s\nwant (F)\n%s", c.copybook, enc, format,
						strings.Join(got, "\n"), strings.Join(want, "\n"))
				}
			}
		}
	}
}

// TestVariableSizeOccursRDW writes the orders under variable_size_occurs
// = true as V and VB records, each only as long as its order lines make
// it (the fields after the OCCURS DEPENDING ON array move up), and reads
// them back through FROM COPYBOOK: the rows equal those of the same
// orders written with the array's full room as F records.
func TestVariableSizeOccursRDW(t *testing.T) {
	src, err := os.ReadFile("testdata/orders.cpy")
	if err != nil {
		t.Fatal(err)
	}
	cb, err := copybook.Parse(string(src), copybook.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ddl, err := cb.DDL(copybook.DDLOptions{Encoding: "ebcdic", VariableSizeOccurs: true, Extra: []string{"record_format = 'V'"}})
	if err != nil {
		t.Fatal(err)
	}
	l, err := query.ParseLayout(ddl)
	if err != nil {
		t.Fatalf("%v\n%s", err, ddl)
	}
	s := l.Schema
	fixed := layoutOf(t, "testdata/orders.cpy", copybook.DDLOptions{Encoding: "ebcdic"}).Schema
	dir := t.TempDir()
	var full []byte
	var lens []int
	var bufs [2]bytes.Buffer
	writers := [2]*storage.VarWriter{
		storage.NewVarWriter(&bufs[0], storage.Framing{}, 0),
		storage.NewVarWriter(&bufs[1], storage.Framing{Blocked: true}, 150),
	}
	for _, row := range orderRows() {
		rec := make([]byte, s.RecordLen)
		n := encodeOrder(t, s, rec, row)
		lens = append(lens, n)
		for _, w := range writers {
			if err := w.Write(rec[:n]); err != nil {
				t.Fatal(err)
			}
		}
		f := make([]byte, fixed.RecordLen)
		for name, v := range row {
			if err := fixed.EncodeField(f, fixed.Lookup(name), v); err != nil {
				t.Fatal(err)
			}
		}
		full = append(full, f...)
	}
	if fmt.Sprint(lens) != "[82 133 65]" {
		t.Errorf("record lengths %v, want [82 133 65] (133 bytes less 17 for each missing order line)", lens)
	}
	paths := map[string]string{"F": filepath.Join(dir, "orders.F"), "V": filepath.Join(dir, "orders.V"), "VB": filepath.Join(dir, "orders.VB")}
	if err := os.WriteFile(paths["F"], full, 0o644); err != nil {
		t.Fatal(err)
	}
	for i, format := range []string{"V", "VB"} {
		if err := writers[i].Close(); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(paths[format], bufs[i].Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	eng, err := query.Open(query.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	cpy, err := filepath.Abs("testdata/orders.cpy")
	if err != nil {
		t.Fatal(err)
	}
	read := func(format, extra string) string {
		queryLines(t, eng, "DROP TABLE IF EXISTS o", "")
		queryLines(t, eng, fmt.Sprintf("CREATE TABLE o FROM COPYBOOK '%s' WITH (file = '%s', record_format = '%s'%s)", cpy, paths[format], format, extra), "")
		return strings.Join(queryLines(t, eng, "SELECT * FROM o", " | "), "\n") + "\n"
	}
	want := read("F", "")
	if strings.Count(want, "\n") != 3 || !strings.Contains(want, "five lines") {
		t.Fatalf("F reads\n%s", want)
	}
	for _, format := range []string{"V", "VB"} {
		if got := read(format, ", variable_size_occurs = true"); got != want {
			t.Errorf("%s with variable_size_occurs reads\n%s\nwant\n%s", format, got, want)
		}
	}
}

// queryLines runs sql on eng and returns its rows, each as its values
// printed as recq prints them, joined by sep.
func queryLines(t *testing.T, eng *query.Engine, sql, sep string) []string {
	t.Helper()
	res, err := eng.Query(context.Background(), sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	defer res.Close()
	var rows []string
	for res.Next() {
		rec := res.Record()
		for r := 0; r < int(rec.NumRows()); r++ {
			var line []byte
			for c := 0; c < int(rec.NumCols()); c++ {
				if c > 0 {
					line = append(line, sep...)
				}
				line = export.AppendValue(line, rec.Column(c), r)
			}
			rows = append(rows, string(line))
		}
	}
	if err := res.Err(); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return rows
}
