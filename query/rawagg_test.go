package query

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow/memory"
)

// rawAggDDL is the layout of the raw binary file rawAggFile writes: keys of
// 1, 2, 3 and 4 bytes (CHAR padding variants, a NULL sentinel), values in
// both byte orders, signed and unsigned, DECIMALs of two scales, a date.
const rawAggDDL = `CREATE TABLE t (
  k1 CHAR(2) POSITION(1:2) NOT NULL,
  k8 INT8 POSITION(3:3) NOT NULL,
  g3 CHAR(3) POSITION(4:6) NOT NULL,
  a INT64 POSITION(7:14) NOT NULL,
  b INT32 POSITION(15:18) BIG ENDIAN NOT NULL,
  u UINT16 POSITION(19:20) NOT NULL,
  d DECIMAL(18,4) POSITION(21:28) NOT NULL,
  e DECIMAL(9,2) POSITION(29:32) BIG ENDIAN NOT NULL,
  dt DATE POSITION(33:36) NOT NULL,
  t CHAR(4) POSITION(37:40) TEXT NULLIF 'zz'
) WITH (format = 'binary');
`

const rawAggRecords = 5000

// rawAggFile writes t.dat (and its schema) into a new directory, and the
// same records cut into four files under parts/ (one of them empty). With big
// set, a and d take values near their limits, so products overflow 64
// bits and sums go through 128-bit arithmetic.
func rawAggFile(t *testing.T, big bool) string {
	t.Helper()
	return rawAggFileOf(t, big, rawAggRecords)
}

// rawAggFileOf is rawAggFile with records records.
func rawAggFileOf(t *testing.T, big bool, records int) string {
	t.Helper()
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(7, 11))
	k1s := []string{"A ", "B ", "AB", "A\x00"}
	ts := []string{"x   ", "zz  ", "yy  ", "w   "}
	buf := make([]byte, 0, records*40)
	for i := range records {
		rec := make([]byte, 40)
		copy(rec[0:2], k1s[r.IntN(len(k1s))])
		rec[2] = byte(int8(r.IntN(9) - 4))
		copy(rec[3:6], fmt.Sprintf("%03d", r.IntN(150)))
		a := int64(r.IntN(2_000_001) - 1_000_000)
		d := int64(r.IntN(20_000_001) - 10_000_000)
		if big && i%7 == 0 {
			a = (1<<62 + int64(r.IntN(1000))) * int64(1-2*r.IntN(2))
			d = 999_999_999_999_999_999 - int64(r.IntN(1000))
		}
		binary.LittleEndian.PutUint64(rec[6:], uint64(a))
		binary.BigEndian.PutUint32(rec[14:], uint32(int32(r.IntN(200_001)-100_000)))
		binary.LittleEndian.PutUint16(rec[18:], uint16(r.IntN(65536)))
		binary.LittleEndian.PutUint64(rec[20:], uint64(d))
		binary.BigEndian.PutUint32(rec[28:], uint32(int32(r.IntN(2_000_001)-1_000_000)))
		binary.LittleEndian.PutUint32(rec[32:], uint32(int32(9000+r.IntN(4000))))
		copy(rec[36:40], ts[r.IntN(len(ts))])
		buf = append(buf, rec...)
	}
	if err := os.WriteFile(filepath.Join(dir, "t.dat"), buf, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "t.dat.schema"), []byte(rawAggDDL), 0o644); err != nil {
		t.Fatal(err)
	}
	parts := filepath.Join(dir, "parts")
	if err := os.Mkdir(parts, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(parts, ".schema"), []byte(rawAggDDL), 0o644); err != nil {
		t.Fatal(err)
	}
	cuts := []int{0, records / 4, records / 4, records * 4 / 5, records}
	for k := 0; k+1 < len(cuts); k++ {
		part := buf[cuts[k]*40 : cuts[k+1]*40]
		if err := os.WriteFile(filepath.Join(parts, fmt.Sprintf("p%d.dat", k)), part, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// enginePair opens two engines over dir with settings cfg and allocator
// mem (nil: the default): the second has its options changed by off. The
// caller closes both.
func enginePair(t testing.TB, dir string, cfg Settings, mem memory.Allocator, off func(*Options)) (*Engine, *Engine) {
	t.Helper()
	o := Options{DataDir: dir, Settings: cfg, Allocator: mem}
	a, err := Open(o)
	if err != nil {
		t.Fatal(err)
	}
	off(&o)
	b, err := Open(o)
	if err != nil {
		a.Close()
		t.Fatal(err)
	}
	return a, b
}

// withoutRawAggregates is enginePair's change for the ordinary aggregation.
func withoutRawAggregates(o *Options) { o.DisabledPasses = []string{"raw_aggregates"} }

// rawAggCases are aggregations over t.dat; raw says whether
// raw_aggregates folds them into the scan.
var rawAggCases = []struct {
	name string
	sql  string
	raw  bool
}{
	{"one-byte and two-byte keys", `SELECT k1, k8, count(*), count(b), sum(a), avg(b), sum(u), min(dt), max(dt), min(e), max(u), min(k8), max(a) FROM t GROUP BY k1, k8 ORDER BY 1, 2`, false},
	{"one-byte key", `SELECT k8, count(*), count(b), sum(a), avg(b), sum(u), min(dt), max(dt), min(e), max(u), min(k8), max(a) FROM t GROUP BY k8 ORDER BY 1`, true},
	{"three-byte key, many groups", `SELECT g3, sum(d * e), sum(a + b), sum(-a), avg(u * 2), sum(e - 1.5), count(*) FROM t GROUP BY g3 ORDER BY 1`, false},
	{"keys of 6 bytes", `SELECT g3, k1, k8, sum(b), count(*) FROM t WHERE k8 > -2 GROUP BY ALL ORDER BY 1, 2, 3`, false},
	{"arithmetic, global", `SELECT sum(d * e), sum(a + b), sum(-a), avg(u * 2), sum(e - 1.5), count(*) FROM t`, true},
	{"two-byte key", `SELECT k1, sum(d * e), sum(a + b), sum(-a), avg(u * 2), sum(e - 1.5), count(*) FROM t GROUP BY k1 ORDER BY 1`, true},
	{"wide key without a known domain", `SELECT t, count(*), sum(e) FROM t GROUP BY t ORDER BY 1 NULLS FIRST`, false},
	{"global", `SELECT count(*), sum(a), avg(d), sum(d * d), min(b), max(e) FROM t`, true},
	{"global, nothing selected", `SELECT count(*), sum(a), avg(d), min(b) FROM t WHERE a > 2000000000000000000 AND b < -2000000000`, true},
	{"grouped, nothing selected", `SELECT k1, count(*) FROM t WHERE k8 > 100 GROUP BY k1`, true},
	{"casts and rescaling", `SELECT k8, sum(b + d), sum(e + d), sum(u + e), sum(2 * a - 1), sum(3), avg(1.25) FROM t GROUP BY k8 ORDER BY 1`, true},
	{"shared subexpressions", `SELECT k1, sum(d * (1 - e)), sum(d * (1 - e) * (1 + e)), avg(d), sum(d) FROM t GROUP BY k1 ORDER BY 1`, true},
	{"HAVING and ORDER BY on aggregates", `SELECT k1, sum(a) AS s FROM t GROUP BY k1 HAVING count(*) > 30 ORDER BY s DESC, k1 LIMIT 3`, true},
	// not folded
	{"DISTINCT", `SELECT k1, count(DISTINCT k8) FROM t GROUP BY k1 ORDER BY 1`, false},
	{"FILTER", `SELECT k1, sum(a) FILTER (WHERE b > 0) FROM t GROUP BY k1 ORDER BY 1`, false},
	{"nullable value", `SELECT k1, count(t) FROM t GROUP BY k1 ORDER BY 1`, false},
	{"float arithmetic", `SELECT k1, sum(a / 2) FROM t GROUP BY k1 ORDER BY 1`, false},
	{"computed key", `SELECT k8 + 1, count(*) FROM t GROUP BY 1 ORDER BY 1`, false},
	{"key wider than 8 bytes", `SELECT g3, k1, t, count(*) FROM t GROUP BY ALL ORDER BY 1, 2, 3 NULLS FIRST`, false},
	{"residual filter", `SELECT k1, count(*) FROM t WHERE a > b GROUP BY k1 ORDER BY 1`, false},
	{"string_agg", `SELECT k8, string_agg(g3, ',' ORDER BY g3) FROM t WHERE a > 990000 GROUP BY k8 ORDER BY 1`, false},
	{"min of a CHAR", `SELECT k8, min(g3) FROM t GROUP BY k8 ORDER BY 1`, false},
}

// TestRawAggregates checks which aggregations run on raw bytes, and that
// every one gives the rows it gives without raw_aggregates, under several
// worker counts and batch sizes, on ordinary and on extreme values.
func TestRawAggregates(t *testing.T) {
	configs := []Settings{{Workers: 1, BatchSize: 1024}, {Workers: 2, BatchSize: 64}, {Workers: 3, BatchSize: 7}}
	for _, big := range []bool{false, true} {
		dir := rawAggFile(t, big)
		for _, cfg := range configs {
			mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
			on, off := enginePair(t, dir, cfg, mem, withoutRawAggregates)
			ctx := context.Background()
			for _, c := range rawAggCases {
				what := fmt.Sprintf("%s (big %v, workers %d, batch %d)", c.name, big, cfg.Workers, cfg.BatchSize)
				plan := strings.Join(queryRows(t, on, "EXPLAIN "+c.sql), "\n")
				if folded := strings.Contains(plan, "aggregated on raw bytes"); folded != c.raw {
					t.Errorf("%s: folded %v, want %v:\n%s", what, folded, c.raw, plan)
				}
				got, gerr := queryOne(t, on, ctx, c.sql)
				want, werr := queryOne(t, off, ctx, c.sql)
				// the same records as a table of four files
				parts := strings.Replace(c.sql, "FROM t", "FROM '"+filepath.Join(dir, "parts")+"'", 1)
				pplan := strings.Join(queryRows(t, on, "EXPLAIN "+parts), "\n")
				if folded := strings.Contains(pplan, "aggregated on raw bytes"); folded != c.raw {
					t.Errorf("%s: of four files, folded %v, want %v:\n%s", what, folded, c.raw, pplan)
				}
				gotParts, perr := queryOne(t, on, ctx, parts)
				if (perr == nil) != (werr == nil) || strings.Join(gotParts, "\n") != strings.Join(want, "\n") {
					t.Errorf("%s: of four files (error %v)\n%s\nof one file (error %v)\n%s", what, perr, strings.Join(gotParts, "\n"), werr, strings.Join(want, "\n"))
				}
				if (gerr == nil) != (werr == nil) {
					t.Errorf("%s: error %v, without raw_aggregates %v", what, gerr, werr)
					continue
				}
				if strings.Join(got, "\n") != strings.Join(want, "\n") {
					t.Errorf("%s: on raw bytes\n%s\nwithout\n%s", what, strings.Join(got, "\n"), strings.Join(want, "\n"))
				}
				if !big && len(got) == 0 && gerr == nil && c.raw && !strings.Contains(c.name, "nothing") {
					t.Errorf("%s: no rows", what)
				}
			}
			on.Close()
			off.Close()
			mem.AssertSize(t, 0)
		}
	}
}

// TestRawAggregateKeyDomains: keys wider than two bytes fold when the
// .rec block min/max bound their values (a date of 4,000 days; a hash
// table per worker), not when they do not.
func TestRawAggregateKeyDomains(t *testing.T) {
	dir := rawAggFile(t, false)
	ctx := context.Background()
	on, off := enginePair(t, dir, Settings{Workers: 3, BatchSize: 100}, nil, withoutRawAggregates)
	defer on.Close()
	defer off.Close()
	if _, err := queryOne(t, on, ctx, `CREATE TABLE r AS SELECT * FROM t`); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		sql  string
		want string
	}{
		{`SELECT dt, count(*), sum(a), sum(d * e), max(b) FROM r GROUP BY dt ORDER BY 1`, "groups by 4-byte keys"},
		{`SELECT b, count(*) FROM r GROUP BY b ORDER BY 1`, ""},            // 200,001 values
		{`SELECT dt, k8, count(*) FROM r GROUP BY 1, 2 ORDER BY 1, 2`, ""}, // 4,000 x 256
	} {
		plan := strings.Join(queryRows(t, on, "EXPLAIN "+c.sql), "\n")
		if folded := strings.Contains(plan, "aggregated on raw bytes"); folded != (c.want != "") || !strings.Contains(plan, c.want) {
			t.Errorf("%s: want %q:\n%s", c.sql, c.want, plan)
		}
		got, gerr := queryOne(t, on, ctx, c.sql)
		want, werr := queryOne(t, off, ctx, c.sql)
		if gerr != nil || werr != nil || len(got) < 100 || strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: errors %v, %v; %d and %d rows differ", c.sql, gerr, werr, len(got), len(want))
		}
	}
}

// TestRawAggregateOverflow checks that a value that overflows its type is
// the error it is without raw_aggregates, and that the error names the
// record.
func TestRawAggregateOverflow(t *testing.T) {
	dir := rawAggFile(t, true)
	ctx := context.Background()
	on, off := enginePair(t, dir, Settings{Workers: 2}, nil, withoutRawAggregates)
	defer on.Close()
	defer off.Close()
	for _, sql := range []string{
		`SELECT k1, sum(a * a) FROM t GROUP BY k1`, // INT64 overflow
		`SELECT sum(a + a) FROM t`,                 // INT64 overflow
		`SELECT sum(d * d * d * 1000.0000) FROM t`, // beyond 38 digits
	} {
		_, gerr := queryOne(t, on, ctx, sql)
		_, werr := queryOne(t, off, ctx, sql)
		if gerr == nil || werr == nil {
			t.Errorf("%s: errors %v and %v, want both", sql, gerr, werr)
			continue
		}
		if !strings.Contains(gerr.Error(), "(record ") {
			t.Errorf("%s: %v does not name the record", sql, gerr)
		}
		head := func(s string) string { return strings.SplitN(s, ":", 2)[0] }
		if head(gerr.Error()) != head(werr.Error()) {
			t.Errorf("%s: error %q, without raw_aggregates %q", sql, gerr, werr)
		}
	}
}

// TestRawAggregateMemoryLimit: the groups count against memory_limit.
func TestRawAggregateMemoryLimit(t *testing.T) {
	dir := rawAggFile(t, false)
	eng, err := Open(Options{DataDir: dir, Settings: Settings{Workers: 1, MemoryLimit: 16 << 10}})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	ctx := context.Background()
	if _, err := queryOne(t, eng, ctx, `CREATE TABLE r AS SELECT * FROM t`); err != nil {
		t.Fatal(err)
	}
	q := `SELECT dt, sum(a), sum(b), sum(d), sum(e), min(u), max(u) FROM r GROUP BY dt`
	if plan := strings.Join(queryRows(t, eng, "EXPLAIN "+q), "\n"); !strings.Contains(plan, "aggregated on raw bytes") {
		t.Fatalf("not folded:\n%s", plan)
	}
	_, err = queryOne(t, eng, ctx, q)
	if err == nil || !strings.Contains(err.Error(), "memory limit") {
		t.Fatalf("err = %v, want the memory limit", err)
	}
}

// TestRawAggregateLineitem runs TPC-H Q1 over lineitem.rec both ways.
func TestRawAggregateLineitem(t *testing.T) {
	q, err := os.ReadFile("../testdata/tpch/q01.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, cfg := range []Settings{{Workers: 1}, {Workers: 2, BatchSize: 100}} {
		on, _ := testEngine(t, cfg)
		off, err := Open(Options{DataDir: "../testdata", Settings: cfg, DisabledPasses: []string{"raw_aggregates"}})
		if err != nil {
			t.Fatal(err)
		}
		plan := strings.Join(queryRows(t, on, "EXPLAIN "+string(q)), "\n")
		if !strings.Contains(plan, "aggregated on raw bytes, groups by a 2-byte key array") {
			t.Errorf("Q1 does not fold:\n%s", plan)
		}
		got, want := queryRows(t, on, string(q)), queryRows(t, off, string(q))
		if len(got) != 4 || strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("Q1 on raw bytes\n%s\nwithout\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		off.Close()
	}
}

// FuzzRawAggregate runs aggregations over records of arbitrary bytes in
// rawAggDDL's layout with and without raw_aggregates: the answers, or the
// errors, must be the same.
func FuzzRawAggregate(f *testing.F) {
	f.Add(make([]byte, 40*3), uint8(0))
	seed := make([]byte, 40*4)
	for i := range seed {
		seed[i] = byte(i * 37)
	}
	f.Add(seed, uint8(1))
	big := make([]byte, 40*2)
	for i := range big {
		big[i] = 0xff
	}
	big[13], big[53] = 0x7f, 0x80
	f.Add(big, uint8(2))
	f.Fuzz(fuzzRawBody)
}

// fuzzRawBody is FuzzRawAggregate's test of one input.
func fuzzRawBody(t *testing.T, data []byte, workers uint8) {
	{
		queries := rawAggFuzzQueries
		data = data[:len(data)/40*40]
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "t.dat"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "t.dat.schema"), []byte(rawAggDDL), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg := Settings{Workers: 1 + int(workers%3), BatchSize: 1 + int(workers)}
		on, off := enginePair(t, dir, cfg, nil, withoutRawAggregates)
		defer on.Close()
		defer off.Close()
		ctx := context.Background()
		for _, q := range queries {
			got, gerr := queryOne(t, on, ctx, q)
			want, werr := queryOne(t, off, ctx, q)
			if (gerr == nil) != (werr == nil) || strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("%s: on raw bytes (error %v)\n%s\nwithout (error %v)\n%s", q, gerr, strings.Join(got, "\n"), werr, strings.Join(want, "\n"))
			}
		}
	}
}

var rawAggFuzzQueries = []string{
	`SELECT k1, k8, count(*), sum(a), avg(b), sum(u), min(dt), max(e) FROM t GROUP BY k1, k8 ORDER BY 1, 2`,
	`SELECT g3, sum(d * e), sum(a + b), sum(-a), sum(a * b) FROM t GROUP BY g3 ORDER BY 1`,
	`SELECT t, sum(d * d * d), count(*) FROM t WHERE k8 >= 0 GROUP BY t ORDER BY 1 NULLS FIRST`,
}

// BenchmarkRawAggregate: TPC-H Q1, Q6 and Q18's subquery (1.5 M groups)
// over the 6M-row lineitem .rec, read once after eviction, with
// raw_aggregates (raw_ms) and without (ordinary_ms), alternated in the
// same run; raw_x_ordinary is the ratio. Skipped under -short.
func BenchmarkRawAggregate(b *testing.B) {
	path := sf1Lineitem(b)
	readOnce(b, path)
	for _, q := range []string{"q01", "q06", "q18sub"} {
		sql, err := os.ReadFile(filepath.Join("../testdata/tpch", q+".sql"))
		if q == "q18sub" {
			sql, err = []byte("SELECT count(*) FROM (SELECT l_orderkey FROM lineitem GROUP BY l_orderkey HAVING sum(l_quantity) > 300)"), nil
		}
		if err != nil {
			b.Fatal(err)
		}
		b.Run(q, func(b *testing.B) {
			raw := lineitemEngine(b, path, 2)
			ordinary := lineitemEngineWith(b, path, Options{Settings: Settings{Workers: 2}, DisabledPasses: []string{"raw_aggregates"}})
			queryRows(b, raw, string(sql)) // maps the table
			queryRows(b, ordinary, string(sql))
			var tRaw, tOrdinary time.Duration
			for range b.N {
				start := time.Now()
				queryRows(b, raw, string(sql))
				tRaw += time.Since(start)
				start = time.Now()
				queryRows(b, ordinary, string(sql))
				tOrdinary += time.Since(start)
			}
			n := float64(b.N)
			b.ReportMetric(tRaw.Seconds()/n*1e3, "raw_ms")
			b.ReportMetric(tOrdinary.Seconds()/n*1e3, "ordinary_ms")
			b.ReportMetric(tRaw.Seconds()/tOrdinary.Seconds(), "raw_x_ordinary")
		})
	}
}
