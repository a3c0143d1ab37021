package storage

import (
	"math/bits"
	"sync"

	"golang.org/x/sys/unix"
)

// Read buffers for the Direct and Buffered strategies come from one
// process-wide pool of anonymous memory mappings. An anonymous mapping is
// page-aligned, which satisfies O_DIRECT's memory alignment, and lives
// outside the Go heap, so large buffers cost the garbage collector nothing.
//
// Buffers are grouped in size classes that are whole pages: 1, 2, 3 and 4
// pages, then four steps per doubling (5, 6, 7, 8, 10, 12, 14, 16, 20, ...
// pages), so a buffer wastes at most a quarter of its size. Requests larger
// than the largest class (1 GiB) get a buffer of their own that is unmapped
// when released. Released buffers wait in the pool for reuse up to a budget
// of poolMaxFree bytes; beyond it they are unmapped.

const (
	classPage     = 4096
	maxClassPages = 1 << 18 // 1 GiB
	numClasses    = 4 + (17-2+1)*4
	poolMaxFree   = 256 << 20
)

// classOf returns the size class for a buffer of n bytes (n >= 1): its index
// and size in bytes. ok is false when n is larger than the largest class;
// size is then n rounded up to whole pages.
func classOf(n int) (idx, size int, ok bool) {
	p := (n + classPage - 1) / classPage
	if p <= 4 {
		if p < 1 {
			p = 1
		}
		return p - 1, p * classPage, true
	}
	if p > maxClassPages {
		return -1, p * classPage, false
	}
	k := bits.Len(uint(p-1)) - 1 // 2^k < p <= 2^(k+1), k >= 2
	step := 1 << (k - 2)
	j := (p - 1<<k + step - 1) / step // 1..4
	return 4 + (k-2)*4 + (j - 1), (1<<k + j*step) * classPage, true
}

// poolBuf is one pooled buffer.
type poolBuf struct {
	mem     []byte
	class   int // -1: not pooled, unmapped on release
	pool    *bufPool
	out     bool          // handed out; guarded by pool.mu
	release func(*Region) // created once per buffer: Region.release
}

// bufPool is a size-class pool of page-aligned buffers.
type bufPool struct {
	mu        sync.Mutex
	free      [numClasses][]*poolBuf
	freeBytes int64
	maxFree   int64

	// Counters, under mu.
	allocs      int64 // buffers mapped
	reuses      int64 // buffers handed out again from the pool
	unmaps      int64 // buffers unmapped
	outstanding int64 // buffers handed out and not yet released
}

// defaultPool serves every source.
var defaultPool = newBufPool(poolMaxFree)

func newBufPool(maxFree int64) *bufPool { return &bufPool{maxFree: maxFree} }

// get returns a buffer of at least n bytes (n >= 1) whose memory is
// page-aligned. Its contents are whatever was there before.
func (p *bufPool) get(n int) (*poolBuf, error) {
	idx, size, pooled := classOf(n)
	p.mu.Lock()
	if pooled {
		if l := len(p.free[idx]); l > 0 {
			b := p.free[idx][l-1]
			p.free[idx][l-1] = nil
			p.free[idx] = p.free[idx][:l-1]
			p.freeBytes -= int64(len(b.mem))
			p.reuses++
			p.outstanding++
			b.out = true
			p.mu.Unlock()
			return b, nil
		}
	}
	p.allocs++
	p.outstanding++
	p.mu.Unlock()

	mem, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		p.mu.Lock()
		p.allocs--
		p.outstanding--
		p.mu.Unlock()
		return nil, err
	}
	if !pooled {
		idx = -1
	}
	b := &poolBuf{mem: mem, class: idx, pool: p, out: true}
	b.release = func(*Region) { p.put(b) }
	return b, nil
}

// put returns b to the pool. A second put of the same buffer (without a get
// in between) does nothing.
func (p *bufPool) put(b *poolBuf) {
	p.mu.Lock()
	if !b.out {
		p.mu.Unlock()
		return
	}
	b.out = false
	p.outstanding--
	if b.class >= 0 && p.freeBytes+int64(len(b.mem)) <= p.maxFree {
		p.free[b.class] = append(p.free[b.class], b)
		p.freeBytes += int64(len(b.mem))
		p.mu.Unlock()
		return
	}
	p.unmaps++
	p.mu.Unlock()
	_ = unix.Munmap(b.mem)
	b.mem = nil
}

// poolStats is a snapshot of a pool's counters.
type poolStats struct {
	Allocs, Reuses, Unmaps, Outstanding, FreeBytes int64
}

func (p *bufPool) stats() poolStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return poolStats{Allocs: p.allocs, Reuses: p.reuses, Unmaps: p.unmaps, Outstanding: p.outstanding, FreeBytes: p.freeBytes}
}

// trim unmaps every free buffer.
func (p *bufPool) trim() {
	p.mu.Lock()
	var drop []*poolBuf
	for i := range p.free {
		drop = append(drop, p.free[i]...)
		clear(p.free[i])
		p.free[i] = p.free[i][:0]
	}
	p.freeBytes = 0
	p.unmaps += int64(len(drop))
	p.mu.Unlock()
	for _, b := range drop {
		_ = unix.Munmap(b.mem)
		b.mem = nil
	}
}
