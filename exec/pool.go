package exec

import (
	"math/bits"
	"sync"

	"github.com/apache/arrow/go/v17/arrow/memory"
)

// bufPool is an allocator that recycles buffers by power-of-two size
// class. Every stream that evaluates expressions batch after batch owns
// one: freshly allocated memory is expensive to touch, a recycled buffer
// is already in cache. Buffers are not zeroed. close returns the pooled
// buffers to the underlying allocator; buffers freed after close go
// straight back to it. Safe for concurrent use (records are released by
// whichever goroutine consumes them).
type bufPool struct {
	mem    memory.Allocator
	mu     sync.Mutex
	free   [maxClass + 1][][]byte
	held   int
	closed bool
}

const (
	minClass  = 6  // 64 B
	maxClass  = 26 // 64 MiB
	poolLimit = 64 << 20
)

func newPool(mem memory.Allocator) *bufPool {
	if p, ok := mem.(*bufPool); ok {
		mem = p.mem
	}
	return &bufPool{mem: mem}
}

func sizeClass(n int) int {
	if n <= 1<<minClass {
		return minClass
	}
	return bits.Len(uint(n - 1))
}

func (p *bufPool) Allocate(size int) []byte {
	c := sizeClass(size)
	if c > maxClass {
		return p.mem.Allocate(size)
	}
	p.mu.Lock()
	if l := p.free[c]; len(l) > 0 {
		b := l[len(l)-1]
		p.free[c] = l[:len(l)-1]
		p.held -= cap(b)
		p.mu.Unlock()
		return b[:size]
	}
	p.mu.Unlock()
	b := p.mem.Allocate(1 << c)
	return b[:size]
}

func (p *bufPool) Reallocate(size int, b []byte) []byte {
	if cap(b) >= size && cap(b) == 1<<sizeClass(cap(b)) {
		return b[:size]
	}
	nb := p.Allocate(size)
	copy(nb, b)
	p.Free(b)
	return nb
}

func (p *bufPool) Free(b []byte) {
	full := b[:cap(b)]
	c := sizeClass(cap(b))
	if cap(b) != 1<<c || c > maxClass {
		p.mem.Free(full)
		return
	}
	p.mu.Lock()
	if p.closed || p.held+cap(b) > poolLimit {
		p.mu.Unlock()
		p.mem.Free(full)
		return
	}
	p.free[c] = append(p.free[c], full)
	p.held += cap(b)
	p.mu.Unlock()
}

// close hands every pooled buffer back.
func (p *bufPool) close() {
	p.mu.Lock()
	p.closed = true
	lists := p.free
	p.free = [maxClass + 1][][]byte{}
	p.held = 0
	p.mu.Unlock()
	for _, l := range lists {
		for _, b := range l {
			p.mem.Free(b)
		}
	}
}
