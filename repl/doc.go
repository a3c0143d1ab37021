// Package repl is recq's front end: the interactive shell and the
// statement loop it shares with one-shot mode, plus the result renderers.
//
//	keys --readline--> Shell ---------\
//	                   (history, Tab:  \
//	                    Completer)      v
//	-c SQL, -f FILE, stdin -------> Runner: split at ';' (quotes and comments
//	                                 respected), dot commands, parse, run in a
//	                                 query.Session, report errors with a caret
//	                                        |
//	                                        v  query.Result (Arrow batches)
//	                                 Render: table | csv | tsv | json | jsonl |
//	                                 markdown | line | arrow | parquet
//	                                        |
//	                                        v
//	                                 stdout or an output file; progress bars,
//	                                 errors and timings on stderr
//
// Runner executes text (Exec, ExecReader); Shell wraps a Runner in a
// readline session (NewShell, Run); Render writes any Arrow RecordReader in
// a Mode; Box draws a table with box characters and is also used by
// RenderDescription (recq describe); StartProgress shows a progress bar for
// long work. Values render exactly: DECIMAL keeps its scale, DATE is
// YYYY-MM-DD, TIMESTAMP YYYY-MM-DD HH:MM:SS[.ffffff].
package repl
