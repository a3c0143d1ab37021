package scan

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/storage"
)

// Scan is a scan plan: which records of which file, which columns, which
// predicates, in how many partitions, all fixed by New. Execute(ctx, p)
// starts partition p. All partitions of one run share a chunk cursor
// (workers pull chunks dynamically), the opened file and the limit; the
// Scan keeps that run state (and the last run's statistics): a run starts
// with the first Execute after the previous run's partitions were all
// claimed, so two concurrent executions of one Scan would share runs and
// must not happen.
type Scan struct {
	spec      Spec
	table     *storage.Table
	preds     []*compiled
	keyTests  []*keyTest
	chunks    []chunkSpec
	schema    *arrow.Schema
	workers   int
	batchSize int
	pattern   storage.Pattern
	mem       memory.Allocator
	blocks    int // blocks in the file (0 without a block index)
	skipped   int // blocks ruled out by min/max
	verify    bool
	ordered   bool // tag batches with their Seq (Spec.Ordered, several workers)
	// segs is the table's record types (nil for a file of one type);
	// segFilter is set when records of some types are left out.
	segs      *storage.Segments
	segFilter bool
	lookBack  int64 // records per look-back block (segments.go)

	mu      sync.Mutex
	run     *run
	claimed []bool
	last    *Stats
}

// chunkSpec is one unit of work: records [first, first+n).
type chunkSpec struct {
	first, n int64
	block    int // the .rec block it is (for checksums), or -1
}

// New validates spec and plans the scan. It reads nothing.
func New(spec Spec) (*Scan, error) {
	t := spec.Table
	if t == nil {
		return nil, fmt.Errorf("scan: no table")
	}
	s := &Scan{spec: spec, table: t, mem: spec.Allocator}
	if s.mem == nil {
		s.mem = memory.DefaultAllocator
	}
	s.batchSize = spec.BatchSize
	if s.batchSize <= 0 {
		s.batchSize = DefaultBatchSize
	}
	s.workers = spec.Workers
	if s.workers <= 0 {
		s.workers = runtime.GOMAXPROCS(0)
	}
	s.ordered = spec.Ordered && s.workers > 1
	fields := make([]arrow.Field, 0, len(spec.Columns)+1)
	for _, c := range spec.Columns {
		if c < 0 || c >= t.Schema.NumFields() {
			return nil, fmt.Errorf("scan: column %d out of range (the table has %d fields)", c, t.Schema.NumFields())
		}
		f := &t.Schema.Fields[c]
		fields = append(fields, arrow.Field{Name: f.Name, Type: f.ArrowType(), Nullable: f.Nullable || t.Raw.Segments.Partial(c) || t.Layout.Var != nil})
	}
	if err := s.planSegments(); err != nil {
		return nil, err
	}
	if spec.ParentRowID {
		fields = append(fields, arrow.Field{Name: "_parent_rowid", Type: arrow.PrimitiveTypes.Int64, Nullable: true})
	}
	if spec.RowID {
		fields = append(fields, arrow.Field{Name: "_rowid", Type: arrow.PrimitiveTypes.Int64})
	}
	s.schema = arrow.NewSchema(fields, nil)
	if err := checkFold(&spec, t); err != nil {
		return nil, err
	}
	if spec.Fold != nil {
		s.schema = spec.FoldSchema
	}
	for _, p := range spec.Filter {
		c, err := compile(t.Schema, p)
		if err != nil {
			return nil, err
		}
		s.preds = append(s.preds, c)
	}
	// Run the predicates that cannot fail first: binary fields and text
	// CHARs before text numbers and dates, which are parsed and may not
	// parse. Files with several record types (ACH: headers, entries,
	// addenda) hold text in another type's number columns; a record-type
	// test then rules those records out before their numbers are read.
	// Among those that cannot fail, the cheap ones go first (testCost):
	// the later tests see only the records the earlier ones kept.
	slices.SortStableFunc(s.preds, func(a, b *compiled) int {
		return cmp.Or(cmp.Compare(a.mayFail(), b.mayFail()), cmp.Compare(a.testCost(), b.testCost()))
	})
	if err := s.compileKeyFilters(); err != nil {
		return nil, err
	}
	ranges, err := s.ranges()
	if err != nil {
		return nil, err
	}
	s.pattern = storage.FullScan
	var covered int64
	for _, r := range ranges {
		covered += r.End - r.Start
	}
	if spec.Sample != nil || (spec.Ranges != nil && covered < t.Layout.Count/4) {
		s.pattern = storage.RandomAccess
	}
	s.plan(ranges)
	return s, nil
}

// ranges returns the record ranges to scan, sorted and merged.
func (s *Scan) ranges() ([]RowRange, error) {
	count := s.table.Layout.Count
	spec := s.spec
	if spec.Sample != nil {
		// The sample is of the whole table; row ranges (a WHERE on
		// _rowid) then keep the sampled records inside them.
		sampled, err := sampleRanges(count, *spec.Sample)
		if err != nil || spec.Ranges == nil {
			return sampled, err
		}
		return intersectRanges(sampled, mergeRanges(slices.Clone(spec.Ranges))), nil
	}
	if spec.Ranges == nil {
		if count == 0 {
			return nil, nil
		}
		return []RowRange{{0, count}}, nil
	}
	rs := make([]RowRange, 0, len(spec.Ranges))
	for _, r := range spec.Ranges {
		r.Start, r.End = max(r.Start, 0), min(r.End, count)
		if r.Start < r.End {
			rs = append(rs, r)
		}
	}
	return mergeRanges(rs), nil
}

func mergeRanges(rs []RowRange) []RowRange {
	slices.SortFunc(rs, func(a, b RowRange) int { return cmp.Compare(a.Start, b.Start) })
	out := rs[:0]
	for _, r := range rs {
		if n := len(out); n > 0 && r.Start <= out[n-1].End {
			out[n-1].End = max(out[n-1].End, r.End)
			continue
		}
		out = append(out, r)
	}
	return out
}

// intersectRanges intersects two sorted, merged range lists.
func intersectRanges(a, b []RowRange) []RowRange {
	var out []RowRange
	for i, j := 0, 0; i < len(a) && j < len(b); {
		lo, hi := max(a[i].Start, b[j].Start), min(a[i].End, b[j].End)
		if lo < hi {
			out = append(out, RowRange{lo, hi})
		}
		if a[i].End < b[j].End {
			i++
		} else {
			j++
		}
	}
	return out
}

// sampleRanges picks records uniformly without replacement (Floyd's
// algorithm), deterministically for a seed.
func sampleRanges(count int64, sm Sample) ([]RowRange, error) {
	n := sm.Rows
	if n == 0 {
		if sm.Percent < 0 || sm.Percent > 100 {
			return nil, fmt.Errorf("sample percentage %g is outside 0..100", sm.Percent)
		}
		n = int64(float64(count) * sm.Percent / 100)
	}
	if n < 0 {
		return nil, fmt.Errorf("sample size %d is negative", n)
	}
	if n >= count {
		if count == 0 {
			return nil, nil
		}
		return []RowRange{{0, count}}, nil
	}
	r := rand.New(rand.NewPCG(sm.Seed, 0x5851f42d4c957f2d))
	picked := make(map[int64]struct{}, n)
	for j := count - n; j < count; j++ {
		t := r.Int64N(j + 1)
		if _, dup := picked[t]; dup {
			t = j
		}
		picked[t] = struct{}{}
	}
	rs := make([]RowRange, 0, n)
	for k := range picked {
		rs = append(rs, RowRange{k, k + 1})
	}
	return mergeRanges(rs), nil
}

// plan cuts the ranges into chunks. With a block index, chunks are whole
// blocks (or the parts of blocks the ranges cover), so block min/max can
// skip them and checksums can be verified.
func (s *Scan) plan(ranges []RowRange) {
	l := &s.table.Layout
	if l.Var != nil {
		s.planVar(ranges)
		return
	}
	stride := int64(max(l.Stride, 1))
	chunkBytes := int64(s.spec.ChunkBytes)
	if chunkBytes <= 0 {
		chunkBytes = DefaultChunkBytes
	}
	per := max(chunkBytes/stride, 1)
	// Under direct I/O, keep chunk starts on 4096-byte boundaries when the
	// record stride allows it within the chunk size.
	if unit := 4096 / gcd(stride, 4096); unit > 1 && unit <= per && l.LineStarts == nil {
		per -= per % unit
	}
	x := s.table.Blocks
	// Checksums are verified for every whole block read (a range that
	// covers part of a block reads too little to check it).
	s.verify = s.spec.VerifyChecksums && x != nil
	byBlock := x != nil && (len(s.preds) > 0 || len(s.keyTests) > 0 || s.verify || s.spec.BlockChunks)
	if x != nil {
		s.blocks = x.Len()
		if byBlock {
			per = int64(x.RecordsPerBlock)
		}
	}
	var cuts []int64
	if !byBlock {
		cuts = laneCuts(s.table) // chunks that are .rec blocks stay whole
	}
	for _, r := range ranges {
		for first := r.Start; first < r.End; {
			end := min(first+per, r.End)
			for len(cuts) > 0 && cuts[0] <= first {
				cuts = cuts[1:]
			}
			if len(cuts) > 0 {
				end = min(end, cuts[0])
			}
			block := -1
			if byBlock {
				block = int(first / int64(x.RecordsPerBlock))
				end = min(end, int64(block+1)*int64(x.RecordsPerBlock))
				if !s.blockMayMatch(block) {
					s.skipped++
					first = end
					continue
				}
			}
			s.chunks = append(s.chunks, chunkSpec{first: first, n: end - first, block: block})
			first = end
		}
	}
}

// wholeBlock reports whether chunk c is all of its block (so the block's
// checksum can be verified).
func (s *Scan) wholeBlock(c chunkSpec) bool {
	first, n := s.table.Blocks.BlockRange(c.block, s.table.Layout.Count)
	return c.first == first && c.n == n
}

func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// blockMayMatch reports whether block b can hold a record passing every
// predicate, judging by the block's NULL counts and min/max.
func (s *Scan) blockMayMatch(b int) bool {
	x := s.table.Blocks
	_, n := x.BlockRange(b, s.table.Layout.Count)
	for _, c := range s.preds {
		k := x.StatColumn(c.pred.Field)
		if k < 0 {
			continue
		}
		st := x.Blocks[b].Columns[k]
		if !c.statsMayMatch(st, n) {
			return false
		}
	}
	return true
}

// statsMayMatch judges one predicate against one block's statistics.
func (c *compiled) statsMayMatch(st storage.ColumnStats, n int64) bool {
	allNull := int64(st.NullCount) == n
	switch {
	case c.nullTest > 0:
		return st.NullCount > 0
	case c.nullTest < 0:
		return !allNull
	case c.never:
		return false
	case allNull && !st.HasNaN:
		return false
	case st.HasNaN:
		return true
	}
	switch c.dom {
	case domInt:
		return c.ints.mayMatch(int64(st.Min), int64(st.Max))
	case domUint:
		return c.uints.mayMatch(st.Min, st.Max)
	}
	return true // floats (and CHAR, which has no statistics): read the block
}

// Schema is the schema of the batches the scan produces.
func (s *Scan) Schema() *arrow.Schema { return s.schema }

// Partitions is the number of partition streams (the worker count).
func (s *Scan) Partitions() int { return s.workers }

// Table is the table scanned.
func (s *Scan) Table() *storage.Table { return s.table }

// Spec returns the scan's specification.
func (s *Scan) Spec() Spec { return s.spec }

// Pattern is the access pattern the scan declares to the strategy chooser.
func (s *Scan) Pattern() storage.Pattern { return s.pattern }

// ChunkRanges returns the record ranges of the planned chunks in file
// order: blocks whose min/max rule out the predicates are absent. Chunk
// boundaries are where the file can be cut cheaply: .rec blocks (when
// predicates or checksums make chunks whole blocks), compressed lanes,
// or ChunkBytes of records.
func (s *Scan) ChunkRanges() []RowRange {
	out := make([]RowRange, len(s.chunks))
	for i, c := range s.chunks {
		out[i] = RowRange{c.first, c.first + c.n}
	}
	return out
}

// PlannedChunks is the number of units of work after block skipping.
func (s *Scan) PlannedChunks() int { return len(s.chunks) }

// PlannedRecords is the number of records the planned chunks cover.
func (s *Scan) PlannedRecords() int64 {
	var n int64
	for _, c := range s.chunks {
		n += c.n
	}
	return n
}

// SkippedBlocks is the number of .rec blocks ruled out by min/max.
func (s *Scan) SkippedBlocks() int { return s.skipped }

// LastStats returns the stats of the most recent run (nil before any).
func (s *Scan) LastStats() *Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// String describes the scan for EXPLAIN.
func (s *Scan) String() string {
	cols := make([]string, 0, len(s.spec.Columns)+1)
	for _, c := range s.spec.Columns {
		cols = append(cols, s.table.Schema.Fields[c].Name)
	}
	if s.spec.ParentRowID {
		cols = append(cols, "_parent_rowid")
	}
	if s.spec.RowID {
		cols = append(cols, "_rowid")
	}
	format := s.table.Format.String()
	if c := s.table.Compression; c != nil {
		format += ", " + c.Format.String() // "text, gzip"
	}
	out := fmt.Sprintf("Scan %s (%s, %d records): columns [%s]", s.table.Path, format, s.table.Layout.Count, strings.Join(cols, ", "))
	if s.segFilter {
		out += ", " + s.segmentLine()
	}
	if len(s.spec.Filter) > 0 {
		ps := make([]string, len(s.spec.Filter))
		for i, p := range s.spec.Filter {
			ps[i] = p.String(s.table.Schema)
		}
		out += fmt.Sprintf(", pushed [%s]", strings.Join(ps, " AND "))
	}
	for _, t := range s.keyTests {
		out += ", " + t.spec.String()
	}
	if s.spec.Limit > 0 {
		out += fmt.Sprintf(", limit %d", s.spec.Limit)
	}
	if s.spec.Sample != nil {
		out += ", sample"
	}
	if s.blocks > 0 && len(s.preds) > 0 {
		out += fmt.Sprintf(", blocks %d of %d skipped", s.skipped, s.blocks)
	}
	return out
}

// run is the shared state of one execution of all partitions.
type run struct {
	scan     *Scan
	src      storage.Source
	ownSrc   bool // close src when the run ends
	mapped   bool
	next     atomic.Int64 // chunk cursor
	selected atomic.Int64 // records handed out, against the limit
	stop     atomic.Bool  // limit reached: every partition winds down
	live     atomic.Int32 // partitions not yet closed
	stats    *Stats
	mem      *recycler // batch buffers, reused across batches of the run
	ordered  bool
	// lanes, for a compressed file: chunks are claimed lane by lane and
	// read in order within a lane (see lanes.go); nil otherwise.
	lanes          []*laneCursor
	compressedBase int64 // the source's compressed bytes consumed before the run

	// Ordered runs with a limit: the rows each finished chunk kept (-1
	// while unfinished), and the leading run of finished chunks.
	limitMu    sync.Mutex
	chunkRows  []int64
	prefix     int   // chunks [0, prefix) are finished
	prefixRows int64 // rows they kept

	// The look-back memo of a file of record types (segments.go).
	segMu   sync.Mutex
	segMemo map[int64][]int64

	// Cached columns the run reads or builds (colcache.go).
	columns  []*cachedField
	colTests columnTests
	filling  bool // some column is being filled: pieces are copied
	// completing: a column an earlier run left incomplete is being filled,
	// so no chunk is passed over for its join keys (claimChunk)
	completing bool
}

// Execute starts partition p (0 <= p < Partitions()). The stream does no
// I/O until its first Next. Every partition of a run must be executed and
// closed: the file is closed when the last partition closes.
func (s *Scan) Execute(ctx context.Context, p int) (Stream, error) {
	if p < 0 || p >= s.workers {
		return nil, fmt.Errorf("scan: partition %d out of range 0..%d", p, s.workers-1)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.run == nil || s.claimed[p] {
		r, err := s.startRun()
		if err != nil {
			return nil, err
		}
		s.run, s.claimed = r, make([]bool, s.workers)
	}
	s.claimed[p] = true
	r := s.run
	done := true
	for _, c := range s.claimed {
		done = done && c
	}
	if done {
		s.run = nil // the next Execute starts a new run
	}
	return newPartition(ctx, r, p), nil
}

// startRun opens the file with the chosen strategy.
func (s *Scan) startRun() (*run, error) {
	st := &Stats{Partitions: s.workers, Chunks: len(s.chunks), BlocksTotal: s.blocks, BlocksSkipped: s.skipped,
		Pattern: s.pattern, ResidentBefore: -1}
	if s.spec.Analyze {
		// mincore costs time in proportion to the file size (about 20 ms
		// for 1 GiB): measured only when asked for.
		if res, total, err := storage.Residency(s.table.Path); err == nil && total > 0 {
			st.ResidentBefore = float64(res) / float64(total)
		}
	}
	src, owned := s.spec.Source, false
	if src == nil {
		var err error
		if src, err = storage.OpenTableSource(s.table, s.spec.Strategy, s.pattern); err != nil {
			return nil, err
		}
		owned = true
	}
	if src.Size() < s.table.Layout.DataEnd() {
		if owned {
			src.Close()
		}
		return nil, &storage.FileError{Path: s.table.Path, Record: -1, Offset: src.Size(), Err: storage.ErrCorrupt,
			Msg: fmt.Sprintf("file is now %d bytes, shorter than the %d it had when opened", src.Size(), s.table.Layout.DataEnd()), Hint: "was it truncated?"}
	}
	st.Strategy, st.Reason = src.Strategy(), src.Reason()
	st.begin(s.spec.Analyze)
	r := &run{scan: s, src: src, ownSrc: owned, mapped: src.Strategy() == storage.Mmap, stats: st,
		mem: newRecycler(s.mem, 3*s.workers*s.batchBytes()+(1<<20)), ordered: s.ordered}
	if r.ordered && s.spec.Limit > 0 {
		r.chunkRows = make([]int64, len(s.chunks))
		for i := range r.chunkRows {
			r.chunkRows[i] = -1
		}
	}
	if cs, ok := src.(storage.CompressedSource); ok {
		r.lanes = compressedLanes(s, cs)
		r.compressedBase = cs.CompressedRead()
		st.Compression = cs.Compression()
	}
	if r.mapped {
		r.planColumnTests()
	}
	r.live.Store(int32(s.workers))
	s.last = st
	return r, nil
}

// batchBytes estimates the buffer bytes of one full batch.
func (s *Scan) batchBytes() int {
	n := 0
	for _, c := range s.spec.Columns {
		f := &s.table.Schema.Fields[c]
		switch f.Type.Kind {
		case storage.Char:
			n += 4 + f.Width
		case storage.Decimal:
			n += 16
		default:
			n += f.Type.BinaryWidth()
		}
		n++ // validity
	}
	if s.spec.RowID {
		n += 8
	}
	return n * s.batchSize
}

// partitionClosed is called once per partition; the last one closes the
// file.
func (r *run) partitionClosed() {
	if r.live.Add(-1) == 0 {
		r.stats.end()
		if r.ownSrc {
			r.src.Close()
		}
		r.mem.close()
	}
}

// claimChunk hands out the next chunk index, or -1 when none is left.
// Chunks that are .rec blocks whose min/max hold no key of a published
// key filter are passed over (not in an ordered run, whose merge waits
// for every chunk, nor in a run completing a cached column: the first
// run that fills a column passes them over, the second reads them so
// that later runs test the whole column).
func (r *run) claimChunk() int {
	for {
		if r.stop.Load() {
			return -1
		}
		i := int(r.next.Add(1) - 1)
		if i >= len(r.scan.chunks) {
			return -1
		}
		if c := r.scan.chunks[i]; !r.ordered && !r.completing && r.scan.keysRuleOut(c) {
			r.stats.KeyBlocksSkipped.Add(1)
			r.stats.KeyFiltered.Add(c.n)
			continue
		}
		return i
	}
}

// chunkDone records, in an ordered run with a limit, that chunk idx kept
// rows; once the leading finished chunks hold the limit, no further chunk
// is claimed (the chunks after them cannot contribute to the first Limit
// records).
func (r *run) chunkDone(idx int, rows int64) {
	if r.chunkRows == nil {
		return
	}
	r.limitMu.Lock()
	defer r.limitMu.Unlock()
	r.chunkRows[idx] = rows
	for r.prefix < len(r.chunkRows) && r.chunkRows[r.prefix] >= 0 {
		r.prefixRows += r.chunkRows[r.prefix]
		r.prefix++
	}
	if r.prefixRows >= r.scan.spec.Limit {
		r.stop.Store(true)
	}
}

// claimRows reserves up to n selected rows against the limit and returns
// how many may be emitted. In an ordered run the limit is per chunk (see
// partition.claim); this is the unordered, run-wide form.
func (r *run) claimRows(n int) int {
	limit := r.scan.spec.Limit
	if limit <= 0 || n == 0 {
		return n // a piece that selected nothing must not stop the scan
	}
	for {
		cur := r.selected.Load()
		take := min(int64(n), limit-cur)
		if take <= 0 {
			r.stop.Store(true)
			return 0
		}
		if r.selected.CompareAndSwap(cur, cur+take) {
			if cur+take == limit {
				r.stop.Store(true)
			}
			return int(take)
		}
	}
}
