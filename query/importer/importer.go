// Package importer turns delimited text (CSV, TSV, pipe-delimited TPC-H
// .tbl files) and raw fixed-width files into .rec files.
//
//	input file --reader--> chunks of whole lines (or records), in order
//	                |
//	                v
//	      N workers: split fields, parse text with storage's parsers,
//	                 encode binary records; bad lines become rejects
//	                |
//	                v
//	      collector: reorders chunks, appends records to a storage.Writer
//	                 (atomic: temp file, fsync, rename), writes rejects,
//	                 stops past the error limit
//
// The output schema is the input layout's fields re-packed as binary:
// implicit offsets, natural widths, nullability as declared, and a null
// bitmap after the fields when any field is nullable.
package importer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/recq/recq/internal/testhook"
	"github.com/recq/recq/query"
	"github.com/recq/recq/scan"
	"github.com/recq/recq/storage"
)

// Options describe one import.
type Options struct {
	// Schema is layout DDL (a CREATE TABLE statement) or the path of a file
	// holding it. Delimited input needs it; fixed-width input defaults to
	// its sidecar (FROM.schema), and a .rec input describes itself.
	Schema string
	// From is the input file, Out the .rec file to write.
	From, Out string
	// Delimiter separates the fields of delimited input; 0 means the input
	// is fixed-width (see DelimiterFor for the choice by file name).
	Delimiter byte
	// Header: the first line of delimited input names the columns; it is
	// checked against the layout (same names in the same order, case and
	// surrounding spaces aside) and skipped.
	Header bool
	// MaxErrors is how many bad lines are skipped before the import fails
	// (0: the first bad line fails it).
	MaxErrors int64
	// Rejects, when set, receives every skipped line as it was read.
	Rejects string
	// Workers parse in parallel (0: GOMAXPROCS).
	Workers int
	// OnReject is called for each bad line, in input order, from the
	// goroutine running Run.
	OnReject func(*LineError)
}

// Stats summarise an import.
type Stats struct {
	Rows     int64 // records written
	Rejected int64 // bad lines skipped
	Bytes    int64 // input bytes read
	Elapsed  time.Duration
}

// LineError is a bad line (or record) of the input: where it is, which
// field and what is wrong.
type LineError struct {
	Path string
	// Line is the 1-based line of delimited or text input, or the 1-based
	// record number of binary input (Record set).
	Line   int64
	Record bool
	// Column is the 1-based byte column where the field starts (0: the
	// whole line).
	Column int
	Field  string // column name, or ""
	Text   string // the field's text, or ""
	Err    error
}

func (e *LineError) Error() string {
	var b strings.Builder
	if e.Record {
		fmt.Fprintf(&b, "%s: record %d", e.Path, e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ", byte %d", e.Column)
		}
	} else {
		fmt.Fprintf(&b, "%s:%d", e.Path, e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	b.WriteString(": ")
	if e.Field != "" {
		fmt.Fprintf(&b, "column %s: ", e.Field)
	}
	b.WriteString(e.Err.Error())
	if e.Text != "" || e.Field != "" {
		fmt.Fprintf(&b, ": %s", strconv.Quote(e.Text))
	}
	return b.String()
}

func (e *LineError) Unwrap() error { return e.Err }

// ErrTooManyErrors: more bad lines than Options.MaxErrors.
var ErrTooManyErrors = errors.New("too many bad lines")

// DelimiterFor picks the delimiter by file name: .csv comma, .tsv and .tab
// tab, .tbl and .psv pipe; 0 (fixed-width) otherwise.
func DelimiterFor(path string) byte {
	switch strings.ToLower(filepath.Ext(strings.TrimSuffix(path, ".gz"))) {
	case ".csv":
		return ','
	case ".tsv", ".tab":
		return '\t'
	case ".tbl", ".psv":
		return '|'
	}
	return 0
}

// ParseDelimiter reads a delimiter option: one ASCII character, or a name
// (comma, tab, pipe, semicolon, space); "\t" is a tab.
func ParseDelimiter(s string) (byte, error) {
	switch strings.ToLower(s) {
	case "comma":
		return ',', nil
	case "tab", `\t`:
		return '\t', nil
	case "pipe":
		return '|', nil
	case "semicolon":
		return ';', nil
	case "space":
		return ' ', nil
	}
	if len(s) != 1 || s[0] >= 0x80 || s[0] == '"' || s[0] == '\n' || s[0] == '\r' {
		return 0, fmt.Errorf("delimiter %q must be one ASCII character (other than a quote or line break), or comma, tab, pipe, semicolon, space", s)
	}
	return s[0], nil
}

// OutputSchema re-packs a layout's fields as a binary record: implicit
// offsets, natural widths, little-endian, nullable as declared.
func OutputSchema(in *storage.Schema) (*storage.Schema, error) {
	fields := make([]storage.Field, len(in.Fields))
	for i, f := range in.Fields {
		fields[i] = storage.Field{Name: f.Name, Type: f.Type, Offset: storage.Implicit,
			Encoding: storage.LittleEndian, Nullable: f.Nullable, Trim: f.Trim}
	}
	return storage.NewSchema(fields, storage.SchemaOptions{NullBitmap: storage.Implicit})
}

// Importer runs one import. Progress may be called from any goroutine.
type Importer struct {
	opts   Options
	in     *storage.Schema // the input layout (delimited: field types and text options)
	out    *storage.Schema
	table  *storage.Table // fixed-width input
	size   int64
	done   atomic.Int64
	rows   atomic.Int64
	parsed bool
}

// New checks the options and the layout; Run does the work.
func New(opts Options) (*Importer, error) {
	if opts.From == "" || opts.Out == "" {
		return nil, errors.New("import needs an input file and an output file")
	}
	if opts.MaxErrors < 0 {
		return nil, errors.New("the error limit must not be negative")
	}
	st, err := os.Stat(opts.From)
	if err != nil {
		return nil, &storage.FileError{Path: opts.From, Record: -1, Offset: -1, Msg: "cannot open", Err: unwrapPath(err)}
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s is a directory", opts.From)
	}
	if same(opts.From, opts.Out) {
		return nil, fmt.Errorf("the output %s is the input file", opts.Out)
	}
	im := &Importer{opts: opts, size: st.Size()}
	if opts.Workers <= 0 {
		im.opts.Workers = runtime.GOMAXPROCS(0)
	}
	if opts.Delimiter != 0 {
		if opts.Schema == "" {
			return nil, errors.New("delimited input needs a layout: give --schema with a CREATE TABLE statement or a file holding one")
		}
		ddl, err := schemaText(opts.Schema)
		if err != nil {
			return nil, err
		}
		if im.in, err = delimitedLayout(ddl); err != nil {
			return nil, err
		}
		if storage.DetectCompression(opts.From) != storage.Uncompressed {
			// Progress counts decompressed bytes: measure them (this
			// indexes the file; the read reuses the index).
			_, size, closeFile, err := storage.OpenDataReader(opts.From)
			if err != nil {
				return nil, err
			}
			closeFile()
			im.size = size
		}
	} else {
		t, err := query.OpenTable(opts.From, query.OpenTableOptions{Schema: opts.Schema})
		if err != nil {
			return nil, err
		}
		im.table, im.in, im.size = t, t.Schema, t.Size
		if t.Layout.Var != nil {
			return nil, &storage.FileError{Path: opts.From, Record: -1, Offset: -1, Err: storage.ErrUnsupported,
				Msg:  fmt.Sprintf("recq import does not read variable-length records (record_format %s)", t.Raw.RecordFormat),
				Hint: "write the table with SQL instead: COPY (SELECT * FROM 'FILE') TO 'out.rec'"}
		}
		if opts.Header {
			return nil, errors.New("--header applies to delimited input only (fixed-width layouts skip lines with WITH (skip_lines = n))")
		}
	}
	if im.out, err = OutputSchema(im.in); err != nil {
		return nil, fmt.Errorf("output schema: %w", err)
	}
	return im, nil
}

func same(a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// SchemaText returns the layout DDL an Options.Schema names: the text
// itself, or the contents of the file it names.
func SchemaText(s string) (string, error) { return schemaText(s) }

func schemaText(s string) (string, error) {
	if strings.Contains(strings.ToUpper(s), "CREATE") && strings.Contains(s, "(") {
		return s, nil
	}
	b, err := os.ReadFile(s)
	if err != nil {
		return "", fmt.Errorf("cannot read the schema file: %w", err)
	}
	return string(b), nil
}

// Schema returns the output file's schema.
func (im *Importer) Schema() *storage.Schema { return im.out }

// Progress reports input bytes processed, the input size and the rows
// written so far.
func (im *Importer) Progress() (done, total, rows int64) {
	return im.done.Load(), im.size, im.rows.Load()
}

// chunk is a piece of input with its place in the output order.
type chunk struct {
	seq       int64
	data      []byte
	firstLine int64 // 1-based line (or record) number of data's first line
	records   int64 // fixed-width: number of records in data
}

// result is a processed chunk: encoded records and bad lines.
type result struct {
	seq     int64
	recs    []byte
	n       int
	rejects []reject
	bytes   int64
}

type reject struct {
	err *LineError
	raw []byte
}

// Run performs the import; the output appears only if it succeeds.
func (im *Importer) Run(ctx context.Context) (Stats, error) {
	start := time.Now()
	var st Stats
	if im.parsed {
		return st, errors.New("an Importer runs once")
	}
	im.parsed = true
	w, err := storage.Create(im.opts.Out, im.out, storage.WriterOptions{})
	if err != nil {
		return st, err
	}
	defer w.Abort() // no-op after a successful Close
	var rej *rejectsFile
	if im.opts.Rejects != "" {
		if rej, err = createRejects(im.opts.Rejects); err != nil {
			return st, err
		}
		defer rej.abort()
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	chunks := make(chan chunk, im.opts.Workers)
	results := make(chan result, im.opts.Workers)
	var readErr error
	// A panic in any goroutine of the import (a bug) becomes its error.
	var panicErr error
	var panicOnce sync.Once
	fail := func(err error) {
		panicOnce.Do(func() { panicErr = err })
		cancel()
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(chunks)
		defer scan.RecoverTo(fail)
		if im.opts.Delimiter != 0 {
			readErr = im.readDelimited(ctx, chunks)
		} else {
			readErr = im.readFixed(ctx, chunks)
		}
	}()
	var workers sync.WaitGroup
	for i := 0; i < im.opts.Workers; i++ {
		workers.Add(1)
		go func() {
			defer workers.Done()
			defer scan.RecoverTo(fail)
			p := im.newParser()
			for c := range chunks {
				testhook.Fire("import.worker")
				r := p.process(c)
				select {
				case results <- r:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		defer scan.RecoverTo(fail)
		workers.Wait()
		close(results)
	}()

	// Collect in order.
	pending := map[int64]result{}
	next := int64(0)
	var runErr error
	for r := range results {
		if runErr != nil {
			continue // drain
		}
		pending[r.seq] = r
		for {
			r, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			if err := im.emit(r, w, rej, &st); err != nil {
				runErr = err
				cancel()
				break
			}
		}
	}
	wg.Wait()
	if panicErr != nil {
		runErr = panicErr
	}
	if runErr == nil {
		runErr = readErr
	}
	if runErr == nil && ctx.Err() != nil {
		runErr = ctx.Err()
	}
	if runErr == nil && len(pending) > 0 {
		runErr = errors.New("internal error (this is a bug in recq): import chunks lost")
	}
	if runErr != nil {
		st.Elapsed = time.Since(start)
		return st, runErr
	}
	if rej != nil {
		if err := rej.close(); err != nil {
			return st, err
		}
	}
	if err := w.Close(); err != nil {
		return st, err
	}
	st.Elapsed = time.Since(start)
	return st, nil
}

// emit writes one processed chunk: its records, then its rejects.
func (im *Importer) emit(r result, w *storage.Writer, rej *rejectsFile, st *Stats) error {
	for _, bad := range r.rejects {
		st.Rejected++
		if im.opts.OnReject != nil {
			im.opts.OnReject(bad.err)
		}
		if st.Rejected > im.opts.MaxErrors {
			if im.opts.MaxErrors == 0 {
				return bad.err
			}
			return fmt.Errorf("%w: more than %d (the limit; raise it with --max-errors): %v", ErrTooManyErrors, im.opts.MaxErrors, bad.err)
		}
		if rej != nil {
			if err := rej.write(bad.raw); err != nil {
				return err
			}
		}
	}
	rl := im.out.RecordLen
	for i := 0; i < r.n; i++ {
		if err := w.AppendRecord(r.recs[i*rl : (i+1)*rl]); err != nil {
			return err
		}
	}
	st.Rows += int64(r.n)
	st.Bytes += r.bytes
	im.rows.Add(int64(r.n))
	im.done.Add(r.bytes)
	return nil
}

// rejectsFile collects bad lines in a temporary file renamed into place
// when the import succeeds.
type rejectsFile struct {
	path string
	f    *os.File
	buf  []byte
}

func createRejects(path string) (*rejectsFile, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("cannot create the rejects file: %w", err)
	}
	return &rejectsFile{path: path, f: f}, nil
}

func (r *rejectsFile) write(line []byte) error {
	r.buf = append(r.buf, line...)
	if len(line) == 0 || line[len(line)-1] != '\n' {
		r.buf = append(r.buf, '\n')
	}
	if len(r.buf) >= 1<<20 {
		_, err := r.f.Write(r.buf)
		r.buf = r.buf[:0]
		return err
	}
	return nil
}

func (r *rejectsFile) close() error {
	if len(r.buf) > 0 {
		if _, err := r.f.Write(r.buf); err != nil {
			return err
		}
	}
	if err := r.f.Chmod(0o644); err != nil {
		return err
	}
	if err := r.f.Close(); err != nil {
		return err
	}
	err := os.Rename(r.f.Name(), r.path)
	r.f = nil
	return err
}

func (r *rejectsFile) abort() {
	if r.f != nil {
		r.f.Close()
		os.Remove(r.f.Name())
		r.f = nil
	}
}
