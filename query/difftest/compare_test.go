package difftest

import (
	"cmp"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/recq/recq/storage"
)

// val is a result value normalised for comparison across the engines:
// booleans become 0/1 (SQLite has no boolean type), dates and timestamps
// their recq text (SQLite holds them as text), DECIMALs numbers.
type val struct {
	kind valKind
	// numbers: f is the value as a float64; isInt marks an exact integer,
	// whose digits are in i.
	f     float64
	isInt bool
	i     string
	s     string // strings, dates, timestamps
}

type valKind uint8

const (
	kNull valKind = iota
	kNum
	kStr
)

func intVal(digits string) val {
	f, _ := strconv.ParseFloat(digits, 64)
	return val{kind: kNum, f: f, isInt: true, i: digits}
}

func floatVal(f float64) val {
	if math.IsNaN(f) {
		return val{} // SQLite has no NaN: it turns it into NULL
	}
	return val{kind: kNum, f: f}
}

func arrowVal(col arrow.Array, r int) val {
	if col.IsNull(r) || col.DataType().ID() == arrow.NULL {
		return val{}
	}
	switch a := col.(type) {
	case *array.Boolean:
		if a.Value(r) {
			return intVal("1")
		}
		return intVal("0")
	case *array.Int8:
		return intVal(strconv.FormatInt(int64(a.Value(r)), 10))
	case *array.Int16:
		return intVal(strconv.FormatInt(int64(a.Value(r)), 10))
	case *array.Int32:
		return intVal(strconv.FormatInt(int64(a.Value(r)), 10))
	case *array.Int64:
		return intVal(strconv.FormatInt(a.Value(r), 10))
	case *array.Uint8:
		return intVal(strconv.FormatUint(uint64(a.Value(r)), 10))
	case *array.Uint16:
		return intVal(strconv.FormatUint(uint64(a.Value(r)), 10))
	case *array.Uint32:
		return intVal(strconv.FormatUint(uint64(a.Value(r)), 10))
	case *array.Uint64:
		return intVal(strconv.FormatUint(a.Value(r), 10))
	case *array.Float32:
		return floatVal(float64(a.Value(r)))
	case *array.Float64:
		return floatVal(a.Value(r))
	case *array.Decimal128:
		scale := a.DataType().(*arrow.Decimal128Type).Scale
		if scale == 0 {
			return intVal(a.Value(r).BigInt().String())
		}
		// The decimal's text, parsed as SQLite parses the same text.
		s := a.Value(r).ToString(scale)
		f, _ := strconv.ParseFloat(s, 64)
		return val{kind: kNum, f: f}
	case *array.String:
		return val{kind: kStr, s: strings.Clone(a.Value(r))} // Value aliases the batch
	case *array.Date32:
		return val{kind: kStr, s: storage.DateValue(a.Value(r)).String()}
	case *array.Timestamp:
		return val{kind: kStr, s: storage.TimestampValue(a.Value(r)).String()}
	}
	return val{kind: kStr, s: fmt.Sprintf("<%s %s>", col.DataType(), col.ValueStr(r))}
}

func sqliteVal(v any) val {
	switch x := v.(type) {
	case nil:
		return val{}
	case int64:
		return intVal(strconv.FormatInt(x, 10))
	case float64:
		return floatVal(x)
	case string:
		return val{kind: kStr, s: x}
	case []byte:
		return val{kind: kStr, s: string(x)}
	case bool:
		if x {
			return intVal("1")
		}
		return intVal("0")
	}
	return val{kind: kStr, s: fmt.Sprintf("<%T %v>", v, v)}
}

func (v val) String() string {
	switch v.kind {
	case kNull:
		return "NULL"
	case kNum:
		if v.isInt {
			return v.i
		}
		return strconv.FormatFloat(v.f, 'g', -1, 64)
	}
	if v.s == "" {
		return "(empty)"
	}
	return strconv.Quote(v.s)
}

func rowString(r []val) string {
	parts := make([]string, len(r))
	for i, v := range r {
		parts[i] = v.String()
	}
	return strings.Join(parts, " | ")
}

// equal compares two values; inexact numbers within a tolerance.
func equal(a, b val, exact bool) bool {
	if a.kind != b.kind {
		return false
	}
	switch a.kind {
	case kNull:
		return true
	case kStr:
		return a.s == b.s
	}
	if a.isInt && b.isInt {
		return a.i == b.i
	}
	if a.f == b.f {
		return true
	}
	if exact || math.IsInf(a.f, 0) || math.IsInf(b.f, 0) {
		return false
	}
	d := math.Abs(a.f - b.f)
	return d <= 1e-9*max(math.Abs(a.f), math.Abs(b.f)) || d <= 1e-6
}

func rowsEqual(a, b []val, exact []bool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !equal(a[i], b[i], i < len(exact) && exact[i]) {
			return false
		}
	}
	return true
}

// sortKey orders rows for an order-insensitive comparison: numbers by a
// rounded value, so that equal-within-tolerance rows usually line up (a
// greedy matching catches the rest).
func sortKey(r []val) string {
	var b strings.Builder
	for _, v := range r {
		switch v.kind {
		case kNull:
			b.WriteString("\x00|")
		case kNum:
			b.WriteString("\x01" + strconv.FormatFloat(v.f, 'e', 7, 64) + "|")
		default:
			b.WriteString("\x02" + v.s + "|")
		}
	}
	return b.String()
}

// compareVals orders two values as recq's ORDER BY does (NULLs apart).
func compareVals(a, b val) int {
	switch {
	case a.kind == kNum && b.kind == kNum:
		if a.isInt && b.isInt {
			x, _ := new(big.Int).SetString(a.i, 10)
			y, _ := new(big.Int).SetString(b.i, 10)
			return x.Cmp(y)
		}
		return cmp.Compare(a.f, b.f)
	case a.kind == kStr && b.kind == kStr:
		return strings.Compare(a.s, b.s)
	}
	return cmp.Compare(a.kind, b.kind)
}

// compare checks recq's rows (got) against SQLite's (want) for query q and
// returns "" or what is wrong.
func compare(q genQuery, got, want [][]val, exact []bool) string {
	if len(got) > 0 && len(want) > 0 && len(got[0]) != len(want[0]) {
		return fmt.Sprintf("recq has %d columns, SQLite %d", len(got[0]), len(want[0]))
	}
	if q.limitNoOrder {
		n := min(max(len(want)-q.offset, 0), q.limit)
		if len(got) != n {
			return fmt.Sprintf("LIMIT %d OFFSET %d without ORDER BY: recq returned %d rows, want %d (of %d)", q.limit, q.offset, len(got), n, len(want))
		}
		if !subset(got, want, exact) {
			return "LIMIT without ORDER BY: recq returned rows that are not in the unlimited result"
		}
		return ""
	}
	if len(got) != len(want) {
		return fmt.Sprintf("recq returned %d rows, SQLite %d", len(got), len(want))
	}
	if q.fullOrder {
		for i := range got {
			if !rowsEqual(got[i], want[i], exact) {
				return fmt.Sprintf("row %d differs (the ORDER BY fixes the order):\n  recq:   %s\n  SQLite: %s", i, rowString(got[i]), rowString(want[i]))
			}
		}
		return ""
	}
	if q.order != nil {
		if i := unsorted(got, q.order); i >= 0 {
			return fmt.Sprintf("recq's rows %d and %d are not in ORDER BY order:\n  %s\n  %s", i, i+1, rowString(got[i]), rowString(got[i+1]))
		}
	}
	g := slices.Clone(got)
	w := slices.Clone(want)
	sortRows(g)
	sortRows(w)
	ok := true
	for i := range g {
		if !rowsEqual(g[i], w[i], exact) {
			ok = false
			break
		}
	}
	if ok || subset(got, want, exact) {
		return ""
	}
	for i := range g {
		if !rowsEqual(g[i], w[i], exact) {
			return fmt.Sprintf("results differ as multisets; first difference after sorting, row %d:\n  recq:   %s\n  SQLite: %s", i, rowString(g[i]), rowString(w[i]))
		}
	}
	return "results differ as multisets"
}

func sortRows(rs [][]val) {
	keys := make(map[*val]string, len(rs))
	for _, r := range rs {
		if len(r) > 0 {
			keys[&r[0]] = sortKey(r)
		}
	}
	slices.SortStableFunc(rs, func(a, b []val) int {
		if len(a) == 0 || len(b) == 0 {
			return cmp.Compare(len(a), len(b))
		}
		return strings.Compare(keys[&a[0]], keys[&b[0]])
	})
}

// subset reports whether every row of got matches a distinct row of want
// (greedy matching, so equal-within-tolerance rows pair up).
func subset(got, want [][]val, exact []bool) bool {
	used := make([]bool, len(want))
	for _, g := range got {
		found := false
		for j, w := range want {
			if !used[j] && rowsEqual(g, w, exact) {
				used[j], found = true, true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// unsorted returns the first i where rows i and i+1 violate the order, or
// -1.
func unsorted(rs [][]val, order []orderKey) int {
	for i := 0; i+1 < len(rs); i++ {
		for _, k := range order {
			a, b := rs[i][k.col], rs[i+1][k.col]
			var c int
			switch {
			case a.kind == kNull && b.kind == kNull:
				c = 0
			case a.kind == kNull:
				c = 1
				if k.nullsFirst {
					c = -1
				}
			case b.kind == kNull:
				c = -1
				if k.nullsFirst {
					c = 1
				}
			default:
				c = compareVals(a, b)
				if k.desc {
					c = -c
				}
			}
			if c < 0 {
				break
			}
			if c > 0 {
				return i
			}
		}
	}
	return -1
}
