package flightserver

import (
	"fmt"
	"testing"
	"time"

	"github.com/recq/recq/query"
)

// Splits are grouped in file order into at most n endpoints, the splits
// of one file in a group becoming one split with adjacent ranges joined.
func TestGroupSplits(t *testing.T) {
	sp := func(file int, ranges ...int64) query.Split {
		s := query.Split{Version: query.SplitVersion, Table: "t", File: file, Path: fmt.Sprintf("f%d", file), Records: 100, Align: "block"}
		for i := 0; i < len(ranges); i += 2 {
			s.Ranges = append(s.Ranges, query.RecordRange{Start: ranges[i], End: ranges[i+1]})
		}
		return s
	}
	show := func(gs [][]query.Split) string {
		out := ""
		for _, g := range gs {
			out += "|"
			for _, s := range g {
				out += fmt.Sprintf(" %d%v", s.File, s.Ranges)
			}
		}
		return out
	}
	for _, tc := range []struct {
		splits []query.Split
		n      int
		want   string
	}{
		{nil, 4, "|"},
		{[]query.Split{sp(0, 0, 10)}, 4, "| 0[{0 10}]"},
		{[]query.Split{sp(0, 0, 10), sp(0, 10, 20), sp(0, 30, 40), sp(0, 40, 50)}, 2, "| 0[{0 20}]| 0[{30 50}]"},
		{[]query.Split{sp(0, 0, 10), sp(0, 10, 20), sp(0, 30, 40), sp(0, 40, 50)}, 1, "| 0[{0 20} {30 50}]"},
		{[]query.Split{sp(0, 0, 10), sp(1, 0, 10), sp(1, 10, 20), sp(2, 0, 5)}, 2, "| 0[{0 10}] 1[{0 10}]| 1[{10 20}] 2[{0 5}]"},
		{[]query.Split{sp(0, 0, 10), sp(1, 0, 10), sp(2, 0, 10)}, 5, "| 0[{0 10}]| 1[{0 10}]| 2[{0 10}]"},
	} {
		if got := show(groupSplits(tc.splits, tc.n)); got != tc.want {
			t.Errorf("%d groups of %v: got %q, want %q", tc.n, tc.splits, got, tc.want)
		}
	}
}

// A ticket signed with a key opens with it, with its fields intact, and
// not with another key; an altered byte anywhere breaks it.
func TestTicketSignature(t *testing.T) {
	key := []byte("k")
	now := time.Now()
	in := ticket{Kind: kindBucket, SQL: "SELECT 1", FP: "abc", Bucket: 1, Buckets: 3, Args: []param{{T: "int", V: "7"}}, Exp: now.Add(time.Minute).Unix()}
	b, err := signTicket(key, in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := openTicket(key, b, now)
	if err != nil || fmt.Sprint(out) != fmt.Sprint(ticket{V: ticketVersion, Kind: kindBucket, SQL: "SELECT 1", FP: "abc", Bucket: 1, Buckets: 3, Args: []param{{T: "int", V: "7"}}, Exp: in.Exp}) {
		t.Fatalf("got %+v, %v", out, err)
	}
	if _, err := openTicket([]byte("other"), b, now); err == nil {
		t.Error("opened with another key")
	}
	for i := range b {
		c := append([]byte(nil), b...)
		c[i] ^= 1
		if _, err := openTicket(key, c, now); err == nil {
			t.Fatalf("byte %d altered, the ticket still opens", i)
		}
	}
	if _, err := openTicket(key, b, now.Add(2*time.Minute)); err == nil {
		t.Error("an expired ticket opened")
	}
}

// Parameter values survive the ticket's JSON exactly.
func TestParamValues(t *testing.T) {
	got, err := paramValues([]param{{T: "null"}, {T: "bool", V: "true"}, {T: "int", V: "-9007199254740993"}, {T: "uint", V: "18446744073709551615"},
		{T: "float", V: "0.1"}, {T: "string", V: "x'y"}, {T: "date", V: "19000"}})
	if err != nil {
		t.Fatal(err)
	}
	if s := fmt.Sprintf("%#v", got); s != `[]interface {}{interface {}(nil), true, -9007199254740993, 0xffffffffffffffff, 0.1, "x'y", 19000}` {
		t.Errorf("got %s", s)
	}
	if _, err := paramValues([]param{{T: "blob", V: "x"}}); err == nil {
		t.Error("an unknown kind was accepted")
	}
}
