package exec

import (
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
)

// A slice's null count is unknown until first asked for; settling stores
// it in the array's data (and its children's), so partitions that read a
// shared batch later only read it.
func TestSettleNullCounts(t *testing.T) {
	mem := checkedMem(t)
	lb := array.NewListBuilder(mem, arrow.PrimitiveTypes.Int64)
	defer lb.Release()
	vb := lb.ValueBuilder().(*array.Int64Builder)
	for i := 0; i < 6; i++ {
		if i == 4 {
			lb.AppendNull()
			continue
		}
		lb.Append(true)
		vb.Append(int64(i))
		vb.AppendNull()
	}
	list := lb.NewArray()
	defer list.Release()
	ib := array.NewInt64Builder(mem)
	defer ib.Release()
	ib.AppendValues([]int64{1, 2, 3, 4, 5, 6}, []bool{true, false, true, false, true, true})
	ints := ib.NewArray()
	defer ints.Release()
	nb := array.NewNullBuilder(mem)
	defer nb.Release()
	nb.AppendNulls(6)
	nulls := nb.NewArray()
	defer nulls.Release()

	schema := arrow.NewSchema([]arrow.Field{
		{Name: "l", Type: list.DataType(), Nullable: true},
		{Name: "i", Type: ints.DataType(), Nullable: true},
		{Name: "n", Type: arrow.Null, Nullable: true},
	}, nil)
	rec := array.NewRecord(schema, []arrow.Array{list, ints, nulls}, 6)
	defer rec.Release()
	sl := rec.NewSlice(1, 5) // rows 1..4
	defer sl.Release()
	for c := 0; c < 2; c++ {
		if got := sl.Column(c).Data().NullN(); got >= 0 {
			t.Fatalf("column %d: slice null count already known (%d); the test no longer tests settling", c, got)
		}
	}
	settleNullCounts(sl)
	want := []int{1, 2, 4} // list row 4; ints rows 1 and 3; every null
	for c, w := range want {
		if got := sl.Column(c).Data().NullN(); got != w {
			t.Errorf("column %d: settled null count %d, want %d", c, got, w)
		}
	}
	// the list's values (two per non-null list) keep their own count
	if got := sl.Column(0).Data().Children()[0].NullN(); got != 5 {
		t.Errorf("list values: settled null count %d, want 5", got)
	}
}
