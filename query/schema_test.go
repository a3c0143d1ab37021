package query

import (
	"context"
	"strings"
	"testing"
)

// ResultSchema is the schema the query's Result has, without running it.
func TestResultSchema(t *testing.T) {
	eng := distEngine(t, "../testdata", 2)
	for _, sql := range []string{
		"SELECT * FROM lineitem",
		"SELECT l_returnflag AS f, count(*) AS n, avg(l_quantity) FROM lineitem GROUP BY 1 ORDER BY 1",
		"SELECT 1 AS one, 'x' AS s, NULL AS z",
		"SELECT l_orderkey + ? AS k FROM lineitem_txt LIMIT 2",
	} {
		var args []any
		if strings.Contains(sql, "?") {
			args = []any{int64(1)}
		}
		got, err := eng.Session().ResultSchema(sql, args...)
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		res, err := eng.Query(context.Background(), sql, args...)
		if err != nil {
			t.Fatal(err)
		}
		want := res.Schema()
		res.Close()
		if !got.Equal(want) {
			t.Errorf("%s: ResultSchema %s, the result's %s", sql, got, want)
		}
	}
	for sql, msg := range map[string]string{
		"SELECT nope FROM lineitem":           "nope",
		"DROP TABLE lineitem":                 "only queries",
		"SELECT * FROM no_such_table":         "no table named no_such_table",
		"SELECT l_orderkey + ? FROM lineitem": "parameter",
	} {
		if _, err := eng.Session().ResultSchema(sql); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: got %v, want an error with %q", sql, err, msg)
		}
	}
}
