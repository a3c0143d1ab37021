package query

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/storage"
)

// multiSchema is the layout of the generated multi-file tables.
func multiSchema(t testing.TB, extra bool) *storage.Schema {
	fields := []storage.Field{
		{Name: "id", Type: storage.TInt64, Offset: storage.Implicit},
		{Name: "grp", Type: storage.TInt32, Offset: storage.Implicit},
		{Name: "name", Type: storage.TChar(8), Offset: storage.Implicit, Nullable: true},
	}
	if extra {
		fields[1].Type = storage.TInt64 // a different layout
	}
	s, err := storage.NewSchema(fields, storage.SchemaOptions{NullBitmap: storage.Implicit})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// writeMultiRec writes records [from, to) of the generated table.
func writeMultiRec(t testing.TB, path string, s *storage.Schema, from, to int) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	w, err := storage.Create(path, s, storage.WriterOptions{RecordsPerBlock: 4, ExpectedRecords: int64(to - from)})
	if err != nil {
		t.Fatal(err)
	}
	for i := from; i < to; i++ {
		var name any
		if i%5 != 0 {
			name = fmt.Sprintf("n%d", i%13)
		}
		if err := w.Append(int64(i), int64(i/10), name); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// multiFixture writes the same 100 records as one file (all.rec) and as
// files of 0 to 23 records under hive directories (parts/region=.../),
// and returns the directory.
func multiFixture(t *testing.T) string {
	dir := t.TempDir()
	s := multiSchema(t, false)
	writeMultiRec(t, filepath.Join(dir, "all.rec"), s, 0, 100)
	cuts := []int{0, 7, 7, 30, 31, 54, 77, 80, 100} // one empty file, one of one record
	for i := 0; i+1 < len(cuts); i++ {
		region := []string{"east", "west"}[min(i/4, 1)]
		writeMultiRec(t, filepath.Join(dir, "parts", "region="+region, fmt.Sprintf("part-%02d.rec", i)), s, cuts[i], cuts[i+1])
	}
	return dir
}

// TestMultiFileAgreesWithConcatenation runs queries on the files as one
// table and on their concatenation, under several worker counts and
// batch sizes: the answers must be the same, row order included where
// the query keeps file order.
func TestMultiFileAgreesWithConcatenation(t *testing.T) {
	dir := multiFixture(t)
	parts := filepath.Join(dir, "parts")
	queries := []string{
		"SELECT id, grp, name FROM %s",
		"SELECT id, name, _rowid FROM %s",
		"SELECT count(*), sum(id), min(name), max(grp) FROM %s",
		"SELECT id, _rowid FROM %s WHERE id BETWEEN 20 AND 33",
		"SELECT id FROM %s WHERE grp = 5",
		"SELECT id, name FROM %s LIMIT 9",
		"SELECT id FROM %s WHERE name = 'n3' LIMIT 3",
		"SELECT _rowid, id FROM %s WHERE _rowid IN (0, 6, 7, 30, 99, 100)",
		"SELECT grp, count(*) FROM %s GROUP BY grp ORDER BY grp",
		"SELECT id FROM %s ORDER BY name DESC NULLS LAST, id LIMIT 5",
		"SELECT count(*) FROM %s USING SAMPLE 100%%",
	}
	forms := []string{"'" + parts + "'", "'" + parts + "/**/*.rec'", "'" + parts + "/region=*/part-*.rec'"}
	for _, cfg := range []Settings{
		{Workers: 1, BatchSize: 7, IO: storage.Mmap},
		{Workers: 2, BatchSize: 16384, IO: storage.Auto},
		{Workers: 3, BatchSize: 5, IO: storage.Buffered},
		{Workers: 8, BatchSize: 1, IO: storage.Mmap},
	} {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		eng, err := Open(Options{Settings: cfg, Allocator: mem})
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range queries {
			want := queryRows(t, eng, fmt.Sprintf(q, "'"+filepath.Join(dir, "all.rec")+"'"))
			for _, form := range forms {
				got := queryRows(t, eng, fmt.Sprintf(q, form))
				if !slices.Equal(got, want) {
					t.Errorf("workers=%d batch=%d: %s: %s", cfg.Workers, cfg.BatchSize, fmt.Sprintf(q, form), firstDiff(got, want))
				}
			}
		}
		eng.Close()
		mem.AssertSize(t, 0)
	}
}

// TestMultiFilePartitions checks hive partition columns, the filename
// column and file pruning: EXPLAIN says how many files were pruned and
// EXPLAIN ANALYZE how many were opened.
func TestMultiFilePartitions(t *testing.T) {
	dir := multiFixture(t)
	parts := "'" + filepath.Join(dir, "parts") + "'"
	eng, err := Open(Options{Settings: Settings{Workers: 2}})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	cases := []struct {
		sql  string
		want []string
	}{
		{"SELECT region, count(*), min(_rowid), max(_rowid) FROM %s GROUP BY region ORDER BY region", []string{"east | 31 | 0 | 30", "west | 69 | 31 | 99"}},
		{"SELECT id, _rowid FROM %s WHERE region = 'west' AND id < 33", []string{"31 | 31", "32 | 32"}},
		{"SELECT count(*) FROM %s WHERE region IN ('north', 'south')", []string{"0"}},
		{"SELECT count(*) FROM %s WHERE filename LIKE '%%part-02.rec'", []string{"23"}},
		{"SELECT DISTINCT region FROM %s WHERE region > 'f' OR id = 0 ORDER BY 1", []string{"east", "west"}},
	}
	for _, c := range cases {
		sql := fmt.Sprintf(c.sql, parts)
		if got := queryRows(t, eng, sql); !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", sql, got, c.want)
		}
	}
	explain := strings.Join(queryRows(t, eng, "EXPLAIN SELECT id FROM "+parts+" WHERE region = 'west'"), "\n")
	if !strings.Contains(explain, "files 8, 4 pruned by [region = 'west']") || !strings.Contains(explain, "4 of 8 files, 4 pruned") {
		t.Errorf("EXPLAIN does not show the pruning:\n%s", explain)
	}
	analyze := strings.Join(queryRows(t, eng, "EXPLAIN ANALYZE SELECT id FROM "+parts+" WHERE region = 'west'"), "\n")
	if !strings.Contains(analyze, "4 files opened") {
		t.Errorf("EXPLAIN ANALYZE does not show 4 files opened:\n%s", analyze)
	}
	// An ordered LIMIT satisfied by the first file opens no other.
	analyze = strings.Join(queryRows(t, eng, "EXPLAIN ANALYZE SELECT id FROM "+parts+" LIMIT 3"), "\n")
	if !strings.Contains(analyze, "1 files opened") {
		t.Errorf("LIMIT 3 opened more than the first file:\n%s", analyze)
	}
}

// TestMultiFileHostile: a file of another layout, partition directories
// that differ, a bad text value: each error names the file (and the
// record and offset where there is one).
func TestMultiFileHostile(t *testing.T) {
	dir := multiFixture(t)
	parts := filepath.Join(dir, "parts")
	odd := filepath.Join(parts, "region=west", "part-09.rec")
	writeMultiRec(t, odd, multiSchema(t, true), 0, 3)
	eng, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	_, err = classify(eng, "SELECT count(*) FROM '"+parts+"'")
	if !errors.Is(err, storage.ErrSchema) || !strings.Contains(err.Error(), odd) || !strings.Contains(err.Error(), "field grp is INT64 NOT NULL, not INT32 NOT NULL") {
		t.Errorf("a file of another layout: %v, want a schema error naming %s and field grp", err, odd)
	}
	// Only the files the query reads are checked: pruned, it is fine.
	if got := queryRows(t, eng, "SELECT count(*) FROM '"+parts+"' WHERE region = 'east'"); !slices.Equal(got, []string{"31"}) {
		t.Errorf("east only: %v", got)
	}
	if err := os.Remove(odd); err != nil {
		t.Fatal(err)
	}
	stray := filepath.Join(parts, "stray.rec")
	writeMultiRec(t, stray, multiSchema(t, false), 0, 1)
	_, err = classify(eng, "SELECT count(*) FROM '"+parts+"'")
	if !errors.Is(err, storage.ErrSchema) || !strings.Contains(err.Error(), stray) || !strings.Contains(err.Error(), "partition directories") {
		t.Errorf("a file outside the partition directories: %v, want an error naming %s", err, stray)
	}

	// A bad value in the third text file: the error names that file, its
	// record and offset.
	tdir := t.TempDir()
	if err := os.WriteFile(filepath.Join(tdir, DirSchemaName), []byte("CREATE TABLE t (n INT32 POSITION(1:3)) WITH (format = 'text')"), 0o644); err != nil {
		t.Fatal(err)
	}
	for i, body := range []string{"  1\n  2\n", "  3\n", "  4\n  5\nxx6\n"} {
		if err := os.WriteFile(filepath.Join(tdir, fmt.Sprintf("f%d.txt", i)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, err = classify(eng, "SELECT sum(n) FROM '"+tdir+"/*.txt'")
	bad := filepath.Join(tdir, "f2.txt")
	if err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "record 3") || !strings.Contains(err.Error(), "offset 8") {
		t.Errorf("a bad value in %s: %v, want an error naming the file, record 3 and offset 8", bad, err)
	}
}

// TestMultiFileDescriptorBound reads 3,000 files with the open-file limit
// lowered to 256: files are opened lazily and closed when done, so the
// scan never holds more than a bounded number open.
func TestMultiFileDescriptorBound(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 3,000 files; skipped under -short")
	}
	dir := t.TempDir()
	s := multiSchema(t, false)
	const files = 3000
	for i := range files {
		writeMultiRec(t, filepath.Join(dir, fmt.Sprintf("d%d", i%10), fmt.Sprintf("f%04d.rec", i)), s, i*2, i*2+2)
	}
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	low := old
	low.Cur = 256
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Skipf("cannot lower the open-file limit: %v", err)
	}
	defer syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old)
	before := openDescriptors(t)
	for _, workers := range []int{1, 4} {
		for _, io := range []storage.Strategy{storage.Mmap, storage.Buffered} {
			eng, err := Open(Options{Settings: Settings{Workers: workers, IO: io}})
			if err != nil {
				t.Fatal(err)
			}
			want := fmt.Sprintf("%d | %d | %d", files*2, (files*2-1)*files, files*2-1)
			for _, form := range []string{"'" + dir + "'", "'" + dir + "/**/f*.rec'"} {
				got := queryRows(t, eng, "SELECT count(*), sum(id), max(_rowid) FROM "+form)
				if !slices.Equal(got, []string{want}) {
					t.Errorf("workers=%d io=%s %s: got %v, want %s", workers, io, form, got, want)
				}
			}
			res, err := eng.Query(context.Background(), "SELECT id FROM '"+dir+"' LIMIT 5")
			if err != nil {
				t.Fatal(err)
			}
			if rows := renderRows(res); len(rows) != 5 {
				t.Errorf("LIMIT 5: %d rows", len(rows))
			}
			if err := res.Close(); err != nil {
				t.Fatal(err)
			}
			eng.Close()
		}
	}
	if after := openDescriptors(t); after > before {
		t.Errorf("%d descriptors open after the queries, %d before", after, before)
	}
}

// openDescriptors counts the process's open file descriptors.
func openDescriptors(t *testing.T) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot count descriptors: %v", err)
	}
	return len(ents)
}

// firstDiff describes where two row lists first differ.
func firstDiff(got, want []string) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("row %d is %q, want %q", i, got[i], want[i])
		}
	}
	return fmt.Sprintf("%d rows, want %d", len(got), len(want))
}

// TestMultiFileDataDirectory: a sub-directory of the data directory that
// holds a table's files is a table named after it; other directories
// are not tables.
func TestMultiFileDataDirectory(t *testing.T) {
	dir := multiFixture(t)
	if err := os.MkdirAll(filepath.Join(dir, "notes"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes", "readme.md"), []byte("not data\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	eng, err := Open(Options{DataDir: dir, Settings: Settings{Workers: 2}})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	cases := []struct {
		sql  string
		want []string
	}{
		{"SHOW TABLES", []string{"all | " + filepath.Join(dir, "all.rec") + " | data directory", "parts | " + filepath.Join(dir, "parts") + " | data directory"}},
		{"SELECT count(*), sum(id) FROM parts WHERE region = 'east'", []string{"31 | 465"}},
		{`SELECT count(*) FROM parts p JOIN "all" a ON p._rowid = a._rowid AND p.id = a.id`, []string{"100"}},
	}
	for _, c := range cases {
		if got := queryRows(t, eng, c.sql); !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.sql, got, c.want)
		}
	}
	got := queryRows(t, eng, "DESCRIBE parts")
	if len(got) != 4 || !strings.HasPrefix(got[3], "region | VARCHAR | NO") {
		t.Errorf("DESCRIBE parts: %v, want the three fields and region", got)
	}
	if _, err := classify(eng, "SELECT * FROM notes"); err == nil || !strings.Contains(err.Error(), "no table named notes") {
		t.Errorf("a directory of documents: %v, want no table named notes", err)
	}
}

// TestMultiFileLayoutSources: the files of a set take their layout from
// their own sidecar first, else from the nearest .schema (read once per
// set, however many files share it); two directories whose .schema files
// differ make an error naming the file whose layout differs; and an
// unreadable file among thousands still gets its own message.
func TestMultiFileLayoutSources(t *testing.T) {
	eng, _ := testEngine(t, Settings{Workers: 2})
	dir := t.TempDir()
	write := func(rel, body string) {
		t.Helper()
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(DirSchemaName, "CREATE TABLE t (n INT32 POSITION(1:3)) WITH (format = 'text')")
	for i := range 40 {
		write(fmt.Sprintf("a/f%02d.txt", i), fmt.Sprintf("%3d\n%3d\n", i, 100+i))
	}
	// A file with a sidecar of its own uses it (the layout must still be
	// the set's).
	write("a/g.txt", "  7\n")
	write("a/g.txt.schema", "CREATE TABLE g (n INT32 POSITION(1:3)) WITH (format = 'text')")
	if got := queryRows(t, eng, "SELECT count(*), sum(n) FROM '"+dir+"/a'"); !slices.Equal(got, []string{fmt.Sprintf("81 | %d", 780+40*100+780+7)}) {
		t.Errorf("directory of 41 files: %v", got)
	}
	// A sub-directory with a .schema of its own, of a different layout.
	write("a/b/.schema", "CREATE TABLE t (n INT64 POSITION(1:3)) WITH (format = 'text')")
	write("a/b/h.txt", "  1\n")
	_, err := classify(eng, "SELECT count(*) FROM '"+dir+"/a'")
	if !errors.Is(err, storage.ErrSchema) || !strings.Contains(err.Error(), filepath.Join(dir, "a", "b", "h.txt")) {
		t.Errorf("a sub-directory of another layout: %v, want an error naming a/b/h.txt", err)
	}
	if err := os.RemoveAll(filepath.Join(dir, "a", "b")); err != nil {
		t.Fatal(err)
	}
	// A small .rec file among the text files is known by its bytes (read
	// whole when opened raw): its layout differs.
	rec := filepath.Join(dir, "a", "r.txt")
	writeMultiRec(t, rec, multiSchema(t, false), 0, 3)
	_, err = classify(eng, "SELECT count(*) FROM '"+dir+"/a'")
	if !errors.Is(err, storage.ErrSchema) || !strings.Contains(err.Error(), rec) || !strings.Contains(err.Error(), "rec file") {
		t.Errorf("a .rec file among text files: %v, want an error naming it as a rec file", err)
	}
	if err := os.Remove(rec); err != nil {
		t.Fatal(err)
	}
	// A named pipe matched by a glob is not a data file: it is skipped,
	// never opened (opening it would block).
	write("c/f1.txt", "  1\n")
	if err := syscall.Mkfifo(filepath.Join(dir, "c", "f2.txt"), 0o644); err != nil {
		t.Skipf("cannot make a named pipe: %v", err)
	}
	if got := queryRows(t, eng, "SELECT count(*), sum(n) FROM '"+dir+"/c/*.txt'"); !slices.Equal(got, []string{"1 | 1"}) {
		t.Errorf("a glob matching a named pipe: %v", got)
	}
}
