// Package driver is recq's database/sql driver, registered as "recq".
//
//	db, err := sql.Open("recq", "testdata?workers=2&io=mmap")
//	rows, err := db.QueryContext(ctx, "SELECT l_returnflag, count(*) FROM lineitem WHERE l_quantity < ? GROUP BY 1", 24)
//
// The DSN is a data directory (every .rec file, and every raw file with a
// FILE.schema sidecar, is a table named after the file) followed by
// optional settings as URL query parameters: workers, io
// (auto|mmap|direct|buffered), batch_size, memory_limit (e.g. 4GB),
// max_rows, verify_checksums. An empty directory part means no data
// directory (query files by path: FROM 'data/ticks.rec').
//
// Each sql.DB shares one query engine (and its cache of open files); each
// connection is a session, so SET affects only that connection. Values
// arrive as the usual Go types: integers as int64 (UINT64 values above the
// int64 range as their decimal string), floats as float64, DECIMAL as an
// exact decimal string ("123.45"; scan it into a string, or a float64 when
// exactness does not matter), CHAR as string, BOOLEAN as bool, DATE and
// TIMESTAMP as time.Time in UTC, a NULL as nil. Cancelling a query's
// context stops it.
//
// Parameters are ? (numbered in order) or $1, $2, ... (by number; $n may
// repeat); do not mix the two in one statement. ColumnTypes names types
// as DuckDB's Go driver does (BIGINT, INTEGER, DECIMAL with DecimalSize,
// VARCHAR, DATE, TIMESTAMP, BOOLEAN, DOUBLE, ...) and reports the
// column's own Go type as ScanType (int32 for INTEGER). NewConnector
// gives a connector for sql.OpenDB whose Engine is the shared engine.
//
// recq is read-only over data files: transactions are not supported, and
// Exec runs statements without rows (SET, CREATE TABLE, DROP TABLE).
package driver

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"reflect"
	"strings"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/recq/recq/exec"
	"github.com/recq/recq/query"
)

func init() {
	sql.Register("recq", &Driver{})
}

// Driver implements driver.Driver and driver.DriverContext.
type Driver struct{}

// Open opens a connection on a fresh engine (database/sql prefers
// OpenConnector, which shares one engine per sql.DB).
func (d *Driver) Open(dsn string) (driver.Conn, error) {
	c, err := d.OpenConnector(dsn)
	if err != nil {
		return nil, err
	}
	return c.Connect(context.Background())
}

// OpenConnector parses the DSN and opens the engine all connections of a
// sql.DB share (database/sql calls it; see NewConnector for direct use).
func (d *Driver) OpenConnector(dsn string) (driver.Connector, error) {
	return newConnector(dsn, d)
}

// NewConnector opens the engine a DSN describes and returns its
// connector, for sql.OpenDB. The engine stays reachable through
// Connector.Engine, e.g. to register tables all connections see:
//
//	c, err := driver.NewConnector("testdata?workers=4")
//	if err != nil { ... }
//	err = c.Engine().RegisterTable("ticks", "/data/ticks.dat", "CREATE TABLE ticks (...)")
//	db := sql.OpenDB(c)
//	defer db.Close() // closes the engine too
func NewConnector(dsn string) (*Connector, error) {
	return newConnector(dsn, &Driver{})
}

func newConnector(dsn string, d *Driver) (*Connector, error) {
	opts, err := ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	eng, err := query.Open(opts)
	if err != nil {
		return nil, err
	}
	return &Connector{eng: eng, drv: d}, nil
}

// ParseDSN turns a DSN into engine options: the data directory and the
// default settings of every connection's session.
func ParseDSN(dsn string) (query.Options, error) {
	path, rawQuery := dsn, ""
	for i := 0; i < len(dsn); i++ {
		if dsn[i] == '?' {
			path, rawQuery = dsn[:i], dsn[i+1:]
			break
		}
	}
	vals, err := url.ParseQuery(rawQuery)
	if err != nil {
		return query.Options{}, fmt.Errorf("recq: bad DSN %q: %v", dsn, err)
	}
	settings := query.DefaultSettings()
	for k, v := range vals {
		if len(v) != 1 {
			return query.Options{}, fmt.Errorf("recq: DSN setting %s given %d times", k, len(v))
		}
		if err := settings.Set(k, v[0]); err != nil {
			return query.Options{}, fmt.Errorf("recq: DSN: %v", err)
		}
	}
	return query.Options{DataDir: path, Settings: settings}, nil
}

// Connector opens sessions on one shared engine.
type Connector struct {
	eng *query.Engine
	drv *Driver
}

// Connect starts a session with the DSN's settings.
func (c *Connector) Connect(context.Context) (driver.Conn, error) {
	return &conn{s: c.eng.NewSession()}, nil
}

// Driver returns the driver.
func (c *Connector) Driver() driver.Driver { return c.drv }

// Close releases the engine's cached files (sql.DB.Close calls it).
func (c *Connector) Close() error { return c.eng.Close() }

// Engine exposes the shared engine, e.g. to register tables.
func (c *Connector) Engine() *query.Engine { return c.eng }

// conn is one session.
type conn struct {
	s *query.Session
}

var errNoTx = errors.New("recq: transactions are not supported (recq reads data files, it does not change them)")

func (c *conn) Prepare(q string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), q)
}

func (c *conn) PrepareContext(_ context.Context, q string) (driver.Stmt, error) {
	st, err := c.s.Prepare(q)
	if err != nil {
		return nil, err
	}
	return &stmt{st: st}, nil
}

func (c *conn) Close() error              { return nil }
func (c *conn) Begin() (driver.Tx, error) { return nil, errNoTx }
func (c *conn) BeginTx(context.Context, driver.TxOptions) (driver.Tx, error) {
	return nil, errNoTx
}

func (c *conn) Ping(context.Context) error { return nil }

func (c *conn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	vals, err := positional(args)
	if err != nil {
		return nil, err
	}
	res, err := c.s.Query(ctx, q, vals...)
	if err != nil {
		return nil, err
	}
	return newRows(res), nil
}

func (c *conn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	vals, err := positional(args)
	if err != nil {
		return nil, err
	}
	res, err := c.s.Query(ctx, q, vals...)
	if err != nil {
		return nil, err
	}
	return drain(res)
}

// positional converts driver arguments to ? parameter values.
func positional(args []driver.NamedValue) ([]any, error) {
	out := make([]any, len(args))
	for i, a := range args {
		if a.Name != "" {
			return nil, fmt.Errorf("recq: named parameter %s is not supported; use ? or $1, $2, ... placeholders", a.Name)
		}
		out[i] = a.Value
	}
	return out, nil
}

// drain reads a result to its end (Exec of a statement with rows).
func drain(res *query.Result) (driver.Result, error) {
	var n int64
	for res.Next() {
		n += res.Record().NumRows()
	}
	if err := res.Close(); err != nil {
		return nil, err
	}
	return driver.RowsAffected(0), nil
}

type stmt struct {
	st *query.Stmt
}

func (s *stmt) Close() error  { return nil }
func (s *stmt) NumInput() int { return s.st.NumParams() }

func (s *stmt) Exec(args []driver.Value) (driver.Result, error) {
	return s.ExecContext(context.Background(), named(args))
}

func (s *stmt) Query(args []driver.Value) (driver.Rows, error) {
	return s.QueryContext(context.Background(), named(args))
}

func (s *stmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	vals, err := positional(args)
	if err != nil {
		return nil, err
	}
	res, err := s.st.Query(ctx, vals...)
	if err != nil {
		return nil, err
	}
	return drain(res)
}

func (s *stmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	vals, err := positional(args)
	if err != nil {
		return nil, err
	}
	res, err := s.st.Query(ctx, vals...)
	if err != nil {
		return nil, err
	}
	return newRows(res), nil
}

func named(args []driver.Value) []driver.NamedValue {
	out := make([]driver.NamedValue, len(args))
	for i, v := range args {
		out[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return out
}

// rows converts Arrow batches to driver values row by row.
type rows struct {
	res    *query.Result
	schema *arrow.Schema
	rec    arrow.Record
	row    int
}

func newRows(res *query.Result) *rows {
	return &rows{res: res, schema: res.Schema()}
}

func (r *rows) Columns() []string {
	names := make([]string, r.schema.NumFields())
	for i, f := range r.schema.Fields() {
		names[i] = f.Name
	}
	return names
}

func (r *rows) Close() error {
	err := r.res.Close()
	if errors.Is(err, context.Canceled) {
		return nil // the caller stopped reading or cancelled: not an error on Close
	}
	return err
}

func (r *rows) Next(dest []driver.Value) error {
	for r.rec == nil || r.row >= int(r.rec.NumRows()) {
		if !r.res.Next() {
			if err := r.res.Err(); err != nil {
				return err
			}
			return io.EOF
		}
		r.rec, r.row = r.res.Record(), 0
	}
	for c := range dest {
		dest[c] = value(r.rec.Column(c), r.row)
	}
	r.row++
	return nil
}

// value converts one Arrow value to a driver.Value.
func value(col arrow.Array, i int) driver.Value {
	// Every row of a NULL-typed column (SELECT NULL) is NULL, although
	// Arrow's Null array reports IsNull false (it has no validity bitmap).
	if col.DataType().ID() == arrow.NULL || col.IsNull(i) {
		return nil
	}
	switch a := col.(type) {
	case *array.Boolean:
		return a.Value(i)
	case *array.Int8:
		return int64(a.Value(i))
	case *array.Int16:
		return int64(a.Value(i))
	case *array.Int32:
		return int64(a.Value(i))
	case *array.Int64:
		return a.Value(i)
	case *array.Uint8:
		return int64(a.Value(i))
	case *array.Uint16:
		return int64(a.Value(i))
	case *array.Uint32:
		return int64(a.Value(i))
	case *array.Uint64:
		if v := a.Value(i); v <= math.MaxInt64 {
			return int64(v)
		}
		return fmt.Sprint(a.Value(i))
	case *array.Float32:
		return float64(a.Value(i))
	case *array.Float64:
		return a.Value(i)
	case *array.Decimal128:
		return a.Value(i).ToString(a.DataType().(*arrow.Decimal128Type).Scale)
	case *array.String:
		// Value is a view of the batch, whose buffers the next batch
		// reuses; database/sql keeps a string as it is given.
		return strings.Clone(a.Value(i))
	case *array.Binary:
		return bytes.Clone(a.Value(i))
	case *array.Date32:
		return time.Unix(int64(a.Value(i))*86400, 0).UTC()
	case *array.Timestamp:
		return time.UnixMicro(int64(a.Value(i))).UTC()
	case *array.MonthDayNanoInterval:
		return exec.IntervalOf(a.Value(i)).String()
	}
	return col.ValueStr(i)
}

// ColumnTypeDatabaseTypeName reports the SQL type of column i in the
// names DuckDB's Go driver uses: BOOLEAN, TINYINT, SMALLINT, INTEGER,
// BIGINT, UTINYINT, USMALLINT, UINTEGER, UBIGINT, FLOAT, DOUBLE, DECIMAL
// (precision and scale from DecimalSize), VARCHAR, BLOB, DATE, TIMESTAMP,
// INTERVAL, and "NULL" for a column of NULL literals.
func (r *rows) ColumnTypeDatabaseTypeName(i int) string {
	return DatabaseTypeName(r.schema.Field(i).Type)
}

// DatabaseTypeName names an Arrow type the way ColumnTypeDatabaseTypeName
// does.
func DatabaseTypeName(t arrow.DataType) string {
	if d, ok := t.(*arrow.DictionaryType); ok {
		return DatabaseTypeName(d.ValueType)
	}
	if name, ok := typeNames[t.ID()]; ok {
		return name
	}
	switch t := t.(type) {
	case *arrow.ListType:
		// DuckDB's INTEGER[].
		return DatabaseTypeName(t.Elem()) + "[]"
	case *arrow.StructType:
		// DuckDB's STRUCT(value INTEGER, flag VARCHAR).
		parts := make([]string, t.NumFields())
		for i, f := range t.Fields() {
			parts[i] = f.Name + " " + DatabaseTypeName(f.Type)
		}
		return "STRUCT(" + strings.Join(parts, ", ") + ")"
	}
	return strings.ToUpper(t.String())
}

var typeNames = map[arrow.Type]string{
	arrow.BOOL: "BOOLEAN", arrow.INT8: "TINYINT", arrow.INT16: "SMALLINT", arrow.INT32: "INTEGER", arrow.INT64: "BIGINT",
	arrow.UINT8: "UTINYINT", arrow.UINT16: "USMALLINT", arrow.UINT32: "UINTEGER", arrow.UINT64: "UBIGINT",
	arrow.FLOAT32: "FLOAT", arrow.FLOAT64: "DOUBLE", arrow.DECIMAL128: "DECIMAL", arrow.DECIMAL256: "DECIMAL",
	arrow.STRING: "VARCHAR", arrow.LARGE_STRING: "VARCHAR", arrow.BINARY: "BLOB", arrow.FIXED_SIZE_BINARY: "BLOB",
	arrow.DATE32: "DATE", arrow.TIMESTAMP: "TIMESTAMP", arrow.INTERVAL_MONTH_DAY_NANO: "INTERVAL", arrow.NULL: "NULL",
}

// ColumnTypePrecisionScale reports the precision and scale of a DECIMAL
// column (sql.ColumnType.DecimalSize); ok is false for other types.
func (r *rows) ColumnTypePrecisionScale(i int) (precision, scale int64, ok bool) {
	if d, isDec := r.schema.Field(i).Type.(arrow.DecimalType); isDec {
		return int64(d.GetPrecision()), int64(d.GetScale()), true
	}
	return 0, 0, false
}

// ColumnTypeNullable reports whether column i may hold NULL.
func (r *rows) ColumnTypeNullable(i int) (nullable, ok bool) {
	return r.schema.Field(i).Nullable, true
}

// scanTypes are the Go types ColumnTypeScanType reports: the column's own
// width (int32 for INTEGER), which database/sql converts the int64 or
// float64 driver value into. Types not listed scan as string (DECIMAL,
// VARCHAR, INTERVAL, UBIGINT above the int64 range arrives as text but
// scans into a uint64).
var scanTypes = map[arrow.Type]reflect.Type{
	arrow.BOOL: reflect.TypeOf(false), arrow.INT8: reflect.TypeOf(int8(0)), arrow.INT16: reflect.TypeOf(int16(0)),
	arrow.INT32: reflect.TypeOf(int32(0)), arrow.INT64: reflect.TypeOf(int64(0)),
	arrow.UINT8: reflect.TypeOf(uint8(0)), arrow.UINT16: reflect.TypeOf(uint16(0)), arrow.UINT32: reflect.TypeOf(uint32(0)),
	arrow.UINT64: reflect.TypeOf(uint64(0)), arrow.FLOAT32: reflect.TypeOf(float32(0)), arrow.FLOAT64: reflect.TypeOf(float64(0)),
	arrow.DATE32: reflect.TypeOf(time.Time{}), arrow.TIMESTAMP: reflect.TypeOf(time.Time{}),
	arrow.BINARY: reflect.TypeOf([]byte(nil)), arrow.FIXED_SIZE_BINARY: reflect.TypeOf([]byte(nil)),
	arrow.NULL: reflect.TypeOf((*any)(nil)).Elem(),
}

// ColumnTypeScanType reports the Go type values of column i scan into.
func (r *rows) ColumnTypeScanType(i int) reflect.Type {
	t := r.schema.Field(i).Type
	if d, ok := t.(*arrow.DictionaryType); ok {
		t = d.ValueType
	}
	if st, ok := scanTypes[t.ID()]; ok {
		return st
	}
	return reflect.TypeOf("")
}
