package query

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/recq/recq/exec"
	"github.com/recq/recq/scan"
)

// lowerFileSet creates the scan of a table of several files: the files
// the file predicates keep, read one after the other by a scan.Multi.
func (lw *lowerer) lowerFileSet(s *ScanNode) (exec.Operator, error) {
	o := lw.o
	fsx := s.files
	spec := scan.Spec{
		Table: fsx.first, Strategy: o.settings.IO, Filter: s.pushed, Ranges: s.ranges, Limit: s.limit,
		BatchSize: o.settings.BatchSize, Workers: o.settings.Workers, VerifyChecksums: o.settings.VerifyChecksums,
		Allocator: o.mem, Analyze: o.analyze, Ordered: lw.ordered[s], KeyFilters: lw.takeKeyFilters(s),
	}
	if s.empty {
		spec.Ranges = []scan.RowRange{}
	}
	foldLabel := lw.foldSpec(s, &spec)
	if smp := s.sample; smp != nil {
		spec.Sample = &scan.Sample{Seed: 1}
		if smp.Percent {
			spec.Sample.Percent = smp.N
		} else {
			spec.Sample.Rows = int64(min(smp.N, float64(1<<62)))
		}
	}
	// The batch layout is [fields..., per-file columns..., _parent_rowid,
	// _rowid].
	var consts []int
	var names []string
	for i, f := range s.fields {
		switch {
		case f >= 0:
			if len(consts) > 0 || spec.RowID || spec.ParentRowID {
				return nil, internalErr("a field of %s follows its per-file columns", s.name)
			}
			spec.Columns = append(spec.Columns, f)
		case isFileField(f):
			if spec.RowID || spec.ParentRowID {
				return nil, internalErr("a per-file column of %s follows _rowid", s.name)
			}
			consts = append(consts, f)
		case f == parentRowIDField:
			if spec.RowID {
				return nil, internalErr("_parent_rowid of %s follows _rowid", s.name)
			}
			spec.ParentRowID = true
		case f == rowIDField:
			spec.RowID = true
		default:
			return nil, internalErr("unknown pseudo field %d in the scan of %s", f, s.name)
		}
		names = append(names, s.cols[i].Name)
	}
	mspec := scan.MultiSpec{Spec: spec, Open: fsx.open}
	for _, f := range consts {
		name, isInt := fsx.fieldInfo(f)
		typ := arrow.DataType(arrow.BinaryTypes.String)
		if isInt {
			typ = arrow.PrimitiveTypes.Int64
		}
		mspec.Consts = append(mspec.Consts, arrow.Field{Name: name, Type: typ})
	}
	// Files the partition predicates rule out are never opened, except to
	// count their records when _rowid is read: row ids leave room for
	// them, so they do not depend on the WHERE clause.
	var gap int64
	kept := s.keptFiles()
	if s.only != nil {
		// a split of a distributed plan: one file, whose first record
		// has row id only.base
		kept = slices.DeleteFunc(kept, func(i int) bool { return i != s.only.file })
		if len(kept) == 0 {
			spec.Ranges = []scan.RowRange{}
		}
		gap = s.only.base
	}
	next := 0
	for i := range fsx.files {
		if s.only != nil && i != s.only.file {
			continue
		}
		if next < len(kept) && kept[next] == i {
			mf := scan.MultiFile{Path: fsx.files[i].path, Gap: gap}
			for _, f := range consts {
				mf.Values = append(mf.Values, fsx.value(i, f))
			}
			mspec.Files = append(mspec.Files, mf)
			gap = 0
			next++
			continue
		}
		if spec.RowID {
			t, err := fsx.open(fsx.files[i].path)
			if err != nil {
				return nil, err
			}
			gap += t.Layout.Count
		}
	}
	mspec.Label = fmt.Sprintf("Scan %s (%s, %d of %d files, %d pruned): columns [%s]", fsx.pattern, fsx.first.Format,
		len(kept), len(fsx.files), len(fsx.files)-len(kept), strings.Join(names, ", "))
	if f := fsx.first.Raw.Segments.FilterString(fsx.first.Schema); f != "" {
		mspec.Label += ", " + f
	}
	if len(s.pushed) > 0 {
		ps := make([]string, len(s.pushed))
		for i, p := range s.pushed {
			ps[i] = p.String(fsx.first.Schema)
		}
		mspec.Label += fmt.Sprintf(", pushed [%s]", strings.Join(ps, " AND "))
	}
	for _, kf := range spec.KeyFilters {
		mspec.Label += ", " + kf.String()
	}
	if s.limit > 0 {
		mspec.Label += fmt.Sprintf(", limit %d", s.limit)
	}
	mspec.Label += foldLabel
	m, err := scan.NewMulti(mspec)
	if err != nil {
		return nil, posErr(s.pos, "%v", err)
	}
	src := exec.NewStreamSource(m.Schema(), m.Partitions(), mspec.Label, func(ctx context.Context, p int) (exec.Stream, error) {
		return m.Execute(ctx, p)
	})
	if !o.analyze {
		return src, nil
	}
	return &fileSetSource{StreamSource: src, m: m}, nil
}

// fileSetSource is a multi-file scan under EXPLAIN ANALYZE: its line
// tells how many files the run opened.
type fileSetSource struct {
	*exec.StreamSource
	m *scan.Multi
}

func (f *fileSetSource) String() string {
	return fmt.Sprintf("%s, %d files opened", f.StreamSource.String(), f.m.FilesOpened())
}
