package driver

import (
	"database/sql"
	"reflect"
	"testing"
	"time"
)

// TestColumnTypes: DatabaseTypeName in DuckDB's names, DecimalSize for
// DECIMAL, ScanType the column's own Go type.
func TestColumnTypes(t *testing.T) {
	db := openDB(t, "../../testdata")
	rows, err := db.Query(`SELECT CAST(1 AS INTEGER) AS i, CAST(1 AS BIGINT) AS b, CAST(1 AS SMALLINT) AS s,
		CAST(1.5 AS DECIMAL(9,2)) AS d, CAST(1 AS DOUBLE) AS f, 'x' AS v, DATE '2024-01-02' AS dt,
		TIMESTAMP '2024-01-02 03:04:05' AS ts, true AS ok, NULL AS n`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name string
		scan reflect.Type
	}{
		{"INTEGER", reflect.TypeOf(int32(0))}, {"BIGINT", reflect.TypeOf(int64(0))}, {"SMALLINT", reflect.TypeOf(int16(0))},
		{"DECIMAL", reflect.TypeOf("")}, {"DOUBLE", reflect.TypeOf(float64(0))}, {"VARCHAR", reflect.TypeOf("")},
		{"DATE", nil}, {"TIMESTAMP", nil}, {"BOOLEAN", reflect.TypeOf(false)}, {"NULL", nil},
	}
	want[6].scan, want[7].scan = reflect.TypeOf(timeZero), reflect.TypeOf(timeZero)
	want[9].scan = reflect.TypeOf((*any)(nil)).Elem()
	for i, ct := range types {
		if got := ct.DatabaseTypeName(); got != want[i].name {
			t.Errorf("column %s: DatabaseTypeName %s, want %s", ct.Name(), got, want[i].name)
		}
		if got := ct.ScanType(); got != want[i].scan {
			t.Errorf("column %s: ScanType %v, want %v", ct.Name(), got, want[i].scan)
		}
		p, s, ok := ct.DecimalSize()
		if wantDec := want[i].name == "DECIMAL"; ok != wantDec || (ok && (p != 9 || s != 2)) {
			t.Errorf("column %s: DecimalSize %d,%d,%v", ct.Name(), p, s, ok)
		}
	}
	// Every column scans into a value of its ScanType.
	if !rows.Next() {
		t.Fatal(rows.Err())
	}
	dest := make([]any, len(types))
	for i, ct := range types {
		dest[i] = reflect.New(ct.ScanType()).Interface()
	}
	if err := rows.Scan(dest...); err != nil {
		t.Fatal(err)
	}
	if got := *dest[0].(*int32); got != 1 {
		t.Errorf("INTEGER scanned as %d", got)
	}
	if got := *dest[9].(*any); got != nil {
		t.Errorf("NULL scanned as %#v", got)
	}
}

// TestNullColumn: SELECT NULL is a NULL, not the string "(null)".
func TestNullColumn(t *testing.T) {
	db := openDB(t, "")
	var s sql.NullString
	if err := db.QueryRow("SELECT NULL AS n").Scan(&s); err != nil {
		t.Fatal(err)
	}
	if s.Valid {
		t.Fatalf("SELECT NULL scanned as the valid string %q", s.String)
	}
}

// TestDollarPlaceholders: $1, $2 besides ?; $n may repeat and come in any
// order.
func TestDollarPlaceholders(t *testing.T) {
	db := openDB(t, "")
	var a, b, c int64
	if err := db.QueryRow("SELECT $2 AS a, $1 AS b, $2 + $1 AS c", 10, 20).Scan(&a, &b, &c); err != nil {
		t.Fatal(err)
	}
	if a != 20 || b != 10 || c != 30 {
		t.Fatalf("got %d %d %d, want 20 10 30", a, b, c)
	}
	if err := db.QueryRow("SELECT $0 AS a").Scan(&a); err == nil {
		t.Fatal("$0 accepted")
	}
}

// TestNewConnector: the engine is reachable from the connector without
// a type assertion, and closing the sql.DB closes it.
func TestNewConnector(t *testing.T) {
	c, err := NewConnector("?workers=2")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Engine().RegisterTable("people", "../../testdata/people.txt", ""); err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	defer db.Close()
	var n int64
	if err := db.QueryRow("SELECT count(*) FROM people").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no rows through the registered table")
	}
}

var timeZero = time.Time{}
