package exec

import (
	"bytes"

	"github.com/apache/arrow/go/v17/arrow"
)

// Lead-key mode: grouping by an integer key and what depends on it.
//
// GROUP BY c_custkey, c_name, c_address, ... (the columns a query shows
// beside a key) does not pack into 64 bits, and the byte-encoded map
// (assignBytes) encodes and hashes every row's whole tuple. Such tuples
// are usually decided by their first column: each customer number comes
// with one name and one address. In lead-key mode an aggregation's table
// finds a row's group by its first key alone (an integer, through a u64
// map) and checks that the other keys equal the group's; a tuple that
// shares its first key with a group but differs elsewhere sends the table
// to the byte-encoded map for good, group ids kept. Only aggregation
// tables use the mode (expectLead): join lookups read the byte-encoded
// map directly.

// leadable reports whether a key type can lead: integer-like values that
// are equal exactly when their bits are (not floats, where -0 = 0).
func leadable(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
		arrow.DATE32, arrow.DATE64, arrow.TIMESTAMP, arrow.TIME32, arrow.TIME64:
		return true
	}
	return false
}

// expectLead lets a table that cannot pack its keys group by their first
// column (now, or when a packed table meets a key that does not fit).
func (t *groupTable) expectLead() {
	t.leadOK = len(t.types) > 1 && leadable(t.types[0])
	if t.leadOK && !t.packed && t.n == 0 {
		t.lead = newU64Map()
	}
}

// leadKeys returns the first key column's values widened to uint64; false
// when it holds a NULL (lead-key mode then does not apply).
func (t *groupTable) leadKeys(a arrow.Array) ([]uint64, bool) {
	if a.NullN() > 0 {
		return nil, false
	}
	kb := t.keyBuf[:0]
	switch byteWidth(a.DataType()) {
	case 1:
		kb = appendWidened(kb, values[uint8](a))
	case 2:
		kb = appendWidened(kb, values[uint16](a))
	case 4:
		kb = appendWidened(kb, values[uint32](a))
	default:
		kb = append(kb, values[uint64](a)...)
	}
	t.keyBuf = kb
	return kb, true
}

// assignLead is assign in lead-key mode. It reports false at the first row
// whose first key belongs to a group that differs from it elsewhere (or a
// NULL first key); the rows before it have their groups, which assigning
// the batch again through the byte-encoded map gives them again.
func (t *groupTable) assignLead(keys []arrow.Array, n int, sel []int32, gids []int32) bool {
	kb, ok := t.leadKeys(keys[0])
	if !ok {
		return false
	}
	one := func(i int) bool {
		g, inserted := t.lead.findOrInsert(kb[i], int32(t.n))
		if inserted {
			t.newGroup(keys, i)
		} else {
			for c := 1; c < len(keys); c++ {
				if !t.stores[c].equal(int(g), keys[c], i) {
					return false
				}
			}
		}
		gids[i] = g
		return true
	}
	if sel == nil {
		for i := range n {
			if !one(i) {
				return false
			}
		}
		return true
	}
	for _, i := range sel {
		if !one(int(i)) {
			return false
		}
	}
	return true
}

// leadFromGroups starts lead-key mode over the groups a packed table made;
// false when two of them share their first key (or one has NULL there).
func (t *groupTable) leadFromGroups() bool {
	first, ok := t.stores[0].(interface{ lead(g int) (uint64, bool) })
	if !ok {
		return false
	}
	m := newU64Map()
	for g := range t.n {
		k, valid := first.lead(g)
		if !valid {
			return false
		}
		if _, inserted := m.findOrInsert(k, int32(g)); !inserted {
			return false
		}
	}
	t.lead = m
	return true
}

// lead returns group g's key widened to uint64 and whether it is valid.
func (k *fixedKeys[T]) lead(g int) (uint64, bool) {
	if !k.valid[g] {
		return 0, false
	}
	switch v := any(k.vals[g]).(type) {
	case uint8:
		return uint64(v), true
	case uint16:
		return uint64(v), true
	case uint32:
		return uint64(v), true
	case uint64:
		return v, true
	}
	return 0, false
}

// equal reports whether group g's key equals row i of a (NULL equals NULL).
func (k *fixedKeys[T]) equal(g int, a arrow.Array, i int) bool {
	if a.IsNull(i) {
		return !k.valid[g]
	}
	return k.valid[g] && k.vals[g] == values[T](a)[i]
}

func (k *strKeys) equal(g int, a arrow.Array, i int) bool {
	if a.IsNull(i) {
		return !k.valid[g]
	}
	offs, data := strParts(a)
	return k.valid[g] && bytes.Equal(k.at(g), data[offs[i]:offs[i+1]])
}

func (k *boolKeys) equal(g int, a arrow.Array, i int) bool {
	if a.IsNull(i) {
		return !k.valid[g]
	}
	d := a.Data()
	return k.valid[g] && k.vals[g] == getBit(d.Buffers()[1].Bytes(), d.Offset()+i)
}
