package exec

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/decimal128"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// Expr is a typed physical expression over a batch.
type Expr interface {
	// DataType is the type of every value Eval returns.
	DataType() arrow.DataType
	// Eval evaluates over all rows of batch and returns an array of
	// batch.NumRows() values; the caller releases it. Errors are
	// execution errors (overflow, a failed cast) naming the value.
	Eval(ctx *EvalContext, batch arrow.Record) (arrow.Array, error)
	// String renders the expression as SQL, for EXPLAIN.
	String() string
}

// EvalContext carries what evaluation needs.
type EvalContext struct {
	// Mem allocates every array Eval returns.
	Mem memory.Allocator
	// sel, when non-nil, lists the rows (ascending) whose values matter:
	// values at other rows are unspecified and errors there are not
	// reported. Set by operators inside exec (filter conjuncts, CASE
	// branches, aggregation over a filter's selection).
	sel []int32
	// memo: see withMemo
	memo map[string]arrow.Array
}

// NewEvalContext returns a context allocating from mem (nil: Go's heap).
func NewEvalContext(mem memory.Allocator) *EvalContext {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	return &EvalContext{Mem: mem}
}

func (c *EvalContext) withSel(sel []int32) *EvalContext {
	return &EvalContext{Mem: c.Mem, sel: sel}
}

// withMemo returns a context that evaluates each distinct subexpression
// (by its SQL text) once per batch: sum(a*b) and sum(a*b*c) share a*b.
// Release the memo with clearMemo after each batch. Contexts narrowed by
// withSel do not memoize (their rows differ).
func (c *EvalContext) withMemo() *EvalContext {
	return &EvalContext{Mem: c.Mem, sel: c.sel, memo: map[string]arrow.Array{}}
}

func (c *EvalContext) clearMemo() {
	for k, a := range c.memo {
		a.Release()
		delete(c.memo, k)
	}
}

// eval evaluates a subexpression, through the memo when there is one.
func (c *EvalContext) eval(e Expr, batch arrow.Record) (arrow.Array, error) {
	if c.memo == nil {
		return e.Eval(c, batch)
	}
	switch e.(type) {
	case *colExpr, *litExpr:
		return e.Eval(c, batch)
	}
	k := e.String()
	if a, ok := c.memo[k]; ok {
		a.Retain()
		return a, nil
	}
	a, err := e.Eval(c, batch)
	if err != nil {
		return nil, err
	}
	a.Retain()
	c.memo[k] = a
	return a, nil
}

// matters reports whether row i is selected (not whether it is valid).
func (c *EvalContext) matters(i int) bool {
	if c.sel == nil {
		return true
	}
	lo, hi := 0, len(c.sel)
	for lo < hi {
		m := (lo + hi) / 2
		switch v := int(c.sel[m]); {
		case v == i:
			return true
		case v < i:
			lo = m + 1
		default:
			hi = m
		}
	}
	return false
}

// node is implemented by every expression defined in exec.
type node interface {
	Expr
	kids() []Expr
}

func kidsOf(e Expr) ([]Expr, bool) {
	if n, ok := e.(node); ok {
		return n.kids(), true
	}
	return nil, false
}

// isConstTree reports whether e has no column references (and only exec
// expressions), so it can be evaluated once.
func isConstTree(e Expr) bool {
	switch e.(type) {
	case *colExpr:
		return false
	case *litExpr:
		return true
	}
	ks, ok := kidsOf(e)
	if !ok {
		return false
	}
	for _, k := range ks {
		if !isConstTree(k) {
			return false
		}
	}
	return true
}

// ---------------------------------------------------------------------
// Column references

type colExpr struct {
	idx  int
	name string
	typ  arrow.DataType
}

// Col references column index of the input batch; name is for display.
func Col(index int, name string, typ arrow.DataType) Expr {
	return &colExpr{idx: index, name: name, typ: typ}
}

func (c *colExpr) DataType() arrow.DataType { return c.typ }
func (c *colExpr) kids() []Expr             { return nil }
func (c *colExpr) String() string {
	if c.name == "" {
		return fmt.Sprintf("#%d", c.idx)
	}
	return c.name
}

func (c *colExpr) Eval(_ *EvalContext, batch arrow.Record) (arrow.Array, error) {
	if c.idx < 0 || c.idx >= int(batch.NumCols()) {
		return nil, fmt.Errorf("internal error: column %s (#%d) not in a batch of %d columns", c.String(), c.idx, batch.NumCols())
	}
	a := batch.Column(c.idx)
	if !arrow.TypeEqual(a.DataType(), c.typ) {
		return nil, fmt.Errorf("internal error: column %s is %s, expected %s", c.String(), TypeName(a.DataType()), TypeName(c.typ))
	}
	a.Retain()
	return a, nil
}

// ColumnIndex returns the column a Col expression references, or -1.
func ColumnIndex(e Expr) int {
	if c, ok := e.(*colExpr); ok {
		return c.idx
	}
	return -1
}

// ---------------------------------------------------------------------
// Literals

// litExpr is a constant. val holds the physical Go value: bool, int64
// (signed integers, DATE as days, TIMESTAMP as microseconds), uint64
// (unsigned), float64, i128 (DECIMAL unscaled), string, Interval; nil is NULL.
type litExpr struct {
	typ arrow.DataType
	val any
}

// Lit returns a constant of type typ. v nil is NULL (typ nil: an untyped
// NULL that adopts the type of what it is combined with). Accepted Go
// values: bool, int/int64/uint64 (integers; as DECIMAL an integral value),
// float64, string (VARCHAR; as DATE/TIMESTAMP/DECIMAL parsed),
// decimal128.Num (unscaled, typ must be DECIMAL), arrow.Date32,
// arrow.Timestamp (microseconds), Interval. typ nil infers the type.
func Lit(v any, typ arrow.DataType) (Expr, error) {
	if v == nil {
		if typ == nil {
			typ = tNull
		}
		return &litExpr{typ: typ}, nil
	}
	if typ == nil {
		switch v.(type) {
		case bool:
			typ = tBool
		case int, int64:
			typ = tInt64
		case uint64:
			typ = arrow.PrimitiveTypes.Uint64
		case float64:
			typ = tFloat64
		case string:
			typ = tString
		case arrow.Date32:
			typ = tDate
		case arrow.Timestamp:
			typ = tTs
		case Interval:
			typ = IntervalType
		default:
			return nil, fmt.Errorf("unsupported literal value %v (%T)", v, v)
		}
	}
	pv, err := physValue(v, typ)
	if err != nil {
		return nil, err
	}
	return &litExpr{typ: typ, val: pv}, nil
}

// MustLit is Lit that panics on error (tests, fixed constants).
func MustLit(v any, typ arrow.DataType) Expr {
	e, err := Lit(v, typ)
	if err != nil {
		panic(err)
	}
	return e
}

// ParseNumber turns a numeric literal's source text into a constant: an
// integer is INT64 (DECIMAL(38,0) when too large, then FLOAT64), a number
// with a point is DECIMAL(p,s) with exactly its digits (".06" is
// DECIMAL(2,2)... at least DECIMAL(s+1,s)), one with an exponent FLOAT64.
func ParseNumber(text string) (Expr, error) {
	t := strings.TrimSpace(text)
	if t == "" {
		return nil, fmt.Errorf("empty number")
	}
	if strings.ContainsAny(t, "eE") || strings.EqualFold(t, "inf") || strings.EqualFold(t, "nan") {
		f, err := strconv.ParseFloat(t, 64)
		if err != nil {
			return nil, fmt.Errorf("invalid number %s", text)
		}
		return Lit(f, tFloat64)
	}
	if !strings.Contains(t, ".") {
		if v, err := strconv.ParseInt(t, 10, 64); err == nil {
			return Lit(v, tInt64)
		}
	}
	neg := strings.HasPrefix(t, "-")
	digits := strings.TrimLeft(t, "+-")
	intPart, frac, _ := strings.Cut(digits, ".")
	if strings.Trim(intPart+frac, "0123456789") != "" || intPart+frac == "" {
		return nil, fmt.Errorf("invalid number %s", text)
	}
	intPart = strings.TrimLeft(intPart, "0")
	s := len(frac)
	p := max(len(intPart)+s, s+1, 1)
	if p > 38 {
		f, err := strconv.ParseFloat(t, 64)
		if err != nil {
			return nil, fmt.Errorf("invalid number %s", text)
		}
		return Lit(f, tFloat64)
	}
	n, err := decimal128.FromString(digits, int32(p), int32(s))
	if err != nil {
		return nil, fmt.Errorf("invalid number %s", text)
	}
	if neg {
		n = n.Negate()
	}
	return Lit(n, DecimalType(p, s))
}

func (l *litExpr) DataType() arrow.DataType { return l.typ }
func (l *litExpr) kids() []Expr             { return nil }

func (l *litExpr) Eval(ctx *EvalContext, batch arrow.Record) (arrow.Array, error) {
	return constArray(ctx.Mem, l.typ, l.val, int(batch.NumRows())), nil
}

func (l *litExpr) String() string {
	if l.val == nil {
		if isNull(l.typ) {
			return "NULL"
		}
		return "CAST(NULL AS " + TypeName(l.typ) + ")"
	}
	return sqlLiteral(l.typ, l.val)
}

// LiteralValue returns a constant expression's value as a Go value (the
// kinds Lit accepts: bool, int64, uint64, float64, string, decimal128.Num,
// arrow.Date32, arrow.Timestamp, Interval; nil for NULL) and true, or
// false when e is not a constant.
func LiteralValue(e Expr) (any, bool) {
	l, ok := e.(*litExpr)
	if !ok {
		return nil, false
	}
	switch v := l.val.(type) {
	case nil:
		return nil, true
	case i128:
		return v.num(), true
	case int64:
		switch {
		case isDate(l.typ):
			return arrow.Date32(v), true
		case isTimestamp(l.typ):
			return arrow.Timestamp(v), true
		}
	}
	return l.val, true
}

func asConst(e Expr) (*litExpr, bool) {
	l, ok := e.(*litExpr)
	return l, ok
}

// sqlLiteral renders a physical value as SQL text.
func sqlLiteral(t arrow.DataType, v any) string {
	switch {
	case isString(t):
		return "'" + strings.ReplaceAll(v.(string), "'", "''") + "'"
	case isDate(t):
		return "DATE '" + formatDate(v.(int64)) + "'"
	case isTimestamp(t):
		return "TIMESTAMP '" + formatTimestamp(v.(int64)) + "'"
	case isInterval(t):
		return "INTERVAL '" + v.(Interval).String() + "'"
	case isBool(t):
		if v.(bool) {
			return "TRUE"
		}
		return "FALSE"
	}
	return formatValue(t, v)
}

// formatValue renders a physical value as text (what CAST to VARCHAR gives).
func formatValue(t arrow.DataType, v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case bool:
		if x {
			return "true"
		}
		return "false"
	case int64:
		switch {
		case isDate(t):
			return formatDate(x)
		case isTimestamp(t):
			return formatTimestamp(x)
		}
		return strconv.FormatInt(x, 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case float64:
		return formatFloat(x)
	case i128:
		_, s := decProps(t)
		return decString(x, s)
	case string:
		return x
	case Interval:
		return x.String()
	}
	return fmt.Sprint(v)
}

// formatFloat renders the shortest representation that round-trips, with
// ".0" on integral values (DuckDB style).
func formatFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eEn") {
		s += ".0"
	}
	return s
}

// physValue converts a Go value to the physical value of type t.
func physValue(v any, t arrow.DataType) (any, error) {
	bad := func() (any, error) {
		return nil, fmt.Errorf("cannot use %v (%T) as a %s constant", v, v, TypeName(t))
	}
	if s, ok := v.(string); ok && !isString(t) {
		// strings parse into the target type
		return castString(s, t)
	}
	if iv, ok := v.(int); ok {
		v = int64(iv)
	}
	switch {
	case isBool(t):
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case isSignedInt(t):
		switch x := v.(type) {
		case int64:
			if !intFits(x, t) {
				return nil, errorf(ErrOutOfRange, "%d is out of range for %s", x, TypeName(t))
			}
			return x, nil
		case uint64:
			if x > math.MaxInt64 || !intFits(int64(x), t) {
				return nil, errorf(ErrOutOfRange, "%d is out of range for %s", x, TypeName(t))
			}
			return int64(x), nil
		}
	case isUnsignedInt(t):
		switch x := v.(type) {
		case int64:
			if x < 0 || !uintFits(uint64(x), t) {
				return nil, errorf(ErrOutOfRange, "%d is out of range for %s", x, TypeName(t))
			}
			return uint64(x), nil
		case uint64:
			if !uintFits(x, t) {
				return nil, errorf(ErrOutOfRange, "%d is out of range for %s", x, TypeName(t))
			}
			return x, nil
		}
	case isFloat(t):
		switch x := v.(type) {
		case float64:
			if t.ID() == arrow.FLOAT32 {
				return float64(float32(x)), nil
			}
			return x, nil
		case int64:
			return float64(x), nil
		}
	case isDecimal(t):
		p, s := decProps(t)
		var n i128
		switch x := v.(type) {
		case decimal128.Num:
			n = numToI128(x)
		case int64:
			var ov bool
			n, ov = i128From64(x).rescaleUp(s)
			if ov {
				return nil, errorf(ErrOutOfRange, "%d is out of range for %s", x, TypeName(t))
			}
		case float64:
			num, err := decimal128.FromFloat64(x, int32(p), int32(s))
			if err != nil {
				return nil, errorf(ErrOutOfRange, "%v is out of range for %s", x, TypeName(t))
			}
			n = numToI128(num)
		default:
			return bad()
		}
		if !n.fitsPrecision(p) {
			return nil, errorf(ErrOutOfRange, "%s is out of range for %s", decString(n, s), TypeName(t))
		}
		return n, nil
	case isString(t):
		if s, ok := v.(string); ok {
			return s, nil
		}
	case isDate(t):
		switch x := v.(type) {
		case arrow.Date32:
			return int64(x), nil
		case int64:
			return x, nil
		}
	case isTimestamp(t):
		switch x := v.(type) {
		case arrow.Timestamp:
			return int64(x), nil
		case int64:
			return x, nil
		}
	case isInterval(t):
		if x, ok := v.(Interval); ok {
			return x, nil
		}
	}
	return bad()
}

func intFits(v int64, t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT8:
		return v >= math.MinInt8 && v <= math.MaxInt8
	case arrow.INT16:
		return v >= math.MinInt16 && v <= math.MaxInt16
	case arrow.INT32:
		return v >= math.MinInt32 && v <= math.MaxInt32
	}
	return true
}

func uintFits(v uint64, t arrow.DataType) bool {
	switch t.ID() {
	case arrow.UINT8:
		return v <= math.MaxUint8
	case arrow.UINT16:
		return v <= math.MaxUint16
	case arrow.UINT32:
		return v <= math.MaxUint32
	}
	return true
}

// constArray materializes n copies of a physical value.
func constArray(mem memory.Allocator, t arrow.DataType, v any, n int) arrow.Array {
	if v == nil {
		return nullArray(mem, t, n)
	}
	switch t.ID() {
	case arrow.BOOL:
		o := newBoolOut(mem, n)
		if v.(bool) {
			b := o.vals.Buf()
			for i := range b {
				b[i] = 0xff
			}
		}
		return o.finish()
	case arrow.STRING:
		s := v.(string)
		o := newStrOut(mem, n, n*len(s))
		for i := 0; i < n; i++ {
			o.addString(s)
		}
		return o.finish()
	case arrow.INT8:
		return fillFixed(mem, t, int8(v.(int64)), n)
	case arrow.INT16:
		return fillFixed(mem, t, int16(v.(int64)), n)
	case arrow.INT32, arrow.DATE32:
		return fillFixed(mem, t, int32(v.(int64)), n)
	case arrow.INT64, arrow.TIMESTAMP:
		return fillFixed(mem, t, v.(int64), n)
	case arrow.UINT8:
		return fillFixed(mem, t, uint8(v.(uint64)), n)
	case arrow.UINT16:
		return fillFixed(mem, t, uint16(v.(uint64)), n)
	case arrow.UINT32:
		return fillFixed(mem, t, uint32(v.(uint64)), n)
	case arrow.UINT64:
		return fillFixed(mem, t, v.(uint64), n)
	case arrow.FLOAT32:
		return fillFixed(mem, t, float32(v.(float64)), n)
	case arrow.FLOAT64:
		return fillFixed(mem, t, v.(float64), n)
	case arrow.DECIMAL128:
		return fillFixed(mem, t, v.(i128), n)
	case arrow.INTERVAL_MONTH_DAY_NANO:
		iv := v.(Interval)
		return fillFixed(mem, t, arrow.MonthDayNanoInterval{Months: iv.Months, Days: iv.Days, Nanoseconds: iv.Micros * 1000}, n)
	}
	panic("internal error: constant of type " + TypeName(t))
}

func fillFixed[T any](mem memory.Allocator, t arrow.DataType, v T, n int) arrow.Array {
	o := newFixedOut[T](mem, t, n)
	for i := range o.v {
		o.v[i] = v
	}
	return o.finish()
}

// scalarAt returns row i of a as a physical value (nil for NULL).
func scalarAt(a arrow.Array, i int) any {
	if a.IsNull(i) {
		return nil
	}
	switch x := a.(type) {
	case *array.Boolean:
		return x.Value(i)
	case *array.Int8:
		return int64(x.Value(i))
	case *array.Int16:
		return int64(x.Value(i))
	case *array.Int32:
		return int64(x.Value(i))
	case *array.Int64:
		return x.Value(i)
	case *array.Uint8:
		return uint64(x.Value(i))
	case *array.Uint16:
		return uint64(x.Value(i))
	case *array.Uint32:
		return uint64(x.Value(i))
	case *array.Uint64:
		return x.Value(i)
	case *array.Float32:
		return float64(x.Value(i))
	case *array.Float64:
		return x.Value(i)
	case *array.Decimal128:
		return numToI128(x.Value(i))
	case *array.String:
		return strings.Clone(x.Value(i))
	case *array.Date32:
		return int64(x.Value(i))
	case *array.Timestamp:
		return int64(x.Value(i))
	case *array.MonthDayNanoInterval:
		return IntervalOf(x.Value(i))
	}
	return nil
}

// ---------------------------------------------------------------------
// Constant folding

var emptySchema = arrow.NewSchema(nil, nil)

// evalConst evaluates a column-free expression to a literal.
func evalConst(e Expr) (*litExpr, error) {
	if l, ok := e.(*litExpr); ok {
		return l, nil
	}
	rec := array.NewRecord(emptySchema, nil, 1)
	defer rec.Release()
	arr, err := e.Eval(NewEvalContext(memory.DefaultAllocator), rec)
	if err != nil {
		return nil, err
	}
	defer arr.Release()
	return &litExpr{typ: e.DataType(), val: scalarAt(arr, 0)}, nil
}

// FoldConstant evaluates an expression without column references into a
// literal (returning the evaluation's error, e.g. an overflow); other
// expressions are returned unchanged. Constructors already fold constant
// operands when folding succeeds, so this matters mostly for the error.
func FoldConstant(e Expr) (Expr, error) {
	if !isConstTree(e) || IsList(e.DataType()) {
		return e, nil // a list value is no literal: [1, 2] stays a call
	}
	l, err := evalConst(e)
	if err != nil {
		return nil, err
	}
	return l, nil
}

// folded folds e when it is constant and folding succeeds; otherwise the
// error is left for run time (only selected rows report errors).
func folded(e Expr) Expr {
	if _, ok := e.(*litExpr); ok || !isConstTree(e) || IsList(e.DataType()) {
		return e
	}
	if l, err := evalConst(e); err == nil {
		return l
	}
	return e
}

// evalAll evaluates several expressions, releasing on error.
func evalAll(ctx *EvalContext, batch arrow.Record, es ...Expr) ([]arrow.Array, error) {
	out := make([]arrow.Array, len(es))
	for i, e := range es {
		a, err := ctx.eval(e, batch)
		if err != nil {
			releaseAll(out[:i])
			return nil, err
		}
		out[i] = a
	}
	return out, nil
}

func releaseAll(as []arrow.Array) {
	for _, a := range as {
		if a != nil {
			a.Release()
		}
	}
}
