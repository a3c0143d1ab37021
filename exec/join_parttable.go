package exec

import (
	"context"
	"sync/atomic"

	"github.com/apache/arrow/go/v17/arrow"
)

// A hash join's build side whose keys all pack into 64 bits (integers,
// dates, short strings, several small integer columns) is indexed by a
// partitioned table built in parallel: the rows are radix-partitioned by a
// hash of their packed key, and each partition gets its own open-addressing
// map, built by whichever worker takes it. A partition's map is small
// enough to stay in cache while it is built, and no two workers touch the
// same map. Group ids are global: partition q's groups come after those of
// partitions 0 .. q-1, and its rows occupy one contiguous range of
// positions, grouped by key in input order, as the sequential build lays
// them out. Keys that do not pack, and the one case the partitioned table
// does not hold (a single nullable key column compared with IS NOT
// DISTINCT FROM, whose NULL is a group of its own), use the sequential
// groupTable build.

// joinTable finds the group of each probe row's key in a build side.
type joinTable interface {
	lookup(keys []arrow.Array, n int, rows []int32, gids []int32, sc *lookupScratch)
}

// partTable is the partitioned index of a build side.
type partTable struct {
	layout *groupTable // the packing layout (its own map stays empty)
	parts  []u64Map
	gbase  []int32 // gbase[q]: global id of partition q's first group
	pshift uint    // partition of key k: (k * partMul) >> pshift; 64: one partition
}

// partMul spreads packed keys over partitions; it differs from the
// multiplier u64Map places keys with, so the keys of one partition still
// spread over all of its map's slots.
const partMul = 0xff51afd7ed558ccd

func (p *partTable) part(k uint64) uint64 { return (k * partMul) >> p.pshift }

func (p *partTable) lookup(keys []arrow.Array, n int, rows []int32, gids []int32, sc *lookupScratch) {
	if cap(sc.kb) < n {
		sc.kb = make([]uint64, n)
	}
	kb := sc.kb[:n]
	if !p.layout.packInto(kb, keys) {
		p.layout.lookupUnfit(p, keys, rows, gids, sc)
		return
	}
	var vb []byte
	var off int
	if p.layout.single {
		vb, off = validityOf(keys[0])
	}
	parts, gbase := p.parts, p.gbase
	for _, i := range rows {
		if vb != nil && !getBit(vb, off+int(i)) {
			gids[i] = -1 // the table holds no NULL key
			continue
		}
		k := kb[i]
		q := p.part(k)
		if g := parts[q].find(k); g >= 0 {
			gids[i] = g + gbase[q]
		} else {
			gids[i] = -1
		}
	}
}

func (p *partTable) bytes() int64 {
	b := int64(len(p.parts))*48 + int64(len(p.gbase))*4
	for i := range p.parts {
		b += p.parts[i].bytes()
	}
	return b
}

// joinBuildWorkers and joinBuildPartBits, when positive (tests), fix the
// number of goroutines that build a partitioned table and its number of
// partitions (as a power of two); otherwise the workers are the join's
// partitions and the partitions are sized from the row count.
var joinBuildWorkers, joinBuildPartBits = 0, -1

// joinBuildPartitioned off (benchmarks) makes every build sequential.
var joinBuildPartitioned = true

// partRows is about how many rows a partition of the table gets.
const partRows = 1 << 14

// hashPartitioned builds the partitioned table of the chunks' rows; ok is
// false (and nothing changed) when the keys do not suit it.
func (b *builtSide) hashPartitioned(ctx context.Context, c *joinCore, chunks []buildChunk) (ok bool, err error) {
	layout := newGroupTable(c.keyTypes)
	if !joinBuildPartitioned || !layout.packed || len(c.keyTypes) == 0 {
		return false, nil
	}
	layout.u64 = nil
	n := b.n
	workers := joinBuildWorkers
	if workers <= 0 {
		workers = max(c.probe.Partitions(), c.build.Partitions(), 1)
	}
	pbits := joinBuildPartBits
	if pbits < 0 {
		pbits = 0
		for pbits < 10 && n>>pbits > partRows {
			pbits++
		}
	}
	np := 1 << pbits
	pt := &partTable{layout: layout, parts: make([]u64Map, np), gbase: make([]int32, np+1), pshift: uint(64 - pbits)}
	if pbits == 0 {
		pt.pshift = 64
	}
	// scratch: packed keys and partitions by input row, packed keys by
	// position
	scratch := int64(n)*(8+2+8) + int64(workers*np)*4
	if err := b.mt.add(scratch); err != nil {
		return false, err
	}
	defer func() {
		if e := b.mt.add(-scratch); err == nil && e != nil {
			err = e
		}
	}()

	// 1. pack every row's key and find its partition (dropped: a NULL
	// that matches nothing)
	const dropped = ^uint16(0)
	start := make([]int, len(chunks)+1)
	for i, ch := range chunks {
		start[i+1] = start[i] + int(ch.rec.NumRows())
	}
	kb := make([]uint64, n)
	part := make([]uint16, n)
	var unfit, nullKey atomic.Bool
	// worker w owns chunks cs[w] .. cs[w+1], about n/workers rows
	cs := make([]int, workers+1)
	for w, ci := 1, 0; w <= workers; w++ {
		for ci < len(chunks) && start[ci] < n*w/workers {
			ci++
		}
		cs[w] = ci
	}
	cs[workers] = len(chunks)
	err = runPartitions(ctx, workers, func(ctx context.Context, w int) error {
		for ci := cs[w]; ci < cs[w+1]; ci++ {
			if err := ctx.Err(); err != nil {
				return err
			}
			ch := chunks[ci]
			k, pa := kb[start[ci]:start[ci+1]], part[start[ci]:start[ci+1]]
			if !layout.packInto(k, ch.keys) {
				unfit.Store(true)
				return nil
			}
			for i, v := range k {
				pa[i] = uint16(pt.part(v))
			}
			if bad := keyNullMask(ch.keys, c.nullEq, len(k)); bad != nil {
				nullKey.Store(true)
				for i := range pa {
					if bad[i>>6]>>(uint(i)&63)&1 != 0 {
						pa[i] = dropped
					}
				}
			}
			if layout.single && c.nullEq[0] && ch.keys[0].NullN() > 0 {
				unfit.Store(true) // NULL would be a group of its own
				return nil
			}
		}
		return nil
	})
	if err != nil || unfit.Load() {
		return false, err
	}

	// 2. count each worker's rows per partition, then scatter keys and
	// row locations to their partition's range, keeping input order
	hist := make([]int32, workers*np)
	err = runPartitions(ctx, workers, func(ctx context.Context, w int) error {
		h := hist[w*np : (w+1)*np]
		for _, q := range part[start[cs[w]]:start[cs[w+1]]] {
			if q != dropped {
				h[q]++
			}
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	pstart := make([]int32, np+1)
	pos := int32(0)
	for q := 0; q < np; q++ {
		pstart[q] = pos
		for w := 0; w < workers; w++ {
			cnt := hist[w*np+q]
			hist[w*np+q] = pos
			pos += cnt
		}
	}
	pstart[np] = pos
	valid := pos
	// dropped rows go after every partition, in input order
	dstart := make([]int32, workers+1)
	dstart[0] = valid
	for w := 0; w < workers; w++ {
		d := int32(0)
		for _, q := range part[start[cs[w]]:start[cs[w+1]]] {
			if q == dropped {
				d++
			}
		}
		dstart[w+1] = dstart[w] + d
	}
	loc := make([]rowLoc, n)
	keys := make([]uint64, valid)
	err = runPartitions(ctx, workers, func(ctx context.Context, w int) error {
		next := hist[w*np : (w+1)*np]
		dn := dstart[w]
		for ci := cs[w]; ci < cs[w+1]; ci++ {
			base := start[ci]
			for i, q := range part[base:start[ci+1]] {
				l := rowLoc{int32(ci), int32(i)}
				if q == dropped {
					loc[dn] = l
					dn++
					continue
				}
				at := next[q]
				next[q]++
				keys[at] = kb[base+i]
				loc[at] = l
			}
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	kb, part = nil, nil

	// 3. build each partition's map and group its rows by key
	ngroups := make([]int32, np)
	localOffs := make([][]int32, np)
	var nextPart atomic.Int32
	err = runPartitions(ctx, min(workers, np), func(ctx context.Context, _ int) error {
		var gid, cnt []int32
		var tmp []rowLoc
		for {
			q := int(nextPart.Add(1) - 1)
			if q >= np {
				return nil
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			lo, hi := pstart[q], pstart[q+1]
			pk, pl := keys[lo:hi], loc[lo:hi]
			// a slot per row: a build side with two or more rows per key
			// (lineitem by order) keeps the map at most a quarter full and
			// never grows it, and one with unique keys grows it once, to
			// at most half full, where the sequential build sizes its
			// table for twice the rows
			m := &pt.parts[q]
			size := 16
			for size < len(pk) {
				size *= 2
			}
			m.alloc(size)
			gid = grow32(gid, len(pk))
			cnt = cnt[:0]
			for i, k := range pk {
				g, ins := m.findOrInsert(k, int32(len(cnt)))
				if ins {
					cnt = append(cnt, 0)
				}
				cnt[g]++
				gid[i] = g
			}
			ng := len(cnt)
			offs := make([]int32, ng+1)
			for g, c := range cnt {
				offs[g+1] = offs[g] + c
			}
			copy(cnt, offs[:ng]) // next free slot of each group
			tmp = append(tmp[:0], pl...)
			for i, l := range tmp {
				g := gid[i]
				pl[cnt[g]] = l
				cnt[g]++
			}
			ngroups[q] = int32(ng)
			localOffs[q] = offs
		}
	})
	if err != nil {
		return false, err
	}
	// the maps move into one allocation: probes hop between partitions
	// from row to row, and one large block is cheaper to address (fewer
	// TLB misses) than many small ones
	slots := 0
	for q := range pt.parts {
		slots += len(pt.parts[q].slots)
	}
	all := make([]u64Slot, slots)
	for q, at := 0, 0; q < np; q++ {
		m := &pt.parts[q]
		n := copy(all[at:], m.slots)
		m.slots = all[at : at+n : at+n]
		at += n
	}
	total := int32(0)
	for q := 0; q < np; q++ {
		pt.gbase[q] = total
		total += ngroups[q]
	}
	pt.gbase[np] = total
	offs := make([]int32, int(total)+2)
	for q := 0; q < np; q++ {
		o := offs[pt.gbase[q]:]
		for g, v := range localOffs[q][:ngroups[q]] {
			o[g] = pstart[q] + v
		}
	}
	offs[total] = valid
	offs[total+1] = int32(n)
	b.offs, b.loc, b.table = offs, loc, pt
	b.hasNullKey = nullKey.Load()
	return true, b.mt.add(pt.bytes() + int64(len(offs))*4)
}
