package parser

import (
	"sort"
	"strings"
)

// reserved lists the words that are never bare identifiers: a column, table
// or alias with one of these names must be written in double quotes
// ("order"), except after AS, after a '.', and as a CREATE TABLE column
// name, where any word is accepted. Every other keyword (DATE, YEAR, COUNT,
// VALUE, KEY, POSITION, FORMAT, TEXT, ...) is also an ordinary identifier.
//
// The join and set-operation words are reserved ahead of their support so
// that adding them later does not change the meaning of existing queries.
var reserved = map[string]bool{
	"ALL": true, "AND": true, "AS": true, "ASC": true, "BETWEEN": true, "BY": true,
	"CASE": true, "CAST": true, "CROSS": true, "DESC": true, "DISTINCT": true,
	"ELSE": true, "END": true, "EXCEPT": true, "FALSE": true, "FROM": true,
	"FULL": true, "GROUP": true, "HAVING": true, "ILIKE": true, "IN": true,
	"INNER": true, "INTERSECT": true, "IS": true, "JOIN": true, "LEFT": true,
	"LIKE": true, "LIMIT": true, "NATURAL": true, "NOT": true, "NULL": true,
	"ON": true, "OR": true, "ORDER": true, "OUTER": true, "RIGHT": true,
	"SELECT": true, "THEN": true, "TRUE": true, "UNION": true, "USING": true,
	"WHEN": true, "WHERE": true, "WINDOW": true, "QUALIFY": true,
}

// maxReservedLen is the length of the longest reserved word.
const maxReservedLen = 9

// isReserved reports whether word (any case) is a reserved word.
func isReserved(word string) bool {
	if len(word) > maxReservedLen || len(word) < 2 {
		return false
	}
	var buf [maxReservedLen]byte
	for i := 0; i < len(word); i++ {
		c := word[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		buf[i] = c
	}
	return reserved[string(buf[:len(word)])]
}

// ReservedWords returns the reserved words, upper case, sorted.
func ReservedWords() []string {
	out := make([]string, 0, len(reserved))
	for w := range reserved {
		out = append(out, w)
	}
	sort.Strings(out)
	return out
}

// knownTypes is the set of accepted type names (upper case). It mirrors
// the spellings the storage package resolves (storage.ParseType); the
// parser only checks the name, storage the parameters.
var knownTypes = map[string]bool{
	"BOOLEAN": true, "BOOL": true,
	"INT8": true, "TINYINT": true,
	"INT16": true, "SMALLINT": true,
	"INT32": true, "INT": true, "INTEGER": true,
	"INT64": true, "BIGINT": true,
	"UINT8": true, "UTINYINT": true,
	"UINT16": true, "USMALLINT": true,
	"UINT32": true, "UINTEGER": true,
	"UINT64": true, "UBIGINT": true,
	"FLOAT32": true, "REAL": true, "FLOAT4": true,
	"FLOAT64": true, "DOUBLE": true, "FLOAT8": true, "FLOAT": true,
	"DECIMAL": true, "NUMERIC": true,
	"CHAR": true, "CHARACTER": true, "VARCHAR": true, "TEXT": true, "STRING": true,
	"DATE":      true,
	"TIMESTAMP": true, "DATETIME": true,
}

// KnownTypes returns the type names accepted in CAST, :: and CREATE TABLE,
// upper case, sorted.
func KnownTypes() []string {
	out := make([]string, 0, len(knownTypes))
	for w := range knownTypes {
		out = append(out, w)
	}
	sort.Strings(out)
	return out
}

// Keyword groups used to suggest corrections for misspellings.
var (
	statementKeywords = []string{"SELECT", "FROM", "WITH", "VALUES", "EXPLAIN", "DESCRIBE", "SUMMARIZE", "SHOW", "SET", "CREATE", "DROP", "COPY"}
	// statementStarts lists the statement keywords for messages.
	statementStarts = "SELECT, FROM, WITH, VALUES, EXPLAIN, DESCRIBE, SUMMARIZE, SHOW, SET, CREATE, DROP or COPY"
	clauseKeywords  = []string{"FROM", "WHERE", "GROUP", "HAVING", "ORDER", "LIMIT", "OFFSET", "USING"}
	exprKeywords    = []string{"AND", "OR", "NOT", "BETWEEN", "LIKE", "ILIKE", "IS", "IN", "NULL",
		"CASE", "WHEN", "THEN", "ELSE", "END", "DISTINCT", "AS", "ASC", "DESC", "NULLS"}
	columnOptionKeywords = []string{"POSITION", "OFFSET", "WIDTH", "LITTLE", "BIG", "TEXT",
		"IMPLIED", "FORMAT", "NULLIF", "NULL", "NOT", "TRIM", "PACKED", "ZONED", "IBM", "UNSIGNED",
		"SIGN", "CODEPAGE", "ON", "OCCURS"}
)

// suggest returns the candidate closest to word by edit distance, if it is
// close enough to be a plausible misspelling, else "".
func suggest(word string, candidates ...[]string) string {
	w := strings.ToUpper(word)
	if len(w) < 2 || len(w) > 20 {
		return ""
	}
	best, bestD := "", 1<<30
	for _, list := range candidates {
		for _, c := range list {
			if c == w {
				return ""
			}
			d := editDistance(w, c)
			if d < bestD {
				best, bestD = c, d
			}
		}
	}
	limit := 1
	if len(w) >= 5 {
		limit = 2
	}
	if bestD <= limit {
		return best
	}
	return ""
}

// editDistance is the optimal-string-alignment distance between a and b:
// insertions, deletions, substitutions and transpositions of adjacent
// characters each cost 1.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	n, m := len(ra), len(rb)
	d := make([][]int, n+1)
	for i := range d {
		d[i] = make([]int, m+1)
		d[i][0] = i
	}
	for j := 0; j <= m; j++ {
		d[0][j] = j
	}
	for i := 1; i <= n; i++ {
		for j := 1; j <= m; j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			v := min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				v = min(v, d[i-2][j-2]+1)
			}
			d[i][j] = v
		}
	}
	return d[n][m]
}
