package parser

import "testing"

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
