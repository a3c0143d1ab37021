package repl

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/recq/recq/storage"
)

// dotCommand is one dot command of the shell (also accepted in scripts).
type dotCommand struct {
	name, args, help string
	run              func(r *Runner, ctx context.Context, args []string) error
}

// dotCommands are named as DuckDB's shell names them.
var dotCommands []dotCommand

func init() {
	dotCommands = []dotCommand{
		{"explain", "on|off", "print each SELECT's plan before its result", (*Runner).dotExplain},
		{"exit", "", "leave the shell (same as .quit)", (*Runner).dotQuit},
		{"headers", "on|off", "show the line of column names in csv and tsv output", (*Runner).dotHeaders},
		{"help", "", "show this list", (*Runner).dotHelp},
		{"io", "[auto|mmap|direct|buffered]", "show or set how files are read", (*Runner).dotIO},
		{"maxrows", "[N]", "show or set how many rows table mode shows (0: all)", (*Runner).dotMaxRows},
		{"mode", "[MODE]", "show or set the output mode: " + strings.Join(modeNames[:], ", "), (*Runner).dotMode},
		{"nullvalue", "TEXT", "text shown for NULL", (*Runner).dotNull},
		{"once", "FILE", "send the next result to FILE", (*Runner).dotOnce},
		{"output", "[FILE]", "send results to FILE, or back to standard output", (*Runner).dotOutput},
		{"quit", "", "leave the shell", (*Runner).dotQuit},
		{"read", "FILE", "run the statements in FILE", (*Runner).dotRead},
		{"schema", "[TABLE]", "show the layout (CREATE TABLE) of every table or of one", (*Runner).dotSchema},
		{"tables", "", "list the tables", (*Runner).dotTables},
		{"timer", "on|off", "print the run time of each statement", (*Runner).dotTimer},
		{"workers", "[N]", "show or set the number of scan workers", (*Runner).dotWorkers},
	}
}

// DotCommandNames returns the dot commands, with their leading '.'.
func DotCommandNames() []string {
	out := make([]string, len(dotCommands))
	for i, c := range dotCommands {
		out[i] = "." + c.name
	}
	return out
}

// dot runs one dot command line.
func (r *Runner) dot(ctx context.Context, line string) error {
	words, err := splitWords(strings.TrimPrefix(strings.TrimSpace(line), "."))
	if err != nil {
		return err
	}
	if len(words) == 0 {
		return fmt.Errorf("empty dot command (try .help)")
	}
	name := strings.ToLower(words[0])
	for _, c := range dotCommands {
		if c.name == name {
			return c.run(r, ctx, words[1:])
		}
	}
	var names []string
	for _, c := range dotCommands {
		names = append(names, c.name)
	}
	hint := ""
	if s := closest(name, names); s != "" {
		hint = "; did you mean ." + s + "?"
	}
	return fmt.Errorf("unknown command .%s%s (try .help)", name, hint)
}

// splitWords splits a dot command's arguments at blanks; '...' and "..."
// quote (a doubled quote inside is one quote).
func splitWords(s string) ([]string, error) {
	var out []string
	i := 0
	for i < len(s) {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i == len(s) {
			break
		}
		var b strings.Builder
		if q := s[i]; q == '\'' || q == '"' {
			i++
			closed := false
			for i < len(s) {
				if s[i] == q {
					if i+1 < len(s) && s[i+1] == q {
						b.WriteByte(q)
						i += 2
						continue
					}
					i++
					closed = true
					break
				}
				b.WriteByte(s[i])
				i++
			}
			if !closed {
				return nil, fmt.Errorf("unterminated quote in %q", s)
			}
		} else {
			for i < len(s) && s[i] != ' ' && s[i] != '\t' {
				b.WriteByte(s[i])
				i++
			}
		}
		out = append(out, b.String())
	}
	return out, nil
}

// closest returns the candidate nearest to word by edit distance, if it is
// a plausible misspelling.
func closest(word string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if d := editDistance(word, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func wantArgs(name string, args []string, lo, hi int) error {
	if len(args) < lo || len(args) > hi {
		for _, c := range dotCommands {
			if c.name == name {
				return fmt.Errorf("usage: .%s %s", name, c.args)
			}
		}
	}
	return nil
}

func parseOnOff(name string, args []string) (bool, error) {
	if err := wantArgs(name, args, 1, 1); err != nil {
		return false, err
	}
	switch strings.ToLower(args[0]) {
	case "on", "true", "1", "yes":
		return true, nil
	case "off", "false", "0", "no":
		return false, nil
	}
	return false, fmt.Errorf("usage: .%s on|off", name)
}

func (r *Runner) say(format string, args ...any) {
	fmt.Fprintf(r.cfg.Stdout, format+"\n", args...)
}

func (r *Runner) dotHelp(_ context.Context, _ []string) error {
	w := 0
	for _, c := range dotCommands {
		w = max(w, len(c.name)+len(c.args)+2)
	}
	for _, c := range dotCommands {
		left := "." + c.name
		if c.args != "" {
			left += " " + c.args
		}
		r.say("%-*s  %s", w, left, c.help)
	}
	r.say("")
	r.say("SQL statements end with ';' and may span lines. See docs/sql.md for the dialect.")
	return nil
}

func (r *Runner) dotQuit(_ context.Context, _ []string) error { return ErrQuit }

func (r *Runner) dotExplain(_ context.Context, args []string) error {
	on, err := parseOnOff("explain", args)
	r.cfg.Explain = on && err == nil
	return err
}

func (r *Runner) dotTimer(_ context.Context, args []string) error {
	on, err := parseOnOff("timer", args)
	if err == nil {
		r.cfg.Timer = on
	}
	return err
}

func (r *Runner) dotHeaders(_ context.Context, args []string) error {
	on, err := parseOnOff("headers", args)
	if err == nil {
		r.cfg.NoHeader = !on
	}
	return err
}

func (r *Runner) dotMode(_ context.Context, args []string) error {
	if err := wantArgs("mode", args, 0, 1); err != nil {
		return err
	}
	if len(args) == 0 {
		r.say("%s", r.cfg.Mode)
		return nil
	}
	m, err := ParseMode(args[0])
	if err != nil {
		return err
	}
	r.cfg.Mode = m
	return nil
}

func (r *Runner) dotNull(_ context.Context, args []string) error {
	if err := wantArgs("nullvalue", args, 1, 1); err != nil {
		return err
	}
	s := args[0]
	r.cfg.Null = &s
	return nil
}

func (r *Runner) dotMaxRows(_ context.Context, args []string) error {
	if err := wantArgs("maxrows", args, 0, 1); err != nil {
		return err
	}
	if len(args) == 0 {
		r.say("%d", r.maxRows())
		return nil
	}
	n, err := strconv.Atoi(args[0])
	if err != nil || n < 0 {
		return fmt.Errorf(".maxrows wants a whole number (0 shows every row), not %q", args[0])
	}
	if n == 0 {
		n = -1
	}
	r.cfg.MaxRows = n
	return nil
}

func (r *Runner) dotOutput(_ context.Context, args []string) error {
	if err := wantArgs("output", args, 0, 1); err != nil {
		return err
	}
	var next *output
	if len(args) == 0 || args[0] == "stdout" {
		next = r.stdout()
	} else {
		var err error
		if next, err = openOutput(args[0]); err != nil {
			return err
		}
	}
	err := r.out.close()
	r.out = next
	return err
}

func (r *Runner) dotOnce(_ context.Context, args []string) error {
	if err := wantArgs("once", args, 1, 1); err != nil {
		return err
	}
	o, err := openOutput(args[0])
	if err != nil {
		return err
	}
	r.once.close()
	r.once = o
	return nil
}

func (r *Runner) dotRead(ctx context.Context, args []string) error {
	if err := wantArgs("read", args, 1, 1); err != nil {
		return err
	}
	if r.depth >= 16 {
		return fmt.Errorf(".read is nested more than 16 deep")
	}
	f, err := os.Open(args[0])
	if err != nil {
		return err
	}
	defer f.Close()
	r.depth++
	defer func() { r.depth-- }()
	before := r.failures
	err = r.ExecReader(ctx, f)
	if err == nil && r.failures > before {
		// The errors are printed already; count the command as done.
		return nil
	}
	return err
}

func (r *Runner) setting(name string, args []string) error {
	if err := wantArgs(name, args, 0, 1); err != nil {
		return err
	}
	if len(args) == 0 {
		s := r.sess.Settings()
		v, err := s.Get(name)
		if err != nil {
			return err
		}
		r.say("%s", v)
		return nil
	}
	return r.sess.Set(name, args[0])
}

func (r *Runner) dotIO(_ context.Context, args []string) error { return r.setting("io", args) }

func (r *Runner) dotWorkers(_ context.Context, args []string) error {
	return r.setting("workers", args)
}

func (r *Runner) dotTables(_ context.Context, args []string) error {
	if err := wantArgs("tables", args, 0, 0); err != nil {
		return err
	}
	var names []string
	for _, t := range r.eng.Tables() {
		names = append(names, t.Name)
	}
	if len(names) == 0 {
		r.say("(no tables: start recq with --data DIR, or query a file with FROM 'file.rec')")
		return nil
	}
	sort.Strings(names)
	width := 80
	if r.cfg.Width != nil {
		if w := r.cfg.Width(); w > 0 {
			width = w
		}
	}
	colW := 0
	for _, n := range names {
		colW = max(colW, displayWidth(n)+2)
	}
	perLine := max(1, width/colW)
	lines := (len(names) + perLine - 1) / perLine
	for l := 0; l < lines; l++ {
		var b strings.Builder
		for c := 0; c < perLine; c++ {
			i := c*lines + l
			if i >= len(names) {
				break
			}
			b.WriteString(names[i])
			b.WriteString(strings.Repeat(" ", colW-displayWidth(names[i])))
		}
		r.say("%s", strings.TrimRight(b.String(), " "))
	}
	return nil
}

// dotSchema prints each table's layout as CREATE TABLE text.
func (r *Runner) dotSchema(ctx context.Context, args []string) error {
	if err := wantArgs("schema", args, 0, 1); err != nil {
		return err
	}
	tables := r.eng.Tables()
	found := false
	for _, t := range tables {
		if len(args) == 1 && !strings.EqualFold(t.Name, args[0]) {
			continue
		}
		found = true
		if sql, ok := r.eng.ViewSQL(t.Name); ok {
			fmt.Fprintf(r.cfg.Stdout, "-- %s: a view\nCREATE VIEW %s AS %s;\n", t.Name, t.Name, sql)
			continue
		}
		tb, err := r.eng.Table(t.Name)
		if err != nil {
			return err
		}
		format := tb.Format.String()
		if c := tb.Compression; c != nil {
			format += ", " + c.Format.String()
		}
		fmt.Fprintf(r.cfg.Stdout, "-- %s: %s (%s, %d records)\n", t.Name, t.Path, format, tb.Layout.Count)
		fmt.Fprint(r.cfg.Stdout, storage.FormatDDL(t.Name, tb.Schema, tb.Raw))
	}
	if !found && len(args) == 1 {
		return fmt.Errorf("no table named %s (see .tables)", args[0])
	}
	return nil
}
