// Package query is recq's public Go API: open an Engine, point it at record
// files, ask SQL, read Arrow record batches back.
//
//	eng, _ := query.Open(query.Options{DataDir: "data"})   // data/*.rec are tables
//	res, _ := eng.Query(ctx, "SELECT l_returnflag, count(*) FROM lineitem GROUP BY 1")
//	defer res.Close()
//	for res.Next() { rec := res.Record(); ... }          // arrow.Record batches
//
// A statement goes through these stages; each is a file of this package:
//
//	SQL text ── parser.Parse ──► AST with positions
//	   │
//	   │ binder.go, bind_expr.go   names → tables, views (views.go), CTEs and
//	   │ subquery.go               columns; every column gets a ColumnID and
//	   │                           every expression a type (bexpr.go), once;
//	   │                           subqueries become joins or "cells"
//	   │ tablefunc*.go             read_rec, read_fixed (scans of file sets,
//	   │                           fileset.go), read_csv and read_parquet
//	   │                           (Read nodes over csvfile, parquetfile)
//	   ▼
//	logical plan (lplan.go): a tree of Scan, Read, Values, Filter, Project,
//	   │   Aggregate, Window (window.go, window_plan.go), Join, SetOp,
//	   │   Sort, Limit nodes over column ids
//	   │
//	   │ passes.go: named optimizer passes, in order (OptimizerPasses):
//	   │   fold_constants, simplify_outer_joins, pushdown_predicates
//	   │   (through joins, into scans as raw-byte predicates and _rowid
//	   │   ranges), reorder_joins (reorder.go), extract_join_keys,
//	   │   choose_build_side, prefilter_aggregates (prefilter.go),
//	   │   prune_projection, pushdown_limit, topn, raw_aggregates,
//	   │   join_key_filters
//	   │   (keyfilter.go: a hash join hands its build side's keys to the
//	   │   scan under its probe side, scan.KeyFilter)
//	   ▼
//	lower.go, lower_join.go ──► exec operator tree over scan partitions;
//	   │   column ids become batch positions here and nowhere else
//	   ▼
//	result.go ──► Result: a streaming arrow RecordReader, Stats, Progress
//
// Type errors are found once, by the binder, with the position of the
// offending node (*parser.Error, with Render for a caret under the text):
// a bound expression is built by exec's own constructors, so the binder
// and the executor can never disagree about a type. Nothing after the
// binder compares expressions by their text: GROUP BY expressions and
// aggregates are matched structurally (equalExpr). Execution errors name
// the file, record, byte offset and field (*storage.FileError).
//
// Distributed execution (distributed*.go, split.go; docs/distributed.md):
// PlanDistributed cuts a query's optimized plan into a leaf fragment, run
// once per Split of its largest table (Leaf), and a root fragment that
// merges the leaves' Arrow batches (Merge): partial aggregation states in
// a versioned layout (exec.PartialStateVersion), or rows. Splits, plans
// and states all travel between processes; a query that does not
// decompose is refused with ErrNotDistributable and the reason.
//
// Statements that write files: COPY (copy.go) through the export
// subpackage, and CREATE TABLE name AS query (ctas.go), which writes
// name.rec into the data directory and tells the catalog, so the table is
// found at once.
//
// Engines are safe for concurrent use; a Session holds SET settings; a Stmt
// is a prepared statement with ? parameters. Warm tables are read through
// a mapping the catalog keeps open between queries. The database/sql driver
// is in the driver subpackage.
package query
