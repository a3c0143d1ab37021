package parser

// Pos is a position in the SQL text. Line and Column are 1-based; Column
// counts characters (runes), so a tab or a multi-byte character is one
// column. Offset is the 0-based byte offset.
type Pos struct{ Line, Column, Offset int }

// Statement is one parsed SQL statement: a Query (*Select, *SetOp,
// *Values), *Explain, *Describe, *ShowTables, *Set, *CreateTable,
// *CreateTableAs, *DropTable, *CreateView, *DropView or *Copy.
type Statement interface {
	Position() Pos
	// String prints the statement as canonical SQL (see Format).
	String() string
	stmt()
}

// Expr is an expression node: *Literal, *Interval, *ColumnRef, *Param,
// *Unary, *Binary, *IsNull, *Between, *InList, *Call, *Cast, *Case,
// *Subquery, *Exists, *InSubquery, *Quantified or *WindowCall.
// Parentheses are not nodes: the tree's shape records grouping, and
// printing adds parentheses where they are needed.
type Expr interface {
	Position() Pos
	// String prints the expression as canonical SQL.
	String() string
	expr()
}

// ---------------------------------------------------------------------------
// Statements

// Query is a query expression: *Select, *SetOp or *Values. Every Query is
// also a Statement, and can appear as a derived table, a CTE, a view body
// or a subquery.
type Query interface {
	Statement
	query()
}

// With is a WITH clause: non-recursive common table expressions, each of
// which may use the ones before it.
type With struct {
	Pos  Pos // the WITH keyword
	CTEs []*CTE
}

// CTE is name [(col, ...)] AS [[NOT] MATERIALIZED] (query) inside WITH.
// Columns is nil when no column list was written.
type CTE struct {
	Pos         Pos // the name
	Name        string
	Columns     []string
	Materialize Materialize
	Query       Query
}

// Materialize is a CTE's [NOT] MATERIALIZED choice: whether the query
// computes it once, before the rest, and reads the rows at each reference,
// or plans it again at each reference (where the conditions around the
// reference can reach into it).
type Materialize int

const (
	MaterializeDefault Materialize = iota // the planner decides
	Materialized                          // AS MATERIALIZED
	NotMaterialized                       // AS NOT MATERIALIZED
)

// Select is a SELECT statement.
//
// From is nil for a constant query (SELECT 41 + 1). With, Where, Having,
// Limit and Offset are nil when absent. A FROM list with commas is a tree
// of *Join with Kind JoinCross and Comma set, left-deep in written order.
type Select struct {
	Pos      Pos // the SELECT keyword
	With     *With
	Distinct bool
	Items    []*SelectItem
	From     TableExpr
	Where    Expr
	GroupBy  []Expr
	// GroupByAll is GROUP BY ALL: every select item without an aggregate.
	GroupByAll bool
	Having     Expr
	Windows    []*WindowDef // the WINDOW clause
	Qualify    Expr
	OrderBy    []*OrderItem
	Limit      Expr
	Offset     Expr
}

// SelectItem is one entry of the select list: *, t.* or an expression with
// an optional alias. For * Star is set; for t.* Star is set and Table holds t.
//
// After * come DuckDB's EXCLUDE (names left out) and REPLACE (expressions
// shown instead of the columns of the same names).
type SelectItem struct {
	Pos     Pos
	Star    bool
	Table   string
	Expr    Expr
	Alias   string
	Exclude []string
	Replace []*ReplaceItem
}

// ReplaceItem is one "expr AS name" of * REPLACE (...).
type ReplaceItem struct {
	Pos  Pos
	Expr Expr
	Name string
}

// SetOp is L UNION|INTERSECT|EXCEPT [ALL] R. INTERSECT binds tighter than
// UNION and EXCEPT; operators of one level associate to the left. OrderBy,
// Limit and Offset apply to the whole result; With, when set, scopes over
// both sides. Pos is the operator keyword.
type SetOp struct {
	Pos     Pos
	With    *With
	Op      string // "UNION", "INTERSECT" or "EXCEPT"
	All     bool
	L, R    Query
	OrderBy []*OrderItem
	Limit   Expr
	Offset  Expr
}

// Values is VALUES (row), (row), ...: every row has the same number of
// expressions (the parser checks), at least one.
type Values struct {
	Pos  Pos // the VALUES keyword
	Rows [][]Expr
}

// TableExpr is an item of FROM: *TableRef, *DerivedTable or *Join.
type TableExpr interface {
	Position() Pos
	// String prints the table expression as canonical SQL.
	String() string
	tableExpr()
}

// TableRef is a named table, view or CTE, a quoted file path, or a table
// function call (exactly one of Name, Path and Func is set), with an
// optional alias, column aliases (t(a, b); nil when none) and sample.
type TableRef struct {
	Pos     Pos
	Name    string
	Path    string
	Func    *TableFunc
	Unnest  *UnnestFrom
	Alias   string
	Columns []string
	Sample  *Sample
}

// UnnestFrom is UNNEST(list, ...) [WITH ORDINALITY] in FROM: one row per
// element, the lists side by side (padded with NULL to the longest), and
// with ORDINALITY the element's position (1, 2, ...) as a last column.
// The lists may refer to the FROM items before it (an implicit LATERAL).
type UnnestFrom struct {
	Pos        Pos
	Lists      []Expr
	Ordinality bool
}

// TableFunc is a table function call in FROM, as in read_csv('codes.csv',
// header = true): its name (lower-cased) and arguments, positional ones
// first as written.
type TableFunc struct {
	Pos  Pos
	Name string
	Args []*FuncArg
}

// FuncArg is one argument of a table function: Name is "" for a
// positional argument, else the lower-cased parameter name (written
// name => value or name = value).
type FuncArg struct {
	Pos   Pos
	Name  string
	Value *ArgValue
}

// ArgValue is a table function argument's value: exactly one of Lit (a
// literal; a bare word is a string literal holding the word lower-cased),
// List ([v, ...]; IsList set, even when empty) and Fields ({key: v, ...};
// IsStruct set, even when empty).
type ArgValue struct {
	Pos      Pos
	Lit      *Literal
	IsList   bool
	List     []*ArgValue
	IsStruct bool
	Fields   []*ArgField
}

// ArgField is key: value inside a struct argument. Key keeps its case.
type ArgField struct {
	Pos   Pos
	Key   string
	Value *ArgValue
}

// DerivedTable is (query) [AS] alias [(col, ...)] in FROM: a subquery or a
// VALUES list used as a table. Alias may be empty (DuckDB allows that);
// Columns is nil when no column list was written.
type DerivedTable struct {
	Pos     Pos // the opening parenthesis
	Query   Query
	Alias   string
	Columns []string
}

// JoinKind is the kind of a Join.
type JoinKind int

// Join kinds as written. NATURAL is a flag on the Join, not a kind.
const (
	JoinInner JoinKind = iota + 1 // [INNER] JOIN
	JoinLeft                      // LEFT [OUTER] JOIN
	JoinRight                     // RIGHT [OUTER] JOIN
	JoinFull                      // FULL [OUTER] JOIN
	JoinCross                     // CROSS JOIN, or a comma in FROM (Comma set)
)

var joinKindNames = [...]string{JoinInner: "JOIN", JoinLeft: "LEFT JOIN", JoinRight: "RIGHT JOIN", JoinFull: "FULL JOIN", JoinCross: "CROSS JOIN"}

// String returns the kind's canonical SQL keywords, e.g. "LEFT JOIN".
func (k JoinKind) String() string {
	if k > 0 && int(k) < len(joinKindNames) {
		return joinKindNames[k]
	}
	return "JoinKind(?)"
}

// Join is L kind JOIN R [ON cond | USING (cols)], NATURAL ... JOIN, CROSS
// JOIN, or L, R (Kind JoinCross, Comma set). At most one of On and Using
// is set; neither for CROSS, comma and NATURAL joins. Pos is the JOIN
// keyword's first word (or the comma).
type Join struct {
	Pos     Pos
	Kind    JoinKind
	Natural bool
	Comma   bool
	L, R    TableExpr
	On      Expr
	Using   []string
}

// Sample is USING SAMPLE n ROWS (Percent false, N a whole number) or USING
// SAMPLE p PERCENT (Percent true, 0 <= N <= 100).
type Sample struct {
	Pos     Pos // the USING keyword
	N       float64
	Percent bool
}

// OrderItem is one ORDER BY entry. NullsFirst is nil when NULLS FIRST/LAST
// was not written.
//
// All is ORDER BY ALL (every select item, left to right); Expr is then nil.
type OrderItem struct {
	Pos        Pos
	Expr       Expr
	Desc       bool
	NullsFirst *bool
	All        bool
}

// Explain is EXPLAIN [ANALYZE] statement. Stmt is a Query.
type Explain struct {
	Pos     Pos
	Analyze bool
	Stmt    Statement
}

// Describe is DESCRIBE name, DESCRIBE 'path' or DESCRIBE query (the
// query's columns and types); exactly one is set. SHOW name is DESCRIBE name.
type Describe struct {
	Pos        Pos
	Name, Path string
	Query      Query
}

// Summarize is SUMMARIZE name | 'path' | query: per column of the table or
// query, its type and statistics (DuckDB's SUMMARIZE).
type Summarize struct {
	Pos        Pos
	Name, Path string
	Query      Query
}

// ShowTables is SHOW TABLES.
type ShowTables struct {
	Pos Pos
}

// Set is SET name = value (or SET name TO value). Name is lower-cased.
// Value is a *Literal (numbers, strings, TRUE/FALSE/NULL; a leading minus
// sign is folded into the literal's Text) or a *ColumnRef for a bare word
// such as mmap (Name lower-cased, as for any unquoted identifier).
type Set struct {
	Pos   Pos
	Name  string
	Value Expr
}

// CreateView is CREATE [OR REPLACE] VIEW [IF NOT EXISTS] name [(cols)] AS
// query. SQL is the query's source text exactly as written (from its first
// token to its last), which is what a catalog stores and re-binds.
type CreateView struct {
	Pos         Pos
	Name        string
	OrReplace   bool
	IfNotExists bool
	Columns     []string
	Query       Query
	SQL         string
}

// Copy is COPY (query) TO 'path' (options) or COPY name TO 'path'
// (options). Query is the rows to write: for COPY name it is SELECT * FROM
// name, and Table holds the name. Option keys are lower case; an option
// given without a value (HEADER) has a nil Value.
type Copy struct {
	Pos     Pos
	Query   Query
	Table   string
	To      string
	Options []*CopyOption
}

// CopyOption is one option of COPY: FORMAT parquet, COMPRESSION 'zstd',
// ROW_GROUP_SIZE 100000, HEADER false, DELIMITER '|', ... List holds a
// parenthesised list of values (PARTITION_BY (year, month)); Value is
// then nil.
type CopyOption struct {
	Pos   Pos
	Key   string
	Value *Literal
	List  []*Literal
}

// DropView is DROP VIEW [IF EXISTS] name.
type DropView struct {
	Pos      Pos
	Name     string
	IfExists bool
}

// DropTable is DROP TABLE [IF EXISTS] name.
type DropTable struct {
	Pos      Pos
	Name     string
	IfExists bool
}

// CreateTable is CREATE TABLE [IF NOT EXISTS] name (columns) [WITH (options)]:
// a layout for a raw fixed-width file. See docs/sql.md, "Layout DDL".
type CreateTable struct {
	Pos         Pos
	Name        string
	IfNotExists bool
	Columns     []*ColumnDef
	Options     []*TableOption
	// Copybook is the path of CREATE TABLE name FROM COPYBOOK 'path' (no
	// Columns then: they come from the copybook), at CopybookPos.
	Copybook    string
	CopybookPos Pos
}

// CreateTableAs is CREATE [OR REPLACE] TABLE [IF NOT EXISTS] name AS
// query: a table written from the query's rows (a .rec file in the data
// directory).
type CreateTableAs struct {
	Pos         Pos
	Name        string
	OrReplace   bool
	IfNotExists bool
	Query       Query
}

// ColumnDef is one column of CREATE TABLE: name, type, layout options.
type ColumnDef struct {
	Pos     Pos
	Name    string
	Type    *TypeName
	Options []*ColumnOption
	// Members are the fields of a group column, STRUCT(a INT32, b
	// CHAR(1)) (Type is then STRUCT); nil for other columns.
	Members []*ColumnDef
}

// TypeName is a type as written: Name upper-cased (INT, DECIMAL, CHAR, ...;
// aliases are kept, not resolved) and its parenthesised integer parameters.
// The parser checks that Name is a known type name (KnownTypes) but not the
// number or range of the parameters.
type TypeName struct {
	Pos    Pos
	Name   string
	Params []int
}

// ColumnOptionKind says which layout option a ColumnOption is.
type ColumnOptionKind int

// The column layout options.
const (
	OptPosition     ColumnOptionKind = iota + 1 // POSITION(start:end): Int1=start, Int2=end, 1-based inclusive
	OptOffset                                   // OFFSET n: Int1 = 0-based byte offset in the record
	OptWidth                                    // WIDTH n: Int1 = bytes
	OptLittleEndian                             // LITTLE ENDIAN
	OptBigEndian                                // BIG ENDIAN
	OptText                                     // TEXT: the field is stored as ASCII text
	OptImplied                                  // IMPLIED DECIMALS n: Int1 = n, Int2 = 1 (n may be negative: P scaling); plain IMPLIED: Int2 = 0 (the type's scale)
	OptFormat                                   // FORMAT 'pattern': Str = pattern
	OptNullIf                                   // NULLIF 'sentinel' or NULLIF ('a', 'b'): Strs = the sentinels
	OptNull                                     // NULL (nullable)
	OptNotNull                                  // NOT NULL
	OptTrim                                     // TRIM mode: Str = "none", "leading", "trailing" or "both"
	OptPacked                                   // PACKED: COBOL COMP-3
	OptZoned                                    // ZONED: COBOL DISPLAY numeric
	OptIBMFloat                                 // IBM FLOAT: IBM hexadecimal floating point (COMP-1, COMP-2)
	OptUnsigned                                 // UNSIGNED: no sign is stored
	OptSign                                     // SIGN LEADING|TRAILING [SEPARATE]: Str = "leading" or "trailing", Int1 = 1 when SEPARATE
	OptCodePage                                 // CODEPAGE 'cp037': Str = the name
	OptOnErrorNull                              // ON ERROR NULL: an undecodable value reads as NULL
	OptOccurs                                   // OCCURS [m TO] n TIMES [DEPENDING ON c] [STRIDE s]: Int1 = n, Int2 = s (0: not given), Int3 = m (0: not given), Str = c
)

var optionNames = [...]string{
	OptPosition:     "POSITION",
	OptOffset:       "OFFSET",
	OptWidth:        "WIDTH",
	OptLittleEndian: "LITTLE ENDIAN",
	OptBigEndian:    "BIG ENDIAN",
	OptText:         "TEXT",
	OptImplied:      "IMPLIED",
	OptFormat:       "FORMAT",
	OptNullIf:       "NULLIF",
	OptNull:         "NULL",
	OptNotNull:      "NOT NULL",
	OptTrim:         "TRIM",
	OptPacked:       "PACKED",
	OptZoned:        "ZONED",
	OptIBMFloat:     "IBM FLOAT",
	OptUnsigned:     "UNSIGNED",
	OptSign:         "SIGN",
	OptCodePage:     "CODEPAGE",
	OptOnErrorNull:  "ON ERROR NULL",
	OptOccurs:       "OCCURS",
}

// String returns the option's keyword(s), e.g. "LITTLE ENDIAN".
func (k ColumnOptionKind) String() string {
	if k > 0 && int(k) < len(optionNames) {
		return optionNames[k]
	}
	return "ColumnOptionKind(?)"
}

// ColumnOption is one layout option of a column. See the Opt constants for
// which fields each kind uses.
type ColumnOption struct {
	Pos        Pos
	Kind       ColumnOptionKind
	Int1, Int2 int
	Int3       int
	Str        string
	Strs       []string
}

// TableOption is key = value inside CREATE TABLE ... WITH (...). Key is
// lower-cased. Value is a literal; a bare word (text, lf, big) becomes a
// LitString literal holding the word lower-cased. A leading minus sign on a
// number is folded into the literal's Text.
type TableOption struct {
	Pos   Pos
	Key   string
	Value *Literal
}

// ---------------------------------------------------------------------------
// Expressions

// LitKind is the kind of a Literal.
type LitKind int

// Literal kinds.
const (
	LitInteger   LitKind = iota + 1 // 42
	LitDecimal                      // 1.5, .06, 3. (a '.' and no exponent)
	LitFloat                        // 1e6, 2.5E-3 (has an exponent)
	LitString                       // 'it''s' (Text is the unescaped value)
	LitBool                         // TRUE / FALSE (Text "true" / "false")
	LitNull                         // NULL
	LitDate                         // DATE '1998-12-01' (Text is the quoted string's value)
	LitTimestamp                    // TIMESTAMP '1998-12-01 10:00:00'
	// LitInterval is reserved: the parser never produces it. Intervals are
	// *Interval nodes.
	LitInterval
)

var litKindNames = [...]string{
	LitInteger: "integer", LitDecimal: "decimal", LitFloat: "float", LitString: "string",
	LitBool: "boolean", LitNull: "null", LitDate: "date", LitTimestamp: "timestamp", LitInterval: "interval",
}

func (k LitKind) String() string {
	if k > 0 && int(k) < len(litKindNames) {
		return litKindNames[k]
	}
	return "LitKind(?)"
}

// Literal is a constant. For numbers Text holds the exact source digits
// (".06" stays ".06"); for strings, dates and timestamps the unescaped
// string value.
type Literal struct {
	Pos  Pos
	Kind LitKind
	Text string
}

// Interval is INTERVAL n UNIT or INTERVAL 'n' UNIT. Value is the number or
// string literal as written; Unit is "DAY", "MONTH" or "YEAR" (plurals are
// accepted and normalised).
type Interval struct {
	Pos   Pos
	Value Expr
	Unit  string
}

// ColumnRef is a column, optionally qualified by a table or alias. Unquoted
// names are lower-cased; quoted names are kept exactly. The _rowid
// pseudo-column is an ordinary ColumnRef named "_rowid".
type ColumnRef struct {
	Pos   Pos
	Table string
	Name  string
}

// Param is a ? or $n placeholder. Index is 1-based: the order of
// appearance within its statement for ?, n for $n (Dollar set).
type Param struct {
	Pos    Pos
	Index  int
	Dollar bool
}

// Unary is -X, +X or NOT X.
type Unary struct {
	Pos Pos // the operator
	Op  string
	X   Expr
}

// Binary is L Op R. Op is one of "OR", "AND", "=", "<>", "<", "<=", ">",
// ">=", "||", "+", "-", "*", "/", "%", "LIKE", "ILIKE", "IS DISTINCT FROM",
// "IS NOT DISTINCT FROM". "!=" is normalised to "<>". Not is set for NOT
// LIKE and NOT ILIKE. Pos is the operator's position.
type Binary struct {
	Pos  Pos
	Op   string
	Not  bool
	L, R Expr
}

// IsNull is X IS [NOT] NULL. Pos is the IS keyword.
type IsNull struct {
	Pos Pos
	X   Expr
	Not bool
}

// Between is X [NOT] BETWEEN Lo AND Hi. Pos is NOT or BETWEEN.
type Between struct {
	Pos       Pos
	X, Lo, Hi Expr
	Not       bool
}

// InList is X [NOT] IN (List...). Pos is NOT or IN. List is never empty.
type InList struct {
	Pos  Pos
	X    Expr
	List []Expr
	Not  bool
}

// Call is a function call. Name is lower-cased (unless quoted). Star is set
// for count(*) (Args is then empty); Distinct for count(DISTINCT x).
// EXTRACT(field FROM x) is Call{Name: "extract", Args: [Literal string
// "field" (lower-cased), x]}.
//
// An aggregate call may order its input (string_agg(x, ',' ORDER BY y))
// and filter it (count(*) FILTER (WHERE x > 0)).
type Call struct {
	Pos      Pos
	Name     string
	Args     []Expr
	Star     bool
	Distinct bool
	OrderBy  []*OrderItem
	Filter   Expr
}

// Cast is CAST(X AS Type), TRY_CAST(X AS Type) (Try: a value that does
// not convert becomes NULL) or X::Type. Pos is CAST or the '::'.
type Cast struct {
	Pos  Pos
	X    Expr
	Type *TypeName
	Try  bool
}

// Lambda is a lambda function, x -> body or (x, i) -> body (also written
// lambda x, i: body): only valid as an argument of a list function that
// takes one (list_filter, list_transform, list_reduce). Params are the
// parameter names as written (quoted ones unquoted).
type Lambda struct {
	Pos    Pos
	Params []string
	Body   Expr
}

func (e *Lambda) Position() Pos { return e.Pos }
func (*Lambda) expr()           {}

// List is a bracketed list of values, [a, b, ...] (list_value(a, b, ...)),
// or [] (an empty list); also the fractions of quantile_cont and
// quantile_disc.
type List struct {
	Pos   Pos
	Elems []Expr
}

func (e *List) Position() Pos { return e.Pos }

// Case is CASE [Operand] WHEN ... THEN ... [ELSE Else] END. Operand is nil
// for a searched CASE; Else is nil when absent.
type Case struct {
	Pos     Pos
	Operand Expr
	Whens   []*When
	Else    Expr
}

// When is one WHEN Cond THEN Result arm of a CASE.
type When struct {
	Pos          Pos
	Cond, Result Expr
}

// Subquery is a scalar subquery: (SELECT ...) used as a value. Pos is the
// opening parenthesis.
type Subquery struct {
	Pos   Pos
	Query Query
}

// Exists is [NOT] EXISTS (query). Pos is NOT or EXISTS.
type Exists struct {
	Pos   Pos
	Query Query
	Not   bool
}

// InSubquery is X [NOT] IN (query). Pos is NOT or IN.
type InSubquery struct {
	Pos   Pos
	X     Expr
	Query Query
	Not   bool
}

// Quantified is X op ANY|SOME|ALL (query). Op is a comparison ("=", "<>",
// "<", "<=", ">", ">="); All is false for ANY and SOME. Pos is the
// operator.
type Quantified struct {
	Pos   Pos
	X     Expr
	Op    string
	All   bool
	Query Query
}

// ---------------------------------------------------------------------------
// Interface plumbing

func (*Select) query() {}
func (*SetOp) query()  {}
func (*Values) query() {}

func (t *TableRef) Position() Pos     { return t.Pos }
func (t *DerivedTable) Position() Pos { return t.Pos }
func (t *Join) Position() Pos         { return t.Pos }

func (*TableRef) tableExpr()     {}
func (*DerivedTable) tableExpr() {}
func (*Join) tableExpr()         {}

func (s *Select) Position() Pos        { return s.Pos }
func (s *Explain) Position() Pos       { return s.Pos }
func (s *Describe) Position() Pos      { return s.Pos }
func (s *Summarize) Position() Pos     { return s.Pos }
func (s *ShowTables) Position() Pos    { return s.Pos }
func (s *Set) Position() Pos           { return s.Pos }
func (s *DropTable) Position() Pos     { return s.Pos }
func (s *CreateTable) Position() Pos   { return s.Pos }
func (s *CreateTableAs) Position() Pos { return s.Pos }
func (s *SetOp) Position() Pos         { return s.Pos }
func (s *Values) Position() Pos        { return s.Pos }
func (s *CreateView) Position() Pos    { return s.Pos }
func (s *DropView) Position() Pos      { return s.Pos }
func (s *Copy) Position() Pos          { return s.Pos }

func (*Select) stmt()        {}
func (*Explain) stmt()       {}
func (*Describe) stmt()      {}
func (*Summarize) stmt()     {}
func (*ShowTables) stmt()    {}
func (*Set) stmt()           {}
func (*DropTable) stmt()     {}
func (*CreateTable) stmt()   {}
func (*CreateTableAs) stmt() {}
func (*SetOp) stmt()         {}
func (*Values) stmt()        {}
func (*CreateView) stmt()    {}
func (*DropView) stmt()      {}
func (*Copy) stmt()          {}

func (e *Literal) Position() Pos    { return e.Pos }
func (e *Interval) Position() Pos   { return e.Pos }
func (e *ColumnRef) Position() Pos  { return e.Pos }
func (e *Param) Position() Pos      { return e.Pos }
func (e *Unary) Position() Pos      { return e.Pos }
func (e *Binary) Position() Pos     { return e.Pos }
func (e *IsNull) Position() Pos     { return e.Pos }
func (e *Between) Position() Pos    { return e.Pos }
func (e *InList) Position() Pos     { return e.Pos }
func (e *Call) Position() Pos       { return e.Pos }
func (e *Cast) Position() Pos       { return e.Pos }
func (e *Case) Position() Pos       { return e.Pos }
func (e *Subquery) Position() Pos   { return e.Pos }
func (e *Exists) Position() Pos     { return e.Pos }
func (e *InSubquery) Position() Pos { return e.Pos }
func (e *Quantified) Position() Pos { return e.Pos }

func (*Literal) expr()    {}
func (*Interval) expr()   {}
func (*ColumnRef) expr()  {}
func (*Param) expr()      {}
func (*Unary) expr()      {}
func (*Binary) expr()     {}
func (*IsNull) expr()     {}
func (*Between) expr()    {}
func (*InList) expr()     {}
func (*Call) expr()       {}
func (*Cast) expr()       {}
func (*List) expr()       {}
func (*Case) expr()       {}
func (*Subquery) expr()   {}
func (*Exists) expr()     {}
func (*InSubquery) expr() {}
func (*Quantified) expr() {}
