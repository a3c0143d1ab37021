package query

import (
	"errors"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/exec"
	"github.com/recq/recq/scan"
)

// The raw_aggregates pass and its lowering: an aggregation straight over
// the scan of one fixed-length file runs inside the scan (exec's
// RawAggregate as the scan's Folder), each worker folding the records its
// predicates select into groups read off the raw bytes, and a final
// aggregation merges the workers' partial states. The pass marks the
// aggregate when exec can compile it; lowering compiles it again and
// falls back to the ordinary aggregation when the scan must keep file
// order.

// rawAggregates marks every aggregate that can run on raw record bytes.
func rawAggregates(n Node) (Node, error) {
	n, err := mapInputs(n, rawAggregates)
	if err != nil {
		return nil, err
	}
	a, ok := n.(*AggregateNode)
	if !ok || a.raw {
		return n, nil
	}
	if _, _, err := compileRawAggregate(a); err != nil {
		return n, nil // not eligible: the ordinary aggregation runs
	}
	c := *a
	c.raw = true
	return &c, nil
}

// compileRawAggregate compiles a's aggregation to fold the raw records of
// the scan under it; the error says why it cannot.
func compileRawAggregate(a *AggregateNode) (*exec.RawAggregate, *loweredAggregate, error) {
	s, ok := a.in.(*ScanNode)
	if !ok {
		return nil, nil, errNotRaw
	}
	if s.empty || s.sample != nil || s.limit > 0 || s.table == nil {
		return nil, nil, errNotRaw
	}
	t := s.table
	if s.files != nil {
		t = s.files.first // every file has its layout
	}
	for _, f := range s.fields {
		if f < 0 {
			return nil, nil, errNotRaw // _rowid, _parent_rowid, per-file columns
		}
	}
	p, err := lowerAggregate(a)
	if err != nil {
		return nil, nil, err
	}
	partial, err := exec.PartialSchema(p.groups, p.groupNames, p.calls, p.aggNames)
	if err != nil {
		return nil, nil, err
	}
	r, err := exec.CompileRawAggregate(t, s.fields, p.groups, p.calls, partial)
	if err != nil {
		return nil, nil, err
	}
	return r, p, nil
}

var errNotRaw = errors.New("not an aggregation over a plain scan")

// rawFold is what lowering hands a scan that folds an aggregation.
type rawFold struct {
	agg    *exec.RawAggregate
	schema *arrow.Schema
}

// lowerRawAggregate lowers a marked aggregate as a final aggregation over
// a folding scan; ok is false when it must run the ordinary way.
func (lw *lowerer) lowerRawAggregate(a *AggregateNode) (op exec.Operator, ok bool, err error) {
	in, p, ok, err := lw.lowerFolding(a)
	if !ok || err != nil {
		return nil, ok, err
	}
	return exec.NewFinalAggregate(in, p.groups, p.groupNames, p.calls, p.aggNames, lw.budget), true, nil
}

// lowerRawPartial lowers the partial phase of a marked aggregate (a leaf
// of a distributed plan): the folding scan alone, whose partitions each
// return their groups' partial states.
func (lw *lowerer) lowerRawPartial(a *AggregateNode) (op exec.Operator, ok bool, err error) {
	in, _, ok, err := lw.lowerFolding(a)
	return in, ok, err
}

// lowerFolding lowers the scan under a marked aggregate as a folding
// scan; ok is false when the aggregate must run the ordinary way (the
// scan keeps file order).
func (lw *lowerer) lowerFolding(a *AggregateNode) (in exec.Operator, p *loweredAggregate, ok bool, err error) {
	s := a.in.(*ScanNode)
	if lw.ordered[s] {
		return nil, nil, false, nil
	}
	r, p, err := compileRawAggregate(a)
	if err != nil {
		return nil, nil, false, nil
	}
	if lw.folds == nil {
		lw.folds = map[*ScanNode]*rawFold{}
	}
	lw.folds[s] = &rawFold{agg: r, schema: r.Schema()}
	if in, err = lw.lowerScan(s); err != nil {
		return nil, nil, false, err
	}
	return in, p, true, nil
}

// foldSpec sets spec to fold s's aggregation, when one was registered;
// it returns the label EXPLAIN adds to the scan.
func (lw *lowerer) foldSpec(s *ScanNode, spec *scan.Spec) string {
	f := lw.folds[s]
	if f == nil {
		return ""
	}
	delete(lw.folds, s)
	mem := lw.o.mem
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	budget := lw.budget
	spec.Fold = func(int) scan.Folder { return f.agg.NewFolder(mem, budget) }
	spec.FoldSchema, spec.FoldFields = f.schema, f.agg.Fields()
	return ", " + f.agg.String()
}
