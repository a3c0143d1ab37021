package flightserver

import (
	"context"
	"crypto/subtle"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// Every call passes two interceptors: the bearer token check (when the
// server has a token), then a recover that turns a panic in a handler
// into an Internal status instead of ending the process.

// checkToken checks the call's "authorization: Bearer TOKEN" header.
func (s *Server) checkToken(ctx context.Context) error {
	if s.cfg.Token == "" {
		return nil
	}
	md, _ := metadata.FromIncomingContext(ctx)
	for _, v := range md.Get("authorization") {
		scheme, tok, ok := strings.Cut(v, " ")
		if ok && strings.EqualFold(scheme, "Bearer") &&
			subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(s.cfg.Token)) == 1 {
			return nil
		}
	}
	if len(md.Get("authorization")) == 0 {
		return status.Error(codes.Unauthenticated, "missing authorization header: send 'authorization: Bearer TOKEN'")
	}
	return status.Error(codes.Unauthenticated, "invalid bearer token")
}

func (s *Server) unaryInterceptor(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
	if err := s.checkToken(ctx); err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			resp, err = nil, recovered(r)
		}
	}()
	return handler(ctx, req)
}

func (s *Server) streamInterceptor(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
	if err := s.checkToken(ss.Context()); err != nil {
		return err
	}
	defer func() {
		if r := recover(); r != nil {
			err = recovered(r)
		}
	}()
	return handler(srv, ss)
}
