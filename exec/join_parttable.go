package exec

import (
	"context"
	"sync/atomic"

	"github.com/apache/arrow/go/v17/arrow"
)

// A hash join's build side whose keys all pack into 64 bits (integers,
// dates, short strings, several small integer columns) is indexed by a
// partitioned table built in parallel: the rows are radix-partitioned by
// the top bits of their packed key's hash, and each partition's range of
// one shared slot array is filled by whichever worker takes it. A
// partition's range is small enough to stay in cache while it is built,
// and no two workers touch the same range. Group ids are global: partition
// q's groups come after those of partitions 0 .. q-1, and its rows occupy
// one contiguous range of positions, grouped by key in input order, as the
// sequential build lays them out. Keys that do not pack, and the one case
// the partitioned table does not hold (a single nullable key column
// compared with IS NOT DISTINCT FROM, whose NULL is a group of its own),
// use the sequential groupTable build.

// joinTable finds the group of each probe row's key in a build side.
type joinTable interface {
	lookup(keys []arrow.Array, n int, rows []int32, gids []int32, sc *lookupScratch)
}

// partTable is the partitioned index of a build side: one open-addressing
// table of 2^(pbits+sbits) slots (linear probing), indexed by the top bits
// of the key's hash. Its top pbits are the partition, so partition q owns
// the contiguous slots q<<sbits .. (q+1)<<sbits and probing wraps within
// them: each partition is filled by one worker, and a probe is one hash
// and one slot run, as in a single table. A slot holds the global group id
// + 1.
type partTable struct {
	layout *groupTable // the packing layout (its own map stays empty)
	slots  []u64Slot
	shift  uint   // first slot of key k: (k * hashMul) >> shift
	rmask  uint64 // slots per partition - 1
	gbase  []int32
	pshift uint // partition of key k: (k * hashMul) >> pshift; 64: one partition
}

const hashMul = 0x9E3779B97F4A7C15

func (p *partTable) part(k uint64) uint64 { return (k * hashMul) >> p.pshift }

// find returns the group id of k, or -1.
func (p *partTable) find(k uint64) int32 {
	i := (k * hashMul) >> p.shift
	for {
		s := &p.slots[i]
		if s.val == 0 {
			return -1
		}
		if s.key == k {
			return s.val - 1
		}
		i = (i+1)&p.rmask | i&^p.rmask
	}
}

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
	for _, i := range rows {
		if vb != nil && !getBit(vb, off+int(i)) {
			gids[i] = -1 // the table holds no NULL key
			continue
		}
		gids[i] = p.find(kb[i])
	}
}

func (p *partTable) bytes() int64 {
	return int64(len(p.slots))*16 + int64(len(p.gbase))*4
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
	pt := &partTable{layout: layout, gbase: make([]int32, np+1), pshift: uint(64 - pbits)}
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
	// every partition gets as many slots as twice the rows of the
	// largest, so none is more than half full (the hash spreads rows
	// evenly; the sequential build also sizes its table for twice the rows)
	most := int32(8)
	for q := 0; q < np; q++ {
		most = max(most, pstart[q+1]-pstart[q])
	}
	sbits := 1
	for int32(1)<<sbits < 2*most {
		sbits++
	}
	pt.slots = make([]u64Slot, np<<sbits)
	pt.shift, pt.rmask = uint(64-pbits-sbits), uint64(1)<<sbits-1
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
			region := pt.slots[q<<sbits : (q+1)<<sbits]
			gid = grow32(gid, len(pk))
			cnt = cnt[:0]
			for i, k := range pk {
				j := (k * hashMul) >> pt.shift & pt.rmask
				for region[j].val != 0 && region[j].key != k {
					j = (j + 1) & pt.rmask
				}
				s := &region[j]
				if s.val == 0 {
					s.key, s.val = k, int32(len(cnt))+1
					cnt = append(cnt, 0)
				}
				g := s.val - 1
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
	// the slots hold local ids + 1 until now: make them global
	err = runPartitions(ctx, workers, func(ctx context.Context, w int) error {
		for q := w; q < np; q += workers {
			add := pt.gbase[q]
			region := pt.slots[q<<sbits : (q+1)<<sbits]
			for j := range region {
				if region[j].val != 0 {
					region[j].val += add
				}
			}
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	offs[total] = valid
	offs[total+1] = int32(n)
	b.offs, b.loc, b.table = offs, loc, pt
	b.hasNullKey = nullKey.Load()
	return true, b.mt.add(pt.bytes() + int64(len(offs))*4)
}
