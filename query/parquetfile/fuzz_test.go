package parquetfile

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow/go/v17/arrow/memory"
)

// FuzzRead reads arbitrary bytes as a Parquet file: every failure is an
// *Error naming the file, never a panic, and nothing is leaked. A footer
// may claim billions of rows that a few bytes of run-length encoding
// provide; the reader streams those in bounded memory (and stops on a
// cancel), so the target reads at most 1,000 batches.
//
// Known: Arrow v17's Thrift decoder (github.com/apache/thrift v0.20's
// compact protocol Skip) can spin for minutes on a corrupt page header;
// the fuzzer reports that as a hung process. It is outside recq's code
// (docs/sql.md, read_parquet, says so).
func FuzzRead(f *testing.F) {
	rec := sample(memory.DefaultAllocator, 30)
	defer rec.Release()
	good, err := os.ReadFile(writeFile(f, rec, 10))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte("PAR1PAR1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "f.parquet")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		check := func(err error) {
			var pe *Error
			if err != nil && (!errors.As(err, &pe) || pe.Path != path) {
				t.Fatalf("error %T %v does not name the file", err, err)
			}
		}
		s, err := ReadSchema(path)
		check(err)
		if err != nil {
			return
		}
		mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
		r := NewReader(context.Background(), []string{path}, s, mem, 7)
		for n := 0; n < 1000 && r.Next(); n++ {
		}
		check(r.Err())
		r.Close()
		mem.AssertSize(t, 0)
	})
}
