package query

import (
	"context"
	"fmt"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/exec"
	"github.com/recq/recq/scan"
	"github.com/recq/recq/storage"
)

// physicalPlan is an executable plan: the exec operator tree (one output
// partition), the subqueries to compute before it runs, and what the
// query must release when done.
type physicalPlan struct {
	root     exec.Operator
	scans    []*scan.Scan
	scan     *scan.Scan // the scan with the most records (Stats, progress)
	release  func()
	names    []string // output column names
	notNull  []bool   // per output column: never NULL (Arrow/Parquet schemas say so)
	logical  Node
	applied  []string
	settings Settings
	cells    []preparedCell
}

// preparedCell is a lowered uncorrelated subquery, run before the query.
type preparedCell struct {
	cell   *subqueryCell
	root   exec.Operator
	budget *exec.Budget // charged for a table cell's rows
}

// planOptions carry what lowering needs beyond the plan.
type planOptions struct {
	settings Settings
	mem      memory.Allocator
	analyze  bool
}

// layout maps a node's columns to batch positions and names.
type layout struct {
	index map[ColumnID]int
	names map[ColumnID]string // unique display names for exec expressions
}

// newLayout builds the layout of columns in batch order. Names are the
// columns' own where unique, else qualified by table (exec memoizes
// subexpressions by their text, so two different columns must never
// print alike).
func newLayout(cols []Column) layout {
	l := layout{index: make(map[ColumnID]int, len(cols)), names: make(map[ColumnID]string, len(cols))}
	count := map[string]int{}
	for _, c := range cols {
		count[c.Name]++
	}
	seen := map[string]bool{}
	for i, c := range cols {
		l.index[c.ID] = i
		name := c.Name
		if count[name] > 1 && c.Table != "" {
			name = c.Table + "." + c.Name
		}
		if seen[name] {
			name = fmt.Sprintf("%s#%d", name, c.ID)
		}
		seen[name] = true
		l.names[c.ID] = name
	}
	return l
}

// lowerer turns logical nodes into exec operators.
type lowerer struct {
	o        planOptions
	budget   *exec.Budget
	releases []func()
	scans    []*scan.Scan
	ordered  map[*ScanNode]bool // scans read in ordered mode (chunk-tagged batches)
	// keyFilters are the join key filters each scan is to test
	// (keyfilter.go), registered by the join above it.
	keyFilters map[*ScanNode][]scan.KeyFilterSpec
	// folds are the aggregations scans fold (rawagg.go), registered by
	// the aggregate above each.
	folds map[*ScanNode]*rawFold
}

// fileOrderScan returns the scan whose file order n's rows keep: n is
// that scan under only Filters, Projects and Limits (which keep the
// order of the batches they pass), else nil.
func fileOrderScan(n Node) *ScanNode {
	for {
		switch x := n.(type) {
		case *ScanNode:
			return x
		case *FilterNode:
			n = x.in
		case *ProjectNode:
			n = x.in
		case *LimitNode:
			n = x.in
		case *UnnestNode:
			n = x.in
		default:
			return nil
		}
	}
}

// markOrdered decides which scans run in ordered mode: the one under the
// root, and the one under each LIMIT, when the rows there keep file order
// (no sort, aggregate, join or set operation in between).
func (lw *lowerer) markOrdered(root Node) {
	var visit func(n Node)
	visit = func(n Node) {
		if l, ok := n.(*LimitNode); ok {
			if s := fileOrderScan(l.in); s != nil {
				lw.ordered[s] = true
			}
		}
		if w, ok := n.(*WindowNode); ok {
			if s := w.rowIDScan(); s != nil {
				lw.ordered[s] = true
			}
		}
		for _, c := range n.Inputs() {
			visit(c)
		}
	}
	if s := fileOrderScan(root); s != nil {
		lw.ordered[s] = true
	}
	visit(root)
}

// gather merges op's partitions into one: in file order when n's rows
// come from an ordered scan, else as they come.
func (lw *lowerer) gather(n Node, op exec.Operator) exec.Operator {
	if op.Partitions() <= 1 {
		return op
	}
	if s := fileOrderScan(n); s != nil && lw.ordered[s] {
		return exec.NewOrderedGather(op, 0)
	}
	return exec.NewGather(op)
}

func (lw *lowerer) releaseAll() {
	for i := len(lw.releases) - 1; i >= 0; i-- {
		lw.releases[i]()
	}
	lw.releases = nil
}

// lowerExpr rebuilds a bound expression over a batch with layout l.
func lowerExpr(e *Expr, l layout) (exec.Expr, error) {
	switch e.kind {
	case kCol:
		i, ok := l.index[e.id]
		if !ok {
			return nil, internalErr("column %s (#%d) is not in the input of this operator", e.name, e.id)
		}
		return exec.Col(i, l.names[e.id], e.Type()), nil
	case kLit, kCell:
		return e.shadow, nil
	case kAgg:
		return nil, internalErr("aggregate %s outside an aggregation", e.String())
	case kLambda:
		return lowerLambda(e, l)
	}
	kids := make([]exec.Expr, len(e.args))
	for i, a := range e.args {
		k, err := lowerExpr(a, l)
		if err != nil {
			return nil, err
		}
		kids[i] = k
	}
	x, err := e.build(kids)
	if err != nil {
		return nil, posErr(e.pos, "%v", err)
	}
	return x, nil
}

func lowerExprs(es []*Expr, l layout) ([]exec.Expr, error) {
	out := make([]exec.Expr, len(es))
	for i, e := range es {
		x, err := lowerExpr(e, l)
		if err != nil {
			return nil, err
		}
		out[i] = x
	}
	return out, nil
}

// lower turns n into an operator whose output columns are n's columns,
// in order.
func (lw *lowerer) lower(n Node) (exec.Operator, error) {
	switch x := n.(type) {
	case *ScanNode:
		return lw.lowerScan(x)
	case *ValuesNode:
		return lw.lowerValues(x)
	case *ReadNode:
		return lw.lowerRead(x)
	case *FilterNode:
		in, err := lw.lower(x.in)
		if err != nil {
			return nil, err
		}
		preds, err := lowerExprs(x.conds, newLayout(x.in.Columns()))
		if err != nil {
			return nil, err
		}
		pred, err := exec.NewAnd(preds...)
		if err != nil {
			return nil, posErr(x.conds[0].Pos(), "%v", err)
		}
		return exec.NewFilter(in, pred), nil
	case *ProjectNode:
		in, err := lw.lower(x.in)
		if err != nil {
			return nil, err
		}
		exprs, err := lowerExprs(x.exprs, newLayout(x.in.Columns()))
		if err != nil {
			return nil, err
		}
		names := make([]string, len(x.cols))
		for i, c := range x.cols {
			names[i] = c.Name
		}
		return exec.NewProject(in, exprs, names), nil
	case *AggregateNode:
		if x.raw {
			if op, ok, err := lw.lowerRawAggregate(x); ok || err != nil {
				return op, err
			}
		}
		in, err := lw.lower(x.in)
		if err != nil {
			return nil, err
		}
		p, err := lowerAggregate(x)
		if err != nil {
			return nil, err
		}
		return exec.NewAggregate(in, p.groups, p.groupNames, p.calls, p.aggNames, lw.budget), nil
	case *WindowNode:
		return lw.lowerWindow(x)
	case *UnnestNode:
		return lw.lowerUnnest(x)
	case *JoinNode:
		return lw.lowerJoin(x)
	case *SetOpNode:
		return lw.lowerSetOp(x)
	case *SortNode:
		in, err := lw.lower(x.in)
		if err != nil {
			return nil, err
		}
		l := newLayout(x.in.Columns())
		keys := make([]exec.SortKey, len(x.keys))
		for i, k := range x.keys {
			e, err := lowerExpr(k.expr, l)
			if err != nil {
				return nil, err
			}
			keys[i] = exec.SortKey{Expr: e, Desc: k.desc, NullsFirst: k.nullsFirst}
		}
		if x.limit >= 0 {
			return exec.NewTopN(in, keys, x.limit, lw.budget), nil
		}
		return exec.NewSort(in, keys, lw.budget), nil
	case *LimitNode:
		in, err := lw.lower(x.in)
		if err != nil {
			return nil, err
		}
		return exec.NewLimit(lw.gather(x.in, in), x.offset, x.n), nil
	case fragmentNode:
		return x.lowerFragment(lw)
	}
	return nil, internalErr("cannot lower %T", n)
}

// loweredAggregate is an aggregate node's keys and calls over its
// input's layout, with the output names.
type loweredAggregate struct {
	groups               []exec.Expr
	calls                []exec.AggCall
	groupNames, aggNames []string
}

// lowerAggregate lowers an aggregate node's keys and calls; the single,
// partial and final aggregations all take them.
func lowerAggregate(x *AggregateNode) (*loweredAggregate, error) {
	l := newLayout(x.in.Columns())
	groups, err := lowerExprs(x.groups, l)
	if err != nil {
		return nil, err
	}
	calls := make([]exec.AggCall, len(x.aggs))
	for i, a := range x.aggs {
		calls[i] = exec.AggCall{Name: a.op, Distinct: a.distinct}
		vals, filter, keys := a.aggParts()
		lowered, err := lowerExprs(a.args, l)
		if err != nil {
			return nil, err
		}
		if !a.star {
			calls[i].Arg, calls[i].Args = lowered[0], lowered[1:len(vals)]
		}
		if filter != nil {
			calls[i].Filter = lowered[len(vals)]
		}
		for j := range keys {
			calls[i].OrderBy = append(calls[i].OrderBy, exec.SortKey{Expr: lowered[len(a.args)-len(keys)+j], Desc: a.order[j].desc, NullsFirst: a.order[j].nullsFirst})
		}
	}
	names := make([]string, len(x.cols))
	for i, c := range x.cols {
		names[i] = c.Name
	}
	return &loweredAggregate{groups: groups, calls: calls, groupNames: names[:len(groups)], aggNames: names[len(groups):]}, nil
}

// lowerValues evaluates the rows' constant expressions into one batch.
func (lw *lowerer) lowerValues(v *ValuesNode) (exec.Operator, error) {
	mem := lw.o.mem
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	one := array.NewRecord(arrow.NewSchema(nil, nil), nil, 1)
	defer one.Release()
	fields := make([]arrow.Field, len(v.cols))
	for i, c := range v.cols {
		fields[i] = arrow.Field{Name: c.Name, Type: c.Type, Nullable: true}
	}
	schema := arrow.NewSchema(fields, nil)
	var rec arrow.Record
	if len(v.cols) == 0 {
		rec = array.NewRecord(schema, nil, int64(len(v.rows)))
	} else {
		ctx := exec.NewEvalContext(mem)
		cols := make([][]arrow.Array, len(v.cols))
		defer func() {
			for _, c := range cols {
				for _, a := range c {
					a.Release()
				}
			}
		}()
		for _, row := range v.rows {
			for i, e := range row {
				x, err := lowerExpr(e, newLayout(nil))
				if err != nil {
					return nil, err
				}
				a, err := x.Eval(ctx, one)
				if err != nil {
					return nil, posErr(e.Pos(), "%v", err)
				}
				cols[i] = append(cols[i], a)
			}
		}
		arrs := make([]arrow.Array, len(cols))
		for i, parts := range cols {
			a, err := array.Concatenate(parts, mem)
			if err != nil {
				return nil, err
			}
			arrs[i] = a
		}
		rec = array.NewRecord(schema, arrs, int64(len(v.rows)))
		for _, a := range arrs {
			a.Release()
		}
	}
	src := exec.NewMemorySource(schema, [][]arrow.Record{{rec}})
	rec.Release()
	lw.releases = append(lw.releases, src.Release)
	return src, nil
}

// lowerScan creates the scan operator.
func (lw *lowerer) lowerScan(s *ScanNode) (exec.Operator, error) {
	if s.files != nil {
		return lw.lowerFileSet(s)
	}
	o := lw.o
	t := s.table
	var fields []int
	rowID, parentRowID := false, false
	for _, f := range s.fields {
		switch {
		case f == rowIDField:
			rowID = true
		case f == parentRowIDField:
			parentRowID = true
		case rowID || parentRowID:
			return nil, internalErr("a field of %s follows _rowid or _parent_rowid", s.name)
		default:
			fields = append(fields, f)
		}
	}
	if rowID && s.fields[len(s.fields)-1] != rowIDField {
		return nil, internalErr("_rowid is not the scan's last column")
	}
	spec := scan.Spec{
		Table: t, Strategy: o.settings.IO, Columns: fields, RowID: rowID, ParentRowID: parentRowID,
		Filter: s.pushed, Ranges: s.ranges, Limit: s.limit, BatchSize: o.settings.BatchSize,
		Workers: o.settings.Workers, VerifyChecksums: o.settings.VerifyChecksums, Allocator: o.mem, Analyze: o.analyze,
		Ordered: lw.ordered[s], KeyFilters: lw.takeKeyFilters(s),
	}
	foldLabel := lw.foldSpec(s, &spec)
	if s.empty {
		spec.Ranges = []scan.RowRange{}
	}
	if smp := s.sample; smp != nil {
		spec.Sample = &scan.Sample{Seed: 1}
		if smp.Percent {
			spec.Sample.Percent = smp.N
		} else {
			spec.Sample.Rows = int64(min(smp.N, float64(1<<62)))
		}
	}
	sc, err := scan.New(spec)
	if err != nil {
		return nil, posErr(s.pos, "%v", err)
	}
	// Warm tables are read through the catalog's cached mapping: the
	// file is mapped (and its pages faulted in) once, not per query.
	if use, reason := useCachedMapping(o.settings.IO, s.entry, t, sc.Pattern()); use {
		src, cols, release, err := s.entry.mappedSource(sc.Pattern())
		if err != nil {
			return nil, err
		}
		spec.Source, spec.ColumnStore = reasonedSource{src, reason}, cols
		if sc, err = scan.New(spec); err != nil {
			release()
			return nil, err
		}
		lw.releases = append(lw.releases, release)
	}
	lw.scans = append(lw.scans, sc)
	return exec.NewStreamSource(sc.Schema(), sc.Partitions(), sc.String()+foldLabel, func(ctx context.Context, p int) (exec.Stream, error) {
		return sc.Execute(ctx, p)
	}), nil
}

// autoMmapBytes is the file size below which auto reads through a cached
// mapping without measuring page-cache residency.
const autoMmapBytes = 64 << 20

// useCachedMapping decides whether a query reads through the catalog's
// cached mmap source, and says why: always under io=mmap. Under auto: for
// random access, for files small enough that mapping them is always
// right, for files already mapped by an earlier query (a mapped file
// stays in the page cache), and for files mostly in the page cache
// (measured once, then the mapping is kept). Large cold files are left to
// the scan's own choice (direct I/O where the file system supports it).
// A compressed file is never mapped: the scan decompresses it.
func useCachedMapping(io storage.Strategy, e *tableEntry, t *storage.Table, pattern storage.Pattern) (bool, string) {
	if t.Compression != nil {
		return false, "" // decompressed as it is read: nothing to map
	}
	switch io {
	case storage.Mmap:
		return true, "mmap requested"
	case storage.Auto:
		switch {
		case pattern == storage.RandomAccess:
			return true, "auto: random access (row ranges, sampling) reads a mapping"
		case t.Size < autoMmapBytes:
			return true, fmt.Sprintf("auto: the file is under %d MiB, small enough to map", autoMmapBytes>>20)
		case e.hasMapping():
			return true, "auto: an earlier query mapped the file, so it is in the page cache"
		}
		resident, total, err := storage.Residency(t.Path)
		if err == nil && total > 0 && float64(resident)/float64(total) >= storage.AutoResidentFraction {
			return true, fmt.Sprintf("auto: %.0f%% of the file is in the page cache", 100*float64(resident)/float64(total))
		}
	}
	return false, ""
}

// reasonedSource is the catalog's shared mapping with this query's
// reason for using it (EXPLAIN ANALYZE, describe).
type reasonedSource struct {
	storage.Source
	reason string
}

func (r reasonedSource) Reason() string { return r.reason }

// physical lowers an optimized plan and its subquery cells.
func physical(root Node, applied []string, cells []*subqueryCell, o planOptions) (pp *physicalPlan, err error) {
	lw := &lowerer{o: o, budget: exec.NewBudget(o.settings.MemoryLimit), ordered: map[*ScanNode]bool{}}
	lw.markOrdered(root)
	for _, c := range cells {
		lw.markOrdered(c.plan)
	}
	defer func() {
		if err != nil {
			lw.releaseAll()
		}
	}()
	pp = &physicalPlan{logical: root, applied: applied, settings: o.settings}
	for _, c := range cells {
		op, err := lw.lower(c.plan)
		if err != nil {
			return nil, err
		}
		op = lw.gather(c.plan, op)
		pp.cells = append(pp.cells, preparedCell{cell: c, root: op, budget: lw.budget})
		if c.table != "" {
			lw.releases = append(lw.releases, c.releaseRows)
		}
	}
	op, err := lw.lower(root)
	if err != nil {
		return nil, err
	}
	pp.root = lw.gather(root, op)
	notNull := notNullColumns(root)
	for _, c := range root.Columns() {
		pp.names = append(pp.names, c.Name)
		pp.notNull = append(pp.notNull, notNull[c.ID])
	}
	pp.scans = lw.scans
	for _, s := range lw.scans {
		if pp.scan == nil || s.PlannedRecords() > pp.scan.PlannedRecords() {
			pp.scan = s
		}
	}
	releases := lw.releases
	pp.release = func() {
		for i := len(releases) - 1; i >= 0; i-- {
			releases[i]()
		}
		releases = nil
	}
	return pp, nil
}

// runCells computes the plan's uncorrelated subqueries, in order (a
// subquery's own subqueries come before it).
func (pp *physicalPlan) runCells(ctx context.Context) error {
	for _, c := range pp.cells {
		if err := computeCell(ctx, c.cell, c.root, c.budget); err != nil {
			return err
		}
	}
	return nil
}
