package flightserver

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/recq/recq/exec"
	"github.com/recq/recq/parser"
	"github.com/recq/recq/query"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// errReadOnly is the error for statements that would change something.
var errReadOnly = errors.New("the server is read-only: it answers queries (SELECT, VALUES, set operations, EXPLAIN, DESCRIBE, SHOW TABLES, SUMMARIZE)")

// toStatus maps an error of the engine to a Flight (gRPC) status:
//
//   - SQL errors (syntax, names, types) are InvalidArgument, with their
//     line and column; a table that does not exist is NotFound;
//   - tickets that cannot be used are InvalidArgument;
//   - memory limits and max_rows are ResourceExhausted;
//   - a cancelled or timed-out client is Canceled or DeadlineExceeded;
//   - the rest (data errors, bugs) is Internal.
func toStatus(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	var pe *parser.Error
	switch {
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, err.Error())
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, err.Error())
	case errors.Is(err, errReadOnly):
		return status.Error(codes.PermissionDenied, err.Error())
	case errors.Is(err, errBadTicket):
		return status.Error(codes.InvalidArgument, err.Error())
	case errors.Is(err, exec.ErrMemoryLimit), errors.Is(err, query.ErrResultTooLarge):
		return status.Error(codes.ResourceExhausted, err.Error())
	case errors.Is(err, query.ErrClosed):
		return status.Error(codes.Unavailable, "the server is shutting down")
	case errors.As(err, &pe):
		if strings.HasPrefix(pe.Msg, "no table named ") {
			return status.Error(codes.NotFound, err.Error())
		}
		return status.Error(codes.InvalidArgument, err.Error())
	case strings.HasPrefix(err.Error(), "no table named "):
		return status.Error(codes.NotFound, err.Error())
	}
	return status.Error(codes.Internal, err.Error())
}

// recovered turns a panic's value into an Internal status.
func recovered(r any) error {
	return status.Error(codes.Internal, fmt.Sprintf("internal error (this is a bug in recq): %v", r))
}
