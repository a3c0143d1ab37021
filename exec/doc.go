// Package exec holds recq's physical operators and physical expressions.
// Everything here works on whole Arrow record batches: kernels loop over
// typed slices, never over boxed values.
//
//	            query (binder, planner)
//	                | builds
//	                v
//	Operator tree (the plan; N partitions per node)
//	                | Execute(ctx, partition)
//	                v
//	Stream per partition (pull: Next / Record / Err / Close)
//
//	scan ──> Filter ──> Project ──> Aggregate(partial per partition ──> merge ──> final)
//	                                    └──> Window ──> Sort / TopN ──> Limit ──> consumer
//	                    Gather: the one place N partitions become one
//	probe partitions ──> HashJoin / NestedLoopJoin <── build side (read once, shared)
//
// Operators (op_*.go) are plans: what they compute is fixed when they are
// built, and Execute returns a fresh Stream that holds the state of that
// execution and does no work until its first Next. Streams follow
// scan.Stream's contract. Two kinds of state do live in the operators and
// make a tree one query's: metrics, accumulated over every execution for
// ExplainAnalyze (atomic counters), and the scan's current run at the
// leaves (scan.Scan: the partitions executed since the last run was fully
// claimed share one chunk cursor, open file and limit). So one tree's
// partitions must be executed as one run, and two queries need two trees. Operators that end parallelism (Gather,
// Aggregate, Sort, TopN, Limit over many partitions) run each child
// partition in its own goroutine, stop everything on the first error or on
// context cancellation, and leave no goroutine behind after Close.
//
// Expressions (expr_*.go, func_*.go) are typed trees built by the
// constructors NewBinary, NewCall, NewCast, ... which check types, insert
// implicit casts and return plain-sentence errors for the binder to show.
// Eval evaluates over a whole batch and returns a new array.
//
// Filters pass a selection vector (row indexes) to the operators above them
// inside exec; a batch leaves exec compacted. Expressions evaluated under a
// selection compute every row (cheap, branch-free loops) but report errors
// (overflow, bad casts) only for selected rows, so a row removed by WHERE
// never raises an error.
//
// Aggregates (agg_*.go) keep per-group state in typed slices indexed by a
// dense group id assigned by the hash table (hashtable.go); partial states
// are merged by group id mapping. While a partition's keys arrive in
// ascending runs (input clustered by the keys), its table assigns ids
// without hashing (hashtable_runs.go); keys too wide to pack whose first
// column is an integer that decides the rest (an id and its attributes)
// are found by that column alone (hashtable_lead.go). Memory used by
// aggregation and sort state is reserved from a Budget.
//
// Joins (op_hashjoin.go, op_nljoin.go, join_*.go) read their build side
// (HashJoin's Build, NestedLoopJoin's right input) once per execution, in
// full, all partitions in parallel, into one structure every probe
// partition shares (DataFusion's CollectLeft): the first probe batch of
// any partition starts the build (a join with key sinks builds before it
// reads a probe batch), the other partitions wait for it, a
// build error reaches all of them, and the last probe stream to close
// frees it. HashJoin keys the build rows and keeps each key's rows
// together, in input order, in flat arrays. Keys that pack into 64 bits
// are indexed in parallel (join_parttable.go): the rows are
// radix-partitioned by the top bits of the key's hash and each partition's
// range of one slot array is filled by one of as many goroutines as the
// join has partitions;
// other keys go into one aggregate group table. A probe batch is
// looked up all at once and its output gathered from the probe batch and
// the build batches, at most joinChunkPairs rows per output batch. Inner,
// Left, Right, Full, Semi, Anti, NullAwareAnti (NOT IN), Single (scalar
// subqueries) and Mark (IN as a value) joins share one probe loop. Right
// and Full joins emit the unmatched build rows from the probe stream that
// finishes last, so one operator instance must not run twice at once.
// A join that drops unmatched probe rows can hand its build keys to
// KeySinks (join_keysink.go) as soon as the build side is read: the scan
// under the probe side then skips records no build row can match.
// Union concatenates partitions; SetOp (INTERSECT, EXCEPT, with or
// without ALL) counts each distinct left row on both sides in a group
// table. Build sides and set operation tables are charged to the Budget.
//
// Windows (op_window.go, window_*.go) collect their input once per
// execution, shared by their output partitions like a build side: with
// PARTITION BY each row goes to the output partition its keys hash to,
// which sorts its rows and computes each window partition with kernels
// (ranking, values, aggregates over frames from prefix sums and segment
// trees). A window already in order (ORDER BY _rowid over an ordered scan)
// whose frames reach a bounded number of rows streams instead, batch by
// batch (window_stream.go, window_slide.go).
//
// Memory: every buffer exec allocates comes from the allocator in the
// context (WithAllocator; memory.DefaultAllocator otherwise). Streams that
// evaluate expressions batch after batch recycle buffers through a pool of
// their own, returned when the stream closes.
//
// Metrics: every operator counts output rows, batches and time; see
// ExplainAnalyze and CollectMetrics.
package exec
