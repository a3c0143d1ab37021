package scan

import (
	"fmt"
	"testing"

	"github.com/recq/recq/storage"
)

// TestFilterPadded checks = and IN on a trailing-trimmed CHAR against the
// general path (trim, then compare), on values padded with spaces, NULs
// or both, and on constants that are empty, too long or end in a space.
func TestFilterPadded(t *testing.T) {
	testFilterPadded(t, 4, []string{"AB  ", "AB\x00\x00", "AB \x00", "ABC ", "A B ", "    ", "\x00\x00\x00\x00", "ABCD", " AB "},
		[][]string{{"AB"}, {"AB "}, {""}, {"A B"}, {"ABCDE"}, {"ABCD"}, {" AB"}, {"AB", "ABC", ""}})
	// CHAR(1) has its own loop (a byte set)
	testFilterPadded(t, 1, []string{"R", "A", " ", "\x00", "N", "r"},
		[][]string{{"R"}, {""}, {" "}, {"RA"}, {"R", "N"}, {"A", ""}, {"x"}})
}

func testFilterPadded(t *testing.T, width int, vals []string, constSets [][]string) {
	s, err := storage.NewSchema([]storage.Field{{Name: "c", Type: storage.TChar(width), Offset: 0, Encoding: storage.LittleEndian}}, storage.SchemaOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var data []byte
	for _, v := range vals {
		data = append(data, v...)
	}
	ch := chunk{n: len(vals), data: data, stride: width, recLen: width}
	sel := make([]int32, len(vals))
	for i := range sel {
		sel[i] = int32(i)
	}
	for _, consts := range constSets {
		p := Predicate{Field: 0, Op: OpEq, Values: []any{consts[0]}}
		if len(consts) > 1 {
			p.Op, p.Values = OpIn, nil
			for _, c := range consts {
				p.Values = append(p.Values, c)
			}
		}
		c, err := compile(s, p)
		if err != nil {
			t.Fatal(err)
		}
		got := fmt.Sprint(c.filterPadded(&ch, sel, nil))
		want := fmt.Sprint(c.filterRecords(&ch, sel, nil, func(rec []byte) bool {
			return c.matchBytes(storage.TrimChar(rec[:width], storage.TrimTrailing))
		}))
		if got != want {
			t.Errorf("%q: filterPadded keeps %s, the general path %s", consts, got, want)
		}
	}
}
