package gen

import (
	"os"

	"github.com/recq/recq/storage"
)

// Write generates rows rows of the table into a .rec file at path.
func (t *Table) Write(path string, rows int64, seed uint64) error {
	return t.WriteWith(path, rows, seed, storage.WriterOptions{})
}

// WriteWith is Write with writer options (block size, ...).
func (t *Table) WriteWith(path string, rows int64, seed uint64, opts storage.WriterOptions) error {
	if opts.ExpectedRecords == 0 {
		opts.ExpectedRecords = rows
	}
	w, err := storage.Create(path, t.Schema(), opts)
	if err != nil {
		return err
	}
	err = t.Rows(seed, rows, func(_ int64, vals []any) error { return w.Append(vals...) })
	if err != nil {
		w.Abort()
		return err
	}
	return w.Close()
}

// SidecarPath is where the layout DDL of a raw file lives: the file's name
// with ".schema" appended.
func SidecarPath(dataPath string) string { return dataPath + ".schema" }

// WriteText generates rows rows as fixed-width text lines (LF-terminated)
// at path and writes the layout DDL to SidecarPath(path). Both files appear
// atomically.
func (t *Table) WriteText(path string, rows int64, seed uint64) error {
	s := t.TextSchema()
	f, err := os.CreateTemp(dirOf(path), ".gen-*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	fail := func(err error) error {
		f.Close()
		os.Remove(tmp)
		return err
	}
	buf := make([]byte, 0, 1<<20)
	rec := make([]byte, s.RecordLen)
	err = t.Rows(seed, rows, func(i int64, vals []any) error {
		for k := range rec {
			rec[k] = ' '
		}
		for k, v := range vals {
			if err := s.EncodeField(rec, k, v); err != nil {
				return err
			}
		}
		buf = append(append(buf, rec...), '\n')
		if len(buf) >= 1<<20-len(rec)-1 {
			_, err := f.Write(buf)
			buf = buf[:0]
			return err
		}
		return nil
	})
	if err == nil {
		_, err = f.Write(buf)
	}
	if err == nil {
		err = f.Chmod(0o644)
	}
	if err == nil {
		err = f.Sync()
	}
	if err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	ddl := storage.FormatDDL(t.Name, s, storage.RawOptions{Text: true, Separator: storage.SepLF})
	if err := storage.WriteFileAtomic(SidecarPath(path), []byte(ddl), 0o644); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

func dirOf(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '/' {
			return path[:i+1]
		}
	}
	return "."
}
