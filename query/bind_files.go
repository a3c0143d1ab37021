package query

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/recq/recq/internal/like"
	"github.com/recq/recq/parser"
	"github.com/recq/recq/scan"
	"github.com/recq/recq/storage"
)

// The columns of a table of several files beyond its layout's fields are
// pseudo fields of its ScanNode, like _rowid: filenameField for the
// file's path and partitionField(k) for partition key k.
const filenameField = -3

func partitionField(k int) int { return -10 - k }

// isFileField reports whether a ScanNode field is a per-file constant.
func isFileField(f int) bool { return f == filenameField || f <= partitionField(0) }

// fileFieldInfo returns a per-file column's name and whether it is an
// integer (else a string).
func (fsx *fileSet) fieldInfo(f int) (string, bool) {
	if f == filenameField {
		return filenameColumn, false
	}
	k := partitionField(0) - f
	return fsx.keys[k], fsx.intKeys[k]
}

// value is file i's value of a per-file column.
func (fsx *fileSet) value(i, f int) any {
	if f == filenameField {
		return fsx.files[i].path
	}
	return fsx.files[i].values[partitionField(0)-f]
}

// hasNull reports whether partition key k is NULL in some file.
func (fsx *fileSet) hasNull(k int) bool {
	for _, f := range fsx.files {
		if f.values[k] == nil {
			return true
		}
	}
	return false
}

// bindFileSet binds a table of several files: a glob or directory path
// (pattern) named name in the query.
func (bd *binder) bindFileSet(t *parser.TableRef, name, pattern string) ([]*relation, Node, error) {
	fsx, err := resolveFileSet(pattern)
	if err != nil {
		var fe *storage.FileError
		if errors.As(err, &fe) {
			return nil, nil, err
		}
		return nil, nil, posErr(t.Pos, "%v", err)
	}
	return bd.bindFiles(t, name, fsx)
}

// bindFiles binds a resolved set of files as one table.
func (bd *binder) bindFiles(t *parser.TableRef, name string, fsx *fileSet) ([]*relation, Node, error) {
	// The scan node's table stands for the whole set: the common schema
	// and an estimate of the record count (for the optimizer's costs).
	table := *fsx.first
	table.Path = fsx.pattern
	table.Layout.Count = fsx.first.Layout.Count * int64(len(fsx.files))
	names := []string{name}
	if fsx.root != "" {
		names = append(names, filepath.Base(fsx.root))
	}
	if t.Alias != "" {
		name, names = t.Alias, []string{t.Alias}
	}
	sn := &ScanNode{table: &table, name: name, pos: t.Pos, sample: t.Sample, files: fsx}
	r := &relation{names: names, hidden: map[ColumnID]bool{}}
	fields := table.Schema.Fields
	ncols := len(fields) + len(fsx.keys)
	if len(t.Columns) > ncols {
		return nil, nil, posErr(t.Pos, "%s has %d columns but %d names were given", name, ncols, len(t.Columns))
	}
	add := func(f int, cname string, typ arrow.DataType, hidden bool) Column {
		if i := len(sn.fields); i < len(t.Columns) && !hidden {
			cname = t.Columns[i]
		}
		c := bd.newColumn(cname, name, typ)
		sn.fields = append(sn.fields, f)
		sn.cols = append(sn.cols, c)
		r.cols = append(r.cols, c)
		if hidden {
			r.hidden[c.ID] = true
		}
		return c
	}
	for i := range fields {
		add(i, fields[i].Name, fields[i].ArrowType(), false)
	}
	for k, key := range fsx.keys {
		typ := arrow.DataType(arrow.BinaryTypes.String)
		if fsx.intKeys[k] {
			typ = arrow.PrimitiveTypes.Int64
		}
		add(partitionField(k), key, typ, false)
	}
	r.virtual = map[ColumnID]bool{}
	if !fsx.named {
		c := add(filenameField, filenameColumn, arrow.BinaryTypes.String, true)
		r.virtual[c.ID] = true
	}
	if sg := table.Raw.Segments; sg != nil && sg.HasParents() {
		c := add(parentRowIDField, parentRowIDName, arrow.PrimitiveTypes.Int64, true)
		r.virtual[c.ID] = true
	}
	rowid := add(rowIDField, "_rowid", arrow.PrimitiveTypes.Int64, true)
	r.rowid = &rowid
	return []*relation{r}, sn, nil
}

// toFilePredicate converts a conjunct on a per-file column (a partition
// or filename) compared with constants: it is decided per file, before
// the file is opened, and prunes the files it rules out.
func (s *ScanNode) toFilePredicate(c *Expr) (scan.Predicate, bool) {
	if s.files == nil {
		return scan.Predicate{}, false
	}
	isText := func(f int) bool { _, isInt := s.files.fieldInfo(f); return !isInt }
	return predicateOn(s, c, isFileField, isText, func(f int, e *Expr) (any, bool) {
		v, _, ok := e.constValue()
		if !ok || v == nil {
			return nil, false
		}
		switch x := v.(type) {
		case int64:
			return x, !isText(f)
		case string:
			return x, isText(f)
		}
		return nil, false
	})
}

// fileMatches reports whether file i passes every file predicate.
func (s *ScanNode) fileMatches(i int) bool {
	for _, p := range s.filePreds {
		if !filePredMatches(p, s.files.value(i, p.Field)) {
			return false
		}
	}
	return true
}

// filePredMatches evaluates a predicate on a file's constant (nil for a
// NULL partition value, which only IS NULL matches).
func filePredMatches(p scan.Predicate, v any) bool {
	if v == nil {
		return p.Op == scan.OpIsNull
	}
	cmp := func(w any) int {
		switch x := v.(type) {
		case int64:
			y := w.(int64)
			return compareOrdered(x, y)
		case string:
			return strings.Compare(x, w.(string))
		}
		return 0
	}
	switch p.Op {
	case scan.OpEq:
		return cmp(p.Values[0]) == 0
	case scan.OpNe:
		return cmp(p.Values[0]) != 0
	case scan.OpLt:
		return cmp(p.Values[0]) < 0
	case scan.OpLe:
		return cmp(p.Values[0]) <= 0
	case scan.OpGt:
		return cmp(p.Values[0]) > 0
	case scan.OpGe:
		return cmp(p.Values[0]) >= 0
	case scan.OpBetween:
		return cmp(p.Values[0]) >= 0 && cmp(p.Values[1]) <= 0
	case scan.OpIn:
		for _, w := range p.Values {
			if cmp(w) == 0 {
				return true
			}
		}
		return false
	case scan.OpIsNull:
		return false
	case scan.OpIsNotNull:
		return true
	case scan.OpPrefix:
		for _, w := range p.Values {
			if strings.HasPrefix(v.(string), w.(string)) {
				return true
			}
		}
		return false
	case scan.OpLike, scan.OpNotLike:
		return like.Compile(p.Values[0].(string)).Match([]byte(v.(string))) == (p.Op == scan.OpLike)
	}
	return true
}

func compareOrdered(x, y int64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// keptFiles returns the indexes of the files the file predicates keep.
func (s *ScanNode) keptFiles() []int {
	var kept []int
	if s.empty {
		return nil
	}
	for i := range s.files.files {
		if s.fileMatches(i) {
			kept = append(kept, i)
		}
	}
	return kept
}

// fileLine is the EXPLAIN text of a multi-file scan's files: how many,
// how many pruned, and by what.
func (s *ScanNode) fileLine() string {
	n := len(s.files.files)
	kept := len(s.keptFiles())
	out := fmt.Sprintf("files %d", n)
	if len(s.filePreds) > 0 || kept < n {
		ps := make([]string, len(s.filePreds))
		for i, p := range s.filePreds {
			ps[i] = s.filePredString(p)
		}
		out += fmt.Sprintf(", %d pruned by [%s]", n-kept, strings.Join(ps, " AND "))
	}
	return out
}

// filePredString renders a file predicate with its column's name.
func (s *ScanNode) filePredString(p scan.Predicate) string {
	name, _ := s.files.fieldInfo(p.Field)
	one := &storage.Schema{Fields: []storage.Field{{Name: name}}}
	p.Field = 0
	return p.String(one)
}
