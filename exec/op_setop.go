package exec

import (
	"context"
	"fmt"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// SetOpKind is INTERSECT or EXCEPT.
type SetOpKind int

const (
	SetIntersect SetOpKind = iota
	SetExcept
)

func (k SetOpKind) String() string {
	if k == SetExcept {
		return "EXCEPT"
	}
	return "INTERSECT"
}

// SetOp is INTERSECT [ALL] or EXCEPT [ALL] over whole rows, NULLs
// comparing equal (as SQL set operations compare rows). The left input's
// distinct rows go into a hash table with a count per side; the right
// input only looks rows up. A row that occurs l times on the left and r
// times on the right is output min(l, r) times (INTERSECT ALL),
// max(l-r, 0) times (EXCEPT ALL); without ALL each distinct left row is
// output once when it also occurs on the right (INTERSECT) or when it
// does not (EXCEPT). One output partition; rows come in the order their first
// copy arrived from the left input (partition by partition when it has
// one, otherwise in arrival order). The table is charged to the budget.
type SetOp struct {
	opBase
	left, right Operator
	kind        SetOpKind
	all         bool
	budget      *Budget
	schema      *arrow.Schema
	keyTypes    []arrow.DataType // NULL-typed columns are hashed as INT64
}

// NewSetOp checks that both inputs have the same column types (the binder
// casts them first) and returns the set operation.
func NewSetOp(left, right Operator, kind SetOpKind, all bool, budget *Budget) (Operator, error) {
	if left == nil || right == nil {
		return nil, fmt.Errorf("internal error: %s without a left or right input", kind)
	}
	if kind != SetIntersect && kind != SetExcept {
		return nil, fmt.Errorf("internal error: unknown set operation %d", int(kind))
	}
	schema, err := setOpSchema(kind.String(), left, right)
	if err != nil {
		return nil, err
	}
	s := &SetOp{opBase: newBase(), left: left, right: right, kind: kind, all: all, budget: budget, schema: schema}
	for _, f := range schema.Fields() {
		if err := checkJoinKeyType(f.Type, kind.String()); err != nil {
			return nil, err
		}
		t := f.Type
		if isNull(t) {
			t = tInt64
		}
		s.keyTypes = append(s.keyTypes, t)
	}
	return s, nil
}

func (s *SetOp) Schema() *arrow.Schema { return s.schema }
func (s *SetOp) Children() []Operator  { return []Operator{s.left, s.right} }
func (s *SetOp) Partitions() int       { return 1 }
func (s *SetOp) String() string {
	if s.all {
		return "SetOp: " + s.kind.String() + " ALL"
	}
	return "SetOp: " + s.kind.String()
}

// copies is how many times a row seen l > 0 times left and r times right
// is output.
func (s *SetOp) copies(l, r int64) int64 {
	switch {
	case s.all && s.kind == SetExcept:
		return max(l-r, 0)
	case s.all:
		return min(l, r)
	case s.kind == SetExcept && r == 0, s.kind == SetIntersect && r > 0:
		return 1
	}
	return 0
}

func (s *SetOp) Execute(ctx context.Context, partition int) (Stream, error) {
	if err := checkPartition(s, partition); err != nil {
		return nil, err
	}
	mem := allocator(ctx)
	mt := &memTracker{res: reservation{b: s.budget, what: s.String()[len("SetOp: "):]}, m: s.m}
	var keys []arrow.Array // distinct left rows, by group id
	var out []int64        // copies per group
	var g int32            // next group to output
	var rep int64          // copies of group g already output
	started := false
	cleanup := func() {
		releaseAll(keys)
		keys = nil
		mt.mu.Lock()
		mt.res.free()
		mt.mu.Unlock()
	}
	next := func() (arrow.Record, error) {
		if !started {
			started = true
			var err error
			if keys, out, err = s.run(ctx, mem, mt); err != nil {
				return nil, err
			}
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var idx []int32
		for int(g) < len(out) && len(idx) < outBatchRows {
			k := min(out[g]-rep, int64(outBatchRows-len(idx)))
			for j := int64(0); j < k; j++ {
				idx = append(idx, g)
			}
			rep += k
			if rep == out[g] {
				g, rep = g+1, 0
			}
		}
		if len(idx) == 0 {
			return nil, nil
		}
		cols := make([]arrow.Array, len(keys))
		for c, a := range keys {
			if isNull(s.schema.Field(c).Type) {
				cols[c] = array.NewNull(len(idx))
			} else {
				cols[c] = takeArray(mem, a, idx)
			}
		}
		return newRecord(s.schema, cols, len(idx)), nil
	}
	return instrument(newPullStream(s.schema, next, cleanup), s.m), nil
}

// run counts the rows of both inputs and returns the distinct left rows
// and how many copies of each to output.
func (s *SetOp) run(ctx context.Context, mem memory.Allocator, mt *memTracker) ([]arrow.Array, []int64, error) {
	t := newGroupTable(s.keyTypes)
	var left, right []int64
	held := int64(0)
	var gids []int32
	account := func() error {
		b := t.bytes() + int64(cap(left)+cap(right))*8
		err := mt.add(b - held)
		held = b
		return err
	}
	err := s.scan(ctx, s.left, mem, func(keys []arrow.Array, n int) error {
		gids = grow32(gids, n)
		t.assign(keys, n, nil, gids)
		left = growSlice(left, t.n)
		for _, x := range gids {
			left[x]++
		}
		return account()
	})
	if err != nil {
		return nil, nil, err
	}
	right = make([]int64, t.n)
	if err := account(); err != nil {
		return nil, nil, err
	}
	sc := &lookupScratch{mem: mem}
	var rows []int32
	err = s.scan(ctx, s.right, mem, func(keys []arrow.Array, n int) error {
		gids = grow32(gids, n)
		for len(rows) < n {
			rows = append(rows, int32(len(rows)))
		}
		t.lookup(keys, n, rows[:n], gids, sc)
		for _, x := range gids {
			if x >= 0 {
				right[x]++
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	out := left
	for g := range out {
		out[g] = s.copies(left[g], right[g])
	}
	return t.keyArrays(mem), out, nil
}

// scan feeds every batch of op (all partitions, in parallel when there are
// several) to f, one batch at a time, as key columns.
func (s *SetOp) scan(ctx context.Context, op Operator, mem memory.Allocator, f func(keys []arrow.Array, n int) error) error {
	var st Stream
	if op.Partitions() == 1 {
		var err error
		if st, err = op.Execute(ctx, 0); err != nil {
			return err
		}
	} else {
		st = newGatherStream(ctx, op, func(int) {})
	}
	defer st.Close()
	for st.Next() {
		if err := ctx.Err(); err != nil {
			return err
		}
		rec := st.Record()
		n := int(rec.NumRows())
		keys := make([]arrow.Array, rec.NumCols())
		for c, a := range rec.Columns() {
			if isNull(a.DataType()) {
				keys[c] = nullArray(mem, tInt64, n)
			} else {
				a.Retain()
				keys[c] = a
			}
		}
		err := f(keys, n)
		releaseAll(keys)
		if err != nil {
			return err
		}
	}
	return st.Err()
}
