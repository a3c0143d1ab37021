package storage

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel error kinds, tested with errors.Is. A FileError wraps one of them
// (or an operating-system error) and says where the problem is.
var (
	// ErrCorrupt marks data that does not match its declared format: a bad
	// magic number or checksum, a size that is not a whole number of records,
	// a text field that does not parse as its type.
	ErrCorrupt = errors.New("corrupt data")
	// ErrSchema marks a schema or layout that is invalid on its own terms
	// (a field past the end of the record, a duplicate name, ...).
	ErrSchema = errors.New("invalid schema")
	// ErrIO marks a read or write that failed after bounded retries.
	ErrIO = errors.New("I/O error")
	// ErrUnsupported marks a request this file or file system cannot serve,
	// such as O_DIRECT on a file system that refuses it.
	ErrUnsupported = errors.New("unsupported")
)

// FileError reports a problem at a place in a data file. Record, Offset and
// Field are optional: a negative Record or Offset, or an empty Field, is left
// out of the message.
type FileError struct {
	Path   string // the file
	Record int64  // 0-based record index, or -1 (messages print it 1-based: "record 1" is the first)
	Offset int64  // absolute byte offset in the file, or -1
	Field  string // field name, or ""
	Msg    string // what is wrong, in plain words
	Hint   string // what the user can do about it, or ""
	Err    error  // the kind (ErrCorrupt, ErrIO, ...) or an OS error; may be nil
}

// Error renders "path: record N, byte offset O, field F: msg (hint)".
// Record numbers in messages count from 1, like line numbers (the first
// record is record 1); byte offsets count from 0.
func (e *FileError) Error() string {
	var b strings.Builder
	b.WriteString(e.Path)
	var where []string
	if e.Record >= 0 {
		where = append(where, fmt.Sprintf("record %d", e.Record+1)) // 1-based for people, like lines
	}
	if e.Offset >= 0 {
		where = append(where, fmt.Sprintf("byte offset %d", e.Offset))
	}
	if e.Field != "" {
		where = append(where, fmt.Sprintf("field %s", e.Field))
	}
	if len(where) > 0 {
		b.WriteString(": ")
		b.WriteString(strings.Join(where, ", "))
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	if e.Err != nil && !isKind(e.Err) {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if e.Hint != "" {
		b.WriteString(" (")
		b.WriteString(e.Hint)
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap returns the wrapped kind or OS error.
func (e *FileError) Unwrap() error { return e.Err }

func isKind(err error) bool {
	return err == ErrCorrupt || err == ErrSchema || err == ErrIO || err == ErrUnsupported
}

// fileErr builds a FileError with no record, offset or field.
func fileErr(path string, kind error, format string, args ...any) *FileError {
	return &FileError{Path: path, Record: -1, Offset: -1, Msg: fmt.Sprintf(format, args...), Err: kind}
}

// SchemaError reports an invalid schema or layout, naming the field when one
// is at fault.
type SchemaError struct {
	Field string // field name, or ""
	Msg   string
}

func (e *SchemaError) Error() string {
	if e.Field == "" {
		return "invalid schema: " + e.Msg
	}
	return fmt.Sprintf("invalid schema: field %s: %s", e.Field, e.Msg)
}

// Is makes errors.Is(err, ErrSchema) true for every SchemaError.
func (e *SchemaError) Is(target error) bool { return target == ErrSchema }

func schemaErr(field, format string, args ...any) *SchemaError {
	return &SchemaError{Field: field, Msg: fmt.Sprintf(format, args...)}
}
