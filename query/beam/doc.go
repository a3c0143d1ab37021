// Package recqbeam runs recq SQL on Apache Beam runners (Prism, Dataflow,
// Flink, Spark) through the Beam Go SDK.
//
// Query cuts a statement with recq's distributed planner (see
// docs/distributed.md) into a leaf fragment that runs once per split of
// the largest table and a root fragment that merges the leaves:
//
//	Impulse -> plan the splits -> splittable read (leaf per split)
//	        -> partial states keyed by bucket -> GroupByKey -> merge per bucket
//	        -> (ORDER BY / LIMIT) one key -> finish
//
// The result is a PCollection of []byte, each an Arrow IPC stream (a
// schema and some record batches). WriteIPC and WriteParquet write such a
// collection to one file.
//
// The read is a splittable DoFn whose restriction is an offset range over
// split indices: a position is a whole split, never a record, so a runner
// may cut the range anywhere (dynamic splitting) without a record being
// read twice or lost.
//
// Every worker opens the data directory of Config.DataDir itself, so the
// files must be at that path on every worker (and on the machine that
// builds the pipeline, which plans the query).
package recqbeam
