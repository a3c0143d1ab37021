package exec

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/scan"
	"github.com/recq/recq/storage"
)

// Aggregation on raw record bytes. An aggregation straight over a scan of
// a fixed-length file (TPC-H Q1: sums of decimal products grouped by two
// one-byte flags) spends most of its time building columns it reads once:
// 16-byte decimals for every selected record, strings for one-byte keys,
// then vectors of intermediate products. A RawAggregate instead runs
// inside the scan as its Folder (scan.Spec.Fold): each partition reads the
// key bytes and the summed fields of the records its predicates selected,
// while they are in the CPU cache, and folds them into its own groups.
//
//   - Group keys are the raw bytes of their fields (at most 8 in all):
//     an array indexed by them when they take at most 2 bytes, else an
//     open-addressing table. Equal bytes always decode to equal values;
//     different bytes that decode equal (CHAR padding) are merged by the
//     final aggregation.
//   - Values are the binary integer and DECIMAL fields and the +, -, *
//     and negation over them that exec's arithmetic would evaluate, on
//     int64 scaled integers in blocks of rawBlockRows records, with the
//     decimal scales and implicit casts of the bound expression. Bounds
//     on the operands' bits prove a block cannot overflow; a block that
//     might is evaluated again in 128-bit arithmetic, with exec's
//     overflow errors (and the record that caused it).
//   - Sums accumulate in 128 bits per group; count, avg, min and max as
//     exec's aggregates do.
//
// A partition's groups leave as one batch of partial states (the layout
// of NewPartialAggregate), decoded keys first: the key bytes of each
// group are put back into blank records and decoded by the scan's own
// decoders (scan.DecodeFields), so the keys are exactly what a scan
// returns. NewFinalAggregate over the scan merges the partitions.
//
// CompileRawAggregate accepts only what it can compute exactly like the
// row-by-row path: fields that are never NULL, keys whose decoding cannot
// fail, calls without DISTINCT, FILTER or ORDER BY. Anything else returns
// an error saying why, and the planner keeps the ordinary aggregation.

// RawAggregate is an aggregation compiled to fold raw records (see above).
// It is immutable; NewFolder makes each partition's state.
type RawAggregate struct {
	table    *storage.Table
	schema   *arrow.Schema // the partial layout of the keys and calls
	keys     []rawKey
	keyWidth int
	prog     rawProgram
	calls    []rawCall
	sumSlots []int // the slots summed, each once (sum(x) and avg(x) share x's)
}

// rawKey is one group key: a field's bytes.
type rawKey struct {
	field      int // index into the table schema
	off, width int
}

type rawCallKind uint8

const (
	rawCount rawCallKind = iota
	rawSum               // sum and avg: $sum and $count
	rawMin
	rawMax
)

// rawCall is one aggregate call: what it accumulates, from which value slot.
type rawCall struct {
	kind rawCallKind
	slot int            // the value (sum, min, max)
	acc  int            // rawSum: the index of slot in sumSlots
	out  arrow.DataType // min/max: the value's type
}

// rawKeyMaxWidth is the widest key, in bytes, a RawAggregate groups by.
const rawKeyMaxWidth = 8

// rawMaxGroups bounds the groups of a RawAggregate whose keys take more
// than rawDirectWidth bytes, as far as the keys' domains tell.
const rawMaxGroups = 1 << 16

// rawKeyDomain bounds the distinct values of a key: 256^width for keys of
// at most 2 bytes, the range of a .rec file's block min/max for integers
// and dates, else +Inf.
func rawKeyDomain(t *storage.Table, k rawKey) float64 {
	if k.width <= 2 {
		return math.Pow(256, float64(k.width))
	}
	f := &t.Schema.Fields[k.field]
	if f.Encoding != storage.LittleEndian && f.Encoding != storage.BigEndian {
		return math.Inf(1)
	}
	lo, hi, ok := t.Blocks.Range(k.field)
	if !ok {
		return math.Inf(1)
	}
	return float64(hi) - float64(lo) + 1
}

// CompileRawAggregate compiles an aggregation to fold the raw records of
// t. cols maps the positions of the scan's columns (as groupBy and the
// calls' expressions refer to them) to fields of t's schema; partial is
// PartialSchema of the same keys and calls, the layout the folders
// return. The error says why the aggregation cannot run on raw bytes.
func CompileRawAggregate(t *storage.Table, cols []int, groupBy []Expr, aggs []AggCall, partial *arrow.Schema) (*RawAggregate, error) {
	if t.Layout.Var != nil || t.Raw.Segments != nil {
		return nil, fmt.Errorf("records vary in length or type")
	}
	r := &RawAggregate{table: t, schema: partial}
	c := rawCompiler{t: t, cols: cols, prog: &r.prog, seen: map[string]int{}}
	for _, g := range groupBy {
		f, err := c.field(g)
		if err != nil {
			return nil, err
		}
		fl := &t.Schema.Fields[f]
		if !rawKeyField(fl) {
			return nil, fmt.Errorf("group key %s is not a field whose bytes decode without fail", g)
		}
		w := fl.End() - fl.Offset
		r.keys = append(r.keys, rawKey{field: f, off: fl.Offset, width: w})
		r.keyWidth += w
	}
	if r.keyWidth > rawKeyMaxWidth {
		return nil, fmt.Errorf("group keys take %d bytes, more than %d", r.keyWidth, rawKeyMaxWidth)
	}
	if len(r.keys) > 0 && r.keyWidth > rawDirectWidth {
		// Each worker keeps its own groups, which the final aggregation
		// hashes again: with many groups, hashing decoded keys once
		// (the ordinary aggregation) is faster.
		domain := 1.0
		for _, k := range r.keys {
			domain *= rawKeyDomain(t, k)
		}
		if domain > rawMaxGroups {
			return nil, fmt.Errorf("group keys may take more than %d values", rawMaxGroups)
		}
	}
	for _, a := range aggs {
		call, err := c.call(a)
		if err != nil {
			return nil, err
		}
		if call.kind == rawSum {
			call.acc = slices.Index(r.sumSlots, call.slot)
			if call.acc < 0 {
				call.acc = len(r.sumSlots)
				r.sumSlots = append(r.sumSlots, call.slot)
			}
		}
		r.calls = append(r.calls, call)
	}
	if err := r.checkLayout(len(groupBy)); err != nil {
		return nil, err
	}
	return r, nil
}

// String describes the folding for EXPLAIN.
func (r *RawAggregate) String() string {
	switch {
	case len(r.keys) == 0:
		return "aggregated on raw bytes"
	case r.keyWidth <= rawDirectWidth:
		return fmt.Sprintf("aggregated on raw bytes, groups by a %d-byte key array", r.keyWidth)
	}
	return fmt.Sprintf("aggregated on raw bytes, groups by %d-byte keys", r.keyWidth)
}

// Fields lists the table fields the folders read: keys and values.
func (r *RawAggregate) Fields() []int {
	var out []int
	for _, k := range r.keys {
		out = append(out, k.field)
	}
	for _, s := range r.prog.slots {
		if s.op == rawField && !slices.Contains(out, s.field) {
			out = append(out, s.field)
		}
	}
	return out
}

// Schema is the layout of the folders' batches (the partial schema).
func (r *RawAggregate) Schema() *arrow.Schema { return r.schema }

// NewFolder makes one partition's folder; its groups are charged to
// budget (may be nil) and its batch allocated from mem.
func (r *RawAggregate) NewFolder(mem memory.Allocator, budget *Budget) scan.Folder {
	return newRawFolder(r, mem, budget)
}

// checkLayout verifies that the partial schema has the columns the calls
// fill, in order, so a change of the layout cannot go unnoticed here.
func (r *RawAggregate) checkLayout(nk int) error {
	fs := r.schema.Fields()
	i := nk
	want := func(part string, typ arrow.DataType) error {
		if i >= len(fs) || !strings.HasSuffix(fs[i].Name, part) || (typ != nil && !arrow.TypeEqual(fs[i].Type, typ)) {
			return fmt.Errorf("the partial state layout differs from the raw aggregation's at column %d", i+1)
		}
		i++
		return nil
	}
	if err := want(PartialRowsColumn, tInt64); err != nil {
		return err
	}
	for _, c := range r.calls {
		var err error
		switch c.kind {
		case rawCount:
			err = want("$count", tInt64)
		case rawSum:
			s := r.prog.slots[c.slot].scale
			if err = want("$sum", DecimalType(38, s)); err == nil {
				err = want("$count", tInt64)
			}
		case rawMin, rawMax:
			if err = want("$has", arrow.FixedWidthTypes.Boolean); err == nil {
				err = want("$value", c.out)
			}
		}
		if err != nil {
			return err
		}
	}
	if i != len(fs) {
		return fmt.Errorf("the partial state layout has %d columns, the raw aggregation fills %d", len(fs), i)
	}
	return nil
}

// rawKeyField reports whether f's value is a function of its own bytes
// that cannot fail to decode: CHAR in any encoding, binary numbers,
// dates and timestamps, never NULL by a null bit.
func rawKeyField(f *storage.Field) bool {
	if !rawPlainField(f) {
		return false
	}
	switch k := f.Type.Kind; {
	case k == storage.Char:
		return true
	case f.Encoding == storage.LittleEndian || f.Encoding == storage.BigEndian:
		return f.Type.IsInteger() || k == storage.Decimal || k == storage.Date || k == storage.Timestamp || k == storage.Float32 || k == storage.Float64
	}
	return false
}

// rawPlainField: one scalar at a fixed place, without a null bit.
func rawPlainField(f *storage.Field) bool {
	return f.NullBit < 0 && !f.IsArray() && f.Type.Kind != storage.Struct && len(f.Shifts) == 0 && f.DependsOn == ""
}

// rawValueField reports whether f is a binary integer or DECIMAL that is
// never NULL and whose unscaled value fits int64; dates and timestamps
// qualify where only compared (min, max).
func rawValueField(f *storage.Field, temporal bool) bool {
	if !rawPlainField(f) || f.Nullable || (f.Encoding != storage.LittleEndian && f.Encoding != storage.BigEndian) {
		return false
	}
	w := f.End() - f.Offset
	switch k := f.Type.Kind; {
	case f.Type.IsSigned():
		return w <= 8
	case f.Type.IsInteger():
		return w <= 4
	case k == storage.Decimal:
		return w <= 8 && (!f.Unsigned || w <= 4)
	case k == storage.Date:
		return temporal && w == 4
	case k == storage.Timestamp:
		return temporal && w == 8
	}
	return false
}

// rawCompiler turns bound expressions over the scan's columns into slots.
type rawCompiler struct {
	t    *storage.Table
	cols []int
	prog *rawProgram
	seen map[string]int // structural key -> slot, so shared subexpressions run once
}

// field returns the table field a column reference names.
func (c *rawCompiler) field(e Expr) (int, error) {
	col, ok := e.(*colExpr)
	if !ok || col.idx < 0 || col.idx >= len(c.cols) {
		return 0, fmt.Errorf("%s is not a column of the scan", e)
	}
	return c.cols[col.idx], nil
}

func (c *rawCompiler) call(a AggCall) (rawCall, error) {
	name := aggNames[strings.ToLower(a.Name)]
	if a.Distinct || a.Filter != nil || len(a.Args) > 0 || len(a.OrderBy) > 0 {
		return rawCall{}, fmt.Errorf("%s has DISTINCT, FILTER, ORDER BY or more arguments", a)
	}
	switch name {
	case "count":
		if a.Arg != nil {
			// count(x) counts the rows when x is never NULL: check that
			// it compiles, on a scratch program.
			scratch := rawCompiler{t: c.t, cols: c.cols, prog: &rawProgram{}, seen: map[string]int{}}
			if _, err := scratch.value(a.Arg); err != nil {
				return rawCall{}, err
			}
		}
		return rawCall{kind: rawCount}, nil
	case "sum", "avg":
		slot, err := c.value(a.Arg)
		if err != nil {
			return rawCall{}, err
		}
		return rawCall{kind: rawSum, slot: slot}, nil
	case "min", "max":
		f, err := c.field(a.Arg)
		if err != nil {
			return rawCall{}, err
		}
		fl := &c.t.Schema.Fields[f]
		if !rawValueField(fl, true) {
			return rawCall{}, fmt.Errorf("%s of %s: not a binary number, date or timestamp that is never NULL", name, a.Arg)
		}
		slot := c.add(rawSlot{op: rawField, f: fl, field: f, typ: a.Arg.DataType()}, fmt.Sprintf("f%d", f))
		kind := rawMin
		if name == "max" {
			kind = rawMax
		}
		return rawCall{kind: kind, slot: slot, out: a.Arg.DataType()}, nil
	}
	return rawCall{}, fmt.Errorf("%s has no raw-byte form", a.Name)
}

// add appends s unless a slot of the same key exists; it returns the slot.
func (c *rawCompiler) add(s rawSlot, key string) int {
	if i, ok := c.seen[key]; ok {
		return i
	}
	c.prog.slots = append(c.prog.slots, s)
	i := len(c.prog.slots) - 1
	c.seen[key] = i
	return i
}

// value compiles an integer or DECIMAL expression into slots.
func (c *rawCompiler) value(e Expr) (int, error) {
	t := e.DataType()
	scale := 0
	switch {
	case isDecimal(t):
		_, scale = decProps(t)
	case isInteger(t):
	default:
		return 0, fmt.Errorf("%s is %s, not an integer or DECIMAL", e, TypeName(t))
	}
	switch x := e.(type) {
	case *colExpr:
		f, err := c.field(x)
		if err != nil {
			return 0, err
		}
		fl := &c.t.Schema.Fields[f]
		if !rawValueField(fl, false) {
			return 0, fmt.Errorf("%s is not a binary integer or DECIMAL that is never NULL", x)
		}
		return c.add(rawSlot{op: rawField, f: fl, field: f, scale: scale, typ: t}, fmt.Sprintf("f%d", f)), nil
	case *litExpr:
		var v int64
		switch val := x.val.(type) {
		case int64:
			v = val
		case i128:
			if !val.fits64() {
				return 0, fmt.Errorf("constant %s does not fit 64 bits", x)
			}
			v = int64(val.lo)
		default:
			return 0, fmt.Errorf("constant %s is not an integer or DECIMAL", x)
		}
		return c.add(rawSlot{op: rawConst, c: v, scale: scale, typ: t}, fmt.Sprintf("c%d/%d", v, scale)), nil
	case *negExpr:
		a, err := c.value(x.x)
		if err != nil {
			return 0, err
		}
		return c.add(rawSlot{op: rawNeg, a: a, scale: scale, typ: t, src: x}, fmt.Sprintf("neg%d", a)), nil
	case *castExpr:
		return c.cast(x, t, scale)
	case *arithExpr:
		if x.kind != akDec && x.kind != akInt {
			return 0, fmt.Errorf("%s is not integer or DECIMAL arithmetic", x)
		}
		var op rawOp
		switch x.op {
		case opAdd:
			op = rawAdd
		case opSub:
			op = rawSub
		case opMul:
			op = rawMul
		default:
			return 0, fmt.Errorf("%s: only +, - and * run on raw bytes", x)
		}
		a, err := c.value(x.l)
		if err != nil {
			return 0, err
		}
		b, err := c.value(x.r)
		if err != nil {
			return 0, err
		}
		sa, sb := c.prog.slots[a].scale, c.prog.slots[b].scale
		want := max(sa, sb)
		if op == rawMul {
			want = sa + sb
		}
		if want != scale || (op != rawMul && sa != sb) {
			return 0, fmt.Errorf("%s: operand scales %d and %d do not give scale %d", x, sa, sb, scale)
		}
		s := rawSlot{op: op, a: a, b: b, scale: scale, typ: t, src: x, arith: x}
		if x.kind == akDec && x.checkPrec {
			s.prec, _ = decProps(t)
		}
		return c.add(s, fmt.Sprintf("%d:%d,%d", op, a, b)), nil
	}
	return 0, fmt.Errorf("%s has no raw-byte form", e)
}

// cast compiles the value-preserving casts exec inserts in arithmetic: an
// integer widened to INT64 or to a DECIMAL with room for its digits, a
// DECIMAL to a larger scale keeping its integer digits.
func (c *rawCompiler) cast(x *castExpr, to arrow.DataType, scale int) (int, error) {
	from := x.x.DataType()
	a, err := c.value(x.x)
	if err != nil {
		return 0, err
	}
	switch {
	case isInteger(from) && isInteger(to):
		if to.ID() != arrow.INT64 {
			return 0, fmt.Errorf("%s narrows an integer", x)
		}
		return a, nil
	case isInteger(from) && isDecimal(to):
		p, s := decProps(to)
		if p-s < intDecimalWidth(from) || s > 18 {
			return 0, fmt.Errorf("%s may not fit", x)
		}
		if s == 0 {
			return a, nil
		}
		return c.add(rawSlot{op: rawScale, a: a, c: int64(pow10i[s].lo), k: s, scale: scale, typ: to, src: x}, fmt.Sprintf("s%d,%d", a, s)), nil
	case isDecimal(from) && isDecimal(to):
		p1, s1 := decProps(from)
		p2, s2 := decProps(to)
		if s2 < s1 || p2-s2 < p1-s1 || s2-s1 > 18 {
			return 0, fmt.Errorf("%s may round or not fit", x)
		}
		if s2 == s1 {
			return a, nil
		}
		k := s2 - s1
		return c.add(rawSlot{op: rawScale, a: a, c: int64(pow10i[k].lo), k: k, scale: scale, typ: to, src: x}, fmt.Sprintf("s%d,%d", a, k)), nil
	}
	return 0, fmt.Errorf("%s has no raw-byte form", x)
}
