package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Transcript tests: testdata/cli/*.txt hold commands and their expected
// output, in the spirit of cockroachdb/datadriven:
//
//	# a comment
//	run -m csv -c "SELECT 41 + 1 AS x"
//	----
//	x
//	42
//
// A case is a command line, optional input lines, "----", then the
// expected output up to a blank line. Output that holds blank lines is
// written between "----\n----" and "----\n----". The output is stdout,
// then "[stderr]" and stderr when stderr is not empty, then "[exit N]"
// when the exit code is not 0.
//
// Commands:
//
//	run ARGS...   run recq in-process; the input lines are its stdin
//	file PATH     write the input lines to PATH
//	cat PATH      show a file written by an earlier case
//
// Arguments are split as a shell would (single and double quotes). $TMP
// is a temporary directory shared by the cases of one file; it is written
// back as $TMP. Durations and rates in stderr read as N.
//
// go test ./cmd/recq -run Transcript -rewrite rewrites the expectations.
var rewrite = flag.Bool("rewrite", false, "rewrite the expected output of transcript tests")

type tcase struct {
	cmd      string
	input    string
	want     string
	line     int
	hasInput bool
}

func TestTranscripts(t *testing.T) {
	files, err := filepath.Glob("../../testdata/cli/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no transcripts: %v", err)
	}
	for i := range files {
		files[i], _ = filepath.Abs(files[i])
	}
	t.Chdir("../..")
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			runTranscript(t, file)
		})
	}
}

func runTranscript(t *testing.T, file string) {
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	cases, err := parseTranscript(string(b))
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	tmp := t.TempDir()
	var out strings.Builder
	src := strings.Split(string(b), "\n")
	last := 0 // lines of src copied to out
	for _, c := range cases {
		got := execCase(t, c, tmp)
		if *rewrite {
			// Copy the text before this case's expectation, then the new one.
			for ; last < c.line; last++ {
				out.WriteString(src[last] + "\n")
			}
			out.WriteString(formatExpected(got))
			last = skipExpected(src, c.line)
			continue
		}
		if got != c.want {
			t.Errorf("%s:%d: %s\n--- got:\n%s--- want:\n%s", filepath.Base(file), c.line, c.cmd, got, c.want)
		}
	}
	if *rewrite {
		for ; last < len(src); last++ {
			out.WriteString(src[last])
			if last < len(src)-1 {
				out.WriteString("\n")
			}
		}
		if err := os.WriteFile(file, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// parseTranscript reads the cases; line is the index of each case's
// "----" line.
func parseTranscript(s string) ([]tcase, error) {
	lines := strings.Split(s, "\n")
	var cases []tcase
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") {
			continue
		}
		c := tcase{cmd: l}
		i++
		var input []string
		for ; i < len(lines) && lines[i] != "----"; i++ {
			input = append(input, lines[i])
		}
		if i >= len(lines) {
			return nil, fmt.Errorf("case %q has no ----", l)
		}
		if len(input) > 0 {
			c.input = strings.Join(input, "\n") + "\n"
			c.hasInput = true
		}
		c.line = i
		i++
		var want []string
		if i < len(lines) && lines[i] == "----" {
			i++
			for ; i+1 < len(lines) && !(lines[i] == "----" && lines[i+1] == "----"); i++ {
				want = append(want, lines[i])
			}
			i++
		} else {
			for ; i < len(lines) && lines[i] != ""; i++ {
				want = append(want, lines[i])
			}
		}
		if len(want) > 0 {
			c.want = strings.Join(want, "\n") + "\n"
		}
		cases = append(cases, c)
	}
	return cases, nil
}

// skipExpected returns the index of the first line after the expectation
// that starts after the "----" at line sep.
func skipExpected(lines []string, sep int) int {
	i := sep + 1
	if i < len(lines) && lines[i] == "----" {
		i++
		for i+1 < len(lines) && !(lines[i] == "----" && lines[i+1] == "----") {
			i++
		}
		return i + 2
	}
	for i < len(lines) && lines[i] != "" {
		i++
	}
	return i
}

// formatExpected writes an expectation after its "----" line.
func formatExpected(got string) string {
	if got == "" {
		return "----\n"
	}
	if strings.Contains(got, "\n\n") || strings.HasPrefix(got, "\n") {
		return "----\n----\n" + got + "----\n----\n"
	}
	return "----\n" + got
}

var (
	durationRE = regexp.MustCompile(`\b\d+\.\d+s\b|\breal \d+\.\d+`)
	rateRE     = regexp.MustCompile(`\b\d+ MB/s\b`)
)

func execCase(t *testing.T, c tcase, tmp string) string {
	t.Helper()
	words, err := shellWords(strings.ReplaceAll(c.cmd, "$TMP", tmp))
	if err != nil || len(words) == 0 {
		t.Fatalf("line %d: bad command %q: %v", c.line, c.cmd, err)
	}
	input := strings.ReplaceAll(c.input, "$TMP", tmp)
	switch words[0] {
	case "file":
		if len(words) != 2 {
			t.Fatalf("file wants one path: %q", c.cmd)
		}
		if err := os.WriteFile(words[1], []byte(input), 0o644); err != nil {
			t.Fatal(err)
		}
		return ""
	case "cat":
		if len(words) != 2 {
			t.Fatalf("cat wants one path: %q", c.cmd)
		}
		b, err := os.ReadFile(words[1])
		if err != nil {
			return fmt.Sprintf("[error]\n%v\n", strings.ReplaceAll(err.Error(), tmp, "$TMP"))
		}
		return string(b)
	case "run":
		var stdout, stderr bytes.Buffer
		e := &env{stdin: strings.NewReader(input), stdout: &stdout, stderr: &stderr,
			getenv: func(string) string { return "" }}
		code := run(words[1:], e)
		var b strings.Builder
		b.WriteString(stdout.String())
		if stderr.Len() > 0 {
			b.WriteString("[stderr]\n")
			se := durationRE.ReplaceAllStringFunc(stderr.String(), func(m string) string {
				if strings.HasPrefix(m, "real") {
					return "real N"
				}
				return "Ns"
			})
			se = rateRE.ReplaceAllString(se, "N MB/s")
			b.WriteString(se)
			if !strings.HasSuffix(se, "\n") {
				b.WriteString("\n")
			}
		}
		if code != 0 {
			fmt.Fprintf(&b, "[exit %d]\n", code)
		}
		out := strings.ReplaceAll(b.String(), tmp, "$TMP")
		// Paths the engine made absolute read relative to the repository.
		if wd, err := os.Getwd(); err == nil {
			out = strings.ReplaceAll(out, wd+string(filepath.Separator), "")
		}
		return out
	}
	t.Fatalf("unknown transcript command %q", words[0])
	return ""
}

// shellWords splits a command line as a POSIX shell would for simple
// quoting: blanks separate words, '...' is literal, "..." allows \" and \\.
func shellWords(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("unterminated '")
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\') {
					i++
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, fmt.Errorf("unterminated \"")
			}
			inWord = true
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			inWord = true
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out, nil
}
