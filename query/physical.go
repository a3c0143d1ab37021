package query

import (
	"context"
	"fmt"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/exec"
	"github.com/recq/recq/parser"
	"github.com/recq/recq/scan"
	"github.com/recq/recq/storage"
)

// physicalPlan is an executable plan: the exec operator tree (one output
// partition) plus what the query must release when done.
type physicalPlan struct {
	root     exec.Operator
	scan     *scan.Scan // nil without FROM
	release  func()     // returns the cached source, if one was used
	names    []string   // output column names
	logical  *logicalPlan
	settings Settings
}

// planOptions carry what physical planning needs beyond the plan.
type planOptions struct {
	settings Settings
	mem      memory.Allocator
	analyze  bool
}

// physical turns an optimized logical plan into exec operators.
func physical(lp *logicalPlan, o planOptions) (*physicalPlan, error) {
	b := lp.b
	pp := &physicalPlan{logical: lp, settings: o.settings, release: func() {}}
	budget := exec.NewBudget(o.settings.MemoryLimit)
	var op exec.Operator
	var sc *scope
	if b.table == nil {
		rec := array.NewRecord(arrow.NewSchema(nil, nil), nil, 1)
		src := exec.NewMemorySource(rec.Schema(), [][]arrow.Record{{rec}})
		rec.Release()
		op, pp.release = src, src.Release
		sc = &scope{fields: map[int]scopeCol{}, args: b.args, res: b.res}
	} else {
		var err error
		if op, sc, err = pp.buildScan(lp, o); err != nil {
			return nil, err
		}
	}
	fail := func(err error) (*physicalPlan, error) {
		pp.release()
		return nil, err
	}
	if len(lp.residual) > 0 {
		preds, err := convAll(sc, lp.residual...)
		if err != nil {
			return fail(err)
		}
		pred, err := exec.NewAnd(preds...)
		if err != nil {
			return fail(posErr(lp.residual[0].Position(), "%v", err))
		}
		op = exec.NewFilter(op, pred)
	}
	if b.hasAggregation() {
		sc.where = "in GROUP BY or aggregate arguments"
		groups, err := convAll(sc, b.groupBy...)
		if err != nil {
			return fail(err)
		}
		gnames := make([]string, len(b.groupBy))
		agg := &scope{keyed: map[string]scopeCol{}, ungrouped: true, args: b.args, res: b.res}
		for i, g := range b.groupBy {
			gnames[i] = displayName(g)
			agg.keyed[g.String()] = scopeCol{index: i, name: gnames[i], typ: groups[i].DataType()}
		}
		calls := make([]exec.AggCall, len(b.aggs))
		anames := make([]string, len(b.aggs))
		sc.where = "inside another aggregate"
		for i, a := range b.aggs {
			call := exec.AggCall{Name: a.Name, Distinct: a.Distinct}
			if !a.Star {
				if len(a.Args) != 1 {
					return fail(posErr(a.Pos, "%s takes one argument, got %d", a.Name, len(a.Args)))
				}
				x, err := conv(a.Args[0], sc)
				if err != nil {
					return fail(err)
				}
				call.Arg = x
			} else if a.Name != "count" {
				return fail(posErr(a.Pos, "%s(*) is not allowed; only count(*)", a.Name))
			}
			var argType arrow.DataType
			if call.Arg != nil {
				argType = call.Arg.DataType()
			}
			t, err := exec.AggResultType(a.Name, argType, a.Distinct)
			if err != nil {
				return fail(posErr(a.Pos, "%v", err))
			}
			calls[i], anames[i] = call, a.String()
			agg.keyed[a.String()] = scopeCol{index: len(groups) + i, name: anames[i], typ: t}
		}
		op = exec.NewAggregate(op, groups, gnames, calls, anames, budget)
		sc = agg
		if b.having != nil {
			pred, err := conv(b.having, sc)
			if err != nil {
				return fail(err)
			}
			if t := pred.DataType(); t.ID() != arrow.BOOL && t.ID() != arrow.NULL {
				return fail(posErr(b.having.Position(), "HAVING needs a BOOLEAN condition, not %s", exec.TypeName(t)))
			}
			op = exec.NewFilter(op, pred)
		}
	}
	// The select list, plus the ORDER BY keys that are not in it.
	sc.where = "here"
	exprs, err := convAll(sc, itemExprs(b.items)...)
	if err != nil {
		return fail(err)
	}
	names := make([]string, len(b.items))
	for i, it := range b.items {
		names[i] = it.name
	}
	keyCols := make([]int, len(b.order))
	hidden := 0
	for i, k := range b.order {
		if k.item >= 0 {
			keyCols[i] = k.item
			continue
		}
		x, err := conv(k.expr, sc)
		if err != nil {
			return fail(err)
		}
		keyCols[i] = len(exprs)
		exprs = append(exprs, x)
		names = append(names, fmt.Sprintf("__order_%d", i))
		hidden++
	}
	op = exec.NewProject(op, exprs, names)
	if b.distinct {
		cols := make([]exec.Expr, len(exprs))
		for i, x := range exprs {
			cols[i] = exec.Col(i, names[i], x.DataType())
		}
		op = exec.NewAggregate(op, cols, names, nil, nil, budget)
	}
	if len(b.order) > 0 {
		keys := make([]exec.SortKey, len(b.order))
		for i, k := range b.order {
			c := keyCols[i]
			keys[i] = exec.SortKey{Expr: exec.Col(c, names[c], exprs[c].DataType()), Desc: k.desc, NullsFirst: k.nullsFirst}
		}
		if lp.topN {
			op = exec.NewTopN(op, keys, b.limit+b.offset, budget)
		} else {
			op = exec.NewSort(op, keys, budget)
		}
	}
	if keepsFileOrder(b) && op.Partitions() > 1 {
		// Without ORDER BY, rows come in file order (a LIMIT takes the
		// first ones): merge the partitions by their chunk tags.
		op = exec.NewOrderedGather(op, 0)
	}
	if b.limit >= 0 || b.offset > 0 {
		op = exec.NewLimit(op, b.offset, b.limit)
	}
	if hidden > 0 {
		keep := make([]exec.Expr, len(b.items))
		for i := range keep {
			keep[i] = exec.Col(i, names[i], exprs[i].DataType())
		}
		op = exec.NewProject(op, keep, names[:len(b.items)])
	}
	if op.Partitions() > 1 {
		op = exec.NewGather(op)
	}
	pp.root, pp.names = op, names[:len(b.items)]
	return pp, nil
}

// keepsFileOrder reports whether a query returns its rows in file order:
// no aggregation, DISTINCT or ORDER BY (those use the faster unordered
// gather, their order being the operator's own).
func keepsFileOrder(b *bound) bool {
	return !b.hasAggregation() && !b.distinct && len(b.order) == 0
}

func itemExprs(items []outItem) []parser.Expr {
	out := make([]parser.Expr, len(items))
	for i, it := range items {
		out[i] = it.expr
	}
	return out
}

// buildScan creates the scan operator and the scope of its output.
func (pp *physicalPlan) buildScan(lp *logicalPlan, o planOptions) (exec.Operator, *scope, error) {
	b := lp.b
	t := b.table
	spec := scan.Spec{
		Table: t, Strategy: o.settings.IO, Columns: lp.scanFields, RowID: lp.scanRowID,
		Filter: lp.pushed, Ranges: lp.ranges, Limit: lp.scanLimit, BatchSize: o.settings.BatchSize,
		Workers: o.settings.Workers, VerifyChecksums: o.settings.VerifyChecksums, Allocator: o.mem, Analyze: o.analyze,
		Ordered: keepsFileOrder(b),
	}
	if lp.empty {
		spec.Ranges = []scan.RowRange{}
	}
	if s := b.sample; s != nil {
		spec.Sample = &scan.Sample{Seed: 1}
		if s.Percent {
			spec.Sample.Percent = s.N
		} else {
			spec.Sample.Rows = int64(s.N)
		}
	}
	sc, err := scan.New(spec)
	if err != nil {
		return nil, nil, posErr(b.sel.From.Position(), "%v", err)
	}
	// Warm tables are read through the catalog's cached mapping: the
	// file is mapped (and its pages faulted in) once, not per query.
	if useCachedMapping(o.settings.IO, b.entry, t, sc.Pattern()) {
		src, release, err := b.entry.mappedSource(sc.Pattern())
		if err != nil {
			return nil, nil, err
		}
		spec.Source = src
		if sc, err = scan.New(spec); err != nil {
			release()
			return nil, nil, err
		}
		pp.release = release
	}
	pp.scan = sc
	out := &scope{fields: map[int]scopeCol{}, args: b.args, res: b.res}
	fields := sc.Schema().Fields()
	for i, f := range lp.scanFields {
		out.fields[f] = scopeCol{index: i, name: fields[i].Name, typ: fields[i].Type}
	}
	if lp.scanRowID {
		out.fields[rowIDField] = scopeCol{index: len(lp.scanFields), name: "_rowid", typ: arrow.PrimitiveTypes.Int64}
	}
	op := exec.NewStreamSource(sc.Schema(), sc.Partitions(), sc.String(), func(ctx context.Context, p int) (exec.Stream, error) {
		return sc.Execute(ctx, p)
	})
	return op, out, nil
}

// autoMmapBytes is the file size below which auto reads through a cached
// mapping without measuring page-cache residency.
const autoMmapBytes = 64 << 20

// useCachedMapping decides whether a query reads through the catalog's
// cached mmap source: always under io=mmap. Under auto: for random access,
// for files small enough that mapping them is always right, for files
// already mapped by an earlier query (a mapped file stays in the page
// cache), and for files mostly in the page cache (measured once, then the
// mapping is kept). Large cold files are left to the scan's own choice
// (direct I/O where the file system supports it).
func useCachedMapping(io storage.Strategy, e *tableEntry, t *storage.Table, pattern storage.Pattern) bool {
	switch io {
	case storage.Mmap:
		return true
	case storage.Auto:
		if pattern == storage.RandomAccess || t.Size < autoMmapBytes || e.hasMapping() {
			return true
		}
		resident, total, err := storage.Residency(t.Path)
		return err == nil && total > 0 && float64(resident)/float64(total) >= storage.AutoResidentFraction
	}
	return false
}
