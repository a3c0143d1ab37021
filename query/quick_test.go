package query

import (
	"context"
	"fmt"
	"testing"
)

func TestQuick(t *testing.T) {
	e, err := Open(Options{DataDir: "../testdata"})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"SELECT 41 + 1 AS x",
		"SELECT count(*) FROM lineitem",
		"SELECT l_returnflag, l_linestatus, sum(l_quantity) AS sum_qty, sum(l_extendedprice) AS sum_base_price, sum(l_extendedprice * (1 - l_discount)) AS sum_disc_price, sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) AS sum_charge, avg(l_quantity) AS avg_qty, avg(l_extendedprice) AS avg_price, avg(l_discount) AS avg_disc, count(*) AS count_order FROM lineitem WHERE l_shipdate <= DATE '1998-12-01' - INTERVAL 90 DAY GROUP BY l_returnflag, l_linestatus ORDER BY l_returnflag, l_linestatus",
		"SELECT sum(l_extendedprice * l_discount) AS revenue FROM lineitem WHERE l_shipdate >= DATE '1994-01-01' AND l_shipdate < DATE '1994-01-01' + INTERVAL '1' YEAR AND l_discount BETWEEN .06 - 0.01 AND .06 + 0.01 AND l_quantity < 24",
		"SELECT l_orderkey, l_comment FROM lineitem ORDER BY l_orderkey DESC LIMIT 3",
		"SELECT _rowid, l_shipmode FROM '../testdata/lineitem.txt' WHERE _rowid BETWEEN 5 AND 7",
		"EXPLAIN SELECT l_shipmode, count(*) FROM lineitem WHERE l_quantity < 10 GROUP BY 1 ORDER BY 2 DESC LIMIT 2",
		"SELECT DISTINCT l_shipmode FROM lineitem ORDER BY 1",
		"DESCRIBE sensors",
		"SHOW TABLES",
	} {
		res, err := e.Query(context.Background(), q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		fmt.Println(q)
		for res.Next() {
			rec := res.Record()
			for r := 0; r < int(rec.NumRows()); r++ {
				line := ""
				for c := 0; c < int(rec.NumCols()); c++ {
					line += rec.Column(c).ValueStr(r) + " | "
				}
				fmt.Println("  ", line)
			}
		}
		if err := res.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
