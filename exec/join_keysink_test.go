package exec

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
)

// recordingSink notes the calls a join makes, with the published keys.
type recordingSink struct {
	mu    sync.Mutex
	calls []string
}

func (s *recordingSink) Invalidate(round uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, fmt.Sprintf("invalidate %d", round))
}

func (s *recordingSink) Publish(round uint64, keys []arrow.Array) {
	var vals []string
	for _, a := range keys {
		for i := 0; i < a.Len(); i++ {
			vals = append(vals, cell(a, i))
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, fmt.Sprintf("publish %d [%s]", round, strings.Join(vals, " ")))
}

// A join hands each run's build keys to its sinks after invalidating the
// previous run's, before the probe input is read; joins that keep
// unmatched probe rows, and keys that match NULL, refuse sinks.
func TestHashJoinKeySinks(t *testing.T) {
	noLeaks(t)
	mem := checkedMem(t)
	p := record(mem, c("k", tInt64, 1, 2, 3, 4), c("v", tString, "a", "b", "c", "d"))
	defer p.Release()
	b := record(mem, c("bk", tInt64, 3, nil, 1, 9))
	defer b.Release()
	probe, build := source(t, p, 2, 2), source(t, b, 1, 10)
	sink := &recordingSink{}
	spec := HashJoinSpec{Probe: probe, Build: build, ProbeKeys: []Expr{Col(0, "k", tInt64)}, BuildKeys: []Expr{Col(0, "bk", tInt64)},
		Type: JoinInner, KeySinks: []KeySink{sink}}
	j := must(NewHashJoin(spec))
	for run := 1; run <= 2; run++ {
		eqRows(t, "join", sorted(mustRun(t, mem, j)), []string{"1|a|1", "3|c|3"})
	}
	want := "invalidate 1,publish 1 [3 NULL 1 9],invalidate 2,publish 2 [3 NULL 1 9]"
	if got := strings.Join(sink.calls, ","); got != want {
		t.Errorf("sink calls %s, want %s", got, want)
	}
	for _, typ := range []JoinType{JoinLeft, JoinFull, JoinAnti, JoinNullAwareAnti, JoinSingle, JoinMark} {
		s := spec
		s.Type = typ
		if _, err := NewHashJoin(s); err == nil || !strings.Contains(err.Error(), "cannot filter") {
			t.Errorf("%s join with a key sink: %v", typ, err)
		}
	}
	s := spec
	s.NullEqual = []bool{true}
	if _, err := NewHashJoin(s); err == nil || !strings.Contains(err.Error(), "IS NOT DISTINCT FROM") {
		t.Errorf("a NULL-matching key with a sink: %v", err)
	}
	s = spec
	s.KeySinks = []KeySink{sink, sink}
	if _, err := NewHashJoin(s); err == nil {
		t.Errorf("two sinks for one key accepted")
	}
}
