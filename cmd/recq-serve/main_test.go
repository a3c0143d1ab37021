package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow/flight/flightsql"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
)

// recq-serve starts, answers a Flight SQL client that sends its token,
// and shuts down cleanly (exit 0) on SIGTERM.
func TestServeAndShutdown(t *testing.T) {
	stop := make(chan os.Signal, 1)
	addr := make(chan string, 1)
	var out, errs bytes.Buffer
	code := make(chan int, 1)
	go func() {
		code <- run([]string{"--data", "../../testdata", "--listen", "127.0.0.1:0", "--token", "tok", "--endpoints", "2"},
			&out, &errs, stop, func(a string) { addr <- a })
	}()
	var a string
	select {
	case a = <-addr:
	case c := <-code:
		t.Fatalf("exit %d before serving: %s", c, errs.String())
	}
	cl, err := flightsql.NewClient(a, nil, nil, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer tok")
	info, err := cl.Execute(ctx, "SELECT count(*) AS n FROM lineitem")
	if err != nil {
		t.Fatal(err)
	}
	rdr, err := cl.DoGet(ctx, info.Endpoint[0].Ticket)
	if err != nil {
		t.Fatal(err)
	}
	if !rdr.Next() || rdr.Record().Column(0).ValueStr(0) != "2000" {
		t.Fatalf("got %v", rdr.Err())
	}
	rdr.Release()
	stop <- syscall.SIGTERM
	select {
	case c := <-code:
		if c != 0 {
			t.Fatalf("exit %d: %s", c, errs.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no shutdown")
	}
	if !strings.Contains(out.String(), "Flight SQL on grpc+tcp://127.0.0.1:") || !strings.Contains(out.String(), "bearer token required") {
		t.Errorf("output %q", out.String())
	}
}

// Bad flags are usage errors (exit 2) that say what is wrong.
func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{}, "missing flags: --data=DIR"},
		{[]string{"--data", "../../testdata", "--tls-cert", "main.go"}, "--tls-cert and --tls-key go together"},
		{[]string{"--data", "../../testdata", "--memory-limit", "lots"}, "--memory-limit"},
		{[]string{"--data", "../../testdata", "--peers", "nohostport"}, `"nohostport" is not host:port`},
		{[]string{"--data", "../../testdata", "--max-queries", "0"}, "--max-queries must be at least 1"},
		{[]string{"--data", "../../testdata", "--split-size", "big"}, "--split-size"},
	} {
		var out, errs bytes.Buffer
		if c := run(tc.args, &out, &errs, nil, nil); c != 2 || !strings.Contains(errs.String(), tc.msg) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", tc.args, c, errs.String(), tc.msg)
		}
	}
	// peers without a shared key are refused (exit 1: not a flag's form)
	var out, errs bytes.Buffer
	if c := run([]string{"--data", "../../testdata", "--listen", "127.0.0.1:0", "--peers", "127.0.0.1:1"}, &out, &errs, nil, nil); c != 1 || !strings.Contains(errs.String(), "shared ticket key") {
		t.Errorf("exit %d, %q", c, errs.String())
	}
}
