package scan

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/storage"
)

// taggedBatch is one batch of an ordered scan: its tag and row ids.
type taggedBatch struct {
	seq Seq
	ids []int64
}

// collectTagged runs every partition of s and returns their batches.
func collectTagged(t *testing.T, s *Scan) []taggedBatch {
	t.Helper()
	var mu sync.Mutex
	var out []taggedBatch
	var wg sync.WaitGroup
	for p := 0; p < s.Partitions(); p++ {
		st, err := s.Execute(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer st.Close()
			for st.Next() {
				seq, ok := SeqOf(st)
				if !ok {
					t.Error("an ordered scan's batch has no tag")
					return
				}
				ids := slices.Clone(st.Record().Column(st.Record().Schema().NumFields() - 1).(*array.Int64).Int64Values())
				mu.Lock()
				out = append(out, taggedBatch{seq, ids})
				mu.Unlock()
			}
			if err := st.Err(); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	return out
}

// TestOrderedTags: in ordered mode every planned chunk ends with exactly
// one Last batch (a zero-row marker when nothing matched), pieces are
// numbered 0, 1, ... and hold ascending row ids, and sorting by (chunk,
// piece) gives exactly the rows in file order.
func TestOrderedTags(t *testing.T) {
	checkGoroutines(t)
	for _, tc := range []struct {
		name string
		tab  *storage.Table
		pred []Predicate
	}{
		// CHAR predicates have no block statistics: chunks are read and
		// many select nothing, so markers are needed.
		{"rec, rare CHAR match", openRec(t, "lineitem"), []Predicate{{Field: 14, Op: OpEq, Values: []any{"AIR"}}, {Field: 4, Op: OpLt, Values: []any{int64(2)}}, {Field: 3, Op: OpGe, Values: []any{int64(6)}}}},
		{"text, no predicate", openText(t, "lineitem"), nil},
	} {
		for _, batch := range []int{1, 7, 4096} {
			mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
			s, err := New(Spec{Table: tc.tab, RowID: true, Columns: []int{0}, Filter: tc.pred, Workers: 3, BatchSize: batch,
				ChunkBytes: 16384, Allocator: mem, Ordered: true})
			if err != nil {
				t.Fatal(err)
			}
			batches := collectTagged(t, s)
			slices.SortFunc(batches, func(a, b taggedBatch) int {
				if a.seq.Chunk != b.seq.Chunk {
					return int(a.seq.Chunk - b.seq.Chunk)
				}
				return int(a.seq.Piece - b.seq.Piece)
			})
			var got []int64
			markers := 0
			for i, b := range batches {
				first := i == 0 || batches[i-1].seq.Chunk != b.seq.Chunk
				if first && (b.seq.Piece != 0 || (i > 0 && batches[i-1].seq.Chunk != b.seq.Chunk-1) || (i > 0 && !batches[i-1].seq.Last)) {
					t.Fatalf("%s batch %d: chunk %d starts at piece %d after %+v", tc.name, batch, b.seq.Chunk, b.seq.Piece, batches[max(i-1, 0)].seq)
				}
				if !first && (b.seq.Piece != batches[i-1].seq.Piece+1 || batches[i-1].seq.Last) {
					t.Fatalf("%s batch %d: piece %+v after %+v", tc.name, batch, b.seq, batches[i-1].seq)
				}
				if len(b.ids) == 0 {
					markers++
					if !b.seq.Last {
						t.Fatalf("%s: a zero-row batch that is not a chunk's last: %+v", tc.name, b.seq)
					}
				}
				got = append(got, b.ids...)
			}
			if n := len(batches); n == 0 || batches[n-1].seq.Chunk != int64(s.PlannedChunks()-1) || !batches[n-1].seq.Last {
				t.Fatalf("%s: the last batch is %+v of %d chunks", tc.name, batches[len(batches)-1].seq, s.PlannedChunks())
			}
			if tc.pred != nil && markers == 0 {
				t.Errorf("%s: no chunk needed a marker; the test does not test markers", tc.name)
			}
			want := reference(t, tc.tab, func(vals []any) bool {
				return tc.pred == nil || (vals[14] == "AIR" && vals[4].(storage.DecimalValue).Unscaled < 200 && vals[3].(int64) >= 6)
			})
			if !slices.Equal(got, want) {
				t.Fatalf("%s batch %d: %d rows in (chunk, piece) order, want %d in file order", tc.name, batch, len(got), len(want))
			}
			mem.AssertSize(t, 0)
		}
	}
}

// TestOrderedLimit: an ordered scan with a limit keeps, in each chunk, at
// most Limit rows, and the rows of the leading chunks include the first
// Limit records; it stops claiming chunks once those are finished.
func TestOrderedLimit(t *testing.T) {
	checkGoroutines(t)
	tab := openRec(t, "lineitem")
	for _, workers := range []int{2, 5} {
		// Whether the scan stops early depends on scheduling: the worker
		// of chunk 0 may be descheduled while the others finish every
		// chunk. A scan that never stops early fails every attempt.
		stoppedEarly := false
		for attempt := 0; attempt < 5 && !stoppedEarly; attempt++ {
			stoppedEarly = orderedLimitRun(t, tab, workers)
		}
		if !stoppedEarly {
			t.Fatalf("%d workers: the limit did not stop the scan early in 5 attempts", workers)
		}
	}
}

// orderedLimitRun runs one ordered scan with LIMIT 150, checks its rows and
// reports whether it stopped before the last chunk.
func orderedLimitRun(t *testing.T, tab *storage.Table, workers int) bool {
	t.Helper()
	s, _ := New(Spec{Table: tab, RowID: true, Limit: 150, Workers: workers, BatchSize: 64, ChunkBytes: 8192, Ordered: true})
	batches := collectTagged(t, s)
	perChunk := map[int64]int{}
	var all []int64
	for _, b := range batches {
		perChunk[b.seq.Chunk] += len(b.ids)
		all = append(all, b.ids...)
	}
	for c, n := range perChunk {
		if n > 150 {
			t.Fatalf("chunk %d kept %d rows, more than the limit", c, n)
		}
	}
	slices.Sort(all)
	if len(all) < 150 || all[149] != 149 {
		t.Fatalf("%d workers: the first 150 records are not all there (%d rows)", workers, len(all))
	}
	st := s.LastStats()
	return st.ChunksDone.Load() < int64(st.Chunks)
}
