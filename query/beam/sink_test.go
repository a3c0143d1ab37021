package recqbeam

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

func int64Blob(t *testing.T, name string, vals ...int64) []byte {
	t.Helper()
	b := array.NewInt64Builder(memory.DefaultAllocator)
	b.AppendValues(vals, nil)
	col := b.NewArray()
	defer col.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: name, Type: arrow.PrimitiveTypes.Int64}}, nil)
	rec := array.NewRecord(schema, []arrow.Array{col}, int64(len(vals)))
	defer rec.Release()
	blob, err := encodeIPC(nil, schema, []arrow.Record{rec})
	if err != nil {
		t.Fatal(err)
	}
	return blob
}

func iterOf(blobs ...[]byte) func(*[]byte) bool {
	return func(b *[]byte) bool {
		if len(blobs) == 0 {
			return false
		}
		*b, blobs = blobs[0], blobs[1:]
		return true
	}
}

// TestWriteFnAtomic: a sink that fails leaves neither the target nor a
// temporary file; one that succeeds replaces the target whole.
func TestWriteFnAtomic(t *testing.T) {
	dir := t.TempDir()
	for _, format := range []string{"arrow", "parquet"} {
		path := filepath.Join(dir, "out."+format)
		for _, tc := range []struct {
			name  string
			blobs [][]byte
			err   string
		}{
			{"not IPC", [][]byte{int64Blob(t, "a", 1), []byte("garbage")}, "not an Arrow IPC stream"},
			{"other column types", [][]byte{int64Blob(t, "a", 1), mustBlobStrings(t)}, "column 1 (a) is int64 in one input, utf8 in another"},
			{"no input", nil, "no input at all"},
		} {
			fn := &writeFn{Path: path, Format: format}
			err := fn.ProcessElement(context.Background(), 0, iterOf(tc.blobs...))
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s, %s: got %v, want an error with %q", format, tc.name, err, tc.err)
			}
			left, _ := os.ReadDir(dir)
			if len(left) != 0 {
				t.Errorf("%s, %s: files left: %v", format, tc.name, left)
			}
		}
		fn := &writeFn{Path: path, Format: format}
		if err := fn.ProcessElement(context.Background(), 0, iterOf(int64Blob(t, "a", 1, 2), int64Blob(t, "b", 3))); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if st, err := os.Stat(path); err != nil || st.Size() == 0 {
			t.Errorf("%s: no output file: %v", format, err)
		}
		os.Remove(path)
	}
}

func mustBlobStrings(t *testing.T) []byte {
	t.Helper()
	b := array.NewStringBuilder(memory.DefaultAllocator)
	b.Append("x")
	col := b.NewArray()
	defer col.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: "s", Type: arrow.BinaryTypes.String}}, nil)
	rec := array.NewRecord(schema, []arrow.Array{col}, 1)
	defer rec.Release()
	blob, err := encodeIPC(nil, schema, []arrow.Record{rec})
	if err != nil {
		t.Fatal(err)
	}
	return blob
}

// TestReadersOrderBySplit: merge inputs come back in (split, part) order
// whatever order the shuffle delivers them in; the empty seed is skipped.
func TestReadersOrderBySplit(t *testing.T) {
	blob := func(split int64, part int, v int64) []byte {
		return append(orderPrefix(split, part), int64Blob(t, "a", v)...)
	}
	in := [][]byte{blob(300, 0, 4), blob(2, 1, 3), orderPrefix(-1, 0), blob(2, 0, 2), blob(1, 7, 1)}
	rs, err := readers(in)
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, r := range rs {
		for r.Next() {
			got = append(got, r.Record().Column(0).(*array.Int64).Int64Values()...)
		}
		r.Release()
	}
	if len(got) != 4 || got[0] != 1 || got[1] != 2 || got[2] != 3 || got[3] != 4 {
		t.Errorf("values in merge order %v, want [1 2 3 4]", got)
	}
	if _, err := readers([][]byte{{1, 2}}); err == nil || !strings.Contains(err.Error(), "no order prefix") {
		t.Errorf("short blob: %v", err)
	}
}
