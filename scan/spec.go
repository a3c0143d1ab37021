package scan

import (
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/storage"
)

// Op is a pushed-down comparison on one column.
type Op uint8

const (
	OpEq        Op = iota + 1 // column = v
	OpNe                      // column <> v
	OpLt                      // column < v
	OpLe                      // column <= v
	OpGt                      // column > v
	OpGe                      // column >= v
	OpBetween                 // Values[0] <= column <= Values[1]
	OpIn                      // column IN (Values...)
	OpIsNull                  // column IS NULL
	OpIsNotNull               // column IS NOT NULL
	OpPrefix                  // CHAR column LIKE 'v%' for some v of Values
	OpLike                    // CHAR column LIKE Values[0] (package like's patterns)
	OpNotLike                 // CHAR column NOT LIKE Values[0]
)

var opNames = [...]string{OpEq: "=", OpNe: "<>", OpLt: "<", OpLe: "<=", OpGt: ">", OpGe: ">=",
	OpBetween: "BETWEEN", OpIn: "IN", OpIsNull: "IS NULL", OpIsNotNull: "IS NOT NULL", OpPrefix: "LIKE",
	OpLike: "LIKE", OpNotLike: "NOT LIKE"}

func (o Op) String() string {
	if int(o) < len(opNames) && opNames[o] != "" {
		return opNames[o]
	}
	return fmt.Sprintf("Op(%d)", uint8(o))
}

// Predicate compares one column of the raw records with constants. The
// predicates of a Spec are ANDed. A record whose column is NULL fails every
// predicate but IS NULL (SQL semantics).
//
// Values hold constants as Go values of the storage value types (int64,
// uint64, float64, storage.DecimalValue, string, bool, storage.DateValue,
// storage.TimestampValue). A constant of another numeric kind than the
// column is compared exactly: `quantity < 24.5` on a DECIMAL(15,2) column
// or `id > 2.5` on an integer column select what SQL says they select.
type Predicate struct {
	Field  int // index into the table schema
	Op     Op
	Values []any
}

// String renders the predicate for EXPLAIN, given the schema.
func (p Predicate) String(s *storage.Schema) string {
	name := s.Fields[p.Field].Name
	vals := make([]string, len(p.Values))
	for i, v := range p.Values {
		vals[i] = literal(v)
	}
	switch p.Op {
	case OpBetween:
		return fmt.Sprintf("%s BETWEEN %s AND %s", name, vals[0], vals[1])
	case OpIn:
		return fmt.Sprintf("%s IN (%s)", name, strings.Join(vals, ", "))
	case OpIsNull, OpIsNotNull:
		return name + " " + p.Op.String()
	case OpPrefix:
		likes := make([]string, len(p.Values))
		for i, v := range p.Values {
			likes[i] = fmt.Sprintf("%s LIKE %s", name, storage.QuoteString(fmt.Sprint(v)+"%"))
		}
		if len(likes) == 1 {
			return likes[0]
		}
		return "(" + strings.Join(likes, " OR ") + ")"
	}
	return fmt.Sprintf("%s %s %s", name, p.Op, vals[0])
}

func literal(v any) string {
	switch x := v.(type) {
	case string:
		return storage.QuoteString(x)
	case storage.DateValue:
		return "DATE '" + x.String() + "'"
	case storage.TimestampValue:
		return "TIMESTAMP '" + x.String() + "'"
	case nil:
		return "NULL"
	}
	return fmt.Sprint(v)
}

// RowRange is a half-open range [Start, End) of record numbers.
type RowRange struct{ Start, End int64 }

// Sample asks for a random subset of records, read by random access.
type Sample struct {
	Rows    int64   // exactly this many records (or all, if fewer) ...
	Percent float64 // ... or this percentage of them, when Rows is 0
	Seed    uint64  // the same seed picks the same records
}

// Defaults for Spec fields left zero.
const (
	DefaultBatchSize  = 16 * 1024
	DefaultChunkBytes = 1 << 20
)

// Spec describes a scan.
type Spec struct {
	Table *storage.Table
	// Strategy reads the file; Auto decides from the pattern, size and
	// page-cache residency.
	Strategy storage.Strategy
	// Columns are the schema fields to produce, in output order. Empty is
	// allowed (COUNT(*)): batches then carry only a row count (and _rowid).
	Columns []int
	// RowID appends an int64 "_rowid" column holding the record number.
	RowID bool
	// ParentRowID appends, before _rowid, an int64 "_parent_rowid" column:
	// the record number of the nearest preceding record of the record's
	// parent type (storage.Segments), or NULL. The table must have parent
	// links.
	ParentRowID bool
	// RowIDBase is added to every _rowid (and _parent_rowid): a file that is one of several
	// making a table (see Multi) numbers its records after the files
	// before it. Ranges and Sample stay in the file's own record numbers.
	RowIDBase int64
	// Filter are ANDed predicates evaluated on the raw bytes before any
	// column is decoded.
	Filter []Predicate
	// KeyFilters are sets of key values known once the query runs (a hash
	// join's build side, keyfilter.go), tested on the raw bytes after
	// Filter, from the moment each is published.
	KeyFilters []KeyFilterSpec
	// Ranges limit the scan to these record ranges (sorted, non-overlapping
	// after New normalises them); nil scans every record.
	Ranges []RowRange
	// Sample, when set, reads a random subset of records instead.
	Sample *Sample
	// Limit stops the whole scan once this many records were selected
	// (0 = no limit). Unordered, which records is unspecified (a scan with
	// one worker returns the first ones in file order). Ordered, every
	// chunk keeps at most Limit records and no chunk is claimed once the
	// finished leading chunks hold Limit records, so the first Limit
	// records in file order are among those returned.
	Limit int64
	// Ordered tags every batch with its place in file order (see Seq):
	// a partition flushes its batch at each chunk end and sends a
	// zero-row marker for a chunk that selected nothing. An ordered merge
	// (exec.NewOrderedGather) then restores file order. A scan with one
	// worker is in file order already and is not tagged.
	Ordered bool
	// BatchSize is the most rows in one batch (default 16384: small enough
	// that a batch's columns stay in the CPU cache for the operators
	// above the scan, large enough to amortise per-batch costs).
	BatchSize int
	// Workers is the number of partitions (default GOMAXPROCS).
	Workers int
	// ChunkBytes is the target size of one unit of work (default 1 MiB;
	// a .rec file's blocks set it when it has a block index).
	ChunkBytes int
	// VerifyChecksums checks the CRC32C of each whole block read (.rec
	// files with a block index only; Ranges covering part of a block
	// cannot check that block).
	VerifyChecksums bool
	// BlockChunks makes every chunk of a .rec file with a block index one
	// block (or the part of one the ranges cover), as predicates and
	// checksums do, so ChunkRanges lists the blocks min/max keep.
	BlockChunks bool
	// Allocator allocates the Arrow buffers (default memory.DefaultAllocator).
	Allocator memory.Allocator
	// Source, when set, is an already open source of the table's file to
	// read through (its strategy wins over Strategy); the scan does not
	// close it. Engines keep sources open between queries so a warm,
	// mapped file is not mapped (and page-faulted) again for every query.
	Source storage.Source
	// Fold, when set, makes the Folder of each partition (by number),
	// which takes the selected records instead of the decoders (fold.go);
	// the scan's batches are then what the Folders return, of schema
	// FoldSchema, and Columns only size the scan's plan. Folding refuses
	// Ordered, Limit, Sample, RowID, ParentRowID and files of
	// variable-length records or of several record types.
	Fold       func(partition int) Folder
	FoldSchema *arrow.Schema
	// FoldFields are the fields the Folder reads; with a ColumnStore the
	// scan fills cached columns of them too and hands the Folder those
	// that are complete (Records.Columns).
	FoldFields []int
	// ColumnStore, when set, keeps copies of single fields of the file
	// (colcache.go): a mapped scan tests its predicates and key filters on
	// the fields there, and builds the columns it reads whole. The store
	// must belong to this file as it is now.
	ColumnStore *ColumnStore
	// Analyze collects the statistics that cost time of their own (page-
	// cache residency before the scan, which walks the whole file's page
	// table), for EXPLAIN ANALYZE.
	Analyze bool
}
