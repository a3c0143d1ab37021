package exec

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/decimal128"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/scan"
	"github.com/recq/recq/storage"
)

// rawFolder is one scan partition's groups of a RawAggregate.
type rawFolder struct {
	r   *RawAggregate
	mem memory.Allocator
	res reservation
	// charged is how many groups' memory res holds. The fixed arrays
	// (direct, lanes, the block vectors) are not charged: at most 256 KiB
	// per partition, like the scan's own batch buffers.
	charged int

	direct []int32 // group of each key value, -1 for none (keys of at most rawDirectWidth bytes)
	table  *u64Map // group of each packed key (wider keys)
	keys   []uint64
	rows   []int64
	sums   [][]i128   // by summed slot (RawAggregate.sumSlots), by group
	ext    [][]int64  // min/max by call, by group
	lanes  [4][]int64 // sumLanes, countLanes: rawLaneGroups each

	vs   *rawVectors
	gids []int32
	kbuf []uint64
}

// rawDirectWidth is the widest key grouped through a directly indexed array.
const rawDirectWidth = 2

// rawGroupBytes estimates the memory of one group, for the budget.
func (r *RawAggregate) rawGroupBytes() int64 {
	n := int64(8 + 8 + 32) // key, rows, table slots
	for _, c := range r.calls {
		switch c.kind {
		case rawSum:
			n += 16
		case rawMin, rawMax:
			n += 8
		}
	}
	return n
}

func newRawFolder(r *RawAggregate, mem memory.Allocator, budget *Budget) *rawFolder {
	f := &rawFolder{r: r, mem: mem, res: reservation{b: budget, what: "aggregation"}}
	switch {
	case len(r.keys) == 0:
	case r.keyWidth <= rawDirectWidth:
		f.direct = make([]int32, 1<<(8*r.keyWidth))
		for i := range f.direct {
			f.direct[i] = -1
		}
	default:
		f.table = newU64Map()
	}
	f.sums = make([][]i128, len(r.sumSlots))
	f.ext = make([][]int64, len(r.calls))
	for i := range f.lanes {
		f.lanes[i] = make([]int64, rawLaneGroups)
	}
	f.vs = newRawVectors(&r.prog)
	f.gids = make([]int32, rawBlockRows)
	f.kbuf = make([]uint64, rawBlockRows)
	return f
}

// Fold implements scan.Folder.
func (f *rawFolder) Fold(recs scan.Records, sel []int32) error {
	for len(sel) > 0 {
		n := min(len(sel), rawBlockRows)
		if err := f.block(recs, sel[:n]); err != nil {
			return err
		}
		sel = sel[n:]
	}
	return nil
}

// block folds at most rawBlockRows records.
func (f *rawFolder) block(recs scan.Records, sel []int32) error {
	gids := f.gids[:len(sel)]
	if err := f.assign(recs, sel, gids); err != nil {
		return err
	}
	few := len(f.rows) <= rawLaneGroups
	if few {
		f.countLanes(gids)
	} else {
		for _, g := range gids {
			f.rows[g]++
		}
	}
	prog := &f.r.prog
	if len(prog.slots) == 0 {
		return nil
	}
	wide := !prog.eval64(f.vs, recs, sel)
	if wide {
		if err := prog.eval128(f.vs, recs, sel); err != nil {
			return err
		}
	}
	for si, slot := range f.r.sumSlots {
		acc := f.sums[si]
		switch {
		case wide:
			w := f.vs.w[slot]
			for j, g := range gids {
				s, ov := acc[g].add(w[j])
				if ov || !s.fitsPrecision(38) {
					return errorf(ErrOutOfRange, "DECIMAL overflow in sum: the total exceeds 38 digits")
				}
				acc[g] = s
			}
		case few && f.vs.bits[slot] <= rawLaneBits:
			f.sumLanes(acc, gids, f.vs.v[slot][:len(gids)])
		default:
			v := f.vs.v[slot]
			for j, g := range gids {
				x := v[j]
				lo, carry := bits.Add64(acc[g].lo, uint64(x), 0)
				acc[g] = i128{lo, acc[g].hi + x>>63 + int64(carry)}
			}
		}
	}
	for ci, c := range f.r.calls {
		if c.kind != rawMin && c.kind != rawMax {
			continue
		}
		// min and max read fields, whose values are int64 (eval128 loads
		// them into vs.v too).
		ext, v := f.ext[ci], f.vs.v[c.slot]
		if c.kind == rawMin {
			for j, g := range gids {
				ext[g] = min(ext[g], v[j])
			}
		} else {
			for j, g := range gids {
				ext[g] = max(ext[g], v[j])
			}
		}
	}
	return nil
}

// Few groups (Q1 has four, interleaved at random) make consecutive
// records add to the same total, and each addition waits for the
// previous one's store. With at most rawLaneGroups groups a block adds
// into four int64 lanes per group instead, records in turn, and the lanes
// go into the 128-bit totals at the block's end. A lane takes at most a
// quarter of a block's values, each below 2^rawLaneBits: no overflow.
const (
	rawLaneGroups = 64
	rawLaneBits   = 52
)

// sumLanes adds v (values of at most rawLaneBits bits) by group into acc.
func (f *rawFolder) sumLanes(acc []i128, gids []int32, v []int64) {
	l := &f.lanes
	n := len(f.rows)
	l0, l1, l2, l3 := l[0][:n], l[1][:n], l[2][:n], l[3][:n]
	j := 0
	for ; j+4 <= len(gids); j += 4 {
		l0[gids[j]] += v[j]
		l1[gids[j+1]] += v[j+1]
		l2[gids[j+2]] += v[j+2]
		l3[gids[j+3]] += v[j+3]
	}
	for ; j < len(gids); j++ {
		l0[gids[j]] += v[j]
	}
	for g := range l0 {
		x := l0[g] + l1[g] + l2[g] + l3[g]
		l0[g], l1[g], l2[g], l3[g] = 0, 0, 0, 0
		lo, carry := bits.Add64(acc[g].lo, uint64(x), 0)
		acc[g] = i128{lo, acc[g].hi + x>>63 + int64(carry)}
	}
}

// countLanes counts the records of each group, in lanes as sumLanes.
func (f *rawFolder) countLanes(gids []int32) {
	l := &f.lanes
	n := len(f.rows)
	l0, l1, l2, l3 := l[0][:n], l[1][:n], l[2][:n], l[3][:n]
	j := 0
	for ; j+4 <= len(gids); j += 4 {
		l0[gids[j]]++
		l1[gids[j+1]]++
		l2[gids[j+2]]++
		l3[gids[j+3]]++
	}
	for ; j < len(gids); j++ {
		l0[gids[j]]++
	}
	for g := range l0 {
		f.rows[g] += l0[g] + l1[g] + l2[g] + l3[g]
		l0[g], l1[g], l2[g], l3[g] = 0, 0, 0, 0
	}
}

// assign sets the group of each record of sel, creating groups.
func (f *rawFolder) assign(recs scan.Records, sel []int32, gids []int32) error {
	r := f.r
	if len(r.keys) == 0 {
		if len(f.rows) == 0 {
			if err := f.newGroup(0); err != nil {
				return err
			}
		}
		clear(gids)
		return nil
	}
	keys := f.packKeys(recs, sel)
	if f.direct != nil {
		for j, k := range keys {
			g := f.direct[k]
			if g < 0 {
				g = int32(len(f.rows))
				if err := f.newGroup(k); err != nil {
					return err
				}
				f.direct[k] = g
			}
			gids[j] = g
		}
		return nil
	}
	for j, k := range keys {
		g, inserted := f.table.findOrInsert(k, int32(len(f.rows)))
		if inserted {
			if err := f.newGroup(k); err != nil {
				return err
			}
		}
		gids[j] = g
	}
	return nil
}

// packKeys packs the key bytes of each record of sel into a uint64, key
// after key (the last key in the low bytes), a key's bytes little-endian.
func (f *rawFolder) packKeys(recs scan.Records, sel []int32) []uint64 {
	keys := f.kbuf[:len(sel)]
	clear(keys)
	for _, key := range f.r.keys {
		data, stride, off, shift := recs.Data, recs.Stride, key.off, uint(8*key.width)
		if c, ok := recs.Column(key.field); ok {
			data, stride, off = c.Data, c.Width, 0
			if c.Width < key.width {
				// a narrowed column (signed): sign-extend to the key's bytes
				mask := ^uint64(0) >> (64 - shift)
				for j, r := range sel {
					p := int(r)*stride + off
					v := uint64(storage.ReadBinaryInt(data[p:p+c.Width], binary.LittleEndian)) & mask
					keys[j] = keys[j]<<(shift%64) | v
				}
				continue
			}
		}
		switch key.width {
		case 1:
			for j, r := range sel {
				keys[j] = keys[j]<<shift | uint64(data[int(r)*stride+off])
			}
		case 2:
			for j, r := range sel {
				p := int(r)*stride + off
				keys[j] = keys[j]<<shift | uint64(binary.LittleEndian.Uint16(data[p:p+2]))
			}
		case 4:
			for j, r := range sel {
				p := int(r)*stride + off
				keys[j] = keys[j]<<shift | uint64(binary.LittleEndian.Uint32(data[p:p+4]))
			}
		default:
			for j, r := range sel {
				p := int(r)*stride + off
				keys[j] = keys[j]<<(shift%64) | loadKeyBytes(data[p:p+key.width], key.width)
			}
		}
	}
	return keys
}

// loadKeyBytes reads w (1 to 8) bytes as a little-endian number.
func loadKeyBytes(b []byte, w int) uint64 {
	switch w {
	case 1:
		return uint64(b[0])
	case 2:
		return uint64(binary.LittleEndian.Uint16(b))
	case 4:
		return uint64(binary.LittleEndian.Uint32(b))
	case 8:
		return binary.LittleEndian.Uint64(b)
	}
	var k uint64
	for i := w - 1; i >= 0; i-- {
		k = k<<8 | uint64(b[i])
	}
	return k
}

// newGroup adds a group of packed key k.
func (f *rawFolder) newGroup(k uint64) error {
	if len(f.rows) == f.charged {
		// Charge the budget for twice the groups each time, from 64 on.
		more := max(64, f.charged)
		if err := f.res.grow(int64(more) * f.r.rawGroupBytes()); err != nil {
			return err
		}
		f.charged += more
	}
	f.keys = append(f.keys, k)
	f.rows = append(f.rows, 0)
	for si := range f.sums {
		f.sums[si] = append(f.sums[si], i128{})
	}
	for ci, c := range f.r.calls {
		switch c.kind {
		case rawMin:
			f.ext[ci] = append(f.ext[ci], math.MaxInt64)
		case rawMax:
			f.ext[ci] = append(f.ext[ci], math.MinInt64)
		}
	}
	return nil
}

// Finish implements scan.Folder: the groups as a batch of partial states.
func (f *rawFolder) Finish() (arrow.Record, error) {
	n := len(f.rows)
	if n == 0 {
		return nil, nil
	}
	r := f.r
	cols := make([]arrow.Array, 0, r.schema.NumFields())
	release := func() {
		for _, c := range cols {
			c.Release()
		}
	}
	if len(r.keys) > 0 {
		keys, err := f.decodeKeys()
		if err != nil {
			return nil, err
		}
		cols = append(cols, keys...)
	}
	cols = append(cols, int64Array(f.mem, f.rows))
	for ci, c := range r.calls {
		switch c.kind {
		case rawCount:
			cols = append(cols, int64Array(f.mem, f.rows))
		case rawSum:
			b := array.NewDecimal128Builder(f.mem, r.schema.Field(len(cols)).Type.(*arrow.Decimal128Type))
			b.Reserve(n)
			for _, s := range f.sums[c.acc] {
				b.UnsafeAppend(s.num())
			}
			cols = append(cols, b.NewArray(), int64Array(f.mem, f.rows))
			b.Release()
		case rawMin, rawMax:
			hb := array.NewBooleanBuilder(f.mem)
			hb.Reserve(n)
			for range n {
				hb.UnsafeAppend(true)
			}
			cols = append(cols, hb.NewArray())
			hb.Release()
			v, err := int64sAs(f.mem, c.out, f.ext[ci])
			if err != nil {
				release()
				return nil, err
			}
			cols = append(cols, v)
		}
	}
	rec := array.NewRecord(r.schema, cols, int64(n))
	release()
	return rec, nil
}

// decodeKeys puts each group's key bytes back where they sit in a record
// (of the span of record bytes the keys cover) and decodes them with the
// scan's decoders.
func (f *rawFolder) decodeKeys() ([]arrow.Array, error) {
	r := f.r
	base, end := r.keys[0].off, 0
	fields := make([]int, len(r.keys))
	for i, key := range r.keys {
		fields[i] = key.field
		base, end = min(base, key.off), max(end, key.off+key.width)
	}
	width := end - base
	buf := make([]byte, len(f.keys)*width)
	for g, k := range f.keys {
		rec := buf[g*width:]
		for i := len(r.keys) - 1; i >= 0; i-- {
			key := r.keys[i]
			v := k
			for b := range key.width {
				rec[key.off-base+b] = byte(v)
				v >>= 8
			}
			if key.width < 8 {
				k >>= 8 * key.width
			}
		}
	}
	return scan.DecodeFields(f.mem, r.table, fields, buf, len(f.keys), base, width)
}

// int64Array copies vals into an INT64 array.
func int64Array(mem memory.Allocator, vals []int64) arrow.Array {
	o := newFixedOut[int64](mem, tInt64, len(vals))
	copy(o.v, vals)
	return o.finish()
}

// int64sAs converts int64 values of a field to an array of its type.
func int64sAs(mem memory.Allocator, t arrow.DataType, vals []int64) (arrow.Array, error) {
	b := array.NewBuilder(mem, t)
	defer b.Release()
	b.Reserve(len(vals))
	switch bb := b.(type) {
	case *array.Int8Builder:
		appendConverted(bb, vals, func(v int64) int8 { return int8(v) })
	case *array.Int16Builder:
		appendConverted(bb, vals, func(v int64) int16 { return int16(v) })
	case *array.Int32Builder:
		appendConverted(bb, vals, func(v int64) int32 { return int32(v) })
	case *array.Int64Builder:
		appendConverted(bb, vals, func(v int64) int64 { return v })
	case *array.Uint8Builder:
		appendConverted(bb, vals, func(v int64) uint8 { return uint8(v) })
	case *array.Uint16Builder:
		appendConverted(bb, vals, func(v int64) uint16 { return uint16(v) })
	case *array.Uint32Builder:
		appendConverted(bb, vals, func(v int64) uint32 { return uint32(v) })
	case *array.Date32Builder:
		appendConverted(bb, vals, func(v int64) arrow.Date32 { return arrow.Date32(v) })
	case *array.TimestampBuilder:
		appendConverted(bb, vals, func(v int64) arrow.Timestamp { return arrow.Timestamp(v) })
	case *array.Decimal128Builder:
		appendConverted(bb, vals, decimal128.FromI64)
	default:
		return nil, fmt.Errorf("internal error: raw aggregation has no %s values", TypeName(t))
	}
	return b.NewArray(), nil
}

// appendConverted appends vals, converted, to a builder with room for them.
func appendConverted[T any](b interface{ UnsafeAppend(T) }, vals []int64, conv func(int64) T) {
	for _, v := range vals {
		b.UnsafeAppend(conv(v))
	}
}

// Release implements scan.Folder.
func (f *rawFolder) Release() {
	f.res.free()
	f.direct, f.table, f.keys, f.rows, f.sums, f.ext = nil, nil, nil, nil, nil, nil
}
