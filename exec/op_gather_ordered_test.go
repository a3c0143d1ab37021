package exec

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/internal/testhook"
	"github.com/recq/recq/scan"
	"github.com/recq/recq/storage"
	"github.com/recq/recq/storage/gen"
)

// Ordered scans end to end (scan in ordered mode, Filter, Project,
// OrderedGather, Limit) over generated lineitem files cut into many
// chunks: the rows must come in file order under every strategy, worker
// count and batch size, run after run.

const orderRows = 3000

var (
	orderOnce sync.Once
	orderDir  string
	orderErr  error
)

// orderFixtures writes lineitem as .rec (blocks of 125 records, so
// pushed predicates give 24 chunks and can skip blocks) and as text.
func orderFixtures(t testing.TB) string {
	t.Helper()
	orderOnce.Do(func() {
		if orderDir, orderErr = os.MkdirTemp("", "recq-exec-order-"); orderErr != nil {
			return
		}
		g, _ := gen.Lookup("lineitem")
		if orderErr = g.WriteWith(filepath.Join(orderDir, "l.rec"), orderRows, 5, storage.WriterOptions{RecordsPerBlock: 125}); orderErr != nil {
			return
		}
		orderErr = g.WriteText(filepath.Join(orderDir, "l.txt"), orderRows, 5)
	})
	if orderErr != nil {
		t.Fatal(orderErr)
	}
	return orderDir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if orderDir != "" {
		os.RemoveAll(orderDir)
	}
	os.Exit(code)
}

func orderTable(t testing.TB, text bool) *storage.Table {
	t.Helper()
	dir := orderFixtures(t)
	var tab *storage.Table
	var err error
	if text {
		g, _ := gen.Lookup("lineitem")
		tab, err = storage.OpenRaw(filepath.Join(dir, "l.txt"), g.TextSchema(), storage.RawOptions{Text: true})
	} else {
		tab, err = storage.Open(filepath.Join(dir, "l.rec"), storage.OpenOptions{})
	}
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// orderCase is one query shape over the scan.
type orderCase struct {
	name     string
	text     bool
	pushed   []scan.Predicate // on the raw bytes (l_orderkey is field 0)
	residual bool             // a Filter in exec: _rowid % 7 = 3
	ranges   []scan.RowRange
	sample   *scan.Sample
	limit    int64 // LIMIT (pushed into the scan too when there is no residual)
	runs     int   // runs per configuration (default 5)
}

var orderCases = []orderCase{
	{name: "limit 3", limit: 3, runs: 20},
	{name: "text limit 3", text: true, limit: 3, runs: 20},
	{name: "full scan residual filter", residual: true, runs: 20},
	{name: "text pushed and residual", text: true, residual: true,
		pushed: []scan.Predicate{{Field: 4, Op: scan.OpLt, Values: []any{int64(10)}}}},
	// l_orderkey grows with the record number: most blocks are skipped.
	{name: "block skipping", pushed: []scan.Predicate{{Field: 0, Op: scan.OpBetween, Values: []any{int64(750), int64(2250)}}}},
	{name: "pushed limit 3", limit: 3, pushed: []scan.Predicate{{Field: 4, Op: scan.OpGe, Values: []any{int64(45)}}}},
	{name: "residual limit 5", residual: true, limit: 5},
	{name: "row ranges", ranges: []scan.RowRange{{Start: 1750, End: 1775}, {Start: 25, End: 1250}, {Start: 2990, End: 5000}}},
	{name: "sample", sample: &scan.Sample{Rows: 175, Seed: 3}},
}

// orderPlan builds scan -> [Filter] -> Project(_rowid, l_quantity) ->
// OrderedGather -> [Limit].
func orderPlan(t testing.TB, c orderCase, tab *storage.Table, st storage.Strategy, workers, batch int, mem memory.Allocator) Operator {
	t.Helper()
	spec := scan.Spec{Table: tab, Strategy: st, Columns: []int{0, 4}, RowID: true, Filter: c.pushed,
		Ranges: c.ranges, Sample: c.sample, Workers: workers, BatchSize: batch, ChunkBytes: 4096,
		Allocator: mem, Ordered: true}
	if !c.residual {
		spec.Limit = c.limit
	}
	sc, err := scan.New(spec)
	if err != nil {
		t.Fatal(err)
	}
	var op Operator = NewStreamSource(sc.Schema(), sc.Partitions(), sc.String(), sc.Execute)
	rowid := Col(2, "_rowid", arrow.PrimitiveTypes.Int64)
	if c.residual {
		seven, _ := Lit(int64(7), arrow.PrimitiveTypes.Int64)
		three, _ := Lit(int64(3), arrow.PrimitiveTypes.Int64)
		mod, err := NewBinary("%", rowid, seven)
		if err != nil {
			t.Fatal(err)
		}
		pred, err := NewBinary("=", mod, three)
		if err != nil {
			t.Fatal(err)
		}
		op = NewFilter(op, pred)
	}
	op = NewProject(op, []Expr{rowid, Col(1, "l_quantity", sc.Schema().Field(1).Type)}, []string{"_rowid", "l_quantity"})
	op = NewOrderedGather(op, 0)
	if c.limit > 0 {
		op = NewLimit(op, 0, c.limit)
	}
	return op
}

// runRowIDs executes op and returns the _rowid column.
func runRowIDs(t testing.TB, op Operator, mem memory.Allocator) ([]int64, error) {
	t.Helper()
	s, err := op.Execute(WithAllocator(context.Background(), mem), 0)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	var ids []int64
	for s.Next() {
		rec := s.Record()
		if rec.NumRows() == 0 {
			t.Fatal("a zero-row batch left the ordered gather")
		}
		ids = append(ids, rec.Column(0).(*array.Int64).Int64Values()...)
	}
	return ids, s.Err()
}

var allStrategies = []storage.Strategy{storage.Mmap, storage.Direct, storage.Buffered, storage.Auto}

func TestOrderedGatherFileOrder(t *testing.T) {
	noLeaks(t)
	for _, c := range orderCases {
		runs := c.runs
		if runs == 0 {
			runs = 5
		}
		if testing.Short() {
			runs = min(runs, 3)
		}
		t.Run(c.name, func(t *testing.T) {
			tab := orderTable(t, c.text)
			// The reference: every matching row, in file order, from one
			// worker (which reads the chunks in order) without a limit.
			full := c
			full.limit = 0
			want, err := runRowIDs(t, orderPlan(t, full, tab, storage.Buffered, 1, 1024, memory.DefaultAllocator), memory.DefaultAllocator)
			if err != nil {
				t.Fatal(err)
			}
			if len(want) == 0 || !slices.IsSorted(want) {
				t.Fatalf("reference has %d rows, sorted %v", len(want), slices.IsSorted(want))
			}
			if c.limit > 0 {
				want = want[:min(int64(len(want)), c.limit)]
			}
			for _, st := range allStrategies {
				for _, workers := range []int{2, 8} {
					for _, batch := range []int{1, 7, 1024} {
						mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
						op := orderPlan(t, c, tab, st, workers, batch, mem)
						for run := 0; run < runs; run++ {
							got, err := runRowIDs(t, op, mem)
							if err != nil {
								t.Fatalf("%s workers=%d batch=%d: %v", st, workers, batch, err)
							}
							if !slices.Equal(got, want) {
								t.Fatalf("%s workers=%d batch=%d run %d: %d rows, want %d in file order; first %v, want %v",
									st, workers, batch, run, len(got), len(want), got[:min(len(got), 8)], want[:min(len(want), 8)])
							}
						}
						mem.AssertSize(t, 0)
					}
				}
			}
		})
	}
}

// seqSource is a test operator shaped like an ordered scan: its
// partitions claim chunks from a shared cursor and emit each chunk as
// pieces tagged with its Seq (a zero-row marker for an empty chunk).
// Chunk 0 is held back until release is closed, to measure how far the
// other partitions get.
type seqSource struct {
	opBase
	schema  *arrow.Schema
	parts   int
	chunks  int
	pieces  func(chunk int) int // rows per chunk: one piece per row, 0 = marker
	next    atomic.Int64
	claimed atomic.Int64 // highest chunk claimed + 1
	release chan struct{}
	untag   bool // emit batches without tags
}

func (s *seqSource) Schema() *arrow.Schema { return s.schema }
func (s *seqSource) Children() []Operator  { return nil }
func (s *seqSource) Partitions() int       { return s.parts }
func (s *seqSource) String() string        { return "seqSource" }

func (s *seqSource) Execute(ctx context.Context, p int) (Stream, error) {
	return &seqStream{src: s, ctx: ctx, mem: allocator(ctx), chunk: -1}, nil
}

type seqStream struct {
	src   *seqSource
	ctx   context.Context
	mem   memory.Allocator
	chunk int
	piece int
	left  int // rows of the chunk still to emit; -1: its marker
	cur   arrow.Record
	seq   Seq
	err   error
}

func (s *seqStream) Schema() *arrow.Schema { return s.src.schema }
func (s *seqStream) Record() arrow.Record  { return s.cur }
func (s *seqStream) Err() error            { return s.err }
func (s *seqStream) Seq() (Seq, bool)      { return s.seq, !s.src.untag && s.cur != nil }

func (s *seqStream) Next() bool {
	if s.cur != nil {
		s.cur.Release()
		s.cur = nil
	}
	if s.err = s.ctx.Err(); s.err != nil {
		return false
	}
	if s.chunk < 0 || s.left == 0 {
		c := int(s.src.next.Add(1) - 1)
		if c >= s.src.chunks {
			return false
		}
		for {
			old := s.src.claimed.Load()
			if int64(c+1) <= old || s.src.claimed.CompareAndSwap(old, int64(c+1)) {
				break
			}
		}
		if c == 0 && s.src.release != nil {
			select {
			case <-s.src.release:
			case <-s.ctx.Done():
				s.err = s.ctx.Err()
				return false
			}
		}
		s.chunk, s.piece, s.left = c, 0, s.src.pieces(c)
		if s.left == 0 {
			s.left = -1
		}
	}
	b := array.NewInt64Builder(s.mem)
	defer b.Release()
	if s.left > 0 {
		b.Append(int64(s.chunk*1000 + s.piece))
		s.left--
	} else {
		s.left = 0
	}
	cols := []arrow.Array{b.NewArray()}
	s.cur = array.NewRecord(s.src.schema, cols, int64(cols[0].Len()))
	cols[0].Release()
	s.seq = Seq{Chunk: int64(s.chunk), Piece: int32(s.piece), Last: s.left == 0}
	s.piece++
	return true
}

func (s *seqStream) Close() {
	if s.cur != nil {
		s.cur.Release()
		s.cur = nil
	}
}

func newSeqSource(parts, chunks int, pieces func(int) int) *seqSource {
	return &seqSource{opBase: newBase(), schema: arrow.NewSchema([]arrow.Field{{Name: "v", Type: arrow.PrimitiveTypes.Int64}}, nil),
		parts: parts, chunks: chunks, pieces: pieces}
}

func drainInts(t *testing.T, op Operator, mem memory.Allocator) ([]int64, error) {
	t.Helper()
	s, err := op.Execute(WithAllocator(context.Background(), mem), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var out []int64
	for s.Next() {
		out = append(out, s.Record().Column(0).(*array.Int64).Int64Values()...)
	}
	return out, s.Err()
}

// TestOrderedGatherMarkersAndPieces: chunks of several pieces and empty
// chunks (markers) interleave across partitions; the output is in
// (chunk, piece) order without empty batches.
func TestOrderedGatherMarkersAndPieces(t *testing.T) {
	noLeaks(t)
	pieces := func(c int) int { return (c * 7) % 4 } // 0 (marker), 3, 2, 1, ...
	var want []int64
	for c := 0; c < 200; c++ {
		for p := 0; p < pieces(c); p++ {
			want = append(want, int64(c*1000+p))
		}
	}
	for _, window := range []int{1, 2, 5, 0} {
		for _, parts := range []int{1, 2, 8} {
			mem := checkedMem(t)
			got, err := drainInts(t, NewOrderedGather(newSeqSource(parts, 200, pieces), window), mem)
			if err != nil || !slices.Equal(got, want) {
				t.Fatalf("window %d, %d partitions: err %v, got %d values (first %v), want %d", window, parts, err, len(got), got[:min(len(got), 6)], len(want))
			}
		}
	}
}

// TestOrderedGatherWindowBoundsClaims: while chunk 0 is held back, the
// other partitions stop claiming once they are a window ahead: at most
// window + partitions chunks are ever claimed (each blocked partition
// holds one chunk it could not hand over).
func TestOrderedGatherWindowBoundsClaims(t *testing.T) {
	noLeaks(t)
	const parts, window = 4, 3
	src := newSeqSource(parts, 1000, func(int) int { return 2 })
	src.release = make(chan struct{})
	mem := checkedMem(t)
	done := make(chan []int64)
	go func() {
		got, _ := drainInts(t, NewOrderedGather(src, window), mem)
		done <- got
	}()
	deadline := time.Now().Add(5 * time.Second)
	for src.claimed.Load() < window && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // let the partitions run as far as they can
	if n := src.claimed.Load(); n > window+parts {
		t.Errorf("%d chunks claimed while chunk 0 is unfinished; the window allows %d", n, window+parts)
	}
	close(src.release)
	got := <-done
	if len(got) != 2000 || !slices.IsSorted(got) {
		t.Fatalf("got %d values, sorted %v", len(got), slices.IsSorted(got))
	}
}

// TestOrderedGatherUntagged: several partitions without tags cannot be
// ordered: an internal error, not a wrong order.
func TestOrderedGatherUntagged(t *testing.T) {
	noLeaks(t)
	src := newSeqSource(3, 20, func(int) int { return 1 })
	src.untag = true
	_, err := drainInts(t, NewOrderedGather(src, 4), checkedMem(t))
	if err == nil || !strings.Contains(err.Error(), "internal error") || !strings.Contains(err.Error(), "order tag") {
		t.Fatalf("err = %v, want an internal error about order tags", err)
	}
}

// TestOrderedGatherCancelAndEarlyClose: closing the stream early (a
// LIMIT) or cancelling mid-way stops every partition and frees every
// buffered batch.
func TestOrderedGatherCancelAndEarlyClose(t *testing.T) {
	noLeaks(t)
	tab := orderTable(t, false)
	for _, st := range allStrategies {
		mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
		op := orderPlan(t, orderCase{residual: true}, tab, st, 4, 7, mem)
		ctx, cancel := context.WithCancel(WithAllocator(context.Background(), mem))
		s, err := op.Execute(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3 && s.Next(); i++ {
		}
		cancel()
		for s.Next() {
		}
		if !errors.Is(s.Err(), context.Canceled) {
			t.Errorf("%s: err %v, want context.Canceled", st, s.Err())
		}
		s.Close()
		mem.AssertSize(t, 0)
	}
}

// TestWorkerPanicBecomesInternalError: a panic inside a scan worker (the
// seam in internal/testhook) under every gather shape and strategy is the
// stream's *InternalError with the stack; nothing leaks; the next run of
// the same plan succeeds.
func TestWorkerPanicBecomesInternalError(t *testing.T) {
	noLeaks(t)
	tab := orderTable(t, false)
	type shape struct {
		name  string
		build func(Operator) Operator
	}
	shapes := []shape{
		{"gather", func(op Operator) Operator { return NewGather(op) }},
		{"ordered gather", func(op Operator) Operator { return NewOrderedGather(op, 0) }},
		{"aggregate", func(op Operator) Operator {
			return NewAggregate(op, nil, nil, []AggCall{{Name: "count"}}, []string{"n"}, nil)
		}},
	}
	sites := []struct {
		site string
		st   storage.Strategy
	}{{"scan.chunk", storage.Mmap}, {"scan.chunk", storage.Buffered}, {"scan.readahead", storage.Direct}}
	for _, sh := range shapes {
		for _, s := range sites {
			name := fmt.Sprintf("%s/%s/%s", sh.name, s.site, s.st)
			mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
			sc, err := scan.New(scan.Spec{Table: tab, Strategy: s.st, Columns: []int{0}, Workers: 3, ChunkBytes: 8192,
				Allocator: mem, Ordered: sh.name == "ordered gather"})
			if err != nil {
				t.Fatal(err)
			}
			op := sh.build(NewStreamSource(sc.Schema(), sc.Partitions(), sc.String(), sc.Execute))
			restore := testhook.Set(testhook.PanicAt(s.site, "injected worker bug", 1))
			_, err = runRowsCount(op, mem)
			restore()
			var ie *InternalError
			if !errors.As(err, &ie) {
				t.Fatalf("%s: err = %v, want *InternalError", name, err)
			}
			if ie.Value != "injected worker bug" || len(ie.Stack) == 0 ||
				ie.Error() != "internal error: injected worker bug (please report this with the statement)" {
				t.Fatalf("%s: %q value %v, %d stack bytes", name, ie.Error(), ie.Value, len(ie.Stack))
			}
			if n, err := runRowsCount(op, mem); err != nil || n == 0 {
				t.Fatalf("%s: the run after the panic: %d rows, %v", name, n, err)
			}
			mem.AssertSize(t, 0)
		}
	}
}

func runRowsCount(op Operator, mem memory.Allocator) (int64, error) {
	s, err := op.Execute(WithAllocator(context.Background(), mem), 0)
	if err != nil {
		return 0, err
	}
	defer s.Close()
	var n int64
	for s.Next() {
		n += s.Record().NumRows()
	}
	return n, s.Err()
}
