package query

import (
	"math"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/decimal128"
	"github.com/recq/recq/exec"
	"github.com/recq/recq/scan"
	"github.com/recq/recq/storage"
)

// pass is one named optimizer rewrite of the logical plan. A pass
// returns a new tree (or the same one); it never edits nodes in place
// that it did not create itself.
type pass struct {
	name string
	doc  string
	run  func(Node) (Node, error)
}

// optimizerPasses run in this order. Turning one off (Options.
// DisabledPasses) never changes a query's answer, only its speed.
var optimizerPasses = []pass{
	{"fold_constants", "drop WHERE conjuncts that are constantly true; read nothing when one is constantly false or NULL", foldConstants},
	{"simplify_outer_joins", "turn an outer join into an inner (or one-sided) join when a WHERE condition above it cannot be true for the NULLs it would add", simplifyOuterJoins},
	{"pushdown_predicates", "factor conjuncts shared by every branch of an OR out of it, derive from an OR over both sides of an inner join a condition on each side alone, then move WHERE and ON conjuncts down through projections, sorts and joins to the scans (never below a LIMIT, never a conjunct that can fail below a join); in the scan, evaluate column-versus-constant conjuncts on raw record bytes (and _rowid conditions as row ranges)", pushdownPredicates},
	{"reorder_joins", "rebuild each tree of inner and comma joins greedily: join the two inputs connected by an equality whose join is estimated smallest (exact record counts, key domains), cross join only what nothing connects", reorderJoins},
	{"extract_join_keys", "turn equality conditions between the two sides of a join (ON, or WHERE over a comma join) into hash join keys", extractJoinKeys},
	{"choose_build_side", "hash the smaller input of an inner, outer, semi or anti join (estimated from exact record counts and pushed predicates); a semi or anti join (EXISTS, IN, NOT EXISTS) whose outer rows are fewer hashes them and streams the subquery's rows past them", chooseBuildSide},
	{"prefilter_aggregates", "below a grouped aggregate that a join matches on its group keys against an input reading at most half as many records, keep only the rows whose keys that input has (a semi join with a second copy of it), so a decorrelated per-key subquery aggregates the keys asked about, not the whole table", prefilterAggregates},
	{"prune_projection", "decode only the columns the rest of the query uses", pruneProjection},
	{"pushdown_limit", "stop the scan after LIMIT + OFFSET records when nothing between filters, groups or sorts", pushdownLimit},
	{"topn", "turn ORDER BY + LIMIT into a top-N heap", useTopN},
	{"raw_aggregates", "run an aggregation straight over the scan of one fixed-length file inside the scan: each worker reads the group keys (at most 8 bytes) and the summed binary integer and DECIMAL fields of the records it selects from the raw bytes, in int64 arithmetic proved free of overflow per block, and a final aggregation merges the workers' groups", rawAggregates},
	{"join_key_filters", "give a scan under the probe side of a hash join that drops unmatched probe rows (inner, semi) the set of the build side's integer keys once it is read, so the scan skips the records whose key no build row has before decoding their other columns; last, as it points at the final tree's scans", joinKeyFilters},
}

// PassInfo describes one optimizer pass.
type PassInfo struct{ Name, Doc string }

// OptimizerPasses lists the optimizer passes in the order they run.
func OptimizerPasses() []PassInfo {
	out := make([]PassInfo, len(optimizerPasses))
	for i, p := range optimizerPasses {
		out[i] = PassInfo{p.name, p.doc}
	}
	return out
}

// optimize runs every pass not disabled and returns the tree and the
// names of the passes that ran.
func optimize(root Node, disabled map[string]bool) (Node, []string, error) {
	var applied []string
	for _, p := range optimizerPasses {
		if disabled[p.name] {
			continue
		}
		var err error
		if root, err = p.run(root); err != nil {
			return nil, nil, err
		}
		applied = append(applied, p.name)
	}
	return root, applied, nil
}

// mapInputs rebuilds n over its children transformed by fn.
func mapInputs(n Node, fn func(Node) (Node, error)) (Node, error) {
	ins := n.Inputs()
	if len(ins) == 0 {
		return n, nil
	}
	out := make([]Node, len(ins))
	changed := false
	for i, c := range ins {
		r, err := fn(c)
		if err != nil {
			return nil, err
		}
		out[i] = r
		changed = changed || r != c
	}
	if !changed {
		return n, nil
	}
	return withInputs(n, out...), nil
}

// ---------------------------------------------------------------------
// fold_constants

func foldConstants(n Node) (Node, error) {
	n, err := mapInputs(n, foldConstants)
	if err != nil {
		return nil, err
	}
	f, ok := n.(*FilterNode)
	if !ok || f.label != "" {
		return n, nil
	}
	var kept []*Expr
	for _, c := range f.conds {
		v, _, ok := c.constValue()
		if !ok {
			kept = append(kept, c)
			continue
		}
		if b, isBool := v.(bool); isBool && b {
			continue // constantly true
		}
		// false or NULL: nothing passes. A literal FALSE stays, so that
		// pushdown_predicates can tell the scan to read nothing.
		x, _ := exec.Lit(false, nil)
		kept = []*Expr{litExpr(x, c.pos)}
		break
	}
	if len(kept) == 0 {
		return f.in, nil
	}
	c := *f
	c.conds = kept
	return &c, nil
}

// ---------------------------------------------------------------------
// simplify_outer_joins

func simplifyOuterJoins(n Node) (Node, error) { return simplifyJoins(n, nil), nil }

// simplifyJoins rewrites the outer joins below n given the conjuncts
// that filter n's output.
func simplifyJoins(n Node, conds []*Expr) Node {
	switch x := n.(type) {
	case *FilterNode:
		if x.label != "" {
			conds = nil
		}
		c := *x
		c.in = simplifyJoins(x.in, append(append([]*Expr(nil), conds...), x.conds...))
		return &c
	case *JoinNode:
		c := *x
		lcols, rcols := idSet(x.left.Columns()), idSet(x.right.Columns())
		rejectsLeft, rejectsRight := false, false
		for _, e := range conds {
			rejectsLeft = rejectsLeft || rejectsNulls(e, lcols)
			rejectsRight = rejectsRight || rejectsNulls(e, rcols)
		}
		switch {
		case x.kind == joinLeft && rejectsRight, x.kind == joinRight && rejectsLeft:
			c.kind = joinInner
		case x.kind == joinFull && rejectsLeft && rejectsRight:
			c.kind = joinInner
		case x.kind == joinFull && rejectsLeft:
			c.kind = joinLeft
		case x.kind == joinFull && rejectsRight:
			c.kind = joinRight
		}
		// The conditions keep filtering the sides whose rows the join
		// passes through unchanged.
		var lconds, rconds []*Expr
		if c.kind == joinInner || c.kind == joinLeft || c.kind == joinSemi || c.kind == joinAnti || c.kind == joinMark {
			lconds = conds
		}
		if c.kind == joinInner || c.kind == joinRight {
			rconds = conds
		}
		if c.kind == joinInner {
			lconds, rconds = append(lconds, x.cond...), append(rconds, x.cond...)
		}
		c.left, c.right = simplifyJoins(x.left, lconds), simplifyJoins(x.right, rconds)
		return &c
	}
	out, _ := mapInputs(n, func(c Node) (Node, error) { return simplifyJoins(c, nil), nil })
	return out
}

// rejectsNulls reports whether e is false or NULL whenever every column
// in cols is NULL: it uses one of them and is built only from strict
// operators (comparisons, arithmetic, BETWEEN, IN, LIKE, IS NOT NULL,
// AND), which give NULL for a NULL operand.
func rejectsNulls(e *Expr, cols map[ColumnID]bool) bool {
	uses, strict := false, true
	walkExpr(e, func(x *Expr) bool {
		switch x.kind {
		case kCol:
			uses = uses || cols[x.id]
		case kLit, kCell, kBetween, kIn, kCast, kUnary:
			strict = strict && !(x.kind == kUnary && x.op == "NOT")
		case kBinary:
			switch x.op {
			case "OR", "IS DISTINCT FROM", "IS NOT DISTINCT FROM", "||":
				strict = false
			}
		case kIsNull:
			strict = strict && x.not && x == e
		default:
			strict = false
		}
		return strict
	})
	return uses && strict
}

// ---------------------------------------------------------------------
// pushdown_predicates

func pushdownPredicates(n Node) (Node, error) { return pushFilters(n, nil) }

// factorOr pulls the conjuncts every branch of an OR shares out of it:
// (a AND b) OR (a AND c) is a AND (b OR c). TPC-H Q19 writes its join
// condition that way; factored, it becomes a hash join key.
func factorOr(e *Expr) ([]*Expr, error) {
	if e.kind != kBinary || e.op != "OR" {
		return []*Expr{e}, nil
	}
	branches := splitDisjuncts(e)
	parts := make([][]*Expr, len(branches))
	for i, b := range branches {
		parts[i] = splitConjuncts(b)
	}
	var common []*Expr
	for _, c := range parts[0] {
		inAll := true
		for _, p := range parts[1:] {
			found := false
			for _, d := range p {
				found = found || equalExpr(c, d)
			}
			inAll = inAll && found
		}
		if inAll {
			common = append(common, c)
		}
	}
	if len(common) == 0 {
		return []*Expr{e}, nil
	}
	var rest *Expr
	for _, p := range parts {
		var left *Expr
		for _, d := range p {
			shared := false
			for _, c := range common {
				shared = shared || equalExpr(c, d)
			}
			if shared {
				continue
			}
			if left == nil {
				left = d
				continue
			}
			var err error
			if left, err = newExpr(&Expr{kind: kBinary, op: "AND", pos: d.pos, args: []*Expr{left, d}}); err != nil {
				return nil, err
			}
		}
		if left == nil {
			return common, nil // a branch is only the common part: the OR is true whenever they are
		}
		if rest == nil {
			rest = left
			continue
		}
		var err error
		if rest, err = newExpr(&Expr{kind: kBinary, op: "OR", pos: e.pos, args: []*Expr{rest, left}}); err != nil {
			return nil, err
		}
	}
	return append(common, rest), nil
}

// splitDisjuncts flattens a tree of ORs.
func splitDisjuncts(e *Expr) []*Expr {
	if e.kind == kBinary && e.op == "OR" {
		return append(splitDisjuncts(e.args[0]), splitDisjuncts(e.args[1])...)
	}
	return []*Expr{e}
}

// isFalse reports whether e is the constant FALSE (or NULL).
func isFalse(e *Expr) bool {
	v, _, ok := e.constValue()
	if !ok {
		return false
	}
	b, isBool := v.(bool)
	return v == nil || isBool && !b
}

// filterOver puts conds (if any) in a Filter over n.
func filterOver(n Node, conds []*Expr) Node {
	if len(conds) == 0 {
		return n
	}
	return &FilterNode{in: n, conds: conds}
}

// refsWithin reports whether every column e uses is in cols.
func refsWithin(e *Expr, cols map[ColumnID]bool) bool {
	ok := true
	walkExpr(e, func(x *Expr) bool {
		if x.kind == kCol && !cols[x.id] {
			ok = false
		}
		return ok
	})
	return ok
}

func idSet(cols []Column) map[ColumnID]bool {
	m := make(map[ColumnID]bool, len(cols))
	for _, c := range cols {
		m[c.ID] = true
	}
	return m
}

// pushFilters pushes conds (conjuncts over n's columns, in evaluation
// order) as far down into n as they can go.
func pushFilters(n Node, conds []*Expr) (Node, error) {
	switch x := n.(type) {
	case *FilterNode:
		if x.label != "" {
			in, err := pushFilters(x.in, nil)
			if err != nil {
				return nil, err
			}
			c := *x
			c.in = in
			return filterOver(&c, conds), nil
		}
		var own []*Expr
		for _, c := range x.conds {
			f, err := factorOr(c)
			if err != nil {
				return nil, err
			}
			own = append(own, f...)
		}
		return pushFilters(x.in, append(own, conds...))
	case *ProjectNode:
		// A conjunct over columns the Project passes through unchanged
		// moves below it, renamed to the input's columns.
		subst := map[ColumnID]*Expr{}
		for i, e := range x.exprs {
			if e.kind == kCol {
				subst[x.cols[i].ID] = e
			}
		}
		down, stay, err := substitute(conds, subst, func(c *Expr) bool {
			ok := true
			walkExpr(c, func(e *Expr) bool {
				ok = ok && (e.kind != kCol || subst[e.id] != nil || outerColumnOf(x, e.id))
				return ok
			})
			return ok
		})
		if err != nil {
			return nil, err
		}
		in, err := pushFilters(x.in, down)
		if err != nil {
			return nil, err
		}
		c := *x
		c.in = in
		return filterOver(&c, stay), nil
	case *SortNode:
		in, err := pushFilters(x.in, conds)
		if err != nil {
			return nil, err
		}
		c := *x
		c.in = in
		return &c, nil
	case *AggregateNode:
		// Conjuncts over plain group columns move below a grouped
		// aggregate (never below a global one: it returns a row even
		// for no input).
		subst := map[ColumnID]*Expr{}
		for i, g := range x.groups {
			if g.kind == kCol {
				subst[x.cols[i].ID] = g
			}
		}
		down, stay, err := substitute(conds, subst, func(c *Expr) bool {
			return len(x.groups) > 0 && !c.canFail() && refsWithinSubst(c, subst)
		})
		if err != nil {
			return nil, err
		}
		in, err := pushFilters(x.in, down)
		if err != nil {
			return nil, err
		}
		c := *x
		c.in = in
		return filterOver(&c, stay), nil
	case *JoinNode:
		return pushIntoJoin(x, conds)
	case *ScanNode:
		return pushIntoScan(x, conds), nil
	case *WindowNode:
		return pushThroughWindow(x, conds)
	case *UnnestNode:
		return pushThroughUnnest(x, conds)
	}
	// Limit, SetOp, Values: push nothing through, but optimize below.
	r, err := mapInputs(n, func(c Node) (Node, error) { return pushFilters(c, nil) })
	if err != nil {
		return nil, err
	}
	return filterOver(r, conds), nil
}

// substitute splits conds into those that may move below a node (movable)
// and the rest; the movable ones are rewritten through subst (an output
// column of the node to the input expression it passes on).
func substitute(conds []*Expr, subst map[ColumnID]*Expr, movable func(*Expr) bool) (down, stay []*Expr, err error) {
	for _, c := range conds {
		if !movable(c) {
			stay = append(stay, c)
			continue
		}
		r, err := rewriteExpr(c, func(e *Expr) (*Expr, error) {
			if e.kind == kCol && subst[e.id] != nil {
				return subst[e.id], nil
			}
			return nil, nil
		})
		if err != nil {
			return nil, nil, err
		}
		down = append(down, r)
	}
	return down, stay, nil
}

// outerColumnOf reports whether id is not produced by n's input (a
// correlated or otherwise external column, constant here).
func outerColumnOf(p *ProjectNode, id ColumnID) bool {
	for _, c := range p.cols {
		if c.ID == id {
			return false
		}
	}
	return outerColumn(p.in, id)
}

func refsWithinSubst(e *Expr, subst map[ColumnID]*Expr) bool {
	ok := true
	walkExpr(e, func(x *Expr) bool {
		if x.kind == kCol && subst[x.id] == nil {
			ok = false
		}
		return ok
	})
	return ok
}

// pushIntoJoin distributes conjuncts over a join's inputs. A conjunct
// over one side moves into it when the join keeps that side's rows as
// they are (both sides of an inner join; the left of a left, semi, anti
// or mark join; the right of a right join). Conditions over both sides of
// an inner join join its ON conditions. Conjuncts that can fail stay
// above (rows the join removes must not raise errors), as do the rest.
func pushIntoJoin(j *JoinNode, conds []*Expr) (Node, error) {
	lcols, rcols := idSet(j.left.Columns()), idSet(j.right.Columns())
	pushLeft := j.kind != joinRight && j.kind != joinFull
	pushRight := j.kind == joinInner || j.kind == joinRight
	var left, right, stay []*Expr
	c := *j
	c.cond = nil
	for _, e := range conds {
		switch {
		case e.canFail():
			stay = append(stay, e)
		case refsWithin(e, lcols) && pushLeft:
			left = append(left, e)
		case refsWithin(e, rcols) && pushRight:
			right = append(right, e)
		case j.kind == joinInner && !refsWithin(e, lcols) && !refsWithin(e, rcols) && refsWithin(e, unionSet(lcols, rcols)):
			c.cond = append(c.cond, e)
		default:
			stay = append(stay, e)
		}
	}
	// The join's own conditions: for inner joins one-sided ones move
	// into their side; for outer joins only conditions over the side
	// whose rows may go unmatched (the right of a LEFT join).
	var own []*Expr
	for _, e := range j.cond {
		switch {
		case e.canFail():
			own = append(own, e)
		case refsWithin(e, lcols) && (j.kind == joinInner || j.kind == joinRight || j.kind == joinSemi || j.kind == joinAnti) && !refsWithin(e, rcols):
			left = append(left, e)
		case refsWithin(e, rcols) && (j.kind == joinInner || j.kind == joinLeft || j.kind == joinSemi || j.kind == joinAnti || j.kind == joinSingle || j.kind == joinMark || j.kind == joinNullAwareAnti) && !refsWithin(e, lcols):
			right = append(right, e)
		default:
			own = append(own, e)
		}
	}
	c.cond = append(own, c.cond...)
	if j.kind == joinInner {
		for _, e := range c.cond {
			for _, side := range []struct {
				cols map[ColumnID]bool
				into *[]*Expr
			}{{lcols, &left}, {rcols, &right}} {
				d, err := impliedOn(e, side.cols)
				if err != nil {
					return nil, err
				}
				if d != nil {
					*side.into = append(*side.into, d)
				}
			}
		}
	}
	var err error
	if c.left, err = pushFilters(j.left, left); err != nil {
		return nil, err
	}
	if c.right, err = pushFilters(j.right, right); err != nil {
		return nil, err
	}
	return filterOver(&c, stay), nil
}

// impliedOn derives from an OR over both sides of a join a condition on
// one side's columns alone that every row of the join must meet: the OR
// of each branch's conjuncts over those columns. TPC-H Q7's
// (n1.n_name = 'FRANCE' AND n2.n_name = 'GERMANY') OR (n1.n_name =
// 'GERMANY' AND n2.n_name = 'FRANCE') implies n1.n_name = 'FRANCE' OR
// n1.n_name = 'GERMANY', which filters n1 before the join. The OR itself
// stays on the join. nil when some branch says nothing about the side.
func impliedOn(e *Expr, cols map[ColumnID]bool) (*Expr, error) {
	if e.kind != kBinary || e.op != "OR" {
		return nil, nil
	}
	var out *Expr
	for _, b := range splitDisjuncts(e) {
		var branch *Expr
		for _, c := range splitConjuncts(b) {
			if !refsWithin(c, cols) || len(columnsOf(c, nil)) == 0 || c.canFail() {
				continue
			}
			var err error
			if branch, err = combine("AND", branch, c); err != nil {
				return nil, err
			}
		}
		if branch == nil {
			return nil, nil
		}
		var err error
		if out, err = combine("OR", out, branch); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// combine is a op b, or b when a is nil.
func combine(op string, a, b *Expr) (*Expr, error) {
	if a == nil {
		return b, nil
	}
	return newExpr(&Expr{kind: kBinary, op: op, pos: b.pos, args: []*Expr{a, b}})
}

func unionSet(a, b map[ColumnID]bool) map[ColumnID]bool {
	m := make(map[ColumnID]bool, len(a)+len(b))
	for k := range a {
		m[k] = true
	}
	for k := range b {
		m[k] = true
	}
	return m
}

// pushIntoScan moves the conjuncts the scan can evaluate on raw bytes
// into it; the others stay in a Filter above.
func pushIntoScan(s *ScanNode, conds []*Expr) Node {
	c := *s
	var kept []*Expr
	for _, e := range conds {
		if isFalse(e) {
			c.empty = true
			continue
		}
		if c.pushRowID(e) {
			continue
		}
		if p, ok := c.toFilePredicate(e); ok {
			c.filePreds = append(append([]scan.Predicate(nil), c.filePreds...), p)
			continue
		}
		if p, ok := c.toScanPredicate(e); ok {
			c.pushed = append(append([]scan.Predicate(nil), c.pushed...), p)
			continue
		}
		kept = append(kept, e)
	}
	return filterOver(&c, kept)
}

// fieldOf returns the table field a bare column reference names.
func (s *ScanNode) fieldOf(e *Expr) (int, bool) {
	if e.kind != kCol {
		return 0, false
	}
	for i, c := range s.cols {
		if c.ID == e.id {
			return s.fields[i], true
		}
	}
	return 0, false
}

var flipOp = map[string]string{"=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
var scanOps = map[string]scan.Op{"=": scan.OpEq, "<>": scan.OpNe, "<": scan.OpLt, "<=": scan.OpLe, ">": scan.OpGt, ">=": scan.OpGe}

// toScanPredicate converts a conjunct the scan can evaluate on raw bytes
// with exactly SQL's meaning: column op constant, BETWEEN, IN, IS [NOT]
// NULL and [NOT] LIKE on CHAR columns.
func (s *ScanNode) toScanPredicate(c *Expr) (scan.Predicate, bool) {
	schema := s.table.Schema
	// A field only some record types hold is NULL on the others' records:
	// its test waits for the decoded column. So does a test of an array
	// field (OCCURS): its value is a list, read from several places.
	takes := func(f int) bool {
		return f >= 0 && !s.table.Raw.Segments.Partial(f) && !schema.Fields[f].IsArray() && !schema.Fields[f].IsGroup() && len(schema.Fields[f].Shifts) == 0
	}
	return predicateOn(s, c, takes, func(f int) bool {
		return schema.Fields[f].Type.Kind == storage.Char
	}, func(f int, e *Expr) (any, bool) {
		return scanConstant(e, &schema.Fields[f])
	})
}

// predicateOn converts a conjunct on one column of the scan (a field
// accepted by takes) compared with constants into a predicate: column op
// constant, BETWEEN, IN, IS [NOT] NULL and [NOT] LIKE on text columns. constant converts a constant for the field, or says no.
func predicateOn(s *ScanNode, c *Expr, takes, isText func(f int) bool, constant func(f int, e *Expr) (any, bool)) (scan.Predicate, bool) {
	field := func(e *Expr) (int, bool) {
		f, ok := s.fieldOf(e)
		return f, ok && takes(f)
	}
	if p, ok := prefixPredicate(c, field, isText); ok {
		return p, true
	}
	switch c.kind {
	case kBinary:
		if c.op == "LIKE" || c.op == "NOT LIKE" {
			f, ok := field(c.args[0])
			if !ok || !isText(f) {
				return scan.Predicate{}, false
			}
			v, _, ok := c.args[1].constValue()
			pat, isStr := v.(string)
			if !ok || !isStr {
				return scan.Predicate{}, false
			}
			if c.op == "NOT LIKE" {
				return scan.Predicate{Field: f, Op: scan.OpNotLike, Values: []any{pat}}, true
			}
			prefix, rest := splitLikePrefix(pat)
			switch rest {
			case "":
				return scan.Predicate{Field: f, Op: scan.OpEq, Values: []any{prefix}}, true
			case "%":
				return scan.Predicate{Field: f, Op: scan.OpPrefix, Values: []any{prefix}}, true
			}
			return scan.Predicate{Field: f, Op: scan.OpLike, Values: []any{pat}}, true
		}
		op, ok := scanOps[c.op]
		if !ok {
			return scan.Predicate{}, false
		}
		col, other := c.args[0], c.args[1]
		f, ok := field(col)
		if !ok {
			col, other = other, col
			if f, ok = field(col); !ok {
				return scan.Predicate{}, false
			}
			op = scanOps[flipOp[c.op]]
		}
		v, ok := constant(f, other)
		if !ok {
			return scan.Predicate{}, false
		}
		return scan.Predicate{Field: f, Op: op, Values: []any{v}}, true
	case kBetween:
		f, ok := field(c.args[0])
		if !ok || c.not {
			return scan.Predicate{}, false
		}
		lo, ok1 := constant(f, c.args[1])
		hi, ok2 := constant(f, c.args[2])
		if !ok1 || !ok2 {
			return scan.Predicate{}, false
		}
		return scan.Predicate{Field: f, Op: scan.OpBetween, Values: []any{lo, hi}}, true
	case kIn:
		f, ok := field(c.args[0])
		if !ok || c.not {
			return scan.Predicate{}, false
		}
		vals := make([]any, 0, len(c.args)-1)
		for _, x := range c.args[1:] {
			v, ok := constant(f, x)
			if !ok {
				return scan.Predicate{}, false
			}
			vals = append(vals, v)
		}
		return scan.Predicate{Field: f, Op: scan.OpIn, Values: vals}, true
	case kIsNull:
		f, ok := field(c.args[0])
		if !ok {
			return scan.Predicate{}, false
		}
		op := scan.OpIsNull
		if c.not {
			op = scan.OpIsNotNull
		}
		return scan.Predicate{Field: f, Op: op}, true
	}
	return scan.Predicate{}, false
}

// prefixPredicate converts substring(col, 1, n) = 'ab' or IN ('ab',
// 'cd'), on a text field, into a prefix test: a constant of n ASCII
// characters is the first n characters of a value exactly when it is the
// value's first n bytes (codes at fixed positions of a field, such as
// the country code of a phone number in TPC-H Q22).
func prefixPredicate(c *Expr, field func(*Expr) (int, bool), isText func(int) bool) (scan.Predicate, bool) {
	var call *Expr
	var consts []*Expr
	switch {
	case c.kind == kBinary && c.op == "=":
		call, consts = c.args[0], c.args[1:]
		if call.kind != kCall {
			call, consts = c.args[1], c.args[:1]
		}
	case c.kind == kIn && !c.not:
		call, consts = c.args[0], c.args[1:]
	default:
		return scan.Predicate{}, false
	}
	if call.kind != kCall || len(call.args) != 3 || len(consts) == 0 {
		return scan.Predicate{}, false
	}
	if name := strings.ToLower(call.op); name != "substring" && name != "substr" {
		return scan.Predicate{}, false
	}
	f, ok := field(call.args[0])
	if !ok || !isText(f) {
		return scan.Predicate{}, false
	}
	start, _, ok1 := call.args[1].constValue()
	count, _, ok2 := call.args[2].constValue()
	if s, ok := start.(int64); !ok1 || !ok2 || !ok || s != 1 {
		return scan.Predicate{}, false
	}
	n, ok := count.(int64)
	if !ok || n < 1 {
		return scan.Predicate{}, false
	}
	vals := make([]any, 0, len(consts))
	for _, e := range consts {
		v, _, ok := e.constValue()
		str, isStr := v.(string)
		if !ok || !isStr || int64(len(str)) != n || !isASCIIText(str) {
			return scan.Predicate{}, false
		}
		vals = append(vals, str)
	}
	return scan.Predicate{Field: f, Op: scan.OpPrefix, Values: vals}, true
}

// isASCIIText reports whether s is all ASCII.
func isASCIIText(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// splitLikePrefix splits a LIKE pattern into its literal prefix and the
// rest starting at the first wildcard.
func splitLikePrefix(p string) (prefix, rest string) {
	if i := strings.IndexAny(p, "%_"); i >= 0 {
		return p[:i], p[i:]
	}
	return p, ""
}

// scanConstant evaluates a constant and converts it to the storage value
// the scan compares with f, when the comparison means the same on raw
// bytes as in exec (same type family; NULL constants are left to exec).
func scanConstant(e *Expr, f *storage.Field) (any, bool) {
	v, typ, ok := e.constValue()
	if !ok || v == nil {
		return nil, false
	}
	t := f.Type
	if t.Kind == storage.Decimal && t.Precision > storage.MaxDecimalPrecision {
		// Raw-byte predicates compare 64-bit values; wider packed and
		// zoned DECIMALs are compared after decoding.
		return nil, false
	}
	switch x := v.(type) {
	case bool:
		return x, t.Kind == storage.Boolean
	case int64:
		return x, t.IsInteger() || t.IsFloat() || t.Kind == storage.Decimal
	case uint64:
		return x, t.IsInteger() || t.IsFloat() || t.Kind == storage.Decimal
	case float64:
		return x, t.IsInteger() || t.IsFloat() || t.Kind == storage.Decimal
	case decimal128.Num:
		dt, isDec := typ.(*arrow.Decimal128Type)
		if !isDec || !(t.IsInteger() || t.IsFloat() || t.Kind == storage.Decimal) || !x.FitsInPrecision(18) {
			return nil, false
		}
		return storage.DecimalValue{Unscaled: int64(x.LowBits()), Scale: int(dt.Scale)}, true
	case string:
		switch t.Kind {
		case storage.Char:
			return x, true
		case storage.Date:
			d, err := storage.ParseTextDate([]byte(x), storage.DefaultDateFormat, 0)
			return storage.DateValue(d), err == nil
		}
		return nil, false
	case arrow.Date32:
		return storage.DateValue(x), t.Kind == storage.Date || t.Kind == storage.Timestamp
	case arrow.Timestamp:
		return storage.TimestampValue(x), t.Kind == storage.Date || t.Kind == storage.Timestamp
	}
	return nil, false
}

// pushRowID turns a _rowid condition with constants into row ranges.
// Bounds are computed with checked arithmetic: _rowid <= MaxInt64 is all
// rows, not none.
func (s *ScanNode) pushRowID(c *Expr) bool {
	count := s.table.Layout.Count
	if s.files != nil {
		count = math.MaxInt64 // the files' record counts are not known before they are opened
	}
	whole := []scan.RowRange{{Start: 0, End: count}}
	var rs []scan.RowRange
	intConst := func(e *Expr) (int64, bool) {
		v, _, ok := e.constValue()
		n, isInt := v.(int64)
		return n, ok && isInt
	}
	isRowID := func(e *Expr) bool { f, ok := s.fieldOf(e); return ok && f == rowIDField }
	// next is k+1, saturating (a row id is below MaxInt64).
	next := func(k int64) int64 {
		if k == math.MaxInt64 {
			return k
		}
		return k + 1
	}
	switch c.kind {
	case kBinary:
		col, other, op := c.args[0], c.args[1], c.op
		if !isRowID(col) {
			col, other, op = other, col, flipOp[c.op]
		}
		if !isRowID(col) || op == "<>" || op == "" {
			return false
		}
		k, ok := intConst(other)
		if !ok {
			return false
		}
		switch op {
		case "=":
			rs = []scan.RowRange{{Start: k, End: next(k)}}
		case "<":
			rs = []scan.RowRange{{Start: 0, End: k}}
		case "<=":
			rs = []scan.RowRange{{Start: 0, End: next(k)}}
		case ">":
			rs = []scan.RowRange{{Start: next(k), End: count}}
		case ">=":
			rs = []scan.RowRange{{Start: k, End: count}}
		default:
			return false
		}
	case kBetween:
		if !isRowID(c.args[0]) || c.not {
			return false
		}
		lo, ok1 := intConst(c.args[1])
		hi, ok2 := intConst(c.args[2])
		if !ok1 || !ok2 {
			return false
		}
		rs = []scan.RowRange{{Start: lo, End: next(hi)}}
	case kIn:
		if !isRowID(c.args[0]) || c.not {
			return false
		}
		for _, x := range c.args[1:] {
			k, ok := intConst(x)
			if !ok {
				return false
			}
			rs = append(rs, scan.RowRange{Start: k, End: next(k)})
		}
	default:
		return false
	}
	if s.ranges == nil {
		s.ranges = whole
	}
	s.ranges = intersectRanges(s.ranges, rs)
	return true
}

// intersectRanges intersects two sets of ranges (each may be unsorted).
func intersectRanges(a, b []scan.RowRange) []scan.RowRange {
	out := []scan.RowRange{}
	for _, x := range a {
		for _, y := range b {
			lo, hi := max(x.Start, y.Start), min(x.End, y.End)
			if lo < hi {
				out = append(out, scan.RowRange{Start: lo, End: hi})
			}
		}
	}
	return out
}

// ---------------------------------------------------------------------
// extract_join_keys

func extractJoinKeys(n Node) (Node, error) {
	n, err := mapInputs(n, extractJoinKeys)
	if err != nil {
		return nil, err
	}
	j, ok := n.(*JoinNode)
	if !ok || len(j.cond) == 0 {
		return n, nil
	}
	lcols, rcols := idSet(j.left.Columns()), idSet(j.right.Columns())
	c := *j
	c.cond = nil
	c.leftKeys = append([]*Expr(nil), j.leftKeys...)
	c.rightKeys = append([]*Expr(nil), j.rightKeys...)
	c.nullEqual = append([]bool(nil), j.nullEqual...)
	for _, e := range j.cond {
		nullEq := e.kind == kBinary && e.op == "IS NOT DISTINCT FROM"
		if e.kind != kBinary || (e.op != "=" && !nullEq) {
			c.cond = append(c.cond, e)
			continue
		}
		a, b := e.args[0], e.args[1]
		if refsWithin(b, lcols) && refsWithin(a, rcols) && !refsWithin(a, lcols) {
			a, b = b, a
		}
		if !refsWithin(a, lcols) || !refsWithin(b, rcols) || refsWithin(a, rcols) || refsWithin(b, lcols) {
			c.cond = append(c.cond, e)
			continue
		}
		lk, rk, err := unifyKeys(a, b, e.pos)
		if err != nil {
			c.cond = append(c.cond, e)
			continue
		}
		c.leftKeys, c.rightKeys, c.nullEqual = append(c.leftKeys, lk), append(c.rightKeys, rk), append(c.nullEqual, nullEq)
	}
	return &c, nil
}

// ---------------------------------------------------------------------
// choose_build_side

// estimateRows guesses a node's output rows: exact record counts for
// scans; a pushed comparison of an integer or date column with constants
// keeps the share of the column's value range (from .rec block min/max)
// it covers, as if values were uniform; other predicates keep half, a
// group by a tenth; an equi-join keeps its inputs' product over the
// number of distinct keys (keyDomain: the smaller table's record count).
func estimateRows(n Node) float64 {
	switch x := n.(type) {
	case *ScanNode:
		if x.empty {
			return 0
		}
		rows := float64(x.table.Layout.Count)
		if x.ranges != nil {
			rows = 0
			for _, r := range x.ranges {
				rows += float64(r.End - r.Start)
			}
		}
		rows *= scanSelectivity(x.table, x.pushed)
		if x.limit > 0 {
			rows = math.Min(rows, float64(x.limit))
		}
		return rows
	case *ValuesNode:
		return float64(len(x.rows))
	case *ReadNode:
		return x.src.EstimateRows()
	case *FilterNode:
		return estimateRows(x.in) * math.Pow(0.5, float64(len(x.conds)))
	case *AggregateNode:
		if len(x.groups) == 0 {
			return 1
		}
		return math.Max(1, estimateRows(x.in)/10)
	case *JoinNode:
		l, r := estimateRows(x.left), estimateRows(x.right)
		switch x.kind {
		case joinSemi, joinAnti, joinNullAwareAnti, joinMark, joinSingle:
			return l
		}
		if len(x.leftKeys) == 0 {
			return l * r
		}
		if x.kind != joinInner {
			return math.Max(l, r)
		}
		domains := map[ColumnID]float64{}
		keyDomains(x.left, domains)
		keyDomains(x.right, domains)
		d := math.Min(keyDomain(x.leftKeys[0], l, domains), keyDomain(x.rightKeys[0], r, domains))
		ndv := math.Max(math.Min(d, l), math.Min(d, r))
		return l * r / math.Max(ndv, 1)
	case *SetOpNode:
		return estimateRows(x.left) + estimateRows(x.right)
	case *LimitNode:
		if x.n >= 0 {
			return math.Min(float64(x.n), estimateRows(x.in))
		}
	case *SortNode:
		if x.limit >= 0 {
			return math.Min(float64(x.limit), estimateRows(x.in))
		}
	}
	ins := n.Inputs()
	if len(ins) == 1 {
		return estimateRows(ins[0])
	}
	return 1
}

// pushedSelectivity is the share of a scan's records a pushed predicate
// is estimated to keep: for =, IN, <, <=, >, >= and BETWEEN on a signed
// integer or date column whose range the .rec block min/max give, the
// share of that range the constants cover (at least one value); for a
// LIKE with wildcards before its end ('%green%'), likeSelectivity (NOT
// LIKE the rest); else one half.
// likeSelectivity is the share of values a LIKE pattern with inner
// wildcards is taken to match: such patterns look for a word in text, and
// few values hold it (TPC-H: '%green%' 5% of part names, '%special%requests%'
// 1% of order comments).
const likeSelectivity = 0.1

func pushedSelectivity(t *storage.Table, p scan.Predicate) float64 {
	const unknown = 0.5
	switch p.Op {
	case scan.OpLike:
		return likeSelectivity
	case scan.OpNotLike:
		return 1 - likeSelectivity
	}
	if a, b, ok := rangeOf(t, p); ok {
		return rangeShare(t, p.Field, a, b)
	}
	if p.Op == scan.OpIn {
		if lo, hi, ok := t.Blocks.Range(p.Field); ok && numericValues(p.Values) {
			return math.Min(float64(len(p.Values))/(float64(hi)-float64(lo)+1), 1)
		}
	}
	return unknown
}

// scanSelectivity is the share of a scan's records all its pushed
// predicates are estimated to keep. The range tests on one column are
// intersected first: a date range written as two comparisons keeps the
// records between its ends, not the product of two halves. The other
// predicates multiply (pushedSelectivity).
func scanSelectivity(t *storage.Table, preds []scan.Predicate) float64 {
	type interval struct{ lo, hi float64 }
	ranges := map[int]interval{}
	var fields []int // in order of first mention, for a stable product
	sel := 1.0
	for _, p := range preds {
		a, b, ok := rangeOf(t, p)
		if !ok {
			sel *= pushedSelectivity(t, p)
			continue
		}
		r, seen := ranges[p.Field]
		if !seen {
			r = interval{math.Inf(-1), math.Inf(1)}
			fields = append(fields, p.Field)
		}
		ranges[p.Field] = interval{math.Max(r.lo, a), math.Min(r.hi, b)}
	}
	for _, f := range fields {
		sel *= rangeShare(t, f, ranges[f].lo, ranges[f].hi)
	}
	return sel
}

// rangeOf returns the values [a, b] a range test (=, <, <=, >, >=,
// BETWEEN) on a signed integer or date column keeps, when the .rec block
// min/max give the column's range.
func rangeOf(t *storage.Table, p scan.Predicate) (a, b float64, ok bool) {
	switch p.Op {
	case scan.OpEq, scan.OpLt, scan.OpLe, scan.OpGt, scan.OpGe, scan.OpBetween:
	default:
		return 0, 0, false
	}
	if _, _, ok := t.Blocks.Range(p.Field); !ok || !numericValues(p.Values) {
		return 0, 0, false
	}
	v := func(i int) float64 {
		switch x := p.Values[i].(type) {
		case int64:
			return float64(x)
		case storage.DateValue:
			return float64(x)
		}
		return 0
	}
	inf := math.Inf(1)
	switch p.Op {
	case scan.OpEq:
		return v(0), v(0), true
	case scan.OpLt:
		return -inf, v(0) - 1, true
	case scan.OpLe:
		return -inf, v(0), true
	case scan.OpGt:
		return v(0) + 1, inf, true
	case scan.OpGe:
		return v(0), inf, true
	}
	return v(0), v(1), true // BETWEEN
}

// numericValues reports whether every value is an int64 or a date.
func numericValues(vals []any) bool {
	for _, v := range vals {
		switch v.(type) {
		case int64, storage.DateValue:
		default:
			return false
		}
	}
	return true
}

// rangeShare is the share of a column's range (its .rec block min/max)
// that [a, b] covers, at least one value's worth.
func rangeShare(t *storage.Table, field int, a, b float64) float64 {
	lo, hi, _ := t.Blocks.Range(field)
	width := float64(hi) - float64(lo) + 1
	a, b = math.Max(a, float64(lo)), math.Min(b, float64(hi))
	return math.Max(b-a+1, 1) / width
}

func chooseBuildSide(n Node) (Node, error) {
	n, err := mapInputs(n, chooseBuildSide)
	if err != nil {
		return nil, err
	}
	j, ok := n.(*JoinNode)
	if !ok || len(j.leftKeys) == 0 || (j.kind.swapped() == 0 && j.kind != joinSemi && j.kind != joinAnti) {
		return n, nil
	}
	buildLeft := estimateRows(j.left) < estimateRows(j.right)
	if buildLeft == j.buildLeft {
		return n, nil
	}
	c := *j
	c.buildLeft = buildLeft
	return &c, nil
}

// ---------------------------------------------------------------------
// prune_projection

func pruneProjection(n Node) (Node, error) {
	return prune(n, idSet(n.Columns()))
}

// prune drops the columns nobody above needs: scan fields, and the
// expressions of inner Projects.
func prune(n Node, need map[ColumnID]bool) (Node, error) {
	uses := func(m map[ColumnID]bool, es ...*Expr) map[ColumnID]bool {
		for _, e := range es {
			columnsOf(e, m)
		}
		return m
	}
	copySet := func(m map[ColumnID]bool) map[ColumnID]bool { return unionSet(m, nil) }
	switch x := n.(type) {
	case *ReadNode:
		return x.prune(need), nil
	case *ScanNode:
		c := *x
		c.fields, c.cols = nil, nil
		for i, col := range x.cols {
			if need[col.ID] {
				c.fields = append(c.fields, x.fields[i])
				c.cols = append(c.cols, col)
			}
		}
		return &c, nil
	case *ProjectNode:
		c := *x
		c.exprs, c.cols = nil, nil
		for i, col := range x.cols {
			if need[col.ID] {
				c.exprs = append(c.exprs, x.exprs[i])
				c.cols = append(c.cols, col)
			}
		}
		in, err := prune(x.in, uses(map[ColumnID]bool{}, c.exprs...))
		if err != nil {
			return nil, err
		}
		c.in = in
		return &c, nil
	case *FilterNode:
		in, err := prune(x.in, uses(copySet(need), x.conds...))
		if err != nil {
			return nil, err
		}
		c := *x
		c.in = in
		return &c, nil
	case *SortNode:
		m := copySet(need)
		for _, k := range x.keys {
			columnsOf(k.expr, m)
		}
		in, err := prune(x.in, m)
		if err != nil {
			return nil, err
		}
		c := *x
		c.in = in
		return &c, nil
	case *WindowNode:
		return pruneWindow(x, need)
	case *UnnestNode:
		return pruneUnnest(x, need)
	case *LimitNode:
		in, err := prune(x.in, need)
		if err != nil {
			return nil, err
		}
		c := *x
		c.in = in
		return &c, nil
	case *AggregateNode:
		in, err := prune(x.in, uses(uses(map[ColumnID]bool{}, x.groups...), x.aggs...))
		if err != nil {
			return nil, err
		}
		c := *x
		c.in = in
		return &c, nil
	case *JoinNode:
		m := copySet(need)
		uses(m, x.leftKeys...)
		uses(m, x.rightKeys...)
		uses(m, x.cond...)
		l, err := prune(x.left, m)
		if err != nil {
			return nil, err
		}
		r, err := prune(x.right, m)
		if err != nil {
			return nil, err
		}
		c := *x
		c.left, c.right = l, r
		return &c, nil
	case *SetOpNode:
		// Set operations compare whole rows: every column stays.
		l, err := prune(x.left, idSet(x.left.Columns()))
		if err != nil {
			return nil, err
		}
		r, err := prune(x.right, idSet(x.right.Columns()))
		if err != nil {
			return nil, err
		}
		c := *x
		c.left, c.right = l, r
		return &c, nil
	}
	return n, nil
}

// ---------------------------------------------------------------------
// pushdown_limit and topn

// addSaturating is a + b for non-negative counts, at most MaxInt64.
func addSaturating(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

func pushdownLimit(n Node) (Node, error) {
	n, err := mapInputs(n, pushdownLimit)
	if err != nil {
		return nil, err
	}
	l, ok := n.(*LimitNode)
	if !ok || l.n < 0 {
		return n, nil
	}
	// Only through Projects: a filter, group, sort or join between would
	// need more records than LIMIT + OFFSET.
	want := addSaturating(l.n, l.offset)
	var push func(Node) (Node, bool)
	push = func(c Node) (Node, bool) {
		switch x := c.(type) {
		case *ProjectNode:
			in, ok := push(x.in)
			if !ok {
				return c, false
			}
			p := *x
			p.in = in
			return &p, true
		case *ScanNode:
			if x.sample != nil {
				return c, false
			}
			s := *x
			s.limit = want
			if want == 0 {
				s.empty = true
			}
			return &s, true
		}
		return c, false
	}
	in, ok := push(l.in)
	if !ok {
		return n, nil
	}
	c := *l
	c.in = in
	return &c, nil
}

func useTopN(n Node) (Node, error) {
	n, err := mapInputs(n, useTopN)
	if err != nil {
		return nil, err
	}
	l, ok := n.(*LimitNode)
	if !ok || l.n < 0 {
		return n, nil
	}
	s, ok := l.in.(*SortNode)
	if !ok {
		return n, nil
	}
	sc := *s
	sc.limit = addSaturating(l.n, l.offset)
	c := *l
	c.in = &sc
	return &c, nil
}
