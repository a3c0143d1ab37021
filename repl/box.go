package repl

import (
	"bufio"
	"io"
	"strconv"
	"strings"

	"github.com/rivo/uniseg"
)

// Box is a table drawn with box characters, as DuckDB's shell draws
// results:
//
//	┌──────────────┬───────┐
//	│ l_returnflag │   n   │
//	│   varchar    │ int64 │
//	├──────────────┼───────┤
//	│ A            │   475 │
//	└──────────────┴───────┘
//
// Names are centred, numbers right-aligned and text left-aligned; values
// wider than their column are cut with an ellipsis. Write fits the box in
// a terminal width by narrowing the widest columns and, when even that is
// not enough, hiding columns from the middle.
type Box struct {
	Names []string
	// Types is a second header line (nil for none).
	Types []string
	// Right marks right-aligned (numeric) columns.
	Right []bool
	// NoCut marks columns whose values are never cut (numbers, dates):
	// when the box is too wide, columns are hidden instead.
	NoCut []bool
	// Rows are the cells shown; Gap > 0 marks rows elided after Rows[Gap-1]
	// (drawn as a band of dots).
	Rows [][]string
	Gap  int
	// Footer is a line under the rows (such as "2000 rows (40 shown)"), or "".
	Footer string
}

// Box drawing characters.
const (
	bH = "─"
	bV = "│"
)

// textMinWidth is the width text columns are cut to before columns are
// hidden (a column is never narrower than its name and type).
const textMinWidth = 20

// displayWidth is the number of terminal cells s occupies.
func displayWidth(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return uniseg.StringWidth(s)
		}
	}
	return len(s)
}

// cut shortens s to at most w terminal cells, ending in "…" when cut.
func cut(s string, w int) string {
	if displayWidth(s) <= w {
		return s
	}
	if w <= 0 {
		return ""
	}
	var b strings.Builder
	used := 0
	state := -1
	rest := s
	for len(rest) > 0 {
		var cl string
		var cw int
		cl, rest, cw, state = uniseg.FirstGraphemeClusterInString(rest, state)
		if used+cw > w-1 {
			break
		}
		b.WriteString(cl)
		used += cw
	}
	b.WriteString("…")
	return b.String()
}

// clean makes a value printable on one line: newlines, tabs and other
// control characters become escapes.
func clean(s string) string {
	ok := true
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			b.WriteString(`\x`)
			b.WriteString(strconv.FormatInt(int64(r)+0x100, 16)[1:])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Write draws the box in at most width terminal cells (0: no limit).
func (bx *Box) Write(w io.Writer, width int) error {
	bw := bufio.NewWriter(w)
	n := len(bx.Names)
	widths := make([]int, n)
	mins := make([]int, n)
	for c := 0; c < n; c++ {
		head := displayWidth(bx.Names[c])
		if bx.Types != nil {
			head = max(head, displayWidth(bx.Types[c]))
		}
		widths[c] = head
		for _, r := range bx.Rows {
			widths[c] = max(widths[c], displayWidth(clean(r[c])))
		}
		mins[c] = widths[c]
		if c >= len(bx.NoCut) || !bx.NoCut[c] {
			mins[c] = max(head, min(widths[c], textMinWidth))
		}
	}
	cols := make([]int, n) // the columns shown, in order; -1 is the "…" column
	for i := range cols {
		cols[i] = i
	}
	if width > 0 {
		cols = fit(widths, mins, cols, width)
	}
	total := 1
	for _, c := range cols {
		if c < 0 {
			total += 4
		} else {
			total += widths[c] + 3
		}
	}
	footer := bx.Footer
	if len(cols) < n || (n > 0 && cols[len(cols)-1] < 0) {
		shown := 0
		for _, c := range cols {
			if c >= 0 {
				shown++
			}
		}
		right := strconv.Itoa(n) + " columns (" + strconv.Itoa(shown) + " shown)"
		if footer == "" {
			footer = right
		} else {
			pad := total - 4 - displayWidth(footer) - displayWidth(right)
			if pad < 2 {
				footer += "  " + right
			} else {
				footer += strings.Repeat(" ", pad) + right
			}
		}
	}
	// If the footer is wider than the box, widen the last column.
	if fw := displayWidth(footer) + 4; footer != "" && fw > total && len(cols) > 0 && cols[len(cols)-1] >= 0 {
		widths[cols[len(cols)-1]] += fw - total
		total = fw
	}

	line := func(l, m, r string, footerRule bool) {
		bw.WriteString(l)
		for i, c := range cols {
			cw := 1
			if c >= 0 {
				cw = widths[c]
			}
			bw.WriteString(strings.Repeat(bH, cw+2))
			if i < len(cols)-1 {
				if footerRule {
					bw.WriteString("┴")
				} else {
					bw.WriteString(m)
				}
			}
		}
		bw.WriteString(r)
		bw.WriteByte('\n')
	}
	row := func(cells []string, align func(c int) int) {
		bw.WriteString(bV)
		for _, c := range cols {
			bw.WriteByte(' ')
			if c < 0 {
				bw.WriteString("…")
			} else {
				s := cut(clean(cells[c]), widths[c])
				pad := widths[c] - displayWidth(s)
				switch align(c) {
				case 1: // right
					bw.WriteString(strings.Repeat(" ", pad))
					bw.WriteString(s)
				case 0: // centre
					bw.WriteString(strings.Repeat(" ", pad/2))
					bw.WriteString(s)
					bw.WriteString(strings.Repeat(" ", pad-pad/2))
				default:
					bw.WriteString(s)
					bw.WriteString(strings.Repeat(" ", pad))
				}
			}
			bw.WriteString(" " + bV)
		}
		bw.WriteByte('\n')
	}
	centre := func(int) int { return 0 }
	data := func(c int) int {
		if c < len(bx.Right) && bx.Right[c] {
			return 1
		}
		return -1
	}

	line("┌", "┬", "┐", false)
	row(bx.Names, centre)
	if bx.Types != nil {
		row(bx.Types, centre)
	}
	if len(bx.Rows) > 0 || footer == "" {
		line("├", "┼", "┤", false)
	}
	dots := make([]string, n)
	for i := range dots {
		dots[i] = "·"
	}
	for i, r := range bx.Rows {
		if bx.Gap > 0 && i == bx.Gap {
			for k := 0; k < 3; k++ {
				row(dots, centre)
			}
		}
		row(r, data)
	}
	if footer != "" {
		line("├", "┴", "┤", true)
		bw.WriteString(bV + " ")
		s := cut(footer, total-4)
		bw.WriteString(s)
		bw.WriteString(strings.Repeat(" ", total-4-displayWidth(s)))
		bw.WriteString(" " + bV + "\n")
		bw.WriteString("└" + strings.Repeat(bH, total-2) + "┘\n")
	} else {
		line("└", "┴", "┘", false)
	}
	return bw.Flush()
}

// fit chooses the columns shown (cols, with -1 for a "…" column standing
// for hidden ones) and their widths (in place) so the box is at most width
// cells wide. widths start at the natural widths; mins are how narrow
// cutting may make each column.
func fit(widths, mins, cols []int, width int) []int {
	boxWidth := func(cols []int, w []int) int {
		t := 1
		for _, c := range cols {
			if c < 0 {
				t += 4
			} else {
				t += w[c] + 3
			}
		}
		return t
	}
	if boxWidth(cols, widths) <= width {
		return cols
	}
	natural := append([]int(nil), widths...)
	copy(widths, mins)
	// Hide columns from the middle, keeping the first and last ones.
	for boxWidth(cols, widths) > width {
		var keep []int
		for _, c := range cols {
			if c >= 0 {
				keep = append(keep, c)
			}
		}
		if len(keep) <= 2 {
			break
		}
		mid := len(keep) / 2
		keep = append(keep[:mid:mid], keep[mid+1:]...)
		left := keep[:(len(keep)+1)/2]
		right := keep[(len(keep)+1)/2:]
		cols = append(append(append([]int{}, left...), -1), right...)
	}
	// Still too wide (two wide columns): cut below the minimum.
	for boxWidth(cols, widths) > width {
		wi := -1
		for _, c := range cols {
			if c >= 0 && widths[c] > 3 && (wi < 0 || widths[c] > widths[wi]) {
				wi = c
			}
		}
		if wi < 0 {
			break
		}
		widths[wi]--
	}
	// Give the room left back to the cut columns, left to right.
	spare := width - boxWidth(cols, widths)
	for _, c := range cols {
		if c >= 0 && spare > 0 && widths[c] < natural[c] {
			add := min(spare, natural[c]-widths[c])
			widths[c] += add
			spare -= add
		}
	}
	return cols
}
