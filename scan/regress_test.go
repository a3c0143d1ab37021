package scan

import (
	"math"
	"path/filepath"
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
		if r := got.uints.r; got.never != c.never || (!c.never && (r.lo != c.lo || r.hi != c.hi)) {
			t.Errorf("%s: range [%d, %d] never=%v, want [%d, %d] never=%v", c.p.String(s), r.lo, r.hi, got.never, c.lo, c.hi, c.never)
		}
	}
	// IN with a constant above 2^53.
	got, err := compile(s, Predicate{0, OpIn, []any{int64(big), int64(1<<53 + 1)}})
	if err != nil {
		t.Fatal(err)
	}
	if set := got.uints.set; len(set) != 2 || set[0] != (span[uint64]{1<<53 + 1, 1<<53 + 1}) || set[1] != (span[uint64]{big, big}) {
		t.Errorf("IN set %v", set)
	}
}

// TestLimitSurvivesEmptyChunks: a LIMIT over a filter keeps scanning past
// chunks in which the filter selects nothing (found by query/difftest: a
// chunk with no match stopped the whole scan, so LIMIT 5 returned fewer
// rows, often none).
func TestLimitSurvivesEmptyChunks(t *testing.T) {
	checkGoroutines(t)
	s, err := storage.NewSchema([]storage.Field{{Name: "id", Type: storage.TInt32, Offset: storage.Implicit},
		{Name: "v", Type: storage.TInt8, Offset: storage.Implicit}}, storage.SchemaOptions{})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "x.rec")
	w, err := storage.Create(path, s, storage.WriterOptions{RecordsPerBlock: 7})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		if err := w.Append(int64(i), int64(i%10)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	tab, err := storage.Open(path, storage.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []storage.Strategy{storage.Mmap, storage.Buffered} {
		for _, workers := range []int{1, 3} {
			for _, limit := range []int64{1, 5, 10, 11} {
				sc, err := New(Spec{Table: tab, Strategy: st, Columns: []int{0}, Workers: workers, Limit: limit,
					Filter: []Predicate{{Field: 1, Op: OpEq, Values: []any{int64(3)}}}})
				if err != nil {
					t.Fatal(err)
				}
				rows, err := collect(t, sc)
				if err != nil {
					t.Fatal(err)
				}
				if want := min(limit, 10); int64(len(rows)) != want {
					t.Errorf("%v, %d workers, LIMIT %d: %d rows, want %d", st, workers, limit, len(rows), want)
				}
			}
		}
	}
}

// TestFloatConstantsOnExactColumns: a float constant against an integer or
// DECIMAL column selects the values whose FLOAT64 conversion compares as
// the executor compares it (l_discount = 0.07e0 selected nothing; <> NaN
// selected nothing; INT64 and UINT64 values beyond 2^53 disagreed with
// the executor).
func TestFloatConstantsOnExactColumns(t *testing.T) {
	s, err := storage.NewSchema([]storage.Field{
		{Name: "d", Type: storage.TDecimal(15, 2), Offset: storage.Implicit},
		{Name: "i", Type: storage.TInt64, Offset: storage.Implicit},
		{Name: "u", Type: storage.TUint64, Offset: storage.Implicit}}, storage.SchemaOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		p      Predicate
		lo, hi any
		negate bool
	}{
		{Predicate{0, OpEq, []any{0.07}}, int64(7), int64(7), false},
		{Predicate{0, OpNe, []any{math.NaN()}}, int64(1), int64(0), true}, // outside an empty range: all
		{Predicate{0, OpLt, []any{math.NaN()}}, int64(math.MinInt64), int64(math.MaxInt64), false},
		{Predicate{1, OpEq, []any{9.2e18}}, int64(9_200_000_000_000_000_000 - 512), int64(9_200_000_000_000_000_000 + 512), false},
		{Predicate{1, OpGe, []any{9.223372036854775807e18}}, int64(math.MaxInt64 - 511), int64(math.MaxInt64), false},
		{Predicate{2, OpGe, []any{1.8446744073709552e19}}, uint64(math.MaxUint64 - 1023), uint64(math.MaxUint64), false},
		{Predicate{2, OpEq, []any{float64(1 << 53)}}, uint64(1 << 53), uint64(1<<53 + 1), false},
	}
	for _, c := range cases {
		got, err := compile(s, c.p)
		if err != nil {
			t.Fatal(err)
		}
		var lo, hi any
		var negate bool
		if c.p.Field == 2 {
			lo, hi, negate = got.uints.r.lo, got.uints.r.hi, got.uints.negate
		} else {
			lo, hi, negate = got.ints.r.lo, got.ints.r.hi, got.ints.negate
		}
		if got.never || lo != c.lo || hi != c.hi || negate != c.negate {
			t.Errorf("%s: [%v, %v] negate=%v never=%v, want [%v, %v] negate=%v", c.p.String(s), lo, hi, negate, got.never, c.lo, c.hi, c.negate)
		}
	}
}
