package storage

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
)

// Segments describes a file that interleaves several record types (Cobrix
// calls them segments), told apart by a discriminator field: an ACH file's
// column 1 holds 1 (file header), 5 (batch header), 6 (entry), 7
// (addenda), 8 (batch control) or 9 (file control). The options that set
// it up carry Cobrix's names (NewSegments).
//
// A table with Segments reads the records whose type is in Filter (all
// when Filter is nil); a field listed in redefine_segment_id_map is read
// only on records of its types and is NULL on the others. A type with a
// parent (segment_children) gives each of its records the record number of
// the nearest preceding record of the parent type, or none.
type Segments struct {
	// Field is the schema index of the discriminator, a CHAR field.
	Field int
	// Values are the record types (values of the discriminator) the
	// options name, in order of first mention.
	Values []string
	// Filter lists the indexes into Values of the types the table reads
	// (segment_filter); nil reads every record.
	Filter []int
	// Parent[v] is the index of type v's parent type, or -1.
	Parent []int
	// Closed is set when segment_children or redefine_segment_id_map lists
	// the file's record types: a record of another type is then an error.
	Closed bool
	// FieldTypes[i] lists, for schema field i, the indexes of the types
	// whose records hold the field (redefine_segment_id_map); nil: every
	// type.
	FieldTypes [][]int

	// The options as given, for FormatDDL.
	FieldName, FilterText, ChildrenText, IDMapText string

	width int            // the discriminator's width in bytes
	pad   byte           // its padding byte (space in its code page)
	keys  map[string]int // trimmed raw value -> index into Values
	byte1 *[256]int16    // for a one-byte discriminator: byte -> index or -1
}

// SegmentOptions are the table options that declare record types, as
// written (see NewSegments).
type SegmentOptions struct {
	Field    string // segment_field: the discriminator column
	Filter   string // segment_filter: 'v1, v2'
	Children string // segment_children: 'parent => child1, child2; ...'
	IDMap    string // redefine_segment_id_map: 'col1, col2 => v1, v2; ...'
}

// SegmentOptionError is a problem with one of the segment options; Option
// names it (segment_field, segment_filter, ...).
type SegmentOptionError struct {
	Option string
	Msg    string
}

func (e *SegmentOptionError) Error() string { return e.Option + ": " + e.Msg }

// NewSegments checks the record-type options against schema s and builds
// the classifier. The options and their meaning:
//
//   - segment_field names the discriminator, a CHAR column.
//   - segment_filter lists the types the table reads, separated by commas.
//   - segment_children lists parent links, Cobrix's map syntax: entries
//     'parent => child, child' separated by ';'. Types are values of the
//     discriminator. A type has at most one parent; links form no cycle.
//   - redefine_segment_id_map ties columns to the types whose records hold
//     them: 'column, column => type, type; ...' (Cobrix names a REDEFINES
//     group on the left; a layout has no groups, so it lists columns).
//
// Values are compared with the discriminator's bytes with padding (the
// code page's spaces and NUL bytes) trimmed at both ends.
func NewSegments(s *Schema, o SegmentOptions) (*Segments, error) {
	if o.Field == "" {
		for _, x := range [][2]string{{"segment_filter", o.Filter}, {"segment_children", o.Children}, {"redefine_segment_id_map", o.IDMap}} {
			if x[1] != "" {
				return nil, &SegmentOptionError{x[0], "needs segment_field, the column that holds each record's type"}
			}
		}
		return nil, nil
	}
	sg := &Segments{Field: -1, keys: map[string]int{}, FieldName: o.Field, FilterText: o.Filter, ChildrenText: o.Children, IDMapText: o.IDMap}
	sg.Field = columnIndex(s, o.Field)
	if sg.Field < 0 {
		return nil, &SegmentOptionError{"segment_field", fmt.Sprintf("%s is not a column of the layout (columns: %s)", o.Field, strings.Join(fieldNames(s), ", "))}
	}
	f := &s.Fields[sg.Field]
	if f.Type.Kind != Char {
		return nil, &SegmentOptionError{"segment_field", fmt.Sprintf("%s is %s; the record type must be a CHAR column", f.Name, f.Type)}
	}
	sg.width, sg.pad = f.Width, ' '
	var cp *CodePage
	if f.CodePage != 0 {
		cp = CodePageByID(f.CodePage)
		sg.pad = cp.Space()
	}
	add := func(option, v string) (int, error) {
		if v == "" {
			return 0, &SegmentOptionError{option, "a record type is empty"}
		}
		if strings.ContainsFunc(v, func(r rune) bool { return r < ' ' || r == 0x7f }) {
			return 0, &SegmentOptionError{option, fmt.Sprintf("record type %q holds a control character", v)}
		}
		raw := []byte(v)
		if cp != nil {
			raw = make([]byte, sg.width)
			if err := cp.Encode(raw, v); err != nil {
				return 0, &SegmentOptionError{option, fmt.Sprintf("record type %q: %v", v, err)}
			}
		}
		raw = sg.trim(raw)
		if len(raw) > sg.width {
			return 0, &SegmentOptionError{option, fmt.Sprintf("record type %q is longer than %s's %d bytes", v, f.Name, sg.width)}
		}
		if i, ok := sg.keys[string(raw)]; ok {
			return i, nil
		}
		sg.keys[string(raw)] = len(sg.Values)
		sg.Values = append(sg.Values, v)
		sg.Parent = append(sg.Parent, -1)
		return len(sg.Values) - 1, nil
	}
	if o.Filter != "" {
		for _, v := range splitList(o.Filter) {
			i, err := add("segment_filter", v)
			if err != nil {
				return nil, err
			}
			if !slices.Contains(sg.Filter, i) {
				sg.Filter = append(sg.Filter, i)
			}
		}
		if len(sg.Filter) == 0 {
			return nil, &SegmentOptionError{"segment_filter", "lists no record type"}
		}
	}
	if o.Children != "" {
		sg.Closed = true
		entries, err := parseSegmentMap("segment_children", o.Children)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if len(e.left) != 1 {
				return nil, &SegmentOptionError{"segment_children", fmt.Sprintf("%q: name one parent type before =>", strings.Join(e.left, ", "))}
			}
			p, err := add("segment_children", e.left[0])
			if err != nil {
				return nil, err
			}
			for _, v := range e.right {
				c, err := add("segment_children", v)
				if err != nil {
					return nil, err
				}
				switch {
				case c == p:
					return nil, &SegmentOptionError{"segment_children", fmt.Sprintf("record type %s cannot be its own parent", v)}
				case sg.Parent[c] >= 0 && sg.Parent[c] != p:
					return nil, &SegmentOptionError{"segment_children", fmt.Sprintf("record type %s has two parents, %s and %s", v, sg.Values[sg.Parent[c]], e.left[0])}
				}
				sg.Parent[c] = p
			}
		}
		for v := range sg.Values {
			seen := 0
			for p := sg.Parent[v]; p >= 0; p = sg.Parent[p] {
				if seen++; seen > len(sg.Values) {
					return nil, &SegmentOptionError{"segment_children", fmt.Sprintf("the parent links of record type %s form a cycle", sg.Values[v])}
				}
			}
		}
	}
	if o.IDMap != "" {
		sg.Closed = true
		sg.FieldTypes = make([][]int, len(s.Fields))
		entries, err := parseSegmentMap("redefine_segment_id_map", o.IDMap)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			var types []int
			for _, v := range e.right {
				i, err := add("redefine_segment_id_map", v)
				if err != nil {
					return nil, err
				}
				types = append(types, i)
			}
			for _, col := range e.left {
				k := columnIndex(s, col)
				switch {
				case k < 0:
					return nil, &SegmentOptionError{"redefine_segment_id_map", fmt.Sprintf("%s is not a column of the layout (the left of => lists the columns the record types hold)", col)}
				case k == sg.Field:
					return nil, &SegmentOptionError{"redefine_segment_id_map", fmt.Sprintf("%s is the record type itself, which every record holds", col)}
				case sg.FieldTypes[k] != nil:
					return nil, &SegmentOptionError{"redefine_segment_id_map", fmt.Sprintf("column %s is listed twice", col)}
				}
				sg.FieldTypes[k] = types
			}
		}
	}
	if w := sg.width; w == 1 {
		var t [256]int16
		for b := range t {
			t[b] = -1
			if i, ok := sg.keys[string(sg.trim([]byte{byte(b)}))]; ok {
				t[b] = int16(i)
			}
		}
		sg.byte1 = &t
	}
	return sg, nil
}

// columnIndex finds a column by name, ignoring case; COBOL's '-' may
// stand for '_' (SEGMENT-ID is segment_id), as Cobrix's options name
// copybook fields. -1 when there is none.
func columnIndex(s *Schema, name string) int {
	for _, n := range []string{name, strings.ReplaceAll(name, "-", "_")} {
		for i := range s.Fields {
			if strings.EqualFold(s.Fields[i].Name, n) {
				return i
			}
		}
	}
	return -1
}

func fieldNames(s *Schema) []string {
	out := make([]string, len(s.Fields))
	for i := range s.Fields {
		out[i] = s.Fields[i].Name
	}
	return out
}

// splitList splits 'a, b ,c' at commas, trimming spaces; empty items are
// dropped.
func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

type mapEntry struct{ left, right []string }

// parseSegmentMap parses Cobrix's map syntax: 'a, b => x, y; c => z'.
func parseSegmentMap(option, s string) ([]mapEntry, error) {
	var out []mapEntry
	for _, part := range strings.Split(s, ";") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		l, r, ok := strings.Cut(part, "=>")
		if !ok {
			return nil, &SegmentOptionError{option, fmt.Sprintf("%q is not of the form 'name => value, value' (entries are separated by ';')", strings.TrimSpace(part))}
		}
		e := mapEntry{splitList(l), splitList(r)}
		if len(e.left) == 0 || len(e.right) == 0 {
			return nil, &SegmentOptionError{option, fmt.Sprintf("%q has nothing on one side of =>", strings.TrimSpace(part))}
		}
		out = append(out, e)
	}
	if len(out) == 0 {
		return nil, &SegmentOptionError{option, "has no entries"}
	}
	return out, nil
}

// trim removes padding (the discriminator's space and NUL bytes) at both
// ends of raw.
func (sg *Segments) trim(raw []byte) []byte {
	isPad := func(b byte) bool { return b == sg.pad || b == 0 }
	for len(raw) > 0 && isPad(raw[len(raw)-1]) {
		raw = raw[:len(raw)-1]
	}
	for len(raw) > 0 && isPad(raw[0]) {
		raw = raw[1:]
	}
	return raw
}

// Classify returns the index into Values of the type of a record whose
// discriminator bytes are raw (a short slice is padded), or -1 for a
// value the options do not name.
func (sg *Segments) Classify(raw []byte) int {
	if sg.byte1 != nil && len(raw) == 1 {
		return int(sg.byte1[raw[0]])
	}
	if i, ok := sg.keys[string(sg.trim(raw))]; ok {
		return i
	}
	return -1
}

// ByteTypes returns, for a one-byte discriminator, the type index
// (Classify's answer) of every byte value; nil for a wider one. A scan
// classifies whole chunks through it without a call per record.
func (sg *Segments) ByteTypes() *[256]int16 { return sg.byte1 }

// Reads reports whether the table reads records of type v (-1: a type the
// options do not name).
func (sg *Segments) Reads(v int) bool {
	if sg.Filter == nil {
		return v >= 0 || !sg.Closed
	}
	return v >= 0 && slices.Contains(sg.Filter, v)
}

// HasParents reports whether some type the table reads has a parent type,
// so that its records have a _parent_rowid.
func (sg *Segments) HasParents() bool {
	for v, p := range sg.Parent {
		if p >= 0 && sg.Reads(v) {
			return true
		}
	}
	return false
}

// ParentTypes marks the types that are the parent of a type the table
// reads: the ones a scan must find before its first record.
func (sg *Segments) ParentTypes() []bool {
	need := make([]bool, len(sg.Values))
	for v, p := range sg.Parent {
		if p >= 0 && sg.Reads(v) {
			need[p] = true
		}
	}
	return need
}

// Partial reports whether field i is missing from some record the table
// reads (it is tied to types by redefine_segment_id_map), so that it is
// NULL there.
func (sg *Segments) Partial(i int) bool {
	if sg == nil || sg.FieldTypes == nil || sg.FieldTypes[i] == nil {
		return false
	}
	if sg.Filter == nil {
		return true
	}
	for _, v := range sg.Filter {
		if !slices.Contains(sg.FieldTypes[i], v) {
			return true
		}
	}
	return false
}

// Holds reports whether records of type v hold field i.
func (sg *Segments) Holds(i, v int) bool {
	if sg.FieldTypes == nil || sg.FieldTypes[i] == nil {
		return true
	}
	return v >= 0 && slices.Contains(sg.FieldTypes[i], v)
}

// UnknownTypeError is the error for a record whose type the options do
// not name, when they list the file's types.
func (sg *Segments) UnknownTypeError(s *Schema, path string, record, recordOffset int64, raw []byte) *FileError {
	f := &s.Fields[sg.Field]
	shown := raw
	if f.CodePage != 0 {
		shown = CodePageByID(f.CodePage).AppendUTF8(nil, raw)
	}
	return &FileError{Path: path, Record: record, Offset: recordOffset + int64(f.Offset), Field: f.Name, Err: ErrCorrupt,
		Msg: fmt.Sprintf("record type %q is not one of the types segment_children and redefine_segment_id_map name (%s)",
			string(bytes.TrimRight(shown, " \x00")), strings.Join(sg.Values, ", ")),
		Hint: "add the type to segment_children or redefine_segment_id_map, or check that the file is of this layout"}
}

// Describe says which record types a table reads and their parents, for
// DESCRIBE: "record types 6 of record_type, parents 5 (_parent_rowid)".
func (sg *Segments) Describe(s *Schema) string {
	var types, parents []string
	for v, name := range sg.Values {
		if !sg.Reads(v) {
			continue
		}
		types = append(types, name)
		if p := sg.Parent[v]; p >= 0 && !slices.Contains(parents, sg.Values[p]) {
			parents = append(parents, sg.Values[p])
		}
	}
	out := fmt.Sprintf("record types %s of %s", strings.Join(types, ", "), s.Fields[sg.Field].Name)
	if len(parents) > 0 {
		out += fmt.Sprintf(", parents %s (_parent_rowid)", strings.Join(parents, ", "))
	}
	return out
}

// FilterString is the EXPLAIN text of the record-type filter:
// "record types record_type IN ('6')"; "" without a filter.
func (sg *Segments) FilterString(s *Schema) string {
	if sg == nil || sg.Filter == nil {
		return ""
	}
	vals := make([]string, len(sg.Filter))
	for i, v := range sg.Filter {
		vals[i] = QuoteString(sg.Values[v])
	}
	return fmt.Sprintf("record types %s IN (%s)", s.Fields[sg.Field].Name, strings.Join(vals, ", "))
}

// formatOptions renders the options for FormatDDL.
func (sg *Segments) formatOptions() []string {
	var out []string
	out = append(out, "segment_field = "+QuoteString(sg.FieldName))
	if sg.FilterText != "" {
		out = append(out, "segment_filter = "+QuoteString(sg.FilterText))
	}
	if sg.ChildrenText != "" {
		out = append(out, "segment_children = "+QuoteString(sg.ChildrenText))
	}
	if sg.IDMapText != "" {
		out = append(out, "redefine_segment_id_map = "+QuoteString(sg.IDMapText))
	}
	return out
}
