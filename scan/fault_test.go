package scan_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/internal/faults"
	"github.com/recq/recq/query"
	"github.com/recq/recq/scan"
	"github.com/recq/recq/storage"
	"github.com/recq/recq/storage/gen"
	"golang.org/x/sys/unix"
)

// Fault injection at the scan level, through the query engine: I/O errors,
// short reads, EINTR bursts and slow reads at chosen offsets (through
// faults.Inject, the pread seam of internal/faults), and real faults: a file truncated
// or replaced during a scan, O_DIRECT refused. Each must give a clear
// error naming the file and offset, or a retried success; nothing may hang
// or leak buffers or goroutines.

const faultRows = 20000

// faultTable writes a lineitem table of faultRows records in blocks of
// 2000 (so a scan has ten chunks) and returns its path.
func faultTable(t *testing.T) string {
	t.Helper()
	return faultTableBlocks(t, 2000)
}

// faultTableBlocks is faultTable with blocks of perBlock records.
func faultTableBlocks(t *testing.T, perBlock int) string {
	t.Helper()
	g, err := gen.Lookup("lineitem")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "l.rec")
	if err := g.WriteWith(path, faultRows, 7, storage.WriterOptions{RecordsPerBlock: perBlock}); err != nil {
		t.Fatal(err)
	}
	return path
}

// leakCheck fails the test if goroutines started during it outlive it.
func leakCheck(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before {
			buf := make([]byte, 1<<16)
			t.Errorf("goroutine leak: %d before, %d after\n%s", before, n, buf[:runtime.Stack(buf, true)])
		}
	})
}

// faultEngine opens an engine over path as table l with a checked
// allocator that must be empty at the end of the test.
func faultEngine(t *testing.T, path string, s query.Settings) *query.Engine {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	eng, err := query.Open(query.Options{Allocator: mem, Settings: s})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.RegisterTable("l", path, ""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		eng.Close()
		mem.AssertSize(t, 0)
	})
	return eng
}

const faultQuery = "SELECT count(*), sum(l_quantity), min(l_shipdate), max(l_comment) FROM l WHERE l_discount > 0.02"

// answer runs sql and returns its rows as text, or the error.
func answer(ctx context.Context, eng *query.Engine, sql string) (string, error) {
	res, err := eng.Query(ctx, sql)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for res.Next() {
		rec := res.Record()
		for r := 0; r < int(rec.NumRows()); r++ {
			for c := 0; c < int(rec.NumCols()); c++ {
				b.WriteString(rec.Column(c).ValueStr(r))
				b.WriteString("|")
			}
			b.WriteString("\n")
		}
	}
	return b.String(), res.Close()
}

// ioStrategies are the strategies that read through pread.
var ioStrategies = []storage.Strategy{storage.Buffered, storage.Direct}

// recordStart is the offset of the first record of path.
func recordStart(t *testing.T, path string) int64 {
	tab, err := storage.Open(path, storage.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return tab.Layout.DataOffset
}

// TestFaultEIO: an I/O error at an offset in the middle of the file fails
// the query with an error naming the file and the offset, wrapping
// storage.ErrIO and EIO; the engine then answers the next query.
func TestFaultEIO(t *testing.T) {
	leakCheck(t)
	path := faultTable(t)
	bad := recordStart(t, path) + 1<<20 + 12345 // inside a later chunk
	for _, st := range ioStrategies {
		t.Run(st.String(), func(t *testing.T) {
			eng := faultEngine(t, path, query.Settings{Workers: 3, BatchSize: 1000, IO: st})
			want, err := answer(context.Background(), eng, faultQuery)
			if err != nil {
				t.Fatal(err)
			}
			var hits atomic.Int64
			remove := faults.Inject(path, faults.Faults{Pread: func(real func(int, []byte, int64) (int, error), fd int, p []byte, off int64) (int, error) {
				if off <= bad && bad < off+int64(len(p)) {
					hits.Add(1)
					return -1, unix.EIO
				}
				return real(fd, p, off)
			}})
			_, err = answer(context.Background(), eng, faultQuery)
			remove()
			var fe *storage.FileError
			if !errors.As(err, &fe) || !errors.Is(err, storage.ErrIO) || !errors.Is(err, unix.EIO) {
				t.Fatalf("error %v (%T), want a FileError wrapping ErrIO and EIO", err, err)
			}
			if fe.Path != path || fe.Offset < 0 || fe.Offset > bad || bad-fe.Offset > 2<<20 {
				t.Fatalf("error names %s at offset %d; the fault is at %d of %s", fe.Path, fe.Offset, bad, path)
			}
			if msg := err.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, "byte offset "+strconv.FormatInt(fe.Offset, 10)) {
				t.Fatalf("message %q does not name the file and offset", msg)
			}
			if hits.Load() == 0 {
				t.Fatal("the fault was never hit")
			}
			got, err := answer(context.Background(), eng, faultQuery)
			if err != nil || got != want {
				t.Fatalf("after the fault: %q, %v; want %q", got, err, want)
			}
		})
	}
}

// TestFaultShortReadsAndEINTR: short reads everywhere and bursts of EINTR
// (up to the retry limit) at every tenth read are invisible: the answer is
// the clean one.
func TestFaultShortReadsAndEINTR(t *testing.T) {
	leakCheck(t)
	path := faultTable(t)
	for _, st := range ioStrategies {
		t.Run(st.String(), func(t *testing.T) {
			eng := faultEngine(t, path, query.Settings{Workers: 2, BatchSize: 777, IO: st})
			want, err := answer(context.Background(), eng, faultQuery)
			if err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			tries := map[int64]int{} // EINTRs still to return at an offset
			var calls, eintrs atomic.Int64
			remove := faults.Inject(path, faults.Faults{Pread: func(real func(int, []byte, int64) (int, error), fd int, p []byte, off int64) (int, error) {
				n := calls.Add(1)
				mu.Lock()
				k, started := tries[off]
				if !started && n%25 == 1 {
					// A burst at every 25th read: the first one as long as
					// readFull retries (8), the others 3.
					k = 3
					if n == 1 {
						k = 8
					}
				}
				if k > 0 {
					tries[off] = k - 1
				}
				mu.Unlock()
				if k > 0 {
					eintrs.Add(1)
					return -1, unix.EINTR
				}
				// Short reads: 4096 bytes at most (aligned, as O_DIRECT
				// short reads are), 1000 for buffered reads.
				limit := 1000
				if st == storage.Direct {
					limit = 4096
				}
				m, err := real(fd, p[:min(len(p), limit)], off)
				return m, err
			}})
			got, err := answer(context.Background(), eng, faultQuery)
			remove()
			if err != nil || got != want {
				t.Fatalf("with short reads and EINTR: %q, %v; want %q", got, err, want)
			}
			if eintrs.Load() < 8 || calls.Load() < 100 {
				t.Fatalf("only %d reads and %d EINTRs injected", calls.Load(), eintrs.Load())
			}
		})
	}
}

// TestFaultEINTRForever: a read that keeps failing with EINTR gives up
// after the bounded retries with an error naming the offset.
func TestFaultEINTRForever(t *testing.T) {
	leakCheck(t)
	path := faultTable(t)
	bad := recordStart(t, path) + 2<<20 + 999 // the file has about 3 MiB of records
	eng := faultEngine(t, path, query.Settings{Workers: 2, BatchSize: 1000, IO: storage.Buffered})
	remove := faults.Inject(path, faults.Faults{Pread: func(real func(int, []byte, int64) (int, error), fd int, p []byte, off int64) (int, error) {
		if off <= bad && bad < off+int64(len(p)) {
			return -1, unix.EINTR
		}
		return real(fd, p, off)
	}})
	defer remove()
	start := time.Now()
	_, err := answer(context.Background(), eng, faultQuery)
	var fe *storage.FileError
	if !errors.As(err, &fe) || !errors.Is(err, unix.EINTR) || !errors.Is(err, storage.ErrIO) || !strings.Contains(err.Error(), "retries") {
		t.Fatalf("error %v, want a FileError saying the read failed after retries", err)
	}
	if fe.Offset > bad || fe.Path != path {
		t.Fatalf("error at %s offset %d, fault at %d", fe.Path, fe.Offset, bad)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("giving up took %v", d)
	}
}

// TestFaultSlowReads: reads delayed at chosen offsets still give the
// clean answer; a query whose deadline passes during a slow read stops
// with the context's error soon after the read returns, and the engine
// stays usable.
func TestFaultSlowReads(t *testing.T) {
	leakCheck(t)
	path := faultTable(t)
	base := recordStart(t, path)
	for _, st := range ioStrategies {
		t.Run(st.String(), func(t *testing.T) {
			eng := faultEngine(t, path, query.Settings{Workers: 3, BatchSize: 1000, IO: st})
			want, err := answer(context.Background(), eng, faultQuery)
			if err != nil {
				t.Fatal(err)
			}
			slow := func(d time.Duration) func() {
				return faults.Inject(path, faults.Faults{Pread: func(real func(int, []byte, int64) (int, error), fd int, p []byte, off int64) (int, error) {
					for _, at := range []int64{base, base + 1<<20, base + 2<<20} {
						if off <= at && at < off+int64(len(p)) {
							time.Sleep(d)
						}
					}
					return real(fd, p, off)
				}})
			}
			remove := slow(30 * time.Millisecond)
			got, err := answer(context.Background(), eng, faultQuery)
			remove()
			if err != nil || got != want {
				t.Fatalf("slow reads: %q, %v; want %q", got, err, want)
			}

			remove = slow(400 * time.Millisecond)
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			start := time.Now()
			_, err = answer(ctx, eng, faultQuery)
			cancel()
			remove()
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("deadline during a slow read: %v", err)
			}
			// A read in progress cannot be interrupted; the query ends once
			// it returns (plus the other partitions' current reads).
			if d := time.Since(start); d > 3*time.Second {
				t.Fatalf("cancelled query took %v to stop", d)
			}
			got, err = answer(context.Background(), eng, faultQuery)
			if err != nil || got != want {
				t.Fatalf("after cancellation: %q, %v", got, err)
			}
		})
	}
}

// TestFaultDirectRefused: where the file system refuses O_DIRECT (tmpfs on
// older kernels, simulated through the seam), io = direct reads with
// buffered I/O, gives the same answer and says why.
func TestFaultDirectRefused(t *testing.T) {
	leakCheck(t)
	path := faultTable(t)
	eng := faultEngine(t, path, query.Settings{Workers: 2, BatchSize: 1000, IO: storage.Direct})
	want, err := answer(context.Background(), eng, faultQuery)
	if err != nil {
		t.Fatal(err)
	}
	remove := faults.Inject(path, faults.Faults{RefuseDirect: true})
	defer remove()
	res, err := eng.Query(context.Background(), faultQuery)
	if err != nil {
		t.Fatal(err)
	}
	for res.Next() {
	}
	st := res.Stats().Scan
	if err := res.Close(); err != nil {
		t.Fatal(err)
	}
	if st == nil || st.Strategy != storage.Buffered || !strings.Contains(st.Reason, "refuses O_DIRECT") {
		t.Fatalf("scan stats %+v: want buffered reads with the reason", st)
	}
	if got, err := answer(context.Background(), eng, faultQuery); err != nil || got != want {
		t.Fatalf("with O_DIRECT refused: %q, %v; want %q", got, err, want)
	}
}

// TestTruncatedDuringQuery: a file truncated while a query reads it (under
// mmap, buffered and direct I/O) ends the query with an error naming the
// file; mmap's SIGBUS is caught, not a crash.
func TestTruncatedDuringQuery(t *testing.T) {
	leakCheck(t)
	for _, st := range []storage.Strategy{storage.Mmap, storage.Buffered, storage.Direct} {
		t.Run(st.String(), func(t *testing.T) {
			path := faultTableBlocks(t, 200)
			base := recordStart(t, path)
			eng := faultEngine(t, path, query.Settings{Workers: 2, BatchSize: 100, IO: st})
			// The pushed filter makes every 200-record block a chunk of its
			// own: 100 chunks, far more than the ordered gather's window
			// lets the workers read ahead, so most chunks are read after
			// the truncation.
			res, err := eng.Query(context.Background(), "SELECT l_orderkey, l_comment FROM l WHERE l_quantity > 0")
			if err != nil {
				t.Fatal(err)
			}
			rows := 0
			truncated := false
			for res.Next() {
				rows += int(res.Record().NumRows())
				if !truncated {
					if err := os.Truncate(path, base+100_000); err != nil {
						t.Fatal(err)
					}
					truncated = true
				}
			}
			err = res.Close()
			if err == nil {
				t.Fatalf("read %d rows of a file truncated during the scan without an error", rows)
			}
			var fe *storage.FileError
			if !errors.As(err, &fe) || fe.Path != path || !strings.Contains(err.Error(), path) {
				t.Fatalf("error %v (%T) does not name the file", err, err)
			}
			if !errors.Is(err, storage.ErrIO) && !errors.Is(err, storage.ErrCorrupt) {
				t.Fatalf("error %v is neither ErrIO nor ErrCorrupt", err)
			}
			// The engine notices the new size on the next query.
			if _, err := answer(context.Background(), eng, "SELECT count(*) FROM l"); err == nil {
				t.Fatal("a query of the truncated file succeeded")
			}
		})
	}
}

// TestReplacedDuringQuery: a file renamed over while a query reads it does
// not disturb that query (it holds the old file); the next query reads the
// new file.
func TestReplacedDuringQuery(t *testing.T) {
	leakCheck(t)
	g, _ := gen.Lookup("lineitem")
	for _, st := range []storage.Strategy{storage.Mmap, storage.Buffered, storage.Direct} {
		t.Run(st.String(), func(t *testing.T) {
			path := faultTable(t)
			repl := filepath.Join(filepath.Dir(path), "new.rec")
			if err := g.Write(repl, 1234, 9); err != nil {
				t.Fatal(err)
			}
			eng := faultEngine(t, path, query.Settings{Workers: 2, BatchSize: 100, IO: st})
			res, err := eng.Query(context.Background(), "SELECT l_orderkey FROM l")
			if err != nil {
				t.Fatal(err)
			}
			rows := 0
			replaced := false
			for res.Next() {
				rows += int(res.Record().NumRows())
				if !replaced {
					if err := os.Rename(repl, path); err != nil {
						t.Fatal(err)
					}
					replaced = true
				}
			}
			if err := res.Close(); err != nil || rows != faultRows {
				t.Fatalf("query over the replaced file: %d rows, %v; want the old file's %d", rows, err, faultRows)
			}
			got, err := answer(context.Background(), eng, "SELECT count(*) FROM l")
			if err != nil || got != "1234|\n" {
				t.Fatalf("after the rename: %q, %v; want the new file's 1234 rows", got, err)
			}
		})
	}
}

// faultSource wraps a Source: Read of a region containing failAt fails,
// and reads can be slowed.
type faultSource struct {
	storage.Source
	failAt int64
	delay  time.Duration
	reads  atomic.Int64
}

func (s *faultSource) Read(off int64, n int) (*storage.Region, error) {
	s.reads.Add(1)
	time.Sleep(s.delay)
	if off <= s.failAt && s.failAt < off+int64(n) {
		return nil, &storage.FileError{Path: s.Path(), Record: -1, Offset: off, Msg: "read failed", Err: storage.ErrIO}
	}
	return s.Source.Read(off, n)
}

// TestScanSourceFault drives scan.Scan directly with a failing Source
// (Spec.Source) and every partition running concurrently: the error of the
// partition that hit it is reported, the others stop, and every buffer and
// goroutine is released; the scan does not close a source it was given.
func TestScanSourceFault(t *testing.T) {
	leakCheck(t)
	path := faultTable(t)
	tab, err := storage.Open(path, storage.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []storage.Strategy{storage.Mmap, storage.Buffered} {
		t.Run(st.String(), func(t *testing.T) {
			inner, err := storage.OpenSource(path, st, storage.FullScan)
			if err != nil {
				t.Fatal(err)
			}
			defer inner.Close()
			src := &faultSource{Source: inner, failAt: tab.Layout.DataOffset + 2<<20 + 7, delay: time.Millisecond}
			mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
			sc, err := scan.New(scan.Spec{Table: tab, Source: src, Columns: []int{0, 4, 15}, Workers: 4, BatchSize: 500, Allocator: mem})
			if err != nil {
				t.Fatal(err)
			}
			errs := make([]error, sc.Partitions())
			var wg sync.WaitGroup
			for p := range sc.Partitions() {
				s, err := sc.Execute(context.Background(), p)
				if err != nil {
					t.Fatal(err)
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer s.Close()
					for s.Next() {
					}
					errs[p] = s.Err()
				}()
			}
			wg.Wait()
			var failed int
			for _, e := range errs {
				var fe *storage.FileError
				if e != nil {
					if !errors.As(e, &fe) || !errors.Is(e, storage.ErrIO) || fe.Path != path {
						t.Fatalf("partition error %v", e)
					}
					failed++
				}
			}
			if failed == 0 {
				t.Fatal("no partition reported the failed read")
			}
			mem.AssertSize(t, 0)
			// The source stays open for its owner.
			if reg, err := inner.Read(tab.Layout.DataOffset, 10); err != nil {
				t.Fatalf("the scan closed a source it did not own: %v", err)
			} else {
				reg.Release()
			}
		})
	}
}

// TestOpenedReadOnlyDuringScan: while a query runs, every descriptor of
// the data file is open read-only (F_GETFL), under every strategy. The
// Buffered and Direct descriptors are checked from inside their reads
// (the pread seam), when they are certainly open: a small file may be read
// to the end, and its descriptor closed, before the first batch reaches
// the caller.
func TestOpenedReadOnlyDuringScan(t *testing.T) {
	leakCheck(t)
	path := faultTable(t)
	for _, st := range []storage.Strategy{storage.Mmap, storage.Buffered, storage.Direct} {
		t.Run(st.String(), func(t *testing.T) {
			var mu sync.Mutex
			var flagsSeen []int
			remove := faults.Inject(path, faults.Faults{Pread: func(real func(int, []byte, int64) (int, error), fd int, p []byte, off int64) (int, error) {
				flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
				if err == nil {
					mu.Lock()
					flagsSeen = append(flagsSeen, flags)
					mu.Unlock()
				}
				return real(fd, p, off)
			}})
			defer remove()
			eng := faultEngine(t, path, query.Settings{Workers: 2, BatchSize: 100, IO: st})
			res, err := eng.Query(context.Background(), "SELECT l_orderkey FROM l")
			if err != nil {
				t.Fatal(err)
			}
			defer res.Close()
			if !res.Next() {
				t.Fatal(res.Err())
			}
			for _, fd := range openDescriptors(t, path) {
				flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
				if err != nil {
					continue // closed in the meantime
				}
				if flags&unix.O_ACCMODE != unix.O_RDONLY {
					t.Errorf("descriptor %d of %s has flags %#x: not read-only", fd, path, flags)
				}
			}
			for res.Next() {
			}
			if err := res.Err(); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if st == storage.Mmap {
				checkMappingReadOnly(t, path)
				return
			}
			if len(flagsSeen) == 0 {
				t.Fatalf("no read of %s went through a descriptor during a %v scan", path, st)
			}
			for _, flags := range flagsSeen {
				if flags&unix.O_ACCMODE != unix.O_RDONLY {
					t.Errorf("a %v read of %s used a descriptor with flags %#x: not read-only", st, path, flags)
				}
			}
		})
	}
}

// openDescriptors lists this process's descriptors open on path.
func openDescriptors(t *testing.T, path string) []int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	var out []int
	for _, e := range ents {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
		if err != nil || target != path {
			continue
		}
		if fd, err := strconv.Atoi(e.Name()); err == nil {
			out = append(out, fd)
		}
	}
	return out
}

// checkMappingReadOnly checks /proc/self/maps: every mapping of path is
// read-only and shared or private without write permission.
func checkMappingReadOnly(t *testing.T, path string) {
	b, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Skipf("no /proc/self/maps: %v", err)
	}
	found := false
	for _, l := range strings.Split(string(b), "\n") {
		if !strings.HasSuffix(l, " "+path) {
			continue
		}
		found = true
		f := strings.Fields(l)
		if len(f) < 2 || strings.Contains(f[1], "w") {
			t.Errorf("mapping %q of the data file is writable", l)
		}
	}
	if !found {
		t.Errorf("no mapping of %s during an mmap scan", path)
	}
}

var _ = fmt.Sprint
