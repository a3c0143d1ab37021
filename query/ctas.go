package query

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/recq/recq/parser"
	"github.com/recq/recq/query/export"
)

// createTableAs runs CREATE [OR REPLACE] TABLE [IF NOT EXISTS] name AS
// query: the query's rows are written to name.rec in the data directory
// (storage.Writer: block checksums and min/max, temporary file, fsync,
// rename), and the table is queryable by name as soon as the statement
// returns. On an error or a cancel nothing is written and an existing
// table is left as it was. Column types map as export.RecSchema says.
func (s *Session) createTableAs(ctx context.Context, st *parser.CreateTableAs, args []any) (*Result, error) {
	c := s.e.cat
	if c.dataDir == "" {
		return nil, posErr(st.Pos, "CREATE TABLE %s AS needs a data directory to write %s.rec into: start recq with --data DIR (Options.DataDir in Go), or write the file with COPY (...) TO '%s.rec'", st.Name, st.Name, st.Name)
	}
	if st.Name == "" || strings.ContainsAny(st.Name, `/\`+"\x00") || strings.HasPrefix(st.Name, ".") {
		return nil, posErr(st.Pos, "table name %q cannot be a file name in the data directory (no '/', '\\', NUL or leading '.'): choose another name", st.Name)
	}
	path, exists, err := s.tableAsTarget(st)
	if err != nil {
		return nil, posErr(st.Pos, "%v", err)
	}
	if exists && st.IfNotExists {
		msg := fmt.Sprintf("table %s already exists; nothing written", st.Name)
		rows := newRows(s.e.mem, intField("count"))
		rows.add(int64(0))
		return rows.result(msg), nil
	}
	pp, err := s.plan(st.Query, args, false)
	if err != nil {
		return nil, err
	}
	res, err := startResult(ctx, pp, s.e.mem)
	if err != nil {
		return nil, err
	}
	res.statement = st.String()
	n, err := export.WriteFile(path, res, export.Rec, export.Options{Allocator: s.e.mem})
	if cerr := res.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	c.fileWritten(st.Name, path)
	msg := fmt.Sprintf("%d rows written to table %s (%s)", n, st.Name, path)
	rows := newRows(s.e.mem, intField("count"))
	rows.add(n)
	return rows.result(msg), nil
}

// tableAsTarget decides the file CREATE TABLE name AS writes and whether
// a table of that name exists. Without OR REPLACE an existing table is an
// error (unless IF NOT EXISTS); with it, only a .rec file of the data
// directory (kept under its own file name) or a table made with CREATE
// TABLE or RegisterTable (dropped once the new file is in place) can be
// replaced. A view of the name is always an error.
func (s *Session) tableAsTarget(st *parser.CreateTableAs) (path string, exists bool, err error) {
	c := s.e.cat
	path = filepath.Join(c.dataDir, st.Name+".rec")
	if v := c.view(st.Name); v != nil {
		return "", false, fmt.Errorf("%s is a view (%s); DROP VIEW %s first, or choose another name", st.Name, v.origin, st.Name)
	}
	c.mu.Lock()
	reg, isReg := c.tables[strings.ToLower(st.Name)]
	c.mu.Unlock()
	if isReg {
		if !st.OrReplace && !st.IfNotExists {
			return "", true, fmt.Errorf("table %s already exists (defined by %s for %s); use CREATE OR REPLACE TABLE %s AS ... to replace it, or choose another name", st.Name, reg.origin, reg.path, st.Name)
		}
		return path, true, nil
	}
	dir, err := c.dirTables()
	if err != nil {
		return "", false, err
	}
	for _, f := range dir {
		if !strings.EqualFold(f.name, st.Name) {
			continue
		}
		if !st.OrReplace && !st.IfNotExists {
			return "", true, fmt.Errorf("table %s already exists (%s in the data directory); use CREATE OR REPLACE TABLE %s AS ... to replace it, or choose another name", st.Name, f.path, st.Name)
		}
		if f.dir || filepath.Ext(f.path) != ".rec" {
			return "", true, fmt.Errorf("table %s is %s in the data directory, which CREATE OR REPLACE TABLE does not overwrite (it replaces .rec files only); choose another name or move it", st.Name, f.path)
		}
		return f.path, true, nil
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return "", false, fmt.Errorf("cannot write %s: it is a directory", path)
	}
	return path, false, nil
}
