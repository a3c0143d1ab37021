package flightserver

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow/flight/flightsql"
	"github.com/recq/recq/query"
	"github.com/recq/recq/storage/gen"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// benchRows is the size of BenchmarkFlightScan's lineitem table.
const benchRows = 1_000_000

// benchDir writes, once, a lineitem .rec file of benchRows rows into a
// directory under the temporary directory and returns the directory.
func benchDir(b *testing.B) string {
	dir := filepath.Join(os.TempDir(), "recq-bench-flight")
	done := filepath.Join(dir, "complete")
	if _, err := os.Stat(done); err != nil {
		os.RemoveAll(dir)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		li, err := gen.Lookup("lineitem")
		if err != nil {
			b.Fatal(err)
		}
		if err := li.Write(filepath.Join(dir, "lineitem.rec"), benchRows, 1); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(done, nil, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return dir
}

// BenchmarkFlightScan reads all of a table (SELECT * FROM lineitem, one
// million rows) in-process, then through a Flight SQL server on a
// loopback port, reading all its endpoints in parallel; both consume the
// batches without looking at them. It reports rows/s of each and their
// ratio (flight/in-process; the target is at least 0.8).
func BenchmarkFlightScan(b *testing.B) {
	if testing.Short() {
		b.Skip("writes a 150 MB table")
	}
	dir := benchDir(b)
	eng, err := query.Open(query.Options{DataDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Close()
	srv, err := New(Config{Engine: eng})
	if err != nil {
		b.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go srv.Serve(lis)
	defer srv.Shutdown(10 * time.Second)
	cl, err := flightsql.NewClient(lis.Addr().String(), nil, nil, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	// a connection per endpoint, as a parallel reader opens them: one
	// connection's frames are written by one goroutine at each end
	conns := []*flightsql.Client{cl}
	for range runtime.GOMAXPROCS(0) - 1 {
		c, err := flightsql.NewClient(lis.Addr().String(), nil, nil, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	ctx := context.Background()
	const sql = "SELECT * FROM lineitem"

	local := func() int64 {
		res, err := eng.Query(ctx, sql)
		if err != nil {
			b.Fatal(err)
		}
		defer res.Close()
		var n int64
		for res.Next() {
			n += res.Record().NumRows()
		}
		if err := res.Err(); err != nil {
			b.Fatal(err)
		}
		return n
	}
	endpoints := 0
	remote := func() int64 {
		info, err := cl.Execute(ctx, sql)
		if err != nil {
			b.Fatal(err)
		}
		endpoints = len(info.Endpoint)
		var n atomic.Int64
		var wg sync.WaitGroup
		errs := make(chan error, len(info.Endpoint))
		for i, ep := range info.Endpoint {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rdr, err := conns[i%len(conns)].DoGet(ctx, ep.Ticket)
				if err != nil {
					errs <- err
					return
				}
				defer rdr.Release()
				for rdr.Next() {
					n.Add(rdr.Record().NumRows())
				}
				if err := rdr.Err(); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			b.Fatal(err)
		}
		return n.Load()
	}
	local() // warm the page cache and the plan
	remote()
	b.ResetTimer()
	var localT, remoteT time.Duration
	var rows int64
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if n := local(); n != benchRows {
			b.Fatalf("%d rows in-process", n)
		}
		t1 := time.Now()
		if n := remote(); n != benchRows {
			b.Fatalf("%d rows over Flight", n)
		}
		localT += t1.Sub(t0)
		remoteT += time.Since(t1)
		rows += benchRows
	}
	b.StopTimer()
	lr, rr := float64(rows)/localT.Seconds(), float64(rows)/remoteT.Seconds()
	b.ReportMetric(lr, "local-rows/s")
	b.ReportMetric(rr, "flight-rows/s")
	b.ReportMetric(rr/lr, "ratio")
	b.ReportMetric(float64(endpoints), "endpoints")
}
