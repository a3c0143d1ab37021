package gen

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/recq/recq/storage"
)

func TestLineitemDistributions(t *testing.T) {
	var n int64 = 20000
	seen := map[string]bool{}
	err := lineitem.Rows(1, n, func(i int64, v []any) error {
		qty := v[4].(storage.DecimalValue).Unscaled
		disc := v[6].(storage.DecimalValue).Unscaled
		tax := v[7].(storage.DecimalValue).Unscaled
		ship, commit, receipt := v[10].(storage.DateValue), v[11].(storage.DateValue), v[12].(storage.DateValue)
		if qty < 100 || qty > 5000 || disc < 0 || disc > 10 || tax < 0 || tax > 8 {
			t.Fatalf("row %d out of range: qty %d disc %d tax %d", i, qty, disc, tax)
		}
		if receipt <= ship || ship.String() < "1992-01-02" || ship.String() > "1998-12-01" || commit.String() < "1992-01-31" {
			t.Fatalf("row %d dates %s %s %s", i, ship, commit, receipt)
		}
		if ln := v[3].(int64); ln < 1 || ln > 7 {
			t.Fatalf("row %d line number %d", i, ln)
		}
		seen[v[8].(string)+v[9].(string)] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"RF", "AF", "NO", "NF"} {
		if !seen[k] {
			t.Errorf("return flag / line status %s never generated (saw %v)", k, seen)
		}
	}
}

func TestDeterministicAndReadable(t *testing.T) {
	dir := t.TempDir()
	for _, tab := range []*Table{lineitem, sensors} {
		a, b := filepath.Join(dir, tab.Name+"a.rec"), filepath.Join(dir, tab.Name+"b.rec")
		if err := tab.Write(a, 3000, 7); err != nil {
			t.Fatal(err)
		}
		if err := tab.Write(b, 3000, 7); err != nil {
			t.Fatal(err)
		}
		da, _ := os.ReadFile(a)
		db, _ := os.ReadFile(b)
		if !bytes.Equal(da, db) {
			t.Fatalf("%s: same seed, different bytes", tab.Name)
		}
		rt, err := storage.Open(a, storage.OpenOptions{})
		if err != nil || rt.Layout.Count != 3000 || rt.Schema.NumFields() != len(tab.fields) {
			t.Fatalf("%s: %v", tab.Name, err)
		}
		txt := filepath.Join(dir, tab.Name+".txt")
		if err := tab.WriteText(txt, 3000, 7); err != nil {
			t.Fatal(err)
		}
		tt, err := storage.OpenRaw(txt, tab.TextSchema(), storage.RawOptions{Text: true})
		if err != nil || tt.Layout.Count != 3000 {
			t.Fatalf("%s text: %v", tab.Name, err)
		}
		// Every value reads back the same from both files.
		fr, _ := os.Open(a)
		ft, _ := os.Open(txt)
		for _, i := range []int64{0, 1, 2, 1234, 2999} {
			r1, _ := rt.Record(fr, i)
			r2, _ := tt.Record(ft, i)
			for k := range tab.fields {
				v1, err1 := rt.Schema.DecodeField(r1, k)
				v2, err2 := tt.Schema.DecodeField(r2, k)
				if err1 != nil || err2 != nil {
					t.Fatalf("%s row %d col %d: %v %v", tab.Name, i, k, err1, err2)
				}
				if f, ok := v1.(float64); ok && tab.fields[k].Type.Kind == storage.Float32 {
					v1 = float64(float32(f))
					if g, ok := v2.(float64); ok {
						v2 = float64(float32(g))
					}
				}
				if v1 != v2 && !(v1 == "" && v2 == "") {
					t.Errorf("%s row %d col %s: rec %#v text %#v", tab.Name, i, tab.fields[k].Name, v1, v2)
				}
			}
		}
		fr.Close()
		ft.Close()
	}
}

func BenchmarkGenLineitem(b *testing.B) {
	path := filepath.Join(b.TempDir(), "li.rec")
	const rows = 200000
	b.SetBytes(rows * int64(lineitem.Schema().RecordLen))
	for i := 0; i < b.N; i++ {
		if err := lineitem.Write(path, rows, uint64(i)); err != nil {
			b.Fatal(err)
		}
	}
}

// TestEBCDICRoundTrip: every generated value reads back from the EBCDIC
// form as generated (FLOAT32 to IBM COMP-1's 21 bits at least).
func TestEBCDICRoundTrip(t *testing.T) {
	for _, name := range []string{"sensors", "lineitem"} {
		g, _ := Lookup(name)
		path := filepath.Join(t.TempDir(), name+".ebc")
		if err := g.WriteEBCDIC(path, 2000, 7); err != nil {
			t.Fatal(err)
		}
		s := g.EBCDICSchema()
		tab, err := storage.OpenRaw(path, s, storage.RawOptions{})
		if err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		err = g.Rows(7, 2000, func(i int64, vals []any) error {
			rec, err := tab.Record(f, i)
			if err != nil {
				return err
			}
			for k, want := range vals {
				got, err := s.DecodeField(rec, k)
				if err != nil {
					return fmt.Errorf("row %d field %s: %v", i, s.Fields[k].Name, err)
				}
				if w, ok := want.(float64); ok && s.Fields[k].Type.Kind == storage.Float32 {
					if g, ok := got.(float64); !ok || math.Abs(g-w) > math.Abs(w)/(1<<20) {
						return fmt.Errorf("row %d field %s: %v, want %v", i, s.Fields[k].Name, got, want)
					}
					continue
				}
				if got != want {
					return fmt.Errorf("row %d field %s: %v (%T), want %v (%T)", i, s.Fields[k].Name, got, got, want, want)
				}
			}
			return nil
		})
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
}
