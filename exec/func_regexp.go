package exec

import (
	"fmt"
	"regexp"
	"strings"
)

// Regular expression functions. Patterns use Go's regexp syntax, which is
// RE2's (the engine DuckDB uses): no backreferences or lookaround inside
// patterns. Options (a constant string of letters): c case-sensitive (the
// default), i case-insensitive, l the pattern is literal text, s '.'
// matches a newline, m/n/p multi-line (^ and $ match at line breaks), g
// (regexp_replace only) replace every match instead of the first.

func init() {
	scalarFuncs["regexp_matches"] = buildRegexpMatches
	scalarFuncs["regexp_full_match"] = buildRegexpMatches
	scalarFuncs["regexp_replace"] = buildRegexpReplace
	scalarFuncs["regexp_extract"] = buildRegexpExtract
}

// reOptions is the parsed option string.
type reOptions struct {
	prefix  string // (?i), (?s), (?m) flags
	literal bool
	global  bool
	full    bool // regexp_full_match: anchored at both ends
}

func parseReOptions(fn string, e Expr, allowG bool) (reOptions, error) {
	var o reOptions
	if e == nil {
		return o, nil
	}
	s, null, ok := constString(e)
	if !ok || null {
		return o, fmt.Errorf("%s: the options must be a constant string such as 'i' or 'g'", fn)
	}
	flags := ""
	for _, c := range s {
		switch c {
		case 'c':
			flags = strings.ReplaceAll(flags, "i", "")
		case 'i':
			flags += "i"
		case 'l':
			o.literal = true
		case 's':
			flags += "s"
		case 'm', 'n', 'p':
			flags += "m"
		case 'g':
			if !allowG {
				return o, fmt.Errorf("%s: option 'g' is only for regexp_replace", fn)
			}
			o.global = true
		default:
			return o, fmt.Errorf("%s: unknown option '%c' (use c, i, l, s, m, n, p%s)", fn, c, map[bool]string{true: ", g", false: ""}[allowG])
		}
	}
	if flags != "" {
		o.prefix = "(?" + flags + ")"
	}
	return o, nil
}

func (o reOptions) compile(fn, pattern string) (*regexp.Regexp, error) {
	if o.literal {
		pattern = regexp.QuoteMeta(pattern)
	}
	if o.full {
		pattern = `^(?:` + pattern + `)$`
	}
	re, err := regexp.Compile(o.prefix + pattern)
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), "error parsing regexp: ")
		return nil, fmt.Errorf("%s: invalid regular expression %q: %s (Go RE2 syntax)", fn, pattern, msg)
	}
	return re, nil
}

// rePattern gives the compiled pattern of a row.
type rePattern func(r *rowIn, p []byte) (*regexp.Regexp, error)

// newRePattern compiles a constant pattern once, at bind time; a column
// of patterns is compiled row by row, keeping the last few compiled in
// the evaluation's scratch.
func newRePattern(fn string, pat Expr, opts reOptions) (rePattern, error) {
	if s, null, ok := constString(pat); ok && !null {
		re, err := opts.compile(fn, s)
		if err != nil {
			return nil, err
		}
		return func(*rowIn, []byte) (*regexp.Regexp, error) { return re, nil }, nil
	}
	return func(r *rowIn, p []byte) (*regexp.Regexp, error) {
		if re, ok := r.res[string(p)]; ok {
			return re, nil
		}
		re, err := opts.compile(fn, string(p))
		if err != nil {
			return nil, errorf(ErrInvalidValue, "%v", err)
		}
		if r.res == nil || len(r.res) >= 64 {
			r.res = map[string]*regexp.Regexp{}
		}
		r.res[string(p)] = re
		return re, nil
	}, nil
}

// regexp_matches(s, pattern [, options]): whether pattern matches
// anywhere in s; regexp_full_match: whether it matches all of s.
func buildRegexpMatches(name string, args []Expr) (Expr, error) {
	if err := arity(name, args, 2, 3); err != nil {
		return nil, err
	}
	opts, err := parseReOptions(name, optArg(args, 2), false)
	if err != nil {
		return nil, err
	}
	opts.full = name == "regexp_full_match"
	pat, err := newRePatternArg(name, args[1], opts)
	if err != nil {
		return nil, err
	}
	return newRowFn(rowFnSpec{name: name, kinds: kinds("ss"), typ: tBool, kernel: func(r *rowIn, o *rowOut) error {
		re, err := pat(r, r.str(1))
		if err != nil {
			return err
		}
		o.t = re.Match(r.str(0))
		return nil
	}}, args[:2])
}

// regexp_replace(s, pattern, replacement [, options]): s with the first
// match (every match with option g) replaced. In the replacement \0 is the
// whole match, \1 to \9 capture groups and \\ a backslash, as in DuckDB.
func buildRegexpReplace(name string, args []Expr) (Expr, error) {
	if err := arity(name, args, 3, 4); err != nil {
		return nil, err
	}
	opts, err := parseReOptions(name, optArg(args, 3), true)
	if err != nil {
		return nil, err
	}
	pat, err := newRePatternArg(name, args[1], opts)
	if err != nil {
		return nil, err
	}
	return newRowFn(rowFnSpec{name: name, kinds: kinds("sss"), typ: tString, kernel: func(r *rowIn, o *rowOut) error {
		re, err := pat(r, r.str(1))
		if err != nil {
			return err
		}
		s := r.str(0)
		r.buf = goTemplate(r.buf[:0], r.str(2))
		tmpl := r.buf
		for {
			m := re.FindSubmatchIndex(s)
			if m == nil {
				break
			}
			o.b = append(o.b, s[:m[0]]...)
			o.b = re.Expand(o.b, tmpl, s, m)
			if !opts.global {
				s = s[m[1]:]
				break
			}
			if m[1] == m[0] {
				// an empty match: copy one character and go on after it
				if m[1] >= len(s) {
					s = s[len(s):]
					break
				}
				w := 1
				for w < len(s)-m[1] && s[m[1]+w]&0xC0 == 0x80 {
					w++
				}
				o.b = append(o.b, s[m[1]:m[1]+w]...)
				s = s[m[1]+w:]
				continue
			}
			s = s[m[1]:]
		}
		o.b = append(o.b, s...)
		return nil
	}}, args[:3])
}

// goTemplate turns a DuckDB replacement (\1 groups) into a Go template
// ($1 groups, $$ for a dollar).
func goTemplate(dst, repl []byte) []byte {
	for i := 0; i < len(repl); i++ {
		c := repl[i]
		switch {
		case c == '$':
			dst = append(dst, '$', '$')
		case c == '\\' && i+1 < len(repl) && repl[i+1] >= '0' && repl[i+1] <= '9':
			dst = append(dst, '$', '{', repl[i+1], '}')
			i++
		case c == '\\' && i+1 < len(repl) && repl[i+1] == '\\':
			dst = append(dst, '\\')
			i++
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// regexp_extract(s, pattern [, group [, options]]): the text of capture
// group (0: the whole match) of the first match, ” when nothing matches.
func buildRegexpExtract(name string, args []Expr) (Expr, error) {
	if err := arity(name, args, 2, 4); err != nil {
		return nil, err
	}
	group := int64(0)
	if len(args) > 2 {
		g, null, ok := constInt(args[2])
		if !ok || null || g < 0 {
			return nil, fmt.Errorf("%s: the group must be a constant whole number >= 0", name)
		}
		group = g
	}
	opts, err := parseReOptions(name, optArg(args, 3), false)
	if err != nil {
		return nil, err
	}
	pat, err := newRePatternArg(name, args[1], opts)
	if err != nil {
		return nil, err
	}
	if s, null, ok := constString(args[1]); ok && !null {
		re, _ := pat(nil, []byte(s))
		if int(group) > re.NumSubexp() {
			return nil, fmt.Errorf("%s: pattern %q has %d capture group%s, group %d asked for", name, s, re.NumSubexp(), plural(re.NumSubexp()), group)
		}
	}
	return newRowFn(rowFnSpec{name: name, kinds: kinds("ss"), typ: tString, kernel: func(r *rowIn, o *rowOut) error {
		re, err := pat(r, r.str(1))
		if err != nil {
			return err
		}
		if int(group) > re.NumSubexp() {
			return errorf(ErrInvalidValue, "%s: pattern %q has %d capture groups, group %d asked for", name, re.String(), re.NumSubexp(), group)
		}
		m := re.FindSubmatchIndex(r.str(0))
		if m != nil && m[2*group] >= 0 {
			o.b = append(o.b, r.str(0)[m[2*group]:m[2*group+1]]...)
		}
		return nil
	}}, args[:2])
}

func optArg(args []Expr, i int) Expr {
	if i < len(args) {
		return args[i]
	}
	return nil
}

// newRePatternArg checks the pattern argument's type, then compiles it.
func newRePatternArg(fn string, e Expr, opts reOptions) (rePattern, error) {
	if _, err := wantString(fn, e); err != nil {
		return nil, err
	}
	return newRePattern(fn, e, opts)
}
