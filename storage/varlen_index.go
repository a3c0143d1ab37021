package storage

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync"
)

// IndexSpanBytes is the data between two entries of a variable-length
// file's record index: about one scan chunk (scan.DefaultChunkBytes), so
// a scan splits the file at index entries.
const IndexSpanBytes = 1 << 20

// indexFileMinBytes is the smallest record region whose index is cached
// in a file beside it: smaller files are indexed in well under a
// millisecond, and a sidecar next to every small sample would be clutter.
// Tests lower it.
var indexFileMinBytes int64 = IndexSpanBytes

// VarIndex is the sparse record index of a variable-length (V or VB)
// file: the (record number, byte offset) of a record boundary (V) or a
// block boundary (VB) about every IndexSpanBytes, built by one pass over
// the headers.
type VarIndex struct {
	// Entries start with {0, DataOffset}; entry i's records are
	// [Entries[i].Record, Entries[i+1].Record) (Count for the last) and
	// its bytes [Entries[i].Offset, Entries[i+1].Offset) (End).
	Entries []VarEntry
	Count   int64 // records in the file
	End     int64 // offset just past the last record
	MaxLen  int   // the longest record's length
	// Source says where the index came from: "built" (a pass over the
	// headers), "file" (the NAME.recq-idx cache) or "memory" (this
	// process's cache).
	Source string
}

// VarEntry is one index entry.
type VarEntry struct {
	Record int64 // record number of the first record at Offset
	Offset int64 // file offset of its RDW (V) or of its block's BDW (VB)
}

// Entry returns the index of the entry holding record i.
func (x *VarIndex) Entry(i int64) int {
	return sort.Search(len(x.Entries), func(k int) bool { return x.Entries[k].Record > i }) - 1
}

// Span returns entry k's records [first, end) and bytes [off, offEnd).
func (x *VarIndex) Span(k int) (first, end, off, offEnd int64) {
	e := x.Entries[k]
	end, offEnd = x.Count, x.End
	if k+1 < len(x.Entries) {
		end, offEnd = x.Entries[k+1].Record, x.Entries[k+1].Offset
	}
	return e.Record, end, e.Offset, offEnd
}

// indexKey identifies an index: the file (by path, size and mtime) and
// every option that moves record boundaries.
type indexKey struct {
	path        string
	size, mtime int64
	start, end  int64
	fr          Framing
}

var indexCache struct {
	sync.Mutex
	m map[indexKey]*VarIndex
}

// loadVarIndex returns the record index of the V or VB records in
// [start, end) of the file at path, read through r: from this process's
// cache, from the NAME.recq-idx file when its key matches, or built by
// one pass over the headers (then cached in memory and, when the
// directory is writable, in NAME.recq-idx; a compressed file's
// NAME.recq-idx holds its seek points, so its record index stays in
// memory).
func loadVarIndex(path string, r io.ReaderAt, start, end int64, fr Framing) (*VarIndex, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fileErr(path, ErrIO, "cannot open: %v", unwrapPathError(err))
	}
	key := indexKey{path: path, size: st.Size(), mtime: st.ModTime().UnixNano(), start: start, end: end, fr: fr}
	if abs, err := filepath.Abs(path); err == nil {
		key.path = abs
	}
	indexCache.Lock()
	x := indexCache.m[key]
	indexCache.Unlock()
	if x != nil {
		c := *x
		c.Source = "memory"
		return &c, nil
	}
	side := path + IndexSuffix
	if x = readRecIndexFile(side, key); x == nil {
		if x, err = buildVarIndex(path, r, start, end, fr); err != nil {
			return nil, err
		}
		if end-start >= indexFileMinBytes && DetectCompression(path) == Uncompressed {
			// Best effort: an unwritable directory keeps the index in
			// memory only.
			_ = writeRecIndexFile(side, key, x)
		}
	}
	indexCache.Lock()
	if indexCache.m == nil {
		indexCache.m = map[indexKey]*VarIndex{}
	}
	indexCache.m[key] = x
	indexCache.Unlock()
	return x, nil
}

// forgetIndexes empties the in-process index cache (tests).
func forgetIndexes() {
	indexCache.Lock()
	indexCache.m = nil
	indexCache.Unlock()
}

// buildVarIndex walks the headers of [start, end) with large sequential
// reads, skipping the records' bytes.
func buildVarIndex(path string, r io.ReaderAt, start, end int64, fr Framing) (*VarIndex, error) {
	br := bufio.NewReaderSize(io.NewSectionReader(r, start, end-start), 1<<20)
	x := &VarIndex{Source: "built"}
	var h []byte // the header just peeked at
	off, last := start, int64(-1)
	var rec int64
	entry := func() {
		if last < 0 || off-last >= IndexSpanBytes {
			x.Entries = append(x.Entries, VarEntry{Record: rec, Offset: off})
			last = off
		}
	}
	readHeader := func(what string, limit int64) error {
		if limit-off < HeaderLen {
			return fr.headerError(path, rec, off, nil, fmt.Sprintf("the data ends inside a %s (%d bytes left)", what, limit-off))
		}
		var err error
		if h, err = br.Peek(HeaderLen); err != nil {
			return &FileError{Path: path, Record: rec, Offset: off, Msg: "read failed", Err: err}
		}
		return nil
	}
	skip := func(n int) error {
		if _, err := br.Discard(n); err != nil {
			return &FileError{Path: path, Record: rec, Offset: off, Msg: "read failed", Err: err}
		}
		off += int64(n)
		return nil
	}
	for off < end {
		blockEnd := end
		if fr.Blocked {
			entry()
			if err := readHeader("block descriptor word (BDW)", end); err != nil {
				return nil, err
			}
			bl := fr.bdwLength(h)
			switch {
			case bl <= 0:
				return nil, fr.headerError(path, rec, off, h, fmt.Sprintf("a block descriptor word (BDW) announces %d bytes", bl))
			case int64(bl) > end-off-HeaderLen:
				return nil, fr.headerError(path, rec, off, h,
					fmt.Sprintf("a block descriptor word (BDW) announces %d bytes but only %d follow", bl, end-off-HeaderLen))
			}
			if err := skip(HeaderLen); err != nil {
				return nil, err
			}
			blockEnd = off + int64(bl)
		}
		for off < blockEnd {
			if !fr.Blocked {
				entry()
			}
			if err := readHeader("record descriptor word (RDW)", blockEnd); err != nil {
				return nil, err
			}
			rl := fr.rdwLength(h)
			switch {
			case rl <= 0:
				return nil, fr.headerError(path, rec, off, h, fmt.Sprintf("a record descriptor word (RDW) announces %d bytes", rl))
			case int64(rl) > blockEnd-off-HeaderLen:
				where := "the file"
				if fr.Blocked {
					where = "its block"
				}
				return nil, fr.headerError(path, rec, off, h,
					fmt.Sprintf("a record descriptor word (RDW) announces %d bytes but only %d are left in %s", rl, blockEnd-off-HeaderLen, where))
			}
			if err := skip(HeaderLen + rl); err != nil {
				return nil, err
			}
			x.MaxLen = max(x.MaxLen, rl)
			rec++
		}
	}
	if len(x.Entries) == 0 {
		x.Entries = []VarEntry{{Record: 0, Offset: start}}
	}
	x.Count, x.End = rec, end
	return x, nil
}

// The NAME.recq-idx file (docs/format.md, "Record index files"), all
// integers little-endian:
//
//	magic "RECQIDX\x02" (compressed files' seek-point indexes use
//	"RECQIDX\x01"), version u32 (1),
//	key: file size i64, mtime (ns) i64, region start i64, region end i64,
//	     flags u32 (1 VB, 2 RDW little-endian, 4 BDW little-endian),
//	     rdw_adjustment i32, bdw_adjustment i32, span i64,
//	count i64, end i64, max record length i64, entries u64,
//	entries × (record i64, offset i64),
//	CRC-32C u32 of every byte before it.
var recIndexMagic = [8]byte{'R', 'E', 'C', 'Q', 'I', 'D', 'X', 2}

const recIndexVersion = 1

// flags packs the framing's booleans: 1 VB, 2 RDW little-endian, 4 BDW
// little-endian.
func (fr Framing) flags() uint8 {
	var f uint8
	if fr.Blocked {
		f |= 1
	}
	if fr.RDWLittleEndian {
		f |= 2
	}
	if fr.BDWLittleEndian {
		f |= 4
	}
	return f
}

func (k *indexKey) fields() []int64 {
	return []int64{k.size, k.mtime, k.start, k.end, int64(k.fr.flags()), int64(k.fr.RDWAdjust), int64(k.fr.BDWAdjust), IndexSpanBytes}
}

// encodeIndex renders x with its key.
func encodeRecIndex(key indexKey, x *VarIndex) []byte {
	b := append([]byte(nil), recIndexMagic[:]...)
	b = binary.LittleEndian.AppendUint32(b, recIndexVersion)
	for _, v := range key.fields() {
		b = binary.LittleEndian.AppendUint64(b, uint64(v))
	}
	for _, v := range []int64{x.Count, x.End, int64(x.MaxLen), int64(len(x.Entries))} {
		b = binary.LittleEndian.AppendUint64(b, uint64(v))
	}
	for _, e := range x.Entries {
		b = binary.LittleEndian.AppendUint64(b, uint64(e.Record))
		b = binary.LittleEndian.AppendUint64(b, uint64(e.Offset))
	}
	return binary.LittleEndian.AppendUint32(b, CRC32C(b))
}

var errStaleIndex = errors.New("stale or damaged record index")

// decodeIndex parses an index file's bytes, checking the magic, version,
// checksum, key and the entries' order; any mismatch is errStaleIndex.
func decodeRecIndex(b []byte, key indexKey) (*VarIndex, error) {
	const head = 8 + 4 + 8*8 + 4*8
	if len(b) < head+4 || [8]byte(b[:8]) != recIndexMagic || binary.LittleEndian.Uint32(b[8:]) != recIndexVersion {
		return nil, errStaleIndex
	}
	body := b[:len(b)-4]
	if CRC32C(body) != binary.LittleEndian.Uint32(b[len(b)-4:]) {
		return nil, errStaleIndex
	}
	p := 12
	next := func() int64 { v := int64(binary.LittleEndian.Uint64(b[p:])); p += 8; return v }
	for _, want := range key.fields() {
		if next() != want {
			return nil, errStaleIndex
		}
	}
	x := &VarIndex{Count: next(), End: next(), MaxLen: int(next()), Source: "file"}
	n := next()
	if n < 1 || n != int64(len(body)-p)/16 || int64(len(body)-p)%16 != 0 || x.MaxLen < 0 || x.MaxLen > 1<<17 || x.End != key.end {
		return nil, errStaleIndex
	}
	x.Entries = make([]VarEntry, n)
	for i := range x.Entries {
		x.Entries[i] = VarEntry{Record: next(), Offset: next()}
		if i == 0 && x.Entries[0] != (VarEntry{0, key.start}) ||
			i > 0 && (x.Entries[i].Record <= x.Entries[i-1].Record || x.Entries[i].Offset <= x.Entries[i-1].Offset) {
			return nil, errStaleIndex
		}
	}
	if last := x.Entries[n-1]; last.Record >= x.Count && x.Count > 0 || last.Offset > x.End {
		return nil, errStaleIndex
	}
	return x, nil
}

// readIndexFile returns the index cached in file side, or nil when there
// is none or it does not match key.
func readRecIndexFile(side string, key indexKey) *VarIndex {
	b, err := os.ReadFile(side)
	if err != nil {
		return nil
	}
	x, err := decodeRecIndex(b, key)
	if err != nil {
		return nil
	}
	return x
}

// writeIndexFile writes x to side atomically: a temporary file in the
// same directory, renamed over side.
func writeRecIndexFile(side string, key indexKey, x *VarIndex) error {
	return WriteFileAtomic(side, encodeRecIndex(key, x), 0o644)
}

// ForgetRecordIndexes empties this process's cache of record indexes, so
// the next open of a variable-length file reads its NAME.recq-idx or
// walks its headers again (tests and benchmarks).
func ForgetRecordIndexes() { forgetIndexes() }
