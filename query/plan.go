package query

import (
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/decimal128"
	"github.com/recq/recq/exec"
	"github.com/recq/recq/parser"
	"github.com/recq/recq/scan"
	"github.com/recq/recq/storage"
)

// logicalPlan is a bound SELECT as the fixed pipeline recq's dialect
// allows (one table, no joins):
//
//	Scan (fields, pushed predicates, row ranges, limit, sample)
//	  -> Filter (residual WHERE)
//	  -> Aggregate (GROUP BY, aggregates) -> Filter (HAVING)
//	  -> Project (select list + hidden ORDER BY keys)
//	  -> Distinct
//	  -> Sort | TopN
//	  -> Limit
//	  -> Project (drop hidden keys)
//
// Optimizer passes rewrite it in place; String renders it for EXPLAIN.
type logicalPlan struct {
	b *bound

	scanFields []int // table fields to decode, in scan output order
	scanRowID  bool  // decode _rowid as the last scan column
	pushed     []scan.Predicate
	ranges     []scan.RowRange // nil: all records
	empty      bool            // WHERE is constantly false: read nothing
	scanLimit  int64           // 0: none
	residual   []parser.Expr   // WHERE conjuncts left for the Filter
	topN       bool
	applied    []string // passes that ran, in order
}

func newLogicalPlan(b *bound) *logicalPlan {
	lp := &logicalPlan{b: b, residual: append([]parser.Expr(nil), b.where...)}
	if b.table != nil {
		// Before pruning, the scan decodes every field.
		for i := range b.table.Schema.Fields {
			lp.scanFields = append(lp.scanFields, i)
		}
		lp.scanRowID = true
	}
	return lp
}

// pass is one named optimizer rewrite.
type pass struct {
	name string
	doc  string
	run  func(*logicalPlan) error
}

// optimizerPasses run in this order.
var optimizerPasses = []pass{
	{"fold_constants", "drop WHERE conjuncts that are constantly true; read nothing when one is constantly false or NULL", foldConstants},
	{"pushdown_predicates", "evaluate column-versus-constant conjuncts on raw record bytes in the scan (and _rowid conditions as row ranges)", pushdownPredicates},
	{"prune_projection", "decode only the columns the rest of the query uses", pruneProjection},
	{"pushdown_limit", "stop the scan after LIMIT + OFFSET records when nothing above it filters, groups or sorts", pushdownLimit},
	{"topn", "turn ORDER BY + LIMIT into a top-N heap", useTopN},
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

// optimize runs every pass not in disabled.
func (lp *logicalPlan) optimize(disabled map[string]bool) error {
	for _, p := range optimizerPasses {
		if disabled[p.name] {
			continue
		}
		if err := p.run(lp); err != nil {
			return err
		}
		lp.applied = append(lp.applied, p.name)
	}
	return nil
}

// fullScope sees every table field (for checking and folding conjuncts).
func (lp *logicalPlan) fullScope() *scope {
	sc := &scope{fields: map[int]scopeCol{}, args: lp.b.args, res: lp.b.res, where: "in WHERE"}
	if t := lp.b.table; t != nil {
		for i := range t.Schema.Fields {
			f := &t.Schema.Fields[i]
			sc.fields[i] = scopeCol{index: i, name: f.Name, typ: f.Type.ArrowType()}
		}
		sc.fields[rowIDField] = scopeCol{index: len(t.Schema.Fields), name: "_rowid", typ: arrow.PrimitiveTypes.Int64}
	}
	return sc
}

// constant folds an expression without column references to its value.
func (lp *logicalPlan) constant(e parser.Expr) (any, arrow.DataType, bool) {
	if hasColumns(e) || containsAggregate(e) {
		return nil, nil, false
	}
	x, err := conv(e, &scope{args: lp.b.args, res: lp.b.res})
	if err != nil {
		return nil, nil, false
	}
	if x, err = exec.FoldConstant(x); err != nil {
		return nil, nil, false
	}
	v, ok := exec.LiteralValue(x)
	return v, x.DataType(), ok
}

func hasColumns(e parser.Expr) bool {
	found := false
	walk(e, func(x parser.Expr, _ bool) bool {
		if _, ok := x.(*parser.ColumnRef); ok {
			found = true
		}
		return !found
	})
	return found
}

func foldConstants(lp *logicalPlan) error {
	sc := lp.fullScope()
	kept := lp.residual[:0]
	for _, c := range lp.residual {
		// Type-check every conjunct once here, so pushed-down ones report
		// the same errors as those the Filter evaluates.
		if _, err := conv(c, sc); err != nil {
			return err
		}
		v, _, ok := lp.constant(c)
		if !ok {
			kept = append(kept, c)
			continue
		}
		if b, isBool := v.(bool); isBool && b {
			continue // constantly true
		}
		if _, isBool := v.(bool); !isBool && v != nil {
			return posErr(c.Position(), "WHERE needs a BOOLEAN condition, not %s", c.String())
		}
		lp.empty = true // false or NULL
	}
	lp.residual = kept
	return nil
}

func pushdownPredicates(lp *logicalPlan) error {
	if lp.b.table == nil {
		return nil
	}
	kept := lp.residual[:0]
	for _, c := range lp.residual {
		if lp.pushRowID(c) {
			continue
		}
		if p, ok := lp.toScanPredicate(c); ok {
			lp.pushed = append(lp.pushed, p)
			continue
		}
		kept = append(kept, c)
	}
	lp.residual = kept
	return nil
}

// columnOf returns the table field a bare column reference names.
func (lp *logicalPlan) columnOf(e parser.Expr) (int, bool) {
	c, ok := e.(*parser.ColumnRef)
	if !ok {
		return 0, false
	}
	f, ok := lp.b.res[c]
	return f, ok
}

var flipOp = map[string]string{"=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
var scanOps = map[string]scan.Op{"=": scan.OpEq, "<>": scan.OpNe, "<": scan.OpLt, "<=": scan.OpLe, ">": scan.OpGt, ">=": scan.OpGe}

// toScanPredicate converts a conjunct the scan can evaluate on raw bytes
// with exactly SQL's meaning: column op constant, BETWEEN, IN, IS [NOT]
// NULL and LIKE 'prefix%' on CHAR columns.
func (lp *logicalPlan) toScanPredicate(c parser.Expr) (scan.Predicate, bool) {
	schema := lp.b.table.Schema
	switch n := c.(type) {
	case *parser.Binary:
		if n.Op == "LIKE" && !n.Not {
			f, ok := lp.columnOf(n.L)
			if !ok || f < 0 || schema.Fields[f].Type.Kind != storage.Char {
				return scan.Predicate{}, false
			}
			v, _, ok := lp.constant(n.R)
			pat, isStr := v.(string)
			if !ok || !isStr {
				return scan.Predicate{}, false
			}
			prefix, rest := splitLikePrefix(pat)
			switch rest {
			case "":
				return scan.Predicate{Field: f, Op: scan.OpEq, Values: []any{prefix}}, true
			case "%":
				return scan.Predicate{Field: f, Op: scan.OpPrefix, Values: []any{prefix}}, true
			}
			return scan.Predicate{}, false
		}
		op, ok := scanOps[n.Op]
		if !ok {
			return scan.Predicate{}, false
		}
		col, other := n.L, n.R
		f, ok := lp.columnOf(col)
		if !ok {
			col, other = n.R, n.L
			if f, ok = lp.columnOf(col); !ok {
				return scan.Predicate{}, false
			}
			op = scanOps[flipOp[n.Op]]
		}
		if f < 0 {
			return scan.Predicate{}, false
		}
		v, ok := lp.scanConstant(other, &schema.Fields[f])
		if !ok {
			return scan.Predicate{}, false
		}
		return scan.Predicate{Field: f, Op: op, Values: []any{v}}, true
	case *parser.Between:
		f, ok := lp.columnOf(n.X)
		if !ok || f < 0 || n.Not {
			return scan.Predicate{}, false
		}
		lo, ok1 := lp.scanConstant(n.Lo, &schema.Fields[f])
		hi, ok2 := lp.scanConstant(n.Hi, &schema.Fields[f])
		if !ok1 || !ok2 {
			return scan.Predicate{}, false
		}
		return scan.Predicate{Field: f, Op: scan.OpBetween, Values: []any{lo, hi}}, true
	case *parser.InList:
		f, ok := lp.columnOf(n.X)
		if !ok || f < 0 || n.Not {
			return scan.Predicate{}, false
		}
		vals := make([]any, 0, len(n.List))
		for _, x := range n.List {
			v, ok := lp.scanConstant(x, &schema.Fields[f])
			if !ok {
				return scan.Predicate{}, false
			}
			vals = append(vals, v)
		}
		return scan.Predicate{Field: f, Op: scan.OpIn, Values: vals}, true
	case *parser.IsNull:
		f, ok := lp.columnOf(n.X)
		if !ok || f < 0 {
			return scan.Predicate{}, false
		}
		op := scan.OpIsNull
		if n.Not {
			op = scan.OpIsNotNull
		}
		return scan.Predicate{Field: f, Op: op}, true
	}
	return scan.Predicate{}, false
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
func (lp *logicalPlan) scanConstant(e parser.Expr, f *storage.Field) (any, bool) {
	v, typ, ok := lp.constant(e)
	if !ok || v == nil {
		return nil, false
	}
	t := f.Type
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
			d, err := storage.ParseTextDate([]byte(x), storage.DefaultDateFormat)
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
func (lp *logicalPlan) pushRowID(c parser.Expr) bool {
	count := lp.b.table.Layout.Count
	whole := []scan.RowRange{{Start: 0, End: count}}
	var rs []scan.RowRange
	intConst := func(e parser.Expr) (int64, bool) {
		v, _, ok := lp.constant(e)
		n, isInt := v.(int64)
		return n, ok && isInt
	}
	isRowID := func(e parser.Expr) bool { f, ok := lp.columnOf(e); return ok && f == rowIDField }
	switch n := c.(type) {
	case *parser.Binary:
		col, other, op := n.L, n.R, n.Op
		if !isRowID(col) {
			col, other, op = n.R, n.L, flipOp[n.Op]
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
			rs = []scan.RowRange{{Start: k, End: k + 1}}
		case "<":
			rs = []scan.RowRange{{Start: 0, End: k}}
		case "<=":
			rs = []scan.RowRange{{Start: 0, End: k + 1}}
		case ">":
			rs = []scan.RowRange{{Start: k + 1, End: count}}
		case ">=":
			rs = []scan.RowRange{{Start: k, End: count}}
		default:
			return false
		}
	case *parser.Between:
		if !isRowID(n.X) || n.Not {
			return false
		}
		lo, ok1 := intConst(n.Lo)
		hi, ok2 := intConst(n.Hi)
		if !ok1 || !ok2 {
			return false
		}
		rs = []scan.RowRange{{Start: lo, End: hi + 1}}
	case *parser.InList:
		if !isRowID(n.X) || n.Not {
			return false
		}
		for _, x := range n.List {
			k, ok := intConst(x)
			if !ok {
				return false
			}
			rs = append(rs, scan.RowRange{Start: k, End: k + 1})
		}
	default:
		return false
	}
	if lp.ranges == nil {
		lp.ranges = whole
	}
	lp.ranges = intersectRanges(lp.ranges, rs)
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

// usedFields collects the table fields referenced by what runs above the
// scan.
func (lp *logicalPlan) usedFields() (fields map[int]bool) {
	fields = map[int]bool{}
	add := func(e parser.Expr) {
		walk(e, func(x parser.Expr, _ bool) bool {
			if c, ok := x.(*parser.ColumnRef); ok {
				if f, ok := lp.b.res[c]; ok {
					fields[f] = true
				}
			}
			return true
		})
	}
	b := lp.b
	for _, e := range lp.residual {
		add(e)
	}
	for _, it := range b.items {
		add(it.expr)
	}
	for _, g := range b.groupBy {
		add(g)
	}
	for _, a := range b.aggs {
		add(a)
	}
	add(b.having)
	for _, k := range b.order {
		add(k.expr)
	}
	return fields
}

func pruneProjection(lp *logicalPlan) error {
	if lp.b.table == nil {
		return nil
	}
	used := lp.usedFields()
	lp.scanFields = lp.scanFields[:0]
	for i := range lp.b.table.Schema.Fields {
		if used[i] {
			lp.scanFields = append(lp.scanFields, i)
		}
	}
	lp.scanRowID = used[rowIDField]
	return nil
}

func pushdownLimit(lp *logicalPlan) error {
	b := lp.b
	if b.table == nil || b.limit < 0 || len(lp.residual) > 0 || b.hasAggregation() || len(b.order) > 0 || b.distinct {
		return nil
	}
	lp.scanLimit = b.limit + b.offset
	if lp.scanLimit == 0 {
		lp.empty = true
	}
	return nil
}

func useTopN(lp *logicalPlan) error {
	lp.topN = len(lp.b.order) > 0 && lp.b.limit >= 0
	return nil
}

// String renders the logical plan, top operator first.
func (lp *logicalPlan) String() string {
	b := lp.b
	var lines []string
	add := func(s string) { lines = append(lines, s) }
	if b.limit >= 0 || b.offset > 0 {
		add(fmt.Sprintf("Limit %d offset %d", b.limit, b.offset))
	}
	if len(b.order) > 0 {
		keys := make([]string, len(b.order))
		for i, k := range b.order {
			keys[i] = k.expr.String()
			if k.desc {
				keys[i] += " DESC"
			}
		}
		kind := "Sort"
		if lp.topN {
			kind = "TopN"
		}
		add(kind + " " + strings.Join(keys, ", "))
	}
	if b.distinct {
		add("Distinct")
	}
	items := make([]string, len(b.items))
	for i, it := range b.items {
		items[i] = it.expr.String()
		if it.name != items[i] {
			items[i] += " AS " + it.name
		}
	}
	add("Project " + strings.Join(items, ", "))
	if b.having != nil {
		add("Filter (HAVING) " + b.having.String())
	}
	if b.hasAggregation() {
		gs := make([]string, len(b.groupBy))
		for i, g := range b.groupBy {
			gs[i] = g.String()
		}
		as := make([]string, len(b.aggs))
		for i, a := range b.aggs {
			as[i] = a.String()
		}
		add(fmt.Sprintf("Aggregate group by [%s] aggregates [%s]", strings.Join(gs, ", "), strings.Join(as, ", ")))
	}
	if len(lp.residual) > 0 {
		cs := make([]string, len(lp.residual))
		for i, c := range lp.residual {
			cs[i] = c.String()
		}
		add("Filter " + strings.Join(cs, " AND "))
	}
	if b.table != nil {
		s := "Scan " + b.entry.name
		var cols []string
		for _, f := range lp.scanFields {
			cols = append(cols, b.table.Schema.Fields[f].Name)
		}
		if lp.scanRowID {
			cols = append(cols, "_rowid")
		}
		s += " [" + strings.Join(cols, ", ") + "]"
		if len(lp.pushed) > 0 {
			ps := make([]string, len(lp.pushed))
			for i, p := range lp.pushed {
				ps[i] = p.String(b.table.Schema)
			}
			s += " pushed [" + strings.Join(ps, " AND ") + "]"
		}
		if lp.ranges != nil {
			s += fmt.Sprintf(" row ranges %v", lp.ranges)
		}
		if lp.scanLimit > 0 {
			s += fmt.Sprintf(" limit %d", lp.scanLimit)
		}
		if lp.empty {
			s += " (reads nothing: WHERE is always false)"
		}
		add(s)
	} else {
		add("Values (one row)")
	}
	var out strings.Builder
	for i, l := range lines {
		out.WriteString(strings.Repeat("  ", i))
		out.WriteString(l)
		out.WriteByte('\n')
	}
	return out.String()
}
