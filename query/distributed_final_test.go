package query

import (
	"context"
	"testing"
)

// TestLeavesFinal: only plans whose root fragment passes the leaves'
// rows through unchanged say their leaves are final.
func TestLeavesFinal(t *testing.T) {
	eng, err := Open(Options{DataDir: "../testdata"})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	for _, tc := range []struct {
		sql   string
		final bool
	}{
		{"SELECT l_orderkey, l_quantity FROM lineitem WHERE l_quantity > 40", true},
		{"SELECT l_orderkey * 2 AS k FROM lineitem", true},
		{"SELECT l_returnflag, count(*) FROM lineitem GROUP BY 1", false},
		{"SELECT count(*) FROM lineitem", false},
		{"SELECT DISTINCT l_returnflag FROM lineitem", false},
		{"SELECT l_orderkey FROM lineitem ORDER BY l_orderkey", false},
		{"SELECT l_orderkey FROM lineitem LIMIT 5", false},
	} {
		p, err := eng.PlanDistributed(context.Background(), tc.sql, DistributeOptions{})
		if err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		if got := p.LeavesFinal(); got != tc.final {
			t.Errorf("%s: LeavesFinal() = %v, want %v", tc.sql, got, tc.final)
		}
	}
}
