package query

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/recq/recq/storage"
)

// compressedShape is one way the lineitem test data is stored.
type compressedShape struct {
	name string
	file string                              // the file name in the data directory
	src  string                              // the testdata file it is made from
	make func(t *testing.T, b []byte) []byte // nil: copied as is
}

// cutParts cuts b into n parts at arbitrary bytes (members and frames
// need not end at records).
func cutParts(b []byte, n int) [][]byte {
	var out [][]byte
	for i := range n {
		out = append(out, b[len(b)*i/n:len(b)*(i+1)/n])
	}
	return out
}

func gzipMembers(n int) func(t *testing.T, b []byte) []byte {
	return func(t *testing.T, b []byte) []byte {
		var out bytes.Buffer
		for _, p := range cutParts(b, n) {
			w := gzip.NewWriter(&out)
			w.Write(p)
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
		}
		return out.Bytes()
	}
}

func zstdFrames(n int) func(t *testing.T, b []byte) []byte {
	return func(t *testing.T, b []byte) []byte {
		enc, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
		if err != nil {
			t.Fatal(err)
		}
		defer enc.Close()
		var out []byte
		for _, p := range cutParts(b, n) {
			out = enc.EncodeAll(p, out)
		}
		return out
	}
}

// compressedShapes are the shapes TestCompressedGolden runs its queries
// over. The bzip2 files are committed (the standard library has no bzip2
// writer); the second holds two bzip2 streams, as pbzip2 writes.
var compressedShapes = []compressedShape{
	{"plain text", "lineitem.txt", "lineitem.txt", nil},
	{"gzip text", "lineitem.txt.gz", "lineitem.txt", gzipMembers(1)},
	{"gzip text, 5 members", "lineitem.txt.gz", "lineitem.txt", gzipMembers(5)},
	{"zstd text", "lineitem.txt.zst", "lineitem.txt", zstdFrames(1)},
	{"zstd text, 4 frames", "lineitem.txt.zst", "lineitem.txt", zstdFrames(4)},
	{"bzip2 text", "lineitem.txt.bz2", "compressed/lineitem.txt.bz2", nil},
	{"bzip2 text, 2 streams", "lineitem.txt.bz2", "compressed/lineitem_multi.txt.bz2", nil},
	{"gzip text without a telling name", "lineitem.txt", "lineitem.txt", gzipMembers(2)},
	{"plain rec", "lineitem.rec", "lineitem.rec", nil},
	{"gzip rec, 3 members", "lineitem.rec.gz", "lineitem.rec", gzipMembers(3)},
	{"zstd rec", "lineitem.rec.zst", "lineitem.rec", zstdFrames(1)},
	{"bzip2 rec", "lineitem.rec.bz2", "compressed/lineitem.rec.bz2", nil},
}

// compressedDataDir makes a data directory holding the shape's file (and
// the text layout's sidecar, under the uncompressed file's name).
func compressedDataDir(t *testing.T, sh compressedShape) string {
	dir := t.TempDir()
	b, err := os.ReadFile(filepath.Join("../testdata", sh.src))
	if err != nil {
		t.Fatal(err)
	}
	if sh.make != nil {
		b = sh.make(t, b)
	}
	if err := os.WriteFile(filepath.Join(dir, sh.file), b, 0o644); err != nil {
		t.Fatal(err)
	}
	side, err := os.ReadFile("../testdata/lineitem.txt.schema")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "lineitem.txt.schema"), side, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestCompressedGolden runs testdata/compressed/lineitem.test over the
// same data plain, gzip-, zstd- and bzip2-compressed (one stream or
// several), as text and as .rec, under every golden configuration: all
// must give the file's answers.
func TestCompressedGolden(t *testing.T) {
	checkGoroutines(t)
	const file = "../testdata/compressed/lineitem.test"
	recs := parseGolden(t, file)
	for si, sh := range compressedShapes {
		dir := compressedDataDir(t, sh)
		storage.ForgetIndexes()
		for ci, cfg := range goldenConfigs {
			if testing.Short() && ci > 2 {
				break
			}
			t.Run(sh.name+"/"+cfg.name, func(t *testing.T) {
				mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
				eng, err := Open(Options{DataDir: dir, Settings: cfg.settings, Allocator: mem})
				if err != nil {
					t.Fatal(err)
				}
				tmp := t.TempDir()
				for i := range recs {
					r := &recs[i]
					got, err := runGolden(eng, r, tmp)
					if err != nil {
						t.Fatalf("line %d: %s: %v", r.line, r.sql, err)
					}
					if r.rowsort {
						slices.Sort(got)
					}
					if *rewriteGolden && si == 0 && ci == 0 {
						r.want = got
					} else if !slices.Equal(got, r.want) {
						t.Errorf("line %d: %s:\ngot\n%s\nwant\n%s", r.line, r.sql, strings.Join(got, "\n"), strings.Join(r.want, "\n"))
					}
				}
				eng.Close()
				mem.AssertSize(t, 0)
			})
			if *rewriteGolden && si == 0 && ci == 0 {
				writeGolden(t, file, recs)
			}
		}
	}
}

// TestCompressedByPath queries compressed files by path, describes them,
// and checks what describe, DESCRIBE and EXPLAIN ANALYZE say.
func TestCompressedByPath(t *testing.T) {
	checkGoroutines(t)
	sh := compressedShapes[2] // gzip, 5 members
	dir := compressedDataDir(t, sh)
	path := filepath.Join(dir, sh.file)
	storage.ForgetIndexes()
	d, err := DescribeFile(path, OpenTableOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c := d.Table.Compression; c == nil || c.Format != storage.Gzip || c.SeekPoints != 5 || c.Index != storage.IndexWritten {
		t.Fatalf("describe: compression %+v", c)
	}
	if _, err := os.Stat(path + storage.IndexSuffix); err != nil {
		t.Fatalf("no index beside the file: %v", err)
	}
	eng, err := Open(Options{Settings: Settings{Workers: 2}})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	for _, tc := range []struct{ sql, want string }{
		{fmt.Sprintf("SELECT count(*), max(_rowid) FROM '%s' WHERE l_quantity >= 0", path), "2000 | 1999"},
		{fmt.Sprintf("DESCRIBE '%s'", path), "l_orderkey"},
	} {
		res, err := eng.Query(context.Background(), tc.sql)
		if err != nil {
			t.Fatal(err)
		}
		rows := renderRows(res)
		res.Close()
		if len(rows) == 0 || !strings.HasPrefix(rows[0], tc.want) {
			t.Errorf("%s: %v", tc.sql, rows)
		}
	}
	res, err := eng.Query(context.Background(), fmt.Sprintf("DESCRIBE '%s'", path))
	if err != nil {
		t.Fatal(err)
	}
	renderRows(res)
	res.Close()
	if msg := res.Message; !strings.Contains(msg, "gzip") || !strings.Contains(msg, "5 members") {
		t.Errorf("DESCRIBE message %q does not give the compression", msg)
	}
	res, err = eng.Query(context.Background(), fmt.Sprintf("EXPLAIN ANALYZE SELECT sum(l_quantity) FROM '%s'", path))
	if err != nil {
		t.Fatal(err)
	}
	plan := strings.Join(renderRows(res), "\n")
	res.Close()
	res, err = eng.Query(context.Background(), fmt.Sprintf("SELECT sum(l_quantity) FROM '%s'", path))
	if err != nil {
		t.Fatal(err)
	}
	renderRows(res)
	st, _ := os.Stat(path)
	// Progress counts compressed bytes, against the file's size.
	if done, total, records := res.Progress(); total != st.Size() || done != total || records != 2000 {
		t.Errorf("progress %d of %d bytes, %d records; want %d of %d, 2000", done, total, records, st.Size(), st.Size())
	}
	res.Close()
	if !strings.Contains(plan, "compression: gzip") || !strings.Contains(plan, "compressed bytes read: ") || !strings.Contains(plan, "(text, gzip, 2000 records)") {
		t.Errorf("EXPLAIN ANALYZE does not give the compression:\n%s", plan)
	}
}

// TestCompressedCLITools checks, where the gzip, zstd and bzip2 tools are
// installed, that files they write read like the ones the tests write.
func TestCompressedCLITools(t *testing.T) {
	dir := t.TempDir()
	plain, err := os.ReadFile("../testdata/lineitem.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, tool := range [][]string{{"gzip", "-c"}, {"zstd", "-q", "-c"}, {"bzip2", "-c"}} {
		if _, err := exec.LookPath(tool[0]); err != nil {
			continue
		}
		cmd := exec.Command(tool[0], tool[1:]...)
		cmd.Stdin = bytes.NewReader(plain)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: %v", tool[0], err)
		}
		path := filepath.Join(dir, "lineitem."+tool[0])
		os.WriteFile(path, out, 0o644)
		tab, err := OpenTable(path, OpenTableOptions{Schema: "../testdata/lineitem.txt.schema"})
		if err != nil {
			t.Fatalf("%s: %v", tool[0], err)
		}
		if tab.Layout.Count != 2000 || tab.Compression == nil {
			t.Errorf("%s: %d records, compression %v", tool[0], tab.Layout.Count, tab.Compression)
		}
	}
}
