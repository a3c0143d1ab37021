// Package repl will own the interactive shell and the statement loop shared
// with one-shot mode: readline front end, dot commands, completion, and the
// result renderers (table, csv, json, markdown, arrow, parquet, ...).
package repl
