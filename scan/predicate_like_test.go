package scan

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/recq/recq/internal/like"
	"github.com/recq/recq/storage"
)

// TestFilterLikeNeedle: the chunk search gives what testing each record
// gives, for needles that also occur in the field before, run past the
// field's end, sit at its edges or in the last record, under dense and
// sparse selections and both LIKE and NOT LIKE.
func TestFilterLikeNeedle(t *testing.T) {
	s, err := storage.NewSchema([]storage.Field{
		{Name: "a", Type: storage.TChar(5), Offset: 0, Width: 5},
		{Name: "b", Type: storage.TChar(9), Offset: 5, Width: 9},
		{Name: "c", Type: storage.TChar(3), Offset: 14, Width: 3},
	}, storage.SchemaOptions{NullBitmap: storage.NoNullBitmap})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	const n, stride = 500, 17
	data := make([]byte, n*stride)
	for i := range data {
		data[i] = "abx "[rng.IntN(4)]
	}
	ch := &chunk{n: n, data: data, stride: stride, recLen: stride}
	f := &s.Fields[1]
	sels := map[string][]int32{"all": nil, "every other": nil, "sparse": nil, "tail": nil}
	for r := int32(0); r < n; r++ {
		sels["all"] = append(sels["all"], r)
		if r%2 == 0 {
			sels["every other"] = append(sels["every other"], r)
		}
		if r%9 == 0 {
			sels["sparse"] = append(sels["sparse"], r)
		}
		if r >= n-40 {
			sels["tail"] = append(sels["tail"], r)
		}
	}
	searched := 0
	for _, pattern := range []string{"%ab%", "%ba%xa%", "%b %", "%xab%", "a%bx%", "%a%", "%abxab%", "%ab_%"} {
		for _, op := range []Op{OpLike, OpNotLike} {
			c, err := compile(s, Predicate{Field: 1, Op: op, Values: []any{pattern}})
			if err != nil {
				t.Fatal(err)
			}
			p := like.Compile(pattern)
			for name, sel := range sels {
				var want []int32
				for _, r := range sel {
					v := storage.TrimChar(ch.record(r)[f.Offset:f.End()], f.Trim)
					if p.Match(v) != (op == OpNotLike) {
						want = append(want, r)
					}
				}
				got, err := c.filter(ch, append([]int32(nil), sel...), nil)
				if err != nil {
					t.Fatal(err)
				}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s %q, %s: got %v\nwant %v", op, pattern, name, got, want)
				}
				if _, ok := c.filterLikeNeedle(ch, sel, nil, f.Trim, nil); ok {
					searched++
				}
			}
		}
	}
	if searched == 0 {
		t.Error("the chunk search never ran")
	}

	// A text field with a NULLIF sentinel that holds the needle: NULL
	// passes neither LIKE nor NOT LIKE.
	ts, err := storage.NewSchema([]storage.Field{
		{Name: "a", Type: storage.TChar(5), Offset: 0, Width: 5, Encoding: storage.Text},
		{Name: "b", Type: storage.TChar(9), Offset: 5, Width: 9, Encoding: storage.Text, Nullable: true, NullIf: []string{"ab"}},
		{Name: "c", Type: storage.TChar(3), Offset: 14, Width: 3, Encoding: storage.Text},
	}, storage.SchemaOptions{DefaultEncoding: storage.Text, NullBitmap: storage.Implicit})
	if err != nil {
		t.Fatal(err)
	}
	tf := &ts.Fields[1]
	for r := 0; r < n; r += 7 {
		copy(data[r*stride+tf.Offset:], "ab       ") // the sentinel: NULL
	}
	nulls := 0
	for _, op := range []Op{OpLike, OpNotLike} {
		c, err := compile(ts, Predicate{Field: 1, Op: op, Values: []any{"%ab%"}})
		if err != nil {
			t.Fatal(err)
		}
		p := like.Compile("%ab%")
		var want []int32
		for _, r := range sels["all"] {
			raw := ch.record(r)[tf.Offset:tf.End()]
			if tf.IsNullValue(raw) {
				nulls++
				continue
			}
			if p.Match(storage.TrimChar(raw, tf.Trim)) != (op == OpNotLike) {
				want = append(want, r)
			}
		}
		got, err := c.filter(ch, append([]int32(nil), sels["all"]...), nil)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("text %s: got %v\nwant %v", op, got, want)
		}
	}
	if nulls == 0 {
		t.Error("no NULL values in the text case")
	}
}
