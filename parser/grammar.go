package parser

import (
	"sync"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// This file holds the participle grammar. The grammar structs (g*) are
// private: convert.go turns them into the AST in ast.go.
//
// Token values are raw source text and keyword literals match
// case-insensitively. Reserved words lex as Keyword and so can never be
// captured as an Ident; non-reserved keywords (DATE, INTERVAL, POSITION, ...)
// lex as Ident and are matched by literal where the grammar wants them.
//
// Operator precedence is one struct per level, loosest first: gExpr (OR),
// gAnd (AND), gCmp (prefix NOTs, then comparisons, IS, BETWEEN, IN, LIKE),
// gConcat (||), gAdd (+ -), gMul (* / %), gUnary (prefix - +, then
// postfix ::), gPrimary. Each binary level is "operand (operator
// operand)*", folded left-associatively by the converter. NOT shares a
// struct with the comparisons and :: with the signs because every struct
// level costs participle a few allocations per operand.

type gStatement struct {
	Explain   *gExplain   `parser:"  @@"`
	Query     *gQuery     `parser:"| @@"`
	Describe  *gDescribe  `parser:"| @@"`
	Summarize *gSummarize `parser:"| @@"`
	Show      *gShow      `parser:"| @@"`
	Set       *gSet       `parser:"| @@"`
	Create    *gCreate    `parser:"| @@"`
	Drop      *gDrop      `parser:"| @@"`
	Copy      *gCopy      `parser:"| @@"`
}

type gExplain struct {
	Pos     lexer.Position
	Analyze bool    `parser:"'EXPLAIN' @'ANALYZE'?"`
	Query   *gQuery `parser:"@@"`
}

// gQuery is a query expression: an optional WITH, a chain of set
// operations over query operands, and the ORDER BY, LIMIT and OFFSET of
// the whole. The converter folds the chain (INTERSECT binds tighter) and
// hands the trailing clauses to a lone SELECT.
type gQuery struct {
	Pos      lexer.Position
	With     *gWith        `parser:"@@?"`
	Left     *gQueryTerm   `parser:"@@"`
	Right    []*gSetOp     `parser:"@@*"`
	Order    *lexer.Token  `parser:"( @'ORDER' 'BY'"`
	OrderAll *gOrderAll    `parser:"  ( @@"`
	OrderBy  []*gOrderItem `parser:"  | @@ ( ',' @@ )* ) )?"`
	LimitKw  *lexer.Token  `parser:"( @'LIMIT'"`
	Limit    *gExpr        `parser:"  @@"`
	Offset   *gExpr        `parser:"  ( 'OFFSET' @@ )? )?"`
}

// gWith is WITH [RECURSIVE] cte, ... RECURSIVE is only taken as the
// keyword when it is not itself the name of the first CTE.
type gWith struct {
	Pos       lexer.Position
	Recursive *lexer.Token `parser:"'WITH' ( (?! ( Ident | QIdent ) ( 'AS' | '(' ) ) @'RECURSIVE' )?"`
	CTEs      []*gCTE      `parser:"@@ ( ',' @@ )*"`
}

type gCTE struct {
	Pos          lexer.Position
	Name         string     `parser:"@(Ident | QIdent)"`
	Columns      *gNameList `parser:"@@?"`
	Not          bool       `parser:"'AS' ( @'NOT'?"`
	Materialized bool       `parser:"  @'MATERIALIZED' )?"`
	Query        *gQuery    `parser:"'(' @@ ')'"`
}

// gNameList is a parenthesised list of names: (a, b, c).
type gNameList struct {
	Pos   lexer.Position
	Names []string `parser:"'(' @(Ident | QIdent) ( ',' @(Ident | QIdent) )* ')'"`
}

// gSetOp is one UNION, INTERSECT or EXCEPT and its right operand.
type gSetOp struct {
	Pos   lexer.Position
	Op    string      `parser:"@('UNION' | 'INTERSECT' | 'EXCEPT')"`
	Quant string      `parser:"@('ALL' | 'DISTINCT')?"`
	X     *gQueryTerm `parser:"@@"`
}

// gQueryTerm is an operand of a set operation: SELECT, VALUES or a
// parenthesised query.
type gQueryTerm struct {
	Select    *gSelect    `parser:"  @@"`
	FromFirst *gFromFirst `parser:"| @@"`
	Values    *gValues    `parser:"| @@"`
	Paren     *gQuery     `parser:"| '(' @@ ')'"`
}

// gSelect is SELECT [DISTINCT] items [FROM ... [WHERE] [GROUP BY] [HAVING]].
// A comma may follow the last item (as DuckDB allows).
type gSelect struct {
	Pos      lexer.Position
	Distinct bool           `parser:"'SELECT' @'DISTINCT'?"`
	Items    []*gSelectItem `parser:"@@ ( ',' @@ )* ','?"`
	From     *gFrom         `parser:"( 'FROM' @@"`
	Tail     *gSelectTail   `parser:"  @@? )?"`
}

// gFromFirst is DuckDB's FROM-first form: FROM t [SELECT items] [WHERE]
// [GROUP BY] [HAVING] [WINDOW] [QUALIFY]; without SELECT it selects *.
type gFromFirst struct {
	Pos      lexer.Position
	From     *gFrom         `parser:"'FROM' @@"`
	Select   *lexer.Token   `parser:"( @'SELECT'"`
	Distinct bool           `parser:"  @'DISTINCT'?"`
	Items    []*gSelectItem `parser:"  @@ ( ',' @@ )* ','? )?"`
	Tail     *gSelectTail   `parser:"@@?"`
}

// gSelectTail is the WHERE, GROUP BY, HAVING, WINDOW and QUALIFY of a SELECT.
type gSelectTail struct {
	Where    *gExpr        `parser:"  ( 'WHERE' @@ )?"`
	GroupAll bool          `parser:"  ( 'GROUP' 'BY' ( @'ALL'"`
	GroupBy  []*gExpr      `parser:"  | @@ ( ',' @@ )* ) )?"`
	Having   *gExpr        `parser:"  ( 'HAVING' @@ )?"`
	Windows  []*gWindowDef `parser:"  ( 'WINDOW' @@ ( ',' @@ )* )?"`
	Qualify  *gExpr        `parser:"  ( 'QUALIFY' @@ )?"`
}

// gValues is VALUES (row), (row), ...
type gValues struct {
	Pos  lexer.Position
	Rows []*gRow `parser:"'VALUES' @@ ( ',' @@ )*"`
}

type gRow struct {
	Pos   lexer.Position
	Exprs []*gExpr `parser:"'(' @@ ( ',' @@ )* ')'"`
}

// gSelectItem is *, or an expression with an optional alias. t.* parses
// as a column expression (gColumn.Star); the converter accepts it only as a
// whole select item.
//
// * may be followed by EXCLUDE (a, b) and REPLACE (expr AS a, ...).
type gSelectItem struct {
	Pos     lexer.Position
	Star    bool            `parser:"(  @'*'"`
	Exclude *gStarExclude   `parser:"   @@?"`
	Replace []*gReplaceItem `parser:"   ( 'REPLACE' '(' @@ ( ',' @@ )* ')' )?"`
	Expr    *gExpr          `parser:" | @@"`
	Alias   *gAlias         `parser:"   @@? )"`
}

// gStarExclude is EXCLUDE (a, b) or EXCLUDE a after *.
type gStarExclude struct {
	Pos    lexer.Position
	List   *gNameList `parser:"'EXCLUDE' ( @@"`
	Single *string    `parser:"| @(Ident | QIdent) )"`
}

// gReplaceItem is one expr AS name of * REPLACE (...).
type gReplaceItem struct {
	Pos  lexer.Position
	X    *gExpr `parser:"@@"`
	Name string `parser:"'AS' @(Ident | QIdent | Keyword)"`
}

// gOrderAll is ORDER BY ALL [ASC|DESC] [NULLS FIRST|LAST].
type gOrderAll struct {
	Pos   lexer.Position
	All   bool    `parser:"@'ALL'"`
	Dir   string  `parser:"@('ASC' | 'DESC')?"`
	Nulls *string `parser:"( 'NULLS' @('FIRST' | 'LAST') )?"`
}

// gAlias is AS any-word, or a bare non-reserved word.
type gAlias struct {
	Name string `parser:"( 'AS' @(Ident | QIdent | Keyword) | @(Ident | QIdent) )"`
}

// gFrom is the FROM list: join trees separated by commas. A comma binds
// looser than JOIN: "a, b JOIN c ON x" is a, (b JOIN c ON x).
type gFrom struct {
	Left  *gJoinTree   `parser:"@@"`
	Right []*gFromItem `parser:"@@*"`
}

type gFromItem struct {
	Pos lexer.Position
	X   *gJoinTree `parser:"',' @@"`
}

// gJoinTree is a table and the joins after it, folded left-associatively.
type gJoinTree struct {
	Left  *gTable  `parser:"@@"`
	Joins []*gJoin `parser:"@@*"`
}

// gJoin is [NATURAL] [INNER | LEFT|RIGHT|FULL [OUTER] | CROSS] JOIN table
// [ON cond | USING (cols)]. Whether ON/USING is required or forbidden is
// checked by the converter, which reports it at EndPos.
type gJoin struct {
	Pos     lexer.Position
	EndPos  lexer.Position
	Natural bool       `parser:"@'NATURAL'?"`
	Kind    string     `parser:"( @'CROSS' | @'INNER' | @('LEFT' | 'RIGHT' | 'FULL') 'OUTER'? )?"`
	R       *gTable    `parser:"'JOIN' @@"`
	On      *gExpr     `parser:"( 'ON' @@"`
	Using   *gNameList `parser:"| 'USING' @@ )?"`
}

// gTable is one item of FROM: a table function call, a table name, a
// quoted file path, a derived table ((query) [AS] alias [(cols)]) or a
// parenthesised join.
type gTable struct {
	Pos     lexer.Position
	Unnest  *gUnnest     `parser:"(  @@"`
	Func    *gTableFunc  `parser:" | @@"`
	Name    *string      `parser:" | @(Ident | QIdent)"`
	Path    *string      `parser:" | @String"`
	Derived *gQuery      `parser:" | QParen @@ ')'"`
	Paren   *gFrom       `parser:" | '(' @@ ')' )"`
	Alias   *gTableAlias `parser:"@@?"`
	Sample  *gSample     `parser:"@@?"`
}

// gUnnest is [LATERAL] UNNEST(list, ...) [WITH ORDINALITY] in FROM: its
// arguments are expressions over the FROM items before it.
type gUnnest struct {
	Pos        lexer.Position
	Lists      []*gExpr `parser:"(?= 'LATERAL'? 'UNNEST' '(') 'LATERAL'? 'UNNEST' '(' @@ ( ',' @@ )* ')'"`
	Ordinality bool     `parser:"( 'WITH' @'ORDINALITY' )?"`
}

// gTableFunc is a table function call in FROM: name(arg, name => arg,
// name = arg, ...). It is only taken when '(' follows the name.
type gTableFunc struct {
	Pos  lexer.Position
	Name string           `parser:"(?= Ident (?! QParen) '(') @Ident '('"`
	Args []*gTableFuncArg `parser:"( @@ ( ',' @@ )* )? ')'"`
}

// gTableFuncArg is a positional or named (name => value, name = value)
// argument of a table function.
type gTableFuncArg struct {
	Pos   lexer.Position
	Name  *string    `parser:"( (?= (Ident | QIdent | Keyword) ('=>' | '=')) @(Ident | QIdent | Keyword) ('=>' | '=') )?"`
	Value *gArgValue `parser:"@@"`
}

// gArgValue is a table function argument's value: a list [v, ...], a
// struct {key: v, ...} or a literal (a bare word is a string).
type gArgValue struct {
	Pos    lexer.Position
	IsList bool         `parser:"(  @'[' ( "`
	List   []*gArgValue `parser:"       @@ ( ',' @@ )* )? ']'"`
	Struct bool         `parser:" | @'{' ( "`
	Fields []*gArgField `parser:"       @@ ( ',' @@ )* )? '}'"`
	Lit    *gSetValue   `parser:" | @@ )"`
}

// gArgField is key: value inside a struct argument; the key is a name or
// a string.
type gArgField struct {
	Pos   lexer.Position
	Key   string     `parser:"@(Ident | QIdent | Keyword | String) ':'"`
	Value *gArgValue `parser:"@@"`
}

// gTableAlias is [AS] alias [(col, ...)].
type gTableAlias struct {
	Pos     lexer.Position
	Name    string     `parser:"( 'AS' @(Ident | QIdent | Keyword) | @(Ident | QIdent) )"`
	Columns *gNameList `parser:"@@?"`
}

type gSample struct {
	Pos  lexer.Position
	N    lexer.Token `parser:"'USING' 'SAMPLE' @(Int | Decimal | Float)"`
	Unit string      `parser:"@('ROWS' | 'ROW' | 'PERCENT' | '%')"`
}

type gOrderItem struct {
	Pos   lexer.Position
	Expr  *gExpr  `parser:"@@"`
	Dir   string  `parser:"@('ASC' | 'DESC')?"`
	Nulls *string `parser:"( 'NULLS' @('FIRST' | 'LAST') )?"`
}

// gDescribe is DESCRIBE name | 'path' | query.
type gDescribe struct {
	Pos   lexer.Position
	Query *gQuery      `parser:"'DESCRIBE' ( @@"`
	Name  *string      `parser:"| @(Ident | QIdent)"`
	Path  *lexer.Token `parser:"| @String )"`
}

// gSummarize is SUMMARIZE name | 'path' | query.
type gSummarize struct {
	Pos   lexer.Position
	Query *gQuery      `parser:"'SUMMARIZE' ( @@"`
	Name  *string      `parser:"| @(Ident | QIdent)"`
	Path  *lexer.Token `parser:"| @String )"`
}

// gShow is SHOW TABLES or SHOW name (DESCRIBE name).
type gShow struct {
	Pos    lexer.Position
	Tables bool         `parser:"'SHOW' ( @'TABLES'"`
	Name   *lexer.Token `parser:"| @(Ident | QIdent) )"`
}

type gSet struct {
	Pos   lexer.Position
	Name  string     `parser:"'SET' @(Ident | QIdent) ( '=' | 'TO' )"`
	Value *gSetValue `parser:"@@"`
}

// gSetValue is the value of SET and of a WITH option: a literal, an
// optionally negative number, or a bare word.
type gSetValue struct {
	Pos   lexer.Position
	Minus bool         `parser:"(  @'-'?"`
	Num   *lexer.Token `parser:"   @(Int | Decimal | Float)"`
	Lit   *lexer.Token `parser:" | @(String | 'TRUE' | 'FALSE' | 'NULL')"`
	Word  *lexer.Token `parser:" | @(Ident | QIdent | Keyword) )"`
}

// gDrop is DROP TABLE|VIEW [IF EXISTS] name.
type gDrop struct {
	Pos      lexer.Position
	What     string `parser:"'DROP' @('TABLE' | 'VIEW')"`
	IfExists bool   `parser:"( @'IF' 'EXISTS' )?"`
	Name     string `parser:"@(Ident | QIdent)"`
}

// gCopy is COPY (query) TO 'file' or COPY name TO 'file', with options in
// parentheses (WITH before them is optional): FORMAT parquet, HEADER, ...
type gCopy struct {
	Pos     lexer.Position
	Query   *gQuery        `parser:"'COPY' ( '(' @@ ')'"`
	Table   *string        `parser:"      | @(Ident | QIdent) )"`
	To      *lexer.Token   `parser:"'TO' @String"`
	Options []*gCopyOption `parser:"( 'WITH'? '(' @@ ( ',' @@ )* ')' )?"`
}

// gCopyOption is one COPY option: a name and an optional value (HEADER
// alone means HEADER true) or a parenthesised list of values
// (PARTITION_BY (year, month)).
type gCopyOption struct {
	Pos   lexer.Position
	Key   string       `parser:"@(Ident | QIdent | Keyword) '='?"`
	List  []*gSetValue `parser:"( '(' @@ ( ',' @@ )* ')'"`
	Value *gSetValue   `parser:"| @@ )?"`
}

// gCreate is CREATE [OR REPLACE] TABLE or CREATE [OR REPLACE] VIEW. OR
// REPLACE is read here, before either, because the grammar looks one
// token ahead.
type gCreate struct {
	Pos       lexer.Position
	OrReplace *lexer.Token  `parser:"'CREATE' ( @'OR' 'REPLACE' )?"`
	Table     *gCreateTable `parser:"( @@"`
	View      *gCreateView  `parser:"| @@ )"`
}

// gCreateTable is a layout, CREATE TABLE name (columns) [WITH (options)]
// or CREATE TABLE name FROM COPYBOOK 'x.cpy' [WITH (options)], or a table
// made from a query, CREATE TABLE name AS query.
type gCreateTable struct {
	IfNotExists *lexer.Token    `parser:"'TABLE' ( @'IF' 'NOT' 'EXISTS' )?"`
	Name        string          `parser:"@(Ident | QIdent)"`
	Columns     []*gColumnDef   `parser:"( ( '(' @@ ( ',' @@ )* ')'"`
	Copybook    *gCopybook      `parser:"    | @@ )"`
	Options     []*gTableOption `parser:"  ( 'WITH' '(' @@ ( ',' @@ )* ')' )?"`
	As          *gQuery         `parser:"| 'AS' @@ )"`
}

// gCopybook is FROM COPYBOOK 'path': the columns come from a COBOL
// copybook.
type gCopybook struct {
	Pos  lexer.Position
	Path *lexer.Token `parser:"'FROM' 'COPYBOOK' @String"`
}

type gCreateView struct {
	View        bool         `parser:"@'VIEW'"`
	IfNotExists *lexer.Token `parser:"( @'IF' 'NOT' 'EXISTS' )?"`
	Name        string       `parser:"@(Ident | QIdent)"`
	Columns     *gNameList   `parser:"@@?"`
	Query       *gQuery      `parser:"'AS' @@"`
}

type gColumnDef struct {
	Pos     lexer.Position
	Name    string           `parser:"@(Ident | QIdent | Keyword)"`
	Struct  *gStructDef      `parser:"( @@"`
	Type    *gType           `parser:"| @@ )"`
	Options []*gColumnOption `parser:"@@*"`
}

// gStructDef is a group of fields, STRUCT(a INT32 WIDTH 5, b CHAR(1)):
// its members' places are relative to the group's first byte.
type gStructDef struct {
	Pos     lexer.Position
	Members []*gColumnDef `parser:"'STRUCT' '(' @@ ( ',' @@ )* ')'"`
}

type gType struct {
	Pos    lexer.Position
	Name   string   `parser:"@Ident"`
	Params []string `parser:"( '(' @Int ( ',' @Int )? ')' )?"`
}

type gColumnOption struct {
	Pos      lexer.Position
	Position []string     `parser:"(  'POSITION' '(' @Int ( ( ':' | '-' ) @Int )? ')'"`
	Offset   *string      `parser:" | 'OFFSET' @Int"`
	Width    *string      `parser:" | 'WIDTH' @Int"`
	Little   bool         `parser:" | @'LITTLE' 'ENDIAN'"`
	Big      bool         `parser:" | @'BIG' 'ENDIAN'"`
	Text     bool         `parser:" | @'TEXT'"`
	Packed   bool         `parser:" | @'PACKED'"`
	Zoned    bool         `parser:" | @'ZONED'"`
	IBMFloat bool         `parser:" | @'IBM' 'FLOAT'"`
	Unsigned bool         `parser:" | @'UNSIGNED'"`
	Sign     *gSignClause `parser:" | @@"`
	CodePage *string      `parser:" | 'CODEPAGE' @String"`
	OnError  bool         `parser:" | @'ON' 'ERROR' 'NULL'"`
	Occurs   *gOccurs     `parser:" | @@"`
	Implied  *gImplied    `parser:" | @@"`
	Format   *string      `parser:" | 'FORMAT' @String"`
	NullIf   *gNullIf     `parser:" | 'NULLIF' @@"`
	NotNull  bool         `parser:" | @'NOT' 'NULL'"`
	Null     bool         `parser:" | @'NULL'"`
	Trim     *lexer.Token `parser:" | 'TRIM' @(Ident | Keyword) )"`
}

// gNullIf is NULLIF 'x' or NULLIF ('x', 'y', ...).
type gNullIf struct {
	List []*gSetValue `parser:"(  '(' @@ ( ',' @@ )* ')'"`
	One  *gSetValue   `parser:" | @@ )"`
}

type gImplied struct {
	Implied  bool    `parser:"@'IMPLIED'"`
	Minus    bool    `parser:"( 'DECIMALS' @'-'?"`
	Decimals *string `parser:"  @Int )?"`
}

// gOccurs is OCCURS [m TO] n [TIMES] [DEPENDING ON c] [STRIDE s] (a
// repeated field; DEPENDING ON names the field holding the count).
type gOccurs struct {
	Min       *string `parser:"'OCCURS' ( (?= Int 'TO') @Int 'TO' )?"`
	Count     string  `parser:"@Int 'TIMES'?"`
	Depending *string `parser:"( 'DEPENDING' 'ON' @(Ident | QIdent | Keyword) )?"`
	Stride    *string `parser:"( 'STRIDE' @Int )?"`
}

// gSignClause is SIGN LEADING|TRAILING [SEPARATE] (a zoned number's sign).
type gSignClause struct {
	Where    *lexer.Token `parser:"'SIGN' @('LEADING' | 'TRAILING')"`
	Separate bool         `parser:"@'SEPARATE'?"`
}

type gTableOption struct {
	Pos   lexer.Position
	Key   string     `parser:"@(Ident | QIdent | Keyword) '='"`
	Value *gSetValue `parser:"@@"`
}

// --- expressions ---

// gExprRoot is the root production of ParseExpr.
type gExprRoot struct {
	X *gExpr `parser:"@@"`
}

type gExpr struct {
	Left  *gAnd    `parser:"@@"`
	Right []*gOrOp `parser:"@@*"`
}

type gOrOp struct {
	Op lexer.Token `parser:"@'OR'"`
	X  *gAnd       `parser:"@@"`
}

type gAnd struct {
	Left  *gCmp     `parser:"@@"`
	Right []*gAndOp `parser:"@@*"`
}

type gAndOp struct {
	Op lexer.Token `parser:"@'AND'"`
	X  *gCmp       `parser:"@@"`
}

// gCmp is the NOT level and the comparison level in one struct (one
// struct fewer per operand): NOT applies to the whole comparison chain.
type gCmp struct {
	Nots  []*gNotKw `parser:"@@*"`
	Left  *gConcat  `parser:"@@"`
	Right []*gCmpOp `parser:"@@*"`
}

type gNotKw struct {
	Pos lexer.Position
	Kw  string `parser:"@'NOT'"`
}

// gCmpOp is one comparison-level suffix: = x, IS [NOT] NULL,
// IS [NOT] DISTINCT FROM x, [NOT] BETWEEN a AND b, [NOT] IN (...),
// [NOT] LIKE x, [NOT] ILIKE x.
type gCmpOp struct {
	Pos      lexer.Position
	Op       *lexer.Token `parser:"(  @('=' | '<>' | '!=' | '<=' | '>=' | '<' | '>')"`
	Quant    *gQuantified `parser:"   ( @@"`
	R        *gConcat     `parser:"   | @@ )"`
	Is       bool         `parser:" | @'IS'"`
	IsNot    bool         `parser:"   @'NOT'?"`
	IsNull   bool         `parser:"   ( @'NULL'"`
	Distinct *gConcat     `parser:"   | 'DISTINCT' 'FROM' @@ )"`
	Not      bool         `parser:" | @'NOT'?"`
	Between  *gBetween    `parser:"   ( @@"`
	In       *gIn         `parser:"   | @@"`
	Like     *gLike       `parser:"   | @@ ) )"`
}

type gBetween struct {
	Lo *gConcat `parser:"'BETWEEN' @@"`
	Hi *gConcat `parser:"'AND' @@"`
}

// gIn is IN (query) or IN (list); markQueryParens tells them apart. A
// bare operand (x IN s) is only valid as POSITION(x IN s); the converter
// rejects it elsewhere.
type gIn struct {
	Query *gQuery  `parser:"'IN' ( QParen @@ ')'"`
	List  []*gExpr `parser:"     | '(' @@ ( ',' @@ )* ')'"`
	Bare  *gConcat `parser:"     | @@ )"`
}

// gQuantified is the right side of x op ANY|SOME|ALL (query).
type gQuantified struct {
	Kind  string  `parser:"@('ANY' | 'SOME' | 'ALL')"`
	Query *gQuery `parser:"'(' @@ ')'"`
}

type gLike struct {
	Op string   `parser:"@('LIKE' | 'ILIKE')"`
	R  *gConcat `parser:"@@"`
}

type gConcat struct {
	Left  *gAdd        `parser:"@@"`
	Right []*gConcatOp `parser:"@@*"`
}

type gConcatOp struct {
	Op lexer.Token `parser:"@'||'"`
	X  *gAdd       `parser:"@@"`
}

type gAdd struct {
	Left  *gMul     `parser:"@@"`
	Right []*gAddOp `parser:"@@*"`
}

type gAddOp struct {
	Op lexer.Token `parser:"@('+' | '-')"`
	X  *gMul       `parser:"@@"`
}

type gMul struct {
	Left  *gUnary   `parser:"@@"`
	Right []*gMulOp `parser:"@@*"`
}

type gMulOp struct {
	Op lexer.Token `parser:"@('*' | '/' | '%')"`
	X  *gUnary     `parser:"@@"`
}

// gUnary is the unary sign level and the postfix [i] and :: levels in one
// struct: -x::INT is -(CAST(x AS INT)), x[1]::INT is CAST(x[1] AS INT).
type gUnary struct {
	Signs []*gSign      `parser:"@@*"`
	X     *gPrimary     `parser:"@@"`
	Subs  []*gSubscript `parser:"@@*"`
	Casts []*gDColon    `parser:"@@*"`
}

// gSubscript is a list subscript, x[i] (1-based): list_extract(x, i); a
// slice, x[a:b] (either bound may be left out): list_slice(x, a, b); or a
// struct field, x.f (after a subscript or a qualified name: x[1].f,
// t.s.f): struct_extract(x, 'f').
type gSubscript struct {
	Pos   lexer.Position
	Index *gExpr  `parser:"(  '[' @@?"`
	Slice bool    `parser:"   ( @':'"`
	End   *gExpr  `parser:"     @@? )? ']'"`
	Field *string `parser:" | '.' @(Ident | QIdent | Keyword) )"`
}

type gSign struct {
	Op lexer.Token `parser:"@('-' | '+')"`
}

type gDColon struct {
	Op   lexer.Token `parser:"@'::'"`
	Type *gType      `parser:"@@"`
}

// gPrimary's alternatives are ordered by how often they occur; DATE,
// TIMESTAMP, INTERVAL and EXISTS must come before names, since those
// words are also column names, and a subquery (QParen) before a
// parenthesised expression.
type gPrimary struct {
	Pos       lexer.Position
	Lit       *lexer.Token `parser:"  @(Int | Decimal | Float | String | Param | 'TRUE' | 'FALSE' | 'NULL')"`
	Date      *lexer.Token `parser:"| 'DATE' @String"`
	Timestamp *lexer.Token `parser:"| 'TIMESTAMP' @String"`
	Interval  *gInterval   `parser:"| @@"`
	Exists    *gQuery      `parser:"| 'EXISTS' '(' @@ ')'"`
	TryCast   *gTryCast    `parser:"| @@"`
	Name      *gName       `parser:"| @@"`
	Subquery  *gQuery      `parser:"| QParen @@ ')'"`
	Paren     *gExpr       `parser:"| '(' @@ ')'"`
	Case      *gCase       `parser:"| @@"`
	Cast      *gCastCall   `parser:"| @@"`
	List      *gListLit    `parser:"| @@"`
}

// gListLit is a list value, [a, b, ...] or [].
type gListLit struct {
	Pos   lexer.Position
	Elems []*gExpr `parser:"'[' ( @@ ( ',' @@ )* )? ']'"`
}

type gCase struct {
	Pos     lexer.Position
	Operand *gExpr   `parser:"'CASE' @@?"`
	Whens   []*gWhen `parser:"@@+"`
	Else    *gExpr   `parser:"( 'ELSE' @@ )? 'END'"`
}

type gWhen struct {
	Pos    lexer.Position
	Cond   *gExpr `parser:"'WHEN' @@"`
	Result *gExpr `parser:"'THEN' @@"`
}

// gTryCast is TRY_CAST(x AS type); TRY_CAST is not reserved, so it is
// matched before names.
type gTryCast struct {
	X    *gExpr `parser:"'TRY_CAST' '(' @@"`
	Type *gType `parser:"'AS' @@ ')'"`
}

type gCastCall struct {
	X    *gExpr `parser:"'CAST' '(' @@"`
	Type *gType `parser:"'AS' @@ ')'"`
}

// gInterval is INTERVAL [-]n unit. The minus is only taken when a word
// follows the number, so "interval - 3" stays a subtraction from a column.
type gInterval struct {
	Minus *lexer.Token `parser:"'INTERVAL' ( (?= '-' (Int | Decimal | String) Ident ) @'-' )?"`
	Value *lexer.Token `parser:"@(Int | Decimal | String)"`
	Unit  *lexer.Token `parser:"@(Ident | Keyword)"`
}

// gName is a column reference (a, t.a, t.*) or a function call (f(...)).
type gName struct {
	Pos    lexer.Position
	First  string  `parser:"@(Ident | QIdent | 'LEFT' | 'RIGHT')"`
	Call   *gCall  `parser:"( @@"`
	Second *string `parser:"| '.' ( @(Ident | QIdent | Keyword)"`
	Star   bool    `parser:"      | @'*' ) )?"`
}

// gCall is the argument list of a call: (*), (DISTINCT x), (a, b), (),
// with an aggregate's ORDER BY inside and FILTER (WHERE ...) after it, and
// a window call's IGNORE/RESPECT NULLS and OVER clause (window.go).
type gCall struct {
	Star     bool          `parser:"'(' ( @'*'"`
	Distinct bool          `parser:"| @'DISTINCT'?"`
	Args     []*gArg       `parser:"  @@ ( ',' @@ )* )?"`
	InNulls  *gNulls       `parser:"@@?"`
	OrderBy  []*gOrderItem `parser:"( 'ORDER' 'BY' @@ ( ',' @@ )* )? ')'"`
	Nulls    *gNulls       `parser:"@@?"`
	Filter   *gFilter      `parser:"@@?"`
	Over     *gOver        `parser:"@@?"`
}

// gFilter is an aggregate's FILTER (WHERE cond). FILTER is not reserved:
// it is only taken when '(' WHERE follows.
type gFilter struct {
	Pos  lexer.Position
	Cond *gExpr `parser:"(?= 'FILTER' '(' 'WHERE') 'FILTER' '(' 'WHERE' @@ ')'"`
}

// gArg is a call argument; "x FROM y" is only valid in EXTRACT and
// SUBSTRING, "FOR z" only in SUBSTRING; a [list] only in quantiles.
type gArg struct {
	Pos    lexer.Position
	Lambda *gLambda     `parser:"(  @@"`
	List   *gListLit    `parser:" | @@"`
	X      *gExpr       `parser:" | @@ )"`
	From   *lexer.Token `parser:"( @'FROM'"`
	Y      *gExpr       `parser:"  @@ )?"`
	For    *lexer.Token `parser:"( @'FOR'"`
	Z      *gExpr       `parser:"  @@ )?"`
}

// gLambda is a lambda, only valid as a call argument (list_filter,
// list_transform, list_reduce): x -> body, (x, i) -> body, or DuckDB's
// newer lambda x, i: body.
type gLambda struct {
	Pos    lexer.Position
	Python []string `parser:"(  (?= 'LAMBDA' (Ident | QIdent)) 'LAMBDA' @(Ident | QIdent) ( ',' @(Ident | QIdent) )* ':'"`
	One    *string  `parser:" | (?= (Ident | QIdent) '->') @(Ident | QIdent) '->'"`
	Paren  []string `parser:" | (?= '(' (Ident | QIdent) ( ',' (Ident | QIdent) )* ')' '->') '(' @(Ident | QIdent) ( ',' @(Ident | QIdent) )* ')' '->' )"`
	Body   *gExpr   `parser:"@@"`
}

// lookahead is the number of tokens a grammar branch may consume before it
// is committed to. With one, a branch that fails after two tokens reports
// its own error instead of letting the parser back up and fail somewhere
// less helpful.
const lookahead = 1

// The grammars are built on first use, each on its own: building one
// costs participle a few milliseconds (it lexes every struct tag), which
// is most of a one-shot process's start-up, and most processes never
// parse a lone expression.
var (
	parserOptions = []participle.Option{
		participle.Lexer(definition{}),
		participle.CaseInsensitive("Keyword", "Ident"),
		participle.UseLookahead(lookahead),
	}
	stmtParser = sync.OnceValue(func() *participle.Parser[gStatement] {
		return participle.MustBuild[gStatement](parserOptions...)
	})
	exprParser = sync.OnceValue(func() *participle.Parser[gExprRoot] {
		return participle.MustBuild[gExprRoot](parserOptions...)
	})
)

// Prepare builds the statement grammar now rather than at the first Parse.
// A program that wants its first statement parsed without the delay (or
// its start-up work done in one place) calls it early; it is safe to call
// from several goroutines and more than once.
func Prepare() { stmtParser() }
