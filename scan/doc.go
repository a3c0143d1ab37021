// Package scan will own the parallel partition scan: splitting a record file
// into record-aligned chunks, partition workers that read them through a
// storage strategy, predicates evaluated on raw record bytes, decode kernels
// that write the selected records' projected columns into Arrow buffers,
// row-id ranges, sampling and early stop.
package scan
