package query

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recq/recq/storage"
)

// TestVarRecordTypes reads a file of several record types (the ACH sample
// repeated to 1.2 MB, so the record index has several spans and a chunk's
// parent lies in an earlier span) as RDW (V) and BDW (VB) records, and
// checks that the record types, their parent links (_parent_rowid) and a
// join of entries with their batch headers give what the same lines give
// as a text file, under several worker counts and batch sizes.
func TestVarRecordTypes(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 1.2 MB file")
	}
	src, err := os.ReadFile("../testdata/ach/payments.ach")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(src), "\n"), "\n")
	dir := t.TempDir()
	var text bytes.Buffer
	var bufs [2]bytes.Buffer
	writers := [2]*storage.VarWriter{
		storage.NewVarWriter(&bufs[0], storage.Framing{}, 0),
		storage.NewVarWriter(&bufs[1], storage.Framing{Blocked: true, RDWAdjust: -4, BDWAdjust: -4}, 0),
	}
	const copies = 420
	for range copies {
		for _, line := range lines {
			text.WriteString(line + "\n")
			for _, w := range writers {
				if err := w.Write([]byte(line)); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	files := map[string]string{"text": filepath.Join(dir, "p.ach"), "V": filepath.Join(dir, "p.v"), "VB": filepath.Join(dir, "p.vb")}
	if err := os.WriteFile(files["text"], text.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for i, format := range []string{"V", "VB"} {
		if err := writers[i].Close(); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(files[format], bufs[i].Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	options := map[string]string{"text": "format = 'text'", "V": "record_format = 'V'",
		"VB": "record_format = 'VB', rdw_adjustment = -4, bdw_adjustment = -4"}
	queries := []string{
		`SELECT b.company_name, count(*), sum(e.amount), min(e._rowid), max(e._parent_rowid) FROM ach_entry e JOIN ach_batch b ON e._parent_rowid = b._rowid GROUP BY 1 ORDER BY 1`,
		`SELECT count(*), sum(e._parent_rowid) FROM ach_entry e WHERE e._rowid BETWEEN 6000 AND 9000`,
		`SELECT record_type, count(*) FROM ach_any GROUP BY 1 ORDER BY 1`,
	}
	answers := map[string]string{}
	for _, format := range []string{"text", "V", "VB"} {
		for _, cfg := range []Settings{{Workers: 1, BatchSize: 1024}, {Workers: 3, BatchSize: 100}, {Workers: 2, BatchSize: 16384}} {
			eng, err := Open(Options{Settings: cfg})
			if err != nil {
				t.Fatal(err)
			}
			with := fmt.Sprintf("file = '%s', %s, segment_field = 'record_type', segment_children = '1 => 5, 9; 5 => 6, 8; 6 => 7'", files[format], options[format])
			for _, ddl := range []string{
				`CREATE TABLE ach_batch (record_type CHAR(1) POSITION(1:1), company_name CHAR(16) POSITION(5:20)) WITH (` + with + `, segment_filter = '5')`,
				`CREATE TABLE ach_entry (record_type CHAR(1) POSITION(1:1), amount DECIMAL(10,2) TEXT POSITION(30:39) IMPLIED DECIMALS 2) WITH (` + with + `, segment_filter = '6')`,
				`CREATE TABLE ach_any (record_type CHAR(1) POSITION(1:1)) WITH (` + with + `)`,
			} {
				mustQuery(t, eng, ddl)
			}
			for i, q := range queries {
				got := mustQuery(t, eng, q)
				key := fmt.Sprint(i)
				if format == "text" && answers[key] == "" {
					if strings.Count(got, "\n") < 2 && i != 1 {
						t.Fatalf("query %d over the text file gives too little:\n%s", i, got)
					}
					answers[key] = got
					continue
				}
				if got != answers[key] {
					t.Errorf("%s, %+v: %s\ngives\n%s\nwant (text)\n%s", format, cfg, q, got, answers[key])
				}
			}
			eng.Close()
		}
	}
}

// mustQuery runs sql and returns its rows, one line each, values
// separated by '|'.
func mustQuery(t *testing.T, eng *Engine, sql string) string {
	t.Helper()
	res, err := eng.Query(context.Background(), sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	defer res.Close()
	var b strings.Builder
	for res.Next() {
		rec := res.Record()
		for r := 0; r < int(rec.NumRows()); r++ {
			for c := 0; c < int(rec.NumCols()); c++ {
				if c > 0 {
					b.WriteByte('|')
				}
				b.WriteString(rec.Column(c).ValueStr(r))
			}
			b.WriteByte('\n')
		}
	}
	if err := res.Err(); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return b.String()
}
