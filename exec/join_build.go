package exec

import (
	"context"
	"math"
	"sync/atomic"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// builtSide is a join's build side, read once, in full, and shared by
// every probe partition. Its rows are addressed by position: position p is
// row loc[p].row of batch loc[p].chunk. For a hash join the positions are grouped
// by key: the rows whose key has group id g are the positions
// offs[g] .. offs[g+1]; positions from offs[groups] on hold the rows whose
// key contains a NULL that matches nothing. A nested loop join keeps its
// rows in input order and no table.
//
// After the build only matched changes (atomically, Right and Full joins).
type builtSide struct {
	recs       []arrow.Record
	cols       [][]arrow.Array // cols[c][chunk]: column c of every batch
	loc        []rowLoc
	n          int // positions
	table      joinTable
	offs       []int32
	hasNullKey bool            // some build key holds a NULL that never matches
	matched    []atomic.Uint64 // Right/Full: bit p set once position p matched
	mt         *memTracker
}

func (b *builtSide) release() {
	for _, r := range b.recs {
		r.Release()
	}
	b.recs, b.cols = nil, nil
	b.mt.mu.Lock()
	b.mt.res.free()
	b.mt.mu.Unlock()
}

// rowLoc is where a build row is: batch and row in the batch.
type rowLoc struct{ chunk, row int32 }

// candidates returns the range of positions holding group g.
func (b *builtSide) candidates(g int32) (int32, int32) {
	if g < 0 {
		return 0, 0
	}
	return b.offs[g], b.offs[g+1]
}

// markMatched sets the matched bit of position p.
func (b *builtSide) markMatched(p int32) {
	w, bit := &b.matched[p>>6], uint64(1)<<(uint(p)&63)
	if w.Load()&bit == 0 {
		w.Or(bit)
	}
}

// buildChunk is one collected build batch with its evaluated keys.
type buildChunk struct {
	rec  arrow.Record
	keys []arrow.Array
}

// buildJoinSide reads every partition of the build operator (in parallel)
// and, when the join has keys, hashes the rows by key. Memory is reserved
// as the batches arrive, so an oversized build side fails early.
func (c *joinCore) buildJoinSide(ctx context.Context, round uint64) (*builtSide, error) {
	mem := allocator(ctx)
	mt := &memTracker{res: reservation{b: c.budget, what: c.what}, m: c.m}
	np := c.build.Partitions()
	parts := make([][]buildChunk, np)
	var total, keyBytes atomic.Int64
	err := runPartitions(ctx, np, func(ctx context.Context, p int) error {
		s, err := c.build.Execute(ctx, p)
		if err != nil {
			return err
		}
		defer s.Close()
		ectx := NewEvalContext(mem)
		for s.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			rec := s.Record()
			keys, err := evalAll(ectx, rec, c.buildKeys...)
			if err != nil {
				return err
			}
			rec.Retain()
			settleNullCounts(rec) // every probe partition reads it
			parts[p] = append(parts[p], buildChunk{rec: rec, keys: keys})
			kb := int64(0)
			for _, k := range keys {
				kb += arrayBytes(k.Data())
			}
			keyBytes.Add(kb)
			// the batch, its keys (until the table is built), its rowLoc
			if err := mt.add(recordBytes(rec) + kb + 8*rec.NumRows()); err != nil {
				return err
			}
			if total.Add(rec.NumRows()) > math.MaxInt32 {
				return errorf(ErrMemoryLimit, "%s has more than %d rows; put the smaller input on the build side", c.what, math.MaxInt32)
			}
		}
		return s.Err()
	})
	side := &builtSide{mt: mt}
	var chunks []buildChunk
	for _, p := range parts {
		chunks = append(chunks, p...)
	}
	defer func() {
		for _, ch := range chunks {
			releaseAll(ch.keys)
		}
	}()
	for _, ch := range chunks {
		side.recs = append(side.recs, ch.rec)
	}
	if err != nil {
		side.release()
		return nil, err
	}
	side.n = int(total.Load())
	side.cols = make([][]arrow.Array, len(c.build.Schema().Fields()))
	for i := range side.cols {
		for _, r := range side.recs {
			side.cols[i] = append(side.cols[i], r.Column(i))
		}
	}
	c.publishKeys(round, chunks, side.n)
	if len(c.buildKeys) > 0 {
		if err = side.hash(ctx, c, chunks); err == nil {
			// the table holds copies of the keys: the key arrays go
			for _, ch := range chunks {
				releaseAll(ch.keys)
			}
			chunks = nil
			err = mt.add(-keyBytes.Load())
		}
	} else {
		side.inOrder()
	}
	if err == nil && c.typ.tracksBuildMatches() {
		side.matched = make([]atomic.Uint64, (side.n+63)/64)
		err = mt.add(int64(len(side.matched)) * 8)
	}
	if err != nil {
		side.release()
		return nil, err
	}
	return side, nil
}

// inOrder numbers the positions in input order.
func (b *builtSide) inOrder() {
	b.loc = make([]rowLoc, b.n)
	p := 0
	for ci, r := range b.recs {
		for i := 0; i < int(r.NumRows()); i++ {
			b.loc[p] = rowLoc{int32(ci), int32(i)}
			p++
		}
	}
}

// hash indexes the rows by key and lays the positions out grouped by key:
// in parallel when the keys suit a partitioned table (hashPartitioned),
// else here, inserting every key into one group table and counting-sorting
// the rows by group id.
func (b *builtSide) hash(ctx context.Context, c *joinCore, chunks []buildChunk) error {
	if ok, err := b.hashPartitioned(ctx, c, chunks); ok || err != nil {
		return err
	}
	t := newGroupTable(c.keyTypes)
	t.reserve(b.n)
	gids := make([]int32, b.n) // -1: a NULL that matches nothing
	var selBuf []int32
	base := 0
	for _, ch := range chunks {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := int(ch.rec.NumRows())
		g := gids[base : base+n]
		var sel []int32
		if bad := keyNullMask(ch.keys, c.nullEq, n); bad != nil {
			b.hasNullKey = true
			sel = selBuf[:0]
			for i := range g {
				if bad[i>>6]>>(uint(i)&63)&1 != 0 {
					g[i] = -1
				} else {
					sel = append(sel, int32(i))
				}
			}
			selBuf = sel
		}
		if sel == nil || len(sel) > 0 {
			t.assign(ch.keys, n, sel, g)
		}
		base += n
	}
	ng := t.n
	b.offs = make([]int32, ng+2)
	for _, g := range gids {
		if g >= 0 {
			b.offs[g+1]++
		}
	}
	for g := 1; g <= ng; g++ {
		b.offs[g] += b.offs[g-1]
	}
	b.offs[ng+1] = int32(b.n)
	b.loc = make([]rowLoc, b.n)
	// fill: offs[g] is the next free position of group g; NULL rows go
	// after all groups
	fill := b.offs[:ng+1]
	next := make([]int32, ng+1)
	copy(next, fill)
	nullPos := next[ng]
	p := 0
	for ci, ch := range chunks {
		for i := 0; i < int(ch.rec.NumRows()); i++ {
			var at int32
			if g := gids[p]; g >= 0 {
				at = next[g]
				next[g]++
			} else {
				at = nullPos
				nullPos++
			}
			b.loc[at] = rowLoc{int32(ci), int32(i)}
			p++
		}
	}
	b.table = t
	return b.mt.add(t.bytes() + int64(len(b.offs))*4)
}

// placeholders hands out arrays of a type whose values are never read:
// the columns a join condition does not use, in the batch it is
// evaluated over. One array per type, grown as needed, per stream.
type placeholders struct {
	mem  memory.Allocator
	byID map[string]arrow.Array
}

func (p *placeholders) get(t arrow.DataType, n int) arrow.Array {
	k := t.String()
	a := p.byID[k]
	if a == nil || a.Len() < n {
		if a != nil {
			a.Release()
		}
		a = nullArray(p.mem, t, max(n, 1024))
		if p.byID == nil {
			p.byID = map[string]arrow.Array{}
		}
		p.byID[k] = a
	}
	return array.NewSlice(a, 0, int64(n))
}

func (p *placeholders) release() {
	for k, a := range p.byID {
		a.Release()
		delete(p.byID, k)
	}
}
