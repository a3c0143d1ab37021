package exec

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
)

// HashJoinSpec describes a hash join; see NewHashJoin.
type HashJoinSpec struct {
	// Probe and Build are the inputs. The output partitions are Probe's;
	// Build is read once, in full (all partitions in parallel), into one
	// hash table every probe partition uses.
	Probe, Build Operator
	// ProbeKeys and BuildKeys are the equi-join keys, evaluated over
	// Probe's and Build's batches: of equal length, at least one, the same
	// Arrow type pairwise.
	ProbeKeys, BuildKeys []Expr
	// NullEqual, per key (nil: all false): true means NULL matches NULL
	// (IS NOT DISTINCT FROM); otherwise a NULL key never matches.
	NullEqual []bool
	// Residual, optional, is a further condition over the probe columns
	// followed by the build columns; NULL or FALSE means no match.
	Residual Expr
	Type     JoinType
	// MarkName names the mark column of a JoinMark.
	MarkName string
	// Budget is charged for the build side (batches, keys, table).
	Budget *Budget
	// Label is the EXPLAIN line; empty: one is made from the keys.
	Label string
	// KeySinks, per key (nil, or nil entries: none), receive the build
	// side's values of that key once it is read (see KeySink); a join
	// with sinks reads its build side before its first probe batch, not
	// after it. Only joins
	// that drop unmatched probe rows (Inner, Semi, Right, RightSemi,
	// RightAnti) and keys that do not match NULL may have them.
	KeySinks []KeySink
}

// HashJoin joins its probe input, partition by partition, against a hash
// table of its build input (DataFusion's CollectLeft mode). The build side
// is read once, on the first probe batch of any partition (before it,
// when the join has KeySinks; the other partitions wait for it; a build
// error reaches all of them), and freed
// when the last probe stream closes. Its rows are grouped by key in flat
// arrays; probe batches are hashed and looked up a batch at a time, and
// output batches are gathered from the probe batch and the build batches.
//
// Output columns: probe then build columns (Inner, Left, Right, Full,
// Single), probe columns only (Semi, Anti, NullAwareAnti), or probe
// columns and the mark (Mark). Right and Full joins emit the build rows no
// probe row matched after every probe partition finished, from the stream
// that finishes last. Output order is unspecified.
type HashJoin struct {
	*joinCore
	spec HashJoinSpec
}

// NewHashJoin checks the spec and returns the join.
func NewHashJoin(spec HashJoinSpec) (Operator, error) {
	if spec.Probe == nil || spec.Build == nil {
		return nil, fmt.Errorf("internal error: hash join without a probe or build input")
	}
	if len(spec.ProbeKeys) == 0 || len(spec.ProbeKeys) != len(spec.BuildKeys) {
		return nil, fmt.Errorf("internal error: hash join with %d probe keys and %d build keys; it needs the same number, at least one", len(spec.ProbeKeys), len(spec.BuildKeys))
	}
	if spec.NullEqual != nil && len(spec.NullEqual) != len(spec.ProbeKeys) {
		return nil, fmt.Errorf("internal error: hash join with %d keys and %d NullEqual flags", len(spec.ProbeKeys), len(spec.NullEqual))
	}
	if spec.Type < JoinInner || spec.Type > JoinRightAnti {
		return nil, fmt.Errorf("internal error: unknown join type %d", int(spec.Type))
	}
	if err := checkCondition(spec.Residual, "hash join condition"); err != nil {
		return nil, err
	}
	if err := checkKeySinks(spec); err != nil {
		return nil, err
	}
	what := "hash join build side"
	if spec.Label != "" {
		what = "the build side of " + spec.Label // the memory error names the join
	}
	c := newJoinCore(spec.Type, spec.Probe, spec.Build, spec.Residual, spec.MarkName, spec.Budget, what)
	c.keySinks = spec.KeySinks
	c.nullEq = make([]bool, len(spec.ProbeKeys))
	copy(c.nullEq, spec.NullEqual)
	for i := range spec.ProbeKeys {
		pk, bk := spec.ProbeKeys[i], spec.BuildKeys[i]
		pt, bt := pk.DataType(), bk.DataType()
		switch {
		case isNull(pt) && isNull(bt):
			// NULL = NULL: give both a concrete type
			pt, bt = tInt64, tInt64
		case isNull(pt):
			pt = bt
		case isNull(bt):
			bt = pt
		}
		if !arrow.TypeEqual(pt, bt) {
			return nil, fmt.Errorf("internal error: hash join key %d compares %s (%s) with %s (%s); the planner must cast them to one type", i+1, pk, TypeName(pt), bk, TypeName(bt))
		}
		if err := checkJoinKeyType(pt, "a hash join"); err != nil {
			return nil, err
		}
		var err error
		if pk, err = castTo(pk, pt); err != nil {
			return nil, err
		}
		if bk, err = castTo(bk, bt); err != nil {
			return nil, err
		}
		c.probeKeys = append(c.probeKeys, pk)
		c.buildKeys = append(c.buildKeys, bk)
		c.keyTypes = append(c.keyTypes, pt)
	}
	return &HashJoin{joinCore: c, spec: spec}, nil
}

// checkCondition rejects a join condition that is not BOOLEAN.
func checkCondition(cond Expr, what string) error {
	if cond == nil {
		return nil
	}
	if t := cond.DataType(); !isBool(t) && !isNull(t) {
		return fmt.Errorf("%s %s is %s, not BOOLEAN", what, cond, TypeName(t))
	}
	return nil
}

func (h *HashJoin) Execute(ctx context.Context, partition int) (Stream, error) {
	return h.execute(ctx, h, partition)
}

func (h *HashJoin) String() string {
	if h.spec.Label != "" {
		return h.spec.Label
	}
	var on []string
	for i := range h.probeKeys {
		op := " = "
		if h.nullEq[i] {
			op = " IS NOT DISTINCT FROM "
		}
		on = append(on, unparen(h.spec.ProbeKeys[i].String())+op+unparen(h.spec.BuildKeys[i].String()))
	}
	s := "HashJoin " + h.typ.String() + " on " + strings.Join(on, " AND ")
	if h.residual != nil {
		s += " filter " + unparen(h.residual.String())
	}
	return s
}
