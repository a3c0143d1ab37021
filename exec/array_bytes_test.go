package exec

import (
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// TestArrayBytesOfSlices: the slices of an array count their own rows,
// so slicing a large array into small batches (a window's result chunk
// cut into output batches of a few rows) does not count its buffers once
// per slice; the slices add up to about the whole.
func TestArrayBytesOfSlices(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	sb := array.NewStringBuilder(mem)
	ib := array.NewInt64Builder(mem)
	bb := array.NewBooleanBuilder(mem)
	for i := range 1000 {
		sb.Append(strings.Repeat("x", i)) // long strings at the end
		ib.Append(int64(i))
		bb.Append(i%3 == 0)
	}
	sb.AppendNull()
	ib.AppendNull()
	bb.AppendNull()
	for _, c := range []struct {
		name string
		a    arrow.Array
		min  int64 // what the data alone needs
	}{
		{"string", sb.NewArray(), 1000 * 999 / 2},
		{"int64", ib.NewArray(), 1001 * 8},
		{"bool", bb.NewArray(), 1001 / 8},
	} {
		whole := arrayBytes(c.a.Data())
		var sum int64
		for lo := 0; lo < c.a.Len(); lo += 7 {
			s := array.NewSlice(c.a, int64(lo), int64(min(lo+7, c.a.Len())))
			sum += arrayBytes(s.Data())
			s.Release()
		}
		if whole < c.min || sum < c.min || sum > 2*whole {
			t.Errorf("%s: whole %d bytes, slices of 7 rows add up to %d (data alone %d)", c.name, whole, sum, c.min)
		}
		// the last rows of the string array hold the long strings
		if c.name == "string" {
			tail := array.NewSlice(c.a, 990, 1000)
			head := array.NewSlice(c.a, 0, 10)
			if th, hh := arrayBytes(tail.Data()), arrayBytes(head.Data()); th < 9800 || hh > 200 {
				t.Errorf("string slices: rows 990-999 count %d bytes, rows 0-9 %d", th, hh)
			}
			tail.Release()
			head.Release()
		}
		c.a.Release()
	}
}
