package query

import (
	"context"
	"fmt"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/exec"
	"github.com/recq/recq/parser"
	"github.com/recq/recq/query/csvfile"
)

// csvParams are read_csv's named parameters (DuckDB's names; sep is
// delim's alias).
var csvParams = []string{"header", "delim", "sep", "columns", "skip", "nullstr", "all_varchar", "sample_size"}

// bindReadCSV binds read_csv(files, ...): the sniffer reads the first
// file's start for what the arguments leave open (delimiter, header,
// column names and types).
func bindReadCSV(bd *binder, t *parser.TableRef, a *funcArgs) ([]*relation, Node, error) {
	files, err := a.files()
	if err != nil {
		return nil, nil, err
	}
	paths, err := expandFiles(files)
	if err != nil {
		return nil, nil, fileSetErr(t.Func.Pos, err)
	}
	opts, err := csvOptions(a)
	if err != nil {
		return nil, nil, err
	}
	f, err := csvfile.FileSource(paths[0]).Open()
	if err != nil {
		return nil, nil, fileSetErr(a.positional[0].Pos, err)
	}
	defer f.Close()
	sch, err := csvfile.Sniff(f, paths[0], opts)
	if err != nil {
		return nil, nil, err
	}
	var size int64
	for _, p := range paths {
		if st, err := os.Stat(p); err == nil {
			size += st.Size()
		}
	}
	src := &csvSource{paths: paths, pattern: a.filesText(), sch: sch, opts: opts, schema: csvfile.ArrowSchema(sch), size: size}
	return bd.bindRead(t, src)
}

// expandFiles lists the files of a table function's file argument: each
// path as is, each glob or directory as its files in sorted order. A
// device, pipe or other file that is not a regular file is refused, as
// in FROM 'path'.
func expandFiles(files []string) ([]string, error) {
	var out []string
	for _, p := range files {
		if !isMultiPath(p) {
			if err := checkDataFile(p); err != nil {
				return nil, err
			}
			out = append(out, p)
			continue
		}
		_, more, err := expandPattern(p)
		if err != nil {
			return nil, err
		}
		out = append(out, more...)
	}
	return out, nil
}

// csvOptions reads read_csv's named arguments.
func csvOptions(a *funcArgs) (csvfile.Options, error) {
	var o csvfile.Options
	if a.named["header"] != nil {
		h, err := a.boolean("header", false)
		if err != nil {
			return o, err
		}
		o.Header = csvfile.HeaderNo
		if h {
			o.Header = csvfile.HeaderYes
		}
	}
	for _, name := range []string{"delim", "sep"} {
		d, err := a.str(name, "")
		if err != nil {
			return o, err
		}
		if a.named[name] == nil {
			continue
		}
		if d == `\t` {
			d = "\t"
		}
		if utf8.RuneCountInString(d) != 1 || d == "\"" || d == "\n" || d == "\r" {
			l, _ := a.lit(name)
			return o, posErr(l.Pos, "%s wants one character (not a quote or a line break), as in %s => ';' or %s => '\\t'", name, name, name)
		}
		if a.named["delim"] != nil && a.named["sep"] != nil {
			return o, posErr(a.named["sep"].Pos, "sep is another name for delim: give one of them")
		}
		o.Delim, _ = utf8.DecodeRuneInString(d)
	}
	skip, err := a.integer("skip", 0)
	if err != nil {
		return o, err
	}
	o.Skip = int(min(skip, 1<<30))
	if o.NullStr, err = a.str("nullstr", ""); err != nil {
		return o, err
	}
	if o.AllVarchar, err = a.boolean("all_varchar", false); err != nil {
		return o, err
	}
	n, err := a.integer("sample_size", 0)
	if err != nil {
		return o, err
	}
	o.SampleRows = int(min(n, 1<<30))
	v, err := a.structArg("columns")
	if err != nil || v == nil {
		return o, err
	}
	for _, f := range v.Fields {
		l, err := fieldString(a.fn, f)
		if err != nil {
			return o, err
		}
		typ, err := csvfile.ParseType(l.Text)
		if err != nil {
			return o, posErr(l.Pos, "column %s: %v", f.Key, err)
		}
		o.Columns = append(o.Columns, csvfile.Column{Name: f.Key, Type: typ})
	}
	return o, nil
}

// csvSource reads CSV files for a ReadNode.
type csvSource struct {
	paths   []string
	pattern string
	sch     *csvfile.Schema
	opts    csvfile.Options
	schema  *arrow.Schema
	size    int64
}

func (s *csvSource) Schema() *arrow.Schema { return s.schema }

func (s *csvSource) Open(ctx context.Context, mem memory.Allocator, batchSize int, fields []int) (exec.Stream, error) {
	srcs := make([]csvfile.Source, len(s.paths))
	for i, p := range s.paths {
		srcs[i] = csvfile.FileSource(p)
	}
	return csvfile.NewReader(ctx, srcs, s.sch, s.opts, mem, batchSize, fields), nil
}

func (s *csvSource) Describe() string {
	d := fmt.Sprintf("read_csv %s (delim %q, header %v", s.pattern, string(s.sch.Delim), s.sch.Header)
	if len(s.paths) > 1 {
		d += fmt.Sprintf(", %d files", len(s.paths))
	}
	cols := make([]string, len(s.sch.Columns))
	for i, c := range s.sch.Columns {
		cols[i] = c.Name + " " + csvfile.TypeName(c.Type)
	}
	return d + ", columns " + strings.Join(cols, ", ") + ")"
}

// EstimateRows guesses 32 bytes a row.
func (s *csvSource) EstimateRows() float64 { return max(1, float64(s.size)/32) }
