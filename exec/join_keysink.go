package exec

import (
	"fmt"

	"github.com/apache/arrow/go/v17/arrow"
)

// KeySink receives a hash join's build-side key values once the build
// side is read, so that the scan under the probe side can skip records
// whose key no build row has (scan.KeyFilter implements it). Round
// numbers tell runs of the join apart: Invalidate(r) is called as run r
// begins, before its probe input opens, and Publish(r, keys) once its
// build side is read; a sink must ignore keys of a run older than the
// last one invalidated. keys are the values of one key column, one array
// per build batch, valid only during the call.
type KeySink interface {
	Invalidate(round uint64)
	Publish(round uint64, keys []arrow.Array)
}

// maxKeySinkRows bounds the build sides whose keys are published: a
// larger build side matches most probe rows in practice, and building the
// set would cost more than the filter saves.
const maxKeySinkRows = 1 << 22

// checkKeySinks rejects sinks a join of this type cannot feed: only joins
// that drop the probe rows without a match may filter their probe input,
// and a key compared with IS NOT DISTINCT FROM matches NULL, which a key
// set leaves out.
func checkKeySinks(spec HashJoinSpec) error {
	if len(spec.KeySinks) == 0 {
		return nil
	}
	if len(spec.KeySinks) != len(spec.ProbeKeys) {
		return fmt.Errorf("internal error: hash join with %d keys and %d key sinks", len(spec.ProbeKeys), len(spec.KeySinks))
	}
	for i, s := range spec.KeySinks {
		if s == nil {
			continue
		}
		if !spec.Type.DropsUnmatchedProbe() {
			return fmt.Errorf("internal error: a %s join keeps probe rows without a match; its build keys cannot filter the probe input", spec.Type)
		}
		if spec.NullEqual != nil && spec.NullEqual[i] {
			return fmt.Errorf("internal error: hash join key %d matches NULL (IS NOT DISTINCT FROM); its build keys cannot filter the probe input", i+1)
		}
	}
	return nil
}

// DropsUnmatchedProbe reports whether a probe row without a matching
// build row contributes nothing to the join's output.
func (t JoinType) DropsUnmatchedProbe() bool {
	switch t {
	case JoinInner, JoinSemi, JoinRight, JoinRightSemi, JoinRightAnti:
		return true
	}
	return false
}

// publishes reports whether the join has key sinks.
func (c *joinCore) publishes() bool {
	for _, s := range c.keySinks {
		if s != nil {
			return true
		}
	}
	return false
}

// invalidateKeySinks starts round r for the join's key sinks.
func (c *joinCore) invalidateKeySinks(r uint64) {
	for _, s := range c.keySinks {
		if s != nil {
			s.Invalidate(r)
		}
	}
}

// publishKeys hands each sink its key column's build values.
func (c *joinCore) publishKeys(round uint64, chunks []buildChunk, rows int) {
	if rows > maxKeySinkRows {
		return
	}
	for k, s := range c.keySinks {
		if s == nil {
			continue
		}
		keys := make([]arrow.Array, len(chunks))
		for i, ch := range chunks {
			keys[i] = ch.keys[k]
		}
		s.Publish(round, keys)
	}
}
