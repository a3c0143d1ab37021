package importer

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/recq/recq/storage"
)

// lineParser turns chunks into encoded records; each worker has its own.
type lineParser struct {
	im     *Importer
	in     *storage.Schema
	out    *storage.Schema
	delim  byte
	fields [][]byte // the current line's fields
	starts []int    // their 1-based byte columns
	quoted []bool
	rec    []byte // fixed-width: a padded record
}

func (im *Importer) newParser() *lineParser {
	return &lineParser{im: im, in: im.in, out: im.out, delim: im.opts.Delimiter}
}

func (p *lineParser) process(c chunk) result {
	if p.delim != 0 {
		return p.delimited(c)
	}
	return p.fixed(c)
}

// Errors about the shape of a line.
var (
	errFieldCount = errors.New("wrong number of fields")
	errQuote      = errors.New("a quoted field must end with a quote followed by the delimiter or the end of the line")
	errNull       = errors.New("empty value in a NOT NULL column")
)

// delimited parses a chunk of delimited lines.
func (p *lineParser) delimited(c chunk) result {
	rl := p.out.RecordLen
	r := result{seq: c.seq, bytes: int64(len(c.data))}
	r.recs = make([]byte, 0, min(len(c.data), 1<<20))
	data := c.data
	line := c.firstLine
	for len(data) > 0 {
		end := recordEnd(data, p.delim)
		if end < 0 {
			end = len(data)
		}
		raw := data[:end]
		data = data[end:]
		text := bytes.TrimSuffix(bytes.TrimSuffix(raw, []byte{'\n'}), []byte{'\r'})
		lines := int64(bytes.Count(raw, []byte{'\n'}))
		if len(bytes.TrimSpace(text)) == 0 {
			line += lines
			continue
		}
		r.recs = append(r.recs, make([]byte, rl)...)
		rec := r.recs[len(r.recs)-rl:]
		if lerr := p.line(text, rec, line); lerr != nil {
			r.recs = r.recs[:len(r.recs)-rl]
			r.rejects = append(r.rejects, reject{err: lerr, raw: raw})
		} else {
			r.n++
		}
		line += max(lines, 1)
	}
	return r
}

// split cuts a line into fields. A field that starts with '"' is quoted:
// it runs to the next lone quote, and "" inside stands for one quote.
func (p *lineParser) split(text []byte) error {
	p.fields, p.starts, p.quoted = p.fields[:0], p.starts[:0], p.quoted[:0]
	i := 0
	for {
		start := i
		if i < len(text) && text[i] == '"' {
			var b []byte
			j := i + 1
			closed := false
			for j < len(text) {
				if text[j] == '"' {
					if j+1 < len(text) && text[j+1] == '"' {
						b = append(b, '"')
						j += 2
						continue
					}
					closed = true
					j++
					break
				}
				b = append(b, text[j])
				j++
			}
			if !closed || (j < len(text) && text[j] != p.delim) {
				p.starts = append(p.starts, start+1)
				return errQuote
			}
			if b == nil {
				b = []byte{}
			}
			p.fields = append(p.fields, b)
			p.starts = append(p.starts, start+1)
			p.quoted = append(p.quoted, true)
			i = j
		} else {
			j := bytes.IndexByte(text[i:], p.delim)
			if j < 0 {
				j = len(text) - i
			}
			p.fields = append(p.fields, text[i:i+j])
			p.starts = append(p.starts, start+1)
			p.quoted = append(p.quoted, false)
			i += j
		}
		if i >= len(text) {
			return nil
		}
		i++ // the delimiter
		if i == len(text) {
			// A trailing delimiter: an empty last field (TPC-H .tbl lines
			// end with '|').
			p.fields = append(p.fields, text[i:])
			p.starts = append(p.starts, i+1)
			p.quoted = append(p.quoted, false)
			return nil
		}
	}
}

// line parses one delimited line into rec.
func (p *lineParser) line(text, rec []byte, lineNo int64) *LineError {
	path := p.im.opts.From
	if err := p.split(text); err != nil {
		return &LineError{Path: path, Line: lineNo, Column: p.starts[len(p.starts)-1], Err: err}
	}
	nf := len(p.in.Fields)
	got := len(p.fields)
	if got == nf+1 && len(p.fields[nf]) == 0 && !p.quoted[nf] {
		got = nf // trailing delimiter
	}
	if got != nf {
		col := 0
		if got > nf {
			col = p.starts[nf]
		}
		return &LineError{Path: path, Line: lineNo, Column: col,
			Err: fmt.Errorf("%w: %d, the schema has %d", errFieldCount, got, nf)}
	}
	for i := 0; i < nf; i++ {
		f := &p.in.Fields[i]
		v, err := parseField(f, p.fields[i], p.quoted[i])
		if err != nil {
			return &LineError{Path: path, Line: lineNo, Column: p.starts[i], Field: f.Name, Text: string(p.fields[i]), Err: err}
		}
		if err := p.out.EncodeField(rec, i, v); err != nil {
			var fe *storage.FieldError
			if errors.As(err, &fe) {
				err = fe.Err
			}
			return &LineError{Path: path, Line: lineNo, Column: p.starts[i], Field: f.Name, Text: string(p.fields[i]), Err: err}
		}
	}
	return nil
}

// parseField converts one field's text to its Go value (nil for NULL) with
// storage's text parsers. An empty unquoted field is NULL; an empty quoted
// field is an empty string for CHAR and NULL for other types.
func parseField(f *storage.Field, b []byte, quoted bool) (any, error) {
	t := f.Type
	if t.Kind == storage.Char {
		if len(b) == 0 && !quoted && f.Nullable {
			return nil, nil
		}
		if f.IsNullSentinel(b) {
			return nil, nil
		}
		return string(b), nil
	}
	tb := bytes.TrimSpace(b)
	if len(tb) == 0 || f.IsNullSentinel(tb) {
		if !f.Nullable && !(f.HasNullIf() && len(tb) > 0) {
			return nil, errNull
		}
		return nil, nil
	}
	switch {
	case t.Kind == storage.Boolean:
		return storage.ParseTextBool(tb)
	case t.IsSigned():
		return storage.ParseTextInt(tb, t.BinaryWidth()*8)
	case t.IsInteger():
		return storage.ParseTextUint(tb, t.BinaryWidth()*8)
	case t.IsFloat():
		return storage.ParseTextFloat(tb, t.BinaryWidth()*8, f.Implied)
	case t.Kind == storage.Decimal:
		v, err := storage.ParseTextDecimal(tb, t.Precision, t.Scale, f.Implied)
		return storage.DecimalValue{Unscaled: v, Scale: t.Scale}, err
	case t.Kind == storage.Date:
		v, err := storage.ParseTextDate(tb, f.EffectiveFormat(), f.YearStart)
		return storage.DateValue(v), err
	case t.Kind == storage.Timestamp:
		v, err := storage.ParseTextTimestamp(tb, timestampFormat(f, tb), f.YearStart)
		return storage.TimestampValue(v), err
	}
	return nil, fmt.Errorf("cannot import a %s column", t)
}

// timestampFormat is the field's pattern; without one, the default
// pattern is widened to the text: a 'T' between date and time and a
// fraction of seconds are accepted.
func timestampFormat(f *storage.Field, b []byte) string {
	if f.Format != "" {
		return f.Format
	}
	format := storage.DefaultTimestampFormat
	if len(b) > 10 && b[10] == 'T' {
		format = "YYYY-MM-DDTHH:MI:SS"
	}
	if len(b) > 20 && b[19] == '.' {
		format += "." + strings.Repeat("F", min(len(b)-20, 9))
	}
	return format
}

// fixed decodes a chunk of fixed-width records and re-encodes them.
func (p *lineParser) fixed(c chunk) result {
	t := p.im.table
	l := &t.Layout
	rl := p.out.RecordLen
	r := result{seq: c.seq, bytes: int64(len(c.data))}
	r.recs = make([]byte, 0, int(c.records)*rl)
	base := l.RecordOffset(c.firstLine)
	for k := int64(0); k < c.records; k++ {
		i := c.firstLine + k
		var raw, src []byte
		if l.LineStarts != nil {
			a, b := l.LineStarts[i]-base, l.LineStarts[i+1]-base
			raw = c.data[a:b]
			line := bytes.TrimSuffix(bytes.TrimSuffix(raw, []byte{'\n'}), []byte{'\r'})
			if cap(p.rec) < l.RecordLen {
				p.rec = make([]byte, l.RecordLen)
			}
			src = p.rec[:l.RecordLen]
			n := copy(src, line)
			for j := n; j < len(src); j++ {
				src[j] = ' '
			}
		} else {
			a := k * int64(l.Stride)
			end := min(a+int64(l.Stride), int64(len(c.data)))
			raw = c.data[a:end]
			src = raw[:l.RecordLen]
		}
		r.recs = append(r.recs, make([]byte, rl)...)
		rec := r.recs[len(r.recs)-rl:]
		if lerr := p.record(src, rec, i); lerr != nil {
			r.recs = r.recs[:len(r.recs)-rl]
			r.rejects = append(r.rejects, reject{err: lerr, raw: raw})
		} else {
			r.n++
		}
	}
	return r
}

// record decodes record i (src) and encodes it into rec.
func (p *lineParser) record(src, rec []byte, i int64) *LineError {
	t := p.im.table
	text := t.Format == storage.RawText
	lineNo := i + 1
	if text {
		lineNo += int64(t.Raw.SkipLines)
	}
	for fi := range p.in.Fields {
		f := &p.in.Fields[fi]
		v, err := p.in.DecodeField(src, fi)
		if err == nil {
			err = p.out.EncodeField(rec, fi, v)
		}
		if err != nil {
			var fe *storage.FieldError
			if errors.As(err, &fe) {
				err = fe.Err
			}
			fieldText := ""
			if f.IsText() {
				fieldText = string(src[f.Offset:f.End()])
			}
			return &LineError{Path: t.Path, Line: lineNo, Record: !text, Column: f.Offset + 1, Field: f.Name, Text: fieldText, Err: err}
		}
	}
	return nil
}
