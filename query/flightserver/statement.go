package flightserver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/flight"
	"github.com/apache/arrow/go/v17/arrow/flight/flightsql"
	"github.com/apache/arrow/go/v17/arrow/ipc"
	"github.com/recq/recq/parser"
	"github.com/recq/recq/query"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// readOnlyStatement parses sql and refuses statements that would change
// the catalog, files or session, and, unless the server allows file
// paths, statements that name files (FROM 'path', read_csv(...),
// DESCRIBE 'path'): a client reads the server's tables, not whatever
// file the server's process may open.
func (s *Server) readOnlyStatement(sql string) (parser.Statement, error) {
	stmt, err := parser.ParseOne(sql)
	if err != nil {
		return nil, err
	}
	check := stmt
	if ex, ok := stmt.(*parser.Explain); ok {
		check = ex.Stmt
	}
	switch check.(type) {
	case parser.Query, *parser.Describe, *parser.ShowTables, *parser.Summarize:
	case *parser.Set:
		return nil, status.Error(codes.InvalidArgument, "SET changes a session, and Flight SQL calls have none: the server's settings are its flags (--memory-limit, --workers)")
	default:
		return nil, errReadOnly
	}
	if !s.cfg.AllowFilePaths {
		if pos, what := namesFile(stmt); what != "" {
			return nil, status.Errorf(codes.PermissionDenied, "%s (line %d, column %d): the server serves its tables by name; it reads files by path only when started with --allow-file-paths", what, pos.Line, pos.Column)
		}
	}
	return stmt, nil
}

// namesFile finds the first file a statement names by path.
func namesFile(stmt parser.Statement) (pos parser.Pos, what string) {
	switch st := stmt.(type) {
	case *parser.Describe:
		if st.Path != "" {
			return st.Pos, "DESCRIBE of a file path"
		}
	case *parser.Summarize:
		if st.Path != "" {
			return st.Pos, "SUMMARIZE of a file path"
		}
	}
	parser.Inspect(stmt, func(n any) bool {
		if what != "" {
			return false
		}
		if t, ok := n.(*parser.TableRef); ok {
			switch {
			case t.Path != "":
				pos, what = t.Pos, "a file path in FROM"
			case t.Func != nil:
				pos, what = t.Func.Pos, "the table function "+t.Func.Name
			}
		}
		return what == ""
	})
	return pos, what
}

// GetFlightInfoStatement plans a statement and returns its schema and
// endpoints.
func (s *Server) GetFlightInfoStatement(ctx context.Context, cmd flightsql.StatementQuery, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	if len(cmd.GetTransactionId()) > 0 {
		return nil, status.Error(codes.InvalidArgument, "recq has no transactions (it is read-only)")
	}
	return s.flightInfo(ctx, cmd.GetQuery(), nil, desc)
}

// GetSchemaStatement returns a statement's result schema.
func (s *Server) GetSchemaStatement(ctx context.Context, cmd flightsql.StatementQuery, _ *flight.FlightDescriptor) (*flight.SchemaResult, error) {
	stmt, err := s.readOnlyStatement(cmd.GetQuery())
	if err != nil {
		return nil, toStatus(err)
	}
	schema, err := s.schemaOf(ctx, stmt, cmd.GetQuery(), nil)
	if err != nil {
		return nil, toStatus(err)
	}
	return &flight.SchemaResult{Schema: flight.SerializeSchema(schema, s.cfg.Allocator)}, nil
}

// schemaOf is the result schema of a read-only statement. A query is
// planned; the other statements (EXPLAIN, DESCRIBE, SHOW TABLES,
// SUMMARIZE) are cheap and are run.
func (s *Server) schemaOf(ctx context.Context, stmt parser.Statement, sql string, args []any) (*arrow.Schema, error) {
	if _, ok := stmt.(parser.Query); ok {
		return s.session().ResultSchema(sql, args...)
	}
	res, err := s.session().Run(ctx, stmt, args...)
	if err != nil {
		return nil, err
	}
	defer res.Close()
	return res.Schema(), nil
}

// flightInfo plans a statement (with its ? parameters' values) into
// endpoints.
func (s *Server) flightInfo(ctx context.Context, sql string, params []param, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	stmt, err := s.readOnlyStatement(sql)
	if err != nil {
		return nil, toStatus(err)
	}
	args, err := paramValues(params)
	if err != nil {
		return nil, toStatus(err)
	}
	schema, err := s.schemaOf(ctx, stmt, sql, args)
	if err != nil {
		return nil, toStatus(err)
	}
	exp := time.Now().Add(s.cfg.TicketTTL)
	base := ticket{SQL: sql, Exp: exp.Unix()}
	var tickets []ticket
	ordered := false
	plan, err := s.distribute(ctx, stmt, sql, params, schema)
	switch {
	case err != nil:
		return nil, toStatus(err)
	case plan == nil || plan.NeedsFinish() || (plan.Partial() && plan.Buckets(s.cfg.Buckets) == 1):
		t := base
		t.Kind, t.Args = kindQuery, params
		tickets = append(tickets, t)
	case !plan.Partial():
		splits, err := plan.Splits(ctx)
		if err != nil {
			return nil, toStatus(err)
		}
		for _, g := range groupSplits(splits, s.cfg.Endpoints) {
			t := base
			t.Kind, t.FP, t.Splits = kindScan, plan.Fingerprint(), g
			tickets = append(tickets, t)
		}
		ordered = true
	default:
		splits, err := plan.Splits(ctx)
		if err != nil {
			return nil, toStatus(err)
		}
		// every bucket's ticket names all the splits (a file's joined
		// into one: a leaf scans it with all its workers) and this
		// execution's id, under which the server keeps the leaves'
		// states for the buckets to share
		n := plan.Buckets(s.cfg.Buckets)
		all, id := groupSplits(splits, 1)[0], newID()
		for b := range n {
			t := base
			t.Kind, t.FP, t.Splits, t.Bucket, t.Buckets, t.ID = kindBucket, plan.Fingerprint(), all, b, n, id
			tickets = append(tickets, t)
		}
	}
	info := &flight.FlightInfo{
		Schema:           flight.SerializeSchema(schema, s.cfg.Allocator),
		FlightDescriptor: desc,
		TotalRecords:     -1,
		TotalBytes:       -1,
		Ordered:          ordered,
	}
	for i, t := range tickets {
		handle, err := signTicket(s.key, t)
		if err != nil {
			return nil, toStatus(err)
		}
		tkt, err := flightsql.CreateStatementQueryTicket(handle)
		if err != nil {
			return nil, toStatus(err)
		}
		ep := &flight.FlightEndpoint{Ticket: &flight.Ticket{Ticket: tkt}, ExpirationTime: timestamppb.New(exp)}
		// Scan endpoints go round-robin to this server (no location: the
		// one the client asked) and its peers.
		if t.Kind == kindScan && len(s.cfg.Peers) > 0 {
			if k := i % (len(s.cfg.Peers) + 1); k > 0 {
				ep.Location = []*flight.Location{s.location(s.cfg.Peers[k-1])}
			}
		}
		info.Endpoint = append(info.Endpoint, ep)
	}
	return info, nil
}

// distribute plans a query for distribution, or returns nil when it runs
// whole: statements other than queries, queries with ? parameters, and
// queries that do not decompose into splits.
func (s *Server) distribute(ctx context.Context, stmt parser.Statement, sql string, params []param, schema *arrow.Schema) (*query.DistributedPlan, error) {
	if _, ok := stmt.(parser.Query); !ok || len(params) > 0 {
		return nil, nil
	}
	plan, err := s.session().PlanDistributed(ctx, sql, s.distributeOptions())
	if errors.Is(err, query.ErrNotDistributable) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	s.plans.put(plan, schema, time.Now())
	return plan, nil
}

// newID is a random id of an execution.
func newID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// groupSplits cuts splits, in file order, into at most n groups of
// consecutive splits, merging the splits of one file in a group into one.
func groupSplits(splits []query.Split, n int) [][]query.Split {
	if len(splits) == 0 {
		return [][]query.Split{nil}
	}
	n = min(n, len(splits))
	groups := make([][]query.Split, n)
	for i, sp := range splits {
		g := i * n / len(splits)
		grp := groups[g]
		if k := len(grp) - 1; k >= 0 && grp[k].File == sp.File && grp[k].Path == sp.Path {
			last := &grp[k]
			rs := append([]query.RecordRange(nil), last.Ranges...)
			for _, r := range sp.Ranges {
				if n := len(rs); n > 0 && rs[n-1].End == r.Start {
					rs[n-1].End = r.End // adjacent: one range
				} else {
					rs = append(rs, r)
				}
			}
			last.Ranges = rs
			last.Bytes += sp.Bytes
			if last.Align != sp.Align {
				last.Align = "none"
			}
			continue
		}
		groups[g] = append(grp, sp)
	}
	return groups
}

// serveTicket streams the rows of one endpoint: it checks the ticket,
// takes a query slot, and writes the batches of the ticket's work to the
// stream as they are computed. A client that goes away (or cancels)
// fails the next write, which stops the work and releases everything.
func (s *Server) serveTicket(stream flight.FlightService_DoGetServer, t ticket) error {
	ctx := stream.Context()
	release, err := s.acquire(ctx)
	if err != nil {
		return err
	}
	defer release()
	schema, produce, err := s.work(ctx, t)
	if err != nil {
		return toStatus(err)
	}
	w := flight.NewRecordWriter(stream, ipc.WithSchema(schema), ipc.WithAllocator(s.cfg.Allocator))
	err = produce(ctx, func(rec arrow.Record) error {
		out, err := conform(rec, schema)
		if err != nil {
			return err
		}
		defer out.Release()
		return writeChunked(w, out)
	})
	if cerr := w.Close(); err == nil && cerr != nil {
		err = cerr
	}
	return toStatus(err)
}

// maxMessageBytes bounds the batches sent: gRPC clients refuse messages
// over 4 MiB unless told otherwise, so larger batches go in slices.
const maxMessageBytes = 2 << 20

// writeChunked writes rec, in row slices of at most about
// maxMessageBytes.
func writeChunked(w *flight.Writer, rec arrow.Record) error {
	var size int64
	for _, c := range rec.Columns() {
		size += dataBytes(c.Data())
	}
	rows := rec.NumRows()
	if size <= maxMessageBytes || rows <= 1 {
		return w.Write(rec)
	}
	step := max(rows*maxMessageBytes/size, 1)
	for lo := int64(0); lo < rows; lo += step {
		part := rec.NewSlice(lo, min(lo+step, rows))
		err := w.Write(part)
		part.Release()
		if err != nil {
			return err
		}
	}
	return nil
}

// dataBytes is the size of an array's buffers, its children's included.
func dataBytes(d arrow.ArrayData) int64 {
	var n int64
	for _, b := range d.Buffers() {
		if b != nil {
			n += int64(b.Len())
		}
	}
	for _, c := range d.Children() {
		n += dataBytes(c)
	}
	return n
}

// producer computes a ticket's batches and hands each to emit (which
// must not keep it).
type producer func(ctx context.Context, emit func(arrow.Record) error) error

// work plans a ticket: the schema of its stream and what computes it.
// Errors found before any row (bad SQL, changed files) come back here.
func (s *Server) work(ctx context.Context, t ticket) (*arrow.Schema, producer, error) {
	switch t.Kind {
	case kindQuery:
		args, err := paramValues(t.Args)
		if err != nil {
			return nil, nil, err
		}
		if _, err := s.readOnlyStatement(t.SQL); err != nil {
			return nil, nil, err
		}
		res, err := s.session().Query(ctx, t.SQL, args...)
		if err != nil {
			return nil, nil, err
		}
		return res.Schema(), func(ctx context.Context, emit func(arrow.Record) error) error {
			return drain(res, emit)
		}, nil
	case kindScan:
		plan, schema, err := s.plans.get(ctx, s, t.SQL, t.FP)
		if err != nil {
			return nil, nil, err
		}
		return schema, func(ctx context.Context, emit func(arrow.Record) error) error {
			for _, sp := range t.Splits {
				res, err := plan.Leaf(ctx, sp)
				if err != nil {
					return err
				}
				if err := drain(res, emit); err != nil {
					return err
				}
			}
			return nil
		}, nil
	case kindBucket:
		plan, schema, err := s.plans.get(ctx, s, t.SQL, t.FP)
		if err != nil {
			return nil, nil, err
		}
		return schema, func(ctx context.Context, emit func(arrow.Record) error) error {
			recs, err := s.runs.bucket(ctx, s, plan, t)
			if err != nil {
				return err
			}
			rdr, err := array.NewRecordReader(plan.LeafSchema(), recs)
			releaseAll(recs)
			if err != nil {
				return err
			}
			res, err := plan.MergeGroups(ctx, []array.RecordReader{rdr})
			if err != nil {
				return err
			}
			return drain(res, emit)
		}, nil
	}
	return nil, nil, fmt.Errorf("ticket kind %q", t.Kind)
}

// drain emits a result's batches and closes it.
func drain(res *query.Result, emit func(arrow.Record) error) error {
	defer res.Close()
	for res.Next() {
		if err := emit(res.Record()); err != nil {
			return err
		}
	}
	return res.Err()
}

func releaseAll(recs []arrow.Record) {
	for _, r := range recs {
		r.Release()
	}
}

// conform returns rec (retained) under schema: the endpoints of one query
// send the schema its FlightInfo announced, whatever names or
// nullability a fragment's batches carry.
func conform(rec arrow.Record, schema *arrow.Schema) (arrow.Record, error) {
	if rec.Schema().Equal(schema) {
		rec.Retain()
		return rec, nil
	}
	if int(rec.NumCols()) != schema.NumFields() {
		return nil, fmt.Errorf("internal error (this is a bug in recq): a batch of %d columns for a result of %d", rec.NumCols(), schema.NumFields())
	}
	for i, f := range schema.Fields() {
		if !arrow.TypeEqual(f.Type, rec.Column(i).DataType()) {
			return nil, fmt.Errorf("internal error (this is a bug in recq): column %d (%s) is %s in a batch, %s in the result", i+1, f.Name, rec.Column(i).DataType(), f.Type)
		}
	}
	return array.NewRecord(schema, rec.Columns(), rec.NumRows()), nil
}
