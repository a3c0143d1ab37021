package query

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// denyRead makes openForRead and readDir fail with EACCES for the given
// paths, as they would for a user without read permission (the tests may
// run as root, which reads everything; chmod cannot simulate it there).
func denyRead(t *testing.T, paths ...string) {
	t.Helper()
	deny := map[string]bool{}
	for _, p := range paths {
		deny[filepath.Clean(p)] = true
	}
	oldOpen, oldReadDir := openForRead, readDir
	openForRead = func(name string) (*os.File, error) {
		if deny[filepath.Clean(name)] {
			return nil, &fs.PathError{Op: "open", Path: name, Err: syscall.EACCES}
		}
		return oldOpen(name)
	}
	readDir = func(name string) ([]os.DirEntry, error) {
		if deny[filepath.Clean(name)] {
			return nil, &fs.PathError{Op: "open", Path: name, Err: syscall.EACCES}
		}
		return oldReadDir(name)
	}
	t.Cleanup(func() { openForRead, readDir = oldOpen, oldReadDir })
}

// TestUnreadableFile: a .rec file without read permission is reported as
// such, with its path, not as "not a .rec file".
func TestUnreadableFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "li.rec")
	b, err := os.ReadFile("../testdata/lineitem.rec")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	denyRead(t, path)
	eng, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	_, err = eng.Query(context.Background(), fmt.Sprintf("SELECT count(*) FROM '%s'", path))
	if err == nil || !strings.Contains(err.Error(), "permission denied") || !strings.Contains(err.Error(), path) ||
		strings.Contains(err.Error(), "not a .rec file") {
		t.Fatalf("error %v, want permission denied naming %s", err, path)
	}
}

// TestUnreadableDataDir: a data directory that cannot be listed is an
// error naming it, at Open and later (SHOW TABLES, a lookup), not an
// empty catalog.
func TestUnreadableDataDir(t *testing.T) {
	dir := t.TempDir()
	denyRead(t, dir)
	if _, err := Open(Options{DataDir: dir}); err == nil || !strings.Contains(err.Error(), "permission denied") || !strings.Contains(err.Error(), dir) {
		t.Fatalf("Open: %v, want permission denied naming %s", err, dir)
	}
	// Readable at Open, unreadable later.
	readDir = os.ReadDir
	eng, err := Open(Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	denyRead(t, dir)
	if err := os.WriteFile(filepath.Join(dir, "x.rec"), nil, 0o600); err != nil { // changes the mtime
		t.Fatal(err)
	}
	for _, q := range []string{"SHOW TABLES", "SELECT * FROM lineitem"} {
		_, err := eng.Query(context.Background(), q)
		if err == nil || !strings.Contains(err.Error(), "permission denied") || !strings.Contains(err.Error(), dir) {
			t.Errorf("%s: %v, want permission denied naming %s", q, err, dir)
		}
	}
}

// TestDirListingCached: the data directory is listed once while it does
// not change, and again after a file is added.
func TestDirListingCached(t *testing.T) {
	dir := t.TempDir()
	b, err := os.ReadFile("../testdata/lineitem.rec")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "a.rec"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	reads := 0
	old := readDir
	readDir = func(name string) ([]os.DirEntry, error) { reads++; return old(name) }
	t.Cleanup(func() { readDir = old })
	c := newCatalog(dir)
	for range 5 {
		if _, err := c.lookup("a"); err != nil {
			t.Fatal(err)
		}
	}
	if reads != 1 {
		t.Errorf("directory read %d times for 5 lookups, want 1", reads)
	}
	if err := os.WriteFile(filepath.Join(dir, "b.rec"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := c.lookup("b"); err != nil {
		t.Fatalf("a file added later: %v", err)
	}
}

// TestPathCacheEvicts: files reached by path do not accumulate beyond
// maxPathEntries; the most recently used stay.
func TestPathCacheEvicts(t *testing.T) {
	c := newCatalog("")
	keep := c.byPath("keep.rec", "", "path", false)
	for i := range maxPathEntries * 2 {
		c.byPath(fmt.Sprintf("f%d.rec", i), "", "path", false)
		if i%10 == 0 {
			c.byPath("keep.rec", "", "path", false)
		}
	}
	if n := len(c.paths); n > maxPathEntries {
		t.Errorf("%d path entries cached, want at most %d", n, maxPathEntries)
	}
	if c.byPath("keep.rec", "", "path", false) != keep {
		t.Error("a recently used entry was evicted")
	}
}

// TestSidecarNameNoted: a data-directory table is named after its file;
// DESCRIBE says when the sidecar's CREATE TABLE gives another name.
func TestSidecarNameNoted(t *testing.T) {
	eng, err := Open(Options{DataDir: "../testdata"})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	for _, tc := range []struct{ table, want string }{
		{"lineitem_txt", "its sidecar's CREATE TABLE says lineitem; data-directory tables are named after their file"},
		{"people", ""},
	} {
		res, err := eng.Query(context.Background(), "DESCRIBE "+tc.table)
		if err != nil {
			t.Fatal(err)
		}
		for res.Next() {
		}
		res.Close()
		if got := strings.Contains(res.Message, "sidecar"); got != (tc.want != "") || !strings.Contains(res.Message, tc.want) {
			t.Errorf("DESCRIBE %s: message %q, want it to say %q", tc.table, res.Message, tc.want)
		}
	}
}
