package exec

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/decimal128"
	"github.com/recq/recq/scan"
	"github.com/recq/recq/storage"
)

// pushdownColumns are the column types of the pushdown metamorphic test,
// each with edge values (nil is NULL).
func pushdownColumns() []struct {
	f    storage.Field
	vals []any
} {
	dec := func(u int64, s int) storage.DecimalValue { return storage.DecimalValue{Unscaled: u, Scale: s} }
	nan, inf := math.NaN(), math.Inf(1)
	const p53 = 1 << 53
	ints := func(lo, hi int64) []any {
		vs := []any{nil, lo, lo + 1, int64(-1), int64(0), int64(1), int64(7), hi - 1, hi}
		if hi > 1<<53 {
			vs = append(vs, int64(-p53-1), int64(p53), int64(p53+1), int64(9_200_000_000_000_000_000),
				int64(9_200_000_000_000_000_001), int64(-9_200_000_000_000_000_000), int64(math.MaxInt64-1024), int64(math.MaxInt64-511))
		}
		return vs
	}
	uints := func(hi uint64) []any {
		vs := []any{nil, uint64(0), uint64(1), uint64(7), hi - 1, hi}
		if hi > 1<<53 {
			vs = append(vs, uint64(p53+1), uint64(math.MaxInt64), uint64(1<<63), uint64(1<<63+1),
				uint64(math.MaxUint64-1024), uint64(math.MaxUint64-1023))
		}
		return vs
	}
	floats := []any{nil, nan, -inf, inf, math.Copysign(0, -1), 0.0, 0.07, 0.07000000000000001, 0.5, 5e-324,
		-1.7976931348623157e308, 9.2e18, 1.8446744073709552e19, float64(p53), 127.5}
	floats32 := []any{nil, nan, -inf, inf, math.Copysign(0, -1), 0.0, float64(float32(0.07)), 0.5, 1e-45, -3.4e38, 127.5}
	decs := func(p, s int) []any {
		m := int64(math.Pow10(p)) - 1
		vs := []any{nil, dec(-m, s), dec(-7, s), dec(0, s), dec(6, s), dec(7, s), dec(8, s), dec(m, s)}
		if s >= 2 {
			vs = append(vs, dec(7*int64(math.Pow10(s-2)), s), dec(7*int64(math.Pow10(s-2))-1, s), dec(7*int64(math.Pow10(s-2))+1, s))
		}
		if p >= 17 {
			vs = append(vs, dec(p53, s), dec(p53+1, s), dec(-p53-1, s))
		}
		return vs
	}
	bin := func(name string, t storage.Type) storage.Field {
		return storage.Field{Name: name, Type: t, Offset: storage.Implicit, Nullable: true}
	}
	text := func(name string, t storage.Type, width int) storage.Field {
		return storage.Field{Name: name, Type: t, Offset: storage.Implicit, Nullable: true, Encoding: storage.Text, Width: width}
	}
	return []struct {
		f    storage.Field
		vals []any
	}{
		{bin("i8", storage.TInt8), ints(math.MinInt8, math.MaxInt8)},
		{bin("i16", storage.TInt16), ints(math.MinInt16, math.MaxInt16)},
		{bin("i32", storage.TInt32), ints(math.MinInt32, math.MaxInt32)},
		{bin("i64", storage.TInt64), ints(math.MinInt64, math.MaxInt64)},
		{bin("u8", storage.TUint8), uints(math.MaxUint8)},
		{bin("u16", storage.TUint16), uints(math.MaxUint16)},
		{bin("u32", storage.TUint32), uints(math.MaxUint32)},
		{bin("u64", storage.TUint64), uints(math.MaxUint64)},
		{bin("f32", storage.TFloat32), floats32},
		{bin("f64", storage.TFloat64), floats},
		{bin("d9_2", storage.TDecimal(9, 2)), decs(9, 2)},
		{bin("d4_1", storage.TDecimal(4, 1)), decs(4, 1)},
		{bin("d18_0", storage.TDecimal(18, 0)), decs(18, 0)},
		{bin("d18_4", storage.TDecimal(18, 4)), decs(18, 4)},
		{bin("d18_17", storage.TDecimal(18, 17)), decs(18, 17)},
		{text("ti64", storage.TInt64, 20), ints(math.MinInt64, math.MaxInt64)},
		{text("tu64", storage.TUint64, 20), uints(math.MaxUint64)},
		{text("td15_2", storage.TDecimal(15, 2), 18), decs(15, 2)},
		{text("tf64", storage.TFloat64, 25), floats},
		{text("tf32", storage.TFloat32, 25), floats32},
	}
}

// pushdownConstants are the constants compared with every column, as the
// planner passes them to the scan (storage values) and to exec (literals).
func pushdownConstants() []any {
	dec := func(u int64, s int) storage.DecimalValue { return storage.DecimalValue{Unscaled: u, Scale: s} }
	const p53 = 1 << 53
	return []any{
		math.NaN(), math.Inf(-1), math.Inf(1), math.Copysign(0, -1), 0.0, 0.07, 0.069999999999, 0.5, 1.0, 7.0,
		127.5, 128.0, -128.5, 255.5, float64(p53), float64(p53 + 2), 9.2e18, 9.223372036854775807e18,
		-9.223372036854775808e18, 1.8446744073709552e19, 1e300, -1e300, 5e-324, float64(float32(0.07)),
		int64(0), int64(-1), int64(1), int64(7), int64(127), int64(128), int64(-129), int64(255), int64(256),
		int64(math.MaxInt64), int64(math.MinInt64), int64(p53 + 1), int64(9_200_000_000_000_000_000), int64(-9_200_000_000_000_000_001),
		uint64(math.MaxUint64), uint64(1 << 63), uint64(1<<63 + 1),
		dec(7, 2), dec(70, 3), dec(75, 3), dec(-5, 3), dec(699, 4), dec(p53+1, 0), dec(999_999_999_999_999_999, 2),
		dec(-999_999_999_999_999_999, 18), dec(1, 18),
	}
}

// execLiteral is the literal exec compares with, typed as the planner
// types constants.
func execLiteral(t *testing.T, v any) Expr {
	switch x := v.(type) {
	case storage.DecimalValue:
		p := max(len(fmt.Sprint(max(x.Unscaled, -x.Unscaled))), x.Scale, 1)
		return lit(decimal128.FromI64(x.Unscaled), DecimalType(p, x.Scale))
	case uint64:
		return lit(x, arrow.PrimitiveTypes.Uint64)
	}
	return lit(v, nil)
}

// TestPushdownAgreesWithExec is the metamorphic test of predicate
// pushdown: every predicate (=, <>, <, <=, >, >=, BETWEEN, IN) on every
// column type, with edge constants, is evaluated pushed (scan.Predicate on
// the raw records) and unpushed (exec's comparison of the decoded column
// with the constant), and the two must select the same rows.
func TestPushdownAgreesWithExec(t *testing.T) {
	consts := pushdownConstants()
	ops := []struct {
		sql string
		op  scan.Op
	}{{"=", scan.OpEq}, {"<>", scan.OpNe}, {"<", scan.OpLt}, {"<=", scan.OpLe}, {">", scan.OpGt}, {">=", scan.OpGe}}
	// BETWEEN bounds and IN lists: a spread of the constants, mixed types.
	var bounds []any
	for i := 0; i < len(consts); i += 3 {
		bounds = append(bounds, consts[i])
	}
	inLists := [][]any{}
	for i := 0; i+1 < len(consts); i += 2 {
		inLists = append(inLists, []any{consts[i], consts[len(consts)-1-i]}, []any{consts[i]})
	}
	inLists = append(inLists, []any{int64(7), 0.07}, []any{math.NaN(), int64(1)}, []any{uint64(math.MaxUint64), 0.5},
		[]any{9.2e18, int64(math.MaxInt64)}, []any{storage.DecimalValue{Unscaled: 7, Scale: 2}, int64(1)})
	checked := 0
	for _, col := range pushdownColumns() {
		tab := pushdownTable(t, col.f, col.vals)
		all, ids := decodeAll(t, tab)
		check := func(p scan.Predicate, e Expr, err error) {
			t.Helper()
			if err != nil {
				return // exec refuses the comparison: nothing to push
			}
			want := execRows(t, e, all, ids)
			got, err := pushedRows(tab, p)
			if err != nil {
				t.Errorf("%s: exec selects %v, scan fails: %v", p.String(tab.Schema), want, err)
				return
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: pushed selects rows %v, exec %v (values %v)", p.String(tab.Schema), got, want, col.vals)
			}
			checked++
		}
		x := Col(0, col.f.Name, all.Column(0).DataType())
		for _, k := range consts {
			for _, o := range ops {
				e, err := NewBinary(o.sql, x, execLiteral(t, k))
				check(scan.Predicate{Field: 0, Op: o.op, Values: []any{k}}, e, err)
			}
		}
		for _, lo := range bounds {
			for _, hi := range bounds {
				e, err := NewBetween(x, execLiteral(t, lo), execLiteral(t, hi), false)
				check(scan.Predicate{Field: 0, Op: scan.OpBetween, Values: []any{lo, hi}}, e, err)
			}
		}
		for _, list := range inLists {
			items := make([]Expr, len(list))
			for i, v := range list {
				items[i] = execLiteral(t, v)
			}
			e, err := NewIn(x, items, false)
			check(scan.Predicate{Field: 0, Op: scan.OpIn, Values: list}, e, err)
		}
		all.Release()
	}
	if checked < 10000 {
		t.Errorf("only %d predicates compared", checked)
	}
}

// pushdownTable writes a one-column .rec file holding vals.
func pushdownTable(t *testing.T, f storage.Field, vals []any) *storage.Table {
	t.Helper()
	s, err := storage.NewSchema([]storage.Field{f}, storage.SchemaOptions{})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), f.Name+".rec")
	w, err := storage.Create(path, s, storage.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vals {
		if err := w.Append(v); err != nil {
			t.Fatalf("%s: writing %v: %v", f.Name, v, err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	tab, err := storage.Open(path, storage.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// scanAll runs a one-worker scan and returns its batches.
func scanAll(spec scan.Spec) ([]arrow.Record, error) {
	spec.Workers = 1
	s, err := scan.New(spec)
	if err != nil {
		return nil, err
	}
	st, err := s.Execute(context.Background(), 0)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	var out []arrow.Record
	for st.Next() {
		r := st.Record()
		r.Retain()
		out = append(out, r)
	}
	return out, st.Err()
}

// decodeAll decodes the whole column (one batch) and its row ids.
func decodeAll(t *testing.T, tab *storage.Table) (arrow.Record, []int64) {
	t.Helper()
	recs, err := scanAll(scan.Spec{Table: tab, Columns: []int{0}, RowID: true})
	if err != nil || len(recs) != 1 {
		t.Fatalf("decoding %s: %d batches, %v", tab.Schema.Fields[0].Name, len(recs), err)
	}
	return recs[0], recs[0].Column(1).(*array.Int64).Int64Values()
}

// execRows evaluates e over the decoded column: the row ids where it is true.
func execRows(t *testing.T, e Expr, rec arrow.Record, ids []int64) []int64 {
	t.Helper()
	a, err := e.Eval(NewEvalContext(nil), rec)
	if err != nil {
		t.Fatalf("%s: %v", e, err)
	}
	defer a.Release()
	b := a.(*array.Boolean)
	rows := []int64{}
	for i := 0; i < b.Len(); i++ {
		if b.IsValid(i) && b.Value(i) {
			rows = append(rows, ids[i])
		}
	}
	return rows
}

// pushedRows runs the scan with p pushed: the row ids it selects.
func pushedRows(tab *storage.Table, p scan.Predicate) ([]int64, error) {
	recs, err := scanAll(scan.Spec{Table: tab, RowID: true, Filter: []scan.Predicate{p}})
	if err != nil {
		return nil, err
	}
	rows := []int64{}
	for _, r := range recs {
		rows = append(rows, r.Column(0).(*array.Int64).Int64Values()...)
		r.Release()
	}
	return rows, nil
}
