package driver

import (
	"strings"
	"testing"
)

// TestScannedStringsOutliveTheBatch: a string scanned from a row stays
// valid after the next batch reuses the buffers (database/sql keeps a
// driver's string as it is, so the driver must not hand out a view of
// the batch; found by query/difftest's harness, which had the same bug).
func TestScannedStringsOutliveTheBatch(t *testing.T) {
	db := openDB(t, "../../testdata?batch_size=1&workers=1")
	rows, err := db.Query("SELECT upper(name), city FROM people")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	var cities []any
	for rows.Next() {
		var n string
		var c any
		if err := rows.Scan(&n, &c); err != nil {
			t.Fatal(err)
		}
		names, cities = append(names, n), append(cities, c)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	want := "ALICE,BOB,CAROL,DAN,EVE,,FRANK,GRACE,HEIDI,IVAN,O'BRIEN,ZOË"
	if got := strings.Join(names, ","); got != want {
		t.Fatalf("names read back as %q, want %q", got, want)
	}
	if cities[0] != "Paris" || cities[1] != "London" {
		t.Fatalf("cities read back as %q", cities)
	}
}
