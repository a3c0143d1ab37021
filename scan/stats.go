package scan

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/recq/recq/storage"
)

// Stats describe one run of a scan, for EXPLAIN ANALYZE. Counters are
// updated by the partition workers as they go; read them after the run's
// streams are closed (or live, as a progress figure).
type Stats struct {
	Strategy storage.Strategy
	Reason   string // why this strategy, in plain words
	Pattern  storage.Pattern

	Partitions int // output partitions (= workers)
	Chunks     int // units of work planned
	// BlocksTotal and BlocksSkipped count .rec blocks, of which those
	// whose min/max ruled out every pushed predicate were not read.
	BlocksTotal   int
	BlocksSkipped int

	// Compression describes a compressed file (nil otherwise); its
	// progress counts compressed bytes (CompressedRead).
	Compression    *storage.CompressionInfo
	compressedRead atomic.Int64

	// ResidentBefore is the fraction of the file in the page cache when
	// the scan started (-1 when not measured).
	ResidentBefore float64

	BytesRead       atomic.Int64 // bytes of records read (or touched, under mmap)
	RecordsScanned  atomic.Int64 // records whose bytes were examined
	RecordsSelected atomic.Int64 // records that passed the pushed predicates
	// KeyFiltered counts the records that passed the pushed predicates
	// but whose key a join's key filter ruled out (keyfilter.go).
	KeyFiltered atomic.Int64
	// KeyBlocksSkipped counts the .rec blocks passed over because their
	// min/max held no key of a key filter (their records are counted in
	// KeyFiltered).
	KeyBlocksSkipped atomic.Int64
	// Columns says which fields the tests read from cached columns and
	// which columns the run builds (colcache.go), or "".
	Columns     string
	Batches     atomic.Int64
	ChunksDone  atomic.Int64
	ioNanos     atomic.Int64
	decodeNanos atomic.Int64

	// Pressure stall time (/proc/pressure, "some" total) accrued while the
	// scan ran; -1 where the host does not report it.
	IOStall, MemoryStall time.Duration

	psiIO0, psiMem0 time.Duration
	start           time.Time
	Elapsed         time.Duration
}

// CompressedRead is the compressed bytes the run has consumed so far (0
// for an uncompressed file).
func (s *Stats) CompressedRead() int64 { return s.compressedRead.Load() }

// IOTime is the time workers spent waiting for reads (zero under mmap,
// where reading happens in page faults during decoding).
func (s *Stats) IOTime() time.Duration { return time.Duration(s.ioNanos.Load()) }

// DecodeTime is the time spent evaluating predicates and decoding.
func (s *Stats) DecodeTime() time.Duration { return time.Duration(s.decodeNanos.Load()) }

// begin starts the clock; with analyze it also samples the pressure
// stall counters (four /proc reads, too slow for every point lookup).
func (s *Stats) begin(analyze bool) {
	s.start = time.Now()
	s.psiIO0, s.psiMem0 = -1, -1
	if analyze {
		s.psiIO0, s.psiMem0 = readPSI("io"), readPSI("memory")
	}
	s.IOStall, s.MemoryStall = -1, -1
}

func (s *Stats) end() {
	s.Elapsed = time.Since(s.start)
	if s.psiIO0 >= 0 {
		if now := readPSI("io"); now >= 0 {
			s.IOStall = now - s.psiIO0
		}
	}
	if s.psiMem0 >= 0 {
		if now := readPSI("memory"); now >= 0 {
			s.MemoryStall = now - s.psiMem0
		}
	}
}

// Lines renders the stats as "name: value" lines for EXPLAIN ANALYZE.
func (s *Stats) Lines() []string {
	l := []string{
		fmt.Sprintf("strategy: %s (%s)", s.Strategy, s.Reason),
		fmt.Sprintf("partitions: %d, chunks: %d (%d done)", s.Partitions, s.Chunks, s.ChunksDone.Load()),
		fmt.Sprintf("records scanned: %d, selected: %d, batches: %d", s.RecordsScanned.Load(), s.RecordsSelected.Load(), s.Batches.Load()),
		fmt.Sprintf("bytes read: %d", s.BytesRead.Load()),
		fmt.Sprintf("time in I/O: %v, decoding: %v (summed over workers), elapsed: %v",
			s.IOTime().Round(time.Microsecond), s.DecodeTime().Round(time.Microsecond), s.Elapsed.Round(time.Microsecond)),
	}
	if n := s.KeyFiltered.Load(); n > 0 {
		l = append(l, fmt.Sprintf("ruled out by join key filters: %d records, %d blocks of them unread", n, s.KeyBlocksSkipped.Load()))
	}
	if s.Columns != "" {
		l = append(l, s.Columns)
	}
	if c := s.Compression; c != nil {
		l = append(l, fmt.Sprintf("compression: %s; compressed bytes read: %d; index %s", c, s.CompressedRead(), c.Index))
	}
	if s.BlocksTotal > 0 {
		l = append(l, fmt.Sprintf("blocks: %d, skipped by min/max: %d", s.BlocksTotal, s.BlocksSkipped))
	}
	if s.ResidentBefore >= 0 {
		l = append(l, fmt.Sprintf("page cache before scan: %.0f%% resident", 100*s.ResidentBefore))
	}
	if s.IOStall >= 0 || s.MemoryStall >= 0 {
		l = append(l, fmt.Sprintf("pressure stalls during scan: io %v, memory %v", s.IOStall.Round(time.Microsecond), s.MemoryStall.Round(time.Microsecond)))
	}
	return l
}

// readPSI returns the "some" total stall time of /proc/pressure/<kind>, or
// -1 when the host does not provide it.
func readPSI(kind string) time.Duration {
	f, err := os.Open("/proc/pressure/" + kind)
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "some ") {
			continue
		}
		for _, field := range strings.Fields(line) {
			if v, ok := strings.CutPrefix(field, "total="); ok {
				us, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					return -1
				}
				return time.Duration(us) * time.Microsecond
			}
		}
	}
	return -1
}
