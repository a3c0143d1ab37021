package scan

import (
	"sync"

	"github.com/apache/arrow/go/v17/arrow/memory"
)

// recycler is a memory.Allocator that keeps buffers freed by consumers of
// a scan's batches and hands them out again for later batches of the same
// scan. Fresh memory is slow to touch the first time (the kernel zeroes
// and maps each page); a scan that reuses a handful of warm buffers instead
// of allocating a new one per batch runs much faster and its memory use
// does not grow with the file.
//
// Buffers are matched by exact size (in steady state every batch asks for
// the same sizes). At most limit bytes are kept. After close, freed buffers
// go straight back to the underlying allocator, and close returns the kept
// ones, so a checked allocator sees every byte returned.
type recycler struct {
	under memory.Allocator
	limit int

	mu     sync.Mutex
	free   map[int][][]byte
	kept   int
	closed bool
}

func newRecycler(under memory.Allocator, limit int) *recycler {
	return &recycler{under: under, limit: limit, free: make(map[int][][]byte)}
}

// Allocate returns a buffer of size bytes, reused when one is available.
// Reused buffers are not zeroed: decoders overwrite what they use.
func (r *recycler) Allocate(size int) []byte {
	r.mu.Lock()
	if list := r.free[size]; len(list) > 0 {
		b := list[len(list)-1]
		r.free[size] = list[:len(list)-1]
		r.kept -= cap(b)
		r.mu.Unlock()
		return b[:size]
	}
	r.mu.Unlock()
	return r.under.Allocate(size)
}

// Reallocate grows or shrinks b, keeping its contents.
func (r *recycler) Reallocate(size int, b []byte) []byte {
	if size == len(b) {
		return b
	}
	nb := r.Allocate(size)
	copy(nb, b)
	r.Free(b)
	return nb
}

// Free keeps b for reuse, or returns it to the underlying allocator.
func (r *recycler) Free(b []byte) {
	r.mu.Lock()
	if !r.closed && r.kept+cap(b) <= r.limit {
		r.free[len(b)] = append(r.free[len(b)], b)
		r.kept += cap(b)
		r.mu.Unlock()
		return
	}
	r.mu.Unlock()
	r.under.Free(b)
}

// close returns every kept buffer; later frees pass straight through.
func (r *recycler) close() {
	r.mu.Lock()
	free := r.free
	r.free, r.kept, r.closed = nil, 0, true
	r.mu.Unlock()
	for _, list := range free {
		for _, b := range list {
			r.under.Free(b)
		}
	}
}
