package scan

import "github.com/recq/recq/storage"

// lastOfTypesVar is lastOfTypes for a variable-length (V or VB) file,
// whose records have no fixed places: it reads the record index's spans
// that hold records [from, to), walks their RDWs, and sets found[v] to
// the last record of type v among them. A record that ends before the
// type field has no type.
func (p *partition) lastOfTypesVar(from, to int64, found []int64) error {
	t := p.scan.table
	sg := p.scan.segs
	x := t.Layout.Var
	fr := t.Raw.Framing()
	f := &t.Schema.Fields[sg.Field]
	var spans storage.RecordSpans
	for k := x.Entry(from); k < len(x.Entries) && from < to; k++ {
		first, end, off, offEnd := x.Span(k)
		lo, hi := max(from, first), min(to, end)
		reg, err := p.run.src.Read(off, int(offEnd-off))
		if err != nil {
			return err
		}
		err = p.guard(func() error {
			spans.Reset()
			if _, err := fr.Split(t.Path, reg.Bytes, off, first, int(lo-first), int(hi-lo), &spans); err != nil {
				return err
			}
			for i, start := range spans.Start {
				if spans.Len[i] < f.End() {
					continue
				}
				if v := sg.Classify(reg.Bytes[start+f.Offset : start+f.End()]); v >= 0 {
					found[v] = lo + int64(i)
				}
			}
			return nil
		})
		reg.Release()
		if err != nil {
			return err
		}
		from = hi
	}
	return nil
}
