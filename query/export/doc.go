// Package export writes query results to files in formats other programs
// read: CSV and TSV, JSON and JSON lines, Arrow IPC (file and stream),
// Parquet, and recq's .rec. The shell's output modes and the COPY statement both write
// through it, so a value prints the same everywhere (text.go: DECIMALs
// keep their scale, dates as YYYY-MM-DD, ...).
//
// Write streams an array.RecordReader into an io.Writer; WriteFile makes
// the file appear atomically (temporary file, sync, rename) and leaves the
// target as it was on any error.
//
// WriteFile also writes recq's own .rec files (format Rec; rec.go), for
// COPY ... (FORMAT rec) and CREATE TABLE ... AS, through storage.Writer,
// the writer recq import uses (one source of truth for the format).
// RecSchema maps result columns to .rec fields.
//
// WritePartitioned writes a Hive-style directory of one file per
// partition (COPY ... (PARTITION_BY (...)); partition.go), spooled per
// partition and renamed into place when complete.
//
// ParquetWriter streams record batches into a Parquet file in row groups
// of bounded size: each batch is encoded into the open row group's column
// chunks as it arrives and is not retained, and a row group is written out
// when it reaches its row or byte limit, so memory stays bounded by one row
// group's encoded pages whatever the result's size. Every column chunk
// carries min/max and null-count statistics, and the Arrow schema is
// stored in the file's key-value metadata (as Arrow's own Parquet writer
// does), so Arrow readers get the exact column types back.
//
// The Parquet writer uses the low-level column writers of Arrow's
// parquet/file package rather than parquet/pqarrow: pqarrow links Arrow's
// compute kernels, Flight, gRPC and protobuf, whose package initialisation
// would run at every start of the recq binary, whether or not a query
// writes Parquet.
package export
