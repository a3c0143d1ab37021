package query

import (
	"bytes"
	"os"
	"testing"

	"github.com/recq/recq/storage"
)

// varSampleLens are the lengths of the records of the variable-length
// samples, cut from (or padded past) accounts.ebc's 67-byte records:
// record 2 ends inside balance, record 3 after credit, record 4 carries 5
// extra bytes past the layout.
var varSampleLens = []int{67, 67, 20, 31, 72, 67}

// TestVarSample rebuilds testdata/mainframe/accounts_v.ebc (record_format
// V, z/OS RDWs that count their own 4 bytes) and accounts_vb.ebc (VB, BDW
// and RDW both counting themselves, blocks of at most 160 bytes) with
// storage.VarWriter from accounts.ebc's records and checks the committed
// files are exactly that; -rewrite writes them.
func TestVarSample(t *testing.T) {
	fixed, err := os.ReadFile("../testdata/mainframe/accounts.ebc")
	if err != nil {
		t.Fatal(err)
	}
	const recLen = 67
	for _, tc := range []struct {
		path string
		fr   storage.Framing
	}{
		{"../testdata/mainframe/accounts_v.ebc", storage.Framing{RDWAdjust: -4}},
		{"../testdata/mainframe/accounts_vb.ebc", storage.Framing{Blocked: true, RDWAdjust: -4, BDWAdjust: -4}},
	} {
		var out bytes.Buffer
		w := storage.NewVarWriter(&out, tc.fr, 160)
		for i, n := range varSampleLens {
			rec := make([]byte, n)
			copy(rec, fixed[i*recLen:(i+1)*recLen])
			for k := recLen; k < n; k++ {
				rec[k] = 0x40 // EBCDIC spaces past the layout
			}
			if err := w.Write(rec); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if *rewriteGolden {
			if err := os.WriteFile(tc.path, out.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := os.ReadFile(tc.path)
		if err != nil || !bytes.Equal(got, out.Bytes()) {
			t.Fatalf("%s differs from what storage.VarWriter produces (run go test ./query -run TestVarSample -rewrite): %v", tc.path, err)
		}
	}
}
