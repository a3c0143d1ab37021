package flightserver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/flight"
	"github.com/apache/arrow/go/v17/arrow/flight/flightsql"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Prepared statements are kept by this server under a random handle
// until closed (or unused for preparedTTL): the SQL and, once the client
// binds them (DoPut), the values of its ? parameters. Executing one is
// executing its SQL; with parameters it runs whole on one endpoint (a
// distributed plan is re-planned from the text by every endpoint).

const preparedTTL = time.Hour

type preparedStore struct {
	mu    sync.Mutex
	stmts map[string]*prepared
}

type prepared struct {
	sql     string
	nparams int
	params  []param
	last    time.Time
}

func (p *preparedStore) put(st *prepared) (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	h := hex.EncodeToString(b)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stmts == nil {
		p.stmts = map[string]*prepared{}
	}
	now := time.Now()
	for k, s := range p.stmts {
		if now.Sub(s.last) > preparedTTL {
			delete(p.stmts, k)
		}
	}
	st.last = now
	p.stmts[h] = st
	return h, nil
}

// get returns a copy of a prepared statement.
func (p *preparedStore) get(handle []byte) (prepared, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	st, ok := p.stmts[string(handle)]
	if !ok {
		return prepared{}, status.Error(codes.NotFound, "no such prepared statement (closed, expired, or prepared on another server)")
	}
	st.last = time.Now()
	return *st, nil
}

func (p *preparedStore) bind(handle []byte, params []param) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	st, ok := p.stmts[string(handle)]
	if !ok {
		return status.Error(codes.NotFound, "no such prepared statement (closed, expired, or prepared on another server)")
	}
	st.params, st.last = params, time.Now()
	return nil
}

func (p *preparedStore) close(handle []byte) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := p.stmts[string(handle)]
	delete(p.stmts, string(handle))
	return ok
}

func (p *preparedStore) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stmts = nil
}

// CreatePreparedStatement parses a read-only statement and keeps it.
func (s *Server) CreatePreparedStatement(ctx context.Context, req flightsql.ActionCreatePreparedStatementRequest) (res flightsql.ActionCreatePreparedStatementResult, err error) {
	if len(req.GetTransactionId()) > 0 {
		return res, status.Error(codes.InvalidArgument, "recq has no transactions (it is read-only)")
	}
	sess := s.session()
	st, err := sess.Prepare(req.GetQuery())
	if err != nil {
		return res, toStatus(err)
	}
	stmt, err := s.readOnlyStatement(req.GetQuery())
	if err != nil {
		return res, toStatus(err)
	}
	p := &prepared{sql: req.GetQuery(), nparams: st.NumParams()}
	if p.nparams == 0 {
		if res.DatasetSchema, err = s.schemaOf(ctx, stmt, p.sql, nil); err != nil {
			return res, toStatus(err)
		}
	} else {
		// the parameters' types are the client's to choose
		fields := make([]arrow.Field, p.nparams)
		for i := range fields {
			fields[i] = arrow.Field{Name: fmt.Sprintf("parameter_%d", i+1), Type: arrow.Null, Nullable: true}
		}
		res.ParameterSchema = arrow.NewSchema(fields, nil)
	}
	h, err := s.prepared.put(p)
	if err != nil {
		return res, toStatus(err)
	}
	res.Handle = []byte(h)
	return res, nil
}

// ClosePreparedStatement forgets a prepared statement.
func (s *Server) ClosePreparedStatement(_ context.Context, req flightsql.ActionClosePreparedStatementRequest) error {
	if !s.prepared.close(req.GetPreparedStatementHandle()) {
		return status.Error(codes.NotFound, "no such prepared statement")
	}
	return nil
}

// DoPutPreparedStatementQuery binds the values of a prepared statement's
// parameters: one row, a column per parameter.
func (s *Server) DoPutPreparedStatementQuery(_ context.Context, cmd flightsql.PreparedStatementQuery, rdr flight.MessageReader, _ flight.MetadataWriter) ([]byte, error) {
	st, err := s.prepared.get(cmd.GetPreparedStatementHandle())
	if err != nil {
		return nil, err
	}
	var params []param
	rows := 0
	for rdr.Next() {
		rec := rdr.Record()
		if rows += int(rec.NumRows()); rows > 1 {
			return nil, status.Error(codes.InvalidArgument, "bind one row of parameter values (recq runs a statement once per execution)")
		}
		if rec.NumRows() == 0 {
			continue
		}
		if int(rec.NumCols()) != st.nparams {
			return nil, status.Errorf(codes.InvalidArgument, "the statement has %d parameters, %d values given", st.nparams, rec.NumCols())
		}
		for i, col := range rec.Columns() {
			p, err := paramOf(col, 0)
			if err != nil {
				return nil, status.Errorf(codes.InvalidArgument, "parameter %d: %v", i+1, err)
			}
			params = append(params, p)
		}
	}
	if err := rdr.Err(); err != nil {
		return nil, toStatus(err)
	}
	if err := s.prepared.bind(cmd.GetPreparedStatementHandle(), params); err != nil {
		return nil, err
	}
	return cmd.GetPreparedStatementHandle(), nil
}

// GetFlightInfoPreparedStatement plans an execution of a prepared
// statement with its bound parameters.
func (s *Server) GetFlightInfoPreparedStatement(ctx context.Context, cmd flightsql.PreparedStatementQuery, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	st, err := s.prepared.get(cmd.GetPreparedStatementHandle())
	if err != nil {
		return nil, err
	}
	if len(st.params) != st.nparams {
		return nil, status.Errorf(codes.InvalidArgument, "the statement has %d parameters and %d are bound", st.nparams, len(st.params))
	}
	return s.flightInfo(ctx, st.sql, st.params, desc)
}

// GetSchemaPreparedStatement is the result schema of a prepared
// statement with its bound parameters.
func (s *Server) GetSchemaPreparedStatement(ctx context.Context, cmd flightsql.PreparedStatementQuery, _ *flight.FlightDescriptor) (*flight.SchemaResult, error) {
	st, err := s.prepared.get(cmd.GetPreparedStatementHandle())
	if err != nil {
		return nil, err
	}
	args, err := paramValues(st.params)
	if err != nil {
		return nil, toStatus(err)
	}
	stmt, err := s.readOnlyStatement(st.sql)
	if err != nil {
		return nil, toStatus(err)
	}
	schema, err := s.schemaOf(ctx, stmt, st.sql, args)
	if err != nil {
		return nil, toStatus(err)
	}
	return &flight.SchemaResult{Schema: flight.SerializeSchema(schema, s.cfg.Allocator)}, nil
}

// servePrepared runs a prepared statement on one stream, for clients
// that redeem the command itself as a ticket.
func (s *Server) servePrepared(stream flight.FlightService_DoGetServer, handle []byte) error {
	st, err := s.prepared.get(handle)
	if err != nil {
		return err
	}
	return s.serveTicket(stream, ticket{Kind: kindQuery, SQL: st.sql, Args: st.params})
}

// param is a parameter value in a ticket: its kind and its text, so
// integers keep all their digits through JSON.
type param struct {
	T string `json:"t"`
	V string `json:"v,omitempty"`
}

// paramOf reads row i of a column of bound parameter values.
func paramOf(col arrow.Array, i int) (param, error) {
	if col.IsNull(i) {
		return param{T: "null"}, nil
	}
	switch c := col.(type) {
	case *array.Boolean:
		return param{T: "bool", V: strconv.FormatBool(c.Value(i))}, nil
	case *array.Int8:
		return param{T: "int", V: strconv.FormatInt(int64(c.Value(i)), 10)}, nil
	case *array.Int16:
		return param{T: "int", V: strconv.FormatInt(int64(c.Value(i)), 10)}, nil
	case *array.Int32:
		return param{T: "int", V: strconv.FormatInt(int64(c.Value(i)), 10)}, nil
	case *array.Int64:
		return param{T: "int", V: strconv.FormatInt(c.Value(i), 10)}, nil
	case *array.Uint8:
		return param{T: "int", V: strconv.FormatUint(uint64(c.Value(i)), 10)}, nil
	case *array.Uint16:
		return param{T: "int", V: strconv.FormatUint(uint64(c.Value(i)), 10)}, nil
	case *array.Uint32:
		return param{T: "int", V: strconv.FormatUint(uint64(c.Value(i)), 10)}, nil
	case *array.Uint64:
		return param{T: "uint", V: strconv.FormatUint(c.Value(i), 10)}, nil
	case *array.Float32:
		return param{T: "float", V: strconv.FormatFloat(float64(c.Value(i)), 'g', -1, 32)}, nil
	case *array.Float64:
		return param{T: "float", V: strconv.FormatFloat(c.Value(i), 'g', -1, 64)}, nil
	case *array.String:
		return param{T: "string", V: c.Value(i)}, nil
	case *array.LargeString:
		return param{T: "string", V: c.Value(i)}, nil
	case *array.Date32:
		return param{T: "date", V: strconv.FormatInt(int64(c.Value(i)), 10)}, nil
	case *array.Null:
		return param{T: "null"}, nil
	}
	return param{}, fmt.Errorf("values of type %s are not supported (use integers, floats, strings, booleans, dates or NULL)", col.DataType())
}

// paramValues turns a ticket's parameters into the engine's arguments.
func paramValues(ps []param) ([]any, error) {
	out := make([]any, len(ps))
	for i, p := range ps {
		var err error
		switch p.T {
		case "null":
		case "bool":
			out[i], err = strconv.ParseBool(p.V)
		case "int":
			out[i], err = strconv.ParseInt(p.V, 10, 64)
		case "uint":
			out[i], err = strconv.ParseUint(p.V, 10, 64)
		case "float":
			out[i], err = strconv.ParseFloat(p.V, 64)
		case "string":
			out[i] = p.V
		case "date":
			var d int64
			d, err = strconv.ParseInt(p.V, 10, 32)
			out[i] = arrow.Date32(d)
		default:
			err = fmt.Errorf("unknown kind %q", p.T)
		}
		if err != nil {
			return nil, &ticketError{fmt.Sprintf("parameter %d: %v", i+1, err)}
		}
	}
	return out, nil
}
