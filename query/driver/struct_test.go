package driver

import (
	"database/sql"
	"testing"
)

// TestStructColumns: a group field (STRUCT) and an array of groups come
// through database/sql as text, as lists do, with DuckDB's type names;
// their members scan as ordinary columns.
func TestStructColumns(t *testing.T) {
	db := openDB(t, "../../testdata")
	if _, err := db.Exec(`CREATE TABLE g (station CHAR(11) POSITION(1:11), month INT16 POSITION(16:17), element CHAR(4) POSITION(18:21),
		days STRUCT(value INT32 WIDTH 5 NULLIF '-9999', mflag CHAR(1)) POSITION(22:29) OCCURS 31 TIMES)
		WITH (file = '../../testdata/ghcn/sample.dly', format = 'text', record_length = 269)`); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query("SELECT days[1], days[1].value, days[4].value FROM g WHERE station = 'XXW00012345' AND month = 12 AND element = 'TMAX'")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		t.Fatal(err)
	}
	if got := types[0].DatabaseTypeName(); got != "STRUCT(value INTEGER, mflag VARCHAR)" {
		t.Errorf("DatabaseTypeName %s", got)
	}
	if !rows.Next() {
		t.Fatal(rows.Err())
	}
	var s string
	var v int32
	var missing sql.NullInt32
	if err := rows.Scan(&s, &v, &missing); err != nil {
		t.Fatal(err)
	}
	if s != `{"mflag":"","value":285}` || v != 285 || missing.Valid {
		t.Errorf("scanned %q, %d, %v", s, v, missing)
	}
}
