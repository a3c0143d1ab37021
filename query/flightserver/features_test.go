package flightserver

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/flight"
	"github.com/apache/arrow/go/v17/arrow/flight/flightsql"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"google.golang.org/grpc/codes"
)

// readAll reads every endpoint of info (on cl) into rows.
func readAll(ctx context.Context, t *testing.T, cl *flightsql.Client, info *flight.FlightInfo) [][]string {
	t.Helper()
	parts, _, err := readEndpoints(ctx, t, cl, info, nil)
	if err != nil {
		t.Fatal(err)
	}
	return concat(parts)
}

// The metadata calls a generic client browses with.
func TestMetadata(t *testing.T) {
	ts := startServer(t, Config{Version: "1.2.3"})
	cl := dial(t, ts.addr)
	ctx := context.Background()
	get := func(info *flight.FlightInfo, err error) [][]string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return readAll(ctx, t, cl, info)
	}
	if got := fmt.Sprint(get(cl.GetCatalogs(ctx))); got != "[[recq]]" {
		t.Errorf("catalogs %s", got)
	}
	if got := fmt.Sprint(get(cl.GetDBSchemas(ctx, &flightsql.GetDBSchemasOpts{}))); got != "[[recq main]]" {
		t.Errorf("schemas %s", got)
	}
	pat := "ma%"
	if got := fmt.Sprint(get(cl.GetDBSchemas(ctx, &flightsql.GetDBSchemasOpts{DbSchemaFilterPattern: &pat}))); got != "[[recq main]]" {
		t.Errorf("schemas like ma%% %s", got)
	}
	pat = "x%"
	if got := fmt.Sprint(get(cl.GetDBSchemas(ctx, &flightsql.GetDBSchemasOpts{DbSchemaFilterPattern: &pat}))); got != "[]" {
		t.Errorf("schemas like x%% %s", got)
	}
	if got := fmt.Sprint(get(cl.GetTableTypes(ctx))); got != "[[TABLE] [VIEW]]" {
		t.Errorf("table types %s", got)
	}
	tables := get(cl.GetTables(ctx, &flightsql.GetTablesOpts{}))
	var names []string
	for _, r := range tables {
		names = append(names, r[2]+":"+r[3])
	}
	for _, want := range []string{"lineitem:TABLE", "lineitem_txt:TABLE", "parisians:VIEW"} {
		if !strings.Contains(" "+strings.Join(names, " ")+" ", " "+want+" ") {
			t.Errorf("tables %v lack %s", names, want)
		}
	}
	// with schemas, filtered by name
	pat = "lineitem"
	info, err := cl.GetTables(ctx, &flightsql.GetTablesOpts{TableNameFilterPattern: &pat, IncludeSchema: true})
	if err != nil {
		t.Fatal(err)
	}
	rdr, err := cl.DoGet(ctx, info.Endpoint[0].Ticket)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rdr.Next() {
		rec := rdr.Record()
		for i := 0; i < int(rec.NumRows()); i++ {
			n++
			sc, err := flight.DeserializeSchema(rec.Column(4).(*array.Binary).Value(i), memory.DefaultAllocator)
			if err != nil {
				t.Fatal(err)
			}
			if sc.NumFields() != 16 || sc.Field(0).Name != "l_orderkey" || sc.Field(4).Type.ID() != arrow.DECIMAL128 {
				t.Errorf("lineitem's schema %s", sc)
			}
		}
	}
	rdr.Release()
	if n != 1 {
		t.Errorf("%d tables named lineitem", n)
	}
	// SqlInfo
	info, err = cl.GetSqlInfo(ctx, []flightsql.SqlInfo{flightsql.SqlInfoFlightSqlServerName, flightsql.SqlInfoFlightSqlServerVersion, flightsql.SqlInfoFlightSqlServerReadOnly})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(readAll(ctx, t, cl, info)); got != `[[0 [0,"recq"]] [1 [0,"1.2.3"]] [3 [1,true]]]` {
		t.Errorf("sql info %s", got)
	}
	// XDBC type info, all and one type
	if got := len(get(cl.GetXdbcTypeInfo(ctx, nil))); got != len(xdbcTypes) {
		t.Errorf("%d xdbc types", got)
	}
	bigint := int32(-5)
	if got := get(cl.GetXdbcTypeInfo(ctx, &bigint)); len(got) != 1 || got[0][0] != "BIGINT" {
		t.Errorf("xdbc BIGINT %v", got)
	}
}

// Prepared statements, with and without parameters.
func TestPreparedStatements(t *testing.T) {
	ts := startServer(t, Config{Endpoints: 3})
	cl := dial(t, ts.addr)
	ctx := context.Background()
	ps, err := cl.Prepare(ctx, "SELECT l_orderkey, l_quantity FROM lineitem_txt WHERE l_shipmode = 'AIR'")
	if err != nil {
		t.Fatal(err)
	}
	if ps.DatasetSchema() == nil || ps.DatasetSchema().NumFields() != 2 {
		t.Fatalf("dataset schema %v", ps.DatasetSchema())
	}
	info, err := ps.Execute(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Endpoint) < 2 {
		t.Errorf("%d endpoints for a scan", len(info.Endpoint))
	}
	if d := firstDiff(readAll(ctx, t, cl, info), localRows(t, ts.eng, "SELECT l_orderkey, l_quantity FROM lineitem_txt WHERE l_shipmode = 'AIR'")); d != "" {
		t.Error(d)
	}
	if err := ps.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := ps.Execute(ctx); err == nil {
		t.Error("a closed statement ran")
	}

	ps, err = cl.Prepare(ctx, "SELECT count(*), sum(l_quantity) FROM lineitem_txt WHERE l_quantity > ? AND l_shipmode = ?")
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close(ctx)
	_, err = ps.Execute(ctx)
	wantCode(t, err, codes.InvalidArgument, "2 parameters and 0 are bound")
	for _, q := range []int64{10, 40} {
		b := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema([]arrow.Field{
			{Name: "q", Type: arrow.PrimitiveTypes.Int64}, {Name: "m", Type: arrow.BinaryTypes.String}}, nil))
		b.Field(0).(*array.Int64Builder).Append(q)
		b.Field(1).(*array.StringBuilder).Append("MAIL")
		rec := b.NewRecord()
		b.Release()
		ps.SetParameters(rec)
		rec.Release()
		info, err := ps.Execute(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := localRows(t, ts.eng, fmt.Sprintf("SELECT count(*), sum(l_quantity) FROM lineitem_txt WHERE l_quantity > %d AND l_shipmode = 'MAIL'", q))
		if d := firstDiff(readAll(ctx, t, cl, info), want); d != "" {
			t.Errorf("> %d: %s", q, d)
		}
	}
	_, err = cl.Prepare(ctx, "DROP TABLE lineitem")
	wantCode(t, err, codes.PermissionDenied, "read-only")
}

// endless is a scan that would run for minutes: the tests below stop it.
const endless = "SELECT a.l_comment, b.l_comment FROM lineitem_txt a, lineitem_txt b"

// readEndless starts endless and returns the stream of its one endpoint.
func readEndless(t *testing.T, ctx context.Context, cl *flightsql.Client) *flight.Reader {
	t.Helper()
	info, err := cl.Execute(ctx, endless)
	if err != nil {
		t.Fatal(err)
	}
	rdr, err := cl.DoGet(ctx, info.Endpoint[0].Ticket)
	if err != nil {
		t.Fatal(err)
	}
	return rdr
}

// A client that cancels its call stops the scan: the server releases
// every buffer and goroutine (the cleanup checks) and the query's slot.
func TestCancellation(t *testing.T) {
	ts := startServer(t, Config{Endpoints: 1, MaxQueries: 1, QueueWait: 3 * time.Second})
	cl := dial(t, ts.addr)
	ctx := context.Background()
	cctx, cancel := context.WithCancel(ctx)
	rdr := readEndless(t, cctx, cl)
	for i := 0; i < 3 && rdr.Next(); i++ {
	}
	cancel()
	for rdr.Next() {
	}
	if rdr.Err() == nil {
		t.Error("a cancelled stream ended without an error")
	}
	rdr.Release()
	// the slot is free again: a query runs
	info, err := cl.Execute(ctx, "SELECT count(*) FROM lineitem_txt")
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(readAll(ctx, t, cl, info)); got != "[[2000]]" {
		t.Errorf("got %s", got)
	}
}

// Beyond MaxQueries running streams, a stream waits QueueWait for a slot
// and then fails with ResourceExhausted.
func TestConcurrencyLimit(t *testing.T) {
	ts := startServer(t, Config{Endpoints: 1, MaxQueries: 1, QueueWait: 200 * time.Millisecond})
	cl := dial(t, ts.addr)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rdr := readEndless(t, ctx, cl)
	defer rdr.Release()
	if !rdr.Next() {
		t.Fatal(rdr.Err())
	}
	info2, err := cl.Execute(ctx, "SELECT 1")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r2, err := cl.DoGet(ctx, info2.Endpoint[0].Ticket)
	if err == nil {
		for r2.Next() {
		}
		err = r2.Err()
		r2.Release()
	}
	wantCode(t, err, codes.ResourceExhausted, "runs 1 queries at once")
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("refused after %s, before the queue wait", d)
	}
	cancel()
}

// With peers, scan endpoints name the other servers round-robin, and
// every server redeems the others' tickets (they share the token, so the
// ticket key).
func TestPeers(t *testing.T) {
	b := startServer(t, Config{Token: "tok"})
	a := startServer(t, Config{Token: "tok", Peers: []string{b.addr}, Endpoints: 4})
	ca, cb := dial(t, a.addr), dial(t, b.addr)
	ctx := withToken(context.Background(), "tok")
	sql := "SELECT l_orderkey, l_linenumber, l_shipmode FROM lineitem_txt"
	info, err := ca.Execute(ctx, sql)
	if err != nil {
		t.Fatal(err)
	}
	remote := 0
	for _, ep := range info.Endpoint {
		if len(ep.Location) > 0 {
			remote++
			if ep.Location[0].Uri != "grpc+tcp://"+b.addr {
				t.Errorf("location %s", ep.Location[0].Uri)
			}
		}
	}
	if len(info.Endpoint) != 4 || remote != 2 {
		t.Fatalf("%d endpoints, %d on the peer", len(info.Endpoint), remote)
	}
	parts, _, err := readEndpoints(ctx, t, ca, info, map[string]*flightsql.Client{b.addr: cb})
	if err != nil {
		t.Fatal(err)
	}
	if d := firstDiff(concat(parts), localRows(t, a.eng, sql)); d != "" {
		t.Error(d)
	}
	// a bucket ticket of A redeemed on B
	info, err = ca.Execute(ctx, "SELECT l_shipmode, count(*) FROM lineitem_txt GROUP BY 1")
	if err != nil {
		t.Fatal(err)
	}
	got := readAll(ctx, t, cb, info)
	want := localRows(t, a.eng, "SELECT l_shipmode, count(*) FROM lineitem_txt GROUP BY 1")
	sortRows(got)
	sortRows(want)
	if d := firstDiff(got, want); d != "" {
		t.Error(d)
	}
	// without a shared key, peers are refused at start
	if _, err := New(Config{Engine: a.eng, Peers: []string{b.addr}}); err == nil || !strings.Contains(err.Error(), "shared ticket key") {
		t.Errorf("got %v", err)
	}
}

// Shutdown lets a running stream go on for the timeout, then cancels it;
// new calls are refused meanwhile. Nothing is left behind (the cleanup
// checks buffers and goroutines).
func TestShutdownTimeout(t *testing.T) {
	ts := startServer(t, Config{Endpoints: 1})
	cl := dial(t, ts.addr)
	ctx := context.Background()
	rdr := readEndless(t, ctx, cl)
	defer rdr.Release()
	if !rdr.Next() {
		t.Fatal(rdr.Err())
	}
	start := time.Now()
	done := make(chan struct{})
	go func() {
		ts.srv.Shutdown(2 * time.Second)
		close(done)
	}()
	// the stream keeps going while the server waits for it
	for i := 0; i < 5; i++ {
		if !rdr.Next() {
			t.Fatalf("the stream ended during the grace period: %v", rdr.Err())
		}
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Shutdown did not return")
	}
	if d := time.Since(start); d < 1900*time.Millisecond {
		t.Errorf("Shutdown returned after %s, before its timeout", d)
	}
	for rdr.Next() {
	}
	if rdr.Err() == nil {
		t.Error("the cancelled stream ended without an error")
	}
}

// The buckets of one execution share one run of the leaves, kept until
// every bucket is read; another execution runs them again, and so does
// a bucket read twice while its run is kept.
func TestBucketsShareLeaves(t *testing.T) {
	ts := startServer(t, Config{Buckets: 3})
	cl := dial(t, ts.addr)
	ctx := context.Background()
	sql := "SELECT l_shipmode, sum(l_quantity) FROM lineitem_txt GROUP BY 1"
	want := localRows(t, ts.eng, sql)
	sortRows(want)
	runs := func() int64 { return ts.srv.runs.leafRuns.Load() }
	kept := func() int {
		ts.srv.runs.mu.Lock()
		defer ts.srv.runs.mu.Unlock()
		return len(ts.srv.runs.runs)
	}
	info, err := cl.Execute(ctx, sql)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 2; i++ { // the second read of every bucket shares a new run
		got := readAll(ctx, t, cl, info)
		sortRows(got)
		if d := firstDiff(got, want); d != "" {
			t.Fatalf("read %d: %s", i, d)
		}
		if runs() != int64(i) || kept() != 0 {
			t.Fatalf("read %d: the leaves ran %d times, %d runs kept; want %d and 0", i, runs(), kept(), i)
		}
	}
	info2, err := cl.Execute(ctx, sql)
	if err != nil {
		t.Fatal(err)
	}
	one := &flight.FlightInfo{Endpoint: info2.Endpoint[:1]}
	first := readAll(ctx, t, cl, one)
	sortRows(first)
	if runs() != 3 || kept() != 1 {
		t.Fatalf("one bucket of another execution: %d runs, %d kept; want 3 and 1", runs(), kept())
	}
	again := readAll(ctx, t, cl, one)
	sortRows(again)
	if fmt.Sprint(again) != fmt.Sprint(first) || runs() != 4 {
		t.Fatalf("the bucket read again: %v (first %v), %d runs, want 4", again, first, runs())
	}
}
