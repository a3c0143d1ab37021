package parser

import (
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// This file holds window functions: the AST of fn(...) OVER (...), the
// WINDOW clause and QUALIFY, their conversion from the grammar and their
// canonical printing.

// WindowCall is fn(args) [IGNORE NULLS | RESPECT NULLS] OVER window. Call
// is the function call (a ranking function such as row_number, a value
// function such as lag, or an aggregate). IGNORE NULLS may be written
// inside the call's parentheses or after them (DuckDB accepts both).
// Pos is the function name.
type WindowCall struct {
	Pos         Pos
	Call        *Call
	IgnoreNulls bool
	Over        *WindowSpec
}

// WindowSpec is a window: OVER name (Bare, Ref set and nothing else), or
// OVER ([name] [PARTITION BY ...] [ORDER BY ...] [frame]), or the body of
// WINDOW name AS (...). Ref names a window of the WINDOW clause whose
// partitioning, ordering and frame this one extends; the binder resolves
// it. Frame is nil when no frame was written.
type WindowSpec struct {
	Pos       Pos
	Ref       string
	Bare      bool
	Partition []Expr
	OrderBy   []*OrderItem
	Frame     *WindowFrame
}

// FrameUnit is ROWS or RANGE.
type FrameUnit string

// Frame units.
const (
	FrameRows  FrameUnit = "ROWS"
	FrameRange FrameUnit = "RANGE"
)

// WindowFrame is ROWS|RANGE BETWEEN start AND end [EXCLUDE ...], or the
// short form ROWS|RANGE start (End is then CURRENT ROW, with Short set).
// Exclude is "", "CURRENT ROW", "GROUP", "TIES" or "NO OTHERS".
type WindowFrame struct {
	Pos        Pos
	Unit       FrameUnit
	Start, End *FrameBound
	Short      bool
	Exclude    string
}

// BoundKind says where a frame bound is.
type BoundKind int

// Frame bound kinds, in order from the first row of a partition to its
// last.
const (
	UnboundedPreceding BoundKind = iota + 1
	OffsetPreceding              // Offset PRECEDING
	CurrentRow
	OffsetFollowing // Offset FOLLOWING
	UnboundedFollowing
)

// FrameBound is one end of a frame. Offset is set for OffsetPreceding and
// OffsetFollowing: a constant (a whole number for ROWS; a number or an
// INTERVAL for RANGE).
type FrameBound struct {
	Pos    Pos
	Kind   BoundKind
	Offset Expr
}

// WindowDef is name AS (spec) in a WINDOW clause.
type WindowDef struct {
	Pos  Pos
	Name string
	Spec *WindowSpec
}

func (e *WindowCall) Position() Pos { return e.Pos }
func (*WindowCall) expr()           {}

// --- grammar ---

// gOver is OVER name or OVER (spec), after a call.
type gOver struct {
	Pos  lexer.Position
	Name *string      `parser:"'OVER' ( @(Ident | QIdent)"`
	Spec *gWindowSpec `parser:"| '(' @@ ')' )"`
}

// gWindowSpec is the inside of OVER (...) and of WINDOW w AS (...).
type gWindowSpec struct {
	Pos       lexer.Position
	Ref       *string       `parser:"( (?! 'PARTITION' | 'ROWS' | 'RANGE' | 'GROUPS' ) @(Ident | QIdent) )?"`
	Partition []*gExpr      `parser:"( 'PARTITION' 'BY' @@ ( ',' @@ )* )?"`
	Order     *lexer.Token  `parser:"( @'ORDER' 'BY'"`
	OrderBy   []*gOrderItem `parser:"  @@ ( ',' @@ )* )?"`
	Frame     *gFrame       `parser:"@@?"`
}

// gFrame is ROWS|RANGE|GROUPS BETWEEN a AND b [EXCLUDE ...] or the short
// form with one bound. GROUPS is parsed to be refused with a message.
type gFrame struct {
	Pos     lexer.Position
	Unit    string    `parser:"@('ROWS' | 'RANGE' | 'GROUPS')"`
	Between bool      `parser:"( @'BETWEEN'"`
	Start   *gBound   `parser:"  @@ 'AND'"`
	End     *gBound   `parser:"  @@"`
	Single  *gBound   `parser:"| @@ )"`
	Exclude *gExclude `parser:"@@?"`
}

// gBound is one frame bound. The offset is an additive expression, so
// that the AND of BETWEEN ... AND ends it.
type gBound struct {
	Pos       lexer.Position
	Unbounded *string `parser:"(  'UNBOUNDED' @('PRECEDING' | 'FOLLOWING')"`
	Current   bool    `parser:" | @'CURRENT' 'ROW'"`
	Offset    *gAdd   `parser:" | @@"`
	Dir       string  `parser:"   @('PRECEDING' | 'FOLLOWING') )"`
}

type gExclude struct {
	Pos  lexer.Position
	What string `parser:"'EXCLUDE' ( @'CURRENT' 'ROW' | @'GROUP' | @'TIES' | @'NO' 'OTHERS' )"`
}

// gWindowDef is name AS (spec) in the WINDOW clause.
type gWindowDef struct {
	Pos  lexer.Position
	Name string       `parser:"@(Ident | QIdent) 'AS'"`
	Spec *gWindowSpec `parser:"'(' @@ ')'"`
}

// gNulls is IGNORE NULLS or RESPECT NULLS.
type gNulls struct {
	Pos  lexer.Position
	Kind string `parser:"@('IGNORE' | 'RESPECT') 'NULLS'"`
}

// --- conversion ---

// windowCall wraps a converted call in its OVER clause. inside and after
// are the IGNORE/RESPECT NULLS written inside and after the parentheses.
func (c *converter) windowCall(p Pos, call *Call, inside, after *gNulls, over *gOver) Expr {
	nulls := inside
	if after != nil {
		if inside != nil {
			c.failf(lpos(after.Pos), "%s NULLS is written twice; keep one", strings.ToUpper(after.Kind))
		}
		nulls = after
	}
	if over == nil {
		if nulls != nil {
			c.failf(lpos(nulls.Pos), "%s NULLS is only allowed in a window function call, as in first_value(x IGNORE NULLS) OVER (ORDER BY t)", strings.ToUpper(nulls.Kind))
		}
		return call
	}
	if call.Star && call.Name != "count" {
		c.failf(p, "only count accepts *, as in count(*)")
	}
	w := &WindowCall{Pos: p, Call: call, Over: c.over(over)}
	if nulls != nil {
		w.IgnoreNulls = strings.EqualFold(nulls.Kind, "IGNORE")
	}
	return w
}

func (c *converter) over(g *gOver) *WindowSpec {
	if g.Name != nil {
		return &WindowSpec{Pos: lpos(g.Pos), Ref: ident(*g.Name), Bare: true}
	}
	return c.windowSpec(g.Spec)
}

func (c *converter) windowSpec(g *gWindowSpec) *WindowSpec {
	s := &WindowSpec{Pos: lpos(g.Pos)}
	if g.Ref != nil {
		s.Ref = ident(*g.Ref)
	}
	for _, e := range g.Partition {
		s.Partition = append(s.Partition, c.expr(e))
	}
	s.OrderBy = c.orderBy(g.OrderBy)
	if g.Frame != nil {
		s.Frame = c.frame(g.Frame)
	}
	return s
}

func (c *converter) frame(g *gFrame) *WindowFrame {
	f := &WindowFrame{Pos: lpos(g.Pos), Unit: FrameUnit(strings.ToUpper(g.Unit))}
	if f.Unit == "GROUPS" {
		c.failf(f.Pos, "GROUPS frames are not supported; use ROWS or RANGE")
	}
	if g.Between {
		f.Start, f.End = c.bound(g.Start), c.bound(g.End)
	} else {
		f.Start, f.End, f.Short = c.bound(g.Single), &FrameBound{Pos: f.Pos, Kind: CurrentRow}, true
	}
	switch {
	case f.Start.Kind == UnboundedFollowing:
		c.failf(f.Start.Pos, "a frame cannot start at UNBOUNDED FOLLOWING")
	case f.End.Kind == UnboundedPreceding:
		c.failf(f.End.Pos, "a frame cannot end at UNBOUNDED PRECEDING")
	case f.Short && f.Start.Kind == OffsetFollowing:
		c.failf(f.Start.Pos, "a frame starting at a following row cannot end at the current row; write %s BETWEEN ... AND ...", f.Unit)
	case f.Start.Kind == CurrentRow && f.End.Kind == OffsetPreceding:
		c.failf(f.End.Pos, "a frame starting at the current row cannot end at a preceding row")
	case f.Start.Kind == OffsetFollowing && (f.End.Kind == OffsetPreceding || f.End.Kind == CurrentRow):
		c.failf(f.End.Pos, "a frame starting at a following row cannot end at a preceding or the current row")
	}
	if g.Exclude != nil {
		switch strings.ToUpper(g.Exclude.What) {
		case "CURRENT":
			f.Exclude = "CURRENT ROW"
		case "NO":
			f.Exclude = "NO OTHERS"
		default:
			f.Exclude = strings.ToUpper(g.Exclude.What)
		}
	}
	return f
}

func (c *converter) bound(g *gBound) *FrameBound {
	b := &FrameBound{Pos: lpos(g.Pos)}
	switch {
	case g.Unbounded != nil:
		b.Kind = UnboundedPreceding
		if strings.EqualFold(*g.Unbounded, "FOLLOWING") {
			b.Kind = UnboundedFollowing
		}
	case g.Current:
		b.Kind = CurrentRow
	default:
		x, _ := c.add(g.Offset)
		b.Offset = x
		b.Kind = OffsetPreceding
		if strings.EqualFold(g.Dir, "FOLLOWING") {
			b.Kind = OffsetFollowing
		}
	}
	return b
}

// windowDefs converts the WINDOW clause, refusing a name defined twice.
func (c *converter) windowDefs(gs []*gWindowDef) []*WindowDef {
	var out []*WindowDef
	for _, g := range gs {
		d := &WindowDef{Pos: lpos(g.Pos), Name: ident(g.Name), Spec: c.windowSpec(g.Spec)}
		for _, prev := range out {
			if prev.Name == d.Name {
				c.failf(d.Pos, "WINDOW defines %s twice (first at %s)", quoteIdent(d.Name), posStr(prev.Pos))
			}
		}
		out = append(out, d)
	}
	return out
}

// --- printing ---

func (e *WindowCall) String() string {
	s := e.Call.String()
	if e.IgnoreNulls {
		s += " IGNORE NULLS"
	}
	return s + " OVER " + e.Over.overString()
}

// overString prints the window after OVER: a bare name, or (spec).
func (s *WindowSpec) overString() string {
	if s.Bare {
		return quoteIdent(s.Ref)
	}
	return "(" + s.String() + ")"
}

// String prints the window's body, without parentheses.
func (s *WindowSpec) String() string {
	var parts []string
	if s.Ref != "" {
		parts = append(parts, quoteIdent(s.Ref))
	}
	if len(s.Partition) > 0 {
		var b strings.Builder
		b.WriteString("PARTITION BY ")
		writeExprList(&b, s.Partition)
		parts = append(parts, b.String())
	}
	if len(s.OrderBy) > 0 {
		items := make([]string, len(s.OrderBy))
		for i, o := range s.OrderBy {
			items[i] = o.String()
		}
		parts = append(parts, "ORDER BY "+strings.Join(items, ", "))
	}
	if s.Frame != nil {
		parts = append(parts, s.Frame.String())
	}
	return strings.Join(parts, " ")
}

func (f *WindowFrame) String() string {
	s := string(f.Unit) + " "
	if f.Short {
		s += f.Start.String()
	} else {
		s += "BETWEEN " + f.Start.String() + " AND " + f.End.String()
	}
	if f.Exclude != "" {
		s += " EXCLUDE " + f.Exclude
	}
	return s
}

func (b *FrameBound) String() string {
	switch b.Kind {
	case UnboundedPreceding:
		return "UNBOUNDED PRECEDING"
	case UnboundedFollowing:
		return "UNBOUNDED FOLLOWING"
	case CurrentRow:
		return "CURRENT ROW"
	case OffsetPreceding:
		return wrap(b.Offset, precAdd) + " PRECEDING"
	}
	return wrap(b.Offset, precAdd) + " FOLLOWING"
}

func (d *WindowDef) String() string {
	return quoteIdent(d.Name) + " AS (" + d.Spec.String() + ")"
}

// writeWindowClauses prints a SELECT's WINDOW and QUALIFY clauses.
func writeWindowClauses(b *strings.Builder, defs []*WindowDef, qualify Expr) {
	for i, d := range defs {
		if i == 0 {
			b.WriteString(" WINDOW ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(d.String())
	}
	if qualify != nil {
		b.WriteString(" QUALIFY ")
		b.WriteString(qualify.String())
	}
}

// dumpWindowCall prints a window call's tree: (OVER call window).
func dumpWindowCall(b *strings.Builder, e *WindowCall) {
	b.WriteString("(OVER ")
	dumpExpr(b, e.Call)
	if e.IgnoreNulls {
		b.WriteString(" IGNORE NULLS")
	}
	b.WriteString(" " + e.Over.overString() + ")")
}

// inspectWindow visits a window call's arguments and window expressions
// (not the call itself: a windowed aggregate is not an aggregate of the
// query).
func inspectWindow(n *WindowCall, visit func(xs ...any)) {
	for _, x := range n.Call.Args {
		visit(x)
	}
	inspectSpec(n.Over, visit)
}

func inspectSpec(s *WindowSpec, visit func(xs ...any)) {
	for _, x := range s.Partition {
		visit(x)
	}
	for _, o := range s.OrderBy {
		visit(o.Expr)
	}
	if f := s.Frame; f != nil {
		visit(f.Start.Offset, f.End.Offset)
	}
}
