package main

import (
	"fmt"
	"os"
	"time"

	"github.com/recq/recq/query"
	"github.com/recq/recq/repl"
	"github.com/recq/recq/storage"
	"github.com/recq/recq/storage/gen"
)

type genCmd struct {
	Table  string `required:"" enum:"lineitem,sensors" help:"Table to generate: lineitem or sensors."`
	Rows   int64  `required:"" help:"Number of rows."`
	Out    string `required:"" type:"path" help:"Output file; written atomically."`
	Seed   uint64 `default:"1" help:"Random seed; the same seed gives the same bytes."`
	Format string `default:"rec" enum:"rec,text" help:"rec (self-describing binary) or text (fixed-width lines plus an OUT.schema sidecar)."`
}

func (c *genCmd) Help() string {
	return `Examples:
  recq gen --table lineitem --rows 100000 --out li.rec
  recq gen --table lineitem --rows 1000 --out li.txt --format text`
}

func (c *genCmd) Run(e *env) error {
	if c.Rows < 0 {
		return fmt.Errorf("--rows must not be negative")
	}
	t, err := gen.Lookup(c.Table)
	if err != nil {
		return err
	}
	start := time.Now()
	if c.Format == "text" {
		err = t.WriteText(c.Out, c.Rows, c.Seed)
	} else {
		err = t.Write(c.Out, c.Rows, c.Seed)
	}
	if err != nil {
		return err
	}
	st, err := os.Stat(c.Out)
	if err != nil {
		return err
	}
	secs := time.Since(start).Seconds()
	fmt.Fprintf(e.stderr, "wrote %d %s rows to %s (%d bytes) in %.2fs, %.0f MB/s\n",
		c.Rows, t.Name, c.Out, st.Size(), secs, float64(st.Size())/1e6/secs)
	if c.Format == "text" {
		fmt.Fprintf(e.stderr, "layout: %s\n", gen.SidecarPath(c.Out))
	}
	return nil
}

type describeCmd struct {
	File          string `arg:"" help:"A .rec file, or a raw file with a FILE.schema sidecar."`
	Schema        string `help:"Layout DDL (CREATE TABLE ...) or a file holding it; overrides the sidecar."`
	IgnorePartial bool   `help:"Ignore a trailing partial record instead of failing."`
}

func (c *describeCmd) Help() string {
	return `Examples:
  recq describe li.rec
  recq describe stations.txt --schema stations.ddl`
}

func (c *describeCmd) Run(e *env) error {
	d, err := query.DescribeFile(c.File, query.OpenTableOptions{Schema: c.Schema, IgnorePartial: c.IgnorePartial})
	if err != nil {
		return err
	}
	return repl.RenderDescription(e.stdout, d)
}

type verifyCmd struct {
	File string `arg:"" help:"A .rec file."`
}

func (c *verifyCmd) Help() string {
	return `Checks the header checksum, the record count against the file size, and
every block's CRC32C. Exits 1 naming the first damaged block.`
}

func (c *verifyCmd) Run(e *env) error {
	t, err := storage.Open(c.File, storage.OpenOptions{})
	if err != nil {
		return err
	}
	f, err := os.Open(c.File)
	if err != nil {
		return err
	}
	defer f.Close()
	res, err := storage.Verify(t, f)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: OK: header checksum, %d blocks, %d records, %d bytes verified\n", c.File, res.Blocks, res.Records, res.Bytes)
	return nil
}
