package storage

import (
	"slices"
	"strings"
	"testing"
)

func segSchema(t testing.TB, codePage int) *Schema {
	t.Helper()
	s, err := NewSchema([]Field{
		{Name: "kind", Type: Type{Kind: Char, Length: 2}, Offset: 0, Width: 2, Encoding: Text, CodePage: codePage},
		{Name: "amount", Type: Type{Kind: Int32}, Offset: 2, Width: 4, Encoding: Text, CodePage: codePage},
		{Name: "name", Type: Type{Kind: Char, Length: 4}, Offset: 6, Width: 4, Encoding: Text, CodePage: codePage},
		{Name: "item_name", Type: Type{Kind: Char, Length: 4}, Offset: 10, Width: 4, Encoding: Text, CodePage: codePage},
		{Name: "seg_kind", Type: Type{Kind: Char, Length: 1}, Offset: 14, Width: 1, Encoding: Text, CodePage: codePage},
	}, SchemaOptions{DefaultEncoding: Text, NullBitmap: Implicit})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestNewSegments(t *testing.T) {
	s := segSchema(t, 0)
	for _, tc := range []struct {
		o       SegmentOptions
		values  []string
		filter  []int
		parent  []int
		closed  bool
		partial []bool // per field
		err     string
	}{
		{o: SegmentOptions{}},
		{o: SegmentOptions{Field: "KIND", Filter: " 6 ,7,6"}, values: []string{"6", "7"}, filter: []int{0, 1}, parent: []int{-1, -1}, partial: []bool{false, false, false}},
		{o: SegmentOptions{Field: "seg-kind", Filter: "6", IDMap: "ITEM-NAME => 6"}, values: []string{"6"}, filter: []int{0}, parent: []int{-1}, closed: true, partial: []bool{false, false, false, false}},
		{o: SegmentOptions{Field: "kind", Children: "1 => 5, 9; 5 => 6, 8;6=>7"}, values: []string{"1", "5", "9", "6", "8", "7"},
			parent: []int{-1, 0, 0, 1, 1, 3}, closed: true, partial: []bool{false, false, false}},
		{o: SegmentOptions{Field: "kind", Filter: "6, 5", IDMap: "amount => 6; name => 5, 6"}, values: []string{"6", "5"}, filter: []int{0, 1},
			parent: []int{-1, -1}, closed: true, partial: []bool{false, true, false}},
		{o: SegmentOptions{Field: "kind", Filter: "6", IDMap: "amount => 6; name => 5"}, values: []string{"6", "5"}, filter: []int{0},
			parent: []int{-1, -1}, closed: true, partial: []bool{false, false, true}},
		{o: SegmentOptions{Filter: "6"}, err: "segment_filter: needs segment_field"},
		{o: SegmentOptions{IDMap: "a => 6"}, err: "redefine_segment_id_map: needs segment_field"},
		{o: SegmentOptions{Field: "amount"}, err: "segment_field: amount is INT32; the record type must be a CHAR column"},
		{o: SegmentOptions{Field: "nope"}, err: "segment_field: nope is not a column of the layout (columns: kind, amount, name, item_name, seg_kind)"},
		{o: SegmentOptions{Field: "kind", Filter: " , "}, err: "segment_filter: lists no record type"},
		{o: SegmentOptions{Field: "kind", Filter: "123"}, err: `record type "123" is longer than kind's 2 bytes`},
		{o: SegmentOptions{Field: "kind", Children: "1, 2 => 3"}, err: `"1, 2": name one parent type before =>`},
		{o: SegmentOptions{Field: "kind", Children: "1 => "}, err: `"1 =>" has nothing on one side of =>`},
		{o: SegmentOptions{Field: "kind", Children: ";;"}, err: "segment_children: has no entries"},
		{o: SegmentOptions{Field: "kind", Children: "1 => 2; 3 => 2"}, err: "record type 2 has two parents, 1 and 3"},
		{o: SegmentOptions{Field: "kind", Children: "1 => 2; 2 => 3; 3 => 1"}, err: "form a cycle"},
		{o: SegmentOptions{Field: "kind", IDMap: "kind => 1"}, err: "kind is the record type itself"},
		{o: SegmentOptions{Field: "kind", IDMap: "name => 1; name => 2"}, err: "column name is listed twice"},
	} {
		sg, err := NewSegments(s, tc.o)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%+v: error %v, want %q", tc.o, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%+v: %v", tc.o, err)
			continue
		}
		if tc.values == nil {
			if sg != nil {
				t.Errorf("%+v: segments without segment_field", tc.o)
			}
			continue
		}
		if !slices.Equal(sg.Values, tc.values) || !slices.Equal(sg.Filter, tc.filter) || !slices.Equal(sg.Parent, tc.parent) || sg.Closed != tc.closed {
			t.Errorf("%+v: values %q filter %v parent %v closed %v", tc.o, sg.Values, sg.Filter, sg.Parent, sg.Closed)
		}
		for i, want := range tc.partial {
			if got := sg.Partial(i); got != want {
				t.Errorf("%+v: Partial(%d) = %v", tc.o, i, got)
			}
		}
	}
}

// TestClassify: values match the discriminator's bytes with padding
// trimmed, in ASCII and in EBCDIC.
func TestClassify(t *testing.T) {
	for _, cp := range []int{0, 37, 1047} {
		s := segSchema(t, cp)
		sg, err := NewSegments(s, SegmentOptions{Field: "kind", Children: "H => D; D => x"})
		if err != nil {
			t.Fatal(err)
		}
		enc := func(v string) []byte {
			b := make([]byte, 2)
			if cp == 0 {
				copy(b, v+"  ")
				return b
			}
			if err := CodePageByID(cp).Encode(b, v); err != nil {
				t.Fatal(err)
			}
			return b
		}
		for _, tc := range []struct {
			raw  []byte
			want int
		}{
			{enc("H"), 0}, {enc(" H"), 0}, {enc("D"), 1}, {enc("x"), 2}, {enc("X"), -1}, {enc("HD"), -1}, {enc(""), -1},
			{[]byte{0, 0}, -1}, {enc("H")[:1], 0},
		} {
			if got := sg.Classify(tc.raw); got != tc.want {
				t.Errorf("cp %d: Classify(% x) = %d, want %d", cp, tc.raw, got, tc.want)
			}
		}
	}
}

// FuzzSegmentOptions: any option text is accepted or refused with a
// message naming the option, never a panic; an accepted one classifies
// each of its values as itself and has no parent cycle.
func FuzzSegmentOptions(f *testing.F) {
	f.Add("kind", "6,7", "1 => 5, 9; 5 => 6, 8; 6 => 7", "amount => 6; name => 5")
	f.Add("kind", "", "a=>b;b=>c", "")
	f.Add("name", "ab", "", "kind, amount => ab, cd")
	s := segSchema(f, 0)
	f.Fuzz(func(t *testing.T, field, filter, children, idmap string) {
		sg, err := NewSegments(s, SegmentOptions{field, filter, children, idmap})
		if err != nil {
			if _, ok := err.(*SegmentOptionError); !ok {
				t.Fatalf("error %v (%T) does not name its option", err, err)
			}
			return
		}
		if sg == nil {
			return
		}
		w := s.Fields[sg.Field].Width
		for i, v := range sg.Values {
			raw := []byte(strings.Repeat(" ", w))
			copy(raw, v)
			if got := sg.Classify(raw); got != i {
				t.Fatalf("value %q classifies as %d, want %d", v, got, i)
			}
			for p, n := sg.Parent[i], 0; p >= 0; p, n = sg.Parent[p], n+1 {
				if n > len(sg.Values) {
					t.Fatalf("parent cycle through %q", v)
				}
			}
		}
	})
}
