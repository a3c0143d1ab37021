package query

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/recq/recq/storage"
)

// The GHCN-Daily sample (testdata/ghcn/sample.dly) is synthetic: two
// invented stations, three months of TMAX, TMIN and PRCP in the .dly
// layout docs/record_types.md describes. ghcnSample writes it; `go test
// ./query -run TestGHCNSample -rewrite` regenerates the file.
func ghcnSample() []byte {
	r := rand.New(rand.NewPCG(16, 1))
	var b strings.Builder
	for _, st := range []struct {
		id   string
		base int // mean TMAX in tenths of a degree
	}{{"XXW00012345", 291}, {"XXM00054321", 104}} {
		for _, ym := range [][2]int{{2025, 12}, {2026, 1}, {2026, 2}} {
			days := time.Date(ym[0], time.Month(ym[1])+1, 0, 0, 0, 0, 0, time.UTC).Day()
			for _, el := range []string{"TMAX", "TMIN", "PRCP"} {
				fmt.Fprintf(&b, "%s%04d%02d%s", st.id, ym[0], ym[1], el)
				for d := 1; d <= 31; d++ {
					v, m, q, s := -9999, ' ', ' ', ' '
					if d <= days && r.IntN(20) != 0 { // about one day in twenty is missing
						switch el {
						case "TMAX":
							v, s = st.base+r.IntN(61)-30, 'S'
						case "TMIN":
							v, s = st.base-80+r.IntN(41)-20, 'S'
						default:
							v, s = max(0, r.IntN(200)-120), 'S'
							if v == 0 && r.IntN(3) == 0 {
								m = 'T' // a trace
							}
						}
						if r.IntN(40) == 0 {
							q = 'I' // failed the internal consistency check
						}
					}
					fmt.Fprintf(&b, "%5d%c%c%c", v, m, q, s)
				}
				b.WriteByte('\n')
			}
		}
	}
	return []byte(b.String())
}

func TestGHCNSample(t *testing.T) {
	const path = "../testdata/ghcn/sample.dly"
	want := ghcnSample()
	if *rewriteGolden {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is not what ghcnSample writes; run go test ./query -run TestGHCNSample -rewrite", path)
	}
}

// TestGHCNManyFiles: 1,000 .dly files under one directory (one file per
// station, as NOAA ships them; each a station of the sample with its id
// and values shifted) queried as one table give the same rows, _rowid
// included, and the same aggregates as the files concatenated into one,
// under several worker counts, batch sizes and I/O strategies.
func TestGHCNManyFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 1,000 files; skipped under -short")
	}
	sample := strings.SplitAfter(strings.TrimSuffix(string(ghcnSample()), "\n"), "\n")
	dir := t.TempDir()
	stations := filepath.Join(dir, "stations")
	if err := os.Mkdir(stations, 0o755); err != nil {
		t.Fatal(err)
	}
	layout := `CREATE TABLE ghcn (station CHAR(11) POSITION(1:11), year INT16 POSITION(12:15), month INT16 POSITION(16:17),
		element CHAR(4) POSITION(18:21), value1 INT32 POSITION(22:26) NULLIF '-9999', mflag1 CHAR(1) POSITION(27:27),
		value15 INT32 POSITION(134:138) NULLIF '-9999', value31 INT32 POSITION(262:266) NULLIF '-9999') WITH (format = 'text')`
	if err := os.WriteFile(filepath.Join(stations, DirSchemaName), []byte(layout), 0o644); err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for i := range 1000 {
		var f strings.Builder
		for _, line := range sample[:9] { // the first station's nine lines
			if !strings.HasSuffix(line, "\n") {
				line += "\n"
			}
			id := fmt.Sprintf("XX%09d", i)
			f.WriteString(id + line[11:])
		}
		name := filepath.Join(stations, fmt.Sprintf("XX%09d.dly", i))
		if err := os.WriteFile(name, []byte(f.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		all.WriteString(f.String())
	}
	one := filepath.Join(dir, "all.dly")
	if err := os.WriteFile(one, []byte(all.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(one+SidecarSuffix, []byte(layout), 0o644); err != nil {
		t.Fatal(err)
	}
	queries := []string{
		"SELECT *, _rowid FROM %s ORDER BY _rowid",
		"SELECT element, count(*), count(value1), sum(value1), min(value15), max(value31), count(DISTINCT station) FROM %s GROUP BY 1 ORDER BY 1",
		"SELECT station, year, month, value1 FROM %s WHERE element = 'TMAX' AND value1 > 300 ORDER BY value1 DESC, _rowid LIMIT 20",
		"SELECT * FROM %s LIMIT 5",
	}
	for _, s := range []Settings{{Workers: 1}, {Workers: 2, BatchSize: 7}, {Workers: 3, IO: storage.Buffered}, {Workers: 8, IO: storage.Direct, BatchSize: 1000}} {
		eng, _ := testEngine(t, s)
		for _, q := range queries {
			want := queryRows(t, eng, fmt.Sprintf(q, "'"+one+"'"))
			got := queryRows(t, eng, fmt.Sprintf(q, "'"+stations+"'"))
			if len(want) == 0 {
				t.Fatalf("%s: no rows", q)
			}
			if !slices.Equal(got, want) {
				t.Errorf("workers=%d batch=%d io=%v: %s: the directory differs from the concatenation: %s", s.Workers, s.BatchSize, s.IO, q, firstDiff(got, want))
			}
		}
	}
}
