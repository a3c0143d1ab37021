package storage

import (
	"sync"
	"testing"
	"unsafe"
)

func unsafeAddr(b []byte) uintptr { return uintptr(unsafe.Pointer(unsafe.SliceData(b))) }

func TestClassOf(t *testing.T) {
	prevIdx, prevSize := -1, 0
	for n := 1; n <= 1<<30; n += 1 + n/37 {
		idx, size, ok := classOf(n)
		if !ok {
			t.Fatalf("classOf(%d) not pooled", n)
		}
		if size < n || size%classPage != 0 || idx < 0 || idx >= numClasses {
			t.Fatalf("classOf(%d) = %d, %d", n, idx, size)
		}
		if n > 16*classPage && float64(size) > 1.25*float64(n)+classPage {
			t.Fatalf("classOf(%d) = %d wastes more than a quarter", n, size)
		}
		if idx < prevIdx || (idx == prevIdx) != (size == prevSize) || (idx > prevIdx && size <= prevSize) {
			t.Fatalf("classOf(%d) = %d, %d after %d, %d", n, idx, size, prevIdx, prevSize)
		}
		prevIdx, prevSize = idx, size
	}
	if prevIdx != numClasses-1 {
		t.Fatalf("largest class index %d, numClasses %d", prevIdx, numClasses)
	}
	fixed := map[int]int{1: 4096, 4096: 4096, 4097: 8192, 5 * 4096: 5 * 4096, 8<<20 + 512: 10 << 20, 8 << 20: 8 << 20}
	for n, want := range fixed {
		if _, size, _ := classOf(n); size != want {
			t.Errorf("classOf(%d) size %d, want %d", n, size, want)
		}
	}
	if _, size, ok := classOf(1<<30 + 1); ok || size != 1<<30+classPage {
		t.Fatalf("over the largest class: %d, %v", size, ok)
	}
}

func TestPoolReuseAndBudget(t *testing.T) {
	p := newBufPool(4 << 20)
	defer p.trim()
	for range 1000 {
		b, err := p.get(1 << 20)
		if err != nil {
			t.Fatal(err)
		}
		if unsafeAddr(b.mem)%4096 != 0 {
			t.Fatal("buffer not page-aligned")
		}
		b.mem[0] = 1 // writable
		p.put(b)
		p.put(b) // a second put is a no-op
	}
	if st := p.stats(); st.Allocs != 1 || st.Reuses != 999 || st.Outstanding != 0 || st.FreeBytes != 1<<20 {
		t.Fatalf("after 1000 get/put cycles: %+v", st)
	}

	var held []*poolBuf
	for range 10 {
		b, err := p.get(1 << 20)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, b)
	}
	for _, b := range held {
		p.put(b)
	}
	if st := p.stats(); st.FreeBytes > 4<<20 || st.Unmaps != 6 || st.Outstanding != 0 {
		t.Fatalf("budget not kept: %+v", st)
	}
	big, err := p.get(1<<30 + 1)
	if err != nil {
		t.Skip("cannot map 1 GiB:", err)
	}
	p.put(big)
	if st := p.stats(); st.FreeBytes > 4<<20 || st.Unmaps != 7 {
		t.Fatalf("an oversize buffer was pooled: %+v", st)
	}
}

// TestSourceBuffersReused runs many Read/Release cycles, concurrently, on
// direct and buffered sources: the pool maps a handful of buffers and reuses
// them, Release is idempotent, and a Read costs at most one allocation (the
// Region).
func TestSourceBuffersReused(t *testing.T) {
	path := writeTestFile(t, t.TempDir(), "pool.bin", testContent(1<<20, 16))
	for _, st := range []Strategy{Direct, Buffered} {
		s, err := OpenSource(path, st, FullScan)
		if err != nil {
			t.Fatal(err)
		}
		p := newBufPool(64 << 20)
		s.(*fdSource).pool = p
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 500 {
					off := int64((g*7919 + i*104729) % (1<<20 - 70000))
					r, err := s.Read(off, 1000+i*100)
					if err != nil {
						t.Error(err)
						return
					}
					r.Release()
					r.Release()
				}
			}()
		}
		wg.Wait()
		stats := p.stats()
		if stats.Outstanding != 0 || stats.Allocs > 4*numClasses || stats.Reuses < 1500 {
			t.Fatalf("%v: %+v", st, stats)
		}
		allocs := testing.AllocsPerRun(200, func() {
			r, err := s.Read(4097, 65536)
			if err != nil {
				t.Fatal(err)
			}
			r.Release()
		})
		if allocs > 1 {
			t.Fatalf("%v: %.1f allocations per Read/Release, want at most 1", st, allocs)
		}
		// A region outlives Close; its buffer goes back on Release.
		r, err := s.Read(0, 100)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		r.Release()
		if st := p.stats(); st.Outstanding != 0 {
			t.Fatalf("%+v", st)
		}
		p.trim()
	}
}
