package query

import (
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/recq/recq/storage"
)

// A table of several files: a glob (FROM 'ghcn/*.dly', FROM
// 'exports/**/*.rec'), a directory (FROM 'exports', or a sub-directory
// of the data directory), or the files a table function lists
// (read_rec(['a.rec', 'b.rec']), read_fixed('*.txt', layout => ...)).
// The files are read in sorted path order as one table (records in file
// order within each), and must share one layout: .rec files carry theirs,
// a raw file takes its own sidecar (FILE.schema) or else the nearest file
// named .schema in its directory or a parent directory.
//
// Directory names of the form key=value between the root and a file
// (hive-style partitions: sales/year=2024/month=07/part-0.rec) become
// columns: BIGINT when every file's value is an integer, VARCHAR
// otherwise; __HIVE_DEFAULT_PARTITION__ is NULL. A hidden filename column
// holds each record's file path.

// DirSchemaName is the layout sidecar for every raw file of a directory
// (and of its sub-directories) that has no sidecar of its own.
const DirSchemaName = ".schema"

// filenameColumn names the virtual column holding a record's file.
const filenameColumn = "filename"

// fileSet is the resolved list of a multi-file table's files.
type fileSet struct {
	pattern string // as the user wrote it (a glob, a directory, a list)
	root    string // the directory partition directories are found below
	files   []setFile
	keys    []string // partition columns, in path order
	intKeys []bool   // per key: every value is an integer
	first   *storage.Table
	// named is set when a data field is called filename: the virtual
	// column is then left out.
	named bool
	// layout, when set, is every file's layout (read_fixed's inline
	// layout); else each file carries its own or has a sidecar.
	layout *Layout
	// dirSchemas caches each directory's nearest .schema ("" for none),
	// layouts each .schema's parsed layout: scan workers open the files
	// concurrently, and a set may have thousands of files per directory.
	dirSchemas *memo[string]
	layouts    *memo[*Layout]
	sidecars   *memo[map[string]bool] // per directory: the names ending in .schema
}

// memo caches a function's results by key, safely for concurrent use. An
// error is cached too: every file of the set then reports it.
type memo[V any] struct {
	mu   sync.Mutex
	fn   func(key string) (V, error)
	vals map[string]memoEntry[V]
}

type memoEntry[V any] struct {
	v   V
	err error
}

func newMemo[V any](fn func(key string) (V, error)) *memo[V] {
	return &memo[V]{fn: fn, vals: map[string]memoEntry[V]{}}
}

// get returns fn(key), computing it once per key.
func (m *memo[V]) get(key string) (V, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.vals[key]
	if !ok {
		e.v, e.err = m.fn(key)
		m.vals[key] = e
	}
	return e.v, e.err
}

// setFile is one file of a set with its partition values (int64 or
// string per key; nil for NULL).
type setFile struct {
	path   string
	values []any
}

// hasGlobMeta reports whether a path is a glob pattern.
func hasGlobMeta(p string) bool { return strings.ContainsAny(p, "*?[") }

// isMultiPath reports whether a FROM path names several files: a glob or
// a directory.
func isMultiPath(p string) bool {
	if hasGlobMeta(p) {
		return true
	}
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// skipSetFile reports whether a file found in a directory is not data:
// hidden files (.schema), layout sidecars and compressed-file indexes.
func skipSetFile(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasSuffix(name, SidecarSuffix) || strings.HasSuffix(name, storage.IndexSuffix)
}

// expandPattern lists the files of a glob or directory, sorted, and the
// root their partitions and .schema lookups start from.
func expandPattern(pattern string) (root string, files []string, err error) {
	if !hasGlobMeta(pattern) {
		root = filepath.Clean(pattern)
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if p != root && strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() && !skipSetFile(d.Name()) {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			return "", nil, &storage.FileError{Path: pattern, Record: -1, Offset: -1, Msg: "cannot list the directory", Err: unwrapPath(err)}
		}
		if len(files) == 0 {
			return "", nil, &storage.FileError{Path: pattern, Record: -1, Offset: -1, Err: fs.ErrNotExist,
				Msg:  "is a directory that holds no data files (regular files other than hidden files and .schema sidecars)",
				Hint: "a directory is queried as one table of all its files; name a file to query one"}
		}
		slices.Sort(files)
		return root, files, nil
	}
	segs := strings.Split(filepath.ToSlash(filepath.Clean(pattern)), "/")
	k := 0
	for k < len(segs)-1 && !hasGlobMeta(segs[k]) {
		k++
	}
	root = strings.Join(segs[:k], "/")
	if root == "" {
		if strings.HasPrefix(pattern, "/") {
			root = "/"
		} else {
			root = "."
		}
	}
	rest := segs[k:]
	for _, s := range rest {
		if _, err := filepath.Match(s, ""); err != nil {
			return "", nil, fmt.Errorf("bad glob pattern %q: %v in %q", pattern, err, s)
		}
	}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root {
				return err
			}
			return nil // an unreadable sub-directory matches nothing
		}
		rel, _ := filepath.Rel(root, p)
		if rel == "." {
			return nil
		}
		parts := strings.Split(filepath.ToSlash(rel), "/")
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") || !globPrefixMatch(rest, parts) {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() && !skipSetFile(d.Name()) && globMatch(rest, parts) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return "", nil, &storage.FileError{Path: root, Record: -1, Offset: -1, Msg: "cannot list the directory of the pattern " + pattern, Err: unwrapPath(err)}
	}
	if len(files) == 0 {
		return "", nil, &storage.FileError{Path: pattern, Record: -1, Offset: -1, Err: fs.ErrNotExist,
			Msg: "no file matches the pattern", Hint: "* matches within a directory, ** any number of directories; hidden files never match"}
	}
	slices.Sort(files)
	return root, files, nil
}

// globMatch matches path segments against pattern segments, where a
// segment ** matches any number of directories (none included).
func globMatch(pat, parts []string) bool {
	if len(pat) == 0 {
		return len(parts) == 0
	}
	if pat[0] == "**" {
		for i := 0; i <= len(parts); i++ {
			if globMatch(pat[1:], parts[i:]) {
				return true
			}
		}
		return false
	}
	if len(parts) == 0 {
		return false
	}
	ok, _ := filepath.Match(pat[0], parts[0])
	return ok && globMatch(pat[1:], parts[1:])
}

// globPrefixMatch reports whether a directory's segments can lead to a
// match: some file below it may match the pattern.
func globPrefixMatch(pat, dirs []string) bool {
	if len(dirs) == 0 {
		return true
	}
	if len(pat) == 0 {
		return false
	}
	if pat[0] == "**" {
		return true
	}
	if len(pat) == 1 {
		return false // the last segment names files, not directories
	}
	ok, _ := filepath.Match(pat[0], dirs[0])
	return ok && globPrefixMatch(pat[1:], dirs[1:])
}

// partitionsOf returns the key=value directories between root and a file
// (a nil value for NULL).
func partitionsOf(root, path string) (keys []string, values []*string) {
	if root == "" {
		return nil, nil // a list of files has no partitions
	}
	rel, err := filepath.Rel(root, filepath.Dir(path))
	if err != nil || rel == "." {
		return nil, nil
	}
	for _, seg := range strings.Split(filepath.ToSlash(rel), "/") {
		k, v, ok := strings.Cut(seg, "=")
		if !ok || k == "" {
			continue
		}
		if u, err := url.PathUnescape(k); err == nil {
			k = u
		}
		if v == nullPartition {
			keys, values = append(keys, k), append(values, nil)
			continue
		}
		if u, err := url.PathUnescape(v); err == nil {
			v = u
		}
		keys, values = append(keys, k), append(values, &v)
	}
	return keys, values
}

// nullPartition is the directory value of a NULL partition key (Hive's,
// DuckDB's and recq's own COPY ... PARTITION_BY write it), compared
// before URL decoding so %5F_HIVE_DEFAULT_PARTITION__ is the text.
const nullPartition = "__HIVE_DEFAULT_PARTITION__"

// newFileSet resolves a set's files, partitions and layout (opening the
// first file only). layout is the layout of every file, or nil.
func newFileSet(pattern, root string, paths []string, layout *Layout) (*fileSet, error) {
	fsx := &fileSet{pattern: pattern, root: root, layout: layout,
		dirSchemas: newMemo(func(dir string) (string, error) { return findDirSchema(dir), nil }),
		layouts:    newMemo(func(schema string) (*Layout, error) { return readLayout("", schema) }),
		sidecars:   newMemo(listSidecars),
	}
	raw := make([][]*string, len(paths))
	for i, p := range paths {
		keys, vals := partitionsOf(root, p)
		if i == 0 {
			fsx.keys = keys
		} else if !slices.Equal(keys, fsx.keys) {
			return nil, &storage.FileError{Path: p, Record: -1, Offset: -1, Err: storage.ErrSchema,
				Msg:  fmt.Sprintf("its partition directories name [%s], but %s's name [%s]", strings.Join(keys, ", "), paths[0], strings.Join(fsx.keys, ", ")),
				Hint: "every file of a partitioned table sits under the same key=value directories, in the same order"}
		}
		raw[i] = vals
	}
	fsx.intKeys = make([]bool, len(fsx.keys))
	for k := range fsx.keys {
		fsx.intKeys[k] = true
		for i := range paths {
			if v := raw[i][k]; v != nil {
				if _, err := strconv.ParseInt(*v, 10, 64); err != nil {
					fsx.intKeys[k] = false
					break
				}
			}
		}
	}
	for i, p := range paths {
		f := setFile{path: p}
		for k, v := range raw[i] {
			switch {
			case v == nil:
				f.values = append(f.values, nil)
			case fsx.intKeys[k]:
				n, _ := strconv.ParseInt(*v, 10, 64)
				f.values = append(f.values, n)
			default:
				f.values = append(f.values, *v)
			}
		}
		fsx.files = append(fsx.files, f)
	}
	first, err := fsx.openFile(paths[0])
	if err != nil {
		return nil, err
	}
	fsx.first = first
	for _, k := range fsx.keys {
		if first.Schema.Lookup(k) >= 0 {
			return nil, &storage.FileError{Path: paths[0], Record: -1, Offset: -1, Field: k, Err: storage.ErrSchema,
				Msg:  fmt.Sprintf("the partition directory %s= has the name of a field of the layout", k),
				Hint: "rename the directories or the field"}
		}
	}
	fsx.named = first.Schema.Lookup(filenameColumn) >= 0
	return fsx, nil
}

// openFile opens one file of the set with its layout: .rec files carry
// theirs, raw files use their own sidecar or the nearest .schema.
func (fsx *fileSet) openFile(path string) (*storage.Table, error) {
	if l := fsx.layout; l != nil {
		if err := checkDataFile(path); err != nil {
			return nil, err
		}
		return openRaw(path, l, OpenTableOptions{})
	}
	if fsx.hasSidecar(path) {
		t, _, err := openTable(path, OpenTableOptions{})
		return t, err
	}
	schema := fsx.dirSchema(path)
	if schema == "" {
		t, _, err := openTable(path, OpenTableOptions{})
		return t, err
	}
	// The files of a directory share its .schema: read and parse it once,
	// not once per file. A file is opened raw first: a small one is read
	// whole, and its bytes say whether it is a .rec file after all, which
	// saves opening it again to look (thousands of small files).
	l, err := fsx.layouts.get(schema)
	if err != nil {
		return nil, err
	}
	t, err := openRaw(path, l, OpenTableOptions{})
	if err == nil && !t.MayBeRec() {
		return t, nil
	}
	if storage.IsRecFile(path) {
		t, _, err := openTable(path, OpenTableOptions{})
		return t, err
	}
	if err != nil {
		// Say why a file cannot be read (a directory, permission
		// denied) as openTable does; checked only on failure.
		if cerr := checkDataFile(path); cerr != nil {
			return nil, cerr
		}
	}
	return t, err
}

// hasSidecar is the package's hasSidecar answered from one listing per
// directory (a stat per file adds up over thousands of files).
func (fsx *fileSet) hasSidecar(path string) bool {
	names, err := fsx.sidecars.get(filepath.Dir(path))
	if err != nil {
		return hasSidecar(path)
	}
	if names[filepath.Base(path)+SidecarSuffix] {
		return true
	}
	stem, ok := storage.TrimCompressionExt(path)
	return ok && names[filepath.Base(stem)+SidecarSuffix]
}

// listSidecars lists the names in dir that end in SidecarSuffix.
func listSidecars(dir string) (map[string]bool, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	names := map[string]bool{}
	for _, e := range ents {
		if n := e.Name(); strings.HasSuffix(n, SidecarSuffix) && n != SidecarSuffix {
			names[n] = true
		}
	}
	return names, nil
}

// hasSidecar reports whether a raw file has a sidecar of its own.
func hasSidecar(path string) bool {
	if _, err := os.Stat(path + SidecarSuffix); err == nil {
		return true
	}
	if stem, ok := storage.TrimCompressionExt(path); ok {
		if _, err := os.Stat(stem + SidecarSuffix); err == nil {
			return true
		}
	}
	return false
}

// dirSchema finds the nearest .schema in the file's directory or a
// parent directory, or "".
func (fsx *fileSet) dirSchema(path string) string {
	schema, _ := fsx.dirSchemas.get(filepath.Dir(path)) // never fails
	return schema
}

// findDirSchema finds the nearest .schema in dir or a parent directory,
// or "".
func findDirSchema(dir string) string {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	for {
		p := filepath.Join(dir, DirSchemaName)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p
		}
		up := filepath.Dir(dir)
		if up == dir {
			return ""
		}
		dir = up
	}
}

// open opens a file and checks that its layout is the first file's.
func (fsx *fileSet) open(path string) (*storage.Table, error) {
	if path == fsx.first.Path {
		return fsx.first, nil
	}
	t, err := fsx.openFile(path)
	if err != nil {
		return nil, err
	}
	if msg := layoutDiff(fsx.first, t); msg != "" {
		return nil, &storage.FileError{Path: path, Record: -1, Offset: -1, Err: storage.ErrSchema,
			Msg:  fmt.Sprintf("its layout differs from %s's (%s), and the files of %s are one table", fsx.first.Path, msg, fsx.pattern),
			Hint: "give every file the same layout, or query the files apart"}
	}
	return t, nil
}

// layoutDiff says how b's layout differs from a's, or "".
func layoutDiff(a, b *storage.Table) string {
	if a.Format != b.Format {
		return fmt.Sprintf("it is a %s file, not %s", b.Format, a.Format)
	}
	fa, fb := a.Schema.Fields, b.Schema.Fields
	if len(fa) != len(fb) {
		return fmt.Sprintf("it has %d fields, not %d", len(fb), len(fa))
	}
	for i := range fa {
		x, y := &fa[i], &fb[i]
		switch {
		case !strings.EqualFold(x.Name, y.Name):
			return fmt.Sprintf("field %d is %s, not %s", i+1, y.Name, x.Name)
		case x.TypeString() != y.TypeString() || x.Nullable != y.Nullable:
			return fmt.Sprintf("field %s is %s, not %s", x.Name, typeText(y), typeText(x))
		case x.Offset != y.Offset || x.Width != y.Width:
			return fmt.Sprintf("field %s is at bytes %d..%d, not %d..%d", x.Name, y.Offset, y.End(), x.Offset, x.End())
		case x.Describe() != y.Describe():
			return fmt.Sprintf("field %s is encoded %s, not %s", x.Name, y.Describe(), x.Describe())
		}
	}
	if a.Schema.RecordLen != b.Schema.RecordLen {
		return fmt.Sprintf("its records are %d bytes, not %d", b.Schema.RecordLen, a.Schema.RecordLen)
	}
	return ""
}

func typeText(f *storage.Field) string {
	if f.Nullable {
		return f.TypeString()
	}
	return f.TypeString() + " NOT NULL"
}

// resolveFileSet expands a glob or directory into a set.
func resolveFileSet(pattern string) (*fileSet, error) {
	root, paths, err := expandPattern(pattern)
	if err != nil {
		return nil, err
	}
	return newFileSet(pattern, root, paths, nil)
}

// listFileSet makes one set of listed files, globs and directories (a
// table function's files), in the order listed: the files of a glob or
// directory in sorted path order. Partition directories become columns
// only for a lone glob or directory. layout is every file's layout, or
// nil.
func listFileSet(pattern string, paths []string, layout *Layout) (*fileSet, error) {
	if len(paths) == 1 && isMultiPath(paths[0]) {
		root, all, err := expandPattern(paths[0])
		if err != nil {
			return nil, err
		}
		return newFileSet(pattern, root, all, layout)
	}
	var all []string
	for _, p := range paths {
		if !isMultiPath(p) {
			all = append(all, p)
			continue
		}
		_, more, err := expandPattern(p)
		if err != nil {
			return nil, err
		}
		all = append(all, more...)
	}
	return newFileSet(pattern, "", all, layout)
}
