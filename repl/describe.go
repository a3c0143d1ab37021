package repl

import (
	"fmt"
	"io"
	"strconv"

	"github.com/recq/recq/query"
	"github.com/recq/recq/storage"
)

// RenderDescription writes a file description (recq describe) as a
// box-drawn layout table, one row per field, followed by the file's
// geometry and access facts.
func RenderDescription(w io.Writer, d *query.FileDescription) error {
	t := d.Table
	bx := &Box{Names: []string{"field", "type", "start", "end", "width", "encoding", "nullable"},
		Right: []bool{false, false, true, true, true, false, false}}
	for i := range t.Schema.Fields {
		f := &t.Schema.Fields[i]
		enc := f.Describe()
		null := "no"
		if f.Nullable || t.Layout.Var != nil { // a short record reads NULL
			null = "yes"
		}
		bx.Rows = append(bx.Rows, []string{f.Name, f.TypeString(), strconv.Itoa(f.Offset + 1),
			strconv.Itoa(f.End()), strconv.Itoa(f.Width), enc, null})
	}
	if err := bx.Write(w, 0); err != nil {
		return err
	}
	l := &t.Layout
	fmt.Fprintln(w)
	fmt.Fprintf(w, "file:           %s (%s format, %d bytes)\n", t.Path, t.Format, t.Size)
	if c := t.Compression; c != nil {
		fmt.Fprintf(w, "compression:    %s; %d bytes decompressed\n", c, t.Size)
		fmt.Fprintf(w, "index:          %s\n", c.Index)
	}
	fmt.Fprintf(w, "fields:         %d\n", t.Schema.NumFields())
	fmt.Fprintf(w, "record length:  %d bytes", l.RecordLen)
	if len(l.Separator) > 0 {
		fmt.Fprintf(w, " + %q separator", l.Separator)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "records:        %d\n", l.Count)
	if t.Format == storage.RecFormat {
		fmt.Fprintf(w, "header:         %d bytes (format version %d, CRC32C %08x)\n", l.DataOffset, t.Header.Version, t.Header.CRC)
		if t.Blocks != nil {
			fmt.Fprintf(w, "blocks:         %d of %d records, with checksums and min/max of %d columns\n",
				t.Blocks.Len(), t.Blocks.RecordsPerBlock, len(t.Blocks.Columns))
		}
	} else if l.DataOffset > 0 {
		fmt.Fprintf(w, "skipped:        %d bytes before the first record\n", l.DataOffset)
	}
	if t.Schema.NullBitmap >= 0 {
		fmt.Fprintf(w, "null bitmap:    at byte %d\n", t.Schema.NullBitmap)
	}
	if l.LineStarts != nil {
		fmt.Fprintln(w, "short lines:    padded with spaces")
	}
	if v := t.VarDescription(); v != "" {
		fmt.Fprintf(w, "record format:  %s\n", v)
	}
	direct := "yes"
	if !d.DirectOK {
		direct = "no"
	}
	if t.Compression != nil {
		fmt.Fprintln(w, "strategies:     decompressed as it is read (the I/O strategy does not apply)")
	} else {
		fmt.Fprintf(w, "strategies:     mmap yes, buffered yes, direct %s (%s)\n", direct, d.DirectReason)
	}
	if size := onDisk(t); d.Resident >= 0 && size > 0 {
		fmt.Fprintf(w, "page cache:     %d of %d bytes resident (%.0f%%)\n", d.Resident, size, 100*float64(d.Resident)/float64(size))
	}
	for _, n := range t.Notes {
		fmt.Fprintf(w, "note:           %s\n", n)
	}
	return nil
}

// onDisk is the table file's size on disk (the compressed size of a
// compressed file).
func onDisk(t *storage.Table) int64 {
	if t.Compression != nil {
		return t.Compression.CompressedSize
	}
	return t.Size
}
