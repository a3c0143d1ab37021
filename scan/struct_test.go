package scan

import (
	"slices"
	"testing"

	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/storage"
)

// TestStructDecoding: the list file's interleaved t and flag arrays read
// as one array of groups (GHCN's day of value and flag) hold the values
// of the one-field-per-element layout, under every worker count and batch
// size, and free every buffer.
func TestStructDecoding(t *testing.T) {
	arrays, scalars := writeListFile(t, 2000)
	fields := []storage.Field{listFields[0], listFields[1],
		{Name: "day", Type: storage.Type{Kind: storage.Struct}, Offset: 24, Occurs: 4, Stride: 8, Members: []storage.Field{
			{Name: "t", Type: storage.TInt32, Encoding: storage.Text, Offset: 0, Width: 5, NullIf: []string{"-9999"}},
			{Name: "flag", Type: storage.TChar(1), Encoding: storage.Text, Offset: 5},
		}},
		listFields[4]}
	gs, err := storage.NewSchema(fields, storage.SchemaOptions{NullBitmap: storage.NoNullBitmap, RecordLen: 71})
	if err != nil {
		t.Fatal(err)
	}
	if w := gs.Fields[2].Width; w != 6 {
		t.Fatalf("group width %d, want 6", w)
	}
	groups, err := storage.OpenRaw(arrays.Path, gs, storage.RawOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ref, err := New(Spec{Table: scalars, Columns: allColumns(scalars), Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := collectFlat(t, ref)
	for _, workers := range []int{1, 3} {
		for _, batch := range []int{1, 7, 1024} {
			mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
			s, err := New(Spec{Table: groups, Columns: allColumns(groups), Workers: workers, BatchSize: batch, Allocator: mem})
			if err != nil {
				t.Fatal(err)
			}
			got := collectFlat(t, s)
			mem.AssertSize(t, 0)
			if !slices.Equal(got, want) {
				t.Fatalf("workers=%d batch=%d: %d rows differ from the one-field-per-element scan's %d (first %q vs %q)", workers, batch, len(got), len(want), first(got), first(want))
			}
		}
	}
	if _, err := New(Spec{Table: groups, Columns: []int{0}, Filter: []Predicate{{Field: 2, Op: OpIsNull}}}); err == nil {
		t.Fatal("a predicate on a group was accepted for the raw bytes")
	}
}
