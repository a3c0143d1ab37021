package exec

import (
	"context"
	"fmt"
	"math/bits"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/recq/recq/scan"
)

// Filter keeps the rows where its predicate is TRUE. Inside exec it hands
// a selection vector to the operator above (the batch itself is passed
// through untouched, also when every row matched); a batch leaving exec
// through Execute is compacted. The predicate's AND-ed conjuncts are
// evaluated in order, each only over the rows the previous ones kept.
type Filter struct {
	opBase
	child Operator
	pred  Expr
	conj  []Expr
}

// NewFilter filters child's rows by pred (a BOOLEAN expression).
func NewFilter(child Operator, pred Expr) Operator {
	return &Filter{opBase: newBase(), child: child, pred: pred, conj: Conjuncts(pred)}
}

func (f *Filter) Schema() *arrow.Schema { return f.child.Schema() }
func (f *Filter) Children() []Operator  { return []Operator{f.child} }
func (f *Filter) Partitions() int       { return f.child.Partitions() }
func (f *Filter) String() string        { return "Filter: " + unparen(f.pred.String()) }

// Predicate returns the filter's predicate.
func (f *Filter) Predicate() Expr { return f.pred }

func unparen(s string) string {
	if len(s) >= 2 && s[0] == '(' && s[len(s)-1] == ')' {
		depth := 0
		for i := 0; i < len(s); i++ {
			switch s[i] {
			case '(':
				depth++
			case ')':
				depth--
				if depth == 0 && i != len(s)-1 {
					return s
				}
			}
		}
		return s[1 : len(s)-1]
	}
	return s
}

func (f *Filter) Execute(ctx context.Context, partition int) (Stream, error) {
	s, err := f.executeSel(ctx, partition)
	if err != nil {
		return nil, err
	}
	return newCompactStream(s, s.(*filterStream).pool), nil
}

func (f *Filter) executeSel(ctx context.Context, partition int) (selStream, error) {
	if err := checkPartition(f, partition); err != nil {
		return nil, err
	}
	if t := f.pred.DataType(); !isBool(t) && !isNull(t) {
		return nil, fmt.Errorf("internal error: filter predicate %s is %s, not BOOLEAN", f.pred, TypeName(t))
	}
	in, err := openSel(ctx, f.child, partition)
	if err != nil {
		return nil, err
	}
	pool := newPool(allocator(ctx))
	return &filterStream{ctx: ctx, f: f, in: in, ectx: NewEvalContext(pool), pool: pool}, nil
}

type filterStream struct {
	ctx  context.Context
	f    *Filter
	in   selStream
	ectx *EvalContext
	pool *bufPool
	rec  arrow.Record
	sel  []int32
	err  error
	done bool
}

func (s *filterStream) Schema() *arrow.Schema          { return s.in.Schema() }
func (s *filterStream) Batch() (arrow.Record, []int32) { return s.rec, s.sel }

// Seq is the input's tag: the filter's batch is the input batch.
func (s *filterStream) Seq() (Seq, bool) { return scan.SeqOf(s.in) }

func (s *filterStream) Err() error {
	if s.err != nil {
		return s.err
	}
	return s.in.Err()
}

func (s *filterStream) Next() bool {
	start := time.Now()
	defer func() { s.f.m.nanos.Add(int64(time.Since(start))) }()
	s.rec, s.sel = nil, nil
	for !s.done && s.err == nil {
		if err := s.ctx.Err(); err != nil {
			s.err = err
			return false
		}
		if !s.in.Next() {
			return false
		}
		rec, sel := s.in.Batch()
		if rec.NumRows() == 0 || (sel != nil && len(sel) == 0) {
			// an ordered chunk's marker: nothing to evaluate, pass it on
			s.rec, s.sel = rec, sel
			return true
		}
		out, err := s.apply(rec, sel)
		if err != nil {
			s.err = err
			return false
		}
		// A tagged chunk's last batch is kept even when no row matched:
		// the ordered gather needs it to move past the chunk.
		if seq, ok := scan.SeqOf(s.in); out == nil || len(out) > 0 || (ok && seq.Last) {
			s.rec, s.sel = rec, out
			s.f.m.batches.Add(1)
			if out == nil {
				s.f.m.rows.Add(rec.NumRows())
			} else {
				s.f.m.rows.Add(int64(len(out)))
			}
			return true
		}
	}
	return false
}

// apply evaluates the conjuncts; nil means every row (of sel) is kept when
// sel was nil, an empty non-nil slice means none.
func (s *filterStream) apply(rec arrow.Record, sel []int32) ([]int32, error) {
	n := int(rec.NumRows())
	for _, c := range s.f.conj {
		a, err := c.Eval(s.ectx.withSel(sel), rec)
		if err != nil {
			return nil, err
		}
		sel = narrow(a, sel, n)
		a.Release()
		if sel != nil && len(sel) == 0 {
			return sel, nil
		}
	}
	return sel, nil
}

// narrow keeps the rows of sel (all when nil) where a is TRUE. It returns
// nil when every row of an unrestricted batch matched.
func narrow(a arrow.Array, sel []int32, n int) []int32 {
	if a.DataType().ID() == arrow.NULL {
		return []int32{}
	}
	vals, valid := boolWords(a)
	if sel == nil {
		cnt := 0
		w := make([]uint64, len(vals))
		for i := range vals {
			w[i] = vals[i] & valid[i]
			if i == len(vals)-1 && n%64 != 0 {
				w[i] &= (1 << uint(n%64)) - 1
			}
			cnt += bits.OnesCount64(w[i])
		}
		if cnt == n {
			return nil
		}
		// a fresh slice: the previous batch's selection may still be in use
		return wordsToSel(w, n, make([]int32, 0, cnt))
	}
	out := make([]int32, 0, len(sel))
	for _, i := range sel {
		if (vals[i>>6]&valid[i>>6])>>(uint(i)&63)&1 != 0 {
			out = append(out, i)
		}
	}
	return out
}

func (s *filterStream) Close() {
	s.done = true
	s.rec, s.sel = nil, nil
	s.in.Close()
	s.pool.close()
}
