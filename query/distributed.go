package query

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
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
	fmt.Fprintf(&b, "split table: %s (%s)\n", p.split.name, tableIdentity(p.split))
	b.WriteString("leaf fragment (once per split):\n")
	b.WriteString(indent(explainTree(p.leaf)))
	b.WriteString("root fragment (merges the leaves):\n")
	b.WriteString(indent(explainTree(p.rootTree(&inputNode{cols: p.leafOutput(), label: "Leaves"}))))
	return b.String()
}
