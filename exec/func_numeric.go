package exec

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"strings"
	"sync"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
)

// Numeric and conditional functions with DuckDB's names: greatest/least,
// if, bit_count, gcd/lcm, logarithms, exp, sign, trunc (see floor/ceil),
// random and TRY_CAST.

func init() {
	for name, b := range map[string]funcBuilder{
		"greatest":  buildGreatest,
		"least":     buildGreatest,
		"if":        buildIf,
		"bit_count": buildBitCount,
		"gcd":       buildGcdLcm,
		"lcm":       buildGcdLcm,
		"ln":        buildLog,
		"log":       buildLog,
		"log2":      buildLog,
		"log10":     buildLog,
		"exp":       buildExp,
		"sign":      buildSign,
		"trunc":     buildFloorCeil,
	} {
		scalarFuncs[name] = b
	}
}

// greatest(a, b, ...) / least(a, b, ...): the largest / smallest non-NULL
// argument (NULL only when all are NULL), in the arguments' common type.
func buildGreatest(name string, args []Expr) (Expr, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("%s needs at least one argument", name)
	}
	var typ arrow.DataType = tNull
	for _, a := range args {
		ct := commonType(typ, a.DataType())
		if ct == nil {
			return nil, fmt.Errorf("%s arguments have incompatible types %s and %s", name, TypeName(typ), TypeName(a.DataType()))
		}
		typ = ct
	}
	if isNull(typ) {
		return &litExpr{typ: tNull}, nil
	}
	if isInterval(typ) {
		return nil, fmt.Errorf("%s of %s is not supported", name, TypeName(typ))
	}
	var xs []Expr
	for _, a := range args {
		if c, ok := asConst(a); ok && c.val == nil {
			continue
		}
		x, err := castTo(a, typ)
		if err != nil {
			return nil, err
		}
		xs = append(xs, x)
	}
	if len(xs) == 0 {
		return &litExpr{typ: typ}, nil
	}
	if len(xs) == 1 {
		return xs[0], nil
	}
	op := opGt
	if name == "least" {
		op = opLt
	}
	return &funcExpr{name: name, args: xs, typ: typ, eval: func(ctx *EvalContext, n int, as []arrow.Array) (arrow.Array, error) {
		cur := as[0]
		cur.Retain()
		for _, next := range as[1:] {
			better := compareArrays(ctx.Mem, op, next, cur, n, false)
			bv, _ := boolWords(better)
			nvb, noff := validityOf(next)
			cvb, coff := validityOf(cur)
			ci := make([]int32, n)
			ri := make([]int32, n)
			for i := 0; i < n; i++ {
				ri[i] = int32(i)
				nNull := nvb != nil && !getBit(nvb, noff+i)
				cNull := cvb != nil && !getBit(cvb, coff+i)
				if !nNull && (cNull || bv[i>>6]>>(uint(i)&63)&1 != 0) {
					ci[i] = 1
				}
			}
			better.Release()
			m := takeChunks(ctx.Mem, typ, []arrow.Array{cur, next}, ci, ri)
			cur.Release()
			cur = m
		}
		return cur, nil
	}}, nil
}

// if(cond, a, b): a where cond is true, else b (CASE WHEN cond THEN a ELSE b END).
func buildIf(name string, args []Expr) (Expr, error) {
	if err := arity(name, args, 3, 3); err != nil {
		return nil, err
	}
	if t := args[0].DataType(); !isBool(t) && !isNull(t) {
		return nil, fmt.Errorf("if needs a BOOLEAN condition, not %s", TypeName(t))
	}
	e, err := NewCase(nil, []Expr{args[0]}, []Expr{args[1]}, args[2])
	if err != nil {
		return nil, err
	}
	if c, ok := e.(*caseExpr); ok {
		c.label = fmt.Sprintf("if(%s, %s, %s)", args[0], args[1], args[2])
	}
	return e, nil
}

// bit_count(x): the number of one bits of an integer in its own width
// (bit_count(-1::TINYINT) is 8).
func buildBitCount(name string, args []Expr) (Expr, error) {
	if err := arity(name, args, 1, 1); err != nil {
		return nil, err
	}
	t := args[0].DataType()
	if !isInteger(t) && !isNull(t) {
		return nil, fmt.Errorf("bit_count needs an integer argument, not %s", TypeName(t))
	}
	width := 64
	if !isNull(t) {
		width = intBits(t)
	}
	x := args[0]
	var err error
	if t.ID() == arrow.UINT64 {
		// keep the bits: reinterpret through the unsigned kernel below
		return &funcExpr{name: name, args: []Expr{x}, typ: tInt64, eval: func(ctx *EvalContext, n int, as []arrow.Array) (arrow.Array, error) {
			o := newFixedOut[int64](ctx.Mem, tInt64, n)
			o.valid = validityAnd(ctx.Mem, n, as[0])
			for i, v := range values[uint64](as[0]) {
				o.v[i] = int64(bits.OnesCount64(v))
			}
			return o.finish(), nil
		}}, nil
	}
	if x, err = wantInt(name, x); err != nil {
		return nil, err
	}
	mask := uint64(math.MaxUint64)
	if width < 64 {
		mask = 1<<uint(width) - 1
	}
	return newRowFn(rowFnSpec{name: name, kinds: kinds("i"), typ: tInt64, kernel: func(r *rowIn, o *rowOut) error {
		o.i = int64(bits.OnesCount64(uint64(r.int(0)) & mask))
		return nil
	}}, []Expr{x})
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func absU(v int64) uint64 {
	if v < 0 {
		return -uint64(v)
	}
	return uint64(v)
}

// gcd(a, b) / lcm(a, b) of integers, as INT64 (never negative).
func buildGcdLcm(name string, args []Expr) (Expr, error) {
	if err := arity(name, args, 2, 2); err != nil {
		return nil, err
	}
	return newRowFn(rowFnSpec{name: name, kinds: kinds("ii"), typ: tInt64, kernel: func(r *rowIn, o *rowOut) error {
		a, b := r.int(0), r.int(1)
		g := gcd(absU(a), absU(b))
		var v uint64
		if name == "gcd" {
			v = g
		} else if g != 0 {
			hi, lo := bits.Mul64(absU(a)/g, absU(b))
			if hi != 0 || lo > math.MaxInt64 {
				return errorf(ErrOutOfRange, "INT64 overflow: lcm(%d, %d) does not fit INT64", a, b)
			}
			v = lo
		}
		if v > math.MaxInt64 {
			return errorf(ErrOutOfRange, "INT64 overflow: %s(%d, %d) does not fit INT64", name, a, b)
		}
		o.i = int64(v)
		return nil
	}}, args)
}

// ln(x), log2(x), log10(x), log(x) (base 10, as DuckDB) and log(b, x):
// zero and negative arguments are errors.
func buildLog(name string, args []Expr) (Expr, error) {
	hi := 1
	if name == "log" {
		hi = 2
	}
	if err := arity(name, args, 1, hi); err != nil {
		return nil, err
	}
	f := map[string]func(float64) float64{"ln": math.Log, "log": math.Log10, "log2": math.Log2, "log10": math.Log10}[name]
	check := func(v float64) error {
		switch {
		case v == 0:
			return errorf(ErrOutOfRange, "%s: cannot take the logarithm of zero", name)
		case v < 0:
			return errorf(ErrOutOfRange, "%s: cannot take the logarithm of a negative number (%s)", name, formatFloat(v))
		}
		return nil
	}
	if len(args) == 2 {
		return newRowFn(rowFnSpec{name: name, kinds: kinds("ff"), typ: tFloat64, kernel: func(r *rowIn, o *rowOut) error {
			b, x := r.float(0), r.float(1)
			if err := check(b); err != nil {
				return err
			}
			if err := check(x); err != nil {
				return err
			}
			if b == 1 {
				return errorf(ErrOutOfRange, "log: base 1 has no logarithms")
			}
			o.f = math.Log(x) / math.Log(b)
			return nil
		}}, args)
	}
	return newRowFn(rowFnSpec{name: name, kinds: kinds("f"), typ: tFloat64, kernel: func(r *rowIn, o *rowOut) error {
		v := r.float(0)
		if err := check(v); err != nil {
			return err
		}
		o.f = f(v)
		return nil
	}}, args)
}

// exp(x): e to the x (FLOAT64; +Inf past about 709.78).
func buildExp(name string, args []Expr) (Expr, error) {
	if err := arity(name, args, 1, 1); err != nil {
		return nil, err
	}
	return newRowFn(rowFnSpec{name: name, kinds: kinds("f"), typ: tFloat64, kernel: func(r *rowIn, o *rowOut) error {
		o.f = math.Exp(r.float(0))
		return nil
	}}, args)
}

// sign(x): -1, 0 or 1 (INT64); sign(NaN) is 0.
func buildSign(name string, args []Expr) (Expr, error) {
	if err := arity(name, args, 1, 1); err != nil {
		return nil, err
	}
	x, err := numArg(name, args[0])
	if err != nil {
		return nil, err
	}
	if isDecimal(x.DataType()) {
		return &funcExpr{name: name, args: []Expr{x}, typ: tInt64, eval: func(ctx *EvalContext, n int, as []arrow.Array) (arrow.Array, error) {
			o := newFixedOut[int64](ctx.Mem, tInt64, n)
			o.valid = validityAnd(ctx.Mem, n, as[0])
			for i, v := range values[i128](as[0]) {
				switch {
				case v.isNeg():
					o.v[i] = -1
				case v != (i128{}):
					o.v[i] = 1
				default:
					o.v[i] = 0
				}
			}
			return o.finish(), nil
		}}, nil
	}
	k := argInt
	if isFloat(x.DataType()) {
		k = argFloat
	}
	return newRowFn(rowFnSpec{name: name, kinds: []argKind{k}, typ: tInt64, kernel: func(r *rowIn, o *rowOut) error {
		var v float64
		if k == argInt {
			v = float64(r.int(0))
		} else {
			v = r.float(0)
		}
		switch {
		case v < 0:
			o.i = -1
		case v > 0:
			o.i = 1
		}
		return nil
	}}, []Expr{x})
}

// RandSource is the generator behind random(): shared by every call in a
// query (and, after SET seed, by the session's queries, so the sequence
// continues from one query to the next as in PostgreSQL).
type RandSource struct {
	mu sync.Mutex
	r  *rand.Rand
}

// NewRandSource starts a generator from seed.
func NewRandSource(seed uint64) *RandSource {
	return &RandSource{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// NewRandomSource starts a generator from a random seed.
func NewRandomSource() *RandSource { return NewRandSource(rand.Uint64()) }

func (s *RandSource) fill(dst []float64) {
	s.mu.Lock()
	for i := range dst {
		dst[i] = s.r.Float64()
	}
	s.mu.Unlock()
}

// randomExpr is random(): a FLOAT64 in [0, 1) per row. It has no kids, so
// it is never folded into a constant.
type randomExpr struct{ src *RandSource }

// NewRandom builds random() drawing from src.
func NewRandom(src *RandSource, args []Expr) (Expr, error) {
	if len(args) != 0 {
		return nil, fmt.Errorf("random takes no arguments, got %d", len(args))
	}
	return &randomExpr{src: src}, nil
}

// IsVolatile reports whether a function returns a new value at every call
// (such calls are never folded or treated as constants).
func IsVolatile(name string) bool { return strings.EqualFold(name, "random") }

func (e *randomExpr) DataType() arrow.DataType { return tFloat64 }
func (e *randomExpr) String() string           { return "random()" }
func (e *randomExpr) Eval(ctx *EvalContext, batch arrow.Record) (arrow.Array, error) {
	n := int(batch.NumRows())
	o := newFixedOut[float64](ctx.Mem, tFloat64, n)
	e.src.fill(o.v)
	return o.finish(), nil
}

// tryCastExpr is TRY_CAST(x AS t): a value that does not convert becomes
// NULL instead of an error.
type tryCastExpr struct {
	x  Expr
	to arrow.DataType
}

// NewTryCast converts x to type to like NewCast, giving NULL for values
// that do not convert.
func NewTryCast(x Expr, to arrow.DataType) (Expr, error) {
	from := x.DataType()
	if arrow.TypeEqual(from, to) {
		return x, nil
	}
	if !canCast(from, to) {
		return nil, fmt.Errorf("cannot cast %s to %s", TypeName(from), TypeName(to))
	}
	if l, ok := asConst(x); ok {
		v, err := convertValue(l.val, from, to)
		if err != nil {
			v = nil
		}
		return &litExpr{typ: to, val: v}, nil
	}
	return &tryCastExpr{x: x, to: to}, nil
}

func (c *tryCastExpr) DataType() arrow.DataType { return c.to }
func (c *tryCastExpr) kids() []Expr             { return []Expr{c.x} }
func (c *tryCastExpr) String() string {
	return fmt.Sprintf("TRY_CAST(%s AS %s)", c.x.String(), TypeName(c.to))
}

// Eval casts the whole batch; only when that fails are rows cast one by
// one, the failing ones becoming NULL.
func (c *tryCastExpr) Eval(ctx *EvalContext, batch arrow.Record) (arrow.Array, error) {
	x, err := ctx.eval(c.x, batch)
	if err != nil {
		return nil, err
	}
	defer x.Release()
	n := x.Len()
	one := NewEvalContext(ctx.Mem)
	try := func(a arrow.Array) (arrow.Array, error) {
		rec := array.NewRecord(arrow.NewSchema([]arrow.Field{{Name: "x", Type: a.DataType(), Nullable: true}}, nil), []arrow.Array{a}, int64(a.Len()))
		defer rec.Release()
		return (&castExpr{x: Col(0, "x", a.DataType()), to: c.to}).Eval(one, rec)
	}
	if out, err := try(x); err == nil {
		return out, nil
	}
	parts := make([]arrow.Array, n)
	defer releaseAll(parts)
	ci, ri := make([]int32, n), make([]int32, n)
	for i := 0; i < n; i++ {
		s := array.NewSlice(x, int64(i), int64(i+1))
		out, err := try(s)
		s.Release()
		if err != nil {
			out = nullArray(ctx.Mem, c.to, 1)
		}
		parts[i] = out
		ci[i] = int32(i)
	}
	return takeChunks(ctx.Mem, c.to, parts, ci, ri), nil
}
