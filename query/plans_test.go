package query

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

// Plan shapes of TPC-H queries that a pass must produce: each checked
// against the plan with the pass (or the rule) that makes it.
func TestTPCHPlanShapes(t *testing.T) {
	eng := tpchEngine(t)
	for _, c := range []struct {
		q    int
		want []string
		why  string
	}{
		{5, []string{"Scan orders [o_orderkey, o_custkey] pushed [o_orderdate >= DATE '1994-01-01' AND o_orderdate < DATE '1995-01-01']"},
			"DATE + INTERVAL folds to a constant that cannot fail, so the bound goes below the joins into the scan"},
		{7, []string{"Filter ((n_name = 'FRANCE') OR (n_name = 'GERMANY'))", "Filter ((n_name = 'GERMANY') OR (n_name = 'FRANCE'))"},
			"the OR over both nations implies a condition on each nation alone"},
		{20, []string{"Filter (CAST(ps_availqty AS DECIMAL(38,3)) > (0.5 * sum(l_quantity)))"},
			"the correlated comparison inside the IN subquery filters its rows"},
		{22, []string{"pushed [(c_phone LIKE '13%' OR c_phone LIKE '31%' OR c_phone LIKE '23%'"},
			"substring(c_phone, 1, 2) IN (...) cannot fail, goes below the anti join, and tests prefixes on raw bytes"},
		{17, []string{"Aggregate group by [l_partkey] aggregates [avg(l_quantity)]\nJoin SEMI on l_partkey = p_partkey"},
			"prefilter_aggregates: the per-part average is computed only for the parts the query asks about"},
		{20, []string{"Aggregate group by [l_partkey, l_suppkey] aggregates [sum(l_quantity)]\nJoin SEMI on l_partkey = ps_partkey AND l_suppkey = ps_suppkey"},
			"prefilter_aggregates: the per-part-and-supplier sum is computed only for the forest parts' suppliers"},
	} {
		text, err := os.ReadFile(fmt.Sprintf("../testdata/tpch/q%02d.sql", c.q))
		if err != nil {
			t.Fatal(err)
		}
		plan := logicalPlan(t, eng, string(text))
		flat := regexp.MustCompile(`\n\s*`).ReplaceAllString(plan, "\n") // lines without their indent
		for _, w := range c.want {
			if !strings.Contains(flat, w) {
				t.Errorf("Q%d: %s; the plan lacks %q:\n%s", c.q, c.why, w, plan)
			}
		}
	}
}

// TestSubstringPrefixPushdown: substring(col, 1, n) compared with
// constants of n ASCII characters becomes a prefix test in the scan and
// selects what the expression selects; other forms stay filters.
func TestSubstringPrefixPushdown(t *testing.T) {
	eng, _ := testEngine(t, Settings{Workers: 2})
	for _, c := range []struct {
		where, same string
		pushed      bool
	}{
		{"substring(l_shipmode, 1, 2) IN ('MA', 'TR', 'RE')", "l_shipmode LIKE 'MA%' OR l_shipmode LIKE 'TR%' OR l_shipmode LIKE 'RE%'", true},
		{"substr(l_shipmode, 1, 3) = 'AIR'", "l_shipmode LIKE 'AIR%'", true},
		{"'FOB' = substring(l_shipmode, 1, 3)", "l_shipmode = 'FOB'", true},
		{"substring(l_shipmode, 1, 2) = 'M'", "false", false},                   // shorter than n: never equal
		{"substring(l_shipmode, 2, 2) = 'AI'", "l_shipmode LIKE '_AI%'", false}, // not from the start
		{"substring(l_shipmode, 1, 2) NOT IN ('MA', 'TR')", "NOT (l_shipmode LIKE 'MA%' OR l_shipmode LIKE 'TR%')", false},
	} {
		q := "SELECT count(*) FROM lineitem WHERE " + c.where
		got, want := queryRows(t, eng, q), queryRows(t, eng, "SELECT count(*) FROM lineitem WHERE "+c.same)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: %v, want %v", c.where, got, want)
		}
		plan := logicalPlan(t, eng, q)
		if pushed := strings.Contains(plan, "pushed [") && !strings.Contains(plan, "Filter"); pushed != c.pushed {
			t.Errorf("%s: pushed %v, want %v:\n%s", c.where, pushed, c.pushed, plan)
		}
	}
}
