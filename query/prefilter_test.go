package query

import (
	"regexp"
	"strings"
	"testing"
)

// semiUnderAggregate matches a plan line of a grouped aggregate directly
// over a semi join: what prefilter_aggregates builds.
var semiUnderAggregate = regexp.MustCompile(`Aggregate group by \[[^\]]+\].*\n\s*Join SEMI`)

// TestPrefilterAggregates checks where prefilter_aggregates applies and
// that it never changes an answer: each query runs with the pass and
// without it (TPC-H at scale 0.01: part has 2,000 records, lineitem
// about 60,000).
func TestPrefilterAggregates(t *testing.T) {
	on, off := tpchEngine(t), tpchEngine(t, "prefilter_aggregates")
	perPart := "(SELECT l_partkey, count(*) AS n, sum(l_quantity) AS q FROM lineitem GROUP BY l_partkey)"
	for _, c := range []struct {
		name, sql string
		applies   bool
	}{
		{"correlated avg (Q17 shape)", `SELECT sum(l_extendedprice) FROM lineitem, part WHERE p_partkey = l_partkey AND p_brand = 'Brand#23'
			AND l_quantity < (SELECT 0.2 * avg(l_quantity) FROM lineitem WHERE l_partkey = p_partkey)`, true},
		{"inner join, aggregate on the right", "SELECT p_partkey, a.n, a.q FROM part JOIN " + perPart + " a ON a.l_partkey = p_partkey WHERE p_size < 5 ORDER BY 1", true},
		{"inner join, aggregate on the left", "SELECT p_partkey, a.n FROM " + perPart + " a JOIN part ON a.l_partkey = p_partkey WHERE p_size < 5 ORDER BY 1", true},
		{"left join keeps the part rows", "SELECT p_partkey, a.n FROM part LEFT JOIN " + perPart + " a ON a.l_partkey = p_partkey WHERE p_size < 5 ORDER BY 1", true},
		{"semi join (IN)", "SELECT count(*), sum(q) FROM " + perPart + " a WHERE l_partkey IN (SELECT p_partkey FROM part WHERE p_size = 7)", true},
		{"widened key", "SELECT count(*) FROM part JOIN (SELECT l_linenumber, count(*) AS n FROM lineitem GROUP BY 1) a ON a.l_linenumber = p_partkey WHERE p_size < 3", true},
		// The aggregate's unmatched rows are in the result: no prefilter.
		{"left join preserving the aggregate", "SELECT a.l_partkey, a.n, p_size FROM " + perPart + " a LEFT JOIN part ON a.l_partkey = p_partkey AND p_size < 5 ORDER BY 1", false},
		{"full join", "SELECT count(*), count(p_partkey) FROM " + perPart + " a FULL JOIN (SELECT * FROM part WHERE p_size < 5) p ON a.l_partkey = p_partkey", false},
		{"anti join (NOT EXISTS)", "SELECT count(*) FROM " + perPart + " a WHERE NOT EXISTS (SELECT 1 FROM part WHERE p_partkey = a.l_partkey AND p_size < 5)", false},
		{"NOT IN keeps NULL semantics", "SELECT count(*) FROM part WHERE p_size < 5 AND p_partkey NOT IN (SELECT l_partkey FROM lineitem GROUP BY 1)", false},
		// The key is an aggregate result, not a group column.
		{"join on an aggregate", "SELECT count(*) FROM part JOIN " + perPart + " a ON a.n = p_partkey WHERE p_size < 5", false},
		// Not worth it: the other input reads as much as the aggregate's.
		{"other side as large", "SELECT count(*) FROM lineitem l JOIN " + perPart + " a ON a.l_partkey = l.l_partkey WHERE l.l_quantity < 3", false},
		// Run twice, a sample would be a different sample.
		{"volatile other side", "SELECT count(*) FROM (SELECT * FROM part WHERE random() < 2 AND p_size < 5) p JOIN " + perPart + " a ON a.l_partkey = p_partkey", false},
		{"sampled other side", "SELECT count(*) FROM part USING SAMPLE 10 PERCENT JOIN " + perPart + " a ON a.l_partkey = p_partkey", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			plan := logicalPlan(t, on, c.sql)
			if got := semiUnderAggregate.MatchString(plan); got != c.applies {
				t.Errorf("prefiltered: %v, want %v\n%s", got, c.applies, plan)
			}
			if plan := logicalPlan(t, off, c.sql); semiUnderAggregate.MatchString(plan) {
				t.Fatalf("with the pass off the plan has the semi join:\n%s", plan)
			}
			if strings.Contains(c.sql, "SAMPLE") {
				return // two engines draw the same sample only by seed; the plan is the point
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
