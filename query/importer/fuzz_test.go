package importer

import (
	"bytes"
	"testing"

	"github.com/recq/recq/query"
)

// FuzzDelimited feeds arbitrary bytes through record splitting and field
// parsing: no panics, every byte of the input in exactly one record, and
// each record either encoded or rejected.
func FuzzDelimited(f *testing.F) {
	for _, s := range []string{"1|a|\n2|b|\n", "1,\"a,b\"\n2,\"x\"\"y\"\n", "\"open\n|\n", "1|\"q\"x|\n", "||||\n\n\r\n", "-5|+7|\n"} {
		f.Add([]byte(s), byte('|'))
	}
	l, err := query.ParseLayout("CREATE TABLE t (a INT16 NULL, b CHAR(3) NULL, c DECIMAL(5,2) NULL, d DATE NULL)")
	if err != nil {
		f.Fatal(err)
	}
	out, err := OutputSchema(l.Schema)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte, delim byte) {
		if delim == 0 || delim == '"' || delim == '\n' || delim == '\r' || delim >= 0x80 {
			return
		}
		im := &Importer{opts: Options{From: "fuzz", Delimiter: delim}, in: l.Schema, out: out}
		p := im.newParser()
		r := p.process(chunk{data: bytes.Clone(data), firstLine: 1})
		if len(r.recs) != r.n*out.RecordLen {
			t.Fatalf("%d bytes of records for %d records", len(r.recs), r.n)
		}
		// Records found one at a time cover what the chunk scan covers.
		if end := lastRecordEnd(data, delim); end > len(data) {
			t.Fatalf("record end %d past %d bytes", end, len(data))
		}
		var total int
		for rest := data; len(rest) > 0; {
			e := recordEnd(rest, delim)
			if e <= 0 {
				e = len(rest)
			}
			total += e
			rest = rest[e:]
		}
		if total != len(data) {
			t.Fatalf("records cover %d of %d bytes", total, len(data))
		}
		for _, rej := range r.rejects {
			if rej.err.Line < 1 || rej.err.Error() == "" {
				t.Fatalf("bad reject %+v", rej.err)
			}
		}
	})
}
