package exec

import (
	"fmt"
	"unicode"
	"unicode/utf8"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/recq/recq/internal/like"
)

// likeMatcher matches SQL LIKE patterns (package like), lower-casing the
// value first for ILIKE.
type likeMatcher struct {
	ci bool
	p  *like.Pattern
}

func compileLike(pattern string, ci bool) *likeMatcher {
	if ci {
		pattern = string(mapRunes(nil, []byte(pattern), unicode.ToLower))
	}
	return &likeMatcher{ci: ci, p: like.Compile(pattern)}
}

func (m *likeMatcher) match(s []byte, scratch *[]byte) bool {
	if m.ci {
		s = lowerBytes(s, scratch)
	}
	return m.p.Match(s)
}

// lowerBytes lower-cases s (ASCII in place into scratch; other text via
// mapRunes, which keeps invalid UTF-8 bytes as they are).
func lowerBytes(s []byte, scratch *[]byte) []byte {
	ascii := true
	hasUpper := false
	for _, c := range s {
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
		if 'A' <= c && c <= 'Z' {
			hasUpper = true
		}
	}
	if !ascii {
		return mapRunes(nil, s, unicode.ToLower)
	}
	if !hasUpper {
		return s
	}
	b := append((*scratch)[:0], s...)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 32
		}
	}
	*scratch = b
	return b
}

type likeExpr struct {
	x, pat Expr
	not    bool
	ci     bool
	m      *likeMatcher // constant pattern
}

func newLike(x, pat Expr, not, ci bool) (Expr, error) {
	op := "LIKE"
	if ci {
		op = "ILIKE"
	}
	for _, e := range []Expr{x, pat} {
		if t := e.DataType(); !isString(t) && !isNull(t) {
			return nil, fmt.Errorf("%s needs VARCHAR operands, not %s", op, TypeName(t))
		}
	}
	if isNull(x.DataType()) || isNull(pat.DataType()) {
		return &litExpr{typ: tBool}, nil
	}
	e := &likeExpr{x: x, pat: pat, not: not, ci: ci}
	if c, ok := asConst(pat); ok {
		if c.val == nil {
			return &litExpr{typ: tBool}, nil
		}
		e.m = compileLike(c.val.(string), ci)
	}
	return folded(e), nil
}

func (e *likeExpr) DataType() arrow.DataType { return tBool }
func (e *likeExpr) kids() []Expr             { return []Expr{e.x, e.pat} }
func (e *likeExpr) String() string {
	op := "LIKE"
	if e.ci {
		op = "ILIKE"
	}
	if e.not {
		op = "NOT " + op
	}
	return fmt.Sprintf("(%s %s %s)", e.x, op, e.pat)
}

func (e *likeExpr) Eval(ctx *EvalContext, batch arrow.Record) (arrow.Array, error) {
	a, err := ctx.eval(e.x, batch)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	n := a.Len()
	offs, data := strParts(a)
	out := make([]bool, n)
	var scratch []byte
	if e.m != nil {
		for i := range out {
			out[i] = e.m.match(data[offs[i]:offs[i+1]], &scratch) != e.not
		}
		return boolsToArray(ctx.Mem, out, validityAnd(ctx.Mem, n, a)), nil
	}
	p, err := ctx.eval(e.pat, batch)
	if err != nil {
		return nil, err
	}
	defer p.Release()
	poffs, pdata := strParts(p)
	var m *likeMatcher
	last := ""
	for i := range out {
		ps := pdata[poffs[i]:poffs[i+1]]
		if m == nil || string(ps) != last {
			last = string(ps)
			m = compileLike(last, e.ci)
		}
		out[i] = m.match(data[offs[i]:offs[i+1]], &scratch) != e.not
	}
	return boolsToArray(ctx.Mem, out, validityAnd(ctx.Mem, n, a, p)), nil
}
