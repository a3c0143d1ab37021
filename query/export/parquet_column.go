package export

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/schema"

	"github.com/recq/recq/exec"
)

// This file maps one Arrow column to a Parquet leaf column and writes its
// arrays into column chunks. The mapping is the one Arrow's own writer
// (pqarrow) uses, so its reader, DuckDB and Spark read the columns back
// with the same types, with one difference: DECIMAL of precision up to 18
// is stored as INT32 or INT64 (the Parquet specification's preferred
// physical types for such decimals) rather than as big-endian fixed-length
// bytes.

// column is one Parquet leaf column and the scratch space its conversions
// reuse from batch to batch.
type column struct {
	field  arrow.Field
	node   schema.Node
	phys   parquet.Type
	scale  int64 // TIMESTAMP(s) values are stored as milliseconds: x1000
	flbaSz int   // bytes per value of a FIXED_LEN_BYTE_ARRAY decimal

	i32  []int32
	i64  []int64
	f32  []float32
	f64  []float64
	bits []bool
	ba   []parquet.ByteArray
	fl   []parquet.FixedLenByteArray
	raw  []byte
}

// unsupportedType describes a column the writer cannot store.
type unsupportedType struct {
	name, typ string
}

func (e *unsupportedType) Error() string {
	return fmt.Sprintf("parquet output: column %s of type %s cannot be written to Parquet (Parquet has no such type); CAST it to VARCHAR or leave it out", e.name, e.typ)
}

// newColumn maps an Arrow field to a Parquet leaf.
func newColumn(f arrow.Field) (*column, error) {
	c := &column{field: f}
	rep := parquet.Repetitions.Required
	if f.Nullable {
		rep = parquet.Repetitions.Optional
	}
	var logical schema.LogicalType = schema.NoLogicalType{}
	length := -1
	switch f.Type.ID() {
	case arrow.NULL:
		c.phys, logical, rep = parquet.Types.Int32, &schema.NullLogicalType{}, parquet.Repetitions.Optional
	case arrow.BOOL:
		c.phys = parquet.Types.Boolean
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.UINT8, arrow.UINT16, arrow.UINT32:
		c.phys = parquet.Types.Int32
		logical = schema.NewIntLogicalType(int8(f.Type.(arrow.FixedWidthDataType).BitWidth()), isSigned(f.Type.ID()))
	case arrow.INT64, arrow.UINT64:
		c.phys = parquet.Types.Int64
		logical = schema.NewIntLogicalType(64, f.Type.ID() == arrow.INT64)
	case arrow.FLOAT32:
		c.phys = parquet.Types.Float
	case arrow.FLOAT64:
		c.phys = parquet.Types.Double
	case arrow.STRING, arrow.LARGE_STRING:
		c.phys, logical = parquet.Types.ByteArray, schema.StringLogicalType{}
	case arrow.BINARY, arrow.LARGE_BINARY:
		c.phys = parquet.Types.ByteArray
	case arrow.FIXED_SIZE_BINARY:
		c.phys, length = parquet.Types.FixedLenByteArray, f.Type.(*arrow.FixedSizeBinaryType).ByteWidth
	case arrow.DECIMAL128:
		d := f.Type.(*arrow.Decimal128Type)
		switch {
		case d.Precision <= 9:
			c.phys = parquet.Types.Int32
		case d.Precision <= 18:
			c.phys = parquet.Types.Int64
		default:
			c.phys, c.flbaSz = parquet.Types.FixedLenByteArray, decimalSize(int(d.Precision))
			length = c.flbaSz
		}
		logical = schema.NewDecimalLogicalType(d.Precision, d.Scale)
	case arrow.DATE32:
		c.phys, logical = parquet.Types.Int32, schema.DateLogicalType{}
	case arrow.TIMESTAMP:
		ts := f.Type.(*arrow.TimestampType)
		unit, scale := schema.TimeUnitMillis, int64(1)
		switch ts.Unit {
		case arrow.Second:
			scale = 1000 // Parquet has no seconds: store milliseconds
		case arrow.Microsecond:
			unit = schema.TimeUnitMicros
		case arrow.Nanosecond:
			unit = schema.TimeUnitNanos
		}
		c.phys, c.scale = parquet.Types.Int64, scale
		logical = schema.NewTimestampLogicalTypeForce(ts.TimeZone != "", unit)
	default:
		return nil, &unsupportedType{name: f.Name, typ: typeName(f.Type)}
	}
	node, err := schema.NewPrimitiveNodeLogical(f.Name, rep, logical, c.phys, length, -1)
	if err != nil {
		return nil, fmt.Errorf("parquet output: column %s: %w", f.Name, err)
	}
	c.node = node
	return c, nil
}

func isSigned(id arrow.Type) bool {
	return id == arrow.INT8 || id == arrow.INT16 || id == arrow.INT32 || id == arrow.INT64
}

// typeName names an Arrow type the way recq's SQL does where it can.
func typeName(t arrow.DataType) string {
	switch t.ID() {
	case arrow.INTERVAL_MONTH_DAY_NANO:
		return "INTERVAL"
	case arrow.LIST:
		return typeName(t.(*arrow.ListType).Elem()) + "[]"
	case arrow.STRUCT:
		return exec.TypeName(t)
	}
	return strings.ToUpper(t.String())
}

// decimalSize is the number of bytes a two's complement integer of
// precision decimal digits needs.
func decimalSize(precision int) int {
	n := 1
	for !fitsDigits(n, precision) {
		n++
	}
	return n
}

// fitsDigits reports whether n bytes hold every signed integer of the
// given number of decimal digits: 8n-1 >= precision*log2(10).
func fitsDigits(n, precision int) bool {
	// log2(10) = 3.321928...; compare in integers scaled by 10^6.
	return int64(8*n-1)*1_000_000 >= int64(precision)*3_321_929
}

// write appends arr's values to the column chunk. def holds arr's
// definition levels (nil for a required column).
func (c *column) write(cw file.ColumnChunkWriter, arr arrow.Array, def []int16) (err error) {
	n := arr.Len()
	hasNulls := arr.NullN() > 0
	if hasNulls && def == nil {
		return fmt.Errorf("parquet output: column %s holds NULL but its type says NOT NULL", c.field.Name)
	}
	switch a := arr.(type) {
	case *array.Null:
		_, err = cw.(*file.Int32ColumnChunkWriter).WriteBatch(nil, def, nil)
	case *array.Boolean:
		c.bits = c.bits[:0]
		for i := 0; i < n; i++ {
			if !hasNulls || a.IsValid(i) {
				c.bits = append(c.bits, a.Value(i))
			}
		}
		_, err = cw.(*file.BooleanColumnChunkWriter).WriteBatch(c.bits, def, nil)
	case *array.Int8:
		err = c.writeInt32(cw, convert(c.i32[:0], a.Int8Values(), a, hasNulls), def)
	case *array.Int16:
		err = c.writeInt32(cw, convert(c.i32[:0], a.Int16Values(), a, hasNulls), def)
	case *array.Int32:
		err = c.writeInt32(cw, convert(c.i32[:0], a.Int32Values(), a, hasNulls), def)
	case *array.Uint8:
		err = c.writeInt32(cw, convert(c.i32[:0], a.Uint8Values(), a, hasNulls), def)
	case *array.Uint16:
		err = c.writeInt32(cw, convert(c.i32[:0], a.Uint16Values(), a, hasNulls), def)
	case *array.Uint32:
		err = c.writeInt32(cw, convert(c.i32[:0], a.Uint32Values(), a, hasNulls), def)
	case *array.Date32:
		err = c.writeInt32(cw, convert(c.i32[:0], a.Date32Values(), a, hasNulls), def)
	case *array.Int64:
		vals := a.Int64Values()
		if hasNulls {
			vals = convert(c.i64[:0], vals, a, true)
			c.i64 = vals
		}
		err = c.writeInt64(cw, vals, def)
	case *array.Uint64:
		c.i64 = convert(c.i64[:0], a.Uint64Values(), a, hasNulls)
		err = c.writeInt64(cw, c.i64, def)
	case *array.Timestamp:
		vals := convert(c.i64[:0], a.TimestampValues(), a, hasNulls)
		c.i64 = vals
		if c.scale != 1 {
			for i := range vals {
				vals[i] *= c.scale
			}
		}
		err = c.writeInt64(cw, vals, def)
	case *array.Float32:
		vals := a.Float32Values()
		if hasNulls {
			vals = convert(c.f32[:0], vals, a, true)
			c.f32 = vals
		}
		_, err = cw.(*file.Float32ColumnChunkWriter).WriteBatch(vals, def, nil)
	case *array.Float64:
		vals := a.Float64Values()
		if hasNulls {
			vals = convert(c.f64[:0], vals, a, true)
			c.f64 = vals
		}
		_, err = cw.(*file.Float64ColumnChunkWriter).WriteBatch(vals, def, nil)
	case *array.Decimal128:
		err = c.writeDecimal(cw, a, hasNulls, def)
	case *array.String:
		err = c.writeBytes(cw, a, a.ValueOffsets(), hasNulls, def)
	case *array.LargeString:
		err = c.writeBytes(cw, a, a.ValueOffsets(), hasNulls, def)
	case *array.Binary:
		err = c.writeBytes(cw, a, a.ValueOffsets(), hasNulls, def)
	case *array.LargeBinary:
		err = c.writeBytes(cw, a, a.ValueOffsets(), hasNulls, def)
	case *array.FixedSizeBinary:
		c.fl = c.fl[:0]
		for i := 0; i < n; i++ {
			if !hasNulls || a.IsValid(i) {
				c.fl = append(c.fl, a.Value(i))
			}
		}
		_, err = cw.(*file.FixedLenByteArrayColumnChunkWriter).WriteBatch(c.fl, def, nil)
	default:
		return &unsupportedType{name: c.field.Name, typ: typeName(arr.DataType())}
	}
	if err != nil {
		return fmt.Errorf("parquet output: column %s: %w", c.field.Name, err)
	}
	return nil
}

func (c *column) writeInt32(cw file.ColumnChunkWriter, vals []int32, def []int16) error {
	c.i32 = vals
	_, err := cw.(*file.Int32ColumnChunkWriter).WriteBatch(vals, def, nil)
	return err
}

func (c *column) writeInt64(cw file.ColumnChunkWriter, vals []int64, def []int16) error {
	_, err := cw.(*file.Int64ColumnChunkWriter).WriteBatch(vals, def, nil)
	return err
}

// number is the Arrow value types stored as Parquet numbers.
type number interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~float32 | ~float64
}

// convert appends src's valid values to dst, converted to D.
func convert[D, S number](dst []D, src []S, a arrow.Array, hasNulls bool) []D {
	if !hasNulls {
		for _, v := range src {
			dst = append(dst, D(v))
		}
		return dst
	}
	for i, v := range src {
		if a.IsValid(i) {
			dst = append(dst, D(v))
		}
	}
	return dst
}

// writeDecimal stores DECIMAL values as INT32, INT64 or big-endian
// fixed-length bytes, by precision.
func (c *column) writeDecimal(cw file.ColumnChunkWriter, a *array.Decimal128, hasNulls bool, def []int16) error {
	n := a.Len()
	switch c.phys {
	case parquet.Types.Int32:
		vals := c.i32[:0]
		for i := 0; i < n; i++ {
			if !hasNulls || a.IsValid(i) {
				vals = append(vals, int32(int64(a.Value(i).LowBits())))
			}
		}
		return c.writeInt32(cw, vals, def)
	case parquet.Types.Int64:
		vals := c.i64[:0]
		for i := 0; i < n; i++ {
			if !hasNulls || a.IsValid(i) {
				vals = append(vals, int64(a.Value(i).LowBits()))
			}
		}
		c.i64 = vals
		return c.writeInt64(cw, vals, def)
	}
	sz := c.flbaSz
	if need := n * sz; cap(c.raw) < need {
		c.raw = make([]byte, need)
	}
	raw := c.raw[:n*sz]
	c.fl = c.fl[:0]
	var be [16]byte
	for i := 0; i < n; i++ {
		if hasNulls && a.IsNull(i) {
			continue
		}
		v := a.Value(i)
		binary.BigEndian.PutUint64(be[:8], uint64(v.HighBits()))
		binary.BigEndian.PutUint64(be[8:], v.LowBits())
		dst := raw[len(c.fl)*sz : (len(c.fl)+1)*sz]
		copy(dst, be[16-sz:])
		c.fl = append(c.fl, dst)
	}
	_, err := cw.(*file.FixedLenByteArrayColumnChunkWriter).WriteBatch(c.fl, def, nil)
	return err
}

// writeBytes stores strings and binary values as BYTE_ARRAY, pointing
// into the array's data buffer without copying.
func (c *column) writeBytes(cw file.ColumnChunkWriter, a arrow.Array, offsets any, hasNulls bool, def []int16) error {
	var data []byte
	if bufs := a.Data().Buffers(); len(bufs) > 2 && bufs[2] != nil {
		data = bufs[2].Bytes()
	}
	c.ba = c.ba[:0]
	switch off := offsets.(type) {
	case []int32:
		for i := 0; i+1 < len(off); i++ {
			if !hasNulls || a.IsValid(i) {
				c.ba = append(c.ba, data[off[i]:off[i+1]:off[i+1]])
			}
		}
	case []int64:
		for i := 0; i+1 < len(off); i++ {
			if !hasNulls || a.IsValid(i) {
				c.ba = append(c.ba, data[off[i]:off[i+1]:off[i+1]])
			}
		}
	}
	_, err := cw.(*file.ByteArrayColumnChunkWriter).WriteBatch(c.ba, def, nil)
	return err
}
