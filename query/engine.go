package query

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/exec"
	"github.com/recq/recq/parser"
	"github.com/recq/recq/scan"
	"github.com/recq/recq/storage"
)

// Options configure an Engine.
type Options struct {
	// DataDir makes every table file in it queryable by name: .rec files
	// and raw files with a FILE.schema sidecar (stem of the file name).
	DataDir string
	// Settings are the defaults of every session; zero fields take the
	// values of DefaultSettings (so Options{} is a working engine).
	Settings Settings
	// Allocator allocates every Arrow buffer of every query (default
	// memory.DefaultAllocator). Tests pass a checked allocator.
	Allocator memory.Allocator
	// DisabledPasses names optimizer passes to skip (see OptimizerPasses);
	// for testing that results do not depend on them.
	DisabledPasses []string
	// ColumnCache bounds the memory of the columns kept of warm files
	// (fields that predicates and join key filters test, copied out of
	// the mapped records by the first scan that reads them whole; see
	// docs/sql.md): 0 is DefaultColumnCache, a negative value keeps none.
	ColumnCache int64
}

// DefaultColumnCache is the default Options.ColumnCache: 512 MiB.
const DefaultColumnCache = 512 << 20

// Engine answers SQL over fixed-width record files. It holds the catalog
// of tables and the default session; it is safe for concurrent use by
// many goroutines (each query reads its own copy of the settings).
type Engine struct {
	cat      *Catalog
	mem      memory.Allocator
	disabled map[string]bool
	def      *Session

	mu     sync.Mutex
	closed bool
}

// Open creates an engine.
func Open(opts Options) (*Engine, error) {
	s := DefaultSettings()
	o := opts.Settings
	if o.Workers > 0 {
		s.Workers = o.Workers
	}
	if o.IO != 0 {
		s.IO = o.IO
	}
	if o.BatchSize > 0 {
		s.BatchSize = o.BatchSize
	}
	switch {
	case o.MemoryLimit > 0:
		s.MemoryLimit = o.MemoryLimit
	case o.MemoryLimit < 0:
		s.MemoryLimit = NoMemoryLimit
	}
	s.MaxRows, s.VerifyChecksums = o.MaxRows, o.VerifyChecksums
	mem := opts.Allocator
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	if opts.DataDir != "" {
		if _, err := listDir(opts.DataDir); err != nil {
			return nil, err
		}
	}
	e := &Engine{cat: newCatalog(opts.DataDir), mem: mem, disabled: map[string]bool{}}
	switch {
	case opts.ColumnCache == 0:
		e.cat.columns = scan.NewColumnBudget(DefaultColumnCache)
	case opts.ColumnCache > 0:
		e.cat.columns = scan.NewColumnBudget(opts.ColumnCache)
	}
	known := map[string]bool{}
	for _, p := range optimizerPasses {
		known[p.name] = true
	}
	for _, p := range opts.DisabledPasses {
		if !known[p] {
			return nil, fmt.Errorf("unknown optimizer pass %s", p)
		}
		e.disabled[p] = true
	}
	e.def = &Session{e: e, settings: s}
	return e, nil
}

// Close releases every cached file mapping. Queries still running keep
// their own references and finish normally; new queries fail.
func (e *Engine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.closed {
		e.closed = true
		e.cat.closeAll()
	}
	return nil
}

func (e *Engine) isClosed() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.closed
}

// RegisterTable makes the file at path queryable as name. ddl is layout
// DDL (a CREATE TABLE statement) for a raw file, or "" for a .rec file or
// a raw file with a sidecar.
func (e *Engine) RegisterTable(name, path, ddl string) error {
	var l *Layout
	if ddl != "" {
		var err error
		if l, err = ParseLayout(ddl); err != nil {
			return err
		}
	}
	if err := e.cat.register(name, path, l, "registered", true); err != nil {
		return err
	}
	// Open it now so a bad file or layout is reported here.
	ent, err := e.cat.lookup(name)
	if err != nil {
		return err
	}
	_, err = ent.open(OpenTableOptions{})
	return err
}

// Table opens the table a name refers to (as FROM name would) and returns
// it: its schema, layout and raw-file options (storage.FormatDDL renders
// them as CREATE TABLE text).
func (e *Engine) Table(name string) (*storage.Table, error) {
	if e.cat.view(name) != nil {
		return nil, fmt.Errorf("%s is a view, not a table: it has no file (see ViewSQL)", name)
	}
	ent, err := e.cat.lookup(name)
	if err != nil {
		return nil, err
	}
	return ent.open(OpenTableOptions{})
}

// ViewSQL returns the query text of the view called name, and whether
// there is one.
func (e *Engine) ViewSQL(name string) (string, bool) {
	if v := e.cat.view(name); v != nil {
		return v.sql, true
	}
	return "", false
}

// FunctionNames lists every scalar and aggregate function, sorted.
func FunctionNames() []string {
	names := append(exec.FunctionNames(), exec.AggregateNames()...)
	slices.Sort(names)
	return slices.Compact(names)
}

// Tables lists the tables the engine knows (leaving out the data
// directory's if it has become unreadable; SHOW TABLES says why).
func (e *Engine) Tables() []TableInfo {
	tables, _ := e.cat.list()
	return tables
}

// Session returns the engine's default session (what Engine.Query uses).
func (e *Engine) Session() *Session { return e.def }

// NewSession starts a session with its own settings, starting from the
// default session's.
func (e *Engine) NewSession() *Session {
	return &Session{e: e, settings: e.def.Settings()}
}

// Query runs one SQL statement in the default session; see Session.Query.
func (e *Engine) Query(ctx context.Context, sql string, args ...any) (*Result, error) {
	return e.def.Query(ctx, sql, args...)
}

// Explain returns the plan of a SELECT without running it.
func (e *Engine) Explain(ctx context.Context, sql string, args ...any) (string, error) {
	return e.def.Explain(ctx, sql, args...)
}

// Prepare parses a statement once for repeated execution with different
// ? parameters.
func (e *Engine) Prepare(sql string) (*Stmt, error) { return e.def.Prepare(sql) }

// Session is a sequence of statements sharing settings (SET). A Session is
// safe for concurrent use; SET affects queries started after it.
type Session struct {
	e        *Engine
	mu       sync.Mutex
	settings Settings
	rng      *exec.RandSource // random()'s generator after SET seed
}

// Settings returns a copy of the session's settings.
func (s *Session) Settings() Settings {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.settings
}

// Set changes one setting, as SET name = value does.
func (s *Session) Set(name, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.settings.Set(name, value); err != nil {
		return err
	}
	if strings.EqualFold(name, "seed") {
		s.rng = exec.NewRandSource(math.Float64bits(*s.settings.Seed))
	}
	return nil
}

// Engine returns the session's engine.
func (s *Session) Engine() *Engine { return s.e }

// Query parses and runs exactly one statement and returns its result,
// which streams: rows are computed as the caller reads them. The caller
// must Close (Release) the result. args fill ? parameters in order.
func (s *Session) Query(ctx context.Context, sql string, args ...any) (*Result, error) {
	stmt, err := parseOne(sql)
	if err != nil {
		return nil, err
	}
	return s.Run(ctx, stmt, args...)
}

// parseOne parses text that must hold exactly one statement.
func parseOne(sql string) (parser.Statement, error) {
	stmts, err := parser.Parse(sql)
	if err != nil {
		return nil, err
	}
	switch len(stmts) {
	case 0:
		return nil, fmt.Errorf("no statement to run")
	case 1:
		return stmts[0], nil
	}
	p := stmts[1].Position()
	return nil, posErr(p, "found %d statements where one was expected (run them one at a time)", len(stmts))
}

// Run executes a parsed statement.
func (s *Session) Run(ctx context.Context, stmt parser.Statement, args ...any) (res *Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			ie := scan.Recovered(r)
			ie.Statement = stmt.String()
			res, err = nil, ie
		}
	}()
	if s.e.isClosed() {
		return nil, ErrClosed
	}
	switch st := stmt.(type) {
	case parser.Query:
		pp, err := s.plan(st, args, false)
		if err != nil {
			return nil, err
		}
		res, err := startResult(ctx, pp, s.e.mem)
		if err == nil {
			res.statement = st.String()
		}
		return res, err
	case *parser.Explain:
		return s.explain(ctx, st, args)
	case *parser.Describe:
		if st.Query != nil {
			return s.describeQuery(st, args)
		}
		return s.describe(st)
	case *parser.Summarize:
		return s.summarize(ctx, st, args)
	case *parser.ShowTables:
		return s.showTables()
	case *parser.Set:
		return s.set(st)
	case *parser.CreateTable:
		return s.createTable(st)
	case *parser.CreateTableAs:
		return s.createTableAs(ctx, st, args)
	case *parser.DropTable:
		return s.dropTable(st)
	case *parser.CreateView:
		return s.createView(st)
	case *parser.DropView:
		return s.dropView(st)
	case *parser.Copy:
		return s.copyTo(ctx, st, args)
	}
	return nil, posErr(stmt.Position(), "unsupported statement")
}

// plan binds, optimizes and lowers a query.
func (s *Session) plan(q parser.Query, args []any, analyze bool) (*physicalPlan, error) {
	settings := s.Settings()
	bd := newBinder(s.e.cat, args)
	s.mu.Lock()
	if s.rng != nil {
		bd.rng = s.rng
	}
	s.mu.Unlock()
	root, err := bd.bindQuery(q, nil, nil)
	if err != nil {
		return nil, err
	}
	root, applied, err := optimize(root, s.e.disabled)
	if err != nil {
		return nil, err
	}
	for _, c := range bd.cells {
		if c.plan, _, err = optimize(c.plan, s.e.disabled); err != nil {
			return nil, err
		}
	}
	return physical(root, applied, bd.cells, planOptions{settings: settings, mem: s.e.mem, analyze: analyze})
}

// Explain returns the logical and physical plans of a SELECT.
func (s *Session) Explain(ctx context.Context, sql string, args ...any) (string, error) {
	stmt, err := parseOne(sql)
	if err != nil {
		return "", err
	}
	if ex, ok := stmt.(*parser.Explain); ok {
		stmt = ex.Stmt
	}
	q, ok := stmt.(parser.Query)
	if !ok {
		return "", posErr(stmt.Position(), "only queries (SELECT, VALUES, set operations) have a plan")
	}
	pp, err := s.plan(q, args, false)
	if err != nil {
		return "", err
	}
	defer pp.release()
	return explainText(pp), nil
}

// explainText renders both plans and the passes that ran.
func explainText(pp *physicalPlan) string {
	var b strings.Builder
	b.WriteString("logical plan:\n")
	b.WriteString(indent(explainTree(pp.logical)))
	for _, c := range pp.cells {
		if c.cell.table != "" {
			fmt.Fprintf(&b, "subquery #%d (WITH %s, materialized), computed first:\n", c.cell.id, c.cell.table)
		} else {
			fmt.Fprintf(&b, "subquery #%d, computed first:\n", c.cell.id)
		}
		b.WriteString(indent(indent(explainTree(c.cell.plan))))
	}
	fmt.Fprintf(&b, "optimizer passes: %s\n", strings.Join(pp.applied, ", "))
	b.WriteString("physical plan:\n")
	b.WriteString(indent(exec.Explain(pp.root)))
	return b.String()
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "  " + l
	}
	return strings.Join(lines, "\n") + "\n"
}

// Stmt is a prepared statement: parsed once, bound and planned on each
// execution with that execution's parameters. Safe for concurrent use.
type Stmt struct {
	s      *Session
	stmt   parser.Statement
	params int
}

// Prepare parses sql for repeated execution.
func (s *Session) Prepare(sql string) (*Stmt, error) {
	stmt, err := parseOne(sql)
	if err != nil {
		return nil, err
	}
	return &Stmt{s: s, stmt: stmt, params: countParams(stmt)}, nil
}

// NumParams is the number of ? parameters.
func (st *Stmt) NumParams() int { return st.params }

// Query runs the statement with args for its parameters.
func (st *Stmt) Query(ctx context.Context, args ...any) (*Result, error) {
	if len(args) != st.params {
		return nil, fmt.Errorf("statement has %d parameters, %d values given", st.params, len(args))
	}
	return st.s.Run(ctx, st.stmt, args...)
}

// countParams finds the highest ? index in a statement.
func countParams(stmt parser.Statement) int {
	n := 0
	parser.Inspect(stmt, func(x any) bool {
		if p, ok := x.(*parser.Param); ok && p.Index > n {
			n = p.Index
		}
		return true
	})
	return n
}
