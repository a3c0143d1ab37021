package parser

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// converter turns grammar structs into the AST and checks what the grammar
// alone cannot: type names, interval units, option values, expression depth.
// It keeps the first error it finds.
type converter struct {
	params map[int]int // byte offset of a '?' -> its 1-based index
	src    string      // the whole SQL text
	toks   []token     // the statement's tokens
	err    *Error
}

func lpos(p lexer.Position) Pos { return fromLexerPos(p) }

func (c *converter) failf(p Pos, format string, args ...any) {
	if c.err == nil {
		c.err = &Error{Line: p.Line, Column: p.Column, Offset: p.Offset, Msg: fmt.Sprintf(format, args...)}
	}
}

// ident returns the name an identifier token stands for: quoted identifiers
// exactly, anything else lower-cased.
func ident(raw string) string {
	if strings.HasPrefix(raw, `"`) {
		return unquote(raw)
	}
	return lowerWord(raw)
}

func lowerWord(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 || ('A' <= c && c <= 'Z') {
			return strings.ToLower(s)
		}
	}
	return s
}

func (c *converter) atoi(p Pos, s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n > math.MaxInt32 {
		c.failf(p, "number %s is too large", s)
		return 0
	}
	return n
}

// --- statements ---

func (c *converter) statement(g *gStatement) Statement {
	switch {
	case g.Explain != nil:
		return &Explain{Pos: lpos(g.Explain.Pos), Analyze: g.Explain.Analyze, Stmt: c.query(g.Explain.Query)}
	case g.Query != nil:
		return c.query(g.Query)
	case g.Describe != nil && g.Describe.Query != nil:
		return &Describe{Pos: lpos(g.Describe.Pos), Query: c.query(g.Describe.Query)}
	case g.Summarize != nil:
		s := &Summarize{Pos: lpos(g.Summarize.Pos)}
		switch {
		case g.Summarize.Query != nil:
			s.Query = c.query(g.Summarize.Query)
		case g.Summarize.Name != nil:
			s.Name = ident(*g.Summarize.Name)
		default:
			s.Path = unquote(g.Summarize.Path.Value)
			if s.Path == "" {
				c.failf(lpos(g.Summarize.Path.Pos), "the file path is empty")
			}
		}
		return s
	case g.Show != nil && g.Show.Name != nil:
		if n := g.Show.Name; strings.EqualFold(n.Value, "TABLE") {
			c.failf(lpos(n.Pos), "expected TABLES after SHOW, found TABLE (SHOW name describes the table name)")
		}
		return &Describe{Pos: lpos(g.Show.Pos), Name: ident(g.Show.Name.Value)}
	case g.Describe != nil:
		d := &Describe{Pos: lpos(g.Describe.Pos)}
		if g.Describe.Name != nil {
			d.Name = ident(*g.Describe.Name)
		} else {
			d.Path = unquote(g.Describe.Path.Value)
			if d.Path == "" {
				c.failf(lpos(g.Describe.Path.Pos), "the file path is empty")
			}
		}
		return d
	case g.Show != nil:
		return &ShowTables{Pos: lpos(g.Show.Pos)}
	case g.Set != nil:
		return &Set{Pos: lpos(g.Set.Pos), Name: ident(g.Set.Name), Value: c.setValue(g.Set.Value)}
	case g.Create != nil && g.Create.View != nil:
		return c.createView(lpos(g.Create.Pos), g.Create.OrReplace, g.Create.View)
	case g.Create != nil && g.Create.Table.As != nil:
		return c.createTableAs(lpos(g.Create.Pos), g.Create.OrReplace, g.Create.Table)
	case g.Create != nil:
		if g.Create.OrReplace != nil {
			c.failf(lpos(g.Create.OrReplace.Pos), "OR REPLACE applies to CREATE TABLE ... AS query and CREATE VIEW; to redefine a layout, DROP TABLE %s first", quoteIdent(ident(g.Create.Table.Name)))
		}
		return c.createTable(lpos(g.Create.Pos), g.Create.Table)
	case g.Drop != nil:
		p, name := lpos(g.Drop.Pos), ident(g.Drop.Name)
		if strings.EqualFold(g.Drop.What, "VIEW") {
			return &DropView{Pos: p, Name: name, IfExists: g.Drop.IfExists}
		}
		return &DropTable{Pos: p, Name: name, IfExists: g.Drop.IfExists}
	case g.Copy != nil:
		return c.copyStmt(g.Copy)
	}
	c.failf(Pos{Line: 1, Column: 1}, "internal error: empty statement")
	return nil
}

// copyStmt converts COPY, turning COPY name into COPY (SELECT * FROM name).
func (c *converter) copyStmt(g *gCopy) *Copy {
	p := lpos(g.Pos)
	st := &Copy{Pos: p, To: unquote(g.To.Value)}
	if st.To == "" {
		c.failf(lpos(g.To.Pos), "the file path is empty")
	}
	if g.Table != nil {
		st.Table = ident(*g.Table)
		st.Query = &Select{Pos: p, Items: []*SelectItem{{Pos: p, Star: true}}, From: &TableRef{Pos: p, Name: st.Table}}
	} else {
		st.Query = c.query(g.Query)
	}
	keys := map[string]bool{}
	for _, o := range g.Options {
		opt := &CopyOption{Pos: lpos(o.Pos), Key: strings.ToLower(ident(o.Key))}
		if keys[opt.Key] {
			c.failf(opt.Pos, "option %s is given twice", opt.Key)
		}
		keys[opt.Key] = true
		if o.Value != nil {
			opt.Value = c.optionValue(o.Value)
		}
		for _, v := range o.List {
			opt.List = append(opt.List, c.optionValue(v))
		}
		st.Options = append(st.Options, opt)
	}
	return st
}

// setValue converts the value of SET.
func (c *converter) setValue(g *gSetValue) Expr {
	if g.Word != nil {
		return &ColumnRef{Pos: lpos(g.Word.Pos), Name: ident(g.Word.Value)}
	}
	return c.valueLiteral(g)
}

// optionValue converts the value of a WITH or COPY option: a bare word
// becomes a lower-case string (a quoted name keeps its case).
func (c *converter) optionValue(g *gSetValue) *Literal {
	if g.Word != nil {
		w := g.Word.Value
		if !strings.HasPrefix(w, `"`) {
			w = strings.ToLower(w)
		} else {
			w = unquote(w)
		}
		return &Literal{Pos: lpos(g.Word.Pos), Kind: LitString, Text: w}
	}
	return c.valueLiteral(g)
}

// valueLiteral converts a SET/WITH/NULLIF value that is not a bare word.
func (c *converter) valueLiteral(g *gSetValue) *Literal {
	p := lpos(g.Pos)
	switch {
	case g.Num != nil:
		l := c.literal(g.Num)
		l.Pos = p
		if g.Minus {
			l.Text = "-" + l.Text
		}
		return l
	case g.Lit != nil:
		l := c.literal(g.Lit)
		return l
	}
	c.failf(p, "internal error: empty value")
	return &Literal{Pos: p, Kind: LitNull, Text: "null"}
}

func (c *converter) createTable(p Pos, g *gCreateTable) *CreateTable {
	t := &CreateTable{Pos: p, Name: ident(g.Name), IfNotExists: g.IfNotExists != nil}
	if g.Copybook != nil {
		t.Copybook, t.CopybookPos = unquote(g.Copybook.Path.Value), lpos(g.Copybook.Pos)
	}
	seen := map[string]Pos{}
	for _, gc := range g.Columns {
		col := c.columnDef(gc)
		if prev, dup := seen[col.Name]; dup {
			c.failf(col.Pos, "column %s is defined twice (first at line %d, column %d)", quoteIdent(col.Name), prev.Line, prev.Column)
		}
		seen[col.Name] = col.Pos
		t.Columns = append(t.Columns, col)
	}
	keys := map[string]bool{}
	for _, o := range g.Options {
		opt := &TableOption{Pos: lpos(o.Pos), Key: strings.ToLower(ident(o.Key))}
		if keys[opt.Key] {
			c.failf(opt.Pos, "option %s is given twice", opt.Key)
		}
		keys[opt.Key] = true
		opt.Value = c.optionValue(o.Value)
		t.Options = append(t.Options, opt)
	}
	return t
}

// createTableAs converts CREATE [OR REPLACE] TABLE [IF NOT EXISTS] name
// AS query.
func (c *converter) createTableAs(p Pos, orReplace *lexer.Token, g *gCreateTable) *CreateTableAs {
	t := &CreateTableAs{Pos: p, Name: ident(g.Name), OrReplace: orReplace != nil, IfNotExists: g.IfNotExists != nil}
	if t.OrReplace && t.IfNotExists {
		c.failf(lpos(g.IfNotExists.Pos), "OR REPLACE and IF NOT EXISTS cannot be combined: choose one")
	}
	t.Query = c.query(g.As)
	return t
}

func (c *converter) columnDef(g *gColumnDef) *ColumnDef {
	col := &ColumnDef{Pos: lpos(g.Pos), Name: ident(g.Name)}
	if g.Struct != nil {
		col.Type = &TypeName{Pos: lpos(g.Struct.Pos), Name: "STRUCT"}
		for _, m := range g.Struct.Members {
			col.Members = append(col.Members, c.columnDef(m))
		}
	} else {
		col.Type = c.typeName(g.Type)
	}
	have := map[ColumnOptionKind]*ColumnOption{}
	for _, o := range g.Options {
		opt := c.columnOption(o)
		if opt == nil {
			continue
		}
		if _, dup := have[opt.Kind]; dup {
			c.failf(opt.Pos, "%s is given twice for column %s", opt.Kind, quoteIdent(col.Name))
		}
		have[opt.Kind] = opt
		col.Options = append(col.Options, opt)
	}
	conflict := func(a, b ColumnOptionKind, why string) {
		if have[a] != nil && have[b] != nil {
			later := have[b]
			if have[a].Pos.Offset > later.Pos.Offset {
				later = have[a]
			}
			c.failf(later.Pos, "column %s has both %s and %s%s", quoteIdent(col.Name), a, b, why)
		}
	}
	conflict(OptLittleEndian, OptBigEndian, "")
	conflict(OptNull, OptNotNull, "")
	conflict(OptPosition, OptOffset, "; POSITION already gives the field's place")
	conflict(OptPosition, OptWidth, "; POSITION already gives the field's width")
	return col
}

func (c *converter) columnOption(g *gColumnOption) *ColumnOption {
	o := &ColumnOption{Pos: lpos(g.Pos)}
	switch {
	case g.Position != nil:
		o.Kind = OptPosition
		o.Int1 = c.atoi(o.Pos, g.Position[0])
		o.Int2 = o.Int1
		if len(g.Position) > 1 {
			o.Int2 = c.atoi(o.Pos, g.Position[1])
		}
		if o.Int1 < 1 {
			c.failf(o.Pos, "POSITION counts from 1; %d is not a valid start", o.Int1)
		} else if o.Int2 < o.Int1 {
			c.failf(o.Pos, "POSITION(%d:%d) ends before it starts", o.Int1, o.Int2)
		}
	case g.Offset != nil:
		o.Kind = OptOffset
		o.Int1 = c.atoi(o.Pos, *g.Offset)
	case g.Width != nil:
		o.Kind = OptWidth
		o.Int1 = c.atoi(o.Pos, *g.Width)
		if o.Int1 < 1 {
			c.failf(o.Pos, "WIDTH must be at least 1")
		}
	case g.Little:
		o.Kind = OptLittleEndian
	case g.Big:
		o.Kind = OptBigEndian
	case g.Text:
		o.Kind = OptText
	case g.Implied != nil:
		o.Kind = OptImplied
		if g.Implied.Decimals != nil {
			o.Int1, o.Int2 = c.atoi(o.Pos, *g.Implied.Decimals), 1
			if g.Implied.Minus {
				o.Int1 = -o.Int1
			}
		}
	case g.Packed:
		o.Kind = OptPacked
	case g.Zoned:
		o.Kind = OptZoned
	case g.IBMFloat:
		o.Kind = OptIBMFloat
	case g.Unsigned:
		o.Kind = OptUnsigned
	case g.Sign != nil:
		o.Kind = OptSign
		o.Str = strings.ToLower(g.Sign.Where.Value)
		if g.Sign.Separate {
			o.Int1 = 1
		}
	case g.CodePage != nil:
		o.Kind = OptCodePage
		o.Str = unquote(*g.CodePage)
	case g.OnError:
		o.Kind = OptOnErrorNull
	case g.Occurs != nil:
		o.Kind = OptOccurs
		o.Int1 = c.atoi(o.Pos, g.Occurs.Count)
		if o.Int1 < 1 {
			c.failf(o.Pos, "OCCURS needs at least 1 element, as in OCCURS 31 TIMES")
		}
		if g.Occurs.Stride != nil {
			o.Int2 = c.atoi(o.Pos, *g.Occurs.Stride)
			if o.Int2 < 1 {
				c.failf(o.Pos, "STRIDE must be at least 1 byte")
			}
		}
		if g.Occurs.Min != nil {
			o.Int3 = c.atoi(o.Pos, *g.Occurs.Min)
			if o.Int3 > o.Int1 {
				c.failf(o.Pos, "OCCURS %d TO %d: the smallest count is more than the largest", o.Int3, o.Int1)
			}
			if g.Occurs.Depending == nil {
				c.failf(o.Pos, "OCCURS %d TO %d needs DEPENDING ON the field that holds the count", o.Int3, o.Int1)
			}
		}
		if g.Occurs.Depending != nil {
			o.Str = ident(*g.Occurs.Depending)
		}
	case g.Format != nil:
		o.Kind = OptFormat
		o.Str = unquote(*g.Format)
		if o.Str == "" {
			c.failf(o.Pos, "FORMAT needs a pattern, as in FORMAT 'YYYYMMDD'")
		}
	case g.NullIf != nil:
		o.Kind = OptNullIf
		list := g.NullIf.List
		if g.NullIf.One != nil {
			list = []*gSetValue{g.NullIf.One}
		}
		for _, v := range list {
			o.Strs = append(o.Strs, c.nullIfValue(o.Pos, v))
		}
	case g.NotNull:
		o.Kind = OptNotNull
	case g.Null:
		o.Kind = OptNull
	case g.Trim != nil:
		o.Kind = OptTrim
		o.Str = strings.ToLower(g.Trim.Value)
		switch o.Str {
		case "none", "leading", "trailing", "both":
		default:
			c.failf(lpos(g.Trim.Pos), "TRIM takes NONE, LEADING, TRAILING or BOTH, not %s", g.Trim.Value)
		}
	default:
		c.failf(o.Pos, "internal error: empty column option")
		return nil
	}
	return o
}

// nullIfValue is the sentinel text of one NULLIF value.
func (c *converter) nullIfValue(pos Pos, v *gSetValue) string {
	if v.Word != nil {
		if strings.HasPrefix(v.Word.Value, `"`) {
			return unquote(v.Word.Value)
		}
		return v.Word.Value
	}
	l := c.valueLiteral(v)
	if l.Kind == LitNull || l.Kind == LitBool {
		c.failf(pos, "NULLIF takes the sentinel text as a string, as in NULLIF '-9999' or NULLIF ('-9999', '')")
	}
	return l.Text
}

func (c *converter) typeName(g *gType) *TypeName {
	t := &TypeName{Pos: lpos(g.Pos), Name: strings.ToUpper(g.Name)}
	if !knownTypes[t.Name] {
		if s := suggest(t.Name, KnownTypes()); s != "" {
			c.failf(t.Pos, "unknown type %s; did you mean %s?", g.Name, s)
		} else {
			c.failf(t.Pos, "unknown type %s; known types are %s", g.Name, strings.Join(KnownTypes(), ", "))
		}
	}
	for _, p := range g.Params {
		t.Params = append(t.Params, c.atoi(t.Pos, p))
	}
	return t
}

// --- expressions ---

// MaxExprDepth is the deepest expression tree accepted. A chain of binary
// operators (a + b + c ...) counts one level per operator.
const MaxExprDepth = 1000

func (c *converter) optExpr(g *gExpr) Expr {
	if g == nil {
		return nil
	}
	return c.expr(g)
}

func (c *converter) expr(g *gExpr) Expr {
	e, _ := c.or(g)
	return e
}

// depthCheck records an error when d exceeds the limit.
func (c *converter) depthCheck(p Pos, d int) {
	if d > MaxExprDepth {
		c.failf(p, "expression is nested too deeply (more than %d levels); long AND/OR chains of equality tests can be written as IN (...)", MaxExprDepth)
	}
}

func (c *converter) binary(p Pos, op string, l Expr, dl int, r Expr, dr int) (Expr, int) {
	d := max(dl, dr) + 1
	c.depthCheck(p, d)
	return &Binary{Pos: p, Op: op, L: l, R: r}, d
}

func (c *converter) or(g *gExpr) (Expr, int) {
	x, d := c.and(g.Left)
	for _, r := range g.Right {
		y, dy := c.and(r.X)
		x, d = c.binary(lpos(r.Op.Pos), "OR", x, d, y, dy)
	}
	return x, d
}

func (c *converter) and(g *gAnd) (Expr, int) {
	x, d := c.cmp(g.Left)
	for _, r := range g.Right {
		y, dy := c.cmp(r.X)
		x, d = c.binary(lpos(r.Op.Pos), "AND", x, d, y, dy)
	}
	return x, d
}

func (c *converter) cmp(g *gCmp) (Expr, int) {
	x, d := c.concat(g.Left)
	for _, op := range g.Right {
		p := lpos(op.Pos)
		switch {
		case op.Op != nil:
			o := op.Op.Value
			if o == "!=" {
				o = "<>"
			}
			if q := op.Quant; q != nil {
				x, d = &Quantified{Pos: p, X: x, Op: o, All: strings.EqualFold(q.Kind, "ALL"), Query: c.query(q.Query)}, d+1
				c.depthCheck(p, d)
				continue
			}
			y, dy := c.concat(op.R)
			x, d = c.binary(p, o, x, d, y, dy)
		case op.Is && op.Distinct == nil:
			x, d = &IsNull{Pos: p, X: x, Not: op.IsNot}, d+1
			c.depthCheck(p, d)
		case op.Is:
			y, dy := c.concat(op.Distinct)
			o := "IS DISTINCT FROM"
			if op.IsNot {
				o = "IS NOT DISTINCT FROM"
			}
			x, d = c.binary(p, o, x, d, y, dy)
		case op.Between != nil:
			lo, dl := c.concat(op.Between.Lo)
			hi, dh := c.concat(op.Between.Hi)
			x, d = &Between{Pos: p, X: x, Lo: lo, Hi: hi, Not: op.Not}, max(d, dl, dh)+1
			c.depthCheck(p, d)
		case op.In != nil && op.In.Query != nil:
			x, d = &InSubquery{Pos: p, X: x, Query: c.query(op.In.Query), Not: op.Not}, d+1
			c.depthCheck(p, d)
		case op.In != nil && op.In.Bare != nil:
			y, _ := c.concat(op.In.Bare)
			c.failf(y.Position(), "expected '(' after IN, as in IN (1, 2, 3), found %s (a bare operand is only valid in POSITION(sub IN s))", y.String())
		case op.In != nil:
			in := &InList{Pos: p, X: x, Not: op.Not}
			for _, e := range op.In.List {
				y, dy := c.or(e)
				in.List = append(in.List, y)
				d = max(d, dy)
			}
			x, d = in, d+1
			c.depthCheck(p, d)
		case op.Like != nil:
			y, dy := c.concat(op.Like.R)
			x, d = c.binary(p, strings.ToUpper(op.Like.Op), x, d, y, dy)
			x.(*Binary).Not = op.Not
		}
	}
	nots := g.Nots
	if ex, ok := x.(*Exists); ok && len(nots) > 0 && len(g.Right) == 0 && !ex.Not {
		// NOT EXISTS (q), also when written NOT (EXISTS (q)), is one node.
		ex.Not, ex.Pos = true, lpos(nots[len(nots)-1].Pos)
		nots = nots[:len(nots)-1]
	}
	for i := len(nots) - 1; i >= 0; i-- {
		d++
		p := lpos(nots[i].Pos)
		c.depthCheck(p, d)
		x = &Unary{Pos: p, Op: "NOT", X: x}
	}
	return x, d
}

func (c *converter) concat(g *gConcat) (Expr, int) {
	x, d := c.add(g.Left)
	for _, r := range g.Right {
		y, dy := c.add(r.X)
		x, d = c.binary(lpos(r.Op.Pos), "||", x, d, y, dy)
	}
	return x, d
}

func (c *converter) add(g *gAdd) (Expr, int) {
	x, d := c.mul(g.Left)
	for _, r := range g.Right {
		y, dy := c.mul(r.X)
		x, d = c.binary(lpos(r.Op.Pos), r.Op.Value, x, d, y, dy)
	}
	return x, d
}

func (c *converter) mul(g *gMul) (Expr, int) {
	x, d := c.unary(g.Left)
	for _, r := range g.Right {
		y, dy := c.unary(r.X)
		x, d = c.binary(lpos(r.Op.Pos), r.Op.Value, x, d, y, dy)
	}
	return x, d
}

func (c *converter) unary(g *gUnary) (Expr, int) {
	x, d := c.primary(g.X)
	for _, sub := range g.Subs {
		d++
		p := lpos(sub.Pos)
		c.depthCheck(p, d)
		if sub.Field != nil {
			x = &Call{Pos: p, Name: "struct_extract", Args: []Expr{x, &Literal{Pos: p, Kind: LitString, Text: ident(*sub.Field)}}}
			continue
		}
		if sub.Slice {
			// A bound left out is the list's first (1) or last (-1) element.
			bound := func(g *gExpr, last bool) Expr {
				switch {
				case g == nil && last:
					return &Unary{Pos: p, Op: "-", X: &Literal{Pos: p, Kind: LitInteger, Text: "1"}}
				case g == nil:
					return &Literal{Pos: p, Kind: LitInteger, Text: "1"}
				}
				b, db := c.or(g)
				d = max(d, db+1)
				return b
			}
			x = &Call{Pos: p, Name: "list_slice", Args: []Expr{x, bound(sub.Index, false), bound(sub.End, true)}}
			continue
		}
		if sub.Index == nil {
			c.failf(p, "a subscript needs a position: x[i] (from 1), or a slice x[a:b]")
			return x, d
		}
		i, di := c.or(sub.Index)
		d = max(d, di+1)
		x = &Call{Pos: p, Name: "list_extract", Args: []Expr{x, i}}
	}
	for _, cs := range g.Casts {
		d++
		p := lpos(cs.Op.Pos)
		c.depthCheck(p, d)
		x = &Cast{Pos: p, X: x, Type: c.typeName(cs.Type)}
	}
	for i := len(g.Signs) - 1; i >= 0; i-- {
		d++
		p := lpos(g.Signs[i].Op.Pos)
		c.depthCheck(p, d)
		x = &Unary{Pos: p, Op: g.Signs[i].Op.Value, X: x}
	}
	return x, d
}

func (c *converter) primary(g *gPrimary) (Expr, int) {
	p := lpos(g.Pos)
	switch {
	case g.Paren != nil:
		return c.or(g.Paren)
	case g.Subquery != nil:
		return &Subquery{Pos: p, Query: c.query(g.Subquery)}, 1
	case g.Exists != nil:
		return &Exists{Pos: p, Query: c.query(g.Exists)}, 1
	case g.Case != nil:
		return c.caseExpr(g.Case)
	case g.TryCast != nil:
		x, d := c.or(g.TryCast.X)
		return &Cast{Pos: p, X: x, Type: c.typeName(g.TryCast.Type), Try: true}, d + 1
	case g.Cast != nil:
		x, d := c.or(g.Cast.X)
		return &Cast{Pos: p, X: x, Type: c.typeName(g.Cast.Type)}, d + 1
	case g.List != nil:
		l := &List{Pos: p}
		d := 0
		for _, e := range g.List.Elems {
			x, dx := c.or(e)
			l.Elems = append(l.Elems, x)
			d = max(d, dx)
		}
		return l, d + 1
	case g.Date != nil:
		return &Literal{Pos: p, Kind: LitDate, Text: unquote(g.Date.Value)}, 1
	case g.Timestamp != nil:
		return &Literal{Pos: p, Kind: LitTimestamp, Text: unquote(g.Timestamp.Value)}, 1
	case g.Interval != nil:
		return c.interval(p, g.Interval), 2
	case g.Name != nil:
		n := g.Name
		switch {
		case n.Call != nil:
			x, d := c.call(p, n.First, n.Call)
			if call, ok := x.(*Call); ok {
				x = c.windowCall(p, call, n.Call.InNulls, n.Call.Nulls, n.Call.Over)
			}
			return x, d
		case n.Star:
			c.failf(p, "%s.* is only allowed as an item of the select list", quoteIdent(ident(n.First)))
		case n.Second != nil:
			return &ColumnRef{Pos: p, Table: ident(n.First), Name: ident(*n.Second)}, 1
		}
		if isReserved(n.First) {
			// LEFT and RIGHT are reserved: only calls may use them bare.
			c.failf(p, "%s is a reserved word; write \"%s\" to use it as a name", strings.ToUpper(n.First), strings.ToLower(n.First))
		}
		return &ColumnRef{Pos: p, Name: ident(n.First)}, 1
	case g.Lit != nil:
		if g.Lit.Type == tParam {
			return &Param{Pos: p, Index: c.params[g.Lit.Pos.Offset], Dollar: strings.HasPrefix(g.Lit.Value, "$")}, 1
		}
		return c.literal(g.Lit), 1
	}
	c.failf(p, "internal error: empty expression")
	return &Literal{Pos: p, Kind: LitNull, Text: "null"}, 1
}

// starColumn returns the t.* name when g is nothing but t.*.
func starColumn(g *gExpr) *gName {
	if len(g.Right) > 0 || len(g.Left.Right) > 0 {
		return nil
	}
	cmp := g.Left.Left
	if len(cmp.Nots) > 0 || len(cmp.Right) > 0 || len(cmp.Left.Right) > 0 {
		return nil
	}
	add := cmp.Left.Left
	if len(add.Right) > 0 || len(add.Left.Right) > 0 {
		return nil
	}
	un := add.Left.Left
	if len(un.Signs) > 0 || len(un.Casts) > 0 || un.X.Name == nil || !un.X.Name.Star {
		return nil
	}
	return un.X.Name
}

// literal converts a number, string or TRUE/FALSE/NULL token.
func (c *converter) literal(t *lexer.Token) *Literal {
	l := &Literal{Pos: lpos(t.Pos), Text: t.Value}
	switch t.Type {
	case tInt:
		l.Kind = LitInteger
	case tDecimal:
		l.Kind = LitDecimal
	case tFloat:
		l.Kind = LitFloat
	case tString:
		l.Kind = LitString
		l.Text = unquote(t.Value)
	default:
		switch strings.ToUpper(t.Value) {
		case "TRUE":
			l.Kind, l.Text = LitBool, "true"
		case "FALSE":
			l.Kind, l.Text = LitBool, "false"
		default:
			l.Kind, l.Text = LitNull, "null"
		}
	}
	return l
}

func (c *converter) interval(p Pos, g *gInterval) *Interval {
	iv := &Interval{Pos: p, Value: c.literal(g.Value)}
	if g.Minus != nil {
		iv.Value = &Unary{Pos: lpos(g.Minus.Pos), Op: "-", X: iv.Value}
	}
	if g.Value.Type == tString {
		s := strings.TrimSpace(unquote(g.Value.Value))
		s = strings.TrimPrefix(s, "-")
		if _, err := strconv.ParseFloat(s, 64); err != nil || strings.ContainsAny(s, "eEnNxX_+") {
			c.failf(lpos(g.Value.Pos), "INTERVAL needs a number, as in INTERVAL '3' DAY, not %s", g.Value.Value)
		}
	}
	u := strings.TrimSuffix(strings.ToUpper(g.Unit.Value), "S")
	switch u {
	case "YEAR", "QUARTER", "MONTH", "WEEK", "DAY", "HOUR", "MINUTE", "SECOND", "MILLISECOND", "MICROSECOND":
		iv.Unit = u
	default:
		c.failf(lpos(g.Unit.Pos), "unknown interval unit %s; expected YEAR, QUARTER, MONTH, WEEK, DAY, HOUR, MINUTE, SECOND, MILLISECOND or MICROSECOND", g.Unit.Value)
	}
	return iv
}

func (c *converter) call(p Pos, name string, g *gCall) (Expr, int) {
	call := &Call{Pos: p, Name: ident(name), Star: g.Star, Distinct: g.Distinct}
	if call.Star && call.Name != "count" && call.Name != "columns" {
		c.failf(p, "only count accepts *, as in count(*)")
	}
	if call.Distinct && len(g.Args) == 0 {
		c.failf(p, "DISTINCT needs an argument, as in %s(DISTINCT x)", call.Name)
	}
	d := 0
	if len(g.OrderBy) > 0 {
		call.OrderBy = c.orderBy(g.OrderBy)
	}
	if g.Filter != nil {
		x, dx := c.or(g.Filter.Cond)
		call.Filter = x
		d = max(d, dx)
	}
	if sub, s, ok := positionIn(call.Name, g); ok {
		x, dx := c.concat(sub)
		y, dy := c.concat(s)
		call.Args = []Expr{y, x}
		d = max(dx, dy) + 1
		c.depthCheck(p, d)
		return call, d
	}
	for i, a := range g.Args {
		if a.Lambda != nil {
			if a.From != nil || a.For != nil {
				c.failf(lpos(a.Pos), "a lambda argument cannot be followed by FROM or FOR")
			}
			x, dx := c.lambda(a.Lambda)
			call.Args = append(call.Args, x)
			d = max(d, dx)
			continue
		}
		if a.List != nil {
			if kw := a.From; kw != nil || a.For != nil {
				if kw == nil {
					kw = a.For
				}
				c.failf(lpos(kw.Pos), "%s cannot follow a [list]", strings.ToUpper(kw.Value))
			}
			l := &List{Pos: lpos(a.Pos)}
			for _, e := range a.List.Elems {
				x, dx := c.or(e)
				l.Elems = append(l.Elems, x)
				d = max(d, dx)
			}
			call.Args = append(call.Args, l)
			continue
		}
		if a.From == nil && a.For == nil {
			x, dx := c.or(a.X)
			call.Args = append(call.Args, x)
			d = max(d, dx)
			continue
		}
		var (
			args []Expr
			da   int
		)
		switch call.Name {
		case "extract":
			args, da = c.extractArgs(i, len(g.Args), a)
		case "substring":
			args, da = c.substringArgs(i, len(g.Args), a)
		default:
			kw := a.From
			if kw == nil {
				kw = a.For
			}
			c.failf(lpos(kw.Pos), "%s inside a function call is only allowed in EXTRACT(field FROM value) and SUBSTRING(s FROM start FOR length)", strings.ToUpper(kw.Value))
			continue
		}
		d = max(d, da)
		call.Args = append(call.Args, args...)
	}
	d++
	c.depthCheck(p, d)
	return call, d
}

// lambdaFunctions names the functions that take a lambda, for messages
// (exec's list functions implement them).
const lambdaFunctions = "list_filter, list_transform or list_reduce"

// lambda converts a lambda argument; its parameters must differ.
func (c *converter) lambda(g *gLambda) (*Lambda, int) {
	l := &Lambda{Pos: lpos(g.Pos)}
	names := g.Python
	switch {
	case g.One != nil:
		names = []string{*g.One}
	case g.Paren != nil:
		names = g.Paren
	}
	seen := map[string]bool{}
	for _, n := range names {
		n = ident(n)
		if seen[strings.ToLower(n)] {
			c.failf(l.Pos, "lambda parameter %s is named twice", n)
		}
		seen[strings.ToLower(n)] = true
		l.Params = append(l.Params, n)
	}
	x, d := c.or(g.Body)
	l.Body = x
	return l, d + 1
}

// positionIn recognises POSITION(sub IN s): one argument that is a bare
// IN comparison; it returns sub and s.
func positionIn(name string, g *gCall) (*gConcat, *gConcat, bool) {
	if name != "position" || len(g.Args) != 1 {
		return nil, nil, false
	}
	a := g.Args[0]
	if a.X == nil || a.From != nil || a.For != nil || len(a.X.Right) != 0 || len(a.X.Left.Right) != 0 {
		return nil, nil, false
	}
	cm := a.X.Left.Left
	if len(cm.Nots) != 0 || len(cm.Right) != 1 {
		return nil, nil, false
	}
	op := cm.Right[0]
	if op.Not || op.In == nil || op.In.Bare == nil {
		return nil, nil, false
	}
	return cm.Left, op.In.Bare, true
}

// extractArgs converts EXTRACT(field FROM value), the i-th of n arguments,
// to [field as a lower-case string literal, value], and their depth.
func (c *converter) extractArgs(i, n int, a *gArg) ([]Expr, int) {
	if a.For != nil {
		c.failf(lpos(a.For.Pos), "EXTRACT takes no FOR; write EXTRACT(field FROM value)")
		return nil, 0
	}
	if i != 0 || n != 1 {
		c.failf(lpos(a.From.Pos), "EXTRACT takes one field and one value, as in EXTRACT(YEAR FROM d)")
		return nil, 0
	}
	field, _ := c.or(a.X)
	var name string
	switch f := field.(type) {
	case *ColumnRef:
		if f.Table == "" {
			name = f.Name
		}
	case *Literal:
		if f.Kind == LitString {
			name = f.Text
		}
	}
	if name == "" {
		c.failf(field.Position(), "EXTRACT needs a field name before FROM, as in EXTRACT(YEAR FROM d)")
	}
	y, dy := c.or(a.Y)
	return []Expr{&Literal{Pos: field.Position(), Kind: LitString, Text: name}, y}, dy
}

// substringArgs converts SUBSTRING(s FROM start [FOR length]) and
// SUBSTRING(s FOR length), the i-th of n arguments, to the arguments of
// substring(s, start[, length]) (a missing start is 1), and their depth.
func (c *converter) substringArgs(i, n int, a *gArg) ([]Expr, int) {
	kw := a.From
	if kw == nil {
		kw = a.For
	}
	if i != 0 || n != 1 {
		c.failf(lpos(kw.Pos), "SUBSTRING takes FROM and FOR after the string alone, as in SUBSTRING(s FROM 2 FOR 3)")
		return nil, 0
	}
	s, d := c.or(a.X)
	start := Expr(&Literal{Pos: lpos(kw.Pos), Kind: LitInteger, Text: "1"})
	if a.From != nil {
		var ds int
		start, ds = c.or(a.Y)
		d = max(d, ds)
	}
	args := []Expr{s, start}
	if a.For != nil {
		length, dl := c.or(a.Z)
		args = append(args, length)
		d = max(d, dl)
	}
	return args, d
}

func (c *converter) caseExpr(g *gCase) (Expr, int) {
	p := lpos(g.Pos)
	ce := &Case{Pos: p}
	d := 0
	if g.Operand != nil {
		x, dx := c.or(g.Operand)
		ce.Operand, d = x, dx
	}
	for _, w := range g.Whens {
		cond, dc := c.or(w.Cond)
		res, dr := c.or(w.Result)
		ce.Whens = append(ce.Whens, &When{Pos: lpos(w.Pos), Cond: cond, Result: res})
		d = max(d, dc, dr)
	}
	if g.Else != nil {
		x, dx := c.or(g.Else)
		ce.Else = x
		d = max(d, dx)
	}
	d++
	c.depthCheck(p, d)
	return ce, d
}
