package repl

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/ipc"
	"github.com/apache/arrow/go/v17/arrow/memory"

	"github.com/recq/recq/query/export"
)

// Mode is an output format. The shell and one-shot mode share them.
type Mode uint8

// The output modes.
const (
	ModeTable    Mode = iota // box-drawn table, first and last rows of large results
	ModeCSV                  // RFC 4180, header line
	ModeTSV                  // tab-separated, RFC 4180 quoting, header line
	ModeJSON                 // one JSON array of objects, keys in column order
	ModeJSONL                // one JSON object per line
	ModeMarkdown             // a GitHub-flavoured Markdown table
	ModeLine                 // "name = value" per line, a blank line between rows
	ModeArrow                // Arrow IPC stream
	ModeParquet              // Parquet file
)

var modeNames = [...]string{ModeTable: "table", ModeCSV: "csv", ModeTSV: "tsv", ModeJSON: "json",
	ModeJSONL: "jsonl", ModeMarkdown: "markdown", ModeLine: "line", ModeArrow: "arrow", ModeParquet: "parquet"}

// modeAliases are other names accepted for modes (DuckDB's and sqlite's).
var modeAliases = map[string]Mode{
	"box": ModeTable, "duckbox": ModeTable, "tabs": ModeTSV, "ndjson": ModeJSONL, "md": ModeMarkdown,
}

func (m Mode) String() string {
	if int(m) < len(modeNames) {
		return modeNames[m]
	}
	return fmt.Sprintf("Mode(%d)", uint8(m))
}

// Binary reports whether the mode writes bytes that are not text.
func (m Mode) Binary() bool { return m == ModeArrow || m == ModeParquet }

// ModeNames returns the mode names, in order.
func ModeNames() []string { return append([]string(nil), modeNames[:]...) }

// ParseMode reads a mode name (any case; box, duckbox, tabs, ndjson and md
// are accepted as aliases).
func ParseMode(s string) (Mode, error) {
	l := strings.ToLower(strings.TrimSpace(s))
	for i, n := range modeNames {
		if n == l {
			return Mode(i), nil
		}
	}
	if m, ok := modeAliases[l]; ok {
		return m, nil
	}
	return 0, fmt.Errorf("unknown output mode %q (want one of: %s)", s, strings.Join(modeNames[:], ", "))
}

// DefaultMaxRows is how many rows table mode shows of a large result: the
// first and last half of them, as DuckDB's shell does.
const DefaultMaxRows = 40

// RenderOptions tune Render.
type RenderOptions struct {
	Mode Mode
	// Null is the text of NULL; nil picks the mode's default: "NULL" in
	// table, markdown and line modes, the empty string in csv and tsv.
	// JSON always writes null.
	Null *string
	// MaxRows is the number of rows table mode shows (0 shows all).
	MaxRows int
	// Width is the terminal width table mode fits in (0: no limit).
	Width int
	// Allocator is used by the parquet writer (default: Go's heap).
	Allocator memory.Allocator
	// BeforeWrite, when set, is called once before anything is written
	// (the shell stops its progress bar there).
	BeforeWrite func()
	// NoHeader leaves out the line of column names in csv and tsv (.headers
	// off); the other modes always name their columns.
	NoHeader bool
}

func (o *RenderOptions) null(def string) string {
	if o.Null != nil {
		return *o.Null
	}
	return def
}

func (o *RenderOptions) beforeWrite() {
	if o.BeforeWrite != nil {
		o.BeforeWrite()
		o.BeforeWrite = nil
	}
}

// Render writes every row of rr to w in the chosen mode and returns the
// number of rows read. It stops at the reader's error (rr.Err()), which it
// returns; rows written before it stay written. Render does not release rr.
func Render(w io.Writer, rr array.RecordReader, opts RenderOptions) (int64, error) {
	switch opts.Mode {
	case ModeTable:
		return renderTable(w, rr, &opts)
	case ModeCSV:
		return renderDelimited(w, rr, &opts, ',')
	case ModeTSV:
		return renderDelimited(w, rr, &opts, '\t')
	case ModeJSON:
		return renderJSON(w, rr, &opts, true)
	case ModeJSONL:
		return renderJSON(w, rr, &opts, false)
	case ModeMarkdown:
		return renderMarkdown(w, rr, &opts)
	case ModeLine:
		return renderLine(w, rr, &opts)
	case ModeArrow:
		return renderArrow(w, rr, &opts)
	case ModeParquet:
		return renderParquet(w, rr, &opts)
	}
	return 0, fmt.Errorf("unknown output mode %v", opts.Mode)
}

// ---------------------------------------------------------------------------
// table

// renderTable collects the first and last rows (MaxRows in all) and draws
// them in a Box once the result is complete.
func renderTable(w io.Writer, rr array.RecordReader, o *RenderOptions) (int64, error) {
	schema := rr.Schema()
	n := schema.NumFields()
	null := o.null("NULL")
	bx := &Box{Names: make([]string, n), Types: make([]string, n), Right: make([]bool, n), NoCut: make([]bool, n)}
	for i, f := range schema.Fields() {
		bx.Names[i] = f.Name
		bx.Types[i] = typeName(f.Type)
		bx.Right[i] = kindOf(f.Type) == kindNumber
		bx.NoCut[i] = typeName(f.Type) != "varchar"
	}
	headMax, tailMax := math.MaxInt, 0
	if o.MaxRows > 0 {
		headMax, tailMax = (o.MaxRows+1)/2, o.MaxRows/2
	}
	var head [][]string
	tail := make([][]string, tailMax) // ring of the last rows
	var total int64
	rowOf := func(rec arrow.Record, r int) []string {
		cells := make([]string, n)
		for c := 0; c < n; c++ {
			cells[c] = cellText(rec.Column(c), r, null)
		}
		return cells
	}
	for rr.Next() {
		rec := rr.Record()
		rows := int(rec.NumRows())
		r := 0
		for ; r < rows && len(head) < headMax; r++ {
			head = append(head, rowOf(rec, r))
			total++
		}
		if r < rows {
			// Only the last tailMax rows of this batch can end in the tail.
			skip := max(0, rows-r-tailMax)
			total += int64(skip)
			for r += skip; r < rows; r++ {
				tail[(total-int64(len(head)))%int64(tailMax)] = rowOf(rec, r)
				total++
			}
		}
	}
	if err := rr.Err(); err != nil {
		return total, err
	}
	bx.Rows = head
	if tailN := total - int64(len(head)); tailN > 0 {
		kept := min(tailN, int64(tailMax))
		start := total - int64(len(head)) - kept
		for k := int64(0); k < kept; k++ {
			bx.Rows = append(bx.Rows, tail[(start+k)%int64(tailMax)])
		}
		if tailN > kept {
			bx.Gap = len(head)
		}
	}
	switch {
	case total == 0:
		bx.Footer = "0 rows"
	case int64(len(bx.Rows)) < total:
		bx.Footer = fmt.Sprintf("%d rows (%d shown)", total, len(bx.Rows))
	}
	o.beforeWrite()
	return total, bx.Write(w, o.Width)
}

// ---------------------------------------------------------------------------
// csv, tsv

func renderDelimited(w io.Writer, rr array.RecordReader, o *RenderOptions, comma rune) (int64, error) {
	null := o.null("")
	cw := csv.NewWriter(w)
	cw.Comma = comma
	schema := rr.Schema()
	n := schema.NumFields()
	header := func() error {
		o.beforeWrite()
		if o.NoHeader {
			return nil
		}
		names := make([]string, n)
		for i, f := range schema.Fields() {
			names[i] = f.Name
		}
		return cw.Write(names)
	}
	var total int64
	row := make([]string, n)
	started := false
	for rr.Next() {
		rec := rr.Record()
		if !started {
			started = true
			if err := header(); err != nil {
				return total, err
			}
		}
		for r := 0; r < int(rec.NumRows()); r++ {
			for c := 0; c < n; c++ {
				row[c] = cellText(rec.Column(c), r, null)
			}
			if err := cw.Write(row); err != nil {
				return total, err
			}
			total++
		}
	}
	if err := rr.Err(); err != nil {
		cw.Flush()
		return total, err
	}
	if !started {
		if err := header(); err != nil {
			return total, err
		}
	}
	cw.Flush()
	return total, cw.Error()
}

// ---------------------------------------------------------------------------
// json, jsonl

// appendJSONString appends s as a JSON string; invalid UTF-8 becomes U+FFFD.
func appendJSONString(dst []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c < 0x20:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, `\ufffd`...)
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return append(dst, '"')
}

// appendJSONValue appends row r of arr as a JSON value.
func appendJSONValue(dst []byte, arr arrow.Array, r int, kind cellKind) []byte {
	if isNull(arr, r) {
		return append(dst, "null"...)
	}
	switch kind {
	case kindNumber:
		switch a := arr.(type) {
		case *array.Float64:
			if f := a.Value(r); math.IsNaN(f) || math.IsInf(f, 0) {
				return appendJSONString(dst, string(appendFloat(nil, f, 64)))
			}
		case *array.Float32:
			if f := float64(a.Value(r)); math.IsNaN(f) || math.IsInf(f, 0) {
				return appendJSONString(dst, string(appendFloat(nil, f, 32)))
			}
		}
		return appendValue(dst, arr, r)
	case kindBool:
		return appendValue(dst, arr, r)
	}
	return appendJSONString(dst, string(appendValue(nil, arr, r)))
}

func renderJSON(w io.Writer, rr array.RecordReader, o *RenderOptions, asArray bool) (int64, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	schema := rr.Schema()
	n := schema.NumFields()
	keys := make([][]byte, n)
	kinds := make([]cellKind, n)
	for i, f := range schema.Fields() {
		keys[i] = append(appendJSONString(nil, f.Name), ':')
		kinds[i] = kindOf(f.Type)
	}
	var total int64
	var buf []byte
	for rr.Next() {
		rec := rr.Record()
		for r := 0; r < int(rec.NumRows()); r++ {
			buf = buf[:0]
			if asArray {
				if total == 0 {
					o.beforeWrite()
					buf = append(buf, "[\n"...)
				} else {
					buf = append(buf, ",\n"...)
				}
			} else if total == 0 {
				o.beforeWrite()
			}
			buf = append(buf, '{')
			for c := 0; c < n; c++ {
				if c > 0 {
					buf = append(buf, ',')
				}
				buf = append(buf, keys[c]...)
				buf = appendJSONValue(buf, rec.Column(c), r, kinds[c])
			}
			buf = append(buf, '}')
			if !asArray {
				buf = append(buf, '\n')
			}
			if _, err := bw.Write(buf); err != nil {
				return total, err
			}
			total++
		}
	}
	if err := rr.Err(); err != nil {
		bw.Flush()
		return total, err
	}
	if asArray {
		o.beforeWrite()
		if total == 0 {
			bw.WriteString("[]\n")
		} else {
			bw.WriteString("\n]\n")
		}
	}
	return total, bw.Flush()
}

// ---------------------------------------------------------------------------
// markdown

func renderMarkdown(w io.Writer, rr array.RecordReader, o *RenderOptions) (int64, error) {
	null := o.null("NULL")
	schema := rr.Schema()
	n := schema.NumFields()
	esc := func(s string) string {
		s = strings.ReplaceAll(s, `\`, `\\`)
		s = strings.ReplaceAll(s, "|", `\|`)
		return clean(s)
	}
	names := make([]string, n)
	right := make([]bool, n)
	widths := make([]int, n)
	for i, f := range schema.Fields() {
		names[i] = esc(f.Name)
		right[i] = kindOf(f.Type) == kindNumber
		widths[i] = max(3, displayWidth(names[i]))
	}
	var rows [][]string
	for rr.Next() {
		rec := rr.Record()
		for r := 0; r < int(rec.NumRows()); r++ {
			cells := make([]string, n)
			for c := 0; c < n; c++ {
				cells[c] = esc(cellText(rec.Column(c), r, null))
				widths[c] = max(widths[c], displayWidth(cells[c]))
			}
			rows = append(rows, cells)
		}
	}
	if err := rr.Err(); err != nil {
		return int64(len(rows)), err
	}
	o.beforeWrite()
	bw := bufio.NewWriter(w)
	line := func(cells []string, alignRight func(c int) bool) {
		bw.WriteString("|")
		for c, s := range cells {
			pad := strings.Repeat(" ", widths[c]-displayWidth(s))
			if alignRight(c) {
				bw.WriteString(" " + pad + s + " |")
			} else {
				bw.WriteString(" " + s + pad + " |")
			}
		}
		bw.WriteString("\n")
	}
	line(names, func(int) bool { return false })
	bw.WriteString("|")
	for c := range names {
		if right[c] {
			bw.WriteString(strings.Repeat("-", widths[c]+1) + ":|")
		} else {
			bw.WriteString(strings.Repeat("-", widths[c]+2) + "|")
		}
	}
	bw.WriteString("\n")
	for _, r := range rows {
		line(r, func(c int) bool { return right[c] })
	}
	return int64(len(rows)), bw.Flush()
}

// ---------------------------------------------------------------------------
// line

func renderLine(w io.Writer, rr array.RecordReader, o *RenderOptions) (int64, error) {
	null := o.null("NULL")
	schema := rr.Schema()
	n := schema.NumFields()
	width := 0
	for _, f := range schema.Fields() {
		width = max(width, displayWidth(f.Name))
	}
	prefixes := make([]string, n)
	for i, f := range schema.Fields() {
		prefixes[i] = strings.Repeat(" ", width-displayWidth(f.Name)) + f.Name + " = "
	}
	bw := bufio.NewWriter(w)
	var total int64
	for rr.Next() {
		rec := rr.Record()
		for r := 0; r < int(rec.NumRows()); r++ {
			if total == 0 {
				o.beforeWrite()
			} else {
				bw.WriteByte('\n')
			}
			for c := 0; c < n; c++ {
				bw.WriteString(prefixes[c])
				bw.WriteString(cellText(rec.Column(c), r, null))
				bw.WriteByte('\n')
			}
			total++
		}
	}
	if err := rr.Err(); err != nil {
		bw.Flush()
		return total, err
	}
	return total, bw.Flush()
}

// ---------------------------------------------------------------------------
// arrow, parquet

func renderArrow(w io.Writer, rr array.RecordReader, o *RenderOptions) (int64, error) {
	var iw *ipc.Writer
	var total int64
	start := func() {
		o.beforeWrite()
		iw = ipc.NewWriter(w, ipc.WithSchema(rr.Schema()))
	}
	for rr.Next() {
		if iw == nil {
			start()
		}
		rec := rr.Record()
		if err := iw.Write(rec); err != nil {
			iw.Close()
			return total, err
		}
		total += rec.NumRows()
	}
	if err := rr.Err(); err != nil {
		if iw != nil {
			iw.Close()
		}
		return total, err
	}
	if iw == nil {
		start()
	}
	return total, iw.Close()
}

func renderParquet(w io.Writer, rr array.RecordReader, o *RenderOptions) (int64, error) {
	var pw *export.ParquetWriter
	var total int64
	start := func() error {
		if err := export.CheckParquetSchema(rr.Schema()); err != nil {
			return err
		}
		o.beforeWrite()
		var err error
		pw, err = export.NewParquetWriter(w, rr.Schema(), export.ParquetOptions{Allocator: o.Allocator})
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
