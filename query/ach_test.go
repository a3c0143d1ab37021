package query

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
)

// The ACH sample (testdata/ach/payments.ach) is synthetic: invented
// companies, people and accounts in the NACHA layout docs/ach.md
// describes. achSample writes it; `go test ./query -run TestACHSample
// -rewrite` regenerates the file.

type achEntry struct {
	code    int    // transaction code: 22/32 credit, 27/37 debit
	dfi     string // receiving DFI, 8 digits
	account string
	cents   int64
	id      string
	name    string
	addenda string // payment-related information, or ""
}

type achBatch struct {
	class   int // service class: 200 mixed, 220 credits, 225 debits
	company string
	compID  string
	sec     string
	desc    string
	date    string // YYMMDD
	entries []achEntry
}

var achBatches = []achBatch{
	{220, "ACME PAYROLL", "1234567890", "PPD", "PAYROLL", "260904", []achEntry{
		{22, "07640125", "4417852201", 182550, "EMP0001", "ALICE MORGAN", ""},
		{22, "02100002", "99001234", 245000, "EMP0002", "BRUNO DIAZ", "BONUS INCLUDED"},
		{32, "07640125", "5590012", 97525, "EMP0003", "CHEN WEI", ""},
		{22, "11100061", "000123456789", 310075, "EMP0004", "DANA OKAFOR", ""},
	}},
	{225, "NORTHWIND UTIL", "9876543210", "PPD", "UTILITY", "260905", []achEntry{
		{27, "02100002", "7712", 8450, "CUST-88121", "EVA LINDQVIST", "SEPT ELECTRIC"},
		{27, "26107304", "33004455", 12999, "CUST-88122", "FARID HASSAN", ""},
		{37, "07640125", "100200300", 6025, "CUST-88123", "GRACE KIM", "SEPT WATER"},
	}},
	{200, "ACME PAYROLL", "1234567890", "CCD", "VENDORPAY", "260905", []achEntry{
		{22, "11100061", "8800112233", 1250000, "INV-2026-0091", "BLUE RIVER SUPPLY", "INV 2026-0091 NET 30"},
		{27, "26107304", "4455667788", 15000, "INV-2026-0092", "QUARTZ LOGISTICS", ""},
	}},
}

// achSample renders the sample file: 94-character records and LF, blocked
// to a multiple of 10 records with lines of 9s.
func achSample() []byte {
	var lines []string
	add := func(format string, args ...any) {
		s := fmt.Sprintf(format, args...)
		if len(s) != 94 {
			panic(fmt.Sprintf("ACH record of %d characters: %q", len(s), s))
		}
		lines = append(lines, s)
	}
	const origin, odfi = "1234567890", "09100001"
	add("101%10s%10s%s%s%s094101%-23s%-23s%-8s", "091000019", origin, "260903", "1415", "A", "FED RESERVE BANK", "EXAMPLE ORIGIN BANK", "")
	var fileEntries, fileHash, fileDebit, fileCredit int64
	trace := 0
	for bi, b := range achBatches {
		add("5%03d%-16s%-20s%-10s%-3s%-10s%-6s%-6s%-3s1%-8s%07d", b.class, b.company, "", b.compID, b.sec, b.desc, "", b.date, "", odfi, bi+1)
		var count, hash, debit, credit int64
		for _, e := range b.entries {
			trace++
			ind := 0
			if e.addenda != "" {
				ind = 1
			}
			add("6%02d%-8s%d%-17s%010d%-15s%-22s%-2s%d%-8s%07d", e.code, e.dfi, achCheckDigit(e.dfi), e.account, e.cents, e.id, e.name, "", ind, odfi, trace)
			count++
			var d int64
			fmt.Sscan(e.dfi, &d)
			hash += d
			if e.code%10 == 7 {
				debit += e.cents
			} else {
				credit += e.cents
			}
			if e.addenda != "" {
				add("705%-80s%04d%07d", e.addenda, 1, trace)
				count++
			}
		}
		add("8%03d%06d%010d%012d%012d%-10s%-19s%-6s%-8s%07d", b.class, count, hash%1e10, debit, credit, b.compID, "", "", odfi, bi+1)
		fileEntries += count
		fileHash += hash
		fileDebit += debit
		fileCredit += credit
	}
	blocks := (len(lines) + 1 + 9) / 10
	add("9%06d%06d%08d%010d%012d%012d%-39s", len(achBatches), blocks, fileEntries, fileHash%1e10, fileDebit, fileCredit, "")
	for len(lines)%10 != 0 {
		lines = append(lines, strings.Repeat("9", 94))
	}
	return []byte(strings.Join(lines, "\n") + "\n")
}

// achCheckDigit is the routing number check digit of an 8-digit DFI.
func achCheckDigit(dfi string) int {
	w := []int{3, 7, 1, 3, 7, 1, 3, 7}
	sum := 0
	for i, c := range dfi {
		sum += int(c-'0') * w[i]
	}
	return (10 - sum%10) % 10
}

func TestACHSample(t *testing.T) {
	const path = "../testdata/ach/payments.ach"
	want := achSample()
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
		t.Fatalf("%s is not what achSample writes; run go test ./query -run TestACHSample -rewrite", path)
	}
}
