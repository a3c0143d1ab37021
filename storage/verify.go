package storage

import (
	"fmt"
	"io"
)

// VerifyResult summarises a checksum verification.
type VerifyResult struct {
	Blocks  int   // blocks checked
	Records int64 // records covered
	Bytes   int64 // record bytes read
}

// Verify checks a .rec table's block checksums against the bytes read from
// r (normally the file itself). The header checksum was already checked by
// Open. The first block whose CRC32C does not match is returned as an
// ErrCorrupt FileError naming the block, its records and its byte range.
func Verify(t *Table, r io.ReaderAt) (VerifyResult, error) {
	var res VerifyResult
	if t.Format != RecFormat {
		return res, fileErr(t.Path, ErrUnsupported, "only .rec files carry checksums (this is a raw %s file)", t.Format)
	}
	if t.Blocks == nil {
		return res, fileErr(t.Path, ErrUnsupported, "the file has no block index to verify")
	}
	buf := make([]byte, min(int64(t.Blocks.RecordsPerBlock)*int64(t.Layout.RecordLen), 8<<20))
	for b := range t.Blocks.Blocks {
		first, n := t.Blocks.BlockRange(b, t.Layout.Count)
		off := t.Layout.RecordOffset(first)
		length := n * int64(t.Layout.RecordLen)
		var crc uint32
		for done := int64(0); done < length; {
			chunk := buf[:min(int64(len(buf)), length-done)]
			if _, err := r.ReadAt(chunk, off+done); err != nil {
				return res, &FileError{Path: t.Path, Record: first, Offset: off + done, Msg: fmt.Sprintf("block %d: read failed", b+1), Err: err}
			}
			crc = UpdateCRC32C(crc, chunk)
			done += int64(len(chunk))
		}
		if want := t.Blocks.Blocks[b].CRC; crc != want {
			return res, &FileError{Path: t.Path, Record: first, Offset: off, Err: ErrCorrupt,
				Msg: fmt.Sprintf("block %d (records %d to %d, bytes %d to %d) is damaged: checksum %08x, expected %08x",
					b+1, first+1, first+n, off, off+length-1, crc, want)}
		}
		res.Blocks++
		res.Records += n
		res.Bytes += length
	}
	return res, nil
}
