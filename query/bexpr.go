package query

import (
	"slices"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/recq/recq/exec"
	"github.com/recq/recq/parser"
)

// ColumnID names one column of one plan node, unique within a statement.
// Bound expressions refer to columns by id, never by name or position;
// positions in batches are decided only when the plan is lowered.
type ColumnID int32

// Column is one output column of a logical plan node.
type Column struct {
	ID    ColumnID
	Name  string // display name (the output name for a Project)
	Table string // the relation it came from, for qualified names; may be ""
	Type  arrow.DataType
}

// exprKind is the kind of a bound expression node.
type exprKind int

const (
	kCol     exprKind = iota + 1 // a column by id
	kLit                         // a constant (shadow is the exec literal)
	kUnary                       // op x
	kBinary                      // l op r (op includes "NOT LIKE", "IS DISTINCT FROM", ...)
	kIsNull                      // x IS [NOT] NULL
	kBetween                     // x [NOT] BETWEEN lo AND hi
	kIn                          // x [NOT] IN (list...)
	kCall                        // scalar function
	kCast                        // CAST(x AS to)
	kCase                        // CASE [operand] WHEN... [ELSE] END
	kAgg                         // an aggregate call; only inside Aggregate nodes
	kCell                        // the value of an uncorrelated scalar subquery, computed before the query runs
	kWin                         // a window function call (window.go); only inside Window nodes
	kLambda                      // list function with a lambda: args are the list and the body (lambda.go)
)

// Expr is a bound, typed expression: every column is a ColumnID, every
// type was decided by exec's constructors when the node was built (so a
// type error is reported once, at bind time, at the node's position), and
// nothing above the binder looks at expression text.
//
// Each node keeps its "shadow": the exec expression built from its
// children's shadows with every column as exec.Col(id). The shadow gives
// the node's type and its SQL text; lowering rebuilds the same tree with
// batch positions (lower.go).
type Expr struct {
	kind exprKind
	pos  parser.Pos
	op   string // unary/binary operator, function or aggregate name
	not  bool
	args []*Expr
	// kCol
	id   ColumnID
	name string
	// kCast; try: TRY_CAST
	to  arrow.DataType
	try bool
	// kCall of a volatile function (random): the generator it draws from
	rng *exec.RandSource
	// kCase: whether args start with an operand / end with an ELSE
	hasOperand, hasElse bool
	// kAgg: args are the values, then the FILTER condition when hasFilter,
	// then one ORDER BY key per order entry
	distinct, star bool
	hasFilter      bool
	order          []aggOrder
	// kCell
	cell *subqueryCell
	// kWin
	win *winSpec
	// kLambda: the lambda's parameters, columns only its body sees
	params []Column

	shadow exec.Expr
}

// Type is the type of the expression's values.
func (e *Expr) Type() arrow.DataType { return e.shadow.DataType() }

// Pos is the position of the node in the SQL text, for carets.
func (e *Expr) Pos() parser.Pos { return e.pos }

// String renders the expression as SQL, with column names.
func (e *Expr) String() string {
	switch e.kind {
	case kAgg:
		return e.aggString()
	case kWin:
		return e.winString()
	}
	return e.shadow.String()
}

// aggOrder is one ORDER BY key of an aggregate call.
type aggOrder struct{ desc, nullsFirst bool }

// aggParts splits an aggregate's args into values, FILTER (nil if none)
// and ORDER BY keys.
func (e *Expr) aggParts() (vals []*Expr, filter *Expr, keys []*Expr) {
	n := len(e.args) - len(e.order)
	keys = e.args[n:]
	if e.hasFilter {
		n--
		filter = e.args[n]
	}
	return e.args[:n], filter, keys
}

func (e *Expr) aggString() string {
	vals, filter, keys := e.aggParts()
	var b strings.Builder
	b.WriteString(e.op + "(")
	if e.star {
		b.WriteString("*")
	}
	if e.distinct {
		b.WriteString("DISTINCT ")
	}
	for i, v := range vals {
		if i > 0 {
			b.WriteString(", ")
		}
		if c, ok := exec.LiteralValue(v.shadow); ok && c == exec.QuantileListArg {
			b.WriteString("[")
			for j, q := range vals[i+1:] {
				if j > 0 {
					b.WriteString(", ")
				}
				b.WriteString(q.String())
			}
			b.WriteString("]")
			break
		}
		b.WriteString(v.String())
	}
	for i, k := range keys {
		if i == 0 {
			b.WriteString(" ORDER BY ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(k.String())
		if e.order[i].desc {
			b.WriteString(" DESC")
		}
		if e.order[i].nullsFirst {
			b.WriteString(" NULLS FIRST")
		}
	}
	b.WriteString(")")
	if filter != nil {
		b.WriteString(" FILTER (WHERE " + filter.String() + ")")
	}
	return b.String()
}

// colRef builds a column reference.
func colRef(c Column, pos parser.Pos) *Expr {
	return &Expr{kind: kCol, pos: pos, id: c.ID, name: c.Name, shadow: exec.Col(int(c.ID), c.Name, c.Type)}
}

// litExpr wraps an exec literal.
func litExpr(x exec.Expr, pos parser.Pos) *Expr {
	return &Expr{kind: kLit, pos: pos, shadow: x}
}

// newExpr finishes a node whose children are bound: it builds the shadow
// with exec's constructor (deciding the type, or failing with a type
// error at the node's position).
func newExpr(e *Expr) (*Expr, error) {
	kids := make([]exec.Expr, len(e.args))
	for i, a := range e.args {
		kids[i] = a.shadow
	}
	x, err := e.build(kids)
	if err != nil {
		if _, ok := err.(*parser.Error); ok {
			return nil, err
		}
		return nil, posErr(e.pos, "%v", err)
	}
	e.shadow = x
	return e, nil
}

// build constructs the exec node for e over already built children.
func (e *Expr) build(k []exec.Expr) (exec.Expr, error) {
	switch e.kind {
	case kCol, kLit, kCell:
		return e.shadow, nil
	case kUnary:
		return exec.NewUnary(e.op, k[0])
	case kBinary:
		return exec.NewBinary(e.op, k[0], k[1])
	case kIsNull:
		return exec.NewIsNull(k[0], e.not), nil
	case kBetween:
		return exec.NewBetween(k[0], k[1], k[2], e.not)
	case kIn:
		return exec.NewIn(k[0], k[1:], e.not)
	case kCall:
		if exec.IsVolatile(e.op) {
			x, err := exec.NewRandom(e.rng, k)
			if err != nil {
				return nil, posErr(e.pos, "%v", err)
			}
			return x, nil
		}
		x, err := exec.NewCall(e.op, k)
		if err != nil {
			msg := err.Error()
			if strings.HasPrefix(msg, "unknown function") {
				msg += suggest(e.op, exec.FunctionNames())
			}
			return nil, posErr(e.pos, "%s", msg)
		}
		return x, nil
	case kCast:
		if e.try {
			return exec.NewTryCast(k[0], e.to)
		}
		return exec.NewCast(k[0], e.to)
	case kCase:
		var operand, els exec.Expr
		if e.hasOperand {
			operand, k = k[0], k[1:]
		}
		if e.hasElse {
			els, k = k[len(k)-1], k[:len(k)-1]
		}
		var whens, thens []exec.Expr
		for i := 0; i+1 < len(k); i += 2 {
			whens, thens = append(whens, k[i]), append(thens, k[i+1])
		}
		return exec.NewCase(operand, whens, thens, els)
	case kAgg:
		nv := len(k) - len(e.order)
		if e.hasFilter {
			nv--
			if ft := k[nv].DataType(); ft.ID() != arrow.BOOL && ft.ID() != arrow.NULL {
				return nil, posErr(e.args[nv].pos, "FILTER needs a BOOLEAN condition, not %s", exec.TypeName(ft))
			}
		}
		var t arrow.DataType
		var err error
		if e.star {
			t, err = exec.AggResultType(e.op, nil, false)
		} else {
			t, err = exec.AggCallType(e.op, k[:nv])
			if err == nil && e.distinct && !exec.IsMoreAggregate(e.op) {
				t, err = exec.AggResultType(e.op, k[0].DataType(), true)
			}
		}
		if err != nil {
			return nil, err
		}
		// The shadow of an aggregate is a column of its result type: an
		// aggregate is only ever evaluated by the Aggregate operator.
		return exec.Col(-1, e.aggString(), t), nil
	case kLambda:
		return e.buildLambda(k[0], k[1], nil)
	case kWin:
		nv := e.win.nArgs
		if e.hasFilter {
			nv--
			if ft := k[nv].DataType(); ft.ID() != arrow.BOOL && ft.ID() != arrow.NULL {
				return nil, posErr(e.args[nv].pos, "FILTER needs a BOOLEAN condition, not %s", exec.TypeName(ft))
			}
		}
		var args []exec.Expr
		if !e.win.hasDefault { // lag/lead's default is no argument of the function's type
			args = k[:nv]
		} else {
			args = k[:1]
		}
		t, err := exec.WindowCallType(e.op, args)
		if err != nil {
			return nil, err
		}
		return exec.Col(-1, e.winString(), t), nil
	}
	return nil, internalErr("unknown expression kind %d", e.kind)
}

// withArgs returns a copy of e over new children, rebuilt (and re-typed).
func (e *Expr) withArgs(args []*Expr) (*Expr, error) {
	c := *e
	c.args = args
	if e.kind == kAgg || e.kind == kWin {
		c.shadow = nil
	}
	return newExpr(&c)
}

// isConst reports whether e has no column references, aggregates or
// subquery cells.
func (e *Expr) isConst() bool {
	switch e.kind {
	case kCol, kAgg, kCell, kWin:
		return false
	case kCall:
		if exec.IsVolatile(e.op) {
			return false
		}
	case kLambda:
		return false
	}
	for _, a := range e.args {
		if !a.isConst() {
			return false
		}
	}
	return true
}

// constValue folds a constant expression to its value: (value, type, true),
// or false when e is not constant or folding fails (the error is then
// left for run time, where it surfaces only if a row needs the value).
func (e *Expr) constValue() (any, arrow.DataType, bool) {
	if !e.isConst() {
		return nil, nil, false
	}
	x, err := exec.FoldConstant(e.shadow)
	if err != nil {
		return nil, nil, false
	}
	v, ok := exec.LiteralValue(x)
	return v, x.DataType(), ok
}

// walkExpr visits e and its descendants depth first; fn returns false to
// skip a node's children.
func walkExpr(e *Expr, fn func(*Expr) bool) {
	if e == nil || !fn(e) {
		return
	}
	for _, a := range e.args {
		walkExpr(a, fn)
	}
}

// columnsOf collects the column ids e references.
func columnsOf(e *Expr, into map[ColumnID]bool) map[ColumnID]bool {
	if into == nil {
		into = map[ColumnID]bool{}
	}
	walkExpr(e, func(x *Expr) bool {
		if x.kind == kCol {
			into[x.id] = true
		}
		return true
	})
	return into
}

// rewriteExpr returns e with every node for which fn returns a
// replacement replaced (fn returns nil to keep the node and look inside).
// Unchanged subtrees are shared; changed paths are rebuilt and re-typed.
func rewriteExpr(e *Expr, fn func(*Expr) (*Expr, error)) (*Expr, error) {
	if r, err := fn(e); err != nil || r != nil {
		return r, err
	}
	changed := false
	args := make([]*Expr, len(e.args))
	for i, a := range e.args {
		r, err := rewriteExpr(a, fn)
		if err != nil {
			return nil, err
		}
		args[i] = r
		changed = changed || r != a
	}
	if !changed {
		return e, nil
	}
	return e.withArgs(args)
}

// equalExpr reports whether two bound expressions are the same
// computation: same kinds, operators, columns and constants.
func equalExpr(a, b *Expr) bool {
	if a == b {
		return true
	}
	if a == nil || b == nil || a.kind != b.kind || a.op != b.op || a.not != b.not || len(a.args) != len(b.args) ||
		a.distinct != b.distinct || a.star != b.star || a.hasOperand != b.hasOperand || a.hasElse != b.hasElse ||
		a.hasFilter != b.hasFilter || !slices.Equal(a.order, b.order) {
		return false
	}
	switch a.kind {
	case kCol:
		return a.id == b.id
	case kLit:
		return arrow.TypeEqual(a.Type(), b.Type()) && a.shadow.String() == b.shadow.String()
	case kCast:
		if !arrow.TypeEqual(a.to, b.to) || a.try != b.try {
			return false
		}
	case kCall:
		if exec.IsVolatile(a.op) {
			return a == b
		}
	case kCell:
		return a.cell == b.cell
	case kWin:
		if !equalWin(a.win, b.win) {
			return false
		}
	}
	for i := range a.args {
		if !equalExpr(a.args[i], b.args[i]) {
			return false
		}
	}
	return true
}

// splitConjuncts flattens a tree of ANDs.
func splitConjuncts(e *Expr) []*Expr {
	if e.kind == kBinary && e.op == "AND" {
		return append(splitConjuncts(e.args[0]), splitConjuncts(e.args[1])...)
	}
	return []*Expr{e}
}

// canFail reports whether evaluating e may raise an error (overflow, a
// failed cast, division by zero, a function's domain error). Such
// conjuncts are never moved below a join: rows the join removes must not
// raise errors. A constant part that folds without an error (DATE
// '1994-01-01' + INTERVAL '1' YEAR) cannot fail.
func (e *Expr) canFail() bool {
	fails := false
	walkExpr(e, func(x *Expr) bool {
		if x.kind != kLit && x.isConst() {
			if _, _, ok := x.constValue(); ok {
				return false
			}
		}
		switch x.kind {
		case kCall:
			fails = !infallibleCalls[strings.ToLower(x.op)]
		case kLambda:
			fails = true
		case kCast:
			fails = !x.try && !widens(x.args[0].Type(), x.to)
		case kBinary:
			switch x.op {
			case "+", "-", "*", "/", "%":
				fails = true
			}
		case kUnary:
			fails = fails || x.op == "-"
		}
		return !fails
	})
	return fails
}

// infallibleCalls are the functions that return a value for every input
// of their types (their arguments may still fail).
var infallibleCalls = map[string]bool{"substring": true, "substr": true}

// widens reports whether every value of type from converts to type to
// without an error: an integer into a wider integer, a float or a DECIMAL
// with enough integer digits; a DECIMAL into one with at least as many
// integer and fraction digits; FLOAT into DOUBLE; a type into itself.
func widens(from, to arrow.DataType) bool {
	if arrow.TypeEqual(from, to) {
		return true
	}
	fromDigits, fromSigned, fromInt := intDigits(from)
	switch t := to.(type) {
	case *arrow.Float64Type:
		return fromInt || from.ID() == arrow.FLOAT32
	case *arrow.Float32Type:
		return fromInt
	case *arrow.Decimal128Type:
		if fromInt {
			return int(t.Precision-t.Scale) >= fromDigits
		}
		if f, ok := from.(*arrow.Decimal128Type); ok {
			return t.Scale >= f.Scale && t.Precision-t.Scale >= f.Precision-f.Scale
		}
		return false
	}
	toDigits, toSigned, toInt := intDigits(to)
	if !fromInt || !toInt {
		return false
	}
	fromBits, toBits := from.(arrow.FixedWidthDataType).BitWidth(), to.(arrow.FixedWidthDataType).BitWidth()
	switch {
	case fromSigned && !toSigned:
		return false
	case fromSigned == toSigned:
		return toBits >= fromBits
	default: // unsigned into signed
		return toBits > fromBits && toDigits >= fromDigits
	}
}

// intDigits reports whether t is an integer type, whether it is signed,
// and how many decimal digits its largest value has.
func intDigits(t arrow.DataType) (digits int, signed, ok bool) {
	switch t.ID() {
	case arrow.INT8:
		return 3, true, true
	case arrow.INT16:
		return 5, true, true
	case arrow.INT32:
		return 10, true, true
	case arrow.INT64:
		return 19, true, true
	case arrow.UINT8:
		return 3, false, true
	case arrow.UINT16:
		return 5, false, true
	case arrow.UINT32:
		return 10, false, true
	case arrow.UINT64:
		return 20, false, true
	}
	return 0, false, false
}
