package query

import (
	"context"
	"encoding/json"
	"fmt"
)

// Encoding a distributed plan for remote workers: the SQL and what a
// worker needs to re-plan it identically.

// planSpec is the encoded form of a distributed plan.
type planSpec struct {
	Version        int               `json:"v"`
	SQL            string            `json:"sql"`
	Settings       map[string]string `json:"settings,omitempty"`
	BroadcastLimit int64             `json:"broadcast_limit"`
	SplitBytes     int64             `json:"split_bytes"`
	Fingerprint    string            `json:"fingerprint"`
}

// planSettings are the settings a worker takes from the coordinator (the
// others, such as workers and io, are the worker's own business).
var planSettings = []string{"batch_size", "memory_limit", "verify_checksums"}

// MarshalBinary encodes the plan for remote workers (as JSON: the SQL, the
// settings that matter and the fingerprint); see Engine.LoadDistributed.
func (p *DistributedPlan) MarshalBinary() ([]byte, error) {
	spec := planSpec{Version: DistributedPlanVersion, SQL: p.sql, Settings: map[string]string{},
		BroadcastLimit: p.opts.BroadcastLimit, SplitBytes: p.opts.SplitBytes, Fingerprint: p.finger}
	for _, name := range planSettings {
		v, err := p.settings.Get(name)
		if err != nil {
			return nil, err
		}
		spec.Settings[name] = v
	}
	return json.Marshal(spec)
}

// LoadDistributed re-plans an encoded distributed plan on a worker, which
// must see the same tables (the same files under the same names): the
// plan's fingerprint must match, or the worker refuses it.
func (e *Engine) LoadDistributed(ctx context.Context, data []byte) (*DistributedPlan, error) {
	var spec planSpec
	if err := json.Unmarshal(data, &spec); err != nil {
		return nil, fmt.Errorf("distributed plan: %v", err)
	}
	if spec.Version != DistributedPlanVersion {
		return nil, fmt.Errorf("distributed plan encoding version %d, this recq reads version %d: run the same recq version everywhere", spec.Version, DistributedPlanVersion)
	}
	s := e.NewSession()
	for _, name := range planSettings {
		if v, ok := spec.Settings[name]; ok {
			if err := s.Set(name, v); err != nil {
				return nil, fmt.Errorf("distributed plan: %v", err)
			}
		}
	}
	p, err := s.PlanDistributed(ctx, spec.SQL, DistributeOptions{BroadcastLimit: spec.BroadcastLimit, SplitBytes: spec.SplitBytes})
	if err != nil {
		return nil, err
	}
	if p.finger != spec.Fingerprint {
		return nil, fmt.Errorf("distributed plan fingerprint %s, this worker plans %s: its tables, files or recq version differ from the coordinator's", spec.Fingerprint, p.finger)
	}
	return p, nil
}
