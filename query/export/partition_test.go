package export

import (
	"bytes"
	"errors"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/ipc"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// partitionInput is a result whose first column names the partition:
// values that need escaping, an empty string, NULL and the text of the
// NULL marker, spread over batches so partitions interleave.
func partitionInput(t *testing.T, mem memory.Allocator) array.RecordReader {
	keys := []any{"a/b", "x y", "", nil, NullPartition, "a/b", "plain", "x y", nil, "ü", "a/b", "plain"}
	var ns, vs []any
	for i := range keys {
		ns = append(ns, int64(i))
		vs = append(vs, strings.Repeat("v", i+1))
	}
	fields := []arrow.Field{
		{Name: "k", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "n", Type: arrow.PrimitiveTypes.Int64},
		{Name: "v", Type: arrow.BinaryTypes.String},
	}
	return recReader(t, mem, fields, [][]any{keys, ns, vs}, 5)
}

// wantDirs are the partition directories of partitionInput, with the n
// values each holds.
var wantDirs = map[string][]int64{
	"k=a%2Fb":                        {0, 5, 10},
	"k=x%20y":                        {1, 7},
	"k=":                             {2},
	"k=__HIVE_DEFAULT_PARTITION__":   {3, 8},
	"k=%5F_HIVE_DEFAULT_PARTITION__": {4},
	"k=plain":                        {6, 11},
	"k=%C3%BC":                       {9},
}

// listFiles returns the files under dir, relative, sorted.
func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(out)
	return out
}

// TestPartitionedRoundTrip writes partitionInput in each format with few
// spool files open (so partitions continue in new segments) and reads
// every file back with its standard reader: the directories, and in each
// the rows of that partition, in order, without the partition column.
func TestPartitionedRoundTrip(t *testing.T) {
	for _, f := range []Format{Parquet, Rec, CSV, ArrowFile} {
		t.Run(f.String(), func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
			defer mem.AssertSize(t, 0)
			rr := partitionInput(t, mem)
			defer rr.Release()
			parent := t.TempDir()
			out := filepath.Join(parent, "out")
			res, err := WritePartitioned(out, rr, f, Options{Allocator: mem}, PartitionOptions{Columns: []string{"K"}, MaxOpen: 2})
			if err != nil {
				t.Fatal(err)
			}
			if res.Rows != 12 || res.Files != len(wantDirs) {
				t.Errorf("result %+v, want 12 rows in %d files", res, len(wantDirs))
			}
			var want []string
			for d := range wantDirs {
				want = append(want, d+"/data_0."+f.String())
			}
			sort.Strings(want)
			if got := listFiles(t, out); !slices.Equal(got, want) {
				t.Fatalf("files:\n%v\nwant\n%v", got, want)
			}
			for d, ns := range wantDirs {
				path := filepath.Join(out, filepath.FromSlash(d), "data_0."+f.String())
				got := readNs(t, path, f)
				if !slices.Equal(got, ns) {
					t.Errorf("%s holds n = %v, want %v", d, got, ns)
				}
			}
			assertNoTemp(t, parent, "out")
			if st, err := os.Stat(out); err != nil || st.Mode().Perm() != 0o755 {
				t.Errorf("the directory's mode is %v (%v), want rwxr-xr-x", st.Mode().Perm(), err)
			}
		})
	}
}

// readNs reads a partition file back with its format's reader and returns
// its n column; it checks that the file has columns n and v only.
func readNs(t *testing.T, path string, f Format) []int64 {
	t.Helper()
	var ns []int64
	switch f {
	case Parquet:
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		tbl, _ := readBack(t, data)
		defer tbl.Release()
		if tbl.NumCols() != 2 || tbl.Schema().Field(0).Name != "n" || tbl.Schema().Field(1).Name != "v" {
			t.Fatalf("%s: schema %v", path, tbl.Schema())
		}
		for _, c := range tbl.Column(0).Data().Chunks() {
			ns = append(ns, c.(*array.Int64).Int64Values()...)
		}
	case Rec:
		tbl, rows := readRec(t, path)
		if len(tbl.Schema.Fields) != 2 || tbl.Schema.Fields[1].Type.String() != "CHAR(12)" {
			t.Fatalf("%s: fields %v (every file has the widest string's CHAR width)", path, tbl.Schema.Fields)
		}
		for _, r := range rows {
			ns = append(ns, r[0].(int64))
		}
	case CSV:
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
		if lines[0] != "n,v" {
			t.Fatalf("%s: header %q", path, lines[0])
		}
		for _, l := range lines[1:] {
			var n int64
			for _, c := range l[:strings.IndexByte(l, ',')] {
				n = n*10 + int64(c-'0')
			}
			ns = append(ns, n)
		}
	case ArrowFile:
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range readArrowFile(t, bytes.NewReader(data)) {
			ns = append(ns, rec.Column(0).(*array.Int64).Int64Values()...)
			rec.Release()
		}
	}
	return ns
}

// TestPartitionedErrors: bad PARTITION_BY columns and targets are refused
// before anything is written; a reader that fails mid-way leaves nothing.
func TestPartitionedErrors(t *testing.T) {
	cases := []struct {
		name   string
		po     PartitionOptions
		f      Format
		prep   func(t *testing.T, out string)
		failAt bool
		want   string
	}{
		{"unknown column", PartitionOptions{Columns: []string{"nope"}}, CSV, nil, false, "PARTITION_BY column nope is not a column of the result (its columns: k, n, v)"},
		{"twice", PartitionOptions{Columns: []string{"k", "K"}}, CSV, nil, false, "PARTITION_BY names column K twice"},
		{"every column", PartitionOptions{Columns: []string{"k", "n", "v"}}, CSV, nil, false, "leaves nothing to write"},
		{"both overwrites", PartitionOptions{Columns: []string{"k"}, Overwrite: true, OverwriteOrIgnore: true}, CSV, nil, false, "cannot be combined"},
		{"not empty", PartitionOptions{Columns: []string{"k"}}, CSV, func(t *testing.T, out string) {
			os.MkdirAll(out, 0o755)
			os.WriteFile(filepath.Join(out, "keep.txt"), []byte("x"), 0o644)
		}, false, "the directory is not empty; add OVERWRITE_OR_IGNORE"},
		{"a file", PartitionOptions{Columns: []string{"k"}}, CSV, func(t *testing.T, out string) {
			os.WriteFile(out, []byte("x"), 0o644)
		}, false, "it is a file"},
		{"cancelled", PartitionOptions{Columns: []string{"k"}, MaxOpen: 1}, Parquet, nil, true, "query cancelled"},
		{"cancelled, rec", PartitionOptions{Columns: []string{"k"}}, Rec, nil, true, "query cancelled"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
			defer mem.AssertSize(t, 0)
			var rr array.RecordReader = partitionInput(t, mem)
			if c.failAt {
				rr = &failingReader{rr, errors.New("query cancelled")}
			}
			defer rr.Release()
			parent := t.TempDir()
			out := filepath.Join(parent, "out")
			var before []string
			if c.prep != nil {
				c.prep(t, out)
				before = listFiles(t, parent)
			}
			_, err := WritePartitioned(out, rr, c.f, Options{Allocator: mem}, c.po)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
			if got := listFiles(t, parent); !slices.Equal(got, before) {
				t.Errorf("after the error the directory holds %v, want %v", got, before)
			}
		})
	}
}

// TestPartitionedOverwrite: OVERWRITE_OR_IGNORE writes into an existing
// directory, replacing same-named files and keeping the others; OVERWRITE
// replaces the whole content.
func TestPartitionedOverwrite(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	parent := t.TempDir()
	out := filepath.Join(parent, "out")
	os.MkdirAll(filepath.Join(out, "k=plain"), 0o755)
	os.WriteFile(filepath.Join(out, "k=plain", "data_0.csv"), []byte("old"), 0o644)
	os.WriteFile(filepath.Join(out, "other.txt"), []byte("keep"), 0o644)
	rr := partitionInput(t, mem)
	if _, err := WritePartitioned(out, rr, CSV, Options{Allocator: mem}, PartitionOptions{Columns: []string{"k"}, OverwriteOrIgnore: true}); err != nil {
		t.Fatal(err)
	}
	rr.Release()
	files := listFiles(t, out)
	if len(files) != len(wantDirs)+1 || !slices.Contains(files, "other.txt") {
		t.Errorf("after OVERWRITE_OR_IGNORE: %v", files)
	}
	if got := readNs(t, filepath.Join(out, "k=plain", "data_0.csv"), CSV); !slices.Equal(got, []int64{6, 11}) {
		t.Errorf("k=plain holds %v", got)
	}
	rr = partitionInput(t, mem)
	if _, err := WritePartitioned(out, rr, CSV, Options{Allocator: mem}, PartitionOptions{Columns: []string{"k"}, Overwrite: true}); err != nil {
		t.Fatal(err)
	}
	rr.Release()
	if files := listFiles(t, out); len(files) != len(wantDirs) || slices.Contains(files, "other.txt") {
		t.Errorf("after OVERWRITE: %v", files)
	}
	assertNoTemp(t, parent, "out")
}

// readArrowFile reads every batch of an Arrow IPC file with Arrow's own
// reader.
func readArrowFile(t *testing.T, r *bytes.Reader) []arrow.Record {
	t.Helper()
	fr, err := ipc.NewFileReader(r)
	if err != nil {
		t.Fatalf("not an Arrow IPC file: %v", err)
	}
	defer fr.Close()
	var out []arrow.Record
	for i := 0; i < fr.NumRecords(); i++ {
		rec, err := fr.Record(i)
		if err != nil {
			t.Fatal(err)
		}
		rec.Retain()
		out = append(out, rec)
	}
	return out
}

// FuzzPartitionEscape: any partition value's directory name is one path
// segment of safe bytes that URL-decodes back to the value.
func FuzzPartitionEscape(f *testing.F) {
	for _, s := range []string{"", "a/b", "x y", "ü", "..", "=", "%", "100%", NullPartition, "\x00\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		esc := string(appendEscaped(nil, s))
		for i := 0; i < len(esc); i++ {
			c := esc[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-_.~%", c) >= 0) {
				t.Fatalf("%q escapes to %q, holding %q", s, esc, c)
			}
		}
		back, err := url.PathUnescape(esc)
		if err != nil || back != s {
			t.Fatalf("%q escapes to %q, which decodes to %q (%v)", s, esc, back, err)
		}
	})
}
