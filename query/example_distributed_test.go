package query_test

import (
	"context"
	"fmt"
	"log"

	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/recq/recq/query"
)

// Running a query as a distributed plan: the table is cut into splits, a
// leaf runs on each split (here in-process; a worker elsewhere would load
// the encoded plan and split), and the root merges the leaves' partial
// aggregation states into the answer a single node gives.
func ExampleEngine_PlanDistributed() {
	eng, err := query.Open(query.Options{DataDir: "../testdata"})
	if err != nil {
		log.Fatal(err)
	}
	defer eng.Close()
	ctx := context.Background()
	plan, err := eng.PlanDistributed(ctx,
		"SELECT l_returnflag, count(*) AS n, avg(l_quantity) AS q FROM lineitem_txt GROUP BY 1 ORDER BY 1",
		query.DistributeOptions{SplitBytes: 64 << 10})
	if err != nil {
		log.Fatal(err)
	}
	splits, err := plan.Splits(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(splits), "splits, the first:", splits[0])
	var leaves []array.RecordReader
	for _, sp := range splits {
		res, err := plan.Leaf(ctx, sp) // partial states: see plan.LeafSchema()
		if err != nil {
			log.Fatal(err)
		}
		leaves = append(leaves, res)
	}
	res, err := plan.Merge(ctx, leaves)
	if err != nil {
		log.Fatal(err)
	}
	defer res.Close()
	for res.Next() {
		rec := res.Record()
		flags := rec.Column(0).(*array.String)
		n := rec.Column(1).(*array.Int64)
		q := rec.Column(2).(*array.Float64)
		for i := 0; i < int(rec.NumRows()); i++ {
			fmt.Printf("%s %d %.4f\n", flags.Value(i), n.Value(i), q.Value(i))
		}
	}
	if err := res.Err(); err != nil {
		log.Fatal(err)
	}
	// Output:
	// 6 splits, the first: lineitem.txt file 0 (lineitem.txt) [{0 370}], 370 records, chunk-aligned
	// A 475 24.9832
	// N 1075 25.6819
	// R 450 25.6133
}
