package exec

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow/go/v17/arrow"
)

// format(fmt, args...) uses the {} placeholders of the fmt library (as
// DuckDB does); printf(fmt, args...) uses C's % conversions. A constant
// format string is parsed and checked against the arguments at bind time.

func init() {
	scalarFuncs["format"] = buildFormat
	scalarFuncs["printf"] = buildFormat
}

// fmtArg is one argument value.
type fmtArg struct {
	kind byte // 'i' INT64, 'f' FLOAT64, 's' text
	i    int64
	f    float64
	s    []byte
}

// fmtSpec is one placeholder (format) or conversion (printf).
type fmtSpec struct {
	arg       int  // argument index
	fill      rune // padding character
	align     byte // '<', '>', '^' or 0 (numbers right, text left)
	sign      byte // '+', ' ' or 0
	alt       bool // '#'
	zero      bool // '0': pad numbers with zeros after the sign
	width     int
	prec      int // -1: none
	typ       byte
	unsignedX bool // printf %x/%o: negative numbers as two's complement
}

// fmtPiece is literal text (spec nil) or a placeholder.
type fmtPiece struct {
	text string
	spec *fmtSpec
}

const maxFmtWidth = 1 << 16

// parseBraceFormat parses a fmt-library format string: {} takes the next
// argument, {n} argument n (0-based), {:spec} / {n:spec} with spec
// [[fill]align][sign][#][0][width][.precision][type]; {{ and }} are
// literal braces.
func parseBraceFormat(s string) ([]fmtPiece, int, error) {
	var out []fmtPiece
	var lit strings.Builder
	next, maxArg, manual, auto := 0, -1, false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '}' {
			if i+1 < len(s) && s[i+1] == '}' {
				lit.WriteByte('}')
				i++
				continue
			}
			return nil, 0, fmt.Errorf("unmatched '}' at character %d of the format string (write }} for a brace)", i+1)
		}
		if c != '{' {
			lit.WriteByte(c)
			continue
		}
		if i+1 < len(s) && s[i+1] == '{' {
			lit.WriteByte('{')
			i++
			continue
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return nil, 0, fmt.Errorf("'{' at character %d of the format string is not closed", i+1)
		}
		body := s[i+1 : i+end]
		sp := &fmtSpec{fill: ' ', prec: -1}
		idx, spec, hasSpec := strings.Cut(body, ":")
		if idx == "" {
			sp.arg = next
			next++
			auto = true
		} else {
			n, err := strconv.Atoi(idx)
			if err != nil || n < 0 || n > 1<<20 {
				return nil, 0, fmt.Errorf("bad argument index {%s} at character %d of the format string", body, i+1)
			}
			sp.arg = n
			manual = true
		}
		if auto && manual {
			return nil, 0, fmt.Errorf("the format string mixes {} and {n} placeholders")
		}
		if hasSpec {
			if err := parseBraceSpec(spec, sp); err != nil {
				return nil, 0, fmt.Errorf("bad placeholder {%s} at character %d of the format string: %v", body, i+1, err)
			}
		}
		maxArg = max(maxArg, sp.arg)
		if lit.Len() > 0 {
			out = append(out, fmtPiece{text: lit.String()})
			lit.Reset()
		}
		out = append(out, fmtPiece{spec: sp})
		i += end
	}
	if lit.Len() > 0 {
		out = append(out, fmtPiece{text: lit.String()})
	}
	return out, maxArg + 1, nil
}

func isAlign(c byte) bool { return c == '<' || c == '>' || c == '^' }

func parseBraceSpec(s string, sp *fmtSpec) error {
	if r, w := utf8.DecodeRuneInString(s); w > 0 && w < len(s) && isAlign(s[w]) && r != '{' && r != '}' {
		sp.fill, sp.align, s = r, s[w], s[w+1:]
	} else if len(s) > 0 && isAlign(s[0]) {
		sp.align, s = s[0], s[1:]
	}
	if len(s) > 0 && (s[0] == '+' || s[0] == '-' || s[0] == ' ') {
		if s[0] != '-' {
			sp.sign = s[0]
		}
		s = s[1:]
	}
	if len(s) > 0 && s[0] == '#' {
		sp.alt, s = true, s[1:]
	}
	if len(s) > 0 && s[0] == '0' {
		sp.zero, s = true, s[1:]
	}
	var err error
	if sp.width, s, err = leadingNumber(s); err != nil {
		return err
	}
	if len(s) > 0 && s[0] == '.' {
		if sp.prec, s, err = leadingNumber(s[1:]); err != nil {
			return err
		}
		if sp.prec < 0 {
			return fmt.Errorf("'.' needs a precision")
		}
	}
	if len(s) > 1 {
		return fmt.Errorf("unexpected %q", s)
	}
	if len(s) == 1 {
		if !strings.ContainsRune("sdxXobfFeEgGc", rune(s[0])) {
			return fmt.Errorf("unknown type '%c' (use s, d, x, X, o, b, f, e, g or c)", s[0])
		}
		sp.typ = s[0]
	}
	return nil
}

// leadingNumber reads a run of digits (-1 when there is none).
func leadingNumber(s string) (int, string, error) {
	j := 0
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	if j == 0 {
		return -1, s, nil
	}
	n, err := strconv.Atoi(s[:j])
	if err != nil || n > maxFmtWidth {
		return 0, s, fmt.Errorf("width or precision %s is too large (at most %d)", s[:j], maxFmtWidth)
	}
	return n, s[j:], nil
}

// parsePrintf parses a C printf format: %[flags][width][.precision]conv
// with flags - + space # 0 and conv d i u x X o c s f F e E g G, and %%.
// Length modifiers (h, l, ll, z, ...) are accepted and ignored.
func parsePrintf(s string) ([]fmtPiece, int, error) {
	var out []fmtPiece
	var lit strings.Builder
	next := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			lit.WriteByte(s[i])
			continue
		}
		start := i
		i++
		if i < len(s) && s[i] == '%' {
			lit.WriteByte('%')
			continue
		}
		sp := &fmtSpec{fill: ' ', prec: -1, arg: next}
		next++
	flags:
		for ; i < len(s); i++ {
			switch s[i] {
			case '-':
				sp.align = '<'
			case '+':
				sp.sign = '+'
			case ' ':
				if sp.sign == 0 {
					sp.sign = ' '
				}
			case '#':
				sp.alt = true
			case '0':
				sp.zero = true
			default:
				break flags
			}
		}
		var err error
		rest := s[i:]
		if sp.width, rest, err = leadingNumber(rest); err != nil {
			return nil, 0, fmt.Errorf("conversion at character %d of the format string: %v", start+1, err)
		}
		if len(rest) > 0 && rest[0] == '.' {
			if sp.prec, rest, err = leadingNumber(rest[1:]); err != nil {
				return nil, 0, fmt.Errorf("conversion at character %d of the format string: %v", start+1, err)
			}
			sp.prec = max(sp.prec, 0)
		}
		rest = strings.TrimLeft(rest, "hlLjzt")
		if rest == "" {
			return nil, 0, fmt.Errorf("the conversion at character %d of the format string is not finished", start+1)
		}
		c := rest[0]
		switch c {
		case 'd', 'i', 'u':
			sp.typ = 'd'
		case 'x', 'X', 'o':
			sp.typ, sp.unsignedX = c, true
		case 'c', 's', 'f', 'F', 'e', 'E', 'g', 'G':
			sp.typ = c
		default:
			return nil, 0, fmt.Errorf("unknown conversion '%%%c' at character %d of the format string (use d, i, u, x, X, o, c, s, f, e, g or %%%%)", c, start+1)
		}
		if sp.align == '<' {
			sp.zero = false
		}
		if lit.Len() > 0 {
			out = append(out, fmtPiece{text: lit.String()})
			lit.Reset()
		}
		out = append(out, fmtPiece{spec: sp})
		i = len(s) - len(rest)
	}
	if lit.Len() > 0 {
		out = append(out, fmtPiece{text: lit.String()})
	}
	return out, next, nil
}

// render appends the formatted pieces.
func render(dst []byte, pieces []fmtPiece, args []fmtArg) ([]byte, error) {
	for _, p := range pieces {
		if p.spec == nil {
			dst = append(dst, p.text...)
			continue
		}
		sp := p.spec
		if sp.arg >= len(args) {
			return dst, fmt.Errorf("the format string uses argument %d but only %d %s given", sp.arg+1, len(args), map[bool]string{true: "is", false: "are"}[len(args) == 1])
		}
		var err error
		if dst, err = renderOne(dst, sp, args[sp.arg]); err != nil {
			return dst, err
		}
	}
	return dst, nil
}

func renderOne(dst []byte, sp *fmtSpec, a fmtArg) ([]byte, error) {
	var body []byte
	numeric := a.kind != 's'
	neg := false
	typ := sp.typ
	switch typ {
	case 0, 's':
		switch a.kind {
		case 'i':
			body = strconv.AppendInt(nil, a.i, 10)
		case 'f':
			if sp.prec >= 0 && typ == 0 {
				body = strconv.AppendFloat(nil, a.f, 'g', sp.prec, 64)
			} else {
				body = strconv.AppendFloat(nil, a.f, 'g', -1, 64)
			}
		default:
			body = a.s
			if sp.prec >= 0 {
				k, n := 0, 0
				for k < len(body) && n < sp.prec {
					_, w := utf8.DecodeRune(body[k:])
					k += w
					n++
				}
				body = body[:k]
			}
		}
		if typ == 's' {
			numeric = false
		}
	case 'c':
		if a.kind != 'i' || a.i < 0 || a.i > utf8.MaxRune {
			return dst, fmt.Errorf("'%c' needs a character code (an integer from 0 to 1114111)", typ)
		}
		body = utf8.AppendRune(nil, rune(a.i))
		numeric = false
	case 'd', 'x', 'X', 'o', 'b':
		if a.kind != 'i' {
			return dst, fmt.Errorf("'%c' needs an integer argument, not %s", typ, kindName(a.kind))
		}
		base := map[byte]int{'d': 10, 'x': 16, 'X': 16, 'o': 8, 'b': 2}[typ]
		v := a.i
		if v < 0 && sp.unsignedX {
			body = strconv.AppendUint(nil, uint64(v), base)
		} else {
			if v < 0 {
				neg = true
				body = strconv.AppendUint(nil, -uint64(v), base)
			} else {
				body = strconv.AppendUint(nil, uint64(v), base)
			}
		}
		if typ == 'X' {
			body = []byte(strings.ToUpper(string(body)))
		}
		if sp.alt && typ != 'd' {
			body = append([]byte(map[byte]string{'x': "0x", 'X': "0X", 'o': "0", 'b': "0b"}[typ]), body...)
		}
	default: // f F e E g G
		var f float64
		switch a.kind {
		case 'i':
			f = float64(a.i)
		case 'f':
			f = a.f
		default:
			v, err := strconv.ParseFloat(strings.TrimSpace(string(a.s)), 64)
			if err != nil {
				return dst, fmt.Errorf("'%c' needs a number, not the text %q", typ, a.s)
			}
			f = v
		}
		prec := sp.prec
		if prec < 0 {
			prec = 6
		}
		if f < 0 || (f == 0 && 1/f < 0) {
			neg, f = true, -f
		}
		body = strconv.AppendFloat(nil, f, map[byte]byte{'f': 'f', 'F': 'f', 'e': 'e', 'E': 'E', 'g': 'g', 'G': 'G'}[typ], prec, 64)
		numeric = true
	}
	if numeric && typ == 0 && len(body) > 0 && body[0] == '-' {
		neg, body = true, body[1:]
	}
	var sign []byte
	switch {
	case neg:
		sign = []byte{'-'}
	case numeric && sp.sign != 0:
		sign = []byte{sp.sign}
	}
	n := utf8.RuneCount(sign) + utf8.RuneCount(body)
	pad := max(sp.width-n, 0)
	if numeric && sp.zero && sp.align == 0 {
		dst = append(dst, sign...)
		for ; pad > 0; pad-- {
			dst = append(dst, '0')
		}
		return append(dst, body...), nil
	}
	align := sp.align
	if align == 0 {
		align = '<'
		if numeric {
			align = '>'
		}
	}
	left := 0
	switch align {
	case '>':
		left = pad
	case '^':
		left = pad / 2
	}
	for k := 0; k < left; k++ {
		dst = utf8.AppendRune(dst, sp.fill)
	}
	dst = append(append(dst, sign...), body...)
	for k := left; k < pad; k++ {
		dst = utf8.AppendRune(dst, sp.fill)
	}
	return dst, nil
}

func kindName(k byte) string {
	switch k {
	case 'f':
		return "a DOUBLE"
	case 's':
		return "text"
	}
	return "an integer"
}

// buildFormat builds format(fmt, args...) and printf(fmt, args...).
func buildFormat(name string, args []Expr) (Expr, error) {
	if len(args) < 1 {
		return nil, fmt.Errorf("%s needs a format string", name)
	}
	parse := parseBraceFormat
	if name == "printf" {
		parse = parsePrintf
	}
	xs := make([]Expr, len(args))
	ks := []byte{'s'}
	for i, a := range args {
		t := a.DataType()
		var x Expr
		var err error
		switch {
		case i == 0:
			x, err = wantString(name, a)
		case isInteger(t) && t.ID() != arrow.UINT64: // UINT64 may not fit INT64: as text
			x, err = castTo(a, tInt64)
			ks = append(ks, 'i')
		case isFloat(t):
			x, err = castTo(a, tFloat64)
			ks = append(ks, 'f')
		default:
			x, err = toVarchar(a)
			ks = append(ks, 's')
		}
		if err != nil {
			return nil, err
		}
		xs[i] = x
	}
	var fixed []fmtPiece
	if s, null, ok := constString(xs[0]); ok && !null {
		pieces, need, err := parse(s)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		if need > len(args)-1 {
			return nil, fmt.Errorf("%s: the format string needs %d argument%s, %d given", name, need, plural(need), len(args)-1)
		}
		for _, p := range pieces {
			if p.spec == nil {
				continue
			}
			if err := checkSpecKind(p.spec, ks[p.spec.arg+1]); err != nil {
				return nil, fmt.Errorf("%s: argument %d: %v", name, p.spec.arg+1, err)
			}
		}
		fixed = pieces
	}
	return newRowFn(rowFnSpec{name: name, kinds: kinds(string(ks)), typ: tString, kernel: func(r *rowIn, o *rowOut) error {
		pieces := fixed
		if pieces == nil {
			var err error
			if pieces, _, err = parse(string(r.str(0))); err != nil {
				return errorf(ErrInvalidValue, "%s: %v", name, err)
			}
		}
		fa := make([]fmtArg, r.n()-1)
		for k := range fa {
			switch ks[k+1] {
			case 'i':
				fa[k] = fmtArg{kind: 'i', i: r.int(k + 1)}
			case 'f':
				fa[k] = fmtArg{kind: 'f', f: r.float(k + 1)}
			default:
				fa[k] = fmtArg{kind: 's', s: r.str(k + 1)}
			}
		}
		var err error
		if o.b, err = render(o.b, pieces, fa); err != nil {
			return errorf(ErrInvalidValue, "%s: %v", name, err)
		}
		return nil
	}}, xs)
}

// checkSpecKind rejects, at bind time, a placeholder that cannot format
// an argument of kind k.
func checkSpecKind(sp *fmtSpec, k byte) error {
	switch sp.typ {
	case 'd', 'x', 'X', 'o', 'b', 'c':
		if k != 'i' {
			return fmt.Errorf("'%c' needs an integer argument, not %s", sp.typ, kindName(k))
		}
	}
	return nil
}
