package query

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/parser"
	"github.com/recq/recq/storage"
)

// TestRecordTypePlans: the record-type test runs in the scan, ahead of
// the pushed predicates, and a predicate on a column only some types hold
// stays above the scan (the column is NULL on the other records, which the
// raw-byte test would read as numbers).
func TestRecordTypePlans(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	eng, err := Open(Options{Settings: Settings{Workers: 2}, Allocator: mem})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	const opts = "file = '../testdata/ach/payments.ach', format = 'text', segment_field = 'record_type', segment_children = '1 => 5, 9; 5 => 6, 8; 6 => 7'"
	for _, ddl := range []string{
		"CREATE TABLE entry (record_type CHAR(1) POSITION(1:1), amount DECIMAL(10,2) POSITION(30:39) IMPLIED DECIMALS 2) WITH (" + opts + ", segment_filter = '6')",
		"CREATE TABLE anytype (record_type CHAR(1) POSITION(1:1), amount DECIMAL(10,2) POSITION(30:39) IMPLIED DECIMALS 2) WITH (" + opts + ", redefine_segment_id_map = 'amount => 6')",
	} {
		if _, err := runGolden(eng, &goldenRecord{sql: ddl}, t.TempDir()); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct{ sql, want, not string }{
		{"EXPLAIN SELECT count(*) FROM entry WHERE amount > 10", "columns [], record types record_type IN ('6'), pushed [amount > 10]", ""},
		{"EXPLAIN SELECT e._parent_rowid FROM entry e", "columns [_parent_rowid]", ""},
		{"EXPLAIN SELECT count(*) FROM anytype WHERE amount > 10", "Filter (amount > 10", "pushed [amount"},
		{"EXPLAIN SELECT count(*) FROM anytype WHERE record_type = '6'", "pushed [record_type = '6']", ""},
		{"EXPLAIN SELECT count(*) FROM '../testdata/ach/daily' WHERE amount > 10", "record types record_type IN ('6'), pushed [amount > 10]", ""},
	} {
		rows, err := runGolden(eng, &goldenRecord{sql: c.sql}, t.TempDir())
		if err != nil {
			t.Fatalf("%s: %v", c.sql, err)
		}
		plan := strings.Join(rows, "\n")
		if !strings.Contains(plan, c.want) || c.not != "" && strings.Contains(plan, c.not) {
			t.Errorf("%s: want %q (and not %q) in\n%s", c.sql, c.want, c.not, plan)
		}
	}
	// DESCRIBE's message says which types a table reads and their parents.
	for table, want := range map[string]string{
		"entry":   "record types 6 of record_type, parents 5 (_parent_rowid)",
		"anytype": "record types 1, 5, 9, 6, 8, 7 of record_type, parents 1, 5, 6 (_parent_rowid)",
	} {
		st, err := parser.ParseOne("DESCRIBE " + table)
		if err != nil {
			t.Fatal(err)
		}
		res, err := eng.Session().Run(context.Background(), st)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(res.Message, want) {
			t.Errorf("DESCRIBE %s: %q, want it to end with %q", table, res.Message, want)
		}
		res.Close()
	}
}

// TestParentJoinManyChunks: over an ACH file of several scan chunks
// (batches span chunk boundaries), entries per company through
// _parent_rowid agree with the totals computed while writing the file,
// under every golden configuration (worker counts, batch sizes, I/O
// strategies).
func TestParentJoinManyChunks(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 14))
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, "%-94s\n", fmt.Sprintf(format, args...)) }
	type total struct{ n, cents int64 }
	want := map[string]*total{}
	line("101 091000019 1234567890")
	for batch := 1; batch <= 400; batch++ {
		company := fmt.Sprintf("COMPANY %02d", r.IntN(12))
		if want[company] == nil {
			want[company] = &total{}
		}
		line("5220%-16s", company)
		for e := r.IntN(150); e > 0; e-- { // some batches have no entries
			cents := r.Int64N(1_000_000)
			line("622076401251%-17s%010d", "4417852201", cents)
			want[company].n++
			want[company].cents += cents
			if r.IntN(8) == 0 {
				line("705INFO")
			}
		}
		line("8220")
	}
	line("9%06d", 400)
	path := filepath.Join(t.TempDir(), "many.ach")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if b.Len() < 3<<20 {
		t.Fatalf("the file is %d bytes: too small to span several chunks", b.Len())
	}
	var wantRows []string
	for c, tot := range want {
		if tot.n > 0 {
			wantRows = append(wantRows, fmt.Sprintf("%s | %d | %s", c, tot.n, string(storage.AppendDecimal(nil, tot.cents, 2))))
		}
	}
	slices.Sort(wantRows)
	opts := fmt.Sprintf("file = '%s', format = 'text', segment_field = 'record_type', segment_children = '1 => 5, 9; 5 => 6, 8; 6 => 7'", path)
	ddl := []string{
		"CREATE TABLE ach_batch (record_type CHAR(1) POSITION(1:1), company_name CHAR(16) POSITION(5:20)) WITH (" + opts + ", segment_filter = '5')",
		"CREATE TABLE ach_entry (record_type CHAR(1) POSITION(1:1), amount DECIMAL(10,2) POSITION(30:39) IMPLIED DECIMALS 2) WITH (" + opts + ", segment_filter = '6')",
	}
	const q = "SELECT b.company_name, count(*), sum(e.amount) FROM ach_entry e JOIN ach_batch b ON e._parent_rowid = b._rowid GROUP BY 1 ORDER BY 1"
	for ci, cfg := range goldenConfigs {
		if testing.Short() && ci > 2 {
			break
		}
		mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
		eng, err := Open(Options{Settings: cfg.settings, Allocator: mem})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range ddl {
			if _, err := runGolden(eng, &goldenRecord{sql: d}, t.TempDir()); err != nil {
				t.Fatal(err)
			}
		}
		got, err := runGolden(eng, &goldenRecord{sql: q}, t.TempDir())
		if err != nil {
			t.Fatalf("%s: %v", cfg.name, err)
		}
		if !slices.Equal(got, wantRows) {
			t.Errorf("%s:\ngot  %q\nwant %q", cfg.name, got, wantRows)
		}
		eng.Close()
		mem.AssertSize(t, 0)
	}
}
