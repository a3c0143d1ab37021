package query_test

import (
	"context"
	"fmt"
	"log"

	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/recq/recq/query"
)

// Querying a directory of record files and reading the result as Arrow
// record batches.
func Example() {
	eng, err := query.Open(query.Options{DataDir: "../testdata"})
	if err != nil {
		log.Fatal(err)
	}
	defer eng.Close()
	res, err := eng.Query(context.Background(),
		"SELECT l_shipmode, count(*) AS n FROM lineitem WHERE l_quantity < ? GROUP BY 1 ORDER BY n DESC, 1 LIMIT 3", 10)
	if err != nil {
		log.Fatal(err)
	}
	defer res.Close()
	for res.Next() {
		rec := res.Record() // an arrow.Record, valid until the next call to Next
		modes := rec.Column(0).(*array.String)
		counts := rec.Column(1).(*array.Int64)
		for i := 0; i < int(rec.NumRows()); i++ {
			fmt.Println(modes.Value(i), counts.Value(i))
		}
	}
	if err := res.Err(); err != nil {
		log.Fatal(err)
	}
	// Output:
	// AIR 61
	// FOB 60
	// REG AIR 58
}

// Registering a raw fixed-width file under a name with its layout, then
// querying it with a prepared statement.
func ExampleEngine_RegisterTable() {
	eng, _ := query.Open(query.Options{})
	defer eng.Close()
	err := eng.RegisterTable("people", "../testdata/people.txt", `
		CREATE TABLE people (
		  id   INT32    POSITION(1:4),
		  name CHAR(10) POSITION(6:15),
		  age  INT16    POSITION(17:19)
		) WITH (format = 'text', record_length = 61)`)
	if err != nil {
		log.Fatal(err)
	}
	st, err := eng.Prepare("SELECT name, age FROM people WHERE age >= ? ORDER BY age DESC")
	if err != nil {
		log.Fatal(err)
	}
	res, err := st.Query(context.Background(), 45)
	if err != nil {
		log.Fatal(err)
	}
	defer res.Close()
	for res.Next() {
		rec := res.Record()
		for i := 0; i < int(rec.NumRows()); i++ {
			fmt.Println(rec.Column(0).ValueStr(i), rec.Column(1).ValueStr(i))
		}
	}
	// Output:
	// Zoë 99
	// Frank 61
	// Carol 45
}

// EXPLAIN shows the logical plan after the optimizer passes and the
// physical operators with their partition counts.
func ExampleEngine_Explain() {
	eng, _ := query.Open(query.Options{DataDir: "../testdata", Settings: query.Settings{Workers: 2}})
	defer eng.Close()
	plan, err := eng.Explain(context.Background(), "SELECT count(*) FROM lineitem WHERE l_quantity < 24")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(plan)
	// Output:
	// logical plan:
	//   Project count(*)
	//     Aggregate group by [] aggregates [count(*)] on raw record bytes
	//       Scan lineitem [] pushed [l_quantity < 24]
	// optimizer passes: fold_constants, simplify_outer_joins, pushdown_predicates, reorder_joins, extract_join_keys, choose_build_side, prefilter_aggregates, prune_projection, pushdown_limit, topn, raw_aggregates, join_key_filters
	// physical plan:
	//   Project: count(*) [partitions=1]
	//     Aggregate (final): [count(*)] [partitions=1]
	//       Scan ../testdata/lineitem.rec (rec, 2000 records): columns [], pushed [l_quantity < 24], blocks 0 of 1 skipped, aggregated on raw bytes [partitions=2]
}
