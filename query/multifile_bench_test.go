package query

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/recq/recq/storage"
)

// manyFilesLayout is the fixed-width text layout of BenchmarkManySmallFiles:
// 80-byte lines (79 characters and a line feed).
const manyFilesLayout = `CREATE TABLE t (
    id     BIGINT        POSITION(1:12),
    grp    INT           POSITION(13:20),
    amount DECIMAL(12,2) POSITION(21:32),
    name   CHAR(47)      POSITION(33:79)
) WITH (format = 'text')
`

// manyFilesFixture writes, once per file count into the temporary
// directory, the same lines as files of 10 KB (128 lines each) under
// many/ with one .schema for the directory, and as one file one/all.txt
// with its sidecar. It returns both paths. Every file is then evicted and
// read once, so the page cache holds them as a user's files are held
// (see docs/benchmarks.md on page-cache folios).
func manyFilesFixture(b *testing.B, files int) (many, one string) {
	root := filepath.Join(os.TempDir(), fmt.Sprintf("recq-bench-many-%d", files))
	many, one = filepath.Join(root, "many"), filepath.Join(root, "one", "all.txt")
	done := filepath.Join(root, "complete")
	if _, err := os.Stat(done); err != nil {
		os.RemoveAll(root)
		writeManyFiles(b, many, one, files)
		if err := os.WriteFile(done, nil, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	paths := []string{one}
	ents, err := os.ReadDir(many)
	if err != nil {
		b.Fatal(err)
	}
	for _, e := range ents {
		paths = append(paths, filepath.Join(many, e.Name()))
	}
	for _, p := range paths {
		if err := storage.DropCache(p); err != nil {
			b.Fatal(err)
		}
		if _, err := os.ReadFile(p); err != nil {
			b.Fatal(err)
		}
	}
	return many, one
}

func writeManyFiles(b *testing.B, many, one string, files int) {
	const linesPerFile = 128
	for _, d := range []string{many, filepath.Dir(one)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			b.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(many, ".schema"), []byte(manyFilesLayout), 0o644); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(one+".schema", []byte(manyFilesLayout), 0o644); err != nil {
		b.Fatal(err)
	}
	all, err := os.Create(one)
	if err != nil {
		b.Fatal(err)
	}
	defer all.Close()
	var buf bytes.Buffer
	id := 0
	for f := range files {
		buf.Reset()
		for range linesPerFile {
			fmt.Fprintf(&buf, "%12d%8d%12s%-47s\n", id, id%97, strconv.FormatFloat(float64(id%100000)/100, 'f', 2, 64), fmt.Sprintf("name %d", id%1013))
			id++
		}
		if err := os.WriteFile(filepath.Join(many, fmt.Sprintf("part-%05d.txt", f)), buf.Bytes(), 0o644); err != nil {
			b.Fatal(err)
		}
		if _, err := all.Write(buf.Bytes()); err != nil {
			b.Fatal(err)
		}
	}
	if err := all.Close(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkManySmallFiles scans 10,000 text files of 10 KB as one table
// (a directory in FROM) and the same bytes as one file, in the same
// iteration, and reports the throughput of the many files as a fraction of
// the one file's (files_throughput_vs_one; target at least 0.5), and the
// same ratio of the CPU time they took (cpu_files_vs_one, steadier on a
// busy machine).
// RECQ_MANY_FILES sets another file count.
func BenchmarkManySmallFiles(b *testing.B) {
	files := 10_000
	if n, err := strconv.Atoi(os.Getenv("RECQ_MANY_FILES")); err == nil && n > 0 {
		files = n
	}
	many, one := manyFilesFixture(b, files)
	eng, err := Open(Options{Settings: Settings{Workers: 2}})
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Close()
	query := func(from string) string {
		return "SELECT count(*), sum(amount), max(id), min(name) FROM '" + from + "'"
	}
	want := queryRows(b, eng, query(one))
	if got := queryRows(b, eng, query(many)); fmt.Sprint(got) != fmt.Sprint(want) {
		b.Fatalf("the directory gives %v, the one file %v", got, want)
	}
	var tMany, tOne, cMany, cOne time.Duration
	for i := 0; i < b.N; i++ {
		start, cpu := time.Now(), processCPU()
		queryRows(b, eng, query(many))
		tMany += time.Since(start)
		cMany += processCPU() - cpu
		start, cpu = time.Now(), processCPU()
		queryRows(b, eng, query(one))
		tOne += time.Since(start)
		cOne += processCPU() - cpu
	}
	n := float64(b.N)
	size := float64(files) * 128 * 80
	b.ReportMetric(tMany.Seconds()/n*1e3, "many_ms")
	b.ReportMetric(tOne.Seconds()/n*1e3, "one_ms")
	b.ReportMetric(size/(tMany.Seconds()/n)/1e6, "many_MB/s")
	b.ReportMetric(tOne.Seconds()/tMany.Seconds(), "files_throughput_vs_one")
	b.ReportMetric(cOne.Seconds()/cMany.Seconds(), "cpu_files_vs_one")
}
