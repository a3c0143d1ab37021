package exec

import (
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// caseExpr is a searched CASE. Each WHEN is evaluated only over the rows no
// earlier WHEN took, each THEN only over the rows it produces, so a branch
// never raises an error for rows it does not produce.
type caseExpr struct {
	whens, thens []Expr
	els          Expr // nil: NULL
	typ          arrow.DataType
	label        string
}

// NewCase builds CASE [operand] WHEN w THEN t ... [ELSE els] END. With an
// operand (simple CASE) each WHEN is compared to it with =. The result
// type is the common type of the THEN and ELSE values.
func NewCase(operand Expr, whens, thens []Expr, els Expr) (Expr, error) {
	if len(whens) == 0 || len(whens) != len(thens) {
		return nil, fmt.Errorf("CASE needs at least one WHEN ... THEN")
	}
	label := caseLabel(operand, whens, thens, els)
	conds := make([]Expr, len(whens))
	for i, w := range whens {
		if operand != nil {
			eq, err := newCompare(opEq, operand, w, false)
			if err != nil {
				return nil, err
			}
			conds[i] = eq
			continue
		}
		c, err := checkBool("CASE WHEN", w)
		if err != nil {
			return nil, err
		}
		conds[i] = c
	}
	var typ arrow.DataType = tNull
	all := append(append([]Expr{}, thens...), els)
	for _, t := range all {
		if t == nil {
			continue
		}
		ct := commonType(typ, t.DataType())
		if ct == nil {
			return nil, fmt.Errorf("CASE branches have incompatible types %s and %s", TypeName(typ), TypeName(t.DataType()))
		}
		typ = ct
	}
	if isNull(typ) {
		return &litExpr{typ: tNull}, nil
	}
	e := &caseExpr{whens: conds, typ: typ, label: label}
	for _, t := range thens {
		c, err := castTo(t, typ)
		if err != nil {
			return nil, err
		}
		e.thens = append(e.thens, c)
	}
	if els != nil {
		c, err := castTo(els, typ)
		if err != nil {
			return nil, err
		}
		e.els = c
	}
	// drop branches whose condition is a constant FALSE or NULL; a constant
	// TRUE ends the list
	var ws, ts []Expr
	for i, w := range e.whens {
		if c, ok := asConst(w); ok {
			if c.val == nil || !c.val.(bool) {
				continue
			}
			if len(ws) == 0 {
				return e.thens[i], nil
			}
			e.els = e.thens[i]
			break
		}
		ws, ts = append(ws, w), append(ts, e.thens[i])
	}
	if len(ws) == 0 {
		if e.els == nil {
			return &litExpr{typ: typ}, nil
		}
		return e.els, nil
	}
	if isNested(typ) {
		// Only a CASE whose branches are chosen per row is refused: one
		// that constant conditions settle is the branch they choose.
		return nil, nestedErr("choose by CASE between values of", typ)
	}
	e.whens, e.thens = ws, ts
	return folded(e), nil
}

func caseLabel(operand Expr, whens, thens []Expr, els Expr) string {
	var b strings.Builder
	b.WriteString("CASE")
	if operand != nil {
		b.WriteString(" " + operand.String())
	}
	for i := range whens {
		fmt.Fprintf(&b, " WHEN %s THEN %s", whens[i], thens[i])
	}
	if els != nil {
		fmt.Fprintf(&b, " ELSE %s", els)
	}
	b.WriteString(" END")
	return b.String()
}

func (e *caseExpr) DataType() arrow.DataType { return e.typ }
func (e *caseExpr) String() string           { return e.label }
func (e *caseExpr) kids() []Expr {
	k := append(append([]Expr{}, e.whens...), e.thens...)
	if e.els != nil {
		k = append(k, e.els)
	}
	return k
}

func allRows(sel []int32, n int) []int32 {
	if sel != nil {
		return sel
	}
	out := make([]int32, n)
	for i := range out {
		out[i] = int32(i)
	}
	return out
}

func (e *caseExpr) Eval(ctx *EvalContext, batch arrow.Record) (arrow.Array, error) {
	n := int(batch.NumRows())
	choice := make([]int16, n)
	for i := range choice {
		choice[i] = -1
	}
	remaining := allRows(ctx.sel, n)
	branches := make([][]int32, len(e.thens)+1)
	for k, w := range e.whens {
		if len(remaining) == 0 {
			break
		}
		c, err := w.Eval(ctx.withSel(remaining), batch)
		if err != nil {
			return nil, err
		}
		vals := c.Data().Buffers()[1].Bytes()
		off := c.Data().Offset()
		valid, voff := validityOf(c)
		var rest []int32
		for _, r := range remaining {
			i := int(r)
			if isValid(valid, voff, i) && getBit(vals, off+i) {
				choice[i] = int16(k)
				branches[k] = append(branches[k], r)
			} else {
				rest = append(rest, r)
			}
		}
		c.Release()
		remaining = rest
	}
	if e.els != nil {
		for _, r := range remaining {
			choice[r] = int16(len(e.thens))
		}
		branches[len(e.thens)] = remaining
	}
	arrs := make([]arrow.Array, len(e.thens)+1)
	defer releaseAll(arrs)
	for k := range arrs {
		if len(branches[k]) == 0 {
			continue
		}
		x := e.els
		if k < len(e.thens) {
			x = e.thens[k]
		}
		a, err := x.Eval(ctx.withSel(branches[k]), batch)
		if err != nil {
			return nil, err
		}
		arrs[k] = a
	}
	return interleave(ctx.Mem, e.typ, arrs, choice, n), nil
}

// interleave builds row i from arrs[choice[i]] (choice -1: NULL).
func interleave(mem memory.Allocator, typ arrow.DataType, arrs []arrow.Array, choice []int16, n int) arrow.Array {
	valid := newBitmap(mem, n, true)
	vb := valid.Buf()
	type vinfo struct {
		b   []byte
		off int
	}
	vs := make([]vinfo, len(arrs))
	for k, a := range arrs {
		if a != nil {
			vs[k].b, vs[k].off = validityOf(a)
		}
	}
	for i, c := range choice {
		if c < 0 || (vs[c].b != nil && !getBit(vs[c].b, vs[c].off+i)) {
			clearBit(vb, i)
		}
	}
	switch typ.ID() {
	case arrow.BOOL:
		o := newBoolOut(mem, n)
		ob := o.vals.Buf()
		for i, c := range choice {
			if c >= 0 {
				d := arrs[c].Data()
				if getBit(d.Buffers()[1].Bytes(), d.Offset()+i) {
					setBit(ob, i)
				}
			}
		}
		o.valid = valid
		return o.finish()
	case arrow.STRING:
		type sv struct {
			offs []int32
			data []byte
		}
		src := make([]sv, len(arrs))
		for k, a := range arrs {
			if a != nil {
				src[k].offs, src[k].data = strParts(a)
			}
		}
		o := newStrOut(mem, n, 0)
		for i, c := range choice {
			if c < 0 {
				o.add(nil)
				continue
			}
			s := src[c]
			o.add(s.data[s.offs[i]:s.offs[i+1]])
		}
		o.valid = valid
		return o.finish()
	}
	switch byteWidth(typ) {
	case 1:
		return interleaveFixed[uint8](mem, typ, arrs, choice, n, valid)
	case 2:
		return interleaveFixed[uint16](mem, typ, arrs, choice, n, valid)
	case 4:
		return interleaveFixed[uint32](mem, typ, arrs, choice, n, valid)
	case 8:
		return interleaveFixed[uint64](mem, typ, arrs, choice, n, valid)
	default:
		return interleaveFixed[i128](mem, typ, arrs, choice, n, valid)
	}
}

func interleaveFixed[T any](mem memory.Allocator, typ arrow.DataType, arrs []arrow.Array, choice []int16, n int, valid *memory.Buffer) arrow.Array {
	o := newFixedOut[T](mem, typ, n)
	o.valid = valid
	vs := make([][]T, len(arrs))
	for k, a := range arrs {
		if a != nil {
			vs[k] = values[T](a)
		}
	}
	var zero T
	for i, c := range choice {
		if c < 0 {
			o.v[i] = zero
		} else {
			o.v[i] = vs[c][i]
		}
	}
	return o.finish()
}

// ---------------------------------------------------------------------
// COALESCE

type coalesceExpr struct {
	args []Expr
	typ  arrow.DataType
}

func newCoalesce(args []Expr) (Expr, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("coalesce needs at least one argument")
	}
	var typ arrow.DataType = tNull
	for _, a := range args {
		if isNested(a.DataType()) {
			return nil, nestedErr("coalesce", a.DataType())
		}
		ct := commonType(typ, a.DataType())
		if ct == nil {
			return nil, fmt.Errorf("coalesce arguments have incompatible types %s and %s", TypeName(typ), TypeName(a.DataType()))
		}
		typ = ct
	}
	if isNull(typ) {
		return &litExpr{typ: tNull}, nil
	}
	e := &coalesceExpr{typ: typ}
	for _, a := range args {
		if c, ok := asConst(a); ok && c.val == nil {
			continue
		}
		c, err := castTo(a, typ)
		if err != nil {
			return nil, err
		}
		e.args = append(e.args, c)
		if _, ok := asConst(c); ok {
			break // a non-NULL constant ends the list
		}
	}
	switch len(e.args) {
	case 0:
		return &litExpr{typ: typ}, nil
	case 1:
		return e.args[0], nil
	}
	return folded(e), nil
}

func (e *coalesceExpr) DataType() arrow.DataType { return e.typ }
func (e *coalesceExpr) kids() []Expr             { return e.args }
func (e *coalesceExpr) String() string {
	parts := make([]string, len(e.args))
	for i, a := range e.args {
		parts[i] = a.String()
	}
	return "coalesce(" + strings.Join(parts, ", ") + ")"
}

func (e *coalesceExpr) Eval(ctx *EvalContext, batch arrow.Record) (arrow.Array, error) {
	n := int(batch.NumRows())
	choice := make([]int16, n)
	for i := range choice {
		choice[i] = -1
	}
	remaining := allRows(ctx.sel, n)
	arrs := make([]arrow.Array, len(e.args))
	defer releaseAll(arrs)
	for k, x := range e.args {
		if len(remaining) == 0 {
			break
		}
		a, err := x.Eval(ctx.withSel(remaining), batch)
		if err != nil {
			return nil, err
		}
		arrs[k] = a
		valid, off := validityOf(a)
		if valid == nil && a.DataType().ID() != arrow.NULL {
			for _, r := range remaining {
				choice[r] = int16(k)
			}
			remaining = nil
			break
		}
		var rest []int32
		for _, r := range remaining {
			if isValid(valid, off, int(r)) {
				choice[r] = int16(k)
			} else {
				rest = append(rest, r)
			}
		}
		remaining = rest
	}
	return interleave(ctx.Mem, e.typ, arrs, choice, n), nil
}
