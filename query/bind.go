package query

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/recq/recq/exec"
	"github.com/recq/recq/parser"
	"github.com/recq/recq/storage"
)

// bound is a SELECT after name resolution: every column reference is tied
// to a table field, aliases and ordinals are replaced by the expressions
// they name, * is expanded, and the aggregate calls are collected.
type bound struct {
	sel   *parser.Select
	entry *tableEntry    // nil without FROM
	table *storage.Table // nil without FROM
	res   map[*parser.ColumnRef]int
	args  []any

	items    []outItem
	where    []parser.Expr // conjuncts
	groupBy  []parser.Expr
	aggs     []*parser.Call // distinct aggregate calls, by canonical text
	having   parser.Expr
	order    []orderKey
	limit    int64 // -1: none
	offset   int64
	distinct bool
	sample   *parser.Sample
}

// outItem is one output column.
type outItem struct {
	expr parser.Expr
	name string
}

// orderKey is one ORDER BY key; item >= 0 when it is an output column.
type orderKey struct {
	expr       parser.Expr
	item       int
	desc       bool
	nullsFirst bool
}

// hasAggregation reports whether the query aggregates.
func (b *bound) hasAggregation() bool {
	return len(b.groupBy) > 0 || len(b.aggs) > 0 || b.having != nil
}

// binder resolves one SELECT.
type binder struct {
	b       *bound
	names   []string // table qualifiers accepted (table name, alias)
	aggKeys map[string]bool
}

// bindSelect resolves sel against the catalog. args are the values of ?
// parameters.
func bindSelect(sel *parser.Select, cat *Catalog, opts OpenTableOptions, args []any) (*bound, error) {
	b := &bound{sel: sel, res: map[*parser.ColumnRef]int{}, args: args, limit: -1, distinct: sel.Distinct}
	bd := &binder{b: b, aggKeys: map[string]bool{}}
	if sel.From != nil {
		from, ok := sel.From.(*parser.TableRef)
		if !ok {
			return nil, posErr(sel.From.Position(), "joins and derived tables are not supported")
		}
		var err error
		if from.Path != "" {
			b.entry = cat.byPath(from.Path, "", "path")
		} else if b.entry, err = cat.lookup(from.Name); err != nil {
			return nil, posErr(from.Pos, "%v", err)
		}
		if b.table, err = b.entry.open(opts); err != nil {
			return nil, err
		}
		if from.Alias != "" {
			bd.names = append(bd.names, from.Alias)
		} else {
			bd.names = append(bd.names, b.entry.name, tableStem(b.entry.path))
		}
		b.sample = from.Sample
	}
	if err := bd.bindItems(); err != nil {
		return nil, err
	}
	if sel.Where != nil {
		if err := bd.resolve(sel.Where, "in WHERE"); err != nil {
			return nil, err
		}
		b.where = splitAnd(sel.Where)
	}
	for _, g := range sel.GroupBy {
		e, err := bd.outputRef(g, false)
		if err != nil {
			return nil, err
		}
		if e == nil {
			if err := bd.resolve(g, "in GROUP BY"); err != nil {
				return nil, err
			}
			e = g
		}
		if containsAggregate(e) {
			return nil, posErr(g.Position(), "GROUP BY cannot use an aggregate function")
		}
		b.groupBy = append(b.groupBy, e)
	}
	if sel.Having != nil {
		if err := bd.resolveWithAliases(sel.Having); err != nil {
			return nil, err
		}
		b.having = bd.substituteAliases(sel.Having)
		bd.collectAggs(b.having)
	}
	for _, it := range b.items {
		bd.collectAggs(it.expr)
	}
	for _, o := range sel.OrderBy {
		// NULLS LAST unless asked, in both directions (DuckDB's default).
		k := orderKey{item: -1, desc: o.Desc}
		if o.NullsFirst != nil {
			k.nullsFirst = *o.NullsFirst
		}
		e, err := bd.outputRef(o.Expr, true)
		if err != nil {
			return nil, err
		}
		if e == nil {
			if err := bd.resolve(o.Expr, "in ORDER BY"); err != nil {
				return nil, err
			}
			e = o.Expr
			bd.collectAggs(e)
		}
		k.expr = e
		for i, it := range b.items {
			if it.expr == e || it.expr.String() == e.String() {
				k.item = i
				break
			}
		}
		if b.distinct && k.item < 0 {
			return nil, posErr(o.Pos, "with SELECT DISTINCT, ORDER BY expressions must appear in the select list")
		}
		b.order = append(b.order, k)
	}
	var err error
	if b.limit, err = bd.count(sel.Limit, "LIMIT"); err != nil {
		return nil, err
	}
	if b.offset, err = bd.count(sel.Offset, "OFFSET"); err != nil {
		return nil, err
	}
	if b.offset < 0 {
		b.offset = 0
	}
	return b, nil
}

// tableStem is a file name without directory and extension.
func tableStem(path string) string {
	base := path[strings.LastIndexByte(path, '/')+1:]
	if i := strings.IndexByte(base, '.'); i > 0 {
		base = base[:i]
	}
	return base
}

// bindItems expands * and resolves the select list.
func (bd *binder) bindItems() error {
	b := bd.b
	for _, it := range b.sel.Items {
		if it.Star {
			if b.table == nil {
				return posErr(it.Pos, "SELECT * needs a FROM clause")
			}
			if it.Table != "" && !bd.qualifierOK(it.Table) {
				return posErr(it.Pos, "no table %s in FROM%s", it.Table, suggest(it.Table, bd.names))
			}
			for i := range b.table.Schema.Fields {
				f := &b.table.Schema.Fields[i]
				ref := &parser.ColumnRef{Pos: it.Pos, Name: f.Name}
				b.res[ref] = i
				b.items = append(b.items, outItem{expr: ref, name: f.Name})
			}
			continue
		}
		if err := bd.resolve(it.Expr, ""); err != nil {
			return err
		}
		name := it.Alias
		if name == "" {
			name = displayName(it.Expr)
		}
		b.items = append(b.items, outItem{expr: it.Expr, name: name})
	}
	return nil
}

// displayName is an output column's name when it has no alias: the column
// name for a column reference, else the expression's text (as DuckDB).
func displayName(e parser.Expr) string {
	if c, ok := e.(*parser.ColumnRef); ok {
		return c.Name
	}
	return e.String()
}

func (bd *binder) qualifierOK(q string) bool {
	for _, n := range bd.names {
		if strings.EqualFold(n, q) {
			return true
		}
	}
	return false
}

// resolve ties every column reference in e to a table field and checks
// aggregate placement. where names the clause for messages ("in WHERE");
// aggregates are rejected there.
func (bd *binder) resolve(e parser.Expr, where string) error {
	var err error
	walk(e, func(x parser.Expr, inAgg bool) bool {
		if err != nil {
			return false
		}
		switch n := x.(type) {
		case *parser.ColumnRef:
			err = bd.resolveColumn(n)
		case *parser.Call:
			if exec.IsAggregate(n.Name) {
				if where == "in WHERE" || where == "in GROUP BY" {
					err = posErr(n.Pos, "aggregate function %s is not allowed %s", n.Name, where)
				} else if inAgg {
					err = posErr(n.Pos, "aggregate function calls cannot be nested")
				}
			}
		}
		return err == nil
	})
	return err
}

// resolveColumn binds one column reference.
func (bd *binder) resolveColumn(n *parser.ColumnRef) error {
	b := bd.b
	if _, done := b.res[n]; done {
		return nil
	}
	if b.table == nil {
		return posErr(n.Pos, "no column %s: the query has no FROM clause", n.Name)
	}
	if n.Table != "" && !bd.qualifierOK(n.Table) {
		return posErr(n.Pos, "no table %s in FROM%s", n.Table, suggest(n.Table, bd.names))
	}
	if strings.EqualFold(n.Name, "_rowid") {
		b.res[n] = rowIDField
		n.Table, n.Name = "", "_rowid"
		return nil
	}
	i := b.table.Schema.Lookup(n.Name)
	if i < 0 {
		return posErr(n.Pos, "no column %s in %s%s", n.Name, bd.names[0], suggest(n.Name, b.table.Schema.Names()))
	}
	b.res[n] = i
	// Canonical form: unqualified, the field's own spelling, so equal
	// expressions print equally (GROUP BY matching, EXPLAIN).
	n.Table, n.Name = "", b.table.Schema.Fields[i].Name
	return nil
}

// resolveWithAliases resolves e, letting bare names that are not table
// columns refer to select-list aliases (HAVING).
func (bd *binder) resolveWithAliases(e parser.Expr) error {
	var err error
	walk(e, func(x parser.Expr, _ bool) bool {
		if err != nil {
			return false // keep the first error (the walk visits siblings)
		}
		if c, ok := x.(*parser.ColumnRef); ok && c.Table == "" && bd.aliasItem(c) >= 0 {
			return false
		}
		if c, ok := x.(*parser.ColumnRef); ok {
			err = bd.resolveColumn(c)
		}
		if c, ok := x.(*parser.Call); ok && exec.IsAggregate(c.Name) {
			err = bd.resolve(c, "")
			return false
		}
		return err == nil
	})
	return err
}

// aliasItem returns the select item a bare name refers to as an alias
// (when it is not a table column), or -1.
func (bd *binder) aliasItem(c *parser.ColumnRef) int {
	if _, done := bd.b.res[c]; done {
		return -1
	}
	if bd.b.table != nil && bd.b.table.Schema.Lookup(c.Name) >= 0 {
		return -1
	}
	for i, it := range bd.b.items {
		if strings.EqualFold(it.name, c.Name) {
			return i
		}
	}
	return -1
}

// substituteAliases replaces alias references in e by the aliased
// expressions (only whole-expression or operand positions the printer
// can represent: it rebuilds the tree where needed).
func (bd *binder) substituteAliases(e parser.Expr) parser.Expr {
	return rewrite(e, func(x parser.Expr) parser.Expr {
		if c, ok := x.(*parser.ColumnRef); ok && c.Table == "" {
			if i := bd.aliasItem(c); i >= 0 {
				return bd.b.items[i].expr
			}
		}
		return nil
	})
}

// outputRef resolves GROUP BY / ORDER BY shorthands: an integer literal is
// an ordinal of the select list, a bare name an alias. For GROUP BY a
// table column wins over an alias (SQL); for ORDER BY the alias wins.
func (bd *binder) outputRef(e parser.Expr, aliasFirst bool) (parser.Expr, error) {
	b := bd.b
	if l, ok := e.(*parser.Literal); ok && l.Kind == parser.LitInteger {
		k, err := strconv.Atoi(l.Text)
		if err != nil || k < 1 || k > len(b.items) {
			return nil, posErr(l.Pos, "position %s is not in the select list (1 to %d)", l.Text, len(b.items))
		}
		return b.items[k-1].expr, nil
	}
	c, ok := e.(*parser.ColumnRef)
	if !ok || c.Table != "" {
		return nil, nil
	}
	isColumn := b.table != nil && (b.table.Schema.Lookup(c.Name) >= 0 || strings.EqualFold(c.Name, "_rowid"))
	if isColumn && !aliasFirst {
		return nil, nil
	}
	for _, it := range b.items {
		if strings.EqualFold(it.name, c.Name) {
			if _, isRef := it.expr.(*parser.ColumnRef); isRef && isColumn {
				return nil, nil // the alias is the column itself
			}
			return it.expr, nil
		}
	}
	return nil, nil
}

// collectAggs records the distinct aggregate calls in e.
func (bd *binder) collectAggs(e parser.Expr) {
	walk(e, func(x parser.Expr, _ bool) bool {
		if c, ok := x.(*parser.Call); ok && exec.IsAggregate(c.Name) {
			if k := c.String(); !bd.aggKeys[k] {
				bd.aggKeys[k] = true
				bd.b.aggs = append(bd.b.aggs, c)
			}
			return false
		}
		return true
	})
}

// count evaluates a LIMIT or OFFSET expression: a constant whole number.
func (bd *binder) count(e parser.Expr, what string) (int64, error) {
	if e == nil {
		return -1, nil
	}
	hasColumn := false
	walk(e, func(x parser.Expr, _ bool) bool {
		_, isCol := x.(*parser.ColumnRef)
		hasColumn = hasColumn || isCol
		return !hasColumn
	})
	if hasColumn {
		return 0, posErr(e.Position(), "%s must be a non-negative whole number, not an expression over columns", what)
	}
	x, err := conv(e, &scope{args: bd.b.args, res: bd.b.res})
	if err != nil {
		return 0, err
	}
	if x, err = exec.FoldConstant(x); err != nil {
		return 0, posErr(e.Position(), "%s: %v", what, err)
	}
	v, ok := exec.LiteralValue(x)
	n, isInt := v.(int64)
	if !ok || !isInt || n < 0 {
		return 0, posErr(e.Position(), "%s must be a non-negative whole number", what)
	}
	return n, nil
}

// containsAggregate reports whether e calls an aggregate function.
func containsAggregate(e parser.Expr) bool {
	found := false
	walk(e, func(x parser.Expr, _ bool) bool {
		if c, ok := x.(*parser.Call); ok && exec.IsAggregate(c.Name) {
			found = true
		}
		return !found
	})
	return found
}

// splitAnd flattens a tree of ANDs into its conjuncts.
func splitAnd(e parser.Expr) []parser.Expr {
	if b, ok := e.(*parser.Binary); ok && b.Op == "AND" {
		return append(splitAnd(b.L), splitAnd(b.R)...)
	}
	return []parser.Expr{e}
}

// walk visits e and its sub-expressions depth first; fn returns false to
// skip a node's children. inAgg tells whether the node is inside an
// aggregate call's arguments.
func walk(e parser.Expr, fn func(x parser.Expr, inAgg bool) bool) {
	var visit func(x parser.Expr, inAgg bool)
	visit = func(x parser.Expr, inAgg bool) {
		if x == nil || !fn(x, inAgg) {
			return
		}
		if c, ok := x.(*parser.Call); ok && exec.IsAggregate(c.Name) {
			inAgg = true
		}
		for _, k := range children(x) {
			visit(k, inAgg)
		}
	}
	visit(e, false)
}

// children lists an expression's direct sub-expressions.
func children(e parser.Expr) []parser.Expr {
	switch n := e.(type) {
	case *parser.Unary:
		return []parser.Expr{n.X}
	case *parser.Binary:
		return []parser.Expr{n.L, n.R}
	case *parser.IsNull:
		return []parser.Expr{n.X}
	case *parser.Between:
		return []parser.Expr{n.X, n.Lo, n.Hi}
	case *parser.InList:
		return append([]parser.Expr{n.X}, n.List...)
	case *parser.Call:
		return n.Args
	case *parser.Cast:
		return []parser.Expr{n.X}
	case *parser.Interval:
		return []parser.Expr{n.Value}
	case *parser.Case:
		out := []parser.Expr{}
		if n.Operand != nil {
			out = append(out, n.Operand)
		}
		for _, w := range n.Whens {
			out = append(out, w.Cond, w.Result)
		}
		if n.Else != nil {
			out = append(out, n.Else)
		}
		return out
	}
	return nil
}

// rewrite returns e with every node for which fn returns a replacement
// replaced (fn returns nil to keep a node and look inside it). Nodes on
// the path to a replacement are copied; e itself is not modified.
func rewrite(e parser.Expr, fn func(parser.Expr) parser.Expr) parser.Expr {
	if e == nil {
		return nil
	}
	if r := fn(e); r != nil {
		return r
	}
	rw := func(x parser.Expr) parser.Expr { return rewrite(x, fn) }
	switch n := e.(type) {
	case *parser.Unary:
		c := *n
		c.X = rw(n.X)
		return &c
	case *parser.Binary:
		c := *n
		c.L, c.R = rw(n.L), rw(n.R)
		return &c
	case *parser.IsNull:
		c := *n
		c.X = rw(n.X)
		return &c
	case *parser.Between:
		c := *n
		c.X, c.Lo, c.Hi = rw(n.X), rw(n.Lo), rw(n.Hi)
		return &c
	case *parser.InList:
		c := *n
		c.X = rw(n.X)
		c.List = make([]parser.Expr, len(n.List))
		for i, x := range n.List {
			c.List[i] = rw(x)
		}
		return &c
	case *parser.Call:
		c := *n
		c.Args = make([]parser.Expr, len(n.Args))
		for i, x := range n.Args {
			c.Args[i] = rw(x)
		}
		return &c
	case *parser.Cast:
		c := *n
		c.X = rw(n.X)
		return &c
	case *parser.Case:
		c := *n
		c.Operand, c.Else = rw(n.Operand), rw(n.Else)
		c.Whens = make([]*parser.When, len(n.Whens))
		for i, w := range n.Whens {
			c.Whens[i] = &parser.When{Pos: w.Pos, Cond: rw(w.Cond), Result: rw(w.Result)}
		}
		return &c
	}
	return e
}

// describeBound renders a bound query briefly (for internal errors).
func (b *bound) String() string {
	return fmt.Sprintf("bound(%s)", b.sel.String())
}
