package query

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/recq/recq/scan"
	"github.com/recq/recq/storage"
)

// SplitVersion is the version of the Split encoding.
const SplitVersion = 1

// Split is a unit of work of a distributed plan: some records of one file
// of the table the plan splits. A split is self-contained and serializable
// (MarshalBinary, ParseSplit): a worker that holds the same files and
// plans the same SQL runs it with DistributedPlan.Leaf.
type Split struct {
	// Version is SplitVersion.
	Version int `json:"v"`
	// Table identifies the table: the last element of its file pattern
	// for a table of several files, else the file's name.
	Table string `json:"table"`
	// File is the index of the file in the table's sorted file list (0
	// for a single file); Path its path relative to the table's root
	// directory (the file name for a single file).
	File int    `json:"file"`
	Path string `json:"path"`
	// Base is the _rowid of the file's first record.
	Base int64 `json:"base"`
	// Records is the file's record count: a worker whose file has another
	// count refuses the split.
	Records int64 `json:"records"`
	// Ranges are the records of the file to read, [Start, End), sorted
	// and disjoint. Blocks whose min/max rule out the WHERE clause are
	// left out.
	Ranges []RecordRange `json:"ranges"`
	// Align says where the split's ends fall: "block" (.rec block
	// boundaries), "lane" (compressed lanes), "index" (records of a text
	// file with a line index), "chunk" (chunks of a fixed-stride file),
	// or "none" for splits cut anywhere (Leaf accepts any range).
	Align string `json:"align"`
	// Bytes is roughly what the split reads.
	Bytes int64 `json:"bytes"`
}

// RecordRange is a half-open range [Start, End) of record numbers.
type RecordRange struct {
	Start int64 `json:"start"`
	End   int64 `json:"end"`
}

// Rows is the number of records the split covers.
func (s Split) Rows() int64 {
	var n int64
	for _, r := range s.Ranges {
		n += r.End - r.Start
	}
	return n
}

func (s Split) String() string {
	return fmt.Sprintf("%s file %d (%s) %v, %d records, %s-aligned", s.Table, s.File, s.Path, s.Ranges, s.Rows(), s.Align)
}

// MarshalBinary encodes the split (as JSON).
func (s Split) MarshalBinary() ([]byte, error) { return json.Marshal(s) }

// ParseSplit decodes and checks an encoded split.
func ParseSplit(b []byte) (Split, error) {
	var s Split
	if err := json.Unmarshal(b, &s); err != nil {
		return Split{}, fmt.Errorf("split: %v", err)
	}
	if s.Version != SplitVersion {
		return Split{}, fmt.Errorf("split encoding version %d, this recq reads version %d: run the same recq version everywhere", s.Version, SplitVersion)
	}
	return s, s.check()
}

// check validates the ranges.
func (s Split) check() error {
	if s.File < 0 || s.Base < 0 || s.Records < 0 {
		return fmt.Errorf("split of %s: negative file index, base or record count", s.Table)
	}
	prev := int64(0)
	for _, r := range s.Ranges {
		if r.Start < prev || r.End <= r.Start || r.End > s.Records {
			return fmt.Errorf("split of %s: range [%d, %d) is out of order, empty or past the file's %d records", s.Table, r.Start, r.End, s.Records)
		}
		prev = r.End
	}
	return nil
}

// splitFileInfo is one file a plan's splits cover.
type splitFileInfo struct {
	index int
	path  string // as opened
	rel   string // as a Split names it
	table *storage.Table
	base  int64
}

// splitFiles lists the files of a scan the splits may cover (partition
// predicates applied), with their row id bases.
func splitFiles(s *ScanNode) ([]splitFileInfo, error) {
	if s.files == nil {
		return []splitFileInfo{{path: s.table.Path, rel: filepath.Base(s.table.Path), table: s.table}}, nil
	}
	fsx := s.files
	kept := map[int]bool{}
	for _, i := range s.keptFiles() {
		kept[i] = true
	}
	var out []splitFileInfo
	var base int64
	for i, f := range fsx.files {
		t, err := fsx.open(f.path)
		if err != nil {
			return nil, err
		}
		if kept[i] {
			out = append(out, splitFileInfo{index: i, path: f.path, rel: relPath(fsx.root, f.path), table: t, base: base})
		}
		base += t.Layout.Count
	}
	return out, nil
}

// tableIdentity names the table of a scan in splits: the last element of
// its path or pattern, so workers may hold the files under another
// directory.
func tableIdentity(s *ScanNode) string {
	if s.files != nil {
		return filepath.Base(s.files.pattern)
	}
	return filepath.Base(s.table.Path)
}

// splitsOf cuts a scan's files into splits of about target bytes. The
// scan's own planning (its pushed predicates against each block's
// min/max, its row ranges) decides what is read; splits end only where
// the file's chunks do, at block boundaries for .rec files.
func splitsOf(ctx context.Context, s *ScanNode, target int64) ([]Split, error) {
	if s.empty {
		return nil, nil
	}
	files, err := splitFiles(s)
	if err != nil {
		return nil, err
	}
	var out []Split
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		t := f.table
		count := t.Layout.Count
		var local []scan.RowRange
		if s.ranges != nil {
			local = []scan.RowRange{}
			for _, r := range s.ranges {
				lo, hi := max(r.Start-f.base, 0), min(r.End-f.base, count)
				if lo < hi {
					local = append(local, scan.RowRange{Start: lo, End: hi})
				}
			}
		}
		sc, err := scan.New(scan.Spec{Table: t, Filter: s.pushed, Ranges: local, Workers: 1, BlockChunks: true,
			ChunkBytes: int(min(target, scan.DefaultChunkBytes))})
		if err != nil {
			return nil, posErr(s.pos, "%v", err)
		}
		stride := int64(max(t.Layout.Stride, 1))
		per := max(target/stride, 1)
		align, aligned := "chunk", func(int64) bool { return true }
		switch {
		case t.Blocks != nil:
			rpb := int64(t.Blocks.RecordsPerBlock)
			align, aligned = "block", func(end int64) bool { return end%rpb == 0 || end == count }
		case t.Compression != nil:
			align = "lane"
		case t.Layout.LineStarts != nil:
			align = "index"
		}
		cur := Split{Version: SplitVersion, Table: tableIdentity(s), File: f.index, Path: f.rel, Base: f.base, Records: count, Align: align}
		var n int64
		emit := func() {
			if n > 0 {
				cur.Bytes = n * stride
				out = append(out, cur)
			}
			cur.Ranges, n = nil, 0
		}
		for _, c := range sc.ChunkRanges() {
			if k := len(cur.Ranges); k > 0 && cur.Ranges[k-1].End == c.Start {
				cur.Ranges[k-1].End = c.End
			} else {
				cur.Ranges = append(cur.Ranges, RecordRange{c.Start, c.End})
			}
			n += c.End - c.Start
			if n >= per && aligned(c.End) {
				emit()
			}
		}
		emit()
	}
	return out, nil
}

// relPath is path relative to root, with forward slashes (path itself
// when it is not below root).
func relPath(root, path string) string {
	rel, err := filepath.Rel(root, path)
	if err != nil {
		return filepath.ToSlash(path)
	}
	return filepath.ToSlash(rel)
}
