package importer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/recq/recq/storage"
)

// chunkBytes is the target size of one chunk of input (a variable so
// tests can cut small inputs into many chunks).
var chunkBytes = 4 << 20

// readDelimited cuts the input into chunks of whole records. A record ends
// at a line break outside double quotes, so quoted fields may hold line
// breaks; the quote state is tracked from the start of the file.
func (im *Importer) readDelimited(ctx context.Context, out chan<- chunk) error {
	// A compressed input is read decompressed.
	ra, size, closeFile, err := storage.OpenDataReader(im.opts.From)
	if err != nil {
		return err
	}
	defer closeFile()
	f := io.NewSectionReader(ra, 0, size)
	var (
		carry   []byte // the unfinished record from the last read
		seq     int64
		line    int64 = 1
		skipped       = !im.opts.Header
	)
	buf := make([]byte, chunkBytes)
	for {
		n, rerr := io.ReadFull(f, buf)
		eof := rerr == io.EOF || rerr == io.ErrUnexpectedEOF
		if rerr != nil && !eof {
			return &storage.FileError{Path: im.opts.From, Record: -1, Offset: -1, Msg: "read", Err: rerr}
		}
		data := append(carry, buf[:n]...)
		carry = nil
		end := len(data)
		if !eof {
			end = lastRecordEnd(data, im.opts.Delimiter)
			if end < 0 {
				// No record ends in this read: read on (a huge quoted field).
				carry = data
				if len(carry) > 256<<20 {
					return fmt.Errorf("%s: a record longer than 256 MiB starts near line %d (an unclosed quote?)", im.opts.From, line)
				}
				continue
			}
		}
		body := data[:end]
		if end < len(data) {
			carry = append([]byte(nil), data[end:]...)
		}
		if !skipped && len(body) > 0 {
			e := recordEnd(body, im.opts.Delimiter)
			if e < 0 {
				e = len(body)
			}
			if err := im.checkHeader(body[:e]); err != nil {
				return err
			}
			im.done.Add(int64(e))
			line += int64(bytes.Count(body[:e], []byte{'\n'}))
			body = body[e:]
			skipped = true
		}
		if len(body) > 0 {
			c := chunk{seq: seq, data: append([]byte(nil), body...), firstLine: line}
			line += int64(bytes.Count(body, []byte{'\n'}))
			seq++
			select {
			case out <- c:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if eof {
			return nil
		}
	}
}

// lastRecordEnd returns the offset just past the last line break in data
// that ends a record (one outside a quoted field), or -1. data starts at
// the start of a record.
func lastRecordEnd(data []byte, delim byte) int { return scanRecords(data, delim, false) }

// recordEnd returns the offset just past the first record's line break,
// or -1.
func recordEnd(data []byte, delim byte) int { return scanRecords(data, delim, true) }

// scanRecords finds record ends. A double quote starts a quoted field only
// at the start of a field (so a stray quote inside a .tbl comment is text);
// inside one, "" is a quote and a line break is data.
func scanRecords(data []byte, delim byte, first bool) int {
	last := -1
	atStart, inQuote := true, false
	for i := 0; i < len(data); i++ {
		c := data[i]
		if inQuote {
			if c == '"' {
				if i+1 < len(data) && data[i+1] == '"' {
					i++
					continue
				}
				inQuote = false
			}
			continue
		}
		switch c {
		case '"':
			inQuote = atStart
			atStart = false
		case delim:
			atStart = true
		case '\n':
			atStart = true
			if first {
				return i + 1
			}
			last = i + 1
		default:
			atStart = false
		}
	}
	return last
}

// recordsPerChunk for fixed-width input.
func (im *Importer) recordsPerChunk() int64 {
	return max(1, int64(chunkBytes/max(1, im.table.Layout.Stride)))
}

// readFixed reads a fixed-width file's records in chunks.
func (im *Importer) readFixed(ctx context.Context, out chan<- chunk) error {
	t := im.table
	// A compressed input is read decompressed (Layout's offsets are in
	// the decompressed data).
	f, _, closeFile, err := storage.OpenDataReader(t.Path)
	if err != nil {
		return err
	}
	defer closeFile()
	l := &t.Layout
	per := im.recordsPerChunk()
	var seq int64
	for first := int64(0); first < l.Count; first += per {
		n := min(per, l.Count-first)
		off := l.RecordOffset(first)
		var end int64
		if first+n < l.Count {
			end = l.RecordOffset(first + n)
		} else {
			end = l.DataEnd()
		}
		data := make([]byte, end-off)
		if _, err := f.ReadAt(data, off); err != nil && !errors.Is(err, io.EOF) {
			return &storage.FileError{Path: t.Path, Record: first, Offset: off, Msg: "read", Err: err}
		}
		c := chunk{seq: seq, data: data, firstLine: first, records: n}
		seq++
		select {
		case out <- c:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}
