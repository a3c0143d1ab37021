package flightserver

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow/flight"
	"github.com/apache/arrow/go/v17/arrow/flight/flightsql"
	"github.com/recq/recq/query"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func wantCode(t *testing.T, err error, code codes.Code, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s", code)
	}
	st, _ := status.FromError(err)
	if st.Code() != code || !strings.Contains(st.Message(), msg) {
		t.Fatalf("got %s %q, want %s containing %q", st.Code(), st.Message(), code, msg)
	}
}

// A server with a token refuses calls without it or with another one,
// and answers calls with it.
func TestBearerToken(t *testing.T) {
	ts := startServer(t, Config{Token: "s3cret"})
	cl := dial(t, ts.addr)
	ctx := context.Background()
	_, err := cl.Execute(ctx, "SELECT 1")
	wantCode(t, err, codes.Unauthenticated, "missing authorization header")
	_, err = cl.Execute(withToken(ctx, "s3cre"), "SELECT 1")
	wantCode(t, err, codes.Unauthenticated, "invalid bearer token")
	_, err = cl.GetTables(withToken(ctx, "wrong"), &flightsql.GetTablesOpts{})
	wantCode(t, err, codes.Unauthenticated, "invalid bearer token")
	info, err := cl.Execute(withToken(ctx, "s3cret"), "SELECT 42 AS x")
	if err != nil {
		t.Fatal(err)
	}
	// a ticket is no credential: redeeming one needs the token too
	rdr, err := cl.DoGet(ctx, info.Endpoint[0].Ticket)
	if err == nil {
		for rdr.Next() {
		}
		err = rdr.Err()
		rdr.Release()
	}
	wantCode(t, err, codes.Unauthenticated, "missing authorization header")
	parts, _, err := readEndpoints(withToken(ctx, "s3cret"), t, cl, info, nil)
	if err != nil || len(parts) != 1 || len(parts[0]) != 1 || parts[0][0][0] != "42" {
		t.Fatalf("got %v, %v", parts, err)
	}
}

// Errors come back as Flight status codes with the engine's message.
func TestErrorCodes(t *testing.T) {
	ts := startServer(t, Config{})
	cl := dial(t, ts.addr)
	ctx := context.Background()
	for _, tc := range []struct {
		sql  string
		code codes.Code
		msg  string
	}{
		{"SELEC 1", codes.InvalidArgument, "line 1, column 1"},
		{"SELECT nope FROM lineitem", codes.InvalidArgument, "nope"},
		{"SELECT * FROM no_such_table", codes.NotFound, "no table named no_such_table"},
		{"CREATE TABLE t (a INTEGER) WITH (file = 'x.rec')", codes.PermissionDenied, "read-only"},
		{"DROP TABLE lineitem", codes.PermissionDenied, "read-only"},
		{"COPY (SELECT 1) TO 'x.csv'", codes.PermissionDenied, "read-only"},
		{"SET memory_limit = '1GB'", codes.InvalidArgument, "server's settings are its flags"},
		{"SELECT * FROM '/etc/passwd'", codes.PermissionDenied, "a file path in FROM (line 1, column 15)"},
		{"SELECT * FROM read_csv('/etc/passwd')", codes.PermissionDenied, "the table function read_csv"},
		{"SELECT (SELECT count(*) FROM 'x.rec') FROM lineitem", codes.PermissionDenied, "a file path in FROM"},
		{"WITH t AS (SELECT * FROM read_parquet('x.parquet')) SELECT * FROM t", codes.PermissionDenied, "read_parquet"},
		{"EXPLAIN SELECT * FROM lineitem JOIN 'x.rec' USING (l_orderkey)", codes.PermissionDenied, "a file path in FROM"},
		{"DESCRIBE '../../testdata/lineitem.rec'", codes.PermissionDenied, "DESCRIBE of a file path"},
	} {
		_, err := cl.Execute(ctx, tc.sql)
		wantCode(t, err, tc.code, tc.msg)
	}
	_, err := cl.ExecuteUpdate(ctx, "DELETE FROM lineitem")
	wantCode(t, err, codes.PermissionDenied, "read-only")
}

// Tickets that were not issued by a server with the same key, or were
// changed, or have expired, are refused.
func TestInvalidTicket(t *testing.T) {
	ts := startServer(t, Config{Endpoints: 2})
	cl := dial(t, ts.addr)
	ctx := context.Background()
	info, err := cl.Execute(ctx, "SELECT * FROM lineitem")
	if err != nil {
		t.Fatal(err)
	}
	read := func(tkt []byte) error {
		rdr, err := cl.DoGet(ctx, &flight.Ticket{Ticket: tkt})
		if err != nil {
			return err
		}
		defer rdr.Release()
		for rdr.Next() {
		}
		return rdr.Err()
	}
	handle := func(b []byte) []byte {
		tkt, err := flightsql.CreateStatementQueryTicket(b)
		if err != nil {
			t.Fatal(err)
		}
		return tkt
	}
	good, err := flightsql.GetStatementQueryTicket(info.Endpoint[0].Ticket)
	if err != nil {
		t.Fatal(err)
	}
	h := good.GetStatementHandle()
	tampered := append([]byte(nil), h...)
	i := strings.Index(string(tampered), `"end":`)
	if i < 0 {
		t.Fatalf("no range in %s", tampered)
	}
	tampered[i+6] = '9'
	otherKey, _ := signTicket([]byte("another key"), ticket{Kind: kindQuery, SQL: "SELECT 1", Exp: time.Now().Add(time.Hour).Unix()})
	expired, _ := signTicket(ts.srv.key, ticket{Kind: kindQuery, SQL: "SELECT 1", Exp: time.Now().Add(-time.Minute).Unix()})
	badBucket, _ := signTicket(ts.srv.key, ticket{Kind: kindBucket, SQL: "SELECT 1", Bucket: 3, Buckets: 2, Exp: time.Now().Add(time.Hour).Unix()})
	writes, _ := signTicket(ts.srv.key, ticket{Kind: kindQuery, SQL: "DROP TABLE lineitem", Exp: time.Now().Add(time.Hour).Unix()})
	for _, tc := range []struct {
		name string
		tkt  []byte
		code codes.Code
		msg  string
	}{
		{"garbage", []byte("garbage"), codes.InvalidArgument, "unable to parse ticket"},
		{"not ours", handle([]byte("hello, world, this is not a recq ticket at all.........")), codes.InvalidArgument, "not a recq ticket"},
		{"tampered", handle(tampered), codes.InvalidArgument, "bad signature"},
		{"another key", handle(otherKey), codes.InvalidArgument, "bad signature"},
		{"expired", handle(expired), codes.InvalidArgument, "expired"},
		{"bad bucket", handle(badBucket), codes.InvalidArgument, "bucket 3 of 2"},
		{"signed write", handle(writes), codes.PermissionDenied, "read-only"},
	} {
		t.Run(tc.name, func(t *testing.T) { wantCode(t, read(tc.tkt), tc.code, tc.msg) })
	}
	if err := read(info.Endpoint[0].Ticket.Ticket); err != nil {
		t.Fatalf("the genuine ticket: %v", err)
	}
}

// With AllowFilePaths, clients read files by path.
func TestAllowFilePaths(t *testing.T) {
	ts := startServer(t, Config{AllowFilePaths: true})
	cl := dial(t, ts.addr)
	ctx := context.Background()
	info, err := cl.Execute(ctx, "SELECT count(*) FROM '../../testdata/lineitem.rec'")
	if err != nil {
		t.Fatal(err)
	}
	parts, _, err := readEndpoints(ctx, t, cl, info, nil)
	if err != nil || len(parts) != 1 || parts[0][0][0] != "2000" {
		t.Fatalf("got %v, %v", parts, err)
	}
}

// The engine's memory_limit bounds each query: over it, the stream fails
// with ResourceExhausted and the server goes on answering.
func TestMemoryLimit(t *testing.T) {
	ts := startServerWith(t, Config{}, query.Settings{Workers: 2, BatchSize: 256, MemoryLimit: 64 << 10})
	cl := dial(t, ts.addr)
	ctx := context.Background()
	info, err := cl.Execute(ctx, "SELECT l_comment FROM lineitem ORDER BY l_comment LIMIT 1000")
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = readEndpoints(ctx, t, cl, info, nil)
	wantCode(t, err, codes.ResourceExhausted, "memory limit")
	info, err = cl.Execute(ctx, "SELECT count(*) FROM lineitem")
	if err != nil {
		t.Fatal(err)
	}
	if parts, _, err := readEndpoints(ctx, t, cl, info, nil); err != nil || parts[0][0][0] != "2000" {
		t.Fatalf("after the failure: %v, %v", parts, err)
	}
}
