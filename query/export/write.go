package export

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// Format is a file format Write writes.
type Format uint8

// The formats.
const (
	CSV         Format = iota // RFC 4180, a header line of column names
	TSV                       // tab-separated, RFC 4180 quoting, a header line
	JSON                      // one JSON array of objects, keys in column order
	JSONL                     // one JSON object per line
	ArrowStream               // Arrow IPC stream
	ArrowFile                 // Arrow IPC file (random access, with a footer)
	Parquet                   // Parquet file, in row groups
	Rec                       // recq's own .rec file (WriteFile only)
)

var formatNames = [...]string{CSV: "csv", TSV: "tsv", JSON: "json", JSONL: "jsonl",
	ArrowStream: "arrows", ArrowFile: "arrow", Parquet: "parquet", Rec: "rec"}

func (f Format) String() string {
	if int(f) < len(formatNames) {
		return formatNames[f]
	}
	return fmt.Sprintf("Format(%d)", uint8(f))
}

// ParseFormat reads a format name (any case): csv, tsv, json, jsonl (or
// ndjson), arrow (an IPC file; ipc and feather are accepted too), arrows
// (an IPC stream), parquet or rec.
func ParseFormat(s string) (Format, error) {
	l := strings.ToLower(strings.TrimSpace(s))
	for i, n := range formatNames {
		if n == l {
			return Format(i), nil
		}
	}
	switch l {
	case "ndjson":
		return JSONL, nil
	case "ipc", "feather":
		return ArrowFile, nil
	}
	return 0, fmt.Errorf("unknown format %q (want one of: csv, tsv, json, jsonl, arrow, arrows, parquet, rec)", s)
}

// FormatOf guesses a file's format from its extension: .csv, .tsv,
// .json, .jsonl and .ndjson, .arrow, .ipc and .feather (Arrow IPC files),
// .arrows (an Arrow IPC stream), .parquet; ok is false for any other.
func FormatOf(path string) (f Format, ok bool) {
	ext := strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
	if ext == "" {
		return 0, false
	}
	f, err := ParseFormat(ext)
	return f, err == nil
}

// Options tune Write. The zero value writes CSV and JSON with NULL as an
// empty field (CSV) or null (JSON), and Parquet with its defaults.
type Options struct {
	// Null is the text of NULL in CSV and TSV.
	Null string
	// NoHeader leaves out the line of column names in CSV and TSV.
	NoHeader bool
	// Delimiter replaces CSV's comma (0: ',' for CSV, '\t' for TSV).
	Delimiter rune
	// Parquet tunes Parquet output.
	Parquet ParquetOptions
	// Allocator holds the Arrow and Parquet writers' buffers (nil: Go's
	// heap).
	Allocator memory.Allocator
	// BeforeWrite, when set, is called once before anything is written;
	// the shell stops its progress bar there.
	BeforeWrite func()
}

func (o *Options) nullText(def string) string {
	if o.Null != "" {
		return o.Null
	}
	return def
}

func (o *Options) beforeWrite() {
	if o.BeforeWrite != nil {
		o.BeforeWrite()
		o.BeforeWrite = nil
	}
}

func (o *Options) allocator() memory.Allocator {
	if o.Allocator != nil {
		return o.Allocator
	}
	return memory.DefaultAllocator
}

// Write writes every row of rr to w in format f and returns the number of
// rows read. It stops at the reader's error (rr.Err()), which it returns;
// what was written before stays written (Write does not make output
// atomic: write to a temporary file and rename it, as WriteFile does). A
// column type the format cannot hold (INTERVAL in Parquet) is reported
// before anything is written. Write does not release rr.
func Write(w io.Writer, rr array.RecordReader, f Format, o Options) (int64, error) {
	switch f {
	case CSV, TSV:
		comma := o.Delimiter
		if comma == 0 {
			comma = ','
			if f == TSV {
				comma = '\t'
			}
		}
		return writeDelimited(w, rr, &o, comma)
	case JSON:
		return writeJSON(w, rr, &o, true)
	case JSONL:
		return writeJSON(w, rr, &o, false)
	case ArrowStream:
		return writeArrow(w, rr, &o, false)
	case ArrowFile:
		return writeArrow(w, rr, &o, true)
	case Parquet:
		return writeParquet(w, rr, &o)
	case Rec:
		return 0, fmt.Errorf("rec output: a .rec file is written to a named file, not a stream (write it with WriteFile, or COPY ... TO 'file.rec')")
	}
	return 0, fmt.Errorf("unknown format %v", f)
}

// writeParquet streams rr into a ParquetWriter.
func writeParquet(w io.Writer, rr array.RecordReader, o *Options) (int64, error) {
	var pw *ParquetWriter
	var total int64
	po := o.Parquet
	if po.Allocator == nil {
		po.Allocator = o.Allocator
	}
	start := func() error {
		if err := CheckParquetSchema(rr.Schema()); err != nil {
			return err
		}
		o.beforeWrite()
		var err error
		pw, err = NewParquetWriter(w, rr.Schema(), po)
		return err
	}
	for rr.Next() {
		if pw == nil {
			if err := start(); err != nil {
				return total, err
			}
		}
		rec := rr.Record()
		if err := pw.Write(rec); err != nil {
			pw.Close()
			return total, err
		}
		total += rec.NumRows()
	}
	if err := rr.Err(); err != nil {
		if pw != nil {
			pw.Close()
		}
		return total, err
	}
	if pw == nil {
		if err := start(); err != nil {
			return total, err
		}
	}
	return total, pw.Close()
}
