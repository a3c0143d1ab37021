package exec

import (
	"context"
	"slices"
	"sync"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// outBatchRows is the size of batches built by Sort, TopN and Aggregate.
const outBatchRows = 64 * 1024

// Sort orders all rows by its keys (stable: ties keep input order, with
// partitions taken in partition order). Its one output partition collects
// every child partition in parallel first. Retained batches count against
// the budget.
type Sort struct {
	opBase
	child  Operator
	keys   []SortKey
	budget *Budget
}

// NewSort sorts child's rows by keys.
func NewSort(child Operator, keys []SortKey, budget *Budget) Operator {
	return &Sort{opBase: newBase(), child: child, keys: keys, budget: budget}
}

func (s *Sort) Schema() *arrow.Schema { return s.child.Schema() }
func (s *Sort) Children() []Operator  { return []Operator{s.child} }
func (s *Sort) Partitions() int       { return 1 }
func (s *Sort) String() string        { return "Sort: " + keysString(s.keys) }

// Keys returns the sort keys.
func (s *Sort) Keys() []SortKey { return s.keys }

// RecordBytes estimates the memory a record holds, as the Budget counts
// it.
func RecordBytes(rec arrow.Record) int64 { return recordBytes(rec) }

// recordBytes estimates the memory a record holds.
func recordBytes(rec arrow.Record) int64 {
	var b int64
	for _, c := range rec.Columns() {
		b += arrayBytes(c.Data())
	}
	return b
}

// arrayBytes is the memory an array holds for the memory budget: for a
// slice of a fixed-width or string array, the bytes of its own rows, so
// that the slices of one array (a window's result chunk cut into output
// batches) add up to the array once instead of once per slice; for other
// layouts, every buffer.
func arrayBytes(d arrow.ArrayData) int64 {
	n, off := int64(d.Len()), int64(d.Offset())
	bufs := d.Buffers()
	var b int64
	if len(bufs) > 0 && bufs[0] != nil {
		b += min((n+7)/8, int64(bufs[0].Len()))
	}
	switch t := d.DataType().(type) {
	case *arrow.StringType, *arrow.BinaryType:
		if len(bufs) == 3 && bufs[1] != nil && bufs[1].Len() >= int((off+n+1)*4) {
			offs := bytesAs[int32](bufs[1].Bytes())
			return b + (n+1)*4 + int64(offs[off+n]-offs[off])
		}
	case *arrow.BooleanType:
		return b + (n+7)/8
	case arrow.FixedWidthDataType:
		if w := int64(t.BitWidth()); w%8 == 0 && len(bufs) == 2 {
			return b + n*w/8
		}
	}
	b = 0
	for _, buf := range bufs {
		if buf != nil {
			b += int64(buf.Len())
		}
	}
	for _, c := range d.Children() {
		b += arrayBytes(c)
	}
	return b
}

// sortedRun is one chunk of collected rows with their evaluated keys.
type sortedRun struct {
	rec  arrow.Record
	keys []arrow.Array
}

func (r sortedRun) release() {
	r.rec.Release()
	releaseAll(r.keys)
}

// collectPartitions drains every partition of child in parallel, keeping
// each batch (compacted) and its evaluated keys, in partition order.
func collectPartitions(ctx context.Context, child Operator, keys []SortKey, res *reservation, m *opMetrics, mu *sync.Mutex) ([][]sortedRun, error) {
	mem := allocator(ctx)
	n := child.Partitions()
	parts := make([][]sortedRun, n)
	err := runPartitions(ctx, n, func(ctx context.Context, p int) error {
		s, err := child.Execute(ctx, p)
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
			ks := make([]arrow.Array, len(keys))
			for i, k := range keys {
				a, err := k.Expr.Eval(ectx, rec)
				if err != nil {
					releaseAll(ks)
					return err
				}
				ks[i] = a
			}
			rec.Retain()
			// a window's partitions read the runs at once
			settleNullCounts(rec)
			for _, a := range ks {
				settleDataNulls(a.Data())
			}
			run := sortedRun{rec: rec, keys: ks}
			parts[p] = append(parts[p], run)
			b := recordBytes(rec) + int64(rec.NumRows())*int64(16+9*len(keys))
			for _, a := range ks {
				b += arrayBytes(a.Data())
			}
			mu.Lock()
			err := res.grow(b)
			used := res.n
			mu.Unlock()
			if err != nil {
				return err
			}
			m.notePeak(used)
		}
		return s.Err()
	})
	if err != nil {
		for _, runs := range parts {
			for _, r := range runs {
				r.release()
			}
		}
		return nil, err
	}
	return parts, nil
}

func (s *Sort) Execute(ctx context.Context, partition int) (Stream, error) {
	if err := checkPartition(s, partition); err != nil {
		return nil, err
	}
	if err := checkSortKeys(s.keys); err != nil {
		return nil, err
	}
	mem := allocator(ctx)
	st := &sortState{res: reservation{b: s.budget, what: "sort"}}
	started := false
	next := func() (arrow.Record, error) {
		if !started {
			started = true
			if err := st.run(ctx, s); err != nil {
				return nil, err
			}
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return st.emit(mem), nil
	}
	return instrument(newPullStream(s.Schema(), next, st.release), s.m), nil
}

type sortState struct {
	mu     sync.Mutex
	res    reservation
	runs   []sortedRun
	ci, ri []int32
	pos    int
	schema *arrow.Schema
}

func (st *sortState) run(ctx context.Context, s *Sort) error {
	st.schema = s.Schema()
	parts, err := collectPartitions(ctx, s.child, s.keys, &st.res, s.m, &st.mu)
	if err != nil {
		return err
	}
	for _, p := range parts {
		st.runs = append(st.runs, p...)
	}
	cols := make([]*sortCol, len(s.keys))
	for k, key := range s.keys {
		cols[k] = newSortCol(key.Expr.DataType(), key)
	}
	total := 0
	for _, r := range st.runs {
		total += int(r.rec.NumRows())
		for k := range cols {
			cols[k].appendArray(r.keys[k])
		}
	}
	// Ties are broken by input position, which makes the (pdqsort) order
	// exactly the stable one.
	perm := make([]int32, total)
	if len(cols) == 1 && cols[0].kind == skI64 && cols[0].nulls == nil {
		type kv struct {
			k int64
			i int32
		}
		pairs := make([]kv, total)
		for i, k := range cols[0].i64 {
			if cols[0].desc {
				k = ^k // reverses the order without overflow
			}
			pairs[i] = kv{k, int32(i)}
		}
		slices.SortFunc(pairs, func(a, b kv) int {
			switch {
			case a.k < b.k:
				return -1
			case a.k > b.k:
				return 1
			}
			return int(a.i - b.i)
		})
		for i, p := range pairs {
			perm[i] = p.i
		}
	} else {
		for i := range perm {
			perm[i] = int32(i)
		}
		slices.SortFunc(perm, func(a, b int32) int {
			if r := compareKeyRows(cols, int(a), cols, int(b)); r != 0 {
				return r
			}
			return int(a - b)
		})
	}
	// global row -> (run, row)
	starts := make([]int32, len(st.runs)+1)
	for i, r := range st.runs {
		starts[i+1] = starts[i] + int32(r.rec.NumRows())
	}
	st.ci = make([]int32, total)
	st.ri = make([]int32, total)
	for k, g := range perm {
		c, _ := slices.BinarySearch(starts, g+1)
		c--
		st.ci[k] = int32(c)
		st.ri[k] = g - starts[c]
	}
	// the key arrays are no longer needed
	for i := range st.runs {
		releaseAll(st.runs[i].keys)
		st.runs[i].keys = nil
	}
	return nil
}

// emit returns the next sorted batch, or nil at the end.
func (st *sortState) emit(mem memory.Allocator) arrow.Record {
	if st.pos >= len(st.ci) {
		st.release()
		return nil
	}
	end := min(st.pos+outBatchRows, len(st.ci))
	rec := gatherRows(mem, st.schema, st.runs, st.ci[st.pos:end], st.ri[st.pos:end])
	st.pos = end
	return rec
}

// gatherRows builds a record from (run, row) references.
func gatherRows(mem memory.Allocator, schema *arrow.Schema, runs []sortedRun, ci, ri []int32) arrow.Record {
	cols := make([]arrow.Array, len(schema.Fields()))
	chunks := make([]arrow.Array, len(runs))
	for c := range cols {
		for i, r := range runs {
			chunks[i] = r.rec.Column(c)
		}
		cols[c] = takeChunks(mem, schema.Field(c).Type, chunks, ci, ri)
	}
	rec := array.NewRecord(schema, cols, int64(len(ri)))
	releaseAll(cols)
	return rec
}

func (st *sortState) release() {
	for _, r := range st.runs {
		r.rec.Release()
		releaseAll(r.keys)
	}
	st.runs = nil
	st.ci, st.ri = nil, nil
	st.res.free()
}
