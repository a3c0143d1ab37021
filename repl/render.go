package repl

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
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

// exportFormats are the modes package export writes.
var exportFormats = map[Mode]export.Format{
	ModeCSV: export.CSV, ModeTSV: export.TSV, ModeJSON: export.JSON, ModeJSONL: export.JSONL,
	ModeArrow: export.ArrowStream, ModeParquet: export.Parquet,
}

// Render writes every row of rr to w in the chosen mode and returns the
// number of rows read. It stops at the reader's error (rr.Err()), which it
// returns; rows written before it stay written. Render does not release rr.
func Render(w io.Writer, rr array.RecordReader, opts RenderOptions) (int64, error) {
	switch opts.Mode {
	case ModeTable:
		return renderTable(w, rr, &opts)
	case ModeCSV, ModeTSV, ModeJSON, ModeJSONL, ModeArrow, ModeParquet:
		return export.Write(w, rr, exportFormats[opts.Mode], export.Options{
			Null:        opts.null(""),
			NoHeader:    opts.NoHeader,
			Allocator:   opts.Allocator,
			BeforeWrite: opts.BeforeWrite,
		})
	case ModeMarkdown:
		return renderMarkdown(w, rr, &opts)
	case ModeLine:
		return renderLine(w, rr, &opts)
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
		bx.Right[i] = export.KindOf(f.Type) == export.KindNumber
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
		right[i] = export.KindOf(f.Type) == export.KindNumber
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
