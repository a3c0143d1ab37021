package copybook

import (
	"strconv"
	"strings"
)

// Usage is how an elementary item's value is stored.
type Usage int

const (
	// Display is characters: text, or zoned decimal digits.
	Display Usage = iota
	// Binary is COMP, COMP-4, COMP-5 and BINARY: a big-endian two's
	// complement integer of 2, 4 or 8 bytes.
	Binary
	// BinaryLE is Cobrix's COMP-9: a little-endian integer of 1, 2, 4 or 8
	// bytes.
	BinaryLE
	// Packed is COMP-3 and PACKED-DECIMAL.
	Packed
	// Float is COMP-1: a 4-byte floating-point number.
	Float
	// Double is COMP-2: an 8-byte floating-point number.
	Double
)

var usageNames = map[string]Usage{
	"DISPLAY": Display,
	"COMP":    Binary, "COMPUTATIONAL": Binary, "COMP-4": Binary, "COMPUTATIONAL-4": Binary,
	"COMP-5": Binary, "COMPUTATIONAL-5": Binary, "BINARY": Binary,
	"COMP-9": BinaryLE, "COMPUTATIONAL-9": BinaryLE,
	"COMP-3": Packed, "COMPUTATIONAL-3": Packed, "PACKED-DECIMAL": Packed,
	"COMP-1": Float, "COMPUTATIONAL-1": Float,
	"COMP-2": Double, "COMPUTATIONAL-2": Double,
}

func (u Usage) String() string {
	return [...]string{"DISPLAY", "COMP", "COMP-9", "COMP-3", "COMP-1", "COMP-2"}[u]
}

// Condition is an 88-level condition name, kept as documentation.
type Condition struct {
	Name   string
	Values string // the VALUE clause as written
	Line   int
}

// Item is a data description entry (levels 01-49 and 77).
type Item struct {
	Level     int
	Name      string // "FILLER" for an unnamed item
	Line, Col int
	Pic       *Picture // nil for a group or a COMP-1/COMP-2 item
	Usage     Usage
	usageSet  bool
	// SignLeading, SignSeparate: the SIGN clause (SignSet when given).
	SignSet, SignLeading, SignSeparate bool
	// Occurs is the OCCURS count (0: not repeated); DependingOn names the
	// count field of OCCURS ... DEPENDING ON.
	Occurs      int
	DependingOn string
	// MinOccurs is m of OCCURS m TO n (0 when not given).
	MinOccurs int
	// Redefines names the item this one redefines.
	Redefines  string
	Sync       bool
	Conditions []Condition
	Children   []*Item
	Parent     *Item
	// Offset is the item's byte offset in the record; Size its bytes (one
	// occurrence; the whole array is Size*Occurs).
	Offset, Size int
}

// IsGroup reports whether the item has subordinate items.
func (it *Item) IsGroup() bool { return len(it.Children) > 0 }

// IsFiller reports whether the item is FILLER (or unnamed).
func (it *Item) IsFiller() bool { return strings.EqualFold(it.Name, "FILLER") }

// span is the bytes the item takes, all occurrences together.
func (it *Item) span() int {
	if it.Occurs > 0 {
		return it.Size * it.Occurs
	}
	return it.Size
}

// Rename is a 66-level RENAMES entry: another name for the bytes from one
// item through another.
type Rename struct {
	Name       string
	From, Thru string
	Line, Col  int
	// Offset and Size are the bytes renamed.
	Offset, Size int
}

// Copybook is a parsed copybook: its records (01-level items, or a
// record made of the top-level items when there is no 01) and its 66
// entries.
type Copybook struct {
	Records []*Item
	Renames []*Rename
}

// Options control parsing.
type Options struct {
	Format Format
}

// Parse reads a copybook's text.
func Parse(src string, opts Options) (*Copybook, error) {
	text, err := sourceText(src, opts.Format)
	if err != nil {
		return nil, err
	}
	toks, err := lex(text)
	if err != nil {
		return nil, err
	}
	p := &cbParser{toks: toks}
	cb, err := p.parse()
	if err != nil {
		return nil, err
	}
	if err := cb.resolve(); err != nil {
		return nil, err
	}
	return cb, nil
}

type cbParser struct {
	toks []token
	pos  int
}

func (p *cbParser) peek() token { return p.toks[p.pos] }

func (p *cbParser) next() token {
	t := p.toks[p.pos]
	if t.kind != tEOF {
		p.pos++
	}
	return t
}

// level parses a level number token.
func levelOf(t token) (int, bool) {
	if t.kind != tWord || len(t.text) > 2 {
		return 0, false
	}
	n, err := strconv.Atoi(t.text)
	return n, err == nil
}

func (p *cbParser) parse() (*Copybook, error) {
	cb := &Copybook{}
	var stack []*Item // the open items, by increasing level
	var last *Item    // the last data item, the owner of 88 entries
	var implicit *Item
	for p.peek().kind != tEOF {
		t := p.next()
		lvl, ok := levelOf(t)
		if !ok {
			return nil, errAt(t.line, t.col, "expected a level number (01-49, 66, 77 or 88) to start an entry, found %q (did the entry before miss its period?)", t.text)
		}
		switch {
		case lvl == 88:
			c, err := p.condition(t)
			if err != nil {
				return nil, err
			}
			if last == nil {
				return nil, errAt(t.line, t.col, "an 88 condition name must follow the data item it tests")
			}
			last.Conditions = append(last.Conditions, c)
			continue
		case lvl == 66:
			r, err := p.renames(t)
			if err != nil {
				return nil, err
			}
			cb.Renames = append(cb.Renames, r)
			continue
		case lvl == 77:
			lvl = 1
		case lvl < 1 || lvl > 49:
			return nil, errAt(t.line, t.col, "level %s is not 01-49, 66, 77 or 88", t.text)
		}
		it, err := p.entry(t, lvl)
		if err != nil {
			return nil, err
		}
		last = it
		for len(stack) > 0 && stack[len(stack)-1].Level >= lvl {
			stack = stack[:len(stack)-1]
		}
		switch {
		case len(stack) > 0:
			parent := stack[len(stack)-1]
			if parent.Pic != nil || parent.Usage == Float || parent.Usage == Double {
				return nil, errAt(it.Line, it.Col, "%s (level %02d) is inside %s, which has a %s and so cannot be a group", it.Name, lvl, parent.Name, describeElementary(parent))
			}
			it.Parent = parent
			parent.Children = append(parent.Children, it)
		case lvl == 1:
			cb.Records = append(cb.Records, it)
			implicit = nil
		default:
			// Top-level items below 01 with no 01 above: the fields of an
			// implicit record.
			if implicit == nil {
				implicit = &Item{Level: 0, Name: "RECORD", Line: it.Line, Col: it.Col}
				cb.Records = append(cb.Records, implicit)
			}
			it.Parent = implicit
			implicit.Children = append(implicit.Children, it)
		}
		stack = append(stack, it)
	}
	if len(cb.Records) == 0 {
		return nil, errAt(1, 1, "the copybook has no data items (01-49)")
	}
	return cb, nil
}

func describeElementary(it *Item) string {
	if it.Pic != nil {
		return it.Pic.String()
	}
	return it.Usage.String()
}

// name reads the optional data name after a level number.
func (p *cbParser) name() string {
	t := p.peek()
	if t.kind == tWord && !isClauseWord(t) {
		p.next()
		return strings.ToUpper(t.text)
	}
	return "FILLER"
}

// isClauseWord reports whether t starts a clause rather than naming an item.
func isClauseWord(t token) bool {
	if _, ok := usageNames[t.upper()]; ok {
		return true
	}
	return t.is("PIC", "PICTURE", "USAGE", "REDEFINES", "OCCURS", "SIGN", "LEADING", "TRAILING", "SYNC", "SYNCHRONIZED",
		"VALUE", "VALUES", "JUST", "JUSTIFIED", "BLANK", "EXTERNAL", "GLOBAL", "INDEX", "POINTER", "RENAMES")
}

// entry parses a data description entry after its level number.
func (p *cbParser) entry(lt token, lvl int) (*Item, error) {
	it := &Item{Level: lvl, Line: lt.line, Col: lt.col}
	it.Name = p.name()
	for {
		t := p.next()
		switch {
		case t.kind == tPeriod:
			return it, nil
		case t.kind == tEOF:
			return nil, errAt(t.line, t.col, "the entry for %s (line %d) has no period at its end", it.Name, it.Line)
		case t.is("PIC", "PICTURE"):
			if p.peek().is("IS") {
				p.next()
			}
			pt := p.next()
			if pt.kind != tWord {
				return nil, errAt(pt.line, pt.col, "expected a picture string after PIC, as in PIC X(10) or PIC S9(7)V99")
			}
			if it.Pic != nil {
				return nil, errAt(t.line, t.col, "%s has two PIC clauses", it.Name)
			}
			pic, err := parsePicture(pt.text, pt.line, pt.col)
			if err != nil {
				return nil, err
			}
			it.Pic = pic
		case t.is("USAGE"):
			if p.peek().is("IS") {
				p.next()
			}
			u := p.next()
			if err := p.setUsage(it, u); err != nil {
				return nil, err
			}
		case t.kind == tWord && usageNames[t.upper()] != Display || t.is("DISPLAY"):
			if err := p.setUsage(it, t); err != nil {
				return nil, err
			}
		case t.is("INDEX", "POINTER", "PROCEDURE-POINTER", "FUNCTION-POINTER"):
			return nil, errAt(t.line, t.col, "USAGE %s is not supported: it has no portable layout in a data file", t.upper())
		case t.is("REDEFINES"):
			n := p.next()
			if n.kind != tWord {
				return nil, errAt(n.line, n.col, "expected the name of the redefined item after REDEFINES")
			}
			it.Redefines = strings.ToUpper(n.text)
		case t.is("SIGN", "LEADING", "TRAILING"):
			if t.is("SIGN") {
				if p.peek().is("IS") {
					p.next()
				}
				t = p.next()
			}
			if !t.is("LEADING", "TRAILING") {
				return nil, errAt(t.line, t.col, "expected LEADING or TRAILING in the SIGN clause, as in SIGN LEADING SEPARATE")
			}
			it.SignSet, it.SignLeading = true, t.is("LEADING")
			if p.peek().is("SEPARATE") {
				p.next()
				it.SignSeparate = true
				if p.peek().is("CHARACTER") {
					p.next()
				}
			}
		case t.is("OCCURS"):
			if err := p.occurs(it, t); err != nil {
				return nil, err
			}
		case t.is("SYNC", "SYNCHRONIZED"):
			it.Sync = true
			if p.peek().is("LEFT", "RIGHT") {
				p.next()
			}
		case t.is("JUST", "JUSTIFIED"):
			if p.peek().is("RIGHT") {
				p.next()
			}
		case t.is("BLANK"):
			if p.peek().is("WHEN") {
				p.next()
			}
			if z := p.next(); !z.is("ZERO", "ZEROS", "ZEROES") {
				return nil, errAt(z.line, z.col, "expected ZERO after BLANK WHEN")
			}
		case t.is("EXTERNAL", "GLOBAL"):
		case t.is("VALUE", "VALUES"):
			p.skipValues()
		default:
			if _, ok := levelOf(t); ok {
				return nil, errAt(t.line, t.col, "the entry for %s (line %d) has no period before the level number %s that starts the next entry", it.Name, it.Line, t.text)
			}
			return nil, errAt(t.line, t.col, "unexpected %q in the entry for %s: expected PIC, USAGE, OCCURS, REDEFINES, SIGN, SYNC, VALUE or the period that ends the entry", tokText(t), it.Name)
		}
	}
}

func tokText(t token) string {
	if t.kind == tLiteral {
		return "'" + t.text + "'"
	}
	return t.text
}

func (p *cbParser) setUsage(it *Item, u token) error {
	us, ok := usageNames[u.upper()]
	if !ok || u.kind != tWord {
		if u.is("INDEX", "POINTER") {
			return errAt(u.line, u.col, "USAGE %s is not supported: it has no portable layout in a data file", u.upper())
		}
		return errAt(u.line, u.col, "%q is not a USAGE recq reads (DISPLAY, COMP, COMP-1, COMP-2, COMP-3, COMP-4, COMP-5, COMP-9, BINARY, PACKED-DECIMAL)", tokText(u))
	}
	if it.usageSet && it.Usage != us {
		return errAt(u.line, u.col, "%s has two different USAGE clauses", it.Name)
	}
	it.Usage, it.usageSet = us, true
	return nil
}

// maxOccurs bounds an OCCURS count (and keeps sizes far from overflow).
const maxOccurs = 1 << 20

// occurs parses OCCURS n [TO m] [TIMES] [DEPENDING ON x] [ASCENDING|
// DESCENDING KEY IS names] [INDEXED BY names].
func (p *cbParser) occurs(it *Item, t token) error {
	n := p.next()
	count, err := strconv.Atoi(n.text)
	if n.kind != tWord || err != nil || count < 0 {
		return errAt(n.line, n.col, "expected a count after OCCURS, as in OCCURS 12 TIMES")
	}
	if it.Occurs > 0 {
		return errAt(t.line, t.col, "%s has two OCCURS clauses", it.Name)
	}
	if p.peek().is("TO") {
		p.next()
		m := p.next()
		hi, err := strconv.Atoi(m.text)
		if m.kind != tWord || err != nil || hi < count {
			return errAt(m.line, m.col, "expected the largest count after OCCURS %d TO", count)
		}
		it.MinOccurs, count = count, hi
	}
	if count < 1 || count > maxOccurs {
		return errAt(n.line, n.col, "OCCURS needs a count from 1 to %d", maxOccurs)
	}
	it.Occurs = count
	if p.peek().is("TIMES") {
		p.next()
	}
	for {
		switch k := p.peek(); {
		case k.is("DEPENDING"):
			p.next()
			if p.peek().is("ON") {
				p.next()
			}
			d := p.next()
			if d.kind != tWord {
				return errAt(d.line, d.col, "expected the name of the count field after DEPENDING ON")
			}
			it.DependingOn = strings.ToUpper(d.text)
		case k.is("ASCENDING", "DESCENDING", "INDEXED"):
			p.next()
			for p.peek().is("KEY", "IS", "BY") {
				p.next()
			}
			for p.peek().kind == tWord && !isClauseWord(p.peek()) && !p.peek().is("ASCENDING", "DESCENDING", "INDEXED", "DEPENDING") {
				p.next()
			}
		default:
			return nil
		}
	}
}

// skipValues skips the literals of a VALUE clause (VALUE is ignored).
func (p *cbParser) skipValues() string {
	var parts []string
	if p.peek().is("IS", "ARE") {
		p.next()
	}
	for {
		t := p.peek()
		if t.kind == tPeriod || t.kind == tEOF || (t.kind == tWord && isClauseWord(t)) {
			return strings.Join(parts, " ")
		}
		p.next()
		parts = append(parts, tokText(t))
	}
}

// condition parses an 88 entry after its level number.
func (p *cbParser) condition(lt token) (Condition, error) {
	n := p.next()
	if n.kind != tWord {
		return Condition{}, errAt(n.line, n.col, "expected a condition name after 88")
	}
	c := Condition{Name: strings.ToUpper(n.text), Line: lt.line}
	if v := p.next(); !v.is("VALUE", "VALUES") {
		return c, errAt(v.line, v.col, "expected VALUE after the condition name %s", c.Name)
	}
	c.Values = p.skipValues()
	if t := p.next(); t.kind != tPeriod {
		return c, errAt(t.line, t.col, "expected the period that ends the 88 entry %s", c.Name)
	}
	return c, nil
}

// renames parses a 66 entry after its level number.
func (p *cbParser) renames(lt token) (*Rename, error) {
	n := p.next()
	if n.kind != tWord {
		return nil, errAt(n.line, n.col, "expected a name after 66")
	}
	r := &Rename{Name: strings.ToUpper(n.text), Line: lt.line, Col: lt.col}
	if k := p.next(); !k.is("RENAMES") {
		return nil, errAt(k.line, k.col, "expected RENAMES after 66 %s", r.Name)
	}
	f := p.next()
	if f.kind != tWord {
		return nil, errAt(f.line, f.col, "expected the first renamed item after RENAMES")
	}
	r.From = strings.ToUpper(f.text)
	if p.peek().is("THRU", "THROUGH") {
		p.next()
		e := p.next()
		if e.kind != tWord {
			return nil, errAt(e.line, e.col, "expected the last renamed item after THRU")
		}
		r.Thru = strings.ToUpper(e.text)
	}
	if t := p.next(); t.kind != tPeriod {
		return nil, errAt(t.line, t.col, "expected the period that ends the 66 entry %s", r.Name)
	}
	return r, nil
}
