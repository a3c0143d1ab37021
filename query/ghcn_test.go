package query

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"
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
