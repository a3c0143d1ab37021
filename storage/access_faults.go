package storage

import (
	"github.com/recq/recq/internal/faults"
	"golang.org/x/sys/unix"
)

// Fault injection for tests lives in the internal package faults (no part
// of the public API); storage only looks the faults up.

func faultsFor(path string) *faults.Faults { return faults.For(path) }

// preadFor returns the pread a source of path uses.
func preadFor(path string) preadFunc {
	if f := faultsFor(path); f != nil && f.Pread != nil {
		return func(fd int, p []byte, off int64) (int, error) { return f.Pread(unix.Pread, fd, p, off) }
	}
	return unix.Pread
}
