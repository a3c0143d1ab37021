package repl

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// output is a destination for results: standard output, or a file named
// by --output, .output or .once.
//
// A file is written safely: results go to a temporary file in the target's
// directory, which is synced and renamed over the target when the first
// result has been written completely. A statement that fails to parse or run, or a
// result that fails halfway (a Parquet export of an unsupported type), so
// never truncates or half-writes an existing file; the temporary file is
// emptied for the next result, and removed on close if nothing was ever
// committed. Results after the first are appended to the renamed file.
// A target that exists and is not a regular file (a pipe, /dev/stdout) is
// written directly.
type output struct {
	w         io.Writer
	f         *os.File // nil for Stdout
	name      string   // the target, or "stdout"
	tmp       string   // the temporary file until committed, else ""
	terminal  bool
	results   int // results written so far
	committed bool
}

// openOutput prepares the file name for results.
func openOutput(name string) (*output, error) {
	if st, err := os.Stat(name); err == nil && !st.Mode().IsRegular() {
		f, err := os.OpenFile(name, os.O_WRONLY, 0)
		if err != nil {
			return nil, fmt.Errorf("cannot open output file %s: %w", name, unwrapPathError(err))
		}
		return &output{w: f, f: f, name: name, committed: true}, nil
	}
	mode := fs.FileMode(0o644)
	if st, err := os.Stat(name); err == nil {
		mode = st.Mode().Perm()
	}
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("cannot open output file %s: cannot create a temporary file in its directory: %w", name, unwrapPathError(err))
	}
	if err := f.Chmod(mode); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("cannot open output file %s: %w", name, err)
	}
	return &output{w: f, f: f, name: name, tmp: f.Name()}, nil
}

// finish ends one result: a complete one commits the file (renames the
// temporary file over the target); a failed one before any commit is
// discarded.
func (o *output) finish(ok bool) error {
	if o.f == nil || o.committed {
		return nil
	}
	if ok {
		if err := o.f.Sync(); err != nil {
			return fmt.Errorf("cannot write output file %s: %w", o.name, unwrapPathError(err))
		}
		if err := os.Rename(o.tmp, o.name); err != nil {
			return fmt.Errorf("cannot write output file %s: %w", o.name, unwrapPathError(err))
		}
		o.committed, o.tmp = true, ""
		return nil
	}
	if err := o.f.Truncate(0); err != nil {
		return fmt.Errorf("output file %s: discarding a failed result: %w", o.name, err)
	}
	if _, err := o.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("output file %s: discarding a failed result: %w", o.name, err)
	}
	return nil
}

// close closes the file, removing the temporary file if no result was
// ever committed (the target is then as it was).
func (o *output) close() error {
	if o == nil || o.f == nil {
		return nil
	}
	err := o.f.Close()
	o.f = nil
	if o.tmp != "" {
		if rerr := os.Remove(o.tmp); err == nil && !errors.Is(rerr, fs.ErrNotExist) {
			err = rerr
		}
		o.tmp = ""
	}
	return err
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
