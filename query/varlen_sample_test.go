package query

import (
	"bytes"
	"os"
	"strings"
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

// TestVarLayoutRoundTrip: the record_format options survive a sidecar's
// round trip (storage.FormatDDL, then ParseLayout), and bad values are
// errors that say what is wanted.
func TestVarLayoutRoundTrip(t *testing.T) {
	ddl := `CREATE TABLE t (a CHAR(4) POSITION(1:4)) WITH (record_format = 'vb', is_rdw_big_endian = false, rdw_adjustment = -4,
		is_bdw_big_endian = false, bdw_adjustment = 2, file_start_offset = 10, file_end_offset = 3)`
	l, err := ParseLayout(ddl)
	if err != nil {
		t.Fatal(err)
	}
	want := storage.RawOptions{RecordFormat: storage.RecordVariableBlocked, RDWLittleEndian: true, RDWAdjust: -4,
		BDWLittleEndian: true, BDWAdjust: 2, SkipBytes: 10, EndBytes: 3}
	if l.Raw != want {
		t.Fatalf("options = %+v, want %+v", l.Raw, want)
	}
	again, err := ParseLayout(storage.FormatDDL("t", l.Schema, l.Raw))
	if err != nil || again.Raw != want {
		t.Fatalf("round trip: %+v, %v", again, err)
	}
	for _, tc := range []struct{ opt, want string }{
		{"record_format = 'X'", `record_format "X" is not F, FB, V, VB or D`},
		{"rdw_adjustment = 'a'", "rdw_adjustment wants a whole number of bytes"},
		{"is_rdw_big_endian = 3", "is_rdw_big_endian wants true or false"},
		{"file_end_offset = -1", "file_end_offset: -1 is not a non-negative whole number"},
	} {
		_, err := ParseLayout("CREATE TABLE t (a CHAR(4)) WITH (" + tc.opt + ")")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v; want %q", tc.opt, err, tc.want)
		}
	}
	if l, err := ParseLayout("CREATE TABLE t (a CHAR(4)) WITH (record_format = 'D')"); err != nil || !l.Raw.Text {
		t.Errorf("record_format D: %+v, %v; want a text layout", l, err)
	}
}
