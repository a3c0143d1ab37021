// Package parser turns recq's SQL text into an AST with positions, and
// prints the AST back as canonical SQL. It imports nothing else of recq's.
//
//	SQL text
//	   │ lex (lexer.go): tokens with line/column/offset; strings, comments,
//	   │   bad characters and the size limit are checked here
//	   ▼
//	tokens ── split at top-level ';' ── one statement at a time
//	   │ checkNesting: parentheses/CASE deeper than MaxNesting fail fast
//	   │ participle grammar (grammar.go), one struct per precedence level
//	   ▼
//	grammar structs ──(convert.go: fold operators left-associatively, check
//	   │               type names, units, layout options, tree depth)
//	   ▼
//	AST (ast.go): Statement / Expr nodes, each with its Pos
//	   │ String / Format (format.go)
//	   ▼
//	canonical SQL: parse(Format(x)) equals x, positions aside
//
// When participle fails, diagnose.go rewrites its message ("unexpected
// token ...") into plain words from the offending token, the token before
// it and the clause and brackets around it.
//
// # Entry points
//
// Parse reads any number of statements separated by ';'; ParseOne exactly
// one; ParseExpr a lone expression. Errors are *Error (Line, Column,
// Offset, Msg, and Render for a caret display) or, when several statements
// are wrong, an ErrorList; errors.As finds the first *Error in both.
//
// # Positions
//
// Pos is 1-based line and column (the column counts characters, not
// bytes) plus the 0-based byte offset. A node's position is where it
// starts, except for operators: Binary, IsNull, Between, InList and a
// '::' Cast carry the position of their operator keyword or symbol, which
// is where a type error about them should point.
//
// # Limits
//
// Inputs over MaxInputSize bytes, nesting of parentheses and CASE beyond
// MaxNesting levels and expression trees deeper than MaxExprDepth are
// errors, never a stack overflow or a hang. Parse time is linear in the
// input.
//
// The dialect itself is documented in docs/sql.md.
package parser
