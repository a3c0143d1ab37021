package exec

import (
	"fmt"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// takeArray gathers rows idx of a into a new array (a selection-vector
// gather in plain Go: no compute.FilterRecordBatch).
func takeArray(mem memory.Allocator, a arrow.Array, idx []int32) arrow.Array {
	return takeChunks(mem, a.DataType(), []arrow.Array{a}, nil, idx)
}

// TakeColumns gathers rows idx of the columns cols of rec into a new
// record of schema (whose fields are those columns' fields).
func TakeColumns(mem memory.Allocator, schema *arrow.Schema, rec arrow.Record, cols []int, idx []int32) arrow.Record {
	arrs := make([]arrow.Array, len(cols))
	for k, c := range cols {
		arrs[k] = takeArray(mem, rec.Column(c), idx)
	}
	out := array.NewRecord(schema, arrs, int64(len(idx)))
	for _, a := range arrs {
		a.Release()
	}
	return out
}

// takeChunks gathers rows from several arrays of one type: row k of the
// result is chunks[ci[k]][ri[k]] (ci nil: chunk 0).
func takeChunks(mem memory.Allocator, typ arrow.DataType, chunks []arrow.Array, ci, ri []int32) arrow.Array {
	n := len(ri)
	switch typ.ID() {
	case arrow.NULL:
		return array.NewNull(n)
	case arrow.LIST:
		return takeNested(mem, typ, chunks, ci, ri)
	case arrow.STRUCT:
		return takeStruct(mem, typ.(*arrow.StructType), chunks, ci, ri)
	}
	// validity
	var valid *memory.Buffer
	anyNull := false
	for _, c := range chunks {
		if c.NullN() > 0 {
			anyNull = true
			break
		}
	}
	if anyNull {
		valid = newBitmap(mem, n, true)
		vb := valid.Buf()
		vs := make([][]byte, len(chunks))
		offs := make([]int, len(chunks))
		for i, c := range chunks {
			vs[i], offs[i] = validityOf(c)
		}
		for k, r := range ri {
			c := 0
			if ci != nil {
				c = int(ci[k])
			}
			if v := vs[c]; v != nil && !getBit(v, offs[c]+int(r)) {
				clearBit(vb, k)
			}
		}
	}
	switch typ.ID() {
	case arrow.BOOL:
		o := newBoolOut(mem, n)
		ob := o.vals.Buf()
		type bv struct {
			b   []byte
			off int
		}
		src := make([]bv, len(chunks))
		for i, c := range chunks {
			d := c.Data()
			src[i] = bv{d.Buffers()[1].Bytes(), d.Offset()}
		}
		for k, r := range ri {
			c := 0
			if ci != nil {
				c = int(ci[k])
			}
			if getBit(src[c].b, src[c].off+int(r)) {
				setBit(ob, k)
			}
		}
		o.valid = valid
		return o.finish()
	case arrow.STRING:
		return takeStrings(mem, chunks, ci, ri, valid)
	}
	switch byteWidth(typ) {
	case 1:
		return takeFixed[uint8](mem, typ, chunks, ci, ri, valid)
	case 2:
		return takeFixed[uint16](mem, typ, chunks, ci, ri, valid)
	case 4:
		return takeFixed[uint32](mem, typ, chunks, ci, ri, valid)
	case 8:
		return takeFixed[uint64](mem, typ, chunks, ci, ri, valid)
	case 16:
		return takeFixed[i128](mem, typ, chunks, ci, ri, valid)
	}
	panic(fmt.Sprintf("internal error: take of %s", typ))
}

func takeFixed[T any](mem memory.Allocator, typ arrow.DataType, chunks []arrow.Array, ci, ri []int32, valid *memory.Buffer) arrow.Array {
	o := newFixedOut[T](mem, typ, len(ri))
	o.valid = valid
	if ci == nil || len(chunks) == 1 {
		v := values[T](chunks[0])
		out := o.v
		for k, r := range ri {
			out[k] = v[r]
		}
		return o.finish()
	}
	vs := make([][]T, len(chunks))
	for i, c := range chunks {
		vs[i] = values[T](c)
	}
	out := o.v
	for k, r := range ri {
		out[k] = vs[ci[k]][r]
	}
	return o.finish()
}

func takeStrings(mem memory.Allocator, chunks []arrow.Array, ci, ri []int32, valid *memory.Buffer) arrow.Array {
	type sv struct {
		offs []int32
		data []byte
	}
	src := make([]sv, len(chunks))
	for i, c := range chunks {
		src[i].offs, src[i].data = strParts(c)
	}
	total := 0
	for k, r := range ri {
		c := 0
		if ci != nil {
			c = int(ci[k])
		}
		total += int(src[c].offs[r+1] - src[c].offs[r])
	}
	o := newStrOut(mem, len(ri), total)
	for k, r := range ri {
		c := 0
		if ci != nil {
			c = int(ci[k])
		}
		s := src[c]
		o.add(s.data[s.offs[r]:s.offs[r+1]])
	}
	o.valid = valid
	return o.finish()
}

// takeNested gathers rows of a nested type (the LIST of quantile's list
// form, the array fields of a join's build side) one slice at a time.
func takeNested(mem memory.Allocator, typ arrow.DataType, chunks []arrow.Array, ci, ri []int32) arrow.Array {
	parts := make([]arrow.Array, len(ri))
	for k, r := range ri {
		c := 0
		if ci != nil {
			c = int(ci[k])
		}
		parts[k] = array.NewSlice(chunks[c], int64(r), int64(r)+1)
	}
	defer releaseAll(parts)
	if len(parts) == 0 {
		return array.MakeArrayOfNull(mem, typ, 0)
	}
	out, err := array.Concatenate(parts, mem)
	if err != nil {
		panic(fmt.Sprintf("internal error: take of %s: %v", typ, err))
	}
	return out
}
