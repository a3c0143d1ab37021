package storage

import (
	"fmt"
	"strings"
)

// FormatDDL renders a schema and raw-file options as the CREATE TABLE text
// that schema sidecar files hold (docs/sql.md, "Layout DDL"). Parsing the
// text back (query.ParseLayout) yields the same schema and options.
func FormatDDL(table string, s *Schema, raw RawOptions) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE %s (\n", QuoteIdent(table))
	defEnc := LittleEndian
	if raw.Text {
		defEnc = Text
	}
	for i := range s.Fields {
		b.WriteString("  ")
		writeFieldDDL(&b, &s.Fields[i], defEnc)
		if i < len(s.Fields)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString(")")
	var opts []string
	if raw.Text {
		opts = append(opts, "format = 'text'")
	} else {
		opts = append(opts, "format = 'binary'")
	}
	if raw.Separator != SepAuto {
		opts = append(opts, fmt.Sprintf("separator = '%s'", raw.Separator))
	}
	if raw.SkipBytes > 0 {
		opts = append(opts, fmt.Sprintf("skip_bytes = %d", raw.SkipBytes))
	}
	if raw.EndBytes > 0 {
		opts = append(opts, fmt.Sprintf("file_end_offset = %d", raw.EndBytes))
	}
	opts = append(opts, raw.formatRecordFormat()...)
	if raw.SkipLines > 0 {
		opts = append(opts, fmt.Sprintf("skip_lines = %d", raw.SkipLines))
	}
	if raw.RecordLen > 0 {
		opts = append(opts, fmt.Sprintf("record_length = %d", raw.RecordLen))
	} else if s.RecordLen > maxFieldEnd(s) {
		opts = append(opts, fmt.Sprintf("record_length = %d", s.RecordLen))
	}
	if s.NullBitmap >= 0 {
		opts = append(opts, fmt.Sprintf("null_bitmap = %d", s.NullBitmap))
	}
	if raw.PadShortLines && !s.VariableSizeOccurs {
		opts = append(opts, "pad_short_lines = true")
	}
	if s.VariableSizeOccurs {
		opts = append(opts, "variable_size_occurs = true")
	}
	if ys := yearStartOf(s); ys != 0 {
		opts = append(opts, fmt.Sprintf("year_window_start = %d", ys))
	}
	if raw.IgnorePartial {
		opts = append(opts, "ignore_partial = true")
	}
	if raw.Segments != nil {
		opts = append(opts, raw.Segments.formatOptions()...)
	}
	fmt.Fprintf(&b, " WITH (%s);\n", strings.Join(opts, ", "))
	return b.String()
}

// yearStartOf is the two-digit-year window the fields use (the
// year_window_start table option sets it on every field), or 0.
func yearStartOf(s *Schema) int {
	for i := range s.Fields {
		if s.Fields[i].YearStart != 0 {
			return s.Fields[i].YearStart
		}
	}
	return 0
}

func maxFieldEnd(s *Schema) int {
	m := 0
	for i := range s.Fields {
		m = max(m, s.Fields[i].End())
	}
	return m
}

// QuoteIdent quotes an identifier for SQL when it is not a plain lower-case
// name ([a-z_][a-z0-9_]*).
func QuoteIdent(name string) string {
	plain := name != ""
	for i, c := range name {
		if !(c == '_' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9') {
			plain = false
			break
		}
	}
	if plain {
		return name
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// QuoteString renders s as a SQL string literal.
func QuoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// writeFieldDDL writes a field's definition (a group's members inside
// STRUCT(...), at places relative to the group) without a separator.
// defEnc is the encoding the field has unless it says otherwise.
func writeFieldDDL(b *strings.Builder, f *Field, defEnc Encoding) {
	typ := f.Type.String()
	if f.IsGroup() {
		var m strings.Builder
		m.WriteString("STRUCT(")
		for k := range f.Members {
			if k > 0 {
				m.WriteString(", ")
			}
			writeFieldDDL(&m, &f.Members[k], f.Encoding)
		}
		m.WriteString(")")
		typ = m.String()
	}
	fmt.Fprintf(b, "%s %s POSITION(%d:%d)", QuoteIdent(f.Name), typ, f.Offset+1, f.Offset+f.Width)
	if f.Encoding != defEnc {
		switch f.Encoding {
		case LittleEndian:
			b.WriteString(" LITTLE ENDIAN")
		case BigEndian:
			b.WriteString(" BIG ENDIAN")
		case Text:
			b.WriteString(" TEXT")
		case Zoned:
			b.WriteString(" ZONED")
		case Packed:
			b.WriteString(" PACKED")
		case IBMFloat:
			b.WriteString(" IBM FLOAT")
		}
	}
	if f.CodePage != 0 {
		fmt.Fprintf(b, " CODEPAGE 'cp%03d'", f.CodePage)
	}
	if f.Sign != SignDefault {
		b.WriteString(" " + f.Sign.String())
	}
	if f.Unsigned {
		b.WriteString(" UNSIGNED")
	}
	if f.Implied > 0 || (f.Encoding == Zoned || f.Encoding == Packed) && f.Type.Kind == Decimal {
		// Zoned and packed DECIMALs default to the type's scale: say
		// it, so that 0 is kept too.
		fmt.Fprintf(b, " IMPLIED DECIMALS %d", f.Implied)
	} else if f.Implied < 0 {
		fmt.Fprintf(b, " IMPLIED DECIMALS %d", f.Implied)
	}
	if f.Format != "" {
		fmt.Fprintf(b, " FORMAT %s", QuoteString(f.Format))
	}
	if f.HasNullIf() {
		fmt.Fprintf(b, " NULLIF %s", FormatNullIf(f.NullIf))
	} else if f.IsGroup() {
		// A group is never NULL itself; its members say.
	} else if f.Nullable {
		b.WriteString(" NULL")
	} else {
		b.WriteString(" NOT NULL")
	}
	if f.InvalidAsNull {
		b.WriteString(" ON ERROR NULL")
	}
	if f.Type.Kind == Char && f.Trim != TrimTrailing {
		fmt.Fprintf(b, " TRIM %s", strings.ToUpper(f.Trim.String()))
	}
	if f.IsArray() {
		b.WriteString(" " + f.occursClause())
	}
}
