package query

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/recq/recq/exec"
	"github.com/recq/recq/parser"
)

// DESCRIBE query and SUMMARIZE (DuckDB's forms).

// describeQuery runs DESCRIBE SELECT ...: the query's output columns and
// their types, without running it.
func (s *Session) describeQuery(st *parser.Describe, args []any) (*Result, error) {
	cols, err := s.queryColumns(st.Query, args)
	if err != nil {
		return nil, err
	}
	rows := newRows(s.e.mem, strField("column_name"), strField("column_type"), strField("null"),
		intField("start"), intField("end"), intField("width"), strField("encoding"))
	for _, c := range cols {
		rows.add(c.Name, exec.TypeName(c.Type), "YES", nil, nil, nil, "query")
	}
	return rows.result(""), nil
}

// queryColumns binds a query and returns its output columns.
func (s *Session) queryColumns(q parser.Query, args []any) ([]Column, error) {
	bd := newBinder(s.e.cat, args)
	root, err := bd.bindQuery(q, nil, nil)
	if err != nil {
		return nil, err
	}
	return root.Columns(), nil
}

// summaryStats are the statistics SUMMARIZE computes per column.
const summaryStats = 9

// summarize runs SUMMARIZE table | 'path' | query: one row per column with
// its type, min, max, approximate distinct count, average, standard
// deviation, quartiles, row count and share of NULLs (a percentage).
// Statistics are text, as in DuckDB; numbers show 10 significant digits. All columns are
// summarized in one aggregate query (one scan).
func (s *Session) summarize(ctx context.Context, st *parser.Summarize, args []any) (*Result, error) {
	q := st.Query
	if q == nil {
		var ref parser.TableExpr = &parser.TableRef{Pos: st.Pos, Name: st.Name}
		if st.Path != "" {
			ref = &parser.TableRef{Pos: st.Pos, Path: st.Path}
		}
		q = &parser.Select{Pos: st.Pos, Items: []*parser.SelectItem{{Pos: st.Pos, Star: true}}, From: ref}
	}
	cols, err := s.queryColumns(q, args)
	if err != nil {
		return nil, err
	}
	var items, aliases []string
	for i, c := range cols {
		x := fmt.Sprintf("c%d", i)
		aliases = append(aliases, x)
		t := c.Type
		orderable := exec.IsOrderable(t)
		numeric := exec.IsNumeric(t)
		quart := numeric || exec.IsTemporal(t)
		add := func(ok bool, sql string) {
			if !ok {
				sql = "NULL"
			}
			items = append(items, sql)
		}
		add(orderable, fmt.Sprintf("CAST(min(%s) AS VARCHAR)", x))
		add(orderable, fmt.Sprintf("CAST(max(%s) AS VARCHAR)", x))
		add(true, fmt.Sprintf("approx_count_distinct(%s)", x))
		add(numeric, fmt.Sprintf("avg(%s)", x))
		add(numeric, fmt.Sprintf("stddev_samp(%s)", x))
		for _, q := range []string{"0.25", "0.5", "0.75"} {
			if numeric {
				add(true, fmt.Sprintf("quantile_cont(%s, %s)", x, q))
			} else {
				add(quart, fmt.Sprintf("CAST(quantile_cont(%s, %s) AS VARCHAR)", x, q))
			}
		}
		add(true, fmt.Sprintf("count(%s)", x))
	}
	rows := newRows(s.e.mem, strField("column_name"), strField("column_type"), strField("min"), strField("max"),
		intField("approx_unique"), strField("avg"), strField("std"), strField("q25"), strField("q50"), strField("q75"),
		intField("count"), arrow.Field{Name: "null_percentage", Type: arrow.PrimitiveTypes.Float64, Nullable: true})
	if len(cols) == 0 {
		return rows.result(""), nil
	}
	sql := fmt.Sprintf("SELECT count(*), %s FROM (%s) AS s(%s)", strings.Join(items, ", "), q.String(), strings.Join(aliases, ", "))
	res, err := s.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer res.Close()
	if !res.Next() {
		if err := res.Err(); err != nil {
			return nil, err
		}
		return nil, internalErr("SUMMARIZE: the statistics query returned no row")
	}
	rec := res.Record()
	total := rec.Column(0).(*array.Int64).Value(0)
	cell := func(k int) any {
		a := rec.Column(k)
		if a.IsNull(0) {
			return nil
		}
		switch x := a.(type) {
		case *array.String:
			return x.Value(0)
		case *array.Int64:
			return x.Value(0)
		case *array.Float64:
			// 10 significant digits: the last bits of a parallel sum
			// depend on the order partitions finish in
			return strconv.FormatFloat(x.Value(0), 'g', 10, 64)
		}
		return nil
	}
	for i, c := range cols {
		base := 1 + i*summaryStats
		vals := []any{c.Name, exec.TypeName(c.Type)}
		for k := 0; k < summaryStats-1; k++ {
			vals = append(vals, cell(base+k))
		}
		vals = append(vals, total)
		nonNull, _ := cell(base + summaryStats - 1).(int64)
		var pct any
		if total > 0 {
			pct = math.Round(10000*float64(total-nonNull)/float64(total)) / 100
		}
		vals = append(vals, pct)
		rows.add(vals...)
	}
	if err := res.Err(); err != nil {
		return nil, err
	}
	return rows.result(""), nil
}
