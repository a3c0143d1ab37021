// Package export writes query results to files in formats other programs
// read.
//
// ParquetWriter streams Arrow record batches into a Parquet file in row
// groups of bounded size: each batch is encoded into the open row group's
// column chunks as it arrives and is not retained, and a row group is
// written out when it reaches its row or byte limit, so memory stays
// bounded by one row group's encoded pages whatever the result's size.
// Every column chunk carries min/max and null-count statistics, and the
// Arrow schema is stored in the file's key-value metadata (as Arrow's own
// Parquet writer does), so Arrow readers get the exact column types back.
//
// The writer uses the low-level column writers of Arrow's parquet/file
// package rather than parquet/pqarrow: pqarrow links Arrow's compute
// kernels, Flight, gRPC and protobuf, whose package initialisation would
// run at every start of the recq binary, whether or not a query writes
// Parquet.
package export
