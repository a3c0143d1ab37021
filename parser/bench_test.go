package parser

import (
	"strings"
	"testing"
)

// benchSelect is a ~200-character SELECT with the usual clauses.
const benchSelect = "SELECT l_returnflag, sum(l_extendedprice * (1 - l_discount)) AS revenue, count(*) AS n " +
	"FROM lineitem WHERE l_shipdate <= DATE '1998-12-01' - INTERVAL 90 DAY AND l_quantity < 24 " +
	"GROUP BY l_returnflag ORDER BY revenue DESC LIMIT 10"

func BenchmarkParseSelect(b *testing.B) {
	if n := len(benchSelect); n < 190 || n > 230 {
		b.Fatalf("benchmark query is %d characters", n)
	}
	b.SetBytes(int64(len(benchSelect)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(benchSelect); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLex is the baseline: tokenising the same text.
func BenchmarkLex(b *testing.B) {
	b.SetBytes(int64(len(benchSelect)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := lex(benchSelect); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseError(b *testing.B) {
	q := strings.Replace(benchSelect, "count(*) AS n", "count(*) AS n,", 1)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(q); err == nil {
			b.Fatal("no error")
		}
	}
}
