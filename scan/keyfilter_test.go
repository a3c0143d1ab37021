package scan

import (
	"fmt"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"

	"github.com/recq/recq/storage"
	"github.com/recq/recq/storage/gen"
)

func int64Keys(t *testing.T, vals []int64, valid []bool) arrow.Array {
	t.Helper()
	b := array.NewInt64Builder(memory.DefaultAllocator)
	defer b.Release()
	b.AppendValues(vals, valid)
	return b.NewArray()
}

// A key set never answers false for a member; an exact one answers
// exactly, a Bloom filter rarely says yes to a non-member.
func TestKeySet(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for _, tc := range []struct {
		name   string
		n      int
		spread int64
		exact  bool
	}{
		{"small range", 500, 200_000, true},
		{"one key", 1, 10, true},
		{"negative keys", 1000, 5_000_000, true},
		{"sparse: Bloom", 3000, 1 << 40, false},
		{"extremes: Bloom", 2, 0, false},
	} {
		vals := make([]int64, tc.n)
		in := map[int64]bool{}
		for i := range vals {
			vals[i] = r.Int63n(max(tc.spread, 1)) - tc.spread/2
			if tc.spread == 0 {
				vals[i] = []int64{math.MinInt64, math.MaxInt64}[i%2]
			}
			in[vals[i]] = true
		}
		// a NULL, whatever its slot holds, is not a member
		keys := int64Keys(t, append(vals, 12345678901), append(fill(tc.n, true), false))
		defer keys.Release()
		s, ok := NewKeySet([]arrow.Array{keys})
		if !ok || s.exact != tc.exact || s.Len() != tc.n {
			t.Fatalf("%s: ok %v, exact %v, %d values; want exact %v, %d", tc.name, ok, s.exact, s.Len(), tc.exact, tc.n)
		}
		for _, v := range vals {
			if !s.Contains(v) {
				t.Fatalf("%s: member %d not found", tc.name, v)
			}
		}
		if !in[12345678901] && tc.exact && s.Contains(12345678901) {
			t.Errorf("%s: the NULL's slot value is a member", tc.name)
		}
		yes, tries := 0, 100_000
		for i := 0; i < tries; i++ {
			v := r.Int63n(max(tc.spread, 1)) - tc.spread/2
			if tc.spread == 0 {
				v = r.Int63()
			}
			if s.Contains(v) && !in[v] {
				yes++
				if tc.exact {
					t.Fatalf("%s: exact set contains non-member %d", tc.name, v)
				}
			}
		}
		if rate := float64(yes) / float64(tries); rate > 0.1 {
			t.Errorf("%s: false positive rate %.3f", tc.name, rate)
		}
	}
	empty, ok := NewKeySet(nil)
	if !ok || empty.Contains(0) || empty.Contains(math.MinInt64) {
		t.Errorf("an empty set contains something")
	}
	b := array.NewStringBuilder(memory.DefaultAllocator)
	defer b.Release()
	str := b.NewArray()
	defer str.Release()
	if _, ok := NewKeySet([]arrow.Array{str}); ok {
		t.Errorf("a set of strings was built")
	}
}

func fill(n int, v bool) []bool {
	out := make([]bool, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// A scan with a published key filter returns exactly the records of the
// unfiltered scan whose key is in the set (exact sets) or a superset of
// them (Bloom), under several worker counts and batch sizes, through the
// fast 8- and 4-byte loop, the general one (big-endian, nullable) and
// the parsing one (text).
func TestScanKeyFilter(t *testing.T) {
	for _, tc := range []struct {
		table, field string
		sparse       bool // keys spread to force a Bloom filter
		text         bool // the .txt fixture: parsed keys
	}{
		{"lineitem", "l_partkey", false, false},
		{"lineitem", "l_linenumber", false, false},
		{"lineitem", "l_orderkey", true, false},
		{"sensors", "delta", false, false},
		{"lineitem", "l_partkey", false, true},
		{"sensors", "delta", false, true},
	} {
		tab := openRec(t, tc.table)
		if tc.text {
			tab = openText(t, tc.table)
		}
		field := tab.Schema.Lookup(tc.field)
		all, err := New(Spec{Table: tab, Columns: []int{field}, RowID: true})
		if err != nil {
			t.Fatal(err)
		}
		rows, err := collect(t, all)
		if err != nil {
			t.Fatal(err)
		}
		value := func(row string) (int64, bool) {
			s := strings.Split(row, "|")[1]
			v, err := strconv.ParseInt(s, 10, 64)
			return v, err == nil
		}
		// every 7th distinct value is a key
		seen := map[int64]bool{}
		var keys []int64
		for _, row := range rows {
			if v, ok := value(row); ok && !seen[v] {
				seen[v] = true
				if len(seen)%7 == 0 {
					keys = append(keys, v)
				}
			}
		}
		if tc.sparse {
			keys = append(keys, math.MaxInt64/2) // a wide range: Bloom
		}
		in := map[int64]bool{}
		for _, k := range keys {
			in[k] = true
		}
		arr := int64Keys(t, keys, nil)
		for _, cfg := range []struct{ workers, batch int }{{1, 1000}, {2, 77}, {3, 4096}} {
			kf := NewKeyFilter()
			kf.Publish(0, []arrow.Array{arr})
			if kf.Set() == nil || kf.Set().exact == tc.sparse {
				t.Fatalf("%s.%s: set not published or of the wrong kind", tc.table, tc.field)
			}
			s, err := New(Spec{Table: tab, Columns: []int{field}, RowID: true, Workers: cfg.workers, BatchSize: cfg.batch,
				KeyFilters: []KeyFilterSpec{{Field: field, Filter: kf, Label: "test"}}})
			if err != nil {
				t.Fatal(err)
			}
			got, err := collect(t, s)
			if err != nil {
				t.Fatal(err)
			}
			gotSet := map[string]bool{}
			for _, row := range got {
				gotSet[row] = true
			}
			want := 0
			for _, row := range rows {
				v, ok := value(row)
				member := ok && in[v]
				if member {
					want++
				}
				if member && !gotSet[row] {
					t.Fatalf("%s.%s %+v: record %s with a key in the set is missing", tc.table, tc.field, cfg, row)
				}
				if !member && gotSet[row] && (!tc.sparse || !ok) {
					t.Fatalf("%s.%s %+v: record %s with a key not in the set was returned", tc.table, tc.field, cfg, row)
				}
			}
			if len(got) < want || len(got) > len(rows) || want == 0 || want == len(rows) {
				t.Fatalf("%s.%s %+v: %d rows, %d with keys in the set, of %d", tc.table, tc.field, cfg, len(got), want, len(rows))
			}
			st := s.LastStats()
			if dropped := st.KeyFiltered.Load(); dropped != int64(len(rows)-len(got)) || st.RecordsSelected.Load() != int64(len(got)) {
				t.Errorf("%s.%s %+v: stats say %d ruled out, %d selected; %d of %d returned", tc.table, tc.field, cfg, dropped, st.RecordsSelected.Load(), len(got), len(rows))
			}
			if !strings.Contains(s.String(), "key filter [test]") {
				t.Errorf("scan line %q does not show the key filter", s.String())
			}
		}
		arr.Release()
	}
}

// A filter that keeps nearly everything is switched off after its sample;
// an unpublished or invalidated one tests nothing; a build older than the
// last invalidation cannot publish.
func TestKeyFilterLifecycle(t *testing.T) {
	tab := openRec(t, "lineitem")
	field := tab.Schema.Lookup("l_orderkey")
	kf := NewKeyFilter()
	spec := Spec{Table: tab, Columns: []int{field}, Workers: 1, KeyFilters: []KeyFilterSpec{{Field: field, Filter: kf}}}
	count := func() (int, int64) {
		s, err := New(spec)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := collect(t, s)
		if err != nil {
			t.Fatal(err)
		}
		return len(rows), s.LastStats().KeyFiltered.Load()
	}
	if n, d := count(); n != fixtureRows || d != 0 {
		t.Errorf("unpublished: %d rows, %d ruled out", n, d)
	}
	one := int64Keys(t, []int64{1}, nil)
	defer one.Release()
	kf.Invalidate(2)
	kf.Publish(1, []arrow.Array{one}) // an older build: ignored
	if n, _ := count(); n != fixtureRows {
		t.Errorf("a stale build's keys filtered: %d rows", n)
	}
	kf.Publish(2, []arrow.Array{one})
	if n, _ := count(); n == 0 || n > 7 {
		t.Errorf("keys {1}: %d rows, want order 1's lines", n)
	}
	kf.Invalidate(3)
	if n, _ := count(); n != fixtureRows {
		t.Errorf("invalidated: %d rows", n)
	}
	// every key but the last record's: the filter keeps > 90%, and once
	// its sample is seen it stops testing, so the last order's records
	// are ruled out only while the sample is larger than the file
	s, err := New(Spec{Table: tab, Columns: []int{field}, RowID: true, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := collect(t, s)
	last, _ := strconv.ParseInt(strings.Split(rows[len(rows)-1], "|")[1], 10, 64)
	var vals []int64
	lastRecords := 0
	for _, row := range rows {
		v, _ := strconv.ParseInt(strings.Split(row, "|")[1], 10, 64)
		if v != last {
			vals = append(vals, v)
		} else {
			lastRecords++
		}
	}
	most := int64Keys(t, vals, nil)
	defer most.Release()
	kf.Publish(3, []arrow.Array{most})
	if n, d := count(); n != fixtureRows-lastRecords || int(d) != lastRecords {
		t.Errorf("keys but %d: %d rows, %d ruled out; want %d ruled out", last, n, d, lastRecords)
	}
	defer func(n int64) { keyFilterSample = n }(keyFilterSample)
	keyFilterSample = 1000
	if n, d := count(); n != fixtureRows || d != 0 {
		t.Errorf("keys but %d, the filter off after 1,000 records: %d rows, %d ruled out", last, n, d)
	}
}

// A text key that does not parse is not dropped by a key filter: the
// decoder reports it where it is, as it does without the filter.
func TestKeyFilterBadTextKey(t *testing.T) {
	g, _ := gen.Lookup("lineitem")
	data, _ := os.ReadFile(filepath.Join(fixtures(t), "lineitem.txt"))
	ts := g.TextSchema()
	field := ts.Lookup("l_partkey")
	k := &ts.Fields[field]
	lineLen := ts.RecordLen + 1
	data[17*lineLen+k.Offset+1] = 'x'
	path := filepath.Join(t.TempDir(), "bad.txt")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	tab, err := storage.OpenRaw(path, ts, storage.RawOptions{Text: true})
	if err != nil {
		t.Fatal(err)
	}
	keys := int64Keys(t, []int64{1, 2, 3}, nil)
	defer keys.Release()
	kf := NewKeyFilter()
	kf.Publish(0, []arrow.Array{keys})
	s, err := New(Spec{Table: tab, Columns: []int{field}, KeyFilters: []KeyFilterSpec{{Field: field, Filter: kf}}})
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("record 18, byte offset %d, field l_partkey: not a number", 17*lineLen+k.Offset)
	if _, err := collect(t, s); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v, want %q", err, want)
	}
}

func TestKeySetMayContainRange(t *testing.T) {
	keys := int64Keys(t, []int64{10, 200, 263}, nil)
	defer keys.Release()
	s, _ := NewKeySet([]arrow.Array{keys})
	for _, tc := range []struct {
		lo, hi int64
		want   bool
	}{
		{0, 9, false}, {0, 10, true}, {11, 199, false}, {11, 200, true}, {201, 262, false},
		{64, 127, false}, {128, 255, true}, {263, 1000, true}, {264, 1000, false},
		{math.MinInt64, math.MaxInt64, true}, {300, 100, false},
	} {
		if got := s.MayContainRange(tc.lo, tc.hi); got != tc.want {
			t.Errorf("[%d, %d]: %v, want %v", tc.lo, tc.hi, got, tc.want)
		}
	}
	wide := int64Keys(t, []int64{0, 1 << 50}, nil)
	defer wide.Release()
	b, _ := NewKeySet([]arrow.Array{wide})
	if b.exact || !b.MayContainRange(5, 6) || b.MayContainRange(-5, -1) || b.MayContainRange(1<<50+1, 1<<51) {
		t.Errorf("Bloom set ranges: only its min/max rule a range out")
	}
}

// The fixture's .rec blocks hold 1,000 records in l_orderkey order: a key
// filter on a few small order keys leaves the later blocks unread, except
// in an ordered run, whose merge waits for every chunk; the rows are the
// same either way.
func TestKeyFilterSkipsBlocks(t *testing.T) {
	tab := openRec(t, "lineitem")
	field := tab.Schema.Lookup("l_orderkey")
	keys := int64Keys(t, []int64{1, 3, 7}, nil)
	defer keys.Release()
	kf := NewKeyFilter()
	kf.Publish(0, []arrow.Array{keys})
	var want []string
	for _, ordered := range []bool{false, true} {
		s, err := New(Spec{Table: tab, Columns: []int{field}, RowID: true, Workers: 2, Ordered: ordered,
			KeyFilters: []KeyFilterSpec{{Field: field, Filter: kf}}})
		if err != nil {
			t.Fatal(err)
		}
		rows, err := collect(t, s)
		if err != nil {
			t.Fatal(err)
		}
		st := s.LastStats()
		skipped := st.KeyBlocksSkipped.Load()
		if ordered && skipped != 0 || !ordered && skipped != int64(st.Chunks-1) {
			t.Errorf("ordered %v: %d of %d blocks skipped", ordered, skipped, st.Chunks)
		}
		if st.KeyFiltered.Load() != fixtureRows-int64(len(rows)) {
			t.Errorf("ordered %v: %d ruled out, %d rows", ordered, st.KeyFiltered.Load(), len(rows))
		}
		if want == nil {
			want = rows
		} else if strings.Join(rows, ",") != strings.Join(want, ",") {
			t.Errorf("ordered: %v, unordered %v", rows, want)
		}
	}
	if len(want) == 0 || len(want) > 21 {
		t.Errorf("%d rows for 3 orders", len(want))
	}
}
