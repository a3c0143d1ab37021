package storage

import (
	"fmt"

	"github.com/apache/arrow/go/v17/arrow"
)

// MaxOccurs bounds the number of elements of an array field (OCCURS).
const MaxOccurs = 65535

// IsArray reports whether the field is repeated (OCCURS n TIMES): its value
// is a list of Occurs elements of its type, the first at Offset and each
// next one Stride bytes further.
func (f *Field) IsArray() bool { return f.Occurs > 0 }

// Elem returns the field of element k (0-based) of an array field: the same
// field, moved k strides on, without OCCURS. Decoders read each element
// through it as an ordinary field.
func (f *Field) Elem(k int) Field {
	e := *f
	e.Offset += k * f.Stride
	e.Occurs, e.Stride, e.DependsOn, e.MinOccurs, e.DependsIndex = 0, 0, "", 0, -1
	return e
}

// ArrowType is the Arrow type of the field's column: the type's, or a list
// of it for an array field.
func (f *Field) ArrowType() arrow.DataType {
	t := f.Type.ArrowType()
	if f.IsGroup() {
		t = f.structType()
	}
	if f.IsArray() {
		return arrow.ListOf(t)
	}
	return t
}

// resolveOccurs checks OCCURS and STRIDE once the element width is known
// and sets the default stride (elements back to back, as COBOL lays out an
// OCCURS item).
func resolveOccurs(f *Field) error {
	switch {
	case f.Occurs < 0 || f.Occurs > MaxOccurs:
		return schemaErr(f.Name, "OCCURS %d is out of range 1..%d", f.Occurs, MaxOccurs)
	case f.Occurs == 0 && f.Stride != 0:
		return schemaErr(f.Name, "STRIDE applies only to a repeated field (OCCURS n TIMES STRIDE s)")
	case f.Occurs == 0:
		return nil
	case f.Stride == 0:
		f.Stride = f.Width
	case f.Stride < f.Width:
		return schemaErr(f.Name, "STRIDE %d is less than the element's width of %d bytes: elements would overlap", f.Stride, f.Width)
	}
	if f.Stride > MaxRecordLen {
		return schemaErr(f.Name, "STRIDE %d is past the %d-byte record limit", f.Stride, MaxRecordLen)
	}
	return nil
}

// occursClause is the field's OCCURS clause as the layout DDL writes it:
// OCCURS [m TO] n TIMES [DEPENDING ON c] STRIDE s.
func (f *Field) occursClause() string {
	s := fmt.Sprintf("OCCURS %d TIMES", f.Occurs)
	if f.IsVariable() {
		s = fmt.Sprintf("OCCURS %d TO %d TIMES DEPENDING ON %s", f.MinOccurs, f.Occurs, QuoteIdent(f.DependsOn))
	}
	return s + fmt.Sprintf(" STRIDE %d", f.Stride)
}
