package csvfile

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/storage"
)

// sniffed renders a sniffed schema as "delim header name TYPE, ...".
func sniffed(s *Schema) string {
	parts := make([]string, len(s.Columns))
	for i, c := range s.Columns {
		parts[i] = c.Name + " " + TypeName(c.Type)
	}
	h := "noheader"
	if s.Header {
		h = "header"
	}
	return string(s.Delim) + " " + h + " " + strings.Join(parts, ", ")
}

func TestSniff(t *testing.T) {
	for _, c := range []struct {
		name, text string
		opts       Options
		want       string
	}{
		{"types and header", "a,b,c,d,e,f\ntrue,1,1.5,2024-01-02,2024-01-02 03:04:05,x\nF,-2,3,1999-12-31,2024-01-02T03:04:05.25,y\n", Options{},
			", header a BOOLEAN, b INT64, c FLOAT64, d DATE, e TIMESTAMP, f VARCHAR"},
		{"no header: first row fits the types", "1,x\n2,y\n", Options{}, ", noheader column0 INT64, column1 VARCHAR"},
		{"no header: a wider number in the first row is data", "1.5,x\n2,y\n", Options{}, ", noheader column0 FLOAT64, column1 VARCHAR"},
		{"all text: distinct names are a header", "code,label\nY,yes\nN,no\n", Options{}, ", header code VARCHAR, label VARCHAR"},
		{"all text: a repeated value is data", "a,a\nb,c\n", Options{}, ", noheader column0 VARCHAR, column1 VARCHAR"},
		{"a lone line of names is a header", "a;b\n", Options{}, "; header a VARCHAR, b VARCHAR"},
		{"a lone line of values is data", "a,1\n", Options{}, ", noheader column0 VARCHAR, column1 INT64"},
		{"header forced off", "id,name\n1,x\n", Options{Header: HeaderNo}, ", noheader column0 VARCHAR, column1 VARCHAR"},
		{"header forced on", "1,2\n3,4\n", Options{Header: HeaderYes}, ", header 1 INT64, 2 INT64"},
		{"semicolons", "a;b\n1;2\n3;4\n", Options{}, "; header a INT64, b INT64"},
		{"tabs beat commas inside values", "a\tb\n1,5\tx,y\n2\tz\n", Options{}, "\t header a VARCHAR, b VARCHAR"},
		{"pipes", "x|y|z\n1|2|3\n", Options{}, "| header x INT64, y INT64, z INT64"},
		{"given delimiter", "a;b\n1;2\n", Options{Delim: ','}, ", header a;b VARCHAR"},
		{"empty values do not widen", "a,b\n,1\n2,\n", Options{}, ", header a INT64, b INT64"},
		{"an all-empty column is text", "a,b\n,1\n,2\n", Options{}, ", header a VARCHAR, b INT64"},
		{"0 and 1 are numbers, not booleans", "f\n0\n1\n", Options{Header: HeaderYes}, ", header f INT64"},
		{"Y and N are text", "f\nY\nN\n", Options{Header: HeaderYes}, ", header f VARCHAR"},
		{"too big for BIGINT", "n\n99999999999999999999\n", Options{Header: HeaderYes}, ", header n FLOAT64"},
		{"inf and nan stay text", "n\ninf\nnan\n", Options{Header: HeaderYes}, ", header n VARCHAR"},
		{"a boolean then a number is text", "f\nt\n0\n", Options{Header: HeaderYes}, ", header f VARCHAR"},
		{"dates and timestamps", "f\n2024-01-01\n2024-01-01 10:00:00\n", Options{Header: HeaderYes}, ", header f TIMESTAMP"},
		{"bad date is text", "d\n2024-02-30\n", Options{Header: HeaderYes}, ", header d VARCHAR"},
		{"repeated names get suffixes", "a,A,a\n1,2,3\n", Options{Header: HeaderYes}, ", header a INT64, A_1 INT64, a_2 INT64"},
		{"skip lines first", "junk\nmore junk\nx,y\n1,2\n", Options{Skip: 2}, ", header x INT64, y INT64"},
		{"byte order mark", "\ufeffid,v\n1,2\n", Options{}, ", header id INT64, v INT64"},
		{"quoted delimiter and line break", "a,b\n\"1,5\",\"x\ny\"\n", Options{}, ", header a VARCHAR, b VARCHAR"},
		{"all_varchar", "a,b\n1,2\n", Options{AllVarchar: true}, ", header a VARCHAR, b VARCHAR"},
		{"sample size", "a\n1\n2\nx\n", Options{SampleRows: 2, Header: HeaderYes}, ", header a INT64"},
		{"a quoted field cut by the sample is dropped", "a,b\n1,x\n2,\"p\nq\"\n", Options{SampleRows: 2, Header: HeaderYes}, ", header a INT64, b VARCHAR"},
		{"columns given", "1,2\n", Options{Columns: []Column{{"p", storage.Type{Kind: storage.Int32}}, {"q", storage.Type{Kind: storage.Char}}}},
			", noheader p INT32, q VARCHAR"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := Sniff(strings.NewReader(c.text), "t.csv", c.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := sniffed(s); got != c.want {
				t.Errorf("got  %q\nwant %q", got, c.want)
			}
		})
	}
}

func TestSniffErrors(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"", "t.csv: is empty"},
		{"a,\"b\nc", "t.csv: line 2: a quoted field that starts on line 1 is not closed"},
		{"a,b\"c\n", `t.csv: line 1: a quote (") appears inside an unquoted field`},
	} {
		_, err := Sniff(strings.NewReader(c.text), "t.csv", Options{})
		if c.want == "" {
			if err != nil {
				t.Errorf("%q: %v", c.text, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %q", c.text, err, c.want)
		}
	}
}

// readAll sniffs and reads text, returning rows rendered as strings.
func readAll(t *testing.T, text string, opts Options, batch int) ([]string, error) {
	t.Helper()
	s, err := Sniff(strings.NewReader(text), "t.csv", opts)
	if err != nil {
		return nil, err
	}
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	src := Source{Name: "t.csv", Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(text)), nil }}
	r := NewReader(context.Background(), []Source{src}, s, opts, mem, batch, nil)
	defer r.Close()
	var rows []string
	for r.Next() {
		rec := r.Record()
		for i := 0; i < int(rec.NumRows()); i++ {
			var vals []string
			for _, col := range rec.Columns() {
				vals = append(vals, col.ValueStr(i))
			}
			rows = append(rows, strings.Join(vals, "|"))
		}
	}
	return rows, r.Err()
}

func TestReader(t *testing.T) {
	text := "id,name,when\n1,\"a, b\",2024-01-02\n2,,\n3,\"say \"\"hi\"\"\",2024-03-04\n"
	for _, batch := range []int{1, 2, 100} {
		rows, err := readAll(t, text, Options{}, batch)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"1|a, b|2024-01-02", "2|(null)|(null)", `3|say "hi"|2024-03-04`}
		if strings.Join(rows, "\n") != strings.Join(want, "\n") {
			t.Errorf("batch %d: got %q, want %q", batch, rows, want)
		}
	}
}

// TestReaderKeep reads a subset of the columns, reordered: only those
// are parsed (a bad value elsewhere goes unnoticed), the line's field
// count is still checked.
func TestReaderKeep(t *testing.T) {
	text := "a,b,c\n1,x,2024-01-01\n2,y,2024-01-02\n3,z,2024-01-03\n"
	s, err := Sniff(strings.NewReader(text), "t.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Columns[0].Type = storage.Type{Kind: storage.Boolean} // a wrong type on a column not read
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	src := Source{Name: "t.csv", Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(text)), nil }}
	r := NewReader(context.Background(), []Source{src}, s, Options{}, mem, 2, []int{2, 1})
	defer r.Close()
	var got []string
	for r.Next() {
		rec := r.Record()
		if rec.NumCols() != 2 || rec.Schema().Field(0).Name != "c" {
			t.Fatalf("schema %s, want c, b", rec.Schema())
		}
		for i := 0; i < int(rec.NumRows()); i++ {
			got = append(got, rec.Column(0).ValueStr(i)+"|"+rec.Column(1).ValueStr(i))
		}
	}
	if r.Err() != nil {
		t.Fatal(r.Err())
	}
	if want := "2024-01-01|x 2024-01-02|y 2024-01-03|z"; strings.Join(got, " ") != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestReaderErrors(t *testing.T) {
	for _, c := range []struct {
		text string
		opts Options
		want string
	}{
		{"a,b\n1,2\n3\n", Options{}, "t.csv: line 3: the line has 1 fields, but the file's rows have 2"},
		{"a\n1\n2\nx\n", Options{SampleRows: 2}, `t.csv: line 4, column 1 (a): cannot read "x" as INT64`},
		{"a\n1\n\"2\n", Options{Header: HeaderYes}, "t.csv: line 3: a quoted field that starts on line 3 is not closed"},
		{"skip\na\n1\nz\n", Options{Skip: 1, SampleRows: 1}, `t.csv: line 4, column 1 (a): cannot read "z" as INT64`},
	} {
		_, err := readAll(t, c.text, c.opts, 10)
		var ce *Error
		if err == nil || !strings.Contains(err.Error(), c.want) || !errors.As(err, &ce) {
			t.Errorf("%q: got %v, want %q", c.text, err, c.want)
		}
	}
}

func TestReaderCancel(t *testing.T) {
	s := &Schema{Delim: ',', Columns: []Column{{"a", storage.Type{Kind: storage.Int64}}}}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	src := Source{Name: "t.csv", Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("1\n2\n")), nil }}
	r := NewReader(ctx, []Source{src}, s, Options{}, nil, 10, nil)
	defer r.Close()
	if r.Next() || !errors.Is(r.Err(), context.Canceled) {
		t.Errorf("a cancelled read gave %v", r.Err())
	}
}

func TestParseType(t *testing.T) {
	for in, want := range map[string]string{
		"BIGINT": "INT64", "varchar": "VARCHAR", "TEXT": "VARCHAR", "DECIMAL(12, 2)": "DECIMAL(12,2)", "date": "DATE",
		"VARCHAR(10)": "VARCHAR", "INT": "INT32", "DOUBLE": "FLOAT64",
	} {
		typ, err := ParseType(in)
		if err != nil || TypeName(typ) != want {
			t.Errorf("ParseType(%q) = %s, %v; want %s", in, TypeName(typ), err, want)
		}
	}
	for _, in := range []string{"VARCHR", "DECIMAL(x)", "INT(", "DECIMAL(1,2,3)"} {
		if _, err := ParseType(in); err == nil {
			t.Errorf("ParseType(%q) gave no error", in)
		}
	}
}
