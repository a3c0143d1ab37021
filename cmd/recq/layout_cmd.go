package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/recq/recq/parser"
	"github.com/recq/recq/query/copybook"
)

type layoutCmd struct {
	Copybook            string `required:"" type:"existingfile" placeholder:"FILE.cpy" help:"The COBOL copybook to translate."`
	Encoding            string `default:"ebcdic" enum:"ebcdic,ascii" help:"The data's encoding: ebcdic (the default, as in Cobrix) or ascii."`
	CodePage            string `placeholder:"PAGE" help:"The EBCDIC code page (ebcdic_code_page): 037 (the default), 273, 500, 1047, 1140 ..."`
	FloatingPointFormat string `placeholder:"FMT" help:"COMP-1 and COMP-2 encoding: IBM (the default), IEEE754 or IEEE754_little_endian."`
	Name                string `placeholder:"TABLE" help:"The table name (default: the copybook's file name)."`
	DataFile            string `placeholder:"DATA" help:"The data file, written as WITH (file = '...')."`
	RecordFormat        string `name:"record-format" placeholder:"FMT" enum:",F,FB,V,VB,D" default:"" help:"Cobrix's record_format: F or FB (fixed, the default), V (records with 4-byte RDW headers), VB (BDW blocks of RDW records), D (text lines)."`
	RDWAdjustment       int    `name:"rdw-adjustment" help:"Added to each RDW's length (rdw_adjustment): -4 when the RDWs count their own 4 bytes, as z/OS writes them."`
	BDWAdjustment       int    `name:"bdw-adjustment" help:"Added to each BDW's length (bdw_adjustment): -4 when the BDWs count their own 4 bytes."`
	RDWLittleEndian     bool   `name:"rdw-little-endian" help:"The RDWs are little-endian (is_rdw_big_endian = false)."`
	BDWLittleEndian     bool   `name:"bdw-little-endian" help:"The BDWs are little-endian (is_bdw_big_endian = false)."`
	Occurs              string `default:"array" enum:"array,flatten" help:"OCCURS items: array (one array column, of structs for a group, as Cobrix) or flatten (one column per element, name_1..name_n)."`
	Groups              string `default:"flatten" enum:"flatten,struct" help:"Group items: flatten (their elementary items as columns) or struct (one STRUCT column per named group, as Cobrix)."`
	SourceFormat        string `name:"source-format" default:"auto" enum:"auto,fixed,free" help:"The copybook's source format: fixed (columns 1-6 sequence, 7 indicator, 8-72 text), free, or auto (fixed unless a level number starts within columns 1-6)."`
}

func (c *layoutCmd) Help() string {
	return `Prints the layout DDL (CREATE TABLE ... WITH (...)) of a COBOL copybook's
record: one column per elementary item, groups flattened (or STRUCT columns
with --groups struct), FILLER left out, an OCCURS item one array column (of
STRUCTs for a group; OCCURS DEPENDING ON reads the count from its field), or
name_1..name_n columns with --occurs flatten; REDEFINES, 88 conditions and
66 RENAMES are listed as comments. Save it as the data file's FILE.schema
sidecar, or pass it to describe --schema. See docs/mainframe.md, "Copybooks".

Examples:
  recq layout --copybook accounts.cpy > accounts.ebc.schema
  recq layout --copybook accounts.cpy --code-page 1047 --data-file accounts.ebc
  recq layout --copybook orders.cpy --encoding ascii --name orders
  recq layout --copybook accounts.cpy --record-format V --rdw-adjustment=-4
  recq layout --copybook orders.cpy --groups struct --occurs flatten`
}

func (c *layoutCmd) Run(e *env) error {
	src, err := os.ReadFile(c.Copybook)
	if err != nil {
		return err
	}
	format := map[string]copybook.Format{"auto": copybook.Auto, "fixed": copybook.Fixed, "free": copybook.Free}[c.SourceFormat]
	cb, err := copybook.Parse(string(src), copybook.Options{Format: format})
	if err != nil {
		return fmt.Errorf("%s: %w", c.Copybook, err)
	}
	name := c.Name
	if name == "" {
		name = tableNameOf(c.Copybook)
	}
	o := copybook.DDLOptions{Table: name, Encoding: c.Encoding, CodePage: c.CodePage, FloatingPointFormat: c.FloatingPointFormat,
		Occurs: c.Occurs, Groups: c.Groups}
	if c.DataFile != "" {
		o.Extra = append(o.Extra, "file = "+parser.QuoteString(c.DataFile))
	}
	o.Extra = append(o.Extra, c.recordFormatOptions()...)
	ddl, err := cb.DDL(o)
	if err != nil {
		return fmt.Errorf("%s: %w", c.Copybook, err)
	}
	_, err = fmt.Fprint(e.stdout, ddl)
	return err
}

// tableNameOf makes a table name of a file's base name: lower case, what
// is not a letter or digit as '_'.
func tableNameOf(path string) string {
	base := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	b := []byte(strings.ToLower(base))
	for i, ch := range b {
		if !(ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '_') {
			b[i] = '_'
		}
	}
	if len(b) == 0 {
		return "copybook"
	}
	return string(b)
}

// recordFormatOptions are the WITH options of the --record-format flags.
func (c *layoutCmd) recordFormatOptions() []string {
	var out []string
	if c.RecordFormat != "" {
		out = append(out, "record_format = "+parser.QuoteString(c.RecordFormat))
	}
	if c.RDWLittleEndian {
		out = append(out, "is_rdw_big_endian = false")
	}
	if c.RDWAdjustment != 0 {
		out = append(out, fmt.Sprintf("rdw_adjustment = %d", c.RDWAdjustment))
	}
	if c.BDWLittleEndian {
		out = append(out, "is_bdw_big_endian = false")
	}
	if c.BDWAdjustment != 0 {
		out = append(out, fmt.Sprintf("bdw_adjustment = %d", c.BDWAdjustment))
	}
	return out
}
