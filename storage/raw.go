package storage

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
)

// Separator is what follows each record of a raw file.
type Separator uint8

const (
	// SepAuto detects the separator: for text files from the first line
	// ending, for binary files none.
	SepAuto Separator = iota
	SepNone
	SepLF
	SepCRLF
	// SepCR is a lone carriage return (classic Mac OS line endings). Such
	// files are read when every line has the record length.
	SepCR
)

var separatorNames = [...]string{SepAuto: "auto", SepNone: "none", SepLF: "lf", SepCRLF: "crlf", SepCR: "cr"}

func (s Separator) String() string {
	if int(s) < len(separatorNames) {
		return separatorNames[s]
	}
	return fmt.Sprintf("Separator(%d)", uint8(s))
}

// ParseSeparator accepts auto, none, lf, crlf or cr (any case).
func ParseSeparator(s string) (Separator, error) {
	for i, n := range separatorNames {
		if strings.EqualFold(s, n) {
			return Separator(i), nil
		}
	}
	return SepAuto, fmt.Errorf("unknown record separator %q (want auto, none, lf, crlf or cr)", s)
}

func (s Separator) bytes() []byte {
	switch s {
	case SepLF:
		return []byte{'\n'}
	case SepCRLF:
		return []byte{'\r', '\n'}
	case SepCR:
		return []byte{'\r'}
	}
	return nil
}

// RawOptions describe how records sit in a raw (headerless) file.
type RawOptions struct {
	// Text marks a file of fixed-width text lines; otherwise the file holds
	// binary records back to back.
	Text bool
	// SkipBytes are skipped at the start of the file, then SkipLines lines.
	SkipBytes int64
	SkipLines int
	// Separator follows each record (the last one may lack it).
	Separator Separator
	// RecordLen, when > 0, fixes the record length; otherwise it is the
	// schema's for binary files, and for text files the length of the first
	// line (at least the schema's).
	RecordLen int
	// PadShortLines pads text lines shorter than the record length with
	// spaces (editors drop trailing spaces). Without it a short line is an
	// error naming the line.
	PadShortLines bool
	// IgnorePartial ignores a trailing partial record instead of failing.
	IgnorePartial bool
	// Segments, when set, says the file interleaves several record types
	// and which of them the table reads (see Segments).
	Segments *Segments
	// RecordFormat is Cobrix's record_format: F and FB (fixed, the
	// default), V and VB (variable-length records with RDW headers, see
	// Framing), D (text lines, as Text).
	RecordFormat RecordFormat
	// RDWLittleEndian, RDWAdjust, BDWLittleEndian and BDWAdjust are the
	// is_rdw_big_endian (negated), rdw_adjustment, is_bdw_big_endian
	// (negated) and bdw_adjustment options of V and VB files.
	RDWLittleEndian bool
	RDWAdjust       int
	BDWLittleEndian bool
	BDWAdjust       int
	// EndBytes are ignored at the end of the file (file_end_offset).
	EndBytes int64
}

// maxLineScan bounds how far OpenRaw looks for the first line ending.
const maxLineScan = MaxRecordLen + 2

// OpenRaw opens a headerless file of records described by schema and opts.
// It checks that the file is a whole number of records (or, for text,
// consistent lines) and reports the first problem with its position.
func OpenRaw(path string, schema *Schema, opts RawOptions) (*Table, error) {
	df, err := openDataFile(path)
	if err != nil {
		return nil, err
	}
	defer df.close()
	f := df.ra
	t := &Table{Path: path, Format: RawBinary, Schema: schema, Size: df.size, Raw: opts, Compression: df.comp, content: df.content}
	if opts.Text {
		t.Format = RawText
	}
	start, err := skipPrefix(f, t.Size, opts)
	if err != nil {
		return nil, fileErr(path, ErrCorrupt, "%v", err)
	}
	if opts.RecordLen > 0 && opts.RecordLen < schema.RecordLen {
		return nil, fileErr(path, ErrSchema, "record length %d is shorter than the schema's fields need (%d bytes)", opts.RecordLen, schema.RecordLen)
	}
	if opts.Text && hasBOM(f, start, t.Size) {
		// A UTF-8 byte-order mark (editors on Windows write one) is not
		// part of the first record.
		start += int64(len(utf8BOM))
		t.Notes = append(t.Notes, "skipped the UTF-8 byte-order mark (EF BB BF) at the start of the file")
	}
	if opts.EndBytes < 0 || opts.EndBytes > t.Size-start {
		return nil, fileErr(path, ErrCorrupt, "cannot ignore %d bytes at the end (file_end_offset) of a %d-byte file after %d bytes skipped", opts.EndBytes, t.Size, start)
	}
	l := &t.Layout
	l.DataOffset = start
	if opts.RecordFormat.Variable() {
		if err := openVar(t, f, schema); err != nil {
			return nil, err
		}
		return t, nil
	}
	sep := opts.Separator
	recLen := opts.RecordLen
	if opts.Text && (sep == SepAuto || recLen == 0) {
		lineLen, ending, err := firstLine(f, start, t.Size)
		if err != nil {
			return nil, fileErr(path, ErrIO, "read: %v", err)
		}
		found, crlf := ending != SepNone, ending == SepCRLF
		if found && onlyLine(lineLen, crlf, t.Size-start, schema.RecordLen, opts.RecordLen) {
			// Records back to back followed by one line ending: a "fixed
			// length" file, not one long line.
			found, ending = false, SepNone
		}
		if ending == SepCR && (sep == SepLF || sep == SepCRLF) {
			return nil, &FileError{Path: path, Record: 0, Offset: start, Err: ErrCorrupt,
				Msg:  fmt.Sprintf("the lines end with CR (carriage return, classic Mac OS) only, not %s", strings.ToUpper(sep.String())),
				Hint: "set separator = 'cr', or convert the line endings (tr '\\r' '\\n')"}
		}
		if sep == SepAuto {
			sep = ending
		}
		if recLen == 0 {
			recLen = schema.RecordLen
			if sep != SepNone && found {
				recLen = max(recLen, lineLen)
			}
		}
	}
	if sep == SepAuto {
		sep = SepNone
	}
	if recLen == 0 {
		recLen = schema.RecordLen
	}
	l.RecordLen, l.Separator = recLen, sep.bytes()
	l.Stride = recLen + len(l.Separator)
	t.Raw.Separator, t.Raw.RecordLen = sep, recLen

	data := t.Size - start - opts.EndBytes
	if sep == SepNone && opts.Text {
		// A single line ending after back-to-back records (common for
		// "fixed length" exports) is not data.
		data = trimFinalNewline(f, start, data)
	}
	count := data / int64(l.Stride)
	left := data % int64(l.Stride)
	if len(l.Separator) > 0 && left == int64(recLen) {
		count, left, l.LastWithoutSeparator = count+1, 0, true
	}
	if left == 0 && (len(l.Separator) == 0 || separatorsOK(f, l, count)) {
		l.Count = count
		return t, nil
	}
	if opts.Text && sep == SepCR {
		return nil, &FileError{Path: path, Record: -1, Offset: -1, Err: ErrCorrupt,
			Msg: fmt.Sprintf("the lines end with CR (carriage return, classic Mac OS) only and are not all %d characters long; "+
				"recq reads CR-only files only when every line has the record length", recLen),
			Hint: "convert the line endings (tr '\\r' '\\n') and read it with separator = 'lf'"}
	}
	if opts.Text && len(l.Separator) > 0 {
		if err := indexLines(f, t, opts.PadShortLines); err != nil {
			return nil, err
		}
		return t, nil
	}
	if !opts.IgnorePartial {
		return nil, &FileError{Path: path, Record: count, Offset: start + count*int64(l.Stride), Err: ErrCorrupt,
			Msg: fmt.Sprintf("file size %d bytes is not a whole number of %d-byte records after %d bytes skipped: %d bytes left over",
				t.Size, l.Stride, start, left),
			Hint: "check the record length and separator, or ignore the trailing partial record"}
	}
	t.Notes = append(t.Notes, fmt.Sprintf("ignored a trailing partial record of %d bytes", left))
	l.Count = count
	return t, nil
}

// skipPrefix returns the offset of the first record after SkipBytes and
// SkipLines.
func skipPrefix(f io.ReaderAt, size int64, opts RawOptions) (int64, error) {
	if opts.SkipBytes < 0 || opts.SkipLines < 0 {
		return 0, fmt.Errorf("skip counts must not be negative")
	}
	if opts.SkipBytes > size {
		return 0, fmt.Errorf("cannot skip %d bytes of a %d-byte file", opts.SkipBytes, size)
	}
	off := opts.SkipBytes
	if opts.SkipLines == 0 {
		return off, nil
	}
	br := bufio.NewReaderSize(io.NewSectionReader(f, off, size-off), 1<<16)
	for i := 0; i < opts.SkipLines; i++ {
		line, err := br.ReadSlice('\n')
		for err == bufio.ErrBufferFull {
			off += int64(len(line))
			line, err = br.ReadSlice('\n')
		}
		off += int64(len(line))
		if err == io.EOF {
			return 0, fmt.Errorf("cannot skip %d lines: the file has only %d", opts.SkipLines, i)
		}
		if err != nil {
			return 0, err
		}
	}
	return off, nil
}

// utf8BOM is the UTF-8 encoding of U+FEFF, the byte-order mark.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// hasBOM reports whether the file holds a UTF-8 byte-order mark at start.
func hasBOM(f io.ReaderAt, start, size int64) bool {
	if size-start < int64(len(utf8BOM)) {
		return false
	}
	b := make([]byte, len(utf8BOM))
	_, err := f.ReadAt(b, start)
	return err == nil && bytes.Equal(b, utf8BOM)
}

// firstLine finds the first line ending at or after start: the line's
// length without its separator and the ending: SepLF, SepCRLF, SepCR (a
// carriage return and no line feed within the scanned bytes) or SepNone.
func firstLine(f io.ReaderAt, start, size int64) (n int, ending Separator, err error) {
	buf := make([]byte, min(size-start, 64<<10))
	firstCR := -1
	for off := start; off < size && off-start < maxLineScan; {
		k, rerr := f.ReadAt(buf, off)
		if i := bytes.IndexByte(buf[:k], '\n'); i >= 0 {
			n = int(off-start) + i
			if n > 0 {
				var c [1]byte
				if _, err := f.ReadAt(c[:], start+int64(n)-1); err == nil && c[0] == '\r' {
					return n - 1, SepCRLF, nil
				}
			}
			return n, SepLF, nil
		}
		if firstCR < 0 {
			if i := bytes.IndexByte(buf[:k], '\r'); i >= 0 {
				firstCR = int(off-start) + i
			}
		}
		off += int64(k)
		if rerr == io.EOF || k == 0 {
			break
		}
		if rerr != nil {
			return 0, SepNone, rerr
		}
	}
	if firstCR >= 0 && isTextLine(f, start, firstCR) {
		return firstCR, SepCR, nil
	}
	return 0, SepNone, nil
}

// isTextLine reports whether the n bytes at start hold no control bytes
// other than tab: a line of text, not binary data that happens to hold a
// carriage return.
func isTextLine(f io.ReaderAt, start int64, n int) bool {
	b := make([]byte, n)
	if _, err := f.ReadAt(b, start); err != nil {
		return false
	}
	for _, c := range b {
		if c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// onlyLine reports whether the first line is the whole file and holds
// several records of the declared (or schema) length.
func onlyLine(lineLen int, crlf bool, data int64, schemaLen, declared int) bool {
	sepLen := 1
	if crlf {
		sepLen = 2
	}
	rec := schemaLen
	if declared > 0 {
		rec = declared
	}
	return int64(lineLen+sepLen) == data && lineLen > rec && lineLen%rec == 0
}

// trimFinalNewline drops one trailing LF or CRLF from a separator-less
// record region.
func trimFinalNewline(f io.ReaderAt, start, data int64) int64 {
	var tail [2]byte
	if data >= 1 {
		if _, err := f.ReadAt(tail[1:], start+data-1); err == nil && tail[1] == '\n' {
			data--
			if data >= 1 {
				if _, err := f.ReadAt(tail[:1], start+data-1); err == nil && tail[0] == '\r' {
					data--
				}
			}
		}
	}
	return data
}

// separatorsOK spot-checks the separator after the first and the last
// record; a scan checks every record as it goes.
func separatorsOK(f io.ReaderAt, l *Layout, count int64) bool {
	if count == 0 {
		return true
	}
	check := func(i int64) bool {
		got := make([]byte, len(l.Separator))
		_, err := f.ReadAt(got, l.RecordOffset(i)+int64(l.RecordLen))
		return err == nil && bytes.Equal(got, l.Separator)
	}
	last := count - 1
	if l.LastWithoutSeparator {
		last--
	}
	return check(0) && (last < 0 || check(last))
}

// indexLines walks every line of a text file whose lines are not all the
// record length. Short lines are padded when pad is set (the line offsets
// are kept in LineStarts); otherwise the first line of the wrong length is
// an error naming it. A line longer than the record length is always an
// error.
func indexLines(f io.ReaderAt, t *Table, pad bool) error {
	l := &t.Layout
	br := bufio.NewReaderSize(io.NewSectionReader(f, l.DataOffset, t.Size-l.DataOffset), 1<<20)
	off := l.DataOffset
	var starts []int64
	for line := int64(0); ; line++ {
		n, ended, err := readLineLen(br)
		if err != nil {
			return fileErr(t.Path, ErrIO, "read: %v", err)
		}
		if n == 0 && !ended {
			break // end of file
		}
		content := n
		if ended {
			content -= len(l.Separator)
		}
		if ended && len(l.Separator) == 2 && (content < 0 || !endsWithCR(f, off+int64(n)-2)) {
			return &FileError{Path: t.Path, Record: line, Offset: off, Err: ErrCorrupt,
				Msg: fmt.Sprintf("line %d ends with LF but the file's lines end with CRLF", line+1+int64(t.Raw.SkipLines))}
		}
		lineNo := line + 1 + int64(t.Raw.SkipLines)
		switch {
		case content > l.RecordLen:
			return &FileError{Path: t.Path, Record: line, Offset: off, Err: ErrCorrupt,
				Msg:  fmt.Sprintf("line %d is %d characters long, longer than the %d-character record", lineNo, content, l.RecordLen),
				Hint: "set the record length to the longest line, or fix the line"}
		case content < l.RecordLen && !pad:
			return &FileError{Path: t.Path, Record: line, Offset: off, Err: ErrCorrupt,
				Msg:  fmt.Sprintf("line %d is %d characters long, shorter than the %d-character record", lineNo, content, l.RecordLen),
				Hint: "set pad_short_lines = true to pad short lines with spaces"}
		}
		starts = append(starts, off)
		off += int64(n)
		if !ended {
			l.LastWithoutSeparator = true
			break
		}
	}
	l.LineStarts = append(starts, off)
	l.Count = int64(len(starts))
	return nil
}

// readLineLen consumes one line and returns its length including the LF,
// and whether it ended with LF (false at end of file).
func readLineLen(br *bufio.Reader) (n int, ended bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		n += len(chunk)
		switch err {
		case nil:
			return n, true, nil
		case bufio.ErrBufferFull:
			continue
		case io.EOF:
			return n, false, nil
		default:
			return n, false, err
		}
	}
}

func endsWithCR(f io.ReaderAt, off int64) bool {
	var c [1]byte
	_, err := f.ReadAt(c[:], off)
	return err == nil && c[0] == '\r'
}
