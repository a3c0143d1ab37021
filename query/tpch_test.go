package query

import (
	"context"
	"encoding/binary"
	"fmt"

	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/recq/recq/storage"
	"github.com/recq/recq/storage/gen"
	"golang.org/x/sys/unix"
)

// TPC-H Q1 and Q6 exactly as the specification writes them.
const (
	tpchQ1 = `SELECT l_returnflag, l_linestatus, sum(l_quantity) AS sum_qty, sum(l_extendedprice) AS sum_base_price,
  sum(l_extendedprice * (1 - l_discount)) AS sum_disc_price, sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) AS sum_charge,
  avg(l_quantity) AS avg_qty, avg(l_extendedprice) AS avg_price, avg(l_discount) AS avg_disc, count(*) AS count_order
FROM lineitem WHERE l_shipdate <= DATE '1998-12-01' - INTERVAL 90 DAY
GROUP BY l_returnflag, l_linestatus ORDER BY l_returnflag, l_linestatus`
	tpchQ6 = `SELECT sum(l_extendedprice * l_discount) AS revenue FROM lineitem
WHERE l_shipdate >= DATE '1994-01-01' AND l_shipdate < DATE '1994-01-01' + INTERVAL '1' YEAR
  AND l_discount BETWEEN .06 - 0.01 AND .06 + 0.01 AND l_quantity < 24`
)

// lineitemOffsets are the byte offsets of the Q1/Q6 columns in a lineitem
// .rec record, taken from the schema (not hard-coded).
type lineitemOffsets struct {
	qty, price, disc, tax, flag, status, ship int
}

func offsetsOf(t *storage.Table) lineitemOffsets {
	s := t.Schema
	at := func(name string) int { return s.Fields[s.Lookup(name)].Offset }
	return lineitemOffsets{at("l_quantity"), at("l_extendedprice"), at("l_discount"), at("l_tax"),
		at("l_returnflag"), at("l_linestatus"), at("l_shipdate")}
}

// q1Group accumulates one Q1 group in exact scaled integers.
type q1Group struct {
	qty, price, discPrice, charge, disc, count int64 // cents, cents, 1e-4, 1e-6, cents
}

// handQ1 computes Q1 with a plain loop over the mapped record bytes.
func handQ1(data []byte, recLen int, o lineitemOffsets) map[string]*q1Group {
	cutoff := int32(storage.DaysFromCivil(1998, 9, 2))
	var acc [1 << 16]*q1Group
	le := binary.LittleEndian
	for p := 0; p+recLen <= len(data); p += recLen {
		r := data[p : p+recLen]
		if int32(le.Uint32(r[o.ship:])) > cutoff {
			continue
		}
		k := int(r[o.flag])<<8 | int(r[o.status])
		g := acc[k]
		if g == nil {
			g = &q1Group{}
			acc[k] = g
		}
		price, disc, tax := int64(le.Uint64(r[o.price:])), int64(le.Uint64(r[o.disc:])), int64(le.Uint64(r[o.tax:]))
		g.qty += int64(le.Uint64(r[o.qty:]))
		g.price += price
		dp := price * (100 - disc)
		g.discPrice += dp
		g.charge += dp * (100 + tax)
		g.disc += disc
		g.count++
	}
	out := map[string]*q1Group{}
	for k, g := range acc {
		if g != nil {
			out[string([]byte{byte(k >> 8), byte(k)})] = g
		}
	}
	return out
}

// handQ6 computes Q6 (revenue in 1e-4 units) with a plain loop.
func handQ6(data []byte, recLen int, o lineitemOffsets) int64 {
	lo, hi := int32(storage.DaysFromCivil(1994, 1, 1)), int32(storage.DaysFromCivil(1995, 1, 1))
	le := binary.LittleEndian
	var rev int64
	for p := 0; p+recLen <= len(data); p += recLen {
		r := data[p : p+recLen]
		ship := int32(le.Uint32(r[o.ship:]))
		disc := int64(le.Uint64(r[o.disc:]))
		if ship >= lo && ship < hi && disc >= 5 && disc <= 7 && int64(le.Uint64(r[o.qty:])) < 2400 {
			rev += int64(le.Uint64(r[o.price:])) * disc
		}
	}
	return rev
}

// mapRecords maps a .rec file's record region.
func mapRecords(t testing.TB, tab *storage.Table) []byte {
	f, err := os.Open(tab.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	data, err := unix.Mmap(int(f.Fd()), 0, int(tab.Size), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	return data[tab.Layout.DataOffset:tab.Layout.DataEnd()]
}

func decimalString(v int64, scale int) string { return string(storage.AppendDecimal(nil, v, scale)) }

// TestTPCHAgainstHandLoop checks Q1 and Q6 on generated data against
// independent computations over the raw bytes, under several worker
// counts and strategies.
func TestTPCHAgainstHandLoop(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "lineitem.rec")
	g, _ := gen.Lookup("lineitem")
	rows := int64(60000)
	if testing.Short() {
		rows = 20000
	}
	if err := g.Write(path, rows, 42); err != nil {
		t.Fatal(err)
	}
	tab, err := storage.Open(path, storage.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	data := mapRecords(t, tab)
	o := offsetsOf(tab)
	groups := handQ1(data, tab.Layout.RecordLen, o)
	var want1 []string
	for k, g := range groups {
		n := float64(g.count)
		want1 = append(want1, strings.Join([]string{k[:1], k[1:], decimalString(g.qty, 2), decimalString(g.price, 2),
			decimalString(g.discPrice, 4), decimalString(g.charge, 6),
			fmtFloat(float64(g.qty) / 100 / n), fmtFloat(float64(g.price) / 100 / n), fmtFloat(float64(g.disc) / 100 / n),
			strconv.FormatInt(g.count, 10)}, " | "))
	}
	sort.Strings(want1)
	want6 := decimalString(handQ6(data, tab.Layout.RecordLen, o), 4)
	if len(want1) != 4 {
		t.Fatalf("hand Q1 found %d groups; the generator should give 4", len(want1))
	}
	for _, s := range []Settings{{Workers: 1, IO: storage.Mmap}, {Workers: 2, IO: storage.Buffered}, {Workers: 3, IO: storage.Direct, BatchSize: 1000}} {
		eng, err := Open(Options{Settings: s})
		if err != nil {
			t.Fatal(err)
		}
		if err := eng.RegisterTable("lineitem", path, ""); err != nil {
			t.Fatal(err)
		}
		got1 := queryRows(t, eng, tpchQ1)
		if strings.Join(got1, "\n") != strings.Join(want1, "\n") {
			t.Errorf("Q1 with %+v:\ngot\n%s\nwant\n%s", s, strings.Join(got1, "\n"), strings.Join(want1, "\n"))
		}
		got6 := queryRows(t, eng, tpchQ6)
		if len(got6) != 1 || got6[0] != want6 {
			t.Errorf("Q6 with %+v: got %v, want %s", s, got6, want6)
		}
		eng.Close()
	}
}

func queryRows(t testing.TB, eng *Engine, sql string) []string {
	t.Helper()
	res, err := eng.Query(context.Background(), sql)
	if err != nil {
		t.Fatal(err)
	}
	rows := renderRows(res)
	if err := res.Close(); err != nil {
		t.Fatal(err)
	}
	return rows
}

var sf1 struct {
	once sync.Once
	path string
	err  error
}

// sf1Lineitem returns a 6,000,000-row lineitem .rec file (the TPC-H SF1
// size), generated once into the system temporary directory.
func sf1Lineitem(b *testing.B) string {
	if testing.Short() {
		b.Skip("6M-row benchmark file; skipped under -short")
	}
	sf1.once.Do(func() {
		sf1.path = filepath.Join(os.TempDir(), "recq-bench-lineitem-sf1.rec")
		if t, err := storage.Open(sf1.path, storage.OpenOptions{}); err == nil && t.Layout.Count == 6_000_000 {
			return
		}
		g, _ := gen.Lookup("lineitem")
		sf1.err = g.Write(sf1.path, 6_000_000, 1)
	})
	if sf1.err != nil {
		b.Fatal(sf1.err)
	}
	return sf1.path
}

// BenchmarkTPCH runs Q1 and Q6 on 6M warm lineitem rows with 1 and 2
// workers, each against the hand-written loop over the same mapped file,
// measured in the same run. Targets: engine time at most 2 x the loop.
func BenchmarkTPCH(b *testing.B) {
	path := sf1Lineitem(b)
	tab, err := storage.Open(path, storage.OpenOptions{})
	if err != nil {
		b.Fatal(err)
	}
	data := mapRecords(b, tab)
	o := offsetsOf(tab)
	handQ6(data, tab.Layout.RecordLen, o) // warm
	for _, q := range []struct {
		name string
		sql  string
		loop func()
	}{
		{"Q1", tpchQ1, func() { handQ1(data, tab.Layout.RecordLen, o) }},
		{"Q6", tpchQ6, func() { handQ6(data, tab.Layout.RecordLen, o) }},
	} {
		for _, workers := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/workers=%d", q.name, workers), func(b *testing.B) {
				eng := lineitemEngine(b, path, workers)
				queryRows(b, eng, q.sql) // maps and warms the table
				engineAgainstLoop(b, func() { queryRows(b, eng, q.sql) }, q.loop)
			})
		}
	}

}

// lineitemEngine opens an engine with the given scan workers and path
// registered as lineitem; it closes when the benchmark ends.
func lineitemEngine(b *testing.B, path string, workers int) *Engine {
	return lineitemEngineWith(b, path, Options{Settings: Settings{Workers: workers}})
}

// lineitemEngineWith is lineitemEngine with options o.
func lineitemEngineWith(b *testing.B, path string, o Options) *Engine {
	eng, err := Open(o)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { eng.Close() })
	if err := eng.RegisterTable("lineitem", path, ""); err != nil {
		b.Fatal(err)
	}
	return eng
}

// engineAgainstLoop alternates engine and loop b.N times and reports
// their mean times and the ratio engine_x_loop.
func engineAgainstLoop(b *testing.B, engine, loop func()) {
	var tEngine, tLoop time.Duration
	for i := 0; i < b.N; i++ {
		start := time.Now()
		engine()
		tEngine += time.Since(start)
		start = time.Now()
		loop()
		tLoop += time.Since(start)
	}
	n := float64(b.N)
	b.ReportMetric(tEngine.Seconds()/n*1e3, "engine_ms")
	b.ReportMetric(tLoop.Seconds()/n*1e3, "loop_ms")
	b.ReportMetric(tEngine.Seconds()/tLoop.Seconds(), "engine_x_loop")
}
