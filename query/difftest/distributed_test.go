package difftest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/recq/recq/query"
)

// TestDifferentialDistributed runs the generator's queries as distributed
// plans: every query that decomposes is cut into splits (block-aligned
// ones of a random size, or ones cut at random records), each split's
// leaf runs, and the merged result must equal the single-node result
// under the same comparison as SQLite's. Queries that do not decompose
// must be refused with query.ErrNotDistributable, never answered wrong.
func TestDifferentialDistributed(t *testing.T) {
	n := 400
	if testing.Short() {
		n = 120
	}
	before := runtime.NumGoroutine()
	seed := uint64(fixedSeed)
	h := newHarness(t, t.TempDir(), seed, fixedSizes)
	r := rand.New(rand.NewPCG(seed, 99))
	var ran, refused, bothErr, limitNoOrder int
	reasons := map[string]int{}
	defer func() { t.Log(reasons) }()
	for i := range n {
		q := h.queryAt(seed, i)
		if q.limitNoOrder {
			limitNoOrder++ // which rows is unspecified: nothing to compare
			continue
		}
		eng := h.engines[q.cfg]
		want, werr := runRecq(eng, q.r)
		got, derr := runDistributedQuery(eng, q.r, r)
		switch {
		case errors.Is(derr, query.ErrNotDistributable):
			refused++
			reasons[derr.Error()[:min(len(derr.Error()), 70)]]++
			continue
		case werr != nil && derr != nil:
			bothErr++
			continue
		case werr != nil || derr != nil:
			t.Errorf("query %d [%s]: %s\nsingle-node error: %v\ndistributed error: %v", i, engineConfigs[q.cfg].name, q.r, werr, derr)
			continue
		}
		ran++
		if msg := compare(q.genQuery, got.rows, want.rows, q.exactCols(len(want.cols))); msg != "" {
			t.Errorf("query %d [%s]: %s\n%s\n%s%s", i, engineConfigs[q.cfg].name, q.r, msg, dumpRows("distributed", got.rows), dumpRows("single-node", want.rows))
		}
	}
	h.close(t)
	t.Logf("%d queries: %d distributed and compared, %d refused, %d errors on both, %d LIMIT without ORDER BY skipped", n, ran, refused, bothErr, limitNoOrder)
	if ran < n/3 {
		t.Errorf("only %d of %d queries were distributed", ran, n)
	}
	checkGoroutines(t, before)
}

// runDistributedQuery plans sql for distribution, runs a leaf per split
// (random split sizes, sometimes cut at random records) and merges.
func runDistributedQuery(eng *query.Engine, sql string, r *rand.Rand) (rows, error) {
	ctx := context.Background()
	p, err := eng.PlanDistributed(ctx, sql, query.DistributeOptions{SplitBytes: []int64{1, 300, 4000, 1 << 30}[r.IntN(4)]})
	if err != nil {
		return rows{}, err
	}
	splits, err := p.Splits(ctx)
	if err != nil {
		return rows{}, err
	}
	if r.IntN(2) == 0 {
		splits = recut(r, splits)
	}
	var leaves []array.RecordReader
	for _, sp := range splits {
		res, err := p.Leaf(ctx, sp)
		if err != nil {
			for _, l := range leaves {
				l.Release()
			}
			return rows{}, fmt.Errorf("leaf %s: %w", sp, err)
		}
		leaves = append(leaves, res)
	}
	res, err := p.Merge(ctx, leaves)
	if err != nil {
		return rows{}, err
	}
	return readRows(res)
}

// recut cuts each split's records into two at a random record.
func recut(r *rand.Rand, in []query.Split) []query.Split {
	var out []query.Split
	for _, s := range in {
		if s.Rows() < 2 {
			out = append(out, s)
			continue
		}
		at := 1 + r.Int64N(s.Rows()-1)
		a, b := s, s
		a.Ranges, b.Ranges, a.Align, b.Align = nil, nil, "none", "none"
		for _, rg := range s.Ranges {
			n := rg.End - rg.Start
			switch {
			case at >= n:
				a.Ranges = append(a.Ranges, rg)
			case at <= 0:
				b.Ranges = append(b.Ranges, rg)
			default:
				a.Ranges = append(a.Ranges, query.RecordRange{Start: rg.Start, End: rg.Start + at})
				b.Ranges = append(b.Ranges, query.RecordRange{Start: rg.Start + at, End: rg.End})
			}
			at -= n
		}
		out = append(out, a, b)
	}
	return out
}
