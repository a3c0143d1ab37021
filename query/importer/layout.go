package importer

import (
	"fmt"
	"strings"

	"github.com/recq/recq/parser"
	"github.com/recq/recq/query"
	"github.com/recq/recq/storage"
)

// delimitedLayout reads the CREATE TABLE statement of delimited input. The
// column types and NULL / NOT NULL come from the statement; the options
// that say how text reads (FORMAT, NULLIF, IMPLIED DECIMALS, TRIM) are
// kept for parsing the fields, and the placement options (POSITION,
// OFFSET, WIDTH, byte order, WITH (...)) are ignored, so a fixed-width
// layout (a sidecar) also describes a delimited version of its file.
func delimitedLayout(ddl string) (*storage.Schema, error) {
	stmt, err := parser.ParseOne(ddl)
	if err != nil {
		return nil, err
	}
	ct, ok := stmt.(*parser.CreateTable)
	if !ok {
		p := stmt.Position()
		return nil, &parser.Error{Line: p.Line, Column: p.Column, Offset: p.Offset, Msg: "a layout must be a CREATE TABLE statement"}
	}
	text := false
	for _, o := range ct.Options {
		if o.Key == "format" && o.Value != nil && strings.EqualFold(o.Value.Text, "text") {
			text = true
		}
	}
	type textOpts struct {
		format       string
		nullIf       []string
		implied      int
		impliedScale bool
		pos          parser.Pos
	}
	extra := make([]textOpts, len(ct.Columns))
	stripped := &parser.CreateTable{Pos: ct.Pos, Name: ct.Name}
	for i, c := range ct.Columns {
		nc := *c
		nc.Options = nil
		declared := false
		x := &extra[i]
		x.pos = c.Pos
		for _, o := range c.Options {
			switch o.Kind {
			case parser.OptFormat:
				x.format, x.pos = o.Str, o.Pos
			case parser.OptNullIf:
				x.nullIf = o.Strs
			case parser.OptImplied:
				x.implied, x.impliedScale = o.Int1, o.Int2 == 0
			case parser.OptPosition, parser.OptOffset, parser.OptWidth,
				parser.OptLittleEndian, parser.OptBigEndian, parser.OptText,
				parser.OptPacked, parser.OptZoned, parser.OptIBMFloat, parser.OptUnsigned, parser.OptSign, parser.OptCodePage:
				// placement: not used by delimited input
			case parser.OptNull, parser.OptNotNull:
				declared = true
				nc.Options = append(nc.Options, o)
			default:
				nc.Options = append(nc.Options, o)
			}
		}
		if !declared && (text || len(x.nullIf) > 0) {
			// Text columns are nullable unless NOT NULL, as in text files.
			nc.Options = append(nc.Options, &parser.ColumnOption{Pos: c.Pos, Kind: parser.OptNull})
		}
		stripped.Columns = append(stripped.Columns, &nc)
	}
	l, err := query.LayoutFromDDL(stripped)
	if err != nil {
		return nil, err
	}
	s := *l.Schema
	s.Fields = append([]storage.Field(nil), s.Fields...)
	for i := range s.Fields {
		f := &s.Fields[i]
		x := extra[i]
		f.NullIf = x.nullIf
		f.Implied = x.implied
		if x.impliedScale {
			f.Implied = f.Type.Scale
		}
		if x.format != "" {
			if f.Type.Kind != storage.Date && f.Type.Kind != storage.Timestamp {
				return nil, posError(x.pos, "column %s: FORMAT applies to DATE and TIMESTAMP columns", f.Name)
			}
			// Let storage check the pattern, as for a text field.
			probe := storage.Field{Name: f.Name, Type: f.Type, Encoding: storage.Text, Width: len(x.format), Format: x.format, Offset: storage.Implicit}
			if _, err := storage.NewSchema([]storage.Field{probe}, storage.SchemaOptions{NullBitmap: storage.NoNullBitmap}); err != nil {
				return nil, posError(x.pos, "column %s: %s", f.Name, strings.TrimPrefix(strings.TrimPrefix(err.Error(), "invalid schema: "), "field "+f.Name+": "))
			}
			f.Format = x.format
		}
		if f.Implied > 0 && f.Type.Kind != storage.Decimal && !f.Type.IsFloat() {
			return nil, posError(x.pos, "column %s: IMPLIED DECIMALS applies to DECIMAL and float columns", f.Name)
		}
	}
	return &s, nil
}

func posError(p parser.Pos, format string, args ...any) error {
	return &parser.Error{Line: p.Line, Column: p.Column, Offset: p.Offset, Msg: fmt.Sprintf(format, args...)}
}
