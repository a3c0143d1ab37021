package storage

import (
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
)

// Kind is the logical type of a field.
type Kind uint8

// The kinds, in the order their codes are stored in .rec headers. Never
// reorder: the numeric values are part of the file format.
const (
	KindInvalid Kind = iota
	Boolean
	Int8
	Int16
	Int32
	Int64
	Uint8
	Uint16
	Uint32
	Uint64
	Float32
	Float64
	Decimal
	Char
	Date
	Timestamp
	// Struct is a group of fields (Field.Members): a COBOL group item, one
	// element of GHCN's 31 days. Never stored in a .rec header.
	Struct
	kindCount
)

var kindNames = [...]string{
	KindInvalid: "INVALID",
	Boolean:     "BOOLEAN",
	Int8:        "INT8",
	Int16:       "INT16",
	Int32:       "INT32",
	Int64:       "INT64",
	Uint8:       "UINT8",
	Uint16:      "UINT16",
	Uint32:      "UINT32",
	Uint64:      "UINT64",
	Float32:     "FLOAT32",
	Float64:     "FLOAT64",
	Decimal:     "DECIMAL",
	Char:        "CHAR",
	Date:        "DATE",
	Timestamp:   "TIMESTAMP",
	Struct:      "STRUCT",
}

func (k Kind) String() string {
	if k < kindCount {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// MaxDecimalPrecision is the largest DECIMAL precision of binary and text
// fields: values are stored as scaled 64-bit integers, which hold 18 full
// decimal digits. Packed and zoned fields go up to MaxWideDecimalPrecision.
const MaxDecimalPrecision = 18

// Type is a field's logical type with its parameters.
//
// Each type maps to exactly one Arrow type (see ArrowType):
//
//	BOOLEAN        arrow.FixedWidthTypes.Boolean
//	INT8..INT64    arrow.PrimitiveTypes.Int8..Int64
//	UINT8..UINT64  arrow.PrimitiveTypes.Uint8..Uint64
//	FLOAT32 (REAL) arrow.PrimitiveTypes.Float32
//	FLOAT64 (DOUBLE) arrow.PrimitiveTypes.Float64
//	DECIMAL(p,s)   arrow.Decimal128Type{Precision: p, Scale: s}
//	CHAR(n)        arrow.BinaryTypes.String (trailing spaces/NULs trimmed)
//	DATE           arrow.FixedWidthTypes.Date32 (days since 1970-01-01)
//	TIMESTAMP      arrow.Timestamp_us without a time zone
type Type struct {
	Kind      Kind
	Precision int // DECIMAL only: total digits, 1..18 (38 for packed and zoned fields)
	Scale     int // DECIMAL only: digits after the point, 0..Precision
	Length    int // CHAR only: bytes, >= 1
}

// Convenience constructors for the parameterless types.
var (
	TBoolean   = Type{Kind: Boolean}
	TInt8      = Type{Kind: Int8}
	TInt16     = Type{Kind: Int16}
	TInt32     = Type{Kind: Int32}
	TInt64     = Type{Kind: Int64}
	TUint8     = Type{Kind: Uint8}
	TUint16    = Type{Kind: Uint16}
	TUint32    = Type{Kind: Uint32}
	TUint64    = Type{Kind: Uint64}
	TFloat32   = Type{Kind: Float32}
	TFloat64   = Type{Kind: Float64}
	TDate      = Type{Kind: Date}
	TTimestamp = Type{Kind: Timestamp}
)

// TDecimal returns DECIMAL(precision, scale).
func TDecimal(precision, scale int) Type {
	return Type{Kind: Decimal, Precision: precision, Scale: scale}
}

// TChar returns CHAR(n).
func TChar(n int) Type { return Type{Kind: Char, Length: n} }

// String renders the type as SQL: INT32, DECIMAL(12,2), CHAR(10).
func (t Type) String() string {
	switch t.Kind {
	case Decimal:
		return fmt.Sprintf("DECIMAL(%d,%d)", t.Precision, t.Scale)
	case Char:
		return fmt.Sprintf("CHAR(%d)", t.Length)
	}
	return t.Kind.String()
}

// IsInteger reports whether t is a signed or unsigned integer type.
func (t Type) IsInteger() bool { return t.Kind >= Int8 && t.Kind <= Uint64 }

// IsSigned reports whether t is a signed integer type.
func (t Type) IsSigned() bool { return t.Kind >= Int8 && t.Kind <= Int64 }

// IsFloat reports whether t is FLOAT32 or FLOAT64.
func (t Type) IsFloat() bool { return t.Kind == Float32 || t.Kind == Float64 }

// IsOrdered reports whether block min/max statistics are kept for t: every
// numeric, date and timestamp type.
func (t Type) IsOrdered() bool {
	return t.IsInteger() || t.IsFloat() || t.Kind == Decimal || t.Kind == Date || t.Kind == Timestamp
}

// BinaryWidth is the natural width in bytes of t's binary encoding; for
// DECIMAL it is 8 (a scaled int64) and for CHAR its length. A DECIMAL may
// also be stored in 1, 2 or 4 bytes when its precision fits.
func (t Type) BinaryWidth() int {
	switch t.Kind {
	case Boolean, Int8, Uint8:
		return 1
	case Int16, Uint16:
		return 2
	case Int32, Uint32, Float32, Date:
		return 4
	case Int64, Uint64, Float64, Timestamp, Decimal:
		return 8
	case Char:
		return t.Length
	}
	return 0
}

// Validate checks the type's parameters.
func (t Type) Validate() error {
	switch {
	case t.Kind == KindInvalid || t.Kind >= kindCount:
		return fmt.Errorf("unknown type code %d", t.Kind)
	case t.Kind == Decimal && (t.Precision < 1 || t.Precision > MaxWideDecimalPrecision):
		return fmt.Errorf("DECIMAL precision %d is out of range 1..%d (1..%d unless PACKED or ZONED)", t.Precision, MaxWideDecimalPrecision, MaxDecimalPrecision)
	case t.Kind == Decimal && (t.Scale < 0 || t.Scale > t.Precision):
		return fmt.Errorf("DECIMAL scale %d is out of range 0..%d (the precision)", t.Scale, t.Precision)
	case t.Kind == Char && t.Length < 1:
		return fmt.Errorf("CHAR length %d must be at least 1", t.Length)
	}
	return nil
}

// ArrowType returns the Arrow type that values of t are decoded into.
func (t Type) ArrowType() arrow.DataType {
	switch t.Kind {
	case Boolean:
		return arrow.FixedWidthTypes.Boolean
	case Int8:
		return arrow.PrimitiveTypes.Int8
	case Int16:
		return arrow.PrimitiveTypes.Int16
	case Int32:
		return arrow.PrimitiveTypes.Int32
	case Int64:
		return arrow.PrimitiveTypes.Int64
	case Uint8:
		return arrow.PrimitiveTypes.Uint8
	case Uint16:
		return arrow.PrimitiveTypes.Uint16
	case Uint32:
		return arrow.PrimitiveTypes.Uint32
	case Uint64:
		return arrow.PrimitiveTypes.Uint64
	case Float32:
		return arrow.PrimitiveTypes.Float32
	case Float64:
		return arrow.PrimitiveTypes.Float64
	case Decimal:
		return &arrow.Decimal128Type{Precision: int32(t.Precision), Scale: int32(t.Scale)}
	case Char:
		return arrow.BinaryTypes.String
	case Date:
		return arrow.FixedWidthTypes.Date32
	case Timestamp:
		return &arrow.TimestampType{Unit: arrow.Microsecond}
	}
	return arrow.Null
}

// typeAliases maps every accepted SQL spelling of a parameterless type (upper
// case) to its kind.
var typeAliases = map[string]Kind{
	"BOOLEAN": Boolean, "BOOL": Boolean,
	"INT8": Int8, "TINYINT": Int8,
	"INT16": Int16, "SMALLINT": Int16,
	"INT32": Int32, "INT": Int32, "INTEGER": Int32,
	"INT64": Int64, "BIGINT": Int64,
	"UINT8": Uint8, "UTINYINT": Uint8,
	"UINT16": Uint16, "USMALLINT": Uint16,
	"UINT32": Uint32, "UINTEGER": Uint32,
	"UINT64": Uint64, "UBIGINT": Uint64,
	"FLOAT32": Float32, "REAL": Float32, "FLOAT4": Float32,
	"FLOAT64": Float64, "DOUBLE": Float64, "FLOAT8": Float64, "FLOAT": Float64,
	"DECIMAL": Decimal, "NUMERIC": Decimal,
	"CHAR": Char, "CHARACTER": Char, "VARCHAR": Char, "TEXT": Char, "STRING": Char,
	"DATE":      Date,
	"TIMESTAMP": Timestamp, "DATETIME": Timestamp,
}

// ParseType resolves a type name and its parenthesised parameters, as written
// in SQL (case-insensitive): ParseType("decimal", 12, 2), ParseType("CHAR", 10),
// ParseType("BIGINT"). DECIMAL without parameters is DECIMAL(18,3); CHAR
// needs its length.
func ParseType(name string, params ...int) (Type, error) {
	k, ok := typeAliases[strings.ToUpper(name)]
	if !ok {
		return Type{}, fmt.Errorf("unknown type %s", name)
	}
	var t Type
	switch k {
	case Decimal:
		switch len(params) {
		case 0:
			t = TDecimal(18, 3)
		case 1:
			t = TDecimal(params[0], 0)
		case 2:
			t = TDecimal(params[0], params[1])
		default:
			return Type{}, fmt.Errorf("%s takes at most 2 parameters (precision, scale)", strings.ToUpper(name))
		}
	case Char:
		if len(params) != 1 {
			return Type{}, fmt.Errorf("%s needs its length, as in CHAR(10)", strings.ToUpper(name))
		}
		t = TChar(params[0])
	default:
		if len(params) != 0 {
			return Type{}, fmt.Errorf("%s takes no parameters", strings.ToUpper(name))
		}
		t = Type{Kind: k}
	}
	return t, t.Validate()
}
