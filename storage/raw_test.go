package storage

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func textSchema(t *testing.T) *Schema {
	t.Helper()
	s, err := NewSchema([]Field{
		{Name: "id", Type: TChar(3), Offset: Implicit},
		{Name: "qty", Type: TInt32, Offset: Implicit, Width: 4, Nullable: true},
		{Name: "amt", Type: TDecimal(7, 2), Offset: Implicit, Width: 6, Implied: 2, Nullable: true},
	}, SchemaOptions{DefaultEncoding: Text})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "data.txt")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// decodeAll reads every record of tab and renders its values.
func decodeAll(t *testing.T, tab *Table) []string {
	t.Helper()
	f, err := os.Open(tab.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	for i := int64(0); i < tab.Layout.Count; i++ {
		rec, err := tab.Record(f, i)
		if err != nil {
			t.Fatal(err)
		}
		var parts []string
		for j := range tab.Schema.Fields {
			v, err := tab.Schema.DecodeField(rec, j)
			if err != nil {
				t.Fatalf("record %d: %v", i, err)
			}
			parts = append(parts, render(v))
		}
		out = append(out, strings.Join(parts, "|"))
	}
	return out
}

func render(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case string:
		return x
	case int64:
		return string(AppendDecimal(nil, x, 0))
	case DecimalValue:
		return x.String()
	}
	return "?"
}

func TestRawText(t *testing.T) {
	want := []string{"abc|12|123.45", "de|NULL|-0.05", "f|-7|NULL"}
	cases := []struct {
		name    string
		content string
		opts    RawOptions
		want    []string
		err     string
	}{
		{"lf", "abc  12012345\nde      -0005\nf    -7      \n", RawOptions{Text: true}, want, ""},
		{"crlf", "abc  12012345\r\nde      -0005\r\nf    -7      \r\n", RawOptions{Text: true}, want, ""},
		{"no final separator", "abc  12012345\nde      -0005\nf    -7      ", RawOptions{Text: true}, want, ""},
		{"crlf no final", "abc  12012345\r\nde      -0005\r\nf    -7      ", RawOptions{Text: true}, want, ""},
		{"no separators", "abc  12012345de      -0005f    -7      ", RawOptions{Text: true}, want, ""},
		{"no separators, final newline", "abc  12012345de      -0005f    -7      \n", RawOptions{Text: true}, want, ""},
		{"skip lines", "HEADER LINE\nabc  12012345\nde      -0005\nf    -7      \n", RawOptions{Text: true, SkipLines: 1}, want, ""},
		{"skip bytes", "XYabc  12012345\nde      -0005\nf    -7      \n", RawOptions{Text: true, SkipBytes: 2}, want, ""},
		{"short lines padded", "abc  12012345\nde      -0005\nf    -7\n", RawOptions{Text: true, PadShortLines: true}, want, ""},
		{"short last line padded, no final newline", "abc  12012345\nde      -0005\nf    -7", RawOptions{Text: true, PadShortLines: true}, want, ""},
		{"short line error", "abc  12012345\nde      -0005\nf    -7\n", RawOptions{Text: true}, nil, "line 3 is 7 characters long, shorter than the 13-character record"},
		{"short line error after skip", "H\nabc  12012345\nde   \nf    -7      \n", RawOptions{Text: true, SkipLines: 1}, nil, "line 3 is 5 characters long"},
		{"long line", "abc  12012345\nde      -0005XX\nf    -7      \n", RawOptions{Text: true, PadShortLines: true}, nil, "line 2 is 15 characters long, longer"},
		{"mixed endings", "abc  12012345\r\nde      -0005\nf    -7      \r\n", RawOptions{Text: true}, nil, "ends with LF but"},
		{"declared record length", "abc  12012345  \nde      -0005  \nf    -7        \n", RawOptions{Text: true, RecordLen: 15}, want, ""},
		{"empty", "", RawOptions{Text: true}, nil, ""},
		{"skip too many", "abc  12012345\n", RawOptions{Text: true, SkipLines: 3}, nil, "cannot skip 3 lines"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tab, err := OpenRaw(writeFile(t, c.content), textSchema(t), c.opts)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := decodeAll(t, tab)
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

func TestRawBinary(t *testing.T) {
	s, _ := NewSchema([]Field{{Name: "v", Type: TInt32, Offset: Implicit, Encoding: BigEndian}}, SchemaOptions{})
	p := writeFile(t, "\x00\x00\x00\x01\x00\x00\x01\x00\xff\xff\xff\xff")
	tab, err := OpenRaw(p, s, RawOptions{})
	if err != nil || tab.Layout.Count != 3 {
		t.Fatalf("%v count %d", err, tab.Layout.Count)
	}
	p = writeFile(t, "\x00\x00\x00\x01\x00\x00\x01\x00\xff\xff")
	_, err = OpenRaw(p, s, RawOptions{})
	if err == nil || !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "file size 10 bytes is not a whole number of 4-byte records") || !strings.Contains(err.Error(), "2 bytes left over") {
		t.Fatalf("odd size: %v", err)
	}
	tab, err = OpenRaw(p, s, RawOptions{IgnorePartial: true})
	if err != nil || tab.Layout.Count != 2 {
		t.Fatalf("ignore partial: %v", err)
	}
	// Binary records separated by LF, the last without one.
	p = writeFile(t, "\x00\x00\x00\x01\n\x00\x00\x00\x02")
	tab, err = OpenRaw(p, s, RawOptions{Separator: SepLF})
	if err != nil || tab.Layout.Count != 2 || !tab.Layout.LastWithoutSeparator {
		t.Fatalf("lf binary: %v %+v", err, tab.Layout)
	}
}

func TestTextBadDigitsError(t *testing.T) {
	tab, err := OpenRaw(writeFile(t, "abc  12012345\nde    x-0005\n"), textSchema(t), RawOptions{Text: true})
	if err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(tab.Path)
	defer f.Close()
	rec, _ := tab.Record(f, 1)
	_, err = tab.Schema.DecodeField(rec, 1)
	var fe *FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("got %v", err)
	}
	msg := fe.At(tab.Path, 1, tab.Layout.RecordOffset(1)).Error()
	if !strings.Contains(msg, "record 2, byte offset 17, field qty: not a number") {
		t.Fatalf("message %q", msg)
	}
}
