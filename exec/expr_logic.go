package exec

import (
	"fmt"
	"math/bits"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
)

// logicExpr is an n-ary AND or OR with SQL three-valued logic: FALSE AND
// NULL is FALSE, TRUE OR NULL is TRUE, otherwise NULL wins over TRUE (AND)
// or FALSE (OR). Each operand after the first is evaluated only over the
// rows still undecided, so it cannot raise errors for decided rows.
type logicExpr struct {
	and  bool
	args []Expr
}

func (e *logicExpr) DataType() arrow.DataType { return tBool }
func (e *logicExpr) kids() []Expr             { return e.args }
func (e *logicExpr) String() string {
	parts := make([]string, len(e.args))
	for i, a := range e.args {
		parts[i] = a.String()
	}
	op := " OR "
	if e.and {
		op = " AND "
	}
	return "(" + strings.Join(parts, op) + ")"
}

func checkBool(what string, e Expr) (Expr, error) {
	t := e.DataType()
	if isNull(t) {
		return &litExpr{typ: tBool}, nil
	}
	if !isBool(t) {
		return nil, fmt.Errorf("%s needs BOOLEAN operands, not %s", what, TypeName(t))
	}
	return e, nil
}

func newLogic(and bool, l, r Expr) (Expr, error) {
	what := "OR"
	if and {
		what = "AND"
	}
	var err error
	if l, err = checkBool(what, l); err != nil {
		return nil, err
	}
	if r, err = checkBool(what, r); err != nil {
		return nil, err
	}
	var args []Expr
	for _, x := range []Expr{l, r} {
		if le, ok := x.(*logicExpr); ok && le.and == and {
			args = append(args, le.args...)
		} else {
			args = append(args, x)
		}
	}
	// constant simplification: FALSE AND x = FALSE, TRUE AND x = x, ...
	kept := args[:0:0]
	for _, a := range args {
		if c, ok := asConst(a); ok && c.val != nil {
			if c.val.(bool) == !and {
				return &litExpr{typ: tBool, val: !and}, nil
			}
			continue // neutral element
		}
		kept = append(kept, a)
	}
	switch len(kept) {
	case 0:
		return &litExpr{typ: tBool, val: and}, nil
	case 1:
		return kept[0], nil
	}
	return folded(&logicExpr{and: and, args: kept}), nil
}

// NewAnd combines predicates with AND (nil for none is TRUE).
func NewAnd(preds ...Expr) (Expr, error) {
	if len(preds) == 0 {
		return &litExpr{typ: tBool, val: true}, nil
	}
	e := preds[0]
	for _, p := range preds[1:] {
		var err error
		if e, err = newLogic(true, e, p); err != nil {
			return nil, err
		}
	}
	return checkBool("AND", e)
}

// Conjuncts splits a predicate at its top-level ANDs.
func Conjuncts(e Expr) []Expr {
	if le, ok := e.(*logicExpr); ok && le.and {
		return le.args
	}
	return []Expr{e}
}

func (e *logicExpr) Eval(ctx *EvalContext, batch arrow.Record) (arrow.Array, error) {
	n := int(batch.NumRows())
	nw := (n + 63) / 64
	// AND: decided = some operand FALSE; acc = all operands TRUE.
	// OR:  decided = some operand TRUE;  acc = all operands FALSE.
	decided := make([]uint64, nw)
	acc := onesWords(n)
	sel := ctx.sel
	cur := ctx
	for k, arg := range e.args {
		if k > 0 {
			// narrow to rows not yet decided
			live := selToWords(sel, n)
			cnt, liveCnt := 0, 0
			for i := range live {
				cnt += bits.OnesCount64(live[i])
				live[i] &^= decided[i]
				liveCnt += bits.OnesCount64(live[i])
			}
			if liveCnt == 0 {
				break
			}
			if liveCnt < cnt {
				cur = ctx.withSel(wordsToSel(live, n, make([]int32, 0, liveCnt)))
			}
		}
		a, err := cur.eval(arg, batch)
		if err != nil {
			return nil, err
		}
		vals, valid := boolWords(a)
		for i := 0; i < nw; i++ {
			var hit, miss uint64
			if e.and {
				hit = valid[i] &^ vals[i] // FALSE
				miss = valid[i] & vals[i] // TRUE
			} else {
				hit = valid[i] & vals[i]
				miss = valid[i] &^ vals[i]
			}
			decided[i] |= hit
			acc[i] &= miss
		}
		a.Release()
	}
	// result: decided rows -> !and (FALSE for AND, TRUE for OR);
	// rows where every operand agreed -> and; the rest NULL
	vals := make([]uint64, nw)
	valid := make([]uint64, nw)
	for i := 0; i < nw; i++ {
		valid[i] = decided[i] | acc[i]
		if e.and {
			vals[i] = acc[i] &^ decided[i]
		} else {
			vals[i] = decided[i]
		}
	}
	return wordsToBoolArray(ctx.Mem, n, vals, valid), nil
}

// ---------------------------------------------------------------------
// NOT

type notExpr struct{ x Expr }

func newNot(x Expr) (Expr, error) {
	x, err := checkBool("NOT", x)
	if err != nil {
		return nil, err
	}
	if n, ok := x.(*notExpr); ok {
		return n.x, nil
	}
	return folded(&notExpr{x: x}), nil
}

func (e *notExpr) DataType() arrow.DataType { return tBool }
func (e *notExpr) kids() []Expr             { return []Expr{e.x} }
func (e *notExpr) String() string           { return fmt.Sprintf("(NOT %s)", e.x) }

func (e *notExpr) Eval(ctx *EvalContext, batch arrow.Record) (arrow.Array, error) {
	a, err := ctx.eval(e.x, batch)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	n := a.Len()
	vals, valid := boolWords(a)
	out := make([]uint64, len(vals))
	for i := range vals {
		out[i] = ^vals[i]
	}
	var v []uint64
	if a.NullN() > 0 {
		v = valid
	}
	return wordsToBoolArray(ctx.Mem, n, out, v), nil
}

// ---------------------------------------------------------------------
// IS [NOT] NULL

type isNullExpr struct {
	x   Expr
	not bool
}

// NewIsNull is x IS NULL, or x IS NOT NULL when not is set. Never NULL.
func NewIsNull(x Expr, not bool) Expr {
	if c, ok := asConst(x); ok {
		return &litExpr{typ: tBool, val: (c.val == nil) != not}
	}
	return &isNullExpr{x: x, not: not}
}

func (e *isNullExpr) DataType() arrow.DataType { return tBool }
func (e *isNullExpr) kids() []Expr             { return []Expr{e.x} }
func (e *isNullExpr) String() string {
	if e.not {
		return fmt.Sprintf("(%s IS NOT NULL)", e.x)
	}
	return fmt.Sprintf("(%s IS NULL)", e.x)
}

func (e *isNullExpr) Eval(ctx *EvalContext, batch arrow.Record) (arrow.Array, error) {
	a, err := ctx.eval(e.x, batch)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	return isNullArray(ctx.Mem, a, e.not), nil
}

// ---------------------------------------------------------------------
// BETWEEN

// NewBetween is x BETWEEN lo AND hi (x >= lo AND x <= hi), or NOT BETWEEN
// (x < lo OR x > hi).
func NewBetween(x, lo, hi Expr, not bool) (Expr, error) {
	if not {
		a, err := newCompare(opLt, x, lo, false)
		if err != nil {
			return nil, err
		}
		b, err := newCompare(opGt, x, hi, false)
		if err != nil {
			return nil, err
		}
		return newLogic(false, a, b)
	}
	a, err := newCompare(opGe, x, lo, false)
	if err != nil {
		return nil, err
	}
	b, err := newCompare(opLe, x, hi, false)
	if err != nil {
		return nil, err
	}
	return newLogic(true, a, b)
}
