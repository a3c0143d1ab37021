package query

import (
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow/memory"
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
}
