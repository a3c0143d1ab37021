package storage

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

const (
	benchFileSize = 1 << 30
	benchChunk    = 8 << 20
)

var benchFile struct {
	once sync.Once
	path string
	err  error
}

// benchFilePath returns a 1 GiB file of pseudo-random bytes in the system
// temporary directory, created once per process (and reused across runs
// while it has the right size). Delete it after benchmarking.
func benchFilePath(b *testing.B) string {
	if testing.Short() {
		b.Skip("reads a 1 GiB file; skipped under -short")
	}
	benchFile.once.Do(func() {
		benchFile.path, benchFile.err = makeBenchFile(filepath.Join(os.TempDir(), "recq-bench-1g.bin"))
	})
	if benchFile.err != nil {
		b.Fatal(benchFile.err)
	}
	return benchFile.path
}

func makeBenchFile(path string) (string, error) {
	if st, err := os.Stat(path); err == nil && st.Mode().IsRegular() && st.Size() == benchFileSize {
		return path, nil
	}
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(f.Name()) // no-op after the rename
	buf := make([]byte, benchChunk)
	r := rand.New(rand.NewPCG(42, 42))
	for i := 0; i < len(buf); i += 8 {
		binary.LittleEndian.PutUint64(buf[i:], r.Uint64())
	}
	for c := range benchFileSize / benchChunk {
		for i := 0; i < len(buf); i += 4096 {
			binary.LittleEndian.PutUint64(buf[i:], uint64(c)<<32|uint64(i))
		}
		if _, err := f.Write(buf); err != nil {
			f.Close()
			return "", err
		}
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	return path, os.Rename(f.Name(), path)
}

// sum64 is the work done on every byte range: one uint64 per 64 bytes.
func sum64(b []byte) uint64 {
	var s uint64
	for i := 0; i+8 <= len(b); i += 64 {
		s += binary.LittleEndian.Uint64(b[i:])
	}
	return s
}

// Baselines: plain loops over the same bytes with the same sum.

func baseReadAt(path string, buf []byte) (uint64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var s uint64
	for off := int64(0); off < benchFileSize; off += int64(len(buf)) {
		n, err := f.ReadAt(buf, off)
		if err != nil {
			return 0, err
		}
		s += sum64(buf[:n])
	}
	return s, nil
}

func baseODirect(path string, buf []byte) (uint64, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|unix.O_DIRECT, 0)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var s uint64
	for off := int64(0); off < benchFileSize; off += int64(len(buf)) {
		n, err := f.ReadAt(buf, off)
		if err != nil {
			return 0, err
		}
		s += sum64(buf[:n])
	}
	return s, nil
}

func baseMmap(path string, _ []byte) (uint64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	data, err := unix.Mmap(int(f.Fd()), 0, benchFileSize, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return 0, err
	}
	defer unix.Munmap(data)
	return sum64(data), nil
}

// viaSource opens path with the strategy and sums it in 8 MiB regions.
func viaSource(st Strategy) func(string, []byte) (uint64, error) {
	return func(path string, _ []byte) (uint64, error) {
		src, err := OpenSource(path, st, FullScan)
		if err != nil {
			return 0, err
		}
		defer src.Close()
		if src.Strategy() != st {
			return 0, fmt.Errorf("asked for %v, got %v: %s", st, src.Strategy(), src.Reason())
		}
		var s uint64
		err = Guard(path, func() error {
			for off := int64(0); off < benchFileSize; off += benchChunk {
				r, err := src.Read(off, benchChunk)
				if err != nil {
					return err
				}
				s += sum64(r.Bytes)
				r.Release()
			}
			return nil
		})
		return s, err
	}
}

// BenchmarkReadStrategies reads a 1 GiB file with each strategy and with a
// plain loop over the same bytes, alternating the two in every iteration.
// ratio is the strategy's throughput divided by the plain loop's (1.0: as
// fast as the hand-written loop); GB/s and base-GB/s are the two rates;
// cpu-ms/GiB is the CPU time (user+system) of a strategy pass, and
// %cached-after how much of the file is in the page cache after the last
// pass (what a scan leaves behind, or evicts others for).
// Cold variants drop the file from the page cache before each pass; warm
// variants read it once first. Every pass opens (and maps) the file anew.
//
//	go test ./storage -run '^$' -bench ReadStrategies -benchtime 5x
func BenchmarkReadStrategies(b *testing.B) {
	path := benchFilePath(b)
	type pass func(string, []byte) (uint64, error)
	cases := []struct {
		name     string
		strategy pass
		base     pass
		baseBuf  func() ([]byte, func())
		cold     bool
	}{
		{"mmap/warm", viaSource(Mmap), baseMmap, nil, false},
		{"mmap/cold", viaSource(Mmap), baseMmap, nil, true},
		{"buffered/warm", viaSource(Buffered), baseReadAt, heapBuf, false},
		{"buffered/cold", viaSource(Buffered), baseReadAt, heapBuf, true},
		{"direct/warm", viaSource(Direct), baseODirect, alignedBuf, false},
		{"direct/cold", viaSource(Direct), baseODirect, alignedBuf, true},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var buf []byte
			if c.baseBuf != nil {
				var free func()
				buf, free = c.baseBuf()
				defer free()
			}
			want, err := baseReadAt(path, make([]byte, benchChunk)) // warms the cache too
			if err != nil {
				b.Fatal(err)
			}
			drop := func() {
				if c.cold {
					if err := DropCache(path); err != nil {
						b.Fatal(err)
					}
				}
			}
			var cpu time.Duration // CPU time (user+system) of the strategy passes
			run := func(p pass) time.Duration {
				t0 := time.Now()
				got, err := p(path, buf)
				d := time.Since(t0)
				if err != nil {
					b.Fatal(err)
				}
				if got != want {
					b.Fatalf("sum %x, want %x", got, want)
				}
				return d
			}
			if !c.cold { // one untimed pass of each, so both start warm
				run(c.base)
				run(c.strategy)
			}
			b.SetBytes(benchFileSize)
			b.ResetTimer()
			var baseTime, stratTime time.Duration
			for range b.N {
				b.StopTimer()
				drop()
				baseTime += run(c.base)
				drop()
				b.StartTimer()
				c0 := cpuTime()
				stratTime += run(c.strategy)
				cpu += cpuTime() - c0
			}
			b.StopTimer()
			if res, total, err := Residency(path); err == nil {
				b.ReportMetric(100*float64(res)/float64(total), "%cached-after")
			}
			b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N)/(benchFileSize>>30), "cpu-ms/GiB")
			gbs := func(d time.Duration) float64 { return float64(b.N) * benchFileSize / d.Seconds() / 1e9 }
			b.ReportMetric(gbs(stratTime), "GB/s")
			b.ReportMetric(gbs(baseTime), "base-GB/s")
			b.ReportMetric(gbs(stratTime)/gbs(baseTime), "ratio")
		})
	}
	defaultPool.trim()
}

// cpuTime is the process's user plus system CPU time so far.
func cpuTime() time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func heapBuf() ([]byte, func()) { return make([]byte, benchChunk), func() {} }

func alignedBuf() ([]byte, func()) {
	m, err := unix.Mmap(-1, 0, benchChunk, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		panic(err)
	}
	return m, func() { unix.Munmap(m) }
}
