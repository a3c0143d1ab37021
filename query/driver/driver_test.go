package driver

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"
)

func openDB(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("recq", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestDriverTypesAndParams(t *testing.T) {
	db := openDB(t, "../../testdata?workers=2&io=mmap")
	rows, err := db.Query("SELECT id, name, balance, joined, score, active, age FROM people WHERE id <= ? ORDER BY id", 2)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	if strings.Join(cols, ",") != "id,name,balance,joined,score,active,age" {
		t.Fatalf("columns %v", cols)
	}
	types, _ := rows.ColumnTypes()
	if types[2].DatabaseTypeName() != "DECIMAL" || types[3].ScanType().String() != "time.Time" {
		t.Fatalf("types %s %s", types[2].DatabaseTypeName(), types[3].ScanType())
	}
	var got []string
	for rows.Next() {
		var (
			id      int64
			name    string
			balance string
			joined  time.Time
			score   sql.NullFloat64
			active  bool
			age     sql.NullInt64
		)
		if err := rows.Scan(&id, &name, &balance, &joined, &score, &active, &age); err != nil {
			t.Fatal(err)
		}
		got = append(got, strings.Join([]string{name, balance, joined.Format("2006-01-02"), map[bool]string{true: "y", false: "n"}[active],
			map[bool]string{true: "score", false: "no score"}[score.Valid], map[bool]string{true: "age", false: "no age"}[age.Valid]}, " "))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := []string{"Alice 1234.50 2020-01-31 y score age", "Bob -20.00 2020-02-29 n no score no age"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s", strings.Join(got, "\n"))
	}
}

func TestDriverPreparedAndExec(t *testing.T) {
	db := openDB(t, "../../testdata")
	st, err := db.Prepare("SELECT count(*) FROM lineitem WHERE l_quantity < ?")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var n1, n2 int64
	if err := st.QueryRow(24).Scan(&n1); err != nil {
		t.Fatal(err)
	}
	if err := st.QueryRow(50.5).Scan(&n2); err != nil {
		t.Fatal(err)
	}
	if n1 != 910 || n2 != 2000 {
		t.Fatalf("counts %d %d", n1, n2)
	}
	// A session setting through a pinned connection.
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), "SET max_rows = 3"); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.QueryContext(context.Background(), "SELECT id FROM people")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
	}
	if err := rows.Err(); err == nil || !strings.Contains(err.Error(), "max_rows") {
		t.Fatalf("max_rows not enforced: %v", err)
	}
	rows.Close()
	if _, err := db.Begin(); err == nil {
		t.Fatal("Begin succeeded")
	}
	if _, err := db.Query("SELEC 1"); err == nil || !strings.Contains(err.Error(), "did you mean SELECT") {
		t.Fatalf("parse error: %v", err)
	}
}

func TestDriverCancel(t *testing.T) {
	db := openDB(t, "../../testdata?batch_size=1")
	ctx, cancel := context.WithCancel(context.Background())
	rows, err := db.QueryContext(ctx, "SELECT l_orderkey FROM lineitem")
	if err != nil {
		t.Fatal(err)
	}
	rows.Next()
	cancel()
	for rows.Next() {
	}
	if err := rows.Err(); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	rows.Close()
}

func TestParseDSN(t *testing.T) {
	o, err := ParseDSN("data?workers=3&io=direct&memory_limit=1GB")
	if err != nil || o.DataDir != "data" || o.Settings.Workers != 3 || o.Settings.IO.String() != "direct" || o.Settings.MemoryLimit != 1<<30 {
		t.Fatalf("%+v %v", o, err)
	}
	for _, bad := range []string{"x?workers=zero", "x?colour=blue", "x?io=up"} {
		if _, err := ParseDSN(bad); err == nil {
			t.Errorf("%s parsed", bad)
		}
	}
}
