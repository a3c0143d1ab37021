package query

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"sync"
	"testing"

	"github.com/recq/recq/storage"
)

// readOnce evicts path from the page cache and reads it once
// sequentially, leaving it cached as a user's file is after a first
// read: in large folios. (A file just written by gen sits in 4 KiB pages,
// and every scan of it measures the kernel's page handling, not recq.)
func readOnce(b *testing.B, path string) {
	if err := storage.DropCache(path); err != nil {
		b.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if _, err := io.CopyBuffer(io.Discard, f, make([]byte, 1<<20)); err != nil {
		b.Fatal(err)
	}
}

// touchLines is the floor of any scan of the mapped bytes: g goroutines,
// each reading one int64 in every 64-byte line of its share.
func touchLines(data []byte, g int) int64 {
	var wg sync.WaitGroup
	sums := make([]int64, g)
	lines := len(data) / 64
	for w := 0; w < g; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			var s int64
			for i := lines * w / g; i < lines*(w+1)/g; i++ {
				s += int64(binary.LittleEndian.Uint64(data[i*64:]))
			}
			sums[w] = s
		}(w)
	}
	wg.Wait()
	var s int64
	for _, v := range sums {
		s += v
	}
	return s
}

// BenchmarkWarmScan: SELECT sum(l_quantity), count(*) over the 6M-row
// lineitem .rec (918 MB), read once after eviction, against touchLines
// over the same mapped file with as many goroutines as scan workers,
// alternated in the same run. Target (issue: speed): engine_x_loop <= 1.3.
// The workers=N runs read the records (no cached columns); the
// workers=N/cached runs read l_quantity from the column the first query
// fills.
func BenchmarkWarmScan(b *testing.B) {
	path := sf1Lineitem(b)
	readOnce(b, path)
	tab, err := storage.Open(path, storage.OpenOptions{})
	if err != nil {
		b.Fatal(err)
	}
	data := mapRecords(b, tab)
	const sql = "SELECT sum(l_quantity), count(*) FROM lineitem"
	for _, run := range []struct {
		workers int
		cached  bool
	}{{1, false}, {2, false}, {1, true}, {2, true}} {
		name := fmt.Sprintf("workers=%d", run.workers)
		if run.cached {
			name += "/cached"
		}
		workers := run.workers
		b.Run(name, func(b *testing.B) {
			o := Options{Settings: Settings{Workers: workers}}
			if !run.cached {
				o.ColumnCache = -1
			}
			eng := lineitemEngineWith(b, path, o)
			queryRows(b, eng, sql) // maps the table
			touchLines(data, workers)
			engineAgainstLoop(b, func() { queryRows(b, eng, sql) }, func() { touchLines(data, workers) })
		})
	}
}
