// Package storage owns recq's record files: the schema and field model, the
// binary and text field encodings, the self-describing .rec format and raw
// fixed-width files described by an external schema, the .rec writer, and the
// three ways of reading bytes from disk (mmap, direct I/O, buffered pread)
// plus the "auto" strategy that picks among them.
//
// storage answers "where is record i, how long is it, what does field f of
// it hold" and "give me the bytes [off, off+n) of this file, read this
// way". It does not parse SQL or run queries, and knows nothing of batches,
// partitions or plans; it does name each field type's Arrow type
// (Type.ArrowType, for the scan) and writes a layout back as CREATE TABLE
// text (FormatDDL, for sidecars).
//
//	               ┌───────────────────────────── Table ─────────────────────────────┐
//	li.rec ──────► │ Header (magic, version, record length, Schema, block index, CRC) │
//	x.dly + sidecar│ Layout (data offset, record length, stride, separator, count)    │
//	               └─────────────┬───────────────────────────────────┬───────────────┘
//	                             │ Open(strategy)                    │ Field.Decode*/Encode*
//	                             ▼                                   ▼
//	            Source: mmap │ direct (O_DIRECT) │ buffered     bytes of one record
//	            Read(off, n) ─► Region{Bytes, Off}  (Release when done)
//
// A data file compressed with gzip, zstd or bzip2 (recognised by its magic
// number) is a table of the bytes it decompresses to: Open and OpenRaw
// index it on first read (compress_index.go; cached beside it as
// NAME.recq-idx, compress_cache.go) and OpenTableSource returns a
// CompressedSource that decompresses in lanes from seek points
// (compress_source.go) through inflaters (compress_inflate.go).
//
// Values are encoded into records by Schema.EncodeField (any Go value of
// the field's type) or, without boxing, by the typed Put methods
// (codec_put.go), which share its range checks and byte writers; the
// Writer appends encoded records.
//
// Files are always opened read-only. Files recq writes (.rec files, schema
// sidecars) appear atomically: written to a temporary file in the target
// directory, fsynced, then renamed over the target.
//
// Errors carry the file, and where they apply the record number, byte offset
// and field (see FileError); corruption is tested with errors.Is(err,
// ErrCorrupt).
package storage
