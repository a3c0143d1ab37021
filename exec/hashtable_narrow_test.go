package exec

import (
	"fmt"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
)

// TestNarrowIntegerKeys: two 64-bit key columns pack into one u64 key
// while their values are small and non-negative (31 bits each); a value
// outside that range switches the table to byte keys without changing a
// group id, and a probe value outside it finds nothing while the table is
// still packed.
func TestNarrowIntegerKeys(t *testing.T) {
	noLeaks(t)
	mem := checkedMem(t)
	types := []arrow.DataType{tInt64, DecimalType(15, 2)}
	gt := newGroupTable(types)
	if !gt.packed || !gt.fields[0].narrow || gt.fields[0].bits != 31 || gt.fields[1].bits != 31 {
		t.Fatalf("layout: packed %v, fields %+v", gt.packed, gt.fields)
	}
	a1 := arr(mem, tInt64, 1, 2, 1, nil, 1<<31-1)
	b1 := arr(mem, DecimalType(15, 2), "0.05", "0.05", "0.05", "0.05", "21474836.47")
	defer a1.Release()
	defer b1.Release()
	g := make([]int32, 5)
	gt.assign([]arrow.Array{a1, b1}, 5, nil, g)
	if !gt.packed || fmt.Sprint(g) != "[0 1 0 2 3]" {
		t.Fatalf("packed: %v %v", gt.packed, g)
	}

	// lookups while packed: values that do not fit find nothing
	pa := arr(mem, tInt64, 2, -2, 1<<31, 1, nil, 1<<31-1)
	pb := arr(mem, DecimalType(15, 2), "0.05", "0.05", "0.05", "-0.05", "0.05", "21474836.47")
	defer pa.Release()
	defer pb.Release()
	got := make([]int32, 6)
	gt.lookup([]arrow.Array{pa, pb}, 6, []int32{0, 1, 2, 3, 4, 5}, got, &lookupScratch{mem: mem})
	if fmt.Sprint(got) != "[1 -1 -1 -1 2 3]" {
		t.Errorf("lookup while packed: %v", got)
	}

	// a negative value switches to bytes; the groups keep their ids
	a2 := arr(mem, tInt64, -7, 2, 1<<40, 1)
	b2 := arr(mem, DecimalType(15, 2), "0.05", "0.05", "0.05", "0.05")
	defer a2.Release()
	defer b2.Release()
	g = make([]int32, 4)
	gt.assign([]arrow.Array{a2, b2}, 4, nil, g)
	if gt.packed || fmt.Sprint(g) != "[4 1 5 0]" {
		t.Fatalf("after switch: packed %v, %v", gt.packed, g)
	}
	gt.lookup([]arrow.Array{pa, pb}, 6, []int32{0, 1, 2, 3, 4, 5}, got, &lookupScratch{mem: mem})
	if fmt.Sprint(got) != "[1 -1 -1 -1 2 3]" {
		t.Errorf("lookup after switch: %v", got)
	}

	// keys packed by another table of the same types (the shared buckets
	// of an aggregation) reach this one, now on byte keys, through its own
	// path: the same groups
	var buf []uint64
	a3 := arr(mem, tInt64, 2, 1, 9)
	b3 := arr(mem, DecimalType(15, 2), "0.05", "0.05", "0.05")
	defer a3.Release()
	defer b3.Release()
	kb := newGroupTable(types).packShared([]arrow.Array{a3, b3}, 3, &buf)
	if kb == nil {
		t.Fatal("small values did not pack")
	}
	g = make([]int32, 3)
	gt.assignPrepacked(kb, []arrow.Array{a3, b3}, 3, nil, g)
	if fmt.Sprint(g) != "[1 0 6]" {
		t.Errorf("prepacked keys on a byte-key table: %v", g)
	}
	if kb := gt.packShared([]arrow.Array{a2, b2}, 4, &buf); kb != nil {
		t.Errorf("a negative value packed: %v", kb)
	}

	// too many columns for a useful share stay byte keys
	if many := newGroupTable([]arrow.DataType{tInt64, tInt64, tInt64, tInt64}); many.packed {
		t.Errorf("four 64-bit columns packed into %+v", many.fields)
	}
	// floats are never narrowed
	if f := newGroupTable([]arrow.DataType{tInt64, tFloat64}); f.packed {
		t.Errorf("INT64 and FLOAT64 packed into %+v", f.fields)
	}
}

// TestNarrowKeysAggregate: GROUP BY two BIGINT columns gives the same
// groups whether the values fit the narrowed layout or not, in every
// partition and batch layout.
func TestNarrowKeysAggregate(t *testing.T) {
	noLeaks(t)
	mem := checkedMem(t)
	rec := record(mem,
		c("a", tInt64, 1, 1, nil, 5, 1<<35, 5, -1, nil),
		c("b", tInt64, 2, 2, 2, nil, 3, nil, 0, nil),
	)
	defer rec.Release()
	want := []string{"-1|0|1", "1|2|2", "34359738368|3|1", "5|NULL|2", "NULL|2|1", "NULL|NULL|1"}
	for _, l := range layouts {
		got := sorted(mustRun(t, mem, NewAggregate(source(t, rec, l.parts, l.batch), []Expr{colOf(rec, "a"), colOf(rec, "b")}, nil, []AggCall{{Name: "count"}}, nil, nil)))
		eqRows(t, fmt.Sprint(l), got, want)
	}
}
