package exec

import "testing"

// TestArithWithNull: arithmetic with a NULL literal is a NULL of the
// operation's type where the operation exists, and otherwise an error that
// names the types as written (it said "BOOLEAN and BOOLEAN" for b + NULL).
func TestArithWithNull(t *testing.T) {
	null := lit(nil, nil)
	day := lit(Interval{Days: 1}, IntervalType)
	for _, tc := range []struct {
		op   string
		l, r Expr
		want string // result type, or the error
	}{
		{"+", lit(true, nil), null, "cannot apply + to BOOLEAN and NULL"},
		{"-", null, lit(false, nil), "cannot apply - to NULL and BOOLEAN"},
		{"+", lit("x", nil), null, "cannot apply + to VARCHAR and NULL"},
		{"-", null, lit("2020-01-01", tTs), "INTERVAL"}, // TIMESTAMP - TIMESTAMP
		{"*", lit(1, nil), null, "INT64"},
		{"/", null, lit(1, nil), "FLOAT64"},
		{"+", lit("2020-01-01", tDate), null, "DATE"},
		{"-", lit("2020-01-01", tDate), null, "DATE"},
		{"+", null, lit("2020-01-01", tDate), "DATE"},
		{"-", null, lit("2020-01-01", tDate), "INT64"},
		{"+", lit("2020-01-01", tTs), null, "TIMESTAMP"},
		{"+", null, lit("2020-01-01", tTs), "TIMESTAMP"},
		{"+", null, day, "DATE"},
		{"+", null, null, "NULL"},
	} {
		e, err := NewBinary(tc.op, tc.l, tc.r)
		got := ""
		if err != nil {
			got = err.Error()
		} else {
			got = TypeName(e.DataType())
			if c, ok := asConst(e); !ok || c.val != nil {
				t.Errorf("%s %s %s = %s, want a NULL constant", tc.l, tc.op, tc.r, e)
			}
		}
		if got != tc.want {
			t.Errorf("%s %s %s: %s, want %s", tc.l, tc.op, tc.r, got, tc.want)
		}
	}
}
