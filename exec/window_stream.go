package exec

import (
	"context"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// A presorted window (ORDER BY _rowid over an ordered scan, no PARTITION
// BY) whose frames reach a bounded number of rows back and ahead is
// computed as its input streams by: each input batch is computed with the
// kernels of the materialised path over itself plus the rows before it
// that frames and lag reach (lookback) and the rows after it that they
// reach (lookahead), and goes out as soon as the lookahead has arrived.
// Memory stays at a few batches; the scan keeps running meanwhile.
// Running aggregates (a frame from UNBOUNDED PRECEDING: count, and exact
// sum and avg) and row_number carry the totals of the rows dropped from
// the buffer.

// maxStreamReach bounds the lookback and lookahead of a streamed window;
// windows reaching further are materialised.
const maxStreamReach = 1 << 20

// streamReach returns how far back and ahead f reaches, and whether the
// presorted window can stream it. Keys are unique in a presorted window
// (_rowid), so a peer group is one row and RANGE frames bounded by
// UNBOUNDED PRECEDING and CURRENT ROW are ROWS frames.
func streamReach(f WindowFunc) (back, ahead int64, ok bool) {
	switch windowOnly[f.Name] {
	case wkRank:
		return 0, 0, f.Name == "row_number"
	case wkOffset:
		if f.IgnoreNulls {
			return 0, 0, false
		}
		n := f.N
		if f.Name == "lead" {
			n = -n
		}
		if n >= 0 {
			return n, 0, n <= maxStreamReach
		}
		return 0, -n, -n <= maxStreamReach
	}
	fr := f.Frame
	if fr.Exclude == ExcludeGroup || fr.Exclude == ExcludeTies {
		return 0, 0, false
	}
	if fr.Range && (fr.Start.Value != nil || fr.End.Value != nil) {
		return 0, 0, false
	}
	reach := func(b WindowBound) (int64, int64, bool) {
		switch b.Kind {
		case BoundPreceding:
			return b.Rows, 0, !fr.Range
		case BoundFollowing:
			return 0, b.Rows, !fr.Range
		case BoundCurrentRow:
			return 0, 0, true
		}
		return 0, 0, false
	}
	if fr.Start.Kind == BoundUnboundedPreceding {
		if !carriesTotals(f) {
			return 0, 0, false
		}
	} else {
		b, a, ok := reach(fr.Start)
		if !ok {
			return 0, 0, false
		}
		back, ahead = max(back, b), max(ahead, a)
	}
	b, a, ok := reach(fr.End)
	if !ok {
		return 0, 0, false
	}
	back, ahead = max(back, b), max(ahead, a)
	return back, ahead, back <= maxStreamReach && ahead <= maxStreamReach
}

// carriesTotals reports whether a running frame (from UNBOUNDED
// PRECEDING) of f can start from carried totals: count, and sum and avg
// of integers and DECIMALs; count_if, first, last, arg_min, arg_max and
// approx_count_distinct without EXCLUDE carry their aggregate's state.
func carriesTotals(f WindowFunc) bool {
	if IsWindowFunction(f.Name) {
		return false
	}
	if isMoreAgg(f.Name) {
		return f.Frame.Exclude == ExcludeNoOthers && peeks(f)
	}
	switch aggNames[f.Name] {
	case "count":
		return true
	case "sum", "avg":
		t := f.Arg.DataType()
		return isInteger(t) || isDecimal(t)
	}
	return false
}

// streamable reports whether the window streams, and its reach.
func (w *Window) streamable() (back, ahead int64, ok bool) {
	if !w.presorted {
		return 0, 0, false
	}
	for _, f := range w.funcs {
		b, a, ok := streamReach(f)
		if !ok {
			return 0, 0, false
		}
		back, ahead = max(back, b), max(ahead, a)
	}
	return back, ahead, true
}

// windowStream computes a streamable window batch by batch.
type windowStream struct {
	w           *Window
	in          Stream
	keys        []SortKey
	slots       [][]int
	back, ahead int
	buf         []sortedRun // batches with their evaluated keys, oldest first
	bufRows     []int       // rows per buffered batch
	next        int         // the first buffered batch not yet emitted
	eof         bool
	carry       []streamCarry // per function
	res         reservation
	// scratch reused by every batch
	runOf, rowOf, rows []int32
	ev                 *windowEval
	kernels            []winKernel
	// slide is the fast path of count, sum and avg (nil: the kernels)
	slide *slider
}

// hasCarry reports whether some function runs from UNBOUNDED PRECEDING.
func (s *windowStream) hasCarry() bool {
	for _, f := range s.w.funcs {
		if f.Frame.Start.Kind == BoundUnboundedPreceding && carriesTotals(f) && windowOnly[f.Name] == 0 {
			return true
		}
	}
	return false
}

// streamCarry is what a function carries over the rows dropped from the
// buffer: their row count, and the count and exact sum of its argument,
// or its aggregate's state (group 0).
type streamCarry struct {
	rows  int64
	count int64
	sum   i128
	state callState
}

func (w *Window) executeStream(ctx context.Context, back, ahead int64) (Stream, error) {
	in, err := w.child.Execute(ctx, 0)
	if err != nil {
		return nil, err
	}
	keys, slots := w.exprs()
	s := &windowStream{w: w, in: in, keys: keys, slots: slots, back: int(back), ahead: int(ahead),
		carry: make([]streamCarry, len(w.funcs)), res: reservation{b: w.budget, what: "window"},
		slide: newSlider(w, slots)}
	mem := allocator(ctx)
	return instrument(newPullStream(w.schema, func() (arrow.Record, error) { return s.step(ctx, mem) }, s.release), w.m), nil
}

func (s *windowStream) release() {
	for _, r := range s.buf {
		r.release()
	}
	s.buf, s.bufRows = nil, nil
	if s.in != nil {
		s.in.Close()
		s.in = nil
	}
	s.res.free()
}

// pull reads one input batch into the buffer; false at the end.
func (s *windowStream) pull(ctx context.Context, mem memory.Allocator) (bool, error) {
	if !s.in.Next() {
		s.eof = true
		return false, s.in.Err()
	}
	rec := s.in.Record()
	if rec.NumRows() == 0 {
		return true, nil
	}
	ectx := NewEvalContext(mem)
	ks := make([]arrow.Array, len(s.keys))
	for i, k := range s.keys {
		a, err := k.Expr.Eval(ectx, rec)
		if err != nil {
			releaseAll(ks[:i])
			return false, err
		}
		ks[i] = a
	}
	rec.Retain()
	s.buf = append(s.buf, sortedRun{rec: rec, keys: ks})
	s.bufRows = append(s.bufRows, int(rec.NumRows()))
	if s.slide != nil {
		if err := s.slide.add(ks, int(rec.NumRows())); err != nil {
			return false, err
		}
	}
	b := recordBytes(rec)
	for _, a := range ks {
		b += arrayBytes(a.Data())
	}
	if err := s.res.grow(b); err != nil {
		return false, err
	}
	s.w.m.notePeak(s.res.n)
	return true, ctx.Err()
}

// step emits the next batch, or nil at the end.
func (s *windowStream) step(ctx context.Context, mem memory.Allocator) (arrow.Record, error) {
	for {
		// the rows after the next batch that are buffered
		after := 0
		for i := s.next + 1; i < len(s.buf); i++ {
			after += s.bufRows[i]
		}
		if s.next < len(s.buf) && (after >= s.ahead || s.eof) {
			break
		}
		if s.eof {
			return nil, nil
		}
		if _, err := s.pull(ctx, mem); err != nil {
			return nil, err
		}
	}
	if err := s.drop(); err != nil {
		return nil, err
	}
	from := 0
	for i := 0; i < s.next; i++ {
		from += s.bufRows[i]
	}
	to := from + s.bufRows[s.next]
	var results []arrow.Array
	var err error
	if s.slide != nil {
		total := 0
		for _, c := range s.bufRows {
			total += c
		}
		results, err = s.slide.compute(mem, from, to, total)
	} else {
		results, err = s.compute(ctx, mem, from, to)
	}
	if err != nil {
		return nil, err
	}
	rec := s.buf[s.next].rec
	cols := append(append([]arrow.Array(nil), rec.Columns()...), results...)
	out := array.NewRecord(s.w.schema, cols, int64(to-from))
	releaseAll(results)
	s.next++
	return out, nil
}

// drop releases the buffered batches before the next one that its
// lookback does not reach, adding them to the carried totals.
func (s *windowStream) drop() error {
	k := 0
	for {
		reach := 0
		for i := k + 1; i < s.next; i++ {
			reach += s.bufRows[i]
		}
		// batch k can go when the batches after it and before the next
		// one cover the lookback
		if k >= s.next || reach < s.back {
			break
		}
		if s.slide == nil {
			if err := s.carryOver(s.buf[k]); err != nil {
				return err
			}
		}
		k++
	}
	if k == 0 {
		return nil
	}
	if s.slide != nil {
		rows := 0
		for _, c := range s.bufRows[:k] {
			rows += c
		}
		s.slide.drop(rows)
	}
	for _, r := range s.buf[:k] {
		_ = s.res.grow(-(recordBytes(r.rec) + keysBytes(r.keys))) // shrinking cannot fail
		r.release()
	}
	s.buf = append(s.buf[:0], s.buf[k:]...)
	s.bufRows = append(s.bufRows[:0], s.bufRows[k:]...)
	s.next -= k
	return nil
}

func keysBytes(ks []arrow.Array) int64 {
	var b int64
	for _, a := range ks {
		b += arrayBytes(a.Data())
	}
	return b
}

// carryOver adds a dropped batch to the carried totals.
func (s *windowStream) carryOver(r sortedRun) error {
	n := r.rec.NumRows()
	for i, f := range s.w.funcs {
		c := &s.carry[i]
		c.rows += n
		if f.Frame.Start.Kind != BoundUnboundedPreceding || !carriesTotals(f) {
			continue
		}
		if isMoreAgg(f.Name) {
			if err := s.carryState(i, r); err != nil {
				return err
			}
			continue
		}
		if f.Arg == nil {
			c.count += n
			continue
		}
		a := r.keys[s.slots[i][0]]
		col := newSortCol(a.DataType(), SortKey{})
		col.appendArray(a)
		k := &aggKernel{arg: col}
		for g := 0; g < int(n); g++ {
			if col.kind == skNull || isNullAt(col, g) {
				continue
			}
			c.count++
			if aggNames[f.Name] == "count" {
				continue
			}
			var ov bool
			if c.sum, ov = c.sum.add(k.exactAt(g)); ov {
				return errorf(ErrOutOfRange, "overflow in window %s: the running total exceeds 38 digits", f.Name)
			}
		}
	}
	return nil
}

// carryState folds a dropped batch into function i's carried state.
func (s *windowStream) carryState(i int, r sortedRun) error {
	f, c := s.w.funcs[i], &s.carry[i]
	if c.state == nil {
		st, err := newWindowCallState(f)
		if err != nil {
			return err
		}
		st.resize(1)
		c.state = st
	}
	in := windowCallInputs(f, s.slots[i], func(slot int, _ arrow.DataType) arrow.Array { return r.keys[slot] })
	return c.state.updateInputs(NewEvalContext(memory.DefaultAllocator), in, make([]int32, r.rec.NumRows()), nil)
}

// compute evaluates the functions for buffered rows [from, to): the
// kernels run over the rows from lookback before to lookahead after, as
// one window partition that starts at the carried totals (rows dropped
// before it) or at the buffer's start.
func (s *windowStream) compute(ctx context.Context, mem memory.Allocator, from, to int) ([]arrow.Array, error) {
	total := 0
	for _, r := range s.bufRows {
		total += r
	}
	lo, hi := max(0, from-s.back), min(total, to+s.ahead)
	if s.hasCarry() {
		lo = 0 // running totals start at the first buffered row
	}
	// the pieces of buffered batches covering [lo, hi), keys sliced
	d := &windowData{slots: s.slots}
	defer func() {
		for _, r := range d.runs {
			releaseAll(r.keys)
		}
	}()
	start := 0
	for i, c := range s.bufRows {
		a, b := max(lo, start), min(hi, start+c)
		if a < b {
			ks := make([]arrow.Array, len(s.keys))
			for k, key := range s.buf[i].keys {
				ks[k] = array.NewSlice(key, int64(a-start), int64(b-start))
			}
			d.runs = append(d.runs, sortedRun{keys: ks})
		}
		start += c
	}
	n := hi - lo
	if cap(s.rows) < n {
		s.runOf, s.rowOf, s.rows = make([]int32, n), make([]int32, n), make([]int32, n)
	}
	d.runOf, d.rowOf = s.runOf[:n], s.rowOf[:n]
	g := 0
	for ri, r := range d.runs {
		for j := 0; j < r.keys[0].Len(); j++ {
			d.runOf[g], d.rowOf[g] = int32(ri), int32(j)
			g++
		}
	}
	d.cols = make([]*sortCol, len(s.keys))
	np, no := len(s.w.partition), len(s.w.order)
	for k, key := range s.keys {
		if k < np+no {
			continue // no sort, no peers
		}
		c := newSortColCap(key.Expr.DataType(), key, n)
		for _, r := range d.runs {
			c.appendArray(r.keys[k])
		}
		d.cols[k] = c
	}
	rows := s.rows[:n]
	for i := range rows {
		rows[i] = int32(i)
	}
	from, to = from-lo, to-lo
	if s.ev == nil {
		s.ev = newWindowEval(s.w, d, rows)
		s.kernels = make([]winKernel, len(s.w.funcs))
		for i, f := range s.w.funcs {
			if f.Frame.Range {
				f.Frame.Range = false // unique keys: peers are single rows
			}
			s.kernels[i] = newWinKernel(s.ev, f, s.slots[i], n)
		}
	}
	ev, kernels := s.ev, s.kernels
	ev.d, ev.rows = d, rows
	for i, k := range kernels {
		k.reset(n)
		switch k := k.(type) {
		case *rankKernel:
			k.base = s.carry[i].rows
		case *aggKernel:
			if s.w.funcs[i].Frame.Start.Kind == BoundUnboundedPreceding {
				k.carry, k.baseCnt, k.baseSum = true, s.carry[i].count, s.carry[i].sum
			}
		case *callKernel:
			k.base = s.carry[i].state
		}
	}
	if lo > 0 {
		// rows before lo are beyond every frame's and lag's reach
		for i := range kernels {
			if k, ok := kernels[i].(*rankKernel); ok {
				k.base += int64(lo)
			}
		}
	}
	out := make([]arrow.Array, 0, len(kernels))
	for _, k := range kernels {
		err := k.prepare(0, n)
		if err == nil {
			err = k.fill(0, n, from, to)
		}
		var a arrow.Array
		if err == nil {
			a, err = k.finish(mem)
		}
		if err != nil {
			releaseAll(out)
			return nil, err
		}
		out = append(out, array.NewSlice(a, int64(from), int64(to)))
		a.Release()
	}
	return out, ctx.Err()
}
