package scan

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"slices"

	"github.com/recq/recq/internal/like"
	"github.com/recq/recq/storage"
)

// A predicate is compiled into a test in one of four domains, chosen by
// the column's type, so the per-record loop compares plain machine values:
//
//	domInt    signed integers, DECIMAL (unscaled at the column's scale),
//	          DATE (days), TIMESTAMP (µs), BOOLEAN (0/1)
//	domUint   unsigned integers
//	domFloat  FLOAT32, FLOAT64
//	domBytes  CHAR (trimmed bytes; LIKE patterns through package like)
//
// In the integer domains a comparison becomes a range of raw values (or a
// set of ranges for IN) that selects exactly what the executor's
// comparison of the decoded column selects (see order.go).
type domain uint8

const (
	domInt domain = iota
	domUint
	domFloat
	domBytes
)

// compiled is one predicate ready to run over raw records.
type compiled struct {
	field  *storage.Field
	schema *storage.Schema
	pred   Predicate
	dom    domain

	nullTest int8 // +1 IS NULL, -1 IS NOT NULL, 0 a comparison
	never    bool // no record can match (e.g. x = 2.5 on integers)
	negate   bool // domInt: keep records outside [ilo, ihi] (<>)

	ilo, ihi int64             // domInt: ilo <= v <= ihi (the fast path's copy of ints.r)
	ints     rangeTest[int64]  // domInt
	uints    rangeTest[uint64] // domUint
	floats   floatTest         // domFloat
	bop      Op                // domBytes: the operator
	bval     []byte            // domBytes: the constant
	bset     [][]byte          // domBytes: the IN list, the prefixes, BETWEEN's bounds
	like     *like.Pattern     // domBytes LIKE, NOT LIKE
	needle   []byte            // like's needle, for the chunk search (predicate_like.go)
}

func domainOf(t storage.Type) domain {
	switch {
	case t.Kind == storage.Char:
		return domBytes
	case t.IsFloat():
		return domFloat
	case t.IsInteger() && !t.IsSigned():
		return domUint
	}
	return domInt
}

// mayFail is 1 for predicates that parse text values (which can fail on a
// malformed field), 0 for the rest.
func (c *compiled) mayFail() int {
	if c.field.NullInValue() && c.dom != domBytes && c.nullTest == 0 {
		return 1
	}
	return 0
}

// testCost ranks a predicate's cost per record: 0 a NULL test or a
// comparison of a fixed-width number, 1 a CHAR comparison (bytes), 2 a
// LIKE pattern.
func (c *compiled) testCost() int {
	switch {
	case c.nullTest != 0 || c.dom != domBytes:
		return 0
	case c.like != nil:
		return 2
	}
	return 1
}

// compile checks a predicate against the schema and converts its constants.
func compile(s *storage.Schema, p Predicate) (*compiled, error) {
	if p.Field < 0 || p.Field >= len(s.Fields) {
		return nil, fmt.Errorf("predicate on field %d: the table has %d fields", p.Field, len(s.Fields))
	}
	f := &s.Fields[p.Field]
	if f.IsArray() {
		return nil, fmt.Errorf("predicate on %s: an array field (OCCURS) is tested after decoding, not on raw bytes", f.Name)
	}
	if f.IsGroup() {
		return nil, fmt.Errorf("predicate on %s: a STRUCT field is tested after decoding, not on raw bytes", f.Name)
	}
	if len(f.Shifts) > 0 {
		return nil, fmt.Errorf("predicate on %s: a field after a variable-size array (variable_size_occurs) moves by record and is tested after decoding, not on raw bytes", f.Name)
	}
	vals := make([]any, len(p.Values))
	for i, v := range p.Values {
		vals[i] = normalize(v)
	}
	p.Values = vals
	c := &compiled{field: f, schema: s, pred: p, dom: domainOf(f.Type)}
	if f.Type.Kind == storage.Decimal && f.Type.Precision > storage.MaxDecimalPrecision && p.Op != OpIsNull && p.Op != OpIsNotNull {
		return nil, fmt.Errorf("predicate on %s: a %s is compared after decoding, not on raw bytes", f.Name, f.Type)
	}
	want := map[Op]int{OpEq: 1, OpNe: 1, OpLt: 1, OpLe: 1, OpGt: 1, OpGe: 1, OpBetween: 2, OpIsNull: 0, OpIsNotNull: 0, OpLike: 1, OpNotLike: 1}
	if n, ok := want[p.Op]; ok && len(p.Values) != n {
		return nil, fmt.Errorf("predicate %s on %s needs %d values, got %d", p.Op, f.Name, n, len(p.Values))
	}
	switch p.Op {
	case OpIsNull:
		c.nullTest = 1
		return c, nil
	case OpIsNotNull:
		c.nullTest = -1
		return c, nil
	case OpIn:
		if len(p.Values) == 0 {
			c.never = true
			return c, nil
		}
	case OpPrefix, OpLike, OpNotLike:
		if c.dom != domBytes {
			return nil, fmt.Errorf("%s predicate on %s: column is %s, not CHAR", p.Op, f.Name, f.Type)
		}
		if len(p.Values) == 0 {
			return nil, fmt.Errorf("predicate %s on %s needs a value", p.Op, f.Name)
		}
	case 0:
		return nil, fmt.Errorf("predicate on %s has no operator", f.Name)
	}
	var err error
	switch c.dom {
	case domBytes:
		err = c.compileBytes()
	case domFloat:
		err = c.compileFloat()
	case domUint:
		err = c.compileUint()
	default:
		err = c.compileInt()
	}
	if err != nil {
		return nil, fmt.Errorf("predicate %s: %w", p.String(s), err)
	}
	return c, nil
}

func (c *compiled) compileInt() error {
	rt, err := compileRange(c, int64(math.MinInt64), int64(math.MaxInt64))
	if err != nil {
		return err
	}
	c.ints, c.never, c.negate = rt, rt.never, rt.negate
	c.ilo, c.ihi = rt.r.lo, rt.r.hi
	return nil
}

func (c *compiled) compileUint() error {
	rt, err := compileRange(c, uint64(0), uint64(math.MaxUint64))
	if err != nil {
		return err
	}
	c.uints, c.never = rt, rt.never
	return nil
}

func (c *compiled) compileFloat() error {
	ft, err := compileFloatTest(c)
	if err != nil {
		return err
	}
	c.floats, c.never = ft, ft.never
	return nil
}

func (c *compiled) compileBytes() error {
	p := c.pred
	c.bop = p.Op
	str := func(v any) ([]byte, error) {
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("cannot compare CHAR column %s with %T %v", c.field.Name, v, v)
		}
		return []byte(s), nil
	}
	switch p.Op {
	case OpIn, OpPrefix:
		for _, v := range p.Values {
			b, err := str(v)
			if err != nil {
				return err
			}
			c.bset = append(c.bset, b)
		}
		return nil
	case OpBetween:
		lo, err := str(p.Values[0])
		if err != nil {
			return err
		}
		hi, err := str(p.Values[1])
		if err != nil {
			return err
		}
		c.bset = [][]byte{lo, hi}
		c.never = bytes.Compare(lo, hi) > 0
		return nil
	}
	b, err := str(p.Values[0])
	if err != nil {
		return err
	}
	c.bval = b
	if p.Op == OpLike || p.Op == OpNotLike {
		c.like = like.Compile(string(b))
		c.needle = c.like.Needle()
	}
	return nil
}

// matchInt reports whether v passes an int-domain predicate.
func (c *compiled) matchInt(v int64) bool { return c.ints.match(v) }

func (c *compiled) matchUint(v uint64) bool { return c.uints.match(v) }

func (c *compiled) matchFloat(v float64) bool { return c.floats.match(v) }

func (c *compiled) matchBytes(v []byte) bool {
	switch c.bop {
	case OpEq:
		return bytes.Equal(v, c.bval)
	case OpNe:
		return !bytes.Equal(v, c.bval)
	case OpLt:
		return bytes.Compare(v, c.bval) < 0
	case OpLe:
		return bytes.Compare(v, c.bval) <= 0
	case OpGt:
		return bytes.Compare(v, c.bval) > 0
	case OpGe:
		return bytes.Compare(v, c.bval) >= 0
	case OpPrefix:
		for _, s := range c.bset {
			if bytes.HasPrefix(v, s) {
				return true
			}
		}
	case OpLike:
		return c.like.Match(v)
	case OpNotLike:
		return !c.like.Match(v)
	case OpBetween:
		return bytes.Compare(v, c.bset[0]) >= 0 && bytes.Compare(v, c.bset[1]) <= 0
	case OpIn:
		for _, s := range c.bset {
			if bytes.Equal(v, s) {
				return true
			}
		}
	}
	return false
}

// filter appends to out the records of sel (indexes within the chunk) that
// pass the predicate and returns the result. out may alias sel[:0]: each
// record is written no later than it is read.
func (c *compiled) filter(ch *chunk, sel, out []int32) ([]int32, error) {
	if c.never {
		return out, nil
	}
	f := c.field
	if c.nullTest != 0 {
		for _, r := range sel {
			if c.isNull(ch.record(r)) == (c.nullTest > 0) {
				out = append(out, r)
			}
		}
		return out, nil
	}
	if !f.NullInValue() {
		return c.filterBinary(ch, sel, out)
	}
	if c.like != nil && f.Encoding == storage.Text && f.CodePage == 0 {
		// The raw bytes are the value (ValueBytes returns them as they are).
		isNull := func(rec []byte) bool { return f.IsNullValue(rec[f.Offset:f.End()]) }
		if out, ok := c.filterLikeNeedle(ch, sel, out, f.Trim, isNull); ok {
			return out, nil
		}
	}
	var buf [valueBufLen]byte
	fast := c.dom == domInt && (f.Encoding == storage.Zoned || f.Encoding == storage.Packed)
	for _, r := range sel {
		rec := ch.record(r)
		raw := rec[f.Offset:f.End()]
		if fast {
			if x, ok := f.FastMainframeInt(raw); ok {
				if c.matchInt(x) {
					out = append(out, r)
				}
				continue
			}
		}
		v := f.ValueBytes(raw, buf[:])
		if f.IsNullValue(v) {
			continue
		}
		ok, err := c.matchText(v)
		if err != nil {
			if f.InvalidAsNull {
				continue // NULL matches no comparison
			}
			return nil, ch.fieldError(r, f, raw, err)
		}
		if ok {
			out = append(out, r)
		}
	}
	return out, nil
}

func (c *compiled) isNull(rec []byte) bool {
	f := c.field
	if !f.NullInValue() {
		return c.schema.IsNull(f, rec)
	}
	var buf [valueBufLen]byte
	v := f.ValueBytes(rec[f.Offset:f.End()], buf[:])
	if f.IsNullValue(v) {
		return true
	}
	if f.InvalidAsNull && c.dom != domBytes {
		// A value that does not decode reads as NULL.
		_, err := c.parseValue(v)
		return err != nil
	}
	return false
}

// parseValue decodes a non-NULL value of a text or mainframe field in the
// predicate's domain (not CHAR) and reports whether it passes.
func (c *compiled) parseValue(v []byte) (bool, error) {
	f := c.field
	t := f.Type
	switch {
	case c.dom == domFloat && f.Encoding == storage.IBMFloat:
		x, err := f.ParseMainframeFloat(v)
		if t.Kind == storage.Float32 {
			x = float64(float32(x)) // as the decoder stores it
		}
		return err == nil && c.matchFloat(x), err
	case c.dom == domUint && f.Encoding.IsMainframe():
		x, err := f.ParseMainframeUint(v)
		return err == nil && c.matchUint(x), err
	case c.dom == domInt && f.Encoding.IsMainframe():
		x, err := f.ParseMainframeInt(v)
		return err == nil && c.matchInt(x), err
	}
	return c.matchText(v)
}

// matchText parses a non-NULL value (as Field.ValueBytes returns it) and
// tests it.
func (c *compiled) matchText(raw []byte) (bool, error) {
	f := c.field
	t := f.Type
	if f.Encoding.IsMainframe() {
		return c.parseValue(raw)
	}
	switch c.dom {
	case domBytes:
		return c.matchBytes(storage.TrimChar(raw, f.Trim)), nil
	case domFloat:
		v, err := storage.ParseTextFloat(raw, t.BinaryWidth()*8, f.Implied)
		if t.Kind == storage.Float32 {
			v = float64(float32(v)) // as the decoder stores it
		}
		return err == nil && c.matchFloat(v), err
	case domUint:
		v, err := storage.ParseTextUint(raw, t.BinaryWidth()*8)
		return err == nil && c.matchUint(v), err
	}
	v, err := parseTextIntDomain(f, raw)
	return err == nil && c.matchInt(v), err
}

// parseTextIntDomain parses a text value of an int-domain column.
func parseTextIntDomain(f *storage.Field, raw []byte) (int64, error) {
	t := f.Type
	switch t.Kind {
	case storage.Decimal:
		return storage.ParseTextDecimal(raw, t.Precision, t.Scale, f.Implied)
	case storage.Date:
		d, err := storage.ParseTextDate(raw, f.EffectiveFormat(), f.YearStart)
		return int64(d), err
	case storage.Timestamp:
		return storage.ParseTextTimestamp(raw, f.EffectiveFormat(), f.YearStart)
	case storage.Boolean:
		b, err := storage.ParseTextBool(raw)
		if b {
			return 1, err
		}
		return 0, err
	}
	return storage.ParseTextInt(raw, t.BinaryWidth()*8)
}

// filterBinary is the binary-field loop, specialised for the common widths
// and little-endian order.
func (c *compiled) filterBinary(ch *chunk, sel, out []int32) ([]int32, error) {
	f := c.field
	off := f.Offset
	switch c.dom {
	case domBytes:
		if (c.bop == OpEq || c.bop == OpIn) && f.Trim == storage.TrimTrailing && f.NullBit < 0 {
			return c.filterPadded(ch, sel, out), nil
		}
		trim := f.Trim
		if c.like != nil && trim == storage.TrimTrailing && c.like.IgnoresPadding(" \x00") {
			trim = storage.TrimNone // the pattern reads the same padded or not
		}
		if c.like != nil {
			var isNull func(rec []byte) bool
			if f.NullBit >= 0 {
				isNull = func(rec []byte) bool { return c.schema.IsNull(f, rec) }
			}
			if out, ok := c.filterLikeNeedle(ch, sel, out, trim, isNull); ok {
				return out, nil
			}
		}
		return c.filterRecords(ch, sel, out, func(rec []byte) bool {
			return c.matchBytes(storage.TrimChar(rec[off:f.End()], trim))
		}), nil
	case domFloat:
		order := f.ByteOrder()
		return c.filterRecords(ch, sel, out, func(rec []byte) bool {
			if f.Type.Kind == storage.Float32 {
				return c.matchFloat(float64(math.Float32frombits(order.Uint32(rec[off:]))))
			}
			return c.matchFloat(math.Float64frombits(order.Uint64(rec[off:])))
		}), nil
	case domUint:
		order := f.ByteOrder()
		return c.filterRecords(ch, sel, out, func(rec []byte) bool {
			return c.matchUint(storage.ReadBinaryUint(rec[off:off+f.Width], order))
		}), nil
	}
	narrow := (f.Width == 1 || f.Width == 2) && f.Type.Kind != storage.Boolean // as in a narrowed cached column
	if f.NullBit < 0 && c.ints.set == nil && f.Encoding == storage.LittleEndian && !ch.padded && (f.Width == 8 || f.Width == 4 || narrow) && !f.Unsigned {
		return c.filterIntRange(ch, sel, out), nil
	}
	order := f.ByteOrder()
	return c.filterRecords(ch, sel, out, func(rec []byte) bool {
		if f.Type.Kind == storage.Boolean {
			v := int64(0)
			if rec[off] != 0 {
				v = 1
			}
			return c.matchInt(v)
		}
		if f.Type.Kind == storage.Decimal {
			return c.matchInt(f.ReadBinaryDecimal(rec[off : off+f.Width]))
		}
		return c.matchInt(storage.ReadBinaryInt(rec[off:off+f.Width], order))
	}), nil
}

// filterPadded is the loop of = and IN on a CHAR field whose trailing
// spaces and NULs are trimmed: a value equals constant s when it starts
// with s and the rest is padding, so nothing is trimmed or copied. A
// constant that ends in padding equals no trimmed value.
func (c *compiled) filterPadded(ch *chunk, sel, out []int32) []int32 {
	f := c.field
	consts := c.bset
	if c.bop == OpEq {
		consts = [][]byte{c.bval}
	}
	w, off := f.End()-f.Offset, f.Offset
	live := consts[:0:0]
	for _, s := range consts {
		if len(s) <= w && (len(s) == 0 || s[len(s)-1] != ' ' && s[len(s)-1] != 0) {
			live = append(live, s)
		}
	}
	if len(live) == 0 {
		return out
	}
	data, stride := ch.data, ch.stride
	if w == 1 {
		return filterByteSet(data, stride, off, paddedByteSet(live), sel, out)
	}
	for _, r := range sel {
		p := int(r)*stride + off
		v := data[p : p+w]
		for _, s := range live {
			if string(v[:len(s)]) == string(s) && isPadding(v[len(s):]) {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

// paddedByteSet is the set of one-byte field values that equal one of the
// constants (each at most one byte long) once trimmed: the byte of a
// one-byte constant, and the padding bytes for the empty string.
func paddedByteSet(consts [][]byte) *[256]bool {
	var set [256]bool
	for _, s := range consts {
		if len(s) == 0 {
			set[' '], set[0] = true, true
		} else {
			set[s[0]] = true
		}
	}
	return &set
}

// filterByteSet appends to out the records of sel whose one-byte field at
// off is in set, without a branch per record.
func filterByteSet(data []byte, stride, off int, set *[256]bool, sel, out []int32) []int32 {
	n := len(out)
	buf := slices.Grow(out, len(sel))[:n+len(sel)]
	for _, r := range sel {
		buf[n] = r
		if set[data[int(r)*stride+off]] {
			n++
		}
	}
	return buf[:n]
}

// isPadding reports whether b holds only spaces and NULs.
func isPadding(b []byte) bool {
	for _, x := range b {
		if x != ' ' && x != 0 {
			return false
		}
	}
	return true
}

// filterRecords is the general loop: it appends to out the records of sel
// whose field is not NULL and passes.
func (c *compiled) filterRecords(ch *chunk, sel, out []int32, pass func(rec []byte) bool) []int32 {
	f := c.field
	for _, r := range sel {
		rec := ch.record(r)
		if f.NullBit >= 0 && c.schema.IsNull(f, rec) {
			continue
		}
		if pass(rec) {
			out = append(out, r)
		}
	}
	return out
}

// filterIntRange is the fast path: a little-endian 8- or 4-byte integer
// without NULLs tested against a plain range, branch-free. out has room
// for len(sel) more entries (it is a fresh buffer or aliases sel).
func (c *compiled) filterIntRange(ch *chunk, sel, out []int32) []int32 {
	lo, hi, neg := c.ilo, c.ihi, c.negate
	data, stride, off := ch.data, ch.stride, c.field.Offset
	k := len(out)
	if lo > hi { // an empty range: <> keeps every record, the rest none
		if neg {
			return append(out, sel...)
		}
		return out
	}
	buf := out[:k+len(sel)]
	// v is in [lo, hi] exactly when v-lo, as unsigned, is at most hi-lo
	// (which cannot wrap, as lo <= hi): inRange counts it without a
	// branch, which the unpredictable outcomes of a filter would mispredict.
	span := uint64(hi - lo)
	flip := 0
	if neg {
		flip = 1
	}
	if w := c.field.Width; stride == w && off == 0 && len(sel) > 0 && dense(sel) {
		// A run of a cached column (colcache.go): values back to back.
		first := sel[0]
		vals := data[int(first)*w : (int(first)+len(sel))*w]
		switch w {
		case 8:
			for i := range len(sel) {
				v := int64(binary.LittleEndian.Uint64(vals[i*8 : i*8+8]))
				buf[k] = first + int32(i)
				k += inRange(v, lo, span) ^ flip
			}
		case 4:
			for i := range len(sel) {
				v := int64(int32(binary.LittleEndian.Uint32(vals[i*4 : i*4+4])))
				buf[k] = first + int32(i)
				k += inRange(v, lo, span) ^ flip
			}
		case 2:
			for i := range len(sel) {
				v := int64(int16(binary.LittleEndian.Uint16(vals[i*2 : i*2+2])))
				buf[k] = first + int32(i)
				k += inRange(v, lo, span) ^ flip
			}
		default:
			for i, b := range vals {
				buf[k] = first + int32(i)
				k += inRange(int64(int8(b)), lo, span) ^ flip
			}
		}
		return buf[:k]
	}
	switch w := c.field.Width; w {
	case 8:
		for _, r := range sel {
			p := int(r)*stride + off
			buf[k] = r
			k += inRange(int64(binary.LittleEndian.Uint64(data[p:p+8])), lo, span) ^ flip
		}
	case 4:
		for _, r := range sel {
			p := int(r)*stride + off
			buf[k] = r
			k += inRange(int64(int32(binary.LittleEndian.Uint32(data[p:p+4]))), lo, span) ^ flip
		}
	case 1:
		for _, r := range sel {
			buf[k] = r
			k += inRange(int64(int8(data[int(r)*stride+off])), lo, span) ^ flip
		}
	default:
		for _, r := range sel {
			p := int(r)*stride + off
			buf[k] = r
			k += inRange(int64(int16(binary.LittleEndian.Uint16(data[p:p+2]))), lo, span) ^ flip
		}
	}
	return buf[:k]
}

// inRange is 1 when v-lo, as unsigned, is at most span, else 0.
func inRange(v, lo int64, span uint64) int {
	_, borrow := bits.Sub64(span, uint64(v-lo), 0)
	return int(borrow ^ 1)
}
