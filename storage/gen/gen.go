// Package gen generates deterministic sample tables for recq: TPC-H
// lineitem (its 16 columns with the value distributions of the TPC-H
// specification) and a sensor-readings table that exercises every type,
// both byte orders and NULLs. The same seed always gives the same bytes.
//
// Tables are written as .rec files (Write) or as fixed-width text with a
// schema sidecar holding the layout DDL (WriteText).
package gen

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/recq/recq/storage"
)

// Table is a generator for one table shape.
type Table struct {
	Name string
	// Describe is a one-line description for help texts.
	Describe string
	// fields lists the columns with their text widths (for WriteText).
	fields []column
	// row fills vals with row i's values (see storage/value.go for types).
	newRow func(seed uint64, rows int64) rowFunc
}

type rowFunc func(i int64, vals []any)

type column struct {
	storage.Field
	textWidth int // width in the text format
}

// Tables lists the generators by name.
var Tables = map[string]*Table{
	"lineitem": lineitem,
	"sensors":  sensors,
}

// Names returns the generator names, sorted.
func Names() []string {
	var out []string
	for n := range Tables {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Lookup finds a generator by name.
func Lookup(name string) (*Table, error) {
	t, ok := Tables[strings.ToLower(name)]
	if !ok {
		return nil, fmt.Errorf("unknown table %q (want one of: %s)", name, strings.Join(Names(), ", "))
	}
	return t, nil
}

// Schema returns the table's binary (.rec) schema.
func (t *Table) Schema() *storage.Schema {
	fs := make([]storage.Field, len(t.fields))
	for i, c := range t.fields {
		fs[i] = c.Field
		fs[i].Offset = storage.Implicit
		fs[i].Format = "" // text patterns apply to the text layout only
	}
	s, err := storage.NewSchema(fs, storage.SchemaOptions{NullBitmap: storage.Implicit})
	if err != nil {
		panic(fmt.Sprintf("gen: bad built-in schema for %s: %v", t.Name, err))
	}
	return s
}

// TextSchema returns the table's fixed-width text schema: one space between
// columns, numbers right-aligned, text left-aligned.
func (t *Table) TextSchema() *storage.Schema {
	fs := make([]storage.Field, len(t.fields))
	off := 0
	for i, c := range t.fields {
		f := c.Field
		f.Encoding, f.Offset, f.Width = storage.Text, off, c.textWidth
		if f.Type.Kind == storage.Char {
			f.Width = f.Type.Length
			if f.Nullable {
				// A blank CHAR reads as '' unless declared NULLIF ''.
				f.HasNullIf = true
			}
		}
		fs[i] = f
		off += f.Width + 1
	}
	s, err := storage.NewSchema(fs, storage.SchemaOptions{DefaultEncoding: storage.Text, RecordLen: off - 1})
	if err != nil {
		panic(fmt.Sprintf("gen: bad built-in text schema for %s: %v", t.Name, err))
	}
	return s
}

// Rows calls fn for rows [0, n) in order with the row's values; vals is
// reused between calls.
func (t *Table) Rows(seed uint64, n int64, fn func(i int64, vals []any) error) error {
	row := t.newRow(seed, n)
	vals := make([]any, len(t.fields))
	for i := int64(0); i < n; i++ {
		row(i, vals)
		if err := fn(i, vals); err != nil {
			return err
		}
	}
	return nil
}

// newRand returns the generator's random source for a seed.
func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)) }
