package copybook_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/recq/recq/query"
	"github.com/recq/recq/query/copybook"
)

// columns converts a copybook to DDL and returns its column lines (and
// comment lines) without the indentation and trailing comma.
func columns(t *testing.T, src string, o copybook.DDLOptions) ([]string, string) {
	t.Helper()
	cb, err := copybook.Parse(src, copybook.Options{})
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, src)
	}
	ddl, err := cb.DDL(o)
	if err != nil {
		t.Fatalf("ddl: %v\n%s", err, src)
	}
	if _, err := query.ParseLayout(ddl); err != nil {
		t.Fatalf("the DDL is not a valid layout: %v\n%s", err, ddl)
	}
	lines := strings.Split(strings.TrimSpace(ddl), "\n")
	var out []string
	for _, l := range lines[1 : len(lines)-1] {
		out = append(out, strings.TrimSuffix(strings.TrimSpace(l), ","))
	}
	return out, lines[len(lines)-1]
}

func TestConstructs(t *testing.T) {
	// The cases that need other options than the defaults.
	opts := map[string]copybook.DDLOptions{
		"occurs elementary":   {Occurs: "flatten"},
		"occurs group nested": {Occurs: "flatten"},
		"groups as structs":   {Groups: "struct"},
	}
	for _, tc := range []struct {
		name, src string
		want      []string
	}{
		{"alphanumeric", "01 R.\n 05 A PIC X(20).\n 05 B PIC A.\n 05 C PIC XXX.", []string{"a CHAR(20) POSITION(1:20)", "b CHAR(1) POSITION(21:21)", "c CHAR(3) POSITION(22:24)"}},
		{"unsigned zoned", "01 R.\n 05 N PIC 9(4).", []string{"n INT32 UNSIGNED POSITION(1:4)"}},
		{"signed implied decimals", "01 R.\n 05 N PIC S9(7)V99.", []string{"n DECIMAL(9,2) POSITION(1:9)"}},
		{"wide integers", "01 R.\n 05 A PIC 9(10).\n 05 B PIC S9(20).", []string{"a INT64 UNSIGNED POSITION(1:10)", "b DECIMAL(20,0) POSITION(11:30)"}},
		{"repetition mixed", "01 R.\n 05 N PIC S999V9(2).", []string{"n DECIMAL(5,2) POSITION(1:5)"}},
		{"sign leading separate", "01 R.\n 05 N PIC S9(3) SIGN IS LEADING SEPARATE CHARACTER.", []string{"n INT32 SIGN LEADING SEPARATE POSITION(1:4)"}},
		{"sign trailing", "01 R.\n 05 N PIC S9(3) SIGN TRAILING.", []string{"n INT32 SIGN TRAILING POSITION(1:3)"}},
		{"bare trailing separate", "01 R.\n 05 N PIC S9V9 TRAILING SEPARATE.", []string{"n DECIMAL(2,1) SIGN TRAILING SEPARATE POSITION(1:3)"}},
		{"group sign", "01 R SIGN LEADING SEPARATE.\n 05 N PIC S9(3).", []string{"n INT32 SIGN LEADING SEPARATE POSITION(1:4)"}},
		// COMP sizes by digits, as Cobrix: 1-4 -> 2, 5-9 -> 4, 10-18 -> 8.
		{"comp sizes", "01 R.\n 05 A PIC S9 COMP.\n 05 B PIC S9(4) COMP-4.\n 05 C PIC S9(5) BINARY.\n 05 D PIC S9(9) COMP-5.\n 05 E PIC S9(10) COMPUTATIONAL.\n 05 F PIC S9(18) COMP.",
			[]string{"a INT16 BIG ENDIAN POSITION(1:2)", "b INT16 BIG ENDIAN POSITION(3:4)", "c INT32 BIG ENDIAN POSITION(5:8)", "d INT32 BIG ENDIAN POSITION(9:12)", "e INT64 BIG ENDIAN POSITION(13:20)", "f INT64 BIG ENDIAN POSITION(21:28)"}},
		{"comp unsigned and decimals", "01 R.\n 05 A PIC 9(4) COMP.\n 05 B PIC S9(5)V99 COMP.\n 05 C PIC 9(3)V9 COMP.",
			[]string{"a UINT16 BIG ENDIAN POSITION(1:2)", "b DECIMAL(7,2) BIG ENDIAN POSITION(3:6)", "c DECIMAL(4,1) BIG ENDIAN UNSIGNED POSITION(7:8)"}},
		{"comp-9 little endian", "01 R.\n 05 A PIC S99 COMP-9.\n 05 B PIC S9(3) COMP-9.", []string{"a INT8 LITTLE ENDIAN POSITION(1:1)", "b INT16 LITTLE ENDIAN POSITION(2:3)"}},
		// COMP-3: digits/2+1 bytes.
		{"packed", "01 R.\n 05 A PIC S9(7)V99 COMP-3.\n 05 B PIC 9(4) PACKED-DECIMAL.\n 05 C PIC S9(1) COMPUTATIONAL-3.",
			[]string{"a DECIMAL(9,2) PACKED POSITION(1:5)", "b INT32 PACKED POSITION(6:8)", "c INT32 PACKED POSITION(9:9)"}},
		{"floats", "01 R.\n 05 A COMP-1.\n 05 B USAGE IS COMP-2.", []string{"a FLOAT32 POSITION(1:4)", "b FLOAT64 POSITION(5:12)"}},
		{"group usage", "01 R USAGE COMP-3.\n 05 A PIC S9(3).\n 05 B PIC S9(5) DISPLAY.", []string{"a INT32 PACKED POSITION(1:2)", "b INT32 POSITION(3:7)"}},
		{"edited numeric", "01 R.\n 05 A PIC ZZ9.99.\n 05 B PIC 9(5).99.\n 05 C PIC -ZZZ9.\n 05 D PIC +++9.99.\n 05 E PIC ZZ9-.",
			[]string{"a DECIMAL(5,2) POSITION(1:6)", "b DECIMAL(7,2) POSITION(7:14)", "c INT32 POSITION(15:19)", "d DECIMAL(5,2) POSITION(20:26)", "e INT32 POSITION(27:30)"}},
		{"edited text", "01 R.\n 05 A PIC $ZZ,ZZ9.99CR.\n 05 B PIC ***9.\n 05 C PIC XXBXX.\n 05 D PIC 99/99/99.",
			[]string{"a CHAR(12) POSITION(1:12)", "b CHAR(4) POSITION(13:16)", "c CHAR(5) POSITION(17:21)", "d CHAR(8) POSITION(22:29)"}},
		{"p scaling", "01 R.\n 05 A PIC 9(3)PP.\n 05 B PIC PP99.\n 05 C PIC SVPP9 COMP-3.\n 05 D PIC S99PPP COMP-3.",
			[]string{"a DECIMAL(5,0) UNSIGNED IMPLIED DECIMALS -2 POSITION(1:3)", "b DECIMAL(4,4) UNSIGNED POSITION(4:5)", "c DECIMAL(3,3) PACKED POSITION(6:6)", "d DECIMAL(5,0) PACKED IMPLIED DECIMALS -3 POSITION(7:8)"}},
		{"filler skipped", "01 R.\n 05 FILLER PIC X(3).\n 05 A PIC X.\n 05 PIC X(2).\n 05 B PIC X.", []string{"a CHAR(1) POSITION(4:4)", "b CHAR(1) POSITION(7:7)"}},
		{"filler group children", "01 R.\n 05 FILLER.\n  10 A PIC X.\n  10 FILLER PIC X.\n 05 B PIC X.", []string{"a CHAR(1) POSITION(1:1)", "b CHAR(1) POSITION(3:3)"}},
		{"sync and value ignored", "01 R.\n 05 A PIC X VALUE 'Y'.\n 05 B PIC S9(4) COMP SYNC VALUE -1.\n 05 C PIC X(3) VALUE SPACES JUSTIFIED RIGHT.",
			[]string{"a CHAR(1) POSITION(1:1)", "b INT16 BIG ENDIAN POSITION(2:3)", "c CHAR(3) POSITION(4:6)"}},
		{"occurs elementary", "01 R.\n 05 A PIC 9(2) OCCURS 3 TIMES.\n 05 B PIC X.",
			[]string{"a_1 INT32 UNSIGNED POSITION(1:2)", "a_2 INT32 UNSIGNED POSITION(3:4)", "a_3 INT32 UNSIGNED POSITION(5:6)", "b CHAR(1) POSITION(7:7)"}},
		{"occurs elementary array", "01 R.\n 05 A PIC 9(2) OCCURS 3 TIMES.\n 05 B PIC X.",
			[]string{"a INT32 UNSIGNED POSITION(1:2) OCCURS 3 TIMES", "b CHAR(1) POSITION(7:7)"}},
		{"occurs group array nested", "01 R.\n 05 G OCCURS 2 INDEXED BY I.\n  10 A PIC X.\n  10 H OCCURS 2 ASCENDING KEY IS B.\n   15 B PIC X.\n 05 C PIC X.",
			[]string{"g STRUCT(", "a CHAR(1) POSITION(1:1)", "h STRUCT(", "b CHAR(1) POSITION(1:1)", ") POSITION(2:2) OCCURS 2 TIMES", ") POSITION(1:3) OCCURS 2 TIMES", "c CHAR(1) POSITION(7:7)"}},
		{"occurs group with inner group", "01 R.\n 05 DAY OCCURS 2.\n  10 V PIC S9(3).\n  10 FL.\n   15 M PIC X.\n   15 Q PIC X.",
			[]string{"day STRUCT(", "v INT32 POSITION(1:3)", "m CHAR(1) POSITION(4:4)", "q CHAR(1) POSITION(5:5)", ") POSITION(1:5) OCCURS 2 TIMES"}},
		{"groups as structs", "01 R.\n 05 ADDR.\n  10 CITY PIC X(2).\n  10 ZIP PIC 9(3).\n 05 DAY OCCURS 2.\n  10 V PIC S9(3).\n  10 FL.\n   15 M PIC X.",
			[]string{"addr STRUCT(", "city CHAR(2) POSITION(1:2)", "zip INT32 UNSIGNED POSITION(3:5)", ") POSITION(1:5)", "day STRUCT(", "v INT32 POSITION(1:3)", "fl STRUCT(", "m CHAR(1) POSITION(1:1)", ") POSITION(4:4)", ") POSITION(6:9) OCCURS 2 TIMES"}},
		{"occurs depending on", "01 R.\n 05 N PIC 9(2).\n 05 A PIC X(2) OCCURS 1 TO 5 TIMES DEPENDING ON N.\n 05 G OCCURS 3 DEPENDING ON N.\n  10 B PIC S9(3) COMP-3.\n 05 Z PIC X.",
			[]string{"n INT32 UNSIGNED POSITION(1:2)", "a CHAR(2) POSITION(3:4) OCCURS 1 TO 5 TIMES DEPENDING ON n", "g STRUCT(", "b INT32 PACKED POSITION(1:2)", ") POSITION(13:14) OCCURS 0 TO 3 TIMES DEPENDING ON n", "z CHAR(1) POSITION(19:19)"}},
		{"occurs group nested", "01 R.\n 05 G OCCURS 2 INDEXED BY I.\n  10 A PIC X.\n  10 H OCCURS 2 ASCENDING KEY IS B.\n   15 B PIC X.\n 05 C PIC X.",
			[]string{"a_1 CHAR(1) POSITION(1:1)", "b_1_1 CHAR(1) POSITION(2:2)", "b_1_2 CHAR(1) POSITION(3:3)", "a_2 CHAR(1) POSITION(4:4)", "b_2_1 CHAR(1) POSITION(5:5)", "b_2_2 CHAR(1) POSITION(6:6)", "c CHAR(1) POSITION(7:7)"}},
		{"redefines first wins", "01 R.\n 05 A PIC X(4).\n 05 B REDEFINES A PIC 9(4).\n 05 C PIC X.",
			[]string{"a CHAR(4) POSITION(1:4)", "-- B (line 3) REDEFINES A: POSITION(1:4), not columns (the first definition is)", "c CHAR(1) POSITION(5:5)"}},
		{"redefines longer", "01 R.\n 05 A PIC X(2).\n 05 B REDEFINES A PIC X(6).\n 05 C PIC X.",
			[]string{"a CHAR(2) POSITION(1:2)", "-- B (line 3) REDEFINES A: POSITION(1:6), not columns (the first definition is)", "c CHAR(1) POSITION(7:7)"}},
		{"name collisions", "01 R.\n 05 HOME.\n  10 CITY PIC X.\n 05 WORK.\n  10 CITY PIC X.\n 05 ZIP PIC X.",
			[]string{"home_city CHAR(1) POSITION(1:1)", "work_city CHAR(1) POSITION(2:2)", "zip CHAR(1) POSITION(3:3)"}},
		{"dashes and keywords", "01 R.\n 05 ACCT-ID PIC X.\n 05 SELECT PIC X.\n 05 1ST-DATE PIC X.",
			[]string{"acct_id CHAR(1) POSITION(1:1)", `"select" CHAR(1) POSITION(2:2)`, `"1st_date" CHAR(1) POSITION(3:3)`}},
		{"88 conditions", "01 R.\n 05 S PIC X.\n  88 ACTIVE VALUE 'A'.\n  88 CLOSED VALUES ARE 'C' THRU 'D'.",
			[]string{"s CHAR(1) POSITION(1:1)", "-- 88 ACTIVE VALUE 'A'", "-- 88 CLOSED VALUE 'C' THRU 'D'"}},
		{"66 renames", "01 R.\n 05 A PIC X(2).\n 05 B PIC X(3).\n 66 AB RENAMES A THRU B.",
			[]string{"a CHAR(2) POSITION(1:2)", "b CHAR(3) POSITION(3:5)", "-- 66 AB RENAMES A THRU B: POSITION(1:5), not a column (the renamed items are)"}},
		{"several 01 records", "01 R1.\n 05 A PIC X(2).\n01 R2.\n 05 B PIC X(5).",
			[]string{"a CHAR(2) POSITION(1:2)", "-- 01 R2 (line 3) is another layout of the same records, POSITION(1:5): not columns here (a copybook of only that record gives its layout)"}},
		{"no 01 level", "05 A PIC X.\n05 B PIC X(2).", []string{"a CHAR(1) POSITION(1:1)", "b CHAR(2) POSITION(2:3)"}},
		{"77 level", "77 A PIC X(3).", []string{"a CHAR(3) POSITION(1:3)"}},
		{"lower case and commas", "01 r.\n 05 a pic s9(3)v9, comp-3.\n 05 b pic x(2); value 'x'.", []string{"a DECIMAL(4,1) PACKED POSITION(1:3)", "b CHAR(2) POSITION(4:5)"}},
		{"free format inline comment", "01 R. *> the record\n* a comment line\n 05 A PIC X. *> a field", []string{"a CHAR(1) POSITION(1:1)"}},
		{"fixed format", "000100 01 REC.                                                          IGNORED\n000200*05 GONE PIC X.\n000300     05 KEPT PIC X(2).                                            XXXXXXXX\n000400/    NEW PAGE\n000500     05 LONG-\n000600-       NAME PIC X.",
			[]string{"kept CHAR(2) POSITION(1:2)", "long_name CHAR(1) POSITION(3:3)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := columns(t, tc.src, opts[tc.name])
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestTableOptions(t *testing.T) {
	src := "01 R.\n 05 A PIC X(2).\n 05 N PIC S9(3).\n 05 F COMP-2."
	for _, tc := range []struct {
		o    copybook.DDLOptions
		cols []string
		with string
	}{
		{copybook.DDLOptions{}, nil, ") WITH (encoding = 'ebcdic', record_length = 13);"},
		{copybook.DDLOptions{CodePage: "1047", FloatingPointFormat: "IEEE754"}, nil, ") WITH (encoding = 'ebcdic', ebcdic_code_page = 'cp1047', floating_point_format = 'IEEE754', record_length = 13);"},
		{copybook.DDLOptions{Encoding: "ascii", Extra: []string{"file = 'x.dat'"}}, []string{"a CHAR(2) POSITION(1:2)", "n INT32 ZONED POSITION(3:5)", "f FLOAT64 IBM FLOAT POSITION(6:13)"},
			") WITH (encoding = 'ascii', record_length = 13, file = 'x.dat');"},
		{copybook.DDLOptions{Encoding: "ascii", FloatingPointFormat: "ieee754_little_endian"}, []string{"a CHAR(2) POSITION(1:2)", "n INT32 ZONED POSITION(3:5)", "f FLOAT64 LITTLE ENDIAN POSITION(6:13)"},
			") WITH (encoding = 'ascii', record_length = 13);"},
	} {
		cols, with := columns(t, src, tc.o)
		if with != tc.with {
			t.Errorf("%+v: %s, want %s", tc.o, with, tc.with)
		}
		if tc.cols != nil && strings.Join(cols, "\n") != strings.Join(tc.cols, "\n") {
			t.Errorf("%+v: columns\n%s", tc.o, strings.Join(cols, "\n"))
		}
	}
	cb, _ := copybook.Parse(src, copybook.Options{})
	for _, o := range []copybook.DDLOptions{{Encoding: "utf8"}, {Encoding: "ascii", CodePage: "037"}, {CodePage: "cp9999"}, {CodePage: "ascii"}, {FloatingPointFormat: "vax"}} {
		if _, err := cb.DDL(o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
}

// TestErrors: every error names the line and column of the offending text.
func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		src       string
		line, col int
		msg       string
	}{
		{"01 R.\n 05 A PIC X\n 05 B PIC X.", 3, 2, "has no period before the level number 05"},
		{"01 R.\n 05 A PIC 9(3)Q.", 2, 15, `'Q' is not a picture symbol`},
		{"01 R.\n 05 A PIC 9(0).", 2, 13, "repetition count"},
		{"01 R.\n 05 A PIC 9(3.", 2, 12, "without a closing )"},
		{"01 R.\n 05 A PIC S9V9V9.", 2, 15, "V (the implied decimal point) may appear only once"},
		{"01 R.\n 05 A PIC 9S9.", 2, 12, "S must come once, first"},
		{"01 R.\n 05 A PIC S9(39).", 2, 11, "more than 38"},
		{"01 R.\n 05 A PIC X(3) COMP-3.", 2, 2, "not a numeric picture"},
		{"01 R.\n 05 A PIC S9(19) COMP.", 2, 2, "wider than 8 bytes"},
		{"01 R.\n 05 A PIC 9(3) SIGN LEADING.", 2, 2, "has a SIGN clause but PIC 9(3) has no S"},
		{"01 R.\n 05 A.", 2, 2, "has no PIC clause"},
		{"01 R.\n 05 A PIC X.\n  10 B PIC X.", 3, 3, "cannot be a group"},
		{"01 R.\n 05 A PIC X REDEFINES Q.", 2, 2, "REDEFINES Q, which is not an earlier item"},
		{"01 R.\n 50 A PIC X.", 2, 2, "level 50 is not 01-49"},
		{"88 A VALUE 1.", 1, 1, "must follow the data item"},
		{"01 R.\n 05 A PIC X.\n 66 Z RENAMES Q.", 3, 2, "RENAMES Q, which is not a data item"},
		{"01 R.\n 05 A PIC X USAGE INDEX.", 2, 19, "USAGE INDEX is not supported"},
		{"01 R.\n 05 A PIC X USAGE COMP-7.", 2, 19, `"COMP-7" is not a USAGE`},
		{"01 R.\n 05 A PIC X WHATEVER.", 2, 13, `unexpected "WHATEVER"`},
		{"01 R.\n 05 A PIC X VALUE 'OPEN.", 2, 19, "unterminated literal"},
		{"01 R.\n 05 A PIC X", 2, 12, "has no period at its end"},
		{"01 R.\n 05 A COMP-1 PIC 9.", 2, 2, "takes no PIC clause"},
		{"01 R.\n 05 A OCCURS X.", 2, 14, "expected a count after OCCURS"},
		{"01 R.\n 05 A PIC X OCCURS 2000000.", 2, 20, "OCCURS needs a count from 1 to 1048576"},
		{"01 R.\n 05 A PIC X(1000) OCCURS 20000.", 2, 2, "group R grows past 16777216 bytes"},
		{"01 R.\nX PIC X.", 2, 1, "expected a level number"},
		{"", 1, 1, "no data items"},
		{"      * only a comment\n", 1, 1, "no data items"},
		{"000100 01 REC.\n000200X    05 A PIC X.", 2, 7, "column 7 holds 'X'"},
		{"000100-    05 A PIC X.", 1, 7, "no line before it to continue"},
		{"000100 01 REC.\n000200     05 A PIC X VALUE 'AB\n000300-     CD'.", 3, 13, "must resume with a ' quote"},
	} {
		_, err := copybook.Parse(tc.src, copybook.Options{})
		var e *copybook.Error
		if !errors.As(err, &e) {
			t.Errorf("%q: error %v, want a positioned one", tc.src, err)
			continue
		}
		if e.Line != tc.line || e.Column != tc.col || !strings.Contains(e.Msg, tc.msg) {
			t.Errorf("%q: got %v, want line %d, column %d: %s", tc.src, err, tc.line, tc.col, tc.msg)
		}
	}
}

// TestDDLErrors: constructs parsed but not converted.
func TestDDLErrors(t *testing.T) {
	flat := copybook.DDLOptions{Occurs: "flatten"}
	for _, tc := range []struct {
		src       string
		line, col int
		msg       string
		opt       copybook.DDLOptions
	}{
		{"01 R.\n 05 N PIC 9(2).\n 05 A PIC X OCCURS 1 TO 5 DEPENDING ON N.", 3, 2, "a variable-size array cannot be flattened", flat},
		{"01 R.\n 05 N PIC 9(2).\n 05 A PIC X OCCURS 1 TO 5 DEPENDING ON M.", 3, 2, "M is not an elementary numeric item", copybook.DDLOptions{}},
		{"01 R.\n 05 N PIC X(2).\n 05 A PIC X OCCURS 1 TO 5 DEPENDING ON N.", 3, 2, "N is not an elementary numeric item", copybook.DDLOptions{}},
		{"01 R.\n 05 N PIC 9.\n 05 G OCCURS 2.\n  10 A PIC X OCCURS 1 TO 5 DEPENDING ON N.", 4, 3, "inside a group kept as a STRUCT or inside another OCCURS", copybook.DDLOptions{}},
		{"01 R.\n 05 FILLER PIC X(3).", 1, 1, "only FILLER", copybook.DDLOptions{}},
		{"01 R.\n 05 G OCCURS 1000.\n  10 A PIC X OCCURS 101.", 3, 3, "more than 100000 columns", flat},
	} {
		cb, err := copybook.Parse(tc.src, copybook.Options{})
		if err != nil {
			t.Fatalf("%q: %v", tc.src, err)
		}
		_, err = cb.DDL(tc.opt)
		var e *copybook.Error
		if !errors.As(err, &e) || e.Line != tc.line || e.Column != tc.col || !strings.Contains(e.Msg, tc.msg) {
			t.Errorf("%q: got %v, want line %d, column %d: %s", tc.src, err, tc.line, tc.col, tc.msg)
		}
	}
}

// TestSizes: offsets and sizes of the parsed items.
func TestSizes(t *testing.T) {
	cb, err := copybook.Parse("01 R.\n 05 A PIC X(3).\n 05 G OCCURS 4.\n  10 P PIC S9(5) COMP-3.\n  10 B PIC S9(4) COMP.\n 05 Z PIC X.", copybook.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := cb.Records[0]
	g := r.Children[1]
	if g.Offset != 3 || g.Size != 5 || g.Occurs != 4 || r.Children[2].Offset != 23 || r.Size != 24 || cb.RecordLength() != 24 {
		t.Errorf("G at %d size %d x%d, Z at %d, R size %d", g.Offset, g.Size, g.Occurs, r.Children[2].Offset, r.Size)
	}
}
