package exec

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/apache/arrow/go/v17/arrow"
)

// strCol reads a string array row by row.
type strCol struct {
	offs []int32
	data []byte
	vb   []byte
	voff int
}

func newStrCol(a arrow.Array) strCol {
	c := strCol{}
	c.offs, c.data = strParts(a)
	c.vb, c.voff = validityOf(a)
	return c
}

func (c strCol) at(i int) []byte { return c.data[c.offs[i]:c.offs[i+1]] }
func (c strCol) null(i int) bool { return c.vb != nil && !getBit(c.vb, c.voff+i) }

// intCol reads an INT64 array row by row.
type intCol struct {
	v    []int64
	vb   []byte
	voff int
}

func newIntCol(a arrow.Array) intCol {
	c := intCol{v: values[int64](a)}
	c.vb, c.voff = validityOf(a)
	return c
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// mapStr builds a string array: f gets row i's inputs and appends the
// result to dst; rows where any input is NULL are NULL.
func mapStr(ctx *EvalContext, n int, args []arrow.Array, f func(i int, dst []byte) []byte) arrow.Array {
	valid := validityAnd(ctx.Mem, n, args...)
	o := newStrOut(ctx.Mem, n, 0)
	var buf []byte
	for i := 0; i < n; i++ {
		if valid != nil && !getBit(valid.Buf(), i) {
			o.add(nil)
			continue
		}
		buf = f(i, buf[:0])
		o.add(buf)
	}
	o.valid = valid
	return o.finish()
}

func buildLength(name string, args []Expr) (Expr, error) {
	if err := arity(name, args, 1, 1); err != nil {
		return nil, err
	}
	x, err := wantString(name, args[0])
	if err != nil {
		return nil, err
	}
	return &funcExpr{name: name, args: []Expr{x}, typ: tInt64, eval: func(ctx *EvalContext, n int, as []arrow.Array) (arrow.Array, error) {
		s := newStrCol(as[0])
		o := newFixedOut[int64](ctx.Mem, tInt64, n)
		o.valid = validityAnd(ctx.Mem, n, as[0])
		for i := range o.v {
			o.v[i] = int64(utf8.RuneCount(s.at(i)))
		}
		return o.finish(), nil
	}}, nil
}

func buildCase(name string, args []Expr) (Expr, error) {
	if err := arity(name, args, 1, 1); err != nil {
		return nil, err
	}
	x, err := wantString(name, args[0])
	if err != nil {
		return nil, err
	}
	upper := name == "upper" || name == "ucase"
	conv := unicode.ToLower
	if upper {
		conv = unicode.ToUpper
	}
	return &funcExpr{name: name, args: []Expr{x}, typ: tString, eval: func(ctx *EvalContext, n int, as []arrow.Array) (arrow.Array, error) {
		s := newStrCol(as[0])
		return mapStr(ctx, n, as, func(i int, dst []byte) []byte {
			b := s.at(i)
			if isASCII(b) {
				dst = append(dst, b...)
				for j, c := range dst {
					if upper && 'a' <= c && c <= 'z' {
						dst[j] = c - 32
					} else if !upper && 'A' <= c && c <= 'Z' {
						dst[j] = c + 32
					}
				}
				return dst
			}
			return mapRunes(dst, b, conv)
		}), nil
	}}, nil
}

// mapRunes appends b with f applied to each character. Bytes that are not
// valid UTF-8 are copied unchanged (not replaced by U+FFFD), as is every
// character f leaves alone: string functions change only what they mean
// to change.
func mapRunes(dst, b []byte, f func(rune) rune) []byte {
	for len(b) > 0 {
		r, w := utf8.DecodeRune(b)
		if r == utf8.RuneError && w <= 1 {
			dst = append(dst, b[0])
		} else if m := f(r); m == r {
			dst = append(dst, b[:w]...)
		} else {
			dst = utf8.AppendRune(dst, m)
		}
		b = b[w:]
	}
	return dst
}

func buildTrim(name string, args []Expr) (Expr, error) {
	if err := arity(name, args, 1, 2); err != nil {
		return nil, err
	}
	xs := make([]Expr, len(args))
	for i, a := range args {
		x, err := wantString(name, a)
		if err != nil {
			return nil, err
		}
		xs[i] = x
	}
	left := name != "rtrim"
	right := name != "ltrim"
	return &funcExpr{name: name, args: xs, typ: tString, eval: func(ctx *EvalContext, n int, as []arrow.Array) (arrow.Array, error) {
		s := newStrCol(as[0])
		var cs strCol
		if len(as) > 1 {
			cs = newStrCol(as[1])
		}
		return mapStr(ctx, n, as, func(i int, dst []byte) []byte {
			b := s.at(i)
			cut := " "
			if len(as) > 1 {
				cut = string(cs.at(i))
			}
			if left {
				b = bytes.TrimLeft(b, cut)
			}
			if right {
				b = bytes.TrimRight(b, cut)
			}
			return append(dst, b...)
		}), nil
	}}, nil
}

// substrRange applies SQL's SUBSTRING(s FROM start FOR count) to a
// character count n: positions start .. start+count-1, 1-based, clipped
// to 1..n (so start 0 or below eats into count, as in PostgreSQL). count
// < 0 means "to the end". Returns the 0-based character range.
func substrRange(n, start, count int64, hasCount bool) (int64, int64) {
	end := n + 1 // exclusive, 1-based
	if hasCount {
		if count < 0 {
			return 0, 0
		}
		if e := start + count; e < end && e >= start { // e >= start guards overflow
			end = e
		}
	}
	if start < 1 {
		start = 1
	}
	if start >= end {
		return 0, 0
	}
	return start - 1, end - 1
}

func buildSubstr(name string, args []Expr) (Expr, error) {
	if err := arity(name, args, 2, 3); err != nil {
		return nil, err
	}
	x, err := wantString(name, args[0])
	if err != nil {
		return nil, err
	}
	xs := []Expr{x}
	for _, a := range args[1:] {
		c, err := wantInt(name, a)
		if err != nil {
			return nil, err
		}
		xs = append(xs, c)
	}
	return &funcExpr{name: name, args: xs, typ: tString, eval: func(ctx *EvalContext, n int, as []arrow.Array) (arrow.Array, error) {
		s := newStrCol(as[0])
		st := newIntCol(as[1])
		var ct intCol
		if len(as) > 2 {
			ct = newIntCol(as[2])
		}
		return mapStr(ctx, n, as, func(i int, dst []byte) []byte {
			b := s.at(i)
			var cnt int64
			if len(as) > 2 {
				cnt = ct.v[i]
			}
			if isASCII(b) {
				lo, hi := substrRange(int64(len(b)), st.v[i], cnt, len(as) > 2)
				return append(dst, b[lo:hi]...)
			}
			// Characters are UTF-8 sequences; an invalid byte counts as one
			// character and is copied as it is.
			lo, hi := substrRange(int64(utf8.RuneCount(b)), st.v[i], cnt, len(as) > 2)
			start, end := len(b), len(b)
			for k, j := int64(0), 0; j < len(b); k++ {
				if k == lo {
					start = j
				}
				if k == hi {
					end = j
					break
				}
				_, w := utf8.DecodeRune(b[j:])
				j += w
			}
			if lo >= hi {
				return dst
			}
			return append(dst, b[start:end]...)
		}), nil
	}}, nil
}

// toVarchar casts a non-string argument to VARCHAR (concat, ||).
func toVarchar(e Expr) (Expr, error) {
	t := e.DataType()
	if isString(t) {
		return e, nil
	}
	if isNull(t) {
		return &litExpr{typ: tString}, nil
	}
	return NewCast(e, tString)
}

// concat(a, b, ...) joins its arguments as text, skipping NULLs (never NULL).
func buildConcat(name string, args []Expr) (Expr, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("concat needs at least one argument")
	}
	xs := make([]Expr, len(args))
	for i, a := range args {
		x, err := toVarchar(a)
		if err != nil {
			return nil, err
		}
		xs[i] = x
	}
	return &funcExpr{name: name, args: xs, typ: tString, eval: func(ctx *EvalContext, n int, as []arrow.Array) (arrow.Array, error) {
		cols := make([]strCol, len(as))
		for k, a := range as {
			cols[k] = newStrCol(a)
		}
		o := newStrOut(ctx.Mem, n, 0)
		var buf []byte
		for i := 0; i < n; i++ {
			buf = buf[:0]
			for _, c := range cols {
				if !c.null(i) {
					buf = append(buf, c.at(i)...)
				}
			}
			o.add(buf)
		}
		return o.finish(), nil
	}}, nil
}

// newConcatOp is a || b: NULL when either side is NULL.
func newConcatOp(l, r Expr) (Expr, error) {
	x, err := toVarchar(l)
	if err != nil {
		return nil, err
	}
	y, err := toVarchar(r)
	if err != nil {
		return nil, err
	}
	if anyNullConst([]Expr{x, y}) {
		return &litExpr{typ: tString}, nil
	}
	return folded(&funcExpr{name: "||", args: []Expr{x, y}, typ: tString, label: fmt.Sprintf("(%s || %s)", l, r),
		eval: func(ctx *EvalContext, n int, as []arrow.Array) (arrow.Array, error) {
			a, b := newStrCol(as[0]), newStrCol(as[1])
			return mapStr(ctx, n, as, func(i int, dst []byte) []byte {
				return append(append(dst, a.at(i)...), b.at(i)...)
			}), nil
		}}), nil
}

func buildStrPred(name string, args []Expr) (Expr, error) {
	if err := arity(name, args, 2, 2); err != nil {
		return nil, err
	}
	xs := make([]Expr, 2)
	for i, a := range args {
		x, err := wantString(name, a)
		if err != nil {
			return nil, err
		}
		xs[i] = x
	}
	var f func(s, t []byte) bool
	switch name {
	case "starts_with":
		f = bytes.HasPrefix
	case "ends_with":
		f = bytes.HasSuffix
	default:
		f = bytes.Contains
	}
	return &funcExpr{name: name, args: xs, typ: tBool, eval: func(ctx *EvalContext, n int, as []arrow.Array) (arrow.Array, error) {
		a, b := newStrCol(as[0]), newStrCol(as[1])
		out := make([]bool, n)
		for i := range out {
			out[i] = f(a.at(i), b.at(i))
		}
		return boolsToArray(ctx.Mem, out, validityAnd(ctx.Mem, n, as...)), nil
	}}, nil
}

func buildReplace(name string, args []Expr) (Expr, error) {
	if err := arity(name, args, 3, 3); err != nil {
		return nil, err
	}
	xs := make([]Expr, 3)
	for i, a := range args {
		x, err := wantString(name, a)
		if err != nil {
			return nil, err
		}
		xs[i] = x
	}
	return &funcExpr{name: name, args: xs, typ: tString, eval: func(ctx *EvalContext, n int, as []arrow.Array) (arrow.Array, error) {
		s, from, to := newStrCol(as[0]), newStrCol(as[1]), newStrCol(as[2])
		return mapStr(ctx, n, as, func(i int, dst []byte) []byte {
			f := from.at(i)
			if len(f) == 0 {
				return append(dst, s.at(i)...)
			}
			return append(dst, strings.ReplaceAll(string(s.at(i)), string(f), string(to.at(i)))...)
		}), nil
	}}, nil
}
