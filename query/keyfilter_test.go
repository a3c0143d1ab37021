package query

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow/memory"
)

// keyFilterCases are joins whose probe side reads lineitem.rec (2,000
// records; l_orderkey 1-7, 32-39, ...). filters is how many key filters
// EXPLAIN must show.
var keyFilterCases = []struct {
	name    string
	sql     string
	filters int
}{
	{"inner", `SELECT count(*), sum(l_quantity) FROM lineitem l JOIN (VALUES (CAST(1 AS BIGINT)), (3), (35), (99999)) v(k) ON l.l_orderkey = v.k`, 1},
	{"semi", `SELECT count(*), sum(l_extendedprice) FROM lineitem WHERE l_orderkey IN (SELECT k FROM (VALUES (CAST(2 AS BIGINT)), (7), (NULL)) v(k))`, 1},
	{"int32 key widened", `SELECT count(*) FROM lineitem l JOIN (VALUES (CAST(1 AS BIGINT)), (2)) v(k) ON l.l_linenumber = v.k`, 1},
	// prefilter_aggregates adds a semi join below the aggregate, which
	// filters too
	{"through an aggregate", `SELECT a.k, a.n FROM (SELECT l_orderkey AS k, count(*) AS n FROM lineitem GROUP BY 1) a JOIN (VALUES (CAST(1 AS BIGINT)), (3), (4)) v(k) ON a.k = v.k ORDER BY 1`, 2},
	{"through an inner join", `SELECT count(*) FROM lineitem a JOIN lineitem b ON a.l_orderkey = b.l_orderkey AND a.l_linenumber = b.l_linenumber JOIN (VALUES (CAST(5 AS BIGINT))) v(k) ON a.l_partkey = v.k OR TRUE AND a.l_orderkey = v.k`, -1},
	{"preserved side of a left join", `SELECT count(*), count(v2.x) FROM lineitem l LEFT JOIN (VALUES (CAST(1 AS BIGINT), 'x')) v2(k, x) ON l.l_orderkey = v2.k JOIN (VALUES (CAST(1 AS BIGINT)), (2)) v(k) ON l.l_orderkey = v.k`, -1},
	// the left join hashes w and probes with lineitem, whose rows
	// without a match it drops
	{"probing the null-supplying side of a left join", `SELECT count(*), count(l.l_orderkey) FROM (VALUES (CAST(1 AS BIGINT)), (99999)) w(k) LEFT JOIN lineitem l ON l.l_orderkey = w.k`, 1},
	// but below a join, the NULL-supplying side is not filtered
	{"null-supplying side below a join", `SELECT count(*), count(x.lk) FROM (SELECT w.k, l.l_orderkey AS lk FROM (VALUES (CAST(1 AS BIGINT)), (2), (99999)) w(k) LEFT JOIN lineitem l ON l.l_orderkey = w.k AND l.l_linenumber = 1) x JOIN (VALUES (CAST(1 AS BIGINT))) v(k) ON x.k = v.k`, -1},
	{"anti", `SELECT count(*) FROM lineitem WHERE l_orderkey NOT IN (SELECT k FROM (VALUES (CAST(2 AS BIGINT)), (7)) v(k))`, 0},
	{"below a limit", `SELECT count(*) FROM (SELECT l_orderkey FROM lineitem LIMIT 10) l JOIN (VALUES (CAST(1 AS BIGINT)), (2)) v(k) ON l.l_orderkey = v.k`, 0},
	{"below a window", `SELECT count(*), sum(rn) FROM (SELECT l_orderkey, row_number() OVER (ORDER BY l_orderkey, l_linenumber) AS rn FROM lineitem) l JOIN (VALUES (CAST(3 AS BIGINT))) v(k) ON l.l_orderkey = v.k`, 0},
	{"text integer key", `SELECT p.id, p.name, v.x FROM people p JOIN (VALUES (CAST(1 AS BIGINT), 'a'), (3, 'b'), (12, 'c'), (40, 'd')) v(k, x) ON p.id = v.k ORDER BY 1`, 1},
	{"nullable text integer key", `SELECT count(*), sum(p.id) FROM people p JOIN (VALUES (CAST(30 AS SMALLINT)), (41)) v(a) ON p.age = v.a`, 1},
	{"a table of several files", `SELECT id, name, age FROM '../testdata/multi/people' p JOIN (VALUES (CAST(1 AS BIGINT)), (4), (7), (99)) v(k) ON p.id = v.k ORDER BY 1`, 1},
	{"CHAR key", `SELECT count(*) FROM lineitem l JOIN (VALUES ('AIR')) v(m) ON l.l_shipmode = v.m`, 0},
}

// TestJoinKeyFilters checks where join_key_filters puts key filters, and
// that every query gives the same rows with and without them, under
// several worker counts and batch sizes.
func TestJoinKeyFilters(t *testing.T) {
	configs := []Settings{{Workers: 1, BatchSize: 1024}, {Workers: 2, BatchSize: 64}, {Workers: 3, BatchSize: 7}}
	for _, cfg := range configs {
		mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
		on, err := Open(Options{DataDir: "../testdata", Settings: cfg, Allocator: mem})
		if err != nil {
			t.Fatal(err)
		}
		off, err := Open(Options{DataDir: "../testdata", Settings: cfg, Allocator: mem, DisabledPasses: []string{"join_key_filters"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range keyFilterCases {
			what := fmt.Sprintf("%s (workers %d, batch %d)", c.name, cfg.Workers, cfg.BatchSize)
			plan := strings.Join(queryRows(t, on, "EXPLAIN "+c.sql), "\n")
			if n := strings.Count(plan, "key filter ["); c.filters >= 0 && n != c.filters {
				t.Errorf("%s: %d key filters, want %d:\n%s", what, n, c.filters, plan)
			}
			got, want := queryRows(t, on, c.sql), queryRows(t, off, c.sql)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("%s: with key filters\n%s\nwithout\n%s", what, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		}
		on.Close()
		off.Close()
		mem.AssertSize(t, 0)
	}
}

// TestJoinKeyFilterCount checks that EXPLAIN ANALYZE counts the records
// key filters ruled out.
func TestJoinKeyFilterCount(t *testing.T) {
	eng, _ := testEngine(t, Settings{Workers: 2, BatchSize: 100})
	plan := strings.Join(queryRows(t, eng, "EXPLAIN ANALYZE "+keyFilterCases[0].sql), "\n")
	m := regexp.MustCompile(`ruled out by join key filters: (\d+)`).FindStringSubmatch(plan)
	if m == nil {
		t.Fatalf("EXPLAIN ANALYZE does not count the records key filters ruled out:\n%s", plan)
	}
	// orders 1, 3 and 35 have at most 7 lines each: nearly all of the
	// 2,000 records are ruled out (the first batch of each partition may
	// be read before the build side's keys are published)
	if n, _ := strconv.Atoi(m[1]); n < 1000 {
		t.Errorf("key filters ruled out %d records, want most of 2,000:\n%s", n, plan)
	}
}
