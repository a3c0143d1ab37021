package storage

import (
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
)

// Encoding says how a field's value is stored in the record bytes.
type Encoding uint8

const (
	// DefaultEncoding resolves to the schema's default: LittleEndian for
	// binary files, Text for text files.
	DefaultEncoding Encoding = iota
	// LittleEndian stores numbers as two's-complement / IEEE 754 binary,
	// least significant byte first.
	LittleEndian
	// BigEndian is LittleEndian with the byte order reversed.
	BigEndian
	// Text stores the value as characters (digits, sign, point, date
	// pattern), padded with spaces: ASCII, or the field's CodePage.
	Text
	// Zoned is a COBOL DISPLAY numeric: one digit per byte, the sign
	// overpunched or separate (Field.Sign), in ASCII or EBCDIC (CodePage).
	Zoned
	// Packed is COBOL COMP-3: two digits per byte and a sign nibble.
	Packed
	// IBMFloat is IBM hexadecimal floating point, big-endian (COBOL COMP-1
	// in 4 bytes, COMP-2 in 8).
	IBMFloat
)

var encodingNames = [...]string{DefaultEncoding: "default", LittleEndian: "little-endian", BigEndian: "big-endian", Text: "text",
	Zoned: "zoned", Packed: "packed", IBMFloat: "IBM float"}

// IsMainframe reports whether e is one of the mainframe number encodings
// (zoned, packed, IBM float); mainframe.go reads and writes them.
func (e Encoding) IsMainframe() bool { return e == Zoned || e == Packed || e == IBMFloat }

func (e Encoding) String() string {
	if int(e) < len(encodingNames) {
		return encodingNames[e]
	}
	return fmt.Sprintf("Encoding(%d)", uint8(e))
}

// TrimMode says which padding is removed from a CHAR value on read. Padding
// is spaces and NUL bytes.
type TrimMode uint8

const (
	TrimTrailing TrimMode = iota // the default
	TrimNone
	TrimLeading
	TrimBoth
)

var trimNames = [...]string{TrimTrailing: "trailing", TrimNone: "none", TrimLeading: "leading", TrimBoth: "both"}

func (m TrimMode) String() string {
	if int(m) < len(trimNames) {
		return trimNames[m]
	}
	return fmt.Sprintf("TrimMode(%d)", uint8(m))
}

// ParseTrimMode accepts none, leading, trailing or both (any case).
func ParseTrimMode(s string) (TrimMode, error) {
	for i, n := range trimNames {
		if strings.EqualFold(s, n) {
			return TrimMode(i), nil
		}
	}
	return TrimTrailing, fmt.Errorf("unknown TRIM mode %q (want none, leading, trailing or both)", s)
}

// Implicit marks a Field.Offset that is not given: the field starts where
// the previous field in the list ends.
const Implicit = -1

// Field describes one column of a record.
type Field struct {
	Name string
	Type Type
	// Offset is the 0-based byte offset of the field in the record, or
	// Implicit to pack it right after the previous field.
	Offset int
	// Width is the field's size in bytes; 0 means the natural width: the
	// type's binary width for binary encodings, the pattern's length for
	// text dates and timestamps, 1 for text booleans, the length for CHAR.
	// Text numbers need an explicit width.
	Width    int
	Encoding Encoding
	// Nullable fields may hold NULL. A binary nullable field has a bit in
	// the record's null bitmap; a text field is NULL when blank (all spaces)
	// or equal to NullIf.
	Nullable bool
	// NullIf lists text sentinels that mean NULL (NOAA files use "-9999",
	// some use both "-99999" and "+99999"). They are compared after
	// trimming padding; '' means a blank field. Empty: no sentinel.
	NullIf []string
	// Implied is the number of implied decimal places of a text DECIMAL or
	// float field written without a point: "000012345" with Implied 2 is
	// 123.45. Zero means none.
	Implied int
	// Format is the pattern of a text DATE or TIMESTAMP, built from YYYY,
	// YY (two-digit year, see YearStart), MM, DD, DDD (day of the year),
	// HH, MI (or MM right after HH), SS and F (fraction digits); other
	// characters must match literally. Empty means YYYY-MM-DD or
	// YYYY-MM-DD HH:MI:SS. See text_date.go.
	Format string
	// YearStart is the first year of the 100-year window two-digit years
	// (YY) fall in; 0 means DefaultYearStart (1969: 69-99 are 1969-1999,
	// 00-68 are 2000-2068, as POSIX strptime's %y).
	YearStart int
	// Trim is how CHAR padding is removed on read.
	Trim TrimMode
	// CodePage is the IBM code page (37, 273, ..., 1148; see CodePageIDs)
	// of a Text or Zoned field, or 0 for ASCII.
	CodePage int
	// Sign is where a Zoned field keeps its sign.
	Sign SignMode
	// Unsigned says no sign is stored: a Packed field without a sign
	// nibble, a Zoned field of digits only, a binary DECIMAL read as an
	// unsigned integer.
	Unsigned bool
	// Occurs repeats the field: 0 for a single value, n for a list of n
	// elements (COBOL's OCCURS n TIMES). Offset and Width are the first
	// element's; element k starts k*Stride bytes after it. Stride 0 means
	// the element width (elements back to back). See IsArray and Elem.
	Occurs int
	Stride int
	// DependsOn names the field that holds the element count of an array
	// (COBOL's OCCURS MinOccurs TO Occurs TIMES DEPENDING ON): a record's
	// list holds the count's elements, clamped to MinOccurs..Occurs, and
	// the array still takes Occurs elements' room in the record. Empty:
	// always Occurs elements. See CountOf.
	DependsOn string
	MinOccurs int
	// Members are the fields of a group (Type STRUCT): each element is a
	// struct of them. Member offsets are relative to the group's first
	// byte (of each element, for a repeated group); Width is the group's
	// width, by default just past its last member.
	Members []Field
	// InvalidAsNull reads a value that cannot be decoded (bad digits, a
	// bad sign nibble, a malformed date) as NULL instead of failing the
	// query. The field is then nullable.
	InvalidAsNull bool

	// cp is the resolved CodePage, set by NewSchema.
	cp *CodePage

	// NullBit is the field's bit in the null bitmap (binary nullable
	// fields), or -1. Set by NewSchema.
	NullBit int
	// DependsIndex is the index of the DependsOn field in the schema, or
	// -1. Set by NewSchema.
	DependsIndex int
	// Shifts lists the DEPENDING ON arrays before the field whose missing
	// elements move it up in a record (SchemaOptions.VariableSizeOccurs):
	// the field is read ShiftAt bytes from its Offset. Set by NewSchema.
	Shifts []int
}

// End is the offset one past the field's last byte (of its last element,
// for an array field).
func (f *Field) End() int {
	if f.Occurs > 0 {
		return f.Offset + (f.Occurs-1)*f.Stride + f.Width
	}
	return f.Offset + f.Width
}

// impliedText says "1 implied decimal", "2 implied decimals".
func impliedText(n int) string {
	if n == 1 || n == -1 {
		return fmt.Sprintf("%d implied decimal", n)
	}
	return fmt.Sprintf("%d implied decimals", n)
}

// HasNullIf reports whether the field has NULL sentinels.
func (f *Field) HasNullIf() bool { return len(f.NullIf) > 0 }

// FormatNullIf renders sentinels as the DDL writes them: 'x' for one,
// ('x', 'y') for several.
func FormatNullIf(list []string) string {
	if len(list) == 1 {
		return QuoteString(list[0])
	}
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = QuoteString(s)
	}
	return "(" + strings.Join(q, ", ") + ")"
}

// IsText reports whether the field is stored as text.
func (f *Field) IsText() bool { return f.Encoding == Text }

// NullInValue reports whether NULL is told by the field's own bytes (text,
// zoned, packed and IBM float fields: blank, a NULLIF sentinel) rather
// than by the record's null bitmap.
func (f *Field) NullInValue() bool { return f.Encoding == Text || f.Encoding.IsMainframe() }

// Describe says how the field's bytes are read, the one description that
// DESCRIBE and recq describe show: the encoding ("text", "little-endian",
// "big-endian"; "binary" for a binary CHAR or a one-byte field, where byte
// order does not apply), then the text format of dates ("text
// YYYY-MM-DD"), implied decimals ("text, 2 implied decimals") and the NULL
// sentinel (", NULLIF" and the sentinel in quotes).
func (f *Field) Describe() string {
	enc := f.Encoding.String()
	if !f.IsText() && !f.Encoding.IsMainframe() && (f.Width == 1 || f.Type.Kind == Char) {
		enc = "binary"
	}
	enc += f.describeMainframe()
	switch {
	case f.IsText() && f.Implied > 0:
		enc += ", " + impliedText(f.Implied)
	case f.IsText() && (f.Type.Kind == Date || f.Type.Kind == Timestamp):
		enc += " " + f.EffectiveFormat()
	}
	if f.HasNullIf() {
		enc += ", NULLIF " + FormatNullIf(f.NullIf)
	}
	if f.IsGroup() {
		enc = fmt.Sprintf("struct of %d members", len(f.Members))
	}
	if f.IsArray() {
		enc += fmt.Sprintf(", OCCURS %d STRIDE %d", f.Occurs, f.Stride)
	}
	if f.IsVariable() {
		enc += fmt.Sprintf(", count %d..%d in %s", f.MinOccurs, f.Occurs, f.DependsOn)
	}
	if len(f.Shifts) > 0 {
		enc += ", moves with the variable-size arrays before it"
	}
	return enc
}

// Schema is an ordered list of resolved fields plus the record geometry.
// Build one with NewSchema; a Schema is immutable and safe to share.
type Schema struct {
	Fields []Field
	// RecordLen is the number of bytes in one record, separators excluded.
	RecordLen int
	// NullBitmap is the byte offset of the per-record null bitmap (bit i,
	// least significant bit first, set = field with NullBit i is NULL), or
	// -1 when no field needs one.
	NullBitmap int

	// VariableSizeOccurs is SchemaOptions.VariableSizeOccurs.
	VariableSizeOccurs bool

	byName map[string]int
}

// SchemaOptions are the record-level settings for NewSchema.
type SchemaOptions struct {
	// DefaultEncoding applies to fields whose Encoding is DefaultEncoding:
	// LittleEndian (the zero value resolves to it), BigEndian or Text.
	DefaultEncoding Encoding
	// RecordLen fixes the record length; 0 means "just past the last byte
	// any field or the null bitmap uses".
	RecordLen int
	// NullBitmap is the bitmap's byte offset, or Implicit (-1) to place it
	// right after the last field when any binary field is nullable. Use
	// NoNullBitmap when the record has none.
	NullBitmap int
	// VariableSizeOccurs (Cobrix's variable_size_occurs) makes an OCCURS
	// DEPENDING ON array take only its elements' room in each record:
	// the fields after it move up, and records vary in length (RecordLen
	// is then the longest). See Field.Shifts.
	VariableSizeOccurs bool
}

// NoNullBitmap in SchemaOptions.NullBitmap means the record has no bitmap;
// a binary nullable field is then an error.
const NoNullBitmap = -2

// MaxRecordLen bounds a record's length (16 MiB).
const MaxRecordLen = 16 << 20

// MaxFields bounds the number of fields in a schema.
const MaxFields = 4096

// NewSchema validates fields, resolves implicit offsets, natural widths,
// default encodings and null bits, and returns the schema. Fields are copied.
//
// Overlapping fields and gaps are allowed (several record types may share
// columns). Errors are *SchemaError values naming the field.
func NewSchema(fields []Field, opts SchemaOptions) (*Schema, error) {
	if len(fields) == 0 {
		return nil, schemaErr("", "a schema needs at least one field")
	}
	if len(fields) > MaxFields {
		return nil, schemaErr("", "%d fields is more than the limit of %d", len(fields), MaxFields)
	}
	defEnc := opts.DefaultEncoding
	if defEnc == DefaultEncoding {
		defEnc = LittleEndian
	}
	s := &Schema{Fields: make([]Field, len(fields)), byName: make(map[string]int, len(fields))}
	copy(s.Fields, fields)
	next, maxEnd, nullable := 0, 0, 0
	for i := range s.Fields {
		f := &s.Fields[i]
		if f.Name == "" {
			return nil, schemaErr("", "field %d has no name", i+1)
		}
		key := strings.ToLower(f.Name)
		if j, dup := s.byName[key]; dup {
			return nil, schemaErr(f.Name, "duplicate field name (also field %d)", j+1)
		}
		s.byName[key] = i
		if err := resolveField(f, defEnc); err != nil {
			return nil, err
		}
		if f.Offset == Implicit {
			f.Offset = next
		} else if f.Offset < 0 {
			return nil, schemaErr(f.Name, "offset %d is negative", f.Offset)
		}
		if f.End() > MaxRecordLen {
			return nil, schemaErr(f.Name, "ends at byte %d, past the %d-byte record limit", f.End(), MaxRecordLen)
		}
		next = f.End()
		maxEnd = max(maxEnd, f.End())
		f.NullBit = -1
		if f.Nullable && !f.NullInValue() && f.IsArray() {
			return nil, schemaErr(f.Name, "a repeated binary field cannot be NULL (the null bitmap has one bit per field, not per element): declare it NOT NULL, or use a text field with NULLIF")
		}
		if f.Nullable && !f.NullInValue() {
			f.NullBit = nullable
			nullable++
		}
	}
	if err := resolveDepending(s); err != nil {
		return nil, err
	}
	s.NullBitmap = -1
	bitmapLen := (nullable + 7) / 8
	if nullable > 0 {
		switch {
		case opts.NullBitmap == NoNullBitmap:
			return nil, schemaErr(firstNullable(s), "is a nullable binary field but the record has no null bitmap")
		case opts.NullBitmap == Implicit:
			s.NullBitmap = maxEnd
		case opts.NullBitmap < 0:
			return nil, schemaErr("", "null bitmap offset %d is negative", opts.NullBitmap)
		default:
			s.NullBitmap = opts.NullBitmap
		}
		maxEnd = max(maxEnd, s.NullBitmap+bitmapLen)
	}
	if opts.VariableSizeOccurs {
		if err := resolveShifts(s); err != nil {
			return nil, err
		}
	}
	s.RecordLen = maxEnd
	if opts.RecordLen > 0 {
		if opts.RecordLen < maxEnd {
			return nil, schemaErr(lastEnding(s, opts.RecordLen), "ends past the declared record length of %d bytes", opts.RecordLen)
		}
		s.RecordLen = opts.RecordLen
	}
	if s.RecordLen > MaxRecordLen {
		return nil, schemaErr("", "record length %d is more than the limit of %d", s.RecordLen, MaxRecordLen)
	}
	return s, nil
}

func firstNullable(s *Schema) string {
	for i := range s.Fields {
		if s.Fields[i].NullBit >= 0 {
			return s.Fields[i].Name
		}
	}
	return ""
}

// lastEnding names a field that ends past recordLen (or "" for the bitmap).
func lastEnding(s *Schema, recordLen int) string {
	for i := range s.Fields {
		if s.Fields[i].End() > recordLen {
			return s.Fields[i].Name
		}
	}
	return ""
}

// resolveField checks one field (a top-level field or a group member)
// and fills in its defaults: encoding, natural width, stride, members.
// Its offset and null bit are the caller's.
func resolveField(f *Field, defEnc Encoding) error {
	if f.IsGroup() {
		if err := resolveGroup(f, defEnc); err != nil {
			return err
		}
		return resolveOccurs(f)
	}
	if f.Type.Kind == Struct {
		return schemaErr(f.Name, "a STRUCT field needs its members, as in STRUCT(value INT32 WIDTH 5, flag CHAR(1))")
	}
	if err := f.Type.Validate(); err != nil {
		return schemaErr(f.Name, "%v", err)
	}
	if f.Encoding == DefaultEncoding {
		f.Encoding = defEnc
	}
	if err := checkMainframe(f); err != nil {
		return err
	}
	if err := resolveWidth(f); err != nil {
		return err
	}
	if err := resolveOccurs(f); err != nil {
		return err
	}
	if f.InvalidAsNull {
		if !f.NullInValue() {
			return schemaErr(f.Name, "ON ERROR NULL applies to text, zoned, packed and IBM float fields (binary values are never invalid)")
		}
		f.Nullable = true
	}
	if f.Encoding.IsMainframe() {
		// checkMainframe checked the implied decimals.
	} else if f.Implied < 0 || f.Implied > MaxDecimalPrecision {
		return schemaErr(f.Name, "IMPLIED DECIMALS %d is out of range 0..%d", f.Implied, MaxDecimalPrecision)
	} else if f.Implied > 0 && !(f.IsText() && (f.Type.Kind == Decimal || f.Type.IsFloat())) {
		return schemaErr(f.Name, "implied decimals apply only to text, zoned and packed DECIMAL fields and text float fields")
	}
	if f.HasNullIf() && !(f.IsText() || f.Encoding == Zoned) {
		return schemaErr(f.Name, "NULLIF sentinels apply only to text and zoned fields")
	}
	if f.HasNullIf() {
		f.Nullable = true
		// Values are compared after their padding (spaces, NULs) is
		// trimmed, so the sentinels are too: NULLIF '   ' means blank.
		list := make([]string, len(f.NullIf))
		for k, v := range f.NullIf {
			list[k] = string(trimPad([]byte(v)))
		}
		f.NullIf = list
	}
	if f.YearStart < 0 || f.YearStart > 9900 {
		return schemaErr(f.Name, "year window start %d is out of range 1..9900", f.YearStart)
	}
	return nil
}

// resolveWidth fills in a natural width and checks that the width fits the
// type and encoding.
func resolveWidth(f *Field) error {
	if f.Width < 0 {
		return schemaErr(f.Name, "width %d is negative", f.Width)
	}
	t := f.Type
	if f.Encoding.IsMainframe() {
		return resolveMainframeWidth(f)
	}
	if t.Kind == Decimal && t.Precision > MaxDecimalPrecision {
		return schemaErr(f.Name, "%s has more than %d digits: only PACKED and ZONED fields hold up to %d", t, MaxDecimalPrecision, MaxWideDecimalPrecision)
	}
	if f.IsText() {
		if f.Width == 0 {
			switch t.Kind {
			case Char:
				f.Width = t.Length
			case Boolean:
				f.Width = 1
			case Date, Timestamp:
				f.Width = len(effectiveFormat(f))
			default:
				return schemaErr(f.Name, "a text %s field needs a width (POSITION(start:end) or WIDTH n)", t)
			}
		}
		if t.Kind == Char && f.Width != t.Length {
			return schemaErr(f.Name, "width %d does not match %s", f.Width, t)
		}
		if t.Kind == Date || t.Kind == Timestamp {
			if err := checkDateFormat(t.Kind, effectiveFormat(f)); err != nil {
				return schemaErr(f.Name, "%v", err)
			}
			if n := len(effectiveFormat(f)); f.Width < n {
				return schemaErr(f.Name, "width %d is shorter than its format %q (%d characters)", f.Width, effectiveFormat(f), n)
			}
		} else if f.Format != "" {
			return schemaErr(f.Name, "FORMAT applies only to DATE and TIMESTAMP fields")
		}
		if t.IsInteger() && f.Width > 24 {
			return schemaErr(f.Name, "width %d is too wide for a text %s", f.Width, t)
		}
		return nil
	}
	if f.Format != "" {
		return schemaErr(f.Name, "FORMAT applies only to text fields")
	}
	natural := t.BinaryWidth()
	if f.Width == 0 {
		if t.Kind == Decimal {
			natural = decimalBinaryWidth(t.Precision)
		}
		f.Width = natural
		return nil
	}
	if t.Kind == Decimal {
		switch f.Width {
		case 1, 2, 4, 8:
			if f.Width < decimalBinaryWidth(t.Precision) {
				return schemaErr(f.Name, "%d bytes cannot hold %s (needs %d)", f.Width, t, decimalBinaryWidth(t.Precision))
			}
			return nil
		}
		return schemaErr(f.Name, "a binary DECIMAL is 1, 2, 4 or 8 bytes wide, not %d", f.Width)
	}
	if f.Width != natural {
		return schemaErr(f.Name, "a binary %s is %d bytes wide, not %d", t, natural, f.Width)
	}
	return nil
}

// decimalBinaryWidth is the smallest binary width that holds every value of
// the given precision.
func decimalBinaryWidth(precision int) int {
	switch {
	case precision <= 2:
		return 1
	case precision <= 4:
		return 2
	case precision <= 9:
		return 4
	}
	return 8
}

// NumFields is the number of fields.
func (s *Schema) NumFields() int { return len(s.Fields) }

// Field returns the field at index i.
func (s *Schema) Field(i int) *Field { return &s.Fields[i] }

// Lookup finds a field by name, case-insensitively, and returns its index
// or -1.
func (s *Schema) Lookup(name string) int {
	if i, ok := s.byName[strings.ToLower(name)]; ok {
		return i
	}
	return -1
}

// Names returns the field names in order.
func (s *Schema) Names() []string {
	out := make([]string, len(s.Fields))
	for i := range s.Fields {
		out[i] = s.Fields[i].Name
	}
	return out
}

// ArrowSchema returns the Arrow schema of fully decoded records: one Arrow
// field per schema field, in order, nullable as declared.
func (s *Schema) ArrowSchema() *arrow.Schema {
	fs := make([]arrow.Field, len(s.Fields))
	for i := range s.Fields {
		f := &s.Fields[i]
		fs[i] = arrow.Field{Name: f.Name, Type: f.ArrowType(), Nullable: f.Nullable}
	}
	return arrow.NewSchema(fs, nil)
}

// IsNull reports whether a binary nullable field is NULL in rec according to
// the null bitmap. It is false for fields without a null bit.
func (s *Schema) IsNull(f *Field, rec []byte) bool {
	if f.NullBit < 0 {
		return false
	}
	return rec[s.NullBitmap+f.NullBit>>3]&(1<<(f.NullBit&7)) != 0
}

// SetNull sets or clears the null bit of a binary nullable field in rec.
func (s *Schema) SetNull(f *Field, rec []byte, null bool) {
	if f.NullBit < 0 {
		return
	}
	i, m := s.NullBitmap+f.NullBit>>3, byte(1)<<(f.NullBit&7)
	if null {
		rec[i] |= m
	} else {
		rec[i] &^= m
	}
}
