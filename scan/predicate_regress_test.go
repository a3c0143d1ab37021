package scan

import (
	"math"
	"testing"

	"github.com/recq/recq/storage"
)

// TestUintRangeExactConstants: a UINT64 column compared with an integer
// or decimal constant above 2^53 uses the exact value, not its float64
// rounding (found by query/difftest: u64 = 9223372036854775807 selected
// nothing, u64 <= 9223372036854775806 selected MaxInt64).
func TestUintRangeExactConstants(t *testing.T) {
	s, err := storage.NewSchema([]storage.Field{{Name: "u", Type: storage.TUint64, Offset: storage.Implicit}}, storage.SchemaOptions{})
	if err != nil {
		t.Fatal(err)
	}
	const big = math.MaxInt64
	dec := func(unscaled int64, scale int) storage.DecimalValue {
		return storage.DecimalValue{Unscaled: unscaled, Scale: scale}
	}
	cases := []struct {
		p      Predicate
		lo, hi uint64
		never  bool
	}{
		{Predicate{0, OpEq, []any{int64(big)}}, big, big, false},
		{Predicate{0, OpEq, []any{int64(1<<53 + 1)}}, 1<<53 + 1, 1<<53 + 1, false},
		{Predicate{0, OpLe, []any{int64(big - 1)}}, 0, big - 1, false},
		{Predicate{0, OpLt, []any{int64(big)}}, 0, big - 1, false},
		{Predicate{0, OpGt, []any{int64(big - 1)}}, big, math.MaxUint64, false},
		{Predicate{0, OpGe, []any{int64(big)}}, big, math.MaxUint64, false},
		{Predicate{0, OpBetween, []any{int64(big - 2), int64(big - 1)}}, big - 2, big - 1, false},
		{Predicate{0, OpGt, []any{int64(-3)}}, 0, math.MaxUint64, false},
		{Predicate{0, OpLt, []any{int64(0)}}, 0, 0, true},
		{Predicate{0, OpEq, []any{int64(-1)}}, 0, 0, true},
		{Predicate{0, OpLe, []any{dec(big, 1)}}, 0, big / 10, false}, // u <= 922337203685477580.7
		{Predicate{0, OpGe, []any{dec(big, 1)}}, big/10 + 1, math.MaxUint64, false},
		{Predicate{0, OpEq, []any{dec(big, 1)}}, 0, 0, true},
		{Predicate{0, OpEq, []any{dec(9007199254740993, 0)}}, 9007199254740993, 9007199254740993, false},
	}
	for _, c := range cases {
		got, err := compile(s, c.p)
		if err != nil {
			t.Fatal(err)
		}
		if got.never != c.never || (!c.never && (got.ulo != c.lo || got.uhi != c.hi)) {
			t.Errorf("%s: range [%d, %d] never=%v, want [%d, %d] never=%v", c.p.String(s), got.ulo, got.uhi, got.never, c.lo, c.hi, c.never)
		}
	}
	// IN with a constant above 2^53.
	got, err := compile(s, Predicate{0, OpIn, []any{int64(big), int64(1<<53 + 1)}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.uset) != 2 || got.uset[0] != 1<<53+1 || got.uset[1] != big {
		t.Errorf("IN set %v", got.uset)
	}
}
