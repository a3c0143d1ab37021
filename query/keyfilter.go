package query

import (
	"fmt"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/recq/recq/exec"
	"github.com/recq/recq/scan"
)

// join_key_filters: a hash join that drops the probe rows without a match
// (INNER, SEMI, and the joins that keep build rows) gives the scan that
// reads a probe key the set of the build side's keys, once read (see
// scan.KeyFilter and exec.KeySink); the scan then skips the records whose
// key no build row has before decoding their other columns. TPC-H Q17
// reads 6 M lineitem records to join the 2,000 of 204 parts: the scan
// decodes the prices of those 2,000 only.
//
// The scan must be reached from the join's probe input through operators
// under which dropping a scan record with key k drops exactly the rows
// with key k above it (so the rows the join would drop, and nothing
// else): filters, projections passing the column through, the side of a
// join whose rows that join keeps or drops as a whole (either side of an
// inner join, the preserved side of an outer, semi, anti or mark join),
// and a grouped aggregate grouping by the column. Not through a LIMIT or
// a window function, whose results depend on the other rows, nor into
// the NULL-supplying side of an outer join.

// keyFilterPlan is one key filter a join feeds: its key index, and the
// scan field it tests.
type keyFilterPlan struct {
	key   int
	scan  *ScanNode
	field int
	label string
}

func joinKeyFilters(n Node) (Node, error) {
	n, err := mapInputs(n, joinKeyFilters)
	if err != nil {
		return nil, err
	}
	j, ok := n.(*JoinNode)
	if !ok || len(j.leftKeys) == 0 {
		return n, nil
	}
	probeLeft, _, typ := j.hashSides()
	if !typ.DropsUnmatchedProbe() {
		return n, nil
	}
	probe, keys, other := j.right, j.rightKeys, j.leftKeys
	if probeLeft {
		probe, keys, other = j.left, j.leftKeys, j.rightKeys
	}
	var plans []keyFilterPlan
	for i, k := range keys {
		if j.nullEqual[i] {
			continue
		}
		id, ok := filterableKey(k)
		if !ok {
			continue
		}
		if s, field := keyFilterTarget(probe, id); s != nil {
			label := fmt.Sprintf("%s in the build keys of %s", s.table.Schema.Fields[field].Name, other[i])
			plans = append(plans, keyFilterPlan{key: i, scan: s, field: field, label: label})
		}
	}
	if len(plans) == 0 {
		return n, nil
	}
	c := *j
	c.keyFilters = plans
	return &c, nil
}

// filterableKey returns the column a probe key reads when the key is that
// signed integer column, or a widening cast of it.
func filterableKey(e *Expr) (ColumnID, bool) {
	if e.kind == kCast && len(e.args) == 1 && intWidth(e.to) >= intWidth(e.args[0].Type()) {
		e = e.args[0]
	}
	if e.kind != kCol || intWidth(e.Type()) == 0 {
		return 0, false
	}
	return e.id, true
}

// intWidth is the bit width of a signed integer type, else 0.
func intWidth(t arrow.DataType) int {
	if !arrow.IsSignedInteger(t.ID()) {
		return 0
	}
	return t.(arrow.FixedWidthDataType).BitWidth()
}

// keyFilterTarget returns the scan, and its field, that column id of n
// comes from, when dropping that scan's records by key drops exactly n's
// rows with that key (see the file comment); else nil.
func keyFilterTarget(n Node, id ColumnID) (*ScanNode, int) {
	for {
		switch x := n.(type) {
		case *ScanNode:
			if x.limit > 0 || x.sample != nil || x.empty {
				return nil, 0
			}
			t := x.table // a file set's first file (its layout)
			i := columnIndex(x.cols, id)
			if i < 0 || x.fields[i] < 0 || !scan.KeyFilterable(t, x.fields[i]) {
				return nil, 0
			}
			return x, x.fields[i]
		case *FilterNode:
			n = x.in
		case *ProjectNode:
			i := columnIndex(x.cols, id)
			if i < 0 || x.exprs[i].kind != kCol {
				return nil, 0
			}
			id, n = x.exprs[i].id, x.in
		case *AggregateNode:
			i := columnIndex(x.cols, id)
			if i < 0 || i >= len(x.groups) || x.groups[i].kind != kCol {
				return nil, 0
			}
			id, n = x.groups[i].id, x.in
		case *JoinNode:
			inLeft := columnIndex(x.left.Columns(), id) >= 0
			switch {
			case inLeft && x.kind != joinRight && x.kind != joinFull:
				n = x.left
			case !inLeft && (x.kind == joinInner || x.kind == joinRight):
				n = x.right
			default:
				return nil, 0
			}
		default:
			return nil, 0
		}
	}
}

// columnIndex is the position of column id in cols, or -1.
func columnIndex(cols []Column, id ColumnID) int {
	for i, c := range cols {
		if c.ID == id {
			return i
		}
	}
	return -1
}

// keySinks creates the key filters j feeds, registering each with the
// scan it is for (lowerScan picks them up), and returns them by key.
func (lw *lowerer) keySinks(j *JoinNode) []exec.KeySink {
	if len(j.keyFilters) == 0 {
		return nil
	}
	if lw.keyFilters == nil {
		lw.keyFilters = map[*ScanNode][]scan.KeyFilterSpec{}
	}
	sinks := make([]exec.KeySink, len(j.leftKeys))
	for _, p := range j.keyFilters {
		kf := scan.NewKeyFilter()
		lw.keyFilters[p.scan] = append(lw.keyFilters[p.scan], scan.KeyFilterSpec{Field: p.field, Filter: kf, Label: p.label})
		sinks[p.key] = kf
	}
	return sinks
}

// takeKeyFilters returns the key filters registered for s and forgets
// them (a scan node is lowered once).
func (lw *lowerer) takeKeyFilters(s *ScanNode) []scan.KeyFilterSpec {
	kf := lw.keyFilters[s]
	delete(lw.keyFilters, s)
	return kf
}
