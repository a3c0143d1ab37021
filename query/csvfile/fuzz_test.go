package csvfile

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow/memory"
)

// FuzzSniffRead sniffs and reads arbitrary text: no panic, no leak, every
// error is an *Error naming the file, and a file whose every row the
// sniffer saw reads without a type error (what the sniffer accepts, the
// reader reads).
func FuzzSniffRead(f *testing.F) {
	for _, s := range []string{
		"a,b\n1,2\n", "x;y\n\"1;2\";3\n", "1\t2\n3\t4\n", "a\n\"unclosed\n", "a,b\n1\n", "\ufeffid\n1\n",
		"d,t\n2024-01-01,2024-01-01 10:00:00.123\n", "b\ntrue\nF\n", "n\n-9223372036854775808\n1e308\n", "a|b\r\n\"x\"\"y\"|z\r\n",
	} {
		f.Add(s, uint8(0), false)
	}
	f.Fuzz(func(t *testing.T, text string, skip uint8, header bool) {
		opts := Options{Skip: int(skip % 4)}
		if header {
			opts.Header = HeaderYes
		}
		s, err := Sniff(strings.NewReader(text), "f.csv", opts)
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) || ce.Path != "f.csv" {
				t.Fatalf("sniff error %T %v does not name the file", err, err)
			}
			return
		}
		mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
		src := Source{Name: "f.csv", Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(text)), nil }}
		r := NewReader(context.Background(), []Source{src}, s, opts, mem, 3, nil)
		for r.Next() {
			if int(r.Record().NumCols()) != len(s.Columns) {
				t.Fatalf("a batch has %d columns, the schema %d", r.Record().NumCols(), len(s.Columns))
			}
		}
		err = r.Err()
		r.Close()
		mem.AssertSize(t, 0)
		if err == nil {
			return
		}
		var ce *Error
		if !errors.As(err, &ce) || ce.Path != "f.csv" {
			t.Fatalf("read error %T %v does not name the file", err, err)
		}
		if strings.Contains(ce.Msg, "cannot read") && r.Rows() < DefaultSampleRows {
			t.Fatalf("the sniffer saw every row, yet the reader fails: %v", err)
		}
	})
}
