package importer

import (
	"context"
	"path/filepath"
	"testing"
)

// BenchmarkImportTbl imports 200k generated lineitem rows from a .tbl file.
func BenchmarkImportTbl(b *testing.B) {
	dir := b.TempDir()
	tbl := filepath.Join(dir, "li.tbl")
	writeTbl(b, tbl, 200_000)
	out := filepath.Join(dir, "li.rec")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		im, err := New(Options{Schema: LineitemDDL, From: tbl, Out: out, Delimiter: '|', Workers: 1})
		if err != nil {
			b.Fatal(err)
		}
		st, err := im.Run(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(st.Bytes)
	}
}
