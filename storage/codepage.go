package storage

//go:generate go run codepage_gen.go

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// A CodePage is a single-byte character set, in practice an IBM EBCDIC
// code page. Text fields with a code page are translated byte by byte:
//
//   - a CHAR value decodes to UTF-8; a byte whose character is a control
//     character (EBCDIC 0x00-0x3F, 0xFF and the C1 controls) reads as a
//     space, so it is trimmed like padding, and a byte the page leaves
//     unassigned reads as U+FFFD;
//   - numbers, dates and booleans stored as text are decoded the same way
//     and then read exactly as ASCII text fields are (a character outside
//     ASCII makes the value invalid);
//   - writing encodes each character; one the page cannot represent is an
//     error.
//
// Code pages 037, 1047 and 1140 come from golang.org/x/text's charmap
// package; the others from the generated tables in codepage_tables.go.
type CodePage struct {
	ID   int    // IBM code page number: 37, 273, ..., 1148
	Name string // canonical name: cp037, cp1047

	utf8    [256][4]byte // each byte's character in UTF-8 (controls as a space)
	utf8Len [256]uint8
	encode  map[rune]byte
	space   byte // the byte of ' '
}

// CodePageIDs lists the supported code pages.
var CodePageIDs = []int{37, 273, 277, 278, 280, 284, 285, 297, 500, 871, 875, 1047, 1140, 1141, 1142, 1143, 1144, 1145, 1146, 1147, 1148, 1149}

// charmapPages are the pages golang.org/x/text provides.
var charmapPages = map[int]*charmap.Charmap{37: charmap.CodePage037, 1047: charmap.CodePage1047, 1140: charmap.CodePage1140}

var (
	codePagesOnce sync.Once
	codePages     map[int]*CodePage
)

func loadCodePages() {
	codePages = make(map[int]*CodePage, len(CodePageIDs))
	for _, id := range CodePageIDs {
		var chars [256]rune
		if cm, ok := charmapPages[id]; ok {
			for b := range 256 {
				chars[b] = cm.DecodeByte(byte(b))
			}
		} else {
			rs := []rune(generatedCodePages[id])
			if len(rs) != 256 {
				panic(fmt.Sprintf("storage: code page %d table has %d characters, want 256", id, len(rs)))
			}
			copy(chars[:], rs)
		}
		codePages[id] = newCodePage(id, &chars)
	}
}

func newCodePage(id int, chars *[256]rune) *CodePage {
	cp := &CodePage{ID: id, Name: fmt.Sprintf("cp%03d", id), encode: make(map[rune]byte, 256)}
	for b, r := range chars {
		if r != utf8.RuneError {
			if _, dup := cp.encode[r]; !dup {
				cp.encode[r] = byte(b)
			}
		}
		shown := r
		if unicode.IsControl(r) {
			shown = ' '
		}
		cp.utf8Len[b] = uint8(utf8.EncodeRune(cp.utf8[b][:], shown))
	}
	cp.space = cp.encode[' ']
	return cp
}

// CodePageByID returns a supported code page, or nil.
func CodePageByID(id int) *CodePage {
	codePagesOnce.Do(loadCodePages)
	return codePages[id]
}

// LookupCodePage resolves a code page name as Cobrix's ebcdic_code_page
// option and common usage spell it: cp037, 037, 37, ibm037, ibm-037,
// cp1047, 1148 (any case). "ascii" returns nil, nil: no translation.
func LookupCodePage(name string) (*CodePage, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if n == "ascii" {
		return nil, nil
	}
	for _, prefix := range []string{"cp", "ibm-", "ibm"} {
		if strings.HasPrefix(n, prefix) {
			n = n[len(prefix):]
			break
		}
	}
	if n == "common" {
		n = "37" // Cobrix's default "common" page is code page 037's characters
	}
	id, err := strconv.Atoi(n)
	if err == nil {
		if cp := CodePageByID(id); cp != nil {
			return cp, nil
		}
	}
	names := make([]string, len(CodePageIDs))
	for i, id := range CodePageIDs {
		names[i] = fmt.Sprintf("cp%03d", id)
	}
	return nil, fmt.Errorf("unknown code page %q (supported: %s, or ascii)", name, strings.Join(names, ", "))
}

// AppendUTF8 appends src decoded to UTF-8.
func (cp *CodePage) AppendUTF8(dst, src []byte) []byte {
	for _, b := range src {
		n := cp.utf8Len[b]
		if n == 1 {
			dst = append(dst, cp.utf8[b][0])
		} else {
			dst = append(dst, cp.utf8[b][:n]...)
		}
	}
	return dst
}

// Encode writes s into dst in the code page, padded with the page's
// space; it fails when a character has no code or s is too long.
func (cp *CodePage) Encode(dst []byte, s string) error {
	i := 0
	for _, r := range s {
		b, ok := cp.encode[r]
		if !ok {
			return fmt.Errorf("character %q has no code in %s", r, cp.Name)
		}
		if i == len(dst) {
			return fmt.Errorf("%q is longer than the field's %d bytes in %s", s, len(dst), cp.Name)
		}
		dst[i] = b
		i++
	}
	for ; i < len(dst); i++ {
		dst[i] = cp.space
	}
	return nil
}

// Space is the byte of ' ' in the page.
func (cp *CodePage) Space() byte { return cp.space }
