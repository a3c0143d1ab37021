package scan

import (
	"bytes"
	"context"
	"fmt"
	"math/bits"
	"sync"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/internal/testhook"
	"github.com/recq/recq/storage"
)

// partition is one worker's stream. Next pulls chunks from the run's shared
// cursor, reads them, narrows a selection with the pushed predicates on the
// raw bytes, and decodes the projected columns of the selected records into
// the batch under construction. A batch is emitted when it is full or the
// chunks run out; in an ordered run also at each chunk end, tagged with
// its Seq (a chunk that kept no rows ends with a zero-row marker).
//
// Under direct and buffered I/O a read-ahead goroutine reads the next chunk
// while the current one is decoded; under mmap the bytes are decoded in
// place inside storage.Guard.
type partition struct {
	ctx    context.Context
	cancel context.CancelFunc
	run    *run
	scan   *Scan
	id     int

	decoders []columnDecoder
	folder   Folder        // takes the selected records instead of the decoders (Spec.Fold)
	foldCols []FieldColumn // the cached columns handed to the folder
	rows     int           // rows in the batch under construction
	cur      arrow.Record

	// The chunk being consumed.
	region   *storage.Region
	ch       chunk
	pos      int     // next record of the chunk to run the predicates on
	sel      []int32 // selected records of the current piece, from selPos on still to decode
	selPos   int
	identity []int32 // 0, 1, 2, ...: the selection before any predicate
	selBuf   []int32 // the selection after predicates
	padBuf   []byte
	spans    storage.RecordSpans // variable-length records of the chunk

	ahead   chan fetched // read-ahead results (nil under mmap)
	aheadWG sync.WaitGroup

	// Ordered runs: the chunk being consumed and the tag of p.cur.
	chunkIdx  int
	inChunk   bool  // a chunk is loaded whose last batch is not emitted yet
	chunkRows int64 // rows the chunk kept so far
	piece     int32
	seq       Seq
	marker    arrow.Record // zero-row batch, emitted for chunks that keep nothing

	lane int // the lane this partition reads (compressed files), or -1

	// Key filters (keyfilter.go): keyOff[i] is set once key test i kept
	// almost every record it saw in this partition, so it stops paying
	// for the test; keySeen and keyKept count toward that decision.
	keyOff           []bool
	keySeen, keyKept []int64
	keySets          []*KeySet // this piece's published sets, by test (nil: none or off)

	views   []chunk // the current piece's views of the run's cached columns (colcache.go)
	copying []bool  // by run column: the chunk's records are claimed to be copied there
	copied  []int   // by run column: records of the chunk copied so far

	err     error
	started bool
	done    bool
	closed  bool
}

// initialCapacity is the starting capacity of a batch's columns.
const initialCapacity = 1024

// decodePieceBytes bounds the record bytes filtered and then decoded
// column by column at a time, to keep them in the CPU cache.
const decodePieceBytes = 64 << 10

// fetched is a chunk read ahead.
type fetched struct {
	idx    int
	region *storage.Region
	err    error
	wait   time.Duration
}

func newPartition(ctx context.Context, r *run, id int) *partition {
	ctx, cancel := context.WithCancel(ctx)
	p := &partition{ctx: ctx, cancel: cancel, run: r, scan: r.scan, id: id}
	return p
}

func (p *partition) Schema() *arrow.Schema { return p.scan.schema }
func (p *partition) Record() arrow.Record  { return p.cur }
func (p *partition) Err() error            { return p.err }

// Seq tags the current batch in an ordered run.
func (p *partition) Seq() (Seq, bool) { return p.seq, p.run.ordered && p.cur != nil }

func (p *partition) start() {
	p.started = true
	s := p.scan
	// Columns start small and grow to the batch size as rows arrive, so
	// selective scans and small files do not allocate full batches.
	capacity := int(min(int64(min(s.batchSize, initialCapacity)), max(s.PlannedRecords(), 1)))
	if s.spec.Fold != nil {
		p.folder = s.spec.Fold(p.id)
	}
	for _, c := range s.spec.Columns {
		if p.folder != nil {
			break
		}
		d := newDecoder(p.run.mem, s.table.Schema, &s.table.Schema.Fields[c], capacity)
		if s.segs.Partial(c) {
			d = newSegmentMasked(d, s.segs, c)
		}
		if s.table.Layout.Var != nil {
			d = newShortMasked(d, s.table.Schema, &s.table.Schema.Fields[c])
		}
		p.decoders = append(p.decoders, d)
	}
	if s.spec.ParentRowID {
		p.decoders = append(p.decoders, &parentDecoder{newFixed[int64](arrow.PrimitiveTypes.Int64, p.run.mem, capacity), s.spec.RowIDBase})
	}
	if s.spec.RowID {
		p.decoders = append(p.decoders, &rowIDDecoder{newFixed[int64](arrow.PrimitiveTypes.Int64, p.run.mem, capacity), s.spec.RowIDBase})
	}
	p.lane = -1
	if n := len(p.run.lanes); n > 0 {
		p.setLane(p.id % n)
	}
	if !p.run.mapped {
		p.ahead = make(chan fetched, 1)
		p.aheadWG.Add(1)
		go p.readAhead()
	}
}

// readAhead claims and reads chunks one ahead of the decoder. A panic
// (a bug) becomes the partition's error, not a crash.
func (p *partition) readAhead() {
	defer p.aheadWG.Done()
	defer close(p.ahead)
	defer RecoverTo(func(err error) {
		select {
		case p.ahead <- fetched{idx: -1, err: err}:
		case <-p.ctx.Done():
		}
	})
	for {
		if p.ctx.Err() != nil {
			return
		}
		t0 := time.Now()
		idx, reg, err := p.claimRead()
		if idx < 0 {
			return
		}
		f := fetched{idx: idx, region: reg, err: err, wait: time.Since(t0)}
		select {
		case p.ahead <- f:
		case <-p.ctx.Done():
			reg.Release()
			return
		}
		if err != nil {
			return
		}
	}
}

// claimRead claims the next chunk and reads it: from the shared cursor,
// or lane by lane for a compressed file. idx is -1 when none is left.
func (p *partition) claimRead() (idx int, reg *storage.Region, err error) {
	if p.run.lanes != nil {
		idx, reg, err = p.claimLane()
		if idx >= 0 {
			testhook.Fire("scan.readahead")
		}
		return idx, reg, err
	}
	if idx = p.run.claimChunk(); idx < 0 {
		return -1, nil, nil
	}
	testhook.Fire("scan.readahead")
	reg, err = p.read(idx)
	return idx, reg, err
}

// read reads the bytes of chunk idx.
func (p *partition) read(idx int) (*storage.Region, error) {
	c := p.scan.chunks[idx]
	l := &p.scan.table.Layout
	if l.Var != nil {
		return p.readVar(c)
	}
	off := l.RecordOffset(c.first)
	var n int64
	if l.LineStarts != nil {
		n = l.LineStarts[c.first+c.n] - off
	} else {
		n = c.n*int64(l.Stride) - int64(len(l.Separator))
		if c.first+c.n < l.Count || !l.LastWithoutSeparator {
			n += int64(len(l.Separator)) // include the last record's separator to check it
		}
	}
	return p.run.src.Read(off, int(n))
}

// Next advances to the next batch.
func (p *partition) Next() bool {
	if p.cur != nil {
		p.cur.Release()
		p.cur = nil
	}
	if p.done || p.closed {
		return false
	}
	if !p.started {
		p.start()
	}
	for {
		if err := p.ctx.Err(); err != nil {
			return p.fail(err)
		}
		if p.selPos < len(p.sel) && p.folder != nil {
			if err := p.fold(); err != nil {
				return p.fail(err)
			}
			continue
		}
		if p.selPos < len(p.sel) {
			if err := p.decodePending(); err != nil {
				return p.fail(err)
			}
			if p.rows == p.scan.batchSize {
				if p.inChunk && p.selPos == len(p.sel) && p.pos >= p.ch.n {
					p.endChunk() // the batch is full exactly at the chunk end
				} else {
					p.emit(false)
				}
				return true
			}
			continue
		}
		if p.pos < p.ch.n {
			if err := p.filterPiece(); err != nil {
				return p.fail(err)
			}
			continue
		}
		if p.inChunk {
			p.endChunk()
			return true
		}
		ok, err := p.nextChunk()
		if err != nil {
			return p.fail(err)
		}
		if !ok {
			p.done = true
			if p.folder != nil {
				ok, err := p.finishFold()
				if err != nil {
					return p.fail(err)
				}
				return ok
			}
			if p.rows > 0 {
				p.emit(false)
				return true
			}
			return false
		}
	}
}

func (p *partition) fail(err error) bool {
	if p.err == nil {
		p.err = err
	}
	p.done = true
	return false
}

// nextChunk loads the next chunk and runs the predicates over it. It
// returns false when no chunk is left.
func (p *partition) nextChunk() (bool, error) {
	p.releaseRegion()
	var idx int
	var reg *storage.Region
	if p.ahead != nil {
		f, ok := <-p.ahead
		if !ok {
			return false, nil
		}
		if f.err != nil {
			return false, f.err
		}
		idx, reg = f.idx, f.region
		p.run.stats.ioNanos.Add(int64(f.wait))
		testhook.Fire("scan.chunk")
	} else {
		idx = p.run.claimChunk()
		if idx < 0 {
			return false, nil
		}
		testhook.Fire("scan.chunk")
		var err error
		if reg, err = p.read(idx); err != nil {
			return false, err
		}
	}
	p.region = reg
	p.chunkIdx, p.inChunk, p.chunkRows, p.piece = idx, p.run.ordered, 0, 0
	c := p.scan.chunks[idx]
	st := p.run.stats
	st.BytesRead.Add(int64(len(reg.Bytes)))
	st.RecordsScanned.Add(c.n)
	t0 := time.Now()
	err := p.guard(func() error { return p.prepare(c, reg.Bytes) })
	st.decodeNanos.Add(int64(time.Since(t0)))
	st.ChunksDone.Add(1)
	return err == nil, err
}

// filterPiece runs the pushed predicates over the next pieces of the
// chunk (cache-sized runs of records) into p.sel, so the decoders find the
// selected records still in the CPU cache. Pieces are added until enough
// records are selected to make a decode call worthwhile, so a selective
// predicate does not pay the per-call decoder overhead for a few rows.
func (p *partition) filterPiece() error {
	s := p.scan
	piece := max(64, decodePieceBytes/p.ch.stride)
	if len(p.identity) < p.ch.n {
		p.identity = make([]int32, p.ch.n)
		for i := range p.identity {
			p.identity[i] = int32(i)
		}
		p.selBuf = make([]int32, p.ch.n)
	}
	keyed := p.loadKeySets()
	if len(s.preds) == 0 && !s.segFilter && !keyed {
		end := min(p.ch.n, p.pos+piece)
		if p.run.filling {
			// no test runs on this piece, but the columns must hold it
			if err := p.guard(func() error { p.columnViews(p.pos, end); return nil }); err != nil {
				return err
			}
		}
		p.sel, p.selPos, p.pos = p.identity[p.pos:end], 0, end
		return p.claim()
	}
	t0 := time.Now()
	k := 0 // selected so far, in selBuf[:k]
	err := p.guard(func() error {
		ct := &p.run.colTests
		for p.pos < p.ch.n && k < piece/4 {
			end := min(p.ch.n, p.pos+piece)
			sel := p.identity[p.pos:end]
			if len(p.run.columns) > 0 {
				p.columnViews(p.pos, end)
			}
			p.pos = end
			shared := true
			if s.segFilter {
				// The record types come first: other types' fields are
				// never read, not even by a predicate.
				sel, shared = s.keepTypes(&p.ch, sel, p.selBuf[k:k]), false
			}
			for i, pr := range s.preds {
				if len(sel) == 0 {
					break
				}
				ch := &p.ch
				if ct.preds != nil && ct.predCol[i] >= 0 {
					pr, ch = ct.preds[i], &p.views[ct.predCol[i]]
				}
				// The first filter reads the shared identity array and
				// appends to selBuf; later ones narrow that in place.
				dst := sel[:0]
				if shared {
					dst, shared = p.selBuf[k:k], false
				}
				var err error
				if p.ch.varLen != nil {
					sel, err = varFilter(pr, &p.ch, sel, dst)
				} else {
					sel, err = pr.filter(ch, sel, dst)
				}
				if err != nil {
					return err
				}
			}
			if keyed {
				sel, shared = p.keyFilter(sel, shared, k)
			}
			k += len(sel)
		}
		return nil
	})
	p.run.stats.decodeNanos.Add(int64(time.Since(t0)))
	if err != nil {
		return err
	}
	p.sel, p.selPos = p.selBuf[:k], 0
	return p.claim()
}

// keyFilterSample is how many records a key test sees in a partition
// before it may be switched off there, and keyFilterKeep the share of
// them it must keep for that (a test that keeps nearly everything costs
// more than the decoding it saves).
var keyFilterSample int64 = 1 << 16 // a variable for tests

const keyFilterKeep = 0.9

// loadKeySets fetches the published sets of the scan's key tests that are
// still on in this partition into p.keySets; it reports whether any is.
func (p *partition) loadKeySets() bool {
	tests := p.scan.keyTests
	if len(tests) == 0 || p.ch.varLen != nil {
		return false
	}
	if p.keyOff == nil {
		p.keyOff = make([]bool, len(tests))
		p.keySeen = make([]int64, len(tests))
		p.keyKept = make([]int64, len(tests))
		p.keySets = make([]*KeySet, len(tests))
	}
	any := false
	for i, t := range tests {
		p.keySets[i] = nil
		if !p.keyOff[i] {
			p.keySets[i] = t.spec.Filter.Set()
			any = any || p.keySets[i] != nil
		}
	}
	return any
}

// keyFilter narrows sel (records k.. of selBuf once the first filter ran,
// else the shared identity run) by the loaded key sets.
func (p *partition) keyFilter(sel []int32, shared bool, k int) ([]int32, bool) {
	for i, t := range p.scan.keyTests {
		set := p.keySets[i]
		if set == nil || len(sel) == 0 {
			continue
		}
		dst := sel[:0]
		if shared {
			dst, shared = p.selBuf[k:k], false
		}
		before := len(sel)
		if ct := &p.run.colTests; ct.keys != nil && ct.keyCol[i] >= 0 {
			sel = ct.keys[i].filter(&p.views[ct.keyCol[i]], set, sel, dst)
		} else {
			sel = t.filter(&p.ch, set, sel, dst)
		}
		p.run.stats.KeyFiltered.Add(int64(before - len(sel)))
		p.keySeen[i] += int64(before)
		p.keyKept[i] += int64(len(sel))
		if p.keySeen[i] >= keyFilterSample && float64(p.keyKept[i]) > keyFilterKeep*float64(p.keySeen[i]) {
			p.keyOff[i] = true
		}
	}
	return sel, shared
}

// claim reserves p.sel's rows against the scan's limit, truncating the
// selection (and ending the chunk) when the limit is reached. In an
// ordered run a chunk keeps at most Limit rows, and once the leading
// finished chunks hold the limit the rest of the chunk is dropped.
func (p *partition) claim() error {
	if p.run.ordered {
		if limit := p.scan.spec.Limit; limit > 0 {
			n := int(min(int64(len(p.sel)), limit-p.chunkRows))
			if p.run.stop.Load() {
				n = 0
			}
			if n < len(p.sel) {
				p.pos = p.ch.n
			}
			p.sel = p.sel[:n]
		}
		p.chunkRows += int64(len(p.sel))
		p.run.stats.RecordsSelected.Add(int64(len(p.sel)))
		return nil
	}
	n := p.run.claimRows(len(p.sel))
	if n < len(p.sel) {
		p.pos = p.ch.n // the limit is reached: nothing more from this chunk
	}
	p.sel = p.sel[:n]
	p.run.stats.RecordsSelected.Add(int64(n))
	return nil
}

// guard runs f inside storage.Guard when the bytes are mapped.
func (p *partition) guard(f func() error) error {
	if p.run.mapped {
		return storage.Guard(p.scan.table.Path, f)
	}
	return f()
}

// prepare sets up the chunk view over data and checks checksums and
// record separators; filterPiece then evaluates the predicates piece by
// piece.
func (p *partition) prepare(c chunkSpec, data []byte) error {
	s := p.scan
	t := s.table
	l := &t.Layout
	p.ch = chunk{table: t, first: c.first, n: int(c.n), data: data, stride: l.Stride, recLen: l.RecordLen}
	if s.verify && c.block >= 0 && s.wholeBlock(c) {
		n := int(c.n) * l.RecordLen
		if got, want := storage.CRC32C(data[:n]), t.Blocks.Blocks[c.block].CRC; got != want {
			return &storage.FileError{Path: t.Path, Record: c.first, Offset: l.RecordOffset(c.first), Err: storage.ErrCorrupt,
				Msg:  fmt.Sprintf("block %d (records %d to %d) is damaged: checksum %08x, expected %08x", c.block+1, c.first+1, c.first+c.n, got, want),
				Hint: "run recq verify for details"}
		}
	}
	if l.Var != nil {
		if err := p.splitVar(c, data); err != nil {
			return err
		}
	} else if l.LineStarts != nil {
		p.padLines(c, data)
	} else if len(l.Separator) > 0 {
		if err := p.checkSeparators(); err != nil {
			return err
		}
	}
	if s.segs != nil {
		if err := p.classify(); err != nil {
			return err
		}
	}
	p.pos, p.sel, p.selPos = 0, p.sel[:0], 0
	p.startColumns()
	return nil
}

// checkSeparators verifies that every record of a text chunk ends with the
// separator, so a line of the wrong length is an error, not shifted data.
func (p *partition) checkSeparators() error {
	ch := &p.ch
	l := &ch.table.Layout
	sep := l.Separator
	last := ch.n
	if ch.first+int64(ch.n) == l.Count && l.LastWithoutSeparator {
		last--
	}
	for r := 0; r < last; r++ {
		pos := r*ch.stride + ch.recLen
		var ok bool
		if len(sep) == 1 {
			ok = ch.data[pos] == sep[0]
		} else {
			ok = bytes.Equal(ch.data[pos:pos+len(sep)], sep)
		}
		if !ok {
			rec := ch.first + int64(r)
			return &storage.FileError{Path: ch.table.Path, Record: rec, Offset: l.RecordOffset(rec), Err: storage.ErrCorrupt,
				Msg: fmt.Sprintf("line %d does not end after %d characters (found %q where the line ending belongs)",
					rec+1+int64(ch.table.Raw.SkipLines), ch.recLen, ch.data[pos:pos+len(sep)]),
				Hint: "lines of a fixed-width file must all have the same length; pad_short_lines = true pads short ones"}
		}
	}
	return nil
}

// padLines copies the chunk's lines into a buffer of fixed-length records,
// padding short lines with spaces.
func (p *partition) padLines(c chunkSpec, data []byte) {
	l := &p.scan.table.Layout
	recLen := l.RecordLen
	need := int(c.n) * recLen
	if cap(p.padBuf) < need {
		p.padBuf = make([]byte, need)
	}
	buf := p.padBuf[:need]
	base := l.LineStarts[c.first]
	for i := int64(0); i < c.n; i++ {
		start, end := l.LineStarts[c.first+i]-base, l.LineStarts[c.first+i+1]-base
		line := data[start:end]
		if n := len(line); n > 0 && line[n-1] == '\n' {
			line = line[:n-len(l.Separator)]
		}
		dst := buf[int(i)*recLen : int(i+1)*recLen]
		k := copy(dst, line)
		for ; k < recLen; k++ {
			dst[k] = ' '
		}
	}
	p.ch.data, p.ch.stride, p.ch.padded = buf, recLen, true
}

// decodePending decodes the next selected records into the batch, as many
// as fit.
func (p *partition) decodePending() error {
	k := min(len(p.sel)-p.selPos, p.scan.batchSize-p.rows)
	part := p.sel[p.selPos : p.selPos+k]
	for _, d := range p.decoders {
		d.reserve(p.rows + k)
	}
	t0 := time.Now()
	// Decode column by column: part comes from one cache-sized piece, so
	// its records stay in the CPU cache while every column is taken.
	err := p.guard(func() error {
		for _, d := range p.decoders {
			if err := d.decode(&p.ch, part); err != nil {
				return err
			}
		}
		return nil
	})
	p.run.stats.decodeNanos.Add(int64(time.Since(t0)))
	if err != nil {
		return err
	}
	p.selPos += k
	p.rows += k
	return nil
}

// endChunk emits the current chunk's last batch (a zero-row marker when
// nothing is pending) and closes the chunk.
func (p *partition) endChunk() {
	p.inChunk = false
	p.run.chunkDone(p.chunkIdx, p.chunkRows)
	if p.rows > 0 {
		p.emit(true)
		return
	}
	if p.marker == nil {
		p.marker = emptyRecord(p.run.mem, p.scan.schema)
	}
	p.marker.Retain()
	p.cur = p.marker
	p.seq = Seq{Chunk: int64(p.chunkIdx), Piece: p.piece, Last: true}
}

// emptyRecord is a batch of schema with no rows.
func emptyRecord(mem memory.Allocator, schema *arrow.Schema) arrow.Record {
	cols := make([]arrow.Array, schema.NumFields())
	for i, f := range schema.Fields() {
		b := array.NewBuilder(mem, f.Type)
		cols[i] = b.NewArray()
		b.Release()
	}
	rec := array.NewRecord(schema, cols, 0)
	for _, c := range cols {
		c.Release()
	}
	return rec
}

// emit turns the batch under construction into p.cur; last marks the
// chunk's last batch in an ordered run.
func (p *partition) emit(last bool) {
	p.seq = Seq{Chunk: int64(p.chunkIdx), Piece: p.piece, Last: last}
	p.piece++
	cols := make([]arrow.Array, len(p.decoders))
	// The next batch starts with room for as many rows as this one had,
	// rounded up to a power of two: batches cut at chunk ends (ordered
	// runs) vary in length, and the recycler reuses buffers only of the
	// same size.
	next := min(p.scan.batchSize, max(initialCapacity, 1<<bits.Len(uint(p.rows-1))))
	for i, d := range p.decoders {
		cols[i] = d.finish(next)
	}
	p.cur = array.NewRecord(p.scan.schema, cols, int64(p.rows))
	for _, c := range cols {
		c.Release()
	}
	p.rows = 0
	p.run.stats.Batches.Add(1)
}

func (p *partition) releaseRegion() {
	p.endColumns()
	if p.region != nil {
		p.region.Release()
		p.region = nil
	}
	p.sel, p.selPos = p.sel[:0], 0
	p.pos, p.ch.n = 0, 0
}

// Close stops the read-ahead, releases every buffer and, for the last
// partition of the run, closes the file.
func (p *partition) Close() {
	if p.closed {
		return
	}
	p.closed = true
	p.cancel()
	if p.ahead != nil {
		for f := range p.ahead { // drain so the reader can exit
			f.region.Release()
		}
		p.aheadWG.Wait()
	}
	if p.cur != nil {
		p.cur.Release()
		p.cur = nil
	}
	if p.marker != nil {
		p.marker.Release()
		p.marker = nil
	}
	p.releaseRegion()
	if p.folder != nil {
		p.folder.Release()
		p.folder = nil
	}
	for _, d := range p.decoders {
		d.release()
	}
	p.run.partitionClosed()
}
