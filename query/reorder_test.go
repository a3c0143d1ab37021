package query

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/recq/recq/storage/gen"
)

// tpchEngine opens an engine over the tables of TPC-H at scale 0.01
// (generated into a temporary directory), with the given passes off.
func tpchEngine(t *testing.T, disabled ...string) *Engine {
	t.Helper()
	dir := t.TempDir()
	for _, name := range gen.TPCH {
		g, err := gen.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := g.WriteScale(filepath.Join(dir, name+".rec"), 0.01, gen.ScaleOptions{Seed: 1}); err != nil {
			t.Fatal(err)
		}
	}
	eng, err := Open(Options{DataDir: dir, DisabledPasses: disabled})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	return eng
}

func logicalPlan(t *testing.T, eng *Engine, sql string) string {
	t.Helper()
	text, err := eng.Explain(context.Background(), sql)
	if err != nil {
		t.Fatal(err)
	}
	logical, _, _ := strings.Cut(text, "optimizer passes:")
	return logical
}

// TPC-H Q9 lists part and supplier first, which nothing connects: in the
// written order they are a cross product; reordered, every join has keys.
func TestReorderJoinsAvoidsCrossProducts(t *testing.T) {
	text, err := os.ReadFile("../testdata/tpch/q09.sql")
	if err != nil {
		t.Fatal(err)
	}
	q9 := string(text)
	if plan := logicalPlan(t, tpchEngine(t, "reorder_joins"), q9); !strings.Contains(plan, "CrossJoin") {
		t.Fatalf("without reorder_joins Q9 should start with a cross join:\n%s", plan)
	}
	eng := tpchEngine(t)
	plan := logicalPlan(t, eng, q9)
	if strings.Contains(plan, "CrossJoin") {
		t.Fatalf("Q9 still has a cross join:\n%s", plan)
	}
	// The smallest join first: supplier with nation (25 rows).
	if !strings.Contains(plan, "Join INNER on s_nationkey = n_nationkey") {
		t.Errorf("supplier and nation are not joined directly:\n%s", plan)
	}
	// Inputs that nothing connects are still cross joined.
	plan = logicalPlan(t, eng, "SELECT count(*) FROM nation, region, supplier WHERE s_nationkey = n_nationkey")
	if strings.Count(plan, "CrossJoin") != 1 || !strings.Contains(plan, "Scan region") {
		t.Errorf("region should be cross joined once:\n%s", plan)
	}
}

// Reordering changes neither the rows nor the order of the columns.
func TestReorderJoinsKeepsColumnsAndRows(t *testing.T) {
	sql := "SELECT * FROM people a, people b, people c WHERE a.id = c.id AND b.id = c.id AND a.id <= 5"
	on, _ := testEngine(t, Settings{Workers: 2})
	off, err := Open(Options{DataDir: "../testdata", DisabledPasses: []string{"reorder_joins"}})
	if err != nil {
		t.Fatal(err)
	}
	defer off.Close()
	if plan := logicalPlan(t, off, sql); !strings.Contains(plan, "CrossJoin") {
		t.Fatalf("the written order should cross join a and b:\n%s", plan)
	}
	if plan := logicalPlan(t, on, sql); strings.Contains(plan, "CrossJoin") {
		t.Fatalf("reordered plan has a cross join:\n%s", plan)
	}
	schema := func(eng *Engine) *arrow.Schema {
		res, err := eng.Query(context.Background(), sql)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Close()
		return res.Schema()
	}
	if a, b := schema(on), schema(off); !a.Equal(b) {
		t.Errorf("columns differ:\n%v\n%v", a, b)
	}
	got, want := queryRows(t, on, sql+" ORDER BY a.id"), queryRows(t, off, sql+" ORDER BY a.id")
	if strings.Join(got, "\n") != strings.Join(want, "\n") || len(got) != 5 {
		t.Errorf("rows differ:\n%v\n%v", got, want)
	}
}

// A condition that can raise an error keeps its tree in the written
// order: reordered, it could meet rows the written order removes first.
func TestReorderJoinsLeavesFailingConditions(t *testing.T) {
	eng, _ := testEngine(t, Settings{})
	plan := logicalPlan(t, eng, "SELECT count(*) FROM people a, people b, people c WHERE a.id = c.id AND b.id + 1 = c.id")
	if !strings.Contains(plan, "CrossJoin") {
		t.Errorf("the tree was reordered:\n%s", plan)
	}
}

func TestWidens(t *testing.T) {
	dec := func(p, s int32) arrow.DataType { return &arrow.Decimal128Type{Precision: p, Scale: s} }
	i8, i32, i64 := arrow.PrimitiveTypes.Int8, arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int64
	u8, u32, u64 := arrow.PrimitiveTypes.Uint8, arrow.PrimitiveTypes.Uint32, arrow.PrimitiveTypes.Uint64
	f32, f64 := arrow.PrimitiveTypes.Float32, arrow.PrimitiveTypes.Float64
	for _, c := range []struct {
		from, to arrow.DataType
		want     bool
	}{
		{i32, i64, true}, {i64, i32, false}, {i8, i8, true},
		{u8, i32, true}, {u32, i64, true}, {u64, i64, false}, {i32, u64, false}, {u8, u32, true},
		{i64, f64, true}, {u64, f32, true}, {f32, f64, true}, {f64, f32, false}, {f64, i64, false},
		{i32, dec(10, 0), true}, {i32, dec(12, 3), false}, {i64, dec(19, 0), true}, {u64, dec(19, 0), false},
		{dec(15, 2), dec(38, 2), true}, {dec(15, 2), dec(15, 3), false}, {dec(15, 2), dec(17, 4), true}, {dec(15, 2), dec(16, 1), false},
		{arrow.BinaryTypes.String, i64, false}, {i64, arrow.BinaryTypes.String, false},
	} {
		if got := widens(c.from, c.to); got != c.want {
			t.Errorf("widens(%s, %s) = %v, want %v", c.from, c.to, got, c.want)
		}
	}
}
