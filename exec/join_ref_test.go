package exec

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// A brute-force join over every (probe, build) pair, written from the
// definitions, to check the operators against.

type refJoin struct {
	typ                JoinType
	probeKeys, buildKs []int // column indexes
	nullEq             []bool
	cond               Expr // over probe ++ build columns, or nil
}

// refRun returns the rendered output rows of the join, or the error the
// operator must report.
func refRun(t testing.TB, mem memory.Allocator, j refJoin, probe, build arrow.Record) ([]string, error) {
	np, nb := int(probe.NumRows()), int(build.NumRows())
	// the condition over the whole cross product
	var res arrow.Array
	if j.cond != nil && np*nb > 0 {
		pi := make([]int32, 0, np*nb)
		bi := make([]int32, 0, np*nb)
		for i := 0; i < np; i++ {
			for k := 0; k < nb; k++ {
				pi = append(pi, int32(i))
				bi = append(bi, int32(k))
			}
		}
		var cols []arrow.Array
		for _, c := range probe.Columns() {
			cols = append(cols, takeArray(mem, c, pi))
		}
		for _, c := range build.Columns() {
			cols = append(cols, takeArray(mem, c, bi))
		}
		x := array.NewRecord(concatSchema(probe.Schema(), build.Schema()), cols, int64(len(pi)))
		releaseAll(cols)
		var err error
		res, err = j.cond.Eval(NewEvalContext(mem), x)
		x.Release()
		if err != nil {
			t.Fatalf("reference condition: %v", err)
		}
		defer res.Release()
	}
	condAt := func(i, k int) (val, valid bool) {
		if j.cond == nil {
			return true, true
		}
		if res.DataType().ID() == arrow.NULL || res.IsNull(i*nb+k) {
			return false, false
		}
		return res.(*array.Boolean).Value(i*nb + k), true
	}
	keyNull := func(rec arrow.Record, cols []int, i int) bool {
		for c, col := range cols {
			if !j.nullEq[c] && rec.Column(col).IsNull(i) {
				return true
			}
		}
		return false
	}
	keysEqual := func(i, k int) bool {
		for c := range j.probeKeys {
			a, b := probe.Column(j.probeKeys[c]), build.Column(j.buildKs[c])
			an, bn := a.IsNull(i), b.IsNull(k)
			switch {
			case an || bn:
				if !(j.nullEq[c] && an && bn) {
					return false
				}
			case scalarAt(a, i) != scalarAt(b, k):
				return false
			}
		}
		return true
	}
	buildNull := false
	for k := 0; k < nb; k++ {
		buildNull = buildNull || keyNull(build, j.buildKs, k)
	}
	rowOf := func(rec arrow.Record, i int) []string {
		var out []string
		for _, c := range rec.Columns() {
			if i < 0 {
				out = append(out, "NULL")
			} else {
				out = append(out, cell(c, i))
			}
		}
		return out
	}
	join := func(parts ...[]string) string {
		var all []string
		for _, p := range parts {
			all = append(all, p...)
		}
		return strings.Join(all, "|")
	}
	var rows []string
	buildHit := make([]bool, nb)
	for i := 0; i < np; i++ {
		var matches []int
		nullCond := false
		for k := 0; k < nb; k++ {
			if !keysEqual(i, k) {
				continue
			}
			v, ok := condAt(i, k)
			switch {
			case !ok:
				nullCond = true
			case v:
				matches = append(matches, k)
				buildHit[k] = true
			}
		}
		mark, markValid := len(matches) > 0, true
		if !mark && nb > 0 && (keyNull(probe, j.probeKeys, i) || buildNull || nullCond) {
			markValid = false
		}
		switch j.typ {
		case JoinInner, JoinLeft, JoinRight, JoinFull, JoinSingle:
			if j.typ == JoinSingle && len(matches) > 1 {
				return nil, ErrSubqueryRows
			}
			for _, k := range matches {
				rows = append(rows, join(rowOf(probe, i), rowOf(build, k)))
			}
			if len(matches) == 0 && j.typ.keepsUnmatchedProbe() {
				rows = append(rows, join(rowOf(probe, i), rowOf(build, -1)))
			}
		case JoinSemi:
			if len(matches) > 0 {
				rows = append(rows, join(rowOf(probe, i)))
			}
		case JoinAnti:
			if len(matches) == 0 {
				rows = append(rows, join(rowOf(probe, i)))
			}
		case JoinNullAwareAnti:
			if markValid && !mark {
				rows = append(rows, join(rowOf(probe, i)))
			}
		case JoinMark:
			m := "NULL"
			if markValid {
				m = fmt.Sprint(mark)
			}
			rows = append(rows, join(rowOf(probe, i), []string{m}))
		}
	}
	switch j.typ {
	case JoinRight, JoinFull:
		for k := 0; k < nb; k++ {
			if !buildHit[k] {
				rows = append(rows, join(rowOf(probe, -1), rowOf(build, k)))
			}
		}
	case JoinRightSemi, JoinRightAnti:
		for k := 0; k < nb; k++ {
			if buildHit[k] == (j.typ == JoinRightSemi) {
				rows = append(rows, join(rowOf(build, k)))
			}
		}
	}
	return sorted(rows), nil
}

// randomSide makes a probe or build table: an INT64 key, a VARCHAR key
// (short values, plus long ones when long is set), an INT32 value; NULLs
// in all three.
func randomSide(mem memory.Allocator, r *rand.Rand, prefix string, n, domain int, long bool) arrow.Record {
	words := []string{"a", "bb", "", "ccc"}
	if long {
		words = append(words, "a-rather-long-key-value", "another-long-one!")
	}
	var k, s, v []any
	for i := 0; i < n; i++ {
		if r.Intn(8) == 0 {
			k = append(k, nil)
		} else {
			k = append(k, r.Intn(domain))
		}
		if r.Intn(9) == 0 {
			s = append(s, nil)
		} else {
			s = append(s, words[r.Intn(len(words))])
		}
		if r.Intn(10) == 0 {
			v = append(v, nil)
		} else {
			v = append(v, r.Intn(20))
		}
	}
	return record(mem, c(prefix+"k", tInt64, k...), c(prefix+"s", tString, s...), c(prefix+"v", tInt32, v...))
}
