package scan

import (
	"github.com/recq/recq/storage"
)

// chunk is a run of consecutive records in memory, ready for predicates
// and decoders: record r (0-based within the chunk) is
// data[r*stride : r*stride+recLen]. Under mmap, data points into the
// mapping and must only be touched inside storage.Guard.
type chunk struct {
	table  *storage.Table
	first  int64  // record number of the chunk's record 0
	n      int    // number of records
	data   []byte // record bytes
	stride int
	recLen int
	// padded is set when data was rebuilt from short text lines (each
	// padded to recLen with spaces, stride == recLen).
	padded bool
	// For a file of record types (storage.Segments): seg[r] is record r's
	// type (an index into Segments.Values, -1 for an unnamed one) and,
	// when _parent_rowid is read, parent[r] its parent's record number
	// (-1 for none).
	seg    []int16
	parent []int64
	// elemOf is set on the view of a chunk an array field's elements are
	// decoded through (listDecoder): its records are elemField's elements,
	// and errors are placed in elemOf.
	elemOf    *chunk
	elemField *storage.Field
	// For variable-length records (scan/varlen.go): record r was found
	// at varStart[r] bytes into the index span read from file offset
	// varBase, and is varLen[r] bytes long (nil for fixed-length records).
	varBase  int64
	varStart []int
	varLen   []int
}

// record returns record r's bytes.
func (ch *chunk) record(r int32) []byte {
	p := int(r) * ch.stride
	return ch.data[p : p+ch.recLen]
}

// fileOffset is the file offset of record r.
func (ch *chunk) fileOffset(r int32) int64 {
	if ch.varLen != nil {
		return ch.varBase + int64(ch.varStart[r]-storage.HeaderLen) // its RDW
	}
	return ch.table.Layout.RecordOffset(ch.first + int64(r))
}

// fieldError places a decode error at record r, field f.
func (ch *chunk) fieldError(r int32, f *storage.Field, raw []byte, err error) error {
	if ch.elemOf != nil {
		return ch.elemError(r, raw, err)
	}
	fe := &storage.FieldError{Field: f.Name, Offset: f.Offset, Text: append([]byte(nil), raw...), Err: err}
	return fe.At(ch.table.Path, ch.first+int64(r), ch.fileOffset(r))
}
