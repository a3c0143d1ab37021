package driver_test

import (
	"database/sql"
	"fmt"
	"log"

	_ "github.com/recq/recq/query/driver"
)

// Querying fixed-width files through database/sql: the DSN names a data
// directory whose .rec files (and raw files with a .schema sidecar) are
// tables; ? placeholders take parameters; DECIMAL values arrive as exact
// strings.
func Example() {
	db, err := sql.Open("recq", "../../testdata?workers=2")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT l_returnflag, count(*) AS n, sum(l_quantity) AS qty
		FROM lineitem WHERE l_shipdate < ? GROUP BY l_returnflag ORDER BY 1`, "1995-01-01")
	if err != nil {
		log.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var flag, qty string
		var n int64
		if err := rows.Scan(&flag, &n, &qty); err != nil {
			log.Fatal(err)
		}
		fmt.Println(flag, n, qty)
	}
	if err := rows.Err(); err != nil {
		log.Fatal(err)
	}
	// Output:
	// A 418 10272.00
	// R 394 10096.00
}
