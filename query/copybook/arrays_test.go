package copybook_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recq/recq/parser"
	"github.com/recq/recq/query"
	"github.com/recq/recq/query/copybook"
	"github.com/recq/recq/storage"
)

// orderRows are the records of testdata/orders.cpy written by
// TestArraysRoundTrip: a fixed group array (quarter), a group array of
// line_count elements (OCCURS DEPENDING ON), an elementary array.
func orderRows() []map[string]any {
	q := func(a string, f string) map[string]any { return map[string]any{"amount": a, "flag": f} }
	line := func(sku string, qty int64, price string) map[string]any {
		return map[string]any{"sku": sku, "qty": qty, "price": price}
	}
	return []map[string]any{
		{"order_id": int64(1001), "line_count": int64(2), "quarter": []any{q("100.50", "A"), q("-20.00", "B"), q("0.00", ""), q("9999999.99", "Z")},
			"order_line": []any{line("SKU-0001", 3, "19.99"), line("SKU-0002", -1, "-5.00")}, "tags": []any{"NE", "WS", ""}, "note": "first"},
		{"order_id": int64(1002), "line_count": int64(5), "quarter": []any{q("1.00", "A"), q("2.00", "A"), q("3.00", "A"), q("4.00", "A")},
			"order_line": []any{line("A", 1, "1.00"), line("B", 2, "2.00"), line("C", 3, "3.00"), line("D", 4, "4.00"), line("E", 5, "99999.99")},
			"tags":       []any{"X", "Y", "Z"}, "note": "five lines"},
		{"order_id": int64(1003), "line_count": int64(1), "quarter": []any{q("-0.01", "N"), q("0.01", "N"), q("0.00", "N"), q("0.00", "N")},
			"order_line": []any{line("ONLY", 32767, "0.01")}, "tags": []any{"", "", ""}, "note": ""},
	}
}

// TestArraysRoundTrip writes orders with recq's writers through the
// layout generated from testdata/orders.cpy (arrays of groups, OCCURS
// DEPENDING ON) and reads every value back, in EBCDIC and ASCII. The
// EBCDIC file is testdata/mainframe/orders.ebc (rewritten by -update),
// which the SQL golden tests read.
func TestArraysRoundTrip(t *testing.T) {
	for _, enc := range []string{"ebcdic", "ascii"} {
		s := layoutOf(t, "testdata/orders.cpy", copybook.DDLOptions{Encoding: enc}).Schema
		var file bytes.Buffer
		rows := orderRows()
		for _, row := range rows {
			rec := make([]byte, s.RecordLen)
			for name, v := range row {
				if err := s.EncodeField(rec, s.Lookup(name), v); err != nil {
					t.Fatalf("%s: %s = %v: %v", enc, name, v, err)
				}
			}
			file.Write(rec)
		}
		data := file.Bytes()
		for r, row := range rows {
			rec := data[r*s.RecordLen : (r+1)*s.RecordLen]
			for name, want := range row {
				got, err := s.DecodeField(rec, s.Lookup(name))
				if err != nil {
					t.Fatalf("%s row %d %s: %v", enc, r, name, err)
				}
				if g, w := normalize(got), normalize(want); g != w {
					t.Errorf("%s row %d %s: read %s, wrote %s", enc, r, name, g, w)
				}
			}
		}
		// Element 3 of order 1003's lines is blank room: spaces.
		if enc == "ebcdic" {
			if b := data[2*s.RecordLen+32+17]; b != 0x40 {
				t.Errorf("the room of a missing element holds %#x, want EBCDIC space", b)
			}
			const path = "../../testdata/mainframe/orders.ebc"
			if *update {
				os.WriteFile(path, data, 0o644)
			}
			if old, err := os.ReadFile(path); err != nil || !bytes.Equal(old, data) {
				t.Errorf("%s differs from what the writer writes (%v): run with -update", path, err)
			}
		}
	}
}

// normalize prints a decoded or written value the same way: decimals
// without trailing zeros, NULL and blank text alike.
func normalize(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case []any:
		s := "["
		for i, e := range x {
			if i > 0 {
				s += " "
			}
			s += normalize(e)
		}
		return s + "]"
	case map[string]any:
		s := "{"
		for _, k := range []string{"amount", "flag", "sku", "qty", "price"} {
			if e, ok := x[k]; ok {
				s += k + ":" + normalize(e) + " "
			}
		}
		return s + "}"
	}
	s := fmt.Sprint(v)
	var f float64
	if _, err := fmt.Sscan(s, &f); err == nil && bytes.ContainsRune([]byte(s), '.') {
		return fmt.Sprint(f)
	}
	return s
}

// TestVariableSizeOccurs writes the orders as text lines under
// variable_size_occurs = true: each line holds only its order lines, the
// fields after them move up, and every value reads back, through the
// schema and through SQL.
func TestVariableSizeOccurs(t *testing.T) {
	src, err := os.ReadFile("testdata/orders.cpy")
	if err != nil {
		t.Fatal(err)
	}
	cb, err := copybook.Parse(string(src), copybook.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "orders.txt")
	ddl, err := cb.DDL(copybook.DDLOptions{Encoding: "ascii", VariableSizeOccurs: true, Extra: []string{"format = 'text'", "file = " + parser.QuoteString(path)}})
	if err != nil {
		t.Fatal(err)
	}
	l, err := query.ParseLayout(ddl)
	if err != nil {
		t.Fatalf("%v\n%s", err, ddl)
	}
	s := l.Schema
	var file bytes.Buffer
	var lens []int
	for _, row := range orderRows() {
		rec := bytes.Repeat([]byte{' '}, s.RecordLen)
		n := encodeOrder(t, s, rec, row)
		lens = append(lens, n)
		for i := range s.Fields {
			got, err := s.DecodeField(rec[:n:n], i)
			if err != nil {
				t.Fatalf("%s: %v", s.Fields[i].Name, err)
			}
			if g, w := normalize(got), normalize(row[s.Fields[i].Name]); g != w {
				t.Errorf("%s: read %s, wrote %s", s.Fields[i].Name, g, w)
			}
		}
		file.Write(rec[:n])
		file.WriteByte('\n')
	}
	// 133 bytes, less 17 for each missing order line.
	if fmt.Sprint(lens) != "[82 133 65]" {
		t.Errorf("record lengths %v", lens)
	}
	if err := os.WriteFile(path, file.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	eng, err := query.Open(query.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	run := func(sql string) []string { return queryLines(t, eng, sql, " ") }
	table := "read_fixed(layout => " + parser.QuoteString(strings.TrimSuffix(strings.TrimSpace(ddl), ";")) + ")"
	got := run("SELECT order_id, len(order_line), order_line[-1].sku, note FROM " + table + " WHERE note <> 'first' ORDER BY order_id")
	if want := "1002 5 E five lines|1003 1 ONLY "; strings.Join(got, "|") != want {
		t.Errorf("got %q, want %q", strings.Join(got, "|"), want)
	}
}

// encodeOrder writes an order into rec under variable_size_occurs: the
// count first (it places the fields after the array), then every other
// field; it returns the record's length.
func encodeOrder(t *testing.T, s *storage.Schema, rec []byte, row map[string]any) int {
	t.Helper()
	count := s.Lookup("line_count")
	for _, i := range append([]int{count}, s.Lookup("order_id"), s.Lookup("quarter"), s.Lookup("order_line"), s.Lookup("tags"), s.Lookup("note")) {
		if err := s.EncodeField(rec, i, row[s.Fields[i].Name]); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.RecordLenAt(rec)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
