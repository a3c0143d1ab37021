package export

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/ipc"
	"github.com/recq/recq/exec"
	"github.com/recq/recq/storage"
)

// Partitioned writes (COPY ... TO 'dir' (PARTITION_BY (a, b))) follow
// DuckDB's layout: a Hive-style tree dir/a=1/b=x/data_0.parquet, one file
// per partition, the partition columns left out of the files (their
// values are in the directory names). A value is its text as CSV output
// writes it, URL-encoded (every byte but ASCII letters, digits and
// - _ . ~ becomes %XX); NULL is __HIVE_DEFAULT_PARTITION__ (a text value
// spelled that way is written %5F_HIVE_DEFAULT_PARTITION__, so it stays
// distinct). recq's multi-file reader (FROM 'dir/**/*.parquet') reads the
// values back, NULL included.
//
// The rows are first spooled, one Arrow IPC stream per partition (at most
// PartitionOptions.MaxOpen files open at a time; a partition whose spool
// was closed continues in a new segment), into a temporary directory
// beside the target; then each partition's file is written from its spool
// into a second temporary directory, which is renamed into place once
// complete. An error or a cancel leaves the target as it was and removes
// both temporary directories. With OverwriteOrIgnore the new files are
// moved into an existing directory one by one (each rename is atomic, the
// whole is not); with Overwrite the old directory is swapped out and
// removed.

// NullPartition is the directory value of a NULL partition key.
const NullPartition = "__HIVE_DEFAULT_PARTITION__"

// PartitionOptions tune WritePartitioned.
type PartitionOptions struct {
	// Columns are the partition columns, in directory order (names
	// matched without regard to case).
	Columns []string
	// OverwriteOrIgnore writes into an existing, non-empty directory,
	// replacing files of the same names and keeping the others.
	OverwriteOrIgnore bool
	// Overwrite replaces an existing directory's whole content.
	Overwrite bool
	// MaxOpen bounds the spool files open at once (0: 64).
	MaxOpen int
}

// PartitionResult says what WritePartitioned wrote.
type PartitionResult struct {
	Rows  int64
	Files int
}

// WritePartitioned writes every row of rr under the directory dir, one
// file per distinct value of the partition columns, in format f. See the
// comment above for the layout and the guarantees.
func WritePartitioned(dir string, rr array.RecordReader, f Format, o Options, po PartitionOptions) (PartitionResult, error) {
	p, err := newPartitioner(dir, rr.Schema(), f, &o, po)
	if err != nil {
		return PartitionResult{}, err
	}
	defer p.cleanup()
	if err := p.spool(rr); err != nil {
		return PartitionResult{}, err
	}
	if err := p.writeFiles(); err != nil {
		return PartitionResult{}, err
	}
	if err := p.install(); err != nil {
		return PartitionResult{}, err
	}
	return PartitionResult{Rows: p.rows, Files: len(p.parts)}, nil
}

// partitioner holds one partitioned write's state.
type partitioner struct {
	dir      string
	format   Format
	o        *Options
	po       PartitionOptions
	keys     []int    // partition column indexes
	keyNames []string // their names, as the result has them
	data     []int    // the other columns, written to the files
	schema   *arrow.Schema
	spoolDir string
	stageDir string
	parts    map[string]*spoolPart
	order    []*spoolPart // in order of first appearance
	open     int
	clock    int64
	rows     int64
	widths   []int // per data column: the longest string (FORMAT rec)
}

// spoolPart is one partition's spool.
type spoolPart struct {
	rel   string   // a=1/b=x
	segs  []string // spool segment files, in order
	rows  int64
	used  int64
	f     *os.File
	bw    *bufio.Writer
	w     *ipc.Writer
	index int
}

func newPartitioner(dir string, in *arrow.Schema, f Format, o *Options, po PartitionOptions) (*partitioner, error) {
	if len(po.Columns) == 0 {
		return nil, errors.New("partitioned output: PARTITION_BY needs at least one column")
	}
	if po.Overwrite && po.OverwriteOrIgnore {
		return nil, errors.New("partitioned output: OVERWRITE and OVERWRITE_OR_IGNORE cannot be combined: choose one")
	}
	p := &partitioner{dir: filepath.Clean(dir), format: f, o: o, po: po, parts: map[string]*spoolPart{}}
	if p.po.MaxOpen <= 0 {
		p.po.MaxOpen = 64
	}
	names := make([]string, in.NumFields())
	for i, fl := range in.Fields() {
		names[i] = fl.Name
	}
	for _, c := range po.Columns {
		i := slices.IndexFunc(names, func(n string) bool { return strings.EqualFold(n, c) })
		switch {
		case i < 0:
			return nil, fmt.Errorf("partitioned output: PARTITION_BY column %s is not a column of the result (its columns: %s)", c, strings.Join(names, ", "))
		case slices.Contains(p.keys, i):
			return nil, fmt.Errorf("partitioned output: PARTITION_BY names column %s twice", c)
		}
		if !partitionable(in.Field(i).Type) {
			return nil, fmt.Errorf("partitioned output: PARTITION_BY column %s of type %s cannot name a directory; CAST it to VARCHAR", names[i], typeName(in.Field(i).Type))
		}
		p.keys = append(p.keys, i)
		p.keyNames = append(p.keyNames, names[i])
	}
	var fields []arrow.Field
	for i, fl := range in.Fields() {
		if !slices.Contains(p.keys, i) {
			p.data = append(p.data, i)
			fields = append(fields, fl)
		}
	}
	if len(p.data) == 0 {
		return nil, errors.New("partitioned output: every column is a PARTITION_BY column, which leaves nothing to write in the files; select at least one more column")
	}
	p.schema = arrow.NewSchema(fields, nil)
	p.widths = make([]int, len(fields))
	// Refuse what the format cannot hold before any row is read.
	switch f {
	case Parquet:
		if err := CheckParquetSchema(p.schema); err != nil {
			return nil, err
		}
	case Rec:
		if _, err := RecSchema(p.schema, nil); err != nil {
			return nil, err
		}
	}
	if err := p.checkTarget(); err != nil {
		return nil, err
	}
	parent, base := filepath.Dir(p.dir), filepath.Base(p.dir)
	var err error
	if p.spoolDir, err = os.MkdirTemp(parent, "."+base+".spool-*"); err != nil {
		return nil, fmt.Errorf("cannot write %s: cannot create a temporary directory beside it: %w", dir, unwrapPath(err))
	}
	if p.stageDir, err = os.MkdirTemp(parent, "."+base+".tmp-*"); err != nil {
		os.RemoveAll(p.spoolDir)
		return nil, fmt.Errorf("cannot write %s: cannot create a temporary directory beside it: %w", dir, unwrapPath(err))
	}
	// MkdirTemp makes the directory private; the target is an ordinary
	// directory like its sub-directories.
	if err := os.Chmod(p.stageDir, 0o755); err != nil {
		os.RemoveAll(p.spoolDir)
		os.RemoveAll(p.stageDir)
		return nil, fmt.Errorf("cannot write %s: %w", dir, unwrapPath(err))
	}
	return p, nil
}

// partitionable reports whether values of t can name a directory.
func partitionable(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.BOOL, arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
		arrow.FLOAT32, arrow.FLOAT64, arrow.DECIMAL128,
		arrow.STRING, arrow.LARGE_STRING, arrow.DATE32, arrow.TIMESTAMP:
		return true
	}
	return false
}

// checkTarget refuses a target that is a file, or a non-empty directory
// without OVERWRITE or OVERWRITE_OR_IGNORE.
func (p *partitioner) checkTarget() error {
	st, err := os.Stat(p.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", p.dir, unwrapPath(err))
	}
	if !st.IsDir() {
		return fmt.Errorf("cannot write %s: it is a file, and PARTITION_BY writes a directory of files; remove it or choose another name", p.dir)
	}
	ents, err := os.ReadDir(p.dir)
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", p.dir, unwrapPath(err))
	}
	if len(ents) > 0 && !p.po.Overwrite && !p.po.OverwriteOrIgnore {
		return fmt.Errorf("cannot write %s: the directory is not empty; add OVERWRITE_OR_IGNORE to write into it (files of the same names are replaced) or OVERWRITE to replace its content", p.dir)
	}
	return nil
}

// spool reads every batch of rr into the partitions' spools.
func (p *partitioner) spool(rr array.RecordReader) error {
	var key []byte
	for rr.Next() {
		rec := rr.Record()
		n := int(rec.NumRows())
		if n == 0 {
			continue
		}
		for k, c := range p.data {
			if isStringType(p.schema.Field(k).Type) {
				p.widths[k] = max(p.widths[k], longestString(rec.Column(c)))
			}
		}
		// Rows by partition, partitions in order of first appearance.
		var batchParts []*spoolPart
		rows := map[*spoolPart][]int32{}
		for r := 0; r < n; r++ {
			key = p.appendKey(key[:0], rec, r)
			sp := p.parts[string(key)]
			if sp == nil {
				sp = &spoolPart{rel: string(key), index: len(p.order)}
				p.parts[sp.rel] = sp
				p.order = append(p.order, sp)
			}
			if _, ok := rows[sp]; !ok {
				batchParts = append(batchParts, sp)
			}
			rows[sp] = append(rows[sp], int32(r))
		}
		for _, sp := range batchParts {
			idx := rows[sp]
			var part arrow.Record
			if len(batchParts) == 1 {
				cols := make([]arrow.Array, len(p.data))
				for k, c := range p.data {
					cols[k] = rec.Column(c)
				}
				part = array.NewRecord(p.schema, cols, int64(n))
			} else {
				part = exec.TakeColumns(p.o.allocator(), p.schema, rec, p.data, idx)
			}
			err := p.write(sp, part)
			part.Release()
			if err != nil {
				return err
			}
			sp.rows += int64(len(idx))
		}
		p.rows += int64(n)
	}
	if err := rr.Err(); err != nil {
		return err
	}
	for _, sp := range p.order {
		if err := p.closeSpool(sp); err != nil {
			return err
		}
	}
	return nil
}

// appendKey appends row r's partition directory path (a=1/b=x) to dst.
func (p *partitioner) appendKey(dst []byte, rec arrow.Record, r int) []byte {
	for k, c := range p.keys {
		if k > 0 {
			dst = append(dst, '/')
		}
		dst = appendEscaped(dst, p.keyNames[k])
		dst = append(dst, '=')
		col := rec.Column(c)
		if col.IsNull(r) {
			dst = append(dst, NullPartition...)
			continue
		}
		start := len(dst)
		dst = AppendValue(dst, col, r)
		text := string(dst[start:])
		dst = appendEscaped(dst[:start], text)
		if text == NullPartition {
			dst = append(dst[:start], "%5F"+NullPartition[1:]...)
		}
	}
	return dst
}

// appendEscaped appends s URL-encoded: every byte but ASCII letters,
// digits and - _ . ~ as %XX.
func appendEscaped(dst []byte, s string) []byte {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			dst = append(dst, c)
		} else {
			dst = append(dst, '%', hex[c>>4], hex[c&15])
		}
	}
	return dst
}

// write appends a batch to a partition's spool, opening a segment (and
// closing the least recently used spool beyond MaxOpen) when needed.
func (p *partitioner) write(sp *spoolPart, rec arrow.Record) error {
	p.clock++
	sp.used = p.clock
	if sp.w == nil {
		if p.open >= p.po.MaxOpen {
			var lru *spoolPart
			for _, o := range p.order {
				if o.w != nil && (lru == nil || o.used < lru.used) {
					lru = o
				}
			}
			if err := p.closeSpool(lru); err != nil {
				return err
			}
		}
		name := filepath.Join(p.spoolDir, fmt.Sprintf("p%d-%d.arrows", sp.index, len(sp.segs)))
		f, err := os.Create(name)
		if err != nil {
			return fmt.Errorf("cannot write %s: spooling the rows: %w", p.dir, unwrapPath(err))
		}
		sp.f, sp.bw = f, bufio.NewWriterSize(f, 64<<10)
		sp.w = ipc.NewWriter(sp.bw, ipc.WithSchema(p.schema), ipc.WithAllocator(p.o.allocator()))
		sp.segs = append(sp.segs, name)
		p.open++
	}
	if err := sp.w.Write(rec); err != nil {
		return fmt.Errorf("cannot write %s: spooling the rows: %w", p.dir, err)
	}
	return nil
}

// closeSpool finishes a partition's open spool segment, if any.
func (p *partitioner) closeSpool(sp *spoolPart) error {
	if sp == nil || sp.w == nil {
		return nil
	}
	err := sp.w.Close()
	if ferr := sp.bw.Flush(); err == nil {
		err = ferr
	}
	if cerr := sp.f.Close(); err == nil {
		err = cerr
	}
	sp.w, sp.bw, sp.f = nil, nil, nil
	p.open--
	if err != nil {
		return fmt.Errorf("cannot write %s: spooling the rows: %w", p.dir, err)
	}
	return nil
}

// writeFiles writes each partition's file into the staging directory.
func (p *partitioner) writeFiles() error {
	for _, sp := range p.order {
		sub := filepath.Join(p.stageDir, filepath.FromSlash(sp.rel))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			return fmt.Errorf("cannot write %s: creating %s: %w", p.dir, sp.rel, unwrapPath(err))
		}
		path := filepath.Join(sub, "data_0."+p.format.String())
		rr := &segmentReader{schema: p.schema, segs: sp.segs, o: p.o}
		var err error
		if p.format == Rec {
			_, err = encodeRec(path, rr, p.widths, p.o, 0o644, sp.rows)
		} else {
			_, err = WriteFile(path, rr, p.format, *p.o)
		}
		rr.Release()
		if err != nil {
			return err
		}
		for _, s := range sp.segs {
			os.Remove(s)
		}
	}
	return nil
}

// install puts the staging directory in place of the target.
func (p *partitioner) install() error {
	st, err := os.Stat(p.dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		err = os.Rename(p.stageDir, p.dir)
	case err != nil:
	case !st.IsDir():
		err = errors.New("it is a file")
	case p.po.OverwriteOrIgnore:
		err = p.merge()
	case p.po.Overwrite:
		err = p.swap()
	default:
		// Empty when checked (a rename replaces an empty directory);
		// another program may have filled it since.
		err = os.Rename(p.stageDir, p.dir)
	}
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", p.dir, unwrapPath(err))
	}
	os.RemoveAll(p.stageDir) // what a merge left (empty directories)
	p.stageDir = ""
	storage.SyncDir(filepath.Dir(p.dir))
	return nil
}

// merge moves the staged files into the existing target directory.
func (p *partitioner) merge() error {
	return filepath.WalkDir(p.stageDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(p.stageDir, path)
		if err != nil {
			return err
		}
		dst := filepath.Join(p.dir, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.Rename(path, dst)
	})
}

// swap replaces the target directory with the staged one and removes the
// old content.
func (p *partitioner) swap() error {
	old, err := os.MkdirTemp(filepath.Dir(p.dir), "."+filepath.Base(p.dir)+".old-*")
	if err != nil {
		return err
	}
	os.Remove(old)
	if err := os.Rename(p.dir, old); err != nil {
		return err
	}
	if err := os.Rename(p.stageDir, p.dir); err != nil {
		os.Rename(old, p.dir)
		return err
	}
	return os.RemoveAll(old)
}

// cleanup closes the spools and removes the temporary directories.
func (p *partitioner) cleanup() {
	for _, sp := range p.order {
		if sp.w != nil {
			sp.w.Close()
			sp.f.Close()
		}
	}
	os.RemoveAll(p.spoolDir)
	if p.stageDir != "" {
		os.RemoveAll(p.stageDir)
	}
}

// segmentReader reads a partition's spool segments in order as one
// stream.
type segmentReader struct {
	schema *arrow.Schema
	segs   []string
	o      *Options
	f      *os.File
	r      *ipc.Reader
	err    error
	refs   int64
}

func (s *segmentReader) Schema() *arrow.Schema { return s.schema }
func (s *segmentReader) Retain()               { s.refs++ }
func (s *segmentReader) Err() error            { return s.err }

func (s *segmentReader) Record() arrow.Record {
	if s.r == nil {
		return nil
	}
	return s.r.Record()
}

func (s *segmentReader) Next() bool {
	for s.err == nil {
		if s.r != nil {
			if s.r.Next() {
				return true
			}
			s.err = s.r.Err()
			s.closeSeg()
			continue
		}
		if len(s.segs) == 0 {
			return false
		}
		f, err := os.Open(s.segs[0])
		if err != nil {
			s.err = err
			return false
		}
		s.segs = s.segs[1:]
		r, err := ipc.NewReader(bufio.NewReaderSize(f, 64<<10), ipc.WithAllocator(s.o.allocator()), ipc.WithSchema(s.schema))
		if err != nil {
			f.Close()
			s.err = err
			return false
		}
		s.f, s.r = f, r
	}
	return false
}

func (s *segmentReader) closeSeg() {
	if s.r != nil {
		s.r.Release()
		s.f.Close()
		s.r, s.f = nil, nil
	}
}

func (s *segmentReader) Release() {
	if s.refs > 0 {
		s.refs--
		return
	}
	s.closeSeg()
}
