package query

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// distGen draws random queries over the distributed-test tables (see
// distFixture) that decompose: grouped and global aggregations with
// HAVING, ORDER BY and LIMIT, plain scans with and without ORDER BY and
// LIMIT, DISTINCT, and joins with the small table dim.
type distGen struct{ r *rand.Rand }

func (g *distGen) pick(xs ...string) string { return xs[g.r.IntN(len(xs))] }

func (g *distGen) table() string { return g.pick("dt", "parts") }

// where is zero to two conditions, pushed down or not, some of them
// selective on id so that block min/max prunes whole blocks.
func (g *distGen) where() string {
	pool := []func() string{
		func() string { return fmt.Sprintf("id < %d", g.r.IntN(distRows+200)) },
		func() string { return fmt.Sprintf("id >= %d", g.r.IntN(distRows+200)) },
		func() string {
			a := g.r.IntN(distRows)
			return fmt.Sprintf("id BETWEEN %d AND %d", a, a+g.r.IntN(900))
		},
		func() string { return fmt.Sprintf("g = %d", g.r.IntN(8)) },
		func() string { return fmt.Sprintf("h = '%s'", g.pick("ant", "bee", "cat", "dog", "eel")) },
		func() string { return "h IS NULL" },
		func() string { return fmt.Sprintf("i > %d", g.r.IntN(20000)-10000) },
		func() string { return fmt.Sprintf("i + 0 < %d", g.r.IntN(20000)-10000) },
		func() string { return fmt.Sprintf("d < %d.5", g.r.IntN(2000)-1000) },
		func() string { return "f IS NOT NULL" },
		func() string { return fmt.Sprintf("dt >= DATE '2020-%02d-01'", 1+g.r.IntN(12)) },
		func() string { return "b" },
		func() string { return "NOT b" },
	}
	var conds []string
	for range g.r.IntN(3) {
		conds = append(conds, pool[g.r.IntN(len(pool))]())
	}
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}

var distAggs = []string{
	"count(*)", "count(h)", "sum(i)", "avg(i)", "sum(d)", "avg(d)", "sum(f)", "avg(f)",
	"min(i)", "max(i)", "min(d)", "max(h)", "min(dt)", "max(f)", "min(b)",
	"var_samp(f)", "var_pop(i)", "stddev_samp(d)", "stddev_pop(f)",
	"bool_and(b)", "bool_or(b)", "count_if(b)", "sum(i) FILTER (WHERE g > 2)", "avg(i * 2 + 1)", "max(id)",
}

func (g *distGen) aggs() []string {
	n := 1 + g.r.IntN(4)
	out := make([]string, n)
	for k := range out {
		out[k] = fmt.Sprintf("%s AS a%d", distAggs[g.r.IntN(len(distAggs))], k)
	}
	return out
}

func (g *distGen) limit() string {
	switch g.r.IntN(4) {
	case 0:
		return fmt.Sprintf(" LIMIT %d", g.r.IntN(12))
	case 1:
		return fmt.Sprintf(" LIMIT %d OFFSET %d", 1+g.r.IntN(12), g.r.IntN(8))
	}
	return ""
}

// query returns a query and whether its rows come in a defined order.
func (g *distGen) query() (string, bool) {
	t := g.table()
	switch k := g.r.IntN(20); {
	case k < 9: // grouped aggregation
		keys := []string{"g", "h", "b", "dt", "g % 3"}
		g.r.Shuffle(len(keys), func(a, b int) { keys[a], keys[b] = keys[b], keys[a] })
		keys = keys[:1+g.r.IntN(2)]
		var items, order []string
		for k, key := range keys {
			items = append(items, fmt.Sprintf("%s AS k%d", key, k))
			dir := g.pick("", " DESC", " NULLS FIRST")
			order = append(order, fmt.Sprintf("k%d%s", k, dir))
		}
		sql := fmt.Sprintf("SELECT %s, %s FROM %s%s GROUP BY %s", strings.Join(items, ", "), strings.Join(g.aggs(), ", "),
			t, g.where(), strings.Join(keys, ", "))
		if g.r.IntN(2) == 0 {
			sql += g.pick(" HAVING count(*) > 40", " HAVING sum(i) > 0", " HAVING min(id) < 1500")
		}
		if g.r.IntN(3) == 0 {
			return sql, false
		}
		return sql + " ORDER BY " + strings.Join(order, ", ") + g.limit(), true
	case k < 12: // global aggregation
		return fmt.Sprintf("SELECT %s FROM %s%s", strings.Join(g.aggs(), ", "), t, g.where()), true
	case k < 16: // plain scan
		cols := []string{"id", g.pick("h", "i"), g.pick("d", "f", "dt", "b")}
		sql := fmt.Sprintf("SELECT %s FROM %s%s", strings.Join(cols, ", "), t, g.where())
		switch g.r.IntN(4) {
		case 0:
			return sql, true // file order
		case 1:
			return sql + fmt.Sprintf(" LIMIT %d", g.r.IntN(30)), true // the first rows in file order
		case 2:
			return sql + " ORDER BY id DESC" + g.limit(), true
		}
		return sql + fmt.Sprintf(" ORDER BY %s NULLS FIRST, id LIMIT %d", cols[1], 1+g.r.IntN(25)), true
	case k < 17:
		return fmt.Sprintf("SELECT DISTINCT g, h FROM %s%s", t, g.where()), false
	case k < 19: // a join with a small table, broadcast to every leaf
		return fmt.Sprintf("SELECT label, count(*) AS n, sum(i) AS s, avg(f) AS a FROM %s JOIN dim USING (g)%s GROUP BY label ORDER BY label", t, g.where()), true
	}
	return fmt.Sprintf("SELECT id, label FROM %s LEFT JOIN dim USING (g)%s ORDER BY id LIMIT %d", t, g.where(), 1+g.r.IntN(40)), true
}

// cutAnywhere cuts splits at random records (not at block boundaries).
func cutAnywhere(r *rand.Rand, in []Split) []Split {
	var out []Split
	for _, s := range in {
		total := s.Rows()
		var cuts []int64
		for range r.IntN(4) {
			if total > 1 {
				cuts = append(cuts, 1+r.Int64N(total-1))
			}
		}
		slices.Sort(cuts)
		cuts = append(slices.Compact(cuts), total)
		var at int64 // records of s before the current range
		cur := s
		cur.Ranges, cur.Align = nil, "none"
		for _, rg := range s.Ranges {
			for lo := rg.Start; lo < rg.End; {
				hi := min(rg.End, lo+cuts[0]-at)
				cur.Ranges = append(cur.Ranges, RecordRange{lo, hi})
				at += hi - lo
				lo = hi
				if at == cuts[0] {
					out = append(out, cur)
					cur.Ranges = nil
					cuts = cuts[1:]
				}
			}
		}
	}
	return out
}

// TestDistributedProperty: for random queries and random sets of splits
// (block-aligned ones of random sizes, and ones cut at any record), the
// merged result equals the single-node result (floats within 1e-9).
func TestDistributedProperty(t *testing.T) {
	n := 150
	if testing.Short() {
		n = 40
	}
	dir := distFixture(t)
	seed := uint64(rand.Int64())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 3))
	g := &distGen{r: r}
	engines := []*Engine{distEngine(t, dir, 1), distEngine(t, dir, 3)}
	ctx := context.Background()
	for q := 0; q < n; q++ {
		sql, ordered := g.query()
		eng := engines[q%len(engines)]
		want := singleNode(t, eng, sql)
		opts := DistributeOptions{SplitBytes: []int64{1, 500, 3000, 20000, 1 << 30}[r.IntN(5)]}
		p, err := eng.PlanDistributed(ctx, sql, opts)
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		aligned, err := p.Splits(ctx)
		if err != nil {
			t.Fatalf("%s: splits: %v", sql, err)
		}
		for _, set := range [][]Split{aligned, cutAnywhere(r, aligned)} {
			if !p.ordered {
				// without a file order to keep, the leaves may come in any order
				r.Shuffle(len(set), func(a, b int) { set[a], set[b] = set[b], set[a] })
			}
			got := runDistributed(t, p, set)
			w := want
			if !ordered {
				w = slices.Clone(want)
				sortRows(got)
				sortRows(w)
			}
			if err := sameRows(got, w); err != nil {
				t.Fatalf("%s\n%d splits (SplitBytes %d): %v\n%s", sql, len(set), opts.SplitBytes, err, p.Explain())
			}
		}
		// in stages: buckets by group merged one by one, then finished
		got := runStaged(t, p, aligned, 1+r.IntN(4))
		w := want
		if !ordered || !p.NeedsFinish() {
			// without a final stage the buckets' rows come bucket by bucket
			w = slices.Clone(want)
			sortRows(got)
			sortRows(w)
		}
		if err := sameRows(got, w); err != nil {
			t.Fatalf("%s\nin stages: %v\n%s", sql, err, p.Explain())
		}
	}
}
