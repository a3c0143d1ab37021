package query

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestCTEMaterializeRule checks which CTEs are materialized: explicitly,
// or by default when one groups and is referenced more than once.
func TestCTEMaterializeRule(t *testing.T) {
	eng, _ := testEngine(t, Settings{Workers: 2})
	for _, tc := range []struct {
		sql  string
		want int // materialized CTEs
	}{
		{`WITH t AS (SELECT age, count(*) AS n FROM people GROUP BY age) SELECT * FROM t a JOIN t b ON a.n = b.n`, 1},
		{`WITH t AS (SELECT age, count(*) AS n FROM people GROUP BY age) SELECT * FROM t`, 0},
		{`WITH t AS (SELECT DISTINCT city FROM people) SELECT * FROM t WHERE city IN (SELECT city FROM t)`, 1},
		{`WITH t AS (SELECT id, age FROM people) SELECT * FROM t a JOIN t b ON a.id = b.id`, 0},
		{`WITH t AS MATERIALIZED (SELECT id, age FROM people) SELECT * FROM t`, 1},
		{`WITH t AS NOT MATERIALIZED (SELECT age, count(*) AS n FROM people GROUP BY age) SELECT * FROM t a JOIN t b ON a.n = b.n`, 0},
		// a reference inside another CTE's body counts
		{`WITH t AS (SELECT age, count(*) AS n FROM people GROUP BY age), u AS (SELECT max(n) AS m FROM t) SELECT * FROM t, u WHERE t.n = u.m`, 1},
		// a CTE of a set operation's WITH
		{`WITH t AS (SELECT age FROM people GROUP BY age) SELECT age FROM t UNION SELECT age + 1 FROM t`, 1},
	} {
		plan := strings.Join(queryRows(t, eng, "EXPLAIN "+tc.sql), "\n")
		if got := strings.Count(plan, ", materialized), computed first"); got != tc.want {
			t.Errorf("%s: %d materialized, want %d:\n%s", tc.sql, got, tc.want, plan)
		}
	}
}

// A prepared statement with a materialized CTE computes it again at each
// execution, from that execution's parameters, as the inlined CTE does,
// and frees the rows (the checked allocator of testEngine).
func TestCTEMaterializePrepared(t *testing.T) {
	eng, _ := testEngine(t, Settings{Workers: 2, BatchSize: 3})
	const sql = `WITH t AS %s (SELECT city, count(*) AS n FROM people WHERE age > ? GROUP BY city)
		SELECT sum(n), (SELECT count(*) FROM t) FROM t`
	mat, err := eng.Prepare(fmt.Sprintf(sql, "MATERIALIZED"))
	if err != nil {
		t.Fatal(err)
	}
	inline, err := eng.Prepare(fmt.Sprintf(sql, "NOT MATERIALIZED"))
	if err != nil {
		t.Fatal(err)
	}
	run := func(st *Stmt, age int) string {
		res, err := st.Query(context.Background(), age)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Close()
		return strings.Join(renderRows(res), ",")
	}
	seen := map[string]bool{}
	for _, age := range []int{0, 40, 0, 1000} {
		got, want := run(mat, age), run(inline, age)
		if got != want {
			t.Errorf("age > %d: %s, want %s", age, got, want)
		}
		seen[got] = true
	}
	if len(seen) != 3 {
		t.Errorf("the parameter did not change the result: %v", seen)
	}
}

// In a distributed plan a materialized CTE is computed by every fragment,
// like an uncorrelated subquery: over another table it runs and gives the
// single-node rows; over the table being split it is refused.
func TestCTEMaterializeDistributed(t *testing.T) {
	eng, _ := testEngine(t, Settings{Workers: 2, BatchSize: 50})
	over := `WITH c AS MATERIALIZED (SELECT city, count(*) AS n FROM people GROUP BY city)
		SELECT l_linenumber, count(*) FROM lineitem, c WHERE c.n = l_linenumber GROUP BY 1 ORDER BY 1`
	want := strings.Join(queryRows(t, eng, over), ",")
	got, err := runGoldenDistributed(eng, over)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != want || want == "" {
		t.Errorf("distributed: %v, want %s", got, want)
	}
	split := `WITH c AS MATERIALIZED (SELECT l_linenumber AS k, count(*) AS n FROM lineitem GROUP BY 1)
		SELECT count(*) FROM lineitem, c WHERE c.k = l_linenumber`
	if _, err := runGoldenDistributed(eng, split); !errors.Is(err, ErrNotDistributable) || !strings.Contains(err.Error(), "subquery reads lineitem") {
		t.Errorf("a materialized CTE over the split table: %v", err)
	}
}

// A materialized CTE's rows count against memory_limit (a statement's
// budget); the batches are freed when it ends (testEngine's checked
// allocator).
func TestCTEMaterializeMemoryLimit(t *testing.T) {
	eng, _ := testEngine(t, Settings{Workers: 2, MemoryLimit: 64 << 10})
	big := `WITH t AS MATERIALIZED (SELECT l_orderkey, l_linenumber, l_comment FROM lineitem) SELECT count(*) FROM t`
	_, err := eng.Query(context.Background(), big)
	if err == nil || !strings.Contains(err.Error(), "the rows of WITH t (materialized) needs more than the 64.0 KiB memory limit") {
		t.Fatalf("got %v", err)
	}
	small := `WITH t AS MATERIALIZED (SELECT l_linenumber, count(*) AS n FROM lineitem GROUP BY 1) SELECT sum(n) FROM t`
	for i := 0; i < 3; i++ {
		if got := strings.Join(queryRows(t, eng, small), ","); got != "2000" {
			t.Fatalf("run %d: %s", i, got)
		}
	}
}
