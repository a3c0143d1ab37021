package parser

import (
	"strings"
	"testing"
)

func TestUnnestFrom(t *testing.T) {
	tests := []struct{ sql, want string }{
		{"SELECT * FROM t, UNNEST(t.days) AS u(v)", "SELECT * FROM t, UNNEST(t.days) AS u(v)"},
		{"select * from t, unnest(days) with ordinality as u(v, n)", "SELECT * FROM t, UNNEST(days) WITH ORDINALITY AS u(v, n)"},
		{"SELECT * FROM t CROSS JOIN LATERAL UNNEST(a, b) WITH ORDINALITY u", "SELECT * FROM t CROSS JOIN UNNEST(a, b) WITH ORDINALITY AS u"},
		{"SELECT * FROM unnest(a)", "SELECT * FROM UNNEST(a)"},
	}
	for _, tc := range tests {
		st, err := ParseOne(tc.sql)
		if err != nil {
			t.Errorf("%s: %v", tc.sql, err)
			continue
		}
		if got := st.String(); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.sql, got, tc.want)
		}
	}
	for _, bad := range []string{"SELECT * FROM t, UNNEST(days) WITH x", "SELECT * FROM t, UNNEST()"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestLambdaArgs(t *testing.T) {
	tests := []struct{ sql, want string }{
		{"SELECT list_filter(a, x -> x > 0)", "(CALL list_filter a (LAMBDA (x) (> x 0)))"},
		{"SELECT list_transform(a, (x, i) -> x * i)", "(CALL list_transform a (LAMBDA (x i) (* x i)))"},
		{"SELECT list_reduce(a, lambda acc, x: acc + x)", "(CALL list_reduce a (LAMBDA (acc x) (+ acc x)))"},
		{"SELECT apply(a, \"X\" -> \"X\"||'a')", "(CALL apply a (LAMBDA (X) (|| \"X\" 'a')))"},
		{"SELECT f(a, x -> y -> x)", ""},
		{"SELECT list_filter(a, (x, x) -> true)", ""},
		{"SELECT x -> 1 FROM t", ""},
		{"SELECT a->1", ""},
	}
	for _, tc := range tests {
		st, err := ParseOne(tc.sql)
		if tc.want == "" {
			if err == nil {
				t.Errorf("%s: no error", tc.sql)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.sql, err)
			continue
		}
		got := Dump(st)
		if !strings.Contains(got, tc.want) {
			t.Errorf("%s:\n got %s\nwant %s", tc.sql, got, tc.want)
		}
		again, err := ParseOne(st.(*Select).String())
		if err != nil || Dump(again) != got {
			t.Errorf("%s: String() %s does not parse back the same (%v)", tc.sql, st.(*Select).String(), err)
		}
	}
}
