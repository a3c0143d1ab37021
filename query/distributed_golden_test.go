package query

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
)

// TestDistributedPlansGolden checks testdata/distributed/plans.test:
// "plan" records expect the fragments (DistributedPlan.Explain), "refused"
// records the reason a query does not decompose. -rewrite rewrites them.
func TestDistributedPlansGolden(t *testing.T) {
	const path = "../testdata/distributed/plans.test"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	eng, _ := testEngine(t, Settings{Workers: 2})
	// a broadcast limit between the small tables (people) and the large
	// ones (sensors, lineitem: 2000 records each)
	opts := DistributeOptions{BroadcastLimit: 64 << 10}
	ctx := context.Background()
	var out strings.Builder
	n := 0
	for _, block := range strings.Split(strings.TrimSpace(string(data)), "\n\n") {
		lines := strings.Split(block, "\n")
		var head []string
		for len(lines) > 0 && strings.HasPrefix(lines[0], "#") {
			head, lines = append(head, lines[0]), lines[1:]
		}
		for _, h := range head {
			out.WriteString(h + "\n")
		}
		if len(lines) == 0 {
			out.WriteString("\n")
			continue
		}
		kind := lines[0]
		if (kind != "plan" && kind != "refused") || len(lines) < 2 {
			t.Fatalf("%s: record %q: want plan or refused, then the SQL", path, block)
		}
		sql := lines[1]
		var want []string
		if len(lines) > 3 && lines[2] == "----" {
			want = lines[3:]
		}
		var got string
		p, err := eng.PlanDistributed(ctx, sql, opts)
		switch {
		case kind == "plan" && err != nil:
			t.Errorf("%s: %v", sql, err)
			got = "error: " + err.Error()
		case kind == "plan":
			got = strings.TrimRight(p.Explain(), "\n")
		case err == nil:
			t.Errorf("%s: decomposes, want it refused", sql)
		case !errors.Is(err, ErrNotDistributable):
			t.Errorf("%s: %v is not ErrNotDistributable", sql, err)
		default:
			got = err.Error()
		}
		if !*rewriteGolden && got != strings.Join(want, "\n") {
			t.Errorf("%s:\ngot\n%s\nwant\n%s", sql, got, strings.Join(want, "\n"))
		}
		out.WriteString(kind + "\n" + sql + "\n----\n" + got + "\n\n")
		n++
	}
	if *rewriteGolden {
		if err := os.WriteFile(path, []byte(strings.TrimRight(out.String(), "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if n < 15 {
		t.Errorf("only %d records", n)
	}
}
