package exec

import (
	"context"
	"fmt"
	"hash/maphash"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// Window computes window functions over its child's rows: every input
// row comes out once, with one more column per function.
//
// With PARTITION BY and more than one partition, the rows are
// hash-repartitioned by the partition keys: output partition p holds the
// window partitions whose keys hash to p, sorts them by (keys, ORDER BY)
// and computes them, in parallel with the other output partitions.
// Without PARTITION BY there is one output partition. Presorted says the
// child (one partition) already delivers the rows in ORDER BY order (a
// window ordered by _rowid over an ordered scan): nothing is sorted.
type Window struct {
	opBase
	child     Operator
	partition []Expr
	order     []SortKey
	funcs     []WindowFunc
	presorted bool
	parts     int
	workers   int
	schema    *arrow.Schema
	budget    *Budget
	shared    *sharedBuild[*windowData]
}

// NewWindow computes funcs over child, partitioned by partition and
// ordered by order; names are the new columns' names. workers bounds the
// goroutines that compute one large window partition.
func NewWindow(child Operator, partition []Expr, order []SortKey, funcs []WindowFunc, names []string, presorted bool, workers int, budget *Budget) (Operator, error) {
	if len(names) != len(funcs) {
		return nil, fmt.Errorf("internal error: %d window functions, %d names", len(funcs), len(names))
	}
	if presorted && child.Partitions() != 1 {
		return nil, fmt.Errorf("internal error: a presorted window needs one input partition, not %d", child.Partitions())
	}
	if err := checkSortKeys(order); err != nil {
		return nil, err
	}
	fields := append([]arrow.Field(nil), child.Schema().Fields()...)
	funcs = slices.Clone(funcs)
	for i, f := range funcs {
		if isMoreAgg(f.Name) {
			// the aggregate's own checks and argument casts (string_agg's
			// text), as for GROUP BY; a bad call fails here, not per row
			c, err := normalizeCall(f.aggCall())
			if err != nil {
				return nil, err
			}
			if _, err := newCallState(c); err != nil {
				return nil, err
			}
			f.Arg = c.Arg
			funcs[i] = f
		} else if f.Filter != nil || len(f.Args) > 0 || f.Distinct {
			return nil, fmt.Errorf("internal error: window %s with FILTER, DISTINCT or more arguments", f.Name)
		}
		t, err := WindowCallType(f.Name, callArgs(f.aggCall()))
		if err != nil {
			return nil, err
		}
		if f.Frame.Range && (f.Frame.Start.Value != nil || f.Frame.End.Value != nil) {
			if f.Frame.RangeKey == nil || len(order) != 1 {
				return nil, fmt.Errorf("internal error: a RANGE frame with an offset needs one ORDER BY key")
			}
		}
		fields = append(fields, arrow.Field{Name: names[i], Type: t, Nullable: true})
	}
	parts := 1
	if len(partition) > 0 && !presorted {
		parts = max(child.Partitions(), 1)
	}
	w := &Window{opBase: newBase(), child: child, partition: partition, order: order, funcs: funcs,
		presorted: presorted, parts: parts, workers: max(workers, 1), schema: arrow.NewSchema(fields, nil), budget: budget}
	w.shared = newSharedBuild(parts, w.collect)
	return w, nil
}

func (w *Window) Schema() *arrow.Schema { return w.schema }
func (w *Window) Children() []Operator  { return []Operator{w.child} }
func (w *Window) Partitions() int       { return w.parts }

func (w *Window) String() string {
	var b strings.Builder
	b.WriteString("Window:")
	if len(w.partition) > 0 {
		ps := make([]string, len(w.partition))
		for i, p := range w.partition {
			ps[i] = unparen(p.String())
		}
		b.WriteString(" partition by " + strings.Join(ps, ", "))
	}
	if len(w.order) > 0 {
		b.WriteString(" order by " + keysString(w.order))
	}
	if _, _, ok := w.streamable(); ok {
		b.WriteString(" (input in order, streamed)")
	} else if w.presorted {
		b.WriteString(" (input already in order)")
	}
	for i, f := range w.funcs {
		if i == 0 {
			b.WriteString(" | ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(f.String())
	}
	return b.String()
}

// exprs lists every expression evaluated over the input, in the order of
// the collected key arrays: partition keys, ORDER BY keys, then per
// function its argument, default, bound values, range key, FILTER and
// the further arguments its aggregate reads per row (slots 0 to 5, then
// 6 on; -1 for none).
func (w *Window) exprs() ([]SortKey, [][]int) {
	var keys []SortKey
	for _, p := range w.partition {
		keys = append(keys, SortKey{Expr: p})
	}
	keys = append(keys, w.order...)
	slots := make([][]int, len(w.funcs))
	add := func(e Expr) int {
		if e == nil {
			return -1
		}
		keys = append(keys, SortKey{Expr: e})
		return len(keys) - 1
	}
	for i, f := range w.funcs {
		var dir SortKey
		if len(w.order) > 0 {
			dir = w.order[0]
		}
		s := []int{add(f.Arg), add(f.Default), -1, -1, -1, -1}
		if f.Frame.RangeKey != nil {
			s[2] = add(f.Frame.Start.Value)
			s[3] = add(f.Frame.End.Value)
			s[4] = add(f.Frame.RangeKey)
			for _, j := range s[2:] {
				if j >= 0 {
					keys[j].Desc, keys[j].NullsFirst = dir.Desc, dir.NullsFirst
				}
			}
		}
		s[5] = add(f.Filter)
		if isMoreAgg(f.Name) {
			for _, a := range f.Args[:callValueArgs(f.Name)-1] {
				s = append(s, add(a))
			}
		}
		slots[i] = s
	}
	return keys, slots
}

// windowData is the collected input of one execution, shared by the
// output partitions.
type windowData struct {
	runs   []sortedRun
	runOf  []int32 // global row -> run
	rowOf  []int32 // global row -> row in its run
	cols   []*sortCol
	slots  [][]int
	bucket []int32 // global row -> output partition (nil: one)
	res    reservation
}

func (d *windowData) release() {
	for _, r := range d.runs {
		r.release()
	}
	d.runs = nil
	d.res.free()
}

// chunks returns key k's arrays, one per run.
func (d *windowData) chunks(k int) []arrow.Array {
	out := make([]arrow.Array, len(d.runs))
	for i, r := range d.runs {
		out[i] = r.keys[k]
	}
	return out
}

func (w *Window) collect(ctx context.Context, _ uint64) (*windowData, error) {
	keys, slots := w.exprs()
	d := &windowData{slots: slots, res: reservation{b: w.budget, what: "window"}}
	var mu sync.Mutex
	parts, err := collectPartitions(ctx, w.child, keys, &d.res, w.m, &mu)
	if err != nil {
		d.res.free()
		return nil, err
	}
	for _, p := range parts {
		d.runs = append(d.runs, p...)
	}
	n := 0
	for _, r := range d.runs {
		n += int(r.rec.NumRows())
	}
	if n > math.MaxInt32-1 {
		d.release()
		return nil, errorf(ErrOutOfRange, "a window over more than %d rows is not supported", math.MaxInt32-1)
	}
	if err := d.res.grow(int64(n) * int64(8+8*len(keys))); err != nil {
		d.release()
		return nil, err
	}
	w.m.notePeak(d.res.n)
	d.runOf = make([]int32, n)
	d.rowOf = make([]int32, n)
	g := 0
	for ri, r := range d.runs {
		for j := 0; j < int(r.rec.NumRows()); j++ {
			d.runOf[g], d.rowOf[g] = int32(ri), int32(j)
			g++
		}
	}
	// ORDER BY keys are flattened only to sort or to find peers.
	needOrder := !w.presorted
	for _, f := range w.funcs {
		needOrder = needOrder || f.needsPeers()
	}
	np, no := len(w.partition), len(w.order)
	d.cols = make([]*sortCol, len(keys))
	for k, key := range keys {
		if k >= np && k < np+no && !needOrder {
			continue
		}
		c := newSortCol(key.Expr.DataType(), key)
		for _, r := range d.runs {
			c.appendArray(r.keys[k])
		}
		d.cols[k] = c
	}
	if w.parts > 1 {
		d.bucket = hashBuckets(d.cols[:len(w.partition)], n, w.parts)
	}
	return d, nil
}

// hashBuckets assigns each row to one of parts buckets by its keys.
func hashBuckets(cols []*sortCol, n, parts int) []int32 {
	seed := maphash.MakeSeed()
	h := make([]uint64, n)
	for _, c := range cols {
		for i := 0; i < n; i++ {
			var v uint64
			switch {
			case c.nulls != nil && c.nulls[i]:
				v = 0x9e3779b97f4a7c15
			case c.kind == skI64:
				v = uint64(c.i64[i])
			case c.kind == skU64:
				v = c.u64[i]
			case c.kind == skF64:
				f := c.f64[i]
				switch {
				case f == 0:
					f = 0
				case f != f:
					f = math.NaN()
				}
				v = math.Float64bits(f)
			case c.kind == skI128:
				v = c.dec[i].lo ^ uint64(c.dec[i].hi)*0xff51afd7ed558ccd
			case c.kind == skStr:
				v = maphash.String(seed, c.str[i])
			}
			x := (h[i] ^ v) * 0xbf58476d1ce4e5b9
			h[i] = x ^ x>>31
		}
	}
	out := make([]int32, n)
	for i, x := range h {
		out[i] = int32(x % uint64(parts))
	}
	return out
}

func (w *Window) Execute(ctx context.Context, partition int) (Stream, error) {
	if err := checkPartition(w, partition); err != nil {
		return nil, err
	}
	if back, ahead, ok := w.streamable(); ok {
		return w.executeStream(ctx, back, ahead)
	}
	mem := allocator(ctx)
	round := w.shared.join(partition)
	var (
		out      *windowOutput
		started  bool
		complete bool
		closed   bool
	)
	next := func() (arrow.Record, error) {
		if !started {
			started = true
			d, err := round.get(ctx)
			if err != nil {
				return nil, err
			}
			if out, err = w.compute(ctx, d, partition); err != nil {
				return nil, err
			}
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rec := out.emit(mem)
		if rec == nil {
			complete = true
		}
		return rec, nil
	}
	onClose := func() {
		if closed {
			return
		}
		closed = true
		if out != nil {
			out.release()
		}
		round.leave(complete)
	}
	return instrument(newPullStream(w.schema, next, onClose), w.m), nil
}

// windowOutput is one output partition's computed rows: input rows in
// window order (by run and row) and the functions' result columns.
type windowOutput struct {
	schema  *arrow.Schema
	nIn     int
	runs    []sortedRun
	ci, ri  []int32
	results []arrow.Array
	pos     int
	// inOrder: the output is the input in its own order (a presorted
	// window, or one without PARTITION BY and ORDER BY), so each input
	// batch goes out as it is, with its slice of the results.
	inOrder bool
	run     int
}

func (o *windowOutput) emit(mem memory.Allocator) arrow.Record {
	if o.inOrder {
		if o.run >= len(o.runs) {
			return nil
		}
		rec := o.runs[o.run].rec
		o.run++
		n := int(rec.NumRows())
		cols := make([]arrow.Array, 0, len(o.schema.Fields()))
		cols = append(cols, rec.Columns()...)
		var sliced []arrow.Array
		for _, r := range o.results {
			s := array.NewSlice(r, int64(o.pos), int64(o.pos+n))
			sliced = append(sliced, s)
			cols = append(cols, s)
		}
		o.pos += n
		out := array.NewRecord(o.schema, cols, int64(n))
		releaseAll(sliced)
		return out
	}
	if o.pos >= len(o.ri) {
		return nil
	}
	end := min(o.pos+outBatchRows, len(o.ri))
	cols := make([]arrow.Array, 0, len(o.schema.Fields()))
	chunks := make([]arrow.Array, len(o.runs))
	for c := 0; c < o.nIn; c++ {
		for i, r := range o.runs {
			chunks[i] = r.rec.Column(c)
		}
		cols = append(cols, takeChunks(mem, o.schema.Field(c).Type, chunks, o.ci[o.pos:end], o.ri[o.pos:end]))
	}
	for _, r := range o.results {
		cols = append(cols, array.NewSlice(r, int64(o.pos), int64(end)))
	}
	rec := array.NewRecord(o.schema, cols, int64(end-o.pos))
	releaseAll(cols)
	o.pos = end
	return rec
}

func (o *windowOutput) release() {
	releaseAll(o.results)
	o.results = nil
}

// compute sorts output partition p's rows and evaluates the functions.
func (w *Window) compute(ctx context.Context, d *windowData, p int) (*windowOutput, error) {
	rows := make([]int32, 0, len(d.runOf))
	for g := range d.runOf {
		if d.bucket == nil || d.bucket[g] == int32(p) {
			rows = append(rows, int32(g))
		}
	}
	np, no := len(w.partition), len(w.order)
	keyCols := d.cols[:np+no]
	if !w.presorted && np+no > 0 {
		slices.SortFunc(rows, func(a, b int32) int {
			if r := compareKeyRows(keyCols, int(a), keyCols, int(b)); r != 0 {
				return r
			}
			return int(a - b)
		})
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ev := newWindowEval(w, d, rows)
	results, err := ev.run(ctx, allocator(ctx))
	if err != nil {
		return nil, err
	}
	out := &windowOutput{schema: w.schema, nIn: len(w.child.Schema().Fields()), runs: d.runs, results: results,
		inOrder: w.presorted || (np+no == 0 && d.bucket == nil)}
	if !out.inOrder {
		out.ci, out.ri = make([]int32, len(rows)), make([]int32, len(rows))
		for k, g := range rows {
			out.ci[k], out.ri[k] = d.runOf[g], d.rowOf[g]
		}
	}
	return out, nil
}
