package flightserver

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/flight"
	"github.com/apache/arrow/go/v17/arrow/flight/flightsql"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/query"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
)

// testServer is a server on a loopback port over the sample tables, with
// a checked allocator that must be empty, and no goroutine left, when
// the test ends.
type testServer struct {
	srv  *Server
	eng  *query.Engine
	addr string
	mem  *memory.CheckedAllocator
}

func startServer(t *testing.T, cfg Config) *testServer {
	t.Helper()
	return startServerWith(t, cfg, query.Settings{Workers: 2, BatchSize: 256})
}

// startServerWith is startServer with the engine's settings.
func startServerWith(t *testing.T, cfg Config, settings query.Settings) *testServer {
	t.Helper()
	checkGoroutines(t)
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	eng, err := query.Open(query.Options{DataDir: "../../testdata", Settings: settings, Allocator: mem})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Engine, cfg.Allocator = eng, mem
	if cfg.SplitBytes == 0 {
		cfg.SplitBytes = 16 << 10
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	ts := &testServer{srv: srv, eng: eng, addr: lis.Addr().String(), mem: mem}
	t.Cleanup(func() {
		srv.Shutdown(5 * time.Second)
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
		eng.Close()
		mem.AssertSize(t, 0)
	})
	return ts
}

// checkGoroutines fails the test if it leaves goroutines behind.
func checkGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before {
			buf := make([]byte, 1<<16)
			t.Errorf("goroutine leak: %d before, %d after\n%s", before, n, buf[:runtime.Stack(buf, true)])
		}
	})
}

func dial(t *testing.T, addr string) *flightsql.Client {
	t.Helper()
	cl, err := flightsql.NewClient(addr, nil, nil, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	return cl
}

func withToken(ctx context.Context, tok string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+tok)
}

// readEndpoints reads every endpoint of info in parallel (each on the
// server its location names, else on cl) and returns their rows, per
// endpoint.
func readEndpoints(ctx context.Context, t *testing.T, cl *flightsql.Client, info *flight.FlightInfo, clients map[string]*flightsql.Client) ([][][]string, *arrow.Schema, error) {
	t.Helper()
	out := make([][][]string, len(info.Endpoint))
	errs := make([]error, len(info.Endpoint))
	var schema *arrow.Schema
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i, ep := range info.Endpoint {
		c := cl
		if len(ep.Location) > 0 {
			c = clients[strings.TrimPrefix(ep.Location[0].Uri, "grpc+tcp://")]
			if c == nil {
				t.Fatalf("endpoint %d names an unknown location %s", i, ep.Location[0].Uri)
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			rdr, err := c.DoGet(ctx, ep.Ticket)
			if err != nil {
				errs[i] = err
				return
			}
			defer rdr.Release()
			mu.Lock()
			schema = rdr.Schema()
			mu.Unlock()
			for rdr.Next() {
				out[i] = append(out[i], recordRows(rdr.Record())...)
			}
			errs[i] = rdr.Err()
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, nil, err
		}
	}
	return out, schema, nil
}

func recordRows(rec arrow.Record) [][]string {
	var rows [][]string
	for i := 0; i < int(rec.NumRows()); i++ {
		row := make([]string, rec.NumCols())
		for j, c := range rec.Columns() {
			row[j] = cellText(c, i)
		}
		rows = append(rows, row)
	}
	return rows
}

func cellText(c arrow.Array, i int) string {
	if c.IsNull(i) {
		return "NULL"
	}
	if f, ok := c.(*array.Float64); ok {
		return strconv.FormatFloat(f.Value(i), 'g', 10, 64)
	}
	return strings.Clone(c.ValueStr(i)) // the batch's buffers are reused after it
}

// localRows runs sql in the server's engine.
func localRows(t *testing.T, eng *query.Engine, sql string) [][]string {
	t.Helper()
	res, err := eng.Query(context.Background(), sql)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Close()
	var rows [][]string
	for res.Next() {
		rows = append(rows, recordRows(res.Record())...)
	}
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

func sortRows(rows [][]string) {
	sort.Slice(rows, func(i, j int) bool { return strings.Join(rows[i], "\x00") < strings.Join(rows[j], "\x00") })
}

func concat(parts [][][]string) [][]string {
	var out [][]string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// The union of a query's endpoints equals the local engine's answer: a
// plain scan in file order over several endpoints, a grouped aggregation
// over several buckets (each group in exactly one), an ORDER BY LIMIT on
// one endpoint, and queries that do not decompose.
func TestEndpointsUnionEqualsLocal(t *testing.T) {
	ts := startServer(t, Config{Endpoints: 4, Buckets: 3})
	cl := dial(t, ts.addr)
	ctx := context.Background()
	for _, tc := range []struct {
		name, sql                  string
		minEndpoints, maxEndpoints int
		ordered                    bool
	}{
		{"scan", "SELECT l_orderkey, l_linenumber, l_quantity, l_returnflag FROM lineitem_txt WHERE l_quantity > 10", 2, 4, true},
		{"scan of a .rec file of one block", "SELECT * FROM lineitem WHERE l_shipmode = 'AIR'", 1, 1, true},
		{"scan of a text file", "SELECT * FROM lineitem_txt", 2, 4, true},
		{"aggregate in buckets", "SELECT l_returnflag, l_linestatus, count(*) AS n, sum(l_quantity) AS q, avg(l_extendedprice) AS p FROM lineitem_txt GROUP BY ALL", 3, 3, false},
		{"distinct in buckets", "SELECT DISTINCT l_shipmode FROM lineitem", 3, 3, false},
		{"global aggregate", "SELECT count(*), min(l_shipdate), max(l_quantity) FROM lineitem", 1, 1, false},
		{"order by limit", "SELECT l_orderkey, l_extendedprice FROM lineitem ORDER BY l_extendedprice DESC, l_orderkey LIMIT 7", 1, 1, true},
		{"aggregate ordered", "SELECT l_returnflag, count(*) FROM lineitem GROUP BY 1 ORDER BY 1", 1, 1, true},
		{"not distributable", "SELECT l_returnflag, row_number() OVER (ORDER BY l_orderkey, l_linenumber) AS r FROM lineitem QUALIFY r < 4", 1, 1, false},
		{"no table", "SELECT 41 + 1 AS x", 1, 1, false},
		{"empty scan", "SELECT * FROM lineitem WHERE l_quantity < 0", 1, 4, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			info, err := cl.Execute(ctx, tc.sql)
			if err != nil {
				t.Fatal(err)
			}
			if n := len(info.Endpoint); n < tc.minEndpoints || n > tc.maxEndpoints {
				t.Fatalf("%d endpoints, want %d to %d", n, tc.minEndpoints, tc.maxEndpoints)
			}
			parts, schema, err := readEndpoints(ctx, t, cl, info, nil)
			if err != nil {
				t.Fatal(err)
			}
			announced, err := flight.DeserializeSchema(info.Schema, memory.DefaultAllocator)
			if err != nil {
				t.Fatal(err)
			}
			if !announced.Equal(schema) {
				t.Errorf("streams' schema %s, FlightInfo's %s", schema, announced)
			}
			got, want := concat(parts), localRows(t, ts.eng, tc.sql)
			if !tc.ordered {
				sortRows(got)
				sortRows(want)
			}
			if d := firstDiff(got, want); d != "" {
				t.Errorf("endpoints' rows (%d) differ from the local rows (%d): %s", len(got), len(want), d)
			}
			if tc.name == "aggregate in buckets" {
				seen := map[string]int{}
				for b, p := range parts {
					for _, r := range p {
						k := r[0] + r[1]
						if prev, ok := seen[k]; ok {
							t.Errorf("group %s in buckets %d and %d", k, prev, b)
						}
						seen[k] = b
					}
				}
			}
		})
	}
}

// firstDiff describes the first row where got and want differ, or "".
func firstDiff(got, want [][]string) string {
	for i := range max(len(got), len(want)) {
		var g, w []string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if fmt.Sprint(g) != fmt.Sprint(w) {
			return fmt.Sprintf("row %d is %v, want %v", i+1, g, w)
		}
	}
	return ""
}
