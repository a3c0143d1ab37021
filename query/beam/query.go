package recqbeam

import (
	"context"
	"fmt"

	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/sdf"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/recq/recq/query"
)

func init() {
	register.DoFn3x1[context.Context, []byte, func([]byte), error](&splitsFn{})
	register.DoFn4x1[context.Context, *sdf.LockRTracker, []byte, func(int, []byte), error](&readFn{})
	register.DoFn4x1[context.Context, int, func(*[]byte) bool, func([]byte), error](&mergeFn{})
	register.DoFn4x1[context.Context, int, func(*[]byte) bool, func([]byte), error](&finishFn{})
	register.DoFn2x0[[]byte, func([]byte)](&schemaSeedFn{})
	register.DoFn3x1[context.Context, int, func(*[]byte) bool, error](&writeFn{})
	register.Function2x0(seedBucket0)
	register.Function2x1(stripPrefix)
	register.Emitter1[[]byte]()
	register.Emitter2[int, []byte]()
	register.Iter1[[]byte]()
}

// Query runs a SELECT over the tables of cfg.DataDir and returns its
// result as a PCollection of []byte, each an Arrow IPC stream. It panics
// when the query cannot be planned or does not decompose into splits (as
// beam.ParDo panics on a bad DoFn); TryQuery returns the error instead.
func Query(s beam.Scope, sql string, cfg Config) beam.PCollection {
	col, err := TryQuery(s, sql, cfg)
	if err != nil {
		panic(err)
	}
	return col
}

// TryQuery is Query returning planning errors: a query that does not
// decompose is an error that errors.Is(err, query.ErrNotDistributable),
// saying why.
//
// The query is planned where the pipeline is built (which must see the
// files); workers re-plan it from its text and refuse it if their files
// differ (the plan's fingerprint). Rows of a query without ORDER BY come
// in no particular order; with ORDER BY (or LIMIT) the result is one
// element.
func TryQuery(s beam.Scope, sql string, cfg Config) (beam.PCollection, error) {
	s = s.Scope("recqbeam.Query")
	p, err := plan(context.Background(), sql, cfg)
	if err != nil {
		return beam.PCollection{}, err
	}
	enc, err := p.MarshalBinary()
	if err != nil {
		return beam.PCollection{}, fmt.Errorf("recqbeam: encoding the plan: %w", err)
	}
	imp := beam.Impulse(s)
	tasks := beam.ParDo(s, &splitsFn{DataDir: cfg.DataDir, Plan: enc}, imp)
	leaves := beam.ParDo(s, &readFn{DataDir: cfg.DataDir, Plan: enc, Buckets: p.Buckets(cfg.buckets()),
		SplitsPerRestriction: cfg.SplitsPerRestriction}, tasks)
	if p.LeavesFinal() {
		// A scan with filters and projections: the leaves' rows are the
		// result. An empty batch carries the schema when no split has rows.
		empty, err := encodeIPC(nil, p.GroupSchema(), nil)
		if err != nil {
			return beam.PCollection{}, err
		}
		seed := beam.ParDo(s, &schemaSeedFn{Schema: empty}, imp)
		return beam.Flatten(s, beam.ParDo(s, stripPrefix, leaves), seed), nil
	}
	// Bucket 0 always gets a merge, so a global aggregate over no rows
	// still has its row and a finish step its input.
	seed := beam.ParDo(s, seedBucket0, imp)
	grouped := beam.GroupByKey(s, beam.Flatten(s, leaves, seed))
	merged := beam.ParDo(s, &mergeFn{DataDir: cfg.DataDir, Plan: enc, Finish: p.NeedsFinish()}, grouped)
	if !p.NeedsFinish() {
		return merged, nil
	}
	one := beam.GroupByKey(s, beam.AddFixedKey(s, merged))
	return beam.ParDo(s, &finishFn{DataDir: cfg.DataDir, Plan: enc}, one), nil
}

// Read reads a whole table (a name of cfg.DataDir, or a quoted path or
// glob as after FROM) as a PCollection of Arrow IPC streams: the
// splittable source of Query, without a merge.
func Read(s beam.Scope, table string, cfg Config) beam.PCollection {
	s = s.Scope("recqbeam.Read")
	return Query(s, "SELECT * FROM "+table, cfg)
}

func seedBucket0(_ []byte, emit func(int, []byte)) { emit(0, orderPrefix(-1, 0)) }

func stripPrefix(_ int, blob []byte) []byte { return blob[prefixLen:] }

// schemaSeedFn emits one empty IPC stream (the result's schema).
type schemaSeedFn struct {
	Schema []byte `json:"schema"`
}

func (fn *schemaSeedFn) ProcessElement(_ []byte, emit func([]byte)) { emit(fn.Schema) }

// mergeFn merges one bucket's partial states into the final rows of its
// groups (MergeGroups). With a finish step to come, its output keeps an
// order prefix (the bucket) and is emitted even when empty.
type mergeFn struct {
	DataDir string `json:"data_dir"`
	Plan    []byte `json:"plan"`
	Finish  bool   `json:"finish"`
}

func (fn *mergeFn) ProcessElement(ctx context.Context, bucket int, iter func(*[]byte) bool, emit func([]byte)) error {
	p, rs, err := planAndInputs(ctx, fn.DataDir, fn.Plan, iter)
	if err != nil {
		return err
	}
	res, err := p.MergeGroups(ctx, rs)
	if err != nil {
		return fmt.Errorf("recqbeam: merging bucket %d: %w", bucket, err)
	}
	defer res.Close()
	var prefix []byte
	if fn.Finish {
		prefix = orderPrefix(int64(bucket), 0)
	}
	blob, rows, err := encodeCounted(prefix, res)
	if err != nil {
		return fmt.Errorf("recqbeam: merging bucket %d: %w", bucket, err)
	}
	if rows > 0 || fn.Finish || bucket == 0 {
		emit(blob)
	}
	return nil
}

// finishFn runs ORDER BY and LIMIT over all the buckets' rows, on one key.
type finishFn struct {
	DataDir string `json:"data_dir"`
	Plan    []byte `json:"plan"`
}

func (fn *finishFn) ProcessElement(ctx context.Context, _ int, iter func(*[]byte) bool, emit func([]byte)) error {
	p, rs, err := planAndInputs(ctx, fn.DataDir, fn.Plan, iter)
	if err != nil {
		return err
	}
	res, err := p.Finish(ctx, rs)
	if err != nil {
		return fmt.Errorf("recqbeam: ORDER BY / LIMIT step: %w", err)
	}
	defer res.Close()
	blob, _, err := encodeCounted(nil, res)
	if err != nil {
		return fmt.Errorf("recqbeam: ORDER BY / LIMIT step: %w", err)
	}
	emit(blob)
	return nil
}

// planAndInputs loads the plan a step runs and opens the blobs of its key
// as record readers, in split order.
func planAndInputs(ctx context.Context, dir string, plan []byte, iter func(*[]byte) bool) (*query.DistributedPlan, []array.RecordReader, error) {
	p, err := loadPlan(ctx, dir, plan)
	if err != nil {
		return nil, nil, err
	}
	rs, err := readers(collect(iter))
	return p, rs, err
}

func collect(iter func(*[]byte) bool) [][]byte {
	var out [][]byte
	var b []byte
	for iter(&b) {
		out = append(out, b)
	}
	return out
}

// encodeCounted is encodeResult that also counts the rows.
func encodeCounted(prefix []byte, res *query.Result) ([]byte, int64, error) {
	c := &countingReader{Result: res}
	blob, err := encodeResult(prefix, c)
	return blob, c.rows, err
}

type countingReader struct {
	*query.Result
	rows int64
}

func (c *countingReader) Next() bool {
	if !c.Result.Next() {
		return false
	}
	c.rows += c.Result.Record().NumRows()
	return true
}
