package repl

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestProgressShowsAndClears(t *testing.T) {
	var out lockedBuffer
	var done atomic.Int64
	p := StartProgress(&out, 150*time.Millisecond, func() (int64, int64, int64) {
		d := done.Add(10)
		return d, 1000, d / 10
	})
	time.Sleep(600 * time.Millisecond)
	p.Stop()
	p.Stop() // idempotent
	s := out.String()
	if !strings.Contains(s, "%") || !strings.Contains(s, "rows/s") {
		t.Errorf("no bar drawn: %q", s)
	}
	after := len(s)
	time.Sleep(200 * time.Millisecond)
	if len(out.String()) != after {
		t.Error("the bar wrote after Stop")
	}
	if !strings.HasSuffix(s, "\r") && !strings.HasSuffix(s, "\x1b[K") && !strings.Contains(s[len(s)/2:], "\r") {
		t.Errorf("bar not cleared: %q", s[max(0, len(s)-40):])
	}
}

func TestProgressQuietForShortWork(t *testing.T) {
	var out lockedBuffer
	p := StartProgress(&out, time.Second, func() (int64, int64, int64) { return 5, 10, -1 })
	time.Sleep(300 * time.Millisecond)
	p.Stop()
	if out.String() != "" {
		t.Errorf("a bar before the delay: %q", out.String())
	}
	var nilBar *Progress
	nilBar.Stop()
}
