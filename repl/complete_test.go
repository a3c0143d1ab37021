package repl

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestComplete(t *testing.T) {
	eng := testEngine(t)
	c := NewCompleter(eng, eng.NewSession())
	has := func(got []string, want ...string) bool {
		for _, w := range want {
			if !slices.Contains(got, w) {
				return false
			}
		}
		return true
	}
	cases := []struct {
		pending, before, after string
		want                   []string
		not                    []string
	}{
		// Keywords keep the case typed.
		{"", "SEL", "", []string{"SELECT"}, nil},
		{"", "sel", "", []string{"select"}, nil},
		// Functions and tables.
		{"", "SELECT coa", "", []string{"coalesce"}, nil},
		{"", "SELECT count(*) FROM line", "", []string{"lineitem", "lineitem_txt"}, []string{"LIMIT"}},
		{"", "SUMMARIZE line", "", []string{"lineitem"}, []string{"LIMIT"}},
		{"", "SELECT regexp_m", "", []string{"regexp_matches"}, nil},
		{"", "SELECT * FROM read_c", "", []string{"read_csv"}, nil},
		{"", "SELECT * EXCL", "", []string{"EXCLUDE"}, nil},
		// Columns of a table after SUMMARIZE ... or FROM-first.
		{"", "FROM sensors SELECT tem", "", []string{"temperature"}, nil},
		// Columns of a table named after the cursor, or on earlier lines.
		{"", "SELECT l_ship", " FROM lineitem", []string{"l_shipdate", "l_shipmode", "l_shipinstruct"}, nil},
		{"SELECT count(*) FROM 'testdata/../../testdata/sensors.rec'\n", "WHERE tem", "", nil, nil},
		{"SELECT count(*) FROM sensors\n", "WHERE tem", "", []string{"temperature"}, nil},
		// Before FROM: the columns of every table.
		{"", "SELECT l_ship", "", []string{"l_shipdate", "l_shipmode"}, nil},
		{"", "SELECT tempe", "", []string{"temperature"}, nil},
		// Dot commands and their arguments.
		{"", ".ti", "", []string{".timer"}, nil},
		{"", ".mode j", "", []string{"json", "jsonl"}, nil},
		{"", ".schema sen", "", []string{"sensors"}, nil},
		{"", ".timer o", "", []string{"on", "off"}, nil},
	}
	for _, cs := range cases {
		got := c.Complete(cs.pending, cs.before, cs.after)
		if !has(got, cs.want...) {
			t.Errorf("%q|%q: got %v, want %v", cs.pending+cs.before, cs.after, got, cs.want)
		}
		for _, n := range cs.not {
			if slices.Contains(got, n) {
				t.Errorf("%q: %s offered", cs.before, n)
			}
		}
	}
}

func TestCompletePaths(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "data.rec"), nil, 0o644)
	os.WriteFile(filepath.Join(dir, "data.txt"), nil, 0o644)
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, ".hidden"), nil, 0o644)
	eng := testEngine(t)
	c := NewCompleter(eng, eng.NewSession())
	got := c.Complete("", "SELECT * FROM '"+dir+"/da", "")
	if !slices.Equal(got, []string{dir + "/data.rec", dir + "/data.txt"}) {
		t.Errorf("got %v", got)
	}
	got = c.Complete("", "SELECT * FROM '"+dir+"/", "")
	if !slices.Equal(got, []string{dir + "/data.rec", dir + "/data.txt", dir + "/sub/"}) {
		t.Errorf("got %v", got)
	}
	got = c.Complete("", ".read "+dir+"/s", "")
	if !slices.Equal(got, []string{dir + "/sub/"}) {
		t.Errorf("got %v", got)
	}
	// Readline gets the suffixes and the length of the word replaced.
	line := []rune("SELECT * FROM '" + dir + "/data.r")
	sfx, n := c.Do(line, len(line))
	if len(sfx) != 1 || string(sfx[0]) != "ec" || n != len([]rune(dir+"/data.r")) {
		t.Errorf("Do: %q %d", sfx, n)
	}
}

func TestCompleteAfterBlank(t *testing.T) {
	eng := testEngine(t)
	c := NewCompleter(eng, eng.NewSession())
	got := c.Complete("", "SELECT ", " FROM sensors")
	if !slices.Contains(got, "temperature") || slices.Contains(got, "SELECT") || slices.Contains(got, "coalesce") {
		t.Errorf("got %v", got)
	}
	got = c.Complete("", "SELECT ", "")
	if !slices.Contains(got, "lineitem") || slices.Contains(got, "SELECT") {
		t.Errorf("got %v", got)
	}
}
