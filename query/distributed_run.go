package query

import (
	"context"
	"fmt"
	"slices"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/recq/recq/exec"
	"github.com/recq/recq/scan"
)

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
