package exec

import (
	"encoding/binary"
	"fmt"
	"math/bits"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/recq/recq/scan"
	"github.com/recq/recq/storage"
)

// The value program of a RawAggregate: slots in evaluation order (each
// slot's operands come before it), evaluated a block of records at a
// time, first on int64 values, and again on 128-bit values when the
// operands' bounds do not prove the block free of overflow.

type rawOp uint8

const (
	rawField rawOp = iota // the field's unscaled value
	rawConst              // c
	rawAdd                // a + b (operands at the same scale)
	rawSub                // a - b
	rawMul                // a * b (scale: the sum of theirs)
	rawNeg                // -a
	rawScale              // a * c, c = 10^k: a DECIMAL cast to a larger scale
)

// rawSlot is one node of the value program.
type rawSlot struct {
	op    rawOp
	f     *storage.Field // rawField
	field int            // rawField: f's index in the table schema
	c     int64          // rawConst: the value; rawScale: 10^k
	k     int            // rawScale: the power of ten
	a, b  int            // operand slots
	scale int            // DECIMAL scale of the value (0: integer)
	typ   arrow.DataType // the bound expression's type
	src   Expr           // the expression, for errors
	arith *arithExpr     // +, -, *: exec's node, whose overflow error is ours
	prec  int            // > 0: the value must have at most prec digits (exec's precision capped at 38)
}

// rawProgram is the slots of a RawAggregate's values.
type rawProgram struct{ slots []rawSlot }

// rawBlockRows is the most records evaluated at a time.
const rawBlockRows = 1024

// rawVectors hold one block's values of every slot, and an upper bound on
// the bits of each slot's magnitudes (|v| < 2^bits).
type rawVectors struct {
	v    [][]int64
	bits []uint8
	w    [][]i128 // the 128-bit evaluation, made on first need
}

func newRawVectors(p *rawProgram) *rawVectors {
	vs := &rawVectors{v: make([][]int64, len(p.slots)), bits: make([]uint8, len(p.slots))}
	for i, s := range p.slots {
		vs.v[i] = make([]int64, rawBlockRows)
		if s.op == rawConst {
			for j := range vs.v[i] {
				vs.v[i][j] = s.c
			}
			vs.bits[i] = uint8(bits.Len64(absU64(s.c)))
		}
	}
	return vs
}

func absU64(v int64) uint64 {
	m := v >> 63
	return uint64((v ^ m) - m)
}

// eval64 evaluates the block sel (at most rawBlockRows records) on int64
// values; false when the bounds do not rule out overflow, and the block
// must go through eval128.
func (p *rawProgram) eval64(vs *rawVectors, recs scan.Records, sel []int32) bool {
	n := len(sel)
	for i := range p.slots {
		s := &p.slots[i]
		out := vs.v[i][:n]
		switch s.op {
		case rawField:
			vs.bits[i] = loadRawField(s.f, s.field, recs, sel, out)
		case rawAdd, rawSub:
			ba, bb := vs.bits[s.a], vs.bits[s.b]
			if max(ba, bb) > 62 {
				return false
			}
			x, y := vs.v[s.a][:n], vs.v[s.b][:n]
			if s.op == rawAdd {
				for j := range out {
					out[j] = x[j] + y[j]
				}
			} else {
				for j := range out {
					out[j] = x[j] - y[j]
				}
			}
			vs.bits[i] = max(ba, bb) + 1
		case rawMul:
			ba, bb := vs.bits[s.a], vs.bits[s.b]
			if ba+bb > 63 {
				return false
			}
			x, y := vs.v[s.a][:n], vs.v[s.b][:n]
			for j := range out {
				out[j] = x[j] * y[j]
			}
			vs.bits[i] = ba + bb
		case rawNeg:
			ba := vs.bits[s.a]
			if ba > 63 {
				return false
			}
			x := vs.v[s.a][:n]
			for j := range out {
				out[j] = -x[j]
			}
			vs.bits[i] = ba
		case rawScale:
			ba, bc := vs.bits[s.a], uint8(bits.Len64(uint64(s.c)))
			if ba+bc > 63 {
				return false
			}
			x := vs.v[s.a][:n]
			for j := range out {
				out[j] = x[j] * s.c
			}
			vs.bits[i] = ba + bc
		}
	}
	return true
}

// eval128 evaluates the block in 128-bit arithmetic with exec's overflow
// errors, naming the record.
func (p *rawProgram) eval128(vs *rawVectors, recs scan.Records, sel []int32) error {
	n := len(sel)
	if vs.w == nil {
		vs.w = make([][]i128, len(p.slots))
		for i := range vs.w {
			vs.w[i] = make([]i128, rawBlockRows)
		}
	}
	for i := range p.slots {
		s := &p.slots[i]
		out := vs.w[i][:n]
		switch s.op {
		case rawField:
			v := vs.v[i][:n]
			loadRawField(s.f, s.field, recs, sel, v)
			for j, x := range v {
				out[j] = i128From64(x)
			}
			continue
		case rawConst:
			for j := range out {
				out[j] = i128From64(s.c)
			}
			continue
		}
		x, y := vs.w[s.a][:n], vs.w[s.b][:n]
		for j := range out {
			var r i128
			var ov bool
			switch s.op {
			case rawAdd:
				r, ov = x[j].add(y[j])
			case rawSub:
				r, ov = x[j].sub(y[j])
			case rawMul:
				r, ov = x[j].mul(y[j])
			case rawNeg:
				r = x[j].neg()
			case rawScale:
				r, ov = x[j].rescaleUp(s.k)
			}
			bad := ov || (s.prec > 0 && !r.fitsPrecision(s.prec)) || (!isDecimal(s.typ) && !r.fits64())
			if bad {
				return p.overflow(s, x[j], y, j, recs.First+int64(sel[j]))
			}
			out[j] = r
		}
	}
	return nil
}

// overflow is the error of slot s on record rec: exec's message for the
// operator, and the record number (1-based, as recq numbers records).
func (p *rawProgram) overflow(s *rawSlot, x i128, y []i128, j int, rec int64) error {
	var err error
	sa := p.slots[s.a].scale
	switch {
	case s.arith != nil:
		err = s.arith.overflow(decString(x, sa), decString(y[j], p.slots[s.b].scale))
	default:
		err = errorf(ErrOutOfRange, "%s overflow: %s of %s does not fit %s", TypeName(s.typ), s.src, decString(x, sa), TypeName(s.typ))
	}
	return fmt.Errorf("%w (record %d)", err, rec+1)
}

// loadRawField reads the unscaled values of f (field index of the
// table) of records sel into out, from its cached column when recs has
// one, and returns a bound on their bits.
func loadRawField(f *storage.Field, index int, recs scan.Records, sel []int32, out []int64) uint8 {
	data, stride, off, w := recs.Data, recs.Stride, f.Offset, f.End()-f.Offset
	if c, ok := recs.Column(index); ok {
		// a cached column may hold the values narrowed (signed, fewer bytes)
		data, stride, off, w = c.Data, c.Width, 0, c.Width
	}
	unsigned := (f.Type.IsInteger() && !f.Type.IsSigned()) || (f.Type.Kind == storage.Decimal && f.Unsigned)
	var or uint64
	switch {
	case f.Encoding == storage.LittleEndian && w == 8 && !unsigned:
		for j, r := range sel {
			p := int(r)*stride + off
			v := int64(binary.LittleEndian.Uint64(data[p : p+8]))
			out[j] = v
			or |= absU64(v)
		}
	case f.Encoding == storage.LittleEndian && w == 4 && !unsigned:
		for j, r := range sel {
			p := int(r)*stride + off
			v := int64(int32(binary.LittleEndian.Uint32(data[p : p+4])))
			out[j] = v
			or |= absU64(v)
		}
	case f.Encoding == storage.LittleEndian && w == 2 && !unsigned:
		for j, r := range sel {
			p := int(r)*stride + off
			v := int64(int16(binary.LittleEndian.Uint16(data[p : p+2])))
			out[j] = v
			or |= absU64(v)
		}
	case f.Encoding == storage.LittleEndian && w == 1 && !unsigned:
		for j, r := range sel {
			v := int64(int8(data[int(r)*stride+off]))
			out[j] = v
			or |= absU64(v)
		}
	default:
		order := f.ByteOrder()
		for j, r := range sel {
			p := int(r)*stride + off
			raw := data[p : p+w]
			var v int64
			if unsigned {
				v = int64(storage.ReadBinaryUint(raw, order))
			} else {
				v = storage.ReadBinaryInt(raw, order)
			}
			out[j] = v
			or |= absU64(v)
		}
	}
	return uint8(bits.Len64(or))
}
