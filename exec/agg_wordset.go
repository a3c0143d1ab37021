package exec

// wordSet is a set of (group, one-word value) pairs, what DISTINCT
// aggregates over integers and dates keep: open addressing with linear
// probing at a load factor of at most 1/2, so a lookup touches one slot
// (16 bytes) in the common case, without the hashing and boxing of a Go
// map keyed by a struct.
type wordSet struct {
	slots []wordSlot
	mask  uint64
	shift uint
	n     int
}

type wordSlot struct {
	v    uint64
	g    uint32 // group id + 1; 0 = empty
	_pad uint32
}

func newWordSet() *wordSet {
	s := &wordSet{}
	s.alloc(256)
	return s
}

func (s *wordSet) alloc(n int) {
	s.slots = make([]wordSlot, n)
	s.mask, s.shift = slotMask(n)
}

func (s *wordSet) slotOf(g uint32, v uint64) uint64 {
	return ((v ^ uint64(g)<<40 ^ uint64(g)) * 0x9E3779B97F4A7C15) >> s.shift
}

// add inserts (g, v) and reports whether it was not there yet.
func (s *wordSet) add(g uint32, v uint64) bool {
	i := s.slotOf(g, v)
	for {
		sl := &s.slots[i]
		if sl.g == 0 {
			sl.v, sl.g = v, g+1
			s.n++
			if s.n*2 > len(s.slots) {
				s.grow()
			}
			return true
		}
		if sl.g == g+1 && sl.v == v {
			return false
		}
		i = (i + 1) & s.mask
	}
}

func (s *wordSet) grow() {
	old := s.slots
	s.alloc(len(old) * 2)
	for _, sl := range old {
		if sl.g != 0 {
			i := s.slotOf(sl.g-1, sl.v)
			for s.slots[i].g != 0 {
				i = (i + 1) & s.mask
			}
			s.slots[i] = sl
		}
	}
}

// len is the number of pairs.
func (s *wordSet) len() int { return s.n }

// bytes is the memory of the slots.
func (s *wordSet) bytes() int64 { return int64(len(s.slots)) * 16 }

// each calls f for every pair, in no particular order.
func (s *wordSet) each(f func(g uint32, v uint64)) {
	for _, sl := range s.slots {
		if sl.g != 0 {
			f(sl.g-1, sl.v)
		}
	}
}
