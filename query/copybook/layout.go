package copybook

import "github.com/recq/recq/storage"

// resolve places every item: it gives elementary items the USAGE and SIGN
// of their groups, computes sizes and offsets (REDEFINES overlay the item
// they redefine) and the bytes each 66 entry renames.
func (cb *Copybook) resolve() error {
	for _, r := range cb.Records {
		if err := place(r, 0); err != nil {
			return err
		}
	}
	for _, r := range cb.Renames {
		if err := cb.placeRename(r); err != nil {
			return err
		}
	}
	return nil
}

// RecordLength is the bytes of the longest record (records all start at
// offset 0: several 01 levels redefine each other, as in Cobrix).
func (cb *Copybook) RecordLength() int {
	n := 0
	for _, r := range cb.Records {
		n = max(n, r.span())
	}
	return n
}

// place sets the offset and size of it and its subordinates.
func place(it *Item, offset int) error {
	it.Offset = offset
	if p := it.Parent; p != nil {
		if !it.usageSet && p.usageSet {
			it.Usage, it.usageSet = p.Usage, true
		}
		if !it.SignSet && p.SignSet {
			it.SignSet, it.SignLeading, it.SignSeparate = true, p.SignLeading, p.SignSeparate
		}
	}
	if !it.IsGroup() {
		size, err := elementarySize(it)
		it.Size = size
		return err
	}
	next := offset
	for i, c := range it.Children {
		at := next
		if c.Redefines != "" {
			target := redefined(it.Children[:i], c.Redefines)
			if target == nil {
				return errAt(c.Line, c.Col, "%s REDEFINES %s, which is not an earlier item of the same group", c.Name, c.Redefines)
			}
			at = target.Offset
		}
		if err := place(c, at); err != nil {
			return err
		}
		next = max(next, at+c.span())
		if next-offset > storage.MaxRecordLen {
			return errAt(c.Line, c.Col, "group %s grows past %d bytes, recq's limit for a record", it.Name, storage.MaxRecordLen)
		}
	}
	it.Size = next - offset
	return nil
}

// redefined finds the item named name among earlier siblings.
func redefined(sibs []*Item, name string) *Item {
	for i := len(sibs) - 1; i >= 0; i-- {
		if sibs[i].Name == name {
			return sibs[i]
		}
	}
	return nil
}

// elementarySize is the bytes of one occurrence of an elementary item, as
// Cobrix computes them: DISPLAY one byte per character (a separate sign
// one more), COMP 2, 4 or 8 bytes for 1-4, 5-9 and 10-18 digits (COMP-9
// also 1 byte for 1-2 digits), COMP-3 digits/2+1, COMP-1 4 and COMP-2 8.
func elementarySize(it *Item) (int, error) {
	switch it.Usage {
	case Float, Double:
		if it.Pic != nil {
			return 0, errAt(it.Line, it.Col, "%s is %s, which takes no PIC clause", it.Name, it.Usage)
		}
		if it.Usage == Float {
			return 4, nil
		}
		return 8, nil
	}
	pic := it.Pic
	if pic == nil {
		return 0, errAt(it.Line, it.Col, "%s has no PIC clause and no subordinate items: give it a PIC, or a USAGE of COMP-1 or COMP-2", it.Name)
	}
	if it.Usage != Display && pic.Category != Numeric {
		return 0, errAt(it.Line, it.Col, "%s is %s but %s is not a numeric picture ([S]9...[V9...])", it.Name, it.Usage, pic)
	}
	switch it.Usage {
	case Binary, BinaryLE:
		if pic.PLeading+pic.PTrailing > 0 {
			return 0, errAt(it.Line, it.Col, "%s: P scaling on a %s item is not supported (only on DISPLAY and COMP-3 items)", it.Name, it.Usage)
		}
		switch d := pic.Digits; {
		case d <= 2 && it.Usage == BinaryLE:
			return 1, nil
		case d <= 4:
			return 2, nil
		case d <= 9:
			return 4, nil
		case d <= 18:
			return 8, nil
		}
		return 0, errAt(it.Line, it.Col, "%s: a %s item of %d digits is wider than 8 bytes; recq reads binary numbers of up to 18 digits", it.Name, it.Usage, pic.Digits)
	case Packed:
		return pic.Digits/2 + 1, nil
	}
	n := pic.Length
	if pic.Category == Numeric {
		if it.SignSet && !pic.Signed {
			return 0, errAt(it.Line, it.Col, "%s has a SIGN clause but %s has no S", it.Name, pic)
		}
		if it.SignSeparate && pic.Signed {
			n++
		}
	}
	return n, nil
}

// find returns the first item named name (depth first), or nil.
func (cb *Copybook) find(name string) *Item {
	var walk func(*Item) *Item
	walk = func(it *Item) *Item {
		if it.Name == name {
			return it
		}
		for _, c := range it.Children {
			if f := walk(c); f != nil {
				return f
			}
		}
		return nil
	}
	for _, r := range cb.Records {
		if f := walk(r); f != nil {
			return f
		}
	}
	return nil
}

func (cb *Copybook) placeRename(r *Rename) error {
	from := cb.find(r.From)
	if from == nil {
		return errAt(r.Line, r.Col, "66 %s RENAMES %s, which is not a data item of the copybook", r.Name, r.From)
	}
	thru := from
	if r.Thru != "" {
		if thru = cb.find(r.Thru); thru == nil {
			return errAt(r.Line, r.Col, "66 %s RENAMES ... THRU %s, which is not a data item of the copybook", r.Name, r.Thru)
		}
	}
	end := thru.Offset + thru.span()
	if end <= from.Offset {
		return errAt(r.Line, r.Col, "66 %s: %s ends before %s starts", r.Name, r.Thru, r.From)
	}
	r.Offset, r.Size = from.Offset, end-from.Offset
	return nil
}
