// Package scan reads the records of a storage.Table in parallel partitions
// and turns them into Apache Arrow record batches.
//
//	       Spec (table, columns, predicates, ranges, limit, batch size)
//	                              │ New: compile predicates to raw-byte range
//	                              │ tests, cut the records into chunks, drop
//	                              ▼ .rec blocks ruled out by min/max
//	chunks:  [c0][c1][c2][c3][c4][c5][c6] ...   shared cursor (atomic)
//	           │   │       │   │
//	partition 0 ◄──┘  partition 1 ...   (one per worker; Execute(ctx, p))
//	  read chunk (mmap view | direct/buffered read-ahead goroutine)
//	  check separators / checksums
//	  predicates on raw bytes ──► selection vector of record indexes
//	  join key filters, once published (keyfilter.go) ──► narrower selection
//	  decode only projected columns of selected records ──► Arrow buffers
//	  emit a batch every BatchSize rows  ──► Stream.Next / Record
//
// Late materialization: a chunk whose selection is empty decodes nothing;
// text fields are parsed only for the predicates and projected columns.
// A join key filter (Spec.KeyFilters) is a predicate that arrives while
// the scan runs: a hash join publishes its build side's keys, and from the
// next piece on the partitions test each record's raw key against them,
// and pass over the .rec blocks whose min/max hold none of the keys.
// A limit is shared by all partitions of a run; once it is reached no
// partition claims another chunk. Mapped bytes are only touched inside
// storage.Guard, on the partition's own goroutine, so a file truncated
// during the scan is an error, not a crash.
//
// Memory stays bounded: each partition holds one batch under construction
// and at most two chunk buffers (the one being decoded and one read ahead).
//
// Ordered mode (Spec.Ordered): chunks are numbered in file order; a
// partition flushes its batch at every chunk end and tags each batch with
// a Seq (chunk, piece, last), sending a zero-row marker for a chunk that
// kept no rows, so a merge (exec.NewOrderedGather) can emit the batches
// in file order. A limit is then applied per chunk and stops the claiming
// of chunks once the finished leading chunks hold enough rows, so the
// first records in file order are always among those returned.
//
// Compressed files (lanes.go): the source is a storage.CompressedSource,
// whose bytes come out of decompression lanes. Chunks are assigned to
// the lane holding their first record and claimed lane by lane, each read
// while its lane is held, so a lane decompresses in order while the other
// partitions decode; several lanes (a file of many gzip members or zstd
// frames) decompress in parallel. Chunk numbers stay global, so Seq,
// ordered limits and row ids are those of the uncompressed file.
//
// A panic in a goroutine the scan starts (the read-ahead) is recovered
// and becomes the partition's *InternalError; faults on mapped memory
// stay *storage.FileError values (storage.Guard).
package scan
