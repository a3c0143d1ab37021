package difftest

import (
	"strings"
	"testing"
	"time"
)

// FuzzDifferential fuzzes whole queries over small random files: the
// input seeds the tables (t with up to 40 rows, p with up to 20, q with
// up to 9, z empty) and one generated query, joins, subqueries and set
// operations included, which must give SQLite's answer (or fail in both).
// sql, when not empty, is also run in recq over the same tables, and must
// neither panic nor fail with an internal error; its answer is not
// compared, because arbitrary text meets the dialect differences the
// generator avoids (integer division, NULL order, ...). Either taking
// more than 10 s over tables this small counts as a hang.
func FuzzDifferential(f *testing.F) {
	f.Add(uint64(1), uint8(20), uint8(5), uint64(0), "")
	f.Add(uint64(2), uint8(0), uint8(7), uint64(3), "SELECT * FROM t FULL JOIN p USING (k)")
	f.Add(uint64(3), uint8(39), uint8(0), uint64(5), "SELECT k FROM t WHERE k NOT IN (SELECT k FROM p) EXCEPT SELECT k FROM q")
	f.Add(uint64(4), uint8(9), uint8(19), uint64(11),
		"SELECT t.id, (SELECT count(*) FROM p WHERE p.k = t.k) FROM t WHERE EXISTS (SELECT 1 FROM q WHERE q.g = t.g)")
	f.Add(uint64(5), uint8(12), uint8(3), uint64(17),
		"WITH c(a, b) AS (VALUES (1, 'a'), (NULL, 'b')) SELECT * FROM c NATURAL JOIN (SELECT k AS a, g AS b FROM p) d")
	f.Fuzz(func(t *testing.T, dataSeed uint64, tRows, pRows uint8, querySeed uint64, sql string) {
		sz := sizes{t: int(tRows % 41), p: int(pRows % 21), q: int(pRows/21) % 10}
		h := newHarness(t, t.TempDir(), dataSeed, sz)
		defer h.close(t)
		q := h.queryAt(querySeed, 0)
		start := time.Now()
		res := h.run(q)
		if d := time.Since(start); d > 10*time.Second {
			t.Fatalf("a query over at most 40 rows took %v (a hang?):\nrecq:   %s\nSQLite: %s", d, q.r, q.s)
		}
		if res.out == mismatch {
			t.Fatalf("MISMATCH data seed %d %s query seed %d [%s]\nrecq:   %s\nSQLite: %s\n%s",
				dataSeed, sz, querySeed, engineConfigs[q.cfg].name, q.r, q.s, res.report)
		}
		if sql == "" {
			return
		}
		start = time.Now()
		_, err := runRecq(h.engines[querySeed%uint64(len(h.engines))], sql)
		if err != nil && strings.Contains(err.Error(), "internal error") {
			t.Fatalf("%s: %v", sql, err)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Fatalf("%s over at most 40 rows took %v (a hang?)", sql, d)
		}
	})
}
