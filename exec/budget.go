package exec

import (
	"errors"
	"fmt"
	"sync/atomic"
)

// Sentinel error kinds, tested with errors.Is.
var (
	// ErrMemoryLimit: aggregation or sort state would exceed the Budget.
	ErrMemoryLimit = errors.New("memory limit exceeded")
	// ErrOutOfRange: integer or decimal overflow, a value that does not fit
	// the target type of a cast, or an argument outside a function's domain.
	ErrOutOfRange = errors.New("value out of range")
	// ErrInvalidValue: a value that cannot be converted (a CAST of 'abc' to
	// INT64, an unknown date part).
	ErrInvalidValue = errors.New("invalid value")
)

// Error is an execution error: a plain sentence plus a sentinel kind.
type Error struct {
	Kind error
	Msg  string
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Kind }

func errorf(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// Budget bounds the memory held by aggregation and sort state across all
// operators of a query. Reserve and Release are safe for concurrent use. A
// nil *Budget is unlimited.
type Budget struct {
	limit int64
	used  atomic.Int64
	peak  atomic.Int64
}

// NewBudget returns a budget of limitBytes; limitBytes <= 0 means no limit.
func NewBudget(limitBytes int64) *Budget { return &Budget{limit: limitBytes} }

// Limit returns the limit in bytes (0: none).
func (b *Budget) Limit() int64 {
	if b == nil || b.limit < 0 {
		return 0
	}
	return b.limit
}

// Used returns the bytes currently reserved.
func (b *Budget) Used() int64 {
	if b == nil {
		return 0
	}
	return b.used.Load()
}

// Peak returns the largest number of bytes reserved at once.
func (b *Budget) Peak() int64 {
	if b == nil {
		return 0
	}
	return b.peak.Load()
}

// Reserve takes n bytes from the budget for the named state ("aggregation",
// "sort"). When that would exceed the limit nothing is taken and the error
// (kind ErrMemoryLimit) says how to raise the limit.
func (b *Budget) Reserve(n int64, what string) error {
	if b == nil || n <= 0 {
		return nil
	}
	u := b.used.Add(n)
	if b.limit > 0 && u > b.limit {
		b.used.Add(-n)
		return errorf(ErrMemoryLimit, "%s needs more than the %s memory limit; raise it with SET memory_limit = '%s' or --memory-limit",
			what, formatBytes(b.limit), suggestLimit(b.limit))
	}
	for {
		p := b.peak.Load()
		if u <= p || b.peak.CompareAndSwap(p, u) {
			break
		}
	}
	return nil
}

// Release returns n bytes to the budget.
func (b *Budget) Release(n int64) {
	if b == nil || n <= 0 {
		return
	}
	b.used.Add(-n)
}

// formatBytes renders 1073741824 as "1.0 GiB".
func formatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTP"[exp])
}

// suggestLimit proposes four times the current limit, rounded to a unit.
func suggestLimit(n int64) string {
	s := n * 4
	switch {
	case s >= 1<<30:
		return fmt.Sprintf("%dGB", (s+(1<<30)-1)>>30)
	case s >= 1<<20:
		return fmt.Sprintf("%dMB", (s+(1<<20)-1)>>20)
	}
	return fmt.Sprintf("%dKB", (s+1023)>>10)
}

// reservation tracks what one stream took from a budget so Close can give
// it all back.
type reservation struct {
	b    *Budget
	what string
	n    int64
}

// resize grows or shrinks the reservation to total bytes.
func (r *reservation) resize(total int64) error {
	if total > r.n {
		if err := r.b.Reserve(total-r.n, r.what); err != nil {
			return err
		}
	} else {
		r.b.Release(r.n - total)
	}
	r.n = total
	return nil
}

func (r *reservation) grow(n int64) error { return r.resize(r.n + n) }

func (r *reservation) free() {
	r.b.Release(r.n)
	r.n = 0
}
