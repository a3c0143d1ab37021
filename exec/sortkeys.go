package exec

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"strings"
	"unsafe"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/recq/recq/storage"
)

// SortKey is one ORDER BY key. The planner applies SQL's defaults: NULLS
// LAST for ASC, NULLS FIRST for DESC.
type SortKey struct {
	Expr       Expr
	Desc       bool
	NullsFirst bool
}

func (k SortKey) String() string {
	s := unparen(k.Expr.String())
	if k.Desc {
		s += " DESC"
	}
	if k.NullsFirst != k.Desc {
		if k.NullsFirst {
			s += " NULLS FIRST"
		} else {
			s += " NULLS LAST"
		}
	}
	return s
}

func keysString(keys []SortKey) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k.String()
	}
	return strings.Join(parts, ", ")
}

func checkSortKeys(keys []SortKey) error {
	for _, k := range keys {
		if t := k.Expr.DataType(); isInterval(t) || t.ID() == arrow.LIST || t.ID() == arrow.STRUCT {
			return fmt.Errorf("cannot order by %s", TypeName(t))
		}
	}
	return nil
}

type sortKind uint8

const (
	skI64 sortKind = iota
	skU64
	skF64
	skI128
	skStr
	skNull
)

// sortCol is one key's values, flattened to a comparable Go type.
type sortCol struct {
	kind       sortKind
	i64        []int64
	u64        []uint64
	f64        []float64
	dec        []i128
	str        []string // zero-copy views into retained batches
	pre        []uint64 // strings: first 8 bytes, big-endian, zero-padded
	nulls      []bool   // nil: no NULLs so far
	n          int
	desc       bool
	nullsFirst bool
}

func newSortCol(t arrow.DataType, k SortKey) *sortCol {
	c := &sortCol{desc: k.Desc, nullsFirst: k.NullsFirst}
	switch {
	case isNull(t):
		c.kind = skNull
	case isString(t):
		c.kind = skStr
	case isFloat(t):
		c.kind = skF64
	case t.ID() == arrow.UINT64:
		c.kind = skU64
	case isDecimal(t):
		if p, _ := decProps(t); p > 18 {
			c.kind = skI128
		}
	}
	return c
}

// newSortColCap is newSortCol with room for n values.
func newSortColCap(t arrow.DataType, k SortKey, n int) *sortCol {
	c := newSortCol(t, k)
	switch c.kind {
	case skI64:
		c.i64 = make([]int64, 0, n)
	case skU64:
		c.u64 = make([]uint64, 0, n)
	case skF64:
		c.f64 = make([]float64, 0, n)
	case skI128:
		c.dec = make([]i128, 0, n)
	case skStr:
		c.str, c.pre = make([]string, 0, n), make([]uint64, 0, n)
	}
	return c
}

// appendArray appends a's values. Strings point into a's buffers, which
// must stay alive while the column is used.
func (c *sortCol) appendArray(a arrow.Array) {
	n := a.Len()
	if vb, off := validityOf(a); vb != nil || a.DataType().ID() == arrow.NULL {
		if c.nulls == nil {
			c.nulls = make([]bool, c.n, c.n+n)
		}
		for i := 0; i < n; i++ {
			c.nulls = append(c.nulls, a.IsNull(i) || vb == nil)
		}
		_ = off
	} else if c.nulls != nil {
		c.nulls = append(c.nulls, make([]bool, n)...)
	}
	c.n += n
	switch c.kind {
	case skNull:
	case skStr:
		offs, data := strParts(a)
		for i := 0; i < n; i++ {
			if offs[i+1] > offs[i] {
				b := data[offs[i]:offs[i+1]]
				c.str = append(c.str, unsafe.String(&b[0], len(b)))
				var p [8]byte
				copy(p[:], b)
				c.pre = append(c.pre, binary.BigEndian.Uint64(p[:]))
			} else {
				c.str = append(c.str, "")
				c.pre = append(c.pre, 0)
			}
		}
	case skF64:
		if a.DataType().ID() == arrow.FLOAT32 {
			for _, v := range values[float32](a) {
				c.f64 = append(c.f64, float64(v))
			}
		} else {
			c.f64 = append(c.f64, values[float64](a)...)
		}
	case skU64:
		c.u64 = append(c.u64, values[uint64](a)...)
	case skI128:
		c.dec = append(c.dec, values[i128](a)...)
	default:
		switch a.DataType().ID() {
		case arrow.BOOL:
			for _, b := range boolBytes(a) {
				c.i64 = append(c.i64, int64(b))
			}
		case arrow.DECIMAL128:
			for _, v := range values[i128](a) {
				c.i64 = append(c.i64, int64(v.lo))
			}
		case arrow.DATE32:
			for _, v := range values[int32](a) {
				c.i64 = append(c.i64, int64(v))
			}
		case arrow.INT64, arrow.TIMESTAMP:
			c.i64 = append(c.i64, values[int64](a)...)
		default:
			forIntArray(a, func(v []int64) { c.i64 = append(c.i64, v...) }, nil)
		}
	}
}

// compareRows compares row i of a with row j of b (same key, same kind).
func compareRows(a *sortCol, i int, b *sortCol, j int) int {
	an := a.nulls != nil && a.nulls[i]
	bn := b.nulls != nil && b.nulls[j]
	if an || bn {
		switch {
		case an && bn:
			return 0
		case an == a.nullsFirst:
			return -1
		default:
			return 1
		}
	}
	var r int
	switch a.kind {
	case skI64:
		r = cmp.Compare(a.i64[i], b.i64[j])
	case skU64:
		r = cmp.Compare(a.u64[i], b.u64[j])
	case skF64:
		r = storage.Compare(a.f64[i], b.f64[j])
	case skI128:
		r = a.dec[i].cmp(b.dec[j])
	case skStr:
		// the 8-byte prefixes order strings unless they are equal
		if x, y := a.pre[i], b.pre[j]; x != y {
			if x < y {
				r = -1
			} else {
				r = 1
			}
		} else if la, lb := len(a.str[i]), len(b.str[j]); la <= 8 && lb <= 8 {
			// equal zero-padded prefixes of short strings: the shorter
			// one is a prefix of the other
			r = cmp.Compare(la, lb)
		} else {
			r = strings.Compare(a.str[i], b.str[j])
		}
	}
	if a.desc {
		return -r
	}
	return r
}

func compareKeyRows(a []*sortCol, i int, b []*sortCol, j int) int {
	for k := range a {
		if r := compareRows(a[k], i, b[k], j); r != 0 {
			return r
		}
	}
	return 0
}
