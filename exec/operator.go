package exec

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/recq/recq/scan"
)

// Stream is one partition's pull-based stream of batches; see scan.Stream
// for the full contract (Record valid until the next Next or Close, Close
// idempotent and required, cancellation reported as the context's error).
type Stream = scan.Stream

// Seq places a batch of an ordered scan in file order; see scan.Seq.
type Seq = scan.Seq

// Sequenced is implemented by streams whose batches may carry a Seq.
// Operators that map one input batch to one output batch (Filter,
// Project, and the instrumentation around every stream) pass the tags
// through, including the zero-row markers of chunks that kept no rows,
// so NewOrderedGather can restore file order above them.
type Sequenced = scan.Sequenced

// InternalError is a panic inside a worker (a bug), recovered and
// returned as the query's error; see scan.InternalError.
type InternalError = scan.InternalError

// Operator is an immutable physical plan node (DataFusion's ExecutionPlan).
//
// An Operator knows its output schema, its children and how many output
// partitions it has. Execute(ctx, p) returns a fresh Stream for partition
// p (0 <= p < Partitions()) and does no work until the first Next; all
// run-time state lives in the stream, so one Operator may be executed any
// number of times, concurrently, for different partitions. Cancelling ctx
// stops the stream's work: its Next returns false and Err reports the
// context's error. Closing a stream stops every goroutine it started and
// releases every buffer it holds. Operators are safe for concurrent use.
type Operator interface {
	Schema() *arrow.Schema
	Children() []Operator
	Partitions() int
	Execute(ctx context.Context, partition int) (Stream, error)
	// String is one line for EXPLAIN, e.g. "Filter: l_quantity < 24".
	String() string
}

// ExecutionState is implemented by operators that hold state shared by
// the partitions of one execution (a join's build side). EndExecution,
// called once the plan's output stream is closed, releases what the
// execution left: partitions that open late, after the others abandoned
// the execution, can otherwise hold it forever.
type ExecutionState interface {
	EndExecution()
}

// opMetrics are an operator's run-time counters, summed over partitions
// and executions.
type opMetrics struct {
	rows    atomic.Int64
	batches atomic.Int64
	nanos   atomic.Int64
	peakMem atomic.Int64 // aggregation/sort state, bytes
	groups  atomic.Int64 // aggregation groups
}

func (m *opMetrics) notePeak(n int64) {
	for {
		p := m.peakMem.Load()
		if n <= p || m.peakMem.CompareAndSwap(p, n) {
			return
		}
	}
}

// metered is implemented by every exec operator.
type metered interface {
	metrics() *opMetrics
}

// opBase holds what every operator has: its metrics.
type opBase struct {
	m *opMetrics
}

func newBase() opBase { return opBase{m: &opMetrics{}} }

func (b opBase) metrics() *opMetrics { return b.m }

// timed wraps a stream to count its output rows, batches and the time spent
// in Next and Close (including the time of the operators below).
type timed struct {
	s Stream
	m *opMetrics
}

func instrument(s Stream, m *opMetrics) Stream { return &timed{s: s, m: m} }

func (t *timed) Schema() *arrow.Schema { return t.s.Schema() }
func (t *timed) Record() arrow.Record  { return t.s.Record() }
func (t *timed) Err() error            { return t.s.Err() }
func (t *timed) Seq() (Seq, bool)      { return scan.SeqOf(t.s) }

func (t *timed) Next() bool {
	start := time.Now()
	ok := t.s.Next()
	t.m.nanos.Add(int64(time.Since(start)))
	if ok {
		t.m.batches.Add(1)
		t.m.rows.Add(t.s.Record().NumRows())
	}
	return ok
}

func (t *timed) Close() {
	start := time.Now()
	t.s.Close()
	t.m.nanos.Add(int64(time.Since(start)))
}

// OperatorMetrics is one operator's line in EXPLAIN ANALYZE.
type OperatorMetrics struct {
	Depth      int    // 0 for the root
	Name       string // the operator's String()
	Partitions int
	Rows       int64 // rows output, all partitions
	Batches    int64
	// Time is spent inside this operator's streams (Next and Close) summed
	// over partitions, including its children; SelfTime excludes the
	// children's Time (never below zero). Operators that run their children
	// in goroutines (Gather, Aggregate, Sort, TopN) count their own wall
	// time, so SelfTime there is approximate.
	Time, SelfTime time.Duration
	PeakMemory     int64 // bytes of aggregation/sort state at the peak
	Groups         int64 // aggregation groups produced
	HasMetrics     bool  // false for operators defined outside exec
}

// CollectMetrics walks the plan in pre-order and returns each operator's
// counters. Call it after the streams were drained and closed.
func CollectMetrics(op Operator) []OperatorMetrics {
	var out []OperatorMetrics
	var walk func(op Operator, depth int) time.Duration
	walk = func(op Operator, depth int) time.Duration {
		i := len(out)
		out = append(out, OperatorMetrics{Depth: depth, Name: op.String(), Partitions: op.Partitions()})
		var own time.Duration
		if m, ok := op.(metered); ok && m.metrics() != nil {
			mm := m.metrics()
			out[i].HasMetrics = true
			out[i].Rows = mm.rows.Load()
			out[i].Batches = mm.batches.Load()
			own = time.Duration(mm.nanos.Load())
			out[i].Time = own
			out[i].PeakMemory = mm.peakMem.Load()
			out[i].Groups = mm.groups.Load()
		}
		var kids time.Duration
		for _, c := range op.Children() {
			kids += walk(c, depth+1)
		}
		out[i].SelfTime = max(own-kids, 0)
		return own
	}
	walk(op, 0)
	return out
}

// Explain renders the plan as an indented tree, one operator per line with
// its partition count.
func Explain(op Operator) string {
	var b strings.Builder
	var walk func(op Operator, depth int)
	walk = func(op Operator, depth int) {
		fmt.Fprintf(&b, "%s%s [partitions=%d]\n", strings.Repeat("  ", depth), op.String(), op.Partitions())
		for _, c := range op.Children() {
			walk(c, depth+1)
		}
	}
	walk(op, 0)
	return b.String()
}

// ExplainAnalyze renders the plan with the counters collected while it ran:
// rows, batches, time (self time in parentheses) and, for aggregation and
// sort, groups and peak state memory.
func ExplainAnalyze(op Operator) string {
	var b strings.Builder
	for _, m := range CollectMetrics(op) {
		fmt.Fprintf(&b, "%s%s [partitions=%d]", strings.Repeat("  ", m.Depth), m.Name, m.Partitions)
		if m.HasMetrics {
			fmt.Fprintf(&b, " rows=%d batches=%d time=%s (self %s)", m.Rows, m.Batches, roundDur(m.Time), roundDur(m.SelfTime))
			if m.Groups > 0 {
				fmt.Fprintf(&b, " groups=%d", m.Groups)
			}
			if m.PeakMemory > 0 {
				fmt.Fprintf(&b, " memory=%s", formatBytes(m.PeakMemory))
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func roundDur(d time.Duration) time.Duration {
	switch {
	case d > time.Second:
		return d.Round(time.Millisecond)
	case d > time.Millisecond:
		return d.Round(time.Microsecond)
	}
	return d
}

// checkPartition validates a partition number.
func checkPartition(op Operator, p int) error {
	if p < 0 || p >= op.Partitions() {
		return fmt.Errorf("internal error: %s has %d partitions, asked for partition %d", op.String(), op.Partitions(), p)
	}
	return nil
}
