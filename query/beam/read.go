package recqbeam

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/util"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/sdf"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/rtrackers/offsetrange"
	"github.com/recq/recq/query"
)

// splitsFn lists the splits of a plan on a worker: its one output element
// (a task) is the JSON list of splits that the read's restriction indexes.
// No splits (everything pruned) gives no task.
type splitsFn struct {
	DataDir string `json:"data_dir"`
	Plan    []byte `json:"plan"`
}

func (fn *splitsFn) ProcessElement(ctx context.Context, _ []byte, emit func([]byte)) error {
	p, err := loadPlan(ctx, fn.DataDir, fn.Plan)
	if err != nil {
		return err
	}
	splits, err := p.Splits(ctx)
	if err != nil {
		return fmt.Errorf("recqbeam: listing splits: %w", err)
	}
	if len(splits) == 0 {
		return nil
	}
	task, err := json.Marshal(splits)
	if err != nil {
		return fmt.Errorf("recqbeam: encoding splits: %w", err)
	}
	emit(task)
	return nil
}

func decodeTask(task []byte) ([]query.Split, error) {
	var splits []query.Split
	if err := json.Unmarshal(task, &splits); err != nil {
		return nil, fmt.Errorf("recqbeam: decoding a task of splits: %w", err)
	}
	return splits, nil
}

// readFn is the splittable read: it runs the leaf fragment on each split
// its restriction claims and emits the leaf's batches as prefixed Arrow
// IPC blobs keyed by bucket (a hash of the group keys, or 0).
//
// The restriction is an offset range over split indices. A position is a
// whole split: the runner may cut the range at any position (the offset
// range tracker's TrySplit cuts at the last claimed position plus a
// fraction of the rest), and each split is still read exactly once.
type readFn struct {
	DataDir              string `json:"data_dir"`
	Plan                 []byte `json:"plan"`
	Buckets              int    `json:"buckets"`
	SplitsPerRestriction int64  `json:"splits_per_restriction"`
}

// CreateInitialRestriction covers all the task's splits.
func (fn *readFn) CreateInitialRestriction(task []byte) offsetrange.Restriction {
	splits, err := decodeTask(task)
	if err != nil {
		panic(err) // the task was encoded by splitsFn in the same pipeline
	}
	return offsetrange.Restriction{Start: 0, End: int64(len(splits))}
}

// SplitRestriction cuts the initial restriction into restrictions of
// SplitsPerRestriction splits (default 1).
func (fn *readFn) SplitRestriction(_ []byte, rest offsetrange.Restriction) []offsetrange.Restriction {
	return rest.SizedSplits(max(fn.SplitsPerRestriction, 1))
}

// RestrictionSize is the number of splits.
func (fn *readFn) RestrictionSize(_ []byte, rest offsetrange.Restriction) float64 {
	return rest.Size()
}

// CreateTracker tracks a restriction with a thread-safe offset range
// tracker (the runner splits it while ProcessElement runs).
func (fn *readFn) CreateTracker(rest offsetrange.Restriction) *sdf.LockRTracker {
	return sdf.NewLockRTracker(offsetrange.NewTracker(rest))
}

// Test hooks: beforeSplit, when set, runs before each claimed split is
// read (a slowed-down source makes the runner split restrictions);
// restrictions counts ProcessElement calls.
var (
	beforeSplit  func(split int64)
	restrictions atomic.Int64
)

// ProcessElement reads the splits the tracker lets it claim.
func (fn *readFn) ProcessElement(ctx context.Context, rt *sdf.LockRTracker, task []byte, emit func(int, []byte)) error {
	p, err := loadPlan(ctx, fn.DataDir, fn.Plan)
	if err != nil {
		return err
	}
	splits, err := decodeTask(task)
	if err != nil {
		return err
	}
	restrictions.Add(1)
	rest := rt.GetRestriction().(offsetrange.Restriction)
	for i := rest.Start; rt.TryClaim(i); i++ {
		if i < 0 || i >= int64(len(splits)) {
			return fmt.Errorf("recqbeam: restriction position %d outside the task's %d splits", i, len(splits))
		}
		if beforeSplit != nil {
			beforeSplit(i)
		}
		if err := fn.leaf(ctx, p, i, splits[i], emit); err != nil {
			return err
		}
	}
	return nil
}

// blobBytes is about how many bytes of batches a blob holds at most.
const blobBytes = 16 << 20

// leaf runs the leaf fragment on split sp (index i) and emits its batches
// per bucket, a blob per bucket at the end of the split (or whenever a
// bucket has blobBytes).
func (fn *readFn) leaf(ctx context.Context, p *query.DistributedPlan, i int64, sp query.Split, emit func(int, []byte)) error {
	res, err := p.Leaf(ctx, sp)
	if err != nil {
		return fmt.Errorf("recqbeam: split %s: %w", sp, err)
	}
	defer res.Close()
	n := max(fn.Buckets, 1)
	pending := make([][]arrow.Record, n)
	size := make([]int64, n)
	defer func() {
		for _, recs := range pending {
			for _, r := range recs {
				r.Release()
			}
		}
	}()
	part := 0
	flush := func(b int) error {
		blob, err := encodeIPC(orderPrefix(i, part), res.Schema(), pending[b])
		if err != nil {
			return err
		}
		for _, r := range pending[b] {
			r.Release()
		}
		pending[b], size[b] = nil, 0
		part++
		emit(b, blob)
		return nil
	}
	add := func(b int, r arrow.Record) error {
		pending[b] = append(pending[b], r)
		size[b] += util.TotalRecordSize(r)
		if size[b] >= blobBytes {
			return flush(b)
		}
		return nil
	}
	for res.Next() {
		rec := res.Record()
		if rec.NumRows() == 0 {
			continue
		}
		if n == 1 {
			rec.Retain()
			if err := add(0, rec); err != nil {
				return err
			}
			continue
		}
		parts, err := p.Partition(rec, n)
		if err != nil {
			return fmt.Errorf("recqbeam: split %s: %w", sp, err)
		}
		for b, r := range parts {
			if r == nil {
				continue
			}
			if err := add(b, r); err != nil {
				for _, o := range parts[b+1:] {
					if o != nil {
						o.Release()
					}
				}
				return err
			}
		}
	}
	if err := res.Err(); err != nil {
		return fmt.Errorf("recqbeam: split %s: %w", sp, err)
	}
	for b := range pending {
		if len(pending[b]) > 0 {
			if err := flush(b); err != nil {
				return err
			}
		}
	}
	return nil
}
