package storage

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
)

// Groups (STRUCT fields) and arrays whose count is in the record (OCCURS
// DEPENDING ON).

// IsGroup reports whether the field is a group of fields (a STRUCT): its
// value is a struct of its members' values.
func (f *Field) IsGroup() bool { return len(f.Members) > 0 }

// IsVariable reports whether the field is an array whose element count is
// read from another field of the record (OCCURS ... DEPENDING ON).
func (f *Field) IsVariable() bool { return f.DependsOn != "" }

// Member returns member k of a group with its offset made absolute for
// the group's element that starts at base (the group's Offset for a
// single group, Elem(i).Offset for element i of a repeated one).
func (f *Field) Member(k, base int) Field {
	m := f.Members[k]
	m.Offset += base
	return m
}

// structType is the Arrow type of one element of a group.
func (f *Field) structType() arrow.DataType {
	fs := make([]arrow.Field, len(f.Members))
	for i := range f.Members {
		m := &f.Members[i]
		fs[i] = arrow.Field{Name: m.Name, Type: m.ArrowType(), Nullable: m.Nullable}
	}
	return arrow.StructOf(fs...)
}

// resolveGroup checks a group's members, resolves their places (relative
// to the group's first byte) and sets the group's width.
func resolveGroup(f *Field, defEnc Encoding) error {
	if f.Type.Kind != Struct && f.Type.Kind != KindInvalid {
		return schemaErr(f.Name, "a field with members is a STRUCT, not %s", f.Type)
	}
	f.Type = Type{Kind: Struct}
	if f.Encoding == DefaultEncoding {
		f.Encoding = defEnc
	}
	if f.HasNullIf() || f.Implied != 0 || f.Format != "" || f.CodePage != 0 || f.Sign != SignDefault || f.Unsigned || f.InvalidAsNull {
		return schemaErr(f.Name, "a STRUCT takes only POSITION, OFFSET, WIDTH and OCCURS: give the encoding options to its members")
	}
	if len(f.Members) > MaxFields {
		return schemaErr(f.Name, "%d members is more than the limit of %d", len(f.Members), MaxFields)
	}
	seen := make(map[string]bool, len(f.Members))
	next, end := 0, 0
	for i := range f.Members {
		m := &f.Members[i]
		if m.Name == "" {
			return schemaErr(f.Name, "member %d has no name", i+1)
		}
		key := strings.ToLower(m.Name)
		if seen[key] {
			return schemaErr(f.Name+"."+m.Name, "duplicate member name")
		}
		seen[key] = true
		if m.Encoding == DefaultEncoding {
			m.Encoding = f.Encoding
		}
		if err := resolveField(m, f.Encoding); err != nil {
			if se, ok := err.(*SchemaError); ok && se.Field == m.Name {
				se.Field = f.Name + "." + m.Name
			}
			return err
		}
		if m.IsVariable() {
			return schemaErr(f.Name+"."+m.Name, "OCCURS DEPENDING ON is supported on top-level fields only, not inside a STRUCT")
		}
		if m.Offset == Implicit {
			m.Offset = next
		} else if m.Offset < 0 {
			return schemaErr(f.Name+"."+m.Name, "offset %d is negative", m.Offset)
		}
		m.NullBit, m.DependsIndex = -1, -1
		if m.Nullable && !m.NullInValue() {
			return schemaErr(f.Name+"."+m.Name, "a binary member of a STRUCT cannot be NULL (the null bitmap has bits for top-level fields only): declare it NOT NULL, or use a text field with NULLIF")
		}
		next = m.End()
		end = max(end, m.End())
	}
	switch {
	case f.Width == 0:
		f.Width = end
	case f.Width < end:
		return schemaErr(f.Name, "its members take %d bytes, more than its width of %d", end, f.Width)
	}
	if f.Width > MaxRecordLen {
		return schemaErr(f.Name, "width %d is past the %d-byte record limit", f.Width, MaxRecordLen)
	}
	return nil
}

// resolveDepending finds the count field of every OCCURS ... DEPENDING ON
// array: a whole-number field of the record that is not itself repeated.
func resolveDepending(s *Schema) error {
	for i := range s.Fields {
		f := &s.Fields[i]
		f.DependsIndex = -1
		if !f.IsVariable() {
			if f.MinOccurs != 0 {
				return schemaErr(f.Name, "OCCURS %d TO %d needs DEPENDING ON the field that holds the count", f.MinOccurs, f.Occurs)
			}
			continue
		}
		if !f.IsArray() {
			return schemaErr(f.Name, "DEPENDING ON applies to a repeated field (OCCURS n TIMES DEPENDING ON count)")
		}
		if f.MinOccurs < 0 || f.MinOccurs > f.Occurs {
			return schemaErr(f.Name, "OCCURS %d TO %d: the smallest count must be from 0 to the largest", f.MinOccurs, f.Occurs)
		}
		j := s.Lookup(f.DependsOn)
		if j < 0 {
			return schemaErr(f.Name, "DEPENDING ON %s: the record has no such field", f.DependsOn)
		}
		c := &s.Fields[j]
		if j == i || c.IsArray() || c.IsGroup() || !(c.Type.IsInteger() || c.Type.Kind == Decimal && c.Type.Scale == 0) {
			return schemaErr(f.Name, "DEPENDING ON %s: the count must be a single whole-number field (an integer or a DECIMAL of scale 0), not %s", c.Name, describeKind(c))
		}
		f.DependsIndex = j
	}
	return nil
}

// describeKind names a field's shape for messages: "INT32", "an array",
// "a STRUCT".
func describeKind(f *Field) string {
	switch {
	case f.IsArray():
		return "an array"
	case f.IsGroup():
		return "a STRUCT"
	}
	return f.Type.String()
}

// CountOf is the element count of a DEPENDING ON array for a record whose
// count field holds n (valid false: NULL or undecodable): n clamped to
// MinOccurs..Occurs, as Cobrix does; MinOccurs when the count is missing.
func (f *Field) CountOf(n int64, valid bool) int {
	switch {
	case !valid || n < int64(f.MinOccurs):
		return f.MinOccurs
	case n > int64(f.Occurs):
		return f.Occurs
	}
	return int(n)
}

// CountAt is the element count of DEPENDING ON array f in record rec (at
// least RecordLen bytes): the count field's value clamped by CountOf. An
// error is the count field's decoding error.
func (s *Schema) CountAt(rec []byte, f *Field) (int, error) {
	v, err := s.DecodeField(rec, f.DependsIndex)
	if err != nil || v == nil {
		return f.CountOf(0, false), err
	}
	if d, ok := v.(DecimalValue); ok {
		return f.CountOf(d.Unscaled, true), nil
	}
	if n, ok := asInt64(v); ok {
		return f.CountOf(n, true), nil
	}
	// A count too large for an int64 (a wide packed number, a huge
	// unsigned one) is past any OCCURS maximum.
	return f.Occurs, nil
}

// TypeString is the field's SQL type as DESCRIBE shows it: INT32,
// STRUCT(value INT32, flag CHAR(1)), with [n] after an array of n
// elements (DuckDB's spelling of a fixed-size array).
func (f *Field) TypeString() string {
	s := f.Type.String()
	if f.IsGroup() {
		parts := make([]string, len(f.Members))
		for i := range f.Members {
			parts[i] = f.Members[i].Name + " " + f.Members[i].TypeString()
		}
		s = "STRUCT(" + strings.Join(parts, ", ") + ")"
	}
	if f.IsArray() {
		s += "[" + strconv.Itoa(f.Occurs) + "]"
	}
	return s
}

// encodeNested writes an array's elements or a group's members. An array
// takes a []any of Occurs elements, or, with DEPENDING ON, of MinOccurs
// to Occurs elements (the caller writes the count field; the room of the
// missing elements is blanked: spaces in text, EBCDIC spaces in a code
// page, zero bytes in binary). A group takes a map[string]any by member
// name (a missing member is NULL) or a []any in member order.
func (s *Schema) encodeNested(rec []byte, f *Field, v any) error {
	fail := func(format string, args ...any) error {
		return &FieldError{Field: f.Name, Offset: f.Offset, Err: fmt.Errorf(format, args...)}
	}
	if f.IsArray() {
		list, ok := v.([]any)
		if !ok {
			return fail("an array field takes a []any of its elements, not %T", v)
		}
		lo := f.Occurs
		if f.IsVariable() {
			lo = f.MinOccurs
		}
		if len(list) < lo || len(list) > f.Occurs {
			if lo == f.Occurs {
				return fail("%d elements for an array of %d", len(list), f.Occurs)
			}
			return fail("%d elements for an array of %d to %d", len(list), lo, f.Occurs)
		}
		for k := 0; k < f.Occurs; k++ {
			e := f.Elem(k)
			if k >= len(list) {
				blank(rec, &e)
				continue
			}
			e.Name = fmt.Sprintf("%s[%d]", f.Name, k+1)
			if err := s.encodeValue(rec, &e, list[k]); err != nil {
				return err
			}
		}
		return nil
	}
	var get func(k int) any
	switch x := v.(type) {
	case map[string]any:
		for key := range x {
			if !slices.ContainsFunc(f.Members, func(m Field) bool { return strings.EqualFold(m.Name, key) }) {
				return fail("the STRUCT has no member %s", key)
			}
		}
		get = func(k int) any {
			for key, val := range x {
				if strings.EqualFold(key, f.Members[k].Name) {
					return val
				}
			}
			return nil
		}
	case []any:
		if len(x) != len(f.Members) {
			return fail("%d values for a STRUCT of %d members", len(x), len(f.Members))
		}
		get = func(k int) any { return x[k] }
	default:
		return fail("a STRUCT field takes a map[string]any or a []any of its members, not %T", v)
	}
	for k := range f.Members {
		m := f.Member(k, f.Offset)
		m.Name = f.Name + "." + m.Name
		if err := s.encodeValue(rec, &m, get(k)); err != nil {
			return err
		}
	}
	return nil
}

// blank fills the bytes of field f (placed in rec) that hold no value:
// spaces for text, EBCDIC spaces for a code page, zero bytes otherwise.
func blank(rec []byte, f *Field) {
	if f.IsGroup() {
		for k := range f.Members {
			m := f.Member(k, f.Offset)
			blank(rec, &m)
		}
		return
	}
	c := byte(0)
	switch {
	case f.cp != nil:
		c = 0x40
	case f.IsText() || f.Encoding == Zoned:
		c = ' '
	}
	if f.IsArray() {
		for k := 0; k < f.Occurs; k++ {
			e := f.Elem(k)
			fill(rec[e.Offset:e.End()], c)
		}
		return
	}
	fill(rec[f.Offset:f.End()], c)
}

// decodeNested reads an array's elements ([]any) or a group's members
// (map[string]any).
func (s *Schema) decodeNested(rec []byte, f *Field) (any, error) {
	if f.IsArray() {
		n := f.Occurs
		if f.IsVariable() {
			var err error
			if n, err = s.CountAt(rec, f); err != nil {
				return nil, err
			}
		}
		out := make([]any, n)
		for k := range n {
			e := f.Elem(k)
			e.Name = fmt.Sprintf("%s[%d]", f.Name, k+1)
			v, err := s.decodeValue(rec, &e)
			if err != nil {
				return nil, err
			}
			out[k] = v
		}
		return out, nil
	}
	out := make(map[string]any, len(f.Members))
	for k := range f.Members {
		m := f.Member(k, f.Offset)
		v, err := s.decodeValue(rec, &m)
		if err != nil {
			return nil, err
		}
		out[f.Members[k].Name] = v
	}
	return out, nil
}

// resolveShifts sets Field.Shifts under variable_size_occurs: a field
// that starts at or after the end of a DEPENDING ON array's room moves up
// by the room its missing elements would take. A count field must not
// move (its value places the fields after it), nor a null bitmap.
func resolveShifts(s *Schema) error {
	s.VariableSizeOccurs = true
	var odo []int
	for i := range s.Fields {
		if s.Fields[i].IsVariable() {
			odo = append(odo, i)
		}
	}
	for i := range s.Fields {
		f := &s.Fields[i]
		f.Shifts = nil
		for _, j := range odo {
			a := &s.Fields[j]
			switch {
			case j == i:
			case f.Offset >= a.End():
				f.Shifts = append(f.Shifts, j)
			case f.End() > a.Offset && f.Offset < a.End():
				return schemaErr(f.Name, "overlaps the room of OCCURS DEPENDING ON array %s, whose size varies by record under variable_size_occurs", a.Name)
			}
		}
	}
	for _, j := range odo {
		if c := &s.Fields[s.Fields[j].DependsIndex]; len(c.Shifts) > 0 {
			return schemaErr(s.Fields[j].Name, "DEPENDING ON %s: under variable_size_occurs the count must come before every variable-size array (it follows %s)", c.Name, s.Fields[c.Shifts[0]].Name)
		}
	}
	if s.NullBitmap >= 0 && len(odo) > 0 {
		return schemaErr("", "variable_size_occurs: a record with a null bitmap cannot change its length")
	}
	return nil
}

// ShiftAt is how many bytes field f has moved up in record rec under
// variable_size_occurs (0 or negative): the room of the missing elements
// of the DEPENDING ON arrays before it.
func (s *Schema) ShiftAt(rec []byte, f *Field) (int, error) {
	shift := 0
	for _, j := range f.Shifts {
		a := &s.Fields[j]
		n, err := s.CountAt(rec, a)
		if err != nil {
			return 0, err
		}
		shift -= (a.Occurs - n) * a.Stride
	}
	return shift, nil
}

// RecordLenAt is the length of record rec (which starts with the bytes
// of its count fields): RecordLen less the room of the missing elements
// under variable_size_occurs.
func (s *Schema) RecordLenAt(rec []byte) (int, error) {
	n := s.RecordLen
	if !s.VariableSizeOccurs {
		return n, nil
	}
	for j := range s.Fields {
		if a := &s.Fields[j]; a.IsVariable() {
			c, err := s.CountAt(rec, a)
			if err != nil {
				return 0, err
			}
			n -= (a.Occurs - c) * a.Stride
		}
	}
	return n, nil
}

// placed returns field f moved by its shift in rec (f itself when it does
// not move).
func (s *Schema) placed(rec []byte, f *Field) (*Field, error) {
	if len(f.Shifts) == 0 {
		return f, nil
	}
	d, err := s.ShiftAt(rec, f)
	if err != nil {
		return nil, err
	}
	c := *f
	c.Offset += d
	return &c, nil
}
