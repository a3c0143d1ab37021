package exec

import (
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// exprData is the record every expression test runs on (4 rows).
func exprData(mem memory.Allocator) arrow.Record {
	return record(mem,
		c("i", tInt64, 1, 2, nil, -3),
		c("j", tInt32, 10, 0, 5, nil),
		c("d", DecimalType(15, 2), "1.50", "2.25", nil, "-0.05"),
		c("f", tFloat64, 1.5, nil, 0.0, -2.0),
		c("s", tString, "abc", "Hello", nil, ""),
		c("dt", tDate, "2024-01-31", "1998-12-01", nil, "2023-02-28"),
		c("ts", tTs, "2024-01-31 10:20:30.5", "1998-12-01 00:00:00", nil, "1969-12-31 23:59:59"),
		c("b", tBool, true, false, nil, true),
		c("u", tU8, 200, 0, 7, nil),
		c("w", tString, "a%", "%ll%", "x", nil),
	)
}

var (
	ci  = Col(0, "i", tInt64)
	cj  = Col(1, "j", tInt32)
	cd  = Col(2, "d", DecimalType(15, 2))
	cf  = Col(3, "f", tFloat64)
	cs  = Col(4, "s", tString)
	cdt = Col(5, "dt", tDate)
	cts = Col(6, "ts", tTs)
	cb  = Col(7, "b", tBool)
	cu  = Col(8, "u", tU8)
	cw  = Col(9, "w", tString)
)

func call(name string, args ...Expr) func() (Expr, error) {
	return func() (Expr, error) { return NewCall(name, args) }
}

func binf(op string, l, r Expr) func() (Expr, error) {
	return func() (Expr, error) { return NewBinary(op, l, r) }
}

func ival(n int32, unit string) Expr {
	iv := Interval{}
	switch unit {
	case "day":
		iv.Days = n
	case "month":
		iv.Months = n
	case "year":
		iv.Months = 12 * n
	}
	return lit(iv, nil)
}

func TestExpressions(t *testing.T) {
	mem := checkedMem(t)
	rec := exprData(mem)
	defer rec.Release()
	tests := []struct {
		name  string
		build func() (Expr, error)
		want  string // comma-joined rows
		typ   string // result type, when checked
	}{
		// arithmetic
		{"int add", binf("+", ci, cj), "11,2,NULL,NULL", "INT64"},
		{"int sub lit", binf("-", ci, lit(1, nil)), "0,1,NULL,-4", "INT64"},
		{"lit sub int", binf("-", lit(1, nil), ci), "0,-1,NULL,4", "INT64"},
		{"int mul", binf("*", ci, cj), "10,0,NULL,NULL", "INT64"},
		{"int div is float", binf("/", ci, lit(2, nil)), "0.5,1.0,NULL,-1.5", "FLOAT64"},
		{"div by zero is NULL", binf("/", ci, cj), "0.1,NULL,NULL,NULL", "FLOAT64"},
		{"mod", binf("%", cj, lit(3, nil)), "1,0,2,NULL", "INT64"},
		{"mod by zero", binf("%", ci, cj), "1,NULL,NULL,NULL", "INT64"},
		{"neg mod", binf("%", lit(-7, nil), lit(3, nil)), "-1,-1,-1,-1", "INT64"},
		{"unsigned widens", binf("+", cu, lit(100, nil)), "300,100,107,NULL", "INT64"},
		{"float", binf("*", cf, lit(2, nil)), "3.0,NULL,0.0,-4.0", "FLOAT64"},
		{"float mod zero", binf("%", cf, lit(0.0, nil)), "NULL,NULL,NULL,NULL", "FLOAT64"},
		{"decimal add", binf("+", cd, cd), "3.00,4.50,NULL,-0.10", "DECIMAL(16,2)"},
		{"decimal minus int", binf("-", lit(1, nil), cd), "-0.50,-1.25,NULL,1.05", "DECIMAL(16,2)"},
		{"decimal times int col", binf("*", cd, ci), "1.50,4.50,NULL,0.15", "DECIMAL(34,2)"},
		{"decimal mul", binf("*", cd, cd), "2.2500,5.0625,NULL,0.0025", "DECIMAL(30,4)"},
		{"decimal mixed scale", binf("+", cd, must(ParseNumber("0.005"))), "1.505,2.255,NULL,-0.045", "DECIMAL(17,3)"},
		{"decimal div is float", binf("/", cd, lit(2, nil)), "0.75,1.125,NULL,-0.025", "FLOAT64"},
		{"decimal div zero", binf("/", cd, must(ParseNumber("0.0"))), "NULL,NULL,NULL,NULL", "FLOAT64"},
		{"decimal mod", binf("%", cd, must(ParseNumber("1.00"))), "0.50,0.25,NULL,-0.05", "DECIMAL(15,2)"},
		{"decimal plus float", binf("+", cd, cf), "3.0,NULL,NULL,-2.05", "FLOAT64"},
		{"negate", func() (Expr, error) { return NewUnary("-", cd) }, "-1.50,-2.25,NULL,0.05", "DECIMAL(15,2)"},
		{"negate int", func() (Expr, error) { return NewUnary("-", cj) }, "-10,0,-5,NULL", "INT64"},
		{"unary plus", func() (Expr, error) { return NewUnary("+", cf) }, "1.5,NULL,0.0,-2.0", "FLOAT64"},
		// comparisons
		{"eq", binf("=", ci, lit(2, nil)), "false,true,NULL,false", "BOOLEAN"},
		{"lt int widths", binf("<", ci, cj), "true,false,NULL,NULL", ""},
		{"ge lit left", binf(">=", lit(1, nil), ci), "true,false,NULL,true", ""},
		{"decimal vs literal", binf(">", cd, must(ParseNumber("1.5"))), "false,true,NULL,false", ""},
		{"decimal vs finer literal", binf("<", cd, must(ParseNumber("1.505"))), "true,false,NULL,true", ""},
		{"decimal vs int", binf("<=", cd, ci), "false,false,NULL,false", ""},
		{"string", binf("<", cs, lit("abd", nil)), "true,true,NULL,true", ""},
		{"string eq", binf("=", cs, lit("Hello", nil)), "false,true,NULL,false", ""},
		{"date vs string literal", binf("<", cdt, lit("2000-01-01", nil)), "false,true,NULL,false", ""},
		{"date vs timestamp", binf("=", cdt, cts), "false,true,NULL,false", ""},
		{"unsigned vs negative", binf(">", cu, lit(-1, nil)), "true,true,true,NULL", ""},
		{"bool", binf("=", cb, lit(true, nil)), "true,false,NULL,true", ""},
		{"ne null literal", binf("<>", ci, lit(nil, nil)), "NULL,NULL,NULL,NULL", ""},
		{"is distinct", binf("IS DISTINCT FROM", ci, lit(2, nil)), "true,false,true,true", ""},
		{"is not distinct", binf("IS NOT DISTINCT FROM", ci, cj), "false,false,false,false", ""},
		{"is not distinct nulls", binf("IS NOT DISTINCT FROM", cd, cd), "true,true,true,true", ""},
		{"is distinct null", binf("IS DISTINCT FROM", ci, lit(nil, nil)), "true,true,false,true", ""},
		{"is null", func() (Expr, error) { return NewIsNull(ci, false), nil }, "false,false,true,false", ""},
		{"is not null", func() (Expr, error) { return NewIsNull(cs, true), nil }, "true,true,false,true", ""},
		{"between", func() (Expr, error) { return NewBetween(ci, lit(0, nil), lit(2, nil), false) }, "true,true,NULL,false", ""},
		{"not between", func() (Expr, error) { return NewBetween(ci, lit(0, nil), lit(1, nil), true) }, "false,true,NULL,true", ""},
		{"between dates", func() (Expr, error) {
			return NewBetween(cdt, lit("1998-01-01", nil), lit("2023-12-31", nil), false)
		}, "false,true,NULL,true", ""},
		{"in", func() (Expr, error) { return NewIn(ci, []Expr{lit(1, nil), lit(-3, nil)}, false) }, "true,false,NULL,true", ""},
		{"in with null", func() (Expr, error) { return NewIn(ci, []Expr{lit(1, nil), lit(nil, nil)}, false) }, "true,NULL,NULL,NULL", ""},
		{"not in", func() (Expr, error) { return NewIn(ci, []Expr{lit(1, nil)}, true) }, "false,true,NULL,true", ""},
		{"not in with null", func() (Expr, error) { return NewIn(ci, []Expr{lit(1, nil), lit(nil, nil)}, true) }, "false,NULL,NULL,NULL", ""},
		{"in strings", func() (Expr, error) { return NewIn(cs, []Expr{lit("abc", nil), lit("", nil)}, false) }, "true,false,NULL,true", ""},
		{"in decimals", func() (Expr, error) { return NewIn(cd, []Expr{lit(2.25, nil), lit(1, nil)}, false) }, "false,true,NULL,false", ""},
		{"in columns", func() (Expr, error) { return NewIn(ci, []Expr{cj, lit(2, nil)}, false) }, "false,true,NULL,NULL", ""},
		{"in dates", func() (Expr, error) { return NewIn(cdt, []Expr{lit("1998-12-01", nil)}, false) }, "false,true,NULL,false", ""},
		// LIKE
		{"like prefix", binf("LIKE", cs, lit("a%", nil)), "true,false,NULL,false", ""},
		{"like suffix", binf("LIKE", cs, lit("%lo", nil)), "false,true,NULL,false", ""},
		{"like contains", binf("LIKE", cs, lit("%el%", nil)), "false,true,NULL,false", ""},
		{"like underscore", binf("LIKE", cs, lit("_b_", nil)), "true,false,NULL,false", ""},
		{"like exact", binf("LIKE", cs, lit("abc", nil)), "true,false,NULL,false", ""},
		{"like empty", binf("LIKE", cs, lit("", nil)), "false,false,NULL,true", ""},
		{"like percent only", binf("LIKE", cs, lit("%", nil)), "true,true,NULL,true", ""},
		{"not like", binf("NOT LIKE", cs, lit("%l%", nil)), "true,false,NULL,true", ""},
		{"ilike", binf("ILIKE", cs, lit("h%", nil)), "false,true,NULL,false", ""},
		{"not ilike", binf("NOT ILIKE", cs, lit("%L_O", nil)), "true,false,NULL,true", ""},
		{"like column pattern", binf("LIKE", cs, cw), "true,true,NULL,NULL", ""},
		// CASE and friends
		{"searched case", func() (Expr, error) {
			return NewCase(nil, []Expr{bin(">", ci, lit(1, nil)), bin("<", ci, lit(0, nil))}, []Expr{lit("big", nil), lit("neg", nil)}, lit("other", nil))
		}, "other,big,other,neg", "VARCHAR"},
		{"case no else", func() (Expr, error) {
			return NewCase(nil, []Expr{bin(">", ci, lit(1, nil))}, []Expr{ci}, nil)
		}, "NULL,2,NULL,NULL", "INT64"},
		{"simple case", func() (Expr, error) {
			return NewCase(ci, []Expr{lit(1, nil), lit(2, nil)}, []Expr{lit("one", nil), lit("two", nil)}, lit("?", nil))
		}, "one,two,?,?", ""},
		{"case widens", func() (Expr, error) {
			return NewCase(nil, []Expr{cb}, []Expr{ci}, cd)
		}, "1.00,2.25,NULL,-3.00", "DECIMAL(21,2)"},
		{"case guards errors", func() (Expr, error) {
			// the THEN branch would overflow for rows the WHEN excludes
			return NewCase(nil, []Expr{bin("=", ci, lit(1, nil))}, []Expr{bin("*", ci, lit(int64(1)<<62, nil))}, lit(0, nil))
		}, "4611686018427387904,0,0,0", ""},
		{"coalesce", call("coalesce", ci, cj, lit(7, nil)), "1,2,5,-3", "INT64"},
		{"coalesce nulls", call("coalesce", lit(nil, nil), cf, cd), "1.5,2.25,0.0,-2.0", "FLOAT64"},
		{"coalesce strings", call("coalesce", cs, lit("none", nil)), "abc,Hello,none,", ""},
		{"nullif", call("nullif", ci, lit(2, nil)), "1,NULL,NULL,-3", "INT64"},
		{"ifnull", call("ifnull", cs, lit("-", nil)), "abc,Hello,-,", ""},
		// casts
		{"cast int to string", func() (Expr, error) { return NewCast(ci, tString) }, "1,2,NULL,-3", ""},
		{"cast decimal to int rounds", func() (Expr, error) { return NewCast(cd, tInt32) }, "2,2,NULL,0", ""},
		{"cast decimal rescale", func() (Expr, error) { return NewCast(cd, DecimalType(10, 1)) }, "1.5,2.3,NULL,-0.1", ""},
		{"cast float to int", func() (Expr, error) { return NewCast(cf, tInt64) }, "2,NULL,0,-2", ""},
		{"cast float to decimal", func() (Expr, error) { return NewCast(cf, DecimalType(5, 1)) }, "1.5,NULL,0.0,-2.0", ""},
		{"cast date to timestamp", func() (Expr, error) { return NewCast(cdt, tTs) }, "2024-01-31 00:00:00,1998-12-01 00:00:00,NULL,2023-02-28 00:00:00", ""},
		{"cast timestamp to date", func() (Expr, error) { return NewCast(cts, tDate) }, "2024-01-31,1998-12-01,NULL,1969-12-31", ""},
		{"cast string to date", func() (Expr, error) { return NewCast(lit("2020-02-29", nil), tDate) }, "2020-02-29,2020-02-29,2020-02-29,2020-02-29", "DATE"},
		{"cast bool to int", func() (Expr, error) { return NewCast(cb, tInt64) }, "1,0,NULL,1", ""},
		{"cast int to bool", func() (Expr, error) { return NewCast(cj, tBool) }, "true,false,true,NULL", ""},
		{"cast decimal to string", func() (Expr, error) { return NewCast(cd, tString) }, "1.50,2.25,NULL,-0.05", ""},
		{"cast float to string", func() (Expr, error) { return NewCast(cf, tString) }, "1.5,NULL,0.0,-2.0", ""},
		{"cast ts to string", func() (Expr, error) { return NewCast(cts, tString) }, "2024-01-31 10:20:30.5,1998-12-01 00:00:00,NULL,1969-12-31 23:59:59", ""},
		{"cast int to decimal", func() (Expr, error) { return NewCast(cj, DecimalType(5, 2)) }, "10.00,0.00,5.00,NULL", ""},
		{"cast uint8 to int8 ok", func() (Expr, error) { return NewCast(cj, tI8) }, "10,0,5,NULL", ""},
		// strings
		{"length", call("length", cs), "3,5,NULL,0", "INT64"},
		{"length utf8", call("length", lit("héllo", nil)), "5,5,5,5", ""},
		{"lower", call("lower", cs), "abc,hello,NULL,", "VARCHAR"},
		{"upper", call("upper", cs), "ABC,HELLO,NULL,", ""},
		{"upper utf8", call("upper", lit("héllo", nil)), "HÉLLO,HÉLLO,HÉLLO,HÉLLO", ""},
		{"trim", call("trim", lit("  x y  ", nil)), "x y,x y,x y,x y", ""},
		{"ltrim", call("ltrim", lit("  x  ", nil)), "x  ,x  ,x  ,x  ", ""},
		{"rtrim", call("rtrim", lit("  x  ", nil)), "  x,  x,  x,  x", ""},
		{"trim chars", call("trim", lit("xxaxx", nil), lit("x", nil)), "a,a,a,a", ""},
		{"substr", call("substr", cs, lit(2, nil)), "bc,ello,NULL,", ""},
		{"substr len", call("substr", cs, lit(2, nil), lit(2, nil)), "bc,el,NULL,", ""},
		{"substr zero start", call("substr", cs, lit(0, nil), lit(2, nil)), "a,H,NULL,", ""},
		{"substr negative start", call("substring", cs, lit(-1, nil), lit(3, nil)), "a,H,NULL,", ""},
		{"substr past end", call("substr", cs, lit(10, nil)), ",,NULL,", ""},
		{"substr negative len", call("substr", cs, lit(1, nil), lit(-1, nil)), ",,NULL,", ""},
		{"substr utf8", call("substr", lit("héllo", nil), lit(2, nil), lit(3, nil)), "éll,éll,éll,éll", ""},
		{"concat skips nulls", call("concat", cs, lit("-", nil), ci), "abc-1,Hello-2,-,--3", "VARCHAR"},
		{"concat op", binf("||", cs, lit("!", nil)), "abc!,Hello!,NULL,!", "VARCHAR"},
		{"concat op int", binf("||", cs, ci), "abc1,Hello2,NULL,-3", ""},
		{"starts_with", call("starts_with", cs, lit("He", nil)), "false,true,NULL,false", "BOOLEAN"},
		{"contains", call("contains", cs, lit("l", nil)), "false,true,NULL,false", ""},
		{"replace", call("replace", cs, lit("l", nil), lit("L", nil)), "abc,HeLLo,NULL,", ""},
		// math
		{"abs", call("abs", ci), "1,2,NULL,3", "INT64"},
		{"abs decimal", call("abs", cd), "1.50,2.25,NULL,0.05", "DECIMAL(15,2)"},
		{"abs float", call("abs", cf), "1.5,NULL,0.0,2.0", ""},
		{"round decimal", call("round", cd, lit(1, nil)), "1.5,2.3,NULL,-0.1", "DECIMAL(15,1)"},
		{"round decimal 0", call("round", cd), "2,2,NULL,0", "DECIMAL(15,0)"},
		{"round float", call("round", cf), "2.0,NULL,0.0,-2.0", ""},
		{"round float digits", call("round", lit(2.345, nil), lit(2, nil)), "2.35,2.35,2.35,2.35", ""},
		{"round int negative digits", call("round", lit(1250, nil), lit(-2, nil)), "1300,1300,1300,1300", ""},
		{"floor decimal", call("floor", cd), "1,2,NULL,-1", "DECIMAL(14,0)"},
		{"ceil decimal", call("ceil", cd), "2,3,NULL,0", ""},
		{"floor float", call("floor", cf), "1.0,NULL,0.0,-2.0", ""},
		{"ceiling float", call("ceiling", cf), "2.0,NULL,0.0,-2.0", ""},
		{"sqrt", call("sqrt", cj), "3.1622776601683795,0.0,2.23606797749979,NULL", "FLOAT64"},
		{"power", call("power", cj, lit(2, nil)), "100.0,0.0,25.0,NULL", ""},
		// dates
		{"year", call("extract", lit("year", nil), cdt), "2024,1998,NULL,2023", "INT64"},
		{"month", call("date_part", lit("month", nil), cdt), "1,12,NULL,2", ""},
		{"day", call("day", cdt), "31,1,NULL,28", ""},
		{"dow", call("extract", lit("dow", nil), cdt), "3,2,NULL,2", ""},
		{"doy", call("extract", lit("doy", nil), cdt), "31,335,NULL,59", ""},
		{"quarter", call("quarter", cdt), "1,4,NULL,1", ""},
		{"hour", call("extract", lit("hour", nil), cts), "10,0,NULL,23", ""},
		{"minute", call("extract", lit("minute", nil), cts), "20,0,NULL,59", ""},
		{"second", call("extract", lit("second", nil), cts), "30,0,NULL,59", ""},
		{"year of ts before epoch", call("year", cts), "2024,1998,NULL,1969", ""},
		{"date_trunc month", call("date_trunc", lit("month", nil), cdt), "2024-01-01,1998-12-01,NULL,2023-02-01", "DATE"},
		{"date_trunc year", call("date_trunc", lit("year", nil), cdt), "2024-01-01,1998-01-01,NULL,2023-01-01", ""},
		{"date_trunc quarter", call("date_trunc", lit("quarter", nil), cdt), "2024-01-01,1998-10-01,NULL,2023-01-01", ""},
		{"date_trunc week", call("date_trunc", lit("week", nil), cdt), "2024-01-29,1998-11-30,NULL,2023-02-27", ""},
		{"date_trunc hour", call("date_trunc", lit("hour", nil), cts), "2024-01-31 10:00:00,1998-12-01 00:00:00,NULL,1969-12-31 23:00:00", "TIMESTAMP"},
		{"date plus month clamps", binf("+", cdt, ival(1, "month")), "2024-02-29,1999-01-01,NULL,2023-03-28", "DATE"},
		{"date minus month", binf("-", cdt, ival(3, "month")), "2023-10-31,1998-09-01,NULL,2022-11-28", ""},
		{"date plus year leap", binf("+", lit("2024-02-29", tDate), ival(1, "year")), "2025-02-28,2025-02-28,2025-02-28,2025-02-28", ""},
		{"date minus days", binf("-", cdt, ival(90, "day")), "2023-11-02,1998-09-02,NULL,2022-11-30", ""},
		{"interval plus date", binf("+", ival(1, "day"), cdt), "2024-02-01,1998-12-02,NULL,2023-03-01", ""},
		{"date plus int", binf("+", cdt, cj), "2024-02-10,1998-12-01,NULL,NULL", "DATE"},
		{"date minus date", binf("-", cdt, lit("1998-12-01", tDate)), "9192,0,NULL,8855", "INT64"},
		{"timestamp plus interval", binf("+", cts, ival(1, "month")), "2024-02-29 10:20:30.5,1999-01-01 00:00:00,NULL,1970-01-31 23:59:59", "TIMESTAMP"},
		{"tpch q1 date", binf("<=", cdt, bin("-", lit("1998-12-01", tDate), ival(90, "day"))), "false,false,NULL,false", ""},
	}
	for _, tc := range tests {
		e, err := tc.build()
		if err != nil {
			t.Errorf("%s: build: %v", tc.name, err)
			continue
		}
		got, err := evalRows(mem, e, rec)
		if err != nil {
			t.Errorf("%s: %s: %v", tc.name, e, err)
			continue
		}
		if strings.Join(got, ",") != tc.want {
			t.Errorf("%s: %s\n got %s\nwant %s", tc.name, e, strings.Join(got, ","), tc.want)
		}
		if tc.typ != "" && TypeName(e.DataType()) != tc.typ {
			t.Errorf("%s: type %s, want %s", tc.name, TypeName(e.DataType()), tc.typ)
		}
		// the same under a selection: selected rows agree
		sel := []int32{1, 3}
		a, err := e.Eval(NewEvalContext(mem).withSel(sel), rec)
		if err != nil {
			t.Errorf("%s under selection: %v", tc.name, err)
			continue
		}
		for _, i := range sel {
			if cell(a, int(i)) != got[i] {
				t.Errorf("%s under selection: row %d = %s, want %s", tc.name, i, cell(a, int(i)), got[i])
			}
		}
		a.Release()
	}
}

func TestThreeValuedLogic(t *testing.T) {
	mem := checkedMem(t)
	// all 9 combinations of TRUE, FALSE, NULL
	var av, bv []any
	for _, a := range []any{true, false, nil} {
		for _, b := range []any{true, false, nil} {
			av, bv = append(av, a), append(bv, b)
		}
	}
	rec := record(mem, c("a", tBool, av...), c("b", tBool, bv...))
	defer rec.Release()
	a, b := Col(0, "a", tBool), Col(1, "b", tBool)
	for _, tc := range []struct {
		e    Expr
		want string
	}{
		{bin("AND", a, b), "true,false,NULL,false,false,false,NULL,false,NULL"},
		{bin("OR", a, b), "true,true,true,true,false,NULL,true,NULL,NULL"},
		{must(NewUnary("NOT", a)), "false,false,false,true,true,true,NULL,NULL,NULL"},
		{bin("AND", a, lit(nil, nil)), "NULL,NULL,NULL,false,false,false,NULL,NULL,NULL"},
		{bin("OR", lit(nil, nil), b), "true,NULL,NULL,true,NULL,NULL,true,NULL,NULL"},
		{bin("AND", bin("AND", a, b), lit(true, nil)), "true,false,NULL,false,false,false,NULL,false,NULL"},
		{bin("OR", a, lit(true, nil)), "true,true,true,true,true,true,true,true,true"},
		{bin("IS NOT DISTINCT FROM", a, b), "true,false,false,false,true,false,false,false,true"},
		{bin("=", a, b), "true,false,NULL,false,true,NULL,NULL,NULL,NULL"},
	} {
		got, err := evalRows(mem, tc.e, rec)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(got, ",") != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.e, strings.Join(got, ","), tc.want)
		}
	}
}

// TestLikePatterns checks the executor's use of package like (whose own
// tests cover the patterns): ILIKE lower-cases the value and the pattern.
func TestLikePatterns(t *testing.T) {
	for _, tc := range []struct {
		s, p string
		ci   bool
		want bool
	}{
		{"Mississippi", "m%s_s%", false, false}, {"Mississippi", "m%s_s%", true, true},
		{"HÉLLO", "h_llo", true, true}, {"héllo", "H%LLO", true, true}, {"héllo", "H%LLO", false, false},
		{"abc", "a%c", false, true},
	} {
		m := compileLike(tc.p, tc.ci)
		var scratch []byte
		if got := m.match([]byte(tc.s), &scratch); got != tc.want {
			t.Errorf("%q LIKE %q (ci %v) = %v", tc.s, tc.p, tc.ci, got)
		}
	}
}

func TestExpressionErrors(t *testing.T) {
	mem := checkedMem(t)
	rec := exprData(mem)
	defer rec.Release()
	// construction errors are sentences the binder can show
	for _, tc := range []struct {
		build func() (Expr, error)
		want  string
	}{
		{binf("=", cdt, cs), "cannot compare DATE with VARCHAR"},
		{binf("<", ci, cs), "cannot compare INT64 with VARCHAR"},
		{binf("+", cs, ci), "cannot apply + to VARCHAR and INT64"},
		{binf("=", cdt, lit("not a date", nil)), "cannot compare DATE with 'not a date'"},
		{binf("AND", ci, cb), "AND needs BOOLEAN operands, not INT64"},
		{call("nosuch", ci), "unknown function nosuch"},
		{call("sum", ci), "aggregate function sum is not allowed here"},
		{call("length", ci), "length needs a VARCHAR argument, not INT64"},
		{call("substr", cs), "substr takes 2 to 3 arguments, got 1"},
		{call("extract", lit("fortnight", nil), cdt), "unknown date part 'fortnight'"},
		{call("extract", cs, cdt), "needs the date part as a string constant"},
		{func() (Expr, error) { return NewCast(cdt, tInt64) }, "cannot cast DATE to INT64"},
		{func() (Expr, error) { return NewCast(lit("abc", nil), tInt64) }, "could not convert 'abc' to INT64"},
		{func() (Expr, error) { return NewCast(lit(300, nil), tI8) }, "300 is out of range for INT8"},
		{func() (Expr, error) { return NewCase(nil, []Expr{cb}, []Expr{cs}, ci) }, "CASE branches have incompatible types"},
		{binf("*", must(ParseNumber("1.00000000000000000000")), must(ParseNumber("1.00000000000000000000"))), "needs scale 40"},
		{binf("LIKE", ci, lit("x", nil)), "LIKE needs VARCHAR operands"},
	} {
		_, err := tc.build()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want an error containing %q", err, tc.want)
		}
	}
	// run-time errors: overflow is an error, never wrap-around
	maxI := lit(int64(9223372036854775807), nil)
	minI := lit(int64(-9223372036854775808), nil)
	for _, tc := range []struct {
		e    Expr
		want string
	}{
		{bin("+", ci, maxI), "INT64 overflow: 1 + 9223372036854775807 does not fit INT64"},
		{bin("-", minI, ci), "INT64 overflow"},
		{bin("*", ci, lit(int64(1)<<62, nil)), "INT64 overflow"},
		{must(NewUnary("-", bin("+", ci, minI))), "INT64 overflow"},
		{must(NewCall("abs", []Expr{minI})), "abs(-9223372036854775808)"},
		{must(NewCast(ci, tU8)), "-3 is out of range for UINT8"},
		{must(NewCast(cj, tI8)), ""}, // fits: no error
		{must(NewCast(bin("*", cj, lit(100, nil)), tI8)), "1000 is out of range for INT8"},
		{must(NewCast(cd, DecimalType(2, 1))), ""},
		{must(NewCast(bin("*", cd, lit(100, nil)), DecimalType(3, 1))), "is out of range for DECIMAL(3,1)"},
		{must(NewCast(cs, tInt64)), "could not convert 'abc' to INT64"},
		{must(NewCast(cs, tDate)), "could not convert 'abc' to DATE"},
		{must(NewCall("sqrt", []Expr{ci})), "square root of a negative number"},
		{bin("*", must(NewCast(ci, DecimalType(38, 0))), lit("99999999999999999999999999999999999999", DecimalType(38, 0))), "DECIMAL(38,0) overflow"},
		{bin("+", must(NewCast(ci, DecimalType(38, 0))), lit("99999999999999999999999999999999999999", DecimalType(38, 0))), "DECIMAL(38,0) overflow"},
		{bin("+", cdt, lit(int64(3_000_000_000), nil)), "date out of range"},
	} {
		_, err := evalRows(mem, tc.e, rec)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: unexpected %v", tc.e, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: got %v, want %q", tc.e, err, tc.want)
		case tc.want != "" && !errors.Is(err, ErrOutOfRange) && !errors.Is(err, ErrInvalidValue):
			t.Errorf("%s: %v is not a sentinel kind", tc.e, err)
		}
	}
	// errors only for selected rows: row 3 (i = -3) overflows, row 0 not
	e := bin("*", ci, lit(int64(1)<<62, nil))
	if _, err := e.Eval(NewEvalContext(mem).withSel([]int32{0, 1}), rec); err == nil {
		t.Errorf("row 1 (2 * 2^62) should overflow")
	}
	e = must(NewCast(cs, tInt64))
	a, err := e.Eval(NewEvalContext(mem).withSel([]int32{2}), rec)
	if err != nil {
		t.Errorf("cast over a NULL-only selection: %v", err)
	} else {
		a.Release()
	}
}

func TestConstantFolding(t *testing.T) {
	for _, tc := range []struct {
		e    Expr
		want string
	}{
		{bin("+", lit(1, nil), lit(2, nil)), "3"},
		{bin("-", lit("1998-12-01", tDate), ival(90, "day")), "DATE '1998-09-02'"},
		{bin("AND", lit(true, nil), bin(">", ci, lit(1, nil))), "(i > 1)"},
		{bin("OR", lit(true, nil), bin(">", ci, lit(1, nil))), "TRUE"},
		{must(NewCall("upper", []Expr{lit("abc", nil)})), "'ABC'"},
		{must(ParseNumber("0.06")), "0.06"},
		{bin("*", must(ParseNumber("1.5")), lit(2, nil)), "3.0"},
		{must(NewCast(lit("12.345", nil), DecimalType(6, 2))), "12.35"},
		{bin("=", ci, lit(nil, nil)), "CAST(NULL AS BOOLEAN)"},
	} {
		if got := tc.e.String(); got != tc.want {
			t.Errorf("folded %s, want %s", got, tc.want)
		}
	}
	if _, err := FoldConstant(bin("+", lit(int64(9223372036854775807), nil), lit(1, nil))); err == nil || !strings.Contains(err.Error(), "overflow") {
		t.Errorf("FoldConstant overflow: %v", err)
	}
	v, ok := LiteralValue(must(ParseNumber("12.50")))
	if !ok || v == nil {
		t.Errorf("LiteralValue: %v %v", v, ok)
	}
}

func TestDateArithmetic(t *testing.T) {
	for _, tc := range []struct {
		date   string
		months int64
		want   string
	}{
		{"2024-01-31", 1, "2024-02-29"}, {"2023-01-31", 1, "2023-02-28"}, {"2023-03-31", -1, "2023-02-28"},
		{"2024-02-29", 12, "2025-02-28"}, {"2024-02-29", 48, "2028-02-29"}, {"2023-12-15", 1, "2024-01-15"},
		{"2023-01-15", -1, "2022-12-15"}, {"1970-01-01", -1, "1969-12-01"}, {"2000-05-31", -3, "2000-02-29"},
		{"1900-01-31", 1, "1900-02-28"},
	} {
		d := must(parseDate(tc.date))
		if got := formatDate(addMonths(d, tc.months)); got != tc.want {
			t.Errorf("%s + %d months = %s, want %s", tc.date, tc.months, got, tc.want)
		}
	}
	for d := int64(-800000); d < 800000; d += 997 {
		y, m, dd := civil(d)
		if daysFromCivil(y, m, dd) != d {
			t.Fatalf("civil round trip failed at %d", d)
		}
	}
	if dayOfWeek(must(parseDate("2024-01-07"))) != 0 || dayOfWeek(must(parseDate("1969-12-31"))) != 3 {
		t.Errorf("dow wrong")
	}
}
