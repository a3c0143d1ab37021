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
