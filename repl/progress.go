package repl

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/recq/recq/scan"
	"github.com/schollz/progressbar/v3"
)

// ProgressDelay is how long work runs before a progress bar appears.
const ProgressDelay = time.Second

// Progress draws a progress bar on a terminal (stderr) for work that runs
// longer than ProgressDelay: percent of bytes done, rows per second and
// the time left. The bar is cleared by Stop. Create one only when the
// writer is a terminal and the user has not asked for no progress.
type Progress struct {
	stop     chan struct{}
	finished chan struct{}
	once     sync.Once
	err      error // a panic while drawing (a bug): the bar stopped
}

// ProgressFunc reports the work done and the total, in bytes, and the
// rows done so far (-1 when unknown). It is called from the bar's own
// goroutine.
type ProgressFunc func() (done, total, rows int64)

// StartProgress starts polling poll every 100 ms; after delay (0 means
// ProgressDelay) a bar appears on w if the work is not finished.
func StartProgress(w io.Writer, delay time.Duration, poll ProgressFunc) *Progress {
	if delay <= 0 {
		delay = ProgressDelay
	}
	p := &Progress{stop: make(chan struct{}), finished: make(chan struct{})}
	go p.run(w, delay, poll)
	return p
}

func (p *Progress) run(w io.Writer, delay time.Duration, poll ProgressFunc) {
	defer close(p.finished)
	// The bar is cosmetic: a panic in it stops the bar, never the work.
	defer scan.RecoverTo(func(err error) { p.err = err })
	start := time.Now()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	// The bar is made at the start, so its rates and time left count from
	// there, but writes nothing until it is shown.
	g := &gate{w: w}
	var bar *progressbar.ProgressBar
	defer func() {
		if bar != nil && g.open {
			bar.Clear()
		}
	}()
	for {
		select {
		case <-p.stop:
			return
		case <-tick.C:
		}
		done, total, rows := poll()
		if total <= 0 {
			continue
		}
		if bar == nil {
			bar = progressbar.NewOptions64(total,
				progressbar.OptionSetWriter(g),
				progressbar.OptionSetWidth(30),
				progressbar.OptionShowBytes(true),
				progressbar.OptionSetPredictTime(true),
				progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionUseANSICodes(true),
				progressbar.OptionSetRenderBlankState(false),
			)
		}
		if !g.open && time.Since(start) >= delay && done < total {
			g.open = true
		}
		if rows >= 0 {
			if secs := time.Since(start).Seconds(); secs > 0 {
				bar.Describe(humanCount(float64(rows)/secs) + " rows/s")
			}
		}
		bar.Set64(min(done, total))
	}
}

// gate passes writes on once open; before, it drops them.
type gate struct {
	w    io.Writer
	open bool // set and read by the bar's goroutine only
}

func (g *gate) Write(b []byte) (int, error) {
	if !g.open {
		return len(b), nil
	}
	return g.w.Write(b)
}

// Stop removes the bar (if it was drawn) and waits until the bar's
// goroutine has ended, so nothing is written to w after Stop returns. It
// is idempotent and safe on a nil *Progress.
func (p *Progress) Stop() {
	if p == nil {
		return
	}
	p.once.Do(func() { close(p.stop) })
	<-p.finished
}

// Err reports a panic that stopped the bar early (an *scan.InternalError),
// after Stop; nil normally. The work it watched is not affected.
func (p *Progress) Err() error {
	if p == nil {
		return nil
	}
	return p.err
}

// humanCount renders a count with a k/M/G suffix.
func humanCount(v float64) string {
	switch {
	case v >= 1e9:
		return fmt.Sprintf("%.1fG", v/1e9)
	case v >= 1e6:
		return fmt.Sprintf("%.1fM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.1fk", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}
