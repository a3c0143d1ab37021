package storage

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// testContent returns n deterministic pseudo-random bytes.
func testContent(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	b := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		v := r.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	for i := n - n%8; i < n; i++ {
		b[i] = byte(r.Uint32())
	}
	return b
}

func writeTestFile(t testing.TB, dir, name string, content []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, content, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// shmDir returns a fresh directory on tmpfs, or skips.
func shmDir(t *testing.T) string {
	t.Helper()
	var fs unix.Statfs_t
	if err := unix.Statfs("/dev/shm", &fs); err != nil || fs.Type != unix.TMPFS_MAGIC {
		t.Skip("no tmpfs at /dev/shm")
	}
	d, err := os.MkdirTemp("/dev/shm", "recq-test-")
	if err != nil {
		t.Skip("cannot write to /dev/shm:", err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

func isTmpfs(t *testing.T, path string) bool {
	t.Helper()
	var fs unix.Statfs_t
	if err := unix.Statfs(path, &fs); err != nil {
		t.Fatal(err)
	}
	return fs.Type == unix.TMPFS_MAGIC
}

// readRegion reads [off, off+n) from s and returns a copy of the bytes,
// decoding mapped regions inside Guard.
func readRegion(t *testing.T, s Source, off int64, n int) ([]byte, error) {
	t.Helper()
	r, err := s.Read(off, n)
	if err != nil {
		return nil, err
	}
	defer r.Release()
	if r.Off != off || len(r.Bytes) != n {
		t.Fatalf("Read(%d, %d) gave a region at %d of %d bytes", off, n, r.Off, len(r.Bytes))
	}
	var out []byte
	err = Guard(s.Path(), func() error {
		out = append([]byte{}, r.Bytes...)
		return nil
	})
	return out, err
}

type strategyCase struct {
	name     string
	strategy Strategy
	pattern  Pattern
}

var allStrategies = []strategyCase{
	{"mmap", Mmap, FullScan},
	{"direct", Direct, FullScan},
	{"buffered", Buffered, FullScan},
	{"auto-scan", Auto, FullScan},
	{"auto-random", Auto, RandomAccess},
}

func TestStrategiesReadIdenticalBytes(t *testing.T) {
	const size = 1<<20 + 777 // ends in a partial block and a partial page
	content := testContent(size, 1)
	dirs := []struct {
		name string
		dir  func(*testing.T) string
	}{
		{"tempdir", func(t *testing.T) string { return t.TempDir() }},
		{"tmpfs", shmDir},
	}
	type span struct {
		off int64
		n   int
	}
	spans := []span{
		{0, 0}, {0, 1}, {1, 1}, {0, 512}, {0, 4096}, {1, 4095}, {511, 2}, {512, 512},
		{4095, 4098}, {4096, 8192}, {100, 100000}, {123457, 300000},
		{size - 1, 1}, {size - 777, 777}, {size - 100, 100}, {size - 5000, 5000},
		{size - 778, 1}, {size - 4096 - 777, 4096 + 777}, {size, 0}, {0, size}, {3, size - 3},
	}
	r := rand.New(rand.NewPCG(7, 7))
	for range 60 {
		off := r.Int64N(size)
		spans = append(spans, span{off, r.IntN(int(size-off) + 1)})
	}
	for _, d := range dirs {
		t.Run(d.name, func(t *testing.T) {
			dir := d.dir(t)
			path := writeTestFile(t, dir, "data.bin", content)
			for _, sc := range allStrategies {
				t.Run(sc.name, func(t *testing.T) {
					s, err := OpenSource(path, sc.strategy, sc.pattern)
					if err != nil {
						t.Fatal(err)
					}
					defer s.Close()
					if s.Size() != size || s.Path() != path || s.Strategy() == Auto || s.Reason() == "" {
						t.Fatalf("size %d path %q strategy %v reason %q", s.Size(), s.Path(), s.Strategy(), s.Reason())
					}
					if sc.strategy == Direct {
						checkDirectChoice(t, s, dir)
					}
					for _, sp := range spans {
						got, err := readRegion(t, s, sp.off, sp.n)
						if err != nil {
							t.Fatalf("Read(%d, %d): %v", sp.off, sp.n, err)
						}
						if want := content[sp.off : sp.off+int64(sp.n)]; !bytes.Equal(got, want) {
							t.Fatalf("Read(%d, %d) via %v: bytes differ from the file", sp.off, sp.n, s.Strategy())
						}
					}
				})
			}
		})
	}
}

// checkDirectChoice checks what a Direct request turned into on the file
// system of dir: O_DIRECT on a disk file system, buffered on tmpfs.
func checkDirectChoice(t *testing.T, s Source, dir string) {
	t.Helper()
	if isTmpfs(t, dir) {
		if s.Strategy() != Buffered {
			t.Fatalf("direct on tmpfs: strategy %v, want buffered", s.Strategy())
		}
		if !strings.Contains(s.Reason(), "tmpfs") && !strings.Contains(s.Reason(), "refuses O_DIRECT") {
			t.Fatalf("direct on tmpfs: reason %q does not say why", s.Reason())
		}
		return
	}
	if s.Strategy() != Direct {
		// Acceptable only where the file system itself declines O_DIRECT;
		// a failed aligned probe read means our alignment is wrong.
		if !strings.Contains(s.Reason(), "refuses O_DIRECT") && !strings.Contains(s.Reason(), "does not support direct I/O") {
			t.Fatalf("direct requested on a disk file system: %v, %q", s.Strategy(), s.Reason())
		}
		t.Logf("O_DIRECT not available here: %s", s.Reason())
		return
	}
	fs := s.(*fdSource)
	if fs.align < 512 || fs.align&(fs.align-1) != 0 {
		t.Fatalf("alignment %d", fs.align)
	}
	flags, err := unix.FcntlInt(uintptr(fs.fd), unix.F_GETFL, 0)
	if err != nil || flags&unix.O_DIRECT == 0 {
		t.Fatalf("O_DIRECT not set on the descriptor (flags %#o, %v)", flags, err)
	}
}

func TestReadPastEOF(t *testing.T) {
	const size = 10000
	path := writeTestFile(t, t.TempDir(), "short.bin", testContent(size, 2))
	cases := []struct {
		off int64
		n   int
	}{{size, 1}, {size - 10, 11}, {size + 1, 0}, {1 << 40, 10}, {0, size + 1}, {9223372036854775800, 100}}
	for _, sc := range allStrategies {
		s, err := OpenSource(path, sc.strategy, sc.pattern)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			r, err := s.Read(c.off, c.n)
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("%s: Read(%d, %d) = %v, %v; want a FileError", sc.name, c.off, c.n, r, err)
			}
			if fe.Path != path || fe.Offset != c.off || !errors.Is(err, ErrIO) {
				t.Fatalf("%s: Read(%d, %d): %#v", sc.name, c.off, c.n, fe)
			}
			msg := err.Error()
			if !strings.Contains(msg, path) || !strings.Contains(msg, fmt.Sprintf("byte offset %d", c.off)) || !strings.Contains(msg, "shorter than expected (was it truncated?): it has 10000 bytes now") {
				t.Fatalf("%s: message %q", sc.name, msg)
			}
		}
		if _, err := s.Read(-1, 1); err == nil {
			t.Fatalf("%s: negative offset accepted", sc.name)
		}
		if _, err := s.Read(0, -1); err == nil {
			t.Fatalf("%s: negative length accepted", sc.name)
		}
		s.Close()
	}
}

// TestTruncatedWhileOpen truncates the file under open direct and buffered
// sources: reads past the new end are errors that say so.
func TestTruncatedWhileOpen(t *testing.T) {
	const size = 64 << 10
	for _, st := range []Strategy{Direct, Buffered} {
		path := writeTestFile(t, t.TempDir(), "trunc.bin", testContent(size, 3))
		s, err := OpenSource(path, st, FullScan)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(path, 5000); err != nil {
			t.Fatal(err)
		}
		if _, err := readRegion(t, s, 0, 4096); err != nil {
			t.Fatalf("%v: the part that is still there: %v", st, err)
		}
		_, err = s.Read(4096, 8192)
		var fe *FileError
		if !errors.As(err, &fe) || fe.Offset != 4096 || !errors.Is(err, ErrIO) {
			t.Fatalf("%v: %v", st, err)
		}
		for _, want := range []string{path, "shorter than expected", "was it truncated?", "5000 bytes now", "needs 12288"} {
			if !strings.Contains(err.Error(), want) {
				t.Fatalf("%v: %q lacks %q", st, err, want)
			}
		}
		s.Close()
	}
}

func TestOpenNotAFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := unix.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		path, want string
	}{
		{dir, "is a directory"},
		{fifo, "named pipe"},
		{"/dev/null", "device"},
		{filepath.Join(dir, "missing"), "no such file"},
	}
	for _, c := range cases {
		for _, st := range []Strategy{Auto, Mmap, Direct, Buffered} {
			for _, p := range []Pattern{FullScan, RandomAccess} {
				s, err := OpenSource(c.path, st, p)
				var fe *FileError
				if !errors.As(err, &fe) || s != nil {
					t.Fatalf("OpenSource(%s, %v, %v) = %v, %v", c.path, st, p, s, err)
				}
				if fe.Path != c.path || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("OpenSource(%s, %v): %q, want %q", c.path, st, err, c.want)
				}
			}
		}
		if _, _, err := Residency(c.path); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Fatalf("Residency(%s): %v", c.path, err)
		}
	}
	_, err := OpenSource(filepath.Join(dir, "missing"), Buffered, FullScan)
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v is not ErrNotExist", err)
	}
}

func TestOpenedReadOnly(t *testing.T) {
	path := writeTestFile(t, t.TempDir(), "ro.bin", testContent(3*4096+5, 4))
	for _, st := range []Strategy{Direct, Buffered} {
		s, err := OpenSource(path, st, FullScan)
		if err != nil {
			t.Fatal(err)
		}
		fd := s.(*fdSource).fd
		flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
		if err != nil {
			t.Fatal(err)
		}
		if flags&unix.O_ACCMODE != unix.O_RDONLY {
			t.Fatalf("%v: access mode %#o, want O_RDONLY", st, flags&unix.O_ACCMODE)
		}
		fdflags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		if err != nil || fdflags&unix.FD_CLOEXEC == 0 {
			t.Fatalf("%v: close-on-exec not set (%#x, %v)", st, fdflags, err)
		}
		s.Close()
	}

	// The mapping is read-only and shared: "r--s" in /proc/self/maps.
	s, err := OpenSource(path, Mmap, RandomAccess)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := fmt.Sprintf("%x-", uintptr(unsafeAddr(s.(MappedSource).Bytes())))
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Skip(err)
	}
	for _, line := range strings.Split(string(maps), "\n") {
		if strings.HasPrefix(line, start) {
			if f := strings.Fields(line); len(f) < 2 || f[1] != "r--s" {
				t.Fatalf("mapping %q is not read-only shared", line)
			}
			return
		}
	}
	t.Fatalf("mapping at %s not found in /proc/self/maps", start)
}

func TestCloseIdempotent(t *testing.T) {
	path := writeTestFile(t, t.TempDir(), "c.bin", testContent(10000, 5))
	for _, sc := range allStrategies {
		s, err := OpenSource(path, sc.strategy, sc.pattern)
		if err != nil {
			t.Fatal(err)
		}
		r, err := s.Read(0, 100)
		if err != nil {
			t.Fatal(err)
		}
		r.Release()
		r.Release()
		if err := s.Close(); err != nil {
			t.Fatalf("%s: %v", sc.name, err)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("%s: second Close: %v", sc.name, err)
		}
		if _, err := s.Read(0, 1); err == nil {
			t.Fatalf("%s: Read after Close succeeded", sc.name)
		}
	}
}

func TestEmptyFile(t *testing.T) {
	path := writeTestFile(t, t.TempDir(), "empty.bin", nil)
	for _, sc := range allStrategies {
		s, err := OpenSource(path, sc.strategy, sc.pattern)
		if err != nil {
			t.Fatalf("%s: %v", sc.name, err)
		}
		r, err := s.Read(0, 0)
		if err != nil || len(r.Bytes) != 0 {
			t.Fatalf("%s: Read(0, 0) = %v, %v", sc.name, r, err)
		}
		r.Release()
		if _, err := s.Read(0, 1); err == nil {
			t.Fatalf("%s: Read(0, 1) of an empty file succeeded", sc.name)
		}
		if m, ok := s.(MappedSource); ok {
			if m.Bytes() != nil {
				t.Fatalf("%s: empty file has a mapping", sc.name)
			}
			if res, tot, err := m.Residency(); res != 0 || tot != 0 || err != nil {
				t.Fatalf("%s: residency %d/%d %v", sc.name, res, tot, err)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestIOStats(t *testing.T) {
	path := writeTestFile(t, t.TempDir(), "s.bin", testContent(100000, 6))
	for _, sc := range allStrategies {
		s, err := OpenSource(path, sc.strategy, sc.pattern)
		if err != nil {
			t.Fatal(err)
		}
		ss, ok := s.(StatsSource)
		if !ok {
			t.Fatalf("%s: not a StatsSource", sc.name)
		}
		if b, d := ss.IOStats(); b != 0 || d != 0 {
			t.Fatalf("%s: fresh source has stats %d, %v", sc.name, b, d)
		}
		for _, off := range []int64{0, 1000, 50000} {
			r, err := s.Read(off, 10000)
			if err != nil {
				t.Fatal(err)
			}
			r.Release()
		}
		b, d := ss.IOStats()
		if b < 30000 || b > 30000+3*2*8192 {
			t.Fatalf("%s (%v): %d bytes counted for 30000 read", sc.name, s.Strategy(), b)
		}
		if s.Strategy() != Mmap && d <= 0 {
			t.Fatalf("%s: no read time counted", sc.name)
		}
		s.Close()
	}
}

func TestAutoReason(t *testing.T) {
	path := writeTestFile(t, t.TempDir(), "a.bin", testContent(200000, 8))
	s, err := OpenSource(path, Auto, FullScan)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// A small file is mapped without measuring its residency.
	if want := "auto: full scan of a 195.3 KiB file: mmap (small file, under 64.0 MiB)"; s.Strategy() != Mmap || s.Reason() != want {
		t.Fatalf("%v: %q", s.Strategy(), s.Reason())
	}
	r, err := OpenSource(path, Auto, RandomAccess)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Strategy() != Mmap || r.Reason() != "auto: random access to a 195.3 KiB file: mmap" {
		t.Fatalf("%v: %q", r.Strategy(), r.Reason())
	}
}

func TestChooseStrategyRules(t *testing.T) {
	const gib = 1 << 30
	ok := func() string { return "" }
	refused := func() string { return "the file system refuses O_DIRECT (EINVAL)" }
	cases := []struct {
		size    int64
		pattern Pattern
		frac    float64
		direct  func() string
		want    Strategy
		reason  string
	}{
		{1288490189, FullScan, 0.03, ok, Direct, "auto: full scan of a 1.2 GiB file, 3% in the page cache: direct I/O"},
		{1288490189, FullScan, 0.03, refused, Buffered, "auto: full scan of a 1.2 GiB file, 3% in the page cache: buffered reads (direct I/O unavailable: the file system refuses O_DIRECT (EINVAL))"},
		{gib, FullScan, 0.97, ok, Mmap, "auto: full scan of a 1.0 GiB file, 97% in the page cache: mmap"},
		{gib, FullScan, 0.5, ok, Mmap, "auto: full scan of a 1.0 GiB file, 50% in the page cache: mmap"},
		{gib, FullScan, 0.49, ok, Direct, "auto: full scan of a 1.0 GiB file, 49% in the page cache: direct I/O"},
		{gib, FullScan, 0.001, ok, Direct, "auto: full scan of a 1.0 GiB file, <1% in the page cache: direct I/O"},
		{AutoSmallFile - 1, FullScan, 0, ok, Mmap, "auto: full scan of a 64.0 MiB file, 0% in the page cache: mmap (small file, under 64.0 MiB)"},
		{AutoSmallFile, FullScan, 0, ok, Direct, "auto: full scan of a 64.0 MiB file, 0% in the page cache: direct I/O"},
		{0, FullScan, 0, ok, Mmap, "auto: full scan of a 0 bytes file, 0% in the page cache: mmap (small file, under 64.0 MiB)"},
		{4096, FullScan, -1, ok, Mmap, "auto: full scan of a 4.0 KiB file: mmap (small file, under 64.0 MiB)"},
		{100 * gib, RandomAccess, 0, ok, Mmap, "auto: random access to a 100.0 GiB file: mmap"},
		{100 * gib, RandomAccess, 0, refused, Mmap, "auto: random access to a 100.0 GiB file: mmap"},
	}
	for _, c := range cases {
		got, reason := chooseStrategy(c.size, c.pattern, c.frac, c.direct)
		if got != c.want || reason != c.reason {
			t.Errorf("chooseStrategy(%d, %v, %v) = %v, %q; want %v, %q", c.size, c.pattern, c.frac, got, reason, c.want, c.reason)
		}
	}
}

// TestChooseStrategyProbesFileSystem runs the real O_DIRECT probe: a large
// cold file on tmpfs gets buffered reads, on a disk file system direct I/O.
func TestChooseStrategyProbesFileSystem(t *testing.T) {
	shm := writeTestFile(t, shmDir(t), "p.bin", testContent(4096, 9))
	st, reason := ChooseStrategy(shm, 10<<30, FullScan, 0)
	if st != Buffered || !strings.Contains(reason, "direct I/O unavailable") {
		t.Fatalf("tmpfs: %v, %q", st, reason)
	}
	dir := t.TempDir()
	if isTmpfs(t, dir) {
		t.Skip("the temporary directory is on tmpfs")
	}
	disk := writeTestFile(t, dir, "p.bin", testContent(4096, 9))
	if st, reason := ChooseStrategy(disk, 10<<30, FullScan, 0); st != Direct {
		t.Logf("no O_DIRECT on the temporary directory's file system: %v, %q", st, reason)
	}
}

func TestResidencyAndDropCache(t *testing.T) {
	dir := t.TempDir()
	if isTmpfs(t, dir) {
		t.Skip("tmpfs keeps everything in memory")
	}
	const size = 1<<20 + 100
	path := writeTestFile(t, dir, "r.bin", testContent(size, 10))
	if err := DropCache(path); err != nil {
		t.Fatal(err)
	}
	res, tot, err := Residency(path)
	if err != nil || tot != size {
		t.Fatalf("Residency = %d, %d, %v", res, tot, err)
	}
	if res > size/4 {
		t.Fatalf("after DropCache %d of %d bytes are still resident", res, tot)
	}

	s, err := OpenSource(path, Mmap, FullScan)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	m := s.(MappedSource)
	var sum byte
	if err := Guard(path, func() error {
		b := m.Bytes()
		for i := 0; i < len(b); i += 4096 {
			sum += b[i]
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	res, tot, err = m.Residency()
	if err != nil || res != size || tot != size {
		t.Fatalf("after touching every page: %d of %d resident (%v)", res, tot, err)
	}
	res, _, _ = Residency(path)
	if res != size {
		t.Fatalf("Residency(path) = %d after touching every page, want %d", res, size)
	}
	if err := m.WillNeed(10, 100000); err != nil {
		t.Fatal(err)
	}
	if err := m.WillNeed(size-1, 1000); err != nil {
		t.Fatal(err)
	}
	_ = sum
}

func TestDirectOnTmpfsReason(t *testing.T) {
	path := writeTestFile(t, shmDir(t), "d.bin", testContent(5000, 11))
	s, err := OpenSource(path, Direct, FullScan)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Strategy() != Buffered {
		t.Fatalf("strategy %v", s.Strategy())
	}
	r := s.Reason()
	if !strings.Contains(r, "O_DIRECT accepted but not in effect on tmpfs; reads go through the page cache") &&
		!strings.Contains(r, "refuses O_DIRECT") {
		t.Fatalf("reason %q", r)
	}
	if !strings.HasPrefix(r, "direct I/O requested") || !strings.HasSuffix(r, "using buffered reads") {
		t.Fatalf("reason %q", r)
	}
}

func TestHumanSize(t *testing.T) {
	cases := map[int64]string{0: "0 bytes", 1023: "1023 bytes", 1024: "1.0 KiB", 1288490189: "1.2 GiB", 64 << 20: "64.0 MiB", 3 << 40: "3.0 TiB"}
	for n, want := range cases {
		if got := humanSize(n); got != want {
			t.Errorf("humanSize(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestAutoMeasuresResidency runs Auto end to end on a 64 MiB sparse file
// (cheap to make): cold, a full scan gets direct I/O (or buffered reads
// where O_DIRECT is unavailable); after the file has been read into the
// page cache, mmap.
func TestAutoMeasuresResidency(t *testing.T) {
	dir := t.TempDir()
	if isTmpfs(t, dir) {
		t.Skip("tmpfs keeps everything in memory")
	}
	path := filepath.Join(dir, "big.bin")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("tail"), AutoSmallFile-4); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := DropCache(path); err != nil {
		t.Fatal(err)
	}
	cold, err := OpenSource(path, Auto, FullScan)
	if err != nil {
		t.Fatal(err)
	}
	want := "auto: full scan of a 64.0 MiB file, 0% in the page cache: "
	if !strings.HasPrefix(cold.Reason(), want) || (cold.Strategy() != Direct && cold.Strategy() != Buffered) {
		t.Fatalf("cold: %v, %q", cold.Strategy(), cold.Reason())
	}
	if cold.Strategy() == Direct && !strings.HasPrefix(cold.Reason(), want+"direct I/O (O_DIRECT, ") {
		t.Fatalf("cold: %q", cold.Reason())
	}
	got, err := readRegion(t, cold, AutoSmallFile-10, 10)
	if err != nil || string(got) != "\x00\x00\x00\x00\x00\x00tail" {
		t.Fatalf("cold read: %q, %v", got, err)
	}
	cold.Close()

	warmer, err := OpenSource(path, Buffered, FullScan)
	if err != nil {
		t.Fatal(err)
	}
	for off := int64(0); off < AutoSmallFile; off += 8 << 20 {
		r, err := warmer.Read(off, 8<<20)
		if err != nil {
			t.Fatal(err)
		}
		r.Release()
	}
	warmer.Close()
	warm, err := OpenSource(path, Auto, FullScan)
	if err != nil {
		t.Fatal(err)
	}
	defer warm.Close()
	if warm.Strategy() != Mmap || warm.Reason() != "auto: full scan of a 64.0 MiB file, 100% in the page cache: mmap" {
		t.Fatalf("warm: %v, %q", warm.Strategy(), warm.Reason())
	}
}
