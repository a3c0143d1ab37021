package query

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/exec"
	"github.com/recq/recq/parser"
	"github.com/recq/recq/storage"
)

// rowsBuilder builds a small result of string and integer columns.
type rowsBuilder struct {
	schema *arrow.Schema
	b      *array.RecordBuilder
}

func newRows(mem memory.Allocator, cols ...arrow.Field) *rowsBuilder {
	s := arrow.NewSchema(cols, nil)
	return &rowsBuilder{schema: s, b: array.NewRecordBuilder(mem, s)}
}

func strField(name string) arrow.Field {
	return arrow.Field{Name: name, Type: arrow.BinaryTypes.String}
}

func intField(name string) arrow.Field {
	return arrow.Field{Name: name, Type: arrow.PrimitiveTypes.Int64, Nullable: true}
}

// add appends one row: strings, int64s, float64s (or nil for NULL).
func (r *rowsBuilder) add(vals ...any) {
	for i, v := range vals {
		switch x := v.(type) {
		case string:
			r.b.Field(i).(*array.StringBuilder).Append(x)
		case int64:
			r.b.Field(i).(*array.Int64Builder).Append(x)
		case int:
			r.b.Field(i).(*array.Int64Builder).Append(int64(x))
		case float64:
			r.b.Field(i).(*array.Float64Builder).Append(x)
		case nil:
			r.b.Field(i).AppendNull()
		}
	}
}

func (r *rowsBuilder) result(message string) *Result {
	rec := r.b.NewRecord()
	r.b.Release()
	return staticResult(rec, message)
}

// explain runs EXPLAIN [ANALYZE]: one text column, a line per row.
func (s *Session) explain(ctx context.Context, st *parser.Explain, args []any) (*Result, error) {
	q, ok := st.Stmt.(parser.Query)
	if !ok {
		return nil, posErr(st.Pos, "EXPLAIN works on queries (SELECT, VALUES, set operations)")
	}
	pp, err := s.plan(q, args, st.Analyze)
	if err != nil {
		return nil, err
	}
	text := explainText(pp)
	if st.Analyze {
		res, err := startResult(ctx, pp, s.e.mem)
		if err != nil {
			return nil, err
		}
		for res.Next() {
		}
		stats := res.Stats()
		if err := res.Close(); err != nil {
			return nil, err
		}
		var b strings.Builder
		b.WriteString("physical plan, as run:\n")
		b.WriteString(indent(exec.ExplainAnalyze(pp.root)))
		if stats.Scan != nil {
			b.WriteString("scan:\n")
			b.WriteString(indent(strings.Join(stats.Scan.Lines(), "\n")))
		}
		fmt.Fprintf(&b, "result: %d rows in %v\n", stats.Rows, stats.Elapsed.Round(1000))
		text = b.String()
	} else {
		pp.release()
	}
	rows := newRows(s.e.mem, strField("explain"))
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		rows.add(line)
	}
	return rows.result(""), nil
}

// describe runs DESCRIBE name | 'path': one row per column with its SQL
// type, nullability and place in the record.
func (s *Session) describe(st *parser.Describe) (*Result, error) {
	if st.Path == "" && s.e.cat.view(st.Name) != nil {
		return s.describeView(st)
	}
	var ent *tableEntry
	if st.Path != "" && isMultiPath(st.Path) {
		return s.describeFiles(st.Path)
	}
	if st.Path != "" {
		ent = s.e.cat.byPath(st.Path, "", "path", false)
	} else {
		var err error
		if ent, err = s.e.cat.lookup(st.Name); err != nil {
			return nil, posErr(st.Pos, "%v", err)
		}
	}
	if ent.dir {
		return s.describeFiles(ent.path)
	}
	t, err := ent.open(OpenTableOptions{})
	if err != nil {
		return nil, err
	}
	rows := s.describeFields(t)
	msg := fmt.Sprintf("%s: %s file, %d records of %d bytes", t.Path, t.Format, t.Layout.Count, t.Layout.RecordLen)
	if c := t.Compression; c != nil {
		msg += fmt.Sprintf(", %s", c)
	}
	if sg := t.Raw.Segments; sg != nil {
		msg += "; " + sg.Describe(t.Schema)
	}
	if v := t.VarDescription(); v != "" {
		msg += "; " + v
	}
	if n := ent.sidecar(); n != "" && ent.origin == "data directory" && !strings.EqualFold(n, ent.name) {
		msg += fmt.Sprintf(" (its sidecar's CREATE TABLE says %s; data-directory tables are named after their file)", n)
	}
	return rows.result(msg), nil
}

// describeFields makes DESCRIBE's rows of a table's fields.
func (s *Session) describeFields(t *storage.Table) *rowsBuilder {
	rows := newRows(s.e.mem, strField("column_name"), strField("column_type"), strField("null"),
		intField("start"), intField("end"), intField("width"), strField("encoding"))
	for i := range t.Schema.Fields {
		f := &t.Schema.Fields[i]
		null := "NO"
		if f.Nullable || t.Raw.Segments.Partial(i) || t.Layout.Var != nil {
			null = "YES"
		}
		enc := f.Describe()
		if sg := t.Raw.Segments; sg.Partial(i) {
			var types []string
			for _, v := range sg.FieldTypes[i] {
				types = append(types, sg.Values[v])
			}
			enc += ", record types " + strings.Join(types, ", ") + " only"
		}
		typ := f.TypeString()
		rows.add(f.Name, typ, null, f.Offset+1, f.End(), f.Width, enc)
	}
	return rows
}

// describeFiles runs DESCRIBE on a table of several files: the fields of
// the layout, then the partition columns (found in directory names, so
// with no place in the record).
func (s *Session) describeFiles(pattern string) (*Result, error) {
	fsx, err := resolveFileSet(pattern)
	if err != nil {
		return nil, err
	}
	t := fsx.first
	rows := s.describeFields(t)
	for k, key := range fsx.keys {
		typ := "VARCHAR"
		if fsx.intKeys[k] {
			typ = "BIGINT"
		}
		null := "NO"
		if fsx.hasNull(k) {
			null = "YES"
		}
		rows.add(key, typ, null, nil, nil, nil, "partition directory "+key+"=...")
	}
	msg := fmt.Sprintf("%s: %d %s files (the first, %s: %d records of %d bytes)", pattern, len(fsx.files), t.Format, t.Path, t.Layout.Count, t.Layout.RecordLen)
	return rows.result(msg), nil
}

// describeView runs DESCRIBE on a view: its columns and their types (a
// view has no place in a record).
func (s *Session) describeView(st *parser.Describe) (*Result, error) {
	bd := newBinder(s.e.cat, nil)
	_, plan, err := bd.bindTableRef(&parser.TableRef{Pos: st.Pos, Name: st.Name}, &scope{})
	if err != nil {
		return nil, err
	}
	rows := newRows(s.e.mem, strField("column_name"), strField("column_type"), strField("null"),
		intField("start"), intField("end"), intField("width"), strField("encoding"))
	for _, c := range plan.Columns() {
		rows.add(c.Name, exec.TypeName(c.Type), "YES", nil, nil, nil, "view")
	}
	v := s.e.cat.view(st.Name)
	return rows.result(fmt.Sprintf("view %s: %s", v.name, v.sql)), nil
}

// showTables runs SHOW TABLES.
func (s *Session) showTables() (*Result, error) {
	rows := newRows(s.e.mem, strField("name"), strField("path"), strField("source"))
	tables, err := s.e.cat.list()
	if err != nil {
		return nil, err
	}
	for _, t := range tables {
		rows.add(t.Name, t.Path, t.Origin)
	}
	return rows.result(""), nil
}

// createView runs CREATE [OR REPLACE] VIEW name [(cols)] AS query. The
// query is bound once here, so a view that does not bind is refused.
func (s *Session) createView(st *parser.CreateView) (*Result, error) {
	if st.IfNotExists && s.e.cat.view(st.Name) != nil {
		return newRows(s.e.mem, strField("result")).result(""), nil
	}
	bd := newBinder(s.e.cat, nil)
	plan, err := bd.bindQuery(st.Query, nil, nil)
	if err != nil {
		return nil, err
	}
	if n := len(plan.Columns()); len(st.Columns) > n {
		return nil, posErr(st.Pos, "view %s has %d columns but %d names were given", st.Name, n, len(st.Columns))
	}
	v := &viewDef{name: st.Name, sql: st.SQL, columns: st.Columns, origin: "create view"}
	if err := s.e.cat.defineView(v, st.OrReplace); err != nil {
		return nil, posErr(st.Pos, "%v", err)
	}
	msg := fmt.Sprintf("view %s created", st.Name)
	rows := newRows(s.e.mem, strField("result"))
	rows.add(msg)
	return rows.result(msg), nil
}

// dropView runs DROP VIEW [IF EXISTS] name.
func (s *Session) dropView(st *parser.DropView) (*Result, error) {
	if err := s.e.cat.dropView(st.Name); err != nil {
		if st.IfExists && strings.HasPrefix(err.Error(), "no view") {
			return newRows(s.e.mem, strField("result")).result(""), nil
		}
		return nil, posErr(st.Pos, "%v", err)
	}
	msg := fmt.Sprintf("view %s dropped", st.Name)
	rows := newRows(s.e.mem, strField("result"))
	rows.add(msg)
	return rows.result(msg), nil
}

// set runs SET name = value.
func (s *Session) set(st *parser.Set) (*Result, error) {
	var value string
	switch v := st.Value.(type) {
	case *parser.Literal:
		value = v.Text
	case *parser.ColumnRef:
		value = v.Name
	default:
		return nil, posErr(st.Value.Position(), "SET needs a constant value")
	}
	if err := s.Set(st.Name, value); err != nil {
		return nil, posErr(st.Value.Position(), "%v", err)
	}
	settings := s.Settings()
	now, _ := settings.Get(st.Name)
	rows := newRows(s.e.mem, strField("setting"), strField("value"))
	rows.add(st.Name, now)
	return rows.result(fmt.Sprintf("%s = %s", st.Name, now)), nil
}

// createTable runs CREATE TABLE name (...) WITH (file = '...').
func (s *Session) createTable(st *parser.CreateTable) (*Result, error) {
	l, err := LayoutFromDDL(st)
	if err != nil {
		return nil, err
	}
	if l.File == "" {
		return nil, posErr(st.Pos, "CREATE TABLE %s needs the file it describes: add WITH (file = 'path')", st.Name)
	}
	if err := s.e.cat.register(st.Name, l.File, l, "create table", false); err != nil {
		if st.IfNotExists && strings.Contains(err.Error(), "already exists") {
			return newRows(s.e.mem, strField("result")).result(""), nil
		}
		return nil, posErr(st.Pos, "%v", err)
	}
	ent, _ := s.e.cat.lookup(st.Name)
	t, err := ent.open(OpenTableOptions{})
	if err != nil {
		s.e.cat.drop(st.Name)
		return nil, err
	}
	msg := fmt.Sprintf("table %s: %d records of %d bytes in %s", st.Name, t.Layout.Count, t.Layout.RecordLen, l.File)
	rows := newRows(s.e.mem, strField("result"))
	rows.add(msg)
	return rows.result(msg), nil
}

// dropTable runs DROP TABLE [IF EXISTS] name. Data files are never touched.
func (s *Session) dropTable(st *parser.DropTable) (*Result, error) {
	if !s.e.cat.drop(st.Name) && !st.IfExists {
		if dir, _ := s.e.cat.dirTables(); dir != nil {
			for _, f := range dir {
				if strings.EqualFold(f.name, st.Name) {
					return nil, posErr(st.Pos, "table %s is %s in the data directory; DROP TABLE never deletes files: remove the file to drop the table", st.Name, f.path)
				}
			}
		}
		return nil, posErr(st.Pos, "no table %s to drop (only tables made with CREATE TABLE or registered can be dropped)", st.Name)
	}
	msg := fmt.Sprintf("table %s dropped (its file is untouched)", st.Name)
	rows := newRows(s.e.mem, strField("result"))
	rows.add(msg)
	return rows.result(msg), nil
}
