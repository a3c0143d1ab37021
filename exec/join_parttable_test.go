package exec

import (
	"context"
	"fmt"
	"math/rand"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// buildSettings are (workers, partition bits) pairs the partitioned build
// runs under: one worker and one partition, more workers than partitions,
// more partitions than rows.
var buildSettings = []struct{ workers, bits int }{{1, 0}, {2, 1}, {3, 4}, {4, 10}}

func withBuildSettings(t *testing.T, f func(name string)) {
	t.Helper()
	defer func(w, b int) { joinBuildWorkers, joinBuildPartBits = w, b }(joinBuildWorkers, joinBuildPartBits)
	for _, s := range buildSettings {
		joinBuildWorkers, joinBuildPartBits = s.workers, s.bits
		f(fmt.Sprintf("workers %d partitions %d", s.workers, 1<<s.bits))
	}
}

// TestHashJoinPartitionedBuild checks every join type against the
// reference with the build table partitioned in several ways, under every
// batch and partition layout of the inputs.
func TestHashJoinPartitionedBuild(t *testing.T) {
	noLeaks(t)
	mem := checkedMem(t)
	r := rand.New(rand.NewSource(11))
	probe := randomSide(mem, r, "p", 70, 25, false)
	defer probe.Release()
	build := randomSide(mem, r, "b", 90, 25, false)
	defer build.Release()
	cond := bin("<", concatCol(probe, build, "pv"), concatCol(probe, build, "bv"))
	keys := []struct {
		name   string
		p, b   []int
		nullEq []bool
	}{
		{"k", []int{0}, []int{0}, []bool{false}},
		{"s", []int{1}, []int{1}, []bool{false}},
		{"k,s", []int{0, 1}, []int{0, 1}, []bool{false, false}},
		{"k<=>,s<=>", []int{0, 1}, []int{0, 1}, []bool{true, true}},
		{"k<=>", []int{0}, []int{0}, []bool{true}}, // the sequential build
	}
	withBuildSettings(t, func(setting string) {
		for _, jt := range allJoinTypes {
			for _, k := range keys {
				for _, cnd := range []Expr{nil, cond} {
					j := refJoin{typ: jt, probeKeys: k.p, buildKs: k.b, nullEq: k.nullEq, cond: cnd}
					checkJoin(t, mem, fmt.Sprintf("%s keys %s cond %v", setting, k.name, cnd), j, probe, build, hashJoinOf(j, probe, build))
				}
			}
		}
	})
}

// TestPartitionedBuildLayout checks what the partitioned build lays out:
// which build sides use it, every position holding each input row once,
// each key's rows in input order, the NULL rows last in input order, and
// every build key found again by a lookup.
func TestPartitionedBuildLayout(t *testing.T) {
	noLeaks(t)
	mem := checkedMem(t)
	ctx := WithAllocator(context.Background(), mem)
	r := rand.New(rand.NewSource(5))
	build := randomSide(mem, r, "b", 500, 40, true)
	defer build.Release()
	cases := []struct {
		name        string
		cols        []int
		nullEq      []bool
		partitioned bool
	}{
		{"int key", []int{0}, []bool{false}, true},
		{"int and string keys, NULL = NULL", []int{0, 1}, []bool{true, true}, false}, // long strings do not pack
		{"int and int keys", []int{0, 2}, []bool{false, true}, true},
		{"nullable int key, NULL = NULL", []int{0}, []bool{true}, false},
	}
	withBuildSettings(t, func(setting string) {
		for _, tc := range cases {
			for _, l := range joinLayouts {
				what := fmt.Sprintf("%s %s layout %+v", setting, tc.name, l)
				spec := HashJoinSpec{Probe: source(t, build, 1, 64), Build: source(t, build, l.bp, l.bb), Type: JoinInner, NullEqual: tc.nullEq}
				for _, c := range tc.cols {
					name := build.Schema().Field(c).Name
					spec.ProbeKeys = append(spec.ProbeKeys, colOf(build, name))
					spec.BuildKeys = append(spec.BuildKeys, colOf(build, name))
				}
				op, err := NewHashJoin(spec)
				if err != nil {
					t.Fatal(err)
				}
				hj := op.(*HashJoin)
				side, err := hj.buildJoinSide(ctx, 1)
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				checkLayout(t, mem, what, hj.joinCore, side, tc.partitioned)
				side.release()
			}
		}
	})
}

func checkLayout(t *testing.T, mem memory.Allocator, what string, c *joinCore, side *builtSide, partitioned bool) {
	t.Helper()
	if _, ok := side.table.(*partTable); ok != partitioned {
		t.Errorf("%s: partitioned table %v, want %v", what, ok, partitioned)
	}
	seen := map[rowLoc]bool{}
	for _, l := range side.loc {
		if seen[l] {
			t.Errorf("%s: row %+v at two positions", what, l)
		}
		seen[l] = true
	}
	if len(seen) != side.n || len(side.loc) != side.n {
		t.Fatalf("%s: %d positions for %d rows", what, len(seen), side.n)
	}
	before := func(a, b rowLoc) bool { return a.chunk < b.chunk || a.chunk == b.chunk && a.row < b.row }
	ng := len(side.offs) - 2
	for g := 0; g <= ng; g++ {
		lo, hi := side.offs[g], side.offs[g+1]
		if lo > hi {
			t.Fatalf("%s: group %d spans %d .. %d", what, g, lo, hi)
		}
		if g < ng && lo == hi {
			t.Errorf("%s: group %d is empty", what, g)
		}
		for p := lo + 1; p < hi; p++ {
			if !before(side.loc[p-1], side.loc[p]) {
				t.Errorf("%s: group %d: rows out of input order at position %d", what, g, p)
			}
		}
	}
	// each group's rows have one key, and a lookup of it finds the group
	sc := &lookupScratch{mem: mem}
	byChunk := make([][]arrow.Array, len(side.recs))
	for ci, rec := range side.recs {
		byChunk[ci] = must(evalAll(NewEvalContext(mem), rec, c.buildKeys...))
		defer releaseAll(byChunk[ci])
	}
	for g := 0; g < ng; g++ {
		lo, hi := side.offs[g], side.offs[g+1]
		var keys []arrow.Array
		for ki := range c.buildKeys {
			var col []arrow.Array
			for p := lo; p < hi; p++ {
				l := side.loc[p]
				col = append(col, takeArray(mem, byChunk[l.chunk][ki], []int32{l.row}))
			}
			keys = append(keys, must(array.Concatenate(col, mem)))
			releaseAll(col)
		}
		n := int(hi - lo)
		rows := make([]int32, n)
		for i := range rows {
			rows[i] = int32(i)
		}
		gids := make([]int32, n)
		side.table.lookup(keys, n, rows, gids, sc)
		for i, gid := range gids {
			if gid != int32(g) {
				t.Errorf("%s: row %d of group %d looks up group %d", what, i, g, gid)
				break
			}
		}
		releaseAll(keys)
	}
}
