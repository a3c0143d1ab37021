package storage

import (
	"fmt"
	"strings"
)

// RecordFormat says how records are delimited in a raw file. The names
// are Cobrix's record_format values.
type RecordFormat uint8

const (
	// RecordFixed (F): records of one length back to back (the default).
	RecordFixed RecordFormat = iota
	// RecordFixedBlocked (FB): read like F (blocks of fixed-length
	// records carry no headers once the data set is copied off the host).
	RecordFixedBlocked
	// RecordVariable (V): each record is preceded by a 4-byte record
	// descriptor word (RDW) holding its length.
	RecordVariable
	// RecordVariableBlocked (VB): blocks, each preceded by a 4-byte block
	// descriptor word (BDW) holding its length, of RDW records.
	RecordVariableBlocked
	// RecordText (D): text lines (format = 'text').
	RecordText
)

var recordFormatNames = [...]string{RecordFixed: "F", RecordFixedBlocked: "FB", RecordVariable: "V", RecordVariableBlocked: "VB", RecordText: "D"}

func (f RecordFormat) String() string {
	if int(f) < len(recordFormatNames) {
		return recordFormatNames[f]
	}
	return fmt.Sprintf("RecordFormat(%d)", uint8(f))
}

// ParseRecordFormat accepts F, FB, V, VB or D (any case).
func ParseRecordFormat(s string) (RecordFormat, error) {
	for i, n := range recordFormatNames {
		if strings.EqualFold(strings.TrimSpace(s), n) {
			return RecordFormat(i), nil
		}
	}
	return RecordFixed, fmt.Errorf("record_format %q is not F, FB, V, VB or D", s)
}

// Variable reports whether records carry RDW headers (V or VB).
func (f RecordFormat) Variable() bool { return f == RecordVariable || f == RecordVariableBlocked }

// HeaderLen is the size of an RDW and of a BDW.
const HeaderLen = 4

// Framing is how the headers of a variable-length file are read: the
// record_format (V or VB) and the is_rdw_big_endian, rdw_adjustment,
// is_bdw_big_endian and bdw_adjustment options.
//
// As in Cobrix, the length a header holds counts the bytes after the
// header only (the record's payload, or the block's RDW records): an RDW
// of 00 1E 00 00 announces 30 bytes of data after it. z/OS writes RDWs
// and BDWs whose length includes the 4 header bytes; read such files with
// rdw_adjustment = -4 (and bdw_adjustment = -4). The adjustment is added
// to the header's value.
type Framing struct {
	Blocked         bool // VB: BDW blocks of RDW records
	RDWLittleEndian bool
	BDWLittleEndian bool
	RDWAdjust       int
	BDWAdjust       int
}

// Framing returns the header rules of a V or VB file.
func (o *RawOptions) Framing() Framing {
	return Framing{Blocked: o.RecordFormat == RecordVariableBlocked, RDWLittleEndian: o.RDWLittleEndian,
		BDWLittleEndian: o.BDWLittleEndian, RDWAdjust: o.RDWAdjust, BDWAdjust: o.BDWAdjust}
}

// rdwLength decodes an RDW: the payload length it announces (after the
// adjustment). Following Cobrix, the length sits in the first two bytes
// (big- or little-endian); when those are zero and the last two are not,
// the length is read from the last two (RDWs written as a 4-byte integer
// of the other byte order).
func (fr *Framing) rdwLength(h []byte) int {
	a, b := h[0], h[1]
	if h[0] == 0 && h[1] == 0 && (h[2] != 0 || h[3] != 0) {
		a, b = h[2], h[3]
	}
	n := int(a)<<8 | int(b)
	if fr.RDWLittleEndian {
		n = int(b)<<8 | int(a)
	}
	return n + fr.RDWAdjust
}

// bdwLength decodes a BDW: the length of the block's RDW records (after
// the adjustment). Big-endian BDWs hold it in the first two bytes,
// little-endian ones in the last two (Cobrix's rule).
func (fr *Framing) bdwLength(h []byte) int {
	if fr.BDWLittleEndian {
		return int(h[3])<<8 | int(h[2]) + fr.BDWAdjust
	}
	return int(h[0])<<8 | int(h[1]) + fr.BDWAdjust
}

// headerError is a corrupt RDW or BDW at file offset off, before record
// rec (0-based).
func (fr *Framing) headerError(path string, rec, off int64, h []byte, msg string) error {
	hint := "check record_format (V: RDW headers, VB: BDW blocks of RDW records), is_rdw_big_endian and rdw_adjustment " +
		"(z/OS RDWs count their own 4 bytes: rdw_adjustment = -4)"
	if fr.Blocked {
		hint += ", is_bdw_big_endian and bdw_adjustment (bdw_adjustment = -4 when BDWs count their own 4 bytes)"
	}
	if len(h) > 0 {
		msg += fmt.Sprintf(" (header bytes % X)", h)
	}
	return &FileError{Path: path, Record: rec, Offset: off, Err: ErrCorrupt, Msg: msg, Hint: hint}
}

// RecordSpans are the records of one chunk of a variable-length file:
// record i's bytes are data[Start[i] : Start[i]+Len[i]] of the chunk's
// data (headers excluded). This is what a decoder of variable-length
// records (RDW files, OCCURS DEPENDING ON) needs to find each record.
type RecordSpans struct {
	Start []int
	Len   []int
}

// Reset empties s, keeping its storage.
func (s *RecordSpans) Reset() { s.Start, s.Len = s.Start[:0], s.Len[:0] }

// N is the number of records.
func (s *RecordSpans) N() int { return len(s.Start) }

// Split finds the records in data, which starts at a record boundary of
// a V file (or a block boundary of a VB file) at file offset base, where
// record number first begins. It appends to spans the records numbered
// skip.. skip+n-1 counted from data's first record (n < 0: every record
// up to the end of data) and returns the number of records it walked.
// data must end at a record (block) boundary unless n records are found
// first. A header announcing a zero length, or a length past the end of
// data (or of its block), is an error naming path, the record number and
// the byte offset; a walk always ends.
func (fr *Framing) Split(path string, data []byte, base, first int64, skip, n int, spans *RecordSpans) (int, error) {
	pos, rec, blockEnd := 0, 0, len(data)
	inBlock := !fr.Blocked
	for pos < len(data) && (n < 0 || rec < skip+n) {
		if !inBlock || pos == blockEnd {
			if len(data)-pos < HeaderLen {
				return rec, fr.headerError(path, first+int64(rec), base+int64(pos), data[pos:], "the data ends inside a block descriptor word (BDW)")
			}
			h := data[pos : pos+HeaderLen]
			bl := fr.bdwLength(h)
			switch {
			case bl <= 0:
				return rec, fr.headerError(path, first+int64(rec), base+int64(pos), h, fmt.Sprintf("a block descriptor word (BDW) announces %d bytes", bl))
			case bl > len(data)-pos-HeaderLen:
				return rec, fr.headerError(path, first+int64(rec), base+int64(pos), h,
					fmt.Sprintf("a block descriptor word (BDW) announces %d bytes but only %d follow", bl, len(data)-pos-HeaderLen))
			}
			pos += HeaderLen
			blockEnd, inBlock = pos+bl, true
			continue
		}
		if blockEnd-pos < HeaderLen {
			return rec, fr.headerError(path, first+int64(rec), base+int64(pos), data[pos:blockEnd], "the data ends inside a record descriptor word (RDW)")
		}
		h := data[pos : pos+HeaderLen]
		rl := fr.rdwLength(h)
		switch {
		case rl <= 0:
			return rec, fr.headerError(path, first+int64(rec), base+int64(pos), h, fmt.Sprintf("a record descriptor word (RDW) announces %d bytes", rl))
		case rl > blockEnd-pos-HeaderLen:
			where := "the file"
			if fr.Blocked {
				where = "its block"
			}
			return rec, fr.headerError(path, first+int64(rec), base+int64(pos), h,
				fmt.Sprintf("a record descriptor word (RDW) announces %d bytes but only %d are left in %s", rl, blockEnd-pos-HeaderLen, where))
		}
		if rec >= skip {
			spans.Start = append(spans.Start, pos+HeaderLen)
			spans.Len = append(spans.Len, rl)
		}
		pos += HeaderLen + rl
		rec++
	}
	return rec, nil
}

// formatRecordFormat renders the record_format options that differ from
// the defaults, as FormatDDL writes them.
func (o *RawOptions) formatRecordFormat() []string {
	if !o.RecordFormat.Variable() {
		return nil
	}
	out := []string{fmt.Sprintf("record_format = '%s'", o.RecordFormat)}
	if o.RDWLittleEndian {
		out = append(out, "is_rdw_big_endian = false")
	}
	if o.RDWAdjust != 0 {
		out = append(out, fmt.Sprintf("rdw_adjustment = %d", o.RDWAdjust))
	}
	if o.RecordFormat == RecordVariableBlocked {
		if o.BDWLittleEndian {
			out = append(out, "is_bdw_big_endian = false")
		}
		if o.BDWAdjust != 0 {
			out = append(out, fmt.Sprintf("bdw_adjustment = %d", o.BDWAdjust))
		}
	}
	return out
}
