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
	// What a terminal shows once the bar is stopped: the line the bar
	// used must be empty (an earlier check, "a \r somewhere near the end",
	// held for any redraw).
	if line := lastScreenLine(s); line != "" {
		t.Errorf("bar not cleared: the terminal still shows %q (output %q)", line, s[max(0, len(s)-80):])
	}
	if lastScreenLine(strings.TrimSuffix(s, "\x1b[2K\r")) == "" {
		t.Error("lastScreenLine does not see a bar that was not cleared: the check above cannot fail")
	}
}

// lastScreenLine plays output on a one-line terminal model (\r returns to
// column 0, \n starts a new line, ESC [ n K erases: 0 to the end of the
// line, 1 to the cursor, 2 the whole line; other escapes are ignored) and
// returns the last line's visible text, trailing blanks removed.
func lastScreenLine(out string) string {
	var line []rune
	col := 0
	rs := []rune(out)
	for i := 0; i < len(rs); i++ {
		switch r := rs[i]; {
		case r == '\r':
			col = 0
		case r == '\n':
			line, col = nil, 0
		case r == 0x1b && i+1 < len(rs) && rs[i+1] == '[':
			j := i + 2
			for j < len(rs) && (rs[j] >= '0' && rs[j] <= '9' || rs[j] == ';') {
				j++
			}
			if j < len(rs) && rs[j] == 'K' {
				switch string(rs[i+2 : j]) {
				case "", "0":
					line = line[:min(col, len(line))]
				case "1":
					for k := 0; k < min(col, len(line)); k++ {
						line[k] = ' '
					}
				case "2":
					line = nil
				}
			}
			i = j
		default:
			for len(line) <= col {
				line = append(line, ' ')
			}
			line[col] = r
			col++
		}
	}
	return strings.TrimRight(string(line), " ")
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
