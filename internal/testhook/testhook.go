// Package testhook is a test seam for fault injection inside recq's
// worker goroutines. It is internal: only recq's own tests can install a
// hook, so it is not part of the public API.
//
// Production code calls Fire(site) at a few points of its workers (for
// example "scan.chunk" each time a scan partition takes a chunk). Without
// an installed hook Fire is one atomic load. A test installs a hook with
// Set and removes it with the function Set returns.
package testhook

import "sync/atomic"

// Hook runs at a site; it may panic to simulate a bug in a worker.
type Hook func(site string)

var current atomic.Pointer[Hook]

// Set installs h for every site and returns a function that removes it.
func Set(h Hook) (restore func()) {
	current.Store(&h)
	return func() { current.Store(nil) }
}

// Fire runs the installed hook, if any, at site.
func Fire(site string) {
	if h := current.Load(); h != nil {
		(*h)(site)
	}
}

// PanicAt returns a hook that panics with value at site, the first n times
// site is reached (n <= 0: every time).
func PanicAt(site string, value any, n int) Hook {
	var left atomic.Int64
	left.Store(int64(n))
	return func(s string) {
		if s != site {
			return
		}
		if n > 0 && left.Add(-1) < 0 {
			return
		}
		panic(value)
	}
}
