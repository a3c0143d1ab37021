package importer

import (
	"errors"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/recq/recq/internal/testhook"
	"github.com/recq/recq/scan"
)

// TestImportWorkerPanic: a panic in a parsing worker (injected through
// internal/testhook) fails the import with an internal error instead of
// crashing; no goroutine outlives it and the next import works.
func TestImportWorkerPanic(t *testing.T) {
	before := runtime.NumGoroutine()
	dir := t.TempDir()
	tbl := filepath.Join(dir, "lineitem.tbl")
	writeTbl(t, tbl, 2000)
	old := chunkBytes
	chunkBytes = 5000
	defer func() { chunkBytes = old }()
	opts := Options{Schema: LineitemDDL, From: tbl, Out: filepath.Join(dir, "a.rec"), Delimiter: DelimiterFor(tbl), Workers: 3}
	restore := testhook.Set(testhook.PanicAt("import.worker", "injected import bug", 1))
	_, err := runImport(t, opts)
	restore()
	var ie *scan.InternalError
	if !errors.As(err, &ie) || ie.Value != "injected import bug" || len(ie.Stack) == 0 {
		t.Fatalf("err = %v, want an internal error", err)
	}
	opts.Out = filepath.Join(dir, "b.rec")
	if st, err := runImport(t, opts); err != nil || st.Rows != 2000 {
		t.Fatalf("the import after the panic: %+v, %v", st, err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("goroutine leak: %d before, %d after", before, n)
	}
}
