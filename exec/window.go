package exec

import (
	"fmt"
	"sort"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/decimal128"
)

// This file holds the vocabulary of window functions: which functions
// exist, their result types, frames. The operator is in op_window.go, the
// per-partition computation in window_eval.go and window_kernels.go (the
// aggregates of agg_funcs.go in window_holistic.go), the streamed form in
// window_stream.go.

// WindowBoundKind says where one end of a window frame is.
type WindowBoundKind int

// Frame bound kinds, from the first row of a partition to its last.
const (
	BoundUnboundedPreceding WindowBoundKind = iota + 1
	BoundPreceding
	BoundCurrentRow
	BoundFollowing
	BoundUnboundedFollowing
)

// WindowBound is one end of a frame. For ROWS frames Rows is the offset
// of BoundPreceding and BoundFollowing. For RANGE frames with an offset,
// Value computes, for each row, the ORDER BY key value the bound lies at
// (key - offset or key + offset, as the ordering and the side say), in
// the type of the frame's RangeKey.
type WindowBound struct {
	Kind  WindowBoundKind
	Rows  int64
	Value Expr
}

// WindowExclude is a frame's EXCLUDE option.
type WindowExclude int

// EXCLUDE options.
const (
	ExcludeNoOthers WindowExclude = iota
	ExcludeCurrentRow
	ExcludeGroup
	ExcludeTies
)

var excludeNames = [...]string{"", " EXCLUDE CURRENT ROW", " EXCLUDE GROUP", " EXCLUDE TIES"}

// WindowFrame is the set of rows an aggregate or value function sees for
// each row: ROWS counts rows, RANGE compares ORDER BY values (CURRENT ROW
// is then the row's peer group). RangeKey is the ORDER BY key in the type
// of the bounds' Values (RANGE frames with an offset only).
type WindowFrame struct {
	Range      bool
	Start, End WindowBound
	Exclude    WindowExclude
	RangeKey   Expr
	// Text is the frame as written, for EXPLAIN.
	Text string
}

// DefaultFrame is SQL's frame when none is written: the whole partition
// without ORDER BY, else from the partition's start to the current row's
// last peer.
func DefaultFrame(ordered bool) WindowFrame {
	if !ordered {
		return WindowFrame{Start: WindowBound{Kind: BoundUnboundedPreceding}, End: WindowBound{Kind: BoundUnboundedFollowing}}
	}
	return WindowFrame{Range: true, Start: WindowBound{Kind: BoundUnboundedPreceding}, End: WindowBound{Kind: BoundCurrentRow}}
}

// WindowFunc is one window function of a Window operator. Arg is nil for
// count(*) and the ranking functions. N is lag/lead's offset, nth_value's
// n and ntile's bucket count. Default is lag/lead's default (nil: NULL),
// already of Arg's type.
type WindowFunc struct {
	Name        string
	Arg         Expr
	N           int64
	Default     Expr
	IgnoreNulls bool
	Frame       WindowFrame
	// Args, Filter and Distinct are an aggregate's arguments after the
	// first, FILTER (WHERE ...) and DISTINCT, as in AggCall (the
	// aggregates of agg_funcs.go only; the classic aggregates get FILTER
	// folded into their argument by the binder).
	Args     []Expr
	Filter   Expr
	Distinct bool
	// Text is the call as written, for EXPLAIN and column names.
	Text string
}

type winKind int

const (
	wkRank   winKind = iota + 1 // ranking: no argument, no frame
	wkOffset                    // lag, lead: an argument, no frame
	wkValue                     // first_value, last_value, nth_value: an argument and a frame
)

var windowOnly = map[string]winKind{
	"row_number": wkRank, "rank": wkRank, "dense_rank": wkRank, "percent_rank": wkRank,
	"cume_dist": wkRank, "ntile": wkRank,
	"lag": wkOffset, "lead": wkOffset,
	"first_value": wkValue, "last_value": wkValue, "nth_value": wkValue,
}

// IsWindowFunction reports whether name (any case) is a function that
// exists only as a window function (row_number, lag, ...). Aggregates are
// window functions too when called with OVER.
func IsWindowFunction(name string) bool {
	_, ok := windowOnly[strings.ToLower(name)]
	return ok
}

// WindowFunctionNames returns the window-only function names, sorted.
func WindowFunctionNames() []string {
	out := make([]string, 0, len(windowOnly))
	for n := range windowOnly {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// UsesFrame reports whether the function's result depends on the frame
// (aggregates and first/last/nth_value); ranking functions and lag/lead
// ignore it.
func UsesFrame(name string) bool {
	k, ok := windowOnly[strings.ToLower(name)]
	return !ok || k == wkValue
}

// WindowResultType is the type a window function returns given its
// argument's type (nil when it has none):
//
//	row_number, rank, dense_rank, ntile    INT64
//	percent_rank, cume_dist                FLOAT64
//	lag, lead, first/last/nth_value(x)     x's type
//	an aggregate                           as AggResultType
func WindowResultType(name string, arg arrow.DataType) (arrow.DataType, error) {
	fn := strings.ToLower(name)
	k, ok := windowOnly[fn]
	if !ok {
		if !IsAggregate(fn) {
			return nil, fmt.Errorf("%s is not a window function or an aggregate", fn)
		}
		return AggResultType(fn, arg, false)
	}
	switch k {
	case wkRank:
		if fn == "percent_rank" || fn == "cume_dist" {
			return tFloat64, nil
		}
		return tInt64, nil
	}
	if arg == nil {
		return nil, fmt.Errorf("%s needs an argument", fn)
	}
	if isInterval(arg) {
		return nil, fmt.Errorf("%s of %s is not supported", fn, TypeName(arg))
	}
	return arg, nil
}

// WindowCallType is the type of window function name called with args
// (the function's arguments, nil for count(*) and the ranking
// functions): WindowResultType, or AggCallType for the aggregates of
// agg_funcs.go, which check their other arguments too.
func WindowCallType(name string, args []Expr) (arrow.DataType, error) {
	if isMoreAgg(name) {
		return AggCallType(name, args)
	}
	var at arrow.DataType
	if len(args) > 0 {
		at = args[0].DataType()
	}
	return WindowResultType(name, at)
}

// aggCall is an aggregate window function as the call its state is made
// from (the aggregates of agg_funcs.go).
func (f WindowFunc) aggCall() AggCall {
	return AggCall{Name: f.Name, Arg: f.Arg, Args: f.Args, Filter: f.Filter, Distinct: f.Distinct}
}

func (f WindowFunc) String() string {
	s := f.Text
	if s == "" {
		s = f.Name + "(...)"
	}
	if UsesFrame(f.Name) && f.Frame.Text != "" {
		s += " " + f.Frame.Text
	}
	return s
}

// needsPeers reports whether the function needs the peer groups (rows
// with equal ORDER BY keys) of its window partition: the ranking
// functions but row_number and ntile, RANGE frames that end at a peer
// group or at an offset (a NULL key's frame is its peers), and EXCLUDE
// GROUP and TIES.
func (f WindowFunc) needsPeers() bool {
	switch windowOnly[f.Name] {
	case wkRank:
		return f.Name != "row_number" && f.Name != "ntile"
	case wkOffset:
		return false
	}
	fr := f.Frame
	if fr.Exclude == ExcludeGroup || fr.Exclude == ExcludeTies {
		return true
	}
	if !fr.Range {
		return false
	}
	inner := func(k WindowBoundKind) bool { return k != BoundUnboundedPreceding && k != BoundUnboundedFollowing }
	return inner(fr.Start.Kind) || inner(fr.End.Kind)
}

// ranges is a frame minus its exclusion: at most three row ranges
// [lo, hi), in order.
type ranges struct {
	n  int
	lo [3]int
	hi [3]int
}

func (r *ranges) add(lo, hi int) {
	if lo < hi {
		r.lo[r.n], r.hi[r.n] = lo, hi
		r.n++
	}
}

// count is the number of rows in the ranges.
func (r *ranges) count() int {
	c := 0
	for k := 0; k < r.n; k++ {
		c += r.hi[k] - r.lo[k]
	}
	return c
}

// IsNumericType reports whether t is an integer, float or DECIMAL type.
func IsNumericType(t arrow.DataType) bool { return isNumeric(t) }

// IsNegativeValue reports whether a constant's value (as LiteralValue
// returns it) is below zero: a negative number, or an interval with a
// negative part.
func IsNegativeValue(v any) bool {
	switch x := v.(type) {
	case int64:
		return x < 0
	case float64:
		return x < 0
	case decimal128.Num:
		return x.Sign() < 0
	case Interval:
		return x.Months < 0 || x.Days < 0 || x.Micros < 0
	}
	return false
}
