package exec

import (
	"context"
	"testing"
)

// countedSide counts its releases.
type countedSide struct{ released *int }

func (c countedSide) release() { *c.released++ }

// TestSharedBuildRounds follows the rounds of a 3-partition shared build
// through the orders in which an execution's streams open and close, and
// checks that every built side is released exactly once, and only when no
// stream of its round can use it.
func TestSharedBuildRounds(t *testing.T) {
	type step struct {
		op   string // "open", "get", "close" (complete), "stop" (incomplete), "end"
		part int
	}
	tests := []struct {
		name   string
		steps  []step
		builds int // built sides expected
		// released after each step, as a string of digits (one per step)
		released string
	}{
		{"all partitions complete",
			[]step{{"open", 0}, {"open", 1}, {"open", 2}, {"get", 0}, {"get", 1}, {"close", 0}, {"close", 1}, {"close", 2}},
			1, "00000001"},
		{"a partition not yet opened keeps the side",
			[]step{{"open", 0}, {"get", 0}, {"close", 0}, {"open", 1}, {"close", 1}, {"open", 2}, {"close", 2}},
			1, "0000001"},
		{"an abandoned execution releases when the last stream closes",
			[]step{{"open", 0}, {"open", 1}, {"get", 1}, {"stop", 1}, {"close", 0}},
			1, "00001"},
		// The case a late goroutine makes: partitions 1 and 2 abandon the
		// round before partition 0 opens; partition 0 builds again in a new
		// round that no other partition joins, released at the execution's end.
		{"a late partition after an abandoned round",
			[]step{{"open", 1}, {"open", 2}, {"get", 1}, {"stop", 1}, {"close", 2}, {"open", 0}, {"get", 0}, {"close", 0}, {"end", 0}},
			2, "000011112"},
		{"the end waits for open streams",
			[]step{{"open", 0}, {"get", 0}, {"end", 0}, {"close", 0}},
			1, "0001"},
		{"a rerun replaces a round not freed",
			[]step{{"open", 0}, {"get", 0}, {"close", 0}, {"open", 0}, {"get", 0}, {"end", 0}, {"close", 0}},
			2, "0001112"},
		{"an execution that never built",
			[]step{{"open", 0}, {"stop", 0}, {"end", 0}},
			0, "000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			released, builds := 0, 0
			s := newSharedBuild(3, func(ctx context.Context, round uint64) (countedSide, error) {
				builds++
				return countedSide{&released}, nil
			})
			open := map[int]*joinRound[countedSide]{}
			for i, st := range tc.steps {
				switch st.op {
				case "open":
					open[st.part] = s.join(st.part)
				case "get":
					if _, err := open[st.part].get(context.Background()); err != nil {
						t.Fatal(err)
					}
				case "close", "stop":
					open[st.part].leave(st.op == "close")
					delete(open, st.part)
				case "end":
					s.endExecution()
				}
				if want := int(tc.released[i] - '0'); released != want {
					t.Fatalf("after step %d (%s %d): %d sides released, want %d", i, st.op, st.part, released, want)
				}
			}
			if builds != tc.builds {
				t.Errorf("%d builds, want %d", builds, tc.builds)
			}
		})
	}
}
