package query

import (
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/recq/recq/parser"
	"github.com/recq/recq/storage"
)

// inlineLayout builds read_fixed's layout from its arguments: layout =>
// 'CREATE TABLE ...' or columns => {name: 'TYPE POSITION(a:b) ...', ...},
// plus layout table options given as named parameters (format => 'text').
// The DDL goes through the same parser and LayoutFromDDL as a sidecar, and
// errors point into the query: inside the string that holds the DDL.
func inlineLayout(a *funcArgs) (*Layout, error) {
	ddlArg, cols := a.named["layout"], a.named["columns"]
	switch {
	case ddlArg == nil && cols == nil:
		return nil, posErr(a.pos, "read_fixed needs the file's layout: layout => 'CREATE TABLE t (...) WITH (...)', or columns => {name: 'TYPE POSITION(start:end)', ...}")
	case ddlArg != nil && cols != nil:
		return nil, posErr(cols.Pos, "give the layout either as layout => 'CREATE TABLE ...' or as columns => {...}, not both")
	}
	var src ddlSource
	if ddlArg != nil {
		l, err := a.lit("layout")
		if err != nil {
			return nil, err
		}
		if l.Kind != parser.LitString {
			return nil, posErr(l.Pos, "parameter layout of read_fixed wants the layout DDL in quotes: layout => 'CREATE TABLE t (...)'")
		}
		src.add(l.Text, l)
	} else {
		v, err := a.structArg("columns")
		if err != nil {
			return nil, err
		}
		src.add("CREATE TABLE read_fixed (", nil)
		for i, f := range v.Fields {
			def, err := fieldString(a.fn, f)
			if err != nil {
				return nil, err
			}
			if i > 0 {
				src.add(", ", nil)
			}
			src.add(`"`+strings.ReplaceAll(f.Key, `"`, `""`)+`" `, nil)
			src.add(def.Text, def)
		}
		src.add(")", nil)
	}
	stmt, err := parser.ParseOne(src.text)
	if err != nil {
		return nil, src.mapErr(err, a.pos)
	}
	ct, ok := stmt.(*parser.CreateTable)
	if !ok {
		return nil, src.mapErr(&parser.Error{Line: 1, Column: 1, Msg: "a layout must be a CREATE TABLE statement"}, a.pos)
	}
	src.remap(ct, a.pos)
	for _, name := range a.order {
		if name == "layout" || name == "columns" {
			continue
		}
		arg := a.named[name]
		l, err := a.lit(name)
		if err != nil {
			return nil, err
		}
		for _, o := range ct.Options {
			if o.Key == name {
				return nil, posErr(arg.Pos, "option %s is given both in the layout and as a parameter of read_fixed; keep one", name)
			}
		}
		ct.Options = append(ct.Options, &parser.TableOption{Pos: arg.Pos, Key: name, Value: l})
	}
	return LayoutFromDDL(ct)
}

// ddlSource is DDL text assembled from pieces, some of which are string
// literals of the query: positions in the text map back to the query.
type ddlSource struct {
	text   string
	pieces []ddlPiece
}

type ddlPiece struct {
	start, end int             // byte range in text
	lit        *parser.Literal // the literal holding the piece, or nil
}

func (s *ddlSource) add(text string, lit *parser.Literal) {
	s.pieces = append(s.pieces, ddlPiece{start: len(s.text), end: len(s.text) + len(text), lit: lit})
	s.text += text
}

// pos maps a position of the text to the query: into the literal that
// holds it, else (text the call added) to the nearest literal before it,
// else to def (the call).
func (s *ddlSource) pos(p parser.Pos, def parser.Pos) parser.Pos {
	off := p.Offset
	for _, pc := range s.pieces {
		if off < pc.start || off > pc.end || (off == pc.end && pc.end != len(s.text)) {
			continue
		}
		if pc.lit == nil {
			continue
		}
		// In the query the literal's quotes are doubled: each one before
		// the position moves it one more character along.
		before := s.text[pc.start:off]
		q := pc.lit.Pos
		out := parser.Pos{Offset: q.Offset + 1 + len(before) + strings.Count(before, "'")}
		if nl := strings.LastIndexByte(before, '\n'); nl >= 0 {
			last := before[nl+1:]
			out.Line = q.Line + strings.Count(before, "\n")
			out.Column = 1 + utf8.RuneCountInString(last) + strings.Count(last, "'")
		} else {
			out.Line = q.Line
			out.Column = q.Column + 1 + utf8.RuneCountInString(before) + strings.Count(before, "'")
		}
		return out
	}
	// Text the call added (the CREATE TABLE around columns => {...}):
	// the nearest literal before it, else the call.
	for i := len(s.pieces) - 1; i >= 0; i-- {
		if pc := s.pieces[i]; pc.start <= off && pc.lit != nil {
			return pc.lit.Pos
		}
	}
	return def
}

// mapErr moves a parse or layout error of the text into the query.
func (s *ddlSource) mapErr(err error, def parser.Pos) error {
	var pe *parser.Error
	if !errors.As(err, &pe) {
		return posErr(def, "%v", err)
	}
	at := s.pos(parser.Pos{Line: pe.Line, Column: pe.Column, Offset: pe.Offset}, def)
	return posErr(at, "in the layout: %s", pe.Msg)
}

// remap moves every position of the parsed DDL into the query, so that
// LayoutFromDDL's errors point there.
func (s *ddlSource) remap(ct *parser.CreateTable, def parser.Pos) {
	ct.Pos = s.pos(ct.Pos, def)
	for _, c := range ct.Columns {
		c.Pos = s.pos(c.Pos, def)
		c.Type.Pos = s.pos(c.Type.Pos, def)
		for _, o := range c.Options {
			o.Pos = s.pos(o.Pos, def)
		}
	}
	for _, o := range ct.Options {
		o.Pos = s.pos(o.Pos, def)
		o.Value.Pos = s.pos(o.Value.Pos, def)
	}
}

// isFileError reports whether err names its file (a *storage.FileError).
func isFileError(err error) bool {
	var fe *storage.FileError
	return errors.As(err, &fe)
}
