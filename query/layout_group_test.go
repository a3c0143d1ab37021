package query

import (
	"reflect"
	"strings"
	"testing"

	"github.com/recq/recq/storage"
)

// TestGroupLayouts: STRUCT columns and OCCURS DEPENDING ON in the layout
// DDL: member places relative to the group, the group's width and
// stride, the count field; the canonical DDL (storage.FormatDDL) reads
// back to the same fields.
func TestGroupLayouts(t *testing.T) {
	for _, tc := range []struct {
		name, ddl string
		check     func(s *storage.Schema) string
	}{
		{"ghcn days", "CREATE TABLE g (id CHAR(21), days STRUCT(value INT32 WIDTH 5 NULLIF '-9999', mflag CHAR(1), qflag CHAR(1), sflag CHAR(1)) OCCURS 31 TIMES) WITH (format = 'text')",
			func(s *storage.Schema) string {
				d := s.Fields[1]
				if d.Offset != 21 || d.Width != 8 || d.Stride != 8 || d.Occurs != 31 || len(d.Members) != 4 || d.Members[1].Offset != 5 || d.Members[3].Offset != 7 || s.RecordLen != 269 {
					return "days placed wrong"
				}
				if d.Members[0].Encoding != storage.Text || !d.Members[0].Nullable {
					return "members do not take the text default"
				}
				return ""
			}},
		{"explicit member places and width", "CREATE TABLE g (s STRUCT(b CHAR(2) POSITION(3:4), a INT8 OFFSET 0) POSITION(11:16) OCCURS 2 TIMES STRIDE 10)",
			func(s *storage.Schema) string {
				f := s.Fields[0]
				if f.Offset != 10 || f.Width != 6 || f.Stride != 10 || f.Members[0].Offset != 2 || f.Members[1].Offset != 0 || s.RecordLen != 26 {
					return "placed wrong"
				}
				return ""
			}},
		{"nested struct", "CREATE TABLE g (s STRUCT(a CHAR(1), t STRUCT(x CHAR(2), y CHAR(1) OCCURS 2 TIMES)), z CHAR(1)) WITH (format = 'text')",
			func(s *storage.Schema) string {
				f := s.Fields[0]
				if f.Width != 5 || f.Members[1].Offset != 1 || f.Members[1].Width != 4 || s.Fields[1].Offset != 5 {
					return "placed wrong"
				}
				if got := f.TypeString(); got != "STRUCT(a CHAR(1), t STRUCT(x CHAR(2), y CHAR(1)[2]))" {
					return "type " + got
				}
				return ""
			}},
		{"depending on", "CREATE TABLE o (n INT16 BIG ENDIAN, tags CHAR(2) OCCURS 1 TO 3 TIMES DEPENDING ON n, rest CHAR(1)) WITH (encoding = 'ebcdic')",
			func(s *storage.Schema) string {
				f := s.Fields[1]
				if !f.IsVariable() || f.DependsIndex != 0 || f.MinOccurs != 1 || f.Occurs != 3 || s.Fields[2].Offset != 8 {
					return "count wrong"
				}
				for _, c := range []struct {
					n     int64
					valid bool
					want  int
				}{{2, true, 2}, {0, true, 1}, {9, true, 3}, {-4, true, 1}, {0, false, 1}} {
					if got := f.CountOf(c.n, c.valid); got != c.want {
						return "CountOf clamps wrong"
					}
				}
				return ""
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := ParseLayout(tc.ddl)
			if err != nil {
				t.Fatal(err)
			}
			if msg := tc.check(l.Schema); msg != "" {
				t.Fatalf("%s: %+v", msg, l.Schema.Fields)
			}
			canon := storage.FormatDDL(l.Name, l.Schema, l.Raw)
			back, err := ParseLayout(canon)
			if err != nil {
				t.Fatalf("canonical DDL does not parse: %v\n%s", err, canon)
			}
			if !reflect.DeepEqual(back.Schema.Fields, l.Schema.Fields) {
				t.Errorf("canonical DDL changes the fields:\n%s\n%+v\n%+v", canon, l.Schema.Fields, back.Schema.Fields)
			}
		})
	}
}

// TestGroupLayoutErrors: what a group or a DEPENDING ON array may not be.
func TestGroupLayoutErrors(t *testing.T) {
	for _, tc := range []struct{ ddl, msg string }{
		{"CREATE TABLE t (s STRUCT(a CHAR(1), A CHAR(2)))", "s.a: duplicate member name"},
		{"CREATE TABLE t (s STRUCT(a INT32 NULL))", "a binary member of a STRUCT cannot be NULL"},
		{"CREATE TABLE t (s STRUCT(a CHAR(4)) WIDTH 2)", "its members take 4 bytes, more than its width of 2"},
		{"CREATE TABLE t (s STRUCT(a CHAR(4)) NULLIF 'x')", "a STRUCT takes POSITION, OFFSET, WIDTH, OCCURS"},
		{"CREATE TABLE t (s STRUCT(a CHAR(4)) OCCURS 2 TIMES STRIDE 3)", "STRIDE 3 is less than the element's width of 4 bytes"},
		{"CREATE TABLE t (n INT8, a CHAR(1) OCCURS 3 TIMES DEPENDING ON m)", "DEPENDING ON m: the record has no such field"},
		{"CREATE TABLE t (n CHAR(1), a CHAR(1) OCCURS 3 TIMES DEPENDING ON n)", "the count must be a single whole-number field"},
		{"CREATE TABLE t (n DECIMAL(4,2), a CHAR(1) OCCURS 3 TIMES DEPENDING ON n)", "the count must be a single whole-number field"},
		{"CREATE TABLE t (n INT8 OCCURS 2 TIMES, a CHAR(1) OCCURS 3 TIMES DEPENDING ON n)", "not an array"},
		{"CREATE TABLE t (n INT8, s STRUCT(a CHAR(1) OCCURS 3 TIMES DEPENDING ON n))", "supported on top-level fields only"},
		{"CREATE TABLE t (n INT8, a CHAR(1) OCCURS 4 TO 3 TIMES DEPENDING ON n)", "the smallest count is more than the largest"},
		{"CREATE TABLE t (n INT8, a CHAR(1) OCCURS 1 TO 3 TIMES)", "needs DEPENDING ON"},
		{"CREATE TABLE t (a CHAR(1)) WITH (occurs = 'flatten')", "an option of CREATE TABLE ... FROM COPYBOOK"},
	} {
		_, err := ParseLayout(tc.ddl)
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: got %v, want %s", tc.ddl, err, tc.msg)
		}
	}
}
