package importer

import (
	"bytes"
	"fmt"
	"strings"
)

// checkHeader compares the column names of a delimited file's header line
// (--header) with the layout's field names, in order and ignoring case and
// surrounding spaces, so that a header and a layout that disagree (columns
// swapped, one missing) fail before any record is read rather than
// importing values into the wrong columns.
func (im *Importer) checkHeader(line []byte) error {
	line = bytes.TrimRight(line, "\r\n")
	p := im.newParser()
	if err := p.split(line); err != nil {
		return &LineError{Path: im.opts.From, Line: 1, Err: fmt.Errorf("the header line: %w", err)}
	}
	var got []string
	for _, f := range p.fields {
		got = append(got, strings.TrimSpace(string(f)))
	}
	nf := len(im.in.Fields)
	if len(got) == nf+1 && got[nf] == "" {
		got = got[:nf] // a trailing delimiter
	}
	want := make([]string, nf)
	for i, f := range im.in.Fields {
		want[i] = f.Name
	}
	mismatch := len(got) != nf
	where := ""
	for i := 0; i < min(len(got), nf) && !mismatch; i++ {
		if !strings.EqualFold(got[i], want[i]) {
			mismatch = true
			where = fmt.Sprintf(": column %d is %q where the layout has %s", i+1, got[i], want[i])
		}
	}
	if !mismatch {
		return nil
	}
	if where == "" {
		where = fmt.Sprintf(": the header has %d columns, the layout %d", len(got), nf)
	}
	return &LineError{Path: im.opts.From, Line: 1, Err: fmt.Errorf("the header's columns (%s) do not match the layout's (%s)%s; "+
		"fix the header or the layout (the columns must be in the layout's order), or drop --header if the first line is data",
		strings.Join(got, ", "), strings.Join(want, ", "), where)}
}
