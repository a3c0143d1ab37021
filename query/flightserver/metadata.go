package flightserver

import (
	"context"
	"regexp"
	"sort"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/flight"
	"github.com/apache/arrow/go/v17/arrow/flight/flightsql"
	"github.com/apache/arrow/go/v17/arrow/flight/flightsql/schema_ref"
	pb "github.com/apache/arrow/go/v17/arrow/flight/gen/flight"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// The metadata calls let generic clients (JDBC, ADBC, DBeaver ...)
// browse: one catalog, "recq", with one schema, "main", holding the
// engine's tables (the data directory's files and registered tables) and
// views.

const (
	catalogName = "recq"
	schemaName  = "main"
)

func (s *Server) registerSqlInfo() error {
	info := map[flightsql.SqlInfo]any{
		flightsql.SqlInfoFlightSqlServerName:         "recq",
		flightsql.SqlInfoFlightSqlServerVersion:      s.cfg.Version,
		flightsql.SqlInfoFlightSqlServerArrowVersion: arrow.PkgVersion,
		flightsql.SqlInfoFlightSqlServerReadOnly:     true,
		flightsql.SqlInfoFlightSqlServerSql:          true,
		flightsql.SqlInfoFlightSqlServerSubstrait:    false,
		flightsql.SqlInfoFlightSqlServerTransaction:  int32(flightsql.SqlTransactionNone),
		flightsql.SqlInfoFlightSqlServerCancel:       false,
		flightsql.SqlInfoDDLCatalog:                  false,
		flightsql.SqlInfoDDLSchema:                   false,
		flightsql.SqlInfoDDLTable:                    false,
		flightsql.SqlInfoIdentifierCase:              int64(flightsql.SqlCaseSensitivityCaseInsensitive),
		flightsql.SqlInfoIdentifierQuoteChar:         `"`,
		flightsql.SqlInfoQuotedIdentifierCase:        int64(flightsql.SqlCaseSensitivityCaseInsensitive),
		flightsql.SqlInfoAllTablesAreASelectable:     true,
		flightsql.SqlInfoTransactionsSupported:       false,
	}
	for id, v := range info {
		if err := s.RegisterSqlInfo(id, v); err != nil {
			return err
		}
	}
	return nil
}

// oneEndpoint is the FlightInfo of a metadata command: one endpoint whose
// ticket is the command itself.
func (s *Server) oneEndpoint(desc *flight.FlightDescriptor, schema *arrow.Schema) *flight.FlightInfo {
	return &flight.FlightInfo{
		Endpoint:         []*flight.FlightEndpoint{{Ticket: &flight.Ticket{Ticket: desc.Cmd}}},
		FlightDescriptor: desc,
		Schema:           flight.SerializeSchema(schema, s.cfg.Allocator),
		TotalRecords:     -1,
		TotalBytes:       -1,
	}
}

// rows streams one record built by fill.
func (s *Server) rows(schema *arrow.Schema, fill func(b *array.RecordBuilder) error) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	b := array.NewRecordBuilder(s.cfg.Allocator, schema)
	defer b.Release()
	if err := fill(b); err != nil {
		return nil, nil, toStatus(err)
	}
	rec := b.NewRecord()
	ch := make(chan flight.StreamChunk, 1)
	ch <- flight.StreamChunk{Data: rec}
	close(ch)
	return schema, ch, nil
}

func (s *Server) GetFlightInfoCatalogs(_ context.Context, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	return s.oneEndpoint(desc, schema_ref.Catalogs), nil
}

func (s *Server) DoGetCatalogs(context.Context) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	return s.rows(schema_ref.Catalogs, func(b *array.RecordBuilder) error {
		b.Field(0).(*array.StringBuilder).Append(catalogName)
		return nil
	})
}

func (s *Server) GetFlightInfoSchemas(_ context.Context, _ flightsql.GetDBSchemas, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	return s.oneEndpoint(desc, schema_ref.DBSchemas), nil
}

func (s *Server) DoGetDBSchemas(_ context.Context, cmd flightsql.GetDBSchemas) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	return s.rows(schema_ref.DBSchemas, func(b *array.RecordBuilder) error {
		if catalogMatches(cmd.GetCatalog()) && likeMatches(cmd.GetDBSchemaFilterPattern(), schemaName) {
			b.Field(0).(*array.StringBuilder).Append(catalogName)
			b.Field(1).(*array.StringBuilder).Append(schemaName)
		}
		return nil
	})
}

func (s *Server) GetFlightInfoTables(_ context.Context, cmd flightsql.GetTables, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	if cmd.GetIncludeSchema() {
		return s.oneEndpoint(desc, schema_ref.TablesWithIncludedSchema), nil
	}
	return s.oneEndpoint(desc, schema_ref.Tables), nil
}

func (s *Server) DoGetTables(_ context.Context, cmd flightsql.GetTables) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	schema := schema_ref.Tables
	if cmd.GetIncludeSchema() {
		schema = schema_ref.TablesWithIncludedSchema
	}
	types := map[string]bool{}
	for _, t := range cmd.GetTableTypes() {
		types[strings.ToUpper(t)] = true
	}
	return s.rows(schema, func(b *array.RecordBuilder) error {
		if !catalogMatches(cmd.GetCatalog()) || !likeMatches(cmd.GetDBSchemaFilterPattern(), schemaName) {
			return nil
		}
		tables := s.eng.Tables()
		sort.Slice(tables, func(i, j int) bool { return tables[i].Name < tables[j].Name })
		for _, t := range tables {
			typ := "TABLE"
			if _, ok := s.eng.ViewSQL(t.Name); ok {
				typ = "VIEW"
			}
			if (len(types) > 0 && !types[typ]) || !likeMatches(cmd.GetTableNameFilterPattern(), t.Name) {
				continue
			}
			var ipc []byte
			if cmd.GetIncludeSchema() {
				ts, err := s.session().ResultSchema(`SELECT * FROM "` + strings.ReplaceAll(t.Name, `"`, `""`) + `"`)
				if err != nil {
					return err
				}
				ipc = flight.SerializeSchema(ts, s.cfg.Allocator)
			}
			b.Field(0).(*array.StringBuilder).Append(catalogName)
			b.Field(1).(*array.StringBuilder).Append(schemaName)
			b.Field(2).(*array.StringBuilder).Append(t.Name)
			b.Field(3).(*array.StringBuilder).Append(typ)
			if cmd.GetIncludeSchema() {
				b.Field(4).(*array.BinaryBuilder).Append(ipc)
			}
		}
		return nil
	})
}

func (s *Server) GetFlightInfoTableTypes(_ context.Context, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	return s.oneEndpoint(desc, schema_ref.TableTypes), nil
}

func (s *Server) DoGetTableTypes(context.Context) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	return s.rows(schema_ref.TableTypes, func(b *array.RecordBuilder) error {
		b.Field(0).(*array.StringBuilder).AppendValues([]string{"TABLE", "VIEW"}, nil)
		return nil
	})
}

// xdbcType is a row of GetXdbcTypeInfo: the SQL types recq has.
type xdbcType struct {
	name      string
	dataType  pb.XdbcDataType
	size      int32 // column size (precision), 0: none
	prefix    string
	params    []string
	caseSens  bool
	searchabl int32
	unsigned  bool
	fixedPrec bool
}

var xdbcTypes = []xdbcType{
	{name: "BOOLEAN", dataType: pb.XdbcDataType_XDBC_BIT, size: 1, searchabl: 2},
	{name: "SMALLINT", dataType: pb.XdbcDataType_XDBC_SMALLINT, size: 5, searchabl: 2},
	{name: "INTEGER", dataType: pb.XdbcDataType_XDBC_INTEGER, size: 10, searchabl: 2},
	{name: "BIGINT", dataType: pb.XdbcDataType_XDBC_BIGINT, size: 19, searchabl: 2},
	{name: "REAL", dataType: pb.XdbcDataType_XDBC_REAL, size: 7, searchabl: 2},
	{name: "DOUBLE", dataType: pb.XdbcDataType_XDBC_DOUBLE, size: 15, searchabl: 2},
	{name: "DECIMAL", dataType: pb.XdbcDataType_XDBC_DECIMAL, size: 38, params: []string{"precision", "scale"}, searchabl: 2, fixedPrec: true},
	{name: "VARCHAR", dataType: pb.XdbcDataType_XDBC_VARCHAR, prefix: "'", caseSens: true, searchabl: 3},
	{name: "DATE", dataType: pb.XdbcDataType_XDBC_DATE, size: 10, prefix: "DATE '", searchabl: 2},
	{name: "TIMESTAMP", dataType: pb.XdbcDataType_XDBC_TIMESTAMP, size: 26, prefix: "TIMESTAMP '", searchabl: 2},
}

func (s *Server) GetFlightInfoXdbcTypeInfo(_ context.Context, _ flightsql.GetXdbcTypeInfo, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	return s.oneEndpoint(desc, schema_ref.XdbcTypeInfo), nil
}

func (s *Server) DoGetXdbcTypeInfo(_ context.Context, cmd flightsql.GetXdbcTypeInfo) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	return s.rows(schema_ref.XdbcTypeInfo, func(b *array.RecordBuilder) error {
		for _, t := range xdbcTypes {
			if cmd.GetDataType() != nil && *cmd.GetDataType() != int32(t.dataType) {
				continue
			}
			str := func(i int, v string) {
				if v == "" {
					b.Field(i).AppendNull()
				} else {
					b.Field(i).(*array.StringBuilder).Append(v)
				}
			}
			i32 := func(i int, v int32, ok bool) {
				if ok {
					b.Field(i).(*array.Int32Builder).Append(v)
				} else {
					b.Field(i).AppendNull()
				}
			}
			b.Field(0).(*array.StringBuilder).Append(t.name)
			i32(1, int32(t.dataType), true)
			i32(2, t.size, t.size > 0)
			str(3, t.prefix)
			if t.prefix != "" {
				str(4, "'")
			} else {
				str(4, "")
			}
			lb := b.Field(5).(*array.ListBuilder)
			if t.params == nil {
				lb.AppendNull()
			} else {
				lb.Append(true)
				lb.ValueBuilder().(*array.StringBuilder).AppendValues(t.params, nil)
			}
			i32(6, 1, true) // nullable: yes
			b.Field(7).(*array.BooleanBuilder).Append(t.caseSens)
			i32(8, t.searchabl, true)
			b.Field(9).(*array.BooleanBuilder).Append(t.unsigned)
			b.Field(10).(*array.BooleanBuilder).Append(t.fixedPrec)
			b.Field(11).(*array.BooleanBuilder).Append(false)
			str(12, t.name)
			i32(13, 0, t.fixedPrec)
			i32(14, 38, t.fixedPrec)
			i32(15, int32(t.dataType), true)
			i32(16, 0, false)
			i32(17, 10, t.size > 0 && t.prefix == "")
			i32(18, 0, false)
		}
		return nil
	})
}

// The read-only refusals.

func (s *Server) DoPutCommandStatementUpdate(context.Context, flightsql.StatementUpdate) (int64, error) {
	return 0, status.Error(codes.PermissionDenied, errReadOnly.Error())
}

func (s *Server) DoPutPreparedStatementUpdate(context.Context, flightsql.PreparedStatementUpdate, flight.MessageReader) (int64, error) {
	return 0, status.Error(codes.PermissionDenied, errReadOnly.Error())
}

func (s *Server) DoPutCommandStatementIngest(context.Context, flightsql.StatementIngest, flight.MessageReader) (int64, error) {
	return 0, status.Error(codes.PermissionDenied, errReadOnly.Error())
}

// catalogMatches reports whether a catalog filter admits recq's catalog
// (no filter, or the empty string for "no catalog" is not recq's).
func catalogMatches(c *string) bool { return c == nil || *c == catalogName }

// likeMatches matches a Flight SQL filter pattern (SQL LIKE: % any
// string, _ one character) case-insensitively; nil matches everything.
func likeMatches(pattern *string, s string) bool {
	if pattern == nil {
		return true
	}
	var re strings.Builder
	re.WriteString("(?is)^")
	for _, r := range *pattern {
		switch r {
		case '%':
			re.WriteString(".*")
		case '_':
			re.WriteString(".")
		default:
			re.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	re.WriteString("$")
	ok, err := regexp.MatchString(re.String(), s)
	return err == nil && ok
}
