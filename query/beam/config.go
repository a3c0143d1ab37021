package recqbeam

import (
	"context"
	"fmt"
	"sync"

	"github.com/recq/recq/query"
)

// Config says where the tables are and how to cut and merge the query.
type Config struct {
	// DataDir is the data directory, as `recq --data`: its files are
	// tables by name, its sub-directories tables of many files. It must be
	// the same path, holding the same files, on every worker.
	DataDir string `json:"data_dir"`
	// Settings are session settings (as SET name = value) for planning;
	// those that matter to a leaf (batch_size, memory_limit,
	// verify_checksums) travel with the plan to the workers.
	Settings map[string]string `json:"settings,omitempty"`
	// SplitBytes is the target size of a split (default 64 MiB).
	SplitBytes int64 `json:"split_bytes,omitempty"`
	// BroadcastLimit caps the bytes of the small tables of a join, which
	// every leaf reads whole (default 64 MiB).
	BroadcastLimit int64 `json:"broadcast_limit,omitempty"`
	// Buckets is how many hash buckets of the group keys the partial
	// aggregates are merged in, in parallel (default 16).
	Buckets int `json:"buckets,omitempty"`
	// SplitsPerRestriction is how many splits each initial restriction of
	// the read holds (default 1: a restriction per split); the runner may
	// cut restrictions further while they run.
	SplitsPerRestriction int64 `json:"splits_per_restriction,omitempty"`
}

func (c Config) buckets() int {
	if c.Buckets <= 0 {
		return 16
	}
	return c.Buckets
}

func (c Config) distributeOptions() query.DistributeOptions {
	return query.DistributeOptions{SplitBytes: c.SplitBytes, BroadcastLimit: c.BroadcastLimit}
}

// Engines and plans are opened once per worker process and kept: workers
// run many bundles of the same pipeline.
var cache struct {
	mu      sync.Mutex
	engines map[string]*query.Engine
	plans   map[string]*query.DistributedPlan
}

// engine is the process's engine over dir.
func engine(dir string) (*query.Engine, error) {
	cache.mu.Lock()
	defer cache.mu.Unlock()
	if e, ok := cache.engines[dir]; ok {
		return e, nil
	}
	e, err := query.Open(query.Options{DataDir: dir})
	if err != nil {
		return nil, fmt.Errorf("recqbeam: opening data directory %s: %w", dir, err)
	}
	if cache.engines == nil {
		cache.engines = map[string]*query.Engine{}
		cache.plans = map[string]*query.DistributedPlan{}
	}
	cache.engines[dir] = e
	return e, nil
}

// loadPlan re-plans an encoded plan on this worker (once per process),
// checking its fingerprint against the files here.
func loadPlan(ctx context.Context, dir string, encoded []byte) (*query.DistributedPlan, error) {
	e, err := engine(dir)
	if err != nil {
		return nil, err
	}
	key := dir + "\x00" + string(encoded)
	cache.mu.Lock()
	p, ok := cache.plans[key]
	cache.mu.Unlock()
	if ok {
		return p, nil
	}
	p, err = e.LoadDistributed(ctx, encoded)
	if err != nil {
		return nil, fmt.Errorf("recqbeam: on a worker, data directory %s: %w", dir, err)
	}
	cache.mu.Lock()
	cache.plans[key] = p
	cache.mu.Unlock()
	return p, nil
}

// plan plans sql where the pipeline is built.
func plan(ctx context.Context, sql string, cfg Config) (*query.DistributedPlan, error) {
	if cfg.DataDir == "" {
		return nil, fmt.Errorf("recqbeam: Config.DataDir is empty: name the directory of the tables")
	}
	e, err := engine(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	s := e.NewSession()
	for name, v := range cfg.Settings {
		if err := s.Set(name, v); err != nil {
			return nil, fmt.Errorf("recqbeam: setting %s: %w", name, err)
		}
	}
	p, err := s.PlanDistributed(ctx, sql, cfg.distributeOptions())
	if err != nil {
		return nil, fmt.Errorf("recqbeam: %w", err)
	}
	return p, nil
}
