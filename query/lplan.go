package query

import (
	"fmt"
	"strings"

	"github.com/recq/recq/parser"
	"github.com/recq/recq/scan"
	"github.com/recq/recq/storage"
)

// Node is a logical plan node. The tree is built by the binder, rewritten
// by the optimizer passes (which return new nodes rather than editing
// those they were given) and lowered to exec operators by lower.go.
//
// Node kinds: *ScanNode, *ReadNode, *ValuesNode, *FilterNode, *ProjectNode,
// *AggregateNode (also DISTINCT), *WindowNode, *JoinNode, *SetOpNode,
// *SortNode (also top-N), *LimitNode.
type Node interface {
	// Columns are the node's output columns, in order.
	Columns() []Column
	// Inputs are the node's children.
	Inputs() []Node
	// Line is the node's one line in EXPLAIN.
	Line() string
}

// ScanNode reads one table. fields lists what it decodes (table field
// indexes, rowIDField for _rowid), cols the matching output columns.
type ScanNode struct {
	entry  *tableEntry
	table  *storage.Table
	name   string // the table's name in the query (alias or name)
	pos    parser.Pos
	fields []int
	cols   []Column
	pushed []scan.Predicate
	ranges []scan.RowRange // nil: all records
	empty  bool            // reads nothing (WHERE is constantly false)
	limit  int64           // 0: none
	sample *parser.Sample
	// files, for a table of several files, are its files; the fields
	// then include partition and filename columns (fileField), and
	// filePreds are the conjuncts on them, which prune whole files.
	files     *fileSet
	filePreds []scan.Predicate
	// only, in a leaf of a distributed plan over several files, is the
	// one file its split reads.
	only *splitFile
}

// splitFile is the file of a split: its index in the table's file list
// and the row id of its first record.
type splitFile struct {
	file int
	base int64
}

func (n *ScanNode) Columns() []Column { return n.cols }
func (n *ScanNode) Inputs() []Node    { return nil }
func (n *ScanNode) Line() string {
	var cols []string
	for _, c := range n.cols {
		cols = append(cols, c.Name)
	}
	s := fmt.Sprintf("Scan %s [%s]", n.name, strings.Join(cols, ", "))
	if len(n.pushed) > 0 {
		ps := make([]string, len(n.pushed))
		for i, p := range n.pushed {
			ps[i] = p.String(n.table.Schema)
		}
		s += " pushed [" + strings.Join(ps, " AND ") + "]"
	}
	if n.ranges != nil {
		s += fmt.Sprintf(" row ranges %v", n.ranges)
	}
	if n.files != nil {
		s += " " + n.fileLine()
	}
	if n.limit > 0 {
		s += fmt.Sprintf(" limit %d", n.limit)
	}
	if n.empty {
		s += " (reads nothing: WHERE is always false)"
	}
	return s
}

// ValuesNode is a constant table: VALUES rows, or the one empty row of a
// SELECT without FROM.
type ValuesNode struct {
	cols []Column
	rows [][]*Expr
}

func (n *ValuesNode) Columns() []Column { return n.cols }
func (n *ValuesNode) Inputs() []Node    { return nil }
func (n *ValuesNode) Line() string {
	if len(n.cols) == 0 {
		return "Values (one row)"
	}
	return fmt.Sprintf("Values %d rows [%s]", len(n.rows), columnNames(n.cols))
}

// FilterNode keeps rows for which every condition is true.
type FilterNode struct {
	in    Node
	conds []*Expr
	label string // "" or "HAVING", for EXPLAIN
}

func (n *FilterNode) Columns() []Column { return n.in.Columns() }
func (n *FilterNode) Inputs() []Node    { return []Node{n.in} }
func (n *FilterNode) Line() string {
	s := "Filter "
	if n.label != "" {
		s += "(" + n.label + ") "
	}
	return s + exprList(n.conds, " AND ")
}

// ProjectNode computes one output column per expression.
type ProjectNode struct {
	in    Node
	exprs []*Expr
	cols  []Column
}

func (n *ProjectNode) Columns() []Column { return n.cols }
func (n *ProjectNode) Inputs() []Node    { return []Node{n.in} }
func (n *ProjectNode) Line() string {
	items := make([]string, len(n.exprs))
	for i, e := range n.exprs {
		items[i] = e.String()
		if n.cols[i].Name != items[i] {
			items[i] += " AS " + n.cols[i].Name
		}
	}
	return "Project " + strings.Join(items, ", ")
}

// AggregateNode groups by groups and computes aggs (kAgg expressions);
// its columns are the groups' then the aggregates'. Without aggs it is
// DISTINCT over the groups.
type AggregateNode struct {
	in     Node
	groups []*Expr
	aggs   []*Expr
	cols   []Column
	raw    bool // raw_aggregates: folded into the scan below (rawagg.go)
}

func (n *AggregateNode) Columns() []Column { return n.cols }
func (n *AggregateNode) Inputs() []Node    { return []Node{n.in} }
func (n *AggregateNode) Line() string      { return n.describe(n.raw) }

// describe is the node's EXPLAIN line, saying whether it folds raw bytes.
func (n *AggregateNode) describe(raw bool) string {
	if len(n.aggs) == 0 && n.distinct() {
		if raw {
			return "Distinct on raw record bytes"
		}
		return "Distinct"
	}
	s := fmt.Sprintf("Aggregate group by [%s] aggregates [%s]", exprList(n.groups, ", "), exprList(n.aggs, ", "))
	if raw {
		s += " on raw record bytes"
	}
	return s
}

// distinct reports whether the node is a DISTINCT: its groups are its
// input's columns in order.
func (n *AggregateNode) distinct() bool {
	in := n.in.Columns()
	if len(n.aggs) > 0 || len(n.groups) != len(in) || len(in) == 0 {
		return false
	}
	for i, g := range n.groups {
		if g.kind != kCol || g.id != in[i].ID {
			return false
		}
	}
	return true
}

// JoinNode joins left and right. For equi-joins leftKeys[i] (over left's
// columns) matches rightKeys[i] (over right's); cond holds the remaining
// conditions over both sides. Columns: left's then right's, except semi
// and anti joins (left's only) and mark joins (left's and the mark).
type JoinNode struct {
	kind                joinKind
	left, right         Node
	leftKeys, rightKeys []*Expr
	nullEqual           []bool
	cond                []*Expr
	mark                *Column         // JoinMark only
	buildLeft           bool            // choose_build_side: hash the left input instead of the right
	keyFilters          []keyFilterPlan // join_key_filters: scans under the probe side that test the build keys
	pos                 parser.Pos
}

func (n *JoinNode) Columns() []Column {
	l := n.left.Columns()
	switch n.kind {
	case joinSemi, joinAnti, joinNullAwareAnti:
		return l
	case joinMark:
		return append(append([]Column(nil), l...), *n.mark)
	}
	return append(append([]Column(nil), l...), n.right.Columns()...)
}
func (n *JoinNode) Inputs() []Node { return []Node{n.left, n.right} }
func (n *JoinNode) Line() string {
	s := "Join " + n.kind.String()
	if len(n.leftKeys) == 0 && len(n.cond) == 0 {
		s = "CrossJoin"
		if n.kind != joinInner {
			s = "Join " + n.kind.String()
		}
	}
	// Columns print qualified where both sides have the name.
	both := newLayout(append(append([]Column(nil), n.left.Columns()...), n.right.Columns()...))
	show := func(e *Expr) string {
		if x, err := lowerExpr(e, both); err == nil {
			return x.String()
		}
		return e.String()
	}
	var on []string
	for i := range n.leftKeys {
		op := " = "
		if n.nullEqual[i] {
			op = " IS NOT DISTINCT FROM "
		}
		on = append(on, show(n.leftKeys[i])+op+show(n.rightKeys[i]))
	}
	for _, c := range n.cond {
		on = append(on, show(c))
	}
	if len(on) > 0 {
		s += " on " + strings.Join(on, " AND ")
	}
	if len(n.leftKeys) > 0 {
		if n.buildLeft {
			s += " (build left)"
		} else {
			s += " (build right)"
		}
	}
	return s
}

// SetOpNode is UNION, INTERSECT or EXCEPT, with or without ALL, over two
// inputs whose column types are equal position by position (the binder
// casts). Columns take the left input's names.
type SetOpNode struct {
	op          string
	all         bool
	left, right Node
	cols        []Column
}

func (n *SetOpNode) Columns() []Column { return n.cols }
func (n *SetOpNode) Inputs() []Node    { return []Node{n.left, n.right} }
func (n *SetOpNode) Line() string {
	s := n.op
	if n.all {
		s += " ALL"
	}
	return s
}

// joinKind is a logical join's kind.
type joinKind int

const (
	joinInner         joinKind = iota + 1 // also CROSS (no keys, no conditions)
	joinLeft                              // LEFT OUTER
	joinRight                             // RIGHT OUTER
	joinFull                              // FULL OUTER
	joinSemi                              // left rows with a match (EXISTS, IN)
	joinAnti                              // left rows without a match (NOT EXISTS)
	joinNullAwareAnti                     // NOT IN: as anti, but NULLs make the result unknown
	joinSingle                            // scalar subquery: left join, more than one match is an error
	joinMark                              // every left row plus a BOOLEAN "has a match" (NULL when unknown)
)

var joinKindNames = [...]string{joinInner: "INNER", joinLeft: "LEFT", joinRight: "RIGHT", joinFull: "FULL",
	joinSemi: "SEMI", joinAnti: "ANTI", joinNullAwareAnti: "NULL-AWARE ANTI", joinSingle: "SINGLE", joinMark: "MARK"}

func (k joinKind) String() string { return joinKindNames[k] }

// swapped is the kind of the same join with its inputs exchanged, or 0
// when it cannot be exchanged.
func (k joinKind) swapped() joinKind {
	switch k {
	case joinInner, joinFull:
		return k
	case joinLeft:
		return joinRight
	case joinRight:
		return joinLeft
	}
	return 0
}

// sortKey is one ORDER BY key.
type sortKey struct {
	expr       *Expr
	desc       bool
	nullsFirst bool
}

// SortNode orders its input; with limit >= 0 (topn) only the first limit
// rows are kept, as a top-N heap.
type SortNode struct {
	in    Node
	keys  []sortKey
	limit int64 // -1: a full sort
}

func (n *SortNode) Columns() []Column { return n.in.Columns() }
func (n *SortNode) Inputs() []Node    { return []Node{n.in} }
func (n *SortNode) Line() string {
	keys := make([]string, len(n.keys))
	for i, k := range n.keys {
		keys[i] = k.expr.String()
		if k.desc {
			keys[i] += " DESC"
		}
	}
	kind := "Sort"
	if n.limit >= 0 {
		kind = "TopN"
	}
	return kind + " " + strings.Join(keys, ", ")
}

// LimitNode skips offset rows and passes at most n (-1: all).
type LimitNode struct {
	in        Node
	offset, n int64
}

func (n *LimitNode) Columns() []Column { return n.in.Columns() }
func (n *LimitNode) Inputs() []Node    { return []Node{n.in} }
func (n *LimitNode) Line() string      { return fmt.Sprintf("Limit %d offset %d", n.n, n.offset) }

func exprList(es []*Expr, sep string) string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = e.String()
	}
	return strings.Join(s, sep)
}

func columnNames(cs []Column) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = c.Name
	}
	return strings.Join(s, ", ")
}

// explainTree renders a plan top node first, one line per node, children
// indented.
func explainTree(n Node) string {
	var b strings.Builder
	var visit func(n Node, depth int)
	visit = func(n Node, depth int) {
		b.WriteString(strings.Repeat("  ", depth))
		b.WriteString(n.Line())
		b.WriteByte('\n')
		for _, c := range n.Inputs() {
			visit(c, depth+1)
		}
	}
	visit(n, 0)
	return b.String()
}

// withInputs returns a copy of n over new children.
func withInputs(n Node, in ...Node) Node {
	switch x := n.(type) {
	case *FilterNode:
		c := *x
		c.in = in[0]
		return &c
	case *ProjectNode:
		c := *x
		c.in = in[0]
		return &c
	case *AggregateNode:
		c := *x
		c.in = in[0]
		return &c
	case *JoinNode:
		c := *x
		c.left, c.right = in[0], in[1]
		return &c
	case *SetOpNode:
		c := *x
		c.left, c.right = in[0], in[1]
		return &c
	case *SortNode:
		c := *x
		c.in = in[0]
		return &c
	case *LimitNode:
		c := *x
		c.in = in[0]
		return &c
	case *WindowNode:
		c := *x
		c.in = in[0]
		return &c
	case *UnnestNode:
		c := *x
		c.in = in[0]
		return &c
	}
	return n
}
