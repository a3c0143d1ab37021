package query

import (
	"regexp"
	"strings"
	"testing"
)

// semiBuildLeft matches a semi or anti join that hashes its left input.
var semiBuildLeft = regexp.MustCompile(`Join (SEMI|ANTI)[^\n]*\(build left\)`)

// TestSemiJoinBuildSide checks that choose_build_side hashes the outer
// rows of a semi or anti join when they are the fewer (the executor's
// RIGHT SEMI and RIGHT ANTI joins), keeps the inner side otherwise, and
// that the answers equal those with the pass turned off.
func TestSemiJoinBuildSide(t *testing.T) {
	on, off := tpchEngine(t), tpchEngine(t, "choose_build_side")
	for _, c := range []struct {
		name, sql string
		buildLeft bool
	}{
		{"EXISTS, few outer rows (Q4 shape)", `SELECT o_orderpriority, count(*) FROM orders WHERE o_orderdate >= DATE '1993-07-01' AND o_orderdate < DATE '1993-08-01'
			AND EXISTS (SELECT 1 FROM lineitem WHERE l_orderkey = o_orderkey AND l_commitdate < l_receiptdate) GROUP BY 1 ORDER BY 1`, true},
		{"IN, few outer rows", "SELECT p_partkey FROM part WHERE p_size = 7 AND p_partkey IN (SELECT l_partkey FROM lineitem WHERE l_quantity > 40) ORDER BY 1", true},
		{"NOT EXISTS, few outer rows", "SELECT p_partkey FROM part WHERE p_size = 7 AND NOT EXISTS (SELECT 1 FROM lineitem WHERE l_partkey = p_partkey AND l_quantity > 45) ORDER BY 1", true},
		{"IN, many outer rows", "SELECT count(*) FROM lineitem WHERE l_partkey IN (SELECT p_partkey FROM part WHERE p_size = 7)", false},
		{"NOT EXISTS, many outer rows", "SELECT count(*) FROM lineitem WHERE NOT EXISTS (SELECT 1 FROM part WHERE p_partkey = l_partkey AND p_size = 7)", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			plan := logicalPlan(t, on, c.sql)
			if got := semiBuildLeft.MatchString(plan); got != c.buildLeft {
				t.Errorf("build left: %v, want %v\n%s", got, c.buildLeft, plan)
			}
			got, want := queryRows(t, on, c.sql), queryRows(t, off, c.sql)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("answers differ:\n got %v\nwant %v", got, want)
			}
			if len(want) == 0 {
				t.Errorf("no rows: the case tests nothing")
			}
		})
	}
}
