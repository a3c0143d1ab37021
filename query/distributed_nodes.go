package query

import (
	"github.com/recq/recq/exec"
)

// The trees of a distributed plan's fragments, and the logical nodes
// that exist only in fragments.

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
	if n.agg.raw {
		// The folding scan's batches are the partial states already.
		if in, ok, err := lw.lowerRawPartial(n.agg); ok || err != nil {
			return in, err
		}
	}
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
func (n *finalAggNode) Line() string      { return "Final" + n.agg.describe(false) }
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
