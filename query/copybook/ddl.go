package copybook

import (
	"fmt"
	"strings"

	"github.com/recq/recq/parser"
	"github.com/recq/recq/storage"
)

// DDLOptions are the table-level choices of a generated layout.
type DDLOptions struct {
	// Table is the table name ("copybook" when empty).
	Table string
	// Encoding is "ebcdic" (the default, as in Cobrix) or "ascii".
	Encoding string
	// CodePage is the EBCDIC code page (ebcdic_code_page), e.g. "037";
	// empty for the default (cp037).
	CodePage string
	// FloatingPointFormat is floating_point_format for COMP-1 and COMP-2:
	// "IBM" (the default), "IEEE754" or "IEEE754_little_endian".
	FloatingPointFormat string
	// Occurs is how OCCURS items become columns: "array" (the default, as
	// Cobrix: one array column, of structs for a group) or "flatten" (one
	// column per element, name_1 .. name_n).
	Occurs string
	// Groups is how group items become columns: "flatten" (the default:
	// their elementary items, prefixed by the group's name on a clash) or
	// "struct" (one STRUCT column per named group, as Cobrix).
	Groups string
	// VariableSizeOccurs is Cobrix's variable_size_occurs: true moves the
	// fields after an OCCURS DEPENDING ON array with its count, which
	// makes records variable-length (the layout then says
	// variable_size_occurs = true, which recq reads from text lines).
	// False (the default) keeps the largest size.
	VariableSizeOccurs bool
	// Extra are more table options, each "key = value" as written in WITH.
	Extra []string
}

// shape is how items become columns (DDLOptions.Occurs and Groups).
type shape struct {
	arrays  bool // OCCURS items are array columns
	structs bool // named groups are STRUCT columns
}

// maxColumns bounds the columns of a layout (OCCURS expanded).
const maxColumns = 100000

// column is one column of the layout: an elementary item (or one
// element of it), or a group kept as a STRUCT (members set).
type column struct {
	item   *Item
	path   []string // the names of the named groups above, outermost first
	suffix string   // _i (_i_j ...) for OCCURS elements
	offset int      // relative to the enclosing STRUCT, if any
	first  bool     // the first occurrence (88 conditions are listed there)
	name   string
	// array: the column is the item's OCCURS array (shape.arrays).
	array bool
	// group: the column is a STRUCT of members.
	group   bool
	members []*column
}

// DDL returns the copybook's first record as a CREATE TABLE layout: groups
// flattened into their elementary items, FILLER left out, OCCURS expanded
// into name_1..name_n, REDEFINES, further 01 records and 66 entries listed
// as comments.
func (cb *Copybook) DDL(o DDLOptions) (string, error) {
	ebcdic := true
	switch strings.ToLower(o.Encoding) {
	case "", "ebcdic":
	case "ascii":
		ebcdic = false
	default:
		return "", fmt.Errorf("encoding %q is not ebcdic or ascii", o.Encoding)
	}
	codePage := ""
	if o.CodePage != "" {
		if !ebcdic {
			return "", fmt.Errorf("a code page needs encoding ebcdic")
		}
		cp, err := storage.LookupCodePage(o.CodePage)
		if err != nil {
			return "", err
		}
		if cp == nil {
			return "", fmt.Errorf("code page %q: give an EBCDIC code page such as 037, or encoding ascii", o.CodePage)
		}
		codePage = fmt.Sprintf("cp%03d", cp.ID)
	}
	floatOpt := "IBM FLOAT"
	switch strings.ToLower(o.FloatingPointFormat) {
	case "", "ibm":
	case "ieee754":
		floatOpt = "BIG ENDIAN"
	case "ieee754_little_endian":
		floatOpt = "LITTLE ENDIAN"
	default:
		return "", fmt.Errorf("floating_point_format %q is not IBM, IEEE754 or IEEE754_little_endian", o.FloatingPointFormat)
	}
	var sh shape
	switch strings.ToLower(o.Occurs) {
	case "", "array":
		sh.arrays = true
	case "flatten":
	default:
		return "", fmt.Errorf("occurs %q is not array or flatten", o.Occurs)
	}
	switch strings.ToLower(o.Groups) {
	case "", "flatten":
	case "struct":
		sh.structs = true
	default:
		return "", fmt.Errorf("groups %q is not flatten or struct", o.Groups)
	}
	rec := cb.Records[0]
	if n := cb.RecordLength(); n > storage.MaxRecordLen {
		return "", errAt(rec.Line, rec.Col, "record %s is %d bytes, more than recq's limit of %d", rec.Name, n, storage.MaxRecordLen)
	}
	var cols []*column
	var notes = map[*column][]string{}
	var head []string
	if err := flatten(rec, nil, "", 0, true, true, sh, &cols, notes, &head); err != nil {
		return "", err
	}
	if len(cols) == 0 {
		return "", errAt(rec.Line, rec.Col, "record %s has no named elementary items (only FILLER): there is no column to make", rec.Name)
	}
	nameColumns(cols)
	if err := checkDepending(cols); err != nil {
		return "", err
	}
	var b strings.Builder
	table := o.Table
	if table == "" {
		table = "copybook"
	}
	fmt.Fprintf(&b, "CREATE TABLE %s (\n", parser.QuoteIdent(table))
	for _, h := range head {
		fmt.Fprintf(&b, "  -- %s\n", h)
	}
	writeColumns(&b, cols, "  ", notes, ebcdic, floatOpt)
	for _, r := range cb.Records[1:] {
		fmt.Fprintf(&b, "  -- %02d %s (line %d) is another layout of the same records, POSITION(1:%d): not columns here (a copybook of only that record gives its layout)\n", r.Level, r.Name, r.Line, r.span())
	}
	for _, r := range cb.Renames {
		thru := ""
		if r.Thru != "" {
			thru = " THRU " + r.Thru
		}
		fmt.Fprintf(&b, "  -- 66 %s RENAMES %s%s: POSITION(%d:%d), not a column (the renamed items are)\n", r.Name, r.From, thru, r.Offset+1, r.Offset+r.Size)
	}
	b.WriteString(") WITH (")
	var opts []string
	if ebcdic {
		opts = append(opts, "encoding = 'ebcdic'")
		if codePage != "" {
			opts = append(opts, "ebcdic_code_page = "+parser.QuoteString(codePage))
		}
		if o.FloatingPointFormat != "" {
			opts = append(opts, "floating_point_format = "+parser.QuoteString(o.FloatingPointFormat))
		}
	} else {
		opts = append(opts, "encoding = 'ascii'")
	}
	opts = append(opts, fmt.Sprintf("record_length = %d", cb.RecordLength()))
	if o.VariableSizeOccurs {
		opts = append(opts, "variable_size_occurs = true")
	}
	opts = append(opts, o.Extra...)
	b.WriteString(strings.Join(opts, ", "))
	b.WriteString(");\n")
	return b.String(), nil
}

// flatten appends the columns of it (at delta bytes past its first
// occurrence's offset) to cols. root is the record itself (never a
// STRUCT column).
func flatten(it *Item, path []string, suffix string, delta int, first, root bool, sh shape, cols *[]*column, notes map[*column][]string, head *[]string) error {
	if it.DependingOn != "" && !sh.arrays {
		return errAt(it.Line, it.Col, "%s OCCURS ... DEPENDING ON %s: a variable-size array cannot be flattened into columns; leave out occurs = 'flatten' (--occurs flatten) to read it as an array", it.Name, it.DependingOn)
	}
	if len(*cols) >= maxColumns {
		return errAt(it.Line, it.Col, "the record has more than %d columns once OCCURS are expanded", maxColumns)
	}
	if it.IsFiller() && !it.IsGroup() {
		return nil
	}
	if !it.IsFiller() && (sh.arrays && it.Occurs > 0 || sh.structs && it.IsGroup() && !root) {
		// One column: an array, a STRUCT, or an array of STRUCTs.
		c := &column{item: it, path: path, suffix: suffix, offset: it.Offset + delta, first: first, array: sh.arrays && it.Occurs > 0}
		*cols = append(*cols, c)
		if !it.IsGroup() {
			addConditions(c, notes)
			return nil
		}
		c.group = true
		if err := flattenChildren(it, nil, suffix, -it.Offset, first, sh, &c.members, notes, head); err != nil {
			return err
		}
		if len(c.members) == 0 {
			// A group of FILLER only has no column.
			*cols = (*cols)[:len(*cols)-1]
		}
		return nil
	}
	n := max(it.Occurs, 1)
	for k := 0; k < n; k++ {
		sfx, d := suffix, delta+k*it.Size
		if it.Occurs > 0 {
			sfx = fmt.Sprintf("%s_%d", suffix, k+1)
		}
		fst := first && k == 0
		if !it.IsGroup() {
			c := &column{item: it, path: path, suffix: sfx, offset: it.Offset + d, first: fst}
			*cols = append(*cols, c)
			if fst {
				addConditions(c, notes)
			}
			continue
		}
		sub := path
		if !it.IsFiller() && it.Level > 0 {
			sub = append(append([]string(nil), path...), it.Name)
		}
		if err := flattenChildren(it, sub, sfx, d, fst, sh, cols, notes, head); err != nil {
			return err
		}
	}
	return nil
}

// flattenChildren flattens a group's subordinate items; REDEFINES are
// noted, not columns.
func flattenChildren(it *Item, path []string, suffix string, d int, first bool, sh shape, cols *[]*column, notes map[*column][]string, head *[]string) error {
	for _, c := range it.Children {
		if c.Redefines != "" {
			if first {
				note := fmt.Sprintf("%s (line %d) REDEFINES %s: POSITION(%d:%d), not columns (the first definition is)", c.Name, c.Line, c.Redefines, c.Offset+d+1, c.Offset+d+c.span())
				if len(*cols) == 0 {
					*head = append(*head, note)
				} else {
					last := (*cols)[len(*cols)-1]
					notes[last] = append(notes[last], note)
				}
			}
			continue
		}
		if err := flatten(c, path, suffix, d, first, false, sh, cols, notes, head); err != nil {
			return err
		}
	}
	return nil
}

// addConditions lists an item's 88-level condition names under its column.
func addConditions(c *column, notes map[*column][]string) {
	for _, cond := range c.item.Conditions {
		notes[c] = append(notes[c], fmt.Sprintf("88 %s VALUE %s", cond.Name, cond.Values))
	}
}

// checkDepending checks that the count of every OCCURS DEPENDING ON array
// is a top-level column and that the array is one too.
func checkDepending(cols []*column) error {
	var check func(cs []*column, top bool) error
	check = func(cs []*column, top bool) error {
		for _, c := range cs {
			it := c.item
			if it.DependingOn != "" {
				if !top {
					return errAt(it.Line, it.Col, "%s OCCURS ... DEPENDING ON %s is inside a group kept as a STRUCT or inside another OCCURS: recq reads variable-size arrays among the record's top-level columns only (try groups = 'flatten')", it.Name, it.DependingOn)
				}
				if countColumn(cols, it.DependingOn) == nil {
					return errAt(it.Line, it.Col, "%s OCCURS ... DEPENDING ON %s: %s is not an elementary numeric item of the record outside any OCCURS or STRUCT", it.Name, it.DependingOn, it.DependingOn)
				}
			}
			if err := check(c.members, false); err != nil {
				return err
			}
		}
		return nil
	}
	return check(cols, true)
}

// countColumn finds the top-level column of the elementary item named
// name (a DEPENDING ON count).
func countColumn(cols []*column, name string) *column {
	for _, c := range cols {
		if !c.group && !c.array && c.suffix == "" && strings.EqualFold(c.item.Name, name) && c.item.Pic != nil && c.item.Pic.Category == Numeric {
			return c
		}
	}
	return nil
}

// sqlName is a COBOL name as a column name: lower case, '-' as '_'.
func sqlName(s string) string {
	return strings.ReplaceAll(strings.ToLower(s), "-", "_")
}

// nameColumns names the columns: the item's name, prefixed by its groups'
// names (innermost first) as far as needed to tell apart items of the same
// name, then the OCCURS suffix; names still equal get _2, _3 ...
func nameColumns(cols []*column) {
	// The occurrences of an item share its name before the suffix: name
	// the items, each once.
	var items []*column
	seen := map[*Item]bool{}
	for _, c := range cols {
		if !seen[c.item] {
			seen[c.item] = true
			items = append(items, c)
		}
	}
	depth := map[*Item]int{}
	build := func(c *column) string {
		parts := []string{sqlName(c.item.Name)}
		for k := 0; k < depth[c.item]; k++ {
			parts = append([]string{sqlName(c.path[len(c.path)-1-k])}, parts...)
		}
		return strings.Join(parts, "_")
	}
	for changed := true; changed; {
		changed = false
		groups := map[string][]*column{}
		for _, c := range items {
			n := build(c)
			groups[n] = append(groups[n], c)
		}
		for _, g := range groups {
			if len(g) < 2 {
				continue
			}
			for _, c := range g {
				if depth[c.item] < len(c.path) {
					depth[c.item]++
					changed = true
				}
			}
		}
	}
	used := map[string]bool{}
	for _, c := range cols {
		name := build(c) + c.suffix
		base := name
		for k := 2; used[name] || reservedName(name); k++ {
			name = fmt.Sprintf("%s_%d", base, k)
		}
		used[name] = true
		c.name = name
		if c.group {
			// A STRUCT's members are named among themselves.
			nameColumns(c.members)
		}
	}
}

// writeColumns writes column definitions, one a line, with their notes;
// a STRUCT's members go inside its parentheses, indented further.
func writeColumns(b *strings.Builder, cols []*column, indent string, notes map[*column][]string, ebcdic bool, floatOpt string) {
	for i, c := range cols {
		if c.group {
			fmt.Fprintf(b, "%s%s STRUCT(\n", indent, parser.QuoteIdent(c.name))
			writeColumns(b, c.members, indent+"  ", notes, ebcdic, floatOpt)
			fmt.Fprintf(b, "%s) POSITION(%d:%d)%s", indent, c.offset+1, c.offset+c.item.Size, occursClause(c, cols))
		} else {
			b.WriteString(indent + columnDef(c, ebcdic, floatOpt) + occursClause(c, cols))
		}
		if i < len(cols)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
		for _, n := range notes[c] {
			fmt.Fprintf(b, "%s-- %s\n", indent, n)
		}
	}
}

// occursClause is " OCCURS ..." for an array column, else "".
func occursClause(c *column, scope []*column) string {
	if !c.array {
		return ""
	}
	it := c.item
	if it.DependingOn == "" {
		return fmt.Sprintf(" OCCURS %d TIMES", it.Occurs)
	}
	name := sqlName(it.DependingOn)
	if cc := countColumn(scope, it.DependingOn); cc != nil {
		name = cc.name
	}
	return fmt.Sprintf(" OCCURS %d TO %d TIMES DEPENDING ON %s", it.MinOccurs, it.Occurs, parser.QuoteIdent(name))
}

func reservedName(n string) bool { return n == "_rowid" || n == "_parent_rowid" }

// columnDef is a column's definition in the layout DDL.
func columnDef(c *column, ebcdic bool, floatOpt string) string {
	it, pic := c.item, c.item.Pic
	var typ string
	var opts []string
	switch it.Usage {
	case Float, Double:
		typ = map[Usage]string{Float: "FLOAT32", Double: "FLOAT64"}[it.Usage]
		if !ebcdic {
			opts = append(opts, floatOpt)
		}
	case Binary, BinaryLE:
		if pic.Scale > 0 {
			typ = fmt.Sprintf("DECIMAL(%d,%d)", pic.Digits, pic.Scale)
			if !pic.Signed {
				opts = append(opts, "UNSIGNED")
			}
		} else {
			typ = map[int]string{1: "INT8", 2: "INT16", 4: "INT32", 8: "INT64"}[it.Size]
			if !pic.Signed {
				typ = "U" + typ
			}
		}
		if it.Usage == Binary {
			opts = append([]string{"BIG ENDIAN"}, opts...)
		} else {
			opts = append([]string{"LITTLE ENDIAN"}, opts...)
		}
	case Packed:
		typ = numericType(pic)
		opts = append(opts, "PACKED")
		if pic.PTrailing > 0 {
			opts = append(opts, fmt.Sprintf("IMPLIED DECIMALS %d", -pic.PTrailing))
		}
	default:
		switch pic.Category {
		case Alphanumeric, EditedText:
			typ = fmt.Sprintf("CHAR(%d)", it.Size)
		case Edited:
			typ = numericType(pic)
			if !ebcdic {
				opts = append(opts, "ZONED")
			}
		case Numeric:
			typ = numericType(pic)
			if !ebcdic {
				opts = append(opts, "ZONED")
			}
			switch {
			case !pic.Signed:
				opts = append(opts, "UNSIGNED")
			case it.SignSet:
				s := "SIGN TRAILING"
				if it.SignLeading {
					s = "SIGN LEADING"
				}
				if it.SignSeparate {
					s += " SEPARATE"
				}
				opts = append(opts, s)
			}
			if pic.PTrailing > 0 {
				opts = append(opts, fmt.Sprintf("IMPLIED DECIMALS %d", -pic.PTrailing))
			}
		}
	}
	opts = append(opts, fmt.Sprintf("POSITION(%d:%d)", c.offset+1, c.offset+it.Size))
	return parser.QuoteIdent(c.name) + " " + typ + " " + strings.Join(opts, " ")
}

// numericType is the SQL type of a numeric picture: INT32 or INT64 for
// whole numbers of up to 9 or 18 digits, DECIMAL(p,s) otherwise (P
// positions count as digits).
func numericType(pic *Picture) string {
	p, s := pic.Digits+pic.PLeading+pic.PTrailing, pic.Scale
	switch {
	case s == 0 && pic.PTrailing == 0 && p <= 9:
		return "INT32"
	case s == 0 && pic.PTrailing == 0 && p <= 18:
		return "INT64"
	}
	return fmt.Sprintf("DECIMAL(%d,%d)", p, s)
}
