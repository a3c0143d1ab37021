package scan

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/decimal128"
	"github.com/recq/recq/storage"
)

// Partial aggregation in the scan.
//
// For aggregate queries of a simple shape (group keys that are short binary
// columns, count and sum over integer/decimal arithmetic on binary columns)
// the planner asks each partition to aggregate its records itself, straight
// from the raw bytes: values are computed in int64 over a cache-sized piece
// of records at a time, sums are kept exactly in 128 bits per group, and a
// partition emits one batch of partial results (group keys, counts, sums)
// at its end. The query's aggregate then only merges a few rows per
// partition. This skips building Arrow columns for every record, which is
// most of the cost of an aggregation over a row file.
//
// When a value or sum does not fit (int64 overflow in an expression, a sum
// of integers beyond int64) or the groups do not fit the small table, the
// partition fails with ErrAggregateFallback and the query is planned again
// without the pushdown; the partial results are never seen.

// ErrAggregateFallback reports that a scan-side aggregation cannot compute
// this query exactly; the caller must run the query the general way.
var ErrAggregateFallback = errors.New("scan-side aggregation cannot compute this query exactly")

// ValueOp is the operation of a ValueExpr.
type ValueOp uint8

const (
	ValField ValueOp = iota + 1 // a binary integer or DECIMAL field (its scaled integer)
	ValConst                    // a constant scaled integer
	ValAdd
	ValSub
	ValMul
)

// ValueExpr is one node of an integer expression evaluated on raw records.
// Values are scaled integers: the value times 10^Scale.
type ValueExpr struct {
	Op    ValueOp
	Field int   // ValField
	Const int64 // ValConst
	L, R  int   // operands: indexes of earlier entries of AggSpec.Values
	Scale int   // the node's scale; Add/Sub rescale operands to it
}

// AggKind is what a partial aggregate computes.
type AggKind uint8

const (
	AggCount AggKind = iota + 1 // records (count(*), or count of a NOT NULL column)
	AggSum                      // sum of Values[Value]
)

// PartialAgg is one output column of the partial aggregation.
type PartialAgg struct {
	Kind  AggKind
	Value int  // AggSum: index into AggSpec.Values
	Int   bool // AggSum: the sum is an INT64 (else DECIMAL(38, Values[Value].Scale))
	Name  string
}

// AggSpec asks a scan to aggregate per partition (see the package notes
// above). Keys are schema fields: binary, NOT NULL, fixed-width (CHAR,
// integers, DATE, BOOLEAN), at most 8 bytes together. Fields used by Values
// are binary NOT NULL integers or DECIMALs.
type AggSpec struct {
	Keys   []int
	Values []ValueExpr
	Aggs   []PartialAgg
}

// maxPartialGroups bounds the groups one partition aggregates; more fall
// back to the general plan.
const maxPartialGroups = 1 << 16

// validateAgg checks an AggSpec against the schema.
func validateAgg(s *storage.Schema, a *AggSpec) error {
	width := 0
	for _, k := range a.Keys {
		if k < 0 || k >= len(s.Fields) {
			return fmt.Errorf("aggregate key field %d out of range", k)
		}
		f := &s.Fields[k]
		switch {
		case f.IsText() || f.Nullable:
			return fmt.Errorf("aggregate key %s must be a binary NOT NULL field", f.Name)
		case f.Type.IsFloat() || f.Type.Kind == storage.Decimal:
			return fmt.Errorf("aggregate key %s has type %s", f.Name, f.Type)
		}
		width += f.Width
	}
	if width > 8 {
		return fmt.Errorf("aggregate keys are %d bytes; at most 8", width)
	}
	for i, v := range a.Values {
		switch v.Op {
		case ValField:
			if v.Field < 0 || v.Field >= len(s.Fields) {
				return fmt.Errorf("value field %d out of range", v.Field)
			}
			f := &s.Fields[v.Field]
			if f.IsText() || f.Nullable || !(f.Type.IsInteger() || f.Type.Kind == storage.Decimal) || (f.Type.Kind == storage.Uint64) {
				return fmt.Errorf("value field %s must be a binary NOT NULL integer or DECIMAL", f.Name)
			}
		case ValConst:
		case ValAdd, ValSub, ValMul:
			if v.L < 0 || v.L >= i || v.R < 0 || v.R >= i {
				return fmt.Errorf("value %d refers to a later value", i)
			}
		default:
			return fmt.Errorf("value %d has no operation", i)
		}
	}
	for _, g := range a.Aggs {
		if g.Kind == AggSum && (g.Value < 0 || g.Value >= len(a.Values)) {
			return fmt.Errorf("aggregate %s refers to no value", g.Name)
		}
	}
	return nil
}

// aggSchema is the schema of a partial aggregation's batches: the key
// fields, then one column per PartialAgg.
func aggSchema(s *storage.Schema, a *AggSpec) *arrow.Schema {
	var fs []arrow.Field
	for _, k := range a.Keys {
		f := &s.Fields[k]
		fs = append(fs, arrow.Field{Name: f.Name, Type: f.Type.ArrowType()})
	}
	for _, g := range a.Aggs {
		t := arrow.DataType(arrow.PrimitiveTypes.Int64)
		if g.Kind == AggSum && !g.Int {
			t = &arrow.Decimal128Type{Precision: 38, Scale: int32(a.Values[g.Value].Scale)}
		}
		fs = append(fs, arrow.Field{Name: g.Name, Type: t, Nullable: g.Kind == AggSum})
	}
	return arrow.NewSchema(fs, nil)
}

// aggState is one partition's groups.
type aggState struct {
	spec    *AggSpec
	schema  *storage.Schema
	recLen  int
	slots   []int32  // open addressing: group index + 1, 0 empty
	keys    []uint64 // slot keys
	reps    []byte   // a representative record per group (for decoding keys)
	counts  []int64  // per group: records
	sumLo   []uint64 // per group x sum-aggregate: 128-bit sums
	sumHi   []int64
	groups  int
	scratch [][]int64 // per value: the piece's values
	sumVals [][]int64 // per sum aggregate: its value column (views of scratch)
	gidx    []int32   // the piece's group per selected record
}

func newAggState(spec *AggSpec, s *storage.Schema, recLen int) *aggState {
	st := &aggState{spec: spec, schema: s, recLen: recLen, slots: make([]int32, 64), keys: make([]uint64, 64)}
	st.scratch = make([][]int64, len(spec.Values))
	return st
}

// sums is the number of AggSum columns.
func (st *aggState) sums() int {
	n := 0
	for _, g := range st.spec.Aggs {
		if g.Kind == AggSum {
			n++
		}
	}
	return n
}

// add folds the selected records of a piece into the groups.
func (st *aggState) add(ch *chunk, sel []int32) error {
	n := len(sel)
	if n == 0 {
		return nil
	}
	if cap(st.gidx) < n {
		st.gidx = make([]int32, n)
		for i := range st.scratch {
			st.scratch[i] = make([]int64, n)
		}
	}
	gidx := st.gidx[:n]
	if err := st.assign(ch, sel, gidx); err != nil {
		return err
	}
	for i := range st.spec.Values {
		if err := st.eval(i, ch, sel); err != nil {
			return err
		}
	}
	// Row by row, every sum of the row's group: the sums' updates are
	// independent chains the CPU overlaps (column by column, consecutive
	// records of one group would wait on each other's stores).
	nsum := st.sums()
	if cap(st.sumVals) < nsum {
		st.sumVals = make([][]int64, nsum)
	}
	vals := st.sumVals[:nsum]
	k := 0
	for _, a := range st.spec.Aggs {
		if a.Kind == AggSum {
			vals[k] = st.scratch[a.Value][:n]
			k++
		}
	}
	counts, sumLo, sumHi := st.counts, st.sumLo, st.sumHi
	for i, g := range gidx {
		counts[g]++
		base := int(g) * nsum
		lo, hi := sumLo[base:base+nsum], sumHi[base:base+nsum]
		for k, col := range vals {
			v := col[i]
			l, carry := bits.Add64(lo[k], uint64(v), 0)
			lo[k] = l
			hi[k] += int64(carry) + (v >> 63)
		}
	}
	return nil
}

// assign finds (or makes) the group of each selected record.
func (st *aggState) assign(ch *chunk, sel []int32, gidx []int32) error {
	keys := st.spec.Keys
	fields := st.schema.Fields
	lastKey, lastGroup := uint64(0), int32(-1)
	for i, r := range sel {
		rec := ch.record(r)
		var key uint64
		shift := 0
		for _, k := range keys {
			f := &fields[k]
			for _, b := range rec[f.Offset:f.End()] {
				key |= uint64(b) << shift
				shift += 8
			}
		}
		// Neighbouring records often share their group (same order, same
		// day): skip the hash table then.
		if key != lastKey || lastGroup < 0 {
			g, err := st.group(key, rec)
			if err != nil {
				return err
			}
			lastKey, lastGroup = key, g
		}
		gidx[i] = lastGroup
	}
	return nil
}

// group returns the group of key, adding it (with rec as its
// representative record) when new.
func (st *aggState) group(key uint64, rec []byte) (int32, error) {
	mask := uint64(len(st.slots) - 1)
	h := (key * 0x9e3779b97f4a7c15) >> 20
	for i := h & mask; ; i = (i + 1) & mask {
		s := st.slots[i]
		if s == 0 {
			break
		}
		if st.keys[i] == key {
			return s - 1, nil
		}
	}
	if st.groups >= maxPartialGroups {
		return 0, ErrAggregateFallback
	}
	if (st.groups+1)*2 > len(st.slots) {
		st.grow()
		return st.group(key, rec)
	}
	g := int32(st.groups)
	st.groups++
	for i := h & mask; ; i = (i + 1) & mask {
		if st.slots[i] == 0 {
			st.slots[i], st.keys[i] = g+1, key
			break
		}
	}
	st.reps = append(st.reps, rec...)
	st.counts = append(st.counts, 0)
	for range st.sums() {
		st.sumLo = append(st.sumLo, 0)
		st.sumHi = append(st.sumHi, 0)
	}
	return g, nil
}

// grow doubles the slot table.
func (st *aggState) grow() {
	oldSlots, oldKeys := st.slots, st.keys
	st.slots = make([]int32, 2*len(oldSlots))
	st.keys = make([]uint64, 2*len(oldKeys))
	mask := uint64(len(st.slots) - 1)
	for i, s := range oldSlots {
		if s == 0 {
			continue
		}
		key := oldKeys[i]
		for j := ((key * 0x9e3779b97f4a7c15) >> 20) & mask; ; j = (j + 1) & mask {
			if st.slots[j] == 0 {
				st.slots[j], st.keys[j] = s, key
				break
			}
		}
	}
}

// eval computes value i for the selected records into its scratch array.
func (st *aggState) eval(i int, ch *chunk, sel []int32) error {
	v := &st.spec.Values[i]
	out := st.scratch[i][:len(sel)]
	switch v.Op {
	case ValField:
		f := &st.schema.Fields[v.Field]
		off, stride, data := f.Offset, ch.stride, ch.data
		if f.Encoding == storage.LittleEndian && f.Width == 8 && !ch.padded {
			for j, r := range sel {
				p := int(r)*stride + off
				out[j] = int64(binary.LittleEndian.Uint64(data[p : p+8]))
			}
			return nil
		}
		order := f.ByteOrder()
		for j, r := range sel {
			raw := ch.record(r)[off:f.End()]
			if f.Type.IsSigned() || f.Type.Kind == storage.Decimal {
				out[j] = storage.ReadBinaryInt(raw, order)
			} else {
				out[j] = int64(storage.ReadBinaryUint(raw, order))
			}
		}
		return nil
	case ValConst:
		for j := range out {
			out[j] = v.Const
		}
		return nil
	}
	l, r := st.scratch[v.L][:len(sel)], st.scratch[v.R][:len(sel)]
	ls, rs := st.spec.Values[v.L].Scale, st.spec.Values[v.R].Scale
	bad := false
	switch v.Op {
	case ValMul:
		for j := range out {
			hi, lo := bits.Mul64(uint64(abs64(l[j])), uint64(abs64(r[j])))
			bad = bad || hi != 0 || lo > math.MaxInt64 || l[j] == math.MinInt64 || r[j] == math.MinInt64
			p := int64(lo)
			if (l[j] < 0) != (r[j] < 0) {
				p = -p
			}
			out[j] = p
		}
	case ValAdd, ValSub:
		// Operands at a lower scale are rescaled first (constants already
		// come at the node's scale from the planner).
		if !rescale(l, pow10i(v.Scale-ls)) || !rescale(r, pow10i(v.Scale-rs)) {
			return ErrAggregateFallback
		}
		if v.Op == ValAdd {
			for j := range out {
				a, b := l[j], r[j]
				s := a + b
				bad = bad || ((a >= 0) == (b >= 0) && (s >= 0) != (a >= 0))
				out[j] = s
			}
		} else {
			for j := range out {
				a, b := l[j], r[j]
				s := a - b
				bad = bad || ((a >= 0) != (b >= 0) && (s >= 0) != (a >= 0))
				out[j] = s
			}
		}
	}
	if bad {
		return ErrAggregateFallback
	}
	return nil
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

func pow10i(n int) int64 {
	p := int64(1)
	for ; n > 0; n-- {
		p *= 10
	}
	return p
}

// rescale multiplies vals by m (a power of ten >= 1) in place and reports
// whether every product fits.
func rescale(vals []int64, m int64) bool {
	if m == 1 {
		return true
	}
	limit := math.MaxInt64 / m
	ok := true
	for j, v := range vals {
		ok = ok && v <= limit && v >= -limit
		vals[j] = v * m
	}
	return ok
}

// emit builds the partition's partial results: decoded keys from the
// representative records, counts and sums. With no keys it emits one row
// even for no records (count 0, sums NULL), so count(*) of nothing is 0.
func (st *aggState) emit(p *partition) (arrow.Record, error) {
	spec := st.spec
	n := st.groups
	if len(spec.Keys) == 0 && n == 0 {
		n = 1
		st.reps = make([]byte, st.recLen)
		st.counts = append(st.counts, 0)
		for range st.sums() {
			st.sumLo = append(st.sumLo, 0)
			st.sumHi = append(st.sumHi, 0)
		}
	}
	mem := p.run.mem
	cols := make([]arrow.Array, 0, len(spec.Keys)+len(spec.Aggs))
	release := func() {
		for _, c := range cols {
			c.Release()
		}
	}
	if len(spec.Keys) > 0 {
		ch := &chunk{table: p.scan.table, data: st.reps, n: n, stride: st.recLen, recLen: st.recLen}
		sel := make([]int32, n)
		for i := range sel {
			sel[i] = int32(i)
		}
		for _, k := range spec.Keys {
			d := newDecoder(mem, st.schema, &st.schema.Fields[k], n)
			d.reserve(n)
			if err := d.decode(ch, sel); err != nil {
				d.release()
				release()
				return nil, err
			}
			cols = append(cols, d.finish(n))
		}
	}
	nsum := st.sums()
	k := 0
	for _, a := range spec.Aggs {
		if a.Kind == AggCount {
			b := array.NewInt64Builder(mem)
			b.AppendValues(st.counts[:n], nil)
			cols = append(cols, b.NewArray())
			b.Release()
			continue
		}
		var arr arrow.Array
		if a.Int {
			b := array.NewInt64Builder(mem)
			for g := 0; g < n; g++ {
				lo, hi := st.sumLo[g*nsum+k], st.sumHi[g*nsum+k]
				switch {
				case st.counts[g] == 0:
					b.AppendNull()
				case hi != int64(lo)>>63:
					b.Release()
					release()
					return nil, ErrAggregateFallback // the sum does not fit INT64: let exec report it
				default:
					b.Append(int64(lo))
				}
			}
			arr = b.NewArray()
			b.Release()
		} else {
			t := &arrow.Decimal128Type{Precision: 38, Scale: int32(spec.Values[a.Value].Scale)}
			b := array.NewDecimal128Builder(mem, t)
			for g := 0; g < n; g++ {
				if st.counts[g] == 0 {
					b.AppendNull()
					continue
				}
				b.Append(decimal128.New(st.sumHi[g*nsum+k], st.sumLo[g*nsum+k]))
			}
			arr = b.NewArray()
			b.Release()
		}
		cols = append(cols, arr)
		k++
	}
	rec := array.NewRecord(p.scan.schema, cols, int64(n))
	release()
	return rec, nil
}
