// Package flightserver serves a recq engine over Arrow Flight SQL: the
// server behind `recq serve` (the recq-serve command). It lives apart
// from the query package so that only the server links gRPC and
// protobuf, whose package initialisation would slow every `recq -c`.
//
// A statement's FlightInfo lists endpoints whose streams together are
// the result (see docs/distributed.md, "recq serve"):
//
//   - a plain scan (filters, projections, broadcast joins; no
//     aggregation, ORDER BY or LIMIT) has one endpoint per group of
//     splits, each running the leaf fragment on its splits, in file
//     order;
//   - a grouped aggregation without ORDER BY or LIMIT has one endpoint
//     per hash bucket of the group keys: the server runs the leaves once
//     and each endpoint merges the partial states of its bucket's groups
//     into final rows;
//   - anything else (ORDER BY, LIMIT, a global aggregation, a query that
//     does not decompose, ? parameters) has one endpoint running the
//     whole query.
//
// Tickets are self-contained and signed (HMAC-SHA256), so with peers
// (servers holding the same files and the same ticket key) any server
// redeems any ticket.
package flightserver

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"runtime"
	"sync"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/flight"
	"github.com/apache/arrow/go/v17/arrow/flight/flightsql"
	pb "github.com/apache/arrow/go/v17/arrow/flight/gen/flight"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/recq/recq/query"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
)

// Config configures a server. Engine is required; zero fields take the
// defaults given.
type Config struct {
	// Engine answers the queries; its settings (workers, memory_limit,
	// max_rows ...) apply to each query.
	Engine *query.Engine
	// Token, when set, is the bearer token every call must carry
	// ("authorization: Bearer TOKEN").
	Token string
	// TicketKey signs tickets. Servers that redeem each other's tickets
	// (peers) need the same key. Default: derived from Token, or random
	// when there is no token.
	TicketKey []byte
	// TLS, when set, serves over TLS.
	TLS *tls.Config
	// Peers are the host:port addresses of other recq servers holding the
	// same files and the same ticket key: scan endpoints are spread
	// round-robin over this server and them.
	Peers []string
	// MaxQueries bounds the result streams running at once (default 64);
	// a stream that finds them all busy waits up to QueueWait (default
	// 10s) for one to end, then fails with ResourceExhausted.
	MaxQueries int
	QueueWait  time.Duration
	// Endpoints is the most endpoints of a plain scan (default: the
	// number of CPUs times the servers); Buckets the endpoints of a
	// grouped aggregation (default: the number of CPUs).
	Endpoints int
	Buckets   int
	// SplitBytes is the target size of a split (default 16 MiB; a scan
	// endpoint reads several consecutive splits, so small splits only
	// balance the endpoints better).
	SplitBytes int64
	// TicketTTL is how long tickets stay valid (default 1h); the leaves'
	// partial states of a bucketed aggregation are kept until every
	// bucket is read, or for BucketTTL (default 5 min) after the last
	// bucket read.
	TicketTTL time.Duration
	BucketTTL time.Duration
	// AllowFilePaths lets clients read files by path (FROM 'file.rec',
	// read_csv('...'), DESCRIBE 'path'): any file the server's process
	// can open. Off, clients read the engine's tables only.
	AllowFilePaths bool
	// Allocator allocates the metadata results and the IPC framing
	// (default: memory.DefaultAllocator); tests pass a checked one.
	Allocator memory.Allocator
	// Version is reported by GetSqlInfo.
	Version string
}

// Server is a Flight SQL server over a recq engine.
type Server struct {
	flightsql.BaseServer
	cfg   Config
	eng   *query.Engine
	key   []byte
	slots chan struct{}
	grpc  *grpc.Server

	plans    planCache
	runs     runCache
	prepared preparedStore

	// done ends with Shutdown.
	done   chan struct{}
	closed sync.Once
}

// New creates a server; Serve starts it.
func New(cfg Config) (*Server, error) {
	if cfg.Engine == nil {
		return nil, errors.New("flightserver: no engine")
	}
	cpus := runtime.GOMAXPROCS(0)
	if cfg.MaxQueries <= 0 {
		cfg.MaxQueries = 64
	}
	if cfg.QueueWait <= 0 {
		cfg.QueueWait = 10 * time.Second
	}
	if cfg.Endpoints <= 0 {
		cfg.Endpoints = cpus * (1 + len(cfg.Peers))
	}
	if cfg.Buckets <= 0 {
		cfg.Buckets = cpus
	}
	if cfg.SplitBytes <= 0 {
		cfg.SplitBytes = 16 << 20
	}
	if cfg.TicketTTL <= 0 {
		cfg.TicketTTL = time.Hour
	}
	if cfg.BucketTTL <= 0 {
		cfg.BucketTTL = 5 * time.Minute
	}
	if cfg.Allocator == nil {
		cfg.Allocator = memory.DefaultAllocator
	}
	if cfg.Version == "" {
		cfg.Version = "dev"
	}
	key := cfg.TicketKey
	switch {
	case len(key) > 0:
	case cfg.Token != "":
		sum := sha256.Sum256([]byte("recq ticket key\x00" + cfg.Token))
		key = sum[:]
	default:
		if len(cfg.Peers) > 0 {
			return nil, errors.New("peers redeem each other's tickets, so they need a shared ticket key: give every server the same --token (or --ticket-key)")
		}
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
	}
	s := &Server{cfg: cfg, eng: cfg.Engine, key: key, slots: make(chan struct{}, cfg.MaxQueries), done: make(chan struct{})}
	s.Alloc = cfg.Allocator
	s.plans.init()
	s.runs.init(cfg.BucketTTL)
	if err := s.registerSqlInfo(); err != nil {
		return nil, err
	}
	opts := []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(s.unaryInterceptor),
		grpc.ChainStreamInterceptor(s.streamInterceptor),
		grpc.MaxRecvMsgSize(64 << 20),
		// result streams are large: write to the socket in 1 MiB
		// rather than 32 KiB pieces (a third of the syscalls' CPU time
		// of a loopback scan went to the small writes)
		grpc.WriteBufferSize(1 << 20),
	}
	if cfg.TLS != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(cfg.TLS)))
	}
	s.grpc = grpc.NewServer(opts...)
	flight.RegisterFlightServiceServer(s.grpc, &service{FlightServer: flightsql.NewFlightServerWithAllocator(s, cfg.Allocator), s: s})
	return s, nil
}

// Serve answers calls on lis until Shutdown.
func (s *Server) Serve(lis net.Listener) error {
	err := s.grpc.Serve(lis)
	if errors.Is(err, grpc.ErrServerStopped) {
		return nil
	}
	return err
}

// Shutdown stops accepting calls and waits up to timeout for the running
// ones (result streams included) to end, then cancels them. It releases
// what the server holds; the engine is the caller's to close.
func (s *Server) Shutdown(timeout time.Duration) {
	s.closed.Do(func() {
		close(s.done)
		stopped := make(chan struct{})
		go func() {
			s.grpc.GracefulStop()
			close(stopped)
		}()
		select {
		case <-stopped:
		case <-time.After(timeout):
			s.grpc.Stop()
			<-stopped
		}
		s.runs.clear()
		s.prepared.clear()
	})
}

// acquire takes a query slot, waiting up to QueueWait.
func (s *Server) acquire(ctx context.Context) (release func(), err error) {
	select {
	case s.slots <- struct{}{}:
	default:
		t := time.NewTimer(s.cfg.QueueWait)
		defer t.Stop()
		select {
		case s.slots <- struct{}{}:
		case <-t.C:
			return nil, status.Errorf(codes.ResourceExhausted, "the server runs %d queries at once (--max-queries) and none ended within %s: try again later", s.cfg.MaxQueries, s.cfg.QueueWait)
		case <-ctx.Done():
			return nil, toStatus(ctx.Err())
		case <-s.done:
			return nil, status.Error(codes.Unavailable, "the server is shutting down")
		}
	}
	return sync.OnceFunc(func() { <-s.slots }), nil
}

// session is a fresh session with the engine's settings for one query.
func (s *Server) session() *query.Session { return s.eng.NewSession() }

// distributeOptions are the options of every distributed plan.
func (s *Server) distributeOptions() query.DistributeOptions {
	return query.DistributeOptions{SplitBytes: s.cfg.SplitBytes}
}

// planCache keeps recent distributed plans by SQL text, so the endpoints
// of a query do not each re-plan it.
type planCache struct {
	mu    sync.Mutex
	plans map[string]cachedPlan
}

type cachedPlan struct {
	plan   *query.DistributedPlan
	schema *arrow.Schema // the result's, as FlightInfo announced it
	at     time.Time
}

const (
	planCacheSize = 128
	planCacheTTL  = time.Minute
)

func (c *planCache) init() { c.plans = map[string]cachedPlan{} }

// get returns the plan of sql with the fingerprint fp and its result
// schema, planning it when it is not cached.
func (c *planCache) get(ctx context.Context, s *Server, sql, fp string) (*query.DistributedPlan, *arrow.Schema, error) {
	now := time.Now()
	c.mu.Lock()
	if e, ok := c.plans[sql]; ok && now.Sub(e.at) < planCacheTTL && e.plan.Fingerprint() == fp {
		c.mu.Unlock()
		return e.plan, e.schema, nil
	}
	c.mu.Unlock()
	p, err := s.session().PlanDistributed(ctx, sql, s.distributeOptions())
	if err != nil {
		return nil, nil, err
	}
	if p.Fingerprint() != fp {
		return nil, nil, status.Errorf(codes.FailedPrecondition, "the query plans differently here (fingerprint %s, the ticket's %s): the tables or files changed since it was planned, or this server holds other files; run the query again", p.Fingerprint(), fp)
	}
	schema, err := s.session().ResultSchema(sql)
	if err != nil {
		return nil, nil, err
	}
	c.put(p, schema, now)
	return p, schema, nil
}

func (c *planCache) put(p *query.DistributedPlan, schema *arrow.Schema, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.plans) >= planCacheSize {
		for k, e := range c.plans {
			if now.Sub(e.at) >= planCacheTTL || len(c.plans) >= planCacheSize {
				delete(c.plans, k)
			}
		}
	}
	c.plans[p.SQL()] = cachedPlan{plan: p, schema: schema, at: now}
}

// location is the Flight location of a peer.
func (s *Server) location(addr string) *flight.Location {
	scheme := "grpc+tcp"
	if s.cfg.TLS != nil {
		scheme = "grpc+tls"
	}
	return &flight.Location{Uri: fmt.Sprintf("%s://%s", scheme, addr)}
}

// service is flightsql's router with DoGet of statement tickets served
// here: the rows are written to the stream as they are computed (no
// goroutine and channel between them), every batch is released whatever
// happens to the stream, and large batches are sliced under gRPC's
// message size limit.
type service struct {
	flight.FlightServer
	s *Server
}

func (f *service) DoGet(tkt *flight.Ticket, stream flight.FlightService_DoGetServer) error {
	var anycmd anypb.Any
	if err := proto.Unmarshal(tkt.GetTicket(), &anycmd); err == nil {
		if cmd, err := anycmd.UnmarshalNew(); err == nil {
			switch c := cmd.(type) {
			case *pb.TicketStatementQuery:
				t, err := openTicket(f.s.key, c.GetStatementHandle(), time.Now())
				if err != nil {
					return toStatus(err)
				}
				return f.s.serveTicket(stream, t)
			case *pb.CommandPreparedStatementQuery:
				return f.s.servePrepared(stream, c.GetPreparedStatementHandle())
			}
		}
	}
	return f.FlightServer.DoGet(tkt, stream)
}
