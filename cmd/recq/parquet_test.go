package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"
	"github.com/recq/recq/query/export"
	"github.com/recq/recq/storage/gen"
)

// TestParquetExportRowGroups exports a lineitem table of a little more
// than two row groups with -m parquet -o, as a user would, and reads the
// file back with Arrow's own Parquet reader: three row groups, every row,
// the same sums as the query engine's, and statistics on every column
// chunk. No temporary file is left beside the output.
func TestParquetExportRowGroups(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 250,000 rows")
	}
	dir := t.TempDir()
	rows := int64(2*export.DefaultRowGroupRows + 4000)
	li := filepath.Join(dir, "li.rec")
	tbl, err := gen.Lookup("lineitem")
	if err != nil {
		t.Fatal(err)
	}
	if err := tbl.Write(li, rows, 1); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.parquet")
	var stdout, stderr bytes.Buffer
	e := &env{stdout: &stdout, stderr: &stderr}
	if code := run([]string{"-m", "parquet", "-o", out, "-c", "SELECT * FROM '" + li + "'"}, e); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	stdout.Reset()
	if code := run([]string{"-m", "csv", "-c", "SELECT count(*), sum(l_quantity), sum(l_orderkey), min(l_shipdate) FROM '" + li + "'"}, e); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	want := strings.Split(strings.TrimSpace(stdout.String()), "\n")[1]

	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		var names []string
		for _, en := range entries {
			names = append(names, en.Name())
		}
		t.Errorf("files in the directory: %v, want li.rec and out.parquet", names)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pf, err := file.NewParquetReader(f)
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	if pf.NumRowGroups() != 3 {
		t.Errorf("%d row groups, want 3", pf.NumRowGroups())
	}
	for g := 0; g < pf.NumRowGroups(); g++ {
		for c := 0; c < pf.MetaData().Schema.NumColumns(); c++ {
			cc, err := pf.MetaData().RowGroup(g).ColumnChunk(c)
			if err != nil {
				t.Fatal(err)
			}
			if st, err := cc.Statistics(); err != nil || st == nil || !st.HasMinMax() {
				t.Errorf("row group %d column %d: no min/max statistics (%v)", g, c, err)
			}
		}
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	table, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer table.Release()
	if table.NumRows() != rows || table.NumCols() != 16 {
		t.Fatalf("read back %d rows x %d columns, want %d x 16", table.NumRows(), table.NumCols(), rows)
	}
	var qty, keys int64
	minShip := arrow.Date32(1 << 30)
	for _, ch := range table.Column(4).Data().Chunks() {
		for _, v := range ch.(*array.Decimal128).Values() {
			qty += int64(v.LowBits())
		}
	}
	for _, ch := range table.Column(0).Data().Chunks() {
		for _, v := range ch.(*array.Int64).Int64Values() {
			keys += v
		}
	}
	for _, ch := range table.Column(10).Data().Chunks() {
		for _, v := range ch.(*array.Date32).Date32Values() {
			minShip = min(minShip, v)
		}
	}
	got := strings.Join([]string{strconv.FormatInt(table.NumRows(), 10), decimalText(qty), strconv.FormatInt(keys, 10), minShip.FormattedString()}, ",")
	if got != want {
		t.Errorf("read back count,sum(l_quantity),sum(l_orderkey),min(l_shipdate) = %s, the engine says %s", got, want)
	}
}

// decimalText prints a DECIMAL(_, 2) held as cents (non-negative).
func decimalText(cents int64) string {
	return strconv.FormatInt(cents/100, 10) + "." + fmt.Sprintf("%02d", cents%100)
}
