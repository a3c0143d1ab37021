package parser

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the expected output of the golden files in testdata/parser")

const goldenDir = "../testdata/parser"

// A golden file is a sequence of cases in the style of
// cockroachdb/datadriven:
//
//	# a comment
//	<directive>
//	<input, one or more lines>
//	----
//	<expected output>
//	<blank line>
//
// When the expected output itself holds blank lines it is written between
// "----\n----" and "----\n----" instead.
//
// Directives:
//
//	parse  input must parse; output is the canonical form of each statement
//	error  input must fail; output is the rendered error
//	expr   ParseExpr; output is the canonical form, or the rendered error
//	tree   input must parse; output is the statements' trees in fully
//	       parenthesised prefix form (shows precedence and node kinds)
type goldenCase struct {
	file      string
	line      int
	directive string
	input     string
	expected  string
}

func readGolden(t testing.TB, path string) []*goldenCase {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	var cases []*goldenCase
	for i := 0; i < len(lines); {
		l := lines[i]
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") {
			i++
			continue
		}
		c := &goldenCase{file: path, line: i + 1, directive: strings.TrimSpace(l)}
		i++
		var in []string
		for i < len(lines) && lines[i] != "----" {
			in = append(in, lines[i])
			i++
		}
		if i >= len(lines) {
			t.Fatalf("%s:%d: case without ----", path, c.line)
		}
		i++ // ----
		c.input = strings.Join(in, "\n")
		var out []string
		if i < len(lines) && lines[i] == "----" {
			i++
			for i+1 < len(lines) && !(lines[i] == "----" && lines[i+1] == "----") {
				out = append(out, lines[i])
				i++
			}
			i += 2
		} else {
			for i < len(lines) && lines[i] != "" {
				out = append(out, lines[i])
				i++
			}
		}
		c.expected = strings.Join(out, "\n")
		cases = append(cases, c)
	}
	return cases
}

// writeGolden rewrites path with the given outputs, keeping comments.
func writeGolden(t testing.TB, path string, cases []*goldenCase, actual []string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	var b strings.Builder
	ci := 0
	for i := 0; i < len(lines); {
		l := lines[i]
		if ci < len(cases) && i+1 == cases[ci].line {
			c := cases[ci]
			b.WriteString(c.directive + "\n")
			b.WriteString(c.input + "\n")
			b.WriteString("----\n")
			out := actual[ci]
			if strings.Contains(out, "\n\n") || strings.HasSuffix(out, "\n") {
				b.WriteString("----\n" + out + "\n----\n----\n")
			} else {
				b.WriteString(out + "\n")
			}
			// Skip the old case text.
			i++
			for i < len(lines) && lines[i] != "----" {
				i++
			}
			i++
			if i < len(lines) && lines[i] == "----" {
				i++
				for i+1 < len(lines) && !(lines[i] == "----" && lines[i+1] == "----") {
					i++
				}
				i += 2
			} else {
				for i < len(lines) && lines[i] != "" {
					i++
				}
			}
			ci++
			continue
		}
		b.WriteString(l)
		if i < len(lines)-1 {
			b.WriteString("\n")
		}
		i++
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func goldenFiles(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(goldenDir, "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files in %s: %v", goldenDir, err)
	}
	return files
}

func renderErr(src string, err error) string {
	var l ErrorList
	if errors.As(err, &l) {
		return l.Render(src)
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Render(src)
	}
	return "non-parser error: " + err.Error()
}

// runGolden computes the output of one case.
func runGolden(c *goldenCase) (string, error) {
	switch c.directive {
	case "parse", "error", "tree":
		stmts, err := Parse(c.input)
		if err != nil {
			if c.directive != "error" {
				return renderErr(c.input, err), fmt.Errorf("expected success")
			}
			return renderErr(c.input, err), nil
		}
		var out []string
		for _, s := range stmts {
			if c.directive == "tree" {
				out = append(out, Dump(s))
			} else {
				out = append(out, Format(s))
			}
		}
		if c.directive == "error" {
			return strings.Join(out, "\n"), fmt.Errorf("expected an error")
		}
		return strings.Join(out, "\n"), nil
	case "expr":
		e, err := ParseExpr(c.input)
		if err != nil {
			return renderErr(c.input, err), nil
		}
		return FormatExpr(e), nil
	}
	return "", fmt.Errorf("unknown directive %q", c.directive)
}

func TestGolden(t *testing.T) {
	for _, path := range goldenFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			cases := readGolden(t, path)
			actual := make([]string, len(cases))
			for i, c := range cases {
				out, err := runGolden(c)
				actual[i] = out
				if err != nil {
					t.Errorf("%s:%d: %v\ninput:\n%s\noutput:\n%s", c.file, c.line, err, c.input, out)
				}
				if !*rewrite && out != c.expected {
					t.Errorf("%s:%d: output differs\ninput:\n%s\n--- got:\n%s\n--- want:\n%s", c.file, c.line, c.input, out, c.expected)
				}
			}
			if *rewrite {
				writeGolden(t, path, cases, actual)
			}
		})
	}
}

// TestGoldenCounts keeps the corpus at the size the issue asks for.
func TestGoldenCounts(t *testing.T) {
	valid, invalid := 0, 0
	for _, path := range goldenFiles(t) {
		for _, c := range readGolden(t, path) {
			switch c.directive {
			case "parse", "tree":
				stmts, err := Parse(c.input)
				if err == nil {
					valid += len(stmts)
				}
			case "error":
				invalid++
			}
		}
	}
	t.Logf("golden corpus: %d valid statements, %d invalid inputs", valid, invalid)
	if valid < 150 || invalid < 80 {
		t.Errorf("golden corpus too small: %d valid (want >= 150), %d invalid (want >= 80)", valid, invalid)
	}
}

// TestRoundTrip parses every valid corpus statement, prints it, parses the
// print and checks the trees are equal and printing is a fixed point. A
// parse or tree case that does not parse is an error here too (it used to
// be skipped silently); an expr case is skipped only when its expected
// output is that very error.
func TestRoundTrip(t *testing.T) {
	checked := 0
	for _, path := range goldenFiles(t) {
		for _, c := range readGolden(t, path) {
			where := fmt.Sprintf("%s:%d", c.file, c.line)
			switch c.directive {
			case "parse", "tree":
			case "expr":
				e, err := ParseExpr(c.input)
				if err != nil {
					if renderErr(c.input, err) != c.expected {
						t.Errorf("%s: expression does not parse and no error is expected: %v", where, err)
					}
					continue
				}
				checkExprRoundTrip(t, where, e)
				checked++
				continue
			default:
				continue
			}
			stmts, err := Parse(c.input)
			if err != nil {
				t.Errorf("%s: a %s case does not parse: %v", where, c.directive, err)
				continue
			}
			for _, s := range stmts {
				checkRoundTrip(t, where, s)
				checked++
			}
		}
	}
	if checked < 150 {
		t.Errorf("only %d statements and expressions round-tripped; the corpus has more than 150", checked)
	}
}

func checkRoundTrip(t testing.TB, where string, s Statement) {
	t.Helper()
	printed := Format(s)
	again, err := ParseOne(printed)
	if err != nil {
		t.Errorf("%s: printed form does not parse: %v\n%s", where, err, printed)
		return
	}
	if !equalIgnoringPos(s, again) {
		t.Errorf("%s: tree changed in print -> parse\nprinted: %s\nfirst:  %s\nsecond: %s", where, printed, Dump(s), Dump(again))
	}
	if v, ok := again.(*CreateView); ok && v.SQL != v.Query.String() {
		// The printed view's text is canonical, so its SQL must be too.
		t.Errorf("%s: view SQL %q, want its query's canonical text %q", where, v.SQL, v.Query.String())
	}
	if p2 := Format(again); p2 != printed {
		t.Errorf("%s: printing is not a fixed point:\n%s\n%s", where, printed, p2)
	}
}

func checkExprRoundTrip(t testing.TB, where string, e Expr) {
	t.Helper()
	printed := FormatExpr(e)
	again, err := ParseExpr(printed)
	if err != nil {
		t.Errorf("%s: printed expression does not parse: %v\n%s", where, err, printed)
		return
	}
	if !equalIgnoringPos(e, again) {
		t.Errorf("%s: expression changed in print -> parse\nprinted: %s\nfirst:  %s\nsecond: %s", where, printed, DumpExpr(e), DumpExpr(again))
	}
}

var (
	posType        = reflect.TypeOf(Pos{})
	createViewType = reflect.TypeOf(CreateView{})
)

// equalIgnoringPos compares two trees, skipping every Pos field and
// CreateView.SQL (the text as written, which printing makes canonical).
func equalIgnoringPos(a, b any) bool {
	return eqValue(reflect.ValueOf(a), reflect.ValueOf(b))
}

func eqValue(a, b reflect.Value) bool {
	if a.IsValid() != b.IsValid() {
		return false
	}
	if !a.IsValid() {
		return true
	}
	if a.Type() != b.Type() {
		return false
	}
	switch a.Kind() {
	case reflect.Interface, reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return eqValue(a.Elem(), b.Elem())
	case reflect.Struct:
		if a.Type() == posType {
			return true
		}
		for i := 0; i < a.NumField(); i++ {
			if a.Type() == createViewType && a.Type().Field(i).Name == "SQL" {
				continue
			}
			if !eqValue(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Slice:
		if a.Len() != b.Len() {
			return false
		}
		for i := 0; i < a.Len(); i++ {
			if !eqValue(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Float64:
		return a.Float() == b.Float()
	}
	return a.Interface() == b.Interface()
}
