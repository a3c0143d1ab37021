package scan

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/recq/recq/storage"
)

// Cached columns. A predicate or join key filter reads one field of every
// record, and every record is a cache line or more away from the next:
// on a warm file the first test of a scan costs what reading the whole
// file from memory costs (TPC-H's lineitem: 918 MB for a 4-byte date),
// whatever the field's width. A ColumnStore keeps, for one mapped file,
// copies of such fields of all records back to back (24 MB for that
// date), so later scans test them at a fraction of the memory traffic
// and touch the records themselves only to decode the ones selected.
//
// Columns fill as a side effect of scans that test the field: a
// partition that starts a chunk claims its record range in the column
// (unless another partition, of this run or another, holds or filled
// it), copies the field bytes of each piece there before testing the
// piece, and marks the range filled once every record of the chunk is
// copied (a chunk left early, by a limit, an error or cancellation, gives
// its claim back). The column serves tests once every record is filled,
// however many scans that took. Only fields a test reads without parsing
// qualify (binary numbers, dates, CHAR; no null bit, at most
// maxCachedWidth bytes), so a test gives the same answer on the copy, and
// only files of fixed-length records of one type. Columns count against
// a ColumnBudget shared by all stores; a column that does not fit is not
// made.
//
// A signed little-endian integer, DECIMAL, DATE or TIMESTAMP field whose
// values the file's .rec block statistics bound to a narrower signed range
// is stored narrowed, in the fewest of 1, 2 or 4 bytes that hold them:
// its low bytes, which read back sign-extended give the value (TPC-H's
// l_quantity and l_discount take 1 byte instead of 8, l_orderkey 4). The
// copy checks every value: a chunk with one that does not fit (statistics
// that lie) is never marked filled, so the column never serves tests.
// Readers take a column's width from the column (FieldColumn.Width, the
// view field's Width), never from the record layout.

// maxCachedWidth is the widest field copied into a column.
const maxCachedWidth = 16

// ColumnBudget bounds the bytes of all cached columns of an engine.
type ColumnBudget struct {
	limit int64
	used  atomic.Int64
}

// NewColumnBudget returns a budget of limit bytes.
func NewColumnBudget(limit int64) *ColumnBudget { return &ColumnBudget{limit: limit} }

// Used is the bytes held by cached columns.
func (b *ColumnBudget) Used() int64 { return b.used.Load() }

func (b *ColumnBudget) reserve(n int64) bool {
	if b == nil {
		return false
	}
	if b.used.Add(n) > b.limit {
		b.used.Add(-n)
		return false
	}
	return true
}

func (b *ColumnBudget) release(n int64) {
	if b != nil {
		b.used.Add(-n)
	}
}

// ColumnStore holds the cached columns of one file, as it was when its
// mapping was opened: the owner drops the store with the mapping when the
// file changes. Safe for concurrent use.
type ColumnStore struct {
	budget *ColumnBudget

	mu     sync.Mutex
	cols   map[int]*storeColumn // by field index
	held   int64
	closed bool
}

// storeColumn is one field's column: data holds the field's bytes of
// every record once filled counts them all. Bits of filledBits and
// claimedBits are records copied and records some partition is copying.
type storeColumn struct {
	data        []byte
	count       int64
	filled      int64
	filledBits  []uint64
	claimedBits []uint64
}

// NewColumnStore returns an empty store whose columns count against budget.
func NewColumnStore(budget *ColumnBudget) *ColumnStore {
	return &ColumnStore{budget: budget, cols: map[int]*storeColumn{}}
}

// Complete lists the field indexes whose column is complete.
func (s *ColumnStore) Complete() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []int
	for f, c := range s.cols {
		if c.filled == c.count {
			out = append(out, f)
		}
	}
	return out
}

// Close drops every column and returns its bytes to the budget.
func (s *ColumnStore) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.budget.release(s.held)
	s.cols, s.held, s.closed = map[int]*storeColumn{}, 0, true
}

// column returns field's column, making it (empty) when the budget has
// room; complete says whether every record is in it, and made whether
// this call made it.
func (s *ColumnStore) column(field, width int, count int64) (c *storeColumn, complete, made bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c = s.cols[field]; c != nil {
		return c, c.filled == c.count, false
	}
	words := (count + 63) / 64
	n := count*int64(width) + 16*words
	if s.closed || count == 0 || !s.budget.reserve(n) {
		return nil, false, false
	}
	c = &storeColumn{data: make([]byte, count*int64(width)), count: count,
		filledBits: make([]uint64, words), claimedBits: make([]uint64, words)}
	s.cols[field] = c
	s.held += n
	return c, false, true
}

// claim reserves records [first, first+n) of c for the caller to copy:
// false when some of them are filled or claimed already.
func (s *ColumnStore) claim(c *storeColumn, first, n int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if anyBit(c.filledBits, first, n) || anyBit(c.claimedBits, first, n) {
		return false
	}
	setBits(c.claimedBits, first, n, true)
	return true
}

// unclaim gives back a claim; fill marks its records copied.
func (s *ColumnStore) unclaim(c *storeColumn, first, n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	setBits(c.claimedBits, first, n, false)
}

func (s *ColumnStore) fill(c *storeColumn, first, n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	setBits(c.claimedBits, first, n, false)
	setBits(c.filledBits, first, n, true)
	c.filled += n
}

// anyBit reports whether a bit of [first, first+n) is set.
func anyBit(b []uint64, first, n int64) bool {
	for i := first; i < first+n; {
		w := b[i>>6]
		if i&63 == 0 && i+64 <= first+n {
			if w != 0 {
				return true
			}
			i += 64
			continue
		}
		if w>>(i&63)&1 != 0 {
			return true
		}
		i++
	}
	return false
}

// setBits sets or clears bits [first, first+n).
func setBits(b []uint64, first, n int64, on bool) {
	for i := first; i < first+n; {
		if i&63 == 0 && i+64 <= first+n {
			if on {
				b[i>>6] = ^uint64(0)
			} else {
				b[i>>6] = 0
			}
			i += 64
			continue
		}
		if on {
			b[i>>6] |= 1 << (i & 63)
		} else {
			b[i>>6] &^= 1 << (i & 63)
		}
		i++
	}
}

// cachedField is how one run uses a field's column: tests read it
// (ready: complete when the run started) or partitions fill it.
type cachedField struct {
	field    int
	off      int // the field's offset in a record
	srcWidth int // the field's bytes in a record
	width    int // a value's bytes in the column: srcWidth, or fewer (narrowed)
	col      *storeColumn
	ready    bool
	// again: an earlier run made the column and left it incomplete (its
	// chunks ruled out by join keys, a limit): this run reads every chunk
	// to complete it
	again bool
	view  storage.Field // the field at offset 0 of a one-field record, width bytes wide
}

// narrowWidth is the width of the column of field idx (f, w bytes in a
// record): the fewest of 1, 2 or 4 bytes whose signed range holds every
// value the .rec block statistics allow, for a signed little-endian
// binary integer, DECIMAL, DATE or TIMESTAMP; else w.
func (s *Scan) narrowWidth(f *storage.Field, idx, w int) int {
	x := s.table.Blocks
	t := f.Type
	signed := t.IsSigned() || t.Kind == storage.Date || t.Kind == storage.Timestamp ||
		(t.Kind == storage.Decimal && t.Precision <= storage.MaxDecimalPrecision && !f.Unsigned)
	if !signed || f.Encoding != storage.LittleEndian || f.Width != w || w < 2 || x == nil || len(x.Blocks) == 0 {
		return w
	}
	k := x.StatColumn(idx)
	if k < 0 {
		return w
	}
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	for _, b := range x.Blocks {
		st := b.Columns[k]
		lo, hi = min(lo, int64(st.Min)), max(hi, int64(st.Max))
	}
	for _, nw := range []int{1, 2, 4} {
		if nw >= w {
			break
		}
		if bound := int64(1) << (8*nw - 1); lo >= -bound && hi < bound {
			return nw
		}
	}
	return w
}

// copyNarrowed copies the n values of a w-byte little-endian signed field
// (at src[r*stride]) into dst as nw-byte values; ok is false when one does
// not fit in nw bytes (dst then holds a partial copy).
func copyNarrowed(dst, src []byte, stride, w, nw, n int) (ok bool) {
	bound := int64(1) << (8*nw - 1)
	for r := 0; r < n; r++ {
		v := storage.ReadBinaryInt(src[r*stride:r*stride+w], binary.LittleEndian)
		if v < -bound || v >= bound {
			return false
		}
		switch nw {
		case 1:
			dst[r] = byte(v)
		case 2:
			binary.LittleEndian.PutUint16(dst[2*r:], uint16(v))
		default:
			binary.LittleEndian.PutUint32(dst[4*r:], uint32(v))
		}
	}
	return true
}

// planColumns decides, at the start of a run, which columns the run's
// tests read or fill: those of fields that predicates and key tests read
// without parsing.
func (s *Scan) planColumns() []*cachedField {
	store := s.spec.ColumnStore
	t := s.table
	if store == nil || t.Layout.Var != nil || t.Raw.Segments != nil {
		return nil
	}
	var out []*cachedField
	add := func(f *storage.Field, idx int) {
		for _, c := range out {
			if c.field == idx {
				return
			}
		}
		w := f.End() - f.Offset
		if f.NullBit >= 0 || f.IsArray() || f.IsGroup() || len(f.Shifts) > 0 || w > maxCachedWidth {
			return
		}
		nw := s.narrowWidth(f, idx, w)
		col, ready, made := store.column(idx, nw, t.Layout.Count)
		if col == nil {
			return
		}
		c := &cachedField{field: idx, off: f.Offset, srcWidth: w, width: nw, col: col, ready: ready, again: !ready && !made, view: *f}
		c.view.Offset, c.view.Width = 0, nw
		out = append(out, c)
	}
	for _, p := range s.preds {
		if p.mayFail() == 0 {
			add(p.field, p.pred.Field)
		}
	}
	for _, k := range s.keyTests {
		if k.fast {
			add(k.field, k.spec.Field)
		}
	}
	if s.spec.Fold != nil {
		for _, f := range s.spec.FoldFields {
			add(&t.Schema.Fields[f], f)
		}
	}
	return out
}

// columnTests are a run's predicates and key tests that read columns:
// copies of them whose field sits at offset 0 of a one-field record, and
// the index of the column in run.columns (-1: the test reads records).
type columnTests struct {
	preds   []*compiled
	predCol []int
	keys    []*keyTest
	keyCol  []int
}

func (r *run) planColumnTests() {
	s := r.scan
	r.columns = s.planColumns()
	if len(r.columns) == 0 {
		return
	}
	var read, built []string
	for _, c := range r.columns {
		name := s.table.Schema.Fields[c.field].Name
		if c.width < c.srcWidth {
			name += fmt.Sprintf(" (%d of %d bytes)", c.width, c.srcWidth)
		}
		if c.ready {
			read = append(read, name)
		} else {
			built = append(built, name)
		}
		r.filling = r.filling || !c.ready
		r.completing = r.completing || c.again
	}
	var parts []string
	if len(read) > 0 {
		parts = append(parts, "tests read cached columns: "+strings.Join(read, ", "))
	}
	if len(built) > 0 {
		parts = append(parts, "filling cached columns: "+strings.Join(built, ", "))
	}
	r.stats.Columns = strings.Join(parts, "; ")
	ct := &r.colTests
	index := func(field int) int { // the ready column of field
		for i, c := range r.columns {
			if c.field == field && c.ready {
				return i
			}
		}
		return -1
	}
	for _, p := range s.preds {
		i := -1
		if p.mayFail() == 0 {
			i = index(p.pred.Field)
		}
		v := onColumn(p, i, r.columns, func(c *compiled) **storage.Field { return &c.field })
		ct.preds, ct.predCol = append(ct.preds, v), append(ct.predCol, i)
	}
	for _, k := range s.keyTests {
		i := -1
		if k.fast {
			i = index(k.spec.Field)
		}
		v := onColumn(k, i, r.columns, func(c *keyTest) **storage.Field { return &c.field })
		ct.keys, ct.keyCol = append(ct.keys, v), append(ct.keyCol, i)
	}
}

// onColumn returns a copy of test t whose field (reached by field) is
// the view of column i, or nil when i < 0 (the test reads records).
func onColumn[T any](t *T, i int, cols []*cachedField, field func(*T) **storage.Field) *T {
	if i < 0 {
		return nil
	}
	c := *t
	*field(&c) = &cols[i].view
	return &c
}

// chunkData is the part of c's column that holds records [first,
// first+n): value r of the chunk at r*width.
func (c *cachedField) chunkData(first int64, n int) []byte {
	base := int(first) * c.width
	return c.col.data[base : base+n*c.width]
}

// startColumns claims, for each column the run fills, the records of
// the partition's new chunk that no one has copied or is copying.
func (p *partition) startColumns() {
	if !p.run.filling {
		return
	}
	if p.copying == nil {
		p.copying = make([]bool, len(p.run.columns))
		p.copied = make([]int, len(p.run.columns))
	}
	store := p.scan.spec.ColumnStore
	for i, c := range p.run.columns {
		p.copying[i] = !c.ready && store.claim(c.col, p.ch.first, int64(p.ch.n))
		p.copied[i] = 0
	}
}

// endColumns marks the chunk's claimed ranges filled where every record
// was copied, and gives the others back.
func (p *partition) endColumns() {
	if p.copying == nil || p.ch.n == 0 {
		return
	}
	store := p.scan.spec.ColumnStore
	for i, c := range p.run.columns {
		if !p.copying[i] {
			continue
		}
		p.copying[i] = false
		if p.copied[i] == p.ch.n {
			store.fill(c.col, p.ch.first, int64(p.ch.n))
		} else {
			store.unclaim(c.col, p.ch.first, int64(p.ch.n))
		}
	}
}

// columnViews copies records [pos, end) of the partition's chunk into the
// columns it claimed, and sets p.views to the chunk's views of the ready
// columns (one w-byte record per field value, indexed like the chunk).
func (p *partition) columnViews(pos, end int) {
	ch := &p.ch
	p.views = p.views[:0]
	for i, c := range p.run.columns {
		w := c.width
		base := int(ch.first) * w
		if p.copying != nil && p.copying[i] {
			dst := c.col.data[base+pos*w : base+end*w]
			if w < c.srcWidth {
				// a value that does not fit leaves the piece uncounted, so
				// the chunk is given back, never filled
				if copyNarrowed(dst, ch.data[pos*ch.stride+c.off:], ch.stride, c.srcWidth, w, end-pos) {
					p.copied[i] += end - pos
				}
			} else {
				for r := pos; r < end; r++ {
					copy(dst[(r-pos)*w:(r-pos+1)*w], ch.data[r*ch.stride+c.off:])
				}
				p.copied[i] += end - pos
			}
		}
		var v chunk
		if c.ready {
			v = chunk{table: ch.table, first: ch.first, n: ch.n, data: c.chunkData(ch.first, ch.n), stride: w, recLen: w}
		}
		p.views = append(p.views, v)
	}
}
