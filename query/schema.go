package query

import (
	"github.com/apache/arrow/go/v17/arrow"
	"github.com/recq/recq/parser"
	"github.com/recq/recq/scan"
)

// ResultSchema binds and plans a query, with args for its ? parameters,
// without running it, and returns the schema its Result will have. It
// reads file headers but no records. Servers use it to describe a
// result before any client reads it (Flight SQL's GetFlightInfo).
func (s *Session) ResultSchema(sql string, args ...any) (schema *arrow.Schema, err error) {
	defer func() {
		if r := recover(); r != nil {
			ie := scan.Recovered(r)
			ie.Statement = sql
			schema, err = nil, ie
		}
	}()
	if s.e.isClosed() {
		return nil, ErrClosed
	}
	stmt, err := parseOne(sql)
	if err != nil {
		return nil, err
	}
	q, ok := stmt.(parser.Query)
	if !ok {
		return nil, posErr(stmt.Position(), "only queries (SELECT, VALUES, set operations) have a result schema known before they run")
	}
	pp, err := s.plan(q, args, false)
	if err != nil {
		return nil, err
	}
	defer pp.release()
	return renamed(pp.root.Schema(), pp.names, pp.notNull), nil
}
