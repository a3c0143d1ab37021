package scan

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/recq/recq/storage"
)

// mainframeTable writes a small EBCDIC file with zoned, packed, IBM float
// and EBCDIC text fields (with blanks, and bad values in the ON ERROR NULL
// field) and opens it.
func mainframeTable(t *testing.T) *storage.Table {
	fields := []storage.Field{
		{Name: "id", Type: storage.TInt32, Encoding: storage.Zoned, CodePage: 37, Width: 7, Unsigned: true},
		{Name: "amt", Type: storage.TDecimal(9, 2), Encoding: storage.Packed, Implied: 2, Nullable: true},
		{Name: "qty", Type: storage.TDecimal(5, 1), Encoding: storage.Zoned, Implied: 1, CodePage: 37, Sign: storage.SignLeadingSeparate, Nullable: true},
		{Name: "code", Type: storage.TChar(4), Encoding: storage.Text, CodePage: 273, NullIf: []string{"----"}},
		{Name: "rate", Type: storage.TFloat64, Encoding: storage.IBMFloat, Nullable: true},
		{Name: "lax", Type: storage.TInt16, Encoding: storage.Zoned, Width: 3, InvalidAsNull: true},
		{Name: "big", Type: storage.TUint64, Encoding: storage.Packed, Width: 10, Unsigned: true},
	}
	for i := range fields {
		fields[i].Offset = storage.Implicit
	}
	s, err := storage.NewSchema(fields, storage.SchemaOptions{NullBitmap: storage.NoNullBitmap})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(9, 9))
	codes := []string{"ÄBC", "abc", "Züri", "----", "x"}
	var data []byte
	rec := make([]byte, s.RecordLen)
	for i := range 3000 {
		vals := []any{int64(i), storage.DecimalValue{Unscaled: r.Int64N(2000) - 1000, Scale: 2},
			storage.DecimalValue{Unscaled: r.Int64N(200) - 100, Scale: 1}, codes[r.IntN(len(codes))],
			float64(r.IntN(100)) / 8, int64(r.IntN(999)), r.Uint64N(1 << 60)}
		if i%7 == 0 {
			vals[1], vals[2], vals[4] = nil, nil, nil
		}
		for k, v := range vals {
			if err := s.EncodeField(rec, k, v); err != nil {
				t.Fatalf("record %d field %s = %v: %v", i, fields[k].Name, v, err)
			}
		}
		if i%11 == 0 {
			copy(rec[s.Fields[5].Offset:], "1x3") // not a number: NULL
		}
		data = append(data, rec...)
	}
	path := filepath.Join(t.TempDir(), "mf.ebc")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	tab, err := storage.OpenRaw(path, s, storage.RawOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// TestMainframePredicates: predicates on zoned, packed, IBM float and
// EBCDIC fields, evaluated on the raw records, select exactly what
// decoding every record and comparing selects.
func TestMainframePredicates(t *testing.T) {
	tab := mainframeTable(t)
	dec := func(u int64, s int) storage.DecimalValue { return storage.DecimalValue{Unscaled: u, Scale: s} }
	unscaled := func(v any) (int64, bool) {
		d, ok := v.(storage.DecimalValue)
		return d.Unscaled, ok
	}
	cases := []struct {
		pred  Predicate
		match func(v []any) bool
	}{
		{Predicate{Field: 0, Op: OpLt, Values: []any{int64(100)}}, func(v []any) bool { return v[0].(int64) < 100 }},
		{Predicate{Field: 1, Op: OpGt, Values: []any{dec(250, 2)}}, func(v []any) bool { x, ok := unscaled(v[1]); return ok && x > 250 }},
		{Predicate{Field: 1, Op: OpEq, Values: []any{dec(-5, 2)}}, func(v []any) bool { x, ok := unscaled(v[1]); return ok && x == -5 }},
		{Predicate{Field: 1, Op: OpBetween, Values: []any{dec(-100, 2), dec(100, 2)}}, func(v []any) bool { x, ok := unscaled(v[1]); return ok && x >= -100 && x <= 100 }},
		{Predicate{Field: 1, Op: OpIsNull}, func(v []any) bool { return v[1] == nil }},
		{Predicate{Field: 2, Op: OpIn, Values: []any{dec(-15, 1), dec(0, 1), dec(33, 1)}}, func(v []any) bool {
			x, ok := unscaled(v[2])
			return ok && (x == -15 || x == 0 || x == 33)
		}},
		{Predicate{Field: 2, Op: OpLe, Values: []any{2.55}}, func(v []any) bool { x, ok := unscaled(v[2]); return ok && x <= 25 }},
		{Predicate{Field: 3, Op: OpEq, Values: []any{"ÄBC"}}, func(v []any) bool { return v[3] == "ÄBC" }},
		{Predicate{Field: 3, Op: OpPrefix, Values: []any{"Zü"}}, func(v []any) bool { s, ok := v[3].(string); return ok && strings.HasPrefix(s, "Zü") }},
		{Predicate{Field: 3, Op: OpLike, Values: []any{"%B_"}}, func(v []any) bool {
			s, ok := v[3].(string)
			r := []rune(s)
			return ok && len(r) >= 2 && r[len(r)-2] == 'B'
		}},
		{Predicate{Field: 3, Op: OpNotLike, Values: []any{"%ü%"}}, func(v []any) bool { s, ok := v[3].(string); return ok && !strings.Contains(s, "ü") }},
		{Predicate{Field: 3, Op: OpIsNull}, func(v []any) bool { return v[3] == nil }},
		{Predicate{Field: 4, Op: OpGe, Values: []any{6.5}}, func(v []any) bool { x, ok := v[4].(float64); return ok && x >= 6.5 }},
		{Predicate{Field: 4, Op: OpIsNotNull}, func(v []any) bool { return v[4] != nil }},
		{Predicate{Field: 5, Op: OpGt, Values: []any{int64(500)}}, func(v []any) bool { x, ok := v[5].(int64); return ok && x > 500 }},
		{Predicate{Field: 5, Op: OpIsNull}, func(v []any) bool { return v[5] == nil }},
		{Predicate{Field: 6, Op: OpLt, Values: []any{uint64(1) << 59}}, func(v []any) bool { return v[6].(uint64) < 1<<59 }},
	}
	for i, c := range cases {
		t.Run(fmt.Sprintf("%d_%s", i, c.pred.String(tab.Schema)), func(t *testing.T) {
			want := reference(t, tab, c.match)
			if len(want) == 0 || len(want) == int(tab.Layout.Count) {
				t.Fatalf("the case selects %d of %d records: make it selective", len(want), tab.Layout.Count)
			}
			s, err := New(Spec{Table: tab, RowID: true, Filter: []Predicate{c.pred}, Workers: 2, Columns: allColumns(tab)})
			if err != nil {
				t.Fatal(err)
			}
			if got := rowIDs(t, s); !slices.Equal(got, want) {
				t.Fatalf("%d rows selected, reference %d", len(got), len(want))
			}
		})
	}
}

// TestMainframeDecodeMatchesStorage: the scan's column decoders give the
// values storage.DecodeField gives, NULLs included.
func TestMainframeDecodeMatchesStorage(t *testing.T) {
	tab := mainframeTable(t)
	s, err := New(Spec{Table: tab, Columns: allColumns(tab), Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := collect(t, s)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(tab.Path)
	defer f.Close()
	var wantRows []string
	for i := range tab.Layout.Count {
		rec, err := tab.Record(f, i)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for k := range tab.Schema.Fields {
			v, err := tab.Schema.DecodeField(rec, k)
			if err != nil {
				t.Fatal(err)
			}
			if v == nil {
				want = append(want, "NULL")
			} else {
				want = append(want, fmt.Sprint(v))
			}
		}
		wantRows = append(wantRows, strings.Join(want, "|")+"|")
	}
	slices.Sort(wantRows)
	slices.Sort(rows)
	if !slices.Equal(rows, wantRows) {
		for i := range rows {
			if rows[i] != wantRows[i] {
				t.Fatalf("scan %q, storage %q", rows[i], wantRows[i])
			}
		}
		t.Fatalf("%d rows, want %d", len(rows), len(wantRows))
	}
}
