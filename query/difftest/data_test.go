package difftest

import (
	"database/sql"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/recq/recq/storage"
)

// class is the comparison class of a value: values of one class can be
// compared with each other in both engines.
type class int

const (
	cNum class = iota
	cStr
	cBool
	cDate
	cTs
)

// numKind refines cNum.
type numKind int

const (
	nInt numKind = iota
	nDec
	nFloat
)

// column describes one column of the generated table "t": its recq type,
// its SQLite declaration and how its values are drawn.
type column struct {
	name     string
	typ      storage.Type
	nullable bool
	cls      class
	nk       numKind
	// tame columns hold values that arithmetic and sums handle exactly (or
	// within the float tolerance) in both engines; edge columns hold the
	// extremes of their types and are only compared, grouped, sorted,
	// counted and taken min/max of.
	tame  bool
	ascii bool // strings: ASCII only (lower/upper/ILIKE agree)
	lite  string
	draw  func(r *rand.Rand) any // a non-NULL value (storage value types)
	// bound is the largest absolute value in the column (integers), set
	// when the data is generated.
	bound float64
	// owner is the table the column belongs to.
	owner *table
	// role names the column of table t whose part this column plays in
	// the expression generator ("dd": tame dates, "dm": DECIMAL(9,2),
	// ...): t's columns play their own, the side tables' their
	// counterparts, so expressions can be generated over any scope.
	role string
	// key is the join-key family: columns of one family hold overlapping
	// values of one type and are joined with each other ("k", "g", "id",
	// "s", "d"); "" for none.
	key string
	// from is the column a derived table's column copies (for drawing
	// values), nil for base tables.
	from *column
}

func pick[T any](r *rand.Rand, xs ...T) T { return xs[r.IntN(len(xs))] }

// edge returns one of the edge values with probability 1/4, else small().
func edge[T any](r *rand.Rand, small func() T, edges ...T) T {
	if r.IntN(4) == 0 {
		return edges[r.IntN(len(edges))]
	}
	return small()
}

func dateOf(y, m, d int) storage.DateValue { return storage.DateValue(storage.DaysFromCivil(y, m, d)) }

// monthEnd is the last day of y-m.
func monthEnd(y, m int) storage.DateValue {
	if m == 12 {
		return dateOf(y+1, 1, 1) - 1
	}
	return dateOf(y, m+1, 1) - 1
}

// columns of the table, in order. Names are chosen to say what they hold.
func tableColumns() []*column {
	i := func(lo, hi int64) func(r *rand.Rand) int64 {
		return func(r *rand.Rand) int64 { return lo + r.Int64N(hi-lo+1) }
	}
	small := i(-20, 20)
	cols := []*column{
		{name: "id", typ: storage.TInt32, cls: cNum, nk: nInt, tame: true, lite: "INTEGER"},
		{name: "k", typ: storage.TInt16, nullable: true, cls: cNum, nk: nInt, tame: true, lite: "INTEGER",
			draw: func(r *rand.Rand) any { return r.Int64N(6) }},
		{name: "g", typ: storage.TChar(2), nullable: true, cls: cStr, ascii: true, lite: "TEXT",
			draw: func(r *rand.Rand) any { return pick(r, "a", "b", "c", "A", "", "ab") }},
		{name: "b", typ: storage.TBoolean, nullable: true, cls: cBool, lite: "INTEGER",
			draw: func(r *rand.Rand) any { return r.IntN(2) == 0 }},
		{name: "i8", typ: storage.TInt8, nullable: true, cls: cNum, nk: nInt, tame: true, lite: "INTEGER",
			draw: func(r *rand.Rand) any { return edge(r, func() int64 { return small(r) }, -128, 127, 0, -1) }},
		{name: "i16", typ: storage.TInt16, nullable: true, cls: cNum, nk: nInt, tame: true, lite: "INTEGER",
			draw: func(r *rand.Rand) any { return edge(r, func() int64 { return small(r) * 100 }, -32768, 32767) }},
		{name: "i32", typ: storage.TInt32, nullable: true, cls: cNum, nk: nInt, tame: true, lite: "INTEGER",
			draw: func(r *rand.Rand) any {
				return edge(r, func() int64 { return small(r) * 1000 }, math.MinInt32, math.MaxInt32, math.MinInt32+1)
			}},
		{name: "i64", typ: storage.TInt64, nullable: true, cls: cNum, nk: nInt, lite: "INTEGER",
			draw: func(r *rand.Rand) any {
				return edge(r, func() int64 { return small(r) * 1_000_000_007 }, math.MinInt64, math.MaxInt64, math.MinInt64+1, math.MaxInt64-1, 1<<53+1)
			}},
		{name: "u8", typ: storage.TUint8, nullable: true, cls: cNum, nk: nInt, tame: true, lite: "INTEGER",
			draw: func(r *rand.Rand) any { return uint64(edge(r, func() int64 { return r.Int64N(20) }, 0, 255, 254)) }},
		{name: "u16", typ: storage.TUint16, nullable: true, cls: cNum, nk: nInt, tame: true, lite: "INTEGER",
			draw: func(r *rand.Rand) any { return uint64(edge(r, func() int64 { return r.Int64N(20) * 100 }, 0, 65535)) }},
		{name: "u32", typ: storage.TUint32, nullable: true, cls: cNum, nk: nInt, tame: true, lite: "INTEGER",
			draw: func(r *rand.Rand) any {
				return uint64(edge(r, func() int64 { return r.Int64N(20) * 100000 }, 0, math.MaxUint32, math.MaxInt32+1))
			}},
		{name: "u64", typ: storage.TUint64, nullable: true, cls: cNum, nk: nInt, lite: "INTEGER",
			draw: func(r *rand.Rand) any {
				return uint64(edge(r, func() int64 { return r.Int64N(20) * 1_000_000_000_000 }, 0, math.MaxInt64, math.MaxInt64-1))
			}},
		{name: "f32", typ: storage.TFloat32, nullable: true, cls: cNum, nk: nFloat, tame: true, lite: "REAL",
			draw: func(r *rand.Rand) any { return float64(r.IntN(801)-400) / 4 }},
		{name: "ft", typ: storage.TFloat64, nullable: true, cls: cNum, nk: nFloat, tame: true, lite: "REAL",
			draw: func(r *rand.Rand) any { return float64(r.IntN(16001)-8000) / 8 }},
		{name: "fe", typ: storage.TFloat64, nullable: true, cls: cNum, nk: nFloat, lite: "REAL",
			draw: func(r *rand.Rand) any {
				return edge(r, func() float64 { return float64(r.IntN(41)-20) / 2 },
					math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64, math.Copysign(0, -1), 1e300, -1e-300, 0.1, 2.5e-8)
			}},
		{name: "dm", typ: storage.TDecimal(9, 2), nullable: true, cls: cNum, nk: nDec, tame: true, lite: "REAL",
			draw: func(r *rand.Rand) any {
				return edge(r, func() storage.DecimalValue { return storage.DecimalValue{Unscaled: r.Int64N(4001) - 2000, Scale: 2} },
					storage.DecimalValue{Unscaled: 99999999, Scale: 2}, storage.DecimalValue{Unscaled: -99999999, Scale: 2},
					storage.DecimalValue{Unscaled: 1, Scale: 2}, storage.DecimalValue{Unscaled: -5, Scale: 2})
			}},
		{name: "de", typ: storage.TDecimal(15, 2), nullable: true, cls: cNum, nk: nDec, lite: "REAL",
			draw: func(r *rand.Rand) any {
				return edge(r, func() storage.DecimalValue {
					return storage.DecimalValue{Unscaled: (r.Int64N(201) - 100) * 12_345, Scale: 2}
				},
					storage.DecimalValue{Unscaled: 999999999999999, Scale: 2}, storage.DecimalValue{Unscaled: -999999999999999, Scale: 2},
					storage.DecimalValue{Unscaled: 1, Scale: 2}, storage.DecimalValue{Unscaled: 0, Scale: 2})
			}},
		{name: "d0", typ: storage.TDecimal(18, 0), nullable: true, cls: cNum, nk: nDec, lite: "INTEGER",
			draw: func(r *rand.Rand) any {
				return edge(r, func() storage.DecimalValue { return storage.DecimalValue{Unscaled: r.Int64N(41) - 20} },
					storage.DecimalValue{Unscaled: 999999999999999999}, storage.DecimalValue{Unscaled: -999999999999999999},
					storage.DecimalValue{Unscaled: 1 << 53}, storage.DecimalValue{Unscaled: 1<<53 + 1})
			}},
		{name: "s", typ: storage.TChar(8), nullable: true, cls: cStr, ascii: true, lite: "TEXT",
			draw: func(r *rand.Rand) any {
				return pick(r, "", "a", "A", "b", "ab", "abc", "ABC", "aBc", " lead", "  x", "a_b", "a%b", "it's",
					"abcdefgh", "zz", "Zz", "0", "10", "9", "a b", "~")
			}},
		{name: "u", typ: storage.TChar(12), nullable: true, cls: cStr, lite: "TEXT",
			draw: func(r *rand.Rand) any {
				return pick(r, "é", "naïve", "Ünïcödé", "日本", "日本語", "e", "E", "", "ab", "€1", "ß", "ǅ")
			}},
		{name: "dt", typ: storage.TDate, nullable: true, cls: cDate, lite: "TEXT",
			draw: func(r *rand.Rand) any {
				return edge(r, func() storage.DateValue { return dateOf(1990, 1, 1) + storage.DateValue(r.IntN(365*40)) },
					dateOf(1, 1, 1), dateOf(9999, 12, 31), dateOf(1970, 1, 1), dateOf(1969, 12, 31), dateOf(2000, 2, 29),
					dateOf(1900, 2, 28), dateOf(1999, 12, 31), dateOf(2024, 1, 31), dateOf(2100, 3, 1))
			}},
		{name: "dd", typ: storage.TDate, nullable: true, cls: cDate, tame: true, lite: "TEXT",
			draw: func(r *rand.Rand) any {
				y := 1990 + r.IntN(40)
				m := 1 + r.IntN(12)
				switch r.IntN(4) {
				case 0:
					return monthEnd(y, m)
				case 1:
					return dateOf(y, 12, 31)
				case 2:
					return dateOf(y, m, 1)
				}
				return dateOf(y, m, 1+r.IntN(28))
			}},
		{name: "ts", typ: storage.TTimestamp, nullable: true, cls: cTs, lite: "TEXT",
			draw: func(r *rand.Rand) any {
				base := func() storage.TimestampValue {
					day := int64(dateOf(1990, 1, 1)) + r.Int64N(365*40)
					us := day*86400e6 + r.Int64N(86400)*1e6
					if r.IntN(3) == 0 {
						us += r.Int64N(1e6)
					}
					return storage.TimestampValue(us)
				}
				return edge(r, base,
					storage.TimestampValue(int64(dateOf(1, 1, 1))*86400e6),
					storage.TimestampValue(int64(dateOf(9999, 12, 31))*86400e6+86400e6-1),
					storage.TimestampValue(int64(dateOf(2000, 2, 29))*86400e6+86399e6),
					storage.TimestampValue(0), storage.TimestampValue(-1))
			}},
	}
	return cols
}

// table is a generated table: its name, rows (storage values, nil for
// NULL) and columns. Derived tables (views, aggregated subqueries, VALUES)
// are tables without rows.
type table struct {
	name string
	cols []*column
	rows [][]any
	byN  map[string]*column
	// est is an estimate of the row count (derived tables).
	est float64
}

// newTable indexes cols as the columns of a table called name.
func newTable(name string, cols []*column) *table {
	t := &table{name: name, cols: cols, byN: map[string]*column{}}
	for _, c := range cols {
		t.byN[c.name] = c
		c.owner = t
	}
	return t
}

// size is the table's row count, or its estimate for a derived table.
func (t *table) size() float64 {
	if t.rows != nil || t.est == 0 {
		return float64(len(t.rows))
	}
	return t.est
}

// genTable generates the main table "t".
func genTable(seed uint64, n int) *table {
	r := rand.New(rand.NewPCG(seed, 0xd1ff))
	t := newTable("t", tableColumns())
	for _, c := range t.cols {
		c.role = c.name
	}
	for _, k := range [][2]string{{"k", "k"}, {"g", "g"}, {"id", "id"}, {"s", "s"}, {"dd", "d"}} {
		t.byN[k[0]].key = k[1]
	}
	t.fill(r, n, func(row []any, i int) { row[0] = int64(i) })
	return t
}

// fill draws n rows; fix sets the columns without a draw function.
func (t *table) fill(r *rand.Rand, n int, fix func(row []any, i int)) {
	t.rows = [][]any{}
	for i := range n {
		row := make([]any, len(t.cols))
		for j, c := range t.cols {
			switch {
			case c.draw == nil:
				fix(row, i)
			case c.nullable && r.IntN(9) == 0:
				row[j] = nil
			default:
				row[j] = c.draw(r)
			}
			if b := absValue(row[j]); b > c.bound {
				c.bound = b
			}
		}
		t.rows = append(t.rows, row)
	}
}

// sideColumns are the columns of the side tables p, q and z, which are
// joined with t: k and g share t's names and overlap its values (k has
// values t lacks), ref points at t.id (some ids twice, some missing, some
// beyond the table), and one tame column of each other class lets every
// part of the expression generator run over a side table alone. NULLs
// are more frequent than in t, so join keys are often NULL.
func sideColumns(tRows int) []*column {
	strs := []any{"", "a", "A", "b", "ab", "abc", " lead", "a_b", "it's", "zz", "0", "10"}
	cols := []*column{
		{name: "k", typ: storage.TInt16, nullable: true, cls: cNum, nk: nInt, tame: true, lite: "INTEGER", key: "k", role: "k",
			draw: func(r *rand.Rand) any { return r.Int64N(8) }},
		{name: "g", typ: storage.TChar(2), nullable: true, cls: cStr, ascii: true, lite: "TEXT", key: "g", role: "g",
			draw: func(r *rand.Rand) any { return pick(r, "a", "b", "c", "A", "", "ab", "zz") }},
		{name: "ref", typ: storage.TInt32, nullable: true, cls: cNum, nk: nInt, tame: true, lite: "INTEGER", key: "id",
			draw: func(r *rand.Rand) any { return r.Int64N(int64(tRows) + 5) }},
		{name: "pn", typ: storage.TInt32, nullable: true, cls: cNum, nk: nInt, tame: true, lite: "INTEGER",
			draw: func(r *rand.Rand) any { return r.Int64N(101) - 50 }},
		{name: "pw", typ: storage.TChar(8), nullable: true, cls: cStr, ascii: true, lite: "TEXT", key: "s", role: "s",
			draw: func(r *rand.Rand) any { return pick(r, strs...) }},
		{name: "px", typ: storage.TFloat64, nullable: true, cls: cNum, nk: nFloat, tame: true, lite: "REAL",
			draw: func(r *rand.Rand) any { return float64(r.IntN(161)-80) / 8 }},
		{name: "pm", typ: storage.TDecimal(9, 2), nullable: true, cls: cNum, nk: nDec, tame: true, lite: "REAL", role: "dm",
			draw: func(r *rand.Rand) any { return storage.DecimalValue{Unscaled: r.Int64N(4001) - 2000, Scale: 2} }},
		{name: "pd", typ: storage.TDate, nullable: true, cls: cDate, tame: true, lite: "TEXT", key: "d", role: "dd",
			draw: func(r *rand.Rand) any { return dateOf(1990, 1, 1) + storage.DateValue(r.IntN(365*40)) }},
		{name: "pb", typ: storage.TBoolean, nullable: true, cls: cBool, lite: "INTEGER", role: "b",
			draw: func(r *rand.Rand) any { return r.IntN(2) == 0 }},
		{name: "pt", typ: storage.TTimestamp, nullable: true, cls: cTs, lite: "TEXT", role: "ts",
			draw: func(r *rand.Rand) any {
				return storage.TimestampValue((int64(dateOf(1990, 1, 1))+r.Int64N(365*40))*86400e6 + r.Int64N(86400)*1e6)
			}},
	}
	return cols
}

// genSide generates side table name with n rows; tRows is the size of t
// (ref points into it). One value in six is NULL.
func genSide(name string, seed uint64, n, tRows int) *table {
	r := rand.New(rand.NewPCG(seed, 0x51de+uint64(len(name))+uint64(name[0])))
	t := newTable(name, sideColumns(tRows))
	t.rows = [][]any{}
	for range n {
		row := make([]any, len(t.cols))
		for j, c := range t.cols {
			if r.IntN(6) > 0 {
				row[j] = c.draw(r)
			}
			if b := absValue(row[j]); b > c.bound {
				c.bound = b
			}
		}
		t.rows = append(t.rows, row)
	}
	return t
}

// absValue is |v| for integer values, 0 otherwise.
func absValue(v any) float64 {
	switch x := v.(type) {
	case int64:
		return math.Abs(float64(x))
	case uint64:
		return float64(x)
	case storage.DecimalValue:
		return math.Abs(float64(x.Unscaled))
	}
	return 0
}

func (t *table) schema() (*storage.Schema, error) {
	fs := make([]storage.Field, len(t.cols))
	for i, c := range t.cols {
		fs[i] = storage.Field{Name: c.name, Type: c.typ, Offset: storage.Implicit, Nullable: c.nullable}
	}
	return storage.NewSchema(fs, storage.SchemaOptions{NullBitmap: storage.Implicit})
}

// writeRec writes the table as a .rec file in dir (small blocks, so block
// statistics and skipping are exercised).
func (t *table) writeRec(dir string, perBlock int) (string, error) {
	s, err := t.schema()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, t.name+".rec")
	w, err := storage.Create(path, s, storage.WriterOptions{RecordsPerBlock: perBlock, ExpectedRecords: int64(len(t.rows))})
	if err != nil {
		return "", err
	}
	for _, row := range t.rows {
		if err := w.Append(row...); err != nil {
			w.Abort()
			return "", err
		}
	}
	return path, w.Close()
}

// loadSQLite creates table t in db with the same rows. Decimals with a
// scale are inserted as text so SQLite's own conversion makes the REAL
// (the same conversion it applies to literals in queries).
func (t *table) loadSQLite(db *sql.DB) error {
	var defs, marks []string
	for _, c := range t.cols {
		defs = append(defs, c.name+" "+c.lite)
		marks = append(marks, "?")
	}
	if _, err := db.Exec("CREATE TABLE " + t.name + " (" + strings.Join(defs, ", ") + ")"); err != nil {
		return err
	}
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	st, err := tx.Prepare("INSERT INTO " + t.name + " VALUES (" + strings.Join(marks, ", ") + ")")
	if err != nil {
		return err
	}
	args := make([]any, len(t.cols))
	for _, row := range t.rows {
		for j, v := range row {
			args[j] = sqliteValue(v)
		}
		if _, err := st.Exec(args...); err != nil {
			return fmt.Errorf("insert %v: %w", row, err)
		}
	}
	st.Close()
	return tx.Commit()
}

// sqliteValue converts a storage value for SQLite.
func sqliteValue(v any) any {
	switch x := v.(type) {
	case bool:
		if x {
			return int64(1)
		}
		return int64(0)
	case uint64:
		return int64(x) // the generator keeps UINT64 values within INT64
	case storage.DecimalValue:
		if x.Scale == 0 {
			return x.Unscaled
		}
		return x.String()
	case storage.DateValue:
		return x.String()
	case storage.TimestampValue:
		return x.String()
	}
	return v
}

// literal renders value v (of column c) as a literal in both dialects.
func literal(v any) (recq, lite string) {
	switch x := v.(type) {
	case nil:
		return "NULL", "NULL"
	case bool:
		if x {
			return "TRUE", "TRUE"
		}
		return "FALSE", "FALSE"
	case int64:
		if x == math.MinInt64 {
			return "(-9223372036854775807 - 1)", "(-9223372036854775807 - 1)"
		}
		s := strconv.FormatInt(x, 10)
		if x < 0 {
			s = "(" + s + ")"
		}
		return s, s
	case uint64:
		s := strconv.FormatUint(x, 10)
		return s, s
	case float64:
		s := strconv.FormatFloat(x, 'g', -1, 64)
		if !strings.ContainsAny(s, ".e") {
			s += ".0"
		}
		if !strings.Contains(s, "e") {
			s += "e0" // a float literal in recq, not a DECIMAL
		}
		if x < 0 || (x == 0 && math.Signbit(x)) {
			s = "(" + s + ")"
		}
		return s, s
	case storage.DecimalValue:
		s := x.String()
		if x.Unscaled < 0 {
			s = "(" + s + ")"
		}
		if x.Scale == 0 {
			// A DECIMAL(p,0) constant; SQLite stores d0 as INTEGER.
			return "CAST(" + s + " AS DECIMAL(18,0))", s
		}
		return s, s
	case string:
		q := "'" + strings.ReplaceAll(x, "'", "''") + "'"
		return q, q
	case storage.DateValue:
		return "DATE '" + x.String() + "'", "'" + x.String() + "'"
	case storage.TimestampValue:
		return "TIMESTAMP '" + x.String() + "'", "'" + x.String() + "'"
	}
	panic(fmt.Sprintf("literal of %T", v))
}
