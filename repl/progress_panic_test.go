package repl

import (
	"errors"
	"io"
	"testing"
	"time"

	"github.com/recq/recq/scan"
)

// TestProgressPanicStopsOnlyTheBar: a panic while polling or drawing the
// progress bar (a bug) stops the bar and is reported by Err; it does not
// crash the program or the work being watched.
func TestProgressPanicStopsOnlyTheBar(t *testing.T) {
	p := StartProgress(io.Discard, time.Millisecond, func() (int64, int64, int64) { panic("bar bug") })
	time.Sleep(150 * time.Millisecond) // the first poll is after 100 ms
	p.Stop()
	var ie *scan.InternalError
	if !errors.As(p.Err(), &ie) || ie.Value != "bar bug" {
		t.Fatalf("Err() = %v, want the internal error", p.Err())
	}
}
