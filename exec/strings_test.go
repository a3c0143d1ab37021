package exec

import (
	"slices"
	"testing"

	"github.com/apache/arrow/go/v17/arrow/array"
)

// TestStringFunctionsKeepInvalidUTF8: string functions change only the
// bytes they mean to change; bytes that are not valid UTF-8 pass through
// (substr counts one as one character, like DuckDB).
func TestStringFunctionsKeepInvalidUTF8(t *testing.T) {
	mem := checkedMem(t)
	in := []any{"a\xffb", "\xe2\x82", "Ä\xffö", "\xc0\xafZ", "plain", ""}
	rec := record(mem, c("s", tString, in...))
	defer rec.Release()
	s := colOf(rec, "s")
	call := func(name string, args ...Expr) Expr { return must(NewCall(name, args)) }
	for _, tc := range []struct {
		name string
		e    Expr
		want []string
	}{
		{"substr(s, 1)", call("substr", s, lit(1, nil)), []string{"a\xffb", "\xe2\x82", "Ä\xffö", "\xc0\xafZ", "plain", ""}},
		{"substr(s, 2, 1)", call("substr", s, lit(2, nil), lit(1, nil)), []string{"\xff", "\x82", "\xff", "\xaf", "l", ""}},
		{"substr(s, 3)", call("substr", s, lit(3, nil)), []string{"b", "", "ö", "Z", "ain", ""}},
		{"upper(s)", call("upper", s), []string{"A\xffB", "\xe2\x82", "Ä\xffÖ", "\xc0\xafZ", "PLAIN", ""}},
		{"lower(s)", call("lower", s), []string{"a\xffb", "\xe2\x82", "ä\xffö", "\xc0\xafz", "plain", ""}},
	} {
		a, err := tc.e.Eval(NewEvalContext(mem), rec)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got := a.(*array.String)
		for i, w := range tc.want {
			if got.Value(i) != w {
				t.Errorf("%s of %q = %q, want %q", tc.name, in[i], got.Value(i), w)
			}
		}
		a.Release()
	}
	got := must(evalRows(mem, call("length", s), rec))
	if want := []string{"3", "2", "3", "3", "5", "0"}; !slices.Equal(got, want) {
		t.Errorf("length: %v, want %v", got, want)
	}
	got = must(evalRows(mem, bin("ILIKE", s, lit("A_B", nil)), rec))
	if got[0] != "true" {
		t.Errorf("'a\\xffb' ILIKE 'A_B' = %s", got[0])
	}
}
