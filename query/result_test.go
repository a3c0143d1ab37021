package query

import (
	"context"
	"testing"

	"github.com/apache/arrow/go/v17/arrow/memory"
)

// TestResultCloseAndRetain: Close ends a Result once (a second Close is a
// no-op); a reference taken with Retain keeps it readable after Close
// until its Release.
func TestResultCloseAndRetain(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	eng, err := Open(Options{DataDir: "../testdata", Allocator: mem, Settings: Settings{BatchSize: 100}})
	if err != nil {
		t.Fatal(err)
	}
	defer mem.AssertSize(t, 0)
	defer eng.Close()

	res, err := eng.Query(context.Background(), "SELECT l_orderkey FROM lineitem")
	if err != nil {
		t.Fatal(err)
	}
	res.Retain()
	if err := res.Close(); err != nil {
		t.Fatal(err)
	}
	if err := res.Close(); err != nil { // idempotent: must not drop the retained reference
		t.Fatal(err)
	}
	var rows int64
	for res.Next() {
		rows += res.Record().NumRows()
	}
	if rows != 2000 {
		t.Fatalf("read %d rows through the retained reference after Close, want 2000", rows)
	}
	res.Release()
	if res.Next() {
		t.Fatal("Next true after the last reference was released")
	}

	// Close without Retain stops a query read halfway.
	res, err = eng.Query(context.Background(), "SELECT l_orderkey FROM lineitem")
	if err != nil {
		t.Fatal(err)
	}
	res.Next()
	res.Close()
	if res.Next() {
		t.Fatal("Next true after Close")
	}
}
