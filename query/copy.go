package query

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/recq/recq/parser"
	"github.com/recq/recq/query/export"
)

// copyTo runs COPY (query) TO 'path' (options) and COPY name TO 'path':
// the rows stream into the file (Parquet in row groups), which appears
// atomically when complete; on an error or a cancel the file is left as
// it was. With PARTITION_BY the path is a directory of Hive-style
// partitions (export.WritePartitioned). The result is one row, the number
// of rows written.
func (s *Session) copyTo(ctx context.Context, st *parser.Copy, args []any) (*Result, error) {
	format, opts, part, err := copyOptions(st)
	if err != nil {
		return nil, err
	}
	pp, err := s.plan(st.Query, args, false)
	if err != nil {
		return nil, err
	}
	res, err := startResult(ctx, pp, s.e.mem)
	if err != nil {
		return nil, err
	}
	res.statement = st.String()
	opts.Allocator = s.e.mem
	var n int64
	msg := ""
	if part != nil {
		var pr export.PartitionResult
		pr, err = export.WritePartitioned(st.To, res, format, opts, *part)
		n = pr.Rows
		msg = fmt.Sprintf("%d rows written to %d files under %s", n, pr.Files, st.To)
	} else {
		n, err = export.WriteFile(st.To, res, format, opts)
		msg = fmt.Sprintf("%d rows written to %s", n, st.To)
	}
	if cerr := res.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	rows := newRows(s.e.mem, intField("count"))
	rows.add(n)
	return rows.result(msg), nil
}

// copyOption is one option COPY knows: the formats it applies to (nil:
// all) and how it sets the writer's options.
type copyOption struct {
	formats []export.Format
	set     func(o *export.Options, v *parser.Literal) error
}

var textFormats = []export.Format{export.CSV, export.TSV}

var copyOptionTable = map[string]copyOption{
	"header": {textFormats, func(o *export.Options, v *parser.Literal) error {
		b, err := boolOption(v)
		o.NoHeader = !b
		return err
	}},
	"delimiter": {textFormats, func(o *export.Options, v *parser.Literal) error {
		s, err := stringOption(v)
		if err == nil && utf8.RuneCountInString(s) != 1 {
			err = fmt.Errorf("want one character, as in DELIMITER '|'")
		}
		if err == nil {
			o.Delimiter, _ = utf8.DecodeRuneInString(s)
		}
		if o.Delimiter == '"' || o.Delimiter == '\n' || o.Delimiter == '\r' {
			err = fmt.Errorf("%q cannot separate fields", o.Delimiter)
		}
		return err
	}},
	"null": {textFormats, func(o *export.Options, v *parser.Literal) error {
		s, err := stringOption(v)
		o.Null = s
		return err
	}},
	"compression": {[]export.Format{export.Parquet}, func(o *export.Options, v *parser.Literal) error {
		s, err := stringOption(v)
		if err == nil {
			err = export.CheckParquetOptions(export.ParquetOptions{Compression: s})
		}
		o.Parquet.Compression = s
		return err
	}},
	"row_group_size": {[]export.Format{export.Parquet}, func(o *export.Options, v *parser.Literal) error {
		n, err := sizeOption(v)
		o.Parquet.RowGroupRows = n
		return err
	}},
	"row_group_size_bytes": {[]export.Format{export.Parquet}, func(o *export.Options, v *parser.Literal) error {
		n, err := sizeOption(v)
		o.Parquet.RowGroupBytes = n
		return err
	}},
}

// copyAliases are other names of options (DuckDB's).
var copyAliases = map[string]string{"delim": "delimiter", "sep": "delimiter", "nullstr": "null", "codec": "compression"}

// partitionOptions are the COPY options of partitioned writes, read
// apart from copyOptionTable because PARTITION_BY takes a list.
var partitionOptions = []string{"partition_by", "overwrite_or_ignore", "overwrite"}

// copyPartition reads PARTITION_BY (cols), OVERWRITE_OR_IGNORE and
// OVERWRITE; it returns nil when PARTITION_BY is not given.
func copyPartition(st *parser.Copy) (*export.PartitionOptions, error) {
	var po export.PartitionOptions
	var by, other *parser.CopyOption
	for _, o := range st.Options {
		var err error
		switch o.Key {
		case "partition_by":
			by = o
			for _, v := range append(o.List, o.Value) {
				if v == nil {
					continue
				}
				name, verr := stringOption(v)
				if verr != nil || v.Kind != parser.LitString {
					err = fmt.Errorf("want column names, as in PARTITION_BY (year, month)")
					break
				}
				po.Columns = append(po.Columns, name)
			}
			if err == nil && len(po.Columns) == 0 {
				err = fmt.Errorf("want column names, as in PARTITION_BY (year, month)")
			}
		case "overwrite_or_ignore":
			other = o
			po.OverwriteOrIgnore, err = boolOption(o.Value)
		case "overwrite":
			other = o
			po.Overwrite, err = boolOption(o.Value)
		default:
			if o.List != nil {
				err = fmt.Errorf("takes one value, not a list")
			}
		}
		if err != nil {
			return nil, posErr(o.Pos, "COPY option %s: %v", strings.ToUpper(o.Key), err)
		}
	}
	if by == nil {
		if other != nil {
			return nil, posErr(other.Pos, "COPY option %s applies with PARTITION_BY (a single file is always replaced)", strings.ToUpper(other.Key))
		}
		return nil, nil
	}
	return &po, nil
}

// copyOptions reads the format (FORMAT, else the file's extension, else
// CSV), the partitioning (nil without PARTITION_BY) and the other options
// of COPY.
func copyOptions(st *parser.Copy) (export.Format, export.Options, *export.PartitionOptions, error) {
	var opts export.Options
	part, err := copyPartition(st)
	if err != nil {
		return 0, opts, nil, err
	}
	format, ok := export.FormatOf(st.To)
	if !ok {
		format = export.CSV
	}
	for _, o := range st.Options {
		if o.Key != "format" {
			continue
		}
		name, err := stringOption(o.Value)
		if err == nil {
			format, err = export.ParseFormat(name)
		}
		if err != nil {
			return 0, opts, nil, posErr(o.Pos, "COPY option FORMAT: %v", err)
		}
	}
	for _, o := range st.Options {
		key := o.Key
		if a, ok := copyAliases[key]; ok {
			key = a
		}
		if key == "format" || slices.Contains(partitionOptions, key) {
			continue
		}
		opt, ok := copyOptionTable[key]
		if !ok {
			return 0, opts, nil, posErr(o.Pos, "unknown COPY option %s (known: %s)", strings.ToUpper(o.Key), knownCopyOptions())
		}
		if opt.formats != nil && !containsFormat(opt.formats, format) {
			return 0, opts, nil, posErr(o.Pos, "COPY option %s does not apply to FORMAT %s", strings.ToUpper(o.Key), format)
		}
		if err := opt.set(&opts, o.Value); err != nil {
			msg := strings.TrimPrefix(err.Error(), "parquet output: ")
			return 0, opts, nil, posErr(o.Pos, "COPY option %s: %s", strings.ToUpper(o.Key), msg)
		}
	}
	return format, opts, part, nil
}

func containsFormat(l []export.Format, f export.Format) bool {
	for _, x := range l {
		if x == f {
			return true
		}
	}
	return false
}

func knownCopyOptions() string {
	names := []string{"FORMAT"}
	for k := range copyOptionTable {
		names = append(names, strings.ToUpper(k))
	}
	for _, k := range partitionOptions {
		names = append(names, strings.ToUpper(k))
	}
	sort.Strings(names[1:])
	return strings.Join(names, ", ")
}

// boolOption reads true/false (also on/off, 1/0); an option given
// without a value is true.
func boolOption(v *parser.Literal) (bool, error) {
	if v == nil {
		return true, nil
	}
	switch strings.ToLower(v.Text) {
	case "true", "on", "1":
		return true, nil
	case "false", "off", "0":
		return false, nil
	}
	return false, fmt.Errorf("want true or false, got %s", v.String())
}

// stringOption reads a word or a string.
func stringOption(v *parser.Literal) (string, error) {
	if v == nil || v.Kind == parser.LitNull {
		return "", fmt.Errorf("a value is needed")
	}
	return v.Text, nil
}

// sizeOption reads a positive whole number.
func sizeOption(v *parser.Literal) (int64, error) {
	if v == nil || v.Kind != parser.LitInteger {
		return 0, fmt.Errorf("want a positive whole number")
	}
	n, err := strconv.ParseInt(v.Text, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("want a positive whole number, got %s", v.Text)
	}
	return n, nil
}
