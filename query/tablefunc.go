package query

import (
	"slices"
	"strconv"
	"strings"

	"github.com/recq/recq/parser"
)

// Table functions are FROM items that read files without a catalog
// entry or a sidecar:
//
//	read_rec(files)                       files as FROM 'path' reads them
//	read_fixed(files, layout => 'CREATE TABLE ...' | columns => {...}, options...)
//	read_csv(files, header => ..., delim => ..., columns => {...}, ...)
//	read_parquet(files)
//
// files is a path, a glob or directory, or a list of them ['a', 'b'].
// Named arguments are written name => value or name = value (as DuckDB
// accepts both).

// tableFunction is one table function: its named parameters (for
// suggestions) and how it binds.
type tableFunction struct {
	params []string
	// optionParams, when set, accepts the layout table options as named
	// parameters too (read_fixed).
	optionParams bool
	bind         func(bd *binder, t *parser.TableRef, a *funcArgs) ([]*relation, Node, error)
}

var tableFunctions map[string]*tableFunction

func init() {
	// Assigned here, not in the declaration: the binders refer back to
	// the table (through bindTableFunc), which Go does not allow in an
	// initializer.
	tableFunctions = map[string]*tableFunction{
		"read_rec":     {bind: bindReadRec},
		"read_fixed":   {params: []string{"layout", "columns"}, optionParams: true, bind: bindReadFixed},
		"read_csv":     {params: csvParams, bind: bindReadCSV},
		"read_parquet": {bind: bindReadParquet},
	}
}

// TableFunctionNames lists the table functions (read_csv, ...), sorted.
func TableFunctionNames() []string {
	var names []string
	for n := range tableFunctions {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// funcArgs are a call's arguments: the positional ones in order and the
// named ones by name.
type funcArgs struct {
	fn         string
	pos        parser.Pos
	positional []*parser.FuncArg
	named      map[string]*parser.FuncArg
	order      []string // named, in written order
}

// bindTableFunc binds a table function call in FROM.
func (bd *binder) bindTableFunc(t *parser.TableRef) ([]*relation, Node, error) {
	f := t.Func
	tf := tableFunctions[f.Name]
	if tf == nil {
		return nil, nil, posErr(f.Pos, "no table function %s%s (table functions: %s)", f.Name, suggest(f.Name, TableFunctionNames()), strings.Join(TableFunctionNames(), ", "))
	}
	a := &funcArgs{fn: f.Name, pos: f.Pos, named: map[string]*parser.FuncArg{}}
	known := tf.params
	if tf.optionParams {
		known = append(slices.Clone(known), tableOptionNames...)
	}
	for _, arg := range f.Args {
		if arg.Name == "" {
			a.positional = append(a.positional, arg)
			continue
		}
		if !slices.Contains(known, arg.Name) {
			list := "it takes none"
			if len(known) > 0 {
				list = "known: " + strings.Join(known, ", ")
			}
			return nil, nil, posErr(arg.Pos, "%s has no parameter %s%s (%s)", f.Name, arg.Name, suggest(arg.Name, known), list)
		}
		a.named[arg.Name] = arg
		a.order = append(a.order, arg.Name)
	}
	return tf.bind(bd, t, a)
}

// files returns the file argument: the one positional argument, a
// string or a list of strings.
func (a *funcArgs) files() ([]string, error) {
	switch len(a.positional) {
	case 0:
		return nil, posErr(a.pos, "%s needs the file to read as its first argument, as in %s('data.txt')", a.fn, a.fn)
	case 1:
	default:
		return nil, posErr(a.positional[1].Pos, "%s takes one file argument (a path, a glob or a list ['a', 'b']); name the other arguments, as in header => true", a.fn)
	}
	v := a.positional[0].Value
	str := func(v *parser.ArgValue) (string, error) {
		if v.Lit == nil || v.Lit.Kind != parser.LitString {
			return "", posErr(v.Pos, "%s wants a file path in quotes, as in '%s'", a.fn, "data.txt")
		}
		if v.Lit.Text == "" {
			return "", posErr(v.Pos, "the file path is empty")
		}
		return v.Lit.Text, nil
	}
	if !v.IsList {
		s, err := str(v)
		if err != nil {
			return nil, err
		}
		return []string{s}, nil
	}
	if len(v.List) == 0 {
		return nil, posErr(v.Pos, "the list of files is empty")
	}
	var out []string
	for _, x := range v.List {
		s, err := str(x)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// filesText is the file argument as written, for names and EXPLAIN.
func (a *funcArgs) filesText() string {
	return a.positional[0].Value.String()
}

// lit returns a named scalar argument's literal, or nil when not given.
func (a *funcArgs) lit(name string) (*parser.Literal, error) {
	arg := a.named[name]
	if arg == nil {
		return nil, nil
	}
	if arg.Value.Lit == nil {
		return nil, posErr(arg.Value.Pos, "parameter %s of %s wants a single value, not a list or {...}", name, a.fn)
	}
	return arg.Value.Lit, nil
}

// str returns a named string argument, or def when not given.
func (a *funcArgs) str(name, def string) (string, error) {
	l, err := a.lit(name)
	if err != nil || l == nil {
		return def, err
	}
	if l.Kind != parser.LitString {
		return "", posErr(l.Pos, "parameter %s of %s wants a string, as in %s => 'value'", name, a.fn, name)
	}
	return l.Text, nil
}

// boolean returns a named boolean argument, or def when not given.
func (a *funcArgs) boolean(name string, def bool) (bool, error) {
	l, err := a.lit(name)
	if err != nil || l == nil {
		return def, err
	}
	switch {
	case l.Kind == parser.LitBool:
		return l.Text == "true", nil
	case l.Kind == parser.LitString && (l.Text == "true" || l.Text == "false"):
		return l.Text == "true", nil
	}
	return false, posErr(l.Pos, "parameter %s of %s wants true or false", name, a.fn)
}

// integer returns a named non-negative whole-number argument, or def.
func (a *funcArgs) integer(name string, def int64) (int64, error) {
	l, err := a.lit(name)
	if err != nil || l == nil {
		return def, err
	}
	n, perr := strconv.ParseInt(l.Text, 10, 64)
	if l.Kind != parser.LitInteger || perr != nil || n < 0 {
		return 0, posErr(l.Pos, "parameter %s of %s wants a whole number of at least 0, not %s", name, a.fn, l.String())
	}
	return n, nil
}

// structArg returns a named {key: value} argument, or nil.
func (a *funcArgs) structArg(name string) (*parser.ArgValue, error) {
	arg := a.named[name]
	if arg == nil {
		return nil, nil
	}
	if !arg.Value.IsStruct {
		return nil, posErr(arg.Value.Pos, "parameter %s of %s wants {name: 'TYPE', ...}", name, a.fn)
	}
	if len(arg.Value.Fields) == 0 {
		return nil, posErr(arg.Value.Pos, "parameter %s of %s lists no columns", name, a.fn)
	}
	return arg.Value, nil
}

// fieldString returns a struct field's value as a string.
func fieldString(fn string, f *parser.ArgField) (*parser.Literal, error) {
	v := f.Value
	if v.Lit == nil || v.Lit.Kind != parser.LitString {
		return nil, posErr(v.Pos, "column %s of %s wants its definition in quotes, as in %s: 'INT32'", f.Key, fn, f.Key)
	}
	return v.Lit, nil
}

// tableName is the name a table function's rows go by: the alias, or the
// function's name.
func tableName(t *parser.TableRef) string {
	if t.Alias != "" {
		return t.Alias
	}
	return t.Func.Name
}

// bindReadRec binds read_rec(files): the files as FROM 'path' reads them
// (a .rec file carries its layout, a raw file has its sidecar), one file
// or several as one table.
func bindReadRec(bd *binder, t *parser.TableRef, a *funcArgs) ([]*relation, Node, error) {
	files, err := a.files()
	if err != nil {
		return nil, nil, err
	}
	if len(files) == 1 && !isMultiPath(files[0]) {
		one := *t
		one.Func, one.Path = nil, files[0]
		if one.Alias == "" {
			one.Alias = t.Func.Name
		}
		return bd.bindTableRef(&one, &scope{})
	}
	fsx, err := listFileSet(a.filesText(), files, nil)
	if err != nil {
		return nil, nil, fileSetErr(t.Func.Pos, err)
	}
	return bd.bindFiles(t, tableName(t), fsx)
}

// bindReadFixed binds read_fixed(files, layout => ... | columns => ...,
// table options...): raw fixed-width files read with an inline layout.
func bindReadFixed(bd *binder, t *parser.TableRef, a *funcArgs) ([]*relation, Node, error) {
	l, err := inlineLayout(a)
	if err != nil {
		return nil, nil, err
	}
	var files []string
	if len(a.positional) == 0 && l.File != "" {
		files = []string{l.File}
	} else if files, err = a.files(); err != nil {
		return nil, nil, err
	}
	pattern := l.File
	if len(a.positional) > 0 {
		pattern = a.filesText()
	}
	fsx, err := listFileSet(pattern, files, l)
	if err != nil {
		return nil, nil, fileSetErr(t.Func.Pos, err)
	}
	return bd.bindFiles(t, tableName(t), fsx)
}

// fileSetErr positions an error of resolving a set of files at the call
// unless it names its file already.
func fileSetErr(p parser.Pos, err error) error {
	if isFileError(err) {
		return err
	}
	return posErr(p, "%v", err)
}
