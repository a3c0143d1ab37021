package query

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/recq/recq/parser"
	"github.com/recq/recq/query/copybook"
)

// expandCopybook turns CREATE TABLE t FROM COPYBOOK 'x.cpy' WITH (...) into
// the CREATE TABLE with the copybook's columns (see copybook.DDL): the
// statement's encoding, ebcdic_code_page and floating_point_format choose
// the columns' encodings, and its options are kept, with the copybook's
// record_length unless the statement gives one.
//
// A relative path is relative to dir, the directory of the file the
// statement was read from ("" for the working directory).
func expandCopybook(ct *parser.CreateTable, dir string) (*parser.CreateTable, error) {
	path := ct.Copybook
	if dir != "" && !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, layoutErr(ct.CopybookPos, "FROM COPYBOOK: %v", err)
	}
	cb, err := copybook.Parse(string(src), copybook.Options{})
	if err != nil {
		return nil, layoutErr(ct.CopybookPos, "copybook %s: %v", ct.Copybook, err)
	}
	o := copybook.DDLOptions{Table: ct.Name}
	given := map[string]bool{}
	var kept []*parser.TableOption
	for _, opt := range ct.Options {
		given[opt.Key] = true
		if opt.Value == nil {
			continue
		}
		if isCopybookOption(opt.Key) {
			// Options of the conversion (variable_size_occurs is the
			// layout's too).
			if err := copybookOption(&o, opt); err != nil {
				return nil, err
			}
			if opt.Key != "variable_size_occurs" {
				continue
			}
		}
		kept = append(kept, opt)
		if opt.Value.Kind != parser.LitString {
			continue
		}
		switch opt.Key {
		case "encoding":
			o.Encoding = opt.Value.Text
		case "ebcdic_code_page":
			o.CodePage = opt.Value.Text
		case "floating_point_format":
			o.FloatingPointFormat = opt.Value.Text
		}
	}
	ddl, err := cb.DDL(o)
	if err != nil {
		return nil, layoutErr(ct.CopybookPos, "copybook %s: %v", ct.Copybook, err)
	}
	stmt, err := parser.ParseOne(ddl)
	if err != nil {
		return nil, layoutErr(ct.CopybookPos, "copybook %s: the layout made from it does not parse: %v", ct.Copybook, err)
	}
	gen := stmt.(*parser.CreateTable)
	out := *ct
	out.Columns = gen.Columns
	out.Options = kept
	for _, opt := range gen.Options {
		if !given[strings.ToLower(opt.Key)] {
			opt.Pos, opt.Value.Pos = ct.CopybookPos, ct.CopybookPos
			out.Options = append(out.Options, opt)
		}
	}
	for _, c := range out.Columns {
		// Errors about a column point at FROM COPYBOOK.
		c.Pos = ct.CopybookPos
	}
	return &out, nil
}

// isCopybookOption reports whether a WITH key is an option of the
// copybook's conversion to columns (occurs, groups,
// variable_size_occurs), which FROM COPYBOOK consumes.
func isCopybookOption(key string) bool {
	return key == "occurs" || key == "groups" || key == "variable_size_occurs"
}

// copybookOption sets a conversion option from WITH.
func copybookOption(o *copybook.DDLOptions, opt *parser.TableOption) error {
	v := strings.ToLower(opt.Value.Text)
	switch opt.Key {
	case "occurs":
		if v != "array" && v != "flatten" {
			return layoutErr(opt.Value.Pos, "occurs %q is not array (one array column per OCCURS item, the default) or flatten (one column per element)", opt.Value.Text)
		}
		o.Occurs = v
	case "groups":
		if v != "flatten" && v != "struct" {
			return layoutErr(opt.Value.Pos, "groups %q is not flatten (the groups' elementary items as columns, the default) or struct (a STRUCT column per group)", opt.Value.Text)
		}
		o.Groups = v
	case "variable_size_occurs":
		if v != "true" && v != "false" {
			return layoutErr(opt.Value.Pos, "variable_size_occurs takes true or false, not %s", opt.Value.Text)
		}
		o.VariableSizeOccurs = v == "true"
	}
	return nil
}
