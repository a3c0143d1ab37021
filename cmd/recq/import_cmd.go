package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/recq/recq/parser"
	"github.com/recq/recq/query/importer"
	"github.com/recq/recq/repl"
)

type importCmd struct {
	Schema    string `placeholder:"DDL|FILE" help:"The layout: a CREATE TABLE statement, or a file holding one. Delimited input needs it; a fixed-width input defaults to its FROM.schema sidecar."`
	From      string `required:"" type:"existingfile" placeholder:"INPUT" help:"The input file."`
	Out       string `required:"" type:"path" placeholder:"FILE.rec" help:"The .rec file to write (appears only when the import succeeds)."`
	Delimiter string `placeholder:"C" help:"Field delimiter: one character, or comma, tab, pipe, semicolon. Default by name: .csv comma, .tsv tab, .tbl pipe; other files are read as fixed-width records."`
	Header    bool   `help:"The first line of delimited input names the columns: it is checked against the layout (same names, same order) and skipped."`
	MaxErrors int64  `placeholder:"N" help:"Skip up to N bad lines (reported on stderr) before failing; default 0."`
	Rejects   string `type:"path" placeholder:"FILE" help:"Write the skipped lines to FILE."`
}

func (c *importCmd) Help() string {
	return `Delimited text: fields split at the delimiter, double quotes around fields
that hold it ("a ""quoted"" word"), an empty field is NULL, and the trailing
'|' of TPC-H .tbl lines is accepted. Numbers, DECIMALs and dates are parsed as
in fixed-width text (dates YYYY-MM-DD unless the column has a FORMAT). The
output holds the layout's columns as binary fields.

Examples:
  recq import --schema lineitem.ddl --delimiter '|' --from lineitem.tbl --out li.rec
  recq import --schema 'CREATE TABLE t (id INT64, name CHAR(20) NULL)' --from t.csv --header --out t.rec
  recq import --from stations.txt --out stations.rec       # fixed-width, layout from stations.txt.schema
  recq import --schema t.ddl --from t.csv --out t.rec --max-errors 100 --rejects bad.csv`
}

func (c *importCmd) Run(g *globals, e *env) error {
	var delim byte
	if c.Delimiter != "" {
		d, err := importer.ParseDelimiter(c.Delimiter)
		if err != nil {
			return usageError("--delimiter: %v", err)
		}
		delim = d
	} else {
		delim = importer.DelimiterFor(c.From)
	}
	if delim != 0 && c.Schema == "" {
		return usageError("delimited input needs its layout: --schema 'CREATE TABLE ...' or --schema FILE")
	}
	if c.MaxErrors < 0 {
		return usageError("--max-errors must not be negative")
	}
	shown := 0
	const showMax = 10
	im, err := importer.New(importer.Options{
		Schema: c.Schema, From: c.From, Out: c.Out, Delimiter: delim, Header: c.Header,
		MaxErrors: c.MaxErrors, Rejects: c.Rejects, Workers: g.Workers,
		OnReject: func(le *importer.LineError) {
			if c.MaxErrors == 0 {
				return // the error ends the import and is printed then
			}
			if shown < showMax {
				fmt.Fprintf(e.stderr, "skipped: %v\n", le)
			} else if shown == showMax {
				fmt.Fprintln(e.stderr, "skipped: (more bad lines are not shown)")
			}
			shown++
		},
	})
	if err != nil {
		var pe *parser.Error
		if errors.As(err, &pe) && c.Schema != "" {
			// A mistake in the layout: show it with a caret.
			if text, terr := importer.SchemaText(c.Schema); terr == nil {
				fmt.Fprintln(e.stderr, pe.Render(text))
				return errQuiet
			}
		}
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if e.notify != nil {
		sigs := make(chan os.Signal, 1)
		stop := e.notify(sigs)
		defer stop()
		go func() {
			select {
			case <-sigs:
				cancel()
			case <-ctx.Done():
			}
		}()
	}
	var prog *repl.Progress
	if e.stderrTerminal && !g.NoProgress {
		prog = repl.StartProgress(e.stderr, 0, im.Progress)
	}
	st, err := im.Run(ctx)
	prog.Stop()
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return fmt.Errorf("import interrupted; %s was not written", c.Out)
		}
		return fmt.Errorf("%w\nimport failed; %s was not written", err, c.Out)
	}
	secs := st.Elapsed.Seconds()
	fmt.Fprintf(e.stderr, "imported %d rows into %s (%d bytes of input in %.2fs, %.0f MB/s)", st.Rows, c.Out, st.Bytes, secs, float64(st.Bytes)/1e6/max(secs, 1e-9))
	if st.Rejected > 0 {
		fmt.Fprintf(e.stderr, "; skipped %d bad lines", st.Rejected)
		if c.Rejects != "" {
			fmt.Fprintf(e.stderr, " (written to %s)", c.Rejects)
		}
	}
	fmt.Fprintln(e.stderr)
	return nil
}
