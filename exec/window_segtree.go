package exec

// segTree answers combine(v[lo], ..., v[hi-1]) in O(log n) for an
// associative, commutative combine with identity zero: the frames of a
// window aggregate that cannot be computed from prefix sums (float sums,
// which would lose precision by subtraction, variances, min and max). The
// tree is the iterative bottom-up layout: leaves at [n, 2n).
type segTree[T any] struct {
	n    int
	t    []T
	comb func(a, b T) T
	zero T
}

// build makes the tree over n leaves, leaf(i) being the i-th; the
// backing slice is reused across builds.
func (st *segTree[T]) build(n int, leaf func(i int) T) {
	st.n = n
	if cap(st.t) < 2*n {
		st.t = make([]T, 2*n)
	}
	st.t = st.t[:2*n]
	for i := 0; i < n; i++ {
		st.t[n+i] = leaf(i)
	}
	for i := n - 1; i >= 1; i-- {
		st.t[i] = st.comb(st.t[2*i], st.t[2*i+1])
	}
}

// query combines leaves [lo, hi).
func (st *segTree[T]) query(lo, hi int) T {
	l, r := st.zero, st.zero
	for lo, hi = lo+st.n, hi+st.n; lo < hi; lo, hi = lo>>1, hi>>1 {
		if lo&1 == 1 {
			l = st.comb(l, st.t[lo])
			lo++
		}
		if hi&1 == 1 {
			hi--
			r = st.comb(st.t[hi], r)
		}
	}
	return st.comb(l, r)
}
