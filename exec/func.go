package exec

import (
	"fmt"
	"sort"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
)

// funcExpr is a scalar function call evaluated by a batch kernel.
type funcExpr struct {
	name  string
	args  []Expr
	typ   arrow.DataType
	label string
	// eval gets the evaluated arguments (constants materialized) and
	// returns n values.
	eval func(ctx *EvalContext, n int, args []arrow.Array) (arrow.Array, error)
}

func (f *funcExpr) DataType() arrow.DataType { return f.typ }
func (f *funcExpr) kids() []Expr             { return f.args }
func (f *funcExpr) String() string {
	if f.label != "" {
		return f.label
	}
	parts := make([]string, len(f.args))
	for i, a := range f.args {
		parts[i] = a.String()
	}
	return f.name + "(" + strings.Join(parts, ", ") + ")"
}

func (f *funcExpr) Eval(ctx *EvalContext, batch arrow.Record) (arrow.Array, error) {
	as, err := evalAll(ctx, batch, f.args...)
	if err != nil {
		return nil, err
	}
	defer releaseAll(as)
	return f.eval(ctx, int(batch.NumRows()), as)
}

// scalar functions: name -> builder
type funcBuilder func(name string, args []Expr) (Expr, error)

var scalarFuncs map[string]funcBuilder

func init() {
	scalarFuncs = map[string]funcBuilder{
		"coalesce": func(_ string, a []Expr) (Expr, error) { return newCoalesce(a) },
		"nullif":   buildNullif,
		"ifnull": func(_ string, a []Expr) (Expr, error) {
			return fixedArity("ifnull", a, 2, func() (Expr, error) { return newCoalesce(a) })
		},
		"length":      buildLength,
		"char_length": buildLength,
		"lower":       buildCase,
		"upper":       buildCase,
		"lcase":       buildCase,
		"ucase":       buildCase,
		"trim":        buildTrim,
		"ltrim":       buildTrim,
		"rtrim":       buildTrim,
		"substr":      buildSubstr,
		"substring":   buildSubstr,
		"concat":      buildConcat,
		"starts_with": buildStrPred,
		"contains":    buildStrPred,
		"ends_with":   buildStrPred,
		"replace":     buildReplace,
		"abs":         buildAbs,
		"round":       buildRound,
		"floor":       buildFloorCeil,
		"ceil":        buildFloorCeil,
		"ceiling":     buildFloorCeil,
		"sqrt":        buildFloatFn,
		"power":       buildFloatFn,
		"pow":         buildFloatFn,
		"extract":     buildDatePart,
		"date_part":   buildDatePart,
		"datepart":    buildDatePart,
		"date_trunc":  buildDateTrunc,
		"datetrunc":   buildDateTrunc,
		"year":        buildPartAlias,
		"month":       buildPartAlias,
		"day":         buildPartAlias,
		"quarter":     buildPartAlias,
		"dayofweek":   buildPartAlias,
		"dayofyear":   buildPartAlias,
		"hour":        buildPartAlias,
		"minute":      buildPartAlias,
		"second":      buildPartAlias,
		"week":        buildPartAlias,
		"dayofmonth":  buildPartAlias,
		"isodow":      buildPartAlias,
		"weekday":     buildPartAlias,
		"epoch":       buildPartAlias,
		"millisecond": buildPartAlias,
		"microsecond": buildPartAlias,
	}
}

// FunctionNames lists the scalar functions NewCall knows, sorted (for
// completion and docs).
func FunctionNames() []string {
	out := make([]string, 0, len(scalarFuncs))
	for k := range scalarFuncs {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// IsScalarFunction reports whether NewCall knows name.
func IsScalarFunction(name string) bool {
	_, ok := scalarFuncs[strings.ToLower(name)]
	return ok
}

// NewCall builds a scalar function call by lower-case name: string
// functions (length, lower, upper, trim, ltrim, rtrim, substr, concat,
// starts_with, contains, replace), math (abs, round, floor, ceil, sqrt,
// power), dates (extract/date_part with a constant part as the first
// argument, date_trunc, and year(x), month(x), ... shortcuts), coalesce and
// nullif. Aggregates are not scalar functions: see AggCall.
func NewCall(name string, args []Expr) (Expr, error) {
	lname := strings.ToLower(name)
	b, ok := scalarFuncs[lname]
	if !ok {
		if IsAggregate(lname) {
			return nil, fmt.Errorf("aggregate function %s is not allowed here", lname)
		}
		return nil, fmt.Errorf("unknown function %s", name)
	}
	e, err := b(lname, args)
	if err != nil {
		return nil, err
	}
	return folded(e), nil
}

func fixedArity(name string, args []Expr, n int, f func() (Expr, error)) (Expr, error) {
	if len(args) != n {
		return nil, fmt.Errorf("%s takes %d arguments, got %d", name, n, len(args))
	}
	return f()
}

func arity(name string, args []Expr, lo, hi int) error {
	if len(args) < lo || len(args) > hi {
		if lo == hi {
			return fmt.Errorf("%s takes %d argument%s, got %d", name, lo, plural(lo), len(args))
		}
		return fmt.Errorf("%s takes %d to %d arguments, got %d", name, lo, hi, len(args))
	}
	return nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// anyNullConst reports whether an argument is a NULL constant.
func anyNullConst(args []Expr) bool {
	for _, a := range args {
		if c, ok := asConst(a); ok && c.val == nil {
			return true
		}
	}
	return false
}

// wantString checks (or converts a NULL constant for) a VARCHAR argument.
func wantString(fn string, e Expr) (Expr, error) {
	t := e.DataType()
	if isString(t) {
		return e, nil
	}
	if isNull(t) {
		return &litExpr{typ: tString}, nil
	}
	return nil, fmt.Errorf("%s needs a VARCHAR argument, not %s", fn, TypeName(t))
}

// wantInt converts an integer argument to INT64.
func wantInt(fn string, e Expr) (Expr, error) {
	t := e.DataType()
	if isNull(t) {
		return &litExpr{typ: tInt64}, nil
	}
	if !isInteger(t) {
		return nil, fmt.Errorf("%s needs an integer argument, not %s", fn, TypeName(t))
	}
	return castTo(e, tInt64)
}

func buildNullif(name string, args []Expr) (Expr, error) {
	if err := arity(name, args, 2, 2); err != nil {
		return nil, err
	}
	eq, err := newCompare(opEq, args[0], args[1], false)
	if err != nil {
		return nil, err
	}
	typ := args[0].DataType()
	if isNull(typ) {
		return &litExpr{typ: tNull}, nil
	}
	e, err := NewCase(nil, []Expr{eq}, []Expr{&litExpr{typ: typ}}, args[0])
	if err != nil {
		return nil, err
	}
	if c, ok := e.(*caseExpr); ok {
		c.label = fmt.Sprintf("nullif(%s, %s)", args[0], args[1])
	}
	return e, nil
}
