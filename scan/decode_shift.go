package scan

import (
	"errors"
	"fmt"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/storage"
)

// shiftDecoder decodes a field that moves with the counts of the OCCURS
// DEPENDING ON arrays before it (variable_size_occurs): each record's
// shift is read from its counts (storage.Schema.ShiftAt), and runs of
// records with the same shift are decoded by the field's own decoder over
// a copy of the field placed for them. Text lines shorter than the
// longest record are padded, so a moved field is always inside the
// record's bytes.
type shiftDecoder struct {
	s     *storage.Schema
	orig  *storage.Field
	moved *storage.Field // the copy the inner decoder reads; its Offset changes
	inner columnDecoder
	shift []int
}

func newShiftDecoder(mem memory.Allocator, s *storage.Schema, f *storage.Field, capacity int) *shiftDecoder {
	c := *f
	c.Shifts = nil
	d := &shiftDecoder{s: s, orig: f, moved: &c}
	d.inner = newDecoder(mem, s, d.moved, capacity)
	return d
}

func (d *shiftDecoder) decode(ch *chunk, sel []int32) error {
	d.shift = d.shift[:0]
	for _, r := range sel {
		sh, err := d.s.ShiftAt(ch.record(r), d.orig)
		if err != nil {
			var fe *storage.FieldError
			if errors.As(err, &fe) {
				err = fe.Err
			}
			return ch.fieldError(r, d.orig, nil, fmt.Errorf("%w (a count of an OCCURS DEPENDING ON array before the field)", err))
		}
		d.shift = append(d.shift, sh)
	}
	for i := 0; i < len(sel); {
		j := i + 1
		for j < len(sel) && d.shift[j] == d.shift[i] {
			j++
		}
		d.moved.Offset = d.orig.Offset + d.shift[i]
		if err := d.inner.decode(ch, sel[i:j]); err != nil {
			return err
		}
		i = j
	}
	return nil
}

func (d *shiftDecoder) appendNulls(n int)               { d.inner.(nullAppender).appendNulls(n) }
func (d *shiftDecoder) reserve(n int)                   { d.inner.reserve(n) }
func (d *shiftDecoder) finish(capacity int) arrow.Array { return d.inner.finish(capacity) }
func (d *shiftDecoder) release()                        { d.inner.release() }
