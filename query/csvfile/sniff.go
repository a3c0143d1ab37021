package csvfile

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/recq/recq/storage"
)

// Column is one column of a CSV file: its name and type (Kind Char is
// VARCHAR, text of any length).
type Column struct {
	Name string
	Type storage.Type
}

// Header says whether a file's first line (after Skip) names its columns.
type Header int

const (
	HeaderAuto Header = iota // the sniffer decides
	HeaderYes
	HeaderNo
)

// Options describe how to read a CSV file.
type Options struct {
	// Delim separates fields; 0 makes the sniffer choose among ',', tab,
	// '|' and ';'.
	Delim rune
	// Header: whether the first line names the columns.
	Header Header
	// Skip is the number of lines skipped before the header or data.
	Skip int
	// NullStr is a value read as NULL besides the empty field.
	NullStr string
	// Columns, when set, names and types every column (the header line,
	// if any, is skipped); else the sniffer names and types them.
	Columns []Column
	// AllVarchar makes every sniffed column VARCHAR.
	AllVarchar bool
	// SampleRows is the number of rows the sniffer looks at (0:
	// DefaultSampleRows).
	SampleRows int
}

// DefaultSampleRows is the default Options.SampleRows.
const DefaultSampleRows = 20480

// Schema is what the sniffer found: the delimiter, whether there is a
// header, and the columns.
type Schema struct {
	Delim   rune
	Header  bool
	Columns []Column
}

// delimCandidates are the delimiters the sniffer tries, in order of
// preference when several fit.
var delimCandidates = []rune{',', '\t', '|', ';'}

// Sniff reads the start of a CSV file and works out its delimiter (unless
// given), whether its first line is a header (unless given), and the
// names and types of its columns (unless given). name is the file's name
// for errors.
//
// Types: each column takes the first of BOOLEAN, BIGINT, DOUBLE, DATE,
// TIMESTAMP and VARCHAR that all its sampled non-empty values fit. The
// header: when not given, the first line is a header if some column's
// type (over the other rows) is not VARCHAR and the first line's value
// there fits no type but VARCHAR; when every column is VARCHAR, if the
// first line's values are non-empty and distinct; a lone line, if its
// values are such names and none fits another type. Without a header the
// columns are column0, column1, ... as in DuckDB.
func Sniff(r io.Reader, name string, opts Options) (*Schema, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	if err := skipLines(br, name, opts.Skip); err != nil {
		return nil, err
	}
	if b, err := br.Peek(3); err == nil && string(b) == "\xef\xbb\xbf" {
		br.Discard(3) // a UTF-8 byte order mark
	}
	sampleN := opts.SampleRows
	if sampleN <= 0 {
		sampleN = DefaultSampleRows
	}
	head, truncated, err := peekLines(br, sampleN+1)
	if err != nil {
		return nil, &Error{Path: name, Line: -1, Column: -1, Msg: "cannot read the file", Err: err}
	}
	s := &Schema{Delim: opts.Delim}
	if s.Delim == 0 {
		s.Delim = sniffDelim(head)
	}
	rows, err := readRows(head, s.Delim, sampleN+1, truncated)
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, parseErr(name, opts.Skip, pe)
		}
		return nil, &Error{Path: name, Line: -1, Column: -1, Msg: "cannot read the file", Err: err}
	}
	if len(rows) == 0 && opts.Columns == nil {
		return nil, &Error{Path: name, Line: -1, Column: -1, Msg: "is empty: there is no line to take the columns from",
			Hint: "give the columns: columns => {name: 'TYPE', ...}"}
	}
	width := len(opts.Columns)
	if opts.Columns == nil {
		width = len(rows[0])
	}
	if width == 0 {
		return nil, &Error{Path: name, Line: -1, Column: -1, Msg: "has no columns"}
	}
	switch opts.Header {
	case HeaderYes:
		s.Header = true
	case HeaderAuto:
		switch {
		case opts.Columns != nil:
		case len(rows) > 1:
			s.Header = looksLikeHeader(rows[0], sniffTypes(rows[1:], width))
		default:
			// A lone line is a header when it holds only names: non-empty,
			// distinct, and none of them a number, date or boolean.
			s.Header = looksLikeHeader(rows[0], sniffTypes(nil, width))
			for _, v := range rows[0] {
				if !onlyText(bytes.TrimSpace([]byte(v))) {
					s.Header = false
				}
			}
		}
	}
	data := rows
	if s.Header && len(data) > 0 {
		data = data[1:]
	}
	if len(data) > sampleN {
		data = data[:sampleN]
	}
	if opts.Columns != nil {
		s.Columns = slices.Clone(opts.Columns)
		return s, nil
	}
	types := sniffTypes(data, width)
	for i := range width {
		c := Column{Name: fmt.Sprintf("column%d", i), Type: storage.Type{Kind: types[i]}}
		if s.Header && i < len(rows[0]) && strings.TrimSpace(rows[0][i]) != "" {
			c.Name = strings.TrimSpace(rows[0][i])
		}
		if opts.AllVarchar {
			c.Type = storage.Type{Kind: storage.Char}
		}
		s.Columns = append(s.Columns, c)
	}
	dedupNames(s.Columns)
	return s, nil
}

// sniffTypes finds each column's narrowest type over rows: the first of
// sniffOrder that every non-empty value of the column fits (VARCHAR when
// the column has no value).
func sniffTypes(rows [][]string, width int) []storage.Kind {
	all := uint(1)<<len(sniffOrder) - 1
	fit := make([]uint, width) // per column, the sniffOrder types every value so far fits
	seen := make([]bool, width)
	for i := range fit {
		fit[i] = all
	}
	for _, row := range rows {
		for i := 0; i < width && i < len(row); i++ {
			b := bytes.TrimSpace([]byte(row[i]))
			if len(b) == 0 {
				continue
			}
			seen[i] = true
			for j, k := range sniffOrder {
				if fit[i]&(1<<j) != 0 && !fits(k, b) {
					fit[i] &^= 1 << j
				}
			}
		}
	}
	out := make([]storage.Kind, width)
	for i := range out {
		out[i] = storage.Char
		for j, k := range sniffOrder {
			if seen[i] && fit[i]&(1<<j) != 0 {
				out[i] = k
				break
			}
		}
	}
	return out
}

// looksLikeHeader decides whether first names the columns of a file
// whose other rows have the given types: some column is not VARCHAR and
// first's value there fits no type but VARCHAR (a name, not a value); or
// every column is VARCHAR and first's values are non-empty and distinct.
func looksLikeHeader(first []string, types []storage.Kind) bool {
	allText := true
	for i, k := range types {
		if k == storage.Char {
			continue
		}
		allText = false
		if i < len(first) {
			b := bytes.TrimSpace([]byte(first[i]))
			if len(b) > 0 && onlyText(b) {
				return true
			}
		}
	}
	if !allText {
		return false
	}
	seen := map[string]bool{}
	for _, v := range first {
		v = strings.TrimSpace(v)
		if v == "" || seen[v] {
			return false
		}
		seen[v] = true
	}
	return true
}

// onlyText reports whether b fits no sniffed type but VARCHAR.
func onlyText(b []byte) bool {
	for _, k := range sniffOrder {
		if k != storage.Char && fits(k, b) {
			return false
		}
	}
	return true
}

// dedupNames makes column names unique, case-insensitively, by
// appending _1, _2, ... to repeats (as DuckDB does).
func dedupNames(cols []Column) {
	seen := map[string]bool{}
	for i := range cols {
		base := cols[i].Name
		name := base
		for n := 1; seen[strings.ToLower(name)]; n++ {
			name = fmt.Sprintf("%s_%d", base, n)
		}
		seen[strings.ToLower(name)] = true
		cols[i].Name = name
	}
}

// sniffDelim picks the candidate delimiter that splits the first lines
// into the same number of fields, more than one, preferring more fields;
// ',' when none does.
func sniffDelim(head []byte) rune {
	best, bestN := ',', 1
	for _, d := range delimCandidates {
		rows, err := readRows(head, d, 50, true)
		if err != nil || len(rows) == 0 {
			continue
		}
		n := len(rows[0])
		same := true
		for _, r := range rows[1:] {
			if len(r) != n {
				same = false
				break
			}
		}
		if same && n > bestN {
			best, bestN = d, n
		}
	}
	return best
}

// readRows parses up to max records of text. When text is the start of
// a longer file (truncated), a quoted field it cuts at its end is dropped.
func readRows(text []byte, delim rune, max int, truncated bool) ([][]string, error) {
	cr := newCSV(bytes.NewReader(text), delim)
	var rows [][]string
	for len(rows) < max {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if truncated && errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrQuote) {
				if _, next := cr.Read(); next == io.EOF {
					break // the sample ends inside a quoted field
				}
			}
			return rows, err
		}
		rows = append(rows, slices.Clone(rec))
	}
	return rows, nil
}

// newCSV makes an RFC 4180 reader: any field count (the caller checks),
// strict quotes.
func newCSV(r io.Reader, delim rune) *csv.Reader {
	cr := csv.NewReader(r)
	cr.Comma = delim
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	return cr
}

// skipLines drops n lines.
func skipLines(br *bufio.Reader, name string, n int) error {
	for range n {
		if _, err := br.ReadSlice('\n'); err != nil {
			if err == bufio.ErrBufferFull {
				// A long line: read on to its end.
				for err == bufio.ErrBufferFull {
					_, err = br.ReadSlice('\n')
				}
			}
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return &Error{Path: name, Line: -1, Column: -1, Msg: "cannot read the file", Err: err}
			}
		}
	}
	return nil
}

// peekLines reads the start of the stream: up to n lines (or 64 MiB).
// truncated says the stream goes on.
func peekLines(br *bufio.Reader, n int) (text []byte, truncated bool, err error) {
	for lines := 0; lines < n; lines++ {
		line, err := br.ReadBytes('\n')
		text = append(text, line...)
		if err == io.EOF {
			return text, false, nil
		}
		if err != nil {
			return nil, false, err
		}
		if len(text) > 64<<20 {
			break
		}
	}
	_, err = br.Peek(1)
	return text, err == nil, nil
}
