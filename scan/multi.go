package scan

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/storage"
)

// Multi scans several files of one layout as one table. Each file is read
// by its own Scan, so chunks, ordered chunks, block min/max skipping,
// compressed lanes and early stop work per file as for a single file.
// Across files:
//
//   - records are numbered one file after the other (_rowid), in the order
//     of MultiSpec.Files;
//   - chunks are numbered one file after the other (Seq), so an ordered
//     merge restores the order of the whole set;
//   - constant columns per file (its name, hive partition values) are
//     inserted before _rowid.
//
// Files are opened lazily: the first partition to reach a file opens it
// (MultiSpec.Open) and plans its scan; the file is closed when the last
// partition leaves it. Partitions move through the files in order and no
// partition starts a file more than MaxOpen files past the oldest file
// some partition is still in, so the open descriptors stay bounded
// whatever the file count. Once a limit is satisfied, no further file is
// opened. A Multi runs like a Scan: a run starts with the first Execute
// after the previous run's partitions were all claimed.
type Multi struct {
	spec    MultiSpec
	schema  *arrow.Schema
	workers int
	ordered bool
	ranges  []RowRange // merged, in row ids of the whole set; nil: all
	rangeHi int64      // the end of the last range

	mu      sync.Mutex
	run     *multiRun
	claimed []bool
	opened  atomic.Int64 // files the latest run opened
}

// MultiFile is one file of a Multi.
type MultiFile struct {
	Path string
	// Values are the file's constant columns (MultiSpec.Consts): int64 or
	// string, or nil for NULL.
	Values []any
	// Gap is the number of records of files left out just before this
	// one (pruned by partition values): row ids leave room for them, so a
	// record's _rowid does not depend on the WHERE clause.
	Gap int64
}

// MultiSpec describes a Multi.
type MultiSpec struct {
	Files []MultiFile
	// Open opens a file and checks that its layout is the set's.
	Open func(path string) (*storage.Table, error)
	// Spec is the scan of each file. Spec.Table is a file of the set with
	// the common layout (it gives the schema); Source is not used; Ranges
	// are row ids of the whole set; a Rows sample is not allowed (it would
	// sample each file).
	Spec Spec
	// Consts are the constant columns, in output order.
	Consts []arrow.Field
	// MaxOpen bounds the files in progress at once (default
	// DefaultMaxOpen).
	MaxOpen int
	// Label describes the scan for EXPLAIN.
	Label string
}

// DefaultMaxOpen is the default MultiSpec.MaxOpen.
const DefaultMaxOpen = 64

// NewMulti validates spec and plans the scan. It opens no file.
func NewMulti(spec MultiSpec) (*Multi, error) {
	if spec.Spec.Table == nil {
		return nil, fmt.Errorf("scan: no table")
	}
	if spec.Open == nil {
		return nil, fmt.Errorf("scan: no way to open the files")
	}
	if spec.Spec.Sample != nil && spec.Spec.Sample.Rows > 0 && len(spec.Files) > 1 {
		return nil, fmt.Errorf("a sample of a number of rows is not available on a table of several files (it would sample each file); sample a percentage instead (USING SAMPLE 1%%)")
	}
	for _, f := range spec.Files {
		if len(f.Values) != len(spec.Consts) {
			return nil, fmt.Errorf("scan: file %s has %d constant values for %d constant columns", f.Path, len(f.Values), len(spec.Consts))
		}
	}
	if spec.MaxOpen <= 0 {
		spec.MaxOpen = DefaultMaxOpen
	}
	if spec.Spec.Fold != nil && len(spec.Consts) > 0 {
		return nil, fmt.Errorf("scan: a folding scan of several files takes no per-file columns")
	}
	// The representative file's plan validates the columns and predicates.
	probe := spec.Spec
	probe.Ranges, probe.Sample, probe.Source = []RowRange{}, nil, nil
	sc, err := New(probe)
	if err != nil {
		return nil, err
	}
	m := &Multi{spec: spec, workers: spec.Spec.Workers}
	if m.workers <= 0 {
		m.workers = runtime.GOMAXPROCS(0)
	}
	m.ordered = spec.Spec.Ordered && m.workers > 1
	fields := slices.Clone(sc.Schema().Fields())
	tail := slices.Clone(fields[len(fields)-m.tailColumns():])
	fields = append(append(fields[:len(fields)-len(tail)], spec.Consts...), tail...)
	m.schema = arrow.NewSchema(fields, nil)
	if spec.Spec.Fold != nil {
		m.schema = spec.Spec.FoldSchema
	}
	if spec.Spec.Ranges != nil {
		m.ranges = mergeRanges(slices.Clone(spec.Spec.Ranges))
		if n := len(m.ranges); n > 0 {
			m.rangeHi = m.ranges[n-1].End
		}
	}
	return m, nil
}

// tailColumns is the number of virtual columns a file's scan ends with
// (_parent_rowid, _rowid), which follow the constant columns.
func (m *Multi) tailColumns() int {
	n := 0
	if m.spec.Spec.ParentRowID {
		n++
	}
	if m.spec.Spec.RowID {
		n++
	}
	return n
}

// Schema is the schema of the batches: the columns, the constant columns,
// then _parent_rowid and _rowid when asked for.
func (m *Multi) Schema() *arrow.Schema { return m.schema }

// Partitions is the number of partition streams.
func (m *Multi) Partitions() int { return m.workers }

// Files is the number of files the scan may read.
func (m *Multi) Files() int { return len(m.spec.Files) }

// FilesOpened is the number of files the latest run opened.
func (m *Multi) FilesOpened() int64 { return m.opened.Load() }

// String describes the scan for EXPLAIN.
func (m *Multi) String() string { return m.spec.Label }

// Execute starts partition p. Every partition of a run must be executed
// and closed.
func (m *Multi) Execute(ctx context.Context, p int) (Stream, error) {
	if p < 0 || p >= m.workers {
		return nil, fmt.Errorf("scan: partition %d out of range 0..%d", p, m.workers-1)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.run == nil || m.claimed[p] {
		m.run, m.claimed = m.newRun(), make([]bool, m.workers)
		m.opened.Store(0)
	}
	m.claimed[p] = true
	r := m.run
	if !slices.Contains(m.claimed, false) {
		m.run = nil
	}
	return &multiStream{ctx: ctx, r: r, p: p}, nil
}

// multiRun is the shared state of one execution of all partitions.
type multiRun struct {
	m     *Multi
	files []multiFileState

	mu         sync.Mutex
	cond       *sync.Cond
	low        int   // the oldest file some partition has not left
	prefixRows int64 // rows of files [0, low)
	emitted    atomic.Int64

	// folders are the partitions' Folders of a folding scan (Spec.Fold),
	// made by each partition on its first file and lent to every file's
	// scan, so a partition folds all its files into one result.
	folders []Folder
}

// folder returns partition p's Folder, making it on first use; only
// partition p's goroutine calls it.
func (r *multiRun) folder(p int) Folder {
	if r.folders[p] == nil {
		r.folders[p] = r.m.spec.Spec.Fold(p)
	}
	return r.folders[p]
}

// lentFolder is a partition's Folder as one file's scan sees it: it folds
// into the Folder, whose result the multiStream takes after the last file.
type lentFolder struct{ Folder }

func (lentFolder) Finish() (arrow.Record, error) { return nil, nil }
func (lentFolder) Release()                      {}

// multiFileState is one file in a run; guarded by multiRun.mu but rows.
type multiFileState struct {
	decided   bool
	skip      bool // never opened: a limit was satisfied or the row ranges end before it
	err       error
	scan      *Scan
	base      int64 // row id of its record 0
	count     int64
	chunkBase int64 // Seq.Chunk of its chunk 0
	chunks    int64
	abandoned []int // partitions that closed before the file was opened
	passed    int   // partitions that left it
	rows      atomic.Int64
	// Opened ahead of its turn (see openAhead): the table or the error,
	// for decide; opening is set while a partition opens it.
	table   *storage.Table
	openErr error
	opening bool
}

// openAheadDistance bounds how many files past the one a partition
// waits for it opens meanwhile (per run). An opened table holds no
// descriptor; a small file's table holds its bytes (storage.TinyFileSize).
const openAheadDistance = 4

// opensEarly reports whether files may be opened before their turn: only
// when every file of the set is read (no limit, no row ranges), so that
// no file is opened that the run would skip.
func (r *multiRun) opensEarly() bool {
	return r.m.spec.Spec.Limit <= 0 && r.m.ranges == nil
}

// open opens file k outside the lock (called and returning with r.mu
// held), so that partitions open files concurrently: a table of thousands
// of small files spends much of its time opening them.
func (r *multiRun) open(k int) {
	f := &r.files[k]
	f.opening = true
	r.mu.Unlock()
	t, err := r.m.spec.Open(r.m.spec.Files[k].Path)
	r.mu.Lock()
	f.table, f.openErr, f.opening = t, err, false
	if err == nil {
		r.m.opened.Add(1)
	}
	r.cond.Broadcast()
}

// nextToOpen returns a file after j, within the open window and
// openAheadDistance, that nobody has opened or is opening, or -1.
func (r *multiRun) nextToOpen(j, window int) int {
	for k := j + 1; k < len(r.files) && k < r.low+window && k <= j+openAheadDistance; k++ {
		f := &r.files[k]
		if !f.decided && !f.opening && f.table == nil && f.openErr == nil {
			return k
		}
	}
	return -1
}

func (m *Multi) newRun() *multiRun {
	r := &multiRun{m: m, files: make([]multiFileState, len(m.spec.Files))}
	r.cond = sync.NewCond(&r.mu)
	if m.spec.Spec.Fold != nil {
		r.folders = make([]Folder, m.workers)
	}
	return r
}

// limitReached reports whether no further file is needed for the limit:
// unordered, when the rows emitted reach it; ordered, when the files
// every partition has left hold it (the first Limit rows are among
// theirs). Called with r.mu held.
func (r *multiRun) limitReached() bool {
	limit := r.m.spec.Spec.Limit
	if limit <= 0 {
		return false
	}
	if r.m.ordered {
		return r.prefixRows >= limit
	}
	return r.emitted.Load() >= limit
}

// decide plans the scan of file j (opening it unless it was opened
// ahead), or decides to skip it. Called with r.mu held by the first
// partition to reach j (all partitions have left or are past j-1, which
// is therefore decided).
func (r *multiRun) decide(ctx context.Context, j int) {
	f := &r.files[j]
	f.decided = true
	mf := &r.m.spec.Files[j]
	f.base = mf.Gap
	if j > 0 {
		pf := &r.files[j-1]
		if pf.skip {
			f.skip = true // skips are final: every later file is skipped too
			return
		}
		f.base += pf.base + pf.count
		f.chunkBase = pf.chunkBase + pf.chunks
	}
	if r.limitReached() || (r.m.ranges != nil && f.base >= r.m.rangeHi) {
		f.skip = true
		return
	}
	t, err := f.table, f.openErr
	f.table, f.openErr = nil, nil
	if t == nil && err == nil {
		if t, err = r.m.spec.Open(mf.Path); err == nil {
			r.m.opened.Add(1)
		}
	}
	if err != nil {
		f.err = err
		return
	}
	f.count = t.Layout.Count
	spec := r.m.spec.Spec
	spec.Table, spec.Source, spec.RowIDBase, spec.Workers = t, nil, f.base, r.m.workers
	spec.Ranges = localRanges(r.m.ranges, f.base, f.count)
	if spec.Fold != nil {
		spec.Fold = func(p int) Folder { return lentFolder{r.folder(p)} }
	}
	if r.m.ordered {
		// Within a file an ordered limit stops claiming chunks, which
		// would leave a gap in the chunk numbers of the set if a later
		// file had started already: files stop as a whole instead.
		spec.Limit = 0
	}
	sc, err := New(spec)
	if err != nil {
		f.err = &storage.FileError{Path: mf.Path, Record: -1, Offset: -1, Msg: "cannot scan", Err: err}
		return
	}
	f.scan, f.chunks = sc, int64(sc.PlannedChunks())
	for _, q := range f.abandoned {
		if st, err := sc.Execute(ctx, q); err == nil {
			st.Close()
		}
	}
	f.abandoned = nil
}

// localRanges translates row ranges of the set to records of a file whose
// record 0 is row base; nil stays nil (all records).
func localRanges(rs []RowRange, base, count int64) []RowRange {
	if rs == nil {
		return nil
	}
	out := []RowRange{}
	for _, x := range rs {
		lo, hi := max(x.Start-base, 0), min(x.End-base, count)
		if lo < hi {
			out = append(out, RowRange{lo, hi})
		}
	}
	return out
}

// enter returns partition p's stream of file j (nil when the file is
// skipped), waiting while j is too far ahead of the oldest file in
// progress.
func (r *multiRun) enter(ctx context.Context, j, p int) (Stream, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	window := r.m.spec.MaxOpen
	if r.m.ordered && r.m.spec.Spec.Limit > 0 {
		// An ordered limit is decided by whole files: the next file
		// starts once every partition is done with the previous one, so
		// no file is opened after the limit is satisfied.
		window = 1
	}
	if j >= r.low+window {
		stop := context.AfterFunc(ctx, func() {
			r.mu.Lock()
			r.cond.Broadcast()
			r.mu.Unlock()
		})
		for j >= r.low+window && ctx.Err() == nil {
			r.cond.Wait()
		}
		stop()
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	f := &r.files[j]
	for !f.decided {
		early := r.opensEarly()
		switch {
		case f.opening:
			// Another partition is opening j: open a later file
			// meanwhile, or wait for j.
			if k := r.nextToOpen(j, window); early && k >= 0 {
				r.open(k)
			} else {
				r.cond.Wait()
			}
		case early && f.table == nil && f.openErr == nil:
			r.open(j)
		default:
			r.decide(ctx, j)
		}
	}
	if f.err != nil {
		return nil, f.err
	}
	if f.skip {
		return nil, nil
	}
	return f.scan.Execute(ctx, p)
}

// leaveLocked records that one more partition is done with file j.
func (r *multiRun) leaveLocked(j int) {
	r.files[j].passed++
	for r.low < len(r.files) && r.files[r.low].passed == r.m.workers {
		r.prefixRows += r.files[r.low].rows.Load()
		r.low++
		r.cond.Broadcast()
	}
}

func (r *multiRun) leave(j int) {
	r.mu.Lock()
	r.leaveLocked(j)
	r.mu.Unlock()
}

// abandon leaves files [from, n) for a partition closed early: a file
// already opened gets the partition executed and closed (its scan's run
// counts every partition); a file not yet opened remembers it, for
// whoever opens it later.
func (r *multiRun) abandon(ctx context.Context, from, p int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for j := from; j < len(r.files); j++ {
		f := &r.files[j]
		switch {
		case !f.decided:
			f.abandoned = append(f.abandoned, p)
		case f.scan != nil:
			if st, err := f.scan.Execute(ctx, p); err == nil {
				st.Close()
			}
		}
		r.leaveLocked(j)
	}
}

// multiStream is one partition of a Multi: it reads its share of each
// file in turn.
type multiStream struct {
	ctx context.Context
	r   *multiRun
	p   int

	j      int    // the current file
	cur    Stream // its stream, nil between files
	consts []arrow.Array
	rec    arrow.Record
	seq    Seq
	seqOK  bool
	err    error
	closed bool
	folded bool // the Folder's result was taken (finishFold)
}

func (s *multiStream) Schema() *arrow.Schema { return s.r.m.schema }
func (s *multiStream) Record() arrow.Record  { return s.rec }
func (s *multiStream) Err() error            { return s.err }
func (s *multiStream) Seq() (Seq, bool)      { return s.seq, s.seqOK && s.rec != nil }

func (s *multiStream) Next() bool {
	if s.rec != nil {
		s.rec.Release()
		s.rec = nil
	}
	if s.closed || s.err != nil {
		return false
	}
	files := s.r.m.spec.Files
	for {
		if s.cur == nil {
			if s.j >= len(files) {
				return s.finishFold()
			}
			st, err := s.r.enter(s.ctx, s.j, s.p)
			if err != nil {
				s.err = err
				return false
			}
			if st == nil {
				s.r.leave(s.j)
				s.j++
				continue
			}
			s.cur = st
			if err := s.makeConsts(); err != nil {
				s.err = err
				return false
			}
		}
		if s.cur.Next() {
			s.emit(s.cur.Record())
			return true
		}
		if err := s.cur.Err(); err != nil {
			s.err = err
			return false
		}
		s.endFile()
		s.r.leave(s.j)
		s.j++
	}
}

// finishFold makes the partition's Folder's result, once its files are
// done, the stream's last batch; false when there is none (or the scan
// does not fold).
func (s *multiStream) finishFold() bool {
	if s.r.folders == nil || s.r.folders[s.p] == nil || s.folded {
		return false
	}
	s.folded = true
	rec, err := s.r.folders[s.p].Finish()
	if err != nil {
		s.err = err
		return false
	}
	if rec == nil || rec.NumRows() == 0 {
		if rec != nil {
			rec.Release()
		}
		return false
	}
	s.rec, s.seqOK = rec, false
	return true
}

// emit makes the output batch from the file's batch.
func (s *multiStream) emit(in arrow.Record) {
	f := &s.r.files[s.j]
	n := in.NumRows()
	f.rows.Add(n)
	if s.r.m.spec.Spec.Limit > 0 {
		s.r.emitted.Add(n)
	}
	s.seq, s.seqOK = SeqOf(s.cur)
	s.seq.Chunk += f.chunkBase
	if len(s.consts) == 0 {
		in.Retain()
		s.rec = in
		return
	}
	cols := slices.Clone(in.Columns())
	tail := slices.Clone(cols[len(cols)-s.r.m.tailColumns():])
	cols = cols[:len(cols)-len(tail)]
	var consts []arrow.Array
	for _, c := range s.consts {
		sl := array.NewSlice(c, 0, n)
		consts = append(consts, sl)
		cols = append(cols, sl)
	}
	cols = append(cols, tail...)
	s.rec = array.NewRecord(s.r.m.schema, cols, n)
	for _, sl := range consts {
		sl.Release()
	}
}

// makeConsts builds the current file's constant columns, one batch long.
func (s *multiStream) makeConsts() error {
	m := s.r.m
	if len(m.spec.Consts) == 0 {
		return nil
	}
	mem := m.spec.Spec.Allocator
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	n := m.spec.Spec.BatchSize
	if n <= 0 {
		n = DefaultBatchSize
	}
	for i, fl := range m.spec.Consts {
		b := array.NewBuilder(mem, fl.Type)
		v := m.spec.Files[s.j].Values[i]
		if v == nil {
			b.AppendNulls(n)
			s.consts = append(s.consts, b.NewArray())
			b.Release()
			continue
		}
		switch bb := b.(type) {
		case *array.Int64Builder:
			x, ok := v.(int64)
			if !ok {
				b.Release()
				return fmt.Errorf("internal error: the value %v of column %s is not an integer", v, fl.Name)
			}
			for range n {
				bb.Append(x)
			}
		case *array.StringBuilder:
			x, ok := v.(string)
			if !ok {
				b.Release()
				return fmt.Errorf("internal error: the value %v of column %s is not a string", v, fl.Name)
			}
			bb.ReserveData(n * len(x))
			for range n {
				bb.Append(x)
			}
		default:
			b.Release()
			return fmt.Errorf("internal error: constant column %s has type %s", fl.Name, fl.Type)
		}
		s.consts = append(s.consts, b.NewArray())
		b.Release()
	}
	return nil
}

// endFile closes the current file's stream and constants.
func (s *multiStream) endFile() {
	if s.cur != nil {
		s.cur.Close()
		s.cur = nil
	}
	for _, c := range s.consts {
		c.Release()
	}
	s.consts = nil
}

func (s *multiStream) Close() {
	if s.closed {
		return
	}
	s.closed = true
	if s.rec != nil {
		s.rec.Release()
		s.rec = nil
	}
	from := s.j
	if s.cur != nil {
		s.endFile()
		s.r.leave(s.j)
		from++
	}
	s.r.abandon(s.ctx, from, s.p)
	if s.r.folders != nil && s.r.folders[s.p] != nil {
		s.r.folders[s.p].Release()
		s.r.folders[s.p] = nil
	}
}
