package query

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/recq/recq/scan"
)

// FuzzSplit feeds arbitrary bytes to ParseSplit and runs the leaf of a
// distributed aggregation on every split it accepts: no panic, no
// internal error, and the leaf's row count (partial count(*)) is the
// number of records the split covers.
func FuzzSplit(f *testing.F) {
	dir := distFixture(f)
	eng, err := Open(Options{DataDir: dir, Settings: Settings{Workers: 2}})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { eng.Close() })
	ctx := context.Background()
	p, err := eng.PlanDistributed(ctx, "SELECT count(*) FROM parts", DistributeOptions{SplitBytes: 1})
	if err != nil {
		f.Fatal(err)
	}
	splits, err := p.Splits(ctx)
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range splits[:3] {
		b, _ := s.MarshalBinary()
		f.Add(b)
	}
	f.Add([]byte(`{"v":1,"table":"parts","file":2,"path":"p2.rec","base":700,"records":1299,"ranges":[{"start":0,"end":1},{"start":5,"end":1299}]}`))
	f.Add([]byte(`{"v":1,"table":"parts","file":1,"path":"p1.rec","base":700,"records":0,"ranges":[]}`))
	f.Add([]byte(`{"v":1,"ranges":[{"start":-5,"end":3}]}`))
	f.Add([]byte(`not json`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseSplit(b)
		if err != nil {
			return
		}
		again, _ := s.MarshalBinary()
		if s2, err := ParseSplit(again); err != nil || !slices.Equal(s2.Ranges, s.Ranges) {
			t.Fatalf("the split does not survive encoding: %v", err)
		}
		res, err := p.Leaf(ctx, s)
		var ie *scan.InternalError
		if errors.As(err, &ie) {
			t.Fatalf("internal error: %v", err)
		}
		if err != nil {
			return
		}
		var rows int64
		for res.Next() {
			rows += res.Record().Column(0).(interface{ Value(int) int64 }).Value(0)
		}
		err = res.Err()
		res.Close()
		if err != nil {
			if errors.As(err, &ie) {
				t.Fatalf("internal error: %v", err)
			}
			return
		}
		if rows != s.Rows() {
			t.Fatalf("the leaf counted %d records of a split of %d", rows, s.Rows())
		}
	})
}
