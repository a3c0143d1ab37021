package storage

import (
	"bytes"
	"testing"
)

// FuzzVarWalk walks random bytes as V and VB records under each framing
// option: the header walker must end, never panic, return records inside
// the data, and agree with the index builder (same record count, or both
// failing). Seeds: files written by VarWriter and damaged headers.
func FuzzVarWalk(f *testing.F) {
	for _, fr := range []Framing{{}, {Blocked: true}, {RDWAdjust: -4, RDWLittleEndian: true}, {Blocked: true, BDWAdjust: -4, BDWLittleEndian: true}} {
		var b bytes.Buffer
		w := NewVarWriter(&b, fr, 50)
		for _, r := range varRecords(12) {
			w.Write(r)
		}
		w.Close()
		f.Add(b.Bytes(), fr.flags(), int8(fr.RDWAdjust), int8(fr.BDWAdjust))
	}
	f.Add([]byte{0, 0, 0, 0}, uint8(0), int8(0), int8(0))
	f.Add([]byte{0, 0, 0, 5, 1, 2, 3, 4, 5}, uint8(0), int8(0), int8(0))
	f.Add([]byte{0, 9, 0, 0, 0, 5, 0, 0, 1}, uint8(1), int8(0), int8(0))
	f.Add([]byte{0xFF, 0xFF, 0, 0}, uint8(2), int8(-4), int8(0))
	f.Fuzz(func(t *testing.T, data []byte, flags uint8, rdwAdj, bdwAdj int8) {
		fr := Framing{Blocked: flags&1 != 0, RDWLittleEndian: flags&2 != 0, BDWLittleEndian: flags&4 != 0,
			RDWAdjust: int(rdwAdj), BDWAdjust: int(bdwAdj)}
		var sp RecordSpans
		n, err := fr.Split("fuzz", data, 0, 0, 0, -1, &sp)
		if sp.N() != n {
			t.Fatalf("walked %d records but returned %d", n, sp.N())
		}
		for i := range sp.N() {
			if sp.Len[i] <= 0 || sp.Start[i] < HeaderLen || sp.Start[i]+sp.Len[i] > len(data) {
				t.Fatalf("record %d at %d+%d is outside the %d bytes", i, sp.Start[i], sp.Len[i], len(data))
			}
		}
		x, xerr := buildVarIndex("fuzz", bytes.NewReader(data), 0, int64(len(data)), fr)
		if (err == nil) != (xerr == nil) {
			t.Fatalf("Split: %v; index: %v", err, xerr)
		}
		if err == nil && x.Count != int64(n) {
			t.Fatalf("Split found %d records, the index %d", n, x.Count)
		}
	})
}
