package parquetfile

import (
	"fmt"
	"math/big"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/decimal128"
	"github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/schema"
)

// column is how one flat Parquet column becomes an Arrow column: its
// type and a function that reads up to n rows of a chunk into a builder.
type column struct {
	name  string
	index int // leaf column index in the file
	typ   arrow.DataType
	// read appends up to n rows of cr to b and returns how many it read.
	read func(cr file.ColumnChunkReader, b array.Builder, n int64, buf *buffers) (int64, error)
}

// buffers are the scratch slices a column read reuses.
type buffers struct {
	def   []int16
	i32   []int32
	i64   []int64
	i96   []parquet.Int96
	f32   []float32
	f64   []float64
	bools []bool
	ba    []parquet.ByteArray
	flba  []parquet.FixedLenByteArray
}

func grow[T any](s []T, n int64) []T {
	if int64(cap(s)) < n {
		return make([]T, n)
	}
	return s[:n]
}

// readLevels reads n rows of a typed chunk reader: values holds the
// non-null values in order; each row is null where its definition level
// is below maxDef. put appends values[k] to the builder.
func readLevels[T any](n int64, maxDef int16, buf *buffers, vals *[]T, b array.Builder,
	readBatch func(n int64, v []T, def []int16) (int64, int, error), put func(v T)) (int64, error) {
	*vals = grow(*vals, n)
	var def []int16
	if maxDef > 0 {
		buf.def = grow(buf.def, n)
		def = buf.def
	}
	total, _, err := readBatch(n, *vals, def)
	if err != nil {
		return 0, err
	}
	k := 0
	for i := int64(0); i < total; i++ {
		if def != nil && def[i] < maxDef {
			b.AppendNull()
			continue
		}
		put((*vals)[k])
		k++
	}
	return total, nil
}

// timeUnitScale converts a Parquet timestamp unit to microseconds: a
// multiplier (ms) or a divisor (ns).
func timeUnitScale(u schema.TimeUnitType) (mul, div int64) {
	switch u {
	case schema.TimeUnitMillis:
		return 1000, 1
	case schema.TimeUnitNanos:
		return 1, 1000
	}
	return 1, 1
}

// floorDiv divides rounding toward negative infinity, so instants before
// 1970 truncate to the earlier microsecond like later ones.
func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// decimalFromBytes reads a big-endian two's-complement unscaled decimal.
func decimalFromBytes(b []byte) decimal128.Num {
	if len(b) == 0 {
		return decimal128.Num{}
	}
	if len(b) <= 8 {
		var v int64
		for _, c := range b {
			v = v<<8 | int64(c)
		}
		shift := 64 - 8*len(b)
		return decimal128.FromI64(v << shift >> shift)
	}
	x := new(big.Int).SetBytes(b)
	if b[0]&0x80 != 0 {
		x.Sub(x, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return decimal128.FromBigInt(x)
}

// newColumn maps leaf column i of sch, or explains why recq cannot read
// it (nested and repeated columns, times, intervals, UUIDs, ...).
func newColumn(sch *schema.Schema, i int) (*column, error) {
	c := sch.Column(i)
	if c.MaxRepetitionLevel() > 0 || len(c.ColumnPath()) > 1 {
		return nil, fmt.Errorf("column %s is nested or repeated (a list, map or struct)", c.Path())
	}
	col := &column{name: c.Name(), index: i}
	maxDef := c.MaxDefinitionLevel()
	lt := c.LogicalType()
	switch c.PhysicalType() {
	case parquet.Types.Boolean:
		col.typ = arrow.FixedWidthTypes.Boolean
		col.read = func(cr file.ColumnChunkReader, b array.Builder, n int64, buf *buffers) (int64, error) {
			r := cr.(*file.BooleanColumnChunkReader)
			bb := b.(*array.BooleanBuilder)
			return readLevels(n, maxDef, buf, &buf.bools, b, func(n int64, v []bool, d []int16) (int64, int, error) { return r.ReadBatch(n, v, d, nil) }, bb.Append)
		}
	case parquet.Types.Int32:
		return int32Column(col, lt, maxDef)
	case parquet.Types.Int64:
		return int64Column(col, lt, maxDef)
	case parquet.Types.Int96:
		col.typ = &arrow.TimestampType{Unit: arrow.Microsecond}
		col.read = func(cr file.ColumnChunkReader, b array.Builder, n int64, buf *buffers) (int64, error) {
			r := cr.(*file.Int96ColumnChunkReader)
			tb := b.(*array.TimestampBuilder)
			return readLevels(n, maxDef, buf, &buf.i96, b, func(n int64, v []parquet.Int96, d []int16) (int64, int, error) { return r.ReadBatch(n, v, d, nil) },
				func(v parquet.Int96) { tb.Append(arrow.Timestamp(floorDiv(v.ToTime().UnixNano(), 1000))) })
		}
	case parquet.Types.Float:
		col.typ = arrow.PrimitiveTypes.Float32
		col.read = func(cr file.ColumnChunkReader, b array.Builder, n int64, buf *buffers) (int64, error) {
			r := cr.(*file.Float32ColumnChunkReader)
			return readLevels(n, maxDef, buf, &buf.f32, b, func(n int64, v []float32, d []int16) (int64, int, error) { return r.ReadBatch(n, v, d, nil) }, b.(*array.Float32Builder).Append)
		}
	case parquet.Types.Double:
		col.typ = arrow.PrimitiveTypes.Float64
		col.read = func(cr file.ColumnChunkReader, b array.Builder, n int64, buf *buffers) (int64, error) {
			r := cr.(*file.Float64ColumnChunkReader)
			return readLevels(n, maxDef, buf, &buf.f64, b, func(n int64, v []float64, d []int16) (int64, int, error) { return r.ReadBatch(n, v, d, nil) }, b.(*array.Float64Builder).Append)
		}
	case parquet.Types.ByteArray:
		var put func(b array.Builder) func(v parquet.ByteArray)
		switch t := lt.(type) {
		case *schema.DecimalLogicalType:
			if t.Precision() > 38 {
				return nil, fmt.Errorf("column %s is %s, wider than DECIMAL(38)", c.Path(), t)
			}
			col.typ = &arrow.Decimal128Type{Precision: t.Precision(), Scale: t.Scale()}
			put = func(b array.Builder) func(v parquet.ByteArray) {
				db := b.(*array.Decimal128Builder)
				return func(v parquet.ByteArray) { db.Append(decimalFromBytes(v)) }
			}
		case schema.StringLogicalType, schema.EnumLogicalType, schema.JSONLogicalType, schema.NoLogicalType, *schema.StringLogicalType, *schema.EnumLogicalType, *schema.JSONLogicalType, *schema.NoLogicalType:
			col.typ = arrow.BinaryTypes.String
			put = func(b array.Builder) func(v parquet.ByteArray) {
				sb := b.(*array.StringBuilder)
				return func(v parquet.ByteArray) { sb.BinaryBuilder.Append(v) }
			}
		default:
			return nil, fmt.Errorf("column %s has logical type %s, which recq does not read", c.Path(), lt)
		}
		col.read = func(cr file.ColumnChunkReader, b array.Builder, n int64, buf *buffers) (int64, error) {
			r := cr.(*file.ByteArrayColumnChunkReader)
			return readLevels(n, maxDef, buf, &buf.ba, b, func(n int64, v []parquet.ByteArray, d []int16) (int64, int, error) { return r.ReadBatch(n, v, d, nil) }, put(b))
		}
	case parquet.Types.FixedLenByteArray:
		t, ok := lt.(*schema.DecimalLogicalType)
		if !ok {
			return nil, fmt.Errorf("column %s is FIXED_LEN_BYTE_ARRAY with logical type %s, which recq does not read", c.Path(), lt)
		}
		if t.Precision() > 38 {
			return nil, fmt.Errorf("column %s is %s, wider than DECIMAL(38)", c.Path(), t)
		}
		col.typ = &arrow.Decimal128Type{Precision: t.Precision(), Scale: t.Scale()}
		col.read = func(cr file.ColumnChunkReader, b array.Builder, n int64, buf *buffers) (int64, error) {
			r := cr.(*file.FixedLenByteArrayColumnChunkReader)
			db := b.(*array.Decimal128Builder)
			return readLevels(n, maxDef, buf, &buf.flba, b, func(n int64, v []parquet.FixedLenByteArray, d []int16) (int64, int, error) {
				return r.ReadBatch(n, v, d, nil)
			},
				func(v parquet.FixedLenByteArray) { db.Append(decimalFromBytes(v)) })
		}
	default:
		return nil, fmt.Errorf("column %s has physical type %s, which recq does not read", c.Path(), c.PhysicalType())
	}
	return col, nil
}

// int32Column maps an INT32 column: integers of 8 to 32 bits, DATE,
// DECIMAL.
func int32Column(col *column, lt schema.LogicalType, maxDef int16) (*column, error) {
	var put func(b array.Builder) func(v int32)
	switch t := lt.(type) {
	case schema.DateLogicalType, *schema.DateLogicalType:
		col.typ = arrow.FixedWidthTypes.Date32
		put = func(b array.Builder) func(v int32) {
			db := b.(*array.Date32Builder)
			return func(v int32) { db.Append(arrow.Date32(v)) }
		}
	case *schema.DecimalLogicalType:
		col.typ = &arrow.Decimal128Type{Precision: t.Precision(), Scale: t.Scale()}
		put = func(b array.Builder) func(v int32) {
			db := b.(*array.Decimal128Builder)
			return func(v int32) { db.Append(decimal128.FromI64(int64(v))) }
		}
	case *schema.IntLogicalType:
		switch {
		case t.IsSigned() && t.BitWidth() == 8:
			col.typ = arrow.PrimitiveTypes.Int8
			put = func(b array.Builder) func(v int32) {
				x := b.(*array.Int8Builder)
				return func(v int32) { x.Append(int8(v)) }
			}
		case t.IsSigned() && t.BitWidth() == 16:
			col.typ = arrow.PrimitiveTypes.Int16
			put = func(b array.Builder) func(v int32) {
				x := b.(*array.Int16Builder)
				return func(v int32) { x.Append(int16(v)) }
			}
		case !t.IsSigned() && t.BitWidth() == 8:
			col.typ = arrow.PrimitiveTypes.Uint8
			put = func(b array.Builder) func(v int32) {
				x := b.(*array.Uint8Builder)
				return func(v int32) { x.Append(uint8(v)) }
			}
		case !t.IsSigned() && t.BitWidth() == 16:
			col.typ = arrow.PrimitiveTypes.Uint16
			put = func(b array.Builder) func(v int32) {
				x := b.(*array.Uint16Builder)
				return func(v int32) { x.Append(uint16(v)) }
			}
		case !t.IsSigned():
			col.typ = arrow.PrimitiveTypes.Uint32
			put = func(b array.Builder) func(v int32) {
				x := b.(*array.Uint32Builder)
				return func(v int32) { x.Append(uint32(v)) }
			}
		}
	case schema.NoLogicalType, *schema.NoLogicalType, schema.NullLogicalType, *schema.NullLogicalType:
	default:
		return nil, fmt.Errorf("column %s is INT32 with logical type %s, which recq does not read", col.name, lt)
	}
	if put == nil {
		col.typ = arrow.PrimitiveTypes.Int32
		put = func(b array.Builder) func(v int32) { return b.(*array.Int32Builder).Append }
	}
	col.read = func(cr file.ColumnChunkReader, b array.Builder, n int64, buf *buffers) (int64, error) {
		r := cr.(*file.Int32ColumnChunkReader)
		return readLevels(n, maxDef, buf, &buf.i32, b, func(n int64, v []int32, d []int16) (int64, int, error) { return r.ReadBatch(n, v, d, nil) }, put(b))
	}
	return col, nil
}

// int64Column maps an INT64 column: BIGINT, UBIGINT, TIMESTAMP (any
// unit, as microseconds), DECIMAL.
func int64Column(col *column, lt schema.LogicalType, maxDef int16) (*column, error) {
	var put func(b array.Builder) func(v int64)
	switch t := lt.(type) {
	case *schema.TimestampLogicalType:
		col.typ = &arrow.TimestampType{Unit: arrow.Microsecond}
		mul, div := timeUnitScale(t.TimeUnit())
		put = func(b array.Builder) func(v int64) {
			tb := b.(*array.TimestampBuilder)
			return func(v int64) { tb.Append(arrow.Timestamp(floorDiv(v*mul, div))) }
		}
	case *schema.DecimalLogicalType:
		col.typ = &arrow.Decimal128Type{Precision: t.Precision(), Scale: t.Scale()}
		put = func(b array.Builder) func(v int64) {
			db := b.(*array.Decimal128Builder)
			return func(v int64) { db.Append(decimal128.FromI64(v)) }
		}
	case *schema.IntLogicalType:
		if !t.IsSigned() {
			col.typ = arrow.PrimitiveTypes.Uint64
			put = func(b array.Builder) func(v int64) {
				x := b.(*array.Uint64Builder)
				return func(v int64) { x.Append(uint64(v)) }
			}
		}
	case schema.NoLogicalType, *schema.NoLogicalType:
	default:
		return nil, fmt.Errorf("column %s is INT64 with logical type %s, which recq does not read", col.name, lt)
	}
	if put == nil {
		col.typ = arrow.PrimitiveTypes.Int64
		put = func(b array.Builder) func(v int64) { return b.(*array.Int64Builder).Append }
	}
	col.read = func(cr file.ColumnChunkReader, b array.Builder, n int64, buf *buffers) (int64, error) {
		r := cr.(*file.Int64ColumnChunkReader)
		return readLevels(n, maxDef, buf, &buf.i64, b, func(n int64, v []int64, d []int16) (int64, int, error) { return r.ReadBatch(n, v, d, nil) }, put(b))
	}
	return col, nil
}
