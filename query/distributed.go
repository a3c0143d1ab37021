package query

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/recq/recq/exec"
	"github.com/recq/recq/parser"
	"github.com/recq/recq/scan"
)

// A distributed plan cuts one query into fragments (see docs/distributed.md):
//
//   - a leaf fragment runs on one split of the largest table: scan, filter,
//     project, joins with small tables (read whole by every leaf), then a
//     partial aggregation, a partial top-N or a partial limit;
//   - the root fragment merges the leaves' batches: final aggregation,
//     HAVING, ORDER BY, LIMIT and the final projection.
//
// Both fragments are cut from the optimized logical plan of the query and
// lowered with the usual lowering, so a leaf and the root run the same
// operators a single-node query does. A query whose result cannot be
// merged from independent splits is refused with ErrNotDistributable.

// DistributedPlanVersion is the version of the encoded plan.
const DistributedPlanVersion = 1

// ErrNotDistributable is the kind (errors.Is) of the error for a query
// that does not decompose into a leaf per split and a merge.
var ErrNotDistributable = errors.New("the query does not decompose into splits")

type notDistributable struct{ reason string }

func (e *notDistributable) Error() string   { return "cannot distribute the query: " + e.reason }
func (e *notDistributable) Is(t error) bool { return t == ErrNotDistributable }

func refuse(format string, args ...any) error {
	return &notDistributable{reason: fmt.Sprintf(format, args...)}
}

// DistributeOptions tune a distributed plan.
type DistributeOptions struct {
	// BroadcastLimit is the most bytes of files the other tables of a
	// join may hold together: every leaf reads them whole. A join of two
	// tables above it is refused (default 64 MiB).
	BroadcastLimit int64
	// SplitBytes is the target size of a split (default 64 MiB); splits
	// only end at block (or chunk) boundaries, so they may be larger.
	SplitBytes int64
}

const (
	defaultBroadcastLimit = 64 << 20
	defaultSplitBytes     = 64 << 20
)

func (o DistributeOptions) withDefaults() DistributeOptions {
	if o.BroadcastLimit <= 0 {
		o.BroadcastLimit = defaultBroadcastLimit
	}
	if o.SplitBytes <= 0 {
		o.SplitBytes = defaultSplitBytes
	}
	return o
}

// DistributedPlan is a query cut into a leaf fragment, run once per split
// (Leaf), and a root fragment that merges the leaves' outputs (Merge). It
// is immutable and safe for concurrent use: many leaves may run at once.
type DistributedPlan struct {
	s        *Session
	sql      string
	opts     DistributeOptions
	settings Settings
	root     Node // the optimized plan of the whole query
	applied  []string
	cells    []*subqueryCell
	split    *ScanNode // the scan the splits cut
	cut      Node      // the node whose rows the leaves produce
	mid      Node      // the node whose rows MergeGroups produces (Finish's input)
	leaf     Node      // the leaf fragment (over split)
	agg      *AggregateNode
	partial  *arrow.Schema // the leaves' batch layout with agg
	leafCols []Column      // the leaves' columns without agg
	ordered  bool          // the root concatenates the leaves in split order
	finger   string
}

// PlanDistributed plans a SELECT for distributed execution in the
// engine's default session; see Session.PlanDistributed.
func (e *Engine) PlanDistributed(ctx context.Context, sql string, opts DistributeOptions) (*DistributedPlan, error) {
	return e.def.PlanDistributed(ctx, sql, opts)
}

// PlanDistributed binds and optimizes a query (without ? parameters) and
// cuts it into fragments. It reads file headers but no records.
func (s *Session) PlanDistributed(ctx context.Context, sql string, opts DistributeOptions) (p *DistributedPlan, err error) {
	defer func() {
		if r := recover(); r != nil {
			ie := scan.Recovered(r)
			ie.Statement = sql
			p, err = nil, ie
		}
	}()
	if s.e.isClosed() {
		return nil, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	stmt, err := parseOne(sql)
	if err != nil {
		return nil, err
	}
	q, ok := stmt.(parser.Query)
	if !ok {
		return nil, posErr(stmt.Position(), "only queries (SELECT, VALUES, set operations) can be distributed")
	}
	if countParams(stmt) > 0 {
		return nil, posErr(stmt.Position(), "a distributed query cannot have ? parameters (workers re-plan it from its text): write the values into the SQL")
	}
	bd := newBinder(s.e.cat, nil)
	root, err := bd.bindQuery(q, nil, nil)
	if err != nil {
		return nil, err
	}
	root, applied, err := optimize(root, s.e.disabled)
	if err != nil {
		return nil, err
	}
	for _, c := range bd.cells {
		if c.plan, _, err = optimize(c.plan, s.e.disabled); err != nil {
			return nil, err
		}
	}
	p = &DistributedPlan{s: s, sql: sql, opts: opts.withDefaults(), settings: s.Settings(), root: root, applied: applied, cells: bd.cells}
	if err := p.decompose(); err != nil {
		return nil, err
	}
	p.finger = p.fingerprint()
	return p, nil
}

// decompose finds the cut between the fragments and the split scan.
func (p *DistributedPlan) decompose() error {
	// The root fragment is the chain of row-wise and ordering nodes at
	// the top, down to the aggregation or, without one, to the lowest
	// sort or limit.
	var chain []Node
	n := p.root
	for {
		switch n.(type) {
		case *LimitNode, *SortNode, *ProjectNode, *FilterNode:
			chain = append(chain, n)
			n = n.Inputs()[0]
			continue
		}
		break
	}
	if agg, ok := n.(*AggregateNode); ok {
		la, err := lowerAggregate(agg)
		if err != nil {
			return err
		}
		for i, c := range la.calls {
			if err := exec.PartialSupported(c); err != nil {
				return refuse("%s: %v", agg.aggs[i].String(), err)
			}
		}
		if p.partial, err = exec.PartialSchema(la.groups, la.groupNames, la.calls, la.aggNames); err != nil {
			return refuse("%v", err)
		}
		if p.split, err = p.findSplit(agg.in); err != nil {
			return err
		}
		p.agg, p.cut = agg, agg
		p.leaf = &partialAggNode{agg: agg, cols: schemaColumns(p.partial)}
		p.mid = p.root
		if low := lowestOrdering(chain); low >= 0 {
			p.mid = chain[low].Inputs()[0]
		}
		return p.checkCells()
	}
	low := lowestOrdering(chain)
	p.cut, p.ordered = p.root, true
	if low >= 0 {
		p.cut = chain[low].Inputs()[0]
	}
	for _, c := range chain[:low+1] {
		if _, ok := c.(*SortNode); ok {
			p.ordered = false
		}
	}
	p.mid = p.cut
	var err error
	if p.split, err = p.findSplit(p.cut); err != nil {
		return err
	}
	p.leaf = p.cut
	if low >= 0 {
		switch x := chain[low].(type) {
		case *SortNode:
			if x.limit >= 0 {
				p.leaf = &SortNode{in: p.cut, keys: x.keys, limit: x.limit}
			}
		case *LimitNode:
			if x.n >= 0 {
				p.leaf = &LimitNode{in: p.cut, n: exec.SatAddInt64(x.n, x.offset)}
			}
		}
	}
	p.leafCols = p.cut.Columns()
	return p.checkCells()
}

// lowestOrdering is the index of the lowest sort or limit of a chain of
// nodes (top first), or -1.
func lowestOrdering(chain []Node) int {
	low := -1
	for i, c := range chain {
		switch c.(type) {
		case *SortNode, *LimitNode:
			low = i
		}
	}
	return low
}

// schemaColumns gives a partial layout's fields columns of their own.
func schemaColumns(s *arrow.Schema) []Column {
	cols := make([]Column, s.NumFields())
	for i, f := range s.Fields() {
		cols[i] = Column{ID: ColumnID(-1 - i), Name: f.Name, Type: f.Type}
	}
	return cols
}

// findSplit picks the scan the splits cut: the largest table on a path
// through filters, projections and the sides of joins that keep each of
// their rows independent of the other rows of that side. Every other
// table is broadcast and must be small.
func (p *DistributedPlan) findSplit(n Node) (*ScanNode, error) {
	var cands []*ScanNode
	var blocked []string
	var drive func(n Node)
	drive = func(n Node) {
		switch x := n.(type) {
		case *ScanNode:
			if x.sample != nil {
				blocked = append(blocked, fmt.Sprintf("USING SAMPLE on %s draws from the whole table, not from each split", x.name))
				return
			}
			cands = append(cands, x)
		case *ReadNode:
			blocked = append(blocked, fmt.Sprintf("%s (%s) is read whole, not in splits: split a table of record files and join it to this one", x.name, x.src.Describe()))
		case *FilterNode, *ProjectNode:
			drive(n.Inputs()[0])
		case *JoinNode:
			switch x.kind {
			case joinInner:
				drive(x.left)
				drive(x.right)
			case joinLeft, joinSemi, joinAnti, joinNullAwareAnti, joinSingle, joinMark:
				drive(x.left)
				if len(scansIn(x.right)) > 0 {
					blocked = append(blocked, fmt.Sprintf("the right side of a %s join keeps rows only against all of the left side, so it cannot be the split table", x.kind))
				}
			case joinRight:
				drive(x.right)
				blocked = append(blocked, "the left side of a RIGHT join cannot be the split table")
			case joinFull:
				blocked = append(blocked, "a FULL join needs the unmatched rows of both sides, which no single split knows")
			}
		case *AggregateNode:
			blocked = append(blocked, "an aggregation below the top of the query (in a derived table, view or subquery) needs all of its rows in one place")
		case *WindowNode:
			blocked = append(blocked, "window functions (OVER) need every row of a partition in one place, and recq has no repartition step")
		case *SetOpNode:
			blocked = append(blocked, fmt.Sprintf("%s combines whole inputs; it is not decomposed across splits", x.Line()))
		case *SortNode, *LimitNode:
			blocked = append(blocked, "ORDER BY or LIMIT inside a derived table, view or subquery applies to all of its rows")
		}
	}
	drive(n)
	all := scansIn(n)
	if len(cands) == 0 {
		if len(blocked) > 0 {
			return nil, refuse("%s", blocked[0])
		}
		if len(all) == 0 {
			return nil, refuse("the query reads no table, so there is nothing to split: run it on one node")
		}
		return nil, refuse("no table of the query can be split")
	}
	var best *ScanNode
	var bestBytes int64 = -1
	for _, c := range cands {
		if b := scanBytes(c); b > bestBytes {
			best, bestBytes = c, b
		}
	}
	var broadcast int64
	var names []string
	for _, s := range all {
		if s == best {
			continue
		}
		broadcast += scanBytes(s)
		names = append(names, s.name)
	}
	if broadcast > p.opts.BroadcastLimit {
		return nil, refuse("a join of large tables: %s is split, and every leaf would read all of %s (%s of files, over the broadcast limit of %s; see DistributeOptions.BroadcastLimit)",
			best.name, strings.Join(names, ", "), formatBytes(broadcast), formatBytes(p.opts.BroadcastLimit))
	}
	return best, nil
}

// checkCells refuses uncorrelated subqueries (computed before the query,
// by every fragment) that read the split table.
func (p *DistributedPlan) checkCells() error {
	for _, c := range p.cells {
		for _, s := range scansIn(c.plan) {
			if sameTable(s, p.split) {
				return refuse("a subquery reads %s, the table being split: every leaf would read all of it", s.name)
			}
		}
	}
	return nil
}

func sameTable(a, b *ScanNode) bool {
	if a.files != nil || b.files != nil {
		return a.files != nil && b.files != nil && a.files.pattern == b.files.pattern
	}
	return a.table.Path == b.table.Path
}

// scansIn lists the scans under n.
func scansIn(n Node) []*ScanNode {
	var out []*ScanNode
	var visit func(n Node)
	visit = func(n Node) {
		if s, ok := n.(*ScanNode); ok {
			out = append(out, s)
		}
		for _, c := range n.Inputs() {
			visit(c)
		}
	}
	visit(n)
	return out
}

// scanBytes is the size of the files a scan may read.
func scanBytes(s *ScanNode) int64 {
	if s.empty {
		return 0
	}
	if s.files == nil {
		return s.table.Size
	}
	var n int64
	for _, i := range s.keptFiles() {
		if st, err := os.Stat(s.files.files[i].path); err == nil {
			n += st.Size()
		}
	}
	return n
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// fingerprint hashes what the leaves and the root must agree on: the
// plan of the query, its subqueries, the split table and the versions.
func (p *DistributedPlan) fingerprint() string {
	h := sha256.New()
	fmt.Fprintf(h, "plan v%d state v%d split v%d\n", DistributedPlanVersion, exec.PartialStateVersion, SplitVersion)
	h.Write([]byte(explainTree(p.root)))
	for _, c := range p.cells {
		h.Write([]byte(explainTree(c.plan)))
	}
	fmt.Fprintf(h, "split %s\n", tableIdentity(p.split))
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// Fingerprint identifies the plan: a worker that plans the same SQL over
// the same catalog gets the same one.
func (p *DistributedPlan) Fingerprint() string { return p.finger }

// SQL is the planned statement.
func (p *DistributedPlan) SQL() string { return p.sql }

// Splits cuts the split table into splits, in file order. Blocks whose
// min/max rule out the query's pushed-down conditions, and files its
// partition conditions rule out, are left out before anything is
// scheduled.
func (p *DistributedPlan) Splits(ctx context.Context) ([]Split, error) {
	return splitsOf(ctx, p.split, p.opts.SplitBytes)
}

// Splits cuts a table (a name, or a file path or pattern as FROM takes
// it) into splits for a plain scan of all of it.
func (e *Engine) Splits(ctx context.Context, table string, opts DistributeOptions) ([]Split, error) {
	ref := `"` + strings.ReplaceAll(table, `"`, `""`) + `"`
	if strings.ContainsAny(table, `/\*?[`) || strings.Contains(table, ".") {
		ref = "'" + strings.ReplaceAll(table, "'", "''") + "'"
	}
	p, err := e.PlanDistributed(ctx, "SELECT * FROM "+ref, opts)
	if err != nil {
		return nil, err
	}
	return p.Splits(ctx)
}

// Partial reports whether the leaves return partial aggregation states
// (PartialSchema) rather than rows.
func (p *DistributedPlan) Partial() bool { return p.agg != nil }

// LeafSchema is the schema of every leaf's batches: with Partial, the
// versioned layout of the aggregate states (exec.PartialStateVersion).
func (p *DistributedPlan) LeafSchema() *arrow.Schema {
	if p.partial != nil {
		return p.partial
	}
	return columnsSchema(p.leafCols)
}

// Explain renders the two fragments.
func (p *DistributedPlan) Explain() string {
	var b strings.Builder
	fmt.Fprintf(&b, "split table: %s\n", p.split.name)
	b.WriteString("leaf fragment (once per split):\n")
	b.WriteString(indent(explainTree(p.leaf)))
	b.WriteString("root fragment (merges the leaves):\n")
	b.WriteString(indent(explainTree(p.rootTree(&inputNode{cols: p.leafOutput(), label: "Leaves"}))))
	return b.String()
}

// leafOutput is the columns of the leaves' batches.
func (p *DistributedPlan) leafOutput() []Column {
	if p.agg != nil {
		return schemaColumns(p.partial)
	}
	return p.leafCols
}

// rootTree is the root fragment over in (the leaves' batches).
func (p *DistributedPlan) rootTree(in *inputNode) Node {
	return replaceNode(p.root, p.cut, p.merged(in))
}

// groupsTree is the first stage of the root fragment (MergeGroups).
func (p *DistributedPlan) groupsTree(in *inputNode) Node {
	return replaceNode(p.mid, p.cut, p.merged(in))
}

// finishTree is the second stage of the root fragment (Finish) over in
// (MergeGroups' rows).
func (p *DistributedPlan) finishTree(in *inputNode) Node {
	in.notNull = notNullColumns(p.mid)
	return replaceNode(p.root, p.mid, in)
}

// merged is the leaves' rows merged: the final aggregation, or as they are.
func (p *DistributedPlan) merged(in *inputNode) Node {
	if p.agg != nil {
		return &finalAggNode{agg: p.agg, in: in}
	}
	in.notNull = notNullColumns(p.cut)
	return in
}

// replaceNode returns n with the node old replaced by nu.
func replaceNode(n, old, nu Node) Node {
	if n == old {
		return nu
	}
	ins := n.Inputs()
	changed := false
	next := make([]Node, len(ins))
	for i, c := range ins {
		next[i] = replaceNode(c, old, nu)
		changed = changed || next[i] != c
	}
	if !changed {
		return n
	}
	if pa, ok := n.(*partialAggNode); ok {
		c := *pa
		c.agg = withInputs(pa.agg, next[0]).(*AggregateNode)
		return &c
	}
	return withInputs(n, next...)
}

// Leaf runs the leaf fragment on one split. The result's batches have
// LeafSchema; the caller must Close it (or hand it to Merge).
func (p *DistributedPlan) Leaf(ctx context.Context, sp Split) (res *Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			ie := scan.Recovered(r)
			ie.Statement = p.sql
			res, err = nil, ie
		}
	}()
	if p.s.e.isClosed() {
		return nil, ErrClosed
	}
	s, err := p.splitScan(sp)
	if err != nil {
		return nil, err
	}
	var leaf Node
	if pa, ok := p.leaf.(*partialAggNode); ok {
		c := *pa
		c.agg = withInputs(pa.agg, replaceNode(pa.agg.in, p.split, s)).(*AggregateNode)
		leaf = &c
	} else {
		leaf = replaceNode(p.leaf, p.split, s)
	}
	pp, err := physical(leaf, p.applied, p.cells, planOptions{settings: p.settings, mem: p.s.e.mem})
	if err != nil {
		return nil, err
	}
	res, err = startResult(ctx, pp, p.s.e.mem)
	if err != nil {
		return nil, err
	}
	res.statement = p.sql
	res.maxRows = 0 // max_rows bounds the merged result, not a leaf's share
	if p.partial != nil {
		res.schema = p.partial
	}
	return res, nil
}

// splitScan is the split table's scan restricted to one split.
func (p *DistributedPlan) splitScan(sp Split) (*ScanNode, error) {
	if err := sp.check(); err != nil {
		return nil, err
	}
	if sp.Version != SplitVersion {
		return nil, fmt.Errorf("split encoding version %d, this recq reads version %d", sp.Version, SplitVersion)
	}
	if id := tableIdentity(p.split); sp.Table != id {
		return nil, fmt.Errorf("the split is of table %s, the plan splits %s", sp.Table, id)
	}
	s := *p.split
	var count int64
	if s.files != nil {
		if sp.File >= len(s.files.files) {
			return nil, fmt.Errorf("split of %s: file %d of a table of %d files (are the same files on this worker?)", sp.Table, sp.File, len(s.files.files))
		}
		f := s.files.files[sp.File]
		if rel := relPath(s.files.root, f.path); rel != sp.Path {
			return nil, fmt.Errorf("split of %s: file %d is %s here, %s in the split (are the same files on this worker?)", sp.Table, sp.File, rel, sp.Path)
		}
		t, err := s.files.open(f.path)
		if err != nil {
			return nil, err
		}
		count = t.Layout.Count
		if s.ranges != nil || slices.Contains(s.fields, rowIDField) {
			// row ids depend on the base: check it against the files here
			var base int64
			for _, g := range s.files.files[:sp.File] {
				t, err := s.files.open(g.path)
				if err != nil {
					return nil, err
				}
				base += t.Layout.Count
			}
			if base != sp.Base {
				return nil, fmt.Errorf("split of %s: file %s starts at row %d here, %d when the split was made (files before it differ)", sp.Table, sp.Path, base, sp.Base)
			}
		}
		s.only = &splitFile{file: sp.File, base: sp.Base}
	} else {
		if sp.File != 0 {
			return nil, fmt.Errorf("split of %s: file %d of a table of one file", sp.Table, sp.File)
		}
		count = s.table.Layout.Count
	}
	if count != sp.Records {
		return nil, fmt.Errorf("split of %s: file %s has %d records here, %d when the split was made (a different or changed file)", sp.Table, sp.Path, count, sp.Records)
	}
	rs := make([]scan.RowRange, len(sp.Ranges))
	for i, r := range sp.Ranges {
		rs[i] = scan.RowRange{Start: sp.Base + r.Start, End: sp.Base + r.End}
	}
	if s.ranges != nil {
		rs = intersectRanges(s.ranges, rs)
	}
	s.ranges = rs
	return &s, nil
}

// Merge runs the root fragment over the leaves' outputs, given in split
// order (a plain scan's rows come out in that order). Merge takes
// ownership of the readers and releases them; their schemas must be
// LeafSchema. Leaf results can be passed as they are (a Result is an
// array.RecordReader); batches from elsewhere through
// array.NewRecordReader or an Arrow IPC reader.
//
// Merge is Finish over MergeGroups, in one step. Runners that merge in
// parallel split the leaves' batches by group (Partition), run
// MergeGroups on each bucket, then Finish over all the buckets' rows.
func (p *DistributedPlan) Merge(ctx context.Context, leaves []array.RecordReader) (*Result, error) {
	return p.runRoot(ctx, leaves, p.LeafSchema(), p.checkLeafSchema, p.leafOutput(), p.rootTree)
}

// MergeGroups runs the first stage of the root fragment over some
// leaves' outputs: the final aggregation (with HAVING and the projections
// below ORDER BY), or the rows as they are for a plan without
// aggregation. Given all the batches of some groups (a bucket of
// Partition), it returns the final rows of exactly those groups, with
// GroupSchema. It takes ownership of the readers.
func (p *DistributedPlan) MergeGroups(ctx context.Context, leaves []array.RecordReader) (*Result, error) {
	return p.runRoot(ctx, leaves, p.LeafSchema(), p.checkLeafSchema, p.leafOutput(), p.groupsTree)
}

// GroupSchema is the schema of MergeGroups' rows, Finish's input.
func (p *DistributedPlan) GroupSchema() *arrow.Schema { return columnsSchema(p.mid.Columns()) }

// NeedsFinish reports whether the plan has a second stage (ORDER BY or
// LIMIT): without one, the union of MergeGroups' rows over disjoint
// buckets is the result.
func (p *DistributedPlan) NeedsFinish() bool { return p.mid != p.root }

// Finish runs the second stage of the root fragment (ORDER BY, LIMIT and
// the projections above them) over the rows of MergeGroups, given in
// bucket order. It takes ownership of the readers.
func (p *DistributedPlan) Finish(ctx context.Context, groups []array.RecordReader) (*Result, error) {
	want := p.GroupSchema()
	return p.runRoot(ctx, groups, want, func(want, got *arrow.Schema) error { return sameTypes(want, got, "merged groups") }, p.mid.Columns(), p.finishTree)
}

// Buckets is how many buckets of Partition to use when want are wanted:
// want for a grouped aggregation, 1 for a plan without group keys (a
// global aggregation has one row, which one bucket must compute; rows
// without aggregation keep their split order in one bucket).
func (p *DistributedPlan) Buckets(want int) int {
	if p.agg == nil || len(p.agg.groups) == 0 {
		return 1
	}
	return max(want, 1)
}

// Partition splits a leaf's batch of partial states by a hash of its
// group keys into n buckets that are the same for every leaf and in
// every process (exec.RowBuckets): all the states of a group meet in one
// bucket. Buckets without rows are nil. A plan without aggregation (or
// without GROUP BY) puts every row in bucket 0.
func (p *DistributedPlan) Partition(rec arrow.Record, n int) ([]arrow.Record, error) {
	keys := 0
	if p.agg != nil {
		keys = len(p.agg.groups)
	}
	return exec.PartitionByKeys(p.s.e.mem, rec, keys, n)
}

// runRoot runs a stage of the root fragment over readers.
func (p *DistributedPlan) runRoot(ctx context.Context, readers []array.RecordReader, want *arrow.Schema,
	check func(want, got *arrow.Schema) error, cols []Column, tree func(*inputNode) Node) (res *Result, err error) {
	src := &leafSource{readers: readers}
	defer func() {
		if r := recover(); r != nil {
			ie := scan.Recovered(r)
			ie.Statement = p.sql
			res, err = nil, ie
		}
		if err != nil {
			src.releaseAll()
		}
	}()
	if p.s.e.isClosed() {
		return nil, ErrClosed
	}
	for i, r := range readers {
		if err := check(want, r.Schema()); err != nil {
			return nil, fmt.Errorf("input %d: %w", i+1, err)
		}
	}
	parts := 1
	if !p.ordered && len(readers) > 1 {
		parts = min(len(readers), max(p.settings.Workers, 1))
	}
	op := exec.NewStreamSource(want, parts, fmt.Sprintf("Leaves: %d", len(readers)), func(ctx context.Context, part int) (exec.Stream, error) {
		return src.stream(ctx, want, part, parts), nil
	})
	root := tree(&inputNode{cols: cols, op: op, label: "Leaves"})
	pp, err := physical(root, p.applied, p.cells, planOptions{settings: p.settings, mem: p.s.e.mem})
	if err != nil {
		return nil, err
	}
	release := pp.release
	pp.release = func() {
		release()
		src.releaseAll()
	}
	res, err = startResult(ctx, pp, p.s.e.mem)
	if err != nil {
		return nil, err
	}
	res.statement = p.sql
	return res, nil
}

func (p *DistributedPlan) checkLeafSchema(want, got *arrow.Schema) error {
	if p.partial != nil {
		return exec.CheckPartialSchema(want, got)
	}
	return sameTypes(want, got, "leaf")
}

// sameTypes checks that batches of schema got can stand for want's.
func sameTypes(want, got *arrow.Schema, what string) error {
	if got.NumFields() != want.NumFields() {
		return fmt.Errorf("%s batches have %d columns, the plan's %d (planned from other SQL or another catalog?)", what, got.NumFields(), want.NumFields())
	}
	for i := range want.Fields() {
		if !arrow.TypeEqual(want.Field(i).Type, got.Field(i).Type) {
			return fmt.Errorf("%s column %d (%s) is %s, expected %s", what, i+1, want.Field(i).Name, got.Field(i).Type, want.Field(i).Type)
		}
	}
	return nil
}

// columnsSchema is the Arrow schema of plan columns.
func columnsSchema(cols []Column) *arrow.Schema {
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = arrow.Field{Name: c.Name, Type: c.Type, Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}

// ---------------------------------------------------------------------
// Encoding

// planSpec is the encoded form of a distributed plan.
type planSpec struct {
	Version        int               `json:"v"`
	SQL            string            `json:"sql"`
	Settings       map[string]string `json:"settings,omitempty"`
	BroadcastLimit int64             `json:"broadcast_limit"`
	SplitBytes     int64             `json:"split_bytes"`
	Fingerprint    string            `json:"fingerprint"`
}

// planSettings are the settings a worker takes from the coordinator (the
// others, such as workers and io, are the worker's own business).
var planSettings = []string{"batch_size", "memory_limit", "verify_checksums"}

// MarshalBinary encodes the plan for remote workers (as JSON: the SQL, the
// settings that matter and the fingerprint); see Engine.LoadDistributed.
func (p *DistributedPlan) MarshalBinary() ([]byte, error) {
	spec := planSpec{Version: DistributedPlanVersion, SQL: p.sql, Settings: map[string]string{},
		BroadcastLimit: p.opts.BroadcastLimit, SplitBytes: p.opts.SplitBytes, Fingerprint: p.finger}
	for _, name := range planSettings {
		v, err := p.settings.Get(name)
		if err != nil {
			return nil, err
		}
		spec.Settings[name] = v
	}
	return json.Marshal(spec)
}

// LoadDistributed re-plans an encoded distributed plan on a worker, which
// must see the same tables (the same files under the same names): the
// plan's fingerprint must match, or the worker refuses it.
func (e *Engine) LoadDistributed(ctx context.Context, data []byte) (*DistributedPlan, error) {
	var spec planSpec
	if err := json.Unmarshal(data, &spec); err != nil {
		return nil, fmt.Errorf("distributed plan: %v", err)
	}
	if spec.Version != DistributedPlanVersion {
		return nil, fmt.Errorf("distributed plan encoding version %d, this recq reads version %d: run the same recq version everywhere", spec.Version, DistributedPlanVersion)
	}
	s := e.NewSession()
	for _, name := range planSettings {
		if v, ok := spec.Settings[name]; ok {
			if err := s.Set(name, v); err != nil {
				return nil, fmt.Errorf("distributed plan: %v", err)
			}
		}
	}
	p, err := s.PlanDistributed(ctx, spec.SQL, DistributeOptions{BroadcastLimit: spec.BroadcastLimit, SplitBytes: spec.SplitBytes})
	if err != nil {
		return nil, err
	}
	if p.finger != spec.Fingerprint {
		return nil, fmt.Errorf("distributed plan fingerprint %s, this worker plans %s: its tables, files or recq version differ from the coordinator's", spec.Fingerprint, p.finger)
	}
	return p, nil
}

// ---------------------------------------------------------------------
// Fragment nodes: logical nodes that exist only in fragments, lowered by
// their own method (see lower).

type fragmentNode interface {
	Node
	lowerFragment(lw *lowerer) (exec.Operator, error)
}

// partialAggNode is the top of a leaf: the aggregation in its partial
// phase; its columns are the partial layout's.
type partialAggNode struct {
	agg  *AggregateNode
	cols []Column
}

func (n *partialAggNode) Columns() []Column { return n.cols }
func (n *partialAggNode) Inputs() []Node    { return []Node{n.agg.in} }
func (n *partialAggNode) Line() string      { return "Partial" + n.agg.Line() }
func (n *partialAggNode) lowerFragment(lw *lowerer) (exec.Operator, error) {
	in, err := lw.lower(n.agg.in)
	if err != nil {
		return nil, err
	}
	la, err := lowerAggregate(n.agg)
	if err != nil {
		return nil, err
	}
	return exec.NewPartialAggregate(in, la.groups, la.groupNames, la.calls, la.aggNames, lw.budget), nil
}

// finalAggNode merges the leaves' partial states into the aggregation's
// columns.
type finalAggNode struct {
	agg *AggregateNode
	in  *inputNode
}

func (n *finalAggNode) Columns() []Column { return n.agg.cols }
func (n *finalAggNode) Inputs() []Node    { return []Node{n.in} }
func (n *finalAggNode) Line() string      { return "Final" + n.agg.Line() }
func (n *finalAggNode) lowerFragment(lw *lowerer) (exec.Operator, error) {
	in, err := lw.lower(n.in)
	if err != nil {
		return nil, err
	}
	la, err := lowerAggregate(n.agg)
	if err != nil {
		return nil, err
	}
	return exec.NewFinalAggregate(in, la.groups, la.groupNames, la.calls, la.aggNames, lw.budget), nil
}

// inputNode is the leaves' batches at the bottom of the root fragment.
type inputNode struct {
	cols    []Column
	notNull map[ColumnID]bool
	op      exec.Operator
	label   string
}

func (n *inputNode) Columns() []Column { return n.cols }
func (n *inputNode) Inputs() []Node    { return nil }
func (n *inputNode) Line() string      { return n.label + " [" + columnNames(n.cols) + "]" }
func (n *inputNode) lowerFragment(*lowerer) (exec.Operator, error) {
	if n.op == nil {
		return nil, internalErr("the leaves' input has no operator")
	}
	return n.op, nil
}

// ---------------------------------------------------------------------
// leafSource reads the leaves' readers: partition p reads readers p,
// p+parts, ... in order (one partition reads them all in split order).

type leafSource struct {
	readers  []array.RecordReader
	released []bool
}

func (s *leafSource) releaseAll() {
	if s.released == nil {
		s.released = make([]bool, len(s.readers))
	}
	for i, r := range s.readers {
		if !s.released[i] {
			s.released[i] = true
			r.Release()
		}
	}
}

func (s *leafSource) stream(ctx context.Context, schema *arrow.Schema, part, parts int) exec.Stream {
	var mine []array.RecordReader
	for i := part; i < len(s.readers); i += parts {
		mine = append(mine, s.readers[i])
	}
	return &leafStream{ctx: ctx, schema: schema, readers: mine}
}

// leafStream passes the batches of its readers through, one reader after
// the other.
type leafStream struct {
	ctx     context.Context
	schema  *arrow.Schema
	readers []array.RecordReader
	cur     arrow.Record
	err     error
}

func (s *leafStream) Schema() *arrow.Schema { return s.schema }
func (s *leafStream) Record() arrow.Record  { return s.cur }
func (s *leafStream) Err() error            { return s.err }
func (s *leafStream) Close()                { s.cur = nil }

func (s *leafStream) Next() bool {
	s.cur = nil
	for len(s.readers) > 0 && s.err == nil {
		if err := s.ctx.Err(); err != nil {
			s.err = err
			return false
		}
		r := s.readers[0]
		if r.Next() {
			s.cur = r.Record()
			return true
		}
		if re, ok := r.(interface{ Err() error }); ok && re.Err() != nil {
			s.err = re.Err()
			return false
		}
		s.readers = s.readers[1:]
	}
	return false
}
