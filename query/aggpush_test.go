package query

import (
	"context"
	"strings"
	"testing"
)

// TestAggregatePushdownAgrees runs aggregations the scan can compute
// itself with and without the pushdown_aggregate pass, under several
// worker counts: the answers (and errors) must be identical, and the plan
// must show when the scan aggregated.
func TestAggregatePushdownAgrees(t *testing.T) {
	cases := []struct {
		sql    string
		pushed bool
	}{
		{"SELECT count(*) FROM lineitem", true},
		{"SELECT count(*), sum(l_quantity), avg(l_extendedprice) FROM lineitem WHERE l_quantity < 0", true},
		{"SELECT l_returnflag, l_linestatus, sum(l_quantity), sum(l_extendedprice * (1 - l_discount)), sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)), avg(l_discount), count(*) FROM lineitem WHERE l_shipdate <= DATE '1998-09-02' GROUP BY 1, 2 ORDER BY 1, 2", true},
		{"SELECT sum(l_extendedprice * l_discount) FROM lineitem WHERE l_discount BETWEEN 0.05 AND 0.07 AND l_quantity < 24", true},
		{"SELECT l_linenumber, count(l_orderkey), sum(l_orderkey - 1000), avg(l_linenumber * 2 + 1) FROM lineitem GROUP BY 1 ORDER BY 1", true},
		{"SELECT l_shipdate, sum(l_tax - 0.015) FROM lineitem WHERE l_orderkey < 40 GROUP BY 1 ORDER BY 1", true},
		{"SELECT l_returnflag, sum(l_quantity) AS q FROM lineitem GROUP BY 1 HAVING sum(l_quantity) > 12000 ORDER BY q DESC", true},
		{"SELECT ok, code, count(*), sum(battery), sum(level), avg(code - 1) FROM sensors GROUP BY ok, code ORDER BY 1, 2 LIMIT 5", true},
		{"SELECT sensor_id, sum(level * 2) FROM sensors GROUP BY 1 ORDER BY 1", true},
		// Not pushed: CHAR key longer than 8 bytes, nullable values, DISTINCT, min, text file.
		{"SELECT l_shipinstruct, count(*) FROM lineitem GROUP BY 1 ORDER BY 1", false},
		{"SELECT sum(delta) FROM sensors", false},
		{"SELECT count(DISTINCT l_partkey) FROM lineitem", false},
		{"SELECT min(l_quantity) FROM lineitem", false},
		{"SELECT l_returnflag, sum(l_quantity) FROM lineitem_txt GROUP BY 1 ORDER BY 1", false},
		// Values beyond 64 bits: the scan falls back; the general plan decides.
		{"SELECT sum(level * level) FROM sensors", true},
		{"SELECT sum(level * level * level) FROM sensors", true},
	}
	for _, workers := range []int{1, 3} {
		on, _ := testEngine(t, Settings{Workers: workers})
		offEng, err := Open(Options{DataDir: "../testdata", Settings: Settings{Workers: workers}, DisabledPasses: []string{"pushdown_aggregate"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			got, gerr := tryRows(on, c.sql)
			want, werr := tryRows(offEng, c.sql)
			if (gerr == nil) != (werr == nil) || (gerr != nil && gerr.Error() != werr.Error()) {
				t.Errorf("%s: pushdown error %v, general error %v", c.sql, gerr, werr)
				continue
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("workers=%d %s:\npushdown\n%s\ngeneral\n%s", workers, c.sql, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			plan, err := on.Explain(context.Background(), c.sql)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(plan, "partial aggregate") != c.pushed {
				t.Errorf("%s: pushed=%v, plan:\n%s", c.sql, !c.pushed, plan)
			}
		}
		offEng.Close()
	}
}

func tryRows(eng *Engine, sql string) ([]string, error) {
	res, err := eng.Query(context.Background(), sql)
	if err != nil {
		return nil, err
	}
	rows := renderRows(res)
	return rows, res.Close()
}
