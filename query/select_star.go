package query

import (
	"regexp"
	"strings"

	"github.com/recq/recq/parser"
)

// DuckDB's select-list conveniences: * EXCLUDE (...), * REPLACE (...)
// and COLUMNS('regex') (also inside an expression: max(COLUMNS('^l_'))).

// starColumns lists the columns * (or t.*) shows, in order.
func starColumns(sc *scope, it *parser.SelectItem) ([]Column, []*relation, error) {
	rels := sc.rels
	if it.Table != "" {
		r := sc.relation(it.Table)
		if r == nil {
			return nil, nil, posErr(it.Pos, "no table %s in FROM%s", it.Table, suggest(it.Table, sc.qualifiers()))
		}
		rels = []*relation{r}
	}
	var cols []Column
	var from []*relation
	for _, r := range rels {
		for _, c := range r.cols {
			// t.* shows t's copy of a USING column; * does not.
			isRowID := r.rowid != nil && c.ID == r.rowid.ID || r.virtual[c.ID]
			if r.hidden[c.ID] && (it.Table == "" || isRowID) {
				continue
			}
			cols = append(cols, c)
			from = append(from, r)
		}
	}
	return cols, from, nil
}

// bindStar expands * with its EXCLUDE and REPLACE lists.
func (bd *binder) bindStar(p *selectParts, it *parser.SelectItem) error {
	sc := p.sc
	if sc.noFrom {
		return posErr(it.Pos, "SELECT * needs a FROM clause")
	}
	cols, _, err := starColumns(sc, it)
	if err != nil {
		return err
	}
	has := func(name string) bool {
		for _, c := range cols {
			if strings.EqualFold(c.Name, name) {
				return true
			}
		}
		return false
	}
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	excluded := map[string]bool{}
	for _, n := range it.Exclude {
		if !has(n) {
			return posErr(it.Pos, "EXCLUDE names %s, which * does not show%s", n, suggest(n, names))
		}
		excluded[strings.ToLower(n)] = true
	}
	replaced := map[string]*Expr{}
	for _, r := range it.Replace {
		if !has(r.Name) {
			return posErr(r.Pos, "REPLACE names %s, which * does not show%s", r.Name, suggest(r.Name, names))
		}
		if excluded[strings.ToLower(r.Name)] {
			return posErr(r.Pos, "%s is both excluded and replaced", r.Name)
		}
		e, err := bd.bindExprPlan(r.Expr, sc, exprCtx{aggOK: true, clause: "here"}, &p.plan)
		if err != nil {
			return err
		}
		replaced[strings.ToLower(r.Name)] = e
	}
	for _, c := range cols {
		key := strings.ToLower(c.Name)
		switch {
		case excluded[key]:
		case replaced[key] != nil:
			p.items = append(p.items, item{expr: replaced[key], name: c.Name})
		default:
			p.items = append(p.items, item{expr: colRef(c, it.Pos), name: c.Name})
		}
	}
	return nil
}

// columnsCall finds the COLUMNS(...) call in a select item's expression.
func columnsCall(e parser.Expr) *parser.Call {
	var found *parser.Call
	parser.Inspect(e, func(n any) bool {
		if c, ok := n.(*parser.Call); ok && c.Name == "columns" && found == nil {
			found = c
			return false
		}
		_, isSub := n.(parser.Query)
		return found == nil && !isSub
	})
	return found
}

// bindColumns expands a select item that uses COLUMNS('regex') (or
// COLUMNS(*)): one item per column of * whose name matches, with the
// column in place of the call.
func (bd *binder) bindColumns(p *selectParts, it *parser.SelectItem, call *parser.Call) error {
	if p.sc.noFrom {
		return posErr(call.Pos, "COLUMNS(...) needs a FROM clause")
	}
	if it.Alias != "" {
		return posErr(it.Pos, "an item with COLUMNS(...) cannot have an alias: it stands for several columns")
	}
	var re *regexp.Regexp
	switch {
	case call.Star:
	case len(call.Args) == 1:
		lit, ok := call.Args[0].(*parser.Literal)
		if !ok || lit.Kind != parser.LitString {
			return posErr(call.Pos, "COLUMNS needs a regular expression as a string constant, as in COLUMNS('^l_'), or *")
		}
		var err error
		if re, err = regexp.Compile(lit.Text); err != nil {
			return posErr(lit.Pos, "COLUMNS: invalid regular expression %q: %s (Go RE2 syntax)", lit.Text, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
		}
	default:
		return posErr(call.Pos, "COLUMNS takes one argument, a regular expression, got %d", len(call.Args))
	}
	cols, rels, err := starColumns(p.sc, &parser.SelectItem{Pos: it.Pos, Star: true})
	if err != nil {
		return err
	}
	n := 0
	for i, c := range cols {
		if re != nil && !re.MatchString(c.Name) {
			continue
		}
		n++
		ref := &parser.ColumnRef{Pos: call.Pos, Name: c.Name}
		dup := 0
		for _, o := range cols {
			if strings.EqualFold(o.Name, c.Name) {
				dup++
			}
		}
		if dup > 1 && len(rels[i].names) > 0 && rels[i].names[0] != "" {
			ref.Table = rels[i].names[0] // qualified only where the name is ambiguous
		}
		x := replaceCall(it.Expr, call, ref)
		e, err := bd.bindExprPlan(x, p.sc, exprCtx{aggOK: true, clause: "here"}, &p.plan)
		if err != nil {
			return err
		}
		name := c.Name
		if x != parser.Expr(ref) {
			name = displayName(x)
		}
		p.items = append(p.items, item{expr: e, name: name, src: x})
	}
	if n == 0 {
		return posErr(call.Pos, "COLUMNS(...) matches no column")
	}
	return nil
}

// replaceCall returns e with the node call replaced by ref (copying the
// nodes on the way; other nodes are shared).
func replaceCall(e parser.Expr, call *parser.Call, ref parser.Expr) parser.Expr {
	if e == parser.Expr(call) {
		return ref
	}
	rec := func(x parser.Expr) parser.Expr {
		if x == nil {
			return nil
		}
		return replaceCall(x, call, ref)
	}
	switch n := e.(type) {
	case *parser.Call:
		c := *n
		c.Args = make([]parser.Expr, len(n.Args))
		for i, a := range n.Args {
			c.Args[i] = rec(a)
		}
		c.Filter = rec(n.Filter)
		return &c
	case *parser.Binary:
		c := *n
		c.L, c.R = rec(n.L), rec(n.R)
		return &c
	case *parser.Unary:
		c := *n
		c.X = rec(n.X)
		return &c
	case *parser.Cast:
		c := *n
		c.X = rec(n.X)
		return &c
	case *parser.IsNull:
		c := *n
		c.X = rec(n.X)
		return &c
	case *parser.Between:
		c := *n
		c.X, c.Lo, c.Hi = rec(n.X), rec(n.Lo), rec(n.Hi)
		return &c
	case *parser.InList:
		c := *n
		c.X = rec(n.X)
		c.List = make([]parser.Expr, len(n.List))
		for i, a := range n.List {
			c.List[i] = rec(a)
		}
		return &c
	case *parser.Case:
		c := *n
		c.Operand, c.Else = rec(n.Operand), rec(n.Else)
		c.Whens = make([]*parser.When, len(n.Whens))
		for i, w := range n.Whens {
			c.Whens[i] = &parser.When{Pos: w.Pos, Cond: rec(w.Cond), Result: rec(w.Result)}
		}
		return &c
	}
	return e
}
