package query

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow/memory"
)

// TestRecordTypeDocs runs the SQL of docs/record_types.md against the
// samples under testdata: every ```sql block must run, and a ```text
// block right after one holds the rows its last statement returns, in the
// golden tests' format (`go test ./query -run TestRecordTypeDocs
// -rewrite` rewrites them). Paths in the docs are relative to the
// repository's root.
func TestRecordTypeDocs(t *testing.T) {
	const path = "../docs/record_types.md"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	type block struct {
		sql        string
		start, end int // the text block's lines [start, end), or -1
	}
	var blocks []block
	for i := 0; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) != "```sql" {
			continue
		}
		j := i + 1
		for j < len(lines) && strings.TrimSpace(lines[j]) != "```" {
			j++
		}
		b := block{sql: strings.Join(lines[i+1:j], "\n"), start: -1}
		k := j + 1
		for k < len(lines) && strings.TrimSpace(lines[k]) == "" {
			k++
		}
		if k < len(lines) && strings.TrimSpace(lines[k]) == "```text" {
			e := k + 1
			for e < len(lines) && strings.TrimSpace(lines[e]) != "```" {
				e++
			}
			b.start, b.end = k+1, e
			i = e
		} else {
			i = j
		}
		blocks = append(blocks, b)
	}
	if len(blocks) < 8 {
		t.Fatalf("%s has %d SQL blocks; the parser of this test is off", path, len(blocks))
	}
	for ci, cfg := range goldenConfigs[:3] {
		mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
		eng, err := Open(Options{Settings: cfg.settings, Allocator: mem})
		if err != nil {
			t.Fatal(err)
		}
		var rewritten []string
		done := 0
		for _, b := range blocks {
			r := &goldenRecord{sql: strings.ReplaceAll(b.sql, "'testdata/", "'../testdata/")}
			got, err := runGolden(eng, r, t.TempDir())
			if err != nil {
				t.Fatalf("%s: %v\n%s", cfg.name, err, b.sql)
			}
			if b.start < 0 {
				continue
			}
			if *rewriteGolden && ci == 0 {
				rewritten = append(rewritten, lines[done:b.start]...)
				rewritten = append(rewritten, got...)
				done = b.end
				continue
			}
			if want := lines[b.start:b.end]; !slices.Equal(got, want) {
				t.Errorf("%s: %s\ngot\n%s\nwant\n%s", cfg.name, b.sql, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		}
		if *rewriteGolden && ci == 0 {
			rewritten = append(rewritten, lines[done:]...)
			if err := os.WriteFile(path, []byte(strings.Join(rewritten, "\n")), 0o644); err != nil {
				t.Fatal(err)
			}
			eng.Close()
			return // the other configurations check the rewritten file in the next run
		}
		eng.Close()
		mem.AssertSize(t, 0)
	}
}
