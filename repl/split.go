package repl

import (
	"strings"
)

// piece is one unit of input: a SQL statement (ending at its ';', or at
// the end of the input) or a dot command line.
type piece struct {
	// Text is the statement's text. It starts at the beginning of the
	// statement's first line: text before the statement on that line is
	// blanked, so columns in error messages match the input.
	Text string
	// Line is the input line the text starts on (1-based).
	Line int
	// Dot marks a dot command (Text is the line without its newline).
	Dot bool
	// Prefix is the text before the statement on its first line, as typed
	// (Text holds it blanked).
	Prefix string
}

// splitter cuts input lines into statements at each ';' that is outside
// quotes and comments, and recognises dot commands: a line whose first
// non-blank character is '.', when no statement is pending.
type splitter struct {
	buf       strings.Builder // the pending statement's lines
	prefix    string          // the text before it on its first line
	line      int             // number of the last line fed
	startLine int             // first line of the pending statement
	content   bool            // the pending text has more than blanks and comments
	inSingle  bool            // inside '...'
	inDouble  bool            // inside "..."
	inBlock   bool            // inside /* ... */
}

// pending reports whether a statement has started and is not finished.
func (s *splitter) pending() bool { return s.buf.Len() > 0 }

// reset drops the pending statement.
func (s *splitter) reset() {
	s.buf.Reset()
	s.content, s.inSingle, s.inDouble, s.inBlock = false, false, false, false
}

// blank replaces every character but tabs with a space.
func blank(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r == '\t' {
			b.WriteByte('\t')
		} else {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// isDot reports whether line is a dot command.
func isDot(line string) bool {
	t := strings.TrimLeft(line, " \t")
	return len(t) > 1 && t[0] == '.' && t[1] != '.' && (t[1] < '0' || t[1] > '9')
}

// feed adds one line (without its newline) and returns the statements and
// dot commands it completes, in order.
func (s *splitter) feed(line string) []piece {
	s.line++
	line = strings.TrimSuffix(line, "\r")
	if !s.pending() && isDot(line) {
		return []piece{{Text: strings.TrimSpace(line), Line: s.line, Dot: true}}
	}
	var out []piece
	seg := 0 // where the current statement's text starts on this line
	add := func(end int) {
		if s.buf.Len() == 0 {
			s.startLine = s.line
			s.prefix = line[:seg]
			s.buf.WriteString(blank(s.prefix))
		}
		s.buf.WriteString(line[seg:end])
	}
	i := 0
	for i < len(line) {
		c := line[i]
		switch {
		case s.inBlock:
			if c == '*' && i+1 < len(line) && line[i+1] == '/' {
				s.inBlock = false
				i++
			}
		case s.inSingle:
			if c == '\'' {
				if i+1 < len(line) && line[i+1] == '\'' {
					i++
				} else {
					s.inSingle = false
				}
			}
		case s.inDouble:
			if c == '"' {
				if i+1 < len(line) && line[i+1] == '"' {
					i++
				} else {
					s.inDouble = false
				}
			}
		case c == '-' && i+1 < len(line) && line[i+1] == '-':
			i = len(line) // the rest is a comment
			continue
		case c == '/' && i+1 < len(line) && line[i+1] == '*':
			s.inBlock = true
			i++
		case c == '\'':
			s.inSingle, s.content = true, true
		case c == '"':
			s.inDouble, s.content = true, true
		case c == ';':
			if s.content {
				add(i + 1)
				out = append(out, piece{Text: s.buf.String(), Line: s.startLine, Prefix: s.prefix})
			}
			s.buf.Reset()
			s.content = false
			seg = i + 1
		case c != ' ' && c != '\t':
			s.content = true
		}
		i++
	}
	if s.content || s.inBlock || s.buf.Len() > 0 {
		add(len(line))
		s.buf.WriteByte('\n')
		if !s.content && !s.inBlock {
			// Only comments so far: nothing is pending.
			s.buf.Reset()
		}
	}
	return out
}

// finish returns the pending statement at the end of the input (a last
// statement without ';'), if it holds more than comments.
func (s *splitter) finish() (piece, bool) {
	defer s.reset()
	if !s.content {
		return piece{}, false
	}
	return piece{Text: strings.TrimRight(s.buf.String(), "\n"), Line: s.startLine, Prefix: s.prefix}, true
}

// oneLine joins the lines of a statement into one line for the history
// file, dropping -- comments (which would swallow the lines after them).
func oneLine(text string) string {
	var parts []string
	inSingle, inDouble, inBlock := false, false, false
	for _, line := range strings.Split(text, "\n") {
		end := len(line)
	scan:
		for i := 0; i < len(line); i++ {
			c := line[i]
			switch {
			case inBlock:
				if c == '*' && i+1 < len(line) && line[i+1] == '/' {
					inBlock = false
					i++
				}
			case inSingle:
				if c == '\'' {
					inSingle = false
				}
			case inDouble:
				if c == '"' {
					inDouble = false
				}
			case c == '-' && i+1 < len(line) && line[i+1] == '-':
				end = i
				break scan
			case c == '/' && i+1 < len(line) && line[i+1] == '*':
				inBlock = true
				i++
			case c == '\'':
				inSingle = true
			case c == '"':
				inDouble = true
			}
		}
		if p := strings.TrimSpace(line[:end]); p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " ")
}
