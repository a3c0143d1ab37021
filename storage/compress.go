package storage

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
)

// Compression is the compression format of a data file. Compressed files
// are recognised by their first bytes (the magic number), not by their
// names, and read as the stream of bytes they decompress to: a gzip-
// compressed fixed-width text file is a text file, a zstd-compressed .rec
// file a .rec file.
type Compression uint8

const (
	// Uncompressed files are read in place.
	Uncompressed Compression = iota
	// Gzip (RFC 1952), one member or several concatenated (bgzip, pigz -i,
	// cat a.gz b.gz).
	Gzip
	// Zstd (RFC 8878), one frame or several, skippable frames allowed.
	Zstd
	// Bzip2, one stream or several concatenated (pbzip2).
	Bzip2
)

var compressionNames = [...]string{Uncompressed: "none", Gzip: "gzip", Zstd: "zstd", Bzip2: "bzip2"}

func (c Compression) String() string {
	if int(c) < len(compressionNames) {
		return compressionNames[c]
	}
	return fmt.Sprintf("Compression(%d)", uint8(c))
}

// compressionExts are the file name endings of each format, for finding a
// compressed file's sidecar and table name.
var compressionExts = map[string]Compression{".gz": Gzip, ".gzip": Gzip, ".bgz": Gzip, ".zst": Zstd, ".zstd": Zstd, ".bz2": Bzip2}

// TrimCompressionExt returns name without a compression extension
// (.gz, .gzip, .bgz, .zst, .zstd, .bz2; any case) and whether it had one:
// "x.dly.gz" gives "x.dly".
func TrimCompressionExt(name string) (string, bool) {
	i := strings.LastIndexByte(name, '.')
	if i < 0 {
		return name, false
	}
	if _, ok := compressionExts[strings.ToLower(name[i:])]; ok {
		return name[:i], true
	}
	return name, false
}

// sniffLen is how many leading bytes SniffCompression needs.
const sniffLen = 10

var (
	gzipMagic       = []byte{0x1f, 0x8b, 0x08}
	zstdMagic       = []byte{0x28, 0xb5, 0x2f, 0xfd}
	bzip2Block      = []byte{0x31, 0x41, 0x59, 0x26, 0x53, 0x59} // pi: a block follows
	bzip2End        = []byte{0x17, 0x72, 0x45, 0x38, 0x50, 0x90} // sqrt(pi): end of an empty stream
	zstdSkipMagicLo = uint32(0x184D2A50)                         // skippable frames: 0x184D2A50..5F
)

// SniffCompression names the compression format whose magic number starts
// b (at least the first sniffLen bytes of a file, when it has them).
func SniffCompression(b []byte) Compression {
	switch {
	case bytes.HasPrefix(b, gzipMagic):
		return Gzip
	case bytes.HasPrefix(b, zstdMagic), len(b) >= 4 && isSkippableMagic(le32(b)):
		return Zstd
	case len(b) >= 10 && b[0] == 'B' && b[1] == 'Z' && b[2] == 'h' && b[3] >= '1' && b[3] <= '9' &&
		(bytes.Equal(b[4:10], bzip2Block) || bytes.Equal(b[4:10], bzip2End)):
		return Bzip2
	}
	return Uncompressed
}

func isSkippableMagic(m uint32) bool { return m&0xFFFFFFF0 == zstdSkipMagicLo }

func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

// DetectCompression reads the first bytes of the regular file at path and
// names its compression format. Files that cannot be opened, and anything
// but a regular file, are reported Uncompressed: opening them for reading
// says what is wrong.
func DetectCompression(path string) Compression {
	if st, err := os.Stat(path); err != nil || !st.Mode().IsRegular() {
		return Uncompressed
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return Uncompressed
	}
	defer f.Close()
	var b [sniffLen]byte
	n, _ := io.ReadFull(f, b[:])
	return SniffCompression(b[:n])
}
