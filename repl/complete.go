package repl

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/recq/recq/parser"
	"github.com/recq/recq/query"
	"github.com/recq/recq/storage"
)

// sqlKeywords are the words completion offers besides the reserved ones.
var sqlKeywords = []string{
	"ANALYZE", "COMPRESSION", "COPY", "CREATE", "DATE", "DESCRIBE", "DROP", "EXISTS", "EXPLAIN", "FIRST", "FORMAT",
	"IMPLIED", "DECIMALS", "INTERVAL", "LAST", "NULLIF", "NULLS", "OFFSET", "PERCENT", "POSITION",
	"ROWS", "ROW_GROUP_SIZE", "SAMPLE", "SET", "SHOW", "TABLE", "TABLES", "TIMESTAMP", "TO", "TRIM", "WIDTH", "WITH",
	"DAY", "MONTH", "YEAR", "HOUR", "MINUTE", "SECOND", "WEEK", "QUARTER", "MILLISECOND", "MICROSECOND",
	"SUMMARIZE", "EXCLUDE", "REPLACE", "FILTER", "TRY_CAST",
}

var (
	keywordsOnce sync.Once
	keywordList  []string
	functionList []string
)

func loadWords() {
	keywordsOnce.Do(func() {
		seen := map[string]bool{}
		for _, list := range [][]string{parser.ReservedWords(), sqlKeywords, parser.KnownTypes()} {
			for _, w := range list {
				if !seen[w] {
					seen[w] = true
					keywordList = append(keywordList, w)
				}
			}
		}
		sort.Strings(keywordList)
		fs := map[string]bool{}
		for _, f := range query.FunctionNames() {
			fs[f] = true
		}
		for f := range fs {
			functionList = append(functionList, f)
		}
		sort.Strings(functionList)
	})
}

// Completer completes what is typed in the shell: SQL keywords,
// functions, table names, the columns of the tables the statement names,
// dot commands and their arguments, and file paths inside quotes. It
// implements readline.AutoCompleter.
type Completer struct {
	eng  *query.Engine
	sess *query.Session

	mu      sync.Mutex
	pending string // earlier lines of the statement being typed
	columns map[string]cachedColumns
}

type cachedColumns struct {
	names []string
	at    time.Time
}

// NewCompleter returns a completer over the engine's tables.
func NewCompleter(eng *query.Engine, sess *query.Session) *Completer {
	return &Completer{eng: eng, sess: sess, columns: map[string]cachedColumns{}}
}

// SetPending tells the completer the earlier lines of a statement that
// spans lines (so the tables it names are known).
func (c *Completer) SetPending(text string) {
	c.mu.Lock()
	c.pending = text
	c.mu.Unlock()
}

// Do returns the completions of the word before pos, as suffixes, and the
// length of that word (readline.AutoCompleter).
func (c *Completer) Do(line []rune, pos int) ([][]rune, int) {
	c.mu.Lock()
	pending := c.pending
	c.mu.Unlock()
	before := string(line[:pos])
	words := c.Complete(pending, before, string(line[pos:]))
	if len(words) == 0 {
		return nil, 0
	}
	prefix := []rune(currentWord(before, pending))
	out := make([][]rune, 0, len(words))
	for _, w := range words {
		rw := []rune(w)
		if len(rw) >= len(prefix) {
			out = append(out, rw[len(prefix):])
		}
	}
	return out, len(prefix)
}

// currentWord is the part of before that completion replaces: the path
// typed inside an open quote, a dot command word, or an identifier.
func currentWord(before, pending string) string {
	if q, ok := openQuote(pending + before); ok {
		return q
	}
	if pending == "" && isDot(before) {
		if i := strings.LastIndexAny(before, " \t"); i >= 0 {
			return before[i+1:]
		}
		return strings.TrimLeft(before, " \t")
	}
	i := len(before)
	for i > 0 {
		r := rune(before[i-1])
		if r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || r >= 0x80 {
			i--
			continue
		}
		break
	}
	return before[i:]
}

// openQuote reports whether text ends inside a '...' string, and the
// string's text so far.
func openQuote(text string) (string, bool) {
	in, start := false, 0
	inDouble, inLineComment, inBlock := false, false, false
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case inLineComment:
			if c == '\n' {
				inLineComment = false
			}
		case inBlock:
			if c == '*' && i+1 < len(text) && text[i+1] == '/' {
				inBlock = false
				i++
			}
		case in:
			if c == '\'' {
				in = false
			}
		case inDouble:
			if c == '"' {
				inDouble = false
			}
		case c == '-' && i+1 < len(text) && text[i+1] == '-':
			inLineComment = true
		case c == '/' && i+1 < len(text) && text[i+1] == '*':
			inBlock = true
			i++
		case c == '\'':
			in, start = true, i+1
		case c == '"':
			inDouble = true
		}
	}
	if in {
		return text[start:], true
	}
	return "", false
}

// Complete returns the full words that can replace the word being typed
// at the end of before; pending is the statement's earlier lines and after
// the rest of the current line.
func (c *Completer) Complete(pending, before, after string) []string {
	loadWords()
	if q, ok := openQuote(pending + before); ok {
		return completePath(q)
	}
	if pending == "" && isDot(before) {
		return c.completeDot(before)
	}
	word := currentWord(before, pending)
	stmt := pending + before + after
	prev := previousWord(pending + before[:len(before)-len(word)])
	var cands []string
	tables := c.tableNames()
	switch strings.ToUpper(prev) {
	case "FROM", "JOIN":
		cands = append(tables, query.TableFunctionNames()...)
	case "DESCRIBE", "SUMMARIZE", "TABLE":
		cands = tables
	default:
		named := namedTables(stmt)
		if len(named) == 0 && word != "" && len(tables) <= maxAllTables {
			// Before FROM (SELECT l_ret<Tab>): the columns of every table.
			named = tables
		}
		for _, t := range named {
			cands = append(cands, c.tableColumns(t)...)
		}
		if word == "" {
			// Tab after a blank: the columns (or tables), not every word.
			if len(cands) == 0 {
				cands = tables
			}
			break
		}
		cands = append(cands, functionList...)
		cands = append(cands, tables...)
		upper := unicode.IsUpper([]rune(word)[0])
		for _, k := range keywordList {
			if upper {
				cands = append(cands, k)
			} else {
				cands = append(cands, strings.ToLower(k))
			}
		}
	}
	return matchPrefix(word, cands)
}

// maxAllTables bounds the tables whose columns are offered before the
// statement names one (each is opened once to read its layout).
const maxAllTables = 64

// matchPrefix keeps the candidates that start with word (ignoring case)
// and are longer than it, without duplicates, in order.
func matchPrefix(word string, cands []string) []string {
	lw := strings.ToLower(word)
	seen := map[string]bool{}
	var out []string
	for _, cand := range cands {
		lc := strings.ToLower(cand)
		if len(lc) < len(lw) || !strings.HasPrefix(lc, lw) || seen[lc] {
			continue
		}
		if !strings.HasPrefix(cand, word) {
			// Keep what was typed; complete the rest in the candidate's case.
			cand = word + cand[len(word):]
		}
		seen[lc] = true
		out = append(out, cand)
	}
	if len(out) == 1 && strings.EqualFold(out[0], word) {
		return nil
	}
	return out
}

// previousWord returns the last word of text, ignoring trailing blanks.
func previousWord(text string) string {
	t := strings.TrimRight(text, " \t\n")
	i := strings.LastIndexAny(t, " \t\n(,")
	return t[i+1:]
}

// namedTables finds the tables a statement names after FROM or DESCRIBE:
// names, and quoted paths (returned with their quotes).
func namedTables(stmt string) []string {
	toks := roughTokens(stmt)
	var out []string
	for i := 0; i+1 < len(toks); i++ {
		switch strings.ToUpper(toks[i]) {
		case "FROM", "DESCRIBE", "SUMMARIZE", "JOIN":
			out = append(out, toks[i+1])
		}
	}
	return out
}

// roughTokens splits SQL text into words and quoted strings, enough to
// find table names; comments are skipped.
func roughTokens(s string) []string {
	var out []string
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == '-' && i+1 < len(s) && s[i+1] == '-':
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			j := strings.Index(s[i+2:], "*/")
			if j < 0 {
				return out
			}
			i += j + 4
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(s) && s[j] != c {
				j++
			}
			if j >= len(s) {
				return out
			}
			out = append(out, s[i:j+1])
			i = j + 1
		case c == '_' || unicode.IsLetter(rune(c)) || unicode.IsDigit(rune(c)) || c >= 0x80:
			j := i
			for j < len(s) && (s[j] == '_' || s[j] == '.' || unicode.IsLetter(rune(s[j])) || unicode.IsDigit(rune(s[j])) || s[j] >= 0x80) {
				j++
			}
			out = append(out, s[i:j])
			i = j
		default:
			i++
		}
	}
	return out
}

func (c *Completer) tableNames() []string {
	var out []string
	for _, t := range c.eng.Tables() {
		out = append(out, t.Name)
	}
	return out
}

// tableColumns returns the column names of a table named in a statement
// (a name, 'path' or "name"), cached for a few seconds.
func (c *Completer) tableColumns(ref string) []string {
	key := ref
	c.mu.Lock()
	if cc, ok := c.columns[key]; ok && time.Since(cc.at) < 5*time.Second {
		c.mu.Unlock()
		return cc.names
	}
	c.mu.Unlock()
	var names []string
	if strings.HasPrefix(ref, "'") {
		if t, err := query.OpenTable(strings.Trim(ref, "'"), query.OpenTableOptions{}); err == nil {
			names = t.Schema.Names()
		}
	} else {
		names = c.describeColumns(ref)
	}
	names = append(names, "_rowid")
	c.mu.Lock()
	c.columns[key] = cachedColumns{names: names, at: time.Now()}
	c.mu.Unlock()
	return names
}

func (c *Completer) describeColumns(name string) []string {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	res, err := c.sess.Query(ctx, "DESCRIBE "+name)
	if err != nil {
		return nil
	}
	defer res.Close()
	var out []string
	for res.Next() {
		rec := res.Record()
		for i := 0; i < int(rec.NumRows()); i++ {
			out = append(out, cellText(rec.Column(0), i, ""))
		}
	}
	return out
}

// completeDot completes a dot command or its argument.
func (c *Completer) completeDot(before string) []string {
	t := strings.TrimLeft(before, " \t")
	sp := strings.IndexAny(t, " \t")
	if sp < 0 {
		return matchPrefix(t, DotCommandNames())
	}
	cmd := strings.ToLower(t[1:sp])
	arg := strings.TrimLeft(t[sp:], " \t")
	if strings.ContainsAny(arg, " \t") {
		return nil
	}
	switch cmd {
	case "mode":
		return matchPrefix(arg, ModeNames())
	case "timer", "explain":
		return matchPrefix(arg, []string{"on", "off"})
	case "io":
		return matchPrefix(arg, []string{storage.Auto.String(), storage.Mmap.String(), storage.Direct.String(), storage.Buffered.String()})
	case "schema":
		return matchPrefix(arg, c.tableNames())
	case "read", "output", "once":
		return completePath(arg)
	}
	return nil
}

// completePath lists the files and directories that complete partial;
// directories end in '/'. Hidden files are offered only after a '.'.
func completePath(partial string) []string {
	dir, base := filepath.Split(partial)
	lookIn := dir
	if lookIn == "" {
		lookIn = "."
	}
	if strings.HasPrefix(lookIn, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			lookIn = filepath.Join(home, lookIn[2:])
		}
	}
	ents, err := os.ReadDir(lookIn)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range ents {
		n := e.Name()
		if !strings.HasPrefix(n, base) || (strings.HasPrefix(n, ".") && !strings.HasPrefix(base, ".")) {
			continue
		}
		full := dir + n
		if e.IsDir() {
			full += "/"
		}
		if full == partial {
			continue
		}
		out = append(out, full)
	}
	sort.Strings(out)
	return out
}
