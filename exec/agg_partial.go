package exec

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// Two-phase aggregation across processes (DataFusion's Partial/Final
// modes): a partial aggregation runs where the rows are and emits, per
// group, the aggregate states as Arrow columns; a final aggregation reads
// such batches from any number of partials, merges the states with the
// same kernels that merge partitions inside one process, and finishes
// them. The final values are therefore those of a single aggregation over
// all the rows (float sums may differ in the last bits: addition order).
//
// The layout of a partial batch is a wire format between recq versions,
// versioned by PartialStateVersion in the schema metadata
// (PartialStateVersionKey). Version 1:
//
//	group keys ...             the group columns, named and typed as the aggregate's
//	$rows INT64                rows of the group
//	then per aggregate NAME, in order:
//	count, count(*), count_if  NAME$count INT64
//	sum/avg(integer)           NAME$sum DECIMAL(38,0) (exact 128-bit), NAME$count INT64 (non-NULL values)
//	sum/avg(DECIMAL(p,s))      NAME$sum DECIMAL(38,s), NAME$count INT64
//	sum/avg(float)             NAME$sum FLOAT64, NAME$count INT64
//	var*/stddev*               NAME$n INT64, NAME$mean FLOAT64, NAME$m2 FLOAT64 (Welford; merged by Chan et al.)
//	min/max                    NAME$has BOOLEAN, NAME$value (the argument's type, NULL when not has)
//	bool_and/bool_or           NAME$has BOOLEAN, NAME$value BOOLEAN
//
// Aggregates whose state is a set of values (DISTINCT, median, quantiles,
// mode, string_agg, first/last, arg_min/arg_max, approx_count_distinct)
// have no partial form: PartialSupported says why.

// PartialStateVersion is the version of the partial state layout.
const PartialStateVersion = 1

// PartialStateVersionKey is the schema metadata key holding the version.
const PartialStateVersionKey = "recq.partial_state_version"

// PartialRowsColumn is the name of the rows-per-group column.
const PartialRowsColumn = "$rows"

// AggMode is the phase an Aggregate runs.
type AggMode int

const (
	// AggSingle aggregates raw rows into final values.
	AggSingle AggMode = iota
	// AggPartial aggregates raw rows into partial states.
	AggPartial
	// AggFinal merges partial states into final values.
	AggFinal
)

func (m AggMode) String() string {
	switch m {
	case AggPartial:
		return "partial"
	case AggFinal:
		return "final"
	}
	return "single"
}

// stateField is one column of a partial state.
type stateField struct {
	part string
	typ  arrow.DataType
}

// partialState is an aggregate state that can leave the process: it
// exports its groups as columns and folds such columns back in.
type partialState interface {
	aggState
	// stateFields describe the columns exportState returns.
	stateFields() []stateField
	// exportState returns the state of groups [0, n) as columns.
	exportState(mem memory.Allocator, n int) ([]arrow.Array, error)
	// importState folds the rows of exported columns in: row i goes to
	// group gids[i] (skipped when negative); rows[i] is its $rows value.
	importState(cols []arrow.Array, rows []int64, gids []int32) error
}

// PartialSupported returns nil when the aggregate call has a partial form,
// else an error that says why not.
func PartialSupported(c AggCall) error {
	lname := strings.ToLower(c.Name)
	if isMoreAgg(lname) {
		if moreAggs[lname] == "count_if" && !c.Distinct {
			return nil
		}
		return fmt.Errorf("%s does not decompose into per-split partial results (its state is the values themselves); run it on one node", lname)
	}
	fn, ok := aggNames[lname]
	if !ok {
		return fmt.Errorf("unknown aggregate function %s", c.Name)
	}
	if c.Distinct && c.Arg != nil && fn != "min" && fn != "max" && fn != "bool_and" && fn != "bool_or" {
		return fmt.Errorf("%s(DISTINCT ...) does not decompose: each split would only know its own distinct values, and recq has no repartition step to bring equal values together; run it on one node", fn)
	}
	return nil
}

// NewPartialAggregate is NewAggregate in the partial phase: its output is
// the group keys, $rows and the aggregates' states (PartialSchema).
func NewPartialAggregate(child Operator, groupBy []Expr, groupNames []string, aggs []AggCall, aggNames []string, budget *Budget) Operator {
	a := NewAggregate(child, groupBy, groupNames, aggs, aggNames, budget).(*Aggregate)
	a.mode = AggPartial
	a.setModeSchema()
	return a
}

// NewFinalAggregate merges partial states from child, whose batches have
// the layout of the partial aggregate with the same keys and calls. The
// calls' expressions are those of the partial (over its input): the final
// phase only reads their types. The output is NewAggregate's.
func NewFinalAggregate(child Operator, groupBy []Expr, groupNames []string, aggs []AggCall, aggNames []string, budget *Budget) Operator {
	a := NewAggregate(child, groupBy, groupNames, aggs, aggNames, budget).(*Aggregate)
	a.mode = AggFinal
	a.partial = a.partialSchema()
	keys := make([]Expr, len(a.groupBy))
	for i, g := range a.groupBy {
		keys[i] = Col(i, a.schema.Field(i).Name, g.DataType())
	}
	a.finalKeys = keys
	a.setModeSchema()
	return a
}

// PartialSchema is the schema of the batches of a partial aggregation of
// these keys and calls (the input of the final one).
func PartialSchema(groupBy []Expr, groupNames []string, aggs []AggCall, aggNames []string) (*arrow.Schema, error) {
	a := NewAggregate(nil, groupBy, groupNames, aggs, aggNames, nil).(*Aggregate)
	if a.err != nil {
		return nil, a.err
	}
	a.mode = AggPartial
	s := a.partialSchema()
	if a.err != nil {
		return nil, a.err
	}
	return s, nil
}

// setModeSchema checks that every call has a partial form and sets the
// output schema of a partial aggregation.
func (a *Aggregate) setModeSchema() {
	for _, c := range a.aggs {
		if err := PartialSupported(c); err != nil && a.err == nil {
			a.err = err
		}
	}
	if a.mode == AggPartial {
		a.schema = a.partialSchema()
	}
}

// partialSchema builds the partial layout from a probe of the states.
func (a *Aggregate) partialSchema() *arrow.Schema {
	nk := len(a.groupBy)
	fields := append([]arrow.Field(nil), a.schema.Fields()[:nk]...)
	fields = append(fields, arrow.Field{Name: PartialRowsColumn, Type: tInt64})
	md := arrow.NewMetadata([]string{PartialStateVersionKey}, []string{strconv.Itoa(PartialStateVersion)})
	if a.err != nil {
		return arrow.NewSchema(fields, &md)
	}
	p, err := a.newPartial()
	if err != nil {
		a.err = err
		return arrow.NewSchema(fields, &md)
	}
	for j, s := range p.states {
		ps, ok := s.(partialState)
		if !ok {
			if a.err == nil {
				a.err = fmt.Errorf("%s has no partial state (it does not decompose across splits)", a.labels[j])
			}
			continue
		}
		name := a.schema.Field(nk + j).Name
		for _, f := range ps.stateFields() {
			fields = append(fields, arrow.Field{Name: name + "$" + f.part, Type: f.typ, Nullable: true})
		}
	}
	return arrow.NewSchema(fields, &md)
}

// CheckPartialSchema verifies that got (a batch from a partial
// aggregation, possibly from another process) has the layout want.
func CheckPartialSchema(want, got *arrow.Schema) error {
	v, ok := got.Metadata().GetValue(PartialStateVersionKey)
	if !ok {
		return fmt.Errorf("the batch is not a partial aggregation state (no %s in its schema metadata)", PartialStateVersionKey)
	}
	if v != strconv.Itoa(PartialStateVersion) {
		return fmt.Errorf("partial aggregation state version %s, this recq reads version %d: run the same recq version on every worker", v, PartialStateVersion)
	}
	if got.NumFields() != want.NumFields() {
		return fmt.Errorf("partial aggregation state has %d columns, expected %d (was the query planned with another catalog?)", got.NumFields(), want.NumFields())
	}
	for i := range want.Fields() {
		w, g := want.Field(i), got.Field(i)
		if !arrow.TypeEqual(w.Type, g.Type) {
			return fmt.Errorf("partial aggregation state column %d (%s) is %s, expected %s", i+1, w.Name, g.Type, w.Type)
		}
	}
	return nil
}

// consumeFinal folds one batch of partial states into p.
func (a *Aggregate) consumeFinal(ectx *EvalContext, rec arrow.Record, n int, sel []int32, p *partialAgg, gids *[]int32) error {
	if rec.NumCols() != int64(a.partial.NumFields()) {
		return fmt.Errorf("partial aggregation state has %d columns, expected %d", rec.NumCols(), a.partial.NumFields())
	}
	keys, err := evalAll(ectx, rec, a.finalKeys...)
	if err != nil {
		return err
	}
	defer releaseAll(keys)
	if cap(*gids) < n {
		*gids = make([]int32, n)
	}
	g := (*gids)[:n]
	for i := range g {
		g[i] = -1
	}
	p.table.assign(keys, n, sel, g)
	p.resize()
	nk := len(a.finalKeys)
	rowsCol := rec.Column(nk)
	if rowsCol.NullN() > 0 {
		return fmt.Errorf("partial aggregation state has NULL in %s", PartialRowsColumn)
	}
	rows := values[int64](rowsCol)
	for i, gi := range g {
		if gi >= 0 {
			p.rows.n[gi] += rows[i]
		}
	}
	col := nk + 1
	for j, s := range p.states {
		ps := s.(partialState)
		k := len(ps.stateFields())
		if err := ps.importState(rec.Columns()[col:col+k], rows, g); err != nil {
			return fmt.Errorf("%s: %w", a.labels[j], err)
		}
		col += k
	}
	return nil
}

// exportAll turns the tables of a partial aggregation into partial batches.
func (a *Aggregate) exportAll(mem memory.Allocator, finals []*partialAgg) ([]arrow.Record, error) {
	var recs []arrow.Record
	fail := func(cols []arrow.Array, err error) ([]arrow.Record, error) {
		releaseAll(cols)
		for _, r := range recs {
			r.Release()
		}
		return nil, err
	}
	for _, final := range finals {
		n := final.table.n
		if n == 0 {
			continue
		}
		a.m.groups.Add(int64(n))
		cols := final.table.keyArrays(mem)
		rows := newFixedOut[int64](mem, tInt64, n)
		copy(rows.v, final.rows.n[:n])
		cols = append(cols, rows.finish())
		for _, s := range final.states {
			arrs, err := s.(partialState).exportState(mem, n)
			if err != nil {
				return fail(cols, err)
			}
			cols = append(cols, arrs...)
		}
		recs = append(recs, array.NewRecord(a.schema, cols, int64(n)))
		releaseAll(cols)
	}
	return recs, nil
}

// ---------------------------------------------------------------------
// The states' partial forms. Each import builds a state of the same kind
// over the batch's rows (one group per row) and merges it in with the
// state's own merge, so one kernel merges partitions and processes.

func int64Col(mem memory.Allocator, v []int64) arrow.Array {
	o := newFixedOut[int64](mem, tInt64, len(v))
	copy(o.v, v)
	return o.finish()
}

// nonNullInt64s reads an INT64 state column that must not hold NULLs.
func nonNullInt64s(a arrow.Array, what string) ([]int64, error) {
	if a.DataType().ID() != arrow.INT64 || a.NullN() > 0 {
		return nil, fmt.Errorf("state column %s must be a non-NULL INT64", what)
	}
	return values[int64](a), nil
}

// importCounts rebuilds valueCounts over a batch: count non-NULL values
// of rows rows means rows-count NULLs.
func importCounts(rows []int64, count []int64) valueCounts {
	nulls := make([]int64, len(rows))
	for i := range rows {
		nulls[i] = rows[i] - count[i]
	}
	return valueCounts{rows: &groupRows{n: rows}, nulls: nulls}
}

func exportCounts(mem memory.Allocator, c *valueCounts, n int) arrow.Array {
	o := newFixedOut[int64](mem, tInt64, n)
	for g := range o.v {
		o.v[g] = c.get(g)
	}
	return o.finish()
}

func (s *countState) stateFields() []stateField { return []stateField{{"count", tInt64}} }

func (s *countState) exportState(mem memory.Allocator, n int) ([]arrow.Array, error) {
	return []arrow.Array{exportCounts(mem, &s.valueCounts, n)}, nil
}

func (s *countState) importState(cols []arrow.Array, rows []int64, gids []int32) error {
	c, err := nonNullInt64s(cols[0], "count")
	if err != nil {
		return err
	}
	return s.merge(&countState{star: s.star, valueCounts: importCounts(rows, c)}, gids)
}

func (s *sumIntState) stateFields() []stateField {
	return []stateField{{"sum", DecimalType(38, 0)}, {"count", tInt64}}
}

func (s *sumIntState) exportState(mem memory.Allocator, n int) ([]arrow.Array, error) {
	return exportSum128(mem, s.acc, 0, &s.valueCounts, n), nil
}

func exportSum128(mem memory.Allocator, acc []i128, scale int, c *valueCounts, n int) []arrow.Array {
	o := newFixedOut[i128](mem, DecimalType(38, scale), n)
	copy(o.v, acc[:n])
	return []arrow.Array{o.finish(), exportCounts(mem, c, n)}
}

// importSum128 reads a 128-bit sum state.
func importSum128(cols []arrow.Array, rows []int64) ([]i128, valueCounts, error) {
	if cols[0].DataType().ID() != arrow.DECIMAL128 || cols[0].NullN() > 0 {
		return nil, valueCounts{}, fmt.Errorf("state column sum must be a non-NULL DECIMAL")
	}
	c, err := nonNullInt64s(cols[1], "count")
	if err != nil {
		return nil, valueCounts{}, err
	}
	return values[i128](cols[0]), importCounts(rows, c), nil
}

func (s *sumIntState) importState(cols []arrow.Array, rows []int64, gids []int32) error {
	acc, vc, err := importSum128(cols, rows)
	if err != nil {
		return err
	}
	return s.merge(&sumIntState{acc: acc, valueCounts: vc}, gids)
}

func (s *sumDecState) stateFields() []stateField {
	return []stateField{{"sum", DecimalType(38, s.scale)}, {"count", tInt64}}
}

func (s *sumDecState) exportState(mem memory.Allocator, n int) ([]arrow.Array, error) {
	return exportSum128(mem, s.acc, s.scale, &s.valueCounts, n), nil
}

func (s *sumDecState) importState(cols []arrow.Array, rows []int64, gids []int32) error {
	acc, vc, err := importSum128(cols, rows)
	if err != nil {
		return err
	}
	return s.merge(&sumDecState{acc: acc, valueCounts: vc}, gids)
}

func (s *sumFloatState) stateFields() []stateField {
	return []stateField{{"sum", tFloat64}, {"count", tInt64}}
}

func (s *sumFloatState) exportState(mem memory.Allocator, n int) ([]arrow.Array, error) {
	o := newFixedOut[float64](mem, tFloat64, n)
	copy(o.v, s.acc[:n])
	return []arrow.Array{o.finish(), exportCounts(mem, &s.valueCounts, n)}, nil
}

func (s *sumFloatState) importState(cols []arrow.Array, rows []int64, gids []int32) error {
	if cols[0].DataType().ID() != arrow.FLOAT64 || cols[0].NullN() > 0 {
		return fmt.Errorf("state column sum must be a non-NULL FLOAT64")
	}
	c, err := nonNullInt64s(cols[1], "count")
	if err != nil {
		return err
	}
	return s.merge(&sumFloatState{acc: values[float64](cols[0]), valueCounts: importCounts(rows, c)}, gids)
}

func (s *varState) stateFields() []stateField {
	return []stateField{{"n", tInt64}, {"mean", tFloat64}, {"m2", tFloat64}}
}

func (s *varState) exportState(mem memory.Allocator, n int) ([]arrow.Array, error) {
	mean := newFixedOut[float64](mem, tFloat64, n)
	copy(mean.v, s.mean[:n])
	m2 := newFixedOut[float64](mem, tFloat64, n)
	copy(m2.v, s.m2[:n])
	return []arrow.Array{int64Col(mem, s.n[:n]), mean.finish(), m2.finish()}, nil
}

func (s *varState) importState(cols []arrow.Array, _ []int64, gids []int32) error {
	cnt, err := nonNullInt64s(cols[0], "n")
	if err != nil {
		return err
	}
	for _, c := range cols[1:] {
		if c.DataType().ID() != arrow.FLOAT64 || c.NullN() > 0 {
			return fmt.Errorf("state columns mean and m2 must be non-NULL FLOAT64")
		}
	}
	return s.merge(&varState{n: cnt, mean: values[float64](cols[1]), m2: values[float64](cols[2])}, gids)
}

func (s *countIfState) stateFields() []stateField { return []stateField{{"count", tInt64}} }

func (s *countIfState) exportState(mem memory.Allocator, n int) ([]arrow.Array, error) {
	return []arrow.Array{int64Col(mem, s.n[:n])}, nil
}

func (s *countIfState) importState(cols []arrow.Array, _ []int64, gids []int32) error {
	c, err := nonNullInt64s(cols[0], "count")
	if err != nil {
		return err
	}
	return s.merge(&countIfState{n: c}, gids)
}

// hasFlags reads the has-value flags of a min/max state.
func hasFlags(a arrow.Array) ([]bool, error) {
	b, ok := a.(*array.Boolean)
	if !ok || a.NullN() > 0 {
		return nil, fmt.Errorf("state column has must be a non-NULL BOOLEAN")
	}
	out := make([]bool, b.Len())
	for i := range out {
		out[i] = b.Value(i)
	}
	return out, nil
}

func hasColumn(mem memory.Allocator, has []bool) arrow.Array {
	return boolsToArray(mem, has, nil)
}

// checkValueType verifies a value column's type against the state's.
func checkValueType(a arrow.Array, want arrow.DataType) error {
	if !arrow.TypeEqual(a.DataType(), want) {
		return fmt.Errorf("state column value is %s, expected %s", a.DataType(), want)
	}
	return nil
}

func (s *minMaxState[T]) stateFields() []stateField {
	return []stateField{{"has", tBool}, {"value", s.typ}}
}

func (s *minMaxState[T]) exportState(mem memory.Allocator, n int) ([]arrow.Array, error) {
	v, err := s.finish(mem, n)
	if err != nil {
		return nil, err
	}
	return []arrow.Array{hasColumn(mem, s.has[:n]), v}, nil
}

func (s *minMaxState[T]) importState(cols []arrow.Array, _ []int64, gids []int32) error {
	has, err := hasFlags(cols[0])
	if err != nil {
		return err
	}
	if err := checkValueType(cols[1], s.typ); err != nil {
		return err
	}
	return s.merge(&minMaxState[T]{max: s.max, typ: s.typ, vals: values[T](cols[1]), has: has}, gids)
}

func (s *minMaxDec) stateFields() []stateField {
	return []stateField{{"has", tBool}, {"value", s.typ}}
}

func (s *minMaxDec) exportState(mem memory.Allocator, n int) ([]arrow.Array, error) {
	v, err := s.finish(mem, n)
	if err != nil {
		return nil, err
	}
	return []arrow.Array{hasColumn(mem, s.has[:n]), v}, nil
}

func (s *minMaxDec) importState(cols []arrow.Array, _ []int64, gids []int32) error {
	has, err := hasFlags(cols[0])
	if err != nil {
		return err
	}
	if err := checkValueType(cols[1], s.typ); err != nil {
		return err
	}
	return s.merge(&minMaxDec{max: s.max, typ: s.typ, vals: values[i128](cols[1]), has: has}, gids)
}

func (s *minMaxStr) stateFields() []stateField {
	return []stateField{{"has", tBool}, {"value", tString}}
}

func (s *minMaxStr) exportState(mem memory.Allocator, n int) ([]arrow.Array, error) {
	v, err := s.finish(mem, n)
	if err != nil {
		return nil, err
	}
	return []arrow.Array{hasColumn(mem, s.has[:n]), v}, nil
}

func (s *minMaxStr) importState(cols []arrow.Array, _ []int64, gids []int32) error {
	has, err := hasFlags(cols[0])
	if err != nil {
		return err
	}
	str, ok := cols[1].(*array.String)
	if !ok {
		return fmt.Errorf("state column value is %s, expected VARCHAR", cols[1].DataType())
	}
	vals := make([]string, str.Len())
	for i := range vals {
		if has[i] {
			vals[i] = str.Value(i)
		}
	}
	return s.merge(&minMaxStr{max: s.max, vals: vals, has: has}, gids)
}

func (s *boolAggState) stateFields() []stateField {
	return []stateField{{"has", tBool}, {"value", tBool}}
}

func (s *boolAggState) exportState(mem memory.Allocator, n int) ([]arrow.Array, error) {
	v, err := s.finish(mem, n)
	if err != nil {
		return nil, err
	}
	return []arrow.Array{hasColumn(mem, s.has[:n]), v}, nil
}

func (s *boolAggState) importState(cols []arrow.Array, _ []int64, gids []int32) error {
	has, err := hasFlags(cols[0])
	if err != nil {
		return err
	}
	b, ok := cols[1].(*array.Boolean)
	if !ok {
		return fmt.Errorf("state column value is %s, expected BOOLEAN", cols[1].DataType())
	}
	vals := make([]bool, b.Len())
	for i := range vals {
		vals[i] = has[i] && b.Value(i)
	}
	return s.merge(&boolAggState{and: s.and, vals: vals, has: has}, gids)
}

// ---------------------------------------------------------------------
// Buckets: partial states of one group, from any number of leaves in any
// number of processes, must meet in one place for the final phase.

// RowBuckets assigns each of the rows of keys to one of n buckets by a
// hash of its key values that is the same in every process and on every
// platform (FNV-1a over the canonical key encoding, then a 64-bit
// finalizer; NULL is a value of its own), so equal keys always go to the
// same bucket. Without keys every row goes to bucket 0.
func RowBuckets(keys []arrow.Array, rows, n int) []int32 {
	out := make([]int32, rows)
	if n <= 1 || len(keys) == 0 {
		return out
	}
	var buf []byte
	for i := range out {
		buf = buf[:0]
		for _, k := range keys {
			if k.IsNull(i) || k.DataType().ID() == arrow.NULL {
				buf = append(buf, 0)
				continue
			}
			buf = append(buf, 1)
			at := len(buf)
			buf = append(buf, 0, 0, 0, 0) // the value's length, so ("ab","c") differs from ("a","bc")
			buf = appendKeyValue(buf, k, i)
			l := uint32(len(buf) - at - 4)
			buf[at], buf[at+1], buf[at+2], buf[at+3] = byte(l), byte(l>>8), byte(l>>16), byte(l>>24)
		}
		h := uint64(14695981039346656037)
		for _, c := range buf {
			h = (h ^ uint64(c)) * 1099511628211
		}
		out[i] = int32((hllMix(h) >> 32) * uint64(n) >> 32)
	}
	return out
}

// PartitionByKeys splits rec into n records by RowBuckets of its first
// nkeys columns; a bucket without rows is nil. The records keep rec's
// schema (and its metadata).
func PartitionByKeys(mem memory.Allocator, rec arrow.Record, nkeys, n int) ([]arrow.Record, error) {
	if n < 1 {
		return nil, fmt.Errorf("%d buckets: there must be at least one", n)
	}
	if nkeys < 0 || int64(nkeys) > rec.NumCols() {
		return nil, fmt.Errorf("%d key columns in a batch of %d columns", nkeys, rec.NumCols())
	}
	rows := int(rec.NumRows())
	b := RowBuckets(rec.Columns()[:nkeys], rows, n)
	sels := make([][]int32, n)
	for i, x := range b {
		sels[x] = append(sels[x], int32(i))
	}
	out := make([]arrow.Record, n)
	for k, sel := range sels {
		switch {
		case len(sel) == 0:
		case len(sel) == rows:
			rec.Retain()
			out[k] = rec
		default:
			out[k] = compactRecord(mem, rec, sel)
		}
	}
	return out, nil
}
