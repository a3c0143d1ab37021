package exec

import (
	"context"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
)

// joinCore is what HashJoin and NestedLoopJoin share: a join of a
// partitioned probe input against a build input read once into a
// builtSide. With keys, a probe row's candidates are the build rows with an
// equal key (looked up in the hash table); without, every build row. A
// candidate matches when the condition (residual) is TRUE over the probe
// columns followed by the build columns; no condition: every candidate.
type joinCore struct {
	opBase
	typ                  JoinType
	probe, build         Operator
	probeKeys, buildKeys []Expr
	keyTypes             []arrow.DataType
	nullEq               []bool
	residual             Expr
	resNeed              []bool // columns of the concatenated row the residual reads; nil: all
	resSchema            *arrow.Schema
	schema               *arrow.Schema
	budget               *Budget
	what                 string // "hash join build side": names the state in memory errors
	shared               *sharedBuild[*builtSide]
	keySinks             []KeySink // by key; nil entries: none (join_keysink.go)
}

// joinChunkPairs bounds the candidate pairs examined, and the rows output,
// per batch.
var joinChunkPairs = 1 << 16

func newJoinCore(typ JoinType, probe, build Operator, residual Expr, markName string, budget *Budget, what string) *joinCore {
	c := &joinCore{opBase: newBase(), typ: typ, probe: probe, build: build, residual: residual, budget: budget, what: what}
	c.schema = joinSchema(typ, probe.Schema(), build.Schema(), markName)
	c.resSchema = concatSchema(probe.Schema(), build.Schema())
	if residual != nil {
		c.resNeed = usedColumns(len(c.resSchema.Fields()), residual)
	}
	c.shared = newSharedBuild(probe.Partitions(), c.buildJoinSide)
	c.shared.onRound = c.invalidateKeySinks
	return c
}

func (c *joinCore) Schema() *arrow.Schema { return c.schema }
func (c *joinCore) Children() []Operator  { return []Operator{c.probe, c.build} }
func (c *joinCore) Partitions() int       { return c.probe.Partitions() }

// Type returns the join type.
func (c *joinCore) Type() JoinType { return c.typ }

// EndExecution tells the join that the execution running it is over (its
// streams are closed, or all will be without being read further): the
// build side it holds for that execution is released. Call it once the
// plan's output stream is closed; a later Execute starts afresh.
func (c *joinCore) EndExecution() { c.shared.endExecution() }

func (c *joinCore) execute(ctx context.Context, self Operator, partition int) (Stream, error) {
	if err := checkPartition(self, partition); err != nil {
		return nil, err
	}
	// Join the round before the probe input opens: a new round
	// invalidates the key filters the probe side's scans test.
	round := c.shared.join(partition)
	in, err := openSel(ctx, c.probe, partition)
	if err != nil {
		round.leave(false)
		return nil, err
	}
	pool := newPool(allocator(ctx))
	s := &joinStream{c: c, ctx: ctx, in: in, round: round, mem: pool, ectx: NewEvalContext(pool)}
	s.ph.mem = pool
	s.sc.mem = pool
	return instrument(newPullStream(c.schema, s.next, s.close), c.m), nil
}

// joinStream is one probe partition of a join.
type joinStream struct {
	c     *joinCore
	ctx   context.Context
	in    selStream
	round *joinRound[*builtSide]
	side  *builtSide
	mem   *bufPool
	ectx  *EvalContext
	ph    placeholders
	sc    lookupScratch

	// the probe batch being joined
	rec     arrow.Record
	rows    []int32 // its rows to join (ascending); k indexes rows
	lo, hi  []int32 // candidate positions of rows[k]: lo[k] .. hi[k]
	keyNull []bool  // rows[k] has a NULL key that matches nothing
	hits    []uint8 // matches of rows[k] so far, saturating at 2
	resNull []bool  // the condition was NULL for a candidate of rows[k]
	k       int     // next row to examine
	pos     int32   // next candidate of rows[k]; -1: the first

	inDone   bool
	complete bool  // the stream reached its end
	emitting bool  // emitting unmatched build rows
	upos     int32 // next position to check for them

	// scratch
	pk, pp, pi, ci, ri []int32
	gids, iota         []int32
}

func (s *joinStream) close() {
	s.endBatch()
	s.in.Close()
	s.ph.release()
	s.mem.close()
	if s.round != nil {
		s.round.leave(s.complete)
		s.round = nil
	}
}

// ensureSide waits for (or runs) the shared build.
func (s *joinStream) ensureSide() error {
	if s.side != nil {
		return nil
	}
	side, err := s.round.get(s.ctx)
	if err != nil {
		return err
	}
	s.side = side
	return nil
}

func (s *joinStream) next() (arrow.Record, error) {
	if s.side == nil && s.c.publishes() {
		// A join with key sinks builds before it reads its probe input,
		// so the scans under that input test its keys from their first
		// record (and those under a join in the probe input whose build
		// side reads them).
		if err := s.ensureSide(); err != nil {
			return nil, err
		}
	}
	for {
		if err := s.ctx.Err(); err != nil {
			return nil, err
		}
		switch {
		case s.rec != nil:
			out, err := s.step()
			if err != nil || out != nil {
				return out, err
			}
		case s.emitting:
			out := s.unmatchedBuild()
			s.complete = out == nil
			return out, nil
		case s.inDone:
			s.complete = true
			return nil, nil
		case !s.in.Next():
			if err := s.in.Err(); err != nil {
				return nil, err
			}
			s.inDone = true
			if s.c.typ.tracksBuildMatches() && s.round.finish() {
				if err := s.ensureSide(); err != nil {
					return nil, err
				}
				s.emitting = true
			}
		default:
			rec, sel := s.in.Batch()
			if err := s.ensureSide(); err != nil {
				return nil, err
			}
			if s.side.n == 0 {
				switch s.c.typ {
				case JoinInner, JoinSemi, JoinRight, JoinRightSemi, JoinRightAnti:
					// nothing can match and there is nothing to emit
					s.complete = true
					return nil, nil
				}
			}
			if err := s.start(rec, sel); err != nil {
				return nil, err
			}
		}
	}
}

// start begins joining a probe batch: it finds each row's candidates.
func (s *joinStream) start(rec arrow.Record, sel []int32) error {
	c := s.c
	n := int(rec.NumRows())
	rows := sel
	if rows == nil {
		for len(s.iota) < n {
			s.iota = append(s.iota, int32(len(s.iota)))
		}
		rows = s.iota[:n]
	}
	m := len(rows)
	s.lo, s.hi = grow32(s.lo, m), grow32(s.hi, m)
	s.hits = growZero(s.hits, m)
	s.resNull = growZero(s.resNull, m)
	s.keyNull = growZero(s.keyNull, m)
	if len(c.probeKeys) == 0 {
		for k := range rows {
			s.lo[k], s.hi[k] = 0, int32(s.side.n)
		}
	} else {
		keys, err := evalAll(s.ectx.withSel(sel), rec, c.probeKeys...)
		if err != nil {
			return err
		}
		defer releaseAll(keys)
		bad := keyNullMask(keys, c.nullEq, n)
		look := rows
		if bad != nil {
			look = make([]int32, 0, m)
			for k, i := range rows {
				if bad[i>>6]>>(uint(i)&63)&1 != 0 {
					s.keyNull[k] = true
				} else {
					look = append(look, i)
				}
			}
		}
		s.gids = grow32(s.gids, n)
		for _, i := range rows {
			s.gids[i] = -1
		}
		s.side.table.lookup(keys, n, look, s.gids, &s.sc)
		for k, i := range rows {
			s.lo[k], s.hi[k] = s.side.candidates(s.gids[i])
		}
	}
	rec.Retain()
	s.rec, s.rows, s.k, s.pos = rec, rows, 0, -1
	return nil
}

func (s *joinStream) endBatch() {
	if s.rec != nil {
		s.rec.Release()
		s.rec = nil
	}
}

// step returns the next output batch of the current probe batch, or nil
// when the batch is done.
func (s *joinStream) step() (arrow.Record, error) {
	c := s.c
	for s.k < len(s.rows) {
		if err := s.ctx.Err(); err != nil {
			return nil, err
		}
		if c.residual == nil && c.typ.buildOnly() {
			// every candidate is a match: mark them all
			for k := range s.rows {
				for p := s.lo[k]; p < s.hi[k]; p++ {
					s.side.markMatched(p)
				}
			}
			s.k = len(s.rows)
			break
		}
		if c.residual == nil && !c.typ.emitsPairs() {
			// every candidate is a match: only whether there is one matters
			for k := range s.rows {
				if s.hi[k] > s.lo[k] {
					s.hits[k] = 1
				}
			}
			s.k = len(s.rows)
			break
		}
		pk, pp := s.pairs(joinChunkPairs)
		if len(pk) == 0 {
			continue
		}
		if c.residual != nil {
			var err error
			if pk, pp, err = s.filter(pk, pp); err != nil {
				return nil, err
			}
		}
		for _, k := range pk {
			if s.hits[k] < 2 {
				s.hits[k]++
			}
		}
		if c.typ == JoinSingle {
			for _, k := range pk {
				if s.hits[k] > 1 {
					return nil, &Error{Kind: ErrSubqueryRows, Msg: ErrSubqueryRows.Error()}
				}
			}
		}
		if c.typ.tracksBuildMatches() {
			for _, p := range pp {
				s.side.markMatched(p)
			}
		}
		if c.typ.emitsPairs() && len(pk) > 0 {
			return s.pairBatch(pk, pp), nil
		}
	}
	out := s.tail()
	s.endBatch()
	return out, nil
}

// pairs lists up to max candidate pairs (row index k, build position)
// from the cursor on, skipping rows a semi-like join already decided.
func (s *joinStream) pairs(max int) ([]int32, []int32) {
	pk, pp := s.pk[:0], s.pp[:0]
	decided := !s.c.typ.emitsPairs() && !s.c.typ.buildOnly()
	for s.k < len(s.rows) && len(pk) < max {
		k := s.k
		if decided && s.hits[k] > 0 {
			s.k, s.pos = k+1, -1
			continue
		}
		lo, hi := s.lo[k], s.hi[k]
		if s.pos < lo {
			s.pos = lo
		}
		end := min(hi, s.pos+int32(max-len(pk)))
		for p := s.pos; p < end; p++ {
			pk = append(pk, int32(k))
			pp = append(pp, p)
		}
		s.pos = end
		if end >= hi {
			s.k, s.pos = k+1, -1
		}
	}
	s.pk, s.pp = pk, pp
	return pk, pp
}

// gatherIdx fills the probe rows and build (chunk, row) of pairs.
func (s *joinStream) gatherIdx(pk, pp []int32) (pi, ci, ri []int32) {
	n := len(pk)
	s.pi, s.ci, s.ri = grow32(s.pi, n), grow32(s.ci, n), grow32(s.ri, n)
	pi, ci, ri = s.pi[:n], s.ci[:n], s.ri[:n]
	for j, k := range pk {
		pi[j] = s.rows[k]
	}
	loc := s.side.loc
	for j, p := range pp {
		l := loc[p]
		ci[j], ri[j] = l.chunk, l.row
	}
	return pi, ci, ri
}

// filter evaluates the condition over candidate pairs and keeps those
// where it is TRUE (compacting pk and pp in place).
func (s *joinStream) filter(pk, pp []int32) ([]int32, []int32, error) {
	c := s.c
	n := len(pk)
	pi, ci, ri := s.gatherIdx(pk, pp)
	np := len(c.probe.Schema().Fields())
	cols := make([]arrow.Array, len(c.resSchema.Fields()))
	for j, f := range c.resSchema.Fields() {
		switch {
		case c.resNeed != nil && !c.resNeed[j]:
			cols[j] = s.ph.get(f.Type, n)
		case j < np:
			cols[j] = takeArray(s.mem, s.rec.Column(j), pi)
		default:
			cols[j] = takeChunks(s.mem, f.Type, s.side.cols[j-np], ci, ri)
		}
	}
	batch := array.NewRecord(c.resSchema, cols, int64(n))
	releaseAll(cols)
	res, err := c.residual.Eval(s.ectx, batch)
	batch.Release()
	if err != nil {
		return nil, nil, err
	}
	defer res.Release()
	vals, valid := boolWords(res)
	mark := c.typ.needsMark()
	w := 0
	for j := range pk {
		wi, bit := j>>6, uint64(1)<<(uint(j)&63)
		switch {
		case valid[wi]&bit == 0:
			if mark {
				s.resNull[pk[j]] = true
			}
		case vals[wi]&bit != 0:
			pk[w], pp[w] = pk[j], pp[j]
			w++
		}
	}
	return pk[:w], pp[:w], nil
}

// pairBatch builds the output rows of matched pairs.
func (s *joinStream) pairBatch(pk, pp []int32) arrow.Record {
	pi, ci, ri := s.gatherIdx(pk, pp)
	np := len(s.c.probe.Schema().Fields())
	cols := make([]arrow.Array, len(s.c.schema.Fields()))
	for j, f := range s.c.schema.Fields() {
		if j < np {
			cols[j] = takeArray(s.mem, s.rec.Column(j), pi)
		} else {
			cols[j] = takeChunks(s.mem, f.Type, s.side.cols[j-np], ci, ri)
		}
	}
	return newRecord(s.c.schema, cols, len(pk))
}

// mark is the IN result of rows[k] once all its candidates were examined.
func (s *joinStream) mark(k int) (val, valid bool) {
	switch {
	case s.hits[k] > 0:
		return true, true
	case s.side.n == 0:
		return false, true
	case s.keyNull[k] || s.side.hasNullKey || s.resNull[k]:
		return false, false
	}
	return false, true
}

// tail outputs what a probe batch yields once all its candidates were
// examined: unmatched rows (outer joins), the rows kept (semi-like
// joins), or every row with its mark.
func (s *joinStream) tail() arrow.Record {
	c := s.c
	var keep []int32
	switch c.typ {
	case JoinInner, JoinRight, JoinRightSemi, JoinRightAnti:
		return nil
	case JoinMark:
		return s.markBatch()
	}
	for k, i := range s.rows {
		var ok bool
		switch c.typ {
		case JoinSemi:
			ok = s.hits[k] > 0
		case JoinNullAwareAnti:
			v, valid := s.mark(k)
			ok = valid && !v
		default: // Anti, and the unmatched rows of Left, Full, Single
			ok = s.hits[k] == 0
		}
		if ok {
			keep = append(keep, i)
		}
	}
	if len(keep) == 0 {
		return nil
	}
	np := len(c.probe.Schema().Fields())
	cols := make([]arrow.Array, len(c.schema.Fields()))
	all := len(keep) == int(s.rec.NumRows())
	for j, f := range c.schema.Fields() {
		switch {
		case j >= np:
			cols[j] = nullArray(s.mem, f.Type, len(keep))
		case all:
			cols[j] = s.rec.Column(j)
			cols[j].Retain()
		default:
			cols[j] = takeArray(s.mem, s.rec.Column(j), keep)
		}
	}
	return newRecord(c.schema, cols, len(keep))
}

// markBatch outputs every row of the probe batch with its mark.
func (s *joinStream) markBatch() arrow.Record {
	c := s.c
	m := len(s.rows)
	np := len(c.probe.Schema().Fields())
	cols := make([]arrow.Array, np+1)
	all := m == int(s.rec.NumRows())
	for j := 0; j < np; j++ {
		if all {
			cols[j] = s.rec.Column(j)
			cols[j].Retain()
		} else {
			cols[j] = takeArray(s.mem, s.rec.Column(j), s.rows)
		}
	}
	o := newBoolOut(s.mem, m)
	vb := o.vals.Buf()
	for k := 0; k < m; k++ {
		v, valid := s.mark(k)
		if !valid {
			if o.valid == nil {
				o.valid = newBitmap(s.mem, m, true)
			}
			clearBit(o.valid.Buf(), k)
		} else if v {
			setBit(vb, k)
		}
	}
	cols[np] = o.finish()
	return newRecord(c.schema, cols, m)
}

// unmatchedBuild outputs the next batch of build rows no probe row
// matched (probe columns NULL; build columns only for RightAnti), or for
// RightSemi of those some probe row matched; nil when there are no more.
func (s *joinStream) unmatchedBuild() arrow.Record {
	side := s.side
	want := uint64(0)
	if s.c.typ == JoinRightSemi {
		want = 1
	}
	var pp []int32
	for s.upos < int32(side.n) && len(pp) < joinChunkPairs {
		p := s.upos
		if side.matched[p>>6].Load()>>(uint(p)&63)&1 == want {
			pp = append(pp, p)
		}
		s.upos++
	}
	if len(pp) == 0 {
		return nil
	}
	ci, ri := make([]int32, len(pp)), make([]int32, len(pp))
	for j, p := range pp {
		ci[j], ri[j] = side.loc[p].chunk, side.loc[p].row
	}
	c := s.c
	np := len(c.probe.Schema().Fields())
	if c.typ.buildOnly() {
		np = 0
	}
	cols := make([]arrow.Array, len(c.schema.Fields()))
	for j, f := range c.schema.Fields() {
		if j < np {
			cols[j] = nullArray(s.mem, f.Type, len(pp))
		} else {
			cols[j] = takeChunks(s.mem, f.Type, side.cols[j-np], ci, ri)
		}
	}
	return newRecord(c.schema, cols, len(pp))
}

// keyNullMask marks the rows with a NULL in a key compared by plain
// equality (such a row matches nothing); nil when there is none.
func keyNullMask(keys []arrow.Array, nullEq []bool, n int) []uint64 {
	var bad []uint64
	for c, a := range keys {
		if nullEq[c] {
			continue
		}
		if a.DataType().ID() == arrow.NULL {
			if n == 0 {
				return nil
			}
			bad = make([]uint64, (n+63)/64)
			for i := range bad {
				bad[i] = ^uint64(0)
			}
			return bad
		}
		vb, off := validityOf(a)
		if vb == nil {
			continue
		}
		if bad == nil {
			bad = make([]uint64, (n+63)/64)
		}
		for i := 0; i < n; i++ {
			if !getBit(vb, off+i) {
				bad[i>>6] |= 1 << (uint(i) & 63)
			}
		}
	}
	return bad
}

// newRecord wraps columns (whose references it takes over) in a record.
func newRecord(schema *arrow.Schema, cols []arrow.Array, n int) arrow.Record {
	r := array.NewRecord(schema, cols, int64(n))
	releaseAll(cols)
	return r
}

// grow32 returns s with length n, reusing its memory (contents not kept).
func grow32(s []int32, n int) []int32 {
	if cap(s) < n {
		return make([]int32, n)
	}
	return s[:n]
}

// growZero returns s with length n, all zero.
func growZero[T bool | uint8](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	s = s[:n]
	clear(s)
	return s
}
