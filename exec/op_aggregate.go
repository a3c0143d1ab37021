package exec

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// Aggregate is a hash aggregation: one partial aggregation per child
// partition (in parallel, each over its own hash table), then one merge
// and the final values. Output: the group columns then the aggregate
// columns, in one partition. Without group keys it yields exactly one
// row (count of nothing is 0, sum of nothing NULL). With no aggregates
// it is SELECT DISTINCT over the keys. Group order is unspecified.
//
// Many groups make partial aggregation a loss (every group is inserted
// twice: in the partial and at the merge). A partition whose partial
// table passes sharedGroups groups moves it into a set of shared buckets
// (the final table split by a hash of the keys, one lock per bucket) and
// aggregates its further rows straight into them; the buckets are then
// finished one by one. Large partials that never switched are merged in
// parallel, one key bucket per goroutine.
//
// Input clustered by the keys (a file sorted by them, read in order by
// each partition) takes neither: a partition's table stays in run mode
// (hashtable_runs.go) while its keys ascend, and partitions that all did
// are merged side by side in key order (agg_runs.go).
type Aggregate struct {
	opBase
	child      Operator
	groupBy    []Expr
	groupNames []string
	aggs       []AggCall
	labels     []string // the calls as written (aggs may be rewritten, see normalizeCall)
	aggNames   []string
	budget     *Budget
	schema     *arrow.Schema
	keyTypes   []arrow.DataType
	err        error
	// mode is the phase (agg_partial.go); a final aggregation reads
	// batches of layout partial through finalKeys.
	mode      AggMode
	partial   *arrow.Schema
	finalKeys []Expr
}

// NewAggregate builds the partial -> merge -> final pipeline. Aggregate
// types follow AggResultType; an invalid aggregate makes Execute fail
// (the binder should have called AggResultType first).
func NewAggregate(child Operator, groupBy []Expr, groupNames []string, aggs []AggCall, aggNames []string, budget *Budget) Operator {
	a := &Aggregate{opBase: newBase(), child: child, groupBy: groupBy, groupNames: groupNames, aggs: aggs, aggNames: aggNames, budget: budget}
	var fields []arrow.Field
	for i, g := range groupBy {
		if isNull(g.DataType()) {
			// GROUP BY NULL: one group; give the key a concrete type
			g, _ = castTo(g, tInt64)
			a.groupBy = append([]Expr(nil), a.groupBy...)
			a.groupBy[i] = g
		}
		name := g.String()
		if i < len(groupNames) && groupNames[i] != "" {
			name = groupNames[i]
		}
		fields = append(fields, arrow.Field{Name: name, Type: g.DataType(), Nullable: true})
		a.keyTypes = append(a.keyTypes, g.DataType())
	}
	a.aggs = make([]AggCall, len(aggs))
	for i, ag := range aggs {
		a.labels = append(a.labels, ag.String())
		nc, err := normalizeCall(ag)
		if err != nil && a.err == nil {
			a.err = err
		}
		a.aggs[i] = nc
		var rt arrow.DataType
		if isMoreAgg(ag.Name) {
			rt, err = AggCallType(ag.Name, callArgs(nc))
		} else {
			var at arrow.DataType
			if nc.Arg != nil {
				at = nc.Arg.DataType()
			}
			rt, err = AggResultType(nc.Name, at, nc.Distinct)
		}
		if err != nil && a.err == nil {
			a.err = err
			rt = tInt64
		}
		if rt == nil {
			rt = tInt64
		}
		name := ag.String()
		if i < len(aggNames) && aggNames[i] != "" {
			name = aggNames[i]
		}
		fields = append(fields, arrow.Field{Name: name, Type: rt, Nullable: true})
	}
	a.schema = arrow.NewSchema(fields, nil)
	return a
}

func (a *Aggregate) Schema() *arrow.Schema { return a.schema }
func (a *Aggregate) Children() []Operator  { return []Operator{a.child} }
func (a *Aggregate) Partitions() int       { return 1 }
func (a *Aggregate) String() string {
	var keys, aggs []string
	for _, g := range a.groupBy {
		keys = append(keys, unparen(g.String()))
	}
	for i := range a.aggs {
		s := a.labels[i]
		if i < len(a.aggNames) && a.aggNames[i] != "" && a.aggNames[i] != s {
			s += " AS " + a.aggNames[i]
		}
		aggs = append(aggs, s)
	}
	kind := "Aggregate"
	if a.mode != AggSingle {
		kind += " (" + a.mode.String() + ")"
	}
	switch {
	case len(aggs) == 0:
		return kind + ": distinct [" + strings.Join(keys, ", ") + "]"
	case len(keys) == 0:
		return kind + ": [" + strings.Join(aggs, ", ") + "]"
	}
	return fmt.Sprintf("%s: by [%s] [%s]", kind, strings.Join(keys, ", "), strings.Join(aggs, ", "))
}

// partialAgg is one partition's hash table and aggregate states.
type partialAgg struct {
	table  *groupTable
	rows   groupRows // rows per group, shared by the states
	states []aggState
}

func (a *Aggregate) newPartial() (*partialAgg, error) {
	p := &partialAgg{table: newGroupTable(a.keyTypes)}
	if aggLead {
		p.table.expectLead()
	}
	// sum(x) and avg(x) share one state
	shared := map[string]aggState{}
	for _, ag := range a.aggs {
		var at arrow.DataType
		if ag.Arg != nil {
			at = ag.Arg.DataType()
		}
		if isMoreAgg(ag.Name) {
			s, err := newCallState(ag)
			if err != nil {
				return nil, err
			}
			p.states = append(p.states, s)
			continue
		}
		fn := aggNames[strings.ToLower(ag.Name)]
		// (partial states travel one per call, so they are not shared)
		if (fn == "sum" || fn == "avg") && !ag.Distinct && ag.Arg != nil && a.mode == AggSingle {
			k := ag.Arg.String()
			if inner, ok := shared[k]; ok {
				p.states = append(p.states, &sharedAgg{inner: inner, avg: fn == "avg"})
				continue
			}
			s, err := newAggState("sum", at, false, &p.rows)
			if err != nil {
				return nil, err
			}
			shared[k] = s
			p.states = append(p.states, &sharedAgg{inner: s, avg: fn == "avg", owner: true})
			continue
		}
		s, err := newAggState(ag.Name, at, ag.Distinct, &p.rows)
		if err != nil {
			return nil, err
		}
		p.states = append(p.states, s)
	}
	return p, nil
}

func (p *partialAgg) bytes() int64 {
	b := p.table.bytes()
	for _, s := range p.states {
		b += s.bytesPerGroup() * int64(p.table.n)
		if d, ok := s.(interface{ extraBytes() int64 }); ok {
			b += d.extraBytes()
		}
	}
	return b
}

func (p *partialAgg) resize() { p.resizeTo(p.table.n) }

func (p *partialAgg) resizeTo(n int) {
	p.rows.n = growSlice(p.rows.n, n)
	for _, s := range p.states {
		s.resize(n)
	}
}

// memTracker shares one reservation between partition workers.
type memTracker struct {
	mu  sync.Mutex
	res reservation
	m   *opMetrics
}

func (t *memTracker) add(delta int64) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.res.grow(delta); err != nil {
		return err
	}
	t.m.notePeak(t.res.n)
	return nil
}

// consume aggregates one partition of the child into p.
func (a *Aggregate) consume(ctx context.Context, part int, pp **partialAgg, mt *memTracker, bs *bucketSet) error {
	p := *pp
	pool := newPool(allocator(ctx))
	defer pool.close()
	mem := pool
	s, err := openSel(ctx, a.child, part)
	if err != nil {
		return err
	}
	defer s.Close()
	ectx := NewEvalContext(mem)
	var gids, selBuf []int32
	var packed []uint64 // keys packed once per chunk for every bucket (consumeShared)
	held := int64(0)
	shared := false
	var need []bool
	needSet := false
	for s.Next() {
		if err := ctx.Err(); err != nil {
			return err
		}
		rec, sel := s.Batch()
		n := int(rec.NumRows())
		var owned arrow.Record
		if sel != nil && len(sel)*4 < n {
			if !needSet && a.mode != AggFinal {
				need, needSet = a.usedColumns(int(rec.NumCols())), true
			}
			owned = compactFor(mem, rec, sel, need)
			rec, sel, n = owned, nil, len(sel)
		}
		// work in cache-sized chunks: the expression temporaries of one
		// chunk stay in L2
		var err error
		for lo := 0; lo < n && err == nil; lo += aggChunkRows {
			hi := min(lo+aggChunkRows, n)
			crec, csel := rec, sel
			if lo > 0 || hi < n {
				crec = rec.NewSlice(int64(lo), int64(hi))
				csel = rebaseSel(sel, lo, hi, &selBuf)
			}
			if csel == nil || len(csel) > 0 {
				bctx := ectx.withSel(csel).withMemo()
				switch {
				case a.mode == AggFinal:
					err = a.consumeFinal(bctx, crec, hi-lo, csel, p, &gids)
				case shared:
					err = a.consumeShared(bctx, crec, hi-lo, csel, bs, mt, &gids, &packed)
				default:
					err = a.consumeBatch(bctx, crec, hi-lo, csel, p, &gids)
				}
				bctx.clearMemo()
			}
			if crec != rec {
				crec.Release()
			}
		}
		if owned != nil {
			owned.Release()
		}
		if err != nil {
			return err
		}
		if shared {
			continue
		}
		b := p.bytes()
		if err := mt.add(b - held); err != nil {
			return err
		}
		held = b
		if bs != nil && p.table.n > sharedGroups && !p.table.runs {
			// many groups: partial aggregation saves little and costs a
			// second insert per group at the merge. Move what we have
			// into the shared buckets and aggregate there from now on.
			aggPaths.sharedSwitches.Add(1)
			if err := a.flushToBuckets(mem, p, bs, mt); err != nil {
				return err
			}
			if err := mt.add(-held); err != nil {
				return err
			}
			held = 0
			fresh, err := a.newPartial()
			if err != nil {
				return err
			}
			*pp, p, shared = fresh, fresh, true
		}
	}
	return s.Err()
}

// aggLead off (tests) keeps aggregation tables out of lead-key mode
// (hashtable_lead.go), so that their keys take the byte-encoded map.
var aggLead = true

// aggRuns off (tests) keeps partition tables out of run mode
// (hashtable_runs.go), so that clustered inputs take the hash path too.
var aggRuns = true

// sharedGroups is the partial group count above which a partition worker
// switches to the shared, lock-protected buckets.
var sharedGroups = 1 << 16

// aggPaths counts how often aggregations took their alternative paths, so
// tests that lower sharedGroups or parallelMergeMin can check the path
// really ran.
var aggPaths struct {
	sharedSwitches atomic.Int64 // partition workers moved to shared buckets
	parallelMerges atomic.Int64 // merges done bucket by bucket in parallel
	runMerges      atomic.Int64 // partials in run mode merged side by side
}

// bucketSet is the final aggregation state split by a hash of the group
// keys into buckets, each behind its own lock, filled directly by the
// partition workers of a high-cardinality aggregation.
type bucketSet struct {
	buckets []*aggBucket
	used    atomic.Bool
}

type aggBucket struct {
	mu   sync.Mutex
	p    *partialAgg
	held int64
}

func (a *Aggregate) newBucketSet(n int) (*bucketSet, error) {
	bs := &bucketSet{}
	for i := 0; i < n; i++ {
		p, err := a.newPartial()
		if err != nil {
			return nil, err
		}
		bs.buckets = append(bs.buckets, &aggBucket{p: p})
	}
	return bs, nil
}

func (bs *bucketSet) bucketOf(h uint64) int {
	return int((h >> 32) * uint64(len(bs.buckets)) >> 32)
}

// split lists the selected rows (all when sel is nil) of each bucket.
func (bs *bucketSet) split(keys []arrow.Array, n int, sel []int32) [][]int32 {
	h := hashKeys(keys, n)
	out := make([][]int32, len(bs.buckets))
	if sel == nil {
		for i, x := range h {
			b := bs.bucketOf(x)
			out[b] = append(out[b], int32(i))
		}
		return out
	}
	for _, i := range sel {
		b := bs.bucketOf(h[i])
		out[b] = append(out[b], i)
	}
	return out
}

// account updates the budget after bucket b changed (lock held).
func (b *aggBucket) account(mt *memTracker) error {
	by := b.p.bytes()
	err := mt.add(by - b.held)
	b.held = by
	return err
}

// flushToBuckets merges a partial aggregation into the shared buckets.
func (a *Aggregate) flushToBuckets(mem memory.Allocator, p *partialAgg, bs *bucketSet, mt *memTracker) error {
	bs.used.Store(true)
	if p.table.n == 0 {
		return nil
	}
	keys := p.table.keyArrays(mem)
	defer releaseAll(keys)
	sels := bs.split(keys, p.table.n, nil)
	mapping := make([]int32, p.table.n)
	for b, sel := range sels {
		if len(sel) == 0 {
			continue
		}
		bk := bs.buckets[b]
		bk.mu.Lock()
		err := mergeSelected(bk.p, p, keys, sel, mapping)
		if err == nil {
			err = bk.account(mt)
		}
		bk.mu.Unlock()
		if err != nil {
			return err
		}
	}
	return nil
}

// mergeSelected folds the groups sel of src (whose keys are keys) into dst.
func mergeSelected(dst, src *partialAgg, keys []arrow.Array, sel []int32, mapping []int32) error {
	for i := range mapping {
		mapping[i] = -1
	}
	dst.table.assign(keys, src.table.n, sel, mapping)
	dst.resize()
	return fold(dst, src, mapping)
}

// fold adds the groups of src into those of dst: mapping[g] is the group
// of dst that src's group g joins, -1 for none. dst is already sized.
func fold(dst, src *partialAgg, mapping []int32) error {
	for g, m := range mapping {
		if m >= 0 {
			dst.rows.n[m] += src.rows.n[g]
		}
	}
	for j := range dst.states {
		if err := dst.states[j].merge(src.states[j], mapping); err != nil {
			return err
		}
	}
	return nil
}

// consumeShared aggregates a batch straight into the shared buckets. The
// buckets' tables share one layout, so the keys are packed once, into
// *packed, not once per bucket.
func (a *Aggregate) consumeShared(ectx *EvalContext, rec arrow.Record, n int, sel []int32, bs *bucketSet, mt *memTracker, gids *[]int32, packed *[]uint64) error {
	keys, err := evalAll(ectx, rec, a.groupBy...)
	if err != nil {
		return err
	}
	defer releaseAll(keys)
	args := make([]arrow.Array, len(a.aggs))
	defer releaseAll(args)
	owners := bs.buckets[0].p.states
	inputs := make([]*aggInputs, len(a.aggs))
	defer func() {
		for _, in := range inputs {
			in.release()
		}
	}()
	for j, ag := range a.aggs {
		if _, ok := owners[j].(callState); ok {
			if inputs[j], err = evalAggInputs(ectx, ag, rec); err != nil {
				return err
			}
			continue
		}
		if sh, ok := owners[j].(*sharedAgg); (ok && !sh.owner) || ag.Arg == nil {
			continue
		}
		if args[j], err = ectx.eval(ag.Arg, rec); err != nil {
			return err
		}
	}
	if cap(*gids) < n {
		*gids = make([]int32, n)
	}
	g := (*gids)[:n]
	kb := bs.buckets[0].p.table.packShared(keys, n, packed)
	for b, bsel := range bs.split(keys, n, sel) {
		if len(bsel) == 0 {
			continue
		}
		bk := bs.buckets[b]
		bk.mu.Lock()
		err := func() error {
			p := bk.p
			p.table.assignPrepacked(kb, keys, n, bsel, g)
			p.resize()
			for _, i := range bsel {
				p.rows.n[g[i]]++
			}
			for j := range a.aggs {
				if sh, ok := p.states[j].(*sharedAgg); ok && !sh.owner {
					continue
				}
				if cs, ok := p.states[j].(callState); ok {
					if err := cs.updateInputs(ectx, inputs[j], g, bsel); err != nil {
						return err
					}
					continue
				}
				if err := p.states[j].update(ectx, args[j], g, bsel); err != nil {
					return err
				}
			}
			return bk.account(mt)
		}()
		bk.mu.Unlock()
		if err != nil {
			return err
		}
	}
	return nil
}

func (a *Aggregate) consumeBatch(ectx *EvalContext, rec arrow.Record, n int, sel []int32, p *partialAgg, gids *[]int32) error {
	keys, err := evalAll(ectx, rec, a.groupBy...)
	if err != nil {
		return err
	}
	defer releaseAll(keys)
	if cap(*gids) < n {
		*gids = make([]int32, n)
	}
	g := (*gids)[:n]
	// A dense selection (most rows kept) is aggregated without it: removed
	// rows go to a scratch group past the real ones, emptied afterwards,
	// so the update loops run straight over the batch.
	dense := sel != nil && len(sel)*2 > n
	if dense {
		for i := range g {
			g[i] = -1
		}
	}
	p.table.assign(keys, n, sel, g)
	trash := -1
	if dense {
		trash = p.table.n
		p.resizeTo(trash + 1)
		for i, x := range g {
			if x < 0 {
				g[i] = int32(trash)
			}
		}
	} else {
		p.resize()
	}
	rows := p.rows.n
	if sel == nil || dense {
		for _, gi := range g {
			rows[gi]++
		}
	} else {
		for _, i := range sel {
			rows[g[i]]++
		}
	}
	if dense {
		rows[trash] = 0
		defer func() {
			for _, st := range p.states {
				st.clear(trash)
			}
		}()
	}
	for j, ag := range a.aggs {
		if sh, ok := p.states[j].(*sharedAgg); ok && !sh.owner {
			continue
		}
		if cs, ok := p.states[j].(callState); ok {
			in, err := evalAggInputs(ectx, ag, rec)
			if err != nil {
				return err
			}
			err = cs.updateInputs(ectx, in, g, sel)
			in.release()
			if err != nil {
				return err
			}
			continue
		}
		var arg arrow.Array
		if ag.Arg != nil {
			if arg, err = ectx.eval(ag.Arg, rec); err != nil {
				return err
			}
		}
		usel := sel
		if dense {
			if so, ok := p.states[j].(sparseOnly); !ok || !so.sparseOnly() {
				usel = nil
			}
		}
		err := p.states[j].update(ectx, arg, g, usel)
		if arg != nil {
			arg.Release()
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// merge folds src into dst (group ids mapped through dst's table).
func (a *Aggregate) merge(mem memory.Allocator, dst, src *partialAgg) error {
	if src.table.n == 0 {
		return nil
	}
	keys := src.table.keyArrays(mem)
	defer releaseAll(keys)
	mapping := make([]int32, src.table.n)
	dst.table.reserve(dst.table.n + src.table.n)
	dst.table.assign(keys, src.table.n, nil, mapping)
	dst.resize()
	return fold(dst, src, mapping)
}

func (a *Aggregate) Execute(ctx context.Context, partition int) (Stream, error) {
	if err := checkPartition(a, partition); err != nil {
		return nil, err
	}
	if a.err != nil {
		return nil, a.err
	}
	mem := allocator(ctx)
	mt := &memTracker{res: reservation{b: a.budget, what: "aggregation"}, m: a.m}
	var outs []arrow.Record
	var pos int64
	started := false
	cleanup := func() {
		for _, r := range outs {
			r.Release()
		}
		outs = nil
		mt.mu.Lock()
		mt.res.free()
		mt.mu.Unlock()
	}
	next := func() (arrow.Record, error) {
		if !started {
			started = true
			recs, err := a.run(ctx, mem, mt)
			if err != nil {
				return nil, err
			}
			outs = recs
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		for len(outs) > 0 && pos >= outs[0].NumRows() {
			outs[0].Release()
			outs = outs[1:]
			pos = 0
		}
		if len(outs) == 0 {
			return nil, nil
		}
		out := outs[0]
		end := min(pos+outBatchRows, out.NumRows())
		if pos == 0 && end == out.NumRows() {
			pos = end
			out.Retain()
			return out, nil
		}
		r := out.NewSlice(pos, end)
		pos = end
		return r, nil
	}
	return instrument(newPullStream(a.schema, next, cleanup), a.m), nil
}

// run does the whole aggregation and returns the result records.
func (a *Aggregate) run(ctx context.Context, mem memory.Allocator, mt *memTracker) ([]arrow.Record, error) {
	np := a.child.Partitions()
	partials := make([]*partialAgg, np)
	for i := range partials {
		p, err := a.newPartial()
		if err != nil {
			return nil, err
		}
		if aggRuns {
			p.table.expectRuns() // input clustered by the keys needs no hashing
		}
		partials[i] = p
	}
	var bs *bucketSet
	if np > 1 && len(a.groupBy) > 0 && a.mode != AggFinal {
		var err error
		if bs, err = a.newBucketSet(4 * np); err != nil {
			return nil, err
		}
	}
	err := runPartitions(ctx, np, func(ctx context.Context, p int) error {
		return a.consume(ctx, p, &partials[p], mt, bs)
	})
	if err != nil {
		return nil, err
	}
	if bs != nil && bs.used.Load() {
		// some partitions aggregated into the shared buckets: fold the
		// other partials in and finish bucket by bucket
		err := runPartitions(ctx, np, func(ctx context.Context, p int) error {
			return a.flushToBuckets(mem, partials[p], bs, mt)
		})
		if err != nil {
			return nil, err
		}
		var finals []*partialAgg
		for _, b := range bs.buckets {
			finals = append(finals, b.p)
		}
		return a.finishAll(mem, finals)
	}
	total := 0
	for _, p := range partials {
		total += p.table.n
	}
	var finals []*partialAgg
	switch {
	case np == 0:
		p, err := a.newPartial()
		if err != nil {
			return nil, err
		}
		finals = []*partialAgg{p}
	case np > 1 && allRuns(partials):
		aggPaths.runMerges.Add(1)
		final, err := a.mergeRuns(ctx, mem, mt, partials)
		if err != nil {
			return nil, err
		}
		finals = []*partialAgg{final}
	case np > 1 && len(a.groupBy) > 0 && total >= parallelMergeMin:
		aggPaths.parallelMerges.Add(1)
		if finals, err = a.mergeParallel(ctx, mem, mt, partials); err != nil {
			return nil, err
		}
	default:
		final := partials[0]
		held := final.bytes() // reserved while partition 0 was consumed
		for _, p := range partials[1:] {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if err := a.merge(mem, final, p); err != nil {
				return nil, err
			}
			// Reserve what the merge added, not the whole final table
			// again: that multiplied the reservation by the partitions.
			b := final.bytes()
			if err := mt.add(b - held); err != nil {
				return nil, err
			}
			held = b
		}
		finals = []*partialAgg{final}
	}
	if len(a.groupBy) == 0 && finals[0].table.n == 0 {
		finals[0].table.n = 1
		finals[0].resize()
	}
	return a.finishAll(mem, finals)
}

// finishAll turns final tables into result records (empty ones skipped);
// a partial aggregation exports its states instead.
func (a *Aggregate) finishAll(mem memory.Allocator, finals []*partialAgg) ([]arrow.Record, error) {
	if a.mode == AggPartial {
		return a.exportAll(mem, finals)
	}
	var recs []arrow.Record
	for _, final := range finals {
		n := final.table.n
		if n == 0 {
			continue
		}
		a.m.groups.Add(int64(n))
		cols := final.table.keyArrays(mem)
		for _, s := range final.states {
			arr, err := s.finish(mem, n)
			if err != nil {
				releaseAll(cols)
				for _, r := range recs {
					r.Release()
				}
				return nil, err
			}
			cols = append(cols, arr)
		}
		recs = append(recs, array.NewRecord(a.schema, cols, int64(n)))
		releaseAll(cols)
	}
	return recs, nil
}

// parallelMergeMin is the number of partial groups from which partials are
// merged in parallel, one hash bucket of the keys per goroutine.
var parallelMergeMin = 1 << 16

// mergeParallel merges the partials into one final table per hash bucket
// of the group keys, the buckets in parallel.
func (a *Aggregate) mergeParallel(ctx context.Context, mem memory.Allocator, mt *memTracker, partials []*partialAgg) ([]*partialAgg, error) {
	nb := len(partials)
	type source struct {
		keys []arrow.Array
		sels [][]int32 // groups per bucket
	}
	srcs := make([]source, len(partials))
	defer func() {
		for _, s := range srcs {
			releaseAll(s.keys)
		}
	}()
	err := runPartitions(ctx, len(partials), func(ctx context.Context, p int) error {
		n := partials[p].table.n
		keys := partials[p].table.keyArrays(mem)
		h := hashKeys(keys, n)
		sels := make([][]int32, nb)
		for g, x := range h {
			b := int((x >> 32) * uint64(nb) >> 32)
			sels[b] = append(sels[b], int32(g))
		}
		srcs[p] = source{keys: keys, sels: sels}
		return nil
	})
	if err != nil {
		return nil, err
	}
	finals := make([]*partialAgg, nb)
	err = runPartitions(ctx, nb, func(ctx context.Context, b int) error {
		f, err := a.newPartial()
		if err != nil {
			return err
		}
		finals[b] = f
		want := 0
		for p := range partials {
			want += len(srcs[p].sels[b])
		}
		f.table.reserve(want)
		held := int64(0)
		for p, src := range partials {
			if err := ctx.Err(); err != nil {
				return err
			}
			sel := srcs[p].sels[b]
			if len(sel) == 0 {
				continue
			}
			mapping := make([]int32, src.table.n)
			if err := mergeSelected(f, src, srcs[p].keys, sel, mapping); err != nil {
				return err
			}
			by := f.bytes()
			if err := mt.add(by - held); err != nil {
				return err
			}
			held = by
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return finals, nil
}

// aggChunkRows is the number of rows aggregated at a time.
var aggChunkRows = 16384

// rebaseSel returns the entries of sel in [lo, hi), shifted by -lo (nil
// when sel is nil).
func rebaseSel(sel []int32, lo, hi int, buf *[]int32) []int32 {
	if sel == nil {
		return nil
	}
	a, _ := slices.BinarySearch(sel, int32(lo))
	b, _ := slices.BinarySearch(sel, int32(hi))
	if cap(*buf) < b-a {
		*buf = make([]int32, b-a)
	}
	out := (*buf)[:b-a]
	d := int32(lo)
	for i, v := range sel[a:b] {
		out[i] = v - d
	}
	return out
}

// usedColumns marks the input columns the keys and arguments read.
func (a *Aggregate) usedColumns(ncols int) []bool {
	exprs := append([]Expr(nil), a.groupBy...)
	for _, ag := range a.aggs {
		exprs = append(exprs, callArgs(ag)...)
		if ag.Filter != nil {
			exprs = append(exprs, ag.Filter)
		}
		for _, k := range ag.OrderBy {
			exprs = append(exprs, k.Expr)
		}
	}
	return usedColumns(ncols, exprs...)
}
