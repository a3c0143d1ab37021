package export

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/apache/arrow/go/v17/arrow/array"
)

// WriteFile writes every row of rr to the file path in format f, as Write
// does, and makes the file appear atomically: the rows go to a temporary
// file in path's directory, which is synced and renamed over path once
// complete. On any error (the reader's included, such as a cancelled
// query) the temporary file is removed and path is left as it was. An
// existing file keeps its permissions.
func WriteFile(path string, rr array.RecordReader, f Format, o Options) (n int64, err error) {
	dir, base := filepath.Dir(path), filepath.Base(path)
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return 0, fmt.Errorf("cannot write %s: it is a directory", path)
	}
	mode := fs.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	if f == Rec {
		return writeRecFile(path, rr, &o, mode)
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return 0, fmt.Errorf("cannot write %s: cannot create a temporary file in its directory: %w", path, unwrapPath(err))
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(mode); err != nil {
		return 0, fmt.Errorf("cannot write %s: %w", path, unwrapPath(err))
	}
	n, err = Write(tmp, rr, f, o)
	if err != nil {
		return n, err
	}
	if err := tmp.Sync(); err != nil {
		return n, fmt.Errorf("cannot write %s: %w", path, unwrapPath(err))
	}
	if err := tmp.Close(); err != nil {
		return n, fmt.Errorf("cannot write %s: %w", path, unwrapPath(err))
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return n, fmt.Errorf("cannot write %s: %w", path, unwrapPath(err))
	}
	return n, nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
