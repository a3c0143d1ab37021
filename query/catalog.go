package query

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/recq/recq/scan"
	"github.com/recq/recq/storage"
)

// Catalog maps table names to data files. Tables come from four places:
//
//   - RegisterTable (Go API), with an optional layout for raw files;
//   - CREATE TABLE name (...) WITH (file = '...') in SQL;
//   - the data directory: every .rec file, and every raw file with a
//     FILE.schema sidecar, is a table named after the file without its
//     extension (lineitem.rec is lineitem);
//   - a quoted path in FROM ('data/ticks.rec'), which needs no name.
//
// Opened files are cached and reopened when their size or modification
// time changes; the data directory's listing is cached and read again when
// the directory's modification time changes; at most maxPathEntries files
// reached by path are kept open, the least recently used evicted first. A
// Catalog is safe for concurrent use.
type Catalog struct {
	dataDir string

	mu     sync.Mutex
	tables map[string]*tableEntry // by lower-case name
	paths  map[string]*tableEntry // path-based entries, by cleaned path
	views  map[string]*viewDef    // CREATE VIEW, by lower-case name (views.go)
	clock  int64                  // counts byPath calls, for eviction
	dir    dirListing             // the data directory's tables, cached

	// columns bounds the cached columns of all mapped files (nil: none).
	columns *scan.ColumnBudget
}

// maxPathEntries bounds the cache of files reached by path (FROM 'f.rec'
// and data-directory tables).
const maxPathEntries = 256

// dirListing is a cached listing of the data directory.
type dirListing struct {
	mtime  time.Time
	tables []dirTable
	valid  bool
}

// readDir lists a directory; tests replace it to simulate an unreadable
// one (root reads every directory whatever its permissions).
var readDir = os.ReadDir

// tableEntry is one table: where its file is and how to read it, plus the
// opened table and a cached mapping of the file.
type tableEntry struct {
	name   string
	path   string
	layout *Layout // for raw files described in SQL or by RegisterTable; nil: .rec or sidecar
	origin string  // "registered", "create table", "data directory", "path"
	dir    bool    // a sub-directory of the data directory: a table of its files

	mu    sync.Mutex
	table *storage.Table
	size  int64
	mtime time.Time
	src   *sharedSource
	used  int64 // Catalog.clock when last returned by byPath
	// columns is the catalog's budget of cached columns.
	columns *scan.ColumnBudget
	// sidecarName is the table name the sidecar's CREATE TABLE gives
	// (not used as the table's name; DESCRIBE mentions it), or "".
	sidecarName string
}

// sharedSource is an open mmap source kept between queries, so a warm
// table is not mapped and page-faulted again for every query. It is
// closed once stale (the file changed, the engine closed) and unused.
type sharedSource struct {
	src   storage.Source
	cols  *scan.ColumnStore // columns copied out of the mapping (nil: none)
	refs  int
	stale bool
}

// close closes the mapping and drops its columns.
func (s *sharedSource) close() {
	if s.cols != nil {
		s.cols.Close()
	}
	s.src.Close()
}

func newCatalog(dataDir string) *Catalog {
	return &Catalog{dataDir: dataDir, tables: map[string]*tableEntry{}, paths: map[string]*tableEntry{}, views: map[string]*viewDef{}}
}

// Register adds a named table. layout may be nil for .rec files and raw
// files with a sidecar.
func (c *Catalog) register(name, path string, layout *Layout, origin string, replace bool) error {
	key := strings.ToLower(name)
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.tables[key]; ok {
		if !replace {
			return fmt.Errorf("table %s already exists (defined by %s for %s); DROP TABLE %s first", name, old.origin, old.path, name)
		}
		old.close()
	}
	c.tables[key] = &tableEntry{name: name, path: path, layout: layout, origin: origin, columns: c.columns}
	return nil
}

// drop removes a named table; it reports whether it existed.
func (c *Catalog) drop(name string) bool {
	key := strings.ToLower(name)
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.tables[key]
	if ok {
		delete(c.tables, key)
		e.close()
	}
	return ok
}

// fileWritten tells the catalog that a statement wrote path, the table
// name in the data directory (CREATE TABLE name AS): a registered table
// of that name is dropped so the file is what the name finds, the
// directory's listing is read again, and a cached open of the file is
// retired, so the next query sees the new file even when the directory's
// or the file's modification time did not visibly change.
func (c *Catalog) fileWritten(name, path string) {
	key := strings.ToLower(name)
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.tables[key]; ok {
		delete(c.tables, key)
		e.close()
	}
	c.dir.valid = false
	clean := filepath.Clean(path)
	if e, ok := c.paths[clean]; ok {
		delete(c.paths, clean)
		e.close()
	}
}

// lookup finds a table by name: registered tables first, then the data
// directory.
func (c *Catalog) lookup(name string) (*tableEntry, error) {
	key := strings.ToLower(name)
	c.mu.Lock()
	e, ok := c.tables[key]
	c.mu.Unlock()
	if ok {
		return e, nil
	}
	dir, err := c.dirTables()
	if err != nil {
		return nil, fmt.Errorf("no table named %s: %w", name, err)
	}
	for _, f := range dir {
		if strings.EqualFold(f.name, name) {
			return c.byPath(f.path, f.name, "data directory", f.dir), nil
		}
	}
	var names []string
	list, _ := c.list()
	for _, t := range list {
		names = append(names, t.Name)
	}
	hint := ""
	if c.dataDir == "" && len(names) == 0 {
		hint = " (no tables are registered: query a file by path, FROM 'file.rec', or start with a data directory)"
	}
	return nil, fmt.Errorf("no table named %s%s%s", name, suggest(name, names), hint)
}

// byPath returns the entry for a file given by path, creating it once
// (and evicting the least recently used entry beyond maxPathEntries).
func (c *Catalog) byPath(path, name, origin string, dir bool) *tableEntry {
	clean := filepath.Clean(path)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.clock++
	if e, ok := c.paths[clean]; ok {
		e.used = c.clock
		return e
	}
	if len(c.paths) >= maxPathEntries {
		c.evictLocked()
	}
	if name == "" {
		name = path
	}
	e := &tableEntry{name: name, path: path, origin: origin, used: c.clock, dir: dir, columns: c.columns}
	c.paths[clean] = e
	return e
}

// evictLocked drops the least recently used path entry. A query still
// reading it keeps its table and mapping (the mapping closes when the
// query releases it).
func (c *Catalog) evictLocked() {
	var oldest string
	var at int64 = -1
	for k, e := range c.paths {
		if at < 0 || e.used < at {
			oldest, at = k, e.used
		}
	}
	if at >= 0 {
		c.paths[oldest].close()
		delete(c.paths, oldest)
	}
}

// TableInfo is one line of SHOW TABLES.
type TableInfo struct {
	Name, Path, Origin string
}

// list returns every known table, sorted by name. When the data directory
// cannot be read it returns the other tables and the error.
func (c *Catalog) list() ([]TableInfo, error) {
	c.mu.Lock()
	var out []TableInfo
	seen := map[string]bool{}
	for k, e := range c.tables {
		out = append(out, TableInfo{Name: e.name, Path: e.path, Origin: e.origin})
		seen[k] = true
	}
	c.mu.Unlock()
	dir, err := c.dirTables()
	for _, f := range dir {
		if !seen[strings.ToLower(f.name)] {
			out = append(out, TableInfo{Name: f.name, Path: f.path, Origin: "data directory"})
			seen[strings.ToLower(f.name)] = true
		}
	}
	for _, v := range c.listViews() {
		if !seen[strings.ToLower(v.name)] {
			out = append(out, TableInfo{Name: v.name, Path: v.path, Origin: "view (" + v.origin + ")"})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}

type dirTable struct {
	name, path string
	dir        bool // a sub-directory: a table of its files
}

// dirTables lists the data directory's tables: .rec files and raw files
// with a sidecar. The listing is cached until the directory's modification
// time changes (adding, removing or renaming a file changes it).
func (c *Catalog) dirTables() ([]dirTable, error) {
	if c.dataDir == "" {
		return nil, nil
	}
	st, err := os.Stat(c.dataDir)
	if err != nil {
		return nil, dataDirError(c.dataDir, err)
	}
	c.mu.Lock()
	if c.dir.valid && c.dir.mtime.Equal(st.ModTime()) {
		tables := c.dir.tables
		c.mu.Unlock()
		return tables, nil
	}
	c.mu.Unlock()
	tables, err := listDir(c.dataDir)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.dir = dirListing{mtime: st.ModTime(), tables: tables, valid: true}
	c.mu.Unlock()
	return tables, nil
}

// dataDirError says why the data directory cannot be used.
func dataDirError(dir string, err error) error {
	hint := ""
	if errors.Is(err, fs.ErrPermission) {
		hint = " (check the directory's permissions: recq needs to list it)"
	}
	return fmt.Errorf("cannot read the data directory %s: %v%s", dir, unwrapPath(err), hint)
}

// listDir reads a data directory's tables.
func listDir(dataDir string) ([]dirTable, error) {
	ents, err := readDir(dataDir)
	if err != nil {
		return nil, dataDirError(dataDir, err)
	}
	have := map[string]bool{}
	for _, e := range ents {
		have[e.Name()] = true
	}
	var out []dirTable
	taken := map[string]bool{}
	for _, e := range ents {
		n := e.Name()
		if e.IsDir() || strings.HasPrefix(n, ".") || strings.HasSuffix(n, SidecarSuffix) || strings.HasSuffix(n, storage.IndexSuffix) {
			continue
		}
		// A compressed file (lineitem.txt.gz) is a table like the file
		// it was compressed from, with that file's sidecar or its own.
		stem, _ := storage.TrimCompressionExt(n)
		if !strings.HasSuffix(stem, ".rec") && !have[n+SidecarSuffix] && !have[stem+SidecarSuffix] {
			continue
		}
		// lineitem.rec is lineitem; a second file with the same stem
		// (lineitem.txt) keeps its extension: lineitem_txt.
		name := strings.TrimSuffix(stem, filepath.Ext(stem))
		if taken[strings.ToLower(name)] {
			name = strings.ReplaceAll(n, ".", "_")
		}
		taken[strings.ToLower(name)] = true
		out = append(out, dirTable{name: name, path: filepath.Join(dataDir, n)})
	}
	// A sub-directory holding a table's files is a table of them, named
	// after it (after the files: a clash gives it a _dir suffix).
	for _, e := range ents {
		n := e.Name()
		if !e.IsDir() || strings.HasPrefix(n, ".") || !dirIsTable(filepath.Join(dataDir, n)) {
			continue
		}
		name := n
		if taken[strings.ToLower(name)] {
			name += "_dir"
		}
		taken[strings.ToLower(name)] = true
		out = append(out, dirTable{name: name, path: filepath.Join(dataDir, n), dir: true})
	}
	return out, nil
}

// dirIsTable reports whether a sub-directory of the data directory holds
// a table's files: it has a .schema, or its first data file (in path
// order) is a .rec file or has a sidecar. Other directories (scripts,
// documents) are not tables.
func dirIsTable(dir string) bool {
	if st, err := os.Stat(filepath.Join(dir, DirSchemaName)); err == nil && st.Mode().IsRegular() {
		return true
	}
	found := false
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() {
			if p != dir && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || skipSetFile(d.Name()) {
			return nil
		}
		found = storage.IsRecFile(p) || hasSidecar(p)
		return fs.SkipAll
	})
	return found
}

// open returns the entry's opened table, reopening it when the file
// changed since it was last opened.
func (e *tableEntry) open(opts OpenTableOptions) (*storage.Table, error) {
	st, err := os.Stat(e.path)
	if err != nil {
		return nil, &storage.FileError{Path: e.path, Record: -1, Offset: -1, Msg: "cannot open table " + e.name, Err: unwrapPath(err)}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.table != nil && e.size == st.Size() && e.mtime.Equal(st.ModTime()) {
		return e.table, nil
	}
	var t *storage.Table
	sidecarName := ""
	if e.layout != nil {
		raw := e.layout.Raw
		raw.IgnorePartial = raw.IgnorePartial || opts.IgnorePartial
		t, err = storage.OpenRaw(e.path, e.layout.Schema, raw)
	} else {
		var l *Layout
		t, l, err = openTable(e.path, opts)
		if l != nil && opts.Schema == "" {
			sidecarName = l.Name
		}
	}
	if err != nil {
		return nil, err
	}
	e.sidecarName = sidecarName
	e.dropSourceLocked()
	e.table, e.size, e.mtime = t, st.Size(), st.ModTime()
	return t, nil
}

func unwrapPath(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// mappedSource returns a cached mmap source of the file (opening it on
// first use), the store of columns copied out of it (nil when the
// catalog caches none), and a function to call when the query is done
// with them.
func (e *tableEntry) mappedSource(pattern storage.Pattern) (storage.Source, *scan.ColumnStore, func(), error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.src == nil {
		src, err := storage.OpenSource(e.path, storage.Mmap, pattern)
		if err != nil {
			return nil, nil, nil, err
		}
		e.src = &sharedSource{src: src}
		if e.columns != nil {
			e.src.cols = scan.NewColumnStore(e.columns)
		}
	}
	s := e.src
	s.refs++
	return s.src, s.cols, func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		s.refs--
		if s.stale && s.refs == 0 {
			s.close()
		}
	}, nil
}

// sidecar returns the table name of the sidecar the entry was last opened
// with, or "".
func (e *tableEntry) sidecar() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.sidecarName
}

// hasMapping reports whether a cached mapping of the file is open.
func (e *tableEntry) hasMapping() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.src != nil
}

// dropSourceLocked retires the cached source; it closes when unused.
func (e *tableEntry) dropSourceLocked() {
	if e.src != nil {
		e.src.stale = true
		if e.src.refs == 0 {
			e.src.close()
		}
		e.src = nil
	}
}

// close releases the entry's cached resources.
func (e *tableEntry) close() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.dropSourceLocked()
	e.table = nil
}

// closeAll releases every cached source.
func (c *Catalog) closeAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.tables {
		e.close()
	}
	for _, e := range c.paths {
		e.close()
	}
}
