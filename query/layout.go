package query

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/recq/recq/parser"
	"github.com/recq/recq/storage"
)

// Layout is a raw file's layout as a CREATE TABLE statement describes it:
// the table name, the record schema, how records sit in the file and,
// optionally, the file it describes.
type Layout struct {
	// varOccursPos is where variable_size_occurs is set (for errors).
	varOccursPos parser.Pos
	Name         string
	Schema       *storage.Schema
	Raw          storage.RawOptions
	// File is the WITH (file = '...') option, or "" (sidecars omit it).
	File string
	// blankIsNull is WITH (blank_is_null = true): every text CHAR field
	// not declared NOT NULL (and without its own NULLIF) reads a blank
	// value as NULL, as if declared NULLIF ''.
	blankIsNull bool
	// yearStart is WITH (year_window_start = N): two-digit years (YY in
	// a FORMAT) fall in N..N+99; 0 means storage.DefaultYearStart.
	yearStart int
	// codePage is WITH (encoding = 'ebcdic', ebcdic_code_page = ...):
	// non-zero makes the file EBCDIC (see ebcdicDefaults).
	codePage int
	// floatEnc is WITH (floating_point_format = ...): the encoding of
	// FLOAT fields of an EBCDIC file (IBM FLOAT unless IEEE754).
	floatEnc storage.Encoding
	// ebcdic is set by encoding = 'ebcdic'.
	ebcdic bool
	// codePageSet is set by ebcdic_code_page.
	codePageSet bool
	// trim is WITH (string_trimming_policy = ...): the TRIM of CHAR
	// fields without their own; hasTrim says it was given.
	trim    storage.TrimMode
	hasTrim bool
	// segments are the record-type options (segment_field, ...) and
	// segmentPos where each was given, for errors.
	segments   storage.SegmentOptions
	segmentPos map[string]parser.Pos
}

// ParseLayout parses layout DDL (one CREATE TABLE statement, as schema
// sidecar files hold) into a Layout. Errors carry the line and column of
// the offending text.
func ParseLayout(ddl string) (*Layout, error) { return parseLayoutIn(ddl, "") }

// parseLayoutIn is ParseLayout for DDL read from a file in directory dir:
// a relative FROM COPYBOOK path is relative to dir ("" for the working
// directory).
func parseLayoutIn(ddl, dir string) (*Layout, error) {
	stmt, err := parser.ParseOne(ddl)
	if err != nil {
		return nil, err
	}
	ct, ok := stmt.(*parser.CreateTable)
	if !ok {
		p := stmt.Position()
		return nil, &parser.Error{Line: p.Line, Column: p.Column, Offset: p.Offset, Msg: "a layout must be a CREATE TABLE statement"}
	}
	return layoutFromDDLIn(ct, dir)
}

// layoutErr reports a problem at a node of the DDL.
func layoutErr(p parser.Pos, format string, args ...any) error {
	return &parser.Error{Line: p.Line, Column: p.Column, Offset: p.Offset, Msg: fmt.Sprintf(format, args...)}
}

// LayoutFromDDL converts a parsed CREATE TABLE into a Layout. Column types
// and options are checked here (the parser only checks the syntax); see
// docs/sql.md, "Layout DDL", for their meaning. CREATE TABLE ... FROM
// COPYBOOK takes its columns from the copybook (docs/mainframe.md).
func LayoutFromDDL(ct *parser.CreateTable) (*Layout, error) { return layoutFromDDLIn(ct, "") }

// layoutFromDDLIn is LayoutFromDDL with relative FROM COPYBOOK paths
// relative to dir.
func layoutFromDDLIn(ct *parser.CreateTable, dir string) (*Layout, error) {
	if ct.Copybook != "" {
		var err error
		if ct, err = expandCopybook(ct, dir); err != nil {
			return nil, err
		}
	}
	l := &Layout{Name: ct.Name}
	opts := storage.SchemaOptions{NullBitmap: storage.Implicit}
	for _, o := range ct.Options {
		if err := applyTableOption(l, &opts, o); err != nil {
			return nil, err
		}
	}
	if l.codePageSet && !l.ebcdic {
		return nil, layoutErr(ct.Pos, "ebcdic_code_page needs encoding = 'ebcdic'")
	}
	if l.ebcdic {
		if l.Raw.Text {
			return nil, layoutErr(ct.Pos, "an EBCDIC file has fixed-length records back to back (record_format F): leave out format = 'text'")
		}
		if l.codePage == 0 {
			l.codePage = 37
		}
	}
	if l.Raw.Text {
		opts.DefaultEncoding = storage.Text
	}
	if opts.VariableSizeOccurs && !l.Raw.RecordFormat.Variable() {
		if !l.Raw.Text {
			return nil, layoutErr(l.varOccursPos, "variable_size_occurs = true makes records of varying length: recq reads them as text lines (format = 'text') or behind record descriptor words (record_format = 'V' or 'VB'); records back to back need their lengths, which this layout does not have")
		}
		// A line is as long as its counts make it: shorter ones are
		// padded to the longest.
		l.Raw.PadShortLines = true
	}
	if l.Raw.RecordLen > 0 {
		opts.RecordLen = l.Raw.RecordLen
	}
	fields := make([]storage.Field, 0, len(ct.Columns))
	for _, c := range ct.Columns {
		if r := reservedColumn(c.Name); r != "" {
			return nil, layoutErr(c.Pos, "column %s: the name is reserved: %s is the virtual row-number column of every table; give the field another name", c.Name, r)
		}
		f, err := fieldFromDDL(c, l)
		if err != nil {
			return nil, err
		}
		fields = append(fields, f)
	}
	s, err := storage.NewSchema(fields, opts)
	if err != nil {
		if se, ok := err.(*storage.SchemaError); ok {
			pos := ct.Pos
			for _, c := range ct.Columns {
				if strings.EqualFold(c.Name, se.Field) {
					pos = c.Pos
				}
			}
			return nil, layoutErr(pos, "%s", strings.TrimPrefix(se.Error(), "invalid schema: "))
		}
		return nil, layoutErr(ct.Pos, "%v", err)
	}
	l.Schema = s
	if err := l.resolveSegments(ct); err != nil {
		return nil, err
	}
	if sg := l.Raw.Segments; sg != nil && len(s.Fields[sg.Field].Shifts) > 0 {
		return nil, layoutErr(ct.Pos, "segment_field %s moves with a variable-size array (variable_size_occurs): the record type must be at a fixed place", s.Fields[sg.Field].Name)
	}
	return l, nil
}

// resolveSegments checks the record-type options against the schema (see
// storage.NewSegments) and reserves _parent_rowid when records have
// parents.
func (l *Layout) resolveSegments(ct *parser.CreateTable) error {
	sg, err := storage.NewSegments(l.Schema, l.segments)
	if err != nil {
		pos := ct.Pos
		if se, ok := err.(*storage.SegmentOptionError); ok {
			pos = l.segmentPos[se.Option]
		}
		return layoutErr(pos, "%v", err)
	}
	if sg == nil {
		return nil
	}
	if sg.HasParents() {
		for _, c := range ct.Columns {
			if strings.EqualFold(c.Name, parentRowIDName) {
				return layoutErr(c.Pos, "column %s: the name is reserved: %s is the virtual column of a child record's parent's _rowid (segment_children); give the field another name", c.Name, parentRowIDName)
			}
		}
	}
	l.Raw.Segments = sg
	return nil
}

// ebcdicDefaults gives a field of an EBCDIC table the encoding its type
// has in COBOL when no encoding option says otherwise: CHAR, DATE,
// TIMESTAMP and BOOLEAN are text, numbers are zoned (DISPLAY), floats IBM
// hexadecimal floating point (or IEEE 754 big-endian), and text and zoned
// fields use the table's code page.
func ebcdicDefaults(f *storage.Field, l *Layout, codePageSet bool) {
	if f.Encoding == storage.DefaultEncoding {
		switch t := f.Type; {
		case t.IsFloat():
			f.Encoding = l.floatEnc
			if f.Encoding == storage.DefaultEncoding {
				f.Encoding = storage.IBMFloat
			}
		case t.Kind == storage.Decimal || t.IsInteger():
			f.Encoding = storage.Zoned
		default:
			f.Encoding = storage.Text
		}
	}
	if !codePageSet && (f.Encoding == storage.Text || f.Encoding == storage.Zoned) {
		f.CodePage = l.codePage
	}
}

// fieldFromDDL converts a column definition, with the table-wide
// defaults (blank_is_null, year_window_start) applied; a STRUCT's members
// are converted the same way (see groupFromDDL).
func fieldFromDDL(c *parser.ColumnDef, l *Layout) (storage.Field, error) {
	if c.Members != nil {
		return groupFromDDL(c, l)
	}
	f, err := scalarFromDDL(c, l)
	if err != nil {
		return f, err
	}
	if l.blankIsNull && f.Type.Kind == storage.Char && f.Nullable && !f.HasNullIf() && (f.Encoding == storage.Text || (f.Encoding == storage.DefaultEncoding && l.Raw.Text)) {
		f.NullIf = []string{""}
	}
	f.YearStart = l.yearStart
	return f, nil
}

// placeOption applies an option that scalar and STRUCT columns both take:
// POSITION, OFFSET, WIDTH, OCCURS, and a byte order or TEXT (for a
// STRUCT, the default of its members). It reports whether o was one of
// them; placed says whether POSITION or OFFSET has been given.
func placeOption(c *parser.ColumnDef, o *parser.ColumnOption, f *storage.Field, placed *bool) (bool, error) {
	switch o.Kind {
	case parser.OptPosition:
		if *placed {
			return true, layoutErr(o.Pos, "column %s: give either POSITION or OFFSET, not both", c.Name)
		}
		if o.Int1 < 1 || o.Int2 < o.Int1 {
			return true, layoutErr(o.Pos, "column %s: POSITION(%d:%d) must have 1 <= start <= end", c.Name, o.Int1, o.Int2)
		}
		f.Offset, f.Width, *placed = o.Int1-1, o.Int2-o.Int1+1, true
	case parser.OptOffset:
		if *placed {
			return true, layoutErr(o.Pos, "column %s: give either POSITION or OFFSET, not both", c.Name)
		}
		f.Offset, *placed = o.Int1, true
	case parser.OptWidth:
		if o.Int1 < 1 {
			return true, layoutErr(o.Pos, "column %s: WIDTH must be at least 1", c.Name)
		}
		f.Width = o.Int1
	case parser.OptOccurs:
		f.Occurs, f.Stride, f.MinOccurs, f.DependsOn = o.Int1, o.Int2, o.Int3, o.Str
	case parser.OptLittleEndian:
		f.Encoding = storage.LittleEndian
	case parser.OptBigEndian:
		f.Encoding = storage.BigEndian
	case parser.OptText:
		f.Encoding = storage.Text
	default:
		return false, nil
	}
	return true, nil
}

func scalarFromDDL(c *parser.ColumnDef, l *Layout) (storage.Field, error) {
	text := l.Raw.Text
	t, err := storage.ParseType(c.Type.Name, c.Type.Params...)
	if err != nil {
		return storage.Field{}, layoutErr(c.Type.Pos, "column %s: %v", c.Name, err)
	}
	f := storage.Field{Name: c.Name, Type: t, Offset: storage.Implicit}
	seen := map[parser.ColumnOptionKind]bool{}
	placed := false
	for _, o := range c.Options {
		group := o.Kind
		switch o.Kind {
		case parser.OptLittleEndian, parser.OptBigEndian, parser.OptText, parser.OptPacked, parser.OptZoned, parser.OptIBMFloat:
			group = parser.OptText
		case parser.OptNull, parser.OptNotNull:
			group = parser.OptNull
		}
		if seen[group] {
			return f, layoutErr(o.Pos, "column %s: %s is given twice or conflicts with an earlier option", c.Name, o.Kind)
		}
		seen[group] = true
		if ok, err := placeOption(c, o, &f, &placed); err != nil {
			return f, err
		} else if ok {
			if o.Kind == parser.OptPosition {
				if seen[parser.OptWidth] {
					return f, layoutErr(o.Pos, "column %s: POSITION already gives the width", c.Name)
				}
				seen[parser.OptWidth] = true
			}
			continue
		}
		switch o.Kind {
		case parser.OptImplied:
			f.Implied = o.Int1
			if o.Int2 == 0 {
				f.Implied = t.Scale
			}
		case parser.OptPacked:
			f.Encoding = storage.Packed
		case parser.OptZoned:
			f.Encoding = storage.Zoned
		case parser.OptIBMFloat:
			f.Encoding = storage.IBMFloat
		case parser.OptUnsigned:
			f.Unsigned = true
		case parser.OptSign:
			words := o.Str
			if o.Int1 == 1 {
				words += " separate"
			}
			m, err := storage.ParseSignMode(words)
			if err != nil {
				return f, layoutErr(o.Pos, "column %s: %v", c.Name, err)
			}
			f.Sign = m
		case parser.OptCodePage:
			cp, err := storage.LookupCodePage(o.Str)
			if err != nil {
				return f, layoutErr(o.Pos, "column %s: %v", c.Name, err)
			}
			if cp != nil {
				f.CodePage = cp.ID
			}
		case parser.OptOnErrorNull:
			f.InvalidAsNull = true
		case parser.OptFormat:
			f.Format = o.Str
		case parser.OptNullIf:
			f.NullIf, f.Nullable = o.Strs, true
		case parser.OptNull:
			f.Nullable = true
		case parser.OptNotNull:
			f.Nullable = false
		case parser.OptTrim:
			m, err := storage.ParseTrimMode(o.Str)
			if err != nil {
				return f, layoutErr(o.Pos, "column %s: %v", c.Name, err)
			}
			f.Trim = m
		}
	}
	if l.hasTrim && !seen[parser.OptTrim] {
		f.Trim = l.trim
	}
	if l.ebcdic {
		ebcdicDefaults(&f, l, seen[parser.OptCodePage])
	} else if f.CodePage != 0 && f.Encoding == storage.DefaultEncoding {
		// CODEPAGE alone makes a field of an ASCII file EBCDIC text.
		f.Encoding = storage.Text
	}
	if (f.Encoding == storage.Zoned || f.Encoding == storage.Packed) && !seen[parser.OptImplied] && t.Kind == storage.Decimal {
		// COBOL's V: the stored digits carry the type's scale.
		f.Implied = t.Scale
	}
	if !seen[parser.OptNull] {
		// Text, zoned, packed and IBM float fields are nullable by default
		// (a blank field is NULL); binary fields only when declared NULL
		// (they need a null bitmap).
		isText := f.NullInValue() || (f.Encoding == storage.DefaultEncoding && text)
		f.Nullable = isText || f.HasNullIf()
	}
	return f, nil
}

// tableOptionNames are the WITH options of a layout, in the order the
// docs list them (read_fixed takes them as named parameters).
var tableOptionNames = []string{"file", "format", "separator", "skip_bytes", "skip_lines", "record_length", "null_bitmap",
	"pad_short_lines", "blank_is_null", "ignore_partial", "byte_order", "year_window_start", "encoding", "ebcdic_code_page",
	"floating_point_format", "string_trimming_policy", "segment_field", "segment_filter", "segment_children", "redefine_segment_id_map",
	"record_format", "is_rdw_big_endian", "rdw_adjustment", "is_bdw_big_endian", "bdw_adjustment", "file_start_offset", "file_end_offset", "variable_size_occurs"}

// applyTableOption interprets one WITH (key = value) option.
func applyTableOption(l *Layout, opts *storage.SchemaOptions, o *parser.TableOption) error {
	v := o.Value
	str := func() (string, error) {
		if v.Kind != parser.LitString {
			return "", layoutErr(v.Pos, "option %s wants a string, as in %s = 'value'", o.Key, o.Key)
		}
		return v.Text, nil
	}
	num := func() (int64, error) {
		if v.Kind != parser.LitInteger {
			return 0, layoutErr(v.Pos, "option %s wants a whole number", o.Key)
		}
		n, err := strconv.ParseInt(v.Text, 10, 64)
		if err != nil || n < 0 {
			return 0, layoutErr(v.Pos, "option %s: %s is not a non-negative whole number", o.Key, v.Text)
		}
		return n, nil
	}
	signed := func() (int, error) {
		n, err := strconv.Atoi(v.Text)
		if v.Kind != parser.LitInteger || err != nil || n < -0xFFFF || n > 0xFFFF {
			return 0, layoutErr(v.Pos, "option %s wants a whole number of bytes, as in %s = -4", o.Key, o.Key)
		}
		return n, nil
	}
	boolean := func() (bool, error) {
		switch {
		case v.Kind == parser.LitBool:
			return v.Text == "true", nil
		case v.Kind == parser.LitString && (v.Text == "true" || v.Text == "false"):
			return v.Text == "true", nil
		}
		return false, layoutErr(v.Pos, "option %s wants true or false", o.Key)
	}
	var err error
	switch o.Key {
	case "file", "path":
		l.File, err = str()
	case "format":
		var s string
		if s, err = str(); err == nil {
			switch strings.ToLower(s) {
			case "text":
				l.Raw.Text = true
			case "binary":
				l.Raw.Text = false
			default:
				err = layoutErr(v.Pos, "format %q is not text or binary", s)
			}
		}
	case "separator":
		var s string
		if s, err = str(); err == nil {
			if l.Raw.Separator, err = storage.ParseSeparator(s); err != nil {
				err = layoutErr(v.Pos, "%v", err)
			}
		}
	case "skip_bytes", "file_start_offset":
		l.Raw.SkipBytes, err = num()
	case "file_end_offset":
		l.Raw.EndBytes, err = num()
	case "record_format":
		var s string
		if s, err = str(); err == nil {
			if l.Raw.RecordFormat, err = storage.ParseRecordFormat(s); err != nil {
				err = layoutErr(v.Pos, "%v", err)
			} else if l.Raw.RecordFormat == storage.RecordText {
				l.Raw.Text = true
			}
		}
	case "is_rdw_big_endian", "is_bdw_big_endian":
		var big bool
		big, err = boolean()
		*map[string]*bool{"is_rdw_big_endian": &l.Raw.RDWLittleEndian, "is_bdw_big_endian": &l.Raw.BDWLittleEndian}[o.Key] = !big
	case "rdw_adjustment":
		l.Raw.RDWAdjust, err = signed()
	case "bdw_adjustment":
		l.Raw.BDWAdjust, err = signed()
	case "skip_lines":
		var n int64
		n, err = num()
		l.Raw.SkipLines = int(n)
	case "record_length":
		var n int64
		if n, err = num(); err == nil && (n < 1 || n > storage.MaxRecordLen) {
			err = layoutErr(v.Pos, "record_length %d is out of range 1..%d", n, storage.MaxRecordLen)
		}
		l.Raw.RecordLen = int(n)
	case "null_bitmap":
		var n int64
		n, err = num()
		opts.NullBitmap = int(n)
	case "pad_short_lines":
		l.Raw.PadShortLines, err = boolean()
	case "blank_is_null":
		l.blankIsNull, err = boolean()
	case "year_window_start":
		var n int64
		if n, err = num(); err == nil && (n < 1 || n > 9900) {
			err = layoutErr(v.Pos, "year_window_start %d is out of range 1..9900 (the first year two-digit years can mean, as in 1950 for 50-99 -> 1950-1999, 00-49 -> 2000-2049)", n)
		}
		l.yearStart = int(n)
	case "encoding":
		var s string
		if s, err = str(); err == nil {
			switch strings.ToLower(s) {
			case "ebcdic":
				l.ebcdic = true
			case "ascii":
				l.ebcdic = false
			default:
				err = layoutErr(v.Pos, "encoding %q is not ascii or ebcdic", s)
			}
		}
	case "ebcdic_code_page":
		var s string
		if s, err = str(); err == nil {
			cp, cerr := storage.LookupCodePage(s)
			switch {
			case cerr != nil:
				err = layoutErr(v.Pos, "%v", cerr)
			case cp == nil:
				err = layoutErr(v.Pos, "ebcdic_code_page names an EBCDIC code page, not ascii")
			default:
				l.codePage, l.codePageSet = cp.ID, true
			}
		}
	case "floating_point_format":
		var s string
		if s, err = str(); err == nil {
			switch strings.ToLower(s) {
			case "ibm":
				l.floatEnc = storage.IBMFloat
			case "ieee754":
				l.floatEnc = storage.BigEndian
			case "ieee754_little_endian":
				l.floatEnc = storage.LittleEndian
			default:
				err = layoutErr(v.Pos, "floating_point_format %q is not IBM, IEEE754 or IEEE754_little_endian (recq reads IBM floats big-endian only)", s)
			}
		}
	case "string_trimming_policy":
		var s string
		if s, err = str(); err == nil {
			m, ok := map[string]storage.TrimMode{"both": storage.TrimBoth, "left": storage.TrimLeading,
				"right": storage.TrimTrailing, "none": storage.TrimNone, "keep_all": storage.TrimNone}[strings.ToLower(s)]
			if !ok {
				err = layoutErr(v.Pos, "string_trimming_policy %q is not both, left, right, none or keep_all", s)
			}
			l.trim, l.hasTrim = m, true
		}
	case "ignore_partial":
		l.Raw.IgnorePartial, err = boolean()
	case "segment_field", "segment_filter", "segment_children", "redefine_segment_id_map":
		var s string
		if s, err = str(); err == nil {
			*map[string]*string{"segment_field": &l.segments.Field, "segment_filter": &l.segments.Filter,
				"segment_children": &l.segments.Children, "redefine_segment_id_map": &l.segments.IDMap}[o.Key] = strings.TrimSpace(s)
			if l.segmentPos == nil {
				l.segmentPos = map[string]parser.Pos{}
			}
			l.segmentPos[o.Key] = v.Pos
		}
	case "byte_order":
		var s string
		if s, err = str(); err == nil {
			switch strings.ToLower(s) {
			case "little":
				opts.DefaultEncoding = storage.LittleEndian
			case "big":
				opts.DefaultEncoding = storage.BigEndian
			default:
				err = layoutErr(v.Pos, "byte_order %q is not little or big", s)
			}
		}
	case "variable_size_occurs":
		opts.VariableSizeOccurs, err = boolean()
		l.varOccursPos = o.Pos
	case "occurs", "groups":
		err = layoutErr(o.Pos, "%s is an option of CREATE TABLE ... FROM COPYBOOK (how the copybook's items become columns); a layout with its own columns says it in them (OCCURS, STRUCT)", o.Key)
	default:
		err = layoutErr(o.Pos, "unknown table option %s%s (known: %s)", o.Key, suggest(o.Key, tableOptionNames), strings.Join(tableOptionNames, ", "))
	}
	return err
}
