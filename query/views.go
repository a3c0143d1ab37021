package query

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/recq/recq/parser"
)

// Views are stored as SQL text and bound afresh wherever they are used,
// like a derived table (so they always see the tables as they are now,
// and every use gets its own column ids). They come from CREATE VIEW in
// a session (kept by the engine until DROP VIEW or Close) and from the
// data directory, where NAME.view.sql holds one query (a team shares its
// views by sharing the directory).

// ViewSuffix names a view file in a data directory: NAME.view.sql.
const ViewSuffix = ".view.sql"

// viewDef is one view.
type viewDef struct {
	name    string
	sql     string
	columns []string // from CREATE VIEW name (cols); nil: the query's names
	origin  string   // "create view" or "data directory"
	path    string   // the file of a data-directory view
}

// parse parses the view's query.
func (v *viewDef) parse() (parser.Query, error) {
	stmts, err := parser.Parse(v.sql)
	if err != nil {
		return nil, v.wrapErr(err)
	}
	if len(stmts) != 1 {
		return nil, fmt.Errorf("view %s: %s must hold exactly one query, it has %d statements", v.name, v.where(), len(stmts))
	}
	q, ok := stmts[0].(parser.Query)
	if !ok {
		return nil, fmt.Errorf("view %s: %s holds a %s statement, not a query", v.name, v.where(), strings.Fields(stmts[0].String())[0])
	}
	return q, nil
}

func (v *viewDef) where() string {
	if v.path != "" {
		return v.path
	}
	return "its definition"
}

// wrapErr turns an error inside the view's SQL into one that names the
// view and shows its text with a caret (the position is in the view's
// SQL, not in the statement that used it).
func (v *viewDef) wrapErr(err error) error {
	var pe *parser.Error
	if errors.As(err, &pe) {
		return fmt.Errorf("in view %s (%s), line %d, column %d: %s\n%s", v.name, v.where(), pe.Line, pe.Column, pe.Msg, pe.Render(v.sql))
	}
	return fmt.Errorf("in view %s: %w", v.name, err)
}

// view returns the view called name, or nil.
func (c *Catalog) view(name string) *viewDef {
	c.mu.Lock()
	v, ok := c.views[strings.ToLower(name)]
	c.mu.Unlock()
	if ok {
		return v
	}
	for _, d := range c.dirViews() {
		if strings.EqualFold(d.name, name) {
			return d
		}
	}
	return nil
}

// defineView adds a view made by CREATE VIEW. A table of the same name
// is an error; an existing view needs OR REPLACE.
func (c *Catalog) defineView(v *viewDef, orReplace bool) error {
	key := strings.ToLower(v.name)
	c.mu.Lock()
	_, isTable := c.tables[key]
	old, isView := c.views[key]
	c.mu.Unlock()
	if isTable {
		return fmt.Errorf("%s is already a table; choose another name for the view", v.name)
	}
	dir, _ := c.dirTables()
	for _, t := range dir {
		if strings.EqualFold(t.name, v.name) {
			return fmt.Errorf("%s is already a table (%s); choose another name for the view", v.name, t.path)
		}
	}
	if isView && !orReplace {
		return fmt.Errorf("view %s already exists (%s); use CREATE OR REPLACE VIEW", v.name, old.origin)
	}
	if !isView && !orReplace {
		for _, d := range c.dirViews() {
			if strings.EqualFold(d.name, v.name) {
				return fmt.Errorf("view %s already exists (defined by the file %s); use CREATE OR REPLACE VIEW to hide it in this session", v.name, d.path)
			}
		}
	}
	c.mu.Lock()
	c.views[key] = v
	c.mu.Unlock()
	return nil
}

// dropView removes a view made by CREATE VIEW.
func (c *Catalog) dropView(name string) error {
	key := strings.ToLower(name)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.views[key]; ok {
		delete(c.views, key)
		return nil
	}
	for _, d := range c.dirViews() {
		if strings.EqualFold(d.name, name) {
			return fmt.Errorf("view %s is defined by the file %s; remove the file to drop it", name, d.path)
		}
	}
	return fmt.Errorf("no view %s to drop", name)
}

// dirViews reads the data directory's NAME.view.sql files.
func (c *Catalog) dirViews() []*viewDef {
	if c.dataDir == "" {
		return nil
	}
	ents, err := os.ReadDir(c.dataDir)
	if err != nil {
		return nil
	}
	var out []*viewDef
	for _, e := range ents {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ViewSuffix) || len(n) == len(ViewSuffix) {
			continue
		}
		path := filepath.Join(c.dataDir, n)
		text, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		sql := strings.TrimSpace(string(text))
		sql = strings.TrimSpace(strings.TrimSuffix(sql, ";"))
		out = append(out, &viewDef{name: strings.TrimSuffix(n, ViewSuffix), sql: sql, origin: "data directory", path: path})
	}
	return out
}

// listViews returns every view, sorted by name.
func (c *Catalog) listViews() []*viewDef {
	c.mu.Lock()
	var out []*viewDef
	seen := map[string]bool{}
	for k, v := range c.views {
		out = append(out, v)
		seen[k] = true
	}
	c.mu.Unlock()
	for _, d := range c.dirViews() {
		if !seen[strings.ToLower(d.name)] {
			out = append(out, d)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}
