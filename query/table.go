package query

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/recq/recq/storage"
)

// SidecarSuffix is appended to a raw file's name to find its layout DDL:
// stations.txt is described by stations.txt.schema.
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
	if opts.Schema == "" && storage.IsRecFile(path) {
		return storage.Open(path, storage.OpenOptions{IgnorePartial: opts.IgnorePartial})
	}
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		// A directory, device or pipe: storage says what it is.
		return storage.Open(path, storage.OpenOptions{})
	}
	ddl, source, err := layoutText(path, opts.Schema)
	if err != nil {
		return nil, err
	}
	l, err := ParseLayout(ddl)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	raw := l.Raw
	raw.IgnorePartial = raw.IgnorePartial || opts.IgnorePartial
	return storage.OpenRaw(path, l.Schema, raw)
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
