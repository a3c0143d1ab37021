package exec

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/storage"
)

// collectState keeps every (filtered) value of each group, with its ORDER
// BY keys, and computes the aggregate at the end: quantiles, mode,
// string_agg, and first/last with an ORDER BY. Partial states merge by
// concatenation, so the parallel partial/final aggregation needs nothing
// else; memory grows with the input and is reported to the budget.
type collectState struct {
	fn       string
	typ      arrow.DataType // result
	argType  arrow.DataType
	distinct bool
	order    []SortKey
	fracs    []float64 // quantiles
	list     bool      // quantile of a list of fractions: LIST result
	sep      string    // string_agg
	groups   [][]collRow
	size     int64
	// store, when set, holds the values instead of groups (quantiles and
	// mode over types with a typed store: no boxing)
	store valueStore
}

type collRow struct {
	v    any
	keys []any
}

func (s *collectState) resize(n int) {
	s.groups = growSlice(s.groups, n)
	if s.store != nil {
		s.store.resize(n)
	}
}
func (s *collectState) bytesPerGroup() int64 { return 48 }
func (s *collectState) clear(g int) {
	s.groups[g] = nil
	if s.store != nil {
		s.store.clear(g)
	}
}
func (s *collectState) sparseOnly() bool { return true }
func (s *collectState) extraBytes() int64 {
	if s.store != nil {
		return s.size + s.store.bytes()
	}
	return s.size
}

func (s *collectState) update(*EvalContext, arrow.Array, []int32, []int32) error {
	return fmt.Errorf("internal error: %s reads all its inputs", s.fn)
}

// keepsNulls reports whether NULL values are kept (first/last respect them).
func (s *collectState) keepsNulls() bool { return s.fn == "first" || s.fn == "last" }

func (s *collectState) updateInputs(_ *EvalContext, in *aggInputs, gids, sel []int32) error {
	v := in.vals[0]
	if s.store != nil {
		if v.DataType().ID() == arrow.NULL {
			return nil
		}
		s.store.load(v)
		vb, off := validityOf(v)
		forRows(gids, sel, func(i int, g int32) {
			if in.keep(i) && isValid(vb, off, i) {
				s.store.add(g, i)
			}
		})
		return nil
	}
	forRows(gids, sel, func(i int, g int32) {
		if !in.keep(i) {
			return
		}
		x := valueAt(v, i)
		if x == nil && !s.keepsNulls() {
			return
		}
		r := collRow{v: x}
		if len(in.keys) > 0 {
			r.keys = make([]any, len(in.keys))
			for k, a := range in.keys {
				r.keys[k] = valueAt(a, i)
			}
		}
		s.groups[g] = append(s.groups[g], r)
		s.size += 40 + int64(16*len(r.keys))
		if str, ok := x.(string); ok {
			s.size += int64(len(str))
		}
	})
	return nil
}

func (s *collectState) merge(o aggState, mapping []int32) error {
	os := o.(*collectState)
	if s.store != nil {
		s.store.merge(os.store, mapping)
		return nil
	}
	for g, rows := range os.groups {
		if g < len(mapping) && mapping[g] >= 0 {
			s.groups[mapping[g]] = append(s.groups[mapping[g]], rows...)
		}
	}
	s.size += os.size
	return nil
}

// valueAt is row i of a as a physical value, nil for NULL.
func valueAt(a arrow.Array, i int) any {
	if a.IsNull(i) {
		return nil
	}
	return scalarAtFast(a, i)
}

// compareAny orders two non-NULL physical values of one type.
func compareAny(a, b any) int {
	switch x := a.(type) {
	case int64:
		return cmp.Compare(x, b.(int64))
	case uint64:
		return cmp.Compare(x, b.(uint64))
	case float64:
		return storage.Compare(x, b.(float64))
	case i128:
		return x.cmp(b.(i128))
	case string:
		return strings.Compare(x, b.(string))
	case bool:
		y := b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	}
	return 0
}

// compareKeys orders two rows by ORDER BY keys.
func compareKeys(order []SortKey, a, b []any) int {
	for k, key := range order {
		x, y := a[k], b[k]
		var r int
		switch {
		case x == nil && y == nil:
			r = 0
		case x == nil || y == nil:
			r = 1
			if (x == nil) == key.NullsFirst {
				r = -1
			}
			if key.Desc {
				r = -r // undone below: NULL placement does not flip with DESC
			}
		default:
			r = compareAny(x, y)
		}
		if key.Desc {
			r = -r
		}
		if r != 0 {
			return r
		}
	}
	return 0
}

func (s *collectState) finish(mem memory.Allocator, n int) (arrow.Array, error) {
	if s.list {
		return s.finishList(mem, n)
	}
	out := make([]any, n)
	for g := 0; g < n; g++ {
		vals, err := s.groupResult(g)
		if err != nil {
			return nil, err
		}
		if len(vals) > 0 {
			out[g] = vals[0]
		}
	}
	return arrayFromValues(mem, s.typ, out), nil
}

// finishList builds the LIST result of quantiles over several fractions.
func (s *collectState) finishList(mem memory.Allocator, n int) (arrow.Array, error) {
	elem := s.typ.(*arrow.ListType).Elem()
	var all []any
	offs := make([]int32, n+1)
	valid := newBitmap(mem, n, true)
	nulls := 0
	for g := 0; g < n; g++ {
		vals, err := s.groupResult(g)
		if err != nil {
			valid.Release()
			return nil, err
		}
		if vals == nil {
			clearBit(valid.Buf(), g)
			nulls++
		}
		all = append(all, vals...)
		offs[g+1] = int32(len(all))
	}
	child := arrayFromValues(mem, elem, all)
	defer child.Release()
	ob := newBuf(mem, (n+1)*4)
	copy(bytesAs[int32](ob.Buf()), offs)
	if nulls == 0 {
		valid.Release()
		valid = nil
	}
	data := array.NewData(s.typ, n, []*memory.Buffer{valid, ob}, []arrow.ArrayData{child.Data()}, nulls, 0)
	defer data.Release()
	if valid != nil {
		valid.Release()
	}
	ob.Release()
	return array.MakeFromData(data), nil
}

// groupResult computes group g's value(s): nil when the group has none
// (a NULL result), else one value, or one per fraction for a list.
func (s *collectState) groupResult(g int) ([]any, error) {
	if s.store != nil {
		return s.storeResult(g), nil
	}
	if g >= len(s.groups) {
		return nil, nil
	}
	rows := s.groups[g]
	if len(s.order) > 0 {
		slices.SortStableFunc(rows, func(a, b collRow) int { return compareKeys(s.order, a.keys, b.keys) })
	}
	if s.distinct {
		seen := map[any]bool{}
		kept := rows[:0:0]
		for _, r := range rows {
			if !seen[r.v] {
				seen[r.v] = true
				kept = append(kept, r)
			}
		}
		rows = kept
	}
	if len(rows) == 0 {
		return nil, nil
	}
	switch s.fn {
	case "first":
		return []any{rows[0].v}, nil
	case "last":
		return []any{rows[len(rows)-1].v}, nil
	case "string_agg":
		var b strings.Builder
		for i, r := range rows {
			if i > 0 {
				b.WriteString(s.sep)
			}
			b.WriteString(r.v.(string))
		}
		return []any{b.String()}, nil
	}
	vals := make([]any, len(rows))
	for i, r := range rows {
		vals[i] = r.v
	}
	slices.SortFunc(vals, compareAny)
	switch s.fn {
	case "mode":
		best, bestN := vals[0], 0
		for i := 0; i < len(vals); {
			j := i
			for j < len(vals) && compareAny(vals[j], vals[i]) == 0 {
				j++
			}
			if j-i > bestN {
				best, bestN = vals[i], j-i
			}
			i = j
		}
		return []any{best}, nil
	case "quantile_disc":
		// the first value whose cumulative share reaches q (SQL's
		// PERCENTILE_DISC): index ceil(q·n) - 1
		out := make([]any, len(s.fracs))
		for k, q := range s.fracs {
			out[k] = vals[max(int(math.Ceil(q*float64(len(vals))))-1, 0)]
		}
		return out, nil
	}
	// quantile_cont: interpolate between the two values around (n-1)·q
	out := make([]any, len(s.fracs))
	for k, q := range s.fracs {
		pos := float64(len(vals)-1) * q
		lo, hi := int(math.Floor(pos)), int(math.Ceil(pos))
		a, b := s.toFloat(vals[lo]), s.toFloat(vals[hi])
		v := a + (b-a)*(pos-float64(lo))
		if isTemporal(s.argType) {
			out[k] = int64(math.Round(v))
		} else {
			out[k] = v
		}
	}
	return out, nil
}

// toFloat converts a value for interpolation: numbers to FLOAT64, dates
// and timestamps to microseconds.
func (s *collectState) toFloat(v any) float64 {
	switch x := v.(type) {
	case int64:
		if isDate(s.argType) {
			return float64(x) * microsPerDay
		}
		return float64(x)
	case uint64:
		return float64(x)
	case float64:
		return x
	case i128:
		_, sc := decProps(s.argType)
		return x.float64() / math.Pow10(sc)
	}
	return 0
}

// storeResult computes a quantile or mode from the typed store.
func (s *collectState) storeResult(g int) []any {
	n := s.store.sorted(g, s.distinct)
	if n == 0 {
		return nil
	}
	switch s.fn {
	case "mode":
		best, bestN := 0, 0
		for i := 0; i < n; {
			j := i + 1
			for j < n && s.store.same(g, j-1) {
				j++
			}
			if j-i > bestN {
				best, bestN = i, j-i
			}
			i = j
		}
		return []any{s.store.at(g, best)}
	case "quantile_disc":
		out := make([]any, len(s.fracs))
		for k, q := range s.fracs {
			out[k] = s.store.at(g, max(int(math.Ceil(q*float64(n)))-1, 0))
		}
		return out
	}
	out := make([]any, len(s.fracs))
	for k, q := range s.fracs {
		pos := float64(n-1) * q
		lo, hi := int(math.Floor(pos)), int(math.Ceil(pos))
		a, b := s.scaled(s.store.num(g, lo)), s.scaled(s.store.num(g, hi))
		v := a + (b-a)*(pos-float64(lo))
		if isTemporal(s.argType) {
			out[k] = int64(math.Round(v))
		} else {
			out[k] = v
		}
	}
	return out
}

// scaled converts a stored number for interpolation: dates to
// microseconds, decimals by their scale.
func (s *collectState) scaled(f float64) float64 {
	switch {
	case isDate(s.argType):
		return f * microsPerDay
	case isDecimal(s.argType):
		_, sc := decProps(s.argType)
		return f / math.Pow10(sc)
	}
	return f
}
