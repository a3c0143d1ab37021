package storage

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// testLines is n fixed-width text lines of 32 characters plus LF.
func testLines(n int) []byte {
	var b bytes.Buffer
	for i := range n {
		fmt.Fprintf(&b, "%8d %-10s %11.2f\n", i, strings.Repeat(string(rune('a'+i%26)), 1+i%10), float64(i)*1.25)
	}
	return b.Bytes()
}

// gzipParts compresses each part as its own gzip member and concatenates
// them (what bgzip, pigz -i and cat a.gz b.gz produce).
func gzipParts(t testing.TB, parts ...[]byte) []byte {
	var out bytes.Buffer
	for _, p := range parts {
		w := gzip.NewWriter(&out)
		if _, err := w.Write(p); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return out.Bytes()
}

// zstdParts compresses each part as its own zstd frame; skip puts a
// skippable frame before each (as pzstd does).
func zstdParts(t testing.TB, skip bool, parts ...[]byte) []byte {
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	var out []byte
	for _, p := range parts {
		if skip {
			out = append(out, 0x50, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, 1, 2, 3, 4)
		}
		out = enc.EncodeAll(p, out)
	}
	return out
}

// split cuts b into n parts at line boundaries.
func split(b []byte, n int) [][]byte {
	var parts [][]byte
	for i := range n {
		lo, hi := len(b)*i/n, len(b)*(i+1)/n
		parts = append(parts, b[lo:hi])
	}
	return parts
}

// compressedCases are the same bytes in every compressed shape recq
// reads; bzip2 comes from the committed fixtures (the standard library
// has no bzip2 writer).
func compressedCases(t testing.TB, data []byte) []struct {
	name   string
	format Compression
	file   []byte
	points int
} {
	type c = struct {
		name   string
		format Compression
		file   []byte
		points int
	}
	return []c{
		{"gzip", Gzip, gzipParts(t, data), 1},
		{"gzip-members", Gzip, gzipParts(t, split(data, 7)...), 7},
		{"gzip-empty-member", Gzip, gzipParts(t, data[:100], nil, data[100:]), 3},
		{"zstd", Zstd, zstdParts(t, false, data), 1},
		{"zstd-frames", Zstd, zstdParts(t, false, split(data, 5)...), 5},
		{"zstd-skippable", Zstd, zstdParts(t, true, split(data, 3)...), 3},
	}
}

func writeTemp(t testing.TB, name string, b []byte) string {
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSniffCompression(t *testing.T) {
	for _, tc := range []struct {
		b    []byte
		want Compression
	}{
		{[]byte{0x1f, 0x8b, 0x08, 0}, Gzip},
		{[]byte{0x1f, 0x8b}, Uncompressed}, // too short to be sure
		{[]byte{0x28, 0xb5, 0x2f, 0xfd, 0}, Zstd},
		{[]byte{0x5e, 0x2a, 0x4d, 0x18, 0}, Zstd},
		{[]byte("BZh91AY&SY"), Bzip2},
		{[]byte("BZh9\x17\x72\x45\x38\x50\x90"), Bzip2},
		{[]byte("BZh01AY&SY"), Uncompressed},
		{[]byte("BZh the text"), Uncompressed},
		{[]byte("RECQ\r\n\x1a\n"), Uncompressed},
		{nil, Uncompressed},
	} {
		if got := SniffCompression(tc.b); got != tc.want {
			t.Errorf("SniffCompression(% x) = %v, want %v", tc.b, got, tc.want)
		}
	}
}

func TestTrimCompressionExt(t *testing.T) {
	for in, want := range map[string]string{"x.dly.gz": "x.dly", "a.rec.ZST": "a.rec", "b.txt.bz2": "b.txt", "c.txt": "c.txt", "gz": "gz"} {
		if got, _ := TrimCompressionExt(in); got != want {
			t.Errorf("TrimCompressionExt(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCompressedSourceReads reads random ranges, in order and out of
// order, from every compressed shape and compares them with the data.
func TestCompressedSourceReads(t *testing.T) {
	data := testLines(20000)
	cases := compressedCases(t, data)
	bz, err := os.ReadFile("../testdata/compressed/lineitem_multi.txt.bz2")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ForgetIndexes()
			path := writeTemp(t, "lines.txt.x", tc.file)
			src, err := OpenCompressedSource(path)
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			cs := src
			if cs.Compression().Format != tc.format || cs.Compression().SeekPoints != tc.points || src.Size() != int64(len(data)) {
				t.Fatalf("got %v, %d points, size %d; want %v, %d points, size %d",
					cs.Compression().Format, cs.Compression().SeekPoints, src.Size(), tc.format, tc.points, len(data))
			}
			if cs.Compression().Index != IndexWritten {
				t.Errorf("index state %q, want %q", cs.Compression().Index, IndexWritten)
			}
			if want := min(tc.points, maxLanesPerCPU*runtime.GOMAXPROCS(0)); tc.points > 1 && len(cs.Lanes()) < 2 || len(cs.Lanes()) > want {
				t.Errorf("lanes %v for %d points", cs.Lanes(), tc.points)
			}
			rng := rand.New(rand.NewPCG(1, 2))
			for i := range 60 {
				off := rng.Int64N(int64(len(data)))
				n := int(rng.Int64N(min(int64(len(data))-off, 70000)) + 1)
				if i%3 == 0 { // sequential runs
					off = int64(i) * 1000
				}
				reg, err := src.Read(off, n)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(reg.Bytes, data[off:off+int64(n)]) {
					t.Fatalf("Read(%d, %d) differs from the data", off, n)
				}
				reg.Release()
			}
			for _, n := range []int{1, 10, len(data)} { // reads that end exactly at the end
				reg, err := src.Read(int64(len(data)-n), n)
				if err != nil || !bytes.Equal(reg.Bytes, data[len(data)-n:]) {
					t.Fatalf("the last %d bytes: %v", n, err)
				}
				reg.Release()
			}
			if _, err := src.Read(int64(len(data))-10, 11); err == nil {
				t.Error("a read past the end succeeded")
			}
			if cs.CompressedRead() <= 0 {
				t.Error("no compressed bytes counted")
			}
		})
	}
	t.Run("bzip2-streams", func(t *testing.T) {
		path := writeTemp(t, "lineitem.txt.bz2", bz)
		want, err := os.ReadFile("../testdata/lineitem.txt")
		if err != nil {
			t.Fatal(err)
		}
		src, err := OpenCompressedSource(path)
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		reg, err := src.Read(0, int(src.Size()))
		if err != nil {
			t.Fatal(err)
		}
		defer reg.Release()
		if !bytes.Equal(reg.Bytes, want) || src.Compression().Format != Bzip2 {
			t.Fatal("bzip2 data differs")
		}
	})
}

// TestCompressedIndexCache checks that the index is written beside the
// file, read back, rebuilt when the file changes or the index is damaged,
// and kept in memory when the directory is read-only.
func TestCompressedIndexCache(t *testing.T) {
	data := testLines(3000)
	path := writeTemp(t, "lines.txt.gz", gzipParts(t, split(data, 4)...))
	state := func() IndexState {
		t.Helper()
		src, err := OpenCompressedSource(path)
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		return src.Compression().Index
	}
	ForgetIndexes()
	if s := state(); s != IndexWritten {
		t.Fatalf("first open: %q", s)
	}
	if s := state(); s != IndexFromMemory {
		t.Fatalf("second open: %q", s)
	}
	ForgetIndexes()
	if s := state(); s != IndexFromFile {
		t.Fatalf("open after forgetting: %q", s)
	}
	// A changed file (new size and time) is indexed again.
	if err := os.WriteFile(path, gzipParts(t, split(data, 2)...), 0o644); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Minute)
	os.Chtimes(path, later, later)
	if s := state(); s != IndexWritten {
		t.Fatalf("after rewriting the file: %q", s)
	}
	// A damaged index file is rebuilt, not trusted.
	ForgetIndexes()
	b, _ := os.ReadFile(path + IndexSuffix)
	b[20] ^= 0xff
	os.WriteFile(path+IndexSuffix, b, 0o644)
	if s := state(); s != IndexWritten {
		t.Fatalf("after damaging the index: %q", s)
	}
	x, err := readIndexFile(path)
	if err != nil || len(x.Points) != 2 {
		t.Fatalf("index file: %v, %+v", err, x)
	}
	if os.Getuid() != 0 { // root writes to read-only directories
		ForgetIndexes()
		os.Remove(path + IndexSuffix)
		dir := filepath.Dir(path)
		os.Chmod(dir, 0o555)
		defer os.Chmod(dir, 0o755)
		if s := state(); s != IndexInMemory {
			t.Fatalf("read-only directory: %q", s)
		}
	}
}

// TestDecodeIndexRejects feeds decodeIndex every truncation and a bit
// flip of a valid index: each must be rejected, none may panic.
func TestDecodeIndexRejects(t *testing.T) {
	x := &CompressedIndex{Format: Zstd, Size: 1000, ModTime: 7, Uncompressed: 5000,
		Points: []SeekPoint{{0, 0}, {400, 2500}}, Head: []byte("head"), Tail: []byte("tail")}
	b := x.encode()
	if y, err := decodeIndex(b); err != nil || y.Uncompressed != 5000 || len(y.Points) != 2 || string(y.Tail) != "tail" {
		t.Fatalf("round trip: %+v, %v", y, err)
	}
	for i := range len(b) {
		if _, err := decodeIndex(b[:i]); err == nil {
			t.Fatalf("truncated to %d bytes: accepted", i)
		}
		c := bytes.Clone(b)
		c[i] ^= 0x10
		if _, err := decodeIndex(c); err == nil {
			t.Fatalf("bit flip at %d: accepted", i)
		}
	}
}

// TestCompressedDamage checks that damaged and truncated compressed data
// give a corrupt-data error naming the file and both offsets.
func TestCompressedDamage(t *testing.T) {
	data := testLines(5000)
	for _, tc := range compressedCases(t, data) {
		for _, how := range []string{"flip", "truncate"} {
			t.Run(tc.name+"/"+how, func(t *testing.T) {
				b := bytes.Clone(tc.file)
				if how == "flip" {
					for i := len(b) / 2; i < len(b)/2+8; i++ {
						b[i] ^= 0x5a
					}
				} else {
					b = b[:len(b)*2/3]
				}
				ForgetIndexes()
				path := writeTemp(t, "bad.gz", b)
				src, err := OpenCompressedSource(path)
				if err == nil {
					src.Close()
					t.Fatal("opened a damaged file")
				}
				var fe *FileError
				if !errors.As(err, &fe) || !errors.Is(err, ErrCorrupt) || fe.Path != path ||
					!strings.Contains(err.Error(), "compressed byte offset") || !strings.Contains(err.Error(), "decompressed byte offset") {
					t.Fatalf("error %v (%T), want a corrupt-data FileError naming both offsets", err, err)
				}
				if _, err := os.Stat(path + IndexSuffix); err == nil {
					t.Error("an index was written for a damaged file")
				}
			})
		}
	}
}

// TestOpenRawCompressed opens a text layout over compressed data: the
// same table as the plain file, with the compression noted.
func TestOpenRawCompressed(t *testing.T) {
	data := testLines(4000)
	schema, err := NewSchema([]Field{{Name: "id", Type: TInt64, Offset: 0, Width: 8}}, SchemaOptions{DefaultEncoding: Text})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := OpenRaw(writeTemp(t, "plain.txt", data), schema, RawOptions{Text: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range compressedCases(t, data) {
		ForgetIndexes()
		got, err := OpenRaw(writeTemp(t, "c.txt", tc.file), schema, RawOptions{Text: true})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got.Layout.Count != plain.Layout.Count || got.Layout.RecordLen != plain.Layout.RecordLen || got.Compression == nil || got.Compression.Format != tc.format {
			t.Fatalf("%s: layout %+v, compression %v; plain %+v", tc.name, got.Layout, got.Compression, plain.Layout)
		}
	}
}

var _ io.ReaderAt = (*decompressedReaderAt)(nil)

// TestIsRecFileCompressed: a .rec file is recognised plain and under each
// compression (bzip2's magic needs ten bytes, more than the .rec magic);
// compressed text and short files are not .rec files.
func TestIsRecFileCompressed(t *testing.T) {
	rec, err := os.ReadFile("../testdata/lineitem.rec")
	if err != nil {
		t.Fatal(err)
	}
	bz, err := os.ReadFile("../testdata/compressed/lineitem.rec.bz2")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		b    []byte
		want bool
	}{
		{"plain", rec, true},
		{"gzip", gzipParts(t, rec[:5000], rec[5000:]), true},
		{"zstd", zstdParts(t, true, rec), true},
		{"bzip2", bz, true},
		{"gzip text", gzipParts(t, testLines(10)), false},
		{"gzip of 3 bytes", gzipParts(t, rec[:3]), false},
		{"the magic alone", rec[:8], true},
		{"7 bytes", rec[:7], false},
	} {
		if got := IsRecFile(writeTemp(t, "f", tc.b)); got != tc.want {
			t.Errorf("%s: IsRecFile = %v, want %v", tc.name, got, tc.want)
		}
	}
}
