package scan

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/recq/recq/storage"
)

// A predicate is compiled into a range test in one of four domains, chosen
// by the column's type, so the per-record loop compares plain machine
// values:
//
//	domInt    signed integers, DECIMAL (unscaled at the column's scale),
//	          DATE (days), TIMESTAMP (µs), BOOLEAN (0/1)
//	domUint   unsigned integers
//	domFloat  FLOAT32, FLOAT64
//	domBytes  CHAR (trimmed bytes)
//
// Constants are converted into the column's domain exactly: a bound that
// falls between two representable values is rounded in the direction that
// keeps the comparison's meaning (x < 2.5 on integers is x <= 2).
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
	negate   bool // keep records outside the range (<>, NOT BETWEEN)

	ilo, ihi int64   // domInt: lo <= v <= hi
	ulo, uhi uint64  // domUint
	flo, fhi float64 // domFloat, with strictness below
	floOpen  bool
	fhiOpen  bool
	iset     []int64   // domInt IN list, sorted
	uset     []uint64  // domUint IN list, sorted
	fset     []float64 // domFloat IN list, sorted
	bop      Op        // domBytes: the operator
	bval     []byte    // domBytes: the constant (or prefix)
	bset     [][]byte  // domBytes IN list
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
	if c.field.IsText() && c.dom != domBytes && c.nullTest == 0 {
		return 1
	}
	return 0
}

// compile checks a predicate against the schema and converts its constants.
func compile(s *storage.Schema, p Predicate) (*compiled, error) {
	if p.Field < 0 || p.Field >= len(s.Fields) {
		return nil, fmt.Errorf("predicate on field %d: the table has %d fields", p.Field, len(s.Fields))
	}
	f := &s.Fields[p.Field]
	c := &compiled{field: f, schema: s, pred: p, dom: domainOf(f.Type)}
	want := map[Op]int{OpEq: 1, OpNe: 1, OpLt: 1, OpLe: 1, OpGt: 1, OpGe: 1, OpBetween: 2, OpIsNull: 0, OpIsNotNull: 0, OpPrefix: 1}
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
	case OpPrefix:
		if c.dom != domBytes {
			return nil, fmt.Errorf("LIKE prefix predicate on %s: column is %s, not CHAR", f.Name, f.Type)
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

// rat is a constant as an exact rational num/10^scale, or a float.
type rat struct {
	num     int64
	scale   int
	f       float64
	isFloat bool
}

func toRat(v any) (rat, bool) {
	switch x := v.(type) {
	case int64:
		return rat{num: x}, true
	case int:
		return rat{num: int64(x)}, true
	case int32:
		return rat{num: int64(x)}, true
	case uint64:
		if x > math.MaxInt64 {
			return rat{f: float64(x), isFloat: true}, true
		}
		return rat{num: int64(x)}, true
	case float64:
		return rat{f: x, isFloat: true}, true
	case storage.DecimalValue:
		return rat{num: x.Unscaled, scale: x.Scale}, true
	}
	return rat{}, false
}

// bounds converts r to the integer grid of the column (values × 10^scale):
// floor and ceil of r scaled, and whether r lies exactly on the grid.
func (r rat) bounds(scale int) (floor, ceil int64, exact bool, ok bool) {
	if r.isFloat {
		if math.IsNaN(r.f) {
			return 0, 0, false, false
		}
		v := r.f * math.Pow10(scale)
		if v >= 9.2e18 {
			return math.MaxInt64, math.MaxInt64, false, true
		}
		if v <= -9.2e18 {
			return math.MinInt64, math.MinInt64, false, true
		}
		fl, ce := math.Floor(v), math.Ceil(v)
		return int64(fl), int64(ce), fl == v, true
	}
	n, s := r.num, r.scale
	for ; s < scale; s++ {
		if n > math.MaxInt64/10 || n < math.MinInt64/10 {
			// Beyond anything the column can hold.
			if n > 0 {
				return math.MaxInt64, math.MaxInt64, false, true
			}
			return math.MinInt64, math.MinInt64, false, true
		}
		n *= 10
	}
	if s == scale {
		return n, n, true, true
	}
	div := int64(1)
	for ; s > scale; s-- {
		div *= 10
	}
	q, m := n/div, n%div
	if m == 0 {
		return q, q, true, true
	}
	if n < 0 {
		return q - 1, q, false, true
	}
	return q, q + 1, false, true
}

// intKey converts a constant to the int domain of the column: numbers at the
// column's scale, dates to days (or µs for TIMESTAMP columns), booleans.
func (c *compiled) intConst(v any) (floor, ceil int64, exact bool, err error) {
	t := c.field.Type
	switch x := v.(type) {
	case storage.DateValue:
		switch t.Kind {
		case storage.Date:
			return int64(x), int64(x), true, nil
		case storage.Timestamp:
			us := int64(x) * 86_400_000_000
			return us, us, true, nil
		}
	case storage.TimestampValue:
		switch t.Kind {
		case storage.Timestamp:
			return int64(x), int64(x), true, nil
		case storage.Date:
			// A date d equals the timestamp d 00:00:00.
			fl := floorDiv(int64(x), 86_400_000_000)
			exact := fl*86_400_000_000 == int64(x)
			ce := fl
			if !exact {
				ce++
			}
			return fl, ce, exact, nil
		}
	case bool:
		if t.Kind == storage.Boolean {
			n := int64(0)
			if x {
				n = 1
			}
			return n, n, true, nil
		}
	default:
		if t.Kind == storage.Date || t.Kind == storage.Timestamp || t.Kind == storage.Boolean {
			break
		}
		r, ok := toRat(v)
		if !ok {
			break
		}
		scale := 0
		if t.Kind == storage.Decimal {
			scale = t.Scale
		}
		fl, ce, ex, ok := r.bounds(scale)
		if !ok {
			return 0, 0, false, errNaN
		}
		return fl, ce, ex, nil
	}
	return 0, 0, false, fmt.Errorf("cannot compare %s column %s with %T %v", t, c.field.Name, v, v)
}

var errNaN = fmt.Errorf("comparison with NaN")

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// setRange fills the int range for op from a constant's floor/ceil.
func rangeFor(op Op, fl, ce int64, exact bool) (lo, hi int64, never bool) {
	lo, hi = math.MinInt64, math.MaxInt64
	switch op {
	case OpEq, OpNe:
		if !exact {
			return 0, 0, true
		}
		return fl, fl, false
	case OpLt: // x < c  <=>  x <= ceil(c) - 1
		if ce == math.MinInt64 {
			return 0, 0, true
		}
		hi = ce - 1
	case OpLe:
		hi = fl
	case OpGt: // x > c  <=>  x >= floor(c) + 1
		if fl == math.MaxInt64 {
			return 0, 0, true
		}
		lo = fl + 1
	case OpGe:
		lo = ce
	}
	return lo, hi, false
}

func (c *compiled) compileInt() error {
	p := c.pred
	switch p.Op {
	case OpIn:
		for _, v := range p.Values {
			fl, _, exact, err := c.intConst(v)
			if err == errNaN {
				continue
			}
			if err != nil {
				return err
			}
			if exact {
				c.iset = append(c.iset, fl)
			}
		}
		slices.Sort(c.iset)
		c.never = len(c.iset) == 0
		return nil
	case OpBetween:
		fl1, ce1, ex1, err1 := c.intConst(p.Values[0])
		fl2, ce2, ex2, err2 := c.intConst(p.Values[1])
		if err1 == errNaN || err2 == errNaN {
			c.never = true
			return nil
		}
		if err1 != nil {
			return err1
		}
		if err2 != nil {
			return err2
		}
		c.ilo, _, _ = rangeFor(OpGe, fl1, ce1, ex1)
		_, c.ihi, _ = rangeFor(OpLe, fl2, ce2, ex2)
		c.never = c.ilo > c.ihi
		return nil
	}
	fl, ce, exact, err := c.intConst(p.Values[0])
	if err == errNaN {
		c.never = true
		return nil
	}
	if err != nil {
		return err
	}
	var never bool
	c.ilo, c.ihi, never = rangeFor(p.Op, fl, ce, exact)
	if p.Op == OpNe {
		c.negate = true
		if never { // x <> 2.5 holds for every non-NULL x
			c.ilo, c.ihi = 1, 0 // an empty range, negated
		}
		return nil
	}
	c.never = never || c.ilo > c.ihi
	return nil
}

func (c *compiled) compileUint() error {
	// Unsigned columns reuse the int logic on a shifted grid: constants
	// below 0 or above MaxInt64 are handled by clamping.
	p := c.pred
	conv := func(v any) (fl, ce float64, err error) {
		r, ok := toRat(v)
		if !ok {
			return 0, 0, fmt.Errorf("cannot compare %s column %s with %T %v", c.field.Type, c.field.Name, v, v)
		}
		x := r.f
		if !r.isFloat {
			x = float64(r.num) / math.Pow10(r.scale)
			if r.scale == 0 {
				return float64(r.num), float64(r.num), nil
			}
		}
		if math.IsNaN(x) {
			return 0, 0, errNaN
		}
		return math.Floor(x), math.Ceil(x), nil
	}
	u := func(x float64) uint64 {
		switch {
		case x <= 0:
			return 0
		case x >= 1.8446744073709552e19:
			return math.MaxUint64
		}
		return uint64(x)
	}
	bound := func(op Op, v any) (lo, hi uint64, never bool, err error) {
		lo, hi = 0, math.MaxUint64
		if n, ok := v.(uint64); ok { // exact for the whole unsigned range
			switch op {
			case OpEq, OpNe:
				return n, n, false, nil
			case OpLt:
				if n == 0 {
					return 0, 0, true, nil
				}
				return 0, n - 1, false, nil
			case OpLe:
				return 0, n, false, nil
			case OpGt:
				if n == math.MaxUint64 {
					return 0, 0, true, nil
				}
				return n + 1, hi, false, nil
			case OpGe:
				return n, hi, false, nil
			}
		}
		if r, ok := toRat(v); ok && !r.isFloat {
			// Integers and decimals: exact floor and ceil (a float64
			// loses integers beyond 2^53).
			fl, ce, exact, _ := r.bounds(0)
			switch op {
			case OpEq, OpNe:
				if !exact || fl < 0 {
					return 0, 0, true, nil
				}
				return uint64(fl), uint64(fl), false, nil
			case OpLt:
				if ce <= 0 {
					return 0, 0, true, nil
				}
				return 0, uint64(ce - 1), false, nil
			case OpLe:
				if fl < 0 {
					return 0, 0, true, nil
				}
				return 0, uint64(fl), false, nil
			case OpGt:
				if fl < 0 {
					return 0, hi, false, nil
				}
				return uint64(fl) + 1, hi, false, nil
			case OpGe:
				if ce <= 0 {
					return 0, hi, false, nil
				}
				return uint64(ce), hi, false, nil
			}
		}
		fl, ce, err := conv(v)
		if err != nil {
			return 0, 0, false, err
		}
		switch op {
		case OpEq, OpNe:
			if fl != ce || fl < 0 || fl >= 1.8446744073709552e19 {
				return 0, 0, true, nil
			}
			return u(fl), u(fl), false, nil
		case OpLt:
			if ce <= 0 {
				return 0, 0, true, nil
			}
			hi = u(ce - 1)
			if ce > 1.8446744073709552e19 {
				hi = math.MaxUint64
			}
		case OpLe:
			if fl < 0 {
				return 0, 0, true, nil
			}
			hi = u(fl)
		case OpGt:
			if fl >= 1.8446744073709552e19 {
				return 0, 0, true, nil
			}
			if fl >= 0 {
				lo = u(fl) + 1
			}
		case OpGe:
			if ce > 1.8446744073709552e19 {
				return 0, 0, true, nil
			}
			lo = u(ce)
		}
		return lo, hi, false, nil
	}
	switch p.Op {
	case OpIn:
		for _, v := range p.Values {
			lo, _, never, err := bound(OpEq, v)
			if err == errNaN || never {
				continue
			}
			if err != nil {
				return err
			}
			c.uset = append(c.uset, lo)
		}
		slices.Sort(c.uset)
		c.never = len(c.uset) == 0
		return nil
	case OpBetween:
		lo, _, n1, err1 := bound(OpGe, p.Values[0])
		_, hi, n2, err2 := bound(OpLe, p.Values[1])
		if err1 == errNaN || err2 == errNaN {
			c.never = true
			return nil
		}
		if err1 != nil {
			return err1
		}
		if err2 != nil {
			return err2
		}
		c.ulo, c.uhi, c.never = lo, hi, n1 || n2 || lo > hi
		return nil
	}
	lo, hi, never, err := bound(p.Op, p.Values[0])
	if err == errNaN {
		c.never = true
		return nil
	}
	if err != nil {
		return err
	}
	c.ulo, c.uhi = lo, hi
	if p.Op == OpNe {
		c.negate = true
		if never {
			c.ulo, c.uhi = 1, 0
		}
		return nil
	}
	c.never = never || lo > hi
	return nil
}

func (c *compiled) compileFloat() error {
	p := c.pred
	conv := func(v any) (float64, error) {
		r, ok := toRat(v)
		if !ok {
			return 0, fmt.Errorf("cannot compare %s column %s with %T %v", c.field.Type, c.field.Name, v, v)
		}
		if r.isFloat {
			return r.f, nil
		}
		return float64(r.num) / math.Pow10(r.scale), nil
	}
	c.flo, c.fhi = math.Inf(-1), math.Inf(1)
	switch p.Op {
	case OpIn:
		for _, v := range p.Values {
			x, err := conv(v)
			if err != nil {
				return err
			}
			if !math.IsNaN(x) {
				c.fset = append(c.fset, x)
			}
		}
		slices.Sort(c.fset)
		c.never = len(c.fset) == 0
		return nil
	case OpBetween:
		lo, err := conv(p.Values[0])
		if err != nil {
			return err
		}
		hi, err := conv(p.Values[1])
		if err != nil {
			return err
		}
		c.flo, c.fhi = lo, hi
		c.never = math.IsNaN(lo) || math.IsNaN(hi) || lo > hi
		return nil
	}
	x, err := conv(p.Values[0])
	if err != nil {
		return err
	}
	if math.IsNaN(x) {
		// NaN compares false with everything here; <> keeps every non-NaN.
		c.never = p.Op != OpNe
		c.negate = p.Op == OpNe
		c.flo, c.fhi = 1, 0
		return nil
	}
	switch p.Op {
	case OpEq, OpNe:
		c.flo, c.fhi = x, x
		c.negate = p.Op == OpNe
	case OpLt:
		c.fhi, c.fhiOpen = x, true
	case OpLe:
		c.fhi = x
	case OpGt:
		c.flo, c.floOpen = x, true
	case OpGe:
		c.flo = x
	}
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
	case OpIn:
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
	return nil
}

// matchInt reports whether v passes an int-domain predicate.
func (c *compiled) matchInt(v int64) bool {
	if c.iset != nil {
		_, found := slices.BinarySearch(c.iset, v)
		return found
	}
	return (c.ilo <= v && v <= c.ihi) != c.negate
}

func (c *compiled) matchUint(v uint64) bool {
	if c.uset != nil {
		_, found := slices.BinarySearch(c.uset, v)
		return found
	}
	return (c.ulo <= v && v <= c.uhi) != c.negate
}

func (c *compiled) matchFloat(v float64) bool {
	if math.IsNaN(v) {
		return c.negate && !(c.flo <= c.fhi && math.IsNaN(c.flo)) // NaN <> x is true
	}
	if c.fset != nil {
		_, found := slices.BinarySearch(c.fset, v)
		return found
	}
	in := (c.flo < v || (!c.floOpen && c.flo == v)) && (v < c.fhi || (!c.fhiOpen && c.fhi == v))
	return in != c.negate
}

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
		return bytes.HasPrefix(v, c.bval)
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
	if !f.IsText() {
		return c.filterBinary(ch, sel, out)
	}
	for _, r := range sel {
		rec := ch.record(r)
		raw := rec[f.Offset:f.End()]
		if f.IsTextNull(raw) {
			continue
		}
		ok, err := c.matchText(raw)
		if err != nil {
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
	if f.IsText() {
		return f.IsTextNull(rec[f.Offset:f.End()])
	}
	return c.schema.IsNull(f, rec)
}

// matchText parses a non-NULL text value and tests it.
func (c *compiled) matchText(raw []byte) (bool, error) {
	f := c.field
	t := f.Type
	switch c.dom {
	case domBytes:
		return c.matchBytes(storage.TrimChar(raw, f.Trim)), nil
	case domFloat:
		v, err := storage.ParseTextFloat(raw, t.BinaryWidth()*8, f.Implied)
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
		d, err := storage.ParseTextDate(raw, f.EffectiveFormat())
		return int64(d), err
	case storage.Timestamp:
		return storage.ParseTextTimestamp(raw, f.EffectiveFormat())
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
		return c.filterRecords(ch, sel, out, func(rec []byte) bool {
			return c.matchBytes(storage.TrimChar(rec[off:f.End()], f.Trim))
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
	if f.NullBit < 0 && c.iset == nil && f.Encoding == storage.LittleEndian && !ch.padded && (f.Width == 8 || f.Width == 4) {
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
		return c.matchInt(storage.ReadBinaryInt(rec[off:off+f.Width], order))
	}), nil
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
	buf := out[:k+len(sel)]
	keep := func(v int64) int {
		if (lo <= v && v <= hi) != neg {
			return 1
		}
		return 0
	}
	if c.field.Width == 8 {
		for _, r := range sel {
			p := int(r)*stride + off
			buf[k] = r
			k += keep(int64(binary.LittleEndian.Uint64(data[p : p+8])))
		}
	} else {
		for _, r := range sel {
			p := int(r)*stride + off
			buf[k] = r
			k += keep(int64(int32(binary.LittleEndian.Uint32(data[p : p+4]))))
		}
	}
	return buf[:k]
}
