package storage

import (
	"bytes"
	"compress/bzip2"
	stdgzip "compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// referenceDecompress decompresses b with another decoder than the
// source's where one exists (the standard library's gzip), or in one
// sequential pass: what every read of the source must agree with. ok is
// false when the data does not decompress, or decompresses to more than
// limit bytes.
func referenceDecompress(format Compression, b []byte, limit int64) ([]byte, bool) {
	var r io.Reader
	switch format {
	case Gzip:
		z, err := stdgzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, false
		}
		r = z
	case Zstd:
		d, err := zstd.NewReader(bytes.NewReader(b), zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, false
		}
		defer d.Close()
		r = d
	case Bzip2:
		r = bzip2.NewReader(bytes.NewReader(b))
	default:
		return nil, false
	}
	out, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil || int64(len(out)) > limit {
		return nil, false
	}
	return out, true
}

// FuzzCompressedSource opens arbitrary bytes as a compressed file. Opening
// (which indexes the file) either fails with a *FileError or gives a
// source whose every read, from any seek point, in any order, returns the
// bytes a plain sequential decompression gives; reads never panic, and
// errors are *FileErrors too.
func FuzzCompressedSource(f *testing.F) {
	data := testLines(300)
	for _, c := range compressedCases(f, data) {
		f.Add(c.file, uint16(7))
	}
	f.Add(bzip2TwoStreams, uint16(3))
	f.Add([]byte{0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff}, uint16(0))
	f.Add([]byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x00}, uint16(0))
	f.Fuzz(func(t *testing.T, file []byte, step uint16) {
		format := SniffCompression(file)
		if format == Uncompressed {
			return
		}
		path := filepath.Join(t.TempDir(), "f")
		if err := os.WriteFile(path, file, 0o644); err != nil {
			t.Fatal(err)
		}
		ForgetIndexes()
		src, err := OpenCompressedSource(path)
		want, ok := referenceDecompress(format, file, 4<<20)
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("open: %v is not a *FileError", err)
			}
			return
		}
		defer src.Close()
		if !ok {
			// Decoders may disagree on damaged data (the reference may
			// stop at what ours reads past): nothing to compare.
			return
		}
		if src.Size() != int64(len(want)) {
			t.Fatalf("size %d, reference %d", src.Size(), len(want))
		}
		// Read backwards, in steps, so every read past the first jumps
		// behind its lane and restarts it from a seek point.
		// At most 16 reads: each restart decompresses from a seek point,
		// so a file with one seek point costs its size per read.
		n := max(int64(step%4096)+1, src.Size()/16)
		for off := src.Size() - n; off > -n; off -= n {
			lo := max(off, 0)
			reg, err := src.Read(lo, int(off+n-lo))
			if err != nil {
				t.Fatalf("Read(%d, %d): %v", lo, off+n-lo, err)
			}
			if !bytes.Equal(reg.Bytes, want[lo:off+n]) {
				t.Fatalf("Read(%d, %d) differs from the reference", lo, off+n-lo)
			}
			reg.Release()
		}
	})
}

// bzip2TwoStreams is "   1 Alice\n   2 Bob  \n" and "   3 Carol\n"
// compressed by bzip2 as two streams (the standard library has no bzip2
// writer).
var bzip2TwoStreams = []byte{
	0x42, 0x5a, 0x68, 0x39, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59, 0x99, 0x47, 0x7e, 0xab, 0x00, 0x00, 0x02, 0x5d, 0x00, 0x00, 0x10, 0x40, 0x00, 0x30, 0x00, 0x30, 0x00, 0x1a, 0x24, 0xa0, 0x00, 0x21, 0x2a, 0x64, 0x68, 0xd3, 0xc8, 0x40, 0xd0, 0x34, 0x22, 0xe3, 0xdb, 0x24, 0x39, 0x52, 0x0d, 0x26, 0x9e, 0x0b, 0xb9, 0x22, 0x9c, 0x28, 0x48, 0x4c, 0xa3, 0xbf, 0x55, 0x80,
	0x42, 0x5a, 0x68, 0x39, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59, 0xc8, 0xfa, 0x36, 0x38, 0x00, 0x00, 0x00, 0xdd, 0x80, 0x00, 0x10, 0x40, 0x00, 0x08, 0x00, 0x08, 0x00, 0x20, 0x04, 0x90, 0x00, 0x20, 0x00, 0x21, 0x84, 0x69, 0xa1, 0x0c, 0x08, 0x89, 0x8c, 0x43, 0x7a, 0xdf, 0x17, 0x72, 0x45, 0x38, 0x50, 0x90, 0xc8, 0xfa, 0x36, 0x38,
}
