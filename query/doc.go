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
//	   │ bind.go       resolve tables (catalog.go) and columns, expand *,
//	   │               aliases and ordinals, collect aggregates
//	   ▼
//	bound query ── plan.go ──► logical plan: Scan → Filter → Aggregate →
//	   │                       Having → Project → Distinct → Sort/TopN → Limit
//	   │ optimizer passes, a named ordered list (OptimizerPasses):
//	   │   fold_constants, pushdown_predicates (raw-byte predicates and
//	   │   _rowid ranges in the scan), prune_projection, pushdown_limit, topn
//	   ▼
//	physical.go ──► exec operator tree over scan partitions; one partition
//	   │            at the top (aggregation merges, sort gathers)
//	   ▼
//	result.go ──► Result: a streaming arrow RecordReader, Stats, Progress
//
// Expressions are typed by exec's constructors (expr.go converts AST nodes
// to exec expressions), so every type error is reported at plan time with
// the position of the offending node (*parser.Error, with Render for a
// caret under the text). Execution errors name the file, record, byte
// offset and field (*storage.FileError).
//
// Engines are safe for concurrent use; a Session holds SET settings; a Stmt
// is a prepared statement with ? parameters. Warm tables are read through
// a mapping the catalog keeps open between queries. The database/sql driver
// is in the driver subpackage.
package query
