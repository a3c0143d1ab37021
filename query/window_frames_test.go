package query

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestWindowAggregatesMatchSelfJoin is a metamorphic test of the
// aggregates of agg_funcs.go over window frames: for random windows and
// frames (ROWS and RANGE with offsets, EXCLUDE, FILTER, DISTINCT), the
// window's value at each row equals the same aggregate computed with
// GROUP BY over a self-join whose condition is the frame:
//
//	agg(x) OVER (PARTITION BY p ORDER BY k ROWS BETWEEN 2 PRECEDING AND 1 FOLLOWING)
//	==
//	SELECT s1.seq, agg(s2.x) FROM t s1 LEFT JOIN t s2
//	  ON s2.p = s1.p AND s2.k >= s1.k - 2 AND s2.k <= s1.k + 1 GROUP BY s1.seq
//
// ROWS frames order by a dense unique key (seq, _rowid: the window over
// _rowid streams), so they are ranges of that key; RANGE frames order by
// seq or by code (peers, about 8 rows each). Functions whose value
// depends on the order of the frame's rows (string_agg, first, last)
// only get unique keys, and their GROUP BY form orders by them. The LEFT
// JOIN gives a row with an empty frame one NULL row, which every one of
// these aggregates ignores or, for first and last, returns, as over no
// rows.
func TestWindowAggregatesMatchSelfJoin(t *testing.T) {
	type fn struct {
		f       string // %[1]s is the table alias
		ordered bool   // the value depends on the order of the frame's rows
	}
	funcs := []fn{
		{"median(%[1]s.temperature)", false},
		{"quantile_cont(%[1]s.pressure, 0.25)", false},
		{"quantile_disc(%[1]s.delta, [0.1, 0.5, 0.9])", false},
		{"mode(%[1]s.status)", false},
		{"mode(%[1]s.code)", false},
		{"median(DISTINCT %[1]s.code)", false},
		{"arg_min(%[1]s.status, %[1]s.seq)", false},
		{"max_by(%[1]s.temperature, %[1]s.seq)", false},
		{"count_if(%[1]s.delta > 0)", false},
		{"approx_count_distinct(%[1]s.level)", false},
		{"quantile_disc(%[1]s.code, 0.5) FILTER (WHERE %[1]s.ok)", false},
		{"string_agg(%[1]s.status, '|')", true},
		{"string_agg(DISTINCT %[1]s.status, ',')", true},
		{"string_agg(%[1]s.code, '') FILTER (WHERE %[1]s.code > 0)", true},
		{"first(%[1]s.status)", true},
		{"last(%[1]s.temperature)", true},
		{"first(%[1]s.status) FILTER (WHERE %[1]s.delta > 0)", true},
		{"last(%[1]s.delta) FILTER (WHERE NOT %[1]s.ok)", true},
	}
	type win struct {
		part, key string // PARTITION BY column ("" none), ORDER BY key
		rows      bool   // ROWS frames (key dense and unique)
		unique    bool   // key unique: order-dependent functions allowed
	}
	wins := []win{
		{"", "seq", true, true},
		{"", "_rowid", true, true},
		{"sensor_id", "seq", false, true},
		{"", "seq", false, true},
		{"", "code", false, false},
		{"ok", "code", false, false},
	}
	settings := []Settings{{Workers: 1, BatchSize: 7}, {Workers: 2, BatchSize: 64}, {Workers: 3, BatchSize: 1024}}
	engines := make([]*Engine, len(settings))
	for i, s := range settings {
		engines[i], _ = testEngine(t, s)
	}
	// approx_count_distinct past its exact range (512 values): the
	// running window reads the registers' estimate row by row
	{
		eng := engines[1]
		got := queryRows(t, eng, "SELECT seq, approx_count_distinct(level) OVER (ORDER BY seq) FROM sensors ORDER BY seq")
		want := queryRows(t, eng, "SELECT s1.seq, approx_count_distinct(s2.level) FROM sensors AS s1 JOIN sensors AS s2 ON s2.seq <= s1.seq GROUP BY s1.seq ORDER BY s1.seq")
		if !slices.Equal(got, want) || len(got) != 2000 {
			t.Errorf("running approx_count_distinct differs from the self-join (%d and %d rows)", len(got), len(want))
		}
		if len(got) == 2000 && got[1999] == "1999 | 2000" {
			t.Errorf("the last row's estimate is exact (%s): the registers were not used", got[1999])
		}
	}
	r := rand.New(rand.NewPCG(12, 2026))
	cases := 60
	if testing.Short() {
		cases = 20
	}
	const from = "(SELECT * FROM sensors WHERE seq < 300)"
	for c := 0; c < cases; c++ {
		w := wins[r.IntN(len(wins))]
		f := funcs[r.IntN(len(funcs))]
		for f.ordered && !w.unique {
			f = funcs[r.IntN(len(funcs))]
		}
		desc := r.IntN(3) == 0 && w.key != "_rowid" // only ascending _rowid streams
		spec, cond := randomFrame(r, w.part, w.key, w.rows, desc)
		key := w.key
		if key == "_rowid" {
			key, cond = "seq", strings.ReplaceAll(cond, "_rowid", "seq") // seq is the record number
		}
		winSQL := fmt.Sprintf("SELECT seq, %s OVER (%s) FROM sensors WHERE seq < 300 ORDER BY seq", fmt.Sprintf(f.f, "sensors"), spec)
		agg := fmt.Sprintf(f.f, "s2")
		if f.ordered {
			dir := ""
			if desc {
				dir = " DESC"
			}
			// the window's ORDER BY orders the frame
			agg = strings.Replace(agg, ")", " ORDER BY s2."+key+dir+")", 1)
		}
		joinSQL := fmt.Sprintf("SELECT s1.seq, %s FROM %s AS s1 LEFT JOIN %s AS s2 ON %s GROUP BY s1.seq ORDER BY s1.seq", agg, from, from, cond)
		eng := engines[c%len(engines)]
		got := queryRows(t, eng, winSQL)
		want := queryRows(t, eng, joinSQL)
		if !slices.Equal(got, want) {
			for i := range min(len(got), len(want)) {
				if got[i] != want[i] {
					t.Errorf("case %d (%+v): row %d differs\nwindow:    %s\n  %s\nself-join: %s\n  %s", c, settings[c%len(settings)], i, winSQL, got[i], joinSQL, want[i])
					break
				}
			}
			if len(got) != len(want) {
				t.Errorf("case %d: %d rows against %d\n%s\n%s", c, len(got), len(want), winSQL, joinSQL)
			}
		}
	}
}

// randomFrame returns a random window body over key and the self-join
// condition (s1: the current row, s2: the frame's rows) that selects its
// frame.
func randomFrame(r *rand.Rand, part, key string, rows, desc bool) (spec, cond string) {
	var conds []string
	if part != "" {
		spec = "PARTITION BY " + part + " "
		conds = append(conds, fmt.Sprintf("s2.%s = s1.%s", part, part))
	}
	spec += "ORDER BY " + key
	if desc {
		spec += " DESC"
	}
	unit := "RANGE"
	if rows {
		unit = "ROWS"
	}
	type bound struct {
		text string
		rank int
		off  int // rows or key distance towards the end of the order
	}
	pickB := func(end bool, minRank int) bound {
		for {
			n := r.IntN(5)
			bs := []bound{{"UNBOUNDED PRECEDING", 0, 0}, {fmt.Sprintf("%d PRECEDING", n), 1, -n},
				{"CURRENT ROW", 2, 0}, {fmt.Sprintf("%d FOLLOWING", n), 3, n}, {"UNBOUNDED FOLLOWING", 4, 0}}
			b := bs[r.IntN(len(bs))]
			if b.rank >= minRank && (end && b.rank > 0 || !end && b.rank < 4) {
				return b
			}
		}
	}
	st := pickB(false, 0)
	en := pickB(true, st.rank)
	spec += fmt.Sprintf(" %s BETWEEN %s AND %s", unit, st.text, en.text)
	// key distance d towards the end of the order is key + d ascending,
	// key - d descending
	at := func(off int) string {
		if desc {
			off = -off
		}
		return fmt.Sprintf("s1.%s + %d", key, off)
	}
	ge, le := ">=", "<="
	if desc {
		ge, le = le, ge
	}
	if st.rank > 0 {
		conds = append(conds, fmt.Sprintf("s2.%s %s %s", key, ge, at(st.off)))
	}
	if en.rank < 4 {
		conds = append(conds, fmt.Sprintf("s2.%s %s %s", key, le, at(en.off)))
	}
	switch r.IntN(6) {
	case 0:
		spec += " EXCLUDE CURRENT ROW"
		conds = append(conds, "s2.seq <> s1.seq")
	case 1:
		spec += " EXCLUDE GROUP"
		conds = append(conds, fmt.Sprintf("s2.%s <> s1.%s", key, key))
	case 2:
		spec += " EXCLUDE TIES"
		conds = append(conds, fmt.Sprintf("(s2.%s <> s1.%s OR s2.seq = s1.seq)", key, key))
	}
	if len(conds) == 0 {
		return spec, "TRUE"
	}
	return spec, strings.Join(conds, " AND ")
}
