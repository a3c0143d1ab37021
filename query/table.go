package query

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/recq/recq/storage"
)

// SidecarSuffix is appended to a raw file's name to find its layout DDL:
// stations.txt is described by stations.txt.schema. A compressed file
// (stations.txt.gz) may also use the sidecar of its uncompressed name.
const SidecarSuffix = ".schema"

// OpenTableOptions tune OpenTable.
type OpenTableOptions struct {
	// Schema, when not empty, is layout DDL text or the path of a file
	// holding it; it overrides the sidecar.
	Schema string
	// IgnorePartial skips a trailing partial record instead of failing.
	IgnorePartial bool
}

// OpenTable opens a data file by path: a .rec file describes itself; any
// other file needs layout DDL, from opts.Schema or from the sidecar file
// next to it (path + ".schema").
func OpenTable(path string, opts OpenTableOptions) (*storage.Table, error) {
	t, _, err := openTable(path, opts)
	return t, err
}

// openTable is OpenTable that also returns the layout of a raw file (nil
// for a .rec file).
func openTable(path string, opts OpenTableOptions) (*storage.Table, *Layout, error) {
	if err := checkDataFile(path); err != nil {
		return nil, nil, err
	}
	if opts.Schema == "" && storage.IsRecFile(path) {
		t, err := storage.Open(path, storage.OpenOptions{IgnorePartial: opts.IgnorePartial})
		if err != nil {
			return nil, nil, err
		}
		if err := checkReservedNames(t); err != nil {
			return nil, nil, err
		}
		return t, nil, nil
	}
	l, err := readLayout(path, opts.Schema)
	if err != nil {
		return nil, nil, err
	}
	t, err := openRaw(path, l, opts)
	return t, l, err
}

// readLayout reads and parses the layout of raw file path: the schema
// option (DDL text or a file name) or the sidecar.
func readLayout(path, schema string) (*Layout, error) {
	ddl, source, err := layoutText(path, schema)
	if err != nil {
		return nil, err
	}
	dir := "" // DDL text given as the schema option
	if source != "schema" {
		dir = filepath.Dir(source)
	}
	l, err := parseLayoutIn(ddl, dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	return l, nil
}

// openRaw opens raw file path with layout l. l is only read, so one
// layout may serve many files.
func openRaw(path string, l *Layout, opts OpenTableOptions) (*storage.Table, error) {
	raw := l.Raw
	raw.IgnorePartial = raw.IgnorePartial || opts.IgnorePartial
	return storage.OpenRaw(path, l.Schema, raw)
}

// checkDataFile reports an existing path that is not a readable regular
// file: a directory, device, pipe or /proc file (storage says what it
// is), or a file that cannot be read (said as such, not taken for "not a
// .rec file"). A missing file is left to the open that follows.
func checkDataFile(path string) error {
	if _, err := os.Stat(path); err != nil {
		return nil
	}
	if err := storage.CheckDataFile(path); err != nil {
		return err
	}
	return checkReadable(path)
}

// openForRead opens a file for reading; tests replace it to simulate an
// unreadable file (root reads every file whatever its permissions).
var openForRead = os.Open

// checkReadable reports a file that cannot be opened for reading, naming
// the file and the reason (permission denied).
func checkReadable(path string) error {
	f, err := openForRead(path)
	if err != nil {
		hint := ""
		if errors.Is(err, fs.ErrPermission) {
			hint = "check the file's permissions (ls -l) or run as a user allowed to read it"
		}
		return &storage.FileError{Path: path, Record: -1, Offset: -1, Msg: "cannot read the file", Hint: hint, Err: unwrapPath(err)}
	}
	return f.Close()
}

// reservedColumns are the virtual columns every table has; a data field
// may not take their names (it would be shadowed).
var reservedColumns = []string{"_rowid"}

// parentRowIDName is the virtual column of a table whose records have a
// parent record type (segment_children): the parent's _rowid.
const parentRowIDName = "_parent_rowid"

// reservedColumn returns the reserved name name matches, or "".
func reservedColumn(name string) string {
	for _, r := range reservedColumns {
		if strings.EqualFold(name, r) {
			return r
		}
	}
	return ""
}

// checkReservedNames rejects a .rec file with a field named like a
// virtual column.
func checkReservedNames(t *storage.Table) error {
	for _, f := range t.Schema.Fields {
		if r := reservedColumn(f.Name); r != "" {
			return &storage.FileError{Path: t.Path, Record: -1, Offset: -1, Field: f.Name, Err: storage.ErrSchema,
				Msg:  fmt.Sprintf("the field name %s is reserved: %s is the virtual row-number column of every table", f.Name, r),
				Hint: "rewrite the file with the field renamed (recq import --schema with another name)"}
		}
	}
	return nil
}

// layoutText finds the DDL for path: the schema option (DDL text or a file
// name) or the sidecar. It returns the text and where it came from.
func layoutText(path, schema string) (ddl, source string, err error) {
	if schema != "" {
		if looksLikeDDL(schema) {
			return schema, "schema", nil
		}
		b, err := os.ReadFile(schema)
		if err != nil {
			return "", "", fmt.Errorf("cannot read schema file: %w", err)
		}
		return string(b), schema, nil
	}
	side := path + SidecarSuffix
	b, err := os.ReadFile(side)
	if stem, ok := storage.TrimCompressionExt(path); ok && errors.Is(err, fs.ErrNotExist) {
		// x.dly.gz may be described by x.dly.gz.schema or, like the
		// file it was compressed from, by x.dly.schema.
		if b2, err2 := os.ReadFile(stem + SidecarSuffix); err2 == nil || !errors.Is(err2, fs.ErrNotExist) {
			side, b, err = stem+SidecarSuffix, b2, err2
		}
	}
	if errors.Is(err, fs.ErrNotExist) {
		if _, serr := os.Stat(path); serr != nil {
			return "", "", &storage.FileError{Path: path, Record: -1, Offset: -1, Msg: "cannot open", Err: serr}
		}
		return "", "", &storage.FileError{Path: path, Record: -1, Offset: -1, Err: storage.ErrSchema,
			Msg:  "is not a .rec file and has no schema sidecar",
			Hint: fmt.Sprintf("describe its layout with CREATE TABLE ... in %s (see docs/sql.md)", side)}
	}
	if err != nil {
		return "", "", fmt.Errorf("cannot read schema sidecar %s: %w", side, err)
	}
	return string(b), side, nil
}

func looksLikeDDL(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\n', '\r':
			continue
		}
		return len(s)-i >= 6 && (s[i:i+6] == "CREATE" || s[i:i+6] == "create" || s[i:i+6] == "Create")
	}
	return false
}
