package query

import (
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/recq/recq/exec"
	"github.com/recq/recq/parser"
)

// binder turns one statement's AST into a logical plan. It resolves
// names (tables, views, CTEs, columns, aliases, ordinals), gives every
// column a ColumnID, types every expression once through exec's
// constructors (bexpr.go), and plans subqueries as joins (subquery.go).
type binder struct {
	cat    *Catalog
	args   []any
	nextID ColumnID
	cells  []*subqueryCell // uncorrelated scalar subqueries and materialized CTEs, computed before the query runs
	// cteRefs counts each CTE's references, cteCells holds the cells of
	// the materialized ones (cte_materialize.go)
	cteRefs  map[*parser.CTE]int
	cteCells map[*parser.CTE]*subqueryCell
	views    int              // depth of view expansion (guards against a view that uses itself)
	rng      *exec.RandSource // random()'s generator: the session's after SET seed, else a fresh one
	now      time.Time        // current_timestamp: when binding started
	// lambdaParams are the parameters of the lambdas being bound,
	// innermost last: they shadow columns (lambda.go)
	lambdaParams []Column
}

func newBinder(cat *Catalog, args []any) *binder {
	return &binder{cat: cat, args: args, rng: exec.NewRandomSource(), now: time.Now()}
}

// newColumn allocates a column id.
func (bd *binder) newColumn(name, table string, t arrow.DataType) Column {
	bd.nextID++
	return Column{ID: bd.nextID, Name: name, Table: table, Type: t}
}

// relation is one FROM item as seen by name resolution: its qualifier
// and its columns.
type relation struct {
	names  []string // accepted qualifiers: the alias, or the table's name (and file stem)
	cols   []Column
	hidden map[ColumnID]bool // not expanded by * (_rowid; USING's right-hand copies)
	rowid  *Column           // the table's _rowid, if it has one
	// virtual are hidden columns found by name like _rowid (a
	// multi-file table's filename) but not expanded by * nor t.*.
	virtual map[ColumnID]bool
	// unnamed says what a relation without a name is, for messages
	// ("" for the result of a set operation).
	unnamed string
}

// scope is what a clause can see: the FROM relations, the enclosing
// query's scope (for correlated subqueries) and the CTEs in force.
type scope struct {
	rels   []*relation
	parent *scope
	ctes   *cteScope
	noFrom bool
	// windows is the SELECT's WINDOW clause (named windows)
	windows []*parser.WindowDef
	// outer collects the columns of enclosing queries this scope's
	// expressions used (correlation), when parent is set.
	outer []Column
}

// cteScope is a WITH clause's names, chained to the enclosing ones.
type cteScope struct {
	ctes   map[string]*parser.CTE
	parent *cteScope
}

func (c *cteScope) lookup(name string) (*parser.CTE, *cteScope) {
	for s := c; s != nil; s = s.parent {
		if q, ok := s.ctes[strings.ToLower(name)]; ok {
			return q, s.parent
		}
	}
	return nil, nil
}

// bindQuery binds any query expression. outer is the enclosing scope of
// a subquery (nil at top level).
func (bd *binder) bindQuery(q parser.Query, outer *scope, ctes *cteScope) (Node, error) {
	switch x := q.(type) {
	case *parser.Select:
		parts, err := bd.bindSelectParts(x, outer, ctes)
		if err != nil {
			return nil, err
		}
		if len(parts.sc.outer) > 0 && len(parts.corr) > 0 {
			return nil, posErr(parts.corr[0].Pos(), "a correlated subquery is not supported here: it must be EXISTS, IN or a scalar subquery in WHERE")
		}
		return bd.finishSelect(parts)
	case *parser.SetOp:
		return bd.bindSetOp(x, outer, ctes)
	case *parser.Values:
		return bd.bindValues(x, outer, ctes)
	}
	return nil, posErr(q.Position(), "unsupported query")
}

// withCTEs pushes a WITH clause's names.
// root is the query w belongs to, whose references to the CTEs are
// counted.
func (bd *binder) withCTEs(w *parser.With, ctes *cteScope, root any) (*cteScope, error) {
	if w == nil {
		return ctes, nil
	}
	bd.countCTERefs(w, root)
	s := &cteScope{ctes: map[string]*parser.CTE{}, parent: ctes}
	for _, c := range w.CTEs {
		key := strings.ToLower(c.Name)
		if _, dup := s.ctes[key]; dup {
			return nil, posErr(c.Pos, "WITH defines %s twice", c.Name)
		}
		s.ctes[key] = c
		// Each CTE sees the ones before it: chain a scope per CTE.
		s = &cteScope{ctes: map[string]*parser.CTE{}, parent: s}
	}
	return s, nil
}

// ---------------------------------------------------------------------
// SELECT

// item is one output column of a SELECT.
type item struct {
	expr *Expr
	name string
	src  parser.Expr // nil for * expansions
}

// selectParts is a SELECT bound clause by clause, before the clauses
// above WHERE become plan nodes. Subquery decorrelation uses the parts.
type selectParts struct {
	sel   *parser.Select
	plan  Node // FROM and WHERE (the local conjuncts)
	sc    *scope
	corr  []*Expr // WHERE conjuncts that use enclosing queries' columns
	items []item
	// aggregation
	groups   []*Expr
	aggs     []*Expr
	having   *Expr
	qualify  *Expr
	order    []sortKey
	orderSrc []int // per order key: the item it names, or -1
	limit    int64
	offset   int64
	agg      bool
	win      bool // has window functions
}

func (bd *binder) bindSelectParts(sel *parser.Select, outer *scope, ctes *cteScope) (*selectParts, error) {
	ctes, err := bd.withCTEs(sel.With, ctes, sel)
	if err != nil {
		return nil, err
	}
	sc := &scope{parent: outer, ctes: ctes, windows: sel.Windows}
	p := &selectParts{sel: sel, sc: sc, limit: -1}
	if sel.From == nil {
		sc.noFrom = true
		p.plan = &ValuesNode{rows: [][]*Expr{{}}}
	} else {
		rel, plan, err := bd.bindFrom(sel.From, sc)
		if err != nil {
			return nil, err
		}
		sc.rels = rel
		p.plan = plan
	}
	if sel.Where != nil {
		if err := bd.bindWhere(p, sel.Where); err != nil {
			return nil, err
		}
	}
	if err := bd.bindItems(p); err != nil {
		return nil, err
	}
	if sel.Distinct {
		for i, it := range p.items {
			pos := sel.Pos
			if it.src != nil {
				pos = it.src.Position()
			}
			if err := notList(p.items[i].expr, pos, "compared by DISTINCT"); err != nil {
				return nil, err
			}
		}
	}
	if sel.GroupByAll {
		// GROUP BY ALL: every select item without an aggregate
		for _, it := range p.items {
			if !hasAgg(it.expr) {
				p.groups = append(p.groups, it.expr)
			}
		}
	}
	for _, g := range sel.GroupBy {
		e, err := bd.outputRef(p, g, false)
		if err != nil {
			return nil, err
		}
		if e == nil {
			if e, err = bd.bindExpr(g, sc, exprCtx{clause: "in GROUP BY"}); err != nil {
				return nil, err
			}
		}
		if hasAgg(e) {
			return nil, posErr(g.Position(), "GROUP BY cannot use an aggregate function")
		}
		if err := notList(e, g.Position(), "grouped"); err != nil {
			return nil, err
		}
		p.groups = append(p.groups, e)
	}
	if sel.Having != nil {
		e, err := bd.bindExpr(sel.Having, sc, exprCtx{aggOK: true, aliases: p.items, clause: "in HAVING"})
		if err != nil {
			return nil, err
		}
		p.having = e
	}
	if sel.Qualify != nil {
		ctx := windowsAllowed("in QUALIFY")
		ctx.aliases = p.items
		e, err := bd.bindExpr(sel.Qualify, sc, ctx)
		if err != nil {
			return nil, err
		}
		p.qualify = e
	}
	for _, o := range sel.OrderBy {
		k := sortKey{desc: o.Desc}
		if o.NullsFirst != nil {
			k.nullsFirst = *o.NullsFirst
		}
		if o.All {
			// ORDER BY ALL: every select item, left to right
			for i, it := range p.items {
				if err := notList(it.expr, o.Pos, "sorted by ORDER BY ALL"); err != nil {
					return nil, err
				}
				a := k
				a.expr = it.expr
				p.order = append(p.order, a)
				p.orderSrc = append(p.orderSrc, i)
			}
			continue
		}
		e, err := bd.outputRef(p, o.Expr, true)
		if err != nil {
			return nil, err
		}
		if e == nil {
			if e, err = bd.bindExpr(o.Expr, sc, windowsAllowed("in ORDER BY")); err != nil {
				return nil, err
			}
		}
		src := -1
		for i, it := range p.items {
			if equalExpr(it.expr, e) {
				src = i
				break
			}
		}
		if sel.Distinct && src < 0 {
			return nil, posErr(o.Pos, "with SELECT DISTINCT, ORDER BY expressions must appear in the select list")
		}
		if err := notList(e, o.Pos, "sorted"); err != nil {
			return nil, err
		}
		k.expr = e
		p.order = append(p.order, k)
		p.orderSrc = append(p.orderSrc, src)
	}
	if p.limit, err = bd.count(sel.Limit, "LIMIT"); err != nil {
		return nil, err
	}
	if p.offset, err = bd.count(sel.Offset, "OFFSET"); err != nil {
		return nil, err
	}
	if p.offset < 0 {
		p.offset = 0
	}
	p.agg = len(p.groups) > 0 || p.having != nil
	for _, it := range p.items {
		p.agg = p.agg || hasAgg(it.expr)
	}
	for _, k := range p.order {
		p.agg = p.agg || hasAgg(k.expr)
		p.win = p.win || hasWin(k.expr)
	}
	p.agg = p.agg || hasAgg(p.qualify)
	p.win = p.win || p.qualify != nil
	for _, it := range p.items {
		p.win = p.win || hasWin(it.expr)
	}
	return p, nil
}

// bindWhere binds WHERE conjunct by conjunct: subquery conjuncts become
// joins on the plan, conjuncts over enclosing queries' columns are set
// aside (correlation), the rest filter.
func (bd *binder) bindWhere(p *selectParts, where parser.Expr) error {
	var conds []*Expr
	for _, c := range splitParserAnd(where) {
		plan, done, err := bd.subqueryConjunct(p.plan, p.sc, c)
		if err != nil {
			return err
		}
		if done {
			p.plan = plan
			continue
		}
		e, err := bd.bindExprPlan(c, p.sc, exprCtx{clause: "in WHERE"}, &p.plan)
		if err != nil {
			return err
		}
		if t := e.Type(); t.ID() != arrow.BOOL && t.ID() != arrow.NULL {
			if v, _, ok := e.constValue(); ok && v != nil {
				return posErr(c.Position(), "WHERE needs a BOOLEAN condition, not %s", c.String())
			}
			return posErr(c.Position(), "WHERE needs a BOOLEAN condition, not %s", exec.TypeName(t))
		}
		if usesOuter(e, p.sc) {
			p.corr = append(p.corr, e)
			continue
		}
		conds = append(conds, e)
	}
	if len(conds) > 0 {
		p.plan = &FilterNode{in: p.plan, conds: conds}
	}
	return nil
}

// usesOuter reports whether e references a column of an enclosing query
// (a correlated reference). Columns that subqueries planned as joins add
// to this query's plan are its own, not outer ones.
func usesOuter(e *Expr, sc *scope) bool {
	if len(sc.outer) == 0 {
		return false
	}
	outerIDs := make(map[ColumnID]bool, len(sc.outer))
	for _, c := range sc.outer {
		outerIDs[c.ID] = true
	}
	outer := false
	walkExpr(e, func(x *Expr) bool {
		if x.kind == kCol && outerIDs[x.id] {
			outer = true
		}
		return !outer
	})
	return outer
}

func splitParserAnd(e parser.Expr) []parser.Expr {
	if b, ok := e.(*parser.Binary); ok && b.Op == "AND" {
		return append(splitParserAnd(b.L), splitParserAnd(b.R)...)
	}
	return []parser.Expr{e}
}

// bindItems expands * and binds the select list.
func (bd *binder) bindItems(p *selectParts) error {
	sc := p.sc
	for _, it := range p.sel.Items {
		if it.Star {
			if err := bd.bindStar(p, it); err != nil {
				return err
			}
			continue
		}
		if call := columnsCall(it.Expr); call != nil {
			if err := bd.bindColumns(p, it, call); err != nil {
				return err
			}
			continue
		}
		ictx := windowsAllowed("here")
		ictx.unnestOK = true
		e, err := bd.bindExprPlan(it.Expr, sc, ictx, &p.plan)
		if err != nil {
			return err
		}
		name := it.Alias
		if name == "" {
			name = displayName(it.Expr)
		}
		p.items = append(p.items, item{expr: e, name: name, src: it.Expr})
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

// outputRef resolves GROUP BY / ORDER BY shorthands: an integer literal is
// an ordinal of the select list, a bare name an alias. For GROUP BY a
// table column wins over an alias (SQL); for ORDER BY the alias wins.
func (bd *binder) outputRef(p *selectParts, e parser.Expr, aliasFirst bool) (*Expr, error) {
	if l, ok := e.(*parser.Literal); ok && l.Kind == parser.LitInteger {
		k, err := strconv.Atoi(l.Text)
		if err != nil || k < 1 || k > len(p.items) {
			return nil, posErr(l.Pos, "position %s is not in the select list (1 to %d)", l.Text, len(p.items))
		}
		return p.items[k-1].expr, nil
	}
	c, ok := e.(*parser.ColumnRef)
	if !ok || c.Table != "" {
		return nil, nil
	}
	isColumn := p.sc.hasColumn(c.Name)
	if isColumn && !aliasFirst {
		return nil, nil
	}
	for _, it := range p.items {
		if strings.EqualFold(it.name, c.Name) {
			return it.expr, nil
		}
	}
	return nil, nil
}

// count evaluates a LIMIT or OFFSET expression: a constant whole number.
func (bd *binder) count(e parser.Expr, what string) (int64, error) {
	if e == nil {
		return -1, nil
	}
	x, err := bd.bindExpr(e, &scope{noFrom: true}, exprCtx{clause: "in " + what})
	if err != nil {
		if _, isCol := e.(*parser.ColumnRef); isCol || strings.Contains(err.Error(), "no column") {
			return 0, posErr(e.Position(), "%s must be a non-negative whole number, not an expression over columns", what)
		}
		return 0, err
	}
	f, err := exec.FoldConstant(x.shadow)
	if err != nil {
		return 0, posErr(e.Position(), "%s: %v", what, err)
	}
	v, ok := exec.LiteralValue(f)
	n, isInt := v.(int64)
	if !ok || !isInt || n < 0 {
		return 0, posErr(e.Position(), "%s must be a non-negative whole number", what)
	}
	return n, nil
}

// finishSelect stacks the clauses above WHERE as plan nodes: Aggregate,
// Filter (HAVING), Project (items and hidden ORDER BY keys), Distinct,
// Sort, Limit, and a Project dropping the hidden keys.
func (bd *binder) finishSelect(p *selectParts) (Node, error) {
	plan := p.plan
	items := make([]*Expr, len(p.items))
	for i, it := range p.items {
		items[i] = it.expr
	}
	having, qualify := p.having, p.qualify
	order := append([]sortKey(nil), p.order...)
	if p.agg {
		withQualify := items
		if qualify != nil {
			withQualify = append(append([]*Expr(nil), items...), qualify)
		}
		agg, lift, err := bd.aggregate(plan, p.groups, withQualify, having, order)
		if err != nil {
			return nil, err
		}
		plan = agg
		for i := range items {
			if items[i], err = lift(items[i]); err != nil {
				return nil, err
			}
		}
		if having != nil {
			if having, err = lift(having); err != nil {
				return nil, err
			}
		}
		if qualify != nil {
			if qualify, err = lift(qualify); err != nil {
				return nil, err
			}
		}
		for i := range order {
			if order[i].expr, err = lift(order[i].expr); err != nil {
				return nil, err
			}
		}
	}
	if having != nil {
		if t := having.Type(); t.ID() != arrow.BOOL && t.ID() != arrow.NULL {
			return nil, posErr(having.Pos(), "HAVING needs a BOOLEAN condition, not %s", exec.TypeName(t))
		}
		plan = &FilterNode{in: plan, conds: []*Expr{having}, label: "HAVING"}
	}
	if p.win {
		var err error
		if plan, qualify, err = bd.planWindows(plan, items, order, qualify); err != nil {
			return nil, err
		}
		if qualify != nil {
			if t := qualify.Type(); t.ID() != arrow.BOOL && t.ID() != arrow.NULL {
				return nil, posErr(qualify.Pos(), "QUALIFY needs a BOOLEAN condition, not %s", exec.TypeName(t))
			}
			plan = &FilterNode{in: plan, conds: []*Expr{qualify}, label: "QUALIFY"}
		}
	}
	plan, err := bd.planUnnest(plan, items, order)
	if err != nil {
		return nil, err
	}
	exprs := append([]*Expr(nil), items...)
	cols := make([]Column, len(items))
	for i, it := range p.items {
		cols[i] = bd.newColumn(it.name, "", items[i].Type())
	}
	// ORDER BY keys that are not output columns are computed as hidden
	// columns and dropped after the sort.
	keys := make([]sortKey, len(order))
	for i, k := range order {
		src := p.orderSrc[i]
		if src < 0 {
			for j := range exprs {
				if equalExpr(exprs[j], k.expr) {
					src = j
					break
				}
			}
		}
		if src < 0 {
			src = len(exprs)
			exprs = append(exprs, k.expr)
			cols = append(cols, bd.newColumn("__order_"+strconv.Itoa(i), "", k.expr.Type()))
		}
		keys[i] = sortKey{expr: colRef(cols[src], k.expr.Pos()), desc: k.desc, nullsFirst: k.nullsFirst}
	}
	plan = &ProjectNode{in: plan, exprs: exprs, cols: cols}
	if p.sel.Distinct {
		// DISTINCT gives its output fresh ids: the keys follow by position.
		plan = bd.distinct(plan)
		out := plan.Columns()
		for i := range keys {
			for j, c := range cols {
				if c.ID == keys[i].expr.id {
					keys[i].expr = colRef(out[j], keys[i].expr.pos)
					break
				}
			}
		}
	}
	plan = bd.sortLimit(plan, keys, p.limit, p.offset)
	if len(exprs) > len(items) {
		plan = bd.project(plan, len(items))
	}
	return plan, nil
}

// distinct puts a DISTINCT over plan: an Aggregate grouping by every
// column, with fresh column ids.
func (bd *binder) distinct(plan Node) Node {
	in := plan.Columns()
	groups := make([]*Expr, len(in))
	cols := make([]Column, len(in))
	for i, c := range in {
		groups[i] = colRef(c, parser.Pos{})
		cols[i] = bd.newColumn(c.Name, c.Table, c.Type)
	}
	return &AggregateNode{in: plan, groups: groups, cols: cols}
}

// sortLimit adds ORDER BY and LIMIT/OFFSET nodes.
func (bd *binder) sortLimit(plan Node, keys []sortKey, limit, offset int64) Node {
	if len(keys) > 0 {
		plan = &SortNode{in: plan, keys: keys, limit: -1}
	}
	if limit >= 0 || offset > 0 {
		plan = &LimitNode{in: plan, offset: offset, n: limit}
	}
	return plan
}

// project keeps the first n columns of plan (same ids).
func (bd *binder) project(plan Node, n int) Node {
	in := plan.Columns()
	exprs := make([]*Expr, n)
	for i := range exprs {
		exprs[i] = colRef(in[i], parser.Pos{})
	}
	return &ProjectNode{in: plan, exprs: exprs, cols: append([]Column(nil), in[:n]...)}
}

// aggregate builds the Aggregate node of a grouped query and returns the
// function that rewrites expressions over the input into expressions over
// the aggregate's output: a GROUP BY expression becomes its group column
// (matched by structure, not text), an aggregate call its result column;
// any other column is an error.
func (bd *binder) aggregate(in Node, groups, items []*Expr, having *Expr, order []sortKey) (Node, func(*Expr) (*Expr, error), error) {
	agg := &AggregateNode{in: in}
	collect := func(e *Expr) {
		walkExpr(e, func(x *Expr) bool {
			if x.kind != kAgg {
				return true
			}
			for _, a := range agg.aggs {
				if equalExpr(a, x) {
					return false
				}
			}
			agg.aggs = append(agg.aggs, x)
			return false
		})
	}
	for _, it := range items {
		collect(it)
	}
	collect(having)
	for _, k := range order {
		collect(k.expr)
	}
	for _, g := range groups {
		dup := false
		for _, h := range agg.groups {
			dup = dup || equalExpr(g, h)
		}
		if !dup {
			agg.groups = append(agg.groups, g)
		}
	}
	for _, g := range agg.groups {
		name := g.String()
		if g.kind == kCol {
			name = g.name
		}
		agg.cols = append(agg.cols, bd.newColumn(name, "", g.Type()))
	}
	for _, a := range agg.aggs {
		agg.cols = append(agg.cols, bd.newColumn(a.String(), "", a.Type()))
	}
	ng := len(agg.groups)
	lift := func(e *Expr) (*Expr, error) {
		return rewriteExpr(e, func(x *Expr) (*Expr, error) {
			if x.kind == kLit || x.kind == kCell {
				return x, nil
			}
			for i, g := range agg.groups {
				if equalExpr(g, x) {
					return colRef(agg.cols[i], x.pos), nil
				}
			}
			if x.kind == kAgg {
				for i, a := range agg.aggs {
					if equalExpr(a, x) {
						return colRef(agg.cols[ng+i], x.pos), nil
					}
				}
			}
			if x.kind == kCol {
				if outerColumn(in, x.id) {
					return x, nil
				}
				return nil, posErr(x.pos, "column %s must appear in the GROUP BY clause or be used in an aggregate function", x.name)
			}
			return nil, nil
		})
	}
	return agg, lift, nil
}

// outerColumn reports whether id is not produced by plan (a correlated
// reference to an enclosing query, constant for this query).
func outerColumn(plan Node, id ColumnID) bool {
	found := false
	var visit func(n Node)
	visit = func(n Node) {
		for _, c := range n.Columns() {
			if c.ID == id {
				found = true
				return
			}
		}
		for _, k := range n.Inputs() {
			if !found {
				visit(k)
			}
		}
	}
	visit(plan)
	return !found
}

func hasWin(e *Expr) bool {
	found := false
	walkExpr(e, func(x *Expr) bool {
		found = found || x.kind == kWin
		return !found
	})
	return found
}

func hasAgg(e *Expr) bool {
	found := false
	walkExpr(e, func(x *Expr) bool {
		found = found || x.kind == kAgg
		return !found
	})
	return found
}

// ---------------------------------------------------------------------
// Name resolution

// relation finds a FROM relation by qualifier.
func (sc *scope) relation(q string) *relation {
	for _, r := range sc.rels {
		for _, n := range r.names {
			if strings.EqualFold(n, q) {
				return r
			}
		}
	}
	return nil
}

func (sc *scope) qualifiers() []string {
	var out []string
	for _, r := range sc.rels {
		for _, n := range r.names {
			if n != "" {
				out = append(out, n)
			}
		}
	}
	return out
}

// hasColumn reports whether a bare name is a column of some relation.
func (sc *scope) hasColumn(name string) bool {
	if strings.EqualFold(name, "_rowid") {
		for _, r := range sc.rels {
			if r.rowid != nil {
				return true
			}
		}
	}
	for _, r := range sc.rels {
		for _, c := range r.cols {
			if strings.EqualFold(c.Name, name) && !(r.rowid != nil && c.ID == r.rowid.ID) {
				return true
			}
		}
	}
	return false
}

// resolve finds the column a reference names in this scope (not in
// enclosing ones): (column, found, error for an ambiguous name).
func (sc *scope) resolve(n *parser.ColumnRef) (Column, bool, error) {
	rels := sc.rels
	if n.Table != "" {
		r := sc.relation(n.Table)
		if r == nil {
			return Column{}, false, nil
		}
		rels = []*relation{r}
	}
	var found []Column
	for _, r := range rels {
		if strings.EqualFold(n.Name, "_rowid") && r.rowid != nil {
			found = append(found, *r.rowid)
			continue
		}
		for _, c := range r.cols {
			if strings.EqualFold(c.Name, n.Name) && (n.Table != "" || !r.hidden[c.ID] || r.rowid != nil && c.ID == r.rowid.ID || r.virtual[c.ID]) {
				found = append(found, c)
				break
			}
		}
	}
	switch len(found) {
	case 0:
		return Column{}, false, nil
	case 1:
		return found[0], true, nil
	}
	var qs []string
	for _, r := range rels {
		for _, c := range r.cols {
			if strings.EqualFold(c.Name, n.Name) {
				if r.names[0] == "" {
					qs = append(qs, c.Name+" (the merged USING column)")
				} else {
					qs = append(qs, r.names[0]+"."+c.Name)
				}
				break
			}
		}
	}
	return Column{}, false, posErr(n.Pos, "column %s is ambiguous: it could be %s; qualify it", n.Name, strings.Join(qs, " or "))
}

// column binds a column reference: in this scope, else in an enclosing
// one (recorded as correlation on every scope in between).
func (sc *scope) column(n *parser.ColumnRef) (*Expr, error) {
	if sc.noFrom && sc.parent == nil {
		return nil, posErr(n.Pos, "no column %s: the query has no FROM clause", n.Name)
	}
	for s := sc; s != nil; s = s.parent {
		c, ok, err := s.resolve(n)
		if err != nil {
			return nil, err
		}
		if ok {
			for t := sc; t != s; t = t.parent {
				t.outer = append(t.outer, c)
			}
			return colRef(c, n.Pos), nil
		}
	}
	if n.Table != "" && sc.relation(n.Table) == nil {
		return nil, posErr(n.Pos, "no table %s in FROM%s", n.Table, suggest(n.Table, sc.qualifiers()))
	}
	if sc.noFrom {
		return nil, posErr(n.Pos, "no column %s: the query has no FROM clause", n.Name)
	}
	var names []string
	rels := sc.rels
	if n.Table != "" {
		rels = []*relation{sc.relation(n.Table)}
	}
	for _, r := range rels {
		for _, c := range r.cols {
			if !r.hidden[c.ID] {
				names = append(names, c.Name)
			}
		}
	}
	where := ""
	if len(rels) == 1 && rels[0].names[0] != "" {
		where = " in " + rels[0].names[0]
	} else if len(rels) == 1 && rels[0].unnamed != "" {
		where = " in " + rels[0].unnamed
	} else if len(rels) == 1 {
		where = " in the result of the set operation (ORDER BY after UNION, INTERSECT or EXCEPT sees only its output columns)"
	}
	return nil, posErr(n.Pos, "no column %s%s%s", n.Name, where, suggest(n.Name, names))
}

// ---------------------------------------------------------------------
// FROM

// bindFrom binds a FROM tree into relations and a plan.
func (bd *binder) bindFrom(t parser.TableExpr, sc *scope) ([]*relation, Node, error) {
	switch x := t.(type) {
	case *parser.TableRef:
		return bd.bindTableRef(x, sc)
	case *parser.DerivedTable:
		plan, err := bd.bindQuery(x.Query, nil, sc.ctes)
		if err != nil {
			return nil, nil, err
		}
		r, plan, err := bd.renamed(plan, x.Alias, x.Columns, x.Pos)
		if err != nil {
			return nil, nil, err
		}
		return []*relation{r}, plan, nil
	case *parser.Join:
		return bd.bindJoin(x, sc)
	}
	return nil, nil, posErr(t.Position(), "unsupported FROM item")
}

// renamed gives a subquery's output fresh columns under an alias and
// optional column names (a derived table, a CTE, a view).
func (bd *binder) renamed(plan Node, alias string, names []string, pos parser.Pos) (*relation, Node, error) {
	in := plan.Columns()
	if len(names) > len(in) {
		return nil, nil, posErr(pos, "%s has %d columns but %d names were given", alias, len(in), len(names))
	}
	r := &relation{names: []string{alias}, hidden: map[ColumnID]bool{}}
	if alias == "" {
		r.unnamed = "the subquery in FROM (its result has only its output columns: select the column inside it)"
	}
	exprs := make([]*Expr, len(in))
	for i, c := range in {
		name := c.Name
		if i < len(names) {
			name = names[i]
		}
		exprs[i] = colRef(c, pos)
		r.cols = append(r.cols, bd.newColumn(name, alias, c.Type))
	}
	return r, &ProjectNode{in: plan, exprs: exprs, cols: r.cols}, nil
}

// bindTableRef binds a table, view, CTE or file path.
func (bd *binder) bindTableRef(t *parser.TableRef, sc *scope) ([]*relation, Node, error) {
	if t.Unnest != nil {
		return bd.unnestLateral(t, nil, nil, sc)
	}
	if t.Func != nil {
		return bd.bindTableFunc(t)
	}
	if t.Path == "" {
		if cte, outer := sc.ctes.lookup(t.Name); cte != nil {
			if t.Sample != nil {
				return nil, nil, posErr(t.Sample.Pos, "USING SAMPLE works on tables, not on %s (a WITH query)", t.Name)
			}
			var plan Node
			var err error
			if bd.materializes(cte) {
				plan, err = bd.materializedCTE(cte, outer)
			} else {
				plan, err = bd.bindQuery(cte.Query, nil, outer)
			}
			if err != nil {
				return nil, nil, err
			}
			names := cte.Columns
			if t.Columns != nil {
				names = t.Columns
			}
			r, plan, err := bd.renamed(plan, orDefault(t.Alias, cte.Name), names, t.Pos)
			if err != nil {
				return nil, nil, err
			}
			return []*relation{r}, plan, nil
		}
		if v := bd.cat.view(t.Name); v != nil {
			return bd.bindView(v, t)
		}
	}
	var entry *tableEntry
	var err error
	if t.Path != "" && isMultiPath(t.Path) {
		return bd.bindFileSet(t, t.Path, t.Path)
	}
	if t.Path != "" {
		entry = bd.cat.byPath(t.Path, "", "path", false)
	} else if entry, err = bd.cat.lookup(t.Name); err != nil {
		return nil, nil, posErr(t.Pos, "%v", err)
	}
	if entry.dir {
		return bd.bindFileSet(t, entry.name, entry.path)
	}
	table, err := entry.open(OpenTableOptions{})
	if err != nil {
		return nil, nil, err
	}
	name := t.Alias
	names := []string{t.Alias}
	if name == "" {
		name = entry.name
		names = []string{entry.name, tableStem(entry.path)}
	}
	sn := &ScanNode{entry: entry, table: table, name: name, pos: t.Pos, sample: t.Sample}
	r := &relation{names: names, hidden: map[ColumnID]bool{}}
	if len(t.Columns) > len(table.Schema.Fields) {
		return nil, nil, posErr(t.Pos, "%s has %d columns but %d names were given", name, len(table.Schema.Fields), len(t.Columns))
	}
	for i := range table.Schema.Fields {
		f := &table.Schema.Fields[i]
		cname := f.Name
		if i < len(t.Columns) {
			cname = t.Columns[i]
		}
		c := bd.newColumn(cname, name, f.ArrowType())
		sn.fields = append(sn.fields, i)
		sn.cols = append(sn.cols, c)
		r.cols = append(r.cols, c)
	}
	if sg := table.Raw.Segments; sg != nil && sg.HasParents() {
		// Records of child types have their parent's _rowid (hidden,
		// found by name, before _rowid as the scan produces it).
		c := bd.newColumn(parentRowIDName, name, arrow.PrimitiveTypes.Int64)
		sn.fields = append(sn.fields, parentRowIDField)
		sn.cols = append(sn.cols, c)
		r.cols = append(r.cols, c)
		r.hidden[c.ID] = true
		r.virtual = map[ColumnID]bool{c.ID: true}
	}
	rowid := bd.newColumn("_rowid", name, arrow.PrimitiveTypes.Int64)
	sn.fields = append(sn.fields, rowIDField)
	sn.cols = append(sn.cols, rowid)
	r.cols = append(r.cols, rowid)
	r.hidden[rowid.ID] = true
	r.rowid = &rowid
	return []*relation{r}, sn, nil
}

// rowIDField is the pseudo field index of _rowid in a ScanNode.
const rowIDField = -2

// parentRowIDField is the pseudo field index of _parent_rowid (a table of
// a file of record types with parent links; see storage.Segments).
const parentRowIDField = -4

// tableStem is a file name without directory and extension.
func tableStem(path string) string {
	base := path[strings.LastIndexByte(path, '/')+1:]
	if i := strings.IndexByte(base, '.'); i > 0 {
		base = base[:i]
	}
	return base
}

// bindView binds a view's stored SQL as a derived table named after the
// view. Errors inside the view name the view and show its SQL.
func (bd *binder) bindView(v *viewDef, t *parser.TableRef) ([]*relation, Node, error) {
	if t.Sample != nil {
		return nil, nil, posErr(t.Sample.Pos, "USING SAMPLE works on tables, not on the view %s", v.name)
	}
	if bd.views > 16 {
		return nil, nil, posErr(t.Pos, "view %s expands into itself (views nest more than 16 deep)", v.name)
	}
	q, err := v.parse()
	if err != nil {
		return nil, nil, err
	}
	bd.views++
	plan, err := bd.bindQuery(q, nil, nil)
	bd.views--
	if err != nil {
		return nil, nil, v.wrapErr(err)
	}
	names := v.columns
	if t.Columns != nil {
		names = t.Columns
	}
	r, plan, err := bd.renamed(plan, orDefault(t.Alias, v.name), names, t.Pos)
	if err != nil {
		return nil, nil, err
	}
	return []*relation{r}, plan, nil
}

// bindJoin binds L JOIN R.
func (bd *binder) bindJoin(j *parser.Join, sc *scope) ([]*relation, Node, error) {
	if t, ok := j.R.(*parser.TableRef); ok && t.Unnest != nil {
		return bd.joinUnnest(j, t, sc)
	}
	lrels, lplan, err := bd.bindFrom(j.L, sc)
	if err != nil {
		return nil, nil, err
	}
	rrels, rplan, err := bd.bindFrom(j.R, sc)
	if err != nil {
		return nil, nil, err
	}
	for _, r := range rrels {
		for _, n := range r.names {
			if n == "" {
				continue
			}
			for _, l := range lrels {
				for _, m := range l.names {
					if strings.EqualFold(n, m) {
						return nil, nil, posErr(j.R.Position(), "table name %s is used twice in FROM; give one of them an alias", n)
					}
				}
			}
		}
	}
	kind := map[parser.JoinKind]joinKind{parser.JoinInner: joinInner, parser.JoinCross: joinInner,
		parser.JoinLeft: joinLeft, parser.JoinRight: joinRight, parser.JoinFull: joinFull}[j.Kind]
	node := &JoinNode{kind: kind, left: lplan, right: rplan, pos: j.Pos}
	rels := append(append([]*relation(nil), lrels...), rrels...)
	using := j.Using
	var merged [][2]Column // USING's (left, right) column pairs
	if j.Natural {
		for _, l := range lrels {
			for _, c := range l.cols {
				if l.hidden[c.ID] {
					continue
				}
				for _, r := range rrels {
					for _, d := range r.cols {
						if !r.hidden[d.ID] && strings.EqualFold(c.Name, d.Name) {
							using = append(using, c.Name)
						}
					}
				}
			}
		}
	}
	if len(using) > 0 {
		// USING (a): l.a = r.a; the right copy is hidden from * and from
		// bare names (the left copy answers to a). RIGHT and FULL joins
		// replace the left copy by coalesce(l.a, r.a) below.
		lsc, rsc := &scope{rels: lrels}, &scope{rels: rrels}
		for _, name := range using {
			ref := &parser.ColumnRef{Pos: j.Pos, Name: name}
			lc, ok1, err := lsc.resolve(ref)
			if err != nil {
				return nil, nil, err
			}
			rc, ok2, err := rsc.resolve(ref)
			if err != nil {
				return nil, nil, err
			}
			if !ok1 || !ok2 {
				return nil, nil, posErr(j.Pos, "USING column %s is not in both sides of the join", name)
			}
			cond, err := newExpr(&Expr{kind: kBinary, op: "=", pos: j.Pos, args: []*Expr{colRef(lc, j.Pos), colRef(rc, j.Pos)}})
			if err != nil {
				return nil, nil, err
			}
			node.cond = append(node.cond, cond)
			merged = append(merged, [2]Column{lc, rc})
			for _, r := range rrels {
				for _, d := range r.cols {
					if d.ID == rc.ID {
						r.hidden[d.ID] = true
					}
				}
			}
		}
	}
	if j.On != nil {
		jsc := &scope{rels: rels, parent: sc.parent, ctes: sc.ctes}
		e, err := bd.bindExpr(j.On, jsc, exprCtx{clause: "in ON"})
		if err != nil {
			return nil, nil, err
		}
		if t := e.Type(); t.ID() != arrow.BOOL && t.ID() != arrow.NULL {
			return nil, nil, posErr(j.On.Position(), "ON needs a BOOLEAN condition, not %s", exec.TypeName(t))
		}
		node.cond = append(node.cond, splitConjuncts(e)...)
	}
	if kind != joinInner && len(node.cond) == 0 {
		if !j.Natural {
			return nil, nil, posErr(j.Pos, "%s needs an ON or USING condition", j.Kind)
		}
		// NATURAL with no shared column names pairs every row with
		// every row (the condition is TRUE).
		t, _ := exec.Lit(true, nil)
		node.cond = []*Expr{litExpr(t, j.Pos)}
	}
	if kind != joinRight && kind != joinFull || len(merged) == 0 {
		return rels, node, nil
	}
	// A RIGHT or FULL join's USING column is coalesce(l.a, r.a), as in
	// standard SQL: a right row without a match still has its key. The
	// merged columns come first in * and answer to bare names; l.a and
	// r.a stay each side's own copy.
	in := node.Columns()
	proj := &ProjectNode{in: node, exprs: colRefs(in), cols: append([]Column(nil), in...)}
	mergedRel := &relation{names: []string{""}, hidden: map[ColumnID]bool{}}
	for _, m := range merged {
		l, r, err := unifyKeys(colRef(m[0], j.Pos), colRef(m[1], j.Pos), j.Pos)
		if err != nil {
			return nil, nil, err
		}
		e, err := newExpr(&Expr{kind: kCall, op: "coalesce", pos: j.Pos, args: []*Expr{l, r}})
		if err != nil {
			return nil, nil, err
		}
		c := bd.newColumn(m[0].Name, "", e.Type())
		proj.exprs, proj.cols = append(proj.exprs, e), append(proj.cols, c)
		mergedRel.cols = append(mergedRel.cols, c)
		for _, rel := range lrels {
			for _, lc := range rel.cols {
				if lc.ID == m[0].ID {
					rel.hidden[lc.ID] = true
				}
			}
		}
	}
	rels = append([]*relation{mergedRel}, rels...)
	return rels, proj, nil
}

// notList rejects a LIST value (quantile's list form) where values must
// be compared: it can be selected, not sorted, grouped or DISTINCTed.
func notList(e *Expr, pos parser.Pos, what string) error {
	if e.Type().ID() == arrow.LIST {
		return posErr(pos, "%s is a LIST (quantiles of a [list]) and cannot be %s; take one quantile per column instead", e.String(), what)
	}
	if e.Type().ID() == arrow.STRUCT {
		return posErr(pos, "%s is a STRUCT and cannot be %s; use its members (s.member) instead", e.String(), what)
	}
	return nil
}
